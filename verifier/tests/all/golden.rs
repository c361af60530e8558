//! The golden key and bundle (`tests/data/`): the fixed key of the `verify`
//! fuzz target. They are plain Groth16 objects, valid whatever later changes
//! the circuit: the verifier only does the maths. Regenerate with
//! `cargo test -p zkcc-verifier --test all golden:: -- --ignored`.
use crate::common;

use common::*;
use zkcc_verifier::fuzzing::{GOLDEN_BUNDLE, GOLDEN_VK};
use zkcc_verifier::keys::{circuit_id, load_verifying_key};
use zkcc_verifier::{verify_bundle, ProofBundle};

#[test]
#[ignore = "writes tests/data/"]
fn regenerate_golden_files() {
    let e = env();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    let mut vk = Vec::new();
    ark_serialize::CanonicalSerialize::serialize_compressed(&e.vk, &mut vk).unwrap();
    std::fs::write(dir.join("cluster-4x1.vk"), vk).unwrap();
    std::fs::write(dir.join("cluster-4x1.bundle.json"), bundle(0).to_json()).unwrap();
    // The registry the bundle's statement names (for the CLI test).
    let reg = &e.fixtures[0].registry;
    let mut text = serde_json::to_string_pretty(&reg.file).unwrap();
    text.push('\n');
    std::fs::write(dir.join("registry.json"), text).unwrap();
}

#[test]
fn golden_files_are_consistent() {
    let vk = load_verifying_key(GOLDEN_VK).unwrap();
    let b = ProofBundle::from_json(GOLDEN_BUNDLE).unwrap();
    assert_eq!(b.circuit_id, circuit_id(&vk));
    let st = b.statement().unwrap();
    verify_bundle(&vk, &b, &expect(&st)).unwrap();
    // The golden registry is the one the golden statement names.
    let reg = zkcc_circuits::registry::Registry::from_json(include_str!("../data/registry.json"))
        .unwrap();
    assert_eq!(
        reg.root, st.registry_root,
        "regenerate tests/data/registry.json"
    );
}

/// Seeds of the fuzz corpora: valid and near-valid inputs per target.
/// Regenerate with `cargo test -p zkcc-verifier --test all golden:: -- --ignored`.
#[test]
#[ignore = "writes fuzz/corpus/"]
fn regenerate_fuzz_seeds() {
    use ark_bn254::{Bn254, Fr, G1Affine, G2Affine};
    use ark_ec::AffineRepr;
    use ark_ff::{BigInteger, PrimeField};
    use ark_groth16::{Groth16, Proof, VerifyingKey};
    use ark_serialize::CanonicalSerialize;
    use rand::rngs::StdRng;
    use rand::SeedableRng;
    use zkcc_verifier::snarkjs;

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
    let vk = load_verifying_key(GOLDEN_VK).unwrap();
    let golden = ProofBundle::from_json(GOLDEN_BUNDLE).unwrap();
    let st = golden.statement().unwrap();
    let proof = golden.proof().unwrap();
    let plus_r = |x: &Fr| {
        let mut b = x.into_bigint();
        b.add_with_carry(&Fr::MODULUS);
        b
    };

    // bundle and verify: the golden bundle and near misses.
    let rerand = Groth16::<Bn254>::rerandomize_proof(&vk, &proof, &mut rng);
    let mut variants: Vec<(&str, ProofBundle)> = vec![("valid", golden.clone())];
    variants.push((
        "rerandomized",
        ProofBundle::new(
            &golden.importer,
            golden.circuit_id.clone(),
            golden.shape,
            &st,
            &rerand,
        ),
    ));
    let neg_a = Proof {
        a: -proof.a,
        ..proof.clone()
    };
    variants.push((
        "neg-a",
        ProofBundle::new(
            &golden.importer,
            golden.circuit_id.clone(),
            golden.shape,
            &st,
            &neg_a,
        ),
    ));
    let mut b = golden.clone();
    b.public_inputs.cap += 1;
    variants.push(("cap-plus-one", b));
    let mut b = golden.clone();
    b.public_inputs.nonce = format!("0x{}", hex::encode(plus_r(&st.nonce).to_bytes_be()));
    variants.push(("nonce-plus-r", b));
    let mut b = golden.clone();
    b.public_inputs.epoch = 8;
    variants.push(("epoch-8", b));
    let mut b = golden.clone();
    b.proof.truncate(200);
    variants.push(("short-proof", b));
    for (name, b) in &variants {
        put("bundle", name, b.to_json().as_bytes());
        put("verify", name, b.to_json().as_bytes());
    }

    // registry: the fixture registry and near misses.
    let reg = zkcc_circuits::cluster::fixtures::Fixture::new(SHAPE, &[1], 1)
        .registry
        .file;
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
    put("verifying_key", "valid", &vbytes(&vk));
    put(
        "verifying_key",
        "gamma-eq-delta",
        &vbytes(&VerifyingKey {
            delta_g2: vk.gamma_g2,
            ..vk.clone()
        }),
    );
    put(
        "verifying_key",
        "identity-beta",
        &vbytes(&VerifyingKey {
            beta_g2: G2Affine::zero(),
            ..vk.clone()
        }),
    );
    let mut short = vk.clone();
    short.gamma_abc_g1.pop();
    put("verifying_key", "four-inputs", &vbytes(&short));

    // snarkjs files.
    let j = |x: &dyn erased::Ser| x.json();
    put(
        "snarkjs_vk",
        "valid",
        j(&snarkjs::vk_to_json(&vk)).as_bytes(),
    );
    let mut k = snarkjs::vk_to_json(&vk);
    k.n_public = 4;
    put("snarkjs_vk", "npublic-4", j(&k).as_bytes());
    put(
        "snarkjs_vk",
        "gamma-eq-delta",
        j(&snarkjs::vk_to_json(&VerifyingKey {
            delta_g2: vk.gamma_g2,
            ..vk.clone()
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
    let mut x = public.clone();
    x[0] = plus_r(&st.commitment).to_string();
    put("snarkjs_public", "plus-r", j(&x).as_bytes());
    put(
        "snarkjs_public",
        "four",
        j(&public[..4].to_vec()).as_bytes(),
    );

    // policy.
    let policy = include_str!("../data/policy.json");
    put("policy", "valid", policy.as_bytes());
    put(
        "policy",
        "unknown-claim",
        policy.replace("\"distribution\"", "\"distrib\"").as_bytes(),
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
