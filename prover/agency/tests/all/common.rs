//! Shared scaffolding: one proven sample fleet (shard-3x4 / request-3x3,
//! shard proofs made once, a request proof per request), the databases to
//! run against, an in-process server and an HTTP client.
use ed25519_dalek::{Signer, SigningKey};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use reqwest::StatusCode;
use serde_json::Value;
use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;
use zkcc_agency::auth::Role;
use zkcc_agency::client::Client;
use zkcc_agency::service::{NewRequest, ShipmentRecord, SignedShipment};
use zkcc_agency::{Agency, Config};
use zkcc_circuits::ledger::Ledger;
use zkcc_circuits::registry::Registry;
use zkcc_engine::prove::ProverKey;
use zkcc_prover::fleet::{self, Fleet, FleetSecret};
use zkcc_prover::keys::{self, Circuit};
use zkcc_prover::sample;
use zkcc_test_support::fixtures::{loose_rules, RSHAPE, SHAPE};
use zkcc_verifier::access::{Policy, SAMPLE_ACCESS_POLICY};
use zkcc_verifier::fleet::FleetKeys;
use zkcc_verifier::submission::{RequestFile, ShardBundle, Submission, SUBMISSION_VERSION};

pub const IMPORTER: &str = "ACME-DC";
pub const OTHER: &str = "OTHER-DC";

/// The sample fleet, its keys and its shard proofs, made once per test run.
pub struct Fixture {
    pub dir: PathBuf,
    pub registry: Registry,
    pub ledger: Ledger,
    /// Every shipment record to post, in order (a returned chip: shipped, then returned).
    pub shipments: Vec<ShipmentRecord>,
    pub exporters: Vec<(String, SigningKey)>,
    pub fleet: Fleet,
    pub secret: FleetSecret,
    pub shards: Vec<ShardBundle>,
    pub rpk: ProverKey,
    pub keys: FleetKeys,
    rng: Mutex<ChaCha20Rng>,
}

static FIXTURE: OnceLock<Fixture> = OnceLock::new();

/// The fixture (made by the first test that asks).
pub fn fixture() -> &'static Fixture {
    FIXTURE.get_or_init(make_fixture)
}

fn make_fixture() -> Fixture {
    let mut rng = ChaCha20Rng::seed_from_u64(26);
    let dir = tempfile::tempdir().unwrap().keep();
    // FR 6 chips (2 chunks), DE 3, AE 4: three countries, two shards.
    let s = sample::generate_with(9, &[(0, 6), (1, 3), (3, 4)], SHAPE.slot_chips);
    let registry = Registry::from_file(s.registry.clone()).unwrap();
    let mut inv = s.inventory.clone();
    assert_eq!(inv.importer, IMPORTER);
    for k in &s.auditor_keys[..2] {
        fleet::attest(&registry, &mut inv, k, None).unwrap();
    }
    let ledger = fleet::ledger_from_shipments(&registry, &s.shipments, IMPORTER).unwrap();
    let secret = fleet::commit(&registry, &inv, &SHAPE, &mut rng).unwrap();
    let fleet = fleet::open(&registry, &inv, &secret).unwrap();
    let (sc, rc) = (Circuit::Shard(SHAPE), Circuit::Request(RSHAPE));
    keys::setup_circuit(&dir, &sc, &mut rng).unwrap();
    keys::setup_circuit(&dir, &rc, &mut rng).unwrap();
    let (spk, _) = keys::load_proving_key_of(&dir, &sc).unwrap();
    let (rpk, _) = keys::load_proving_key_of(&dir, &rc).unwrap();
    let shards =
        fleet::prove_shards(&spk, &fleet, &registry, IMPORTER, ledger.digest, &mut rng).unwrap();
    let keys = FleetKeys::new(
        &keys::load_verifying_key_of(&dir, &sc).unwrap(),
        SHAPE,
        &keys::load_verifying_key_of(&dir, &rc).unwrap(),
        RSHAPE,
    )
    .unwrap();
    let mut exporters: Vec<(String, SigningKey)> = Vec::new();
    let mut shipments = Vec::new();
    // Each exporter numbers its records 1, 2, 3, …
    let mut seqs: std::collections::HashMap<String, u64> = Default::default();
    let mut next = |e: &str| {
        let n = seqs.entry(e.to_string()).or_insert(0);
        *n += 1;
        *n
    };
    for sh in &s.shipments.shipments {
        if !exporters.iter().any(|(e, _)| *e == sh.exporter) {
            let mut seed = [0u8; 32];
            seed[..sh.exporter.len().min(32)]
                .copy_from_slice(&sh.exporter.as_bytes()[..sh.exporter.len().min(32)]);
            exporters.push((sh.exporter.clone(), SigningKey::from_bytes(&seed)));
        }
        let rec = ShipmentRecord {
            exporter: sh.exporter.clone(),
            serial: sh.serial.clone(),
            model: sh.model.clone(),
            consignee: sh.consignee.clone(),
            returned: false,
            seq: next(&sh.exporter),
            device: None,
        };
        shipments.push(rec.clone());
        if sh.returned {
            shipments.push(ShipmentRecord {
                returned: true,
                seq: next(&sh.exporter),
                ..rec
            });
        }
    }
    Fixture {
        dir,
        registry,
        ledger,
        shipments,
        exporters,
        fleet,
        secret,
        shards,
        rpk,
        keys,
        rng: Mutex::new(rng),
    }
}

impl Fixture {
    /// The importer's submission answering `request` (one request proof).
    pub fn submission(&self, request: &RequestFile) -> String {
        let mut rng = ChaCha20Rng::from_rng(&mut *self.rng.lock().unwrap()).unwrap();
        prove_submission(
            IMPORTER,
            &self.fleet,
            &self.secret,
            &self.shards,
            &self.ledger,
            request,
            &mut rng,
        )
    }

    /// A signed shipment.
    pub fn signed(&self, r: &ShipmentRecord) -> SignedShipment {
        let key = &self
            .exporters
            .iter()
            .find(|(e, _)| *e == r.exporter)
            .expect("an exporter of the sample")
            .1;
        SignedShipment {
            record: r.clone(),
            signature: hex::encode(key.sign(&r.message()).to_bytes()),
        }
    }

    /// The service's configuration: its files in `dir`, a sweep every second.
    pub fn config(&self, db: &str, dir: &std::path::Path) -> Config {
        let mut c = Config::new(
            db,
            self.registry.clone(),
            Policy::from_json(SAMPLE_ACCESS_POLICY).unwrap(),
            self.keys.clone(),
            dir,
        );
        c.default_ttl_secs = 3600;
        c.sweep_interval = Duration::from_secs(1);
        c
    }
}

/// `importer`'s submission answering `request`: its shard proofs and a new
/// request proof.
pub fn prove_submission(
    importer: &str,
    fleet: &Fleet,
    secret: &FleetSecret,
    shards: &[ShardBundle],
    ledger: &Ledger,
    request: &RequestFile,
    rng: &mut ChaCha20Rng,
) -> String {
    let rb = fleet::prove_request(
        &fixture().rpk,
        &RSHAPE,
        fleet,
        importer,
        ledger.digest,
        request,
        rng,
        &zkcc_engine::prove::Quiet,
    )
    .unwrap();
    Submission {
        version: SUBMISSION_VERSION,
        importer: importer.into(),
        epoch: request.epoch,
        commitment: secret.commitment.clone(),
        shards: shards.to_vec(),
        request: rb,
        delay: vec![],
    }
    .to_json()
}

/// The rules of the fixture's requests (the home country left to the registry).
pub fn rules() -> Value {
    let mut v = serde_json::to_value(loose_rules()).unwrap();
    v.as_object_mut().unwrap().remove("home_country");
    v
}

/// `found`, or `None` once `missing` is said to be skipped: a failure
/// instead when the environment variable `require` is `1`.
pub fn or_skip<T>(found: Option<T>, require: &str, missing: &str) -> Option<T> {
    if found.is_none() {
        assert!(
            std::env::var(require).as_deref() != Ok("1"),
            "{require}=1 but {missing}"
        );
        eprintln!("skipped ({require}=1 makes it a failure): {missing}");
    }
    found
}

/// The databases to run against: a fresh SQLite file always; a fresh
/// PostgreSQL database when `ZKCC_PG_URL` is set (required with
/// `ZKCC_REQUIRE_PG=1`).
pub async fn databases(tag: &str) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap().keep();
    let mut out = vec![dir.join(format!("{tag}.db")).display().to_string()];
    match std::env::var("ZKCC_PG_URL") {
        Ok(url) if !url.is_empty() => out.push(fresh_pg(&url, tag).await),
        _ => {
            let what = format!("{tag}: PostgreSQL (ZKCC_PG_URL is not set; SQLite only)");
            or_skip(None::<()>, "ZKCC_REQUIRE_PG", &what);
        }
    }
    out
}

/// A new, empty database on the PostgreSQL server of `url`.
pub async fn fresh_pg(url: &str, tag: &str) -> String {
    use sqlx::Connection;
    sqlx::any::install_default_drivers();
    let name = format!(
        "zkcc_{}_{}",
        tag.replace('-', "_"),
        hex::encode(rand::random::<[u8; 6]>())
    );
    let mut c = sqlx::AnyConnection::connect(url).await.unwrap();
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut c)
        .await
        .unwrap();
    // postgres://user@host:port/db?params -> the same with db = name
    let (head, tail) = url.split_once("://").unwrap();
    let (authority, rest) = tail.split_once('/').unwrap_or((tail, ""));
    let params = rest
        .split_once('?')
        .map(|(_, p)| format!("?{p}"))
        .unwrap_or_default();
    format!("{head}://{authority}/{name}{params}")
}

/// A server running in this process.
pub struct Server {
    pub base: String,
    pub officer: String,
    /// The service's files (officer token, audit key, signed head).
    pub dir: PathBuf,
    /// Its injected faults (in-process only).
    pub faults: std::sync::Arc<zkcc_agency::service::Faults>,
    /// The in-process service (`None` for a spawned binary).
    pub agency: Option<Agency>,
    pub http: reqwest::Client,
    /// The officer's client ([`Server::party`] for the others).
    pub api: Client,
}

pub async fn start(db: &str) -> Server {
    start_with(db, zkcc_agency::http::Limits::default()).await
}

/// A server in this process within `limits`.
pub async fn start_with(db: &str, limits: zkcc_agency::http::Limits) -> Server {
    start_custom(db, limits, |_| {}).await
}

/// A server in this process, its configuration edited by `edit`.
pub async fn start_custom(
    db: &str,
    limits: zkcc_agency::http::Limits,
    edit: impl FnOnce(&mut Config),
) -> Server {
    let f = fixture();
    let dir = tempfile::tempdir().unwrap().keep();
    let mut config = f.config(db, &dir);
    edit(&mut config);
    let faults = config.faults.clone();
    let agency = Agency::open(config).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(zkcc_agency::serve_with(
        agency.clone(),
        listener,
        limits,
        std::future::pending(),
    ));
    let mut srv = Server::at(&base, &dir);
    srv.faults = faults;
    srv.agency = Some(agency);
    srv
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}

/// A status and body from the client, the status as reqwest's.
fn answer(r: zkcc_agency::Result<(u16, Value)>) -> (StatusCode, Value) {
    let (s, v) = r.unwrap();
    (StatusCode::from_u16(s).unwrap(), v)
}

impl Server {
    /// The server at `base` whose files (the officer's token) are in `dir`.
    pub fn at(base: &str, dir: &std::path::Path) -> Server {
        let officer = std::fs::read_to_string(dir.join("officer.token")).unwrap();
        Server {
            base: base.into(),
            api: Client::new(base, &officer).unwrap(),
            officer,
            dir: dir.into(),
            faults: Default::default(),
            agency: None,
            http: client(),
        }
    }

    /// The client of the party of `token`.
    pub fn party(&self, token: &str) -> Client {
        self.api.with_token(token)
    }

    pub async fn get(&self, path: &str, token: &str) -> (StatusCode, Value) {
        answer(
            self.party(token)
                .call(reqwest::Method::GET, path, None)
                .await,
        )
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: &Value) -> (StatusCode, Value) {
        let c = match token {
            Some(t) => self.party(t),
            None => Client::anonymous(&self.base).unwrap(),
        };
        answer(
            c.call(reqwest::Method::POST, path, Some(body.to_string()))
                .await,
        )
    }

    /// Posts a raw submission body.
    pub async fn submit(&self, request_id: &str, token: &str, body: &str) -> (StatusCode, Value) {
        let path = format!("/v1/requests/{request_id}/submissions");
        answer(
            self.party(token)
                .call(reqwest::Method::POST, &path, Some(body.to_string()))
                .await,
        )
    }

    /// Submits `body` to request `request_id` with `token` and asserts that
    /// it was taken (202); its submission id.
    pub async fn submit_taken(&self, request_id: &str, token: &str, body: &str) -> String {
        let (s, v) = self.submit(request_id, token, body).await;
        assert_eq!(s, StatusCode::ACCEPTED, "{v}");
        v["submission_id"].as_str().unwrap().to_string()
    }

    /// Enrols a party; returns its token.
    pub async fn enrol(&self, id: &str, role: &str, public_key: Option<String>) -> String {
        let role = Role::parse(role).unwrap();
        self.api
            .enrol(id, role, public_key.as_deref())
            .await
            .unwrap_or_else(|e| panic!("enrol {id}: {e}"))
    }

    /// Enrols the sample's exporters and importers, posts every shipment;
    /// returns (exporter tokens, importer token, other importer's token).
    pub async fn populate(&self) -> (Vec<String>, String, String) {
        let f = fixture();
        let mut exp = Vec::new();
        for (id, key) in &f.exporters {
            exp.push(
                self.enrol(
                    id,
                    "exporter",
                    Some(hex::encode(key.verifying_key().to_bytes())),
                )
                .await,
            );
        }
        let imp = self.enrol(IMPORTER, "importer", None).await;
        let other = self.enrol(OTHER, "importer", None).await;
        for r in &f.shipments {
            let i = f
                .exporters
                .iter()
                .position(|(e, _)| *e == r.exporter)
                .unwrap();
            self.party(&exp[i])
                .post_shipment(&f.signed(r))
                .await
                .unwrap_or_else(|e| panic!("shipment {}: {e}", r.serial));
        }
        (exp, imp, other)
    }

    /// The next sequence number of the exporter of `token`.
    pub async fn next_seq(&self, token: &str) -> u64 {
        self.party(token).last_seq().await.unwrap() + 1
    }

    /// Posts a shipment record signed by its exporter.
    pub async fn ship(&self, token: &str, r: &ShipmentRecord) -> (StatusCode, Value) {
        self.post_signed(token, &fixture().signed(r)).await
    }

    /// Posts a signed shipment as it is (a test may have altered it).
    pub async fn post_signed(&self, token: &str, s: &SignedShipment) -> (StatusCode, Value) {
        let body = serde_json::to_value(s).unwrap();
        self.post("/v1/shipments", Some(token), &body).await
    }

    /// Posts a request to [`IMPORTER`] (the fixture's epoch, [`rules`])
    /// with `token`, over HTTP.
    pub async fn post_request(&self, token: &str) -> (StatusCode, Value) {
        let body = serde_json::json!({"importer": IMPORTER, "epoch": fixture().fleet.epoch, "rules": rules()});
        self.post("/v1/requests", Some(token), &body).await
    }

    /// Issues a request to `importer`; returns (id, request file).
    pub async fn request(&self, importer: &str, ttl: u64) -> (String, RequestFile) {
        let v = self
            .api
            .create_request(&NewRequest {
                importer: importer.into(),
                epoch: fixture().fleet.epoch,
                rules: rules(),
                ttl_seconds: Some(ttl),
            })
            .await
            .unwrap_or_else(|e| panic!("request to {importer}: {e}"));
        (v.id, v.request)
    }

    /// Polls a submission until it is no longer pending (at most 60 s).
    pub async fn decided(&self, id: &str, token: &str) -> Value {
        let v = self
            .party(token)
            .wait(id, Duration::from_secs(60))
            .await
            .unwrap();
        serde_json::to_value(v).unwrap()
    }
}

/// Asserts that an answer's `reason` says `what`.
#[track_caller]
pub fn assert_reason(v: &Value, what: &str) {
    let reason = v["reason"]
        .as_str()
        .unwrap_or_else(|| panic!("no reason: {v}"));
    assert!(reason.contains(what), "{v}");
}

/// Rewrites row 3 of the audit chain (`from` replaced by `to` in its event)
/// and re-hashes every row after it, as one with database access and no
/// signing key would: the chain alone still verifies. Returns the rows as
/// they were before.
pub async fn rehash_from_row3(
    pool: &sqlx::AnyPool,
    from: &str,
    to: &str,
) -> Vec<zkcc_agency::audit::AuditRow> {
    use zkcc_agency::audit;
    let rows = audit::rows_after(pool, 0).await.unwrap();
    let mut prev = rows[1].hash.clone();
    let mut rehashed = Vec::new();
    for r in &rows[2..] {
        let event = if r.seq == 3 {
            r.event.replace(from, to)
        } else {
            r.event.clone()
        };
        let hash = audit::row_hash(r.seq, r.at, &r.kind, &event, &prev);
        rehashed.push(audit::AuditRow {
            event,
            prev_hash: std::mem::replace(&mut prev, hash.clone()),
            hash,
            ..r.clone()
        });
    }
    write_rows(pool, &rehashed).await;
    rows
}

/// Writes `rows` over the audit rows of the same `seq` (event and hashes).
pub async fn write_rows(pool: &sqlx::AnyPool, rows: &[zkcc_agency::audit::AuditRow]) {
    for r in rows {
        sqlx::query("UPDATE audit SET event = $1, prev_hash = $2, hash = $3 WHERE seq = $4")
            .bind(&r.event)
            .bind(&r.prev_hash)
            .bind(&r.hash)
            .bind(r.seq)
            .execute(pool)
            .await
            .unwrap();
    }
}
