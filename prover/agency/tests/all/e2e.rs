//! Shipments → request → submission → decision over HTTP, on every
//! database: each forbidden path refused, a replay refused, a late
//! submission refused, a wrong proof rejected with its reason, every
//! refusal recorded, the chain verified and a decision re-verified from the
//! log.
use crate::common::{self, fixture, start, IMPORTER, OTHER};
use reqwest::StatusCode;
use serde_json::json;
use zkcc_agency::service::ShipmentRecord;
use zkcc_circuits::encoding::fr_to_hex;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shipments_request_submission_decision_on_every_database() {
    for db in common::databases("e2e").await {
        eprintln!("e2e on {db}");
        end_to_end(&db).await;
    }
}

async fn end_to_end(db: &str) {
    let f = fixture();
    let srv = start(db).await;
    let (exp, imp, other) = srv.populate().await;

    // Ledger: the importer sees its own digest, equal to the CLI's ledger.
    let (s, v) = srv.get("/v1/ledger", &imp).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["digest"], fr_to_hex(&f.ledger.digest));
    assert_eq!(v["chips"], 13);
    let (s, v) = srv
        .get(&format!("/v1/ledger/{IMPORTER}"), &srv.officer)
        .await;
    assert_eq!(
        (s, &v["digest"]),
        (StatusCode::OK, &json!(fr_to_hex(&f.ledger.digest)))
    );

    // Forbidden paths.
    let (s, _) = srv.get("/v1/ledger", "zkcc_not-a-token").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, v) = srv.post("/v1/requests", None, &json!({})).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "no token: {v}");
    let (s, v) = srv.get(&format!("/v1/ledger/{IMPORTER}"), &other).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "another importer's ledger: {v}");
    let (s, v) = srv.get(&format!("/v1/ledger/{IMPORTER}"), &exp[0]).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "an exporter reads a ledger: {v}");
    let (s, v) = srv.get("/v1/requests", &exp[0]).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "an exporter reads requests: {v}");
    let (s, v) = srv.post_request(&imp).await;
    assert_eq!(
        s,
        StatusCode::FORBIDDEN,
        "an importer issues a request: {v}"
    );
    let (s, v) = srv
        .post(
            "/v1/parties",
            Some(&imp),
            &json!({"id": "EVIL", "role": "officer"}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "an importer enrols: {v}");
    let chip = ShipmentRecord {
        exporter: f.exporters[0].0.clone(),
        serial: "SVC-NEW-1".into(),
        model: f.shipments[0].model.clone(),
        consignee: IMPORTER.into(),
        returned: false,
        seq: srv.next_seq(&exp[0]).await,
        device: None,
    };
    let signed = serde_json::to_value(f.signed(&chip)).unwrap();
    let (s, v) = srv.post("/v1/shipments", Some(&imp), &signed).await;
    assert_eq!(
        s,
        StatusCode::FORBIDDEN,
        "an importer posts a shipment: {v}"
    );
    if exp.len() > 1 {
        let (s, v) = srv.post("/v1/shipments", Some(&exp[1]), &signed).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "in another exporter's name: {v}");
    }
    let mut forged = f.signed(&chip);
    forged.record.serial = "SVC-NEW-2".into();
    let (s, v) = srv.post_signed(&exp[0], &forged).await;
    assert_eq!(
        s,
        StatusCode::FORBIDDEN,
        "a record its signature does not cover: {v}"
    );
    common::assert_reason(&v, "signature");
    let held = f
        .shipments
        .iter()
        .find(|r| {
            !f.shipments
                .iter()
                .any(|x| x.returned && x.serial == r.serial)
        })
        .unwrap();
    let by = f
        .exporters
        .iter()
        .position(|(e, _)| *e == held.exporter)
        .unwrap();
    // The held chip shipped again (a fresh record, the next number).
    let again = ShipmentRecord {
        seq: srv.next_seq(&exp[by]).await,
        ..held.clone()
    };
    let dup = serde_json::to_value(f.signed(&again)).unwrap();
    let (s, v) = srv.post("/v1/shipments", Some(&exp[by]), &dup).await;
    assert_eq!(s, StatusCode::CONFLICT, "a chip already in a ledger: {v}");
    common::assert_reason(&v, "already in the ledger");
    // Another exporter's signed "return" of a chip it did not ship is refused,
    // and the chip stays in the ledger.
    {
        let other_exp = (0..exp.len())
            .find(|&i| i != by)
            .expect("the sample has two exporters (NVIDIA, AMD)");
        let ret = ShipmentRecord {
            exporter: f.exporters[other_exp].0.clone(),
            returned: true,
            seq: srv.next_seq(&exp[other_exp]).await,
            ..held.clone()
        };
        let signed = serde_json::to_value(f.signed(&ret)).unwrap();
        let (s, v) = srv
            .post("/v1/shipments", Some(&exp[other_exp]), &signed)
            .await;
        assert_eq!(
            s,
            StatusCode::FORBIDDEN,
            "another exporter returns a chip: {v}"
        );
        common::assert_reason(&v, "only that exporter");
        let (s, v) = srv.post("/v1/shipments", Some(&exp[by]), &dup).await;
        assert_eq!(
            s,
            StatusCode::CONFLICT,
            "the chip is still in the ledger: {v}"
        );
    }

    // Requests: each importer sees only its own.
    let (r1, req1) = srv.request(IMPORTER, 600).await;
    let (r2, _) = srv.request(OTHER, 600).await;
    let (s, v) = srv.get("/v1/requests", &imp).await;
    assert_eq!(s, StatusCode::OK);
    let ids = request_ids(&v);
    assert_eq!(ids, [r1.as_str()]);
    let (_, v) = srv.get("/v1/requests", &other).await;
    let ids = request_ids(&v);
    assert_eq!(ids, [r2.as_str()]);
    assert_eq!(req1.rules.home_country, "FR", "the registry's home country");

    // The submission: verified, decided, the request closed.
    let body = tokio::task::block_in_place(|| f.submission(&req1));
    let sid = srv.submit_taken(&r1, &imp, &body).await;
    let d = srv.decided(&sid, &imp).await;
    assert_eq!(d["status"], "decided", "{d}");
    assert_eq!(d["verdict"], "accepted", "{d}");
    assert_eq!(d["outcome"], "grant", "{d}");
    assert_eq!(d["report"]["facts"]["ledger_chips"], 13, "{d}");
    let (s, _) = srv.get(&format!("/v1/submissions/{sid}"), &other).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "another importer's submission");
    let (s, v) = srv.get("/v1/requests", &imp).await;
    assert_eq!(
        (s, v.as_array().unwrap().len()),
        (StatusCode::OK, 0),
        "closed: {v}"
    );

    // Replay: the same submission again.
    let (s, v) = srv.submit(&r1, &imp, &body).await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    assert_eq!(v["kind"], "replay");
    common::assert_reason(&v, "already answered");
    let replay_id = v["submission_id"].as_str().unwrap().to_string();
    // Another importer's request.
    let (s, v) = srv.submit(&r2, &imp, &body).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    let (s, v) = srv.submit("no-such-request", &imp, &body).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
    // Not an importer.
    let (s, v) = srv.submit(&r2, &exp[0], &body).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");

    // A proof for another request's nonce: taken, verified, rejected, closed.
    let (r4, _) = srv.request(IMPORTER, 600).await;
    let wrong_id = srv.submit_taken(&r4, &imp, &body).await;
    let wrong = srv.decided(&wrong_id, &imp).await;
    assert_eq!(wrong["verdict"], "rejected", "{wrong}");
    assert_eq!(wrong["outcome"], "deny", "{wrong}");
    common::assert_reason(&wrong, "nonce");

    // Late.
    let (r3, req3) = srv.request(IMPORTER, 1).await;
    let late = tokio::task::block_in_place(|| f.submission(&req3));
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let (s, v) = srv.submit(&r3, &imp, &late).await;
    assert_eq!(s, StatusCode::GONE, "{v}");
    assert_eq!(v["kind"], "late");

    // Every refusal is recorded with its reason.
    let (s, v) = srv
        .get(&format!("/v1/submissions/{replay_id}"), &srv.officer)
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["status"], "refused");
    common::assert_reason(&v, "single-use");

    // The chain verifies and the decision re-verifies from the log.
    let (s, v) = srv.get("/v1/audit", &srv.officer).await;
    assert_eq!((s, &v["ok"]), (StatusCode::OK, &json!(true)), "{v}");
    let (s, v) = srv.get("/v1/audit", &imp).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    let (logged, now) = srv.agency.as_ref().unwrap().reverify(&sid).await.unwrap();
    assert_eq!((logged.as_str(), now.as_str()), ("grant", "grant"));
}

/// The ids of a `GET /v1/requests` answer, in order.
fn request_ids(v: &serde_json::Value) -> Vec<&str> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect()
}
