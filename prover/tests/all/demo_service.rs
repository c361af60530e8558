//! `zkcc demo service` as its users run it, on a small sample: the fleet's
//! proofs, then the agency's steps through HTTP against the service the demo
//! starts (enrolment, signed shipments, the ledger digest, a request, a
//! submission decided, a replay refused, the officers' page, the audit chain).
use crate::run::small_demo;

#[test]
fn demo_service_runs_the_agency_steps_against_the_service() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let said = [
        "6. agency    starts its service on http://127.0.0.1:",
        "equals its own",
        "POST /v1/requests",
        ": 202 pending",
        "decision: ACCEPTED GRANT",
        "posts the same submission again: refused, 409 replay",
        "it shows submission",
        "12. agency   stops its service",
        "audit chain verified:",
        "matches its signed head",
    ];
    small_demo(d, "service", &said);
    assert!(d.join("demo/service/agency.db").is_file());

    // Again in the same directory: a fresh service, the same run.
    small_demo(d, "service", &said);
}
