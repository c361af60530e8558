//! The lifecycle circuits (issue 12's `evaluation-N` and `jurisdiction-S`)
//! through a zkcc-only ceremony: `ceremony r1cs`, `init`, `contribute`,
//! `beacon`, `verify`, `finalize` on the command line, then a proof with the
//! final key that `zkcc agency verify-*` accepts.
//!
//! Phase 1 is a small raw `.ptau` made here from known secrets
//! ([`Ptau::insecure_from_secrets`]), so this test needs no snarkjs; the
//! snarkjs-made phase 1 is covered by `tests/ceremony.rs`.
use ark_bn254::Fr;
use rand::SeedableRng;
use std::path::Path;
use zkcc_engine::prove::Reduction;
use zkcc_prover::ceremony::ptau::Ptau;
use zkcc_prover::keys::{self, Circuit};

use zkcc_test_support::lifecycle::{self, RESULTS};

use crate::run::{fails, ok, text, zkcc, ZKCC};

/// `zkcc ceremony VERB` for `circuit` on the phase-1 file `ptau`
/// (development mode), then `flag` `file` (`--zkey` or `--out`).
fn on_ptau<'a>(
    verb: &'a str,
    circuit: &'a str,
    ptau: &'a str,
    flag: &'a str,
    file: &'a str,
) -> Vec<&'a str> {
    vec![
        "ceremony",
        verb,
        "--circuit",
        circuit,
        "--ptau",
        ptau,
        "--dev-unpublished-ptau",
        flag,
        file,
    ]
}

/// `zkcc ceremony VERB` of `zkey` for `circuit` on `pot.ptau`.
fn on_pot<'a>(verb: &'a str, circuit: &'a str, zkey: &'a str) -> Vec<&'a str> {
    on_ptau(verb, circuit, "pot.ptau", "--zkey", zkey)
}

/// `zkcc ceremony finalize` of `zkey` for `circuit` on `pot.ptau`
/// (development mode), keys into `keys/`.
fn finalize<'a>(circuit: &'a str, zkey: &'a str) -> Vec<&'a str> {
    let mut args = on_pot("finalize", circuit, zkey);
    args.extend(["--out", "keys"]);
    args
}

/// The phase-2 ceremony of `circuit` on the command line, keys into `keys/`.
/// Returns the output of `ceremony finalize`, which verifies the whole
/// transcript as `ceremony verify` does before it writes the keys. (The
/// separate `verify` command, and its refusals, are `ceremony.rs`'s: each
/// command re-reads and checks the phase-1 file and rebuilds the initial
/// key, 17–35 s here.)
fn ceremony(d: &Path, circuit: &str) -> String {
    let f = |s: &str| format!("{circuit}.{s}");
    let out = ok(
        d,
        &[
            "ceremony",
            "r1cs",
            "--circuit",
            circuit,
            "--out",
            &f("r1cs"),
        ],
    );
    let c = Circuit::parse(circuit).unwrap();
    let n = keys::constraints_of(&c).unwrap();
    assert!(out.contains(&format!("{n} constraints")), "{out}");
    let r1cs = std::fs::read(d.join(f("r1cs"))).unwrap();
    assert_eq!(&r1cs[..4], b"r1cs");
    let zkey0 = f("0.zkey");
    let out = ok(d, &on_ptau("init", circuit, "pot.ptau", "--out", &zkey0));
    assert!(out.contains("circuit hash"), "{out}");
    // No contribution yet: finalize refuses (δ would be the generator).
    fails(
        d,
        &finalize(circuit, &f("0.zkey")),
        "no secret contribution (0 beacon(s) only)",
    );
    ok(
        d,
        &[
            "ceremony",
            "contribute",
            "--in",
            &f("0.zkey"),
            "--out",
            &f("1.zkey"),
            "--name",
            "lab",
        ],
    );
    ok(
        d,
        &[
            "ceremony",
            "beacon",
            "--in",
            &f("1.zkey"),
            "--out",
            &f("final.zkey"),
            "--hash",
            "5eed5eed5eed5eed",
            "--name",
            "beacon",
        ],
    );
    let out = ok(d, &finalize(circuit, &f("final.zkey")));
    assert!(
        out.contains(&format!("{circuit}: keys in keys"))
            && out.contains("sound only if the 1 contributor listed below was honest")
            && out.contains("contribution #1 lab: ")
            && out.contains("contribution #2 beacon (beacon: public randomness"),
        "{out}"
    );
    let (pk, m) = keys::load_proving_key_of(&d.join("keys"), &c).unwrap();
    assert!(m.setup.contains("multi-party ceremony"), "{}", m.setup);
    assert!(m.setup.contains("2 contributions"), "{}", m.setup);
    assert_eq!(m.constraints, n);
    assert_eq!(pk.reduction().unwrap(), Reduction::OddCoset);
    out
}

/// Writes `d/pot.ptau`: a prepared phase-1 file of `power` from random
/// secrets. `ceremony init` reads and verifies it (a made file's own
/// verification and round trip: `made_phase1_prepared_and_raw_give_one_initial_key`).
fn write_pot(d: &Path, power: u32, seed: u64) {
    use ark_ff::UniformRand;
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let p = Ptau::insecure_from_secrets(
        power,
        Fr::rand(&mut rng),
        Fr::rand(&mut rng),
        Fr::rand(&mut rng),
        true,
    )
    .unwrap();
    std::fs::write(d.join("pot.ptau"), p.to_bytes()).unwrap();
}

/// The model-evaluation circuit through the ceremony, then the lab proves
/// and the agency verifies with the ceremony's key. (The jurisdiction
/// circuit's ceremony is the next test: each on the smallest phase 1 that
/// fits it, the two run side by side.)
#[test]
fn evaluation_through_a_zkcc_ceremony() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    // Phase 1: power 15 fits evaluation-3 (25,873 constraints).
    write_pot(d, 15, 12);
    // A file too small for evaluation-3 is refused with the sizes.
    let small =
        Ptau::insecure_from_secrets(14, Fr::from(3u64), Fr::from(5u64), Fr::from(7u64), false)
            .unwrap();
    std::fs::write(d.join("pot14.ptau"), small.to_bytes()).unwrap();
    fails(
        d,
        &on_ptau("init", "evaluation-3", "pot14.ptau", "--out", "x.zkey"),
        "too small",
    );

    lifecycle::sample(&ZKCC, d);

    let v = ceremony(d, "evaluation-3");
    // A key for another circuit is refused by verify and finalize.
    let other = "evaluation-3.final.zkey";
    fails(
        d,
        &on_pot("verify", "jurisdiction-2", other),
        "not for this circuit",
    );
    fails(d, &finalize("evaluation-2", other), "not for this circuit");
    assert!(!d.join("keys/evaluation-2.manifest.json").exists());
    let (_, mc) = lifecycle::commit_model(&ZKCC, d, &[7u8; 4096]);
    lifecycle::sign_results(&ZKCC, d);
    lifecycle::eval_request(&ZKCC, d, "w/ereq.json");
    ok(
        d,
        &lifecycle::prove_evaluation_args("w/eval.json", &RESULTS),
    );
    let out = ok(
        d,
        &lifecycle::verify_evaluation_args("w/ereq.json", "w/eval.json"),
    );
    assert!(out.starts_with("ACCEPTED") && out.contains(&mc), "{out}");
    // The bundle names the ceremony key's circuit id.
    let id = keys::load_manifest_of(&d.join("keys"), &Circuit::Evaluation(3))
        .unwrap()
        .circuit_id;
    let bundle = std::fs::read_to_string(d.join("w/eval.json")).unwrap();
    assert!(bundle.contains(&id), "{bundle}");
    assert!(v.contains("circuit hash"), "{v}");
}

/// The deployment-jurisdiction circuit through the ceremony, then the
/// importer proves and the agency verifies with the ceremony's key; a proof
/// from another ceremony's keys of the same circuit is refused.
#[test]
fn jurisdiction_through_a_zkcc_ceremony() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    // Phase 1: power 14 fits jurisdiction-2 (14,181 constraints).
    write_pot(d, 14, 13);
    lifecycle::sample(&ZKCC, d);
    let (_, mc) = lifecycle::commit_model(&ZKCC, d, &[7u8; 4096]);
    ceremony(d, "jurisdiction-2");
    lifecycle::write_deployment(d, &mc);
    ok(d, &lifecycle::attest_args("w/deployment.json"));
    lifecycle::jurisdiction_request(&ZKCC, d, &mc, "w/jreq.json");
    lifecycle::prove_jurisdiction(&ZKCC, d);
    let out = ok(d, &lifecycle::verify_jurisdiction_args("w/jreq.json"));
    assert!(out.starts_with("ACCEPTED"), "{out}");

    // A proof from keys of a *different* ceremony of the same circuit is refused:
    // the agency's verifying key is the ceremony's.
    let other = tempfile::tempdir().unwrap();
    ok(
        other.path(),
        &[
            "setup",
            "--circuit",
            "jurisdiction-2",
            "--out",
            d.join("devkeys").to_str().unwrap(),
        ],
    );
    let out = zkcc(
        d,
        &[
            "agency",
            "verify-jurisdiction",
            "--circuit",
            "jurisdiction-2",
            "--keys",
            "devkeys",
            "--registry",
            "w/registry.json",
            "--request",
            "w/jreq.json",
            "w/jur.json",
        ],
    );
    assert!(!out.status.success(), "{}", text(&out));
}

/// The made phase-1 file's Lagrange sections (computed from τ) are the ones
/// the group FFTs derive from its powers: a prepared and a raw file give one
/// initial key; each verifies, and a file of power 11 round-trips.
#[test]
fn made_phase1_prepared_and_raw_give_one_initial_key() {
    use zkcc_prover::ceremony::zkey::Zkey;
    let (t, a, b) = (Fr::from(1234567u64), Fr::from(89u64), Fr::from(1011u64));
    let raw = Ptau::insecure_from_secrets(11, t, a, b, false).unwrap();
    let prep = Ptau::insecure_from_secrets(11, t, a, b, true).unwrap();
    let mut rng = rand::rngs::StdRng::seed_from_u64(4);
    let prep = Ptau::read_verified(&prep.to_bytes(), &mut rng).expect("prepared verifies");
    let raw = Ptau::read_verified(&raw.to_bytes(), &mut rng).expect("raw verifies");
    assert!(prep.lagrange.is_some() && raw.lagrange.is_none());
    let r1cs = keys::r1cs_of(&Circuit::parse("request-1x1").unwrap()).unwrap();
    let z = Zkey::new_initial(&prep, &r1cs).unwrap();
    assert_eq!(z, Zkey::new_initial(&raw, &r1cs).unwrap());
    // A wrong secret (another α) makes another key.
    let other = Ptau::insecure_from_secrets(11, t, a + Fr::from(1u64), b, true).unwrap();
    assert_ne!(z, Zkey::new_initial(&other, &r1cs).unwrap());
    // Zero secrets and powers out of range are refused.
    assert!(Ptau::insecure_from_secrets(11, Fr::from(0u64), a, b, false).is_err());
    assert!(Ptau::insecure_from_secrets(0, t, a, b, false).is_err());
    assert!(Ptau::insecure_from_secrets(29, t, a, b, false).is_err());
}

/// The timing fixture `Zkey::insecure_initial_from_secrets` (benches'
/// `ceremony zkey`) is byte for byte the key `init` builds from a phase-1
/// file made with the same τ, α, β: of the domain's power (the top power
/// missing from `H`'s interpolation) and of a larger power; a contribution
/// to it verifies against it, and other secrets make another key.
#[test]
fn insecure_fixture_key_is_the_initial_key_of_the_same_secrets() {
    use zkcc_prover::ceremony::phase2;
    use zkcc_prover::ceremony::zkey::Zkey;
    let (t, a, b) = (Fr::from(7654321u64), Fr::from(97u64), Fr::from(1013u64));
    let r1cs = keys::r1cs_of(&Circuit::parse("request-1x1").unwrap()).unwrap();
    for (power, prepared) in [(11, false), (11, true), (12, false)] {
        let p = Ptau::insecure_from_secrets(power, t, a, b, prepared).unwrap();
        let want = Zkey::new_initial(&p, &r1cs).unwrap();
        let got = Zkey::insecure_initial_from_secrets(&r1cs, power, t, a, b).unwrap();
        assert_eq!(got.domain_size, 1 << 11);
        assert!(
            got.to_bytes() == want.to_bytes(),
            "power {power}, prepared {prepared}: the fixture differs from init's key"
        );
    }
    let z = Zkey::insecure_initial_from_secrets(&r1cs, 11, t, a, b).unwrap();
    let mut rng = rand::rngs::StdRng::seed_from_u64(12);
    let z1 = phase2::contribute(z.clone(), Some("fixture"), &mut rng).unwrap();
    phase2::verify_against(&z1, &z, &mut rng).expect("a contribution to the fixture verifies");
    let other = Zkey::insecure_initial_from_secrets(&r1cs, 11, t, a + Fr::from(1u64), b).unwrap();
    assert_ne!(other.l, z.l);
    // Too small a power, a power beyond 28 and zero secrets are refused.
    for (power, tau) in [(10, t), (29, t), (11, Fr::from(0u64))] {
        assert!(Zkey::insecure_initial_from_secrets(&r1cs, power, tau, a, b).is_err());
    }
}

/// `ceremony init` and `verify` print the phase-1 file's BLAKE2b-512 (what
/// `b2sum` prints, what public ceremonies publish), before checking it; an
/// unpublished file (this known-τ fixture) is refused without
/// `--dev-unpublished-ptau`, with the error that says what to do, and
/// accepted with it under a loud warning; `verify` and `finalize` refuse a
/// key with no contribution or a beacon only, and print the trust statement
/// with every contribution's hash once a contributor has taken part.
#[test]
fn ceremony_prints_the_phase1_files_blake2b() {
    use blake2::{Blake2b512, Digest};
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let p =
        Ptau::insecure_from_secrets(11, Fr::from(31u64), Fr::from(41u64), Fr::from(59u64), true)
            .unwrap()
            .to_bytes();
    std::fs::write(d.join("p.ptau"), &p).unwrap();
    let h = hex::encode(Blake2b512::digest(&p));
    let init = |dev: bool, out: &str| {
        let mut a = vec![
            "ceremony",
            "init",
            "--circuit",
            "request-1x1",
            "--ptau",
            "p.ptau",
            "--out",
        ];
        a.push(out);
        if dev {
            a.push("--dev-unpublished-ptau");
        }
        zkcc(d, &a)
    };
    // Without the development flag: refused, hash shown first, nothing written.
    let out = init(false, "r0.zkey");
    assert!(!out.status.success());
    let t = text(&out);
    assert!(t.contains(&format!("BLAKE2b-512 {h}")), "{t}");
    let want = format!(
        "error: ceremony: phase-1 file with BLAKE2b-512 {h} is not a published powers-of-tau file: use a \
         published Hermez/PSE file (powersOfTau28_hez_final_NN.ptau, listed with its BLAKE2b-512 \
         in snarkjs's README; zkcc pins those hashes), or, for development only, pass \
         --dev-unpublished-ptau (library: Phase1Source::DevelopmentOnly)"
    );
    assert!(t.contains(&want), "{t}");
    assert!(!d.join("r0.zkey").exists());
    // With it: accepted, with the warning.
    let out = init(true, "r0.zkey");
    assert!(out.status.success(), "{}", text(&out));
    let t = text(&out);
    assert!(t.contains(&format!("BLAKE2b-512 {h}")), "{t}");
    assert!(
        t.contains("WARNING: DEVELOPMENT ONLY (--dev-unpublished-ptau): p.ptau is not a published powers-of-tau file"),
        "{t}"
    );
    assert!(
        t.contains("WARNING: the phase-1 file has no contribution record"),
        "{t}"
    );
    let check = |cmd: &str, key: &str| {
        let mut a = vec![
            "ceremony",
            cmd,
            "--circuit",
            "request-1x1",
            "--ptau",
            "p.ptau",
            "--dev-unpublished-ptau",
            "--zkey",
            key,
        ];
        if cmd == "finalize" {
            a.extend(["--out", "keys"]);
        }
        zkcc(d, &a)
    };
    // No contribution, then a beacon only: verify and finalize refuse.
    ok(
        d,
        &[
            "ceremony", "beacon", "--in", "r0.zkey", "--out", "b.zkey", "--hash", "abcd",
        ],
    );
    for (key, beacons) in [("r0.zkey", 0), ("b.zkey", 1)] {
        for cmd in ["verify", "finalize"] {
            let out = check(cmd, key);
            let t = text(&out);
            assert!(!out.status.success(), "{cmd} {key}: {t}");
            assert!(
                t.contains(&format!(
                    "error: ceremony: the key has no secret contribution ({beacons} beacon(s) only)"
                )),
                "{cmd} {key}: {t}"
            );
            assert!(!t.contains("OK"), "{t}");
        }
    }
    assert!(!d.join("keys").exists());
    // One contribution and the beacon: both pass and list the hash.
    let c = ok(
        d,
        &[
            "ceremony",
            "contribute",
            "--in",
            "r0.zkey",
            "--out",
            "r1.zkey",
            "--name",
            "lab",
        ],
    );
    let hash = zkcc_test_support::cli::contribution_hash(&c);
    ok(
        d,
        &[
            "ceremony", "beacon", "--in", "r1.zkey", "--out", "f.zkey", "--hash", "abcd", "--name",
            "coin",
        ],
    );
    for cmd in ["verify", "finalize"] {
        let out = check(cmd, "f.zkey");
        let t = text(&out);
        assert!(out.status.success(), "{cmd}: {t}");
        zkcc_test_support::cli::says_all(
            cmd,
            &t,
            &[
                "sound only if the 1 contributor listed below was honest and destroyed its secret: find your contribution hash in this list",
                &format!("contribution #1 lab: {hash}"),
                "contribution #2 coin (beacon: public randomness, not a contributor): ",
                "WARNING: DEVELOPMENT ONLY",
            ],
        );
    }
    let c = Circuit::parse("request-1x1").unwrap();
    let (_, m) = keys::load_proving_key_of(&d.join("keys"), &c).unwrap();
    assert!(
        m.setup.contains("UNPUBLISHED DEVELOPMENT phase-1 file"),
        "{}",
        m.setup
    );
    // verify without the flag: refused as init was.
    let out = zkcc(
        d,
        &[
            "ceremony",
            "verify",
            "--circuit",
            "request-1x1",
            "--ptau",
            "p.ptau",
            "--zkey",
            "f.zkey",
        ],
    );
    assert!(!out.status.success());
    assert!(text(&out).contains(&want), "{}", text(&out));
    // A broken file still shows its hash, then the refusal.
    let mut broken = p.clone();
    let n = broken.len();
    broken[n - 70] ^= 1;
    std::fs::write(d.join("b.ptau"), &broken).unwrap();
    let hb = hex::encode(Blake2b512::digest(&broken));
    let out = zkcc(
        d,
        &[
            "ceremony",
            "init",
            "--circuit",
            "request-1x1",
            "--ptau",
            "b.ptau",
            "--dev-unpublished-ptau",
            "--out",
            "x.zkey",
        ],
    );
    assert!(!out.status.success());
    assert!(
        text(&out).contains(&format!("BLAKE2b-512 {hb}")),
        "{}",
        text(&out)
    );
    assert!(!d.join("x.zkey").exists());
}
