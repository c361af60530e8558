//! The officers' page in a real browser: headless Chromium (Debian's
//! `chromium`) loads it from a running server and sees the decision, the
//! proven facts and the audit chain's state. Skipped when Chromium is not
//! installed, unless `ZKCC_REQUIRE_CHROMIUM=1`.
use crate::common::{self, fixture, start, IMPORTER};
use reqwest::StatusCode;
use std::process::Command;

fn chromium() -> Option<String> {
    for c in ["chromium", "chromium-browser", "google-chrome"] {
        if Command::new(c)
            .arg("--version")
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false)
        {
            return Some(c.into());
        }
    }
    None
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chromium_sees_the_decision_on_the_officers_page() {
    let what = "the officers' page test: no chromium on PATH (scripts/service/install.sh)";
    let Some(browser) = common::or_skip(chromium(), "ZKCC_REQUIRE_CHROMIUM", what) else {
        return;
    };
    let db = common::databases("page").await.remove(0);
    let srv = start(&db).await;
    let (_, imp, _) = srv.populate().await;
    let (rid, req) = srv.request(IMPORTER, 600).await;
    let body = tokio::task::block_in_place(|| fixture().submission(&req));
    let sid = srv.submit_taken(&rid, &imp, &body).await;
    assert_eq!(srv.decided(&sid, &imp).await["outcome"], "grant");
    let (open, _) = srv.request(IMPORTER, 600).await;

    // Without a session: refused.
    let r = srv
        .http
        .get(format!("{}/officers", srv.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let (s, v) = srv
        .post("/v1/page-sessions", Some(&imp), &serde_json::json!({}))
        .await;
    assert_eq!(
        s,
        StatusCode::FORBIDDEN,
        "an importer asks for the page: {v}"
    );
    let (s, v) = srv
        .post(
            "/v1/page-sessions",
            Some(&srv.officer),
            &serde_json::json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    // A single-use login link: Chromium follows it to the page with the
    // session cookie it was given (no page key left in any URL).
    let url = format!("{}{}", srv.base, v["url"].as_str().unwrap());
    assert!(url.contains("/officers/login?ticket="), "{url}");

    let used = url.clone();
    let out = tokio::task::spawn_blocking(move || {
        Command::new(browser)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--dump-dom",
                &url,
            ])
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let dom = zkcc_test_support::cli::stdout_ok(&out);
    assert!(dom.contains("Export-control agency"), "{dom}");
    assert!(dom.contains(&sid), "the submission is listed: {dom}");
    assert!(dom.contains("GRANT"), "the decision: {dom}");
    assert!(dom.contains("13 ledger chips"), "the proven facts: {dom}");
    assert!(dom.contains(&open), "the open request: {dom}");
    assert!(
        dom.contains("Audit chain: <b>verified</b>"),
        "the chain: {dom}"
    );
    let digest = zkcc_circuits::encoding::fr_to_hex(&fixture().ledger.digest);
    assert!(dom.contains(&digest), "the ledger digest: {dom}");
    // The link was used up.
    let r = srv.http.get(&used).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}
