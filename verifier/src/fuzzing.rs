//! Bodies of the fuzz targets under `fuzz/`. They live here so that
//! `cargo test` replays the saved corpus on stable Rust (see
//! `tests/fuzz_corpus.rs`). Each must return normally on any input: a panic is
//! a bug. Where a parser has an encoder, the body also checks the round trip
//! (parse → encode → parse gives the same value), and the `verify` target
//! checks batch verification against one-by-one verification.
use crate::batch::{BatchItem, PreparedKey};
use crate::bundle::{parse_proof, ProofBundle};
use crate::keys::load_verifying_key;
use crate::policy::{decide, ClaimFacts, Policy, RejectedClaim};
use crate::{check_bundle, snarkjs, verify_bundle_with, Expectations, VerifyError};
use ark_bn254::Fr;
use ark_serialize::CanonicalSerialize;
use rand::rngs::StdRng;
use rand::SeedableRng;
use std::sync::OnceLock;
use zkcc_circuits::cluster::PUBLIC_INPUT_NAMES;

/// A verifying key of the cluster claim (shape 4×1) from a development setup,
/// and a bundle proven under it: the fixed key of the `verify` target.
pub const GOLDEN_VK: &[u8] = include_bytes!("../tests/data/cluster-4x1.vk");
/// The bundle that verifies under [`GOLDEN_VK`].
pub const GOLDEN_BUNDLE: &str = include_str!("../tests/data/cluster-4x1.bundle.json");

/// Target `bundle`: parse a proof bundle, its statement and its proof.
pub fn bundle(data: &[u8]) {
    if let Some(b) = json_round_trip(data, ProofBundle::from_json, ProofBundle::to_json, "bundle") {
        let _ = b.statement();
        let _ = b.proof();
    }
}

/// Target `registry`: parse and validate a registry.
pub fn registry(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = zkcc_circuits::registry::Registry::from_json(text);
    }
}

/// Target `proof_bytes`: deserialize a compressed proof with validation;
/// a proof that parses re-serializes to the same bytes (no malleable
/// encoding is accepted).
pub fn proof_bytes(data: &[u8]) {
    if let Ok(p) = parse_proof(data) {
        let mut out = Vec::new();
        let _ = p.serialize_compressed(&mut out);
        assert_eq!(out, data, "proof encoding is not canonical");
    }
}

/// Target `verifying_key`: deserialize and sanity-check a verifying key;
/// one that loads re-serializes to the same bytes.
pub fn verifying_key(data: &[u8]) {
    if let Ok(vk) = load_verifying_key(data) {
        let mut out = Vec::new();
        let _ = vk.serialize_compressed(&mut out);
        assert_eq!(out, data, "verifying key encoding is not canonical");
    }
}

/// Parses `data` as UTF-8 text with `parse`; a value that parses must
/// re-parse to itself from its encoding (`what` names the file kind).
fn json_round_trip<T: PartialEq + std::fmt::Debug, E>(
    data: &[u8],
    parse: impl Fn(&str) -> Result<T, E>,
    encode: impl Fn(&T) -> String,
    what: &str,
) -> Option<T> {
    let value = parse(std::str::from_utf8(data).ok()?).ok()?;
    let again = parse(&encode(&value)).ok();
    assert_eq!(again.as_ref(), Some(&value), "{what} round trip");
    Some(value)
}

/// Target `snarkjs_vk`: import `verification_key.json`; export round-trips.
pub fn snarkjs_vk(data: &[u8]) {
    json_round_trip(
        data,
        |t| snarkjs::parse_vk(t, PUBLIC_INPUT_NAMES.len()),
        |vk| snarkjs::to_json_pretty(&snarkjs::vk_to_json(vk)),
        "snarkjs key",
    );
}

/// Target `snarkjs_proof`: import `proof.json`; export round-trips.
pub fn snarkjs_proof(data: &[u8]) {
    json_round_trip(
        data,
        snarkjs::parse_proof,
        |p| snarkjs::to_json_pretty(&snarkjs::proof_to_json(p)),
        "snarkjs proof",
    );
}

/// Target `snarkjs_public`: import `public.json` and read it as a cluster
/// statement; export round-trips.
pub fn snarkjs_public(data: &[u8]) {
    if let Some(x) = json_round_trip(
        data,
        snarkjs::parse_public,
        |x| snarkjs::to_json_pretty(&snarkjs::public_to_json(x)),
        "snarkjs public",
    ) {
        let _ = snarkjs::cluster_statement(&x);
    }
}

/// Target `policy`: parse a policy and decide with it for a fixed set of
/// claims (one verified cluster claim, one rejected claim).
pub fn policy(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(p) = Policy::from_json(text) {
            let facts = ClaimFacts {
                claim: "cluster".into(),
                circuit_id: "00".into(),
                commitment: Fr::from(1u64),
                epoch: 7,
                cap: Some(5000),
            };
            let rejected = RejectedClaim {
                claim: "compute_cap".into(),
                reason: "proof does not verify".into(),
            };
            for country in ["FR", "SG", "ZZ"] {
                let report = decide(
                    &p,
                    "importer",
                    country,
                    7,
                    std::slice::from_ref(&facts),
                    std::slice::from_ref(&rejected),
                );
                let report = report.unwrap_or_else(|e| panic!("binding holds, yet: {e}"));
                let limit = p
                    .tiers
                    .get(&report.country_tier.to_string())
                    .map(|t| t.max_quota_chips)
                    .unwrap_or(0);
                assert!(
                    report.decision.quota_chips <= limit,
                    "quota above the tier limit"
                );
                let _ = report.human();
                let _ = report.to_json();
            }
        }
    }
}

/// Target `verify`: the input is a proof bundle, verified against the fixed
/// key [`GOLDEN_VK`] and the expectations of [`GOLDEN_BUNDLE`]. When its
/// checks pass, batch verification of `[golden, input]` must agree with
/// verifying the input alone.
pub fn verify(data: &[u8]) {
    let g = golden();
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(b) = ProofBundle::from_json(text) else {
        return;
    };
    let single = verify_bundle_with(&g.key, &b, &g.expect);
    if let Ok((claim, proof)) = check_bundle(g.key.vk(), &b, &g.expect) {
        let items = [
            g.item.clone(),
            BatchItem {
                inputs: claim.statement.public_inputs(),
                proof,
            },
        ];
        let batch = g.key.verify_batch(&items, &mut StdRng::seed_from_u64(0));
        match (&single, &batch) {
            (Ok(_), Ok(())) => {}
            (Err(VerifyError::ProofRejected), Err(VerifyError::BatchRejected { bad }))
                if bad == &[1] => {}
            other => panic!("single and batch verification disagree: {other:?}"),
        }
    }
}

/// The fixed key of the `verify` target, prepared once per process (loading
/// and preparing it costs a pairing and several subgroup checks, more than
/// most inputs), with the golden bundle's expectations and batch item.
struct Golden {
    key: PreparedKey,
    expect: Expectations,
    item: BatchItem,
}

fn golden() -> &'static Golden {
    static GOLDEN: OnceLock<Golden> = OnceLock::new();
    GOLDEN.get_or_init(|| {
        let (Ok(vk), Ok(bundle)) = (
            load_verifying_key(GOLDEN_VK),
            ProofBundle::from_json(GOLDEN_BUNDLE),
        ) else {
            panic!("golden files are valid");
        };
        let Ok(st) = bundle.statement() else {
            panic!("golden statement is valid")
        };
        let expect = Expectations {
            registry_root: st.registry_root,
            epoch: st.epoch,
            nonce: st.nonce,
        };
        let key = PreparedKey::new(&vk);
        let Ok(claim) = verify_bundle_with(&key, &bundle, &expect) else {
            panic!("golden bundle verifies")
        };
        let Ok(proof) = bundle.proof() else {
            panic!("golden proof parses")
        };
        Golden {
            key,
            expect,
            item: BatchItem {
                inputs: claim.statement.public_inputs(),
                proof,
            },
        }
    })
}

/// A target body.
pub type Target = fn(&[u8]);

/// Every target by name, for the corpus replay.
pub const TARGETS: [(&str, Target); 9] = [
    ("bundle", bundle),
    ("registry", registry),
    ("proof_bytes", proof_bytes),
    ("verifying_key", verifying_key),
    ("snarkjs_vk", snarkjs_vk),
    ("snarkjs_proof", snarkjs_proof),
    ("snarkjs_public", snarkjs_public),
    ("policy", policy),
    ("verify", verify),
];
