//! `zkcc agency audit verify` (the library call it makes) names the first
//! row altered, removed or reordered, on every database.
use crate::common::{self, start, IMPORTER};
use zkcc_agency::AgencyError;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_verify_names_the_row_altered_removed_or_reordered() {
    for db in common::databases("audit").await {
        eprintln!("audit on {db}");
        let srv = start(&db).await;
        srv.populate().await;
        srv.request(IMPORTER, 600).await;
        let pool = srv.agency.as_ref().unwrap().pool().clone();
        let verify = |db: String| async move {
            tokio::task::spawn_blocking(move || zkcc_agency::audit_verify(&db, &Default::default()))
                .await
                .unwrap()
        };
        // The chain fails at row `seq`, saying `needle`.
        let broken = |seq: i64, needle: &'static str, case: &'static str| {
            let db = db.clone();
            async move {
                match verify(db).await {
                    Err(AgencyError::Chain { seq: at, what }) if at == seq => {
                        assert!(what.contains(needle), "{case}: {what}")
                    }
                    other => panic!("{case}: {other:?}"),
                }
            }
        };
        let ok = verify(db.clone()).await.unwrap();
        assert!(ok.rows > 10, "{ok:?}");

        // Altered: one row's event changed (its hash left as it was).
        let row = |seq: i64| {
            let pool = pool.clone();
            async move {
                let r = sqlx::query(
                    "SELECT event, hash, prev_hash, at, kind FROM audit WHERE seq = $1",
                )
                .bind(seq)
                .fetch_one(&pool)
                .await
                .unwrap();
                use sqlx::Row;
                (
                    r.get::<String, _>("event"),
                    r.get::<String, _>("hash"),
                    r.get::<String, _>("prev_hash"),
                    r.get::<i64, _>("at"),
                    r.get::<String, _>("kind"),
                )
            }
        };
        // Writes a whole row's contents at `seq`.
        let put = |seq: i64, r: &(String, String, String, i64, String)| {
            let (pool, r) = (pool.clone(), r.clone());
            async move {
                sqlx::query("UPDATE audit SET event = $1, hash = $2, prev_hash = $3, at = $4, kind = $5 WHERE seq = $6")
                    .bind(r.0)
                    .bind(r.1)
                    .bind(r.2)
                    .bind(r.3)
                    .bind(r.4)
                    .bind(seq)
                    .execute(&pool)
                    .await
                    .unwrap();
            }
        };
        let row5 = row(5).await;
        let mut altered = row5.clone();
        altered.0 = altered
            .0
            .replace("exporter", "exp0rter")
            .replace("importer", "imp0rter");
        put(5, &altered).await;
        broken(5, "altered", "altered row 5").await;
        put(5, &row5).await;
        assert_eq!(verify(db.clone()).await.unwrap(), ok, "restored");

        // Reordered: rows 6 and 7 swap places (each keeps its own hash).
        let (a, b) = (row(6).await, row(7).await);
        put(6, &b).await;
        put(7, &a).await;
        broken(6, "", "reordered rows 6, 7").await;
        put(6, &a).await;
        put(7, &b).await;
        assert_eq!(verify(db.clone()).await.unwrap(), ok, "restored");

        // Altered and re-hashed: the next row no longer follows it.
        let (event3, _, prev3, at3, kind3) = row(3).await;
        let forged = event3.replace("exporter", "exp0rter");
        let h = zkcc_agency::audit::row_hash(3, at3, &kind3, &forged, &prev3);
        put(3, &(forged, h, prev3, at3, kind3)).await;
        broken(4, "row 3", "re-hashed row 3").await;

        // Removed.
        sqlx::query("DELETE FROM audit WHERE seq = 2")
            .execute(&pool)
            .await
            .unwrap();
        broken(2, "missing", "removed row 2").await;
    }
}

async fn anchored(
    db: &str,
    anchors: zkcc_agency::audit::Anchors,
) -> Result<zkcc_agency::audit::ChainState, AgencyError> {
    let db = db.to_string();
    tokio::task::spawn_blocking(move || zkcc_agency::audit_verify(&db, &anchors))
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_signed_head_catches_truncation_and_rehashing_and_the_state_is_cross_checked() {
    use zkcc_agency::audit::{self, Anchors, SignedHead};
    // A mistyped path: refused, and not created.
    let missing = tempfile::tempdir().unwrap().keep().join("typo.db");
    match anchored(&missing.display().to_string(), Anchors::default()).await {
        Err(AgencyError::Config(m)) => assert!(m.contains("no database file"), "{m}"),
        other => panic!("a missing database: {other:?}"),
    }
    assert!(
        !missing.exists(),
        "audit verify created {}",
        missing.display()
    );

    for db in common::databases("anchor").await {
        let srv = start(&db).await;
        srv.populate().await;
        srv.request(IMPORTER, 600).await;
        let pool = srv.agency.as_ref().unwrap().pool().clone();
        let key = audit::load_or_create_key(&srv.dir.join("audit-head.key"))
            .unwrap()
            .verifying_key();
        let head = SignedHead::read(&srv.dir.join("audit-head.json")).unwrap();
        let signed = || Anchors {
            signed_head: Some((head.clone(), key)),
            expect_head: None,
            accept_unsigned_tail: false,
        };
        let ok = anchored(&db, signed()).await.unwrap();
        assert_eq!((ok.rows, &ok.head), (head.rows, &head.head));
        // Rows after the signed head (an older head file, or rows added
        // without the key) are not covered by it.
        let rows = audit::rows_after(&pool, 0).await.unwrap();
        let older = SignedHead::sign(
            &audit::load_or_create_key(&srv.dir.join("audit-head.key")).unwrap(),
            head.rows - 2,
            &rows[(head.rows - 3) as usize].hash,
        );
        match anchored(
            &db,
            Anchors {
                signed_head: Some((older, key)),
                expect_head: None,
                accept_unsigned_tail: false,
            },
        )
        .await
        {
            Err(AgencyError::Chain { what, .. }) => assert!(
                what.contains("2 rows after the signed head are not covered by it"),
                "{what}"
            ),
            other => panic!("a tail after the signed head: {other:?}"),
        }
        // Another key's signature is refused.
        let other = ed25519_dalek::SigningKey::from_bytes(&[7; 32]);
        let forged = SignedHead::sign(&other, head.rows, &head.head);
        assert!(matches!(
            anchored(
                &db,
                Anchors {
                    signed_head: Some((forged, key)),
                    expect_head: None,
                    accept_unsigned_tail: false,
                }
            )
            .await,
            Err(AgencyError::Chain { .. })
        ));

        // Rewritten (who enrolled the party: a field no table holds) and
        // re-hashed from row 3 on: the chain alone verifies, the signed head
        // and the expected head do not.
        let rows =
            common::rehash_from_row3(&pool, "\"by\":\"officer\"", "\"by\":\"0fficer\"").await;
        anchored(&db, Anchors::default())
            .await
            .expect("re-hashed: the chain alone verifies");
        match anchored(&db, signed()).await {
            Err(AgencyError::Chain { what, .. }) => assert!(what.contains("rewritten"), "{what}"),
            other => panic!("re-hashed: {other:?}"),
        }
        let expect = Anchors {
            signed_head: None,
            expect_head: Some(head.head.clone()),
            accept_unsigned_tail: false,
        };
        assert!(matches!(
            anchored(&db, expect).await,
            Err(AgencyError::Chain { .. })
        ));
        // Restored, then the newest rows truncated.
        common::write_rows(&pool, &rows).await;
        anchored(&db, signed()).await.expect("restored");
        let newest = rows.last().unwrap().clone();
        sqlx::query("DELETE FROM audit WHERE seq = $1")
            .bind(newest.seq)
            .execute(&pool)
            .await
            .unwrap();
        sqlx::query("DELETE FROM requests")
            .execute(&pool)
            .await
            .unwrap();
        match anchored(&db, signed()).await {
            Err(AgencyError::Chain { what, .. }) => assert!(what.contains("truncated"), "{what}"),
            other => panic!("truncated: {other:?}"),
        }
        anchored(&db, Anchors::default())
            .await
            .expect("truncated: the chain alone verifies");

        // The state cross-checked: a decision with no event.
        sqlx::query("INSERT INTO decisions (submission_id, request_id, importer, verdict, outcome, report, decided_at) VALUES ('forged', 'r', $1, 'accepted', 'grant', '{}', 0)")
            .bind(IMPORTER)
            .execute(&pool)
            .await
            .unwrap();
        match anchored(&db, Anchors::default()).await {
            Err(AgencyError::Mismatch(m)) => assert!(m.contains("decision forged"), "{m}"),
            other => panic!("a decision without its event: {other:?}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_state_cross_check_compares_what_the_events_carry_not_only_ids() {
    let db = common::databases("contents").await.remove(0);
    let srv = start(&db).await;
    let (_, imp, _) = srv.populate().await;
    // A proof made for request A, posted for request B: decided, denied.
    let (_, req_a) = srv.request(IMPORTER, 600).await;
    let (rid_b, _) = srv.request(IMPORTER, 600).await;
    let body = tokio::task::block_in_place(|| crate::common::fixture().submission(&req_a));
    let sid = srv.submit_taken(&rid_b, &imp, &body).await;
    let d = srv.decided(&sid, &imp).await;
    assert_eq!(d["outcome"], "deny", "{d}");
    let pool = srv.agency.as_ref().unwrap().pool().clone();
    let ok = anchored(&db, Default::default()).await.unwrap();
    let token: String = {
        use sqlx::Row;
        sqlx::query("SELECT token_sha256 FROM parties WHERE id = $1")
            .bind(IMPORTER)
            .fetch_one(&pool)
            .await
            .unwrap()
            .get("token_sha256")
    };
    let forged_token = format!(
        "UPDATE parties SET token_sha256 = '{}' WHERE id = '{IMPORTER}'",
        "ab".repeat(32)
    );
    let restore_token =
        format!("UPDATE parties SET token_sha256 = '{token}' WHERE id = '{IMPORTER}'");
    let cases: Vec<(String, String, String)> = vec![
        (
            "UPDATE decisions SET outcome = 'grant'".into(),
            "UPDATE decisions SET outcome = 'deny'".into(),
            format!("decision {sid}: its outcome is \"grant\""),
        ),
        (
            "UPDATE decisions SET verdict = 'accepted'".into(),
            "UPDATE decisions SET verdict = 'rejected'".into(),
            format!("decision {sid}: its verdict"),
        ),
        (
            "UPDATE shipments SET returned = 1 - returned WHERE seq = 1".into(),
            "UPDATE shipments SET returned = 1 - returned WHERE seq = 1".into(),
            "shipment 1: its returned".into(),
        ),
        (
            "UPDATE shipments SET consignee = consignee || 'X' WHERE seq = 2".into(),
            "UPDATE shipments SET consignee = substr(consignee, 1, length(consignee) - 1) WHERE seq = 2".into(),
            "shipment 2: its consignee".into(),
        ),
        (
            format!("UPDATE requests SET expires_at = expires_at + 86400 WHERE id = '{rid_b}'"),
            format!("UPDATE requests SET expires_at = expires_at - 86400 WHERE id = '{rid_b}'"),
            format!("request {rid_b}: its expires_at"),
        ),
        (
            format!("UPDATE submissions SET ledger_seq = ledger_seq - 1 WHERE id = '{sid}'"),
            format!("UPDATE submissions SET ledger_seq = ledger_seq + 1 WHERE id = '{sid}'"),
            format!("submission {sid}: its ledger_seq"),
        ),
        (
            format!("UPDATE parties SET role = 'officer' WHERE id = '{IMPORTER}'"),
            format!("UPDATE parties SET role = 'importer' WHERE id = '{IMPORTER}'"),
            format!("party {IMPORTER}: its role"),
        ),
        (
            forged_token,
            restore_token,
            format!("party {IMPORTER}: its token_sha256"),
        ),
    ];
    for (forge, restore, expect) in cases {
        sqlx::query(&forge).execute(&pool).await.unwrap();
        match anchored(&db, Default::default()).await {
            Err(AgencyError::Mismatch(m)) => assert!(m.contains(&expect), "{forge}: {m}"),
            other => panic!("{forge}: {other:?}"),
        }
        sqlx::query(&restore).execute(&pool).await.unwrap();
        assert_eq!(
            anchored(&db, Default::default()).await.unwrap(),
            ok,
            "{restore}"
        );
    }
}
