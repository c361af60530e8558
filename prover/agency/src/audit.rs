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
//! never disagree.
//!
//! Truncating the newest rows, or rewriting a row and re-hashing every row
//! after it, leaves a chain that verifies on its own. Two anchors outside
//! the database catch both: after every change the service signs the new
//! head (`rows`, `hash`) with an Ed25519 key kept in a file outside the
//! database (mode 0600) and writes it to the signed-head file
//! ([`SignedHead`]); and an officer may copy the head hash anywhere and
//! later demand it (`--expect-head`). [`verify_with`] refuses a chain
//! shorter than its signed head (truncated) or whose row at the signed
//! head's position has another hash (rewritten), and one that does not hold
//! the expected head, and reports rows after the signed head as not covered
//! by it. It also cross-checks the chain against the state tables: every
//! decision, shipment, request and submission row has its event, every such
//! event its row, and every party row its enrolment; and each field the
//! events carry equals the row's — a decision's verdict, outcome and report
//! (its quota with it), a shipment's record (exporter, consignee, serial,
//! model, returned) and signature, a request's importer, nonce, body and
//! expiry, a submission's request, importer, bytes and `ledger_seq`, a
//! party's role, public key and token hash (as enrolled or last rotated).
//!
//! The service itself keeps the head it signed last in memory and appends
//! only onto it ([`append`]); at start it refuses a chain that does not
//! hold its signed head (see `Agency::open`).
use crate::db;
use crate::error::{AgencyError, Result};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AnyPool, Row};
use std::collections::BTreeMap;

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
/// The caller holds the service's write lock and passes the chain's head as
/// it knows it (`tip`: the head it signed last, then each row this
/// transaction appended): the newest row must be exactly that, or the
/// append is refused — rows rewritten, removed or added outside the service
/// are never extended and signed. `tip` becomes the new row.
pub async fn append(
    conn: &mut AnyConnection,
    tip: &mut ChainState,
    kind: &str,
    event: &Value,
) -> Result<i64> {
    let last = sqlx::query("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1")
        .fetch_optional(&mut *conn)
        .await?;
    let (newest, prev) = match last {
        Some(r) => (db::int(&r, "seq")?, db::text(&r, "hash")?),
        None => (0, GENESIS.to_string()),
    };
    if (newest, prev.as_str()) != (tip.rows, tip.head.as_str()) {
        return Err(AgencyError::Chain {
            seq: newest,
            what: format!(
                "the chain's newest row ({newest}, {prev}) is not the head the service signed ({}, {}): the audit table was changed outside the service; nothing is appended",
                tip.rows, tip.head
            ),
        });
    }
    let seq = newest + 1;
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
    .bind(&hash)
    .execute(&mut *conn)
    .await?;
    *tip = ChainState {
        rows: seq,
        head: hash,
    };
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

/// Re-walks the whole chain, page by page, and cross-checks it against the
/// state tables (no anchors: [`verify_with`]).
pub async fn verify_chain(pool: &AnyPool) -> Result<ChainState> {
    verify_with(pool, &Anchors::default()).await
}

/// What the chain must agree with beyond itself.
#[derive(Clone, Debug, Default)]
pub struct Anchors {
    /// A signed head and the public key it must verify under.
    pub signed_head: Option<(SignedHead, ed25519_dalek::VerifyingKey)>,
    /// A head hash recorded earlier: some row of the chain must have it.
    pub expect_head: Option<String>,
    /// Rows after the signed head are accepted if they extend it (the
    /// service at start, `--accept-unsigned-tail`); otherwise they are a
    /// failure: the signed head does not cover them.
    pub accept_unsigned_tail: bool,
}

/// Re-walks the chain, checks it against `anchors` and the state tables.
pub async fn verify_with(pool: &AnyPool, anchors: &Anchors) -> Result<ChainState> {
    if let Some((h, key)) = &anchors.signed_head {
        h.verify(key)?;
    }
    let mut prev = GENESIS.to_string();
    let mut last = 0i64;
    let mut seen = Seen::default();
    let mut expected_found = anchors.expect_head.is_none();
    let mut at_signed: Option<String> = None;
    let signed_rows = anchors.signed_head.as_ref().map(|(h, _)| h.rows);
    loop {
        let page = rows_after(pool, last).await?;
        if page.is_empty() {
            break;
        }
        for row in page {
            check_row(&row, last + 1, &prev)?;
            seen.note(&row)?;
            if anchors.expect_head.as_deref() == Some(row.hash.as_str()) {
                expected_found = true;
            }
            if signed_rows == Some(row.seq) {
                at_signed = Some(row.hash.clone());
            }
            last = row.seq;
            prev = row.hash;
        }
    }
    if let Some((h, _)) = &anchors.signed_head {
        if h.rows == 0 && h.head != GENESIS {
            return Err(AgencyError::Chain {
                seq: 0,
                what: "the signed head names no rows but a hash".into(),
            });
        }
        if last < h.rows {
            return Err(AgencyError::Chain {
                seq: last + 1,
                what: format!(
                    "truncated: the signed head names {} rows, the chain has {last}",
                    h.rows
                ),
            });
        }
        if h.rows > 0 && at_signed.as_deref() != Some(h.head.as_str()) {
            return Err(AgencyError::Chain {
                seq: h.rows,
                what: format!(
                    "rewritten: row {}'s hash is not the signed head {}",
                    h.rows, h.head
                ),
            });
        }
        if last > h.rows && !anchors.accept_unsigned_tail {
            return Err(AgencyError::Chain {
                seq: h.rows + 1,
                what: format!(
                    "{} rows after the signed head are not covered by it (rows {} to {last})",
                    last - h.rows,
                    h.rows + 1
                ),
            });
        }
    }
    if !expected_found {
        return Err(AgencyError::Chain {
            seq: last + 1,
            what: format!(
                "the expected head {} is in no row: the chain was truncated or rewritten",
                anchors.expect_head.as_deref().unwrap_or_default()
            ),
        });
    }
    seen.cross_check(pool).await?;
    Ok(ChainState {
        rows: last,
        head: prev,
    })
}

/// The state rows the chain's events name, each with the contents its
/// events carry (`_seq`: the audit row that last spoke of it).
#[derive(Default)]
struct Seen {
    decisions: BTreeMap<String, Value>,
    shipments: BTreeMap<String, Value>,
    requests: BTreeMap<String, Value>,
    submissions: BTreeMap<String, Value>,
    parties: BTreeMap<String, Value>,
}

/// Canonical JSON of a JSON text (itself if it is not JSON).
fn canonical_text(t: &str) -> String {
    serde_json::from_str::<Value>(t)
        .map(|v| canonical(&v))
        .unwrap_or_else(|_| t.to_string())
}

/// Merges `fields` into the entry `id` of `map`, noting the row.
fn merge(map: &mut BTreeMap<String, Value>, id: String, seq: i64, fields: Value) {
    let e = map
        .entry(id)
        .or_insert_with(|| Value::Object(Default::default()));
    if let (Some(e), Value::Object(f)) = (e.as_object_mut(), fields) {
        e.extend(f);
        e.insert("_seq".into(), Value::from(seq));
    }
}

impl Seen {
    fn note(&mut self, row: &AuditRow) -> Result<()> {
        let kind = row.kind.as_str();
        if !matches!(
            kind,
            "decision"
                | "verdict"
                | "shipment"
                | "request.created"
                | "submission.received"
                | "submission.refused"
                | "party.enrolled"
                | "party.token_rotated"
        ) {
            return Ok(());
        }
        let ev: Value = serde_json::from_str(&row.event).map_err(|e| AgencyError::Chain {
            seq: row.seq,
            what: format!("its event is not JSON: {e}"),
        })?;
        let s = |k: &str| ev[k].as_str().unwrap_or_default().to_string();
        let seq = row.seq;
        match kind {
            "decision" => merge(
                &mut self.decisions,
                s("submission_id"),
                seq,
                json!({"_decided": true, "importer": ev["importer"], "outcome": ev["outcome"], "report": canonical(&ev["report"])}),
            ),
            "verdict" => merge(
                &mut self.decisions,
                s("submission_id"),
                seq,
                json!({"request_id": ev["request_id"], "verdict": ev["verdict"]}),
            ),
            "shipment" => {
                let r = &ev["record"];
                merge(
                    &mut self.shipments,
                    ev["seq"].as_i64().unwrap_or(-1).to_string(),
                    seq,
                    json!({
                        "record": canonical(r),
                        "exporter": r["exporter"],
                        "consignee": r["consignee"],
                        "serial": r["serial"],
                        "model": r["model"],
                        "returned": r["returned"].as_bool().unwrap_or(false),
                        "signature": s("signature").to_ascii_lowercase(),
                    }),
                )
            }
            "request.created" => merge(
                &mut self.requests,
                s("id"),
                seq,
                json!({
                    "importer": ev["request"]["importer"],
                    "nonce": ev["request"]["nonce"],
                    "body": canonical(&ev["request"]),
                    "expires_at": ev["expires_at"],
                }),
            ),
            "submission.received" | "submission.refused" => merge(
                &mut self.submissions,
                s("id"),
                seq,
                json!({
                    "request_id": ev["request_id"],
                    "importer": ev["importer"],
                    "body_sha256": ev["body_sha256"],
                    "ledger_seq": ev["ledger_seq"],
                    "refused": kind == "submission.refused",
                }),
            ),
            "party.enrolled" => merge(
                &mut self.parties,
                s("id"),
                seq,
                json!({"role": ev["role"], "public_key": ev["public_key"], "token_sha256": ev["token_sha256"]}),
            ),
            // A rotation that does not name the new token's hash (an event
            // from before it did) leaves it unknown.
            _ => merge(
                &mut self.parties,
                s("id"),
                seq,
                json!({"token_sha256": ev["token_sha256"]}),
            ),
        }
        Ok(())
    }

    async fn cross_check(&self, pool: &AnyPool) -> Result<()> {
        let decisions = table(
            pool,
            "SELECT submission_id, request_id, importer, verdict, outcome, report FROM decisions",
            |r| db::text(r, "submission_id"),
            |r| {
                Ok(json!({
                    "request_id": db::text(r, "request_id")?,
                    "importer": db::text(r, "importer")?,
                    "verdict": db::text(r, "verdict")?,
                    "outcome": db::text(r, "outcome")?,
                    "report": canonical_text(&db::text(r, "report")?),
                }))
            },
        )
        .await?;
        let shipments = table(
            pool,
            "SELECT seq, exporter, consignee, serial, model, returned, record, signature FROM shipments",
            |r| Ok(db::int(r, "seq")?.to_string()),
            |r| {
                Ok(json!({
                    "record": canonical_text(&db::text(r, "record")?),
                    "exporter": db::text(r, "exporter")?,
                    "consignee": db::text(r, "consignee")?,
                    "serial": db::text(r, "serial")?,
                    "model": db::text(r, "model")?,
                    "returned": db::int(r, "returned")? != 0,
                    "signature": db::text(r, "signature")?.to_ascii_lowercase(),
                }))
            },
        )
        .await?;
        let requests = table(
            pool,
            "SELECT id, importer, nonce, body, expires_at FROM requests",
            |r| db::text(r, "id"),
            |r| {
                Ok(json!({
                    "importer": db::text(r, "importer")?,
                    "nonce": db::text(r, "nonce")?,
                    "body": canonical_text(&db::text(r, "body")?),
                    "expires_at": db::int(r, "expires_at")?,
                }))
            },
        )
        .await?;
        let submissions = table(
            pool,
            "SELECT id, request_id, importer, body_sha256, status, ledger_seq FROM submissions",
            |r| db::text(r, "id"),
            |r| {
                Ok(json!({
                    "request_id": db::text(r, "request_id")?,
                    "importer": db::text(r, "importer")?,
                    "body_sha256": db::opt_text(r, "body_sha256")?,
                    "ledger_seq": r.try_get::<Option<i64>, _>("ledger_seq")?,
                    "refused": db::text(r, "status")? == "refused",
                }))
            },
        )
        .await?;
        let parties = table(
            pool,
            "SELECT id, role, public_key, token_sha256 FROM parties",
            |r| db::text(r, "id"),
            |r| {
                Ok(json!({
                    "role": db::text(r, "role")?,
                    "public_key": db::opt_text(r, "public_key")?,
                    "token_sha256": db::text(r, "token_sha256")?,
                }))
            },
        )
        .await?;
        let decided: BTreeMap<String, Value> = self
            .decisions
            .iter()
            .filter(|(_, v)| v["_decided"] == true)
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        compare("decision", &decisions, &decided, true)?;
        compare("shipment", &shipments, &self.shipments, true)?;
        compare("request", &requests, &self.requests, true)?;
        compare("submission", &submissions, &self.submissions, true)?;
        // A party revoked (its row deleted) keeps its events.
        compare("party", &parties, &self.parties, false)?;
        Ok(())
    }
}

/// The rows of `sql`, each as `value(row)` under `key(row)`.
async fn table(
    pool: &AnyPool,
    sql: &'static str,
    key: impl Fn(&AnyRow) -> Result<String>,
    value: impl Fn(&AnyRow) -> Result<Value>,
) -> Result<BTreeMap<String, Value>> {
    let mut out = BTreeMap::new();
    for r in sqlx::query(sql).fetch_all(pool).await? {
        out.insert(key(&r)?, value(&r)?);
    }
    Ok(out)
}

/// Every row of a state table has its event and (`both_ways`) every event
/// its row, and each field an event carries equals the row's.
fn compare(
    what: &str,
    table: &BTreeMap<String, Value>,
    events: &BTreeMap<String, Value>,
    both_ways: bool,
) -> Result<()> {
    for (id, row) in table {
        let Some(ev) = events.get(id) else {
            return Err(AgencyError::Mismatch(format!(
                "{what} {id} is in the {what} table but the audit chain holds no event of it"
            )));
        };
        for (field, logged) in ev.as_object().into_iter().flatten() {
            if field.starts_with('_') || logged.is_null() {
                continue;
            }
            if row[field.as_str()] != *logged {
                return Err(AgencyError::Mismatch(format!(
                    "{what} {id}: its {field} is {} in the {what} table but {logged} in the audit chain (row {})",
                    row[field.as_str()],
                    ev["_seq"]
                )));
            }
        }
    }
    if both_ways {
        if let Some(id) = events.keys().find(|k| !table.contains_key(*k)) {
            return Err(AgencyError::Mismatch(format!(
                "the audit chain records {what} {id}, which the {what} table no longer holds"
            )));
        }
    }
    Ok(())
}

/// Domain separation of signed heads.
pub const HEAD_DOMAIN: &str = "zkcc audit head v1";

/// The chain's head, signed by the service after every change.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignedHead {
    /// Rows in the chain.
    pub rows: i64,
    /// The hash of row `rows` ([`GENESIS`] if none).
    pub head: String,
    /// The signing key (Ed25519, hex): informative; verify under a key you
    /// hold.
    pub public_key: String,
    /// Ed25519 signature of [`SignedHead::message`], hex.
    pub signature: String,
}

impl SignedHead {
    /// The bytes signed.
    pub fn message(rows: i64, head: &str) -> Vec<u8> {
        format!("{HEAD_DOMAIN}\n{rows}\n{head}").into_bytes()
    }

    /// Signs a head.
    pub fn sign(key: &ed25519_dalek::SigningKey, rows: i64, head: &str) -> Self {
        use ed25519_dalek::Signer;
        SignedHead {
            rows,
            head: head.to_string(),
            public_key: hex::encode(key.verifying_key().to_bytes()),
            signature: hex::encode(key.sign(&Self::message(rows, head)).to_bytes()),
        }
    }

    /// Checks the signature under `key` (strict RFC 8032).
    pub fn verify(&self, key: &ed25519_dalek::VerifyingKey) -> Result<()> {
        let sig: [u8; 64] = hex::decode(&self.signature)
            .ok()
            .and_then(|v| v.try_into().ok())
            .ok_or_else(|| {
                AgencyError::Invalid("signed head: signature not 64 bytes of hex".into())
            })?;
        key.verify_strict(
            &Self::message(self.rows, &self.head),
            &ed25519_dalek::Signature::from_bytes(&sig),
        )
        .map_err(|_| AgencyError::Chain {
            seq: self.rows,
            what: "the signed head's signature does not verify under the audit key".into(),
        })
    }

    /// Writes it (a temporary file renamed over the old one).
    pub fn write(&self, path: &std::path::Path) -> Result<()> {
        let tmp = path.with_extension("tmp");
        let text =
            serde_json::to_string_pretty(self).map_err(|e| AgencyError::Internal(e.to_string()))?;
        std::fs::write(&tmp, text)
            .and_then(|()| std::fs::rename(&tmp, path))
            .map_err(|e| AgencyError::Config(format!("{}: {e}", path.display())))
    }

    /// Reads a signed-head file.
    pub fn read(path: &std::path::Path) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| AgencyError::Config(format!("{}: {e}", path.display())))?;
        serde_json::from_str(&text)
            .map_err(|e| AgencyError::Config(format!("{}: {e}", path.display())))
    }
}

/// The audit head key in `path` (64 hex digits of seed), created (mode
/// 0600) if the file does not exist.
pub fn load_or_create_key(path: &std::path::Path) -> Result<ed25519_dalek::SigningKey> {
    match std::fs::read_to_string(path) {
        Ok(t) => {
            let seed: [u8; 32] = hex::decode(t.trim())
                .ok()
                .and_then(|v| v.try_into().ok())
                .ok_or_else(|| {
                    AgencyError::Config(format!(
                        "{}: not an audit key (64 hex digits)",
                        path.display()
                    ))
                })?;
            Ok(ed25519_dalek::SigningKey::from_bytes(&seed))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let mut seed = [0u8; 32];
            rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut seed);
            db::write_private(path, &hex::encode(seed))?;
            Ok(ed25519_dalek::SigningKey::from_bytes(&seed))
        }
        Err(e) => Err(AgencyError::Config(format!("{}: {e}", path.display()))),
    }
}
