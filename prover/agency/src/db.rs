//! One code path for both databases: sqlx's `Any` driver over SQLite (one
//! file, WAL mode) or PostgreSQL, the migrations checked in under
//! `prover/agency/migrations/` embedded and applied at start.
use crate::error::{AgencyError, Result};
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::{AnyPool, Row};
use std::borrow::Cow;

/// The migrations, in order (version, description, SQL).
const MIGRATIONS: &[(i64, &str, &str)] =
    &[(1, "service", include_str!("../migrations/0001_service.sql"))];

/// The database URL for `--db`: a `postgres://` or `postgresql://` URL as
/// given, a `sqlite:` URL as given, anything else a SQLite file path
/// (created if missing).
pub fn url_of(db: &str) -> String {
    if db.starts_with("postgres://") || db.starts_with("postgresql://") || db.starts_with("sqlite:")
    {
        db.to_string()
    } else {
        format!("sqlite://{db}?mode=rwc")
    }
}

/// Whether `url` names PostgreSQL.
pub fn is_postgres(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

/// Connects (SQLite: WAL journal, a busy timeout, foreign writers wait) and
/// applies the migrations.
pub async fn connect(db: &str, max_connections: u32) -> Result<AnyPool> {
    sqlx::any::install_default_drivers();
    let url = url_of(db);
    let sqlite = !is_postgres(&url);
    let pool = AnyPoolOptions::new()
        .max_connections(if sqlite {
            max_connections.min(4)
        } else {
            max_connections
        })
        .after_connect(move |conn, _meta| {
            Box::pin(async move {
                if sqlite {
                    sqlx::query("PRAGMA journal_mode=WAL")
                        .execute(&mut *conn)
                        .await?;
                    sqlx::query("PRAGMA busy_timeout=10000")
                        .execute(&mut *conn)
                        .await?;
                    sqlx::query("PRAGMA synchronous=FULL")
                        .execute(&mut *conn)
                        .await?;
                }
                Ok(())
            })
        })
        .connect(&url)
        .await
        .map_err(|e| AgencyError::Config(format!("cannot open database {db}: {e}")))?;
    migrator().run(&pool).await?;
    Ok(pool)
}

/// The embedded migrations.
pub fn migrator() -> Migrator {
    Migrator {
        migrations: Cow::Owned(
            MIGRATIONS
                .iter()
                .map(|(v, d, sql)| {
                    Migration::new(
                        *v,
                        Cow::Borrowed(*d),
                        MigrationType::Simple,
                        Cow::Borrowed(*sql),
                        false,
                    )
                })
                .collect(),
        ),
        ..Migrator::DEFAULT
    }
}

/// A text column.
pub fn text(row: &AnyRow, col: &str) -> Result<String> {
    Ok(row.try_get::<String, _>(col)?)
}

/// An optional text column.
pub fn opt_text(row: &AnyRow, col: &str) -> Result<Option<String>> {
    Ok(row.try_get::<Option<String>, _>(col)?)
}

/// An integer column.
pub fn int(row: &AnyRow, col: &str) -> Result<i64> {
    Ok(row.try_get::<i64, _>(col)?)
}

/// Seconds since the Unix epoch.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}
