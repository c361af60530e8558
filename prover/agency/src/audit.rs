//! The audit trail: every event appended to one hash-chained table.
//!
//! Row `n` holds `(seq = n, at, kind, event, prev_hash, hash)` with
//! `hash = SHA-256("zkcc audit v1" ‖ seq ‖ at ‖ kind ‖ event ‖ prev_hash)`
//! (fields separated by newlines, the event in canonical JSON: object keys
//! sorted, no whitespace) and `prev_hash` the hash of row `n − 1` (64 zeros
//! for row 1). [`verify_chain`] re-walks the table in `seq` order and names
//! the first row that was altered (its hash no longer matches its contents),
//! removed (a gap in `seq`) or reordered (its `prev_hash` is not the hash of
//! the row before it). Appends happen inside the transaction of the change
//! they record, under the service's single writer, so the log and the state
//! never disagree. Truncating the newest rows is the one change a chain
//! alone cannot show: the officers' page prints the head hash for officers
//! to anchor elsewhere.
use crate::db;
use crate::error::{AgencyError, Result};
use serde_json::Value;
use sha2::{Digest, Sha256};
use sqlx::{AnyConnection, AnyPool};

/// `prev_hash` of the first row.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Canonical JSON: object keys sorted, no whitespace.
pub fn canonical(v: &Value) -> String {
    let mut out = String::new();
    write_canonical(v, &mut out);
    out
}

fn write_canonical(v: &Value, out: &mut String) {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                write_canonical(&m[k], out);
            }
            out.push('}');
        }
        Value::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(x, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

/// SHA-256 of `bytes`, hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The hash of one row.
pub fn row_hash(seq: i64, at: i64, kind: &str, event: &str, prev: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"zkcc audit v1\n");
    h.update(format!("{seq}\n{at}\n{kind}\n").as_bytes());
    h.update(event.as_bytes());
    h.update(b"\n");
    h.update(prev.as_bytes());
    hex::encode(h.finalize())
}

/// Appends one event inside the caller's transaction; returns its `seq`.
/// The caller holds the service's write lock (the primary key on `seq`
/// refuses a second writer's fork in any case).
pub async fn append(conn: &mut AnyConnection, kind: &str, event: &Value) -> Result<i64> {
    let last = sqlx::query("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1")
        .fetch_optional(&mut *conn)
        .await?;
    let (seq, prev) = match last {
        Some(r) => (db::int(&r, "seq")? + 1, db::text(&r, "hash")?),
        None => (1, GENESIS.to_string()),
    };
    let at = db::now();
    let ev = canonical(event);
    let hash = row_hash(seq, at, kind, &ev, &prev);
    sqlx::query(
        "INSERT INTO audit (seq, at, kind, event, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(seq)
    .bind(at)
    .bind(kind)
    .bind(ev)
    .bind(prev)
    .bind(hash)
    .execute(&mut *conn)
    .await?;
    Ok(seq)
}

/// A chain that verified: its length and head hash.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ChainState {
    /// Rows.
    pub rows: i64,
    /// The newest row's hash ([`GENESIS`] if empty).
    pub head: String,
}

/// One row of the log.
#[derive(Clone, Debug, serde::Serialize)]
pub struct AuditRow {
    /// Position.
    pub seq: i64,
    /// Unix seconds.
    pub at: i64,
    /// Event kind.
    pub kind: String,
    /// The event, canonical JSON.
    pub event: String,
    /// The previous row's hash.
    pub prev_hash: String,
    /// This row's hash.
    pub hash: String,
}

const PAGE: i64 = 1000;

/// Reads rows with `seq > after`, at most [`PAGE`].
pub async fn rows_after(pool: &AnyPool, after: i64) -> Result<Vec<AuditRow>> {
    let rows = sqlx::query(
        "SELECT seq, at, kind, event, prev_hash, hash FROM audit WHERE seq > $1 ORDER BY seq LIMIT $2",
    )
    .bind(after)
    .bind(PAGE)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(AuditRow {
                seq: db::int(r, "seq")?,
                at: db::int(r, "at")?,
                kind: db::text(r, "kind")?,
                event: db::text(r, "event")?,
                prev_hash: db::text(r, "prev_hash")?,
                hash: db::text(r, "hash")?,
            })
        })
        .collect()
}

/// Checks one row against the one before it (`expected` is its `seq`,
/// `prev` the previous row's hash).
pub fn check_row(row: &AuditRow, expected: i64, prev: &str) -> Result<()> {
    if row.seq != expected {
        return Err(AgencyError::Chain {
            seq: expected,
            what: format!(
                "row {expected} is missing (removed): the next row is {}",
                row.seq
            ),
        });
    }
    if row_hash(row.seq, row.at, &row.kind, &row.event, &row.prev_hash) != row.hash {
        return Err(AgencyError::Chain {
            seq: row.seq,
            what: "altered: its contents do not match its hash".into(),
        });
    }
    if row.prev_hash != prev {
        return Err(AgencyError::Chain {
            seq: row.seq,
            what: format!(
                "reordered or re-hashed: it does not follow row {} (its previous-hash is not that row's hash)",
                row.seq - 1
            ),
        });
    }
    Ok(())
}

/// Re-walks the whole chain, page by page.
pub async fn verify_chain(pool: &AnyPool) -> Result<ChainState> {
    let mut prev = GENESIS.to_string();
    let mut last = 0i64;
    loop {
        let page = rows_after(pool, last).await?;
        if page.is_empty() {
            return Ok(ChainState {
                rows: last,
                head: prev,
            });
        }
        for row in page {
            check_row(&row, last + 1, &prev)?;
            last = row.seq;
            prev = row.hash;
        }
    }
}
