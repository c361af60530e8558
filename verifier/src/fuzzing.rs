//! Bodies of the fuzz targets under `fuzz/`. They live here so that
//! `cargo test` replays the saved corpus on stable Rust (see
//! `tests/fuzz_corpus.rs`). Each must return normally on any input: a panic is
//! a bug. Where a parser has an encoder, the body also checks the round trip
//! (parse → encode → parse gives the same value), and the `verify` target
//! checks the batched verification of a submission against one-by-one
//! verification of its proofs.
//!
//! The fixed inputs (the `GOLDEN_*` files, `tests/data/`) are a small
//! submission of the accountable statement — two shard proofs of shape 3×4
//! and a request proof of shape 3×3, from a development setup — with the
//! agency's registry, ledger and request it answers. Regenerate them with
//! `cargo test -p zkcc-verifier --test golden -- --ignored`.
use crate::access::{self, Policy};
use crate::batch::BatchItem;
use crate::bundle::parse_proof;
use crate::fleet::{check_submission, verify_submission, FleetKeys, VerifiedSubmission};
use crate::keys::load_verifying_key_for;
use crate::snarkjs;
use crate::submission::{RequestFile, Submission};
use crate::VerifyError;
use ark_serialize::CanonicalSerialize;
use rand::rngs::StdRng;
use rand::SeedableRng;
use std::sync::OnceLock;
use zkcc_circuits::ledger::Ledger;
use zkcc_circuits::registry::Registry;
use zkcc_circuits::request::{self, RequestShape};
use zkcc_circuits::shard::{self, ShardShape};

/// The shard circuit's verifying key (shape [`GOLDEN_SHARD_SHAPE`]) from a
/// development setup.
pub const GOLDEN_SHARD_VK: &[u8] = include_bytes!("../tests/data/shard-3x4.vk");
/// The request circuit's verifying key (shape [`GOLDEN_REQUEST_SHAPE`]).
pub const GOLDEN_REQUEST_VK: &[u8] = include_bytes!("../tests/data/request-3x3.vk");
/// The shape of [`GOLDEN_SHARD_VK`].
pub const GOLDEN_SHARD_SHAPE: ShardShape = ShardShape::new(3, 4);
/// The shape of [`GOLDEN_REQUEST_VK`].
pub const GOLDEN_REQUEST_SHAPE: RequestShape = RequestShape::new(3, 3);
/// The agency's registry of the golden submission.
pub const GOLDEN_REGISTRY: &str = include_str!("../tests/data/registry.json");
/// The agency's ledger for the golden submission's importer.
pub const GOLDEN_LEDGER: &str = include_str!("../tests/data/ledger.json");
/// The agency's request the golden submission answers.
pub const GOLDEN_REQUEST: &str = include_str!("../tests/data/request.json");
/// A submission that verifies under the golden keys, registry, ledger and
/// request: the fixed input of the `verify` target's comparison.
pub const GOLDEN_SUBMISSION: &str = include_str!("../tests/data/submission.json");

/// Target `bundle`: parse a submission, and the statement and proof of
/// every shard and request bundle in it.
pub fn bundle(data: &[u8]) {
    if let Some(s) = json_round_trip(
        data,
        Submission::from_json,
        Submission::to_json,
        "submission",
    ) {
        for b in &s.shards {
            let _ = b.statement();
            let _ = b.proof();
        }
        let _ = s.request.statement();
        let _ = s.request.proof();
    }
}

/// Target `registry`: parse and validate a registry.
pub fn registry(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = Registry::from_json(text);
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

/// The public-input counts of the claims a key may be for: the shard
/// claim's and the request claim's.
const INPUT_COUNTS: [usize; 2] = [
    shard::PUBLIC_INPUT_NAMES.len(),
    request::PUBLIC_INPUT_NAMES.len(),
];

/// Target `verifying_key`: deserialize and sanity-check a verifying key of
/// the shard or the request claim; one that loads re-serializes to the same
/// bytes.
pub fn verifying_key(data: &[u8]) {
    for n in INPUT_COUNTS {
        if let Ok(vk) = load_verifying_key_for(data, n) {
            let mut out = Vec::new();
            let _ = vk.serialize_compressed(&mut out);
            assert_eq!(out, data, "verifying key encoding is not canonical");
        }
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

/// Target `snarkjs_vk`: import `verification_key.json` as a key of the shard
/// or the request claim; export round-trips.
pub fn snarkjs_vk(data: &[u8]) {
    for n in INPUT_COUNTS {
        json_round_trip(
            data,
            |t| snarkjs::parse_vk(t, n),
            |vk| snarkjs::to_json_pretty(&snarkjs::vk_to_json(vk)),
            "snarkjs key",
        );
    }
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

/// Target `snarkjs_public`: import `public.json` and read it as a shard and
/// as a request statement; export round-trips, and so does a statement read
/// (its public inputs are the file's).
pub fn snarkjs_public(data: &[u8]) {
    if let Some(x) = json_round_trip(
        data,
        snarkjs::parse_public,
        |x| snarkjs::to_json_pretty(&snarkjs::public_to_json(x)),
        "snarkjs public",
    ) {
        if let Ok(st) = snarkjs::shard_statement(&x) {
            assert_eq!(st.public_inputs(), x, "shard statement round trip");
        }
        if let Ok(st) = snarkjs::request_statement(&x) {
            assert_eq!(st.public_inputs(), x, "request statement round trip");
        }
    }
}

/// Target `policy`: parse an access policy and decide with it for the facts
/// of the golden submission, and for a rejected submission; a grant never
/// exceeds the tier's limit, and a rejection is always a denial.
pub fn policy(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(p) = Policy::from_json(text) else {
        return;
    };
    let g = golden();
    // A policy of another version is refused, never decided under.
    if let Ok(report) = access::decide(&p, &g.registry, &g.facts) {
        let limit = p.limit_of(report.tier).unwrap_or(0);
        assert!(
            report.decision.quota_chips <= limit,
            "quota above the tier limit"
        );
        let _ = report.human();
        let _ = report.to_json();
    }
    if let Ok(report) = access::rejected(&p, &g.registry, &g.request, &VerifyError::ProofRejected) {
        assert_eq!(report.decision.outcome, access::Outcome::Deny);
        assert_eq!(report.decision.quota_chips, 0);
    }
}

/// Target `verify`: the input is a submission, verified against the golden
/// keys, registry, ledger and request. When its native checks pass, the
/// batched verification of its shard proofs must agree with verifying each
/// proof alone: the same verdict, the same shard named.
pub fn verify(data: &[u8]) {
    let g = golden();
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(sub) = Submission::from_json(text) else {
        return;
    };
    let Ok(checked) = check_submission(&g.keys, &g.registry, &g.ledger, &g.request, &sub) else {
        return;
    };
    let alone = |key: &crate::batch::PreparedKey, item: &BatchItem| {
        key.verify(&item.inputs, &item.proof).is_ok()
    };
    let expected = match checked
        .shards
        .iter()
        .position(|item| !alone(&g.keys.shard, item))
    {
        Some(index) => Err(Some(index)),
        None if !alone(&g.keys.request, &checked.request) => Err(None),
        None => Ok(()),
    };
    let batched = verify_submission(
        &g.keys,
        &g.registry,
        &g.ledger,
        &g.request,
        &sub,
        &mut StdRng::seed_from_u64(0),
    );
    match (&expected, &batched) {
        (Ok(()), Ok(_)) => {}
        (Err(None), Err(VerifyError::ProofRejected)) => {}
        (Err(Some(i)), Err(VerifyError::Shard { index, source }))
            if index == i && matches!(**source, VerifyError::ProofRejected) => {}
        other => panic!("batched and one-by-one verification disagree: {other:?}"),
    }
}

/// The golden files, parsed and prepared once per process (loading and
/// preparing the keys costs pairings and subgroup checks, more than most
/// inputs), with the facts of the golden submission.
struct Golden {
    keys: FleetKeys,
    registry: Registry,
    ledger: Ledger,
    request: RequestFile,
    facts: VerifiedSubmission,
}

fn golden() -> &'static Golden {
    static GOLDEN: OnceLock<Golden> = OnceLock::new();
    GOLDEN.get_or_init(|| {
        let (Ok(shard_vk), Ok(request_vk)) = (
            load_verifying_key_for(GOLDEN_SHARD_VK, shard::PUBLIC_INPUT_NAMES.len()),
            load_verifying_key_for(GOLDEN_REQUEST_VK, request::PUBLIC_INPUT_NAMES.len()),
        ) else {
            panic!("golden keys are valid");
        };
        let Ok(keys) = FleetKeys::new(
            &shard_vk,
            GOLDEN_SHARD_SHAPE,
            &request_vk,
            GOLDEN_REQUEST_SHAPE,
        ) else {
            panic!("golden keys fit their shapes");
        };
        let Ok(registry) = Registry::from_json(GOLDEN_REGISTRY) else {
            panic!("golden registry is valid");
        };
        let Ok(ledger) = Ledger::from_json(GOLDEN_LEDGER, &registry) else {
            panic!("golden ledger is valid");
        };
        let Ok(request) = serde_json::from_str::<RequestFile>(GOLDEN_REQUEST) else {
            panic!("golden request is valid");
        };
        let Ok(sub) = Submission::from_json(GOLDEN_SUBMISSION) else {
            panic!("golden submission parses");
        };
        let Ok(checked) = check_submission(&keys, &registry, &ledger, &request, &sub) else {
            panic!("golden submission passes the native checks");
        };
        Golden {
            keys,
            registry,
            ledger,
            request,
            facts: checked.facts,
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
