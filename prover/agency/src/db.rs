//! One code path for both databases: sqlx's `Any` driver over SQLite (one
//! file, WAL mode) or PostgreSQL, the migrations checked in under
//! `prover/agency/migrations/` embedded and applied at start.
use crate::error::{AgencyError, Result};
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::{AnyPool, Row};
use std::borrow::Cow;

/// The migrations, in order (version, description, SQL).
const MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "service", include_str!("../migrations/0001_service.sql")),
    (
        2,
        "hardening",
        include_str!("../migrations/0002_hardening.sql"),
    ),
    (
        3,
        "device keys",
        include_str!("../migrations/0003_device_keys.sql"),
    ),
];

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
    let max = if sqlite {
        max_connections.min(4)
    } else {
        max_connections
    };
    let session: &[&str] = if sqlite {
        &[
            "PRAGMA journal_mode=WAL",
            "PRAGMA busy_timeout=10000",
            "PRAGMA synchronous=FULL",
        ]
    } else {
        &[]
    };
    let pool = pool(db, &url, max, session).await?;
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

/// Writes a secret file readable by its owner only (refuses to overwrite).
pub(crate) fn write_private(path: &std::path::Path, text: &str) -> Result<()> {
    use std::io::Write;
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    let mut f = o
        .open(path)
        .map_err(|e| AgencyError::Config(format!("{}: {e}", path.display())))?;
    f.write_all(text.as_bytes())
        .map_err(|e| AgencyError::Config(format!("{}: {e}", path.display())))
}

/// The SQLite file of `db` (`None` for PostgreSQL or an in-memory database).
pub fn sqlite_path(db: &str) -> Option<std::path::PathBuf> {
    if is_postgres(db) {
        return None;
    }
    let p = match db.strip_prefix("sqlite:") {
        Some(rest) => rest
            .trim_start_matches("//")
            .split('?')
            .next()
            .unwrap_or(""),
        None => db,
    };
    (!p.is_empty() && p != ":memory:").then(|| std::path::PathBuf::from(p))
}

/// Opens `db` to read only, without migrating it: a SQLite file that does
/// not exist is refused (not created), and PostgreSQL sessions are
/// read-only.
pub async fn connect_read_only(db: &str) -> Result<AnyPool> {
    sqlx::any::install_default_drivers();
    let url = match sqlite_path(db) {
        Some(p) => {
            if !p.is_file() {
                return Err(AgencyError::Config(format!(
                    "no database file {}: nothing to verify",
                    p.display()
                )));
            }
            format!("sqlite://{}?mode=ro", p.display())
        }
        None if is_postgres(db) => db.to_string(),
        None => return Err(AgencyError::Config(format!("{db}: not a database file"))),
    };
    let session: &[&str] = if is_postgres(&url) {
        &["SET default_transaction_read_only = on"]
    } else {
        &[]
    };
    pool(db, &url, 2, session).await
}

/// A pool of at most `max` connections to `url` (the database `db` as the
/// caller named it), each running the `session` statements first.
async fn pool(db: &str, url: &str, max: u32, session: &'static [&'static str]) -> Result<AnyPool> {
    AnyPoolOptions::new()
        .max_connections(max)
        .after_connect(move |conn, _meta| {
            Box::pin(async move {
                for &statement in session {
                    sqlx::query(statement).execute(&mut *conn).await?;
                }
                Ok(())
            })
        })
        .connect(url)
        .await
        .map_err(|e| AgencyError::Config(format!("cannot open database {db}: {e}")))
}

/// The advisory lock key of `zkcc agency serve` on PostgreSQL.
pub const PG_LOCK_KEY: i64 = 0x7a6b_6363_6167;

/// One service per database: held for the life of the service. SQLite: an
/// exclusive lock on `DB.lock` beside the database file (released by the
/// kernel when the process dies); PostgreSQL: a session advisory lock on a
/// connection of its own (released when the session ends).
pub enum InstanceLock {
    /// The locked file.
    File(std::fs::File),
    /// The session holding the advisory lock.
    Postgres(Box<tokio::sync::Mutex<sqlx::AnyConnection>>),
    /// An in-memory database: nothing to share.
    None,
}

impl InstanceLock {
    /// Takes the lock, or says which service holds it.
    pub async fn take(db: &str) -> Result<Self> {
        if is_postgres(db) {
            use sqlx::Connection;
            sqlx::any::install_default_drivers();
            let mut c = sqlx::AnyConnection::connect(db)
                .await
                .map_err(|e| AgencyError::Config(format!("cannot open database {db}: {e}")))?;
            let r = sqlx::query("SELECT CAST(pg_try_advisory_lock($1) AS INTEGER) AS ok")
                .bind(PG_LOCK_KEY)
                .fetch_one(&mut c)
                .await?;
            if r.try_get::<i32, _>("ok")? != 1 {
                return Err(AgencyError::Config(format!(
                    "another zkcc agency service holds this database (PostgreSQL advisory lock {PG_LOCK_KEY}): one service per database"
                )));
            }
            return Ok(InstanceLock::Postgres(Box::new(tokio::sync::Mutex::new(c))));
        }
        let Some(path) = sqlite_path(db) else {
            return Ok(InstanceLock::None);
        };
        let lock_path = std::path::PathBuf::from(format!("{}.lock", path.display()));
        let f = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| AgencyError::Config(format!("{}: {e}", lock_path.display())))?;
        match f.try_lock() {
            Ok(()) => Ok(InstanceLock::File(f)),
            Err(std::fs::TryLockError::WouldBlock) => Err(AgencyError::Config(format!(
                "another zkcc agency service holds this database ({} is locked): one service per database",
                lock_path.display()
            ))),
            Err(std::fs::TryLockError::Error(e)) => Err(AgencyError::Config(format!(
                "{}: {e}",
                lock_path.display()
            ))),
        }
    }
}
