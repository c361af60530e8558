//! The service's operations, one per API call, over the database: each write
//! runs in one transaction under the single writer lock, with its audit event
//! appended in that same transaction.
use crate::audit::{self, sha256_hex};
use crate::auth::{self, Party, Role};
use crate::db;
use crate::error::{AgencyError, Result};
use ark_std::UniformRand;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sqlx::{AnyConnection, AnyPool, Row};
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::Arc;
use tokio::sync::{mpsc, Mutex, Semaphore};
use zkcc_circuits::encoding::{encode_label, fr_to_hex};
use zkcc_circuits::ledger::{Ledger, LedgerFile, LedgerRecordJson, LEDGER_VERSION};
use zkcc_circuits::registry::Registry;
use zkcc_verifier::access::{self, Outcome, Policy, Report};
use zkcc_verifier::fleet::{check_home_country, verify_submission, FleetKeys};
use zkcc_verifier::submission::{RequestFile, RulesJson, Submission, SUBMISSION_VERSION};

/// What the service runs with.
pub struct Config {
    /// `--db`: a SQLite file path or a `postgres://` URL.
    pub db: String,
    /// The agency's registry.
    pub registry: Registry,
    /// The access policy (checked against the registry's policy version).
    pub policy: Policy,
    /// The verifying keys of the circuits the agency accepts.
    pub keys: FleetKeys,
    /// Verification workers (at least 1).
    pub workers: usize,
    /// The officer's bearer token: read if the file exists, else created
    /// (mode 0600) and enrolled.
    pub officer_token_file: PathBuf,
    /// Validity of a request when the officer names none, seconds.
    pub default_ttl_secs: u64,
    /// The Ed25519 key that signs the audit chain's head: read if the file
    /// exists, else created (mode 0600). Keep it outside the database.
    pub audit_key_file: PathBuf,
    /// Where the signed head is written after every change
    /// ([`audit::SignedHead`]; `zkcc agency audit verify --signed-head`).
    pub audit_head_file: PathBuf,
    /// How often pending submissions are swept up again (a decision that
    /// failed all its retries is tried again then).
    pub sweep_interval: std::time::Duration,
    /// Start even if the chain holds rows after the signed head, provided
    /// they extend it (`--accept-unsigned-tail`: the service stopped between
    /// committing a change and signing its head). Off by default: rows the
    /// service did not sign are refused.
    pub accept_unsigned_tail: bool,
    /// Fault injection for tests (none by default).
    pub faults: Arc<Faults>,
}

impl Config {
    /// A configuration with the defaults of `zkcc agency serve`: the officer's
    /// token, the audit key and the signed head in `dir`, 2 workers, requests
    /// valid for a day, a sweep every 30 s.
    pub fn new(
        db: &str,
        registry: Registry,
        policy: Policy,
        keys: FleetKeys,
        dir: &std::path::Path,
    ) -> Self {
        Config {
            db: db.into(),
            registry,
            policy,
            keys,
            workers: 2,
            officer_token_file: dir.join("officer.token"),
            default_ttl_secs: 86_400,
            audit_key_file: dir.join("audit-head.key"),
            audit_head_file: dir.join("audit-head.json"),
            sweep_interval: std::time::Duration::from_secs(30),
            accept_unsigned_tail: false,
            faults: Arc::default(),
        }
    }
}

/// Faults a test injects into the service.
#[derive(Debug, Default)]
pub struct Faults {
    /// Fail this many decisions after verification, before their
    /// transaction (as a database error would).
    pub fail_decides: std::sync::atomic::AtomicU64,
    /// Decisions failed so far by injection.
    pub injected: std::sync::atomic::AtomicU64,
}

/// Attempts of one decision before it is left to the sweep.
pub const DECIDE_ATTEMPTS: u32 = 4;

/// The running service: cheap to clone, shared by every handler and worker.
#[derive(Clone)]
pub struct Agency {
    inner: Arc<Inner>,
}

struct Inner {
    pool: AnyPool,
    registry: Arc<Registry>,
    policy: Arc<Policy>,
    keys: Arc<FleetKeys>,
    /// The writer lock, holding the head signed last: every append must
    /// extend it ([`audit::append`]).
    write: Mutex<audit::ChainState>,
    queue: mpsc::UnboundedSender<String>,
    sessions: std::sync::Mutex<HashMap<String, i64>>,
    tickets: std::sync::Mutex<HashMap<String, i64>>,
    inflight: std::sync::Mutex<std::collections::HashSet<String>>,
    default_ttl: u64,
    head_key: ed25519_dalek::SigningKey,
    head_file: PathBuf,
    faults: Arc<Faults>,
    _lock: db::InstanceLock,
}

/// A shipment as the exporter signs it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShipmentRecord {
    /// The exporter (the authenticated party).
    pub exporter: String,
    /// Chip serial.
    pub serial: String,
    /// Chip model (the registry's name).
    pub model: String,
    /// The importer it was shipped to.
    pub consignee: String,
    /// `true`: the chip was returned or retired and leaves the ledger.
    #[serde(default)]
    pub returned: bool,
    /// The exporter's own sequence number of this record: 1 for its first,
    /// then each record one more than the last the service took
    /// (`GET /v1/shipments/last-seq`). Signed with the record, so an old
    /// record posted again is refused as a replay.
    pub seq: u64,
    /// The vendor's certificate of the chip's device identity key (ECDSA
    /// P-384, [`zkcc_verifier::device`]), signed with the record; checked at
    /// intake against the registry's device vendors. Optional; absent from
    /// the signed bytes when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<zkcc_verifier::device::DeviceCert>,
}

impl ShipmentRecord {
    /// The bytes the exporter signs ([`auth::shipment_message`]).
    pub fn message(&self) -> Vec<u8> {
        auth::shipment_message(&audit::canonical(&json!(self)))
    }
}

/// `POST /v1/shipments`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignedShipment {
    /// The record.
    pub record: ShipmentRecord,
    /// Ed25519 signature of [`ShipmentRecord::message`], hex.
    pub signature: String,
}

/// `POST /v1/parties`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Enrolment {
    /// Party id (an importer's is its registry label).
    pub id: String,
    /// Role.
    pub role: Role,
    /// An exporter's Ed25519 public key, hex (required for exporters).
    #[serde(default)]
    pub public_key: Option<String>,
}

/// `POST /v1/requests`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewRequest {
    /// The importer asked.
    pub importer: String,
    /// The epoch.
    pub epoch: u64,
    /// The rules (`home_country` may be left out: the registry's is used).
    pub rules: Value,
    /// Validity, seconds (default: the service's).
    #[serde(default)]
    pub ttl_seconds: Option<u64>,
}

/// A request as the API shows it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RequestView {
    /// Its id.
    pub id: String,
    /// What the importer must prove (the file the CLI writes).
    pub request: RequestFile,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds: no submission is taken at or after this.
    pub expires_at: i64,
    /// `open` or `closed`.
    pub status: String,
    /// The submission that closed it.
    pub closed_by: Option<String>,
}

/// A ledger chip's certified device key.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct DeviceEntry {
    /// Chip serial.
    pub serial: String,
    /// Chip model.
    pub model: String,
    /// The device public key (`0x` + compressed SEC1 hex).
    pub device_key: String,
    /// The vendor's certificate of it.
    pub certificate: zkcc_verifier::device::DeviceCert,
}

/// An importer's ledger as the API shows it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct LedgerView {
    /// Importer.
    pub importer: String,
    /// Ledger chips.
    pub chips: usize,
    /// Their TPP.
    pub tpp: u64,
    /// The digest its proofs must name.
    pub digest: String,
    /// The ledger chips whose device keys were certified in their shipment
    /// records (for the importer's own view and for landmarks).
    pub devices: Vec<DeviceEntry>,
}

/// A submission's state.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SubmissionView {
    /// Its id.
    pub id: String,
    /// The request it answers.
    pub request_id: String,
    /// The importer.
    pub importer: String,
    /// `pending`, `decided` or `refused`.
    pub status: String,
    /// Why it was refused, or why its proofs were rejected.
    pub reason: Option<String>,
    /// `accepted` or `rejected` once decided.
    pub verdict: Option<String>,
    /// `grant` or `deny` once decided.
    pub outcome: Option<String>,
    /// The decision's report (facts, rules, reasons).
    pub report: Option<Value>,
    /// Unix seconds.
    pub received_at: i64,
}

/// The answer to a submission: taken for verification, or refused (with
/// the refusal's kind, its HTTP status and reason).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SubmitReply {
    /// The submission's id (refusals are recorded too).
    pub submission_id: String,
    /// `pending` or `refused`.
    pub status: String,
    /// The refusal's kind (`replay`, `late`, `forbidden`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Why it was refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// HTTP status.
    #[serde(skip)]
    pub http: u16,
}

/// One audited write in progress ([`Agency::begin_write`] to
/// [`Agency::commit`]): the transaction the write and its appends go in, the
/// chain's head as the appends extend it, and the service's writer lock.
/// Fields drop in order: a write abandoned by an error rolls back before the
/// lock is released.
struct Write<'a> {
    tx: sqlx::Transaction<'static, sqlx::Any>,
    tip: audit::ChainState,
    lock: tokio::sync::MutexGuard<'a, audit::ChainState>,
}

impl Write<'_> {
    /// Appends an event to the audit chain, in the write's transaction
    /// ([`audit::append`]).
    async fn append(&mut self, kind: &str, event: &Value) -> Result<i64> {
        audit::append(&mut self.tx, &mut self.tip, kind, event).await
    }
}

/// Whether `id` is of the service's id format ([`random_id`]: 32 lower-case
/// hex digits).
pub fn is_id(id: &str) -> bool {
    id.len() == 32 && id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Longest reason stored (a refusal's, a rejection's), in characters.
pub const REASON_CHARS: usize = 300;

/// `reason`, cut to [`REASON_CHARS`] characters (a reason may quote what
/// the caller sent).
pub fn bounded_reason(reason: String) -> String {
    match reason.char_indices().nth(REASON_CHARS) {
        None => reason,
        Some((at, _)) => format!("{}… ({} bytes cut)", &reason[..at], reason.len() - at),
    }
}

fn random_id() -> String {
    use rand::RngCore;
    let mut b = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut b);
    hex::encode(b)
}

/// The rules of a request to `importer`: the registry's home country fills
/// a rules object that names none, and must equal one that does.
pub fn rules_for(registry: &Registry, importer: &str, mut rules: Value) -> Result<RulesJson> {
    let Some(obj) = rules.as_object_mut() else {
        return Err(AgencyError::Invalid("rules: not a JSON object".into()));
    };
    if !obj.contains_key("home_country") {
        let home = registry.home_country(importer).ok_or_else(|| {
            AgencyError::Invalid(format!(
                "rules: {importer} has no home country in the registry; the rules must name one"
            ))
        })?;
        obj.insert("home_country".into(), Value::String(home.into()));
    }
    let parsed: RulesJson =
        serde_json::from_value(rules).map_err(|e| AgencyError::Invalid(format!("rules: {e}")))?;
    check_home_country(registry, importer, &parsed.to_rules()?)?;
    Ok(parsed)
}

impl Agency {
    /// Opens the database (migrating it), enrols the officer, records a
    /// registry or policy change in the audit log, and starts the workers;
    /// submissions a crash left pending are verified again.
    pub async fn open(config: Config) -> Result<Self> {
        config.policy.check_registry(&config.registry)?;
        let workers = config.workers.max(1);
        let lock = db::InstanceLock::take(&config.db).await?;
        let head_key = audit::load_or_create_key(&config.audit_key_file)?;
        let pool = db::connect(&config.db, (workers as u32 + 4).max(8)).await?;
        let head = check_chain_at_start(&pool, &head_key, &config).await?;
        let (tx, rx) = mpsc::unbounded_channel();
        let agency = Agency {
            inner: Arc::new(Inner {
                pool,
                registry: Arc::new(config.registry),
                policy: Arc::new(config.policy),
                keys: Arc::new(config.keys),
                write: Mutex::new(head.clone()),
                queue: tx,
                sessions: std::sync::Mutex::new(HashMap::new()),
                tickets: std::sync::Mutex::new(HashMap::new()),
                inflight: std::sync::Mutex::new(Default::default()),
                default_ttl: config.default_ttl_secs.max(1),
                head_key,
                head_file: config.audit_head_file,
                faults: config.faults,
                _lock: lock,
            }),
        };
        {
            // The head as checked (an accepted tail included), signed now.
            let mut wr = agency.begin_write().await?;
            wr.tip = head;
            agency.commit(wr).await?;
        }
        agency.bootstrap_officer(&config.officer_token_file).await?;
        agency.record_config().await?;
        let pending = sqlx::query(
            "SELECT id FROM submissions WHERE status = 'pending' ORDER BY received_at, id",
        )
        .fetch_all(&agency.inner.pool)
        .await?;
        for r in &pending {
            let _ = agency.inner.queue.send(db::text(r, "id")?);
        }
        if !pending.is_empty() {
            tracing::info!("{} pending submissions re-queued", pending.len());
        }
        tokio::spawn(agency.clone().dispatch(rx, workers));
        tokio::spawn(agency.clone().sweep(config.sweep_interval));
        Ok(agency)
    }

    /// Starts an audited write: takes the writer lock, then opens the
    /// transaction the write and its audit rows go in.
    async fn begin_write(&self) -> Result<Write<'_>> {
        let lock = self.inner.write.lock().await;
        let tip = lock.clone();
        let tx = self.inner.pool.begin().await?;
        Ok(Write { tx, tip, lock })
    }

    /// Commits a write and, in the same critical section (the write's
    /// writer lock), signs the chain's new head and makes it the head every
    /// later append must extend; the lock is released on return. A head file
    /// that cannot be written is logged: the change itself is committed, and
    /// the next start finds rows after its signed head
    /// (`--accept-unsigned-tail`).
    async fn commit(&self, wr: Write<'_>) -> Result<()> {
        let Write { tx, tip, mut lock } = wr;
        tx.commit().await?;
        let i = &self.inner;
        if let Err(e) =
            audit::SignedHead::sign(&i.head_key, tip.rows, &tip.head).write(&i.head_file)
        {
            tracing::error!("signed audit head not written: {e}");
        }
        *lock = tip;
        Ok(())
    }

    /// The head the service signed last (the chain's newest row as this
    /// service wrote it).
    pub async fn signed_head(&self) -> audit::ChainState {
        self.inner.write.lock().await.clone()
    }

    /// Re-walks the audit chain against the head this service signed last
    /// (held in memory, so a head file or a database rewritten since does
    /// not matter) and cross-checks it with the state tables. Rows the walk
    /// finds beyond the head this service signed by the walk's end were not
    /// written by it, and are a failure.
    pub async fn verify_audit(&self) -> Result<audit::ChainState> {
        let i = &self.inner;
        let head = self.signed_head().await;
        let anchors = audit::Anchors {
            signed_head: Some((
                audit::SignedHead::sign(&i.head_key, head.rows, &head.head),
                i.head_key.verifying_key(),
            )),
            expect_head: None,
            // Rows appended while the walk runs extend the head: checked below.
            accept_unsigned_tail: true,
        };
        let state = audit::verify_with(&i.pool, &anchors).await?;
        let now = self.signed_head().await;
        if state.rows > now.rows {
            return Err(AgencyError::Chain {
                seq: now.rows + 1,
                what: format!(
                    "{} rows after the signed head are not covered by it (rows {} to {}): the service did not write them",
                    state.rows - now.rows,
                    now.rows + 1,
                    state.rows
                ),
            });
        }
        Ok(state)
    }

    /// The public key that signs the audit chain's head, hex.
    pub fn head_public_key(&self) -> String {
        hex::encode(self.inner.head_key.verifying_key().to_bytes())
    }

    /// The database.
    pub fn pool(&self) -> &AnyPool {
        &self.inner.pool
    }

    /// The registry.
    pub fn registry(&self) -> &Registry {
        &self.inner.registry
    }

    async fn bootstrap_officer(&self, file: &std::path::Path) -> Result<()> {
        let token = match std::fs::read_to_string(file) {
            Ok(t) if auth::is_token(t.trim()) => t.trim().to_string(),
            Ok(_) => {
                return Err(AgencyError::Config(format!(
                    "{}: not an officer token (zkcc_ and 64 lower-case hex digits, as the service writes it)",
                    file.display()
                )))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let t = auth::new_token();
                db::write_private(file, &t)?;
                t
            }
            Err(e) => {
                return Err(AgencyError::Config(format!("{}: {e}", file.display())));
            }
        };
        let h = auth::token_hash(&token);
        let mut wr = self.begin_write().await?;
        let row = sqlx::query("SELECT token_sha256 FROM parties WHERE id = 'officer'")
            .fetch_optional(&mut *wr.tx)
            .await?;
        match row {
            None => {
                sqlx::query(
                    "INSERT INTO parties (id, role, token_sha256, public_key, created_at) VALUES ('officer', 'officer', $1, NULL, $2)",
                )
                .bind(&h)
                .bind(db::now())
                .execute(&mut *wr.tx)
                .await?;
                wr.append(
                    "party.enrolled",
                    &json!({"id": "officer", "role": "officer", "token_sha256": h}),
                )
                .await?;
            }
            Some(r) if db::text(&r, "token_sha256")? != h => {
                sqlx::query("UPDATE parties SET token_sha256 = $1 WHERE id = 'officer'")
                    .bind(&h)
                    .execute(&mut *wr.tx)
                    .await?;
                wr.append(
                    "party.token_rotated",
                    &json!({"id": "officer", "token_sha256": h}),
                )
                .await?;
            }
            Some(_) => {}
        }
        self.commit(wr).await?;
        Ok(())
    }

    /// The registry root, policy and circuits in force: appended to the log
    /// when they differ from the last ones recorded.
    async fn record_config(&self) -> Result<()> {
        let i = &self.inner;
        let policy =
            serde_json::to_value(&*i.policy).map_err(|e| AgencyError::Internal(e.to_string()))?;
        let ev = json!({
            "registry_root": fr_to_hex(&i.registry.root),
            "policy_version": i.policy.policy_version,
            "policy": policy,
            "shard_circuit_id": i.keys.shard_id,
            "request_circuit_id": i.keys.request_id,
        });
        let mut wr = self.begin_write().await?;
        let last =
            sqlx::query("SELECT event FROM audit WHERE kind = 'config' ORDER BY seq DESC LIMIT 1")
                .fetch_optional(&mut *wr.tx)
                .await?;
        let same = match &last {
            Some(r) => db::text(r, "event")? == audit::canonical(&ev),
            None => false,
        };
        if !same {
            wr.append("config", &ev).await?;
        }
        self.commit(wr).await?;
        Ok(())
    }

    /// The party a bearer token belongs to.
    pub async fn authenticate(&self, token: &str) -> Result<Party> {
        auth::authenticate(&self.inner.pool, token).await
    }

    /// Enrols a party (officers only); returns its bearer token, shown once.
    pub async fn enrol(&self, by: &Party, e: Enrolment) -> Result<String> {
        by.require(Role::Officer)?;
        encode_label(&e.id).map_err(|err| AgencyError::Invalid(format!("party id: {err}")))?;
        match (e.role, &e.public_key) {
            (Role::Exporter, None) => {
                return Err(AgencyError::Invalid(
                    "an exporter is enrolled with its Ed25519 public key".into(),
                ))
            }
            (Role::Exporter, Some(k)) => {
                auth::parse_public_key(k)?;
            }
            (_, Some(_)) => {
                return Err(AgencyError::Invalid(
                    "only exporters are enrolled with a signing key".into(),
                ))
            }
            _ => {}
        }
        let token = auth::new_token();
        let mut wr = self.begin_write().await?;
        if sqlx::query("SELECT id FROM parties WHERE id = $1")
            .bind(&e.id)
            .fetch_optional(&mut *wr.tx)
            .await?
            .is_some()
        {
            return Err(AgencyError::Replay(format!("{} is already enrolled", e.id)));
        }
        sqlx::query(
            "INSERT INTO parties (id, role, token_sha256, public_key, created_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&e.id)
        .bind(e.role.as_str())
        .bind(auth::token_hash(&token))
        .bind(e.public_key.clone())
        .bind(db::now())
        .execute(&mut *wr.tx)
        .await?;
        wr.append(
            "party.enrolled",
            &json!({"id": e.id, "role": e.role.as_str(), "public_key": e.public_key, "token_sha256": auth::token_hash(&token), "by": by.id}),
        )
        .await?;
        self.commit(wr).await?;
        Ok(token)
    }

    /// Records an exporter's signed shipment (exporters only, their own).
    /// Returns its sequence number in the shipments table.
    pub async fn post_shipment(&self, by: &Party, s: SignedShipment) -> Result<i64> {
        by.require(Role::Exporter)?;
        let r = &s.record;
        if r.exporter != by.id {
            return Err(AgencyError::Forbidden(format!(
                "{} may not report shipments in the name of {}",
                by.id, r.exporter
            )));
        }
        let key = by
            .public_key
            .as_deref()
            .ok_or_else(|| AgencyError::Forbidden(format!("{} has no enrolled key", by.id)))?;
        // One spelling per signature (lower-case hex): the UNIQUE column then
        // refuses a re-cased copy of a record already taken.
        let signature = s.signature.to_ascii_lowercase();
        auth::check_signature(key, &r.message(), &signature)?;
        zkcc_circuits::ledger::encode_serial(&r.serial)
            .map_err(|e| AgencyError::Invalid(format!("serial: {e}")))?;
        encode_label(&r.consignee).map_err(|e| AgencyError::Invalid(format!("consignee: {e}")))?;
        if self.inner.registry.model_index(&r.model).is_none() {
            return Err(AgencyError::Invalid(format!(
                "model {:?} is not in the registry",
                r.model
            )));
        }
        let device = self.check_device(r)?;
        // A chip is shipped only to an enrolled importer (its ledger is one
        // the agency asks proofs of); a return needs the chip in the
        // consignee's ledger, checked below.
        if !r.returned {
            let role = sqlx::query("SELECT role FROM parties WHERE id = $1")
                .bind(&r.consignee)
                .fetch_optional(&self.inner.pool)
                .await?;
            if !matches!(&role, Some(row) if db::text(row, "role")? == "importer") {
                return Err(AgencyError::Invalid(format!(
                    "{} is not an enrolled importer: shipments go to enrolled importers only",
                    r.consignee
                )));
            }
        }
        let mut wr = self.begin_write().await?;
        // Replay: the exporter's records are taken in order, each once, in
        // the same transaction as the ledger change.
        let last_seq = last_exporter_seq(&mut wr.tx, &r.exporter).await?;
        if r.seq <= last_seq {
            return Err(AgencyError::Replay(format!(
                "shipment record {} of {} replayed: its records up to {last_seq} were already taken (each once, in order)",
                r.seq, r.exporter
            )));
        }
        if r.seq != last_seq + 1 {
            return Err(AgencyError::Invalid(format!(
                "shipment record {} of {} is out of order: the next one is {}",
                r.seq,
                r.exporter,
                last_seq + 1
            )));
        }
        let last = sqlx::query(
            "SELECT consignee, returned, exporter, model FROM shipments WHERE serial = $1 ORDER BY seq DESC LIMIT 1",
        )
        .bind(&r.serial)
        .fetch_optional(&mut *wr.tx)
        .await?;
        let held_by = match &last {
            Some(row) if db::int(row, "returned")? == 0 => Some(db::text(row, "consignee")?),
            _ => None,
        };
        // A chip leaves a ledger only on the word of the exporter that
        // shipped it, for the model it shipped: another exporter's signed
        // "return" would otherwise take any chip out of any importer's
        // ledger (and out of what its proofs must locate).
        if let (Some(row), Some(_), true) = (&last, &held_by, r.returned) {
            let (shipper, model) = (db::text(row, "exporter")?, db::text(row, "model")?);
            if shipper != r.exporter || model != r.model {
                return Err(AgencyError::Forbidden(format!(
                    "chip {} was shipped by {shipper} as {model}: only that exporter may report its return, for that model",
                    r.serial
                )));
            }
        }
        match (&held_by, r.returned) {
            (Some(h), false) => {
                return Err(AgencyError::Replay(format!(
                    "chip {} is already in the ledger of {h}",
                    r.serial
                )))
            }
            (h, true) if h.as_deref() != Some(r.consignee.as_str()) => {
                return Err(AgencyError::Invalid(format!(
                    "chip {} is not in the ledger of {}: it cannot be returned",
                    r.serial, r.consignee
                )))
            }
            _ => {}
        }
        let seq = next_seq(&mut wr.tx, "shipments").await?;
        let record = audit::canonical(&json!(r));
        sqlx::query(
            "INSERT INTO shipments (seq, exporter, consignee, serial, model, returned, record, signature, created_at, exporter_seq, device_key, device_cert) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .bind(seq)
        .bind(&r.exporter)
        .bind(&r.consignee)
        .bind(&r.serial)
        .bind(&r.model)
        .bind(r.returned as i64)
        .bind(&record)
        .bind(&signature)
        .bind(db::now())
        .bind(r.seq as i64)
        .bind(device.as_ref().map(|(k, _)| k.clone()))
        .bind(device.as_ref().map(|(_, c)| c.clone()))
        .execute(&mut *wr.tx)
        .await?;
        wr.append(
            "shipment",
            &json!({"seq": seq, "record": r, "signature": s.signature}),
        )
        .await?;
        self.commit(wr).await?;
        Ok(seq)
    }

    /// A shipment's device certificate, checked: it names the record's chip
    /// and model and verifies under one of the registry's device vendors.
    /// Returns the device key and the certificate's JSON.
    fn check_device(&self, r: &ShipmentRecord) -> Result<Option<(String, String)>> {
        let Some(cert) = &r.device else {
            return Ok(None);
        };
        if r.returned {
            return Err(AgencyError::Invalid(
                "a return carries no device certificate".into(),
            ));
        }
        if cert.serial != r.serial || cert.model != r.model {
            return Err(AgencyError::Invalid(format!(
                "the device certificate is of chip {} ({}), the record of {} ({})",
                cert.serial, cert.model, r.serial, r.model
            )));
        }
        let key = cert
            .verify(&self.inner.registry.file.device_vendors)
            .map_err(|e| AgencyError::Forbidden(e.to_string()))?;
        let json = serde_json::to_string(cert).map_err(|e| AgencyError::Internal(e.to_string()))?;
        Ok(Some((zkcc_verifier::device::key_hex(&key), json)))
    }

    /// The device keys of the chips in `importer`'s ledger that have one
    /// (each with its vendor's certificate, for landmarks to check again).
    pub async fn ledger_devices(&self, importer: &str) -> Result<Vec<DeviceEntry>> {
        let rows = sqlx::query(
            "SELECT serial, model, returned, device_key, device_cert FROM shipments WHERE consignee = $1 ORDER BY seq",
        )
        .bind(importer)
        .fetch_all(&self.inner.pool)
        .await?;
        let mut held: BTreeMap<String, Option<DeviceEntry>> = BTreeMap::new();
        for r in &rows {
            let serial = db::text(r, "serial")?;
            if db::int(r, "returned")? != 0 {
                held.remove(&serial);
                continue;
            }
            let entry = match (
                db::opt_text(r, "device_key")?,
                db::opt_text(r, "device_cert")?,
            ) {
                (Some(device_key), Some(cert)) => Some(DeviceEntry {
                    serial: serial.clone(),
                    model: db::text(r, "model")?,
                    device_key,
                    certificate: serde_json::from_str(&cert)
                        .map_err(|e| AgencyError::Internal(format!("stored certificate: {e}")))?,
                }),
                _ => None,
            };
            held.insert(serial, entry);
        }
        Ok(held.into_values().flatten().collect())
    }

    /// The last shipment record of `exporter` the service took (0: none):
    /// its next record carries this plus one.
    pub async fn last_shipment_seq(&self, by: &Party) -> Result<u64> {
        by.require(Role::Exporter)?;
        let mut c = self.inner.pool.acquire().await?;
        last_exporter_seq(&mut c, &by.id).await
    }

    /// An importer's ledger, from the shipments recorded so far.
    pub async fn ledger(&self, importer: &str) -> Result<Ledger> {
        self.ledger_at(importer, i64::MAX).await
    }

    /// An importer's ledger from the shipments up to `upto` (the shipments
    /// table's `seq`): the ledger a submission taken at that point is
    /// measured against.
    pub async fn ledger_at(&self, importer: &str, upto: i64) -> Result<Ledger> {
        let rows = sqlx::query(
            "SELECT serial, model, returned FROM shipments WHERE consignee = $1 AND seq <= $2 ORDER BY seq",
        )
        .bind(importer)
        .bind(upto)
        .fetch_all(&self.inner.pool)
        .await?;
        let mut held = BTreeMap::new();
        for r in &rows {
            if db::int(r, "returned")? == 0 {
                held.insert(db::text(r, "serial")?, db::text(r, "model")?);
            } else {
                held.remove(&db::text(r, "serial")?);
            }
        }
        ledger_of(&self.inner.registry, importer, held)
    }

    /// `GET /v1/ledger[/importer]`: an importer sees only its own.
    pub async fn ledger_view(&self, by: &Party, importer: Option<&str>) -> Result<LedgerView> {
        let who = importer.unwrap_or(&by.id);
        if by.role != Role::Officer && !(by.role == Role::Importer && who == by.id) {
            return Err(AgencyError::Forbidden(format!(
                "{} may not read the ledger of {who}",
                by.id
            )));
        }
        let l = self.ledger(who).await?;
        Ok(LedgerView {
            importer: who.to_string(),
            chips: l.len(),
            tpp: l.total_tpp(),
            digest: fr_to_hex(&l.digest),
            devices: self.ledger_devices(who).await?,
        })
    }

    /// Issues a request (officers only): the registry's rules, a fresh
    /// nonce, an expiry.
    pub async fn create_request(&self, by: &Party, n: NewRequest) -> Result<RequestView> {
        by.require(Role::Officer)?;
        let role = sqlx::query("SELECT role FROM parties WHERE id = $1")
            .bind(&n.importer)
            .fetch_optional(&self.inner.pool)
            .await?;
        match role {
            Some(r) if db::text(&r, "role")? == "importer" => {}
            _ => {
                return Err(AgencyError::NotFound(format!(
                    "{} is not an enrolled importer",
                    n.importer
                )))
            }
        }
        let rules = rules_for(&self.inner.registry, &n.importer, n.rules)?;
        let request = RequestFile {
            version: SUBMISSION_VERSION,
            importer: n.importer,
            epoch: n.epoch,
            nonce: fr_to_hex(&ark_bn254::Fr::rand(&mut rand::rngs::OsRng)),
            rules,
            delay: None,
        };
        let ttl = n
            .ttl_seconds
            .unwrap_or(self.inner.default_ttl)
            .clamp(1, 366 * 86_400);
        let id = random_id();
        let now = db::now();
        let view = RequestView {
            id: id.clone(),
            request,
            created_at: now,
            expires_at: now + ttl as i64,
            status: "open".into(),
            closed_by: None,
        };
        let body = serde_json::to_string(&view.request)
            .map_err(|e| AgencyError::Internal(e.to_string()))?;
        let mut wr = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO requests (id, importer, nonce, body, created_at, expires_at, status, closed_by) VALUES ($1, $2, $3, $4, $5, $6, 'open', NULL)",
        )
        .bind(&id)
        .bind(&view.request.importer)
        .bind(&view.request.nonce)
        .bind(&body)
        .bind(now)
        .bind(view.expires_at)
        .execute(&mut *wr.tx)
        .await?;
        wr.append(
            "request.created",
            &json!({"id": id, "request": view.request, "expires_at": view.expires_at, "by": by.id}),
        )
        .await?;
        self.commit(wr).await?;
        Ok(view)
    }

    /// `GET /v1/requests`: an importer sees its own open, unexpired
    /// requests; an officer sees every request (of `importer`, if named).
    pub async fn requests(&self, by: &Party, importer: Option<&str>) -> Result<Vec<RequestView>> {
        let rows = match by.role {
            Role::Importer => {
                sqlx::query(
                    "SELECT * FROM requests WHERE importer = $1 AND status = 'open' AND expires_at > $2 ORDER BY created_at, id",
                )
                .bind(&by.id)
                .bind(db::now())
                .fetch_all(&self.inner.pool)
                .await?
            }
            Role::Officer => match importer {
                Some(imp) => {
                    sqlx::query("SELECT * FROM requests WHERE importer = $1 ORDER BY created_at, id")
                        .bind(imp)
                        .fetch_all(&self.inner.pool)
                        .await?
                }
                None => {
                    sqlx::query("SELECT * FROM requests ORDER BY created_at, id")
                        .fetch_all(&self.inner.pool)
                        .await?
                }
            },
            Role::Exporter => {
                return Err(AgencyError::Forbidden(format!(
                    "{} is an exporter: requests are between the agency and importers",
                    by.id
                )))
            }
        };
        rows.iter().map(request_view).collect()
    }

    /// Takes an importer's submission for one of its open, unexpired
    /// requests: the submission row (and its bytes) committed before any
    /// verification, then queued for the workers. A refusal is recorded
    /// with its reason (and audited) too.
    pub async fn submit(&self, by: &Party, request_id: &str, body: &str) -> Result<SubmitReply> {
        by.require(Role::Importer)?;
        if !is_id(request_id) {
            // Refused before anything is stored (nor echoed: it may be large).
            return Err(AgencyError::NotFound(
                "no such request: a request id is 32 lower-case hex digits".into(),
            ));
        }
        let sid = random_id();
        let body_sha = sha256_hex(body.as_bytes());
        // Parsed before the writer lock is taken: a large or malformed body
        // holds up nobody else's write.
        let parsed = Submission::from_json(body).map_err(|e| e.to_string());
        let mut wr = self.begin_write().await?;
        // The ledger the submission is measured against: the shipments
        // taken before it (see the crate docs, "The ledger of a decision").
        let ledger_seq = {
            let r = sqlx::query("SELECT COALESCE(MAX(seq), 0) AS m FROM shipments")
                .fetch_one(&mut *wr.tx)
                .await?;
            db::int(&r, "m")?
        };
        // No shipment is taken while the writer lock is held.
        let digest = self.ledger_at(&by.id, ledger_seq).await?.digest;
        let checked = intake_check(&mut wr.tx, by, request_id, &parsed, &digest).await?;
        drop(parsed);
        let now = db::now();
        let refusal = checked.err();
        if refusal.is_none() {
            sqlx::query(
                "INSERT INTO blobs (sha256, body) VALUES ($1, $2) ON CONFLICT (sha256) DO NOTHING",
            )
            .bind(&body_sha)
            .bind(body)
            .execute(&mut *wr.tx)
            .await?;
        }
        let reason = refusal.as_ref().map(|e| bounded_reason(e.to_string()));
        let status = if refusal.is_none() {
            "pending"
        } else {
            "refused"
        };
        sqlx::query(
            "INSERT INTO submissions (id, request_id, importer, body_sha256, status, reason, received_at, ledger_seq) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&sid)
        .bind(request_id)
        .bind(&by.id)
        .bind(&body_sha)
        .bind(status)
        .bind(reason.clone())
        .bind(now)
        .bind(ledger_seq)
        .execute(&mut *wr.tx)
        .await?;
        let kind = refusal.as_ref().map(|e| e.kind().to_string());
        let mut event = json!({"id": sid, "request_id": request_id, "importer": by.id, "body_sha256": body_sha, "ledger_seq": ledger_seq});
        if let Some(k) = &kind {
            event["kind"] = json!(k);
            event["reason"] = json!(reason);
        }
        let event_kind = if refusal.is_none() {
            "submission.received"
        } else {
            "submission.refused"
        };
        wr.append(event_kind, &event).await?;
        let reply = SubmitReply {
            submission_id: sid.clone(),
            status: status.into(),
            kind,
            reason,
            http: refusal.as_ref().map(|e| e.status()).unwrap_or(202),
        };
        self.commit(wr).await?;
        if reply.status == "pending" {
            let _ = self.inner.queue.send(sid);
        }
        Ok(reply)
    }

    /// A submission's state: its importer or an officer.
    pub async fn submission(&self, by: &Party, id: &str) -> Result<SubmissionView> {
        let row = sqlx::query(
            "SELECT s.id, s.request_id, s.importer, s.status, s.reason, s.received_at, d.verdict, d.outcome, d.report FROM submissions s LEFT JOIN decisions d ON d.submission_id = s.id WHERE s.id = $1",
        )
        .bind(id)
        .fetch_optional(&self.inner.pool)
        .await?
        .ok_or_else(|| AgencyError::NotFound(format!("no submission {id}")))?;
        let v = submission_view(&row)?;
        if by.role != Role::Officer && !(by.role == Role::Importer && v.importer == by.id) {
            // Not "forbidden": whether another party's submission exists is its business.
            return Err(AgencyError::NotFound(format!("no submission {id}")));
        }
        Ok(v)
    }

    /// Every submission, newest first (officers; the page).
    pub async fn submissions(&self, limit: i64) -> Result<Vec<SubmissionView>> {
        let rows = sqlx::query(
            "SELECT s.id, s.request_id, s.importer, s.status, s.reason, s.received_at, d.verdict, d.outcome, d.report FROM submissions s LEFT JOIN decisions d ON d.submission_id = s.id ORDER BY s.received_at DESC, s.id LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.inner.pool)
        .await?;
        rows.iter().map(submission_view).collect()
    }

    /// The enrolled importers.
    pub async fn importers(&self) -> Result<Vec<String>> {
        let rows = sqlx::query("SELECT id FROM parties WHERE role = 'importer' ORDER BY id")
            .fetch_all(&self.inner.pool)
            .await?;
        rows.iter().map(|r| db::text(r, "id")).collect()
    }

    /// A login ticket for the officers' page: single-use, valid for
    /// [`TICKET_SECS`], exchanged at `/officers/login?ticket=…` for a
    /// session cookie (so no key that still opens the page is ever in a URL).
    pub fn page_ticket(&self, by: &Party) -> Result<String> {
        by.require(Role::Officer)?;
        remember(&self.inner.tickets, TICKET_SECS)
    }

    /// Redeems a login ticket (once) for a page session key, valid for `ttl`
    /// seconds.
    pub fn redeem_ticket(&self, ticket: &str, ttl: i64) -> Result<String> {
        let live = {
            let mut t = self
                .inner
                .tickets
                .lock()
                .map_err(|_| AgencyError::Internal("ticket table poisoned".into()))?;
            matches!(t.remove(&auth::token_hash(ticket)), Some(exp) if exp > db::now())
        };
        if !live {
            return Err(AgencyError::Unauthenticated(
                "no such login ticket (each is used once, within a minute): ask for one with POST /v1/page-sessions".into(),
            ));
        }
        self.page_session(ttl)
    }

    /// A page session key valid for `ttl` seconds (the cookie's value).
    pub fn page_session(&self, ttl: i64) -> Result<String> {
        remember(&self.inner.sessions, ttl)
    }

    /// Whether `key` is a live page session.
    pub fn check_session(&self, key: &str) -> Result<()> {
        let s = self
            .inner
            .sessions
            .lock()
            .map_err(|_| AgencyError::Internal("session table poisoned".into()))?;
        match s.get(&auth::token_hash(key)) {
            Some(exp) if *exp > db::now() => Ok(()),
            _ => Err(AgencyError::Unauthenticated(
                "no live officer session: log in with a ticket from POST /v1/page-sessions".into(),
            )),
        }
    }

    /// Submissions still waiting for a verdict.
    pub async fn pending(&self) -> Result<i64> {
        let r = sqlx::query("SELECT COUNT(*) AS n FROM submissions WHERE status = 'pending'")
            .fetch_one(&self.inner.pool)
            .await?;
        db::int(&r, "n")
    }

    async fn dispatch(self, mut rx: mpsc::UnboundedReceiver<String>, workers: usize) {
        let sem = Arc::new(Semaphore::new(workers));
        while let Some(id) = rx.recv().await {
            if !self.inflight(&id, true) {
                continue; // already being decided (queued again by the sweep)
            }
            let Ok(permit) = sem.clone().acquire_owned().await else {
                return;
            };
            let (me, sem) = (self.clone(), sem.clone());
            tokio::spawn(async move {
                me.decide_with_retry(&id, permit, &sem).await;
                me.inflight(&id, false);
            });
        }
    }

    /// Marks `id` in flight (`true`: returns whether it was not already) or
    /// done.
    fn inflight(&self, id: &str, start: bool) -> bool {
        let Ok(mut s) = self.inner.inflight.lock() else {
            return false;
        };
        if start {
            s.insert(id.to_string())
        } else {
            s.remove(id)
        }
    }

    /// [`Agency::decide`], retried with exponential backoff (100 ms, 200 ms,
    /// 400 ms, …; the worker slot released while waiting); a submission
    /// still undecided after [`DECIDE_ATTEMPTS`] is left pending for the
    /// sweep.
    async fn decide_with_retry(
        &self,
        id: &str,
        mut permit: tokio::sync::OwnedSemaphorePermit,
        sem: &Arc<Semaphore>,
    ) {
        for attempt in 1..=DECIDE_ATTEMPTS {
            match self.decide(id).await {
                Ok(()) => return,
                Err(e @ AgencyError::NotFound(_)) => {
                    tracing::error!("submission {id}: {e}");
                    return;
                }
                Err(e) if attempt == DECIDE_ATTEMPTS => {
                    tracing::error!(
                        "submission {id}: {e}; left pending after {attempt} attempts, for the sweep"
                    );
                    return;
                }
                Err(e) => {
                    tracing::warn!("submission {id}: attempt {attempt} failed: {e}; retrying");
                    drop(permit);
                    tokio::time::sleep(std::time::Duration::from_millis(
                        100 << (attempt - 1).min(6),
                    ))
                    .await;
                    permit = match sem.clone().acquire_owned().await {
                        Ok(p) => p,
                        Err(_) => return,
                    };
                }
            }
        }
    }

    /// Every `interval`, queues the pending submissions no worker holds.
    async fn sweep(self, interval: std::time::Duration) {
        let interval = interval.max(std::time::Duration::from_millis(100));
        loop {
            tokio::time::sleep(interval).await;
            let pending = match sqlx::query(
                "SELECT id FROM submissions WHERE status = 'pending' ORDER BY received_at, id",
            )
            .fetch_all(&self.inner.pool)
            .await
            {
                Ok(rows) => rows,
                Err(e) => {
                    tracing::warn!("sweep: {e}");
                    continue;
                }
            };
            for r in &pending {
                if let Ok(id) = db::text(r, "id") {
                    let held = self
                        .inner
                        .inflight
                        .lock()
                        .map(|s| s.contains(&id))
                        .unwrap_or(true);
                    if !held && self.inner.queue.send(id).is_err() {
                        return;
                    }
                }
            }
        }
    }

    /// Verifies a pending submission (on the blocking pool), then in one
    /// transaction: the decision, the submission decided, the request
    /// closed, the verdict and decision audited. A submission no longer
    /// pending is left alone, so a re-queued one is never decided twice.
    pub async fn decide(&self, id: &str) -> Result<()> {
        let i = &self.inner;
        let row = sqlx::query(
            "SELECT s.request_id, s.importer, s.status, s.body_sha256, s.ledger_seq, r.body AS request, b.body AS submission FROM submissions s JOIN requests r ON r.id = s.request_id JOIN blobs b ON b.sha256 = s.body_sha256 WHERE s.id = $1",
        )
        .bind(id)
        .fetch_optional(&i.pool)
        .await?
        .ok_or_else(|| AgencyError::NotFound(format!("no submission {id}")))?;
        if db::text(&row, "status")? != "pending" {
            return Ok(());
        }
        let request_id = db::text(&row, "request_id")?;
        let importer = db::text(&row, "importer")?;
        let request: RequestFile = serde_json::from_str(&db::text(&row, "request")?)
            .map_err(|e| AgencyError::Internal(format!("stored request: {e}")))?;
        let body = db::text(&row, "submission")?;
        // The ledger as it was at intake (a row from before migration 2: now).
        let ledger_seq = row
            .try_get::<Option<i64>, _>("ledger_seq")?
            .unwrap_or(i64::MAX);
        let ledger = self.ledger_at(&importer, ledger_seq).await?;
        let (ledger_digest, ledger_chips) = (fr_to_hex(&ledger.digest), ledger.len() as i64);
        let (keys, registry, policy) = (i.keys.clone(), i.registry.clone(), i.policy.clone());
        let (verdict, mut report) = tokio::task::spawn_blocking(move || {
            judge(&keys, &registry, &policy, &ledger, &request, &body)
        })
        .await
        .map_err(|e| AgencyError::Internal(format!("verification task: {e}")))??;
        // What verification says may quote the submission: bounded.
        report.rejected = report.rejected.take().map(bounded_reason);
        for r in report.reasons.iter_mut() {
            *r = bounded_reason(std::mem::take(r));
        }
        let outcome = match report.decision.outcome {
            Outcome::Grant => "grant",
            Outcome::Deny => "deny",
        };
        let report_json =
            serde_json::to_value(&report).map_err(|e| AgencyError::Internal(e.to_string()))?;
        {
            use std::sync::atomic::Ordering::SeqCst;
            let f = &i.faults;
            if f.fail_decides
                .fetch_update(SeqCst, SeqCst, |n| n.checked_sub(1))
                .is_ok()
            {
                f.injected.fetch_add(1, SeqCst);
                return Err(AgencyError::Internal(
                    "injected fault before the decision's transaction".into(),
                ));
            }
        }
        let mut wr = self.begin_write().await?;
        let status = sqlx::query("SELECT status FROM submissions WHERE id = $1")
            .bind(id)
            .fetch_one(&mut *wr.tx)
            .await?;
        if db::text(&status, "status")? != "pending" {
            return Ok(());
        }
        sqlx::query(
            "INSERT INTO decisions (submission_id, request_id, importer, verdict, outcome, report, decided_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(id)
        .bind(&request_id)
        .bind(&importer)
        .bind(verdict)
        .bind(outcome)
        .bind(audit::canonical(&report_json))
        .bind(db::now())
        .execute(&mut *wr.tx)
        .await?;
        sqlx::query("UPDATE submissions SET status = 'decided', reason = $1, ledger_digest = $2, ledger_chips = $3 WHERE id = $4")
            .bind(report.rejected.clone())
            .bind(&ledger_digest)
            .bind(ledger_chips)
            .bind(id)
            .execute(&mut *wr.tx)
            .await?;
        sqlx::query("UPDATE requests SET status = 'closed', closed_by = $1 WHERE id = $2")
            .bind(id)
            .bind(&request_id)
            .execute(&mut *wr.tx)
            .await?;
        wr.append(
            "verdict",
            &json!({"submission_id": id, "request_id": request_id, "verdict": verdict, "reason": report.rejected, "facts": report.facts, "ledger_seq": ledger_seq, "ledger_digest": ledger_digest, "ledger_chips": ledger_chips}),
        )
        .await?;
        wr.append(
            "decision",
            &json!({"submission_id": id, "importer": importer, "outcome": outcome, "report": report_json}),
        )
        .await?;
        self.commit(wr).await?;
        Ok(())
    }

    /// Re-verifies a decision from what the audit log holds: the request as
    /// issued, the ledger as the shipments logged before the submission left
    /// it, the submission's bytes (by the hash the log names); returns the
    /// outcome logged and the outcome found now.
    pub async fn reverify(&self, submission_id: &str) -> Result<(String, String)> {
        let i = &self.inner;
        let mut after = 0;
        let mut request: Option<RequestFile> = None;
        let mut received: Option<(String, String, String)> = None;
        let mut logged: Option<String> = None;
        let mut shipments: Vec<ShipmentRecord> = Vec::new();
        let mut by_request: HashMap<String, RequestFile> = HashMap::new();
        loop {
            let page = audit::rows_after(&i.pool, after).await?;
            if page.is_empty() {
                break;
            }
            for row in page {
                after = row.seq;
                let ev: Value = serde_json::from_str(&row.event)
                    .map_err(|e| AgencyError::Internal(format!("audit row {}: {e}", row.seq)))?;
                match row.kind.as_str() {
                    "shipment" if received.is_none() => {
                        if let Ok(r) = serde_json::from_value(ev["record"].clone()) {
                            shipments.push(r);
                        }
                    }
                    "request.created" => {
                        if let (Some(id), Ok(r)) = (
                            ev["id"].as_str(),
                            serde_json::from_value(ev["request"].clone()),
                        ) {
                            by_request.insert(id.to_string(), r);
                        }
                    }
                    "submission.received" if ev["id"] == submission_id => {
                        let rid = ev["request_id"].as_str().unwrap_or_default().to_string();
                        request = by_request.get(&rid).cloned();
                        received = Some((
                            rid,
                            ev["importer"].as_str().unwrap_or_default().to_string(),
                            ev["body_sha256"].as_str().unwrap_or_default().to_string(),
                        ));
                    }
                    "decision" if ev["submission_id"] == submission_id => {
                        logged = ev["outcome"].as_str().map(str::to_string);
                    }
                    _ => {}
                }
            }
        }
        let (Some((_, importer, sha)), Some(request), Some(logged)) = (received, request, logged)
        else {
            return Err(AgencyError::NotFound(format!(
                "the log holds no decided submission {submission_id}"
            )));
        };
        let blob = sqlx::query("SELECT body FROM blobs WHERE sha256 = $1")
            .bind(&sha)
            .fetch_optional(&i.pool)
            .await?
            .ok_or_else(|| AgencyError::NotFound(format!("no stored submission bytes {sha}")))?;
        let body = db::text(&blob, "body")?;
        if sha256_hex(body.as_bytes()) != sha {
            return Err(AgencyError::Chain {
                seq: 0,
                what: format!("stored submission bytes {sha} do not match their hash"),
            });
        }
        let mut held = BTreeMap::new();
        for s in shipments.iter().filter(|s| s.consignee == importer) {
            if s.returned {
                held.remove(&s.serial);
            } else {
                held.insert(s.serial.clone(), s.model.clone());
            }
        }
        let ledger = ledger_of(&i.registry, &importer, held)?;
        let (_, report) = judge(&i.keys, &i.registry, &i.policy, &ledger, &request, &body)?;
        let now = match report.decision.outcome {
            Outcome::Grant => "grant",
            Outcome::Deny => "deny",
        };
        Ok((logged, now.to_string()))
    }
}

/// The chain at start: the signed head file (none yet: the empty chain)
/// must verify under the audit key, the chain must verify and hold that
/// head at its position; rows after it are refused unless they extend it
/// and `accept_unsigned_tail` is set. Returns the chain's head.
async fn check_chain_at_start(
    pool: &AnyPool,
    key: &ed25519_dalek::SigningKey,
    config: &Config,
) -> Result<audit::ChainState> {
    let file = &config.audit_head_file;
    let signed = match std::fs::metadata(file) {
        Ok(_) => audit::SignedHead::read(file)?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            audit::SignedHead::sign(key, 0, audit::GENESIS)
        }
        Err(e) => return Err(AgencyError::Config(format!("{}: {e}", file.display()))),
    };
    let anchors = audit::Anchors {
        signed_head: Some((signed.clone(), key.verifying_key())),
        expect_head: None,
        accept_unsigned_tail: true,
    };
    let refuse = |what: String| {
        AgencyError::Config(format!(
            "the audit chain does not match the signed head {} ({} rows, head {}): {what}; the service does not start",
            file.display(),
            signed.rows,
            signed.head
        ))
    };
    let state = audit::verify_with(pool, &anchors)
        .await
        .map_err(|e| refuse(e.to_string()))?;
    if state.rows > signed.rows && !config.accept_unsigned_tail {
        return Err(refuse(format!(
            "{} rows after the signed head are not covered by it (rows {} to {}); they extend it, so if the service stopped between committing them and signing its head, start it with --accept-unsigned-tail",
            state.rows - signed.rows,
            signed.rows + 1,
            state.rows
        )));
    }
    if state.rows > signed.rows {
        tracing::warn!(
            "audit: {} rows after the signed head accepted (--accept-unsigned-tail)",
            state.rows - signed.rows
        );
    }
    Ok(state)
}

/// The intake checks of a submission, in the order an officer would give
/// the reasons: the request exists, is the importer's, is open with no
/// submission in flight, has not expired; the body is a submission of the
/// importer. `Ok(Err(_))` is a refusal to record.
async fn intake_check(
    tx: &mut AnyConnection,
    by: &Party,
    request_id: &str,
    parsed: &std::result::Result<Submission, String>,
    ledger_digest: &ark_bn254::Fr,
) -> Result<Result<()>> {
    let Some(row) =
        sqlx::query("SELECT importer, status, expires_at, closed_by FROM requests WHERE id = $1")
            .bind(request_id)
            .fetch_optional(&mut *tx)
            .await?
    else {
        return Ok(Err(AgencyError::NotFound(format!(
            "no request {request_id}"
        ))));
    };
    if db::text(&row, "importer")? != by.id {
        return Ok(Err(AgencyError::Forbidden(format!(
            "request {request_id} was issued to another importer"
        ))));
    }
    if db::text(&row, "status")? != "open" {
        return Ok(Err(AgencyError::Replay(format!(
            "request {request_id} was already answered (by submission {}): a request is single-use",
            db::opt_text(&row, "closed_by")?.unwrap_or_default()
        ))));
    }
    if let Some(p) = sqlx::query(
        "SELECT id FROM submissions WHERE request_id = $1 AND status = 'pending' LIMIT 1",
    )
    .bind(request_id)
    .fetch_optional(&mut *tx)
    .await?
    {
        return Ok(Err(AgencyError::Replay(format!(
            "request {request_id} is already answered by submission {} (being verified)",
            db::text(&p, "id")?
        ))));
    }
    let expires = db::int(&row, "expires_at")?;
    let now = db::now();
    if now >= expires {
        return Ok(Err(AgencyError::Late(format!(
            "request {request_id} expired at {expires} (unix seconds); the submission came at {now}"
        ))));
    }
    let sub = match parsed {
        Ok(s) => s,
        Err(e) => return Ok(Err(AgencyError::Invalid(format!("submission: {e}")))),
    };
    if sub.importer != by.id {
        return Ok(Err(AgencyError::Forbidden(format!(
            "the submission is in the name of {}, the caller is {}",
            sub.importer, by.id
        ))));
    }
    // Proven against a ledger that has moved since: refused before it uses
    // up the request (which stays open for proofs against the ledger now).
    let named = |d: &str| zkcc_circuits::encoding::fr_from_hex(d).ok();
    if let Some(d) = sub
        .shards
        .iter()
        .map(|s| s.public_inputs.ledger_digest.as_str())
        .find(|d| named(d).is_some_and(|x| x != *ledger_digest))
    {
        return Ok(Err(AgencyError::Stale(format!(
            "ledger changed since the proof: a shard names ledger digest {d}, the ledger of {} is now {} (GET /v1/ledger, prove again; request {request_id} stays open)",
            by.id,
            fr_to_hex(ledger_digest)
        ))));
    }
    Ok(Ok(()))
}

/// Verification and decision: `accepted` with the policy's decision, or
/// `rejected` with a denial that says why.
fn judge(
    keys: &FleetKeys,
    registry: &Registry,
    policy: &Policy,
    ledger: &Ledger,
    request: &RequestFile,
    body: &str,
) -> Result<(&'static str, Report)> {
    let verified = Submission::from_json(body).and_then(|sub| {
        verify_submission(
            keys,
            registry,
            ledger,
            request,
            &sub,
            &mut rand::rngs::OsRng,
        )
    });
    Ok(match verified {
        Ok(v) => ("accepted", access::decide(policy, registry, &v)?),
        Err(e) => ("rejected", access::rejected(policy, registry, request, &e)?),
    })
}

fn ledger_of(
    registry: &Registry,
    importer: &str,
    held: BTreeMap<String, String>,
) -> Result<Ledger> {
    let mut records = Vec::with_capacity(held.len());
    for (serial, model) in held {
        let tpp = registry
            .model_index(&model)
            .map(|m| registry.models[m].1)
            .ok_or_else(|| AgencyError::Invalid(format!("model {model:?} left the registry")))?;
        records.push(LedgerRecordJson { serial, model, tpp });
    }
    Ledger::from_file(
        LedgerFile {
            version: LEDGER_VERSION,
            importer: importer.into(),
            records,
        },
        registry,
    )
    .map_err(|e| AgencyError::Invalid(format!("ledger of {importer}: {e}")))
}

/// Validity of a page login ticket, seconds.
pub const TICKET_SECS: i64 = 60;

/// A fresh key remembered (by its hash) in `table` for `ttl` seconds.
fn remember(table: &std::sync::Mutex<HashMap<String, i64>>, ttl: i64) -> Result<String> {
    let key = auth::new_token();
    let mut s = table
        .lock()
        .map_err(|_| AgencyError::Internal("session table poisoned".into()))?;
    let now = db::now();
    s.retain(|_, exp| *exp > now);
    s.insert(auth::token_hash(&key), now + ttl);
    Ok(key)
}

async fn last_exporter_seq(tx: &mut AnyConnection, exporter: &str) -> Result<u64> {
    let r = sqlx::query(
        "SELECT COALESCE(MAX(exporter_seq), 0) AS m FROM shipments WHERE exporter = $1",
    )
    .bind(exporter)
    .fetch_one(&mut *tx)
    .await?;
    Ok(db::int(&r, "m")?.max(0) as u64)
}

async fn next_seq(tx: &mut AnyConnection, table: &str) -> Result<i64> {
    let r = sqlx::query(&format!("SELECT COALESCE(MAX(seq), 0) AS m FROM {table}"))
        .fetch_one(&mut *tx)
        .await?;
    Ok(db::int(&r, "m")? + 1)
}

fn request_view(r: &sqlx::any::AnyRow) -> Result<RequestView> {
    Ok(RequestView {
        id: db::text(r, "id")?,
        request: serde_json::from_str(&db::text(r, "body")?)
            .map_err(|e| AgencyError::Internal(format!("stored request: {e}")))?,
        created_at: db::int(r, "created_at")?,
        expires_at: db::int(r, "expires_at")?,
        status: db::text(r, "status")?,
        closed_by: db::opt_text(r, "closed_by")?,
    })
}

fn submission_view(r: &sqlx::any::AnyRow) -> Result<SubmissionView> {
    Ok(SubmissionView {
        id: db::text(r, "id")?,
        request_id: db::text(r, "request_id")?,
        importer: db::text(r, "importer")?,
        status: db::text(r, "status")?,
        reason: db::opt_text(r, "reason")?,
        verdict: db::opt_text(r, "verdict")?,
        outcome: db::opt_text(r, "outcome")?,
        report: db::opt_text(r, "report")?.and_then(|s| serde_json::from_str(&s).ok()),
        received_at: db::int(r, "received_at")?,
    })
}
