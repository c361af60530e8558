//! Under load and a crash: the `zkcc agency serve` binary, 50 distinct
//! importers (each enrolled, with its own facility, inventory, ledger,
//! commitment and shard proof, and its own requests) submitting a few
//! hundred real submissions concurrently (one request proof each, made
//! before the load starts), SIGKILL mid-load, a restart on the same
//! database; then every accepted submission has exactly one decision, every
//! refused one its reason, every request one decision, and the audit chain
//! verifies against its signed head. Prints the throughput and latency
//! figures.
//!
//! The binary: `ZKCC_BIN`, else `zkcc` beside this test's target directory
//! (`cargo build -p zkcc-prover --bin zkcc` first). Without it the test is
//! skipped, unless `ZKCC_REQUIRE_BIN=1`. `ZKCC_LOAD_N` sets the number of
//! submissions (default 200).
use crate::common::{self, fixture, Server};
use ed25519_dalek::{Signer, SigningKey};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use reqwest::StatusCode;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use zkcc_agency::service::{NewRequest, ShipmentRecord, SignedShipment};
use zkcc_circuits::ledger::Ledger;
use zkcc_circuits::registry::{FacilityJson, ImporterJson, Registry};
use zkcc_prover::fleet::{self, Fleet, FleetSecret};
use zkcc_prover::keys::{self, Circuit};
use zkcc_prover::sample;
use zkcc_test_support::fixtures::SHAPE;
use zkcc_verifier::submission::{RequestFile, ShardBundle};

const CLIENTS: usize = 50;

fn zkcc_bin() -> Option<PathBuf> {
    if let Ok(p) = std::env::var("ZKCC_BIN") {
        return Some(PathBuf::from(p));
    }
    let exe = std::env::current_exe().ok()?;
    let p = exe.parent()?.parent()?.join("zkcc");
    // A binary built before the service existed does not count.
    let fresh = Command::new(&p)
        .args(["agency", "serve", "--help"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    fresh.then_some(p)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts `zkcc agency serve`; returns once it listens.
/// One importer of the load: its own facility, chips, ledger and proofs.
struct Importer {
    id: String,
    ledger: Ledger,
    fleet: Fleet,
    secret: FleetSecret,
    shards: Vec<ShardBundle>,
    /// Its chips' shipment records (exporter, serial, model, returned).
    shipments: Vec<(String, String, String, bool)>,
}

/// The load's registry (the sample's, plus a facility and an importer entry
/// per load importer) and its importers.
struct Many {
    registry_path: PathBuf,
    importers: Vec<Importer>,
}

static MANY: OnceLock<Many> = OnceLock::new();

/// The importers' ids: `LOAD-00` …
fn many() -> &'static Many {
    MANY.get_or_init(|| {
        let f = fixture();
        let mut rng = ChaCha20Rng::seed_from_u64(2650);
        // One facility of ACME-DC with 4 chips: one shard each.
        let s = sample::generate_with(9, &[(0, 4)], SHAPE.slot_chips);
        let mut file = s.registry.clone();
        let base = file.facilities[0].clone();
        let home = file
            .importers
            .iter()
            .find(|i| i.id == s.inventory.importer)
            .map(|i| i.home_country.clone())
            .unwrap();
        let ids: Vec<String> = (0..CLIENTS).map(|i| format!("LOAD-{i:02}")).collect();
        for (i, id) in ids.iter().enumerate() {
            file.facilities.push(FacilityJson {
                id: format!("LF-{i:02}"),
                operator: id.clone(),
                ..base.clone()
            });
            file.importers.push(ImporterJson::new(id, &home));
        }
        let registry = Registry::from_file(file.clone()).unwrap();
        let registry_path = f.dir.join("registry-load.json");
        std::fs::write(&registry_path, serde_json::to_string(&file).unwrap()).unwrap();
        let (spk, _) = keys::load_proving_key_of(&f.dir, &Circuit::Shard(SHAPE)).unwrap();
        let t = Instant::now();
        let importers = ids
            .iter()
            .enumerate()
            .map(|(i, id)| {
                let rename = |serial: &str| format!("{serial}-{i:02}");
                let mut inv = s.inventory.clone();
                inv.importer = id.clone();
                for c in &mut inv.chips {
                    c.serial = rename(&c.serial);
                    c.facility = format!("LF-{i:02}");
                }
                for a in &mut inv.attestations {
                    a.facility = format!("LF-{i:02}");
                    a.signature = None;
                    for m in &mut a.measurements {
                        m.serial = rename(&m.serial);
                    }
                }
                // Each chunk by the auditor the sample named for it.
                let signed: usize = s
                    .auditor_keys
                    .iter()
                    .map(|k| fleet::attest(&registry, &mut inv, k, None).unwrap_or(0))
                    .sum();
                assert_eq!(signed, inv.attestations.len());
                let mut shipped = s.shipments.clone();
                shipped
                    .shipments
                    .retain(|x| x.consignee == s.inventory.importer);
                for x in &mut shipped.shipments {
                    x.serial = rename(&x.serial);
                    x.consignee = id.clone();
                }
                let ledger = fleet::ledger_from_shipments(&registry, &shipped, id).unwrap();
                let secret = fleet::commit(&registry, &inv, &SHAPE, &mut rng).unwrap();
                let fleet = fleet::open(&registry, &inv, &secret).unwrap();
                let shards =
                    fleet::prove_shards(&spk, &fleet, &registry, id, ledger.digest, &mut rng)
                        .unwrap();
                Importer {
                    id: id.clone(),
                    ledger,
                    fleet,
                    secret,
                    shards,
                    shipments: shipped
                        .shipments
                        .iter()
                        .map(|x| {
                            (
                                x.exporter.clone(),
                                x.serial.clone(),
                                x.model.clone(),
                                x.returned,
                            )
                        })
                        .collect(),
                }
            })
            .collect();
        eprintln!(
            "{CLIENTS} load importers (commitments, shard proofs) in {:.1} s",
            t.elapsed().as_secs_f64()
        );
        Many {
            registry_path,
            importers,
        }
    })
}

impl Importer {
    /// Its submission answering `request`.
    fn submission(&self, request: &RequestFile, rng: &mut ChaCha20Rng) -> String {
        common::prove_submission(
            &self.id,
            &self.fleet,
            &self.secret,
            &self.shards,
            &self.ledger,
            request,
            rng,
        )
    }
}

/// The sample's exporter keys (as the fixture derives them).
fn exporter_key(id: &str) -> SigningKey {
    fixture()
        .exporters
        .iter()
        .find(|(e, _)| e == id)
        .map(|(_, k)| k.clone())
        .unwrap()
}

/// Enrols the exporters and the load importers, posts every importer's
/// shipments (each exporter's records numbered in order); returns the
/// importers' tokens.
async fn populate_many(srv: &Server) -> Vec<String> {
    let m = many();
    let mut exp_tokens = std::collections::HashMap::new();
    let mut seqs = std::collections::HashMap::<String, u64>::new();
    for (id, key) in &fixture().exporters {
        let t = srv
            .enrol(
                id,
                "exporter",
                Some(hex::encode(key.verifying_key().to_bytes())),
            )
            .await;
        exp_tokens.insert(id.clone(), t);
    }
    let mut tokens = Vec::new();
    for imp in &m.importers {
        tokens.push(srv.enrol(&imp.id, "importer", None).await);
        for (exporter, serial, model, returned) in &imp.shipments {
            let mut recs = vec![false];
            if *returned {
                recs.push(true);
            }
            for ret in recs {
                let seq = seqs.entry(exporter.clone()).or_insert(0);
                *seq += 1;
                let record = ShipmentRecord {
                    exporter: exporter.clone(),
                    serial: serial.clone(),
                    model: model.clone(),
                    consignee: imp.id.clone(),
                    returned: ret,
                    seq: *seq,
                    device: None,
                };
                let signed = SignedShipment {
                    signature: hex::encode(
                        exporter_key(exporter).sign(&record.message()).to_bytes(),
                    ),
                    record,
                };
                srv.party(&exp_tokens[exporter])
                    .post_shipment(&signed)
                    .await
                    .unwrap_or_else(|e| panic!("shipment {serial}: {e}"));
            }
        }
        let v = srv.api.ledger_of(&imp.id).await.unwrap();
        assert_eq!(
            v.digest,
            zkcc_circuits::encoding::fr_to_hex(&imp.ledger.digest)
        );
    }
    tokens
}

/// Starts the binary; `extra`: more arguments.
fn spawn(bin: &Path, db: &str, port: u16, dir: &Path, log: &str, extra: &[&str]) -> Child {
    let f = fixture();
    let stderr = std::fs::File::create(dir.join(log)).unwrap();
    let mut child = Command::new(bin)
        .args(["agency", "serve", "--db", db, "--registry"])
        .arg(&many().registry_path)
        .arg("--keys")
        .arg(&f.dir)
        .args([
            "--shard-circuit",
            "shard-3x4",
            "--request-circuit",
            "request-3x3",
        ])
        .args(["--listen", &format!("127.0.0.1:{port}"), "--workers", "2"])
        .arg("--officer-token-file")
        .arg(dir.join("officer.token"))
        .arg("--audit-key-file")
        .arg(dir.join("audit-head.key"))
        .arg("--audit-head-file")
        .arg(dir.join("audit-head.json"))
        .args(extra)
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(stderr)
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert!(
        line.contains("listening on"),
        "the service did not start: {line:?}; {}",
        std::fs::read_to_string(dir.join(log)).unwrap_or_default()
    );
    child
}

fn pct(v: &mut [Duration], p: f64) -> f64 {
    v.sort();
    if v.is_empty() {
        return 0.0;
    }
    let i = ((v.len() as f64 * p).ceil() as usize).clamp(1, v.len()) - 1;
    v[i].as_secs_f64() * 1000.0
}

#[derive(Default)]
struct Tally {
    accepted: Vec<(String, String)>,
    intake: Vec<Duration>,
    decide: Vec<Duration>,
    replays_refused: usize,
    committed_before_crash: usize,
    retries: usize,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_importers_sigkill_and_restart_lose_nothing_decide_nothing_twice() {
    let what =
        "the load test: no zkcc binary (set ZKCC_BIN; cargo build -p zkcc-prover --bin zkcc)";
    let Some(bin) = common::or_skip(zkcc_bin(), "ZKCC_REQUIRE_BIN", what) else {
        return;
    };
    let n: usize = std::env::var("ZKCC_LOAD_N")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(200);
    for db in common::databases("load").await {
        eprintln!("load on {db}");
        load(&bin, &db, n).await;
    }
}

async fn load(bin: &Path, db: &str, n: usize) {
    let m = tokio::task::block_in_place(many);
    let dir = tempfile::tempdir().unwrap().keep();
    let port = free_port();
    let child = tokio::task::block_in_place(|| spawn(bin, db, port, &dir, "serve-1.log", &[]));
    let child = Arc::new(Mutex::new(child));
    let srv = Server::at(&format!("http://127.0.0.1:{port}"), &dir);
    let tokens = populate_many(&srv).await;

    // Requests (each importer its own) and their proofs, before the load.
    let t = Instant::now();
    let mut reqs = Vec::with_capacity(n);
    for j in 0..n {
        let imp = &m.importers[j % CLIENTS];
        let v = srv
            .api
            .create_request(&NewRequest {
                importer: imp.id.clone(),
                epoch: imp.fleet.epoch,
                rules: common::rules(),
                ttl_seconds: Some(3600),
            })
            .await
            .unwrap();
        reqs.push((j % CLIENTS, v.id, v.request));
    }
    let mut queues: Vec<Vec<(String, String)>> = vec![Vec::new(); CLIENTS];
    tokio::task::block_in_place(|| {
        let mut rng = ChaCha20Rng::seed_from_u64(2651);
        for (c, id, req) in reqs {
            queues[c].push((id, m.importers[c].submission(&req, &mut rng)));
        }
    });
    eprintln!("{n} request proofs in {:.1} s", t.elapsed().as_secs_f64());

    let posted = Arc::new(AtomicUsize::new(0));
    let tally = Arc::new(Mutex::new(Tally::default()));
    let start = Instant::now();
    let mut tasks = Vec::new();
    for (c, queue) in queues.into_iter().enumerate() {
        let queue = Arc::new(Mutex::new(queue));
        let (posted, tally) = (posted.clone(), tally.clone());
        let (base, imp) = (srv.base.clone(), tokens[c].clone());
        tasks.push(tokio::spawn(async move {
            let http = common::client();
            loop {
                let (job, left) = {
                    let mut q = queue.lock().unwrap();
                    (q.pop(), q.len())
                };
                let Some((rid, body)) = job else {
                    break;
                };
                let t0 = Instant::now();
                let mut sid = None;
                let mut failed_once = false;
                for _ in 0..600 {
                    let r = http
                        .post(format!("{base}/v1/requests/{rid}/submissions"))
                        .bearer_auth(&imp)
                        .header("content-type", "application/json")
                        .body(body.clone())
                        .send()
                        .await;
                    match r {
                        Ok(resp) if resp.status() == StatusCode::ACCEPTED => {
                            let v: serde_json::Value = resp.json().await.unwrap();
                            sid = Some(v["submission_id"].as_str().unwrap().to_string());
                            break;
                        }
                        Ok(resp) if resp.status() == StatusCode::CONFLICT && failed_once => {
                            // The earlier attempt was committed before the crash.
                            tally.lock().unwrap().committed_before_crash += 1;
                            break;
                        }
                        Ok(resp) => panic!("client {c}: {} {:?}", resp.status(), resp.text().await),
                        Err(_) => {
                            failed_once = true;
                            tally.lock().unwrap().retries += 1;
                            tokio::time::sleep(Duration::from_millis(100)).await;
                        }
                    }
                }
                let intake = t0.elapsed();
                posted.fetch_add(1, Ordering::SeqCst);
                let Some(sid) = sid else { continue };
                // One in ten: the same submission again, refused as a replay.
                if left % 10 == 0 {
                    if let Ok(resp) = http
                        .post(format!("{base}/v1/requests/{rid}/submissions"))
                        .bearer_auth(&imp)
                        .body(body.clone())
                        .send()
                        .await
                    {
                        assert_eq!(resp.status(), StatusCode::CONFLICT);
                        tally.lock().unwrap().replays_refused += 1;
                    }
                }
                // Wait for the decision (through the crash: retry).
                let mut decided = false;
                for _ in 0..1500 {
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    let Ok(resp) = http
                        .get(format!("{base}/v1/submissions/{sid}"))
                        .bearer_auth(&imp)
                        .send()
                        .await
                    else {
                        continue;
                    };
                    let Ok(v) = resp.json::<serde_json::Value>().await else {
                        continue;
                    };
                    if v["status"] == "decided" {
                        decided = true;
                        break;
                    }
                }
                assert!(decided, "submission {sid} never decided");
                let mut t = tally.lock().unwrap();
                t.intake.push(intake);
                t.decide.push(t0.elapsed());
                t.accepted.push((rid, sid));
            }
        }));
    }

    // SIGKILL mid-load, then a restart on the same database and port.
    while posted.load(Ordering::SeqCst) < n * 2 / 5 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    {
        let mut c = child.lock().unwrap();
        c.kill().unwrap();
        c.wait().unwrap();
    }
    let killed_at = posted.load(Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(300)).await;
    // The kill may land between a commit and the signing of its head: the
    // rows after the signed head are accepted if they extend it.
    let restarted = tokio::task::block_in_place(|| {
        spawn(
            bin,
            db,
            port,
            &dir,
            "serve-2.log",
            &["--accept-unsigned-tail"],
        )
    });
    *child.lock().unwrap() = restarted;
    for t in tasks {
        t.await.unwrap();
    }
    let elapsed = start.elapsed();

    // What the database holds.
    let pool = zkcc_agency::db::connect(db, 2).await.unwrap();
    let count = |sql: &'static str| {
        let pool = pool.clone();
        async move {
            use sqlx::Row;
            sqlx::query(sql)
                .fetch_one(&pool)
                .await
                .unwrap()
                .get::<i64, _>(0)
        }
    };
    let t = std::mem::take(&mut *tally.lock().unwrap());
    assert_eq!(
        count("SELECT COUNT(*) FROM submissions WHERE status = 'pending'").await,
        0
    );
    assert_eq!(
        count("SELECT COUNT(*) FROM submissions s LEFT JOIN decisions d ON d.submission_id = s.id WHERE s.status = 'decided' AND d.submission_id IS NULL").await,
        0,
        "a decided submission without its decision"
    );
    let decided = count("SELECT COUNT(*) FROM submissions WHERE status = 'decided'").await;
    assert_eq!(count("SELECT COUNT(*) FROM decisions").await, decided);
    assert_eq!(decided as usize, n, "every request answered exactly once");
    assert_eq!(
        count("SELECT COUNT(DISTINCT request_id) FROM decisions").await as usize,
        n
    );
    assert_eq!(
        count("SELECT COUNT(*) FROM decisions WHERE verdict <> 'accepted'").await,
        0
    );
    assert_eq!(
        count("SELECT COUNT(*) FROM requests WHERE status <> 'closed'").await,
        0
    );
    assert_eq!(
        count("SELECT COUNT(*) FROM submissions WHERE status = 'refused' AND (reason IS NULL OR reason = '')").await,
        0,
        "a refusal without its reason"
    );
    let refused = count("SELECT COUNT(*) FROM submissions WHERE status = 'refused'").await as usize;
    assert!(
        refused >= t.replays_refused + t.committed_before_crash,
        "{refused}"
    );
    assert_eq!(
        count("SELECT COUNT(*) FROM audit WHERE kind = 'decision'").await as usize,
        n
    );
    assert_eq!(t.accepted.len() + t.committed_before_crash, n);
    for (_, sid) in &t.accepted {
        let r = sqlx::query("SELECT COUNT(*) FROM decisions WHERE submission_id = $1")
            .bind(sid)
            .fetch_one(&pool)
            .await
            .unwrap();
        use sqlx::Row;
        assert_eq!(
            r.get::<i64, _>(0),
            1,
            "submission {sid}: exactly one decision"
        );
    }
    let out = Command::new(bin)
        .args(["agency", "audit", "verify", "--db", db, "--signed-head"])
        .arg(dir.join("audit-head.json"))
        .arg("--audit-key-file")
        .arg(dir.join("audit-head.key"))
        .output()
        .unwrap();
    let text = zkcc_test_support::cli::stdout_ok(&out);
    assert!(text.contains("audit chain verified"), "{text}");
    // A mistyped database path: exit 2, nothing created.
    let typo = dir.join("typo.db");
    let out = Command::new(bin)
        .args(["agency", "audit", "verify", "--db"])
        .arg(&typo)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("no database file"));
    assert!(!typo.exists(), "audit verify created {}", typo.display());
    let requeued = std::fs::read_to_string(dir.join("serve-2.log")).unwrap_or_default();
    let requeued = requeued
        .lines()
        .find(|l| l.contains("re-queued"))
        .unwrap_or("none re-queued");
    let (mut intake, mut decide) = (t.intake.clone(), t.decide.clone());
    let backend = if zkcc_agency::db::is_postgres(db) {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    println!(
        "LOAD {backend}: {n} submissions from {CLIENTS} importers in {:.1} s ({:.1}/s decided, through a SIGKILL after {killed_at} posts and a restart); \
         intake p50 {:.0} ms p99 {:.0} ms; submit-to-decision p50 {:.0} ms p99 {:.0} ms (polled every 200 ms); \
         {} replays refused, {} committed before the crash, {} retries; restart: {requeued}",
        elapsed.as_secs_f64(),
        n as f64 / elapsed.as_secs_f64(),
        pct(&mut intake, 0.5),
        pct(&mut intake, 0.99),
        pct(&mut decide, 0.5),
        pct(&mut decide, 0.99),
        t.replays_refused,
        t.committed_before_crash,
        t.retries
    );
    let mut c = child.lock().unwrap();
    let _ = c.kill();
    let _ = c.wait();
}
