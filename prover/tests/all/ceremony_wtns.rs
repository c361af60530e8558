//! `zkcc ceremony wtns`: the importer's witness as an iden3 `.wtns`, for
//! snarkjs or rapidsnark proving with the ceremony's `.zkey`. The written file
//! is read back and checked against the `.r1cs` that `zkcc ceremony r1cs`
//! exports (zkcc's own reader of both formats); when snarkjs is installed,
//! `snarkjs wtns check` must accept it too (required under
//! `ZKCC_REQUIRE_SNARKJS=1`). The lifecycle circuits (`evaluation-N`,
//! `jurisdiction-S`) too, and snarkjs proves a jurisdiction claim from its
//! witness with a ceremony-format key that zkcc's verifier then accepts.
use std::path::Path;
use zkcc_prover::ceremony::export::{read_wtns, R1csFile};
use zkcc_prover::ceremony::CeremonyError;
use zkcc_test_support::snarkjs;

use zkcc_test_support::fixtures::{REQUEST, SHARD};
use zkcc_test_support::fleet;
use zkcc_test_support::lifecycle::{self, RESULTS};

use crate::run::{fails, ok, ZKCC};

fn args(v: &[String]) -> Vec<&str> {
    v.iter().map(|s| s.as_str()).collect()
}

/// `zkcc ceremony wtns --circuit CIRCUIT --registry w/registry.json`, then
/// `rest`.
fn wtns_args(circuit: &str, rest: &[&str]) -> Vec<String> {
    [
        "ceremony",
        "wtns",
        "--circuit",
        circuit,
        "--registry",
        "w/registry.json",
    ]
    .iter()
    .chain(rest)
    .map(|s| s.to_string())
    .collect()
}

#[test]
fn the_importers_witness_as_wtns_satisfies_the_exported_r1cs() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    fleet::sample(&ZKCC, d);
    let (_, digest) = fleet::ledger(&ZKCC, d);
    fleet::commit(&ZKCC, d, SHARD, "w/secret.json");
    fleet::request(&ZKCC, d, "w/rules.json", "req.json");
    let wtns = |circuit: &str, which: &[&str], out: &str| -> Vec<String> {
        let committed = fleet::committed_args("w/secret.json", &digest);
        let mut a = wtns_args(circuit, &[&committed[..], &["--out", out]].concat());
        a.extend(which.iter().map(|s| s.to_string()));
        a
    };

    // Unsigned attestations: the native check refuses, nothing is written.
    fails(
        d,
        &args(&wtns(SHARD, &["--shard", "0"], "s0.wtns")),
        "not signed",
    );
    assert!(!d.join("s0.wtns").exists());
    fleet::attest(&ZKCC, d);

    // The request proof's witness.
    ok(
        d,
        &[
            "ceremony",
            "r1cs",
            "--circuit",
            REQUEST,
            "--out",
            "req.r1cs",
        ],
    );
    let out = ok(
        d,
        &args(&wtns(
            REQUEST,
            &["--request", "req.json", "--public", "public.json"],
            "req.wtns",
        )),
    );
    assert!(out.contains("request-3x3: witness of"), "{out}");
    let r1cs = R1csFile::read(&std::fs::read(d.join("req.r1cs")).unwrap()).unwrap();
    let wbytes = std::fs::read(d.join("req.wtns")).unwrap();
    let z = read_wtns(&wbytes).unwrap();
    assert_eq!(z.len(), r1cs.n_wires as usize);
    r1cs.check(&z)
        .expect("the request witness satisfies the exported r1cs");
    // public.json holds exactly the public signals of the witness.
    let pubs: Vec<String> =
        serde_json::from_str(&std::fs::read_to_string(d.join("public.json")).unwrap()).unwrap();
    assert_eq!(pubs.len(), r1cs.n_pub_in as usize);
    assert_eq!(
        pubs,
        zkcc_verifier::snarkjs::public_to_json(r1cs.public_of(&z))
    );
    // The agency's nonce is among them (a request for another nonce gives another witness).
    let req: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("req.json")).unwrap()).unwrap();
    let nonce = zkcc_circuits::encoding::fr_from_hex(req["nonce"].as_str().unwrap()).unwrap();
    assert!(r1cs.public_of(&z).contains(&nonce));

    // Any changed value breaks a constraint; a changed file is refused or fails the check.
    every_change_breaks(&r1cs, &z, "req.wtns");
    let mut t = z.clone();
    t[0] = ark_bn254::Fr::from(2u64);
    assert!(r1cs
        .check(&t)
        .unwrap_err()
        .to_string()
        .contains("constant 1"));
    assert!(r1cs.check(&z[1..]).is_err());
    assert!(matches!(
        read_wtns(&wbytes[..wbytes.len() - 1]),
        Err(CeremonyError::Format(..))
    ));
    let mut nc = wbytes.clone();
    let last = nc.len() - 1;
    nc[last] = 0xff; // the top byte of the last value: no longer below r
    let err = read_wtns(&nc).unwrap_err().to_string();
    assert!(err.contains("not canonical"), "{err}");
    // The shard circuit's r1cs does not accept the request's witness.
    ok(
        d,
        &[
            "ceremony",
            "r1cs",
            "--circuit",
            SHARD,
            "--out",
            "shard.r1cs",
        ],
    );
    let sr1cs = R1csFile::read(&std::fs::read(d.join("shard.r1cs")).unwrap()).unwrap();
    assert!(sr1cs.check(&z).is_err());

    // Each shard's witness.
    for k in ["0", "1"] {
        let f = format!("s{k}.wtns");
        ok(d, &args(&wtns(SHARD, &["--shard", k], &f)));
        let z = read_wtns(&std::fs::read(d.join(&f)).unwrap()).unwrap();
        sr1cs.check(&z).unwrap_or_else(|e| panic!("shard {k}: {e}"));
    }

    // Refusals, each with its reason.
    let refusals: [(&str, &[&str], &str); 7] = [
        (SHARD, &["--shard", "2"], "has 2 shards"),
        ("shard-3x5", &["--shard", "0"], "committed for 3x4"),
        (REQUEST, &["--shard", "0"], "request-SxF takes --request"),
        (SHARD, &["--request", "req.json"], "shard-FxM takes --shard"),
        ("request-1x3", &["--request", "req.json"], "do not fit"),
        ("evaluation-3", &["--shard", "0"], "evaluation-N takes --request --secret RESULTS, not --inventory --ledger-digest --shard"),
        ("cluster-4x2", &["--shard", "0"], "\"cluster-4x2\" is not a circuit name like shard-8x128, request-16x8 or evaluation-3"),
    ];
    for (circuit, which, reason) in refusals {
        fails(d, &args(&wtns(circuit, which, "x.wtns")), reason);
    }
    assert!(!d.join("x.wtns").exists());

    // snarkjs agrees (optional unless ZKCC_REQUIRE_SNARKJS=1).
    if let Some(cli) = snarkjs::cli("the snarkjs wtns check") {
        let (accepted, out) = snarkjs::wtns_check(&cli, d, "req.r1cs", "req.wtns");
        assert!(accepted, "snarkjs wtns check refused: {out}");
        let (accepted, out) = snarkjs::wtns_check(&cli, d, "shard.r1cs", "s1.wtns");
        assert!(accepted, "snarkjs wtns check refused: {out}");
        let mut bad = z.clone();
        bad[z.len() - 1] += ark_bn254::Fr::from(1u64);
        std::fs::write(
            d.join("bad.wtns"),
            zkcc_prover::ceremony::export::wtns_bytes(&bad),
        )
        .unwrap();
        let (accepted, out) = snarkjs::wtns_check(&cli, d, "req.r1cs", "bad.wtns");
        assert!(!accepted, "snarkjs accepted a broken witness: {out}");
    }
}

/// One value of `z` changed (the first after the constant, the middle one,
/// the last) breaks a constraint of `r1cs`.
fn every_change_breaks(r1cs: &R1csFile, z: &[Fr], what: &str) {
    for k in [1, z.len() / 2, z.len() - 1] {
        let mut t = z.to_vec();
        t[k] += Fr::from(1u64);
        let err = r1cs.check(&t).unwrap_err().to_string();
        assert!(err.contains("is not satisfied"), "{what}, value {k}: {err}");
    }
}

/// `zkcc ceremony r1cs` of `circuit` into `dir/file`, read back.
fn exported_r1cs(d: &Path, circuit: &str, file: &str) -> R1csFile {
    ok(
        d,
        &["ceremony", "r1cs", "--circuit", circuit, "--out", file],
    );
    R1csFile::read(&std::fs::read(d.join(file)).unwrap()).unwrap()
}

/// The .wtns at `dir/file`, checked against `want` (the assignment the
/// library computes from the same files), against the exported r1cs, and
/// its public part against the statement's public inputs and public.json.
fn check_written(d: &Path, file: &str, public: &str, r1cs: &R1csFile, want: &[Fr], pubs: &[Fr]) {
    let z = read_wtns(&std::fs::read(d.join(file)).unwrap()).unwrap();
    assert!(
        z == want,
        "{file}: the written witness is not the assignment"
    );
    assert_eq!(z.len(), r1cs.n_wires as usize);
    r1cs.check(&z)
        .unwrap_or_else(|e| panic!("{file} does not satisfy the r1cs: {e}"));
    assert_eq!(r1cs.public_of(&z), pubs, "{file}: public part");
    let json: Vec<String> =
        serde_json::from_str(&std::fs::read_to_string(d.join(public)).unwrap()).unwrap();
    assert_eq!(json, zkcc_verifier::snarkjs::public_to_json(pubs));
    // One changed value anywhere breaks a constraint.
    every_change_breaks(r1cs, &z, file);
}

use ark_bn254::Fr;

const EVALUATION: &str = "evaluation-3";
const JURISDICTION: &str = "jurisdiction-2";

#[test]
fn lifecycle_witnesses_as_wtns_satisfy_the_exported_r1cs() {
    use zkcc_circuits::evaluation::constraints::EvaluationCircuit;
    use zkcc_circuits::jurisdiction::constraints::JurisdictionCircuit;
    use zkcc_engine::prove::assignment_of;
    use zkcc_prover::lifecycle::{evaluation_claim, jurisdiction_claim, DeploymentFile};
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let json = |f: &str| std::fs::read_to_string(d.join(f)).unwrap();
    let mc = lifecycle::evaluation_inputs(&ZKCC, d, &[7u8; 4096]);
    let registry = zkcc_circuits::registry::Registry::from_json(&json("w/registry.json")).unwrap();

    // Model evaluation: the written witness is the library's assignment.
    let ewtns = |circuit: &str, secret: &str, req: &str, results: &[&str], out: &str| {
        let mut a = wtns_args(
            circuit,
            &[
                "--secret",
                secret,
                "--request",
                req,
                "--out",
                out,
                "--public",
                "epublic.json",
            ],
        );
        a.extend(results.iter().map(|s| s.to_string()));
        a
    };
    let results = RESULTS;
    let out = ok(
        d,
        &args(&ewtns(
            EVALUATION,
            "w/model.secret.json",
            "w/ereq.json",
            &results,
            "eval.wtns",
        )),
    );
    assert!(out.contains("evaluation-3: witness of"), "{out}");
    let (n, st, w) = evaluation_claim(
        &registry,
        &serde_json::from_str(&json("w/ereq.json")).unwrap(),
        &serde_json::from_str(&json("w/model.secret.json")).unwrap(),
        &results
            .iter()
            .map(|f| serde_json::from_str(&json(f)).unwrap())
            .collect::<Vec<_>>(),
    )
    .unwrap();
    assert_eq!(n, 3);
    let epubs = st.public_inputs();
    let want = assignment_of(EvaluationCircuit::with_witness(n, st, w)).unwrap();
    let er1cs = exported_r1cs(d, EVALUATION, "eval.r1cs");
    check_written(d, "eval.wtns", "epublic.json", &er1cs, &want, &epubs);

    // Refusals, each with its reason; nothing is written.
    let e = |circuit: &str, secret: &str, req: &str, results: &[&str]| {
        ewtns(circuit, secret, req, results, "x.wtns")
    };
    fails(
        d,
        &args(&e(
            "evaluation-2",
            "w/model.secret.json",
            "w/ereq.json",
            &results,
        )),
        "suite FRONTIER-2026 has 3 evals: its circuit is evaluation-3, not evaluation-2",
    );
    fails(
        d,
        &args(&e(EVALUATION, "w/model.secret.json", "w/ereq.json", &[])),
        "evaluation-3 takes the evaluators' signed results",
    );
    // A result missing: the suite's eval has no signed result.
    fails(
        d,
        &args(&e(
            EVALUATION,
            "w/model.secret.json",
            "w/ereq.json",
            &results[..2],
        )),
        "REFUSAL-HARMFUL",
    );
    // A tampered score: its signature no longer holds.
    let mut r3: serde_json::Value = serde_json::from_str(&json("w/r3.json")).unwrap();
    r3["score"] = serde_json::json!(9900);
    std::fs::write(d.join("w/r3x.json"), r3.to_string()).unwrap();
    fails(
        d,
        &args(&e(
            EVALUATION,
            "w/model.secret.json",
            "w/ereq.json",
            &["w/r1.json", "w/r2.json", "w/r3x.json"],
        )),
        "the result of EVAL-LAB-A does not verify under its registry key",
    );
    // The request for another importer than the model's committer.
    let mut er: serde_json::Value = serde_json::from_str(&json("w/ereq.json")).unwrap();
    er["importer"] = serde_json::json!("OTHER-DC");
    std::fs::write(d.join("w/ereq-other.json"), er.to_string()).unwrap();
    fails(
        d,
        &args(&e(
            EVALUATION,
            "w/model.secret.json",
            "w/ereq-other.json",
            &results,
        )),
        "the request is for OTHER-DC, the model is committed by ACME-DC",
    );
    // Options of another circuit.
    let mut x = e(EVALUATION, "w/model.secret.json", "w/ereq.json", &results);
    x.extend(["--deployment".to_string(), "w/deployment.json".to_string()]);
    fails(
        d,
        &args(&x),
        "evaluation-N takes --request --secret RESULTS, not --deployment",
    );
    fails(
        d,
        &[
            "ceremony",
            "wtns",
            "--circuit",
            EVALUATION,
            "--registry",
            "w/registry.json",
            "--request",
            "w/ereq.json",
            "--out",
            "x.wtns",
            "w/r1.json",
        ],
        "evaluation-N takes --secret",
    );

    // Deployment jurisdiction.
    lifecycle::write_deployment(d, &mc);
    lifecycle::jurisdiction_request(&ZKCC, d, &mc, "w/jreq.json");
    let jwtns = |circuit: &str, dep: &str, req: &str, out: &str| -> Vec<String> {
        wtns_args(
            circuit,
            &[
                "--deployment",
                dep,
                "--request",
                req,
                "--out",
                out,
                "--public",
                "jpublic.json",
            ],
        )
    };
    // Not attested yet.
    fails(
        d,
        &args(&jwtns(
            JURISDICTION,
            "w/deployment.json",
            "w/jreq.json",
            "x.wtns",
        )),
        "not attested",
    );
    ok(d, &lifecycle::attest_args("w/deployment.json"));
    let out = ok(
        d,
        &args(&jwtns(
            JURISDICTION,
            "w/deployment.json",
            "w/jreq.json",
            "jur.wtns",
        )),
    );
    assert!(out.contains("jurisdiction-2: witness of"), "{out}");
    let dfile: DeploymentFile = serde_json::from_str(&json("w/deployment.json")).unwrap();
    let (st, w) = jurisdiction_claim(
        &registry,
        &serde_json::from_str(&json("w/jreq.json")).unwrap(),
        &dfile,
        2,
    )
    .unwrap();
    let jpubs = st.public_inputs();
    let want = assignment_of(JurisdictionCircuit::with_witness(2, st, w)).unwrap();
    let jr1cs = exported_r1cs(d, JURISDICTION, "jur.r1cs");
    check_written(d, "jur.wtns", "jpublic.json", &jr1cs, &want, &jpubs);
    // The evaluation circuit's r1cs does not take the jurisdiction witness.
    assert!(er1cs.check(&want).is_err());

    // Refusals.
    let j = |circuit: &str, dep: &str, req: &str| jwtns(circuit, dep, req, "x.wtns");
    fails(
        d,
        &args(&j("jurisdiction-1", "w/deployment.json", "w/jreq.json")),
        "2 stores do not fit jurisdiction-1",
    );
    // A store moved to another facility after the audit: the attestation no longer covers it.
    // The deployment file written to `path`, then refused with `needle`.
    let refused = |dep: &DeploymentFile, path: &str, needle: &str| {
        std::fs::write(d.join(path), serde_json::to_string(dep).unwrap()).unwrap();
        fails(d, &args(&j(JURISDICTION, path, "w/jreq.json")), needle);
    };
    let mut moved = dfile.clone();
    moved.stores[1].facility = "FR-SACLAY-01".into();
    refused(&moved, "w/dep-moved.json", "attestation signature invalid");
    let mut other = dfile.clone();
    other.deployment = "CHAT-US-9".into();
    refused(
        &other,
        "w/dep-other.json",
        "the request is for ACME-DC deployment CHAT-EU-1, the file is ACME-DC deployment CHAT-US-9",
    );
    fails(
        d,
        &args(&j(JURISDICTION, "w/deployment.json", "w/ereq.json")),
        "ereq.json",
    );
    let mut x = j(JURISDICTION, "w/deployment.json", "w/jreq.json");
    x.extend(["--secret".to_string(), "w/model.secret.json".to_string()]);
    fails(
        d,
        &args(&x),
        "jurisdiction-S takes --request --deployment, not --secret",
    );
    assert!(!d.join("x.wtns").exists());

    // snarkjs agrees (optional unless ZKCC_REQUIRE_SNARKJS=1), and proves the
    // jurisdiction claim from the witness with a ceremony-format key (made
    // from known secrets: a fixture, not a ceremony) that zkcc verifies.
    let Some(cli) = snarkjs::cli("the snarkjs wtns check") else {
        return;
    };
    for (r1cs, wtns) in [("eval.r1cs", "eval.wtns"), ("jur.r1cs", "jur.wtns")] {
        let (accepted, out) = snarkjs::wtns_check(&cli, d, r1cs, wtns);
        assert!(accepted, "snarkjs wtns check refused {wtns}: {out}");
    }
    for (r1cs, z, bad) in [
        ("eval.r1cs", read_back(d, "eval.wtns"), "ebad.wtns"),
        ("jur.r1cs", want.clone(), "jbad.wtns"),
    ] {
        let mut t = z.clone();
        t[z.len() / 2] += Fr::from(1u64);
        std::fs::write(d.join(bad), zkcc_prover::ceremony::export::wtns_bytes(&t)).unwrap();
        let (accepted, out) = snarkjs::wtns_check(&cli, d, r1cs, bad);
        assert!(!accepted, "snarkjs accepted a broken {bad}: {out}");
    }
    snarkjs_proves_and_zkcc_verifies(&cli, d, JURISDICTION, "jur.wtns", &jpubs);
}

fn read_back(d: &Path, f: &str) -> Vec<Fr> {
    read_wtns(&std::fs::read(d.join(f)).unwrap()).unwrap()
}

/// `snarkjs groth16 prove` with a ceremony-format key of `circuit` (the
/// initial key of known secrets) and the written witness; zkcc's verifier
/// accepts the proof for `pubs`, and refuses it for a changed public input.
fn snarkjs_proves_and_zkcc_verifies(cli: &Path, d: &Path, circuit: &str, wtns: &str, pubs: &[Fr]) {
    use zkcc_prover::ceremony::{export, zkey::Zkey};
    let c = zkcc_prover::keys::Circuit::parse(circuit).unwrap();
    let r1cs = zkcc_prover::keys::r1cs_of(&c).unwrap();
    let m = (r1cs.num_constraints() + r1cs.num_instance as usize).next_power_of_two();
    let power = m.trailing_zeros();
    let z = Zkey::insecure_initial_from_secrets(
        &r1cs,
        power,
        Fr::from(1234567u64),
        Fr::from(89u64),
        Fr::from(1011u64),
    )
    .unwrap();
    std::fs::write(d.join("fixture.zkey"), z.to_bytes()).unwrap();
    let pk = export::prover_key(z, r1cs).unwrap();
    let (proof, spubs) = snarkjs::groth16_prove(cli, d, "fixture.zkey", wtns, "spublic.json");
    assert_eq!(spubs, pubs);
    let key = zkcc_verifier::batch::PreparedKey::new(&pk.vk);
    key.verify(pubs, &proof)
        .expect("snarkjs's proof from zkcc's witness verifies in zkcc");
    let mut changed = pubs.to_vec();
    changed[pubs.len() - 1] += Fr::from(1u64);
    assert!(key.verify(&changed, &proof).is_err());
}
