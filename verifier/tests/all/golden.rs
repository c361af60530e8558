//! The golden files (`tests/data/`): a small submission of the accountable
//! statement (two shard proofs of shape 3×4, a request proof of shape 3×3)
//! with the development keys it verifies under and the agency's registry,
//! ledger and request. They are the fixed inputs of the `verify` and
//! `policy` fuzz targets and of the CLI tests (`tests/cli.rs`). Plain
//! Groth16 objects: valid whatever later changes the circuits, since the
//! verifier only does the maths. Regenerate with
//! `cargo test -p zkcc-verifier --test all golden:: -- --ignored`
//! (the files first, then the fuzz seeds built from them).
use crate::fleet_env;

use fleet_env::*;
use rand::rngs::StdRng;
use rand::SeedableRng;
use zkcc_circuits::ledger::Ledger;
use zkcc_circuits::registry::Registry;
use zkcc_circuits::{request, shard};
use zkcc_verifier::fleet::{verify_submission, FleetKeys};
use zkcc_verifier::fuzzing::{
    GOLDEN_LEDGER, GOLDEN_REGISTRY, GOLDEN_REQUEST, GOLDEN_REQUEST_SHAPE, GOLDEN_REQUEST_VK,
    GOLDEN_SHARD_SHAPE, GOLDEN_SHARD_VK, GOLDEN_SUBMISSION,
};
use zkcc_verifier::keys::load_verifying_key_for;
use zkcc_verifier::submission::{RequestFile, Submission};

fn data_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data")
}

#[test]
#[ignore = "writes tests/data/"]
fn regenerate_golden_files() {
    use ark_serialize::CanonicalSerialize;
    assert_eq!((SHAPE, RSHAPE), (GOLDEN_SHARD_SHAPE, GOLDEN_REQUEST_SHAPE));
    let k = keys();
    let p = honest();
    let dir = data_dir();
    let key = |vk: &ark_groth16::VerifyingKey<ark_bn254::Bn254>| {
        let mut b = Vec::new();
        vk.serialize_compressed(&mut b).unwrap();
        b
    };
    let text = |mut t: String| {
        t.push('\n');
        t
    };
    let w = |name: &str, bytes: &[u8]| std::fs::write(dir.join(name), bytes).unwrap();
    w("shard-3x4.vk", &key(&k.shard_vk));
    w("request-3x3.vk", &key(&k.request_vk));
    w(
        "registry.json",
        text(serde_json::to_string_pretty(&p.registry.file).unwrap()).as_bytes(),
    );
    w(
        "ledger.json",
        text(serde_json::to_string_pretty(&p.ledger.to_file(&p.registry)).unwrap()).as_bytes(),
    );
    w(
        "request.json",
        text(serde_json::to_string_pretty(&p.request).unwrap()).as_bytes(),
    );
    w("submission.json", text(p.submission.to_json()).as_bytes());
}

/// The golden files, parsed.
struct Golden {
    keys: FleetKeys,
    registry: Registry,
    ledger: Ledger,
    request: RequestFile,
    submission: Submission,
}

fn golden() -> Golden {
    let shard_vk =
        load_verifying_key_for(GOLDEN_SHARD_VK, shard::PUBLIC_INPUT_NAMES.len()).unwrap();
    let request_vk =
        load_verifying_key_for(GOLDEN_REQUEST_VK, request::PUBLIC_INPUT_NAMES.len()).unwrap();
    let registry = Registry::from_json(GOLDEN_REGISTRY).unwrap();
    let ledger = Ledger::from_json(GOLDEN_LEDGER, &registry).unwrap();
    Golden {
        keys: FleetKeys::new(
            &shard_vk,
            GOLDEN_SHARD_SHAPE,
            &request_vk,
            GOLDEN_REQUEST_SHAPE,
        )
        .unwrap(),
        registry,
        ledger,
        request: serde_json::from_str(GOLDEN_REQUEST).unwrap(),
        submission: Submission::from_json(GOLDEN_SUBMISSION).unwrap(),
    }
}

#[test]
fn golden_files_are_consistent() {
    let g = golden();
    let v = verify_submission(
        &g.keys,
        &g.registry,
        &g.ledger,
        &g.request,
        &g.submission,
        &mut StdRng::seed_from_u64(1),
    )
    .unwrap();
    assert_eq!(v.importer, g.request.importer);
    assert_eq!(v.shards, 2);
    assert_eq!(v.ledger_chips, 8);
    assert_eq!(v.facilities, 3);
    // Every bundle names the golden keys.
    assert!(g
        .submission
        .shards
        .iter()
        .all(|b| b.circuit_id == g.keys.shard_id));
    assert_eq!(g.submission.request.circuit_id, g.keys.request_id);
    // The golden registry carries the sample access policy's version.
    assert_eq!(g.registry.file.policy_version, POLICY_VERSION);
}

/// Seeds of the fuzz corpora: valid and near-valid inputs per target, built
/// from the golden files. Regenerate with
/// `cargo test -p zkcc-verifier --test all golden:: -- --ignored`.
#[test]
#[ignore = "writes fuzz/corpus/"]
fn regenerate_fuzz_seeds() {
    use ark_bn254::{Bn254, Fr, G1Affine, G2Affine};
    use ark_ec::AffineRepr;
    use ark_ff::{BigInteger, PrimeField};
    use ark_groth16::{Groth16, Proof, VerifyingKey};
    use ark_serialize::CanonicalSerialize;
    use zkcc_verifier::access::SAMPLE_ACCESS_POLICY;
    use zkcc_verifier::snarkjs;
    use zkcc_verifier::submission::RequestBundle;

    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus");
    let put = |target: &str, name: &str, data: &[u8]| {
        let dir = root.join(target);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("seed-{name}")), data).unwrap();
    };
    let ser = |x: &dyn Fn(&mut Vec<u8>)| {
        let mut v = Vec::new();
        x(&mut v);
        v
    };
    let mut rng = StdRng::seed_from_u64(9);
    let g = golden();
    let request_vk =
        load_verifying_key_for(GOLDEN_REQUEST_VK, request::PUBLIC_INPUT_NAMES.len()).unwrap();
    let shard_vk =
        load_verifying_key_for(GOLDEN_SHARD_VK, shard::PUBLIC_INPUT_NAMES.len()).unwrap();
    let golden_sub = g.submission.clone();
    let rb = &golden_sub.request;
    let st = rb.statement().unwrap();
    let proof = rb.proof().unwrap();
    let plus_r = |x: &Fr| {
        let mut b = x.into_bigint();
        b.add_with_carry(&Fr::MODULUS);
        b
    };
    let with_request = |b: RequestBundle| {
        let mut s = golden_sub.clone();
        s.request = b;
        s
    };

    // bundle and verify: the golden submission and near misses.
    let mut variants: Vec<(&str, Submission)> = vec![("valid", golden_sub.clone())];
    let rerand = Groth16::<Bn254>::rerandomize_proof(&request_vk, &proof, &mut rng);
    variants.push((
        "rerandomized",
        with_request(RequestBundle::new(
            &rb.public_inputs.importer,
            rb.circuit_id.clone(),
            rb.shape,
            &st,
            &rerand,
        )),
    ));
    let neg_a = Proof {
        a: -proof.a,
        ..proof.clone()
    };
    variants.push((
        "neg-a",
        with_request(RequestBundle::new(
            &rb.public_inputs.importer,
            rb.circuit_id.clone(),
            rb.shape,
            &st,
            &neg_a,
        )),
    ));
    let mut s = golden_sub.clone();
    s.shards[1].proof = s.shards[0].proof.clone();
    variants.push(("shard-proof-swapped", s));
    let mut s = golden_sub.clone();
    s.request.public_inputs.facilities += 1;
    variants.push(("facilities-plus-one", s));
    let mut s = golden_sub.clone();
    s.request.public_inputs.nonce = format!("0x{}", hex::encode(plus_r(&st.nonce).to_bytes_be()));
    variants.push(("nonce-plus-r", s));
    let mut s = golden_sub.clone();
    s.epoch += 1;
    for b in &mut s.shards {
        b.public_inputs.epoch += 1;
    }
    s.request.public_inputs.epoch += 1;
    variants.push(("epoch-plus-one", s));
    let mut s = golden_sub.clone();
    s.request.proof.truncate(200);
    variants.push(("short-proof", s));
    let mut s = golden_sub.clone();
    s.shards.swap(0, 1);
    variants.push(("shards-swapped", s));
    for (name, s) in &variants {
        put("bundle", name, s.to_json().as_bytes());
        put("verify", name, s.to_json().as_bytes());
    }

    // registry: the golden registry and near misses.
    let reg = g.registry.file.clone();
    put(
        "registry",
        "valid",
        serde_json::to_string_pretty(&reg).unwrap().as_bytes(),
    );
    let mut r = reg.clone();
    r.facilities[1].id = r.facilities[0].id.clone();
    put(
        "registry",
        "duplicate-facility",
        serde_json::to_string(&r).unwrap().as_bytes(),
    );
    let mut r = reg.clone();
    r.facilities[0].lon_scale += 5;
    put(
        "registry",
        "bad-lon-scale",
        serde_json::to_string(&r).unwrap().as_bytes(),
    );

    // proof_bytes and verifying_key: binary encodings.
    let pbytes = |p: &Proof<Bn254>| ser(&|v| p.serialize_compressed(v).unwrap());
    put("proof_bytes", "valid", &pbytes(&proof));
    put(
        "proof_bytes",
        "identity-a",
        &pbytes(&Proof {
            a: G1Affine::zero(),
            ..proof.clone()
        }),
    );
    let mut t = pbytes(&proof);
    t.push(0);
    put("proof_bytes", "trailing", &t);
    let vbytes = |k: &VerifyingKey<Bn254>| ser(&|v| k.serialize_compressed(v).unwrap());
    put("verifying_key", "valid", &vbytes(&request_vk));
    put("verifying_key", "valid-shard", &vbytes(&shard_vk));
    put(
        "verifying_key",
        "gamma-eq-delta",
        &vbytes(&VerifyingKey {
            delta_g2: request_vk.gamma_g2,
            ..request_vk.clone()
        }),
    );
    put(
        "verifying_key",
        "identity-beta",
        &vbytes(&VerifyingKey {
            beta_g2: G2Affine::zero(),
            ..request_vk.clone()
        }),
    );
    let mut short = request_vk.clone();
    short.gamma_abc_g1.pop();
    put("verifying_key", "fifteen-inputs", &vbytes(&short));

    // snarkjs files.
    let j = |x: &dyn erased::Ser| x.json();
    put(
        "snarkjs_vk",
        "valid",
        j(&snarkjs::vk_to_json(&request_vk)).as_bytes(),
    );
    put(
        "snarkjs_vk",
        "valid-shard",
        j(&snarkjs::vk_to_json(&shard_vk)).as_bytes(),
    );
    let mut k = snarkjs::vk_to_json(&request_vk);
    k.n_public = 15;
    put("snarkjs_vk", "npublic-15", j(&k).as_bytes());
    put(
        "snarkjs_vk",
        "gamma-eq-delta",
        j(&snarkjs::vk_to_json(&VerifyingKey {
            delta_g2: request_vk.gamma_g2,
            ..request_vk.clone()
        }))
        .as_bytes(),
    );
    put(
        "snarkjs_proof",
        "valid",
        j(&snarkjs::proof_to_json(&proof)).as_bytes(),
    );
    let mut p = snarkjs::proof_to_json(&proof);
    p.pi_b[0].swap(0, 1);
    put("snarkjs_proof", "fq2-swapped", j(&p).as_bytes());
    let mut p = snarkjs::proof_to_json(&proof);
    p.pi_a[2] = "0".into();
    put("snarkjs_proof", "infinity", j(&p).as_bytes());
    let public = snarkjs::public_to_json(&st.public_inputs());
    put("snarkjs_public", "valid", j(&public).as_bytes());
    let shard_public =
        snarkjs::public_to_json(&golden_sub.shards[0].statement().unwrap().public_inputs());
    put("snarkjs_public", "valid-shard", j(&shard_public).as_bytes());
    let mut x = public.clone();
    x[2] = plus_r(&st.commitment).to_string();
    put("snarkjs_public", "plus-r", j(&x).as_bytes());
    put(
        "snarkjs_public",
        "fifteen",
        j(&public[..15].to_vec()).as_bytes(),
    );

    // policy: the sample access policy and near misses.
    put("policy", "valid", SAMPLE_ACCESS_POLICY.as_bytes());
    put(
        "policy",
        "min-facilities-0",
        SAMPLE_ACCESS_POLICY
            .replacen("\"min_facilities\": 1", "\"min_facilities\": 0", 1)
            .as_bytes(),
    );
    put(
        "policy",
        "tier-limited-twice",
        SAMPLE_ACCESS_POLICY
            .replacen("\"tier\": 2,", "\"tier\": 1,", 1)
            .as_bytes(),
    );
    put(
        "policy",
        "another-version",
        SAMPLE_ACCESS_POLICY
            .replacen("\"policy_version\": 3", "\"policy_version\": 4", 1)
            .as_bytes(),
    );
}

mod erased {
    /// Pretty JSON of anything serializable, behind a trait object.
    pub trait Ser {
        fn json(&self) -> String;
    }
    impl<T: serde::Serialize> Ser for T {
        fn json(&self) -> String {
            serde_json::to_string_pretty(self).unwrap()
        }
    }
}
