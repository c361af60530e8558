//! Under load and a crash: the `zkcc agency serve` binary, 50 concurrent
//! importer clients posting a few hundred real submissions (one request
//! proof each, made before the load starts), SIGKILL mid-load, a restart on
//! the same database; then every accepted submission has exactly one
//! decision, every refused one its reason, every request one decision, and
//! the audit chain verifies. Prints the throughput and latency figures.
//!
//! The binary: `ZKCC_BIN`, else `zkcc` beside this test's target directory
//! (`cargo build -p zkcc-prover --bin zkcc` first). Without it the test is
//! skipped, unless `ZKCC_REQUIRE_BIN=1`. `ZKCC_LOAD_N` sets the number of
//! submissions (default 200).
use crate::common::{self, fixture, Server, IMPORTER};
use reqwest::StatusCode;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

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
fn spawn(bin: &Path, db: &str, port: u16, dir: &Path, log: &str) -> Child {
    let f = fixture();
    let stderr = std::fs::File::create(dir.join(log)).unwrap();
    let mut child = Command::new(bin)
        .args(["agency", "serve", "--db", db, "--registry"])
        .arg(&f.registry_path)
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
    let Some(bin) = zkcc_bin() else {
        assert!(
            std::env::var("ZKCC_REQUIRE_BIN").as_deref() != Ok("1"),
            "ZKCC_REQUIRE_BIN=1 but no zkcc binary (set ZKCC_BIN)"
        );
        eprintln!("no zkcc binary (cargo build -p zkcc-prover --bin zkcc): load test skipped");
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
    let f = fixture();
    let dir = tempfile::tempdir().unwrap().keep();
    let port = free_port();
    let child = tokio::task::block_in_place(|| spawn(bin, db, port, &dir, "serve-1.log"));
    let child = Arc::new(Mutex::new(child));
    let srv = Server {
        base: format!("http://127.0.0.1:{port}"),
        officer: std::fs::read_to_string(dir.join("officer.token")).unwrap(),
        dir: dir.clone(),
        faults: Default::default(),
        agency: None,
        http: common::client(),
    };
    let (_, imp, _) = srv.populate().await;

    // Requests and their proofs, before the load.
    let t = Instant::now();
    let mut jobs = Vec::with_capacity(n);
    for _ in 0..n {
        let (id, req) = srv.request(IMPORTER, 3600).await;
        jobs.push((id, req));
    }
    let jobs: Vec<(String, String)> = tokio::task::block_in_place(|| {
        jobs.into_iter()
            .map(|(id, req)| (id, f.submission(&req)))
            .collect()
    });
    eprintln!("{n} request proofs in {:.1} s", t.elapsed().as_secs_f64());

    let queue = Arc::new(Mutex::new(jobs));
    let posted = Arc::new(AtomicUsize::new(0));
    let tally = Arc::new(Mutex::new(Tally::default()));
    let start = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..CLIENTS {
        let (queue, posted, tally) = (queue.clone(), posted.clone(), tally.clone());
        let (base, imp) = (srv.base.clone(), imp.clone());
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
    let restarted = tokio::task::block_in_place(|| spawn(bin, db, port, &dir, "serve-2.log"));
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
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("audit chain verified"), "{text}");
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
        "LOAD {backend}: {n} submissions from {CLIENTS} clients in {:.1} s ({:.1}/s decided, through a SIGKILL after {killed_at} posts and a restart); \
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
