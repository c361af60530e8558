//! The forging review's findings, each refused: a replayed shipment record,
//! a decision measured against a ledger that moved after intake, a decision
//! that failed once (retried, then swept), an unauthenticated large body, a
//! malformed submission, the page key in a URL, two services on one
//! database.
use crate::common::{self, fixture, start, start_with, IMPORTER};
use reqwest::StatusCode;
use serde_json::json;
use std::sync::atomic::Ordering::SeqCst;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use zkcc_agency::service::{ShipmentRecord, DECIDE_ATTEMPTS};
use zkcc_agency::AgencyError;

/// A chip shipped to the importer by exporter 0 under its next number.
async fn new_chip(srv: &common::Server, exp: &str, serial: &str) -> ShipmentRecord {
    let f = fixture();
    ShipmentRecord {
        exporter: f.exporters[0].0.clone(),
        serial: serial.into(),
        model: f.shipments[0].model.clone(),
        consignee: IMPORTER.into(),
        returned: false,
        seq: srv.next_seq(exp).await,
        device: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_old_signed_shipment_record_posted_again_is_refused() {
    for db in common::databases("replay").await {
        let srv = start(&db).await;
        let (exp, imp, _) = srv.populate().await;
        let ship = new_chip(&srv, &exp[0], "SVC-REPLAY-1").await;
        let (s, v) = srv.ship(&exp[0], &ship).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let ret = ShipmentRecord {
            returned: true,
            seq: ship.seq + 1,
            ..ship.clone()
        };
        let (s, v) = srv.ship(&exp[0], &ret).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        // The "ship" again, after its "return": a replay.
        let (s, v) = srv.ship(&exp[0], &ship).await;
        assert_eq!(s, StatusCode::CONFLICT, "{v}");
        assert_eq!(v["error"], "replay", "{v}");
        common::assert_reason(&v, "replayed");
        let (_, l) = srv.get("/v1/ledger", &imp).await;
        assert_eq!(l["chips"], 13, "the chip stays returned: {l}");
        // A number skipped: out of order.
        let gap = ShipmentRecord {
            serial: "SVC-REPLAY-2".into(),
            seq: ship.seq + 5,
            ..ship.clone()
        };
        let (s, v) = srv.ship(&exp[0], &gap).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
        common::assert_reason(&v, "out of order");
        assert_eq!(srv.next_seq(&exp[0]).await, ship.seq + 2);
    }
}

/// Waits (bounded) until `cond` holds.
async fn until(what: &str, mut cond: impl FnMut() -> bool) {
    for _ in 0..300 {
        if cond() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for {what}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_decision_uses_the_ledger_of_intake_and_a_failed_decision_is_retried_then_swept() {
    let db = common::databases("pinned").await.remove(0);
    let f = fixture();
    let srv = start(&db).await;
    let (exp, imp, _) = srv.populate().await;

    // Retried: two failures, then decided without a restart.
    let (rid, req) = srv.request(IMPORTER, 600).await;
    let body = tokio::task::block_in_place(|| f.submission(&req));
    srv.faults.fail_decides.store(2, SeqCst);
    let sid = srv.submit_taken(&rid, &imp, &body).await;
    let d = srv.decided(&sid, &imp).await;
    assert_eq!(d["outcome"], "grant", "{d}");
    assert_eq!(srv.faults.injected.load(SeqCst), 2);

    // Failing past its retries, a shipment to the importer arrives meanwhile;
    // the sweep decides it later, against the ledger it was submitted for.
    let (rid, req) = srv.request(IMPORTER, 600).await;
    let body = tokio::task::block_in_place(|| f.submission(&req));
    srv.faults.fail_decides.store(1000, SeqCst);
    let sid = srv.submit_taken(&rid, &imp, &body).await;
    let chip = new_chip(&srv, &exp[0], "SVC-LATE-1").await;
    let (s, v) = srv.ship(&exp[0], &chip).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let faults = srv.faults.clone();
    until("the retries to run out", || {
        faults.injected.load(SeqCst) >= 2 + u64::from(DECIDE_ATTEMPTS)
    })
    .await;
    let (_, v) = srv.get(&format!("/v1/submissions/{sid}"), &imp).await;
    assert_eq!(v["status"], "pending", "left for the sweep: {v}");
    srv.faults.fail_decides.store(0, SeqCst);
    let d = srv.decided(&sid, &imp).await;
    assert_eq!(d["verdict"], "accepted", "{d}");
    assert_eq!(d["outcome"], "grant", "{d}");
    assert_eq!(d["report"]["facts"]["ledger_chips"], 13, "{d}");
    let (_, l) = srv.get("/v1/ledger", &imp).await;
    assert_eq!(l["chips"], 14, "the ledger moved on: {l}");
    // A submission taken now is measured against the 14-chip ledger: the
    // proofs made for 13 chips are refused at intake (409), and the request
    // stays open for proofs against the ledger now.
    let (rid, req) = srv.request(IMPORTER, 600).await;
    let body = tokio::task::block_in_place(|| f.submission(&req));
    let (s, v) = srv.submit(&rid, &imp, &body).await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    assert_eq!(v["kind"], "stale", "{v}");
    common::assert_reason(&v, "ledger changed since the proof");
    let (_, open) = srv.get("/v1/requests", &imp).await;
    assert!(
        open.as_array().unwrap().iter().any(|r| r["id"] == rid),
        "the request stays open: {open}"
    );
    let (_, r) = srv.get("/v1/requests", &srv.officer).await;
    let r = r
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == rid)
        .unwrap()
        .clone();
    assert_eq!(r["status"], "open", "{r}");

    // A chip shipped to a party that is not an enrolled importer: refused.
    let mut stray = new_chip(&srv, &exp[0], "SVC-STRAY-1").await;
    stray.consignee = "NOBODY-DC".into();
    let (s, v) = srv.ship(&exp[0], &stray).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    common::assert_reason(&v, "not an enrolled importer");
    stray.consignee = exp_id(0);
    let (s, v) = srv.ship(&exp[0], &stray).await;
    assert_eq!(
        s,
        StatusCode::BAD_REQUEST,
        "an exporter is no importer: {v}"
    );
}

/// The id of the sample's exporter `i`.
fn exp_id(i: usize) -> String {
    fixture().exporters[i].0.clone()
}

/// Sends raw bytes and reads the answer (bounded by `wait`).
async fn raw(base: &str, head: &str, body: &[u8], wait: Duration) -> (String, Duration) {
    let addr = base.trim_start_matches("http://");
    let mut c = tokio::net::TcpStream::connect(addr).await.unwrap();
    let t = Instant::now();
    c.write_all(head.as_bytes()).await.unwrap();
    let _ = c.write_all(body).await;
    let mut got = Vec::new();
    let _ = tokio::time::timeout(wait, async {
        let mut buf = [0u8; 4096];
        loop {
            match c.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    got.extend_from_slice(&buf[..n]);
                    if got.windows(4).any(|w| w == b"\r\n\r\n") {
                        break;
                    }
                }
            }
        }
    })
    .await;
    (String::from_utf8_lossy(&got).into_owned(), t.elapsed())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unauthenticated_bodies_are_not_read_and_bodies_are_bounded_per_route() {
    let db = common::databases("limits").await.remove(0);
    let limits = zkcc_agency::http::Limits {
        header_timeout: Duration::from_secs(1),
        ..Default::default()
    };
    let srv = start_with(&db, limits).await;
    let (exp, imp, _) = srv.populate().await;
    // 8 MiB announced, 64 KiB sent: refused at once, the rest never asked for.
    let head = "POST /v1/requests/x/submissions HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: 8388608\r\n\r\n";
    let (answer, took) = raw(
        &srv.base,
        head,
        &vec![b'['; 64 << 10],
        Duration::from_secs(5),
    )
    .await;
    assert!(
        answer.starts_with("HTTP/1.1 401"),
        "{answer:?} after {took:?}"
    );
    assert!(took < Duration::from_secs(2), "{took:?}");
    // A wrong token: the same.
    let head = "POST /v1/shipments HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer zkcc_nope\r\nContent-Length: 8388608\r\n\r\n";
    let (answer, _) = raw(&srv.base, head, b"{", Duration::from_secs(5)).await;
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer:?}");
    // Authenticated, over the route's bound: 413 before reading.
    let head = format!("POST /v1/shipments HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer {}\r\nContent-Length: 1048576\r\n\r\n", exp[0]);
    let (answer, took) = raw(&srv.base, &head, b"{", Duration::from_secs(5)).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer:?}");
    assert!(took < Duration::from_secs(2), "{took:?}");
    // A submission may be larger than a shipment (512 KiB of junk: read,
    // refused as malformed), up to 1 MiB.
    let (rid, _) = srv.request(IMPORTER, 600).await;
    let head = format!("POST /v1/requests/{rid}/submissions HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer {imp}\r\nContent-Length: {}\r\n\r\n", (1 << 20) + 1);
    let (answer, _) = raw(&srv.base, &head, b"{", Duration::from_secs(5)).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer:?}");
    let junk = format!("{{\"x\":\"{}\"}}", "a".repeat(1 << 19));
    let (s, v) = srv.submit(&rid, &imp, &junk).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert_eq!(v["kind"], "invalid", "{v}");
    common::assert_reason(&v, "submission");
    let (_, v) = srv
        .get(
            &format!("/v1/submissions/{}", v["submission_id"].as_str().unwrap()),
            &imp,
        )
        .await;
    assert_eq!(v["status"], "refused", "recorded with its reason: {v}");
    // The request is still open: a malformed body answers nothing.
    let (_, open) = srv.get("/v1/requests", &imp).await;
    assert_eq!(open.as_array().unwrap().len(), 1, "{open}");
    // A request head never finished: the connection is closed.
    let (answer, took) = raw(
        &srv.base,
        "GET /healthz HTTP/1.1\r\nHost: a\r\n",
        b"",
        Duration::from_secs(5),
    )
    .await;
    assert!(took < Duration::from_secs(4), "{answer:?} after {took:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_officers_page_takes_a_single_use_ticket_for_an_http_only_cookie() {
    let db = common::databases("cookie").await.remove(0);
    let srv = start(&db).await;
    let (_, imp, _) = srv.populate().await;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let (s, v) = srv.post("/v1/page-sessions", Some(&imp), &json!({})).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "an importer: {v}");
    let (s, v) = srv
        .post("/v1/page-sessions", Some(&srv.officer), &json!({}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let url = format!("{}{}", srv.base, v["url"].as_str().unwrap());
    let ticket = url.split("ticket=").nth(1).unwrap().to_string();
    // The ticket is not a page key.
    let r = http
        .get(format!("{}/officers?session={ticket}", srv.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let r = http.get(&url).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], "/officers");
    assert_eq!(r.headers()["cache-control"], "no-store");
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_string();
    for attr in ["HttpOnly", "SameSite=Strict", "Path=/officers"] {
        assert!(cookie.contains(attr), "{cookie}");
    }
    let pair = cookie.split(';').next().unwrap().to_string();
    let r = http
        .get(format!("{}/officers", srv.base))
        .header("cookie", &pair)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["cache-control"], "no-store");
    assert!(r.text().await.unwrap().contains("Export-control agency"));
    // Single use.
    let r = http.get(&url).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    // A bearer header opens it too; an importer's does not.
    let page = |bearer: Option<&str>, cookie: Option<&str>| {
        let mut r = http.get(format!("{}/officers", srv.base));
        if let Some(t) = bearer {
            r = r.bearer_auth(t);
        }
        if let Some(c) = cookie {
            r = r.header("cookie", c);
        }
        async move { r.send().await.unwrap().status() }
    };
    assert_eq!(page(Some(&srv.officer), None).await, StatusCode::OK);
    assert_eq!(page(Some(&imp), None).await, StatusCode::FORBIDDEN);
    assert_eq!(
        page(None, Some("zkcc_officer=zkcc_forged")).await,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_service_on_the_same_database_does_not_start() {
    for db in common::databases("twice").await {
        let srv = start(&db).await;
        let dir = tempfile::tempdir().unwrap().keep();
        let second = zkcc_agency::Agency::open(fixture().config(&db, &dir)).await;
        match second {
            Err(AgencyError::Config(m)) => {
                assert!(m.contains("another zkcc agency service"), "{m}")
            }
            Err(e) => panic!("{e}"),
            Ok(_) => panic!("a second service started on {db}"),
        }
        drop(srv);
    }
}

/// A consistent copy of the SQLite database `pool` serves and of the
/// service's files in `dir` (the original keeps its instance lock): the
/// database a restart would find.
async fn snapshot(pool: &sqlx::AnyPool, dir: &std::path::Path) -> (String, std::path::PathBuf) {
    let to = tempfile::tempdir().unwrap().keep();
    for f in ["officer.token", "audit-head.key", "audit-head.json"] {
        std::fs::copy(dir.join(f), to.join(f)).unwrap();
    }
    let db = to.join("copy.db").display().to_string();
    sqlx::query(&format!("VACUUM INTO '{db}'"))
        .execute(pool)
        .await
        .unwrap();
    (db, to)
}

/// Opens a service on a copy; the error it refuses with.
async fn refused(db: &str, dir: &std::path::Path, accept_tail: bool) -> String {
    let mut c = fixture().config(db, dir);
    c.accept_unsigned_tail = accept_tail;
    match zkcc_agency::Agency::open(c).await {
        Err(AgencyError::Config(m)) => m,
        Err(e) => panic!("refused with another error: {e}"),
        Ok(_) => panic!("started on {db}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chain_rewritten_or_cut_outside_the_service_is_never_signed_nor_started_on() {
    use zkcc_agency::audit::{self, Anchors, SignedHead};
    let db = common::databases("forged-head").await.remove(0);
    let srv = start(&db).await;
    srv.populate().await;
    let pool = srv.agency.as_ref().unwrap().pool().clone();
    let head_file = srv.dir.join("audit-head.json");
    let key = audit::load_or_create_key(&srv.dir.join("audit-head.key"))
        .unwrap()
        .verifying_key();

    // A crash between a commit and the signing of its head: the rows after
    // the signed head refuse the start, unless they extend it and the
    // operator says so.
    let before = std::fs::read(&head_file).unwrap();
    srv.request(IMPORTER, 600).await;
    let after = SignedHead::read(&head_file).unwrap();
    let (copy, copy_dir) = snapshot(&pool, &srv.dir).await;
    std::fs::write(copy_dir.join("audit-head.json"), &before).unwrap();
    let m = refused(&copy, &copy_dir, false).await;
    assert!(
        m.contains("rows after the signed head are not covered by it")
            && m.contains("--accept-unsigned-tail"),
        "{m}"
    );
    let mut c = fixture().config(&copy, &copy_dir);
    c.accept_unsigned_tail = true;
    let tail = zkcc_agency::Agency::open(c)
        .await
        .expect("the tail accepted");
    let resigned = SignedHead::read(&copy_dir.join("audit-head.json")).unwrap();
    assert_eq!((resigned.rows, &resigned.head), (after.rows, &after.head));
    drop(tail);

    // Row 3 rewritten and every row after it re-hashed (database access, no
    // key): the chain alone verifies.
    let rows = common::rehash_from_row3(&pool, "exporter", "exp0rter").await;
    // The next write is refused; the forged head is not signed.
    let (s, v) = srv.post_request(&srv.officer).await;
    assert_eq!(s, StatusCode::INTERNAL_SERVER_ERROR, "{v}");
    assert_eq!(v["error"], "chain", "{v}");
    common::assert_reason(&v, "not the head the service signed");
    assert_eq!(
        SignedHead::read(&head_file).unwrap(),
        after,
        "not re-signed"
    );
    // `audit verify --signed-head` fails.
    let anchors = Anchors {
        signed_head: Some((after.clone(), key)),
        expect_head: None,
        accept_unsigned_tail: false,
    };
    let dbc = db.clone();
    let verdict = tokio::task::spawn_blocking(move || zkcc_agency::audit_verify(&dbc, &anchors))
        .await
        .unwrap();
    match verdict {
        Err(AgencyError::Chain { what, .. }) => assert!(what.contains("rewritten"), "{what}"),
        other => panic!("re-hashed: {other:?}"),
    }
    // A restart refuses to start on it.
    let (copy, copy_dir) = snapshot(&pool, &srv.dir).await;
    let m = refused(&copy, &copy_dir, true).await;
    assert!(m.contains("rewritten"), "{m}");

    // Restored, then the newest row cut off: the write and the restart are
    // refused the same way.
    common::write_rows(&pool, &rows).await;
    sqlx::query("DELETE FROM audit WHERE seq = $1")
        .bind(after.rows)
        .execute(&pool)
        .await
        .unwrap();
    let (copy, copy_dir) = snapshot(&pool, &srv.dir).await;
    let m = refused(&copy, &copy_dir, true).await;
    assert!(m.contains("truncated"), "{m}");
    let (s, v) = srv.post_request(&srv.officer).await;
    assert_eq!(v["error"], "chain", "{s} {v}");
    assert_eq!(
        SignedHead::read(&head_file).unwrap(),
        after,
        "not re-signed"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_request_ids_are_not_stored_reasons_are_bounded_and_64_shards_fit_the_body_bound()
{
    let db = common::databases("bounded").await.remove(0);
    let srv = start(&db).await;
    let (_, imp, _) = srv.populate().await;
    let pool = srv.agency.as_ref().unwrap().pool().clone();
    let count = || {
        let pool = pool.clone();
        async move {
            use sqlx::Row;
            sqlx::query("SELECT COUNT(*) AS n FROM submissions")
                .fetch_one(&pool)
                .await
                .unwrap()
                .get::<i64, _>("n")
        }
    };
    // A request id not of the service's format: refused, nothing stored.
    let before = count().await;
    let (s, v) = srv.submit(&"a".repeat(4000), &imp, "{}").await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
    assert!(v.to_string().len() < 400, "the id is not echoed: {v}");
    assert_eq!(count().await, before, "nothing stored");

    // The largest submission of the tests' shape: 64 shards.
    let (rid, req) = srv.request(IMPORTER, 600).await;
    let body = tokio::task::block_in_place(|| fixture().submission(&req));
    let mut sub: serde_json::Value = serde_json::from_str(&body).unwrap();
    let one = sub["shards"][0].clone();
    sub["shards"] = serde_json::Value::Array(vec![one; 64]);
    let big = sub.to_string();
    eprintln!(
        "submission: {} bytes with {} shards; 64 shards: {} bytes; bound {}",
        body.len(),
        fixture().shards.len(),
        big.len(),
        zkcc_agency::http::SUBMISSION_BODY
    );
    assert!(big.len() < zkcc_agency::http::SUBMISSION_BODY / 4);

    // A refusal quoting what was sent is stored cut short.
    let mut forged: serde_json::Value = serde_json::from_str(&body).unwrap();
    forged["importer"] = serde_json::Value::String("X".repeat(200_000));
    let (s, v) = srv.submit(&rid, &imp, &forged.to_string()).await;
    assert!(s.is_client_error(), "{s} {v}");
    let reason = v["reason"].as_str().unwrap();
    assert!(
        reason.chars().count() <= zkcc_agency::service::REASON_CHARS + 40,
        "{} chars",
        reason.len()
    );
    let (_, stored) = srv
        .get(
            &format!("/v1/submissions/{}", v["submission_id"].as_str().unwrap()),
            &imp,
        )
        .await;
    assert_eq!(stored["reason"].as_str(), Some(reason), "{stored}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_escapes_what_the_database_holds_loads_nothing_and_says_what_the_chain_was_checked_against(
) {
    let db = common::databases("page-csp").await.remove(0);
    let srv = start(&db).await;
    let (_, imp, _) = srv.populate().await;
    // The client never prints its token.
    let shown = format!("{:?} {:?}", srv.api, srv.party(&imp));
    assert!(
        !shown.contains(&srv.officer) && !shown.contains(&imp),
        "{shown}"
    );
    assert!(shown.contains("redacted"), "{shown}");

    let (_, v) = srv.get("/v1/audit", &srv.officer).await;
    assert_eq!(v["ok"], true, "{v}");
    assert_eq!(v["checked_against_signed_head"], true, "{v}");
    assert_eq!(v["signed_head"]["rows"], v["rows"], "{v}");
    let page = || async {
        srv.http
            .get(format!("{}/officers", srv.base))
            .bearer_auth(&srv.officer)
            .send()
            .await
            .unwrap()
    };
    let r = page().await;
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    let csp = r.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(csp.starts_with("default-src 'none'"), "{csp}");
    assert!(csp.contains("style-src 'unsafe-inline'"), "{csp}");
    let html = r.text().await.unwrap();
    assert!(
        html.contains("<b>verified</b> against the head this service signed"),
        "{html}"
    );

    // A decision written into the database by hand, its outcome markup.
    let pool = srv.agency.as_ref().unwrap().pool().clone();
    sqlx::query("INSERT INTO submissions (id, request_id, importer, body_sha256, status, reason, received_at) VALUES ('s1', 'r1', $1, 'x', 'decided', NULL, 0)")
        .bind(IMPORTER)
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("INSERT INTO decisions (submission_id, request_id, importer, verdict, outcome, report, decided_at) VALUES ('s1', 'r1', $1, 'accepted', $2, '{\"decision\":{}}', 0)")
        .bind(IMPORTER)
        .bind("x\"><script>alert(1)</script>")
        .execute(&pool)
        .await
        .unwrap();
    let html = page().await.text().await.unwrap();
    assert!(
        !html.contains("<script>") && !html.contains("<SCRIPT>"),
        "{html}"
    );
    assert!(html.contains("&lt;script&gt;"), "{html}");
    assert!(html.contains("DISAGREES with the state"), "{html}");
    let (_, v) = srv.get("/v1/audit", &srv.officer).await;
    assert_eq!(v["ok"], false, "{v}");
    assert_eq!(v["checked_against_signed_head"], true, "{v}");

    // An officer token file that is not a token: the service does not start.
    let dir = tempfile::tempdir().unwrap().keep();
    std::fs::write(dir.join("officer.token"), "letmein\n").unwrap();
    let other = common::databases("bad-token").await.remove(0);
    match zkcc_agency::Agency::open(fixture().config(&other, &dir)).await {
        Err(AgencyError::Config(m)) => assert!(m.contains("not an officer token"), "{m}"),
        Err(e) => panic!("{e}"),
        Ok(_) => panic!("started with a malformed officer token"),
    }
}
