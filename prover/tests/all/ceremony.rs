//! The ceremony against real snarkjs: phase-1 files made by `snarkjs
//! powersoftau` (new, contributions, beacon, prepare phase2) in a temporary
//! directory, read and verified by zkcc; broken ones refused with a reason.
//!
//! snarkjs is the one `verifier/tests/js/install.sh` installs; without node or
//! snarkjs the tests are skipped loudly, unless `ZKCC_REQUIRE_SNARKJS=1` (CI),
//! where they fail.
use rand::SeedableRng;
use std::path::{Path, PathBuf};
use zkcc_prover::ceremony::ptau::Ptau;
use zkcc_prover::ceremony::trust::{Phase1, Phase1Source};
use zkcc_prover::ceremony::CeremonyError;
use zkcc_test_support::iden3::{section, swap_point};
use zkcc_test_support::snarkjs::{self, phase1};

fn tmp(name: &str) -> PathBuf {
    snarkjs::fresh_dir("ceremony", name)
}

/// With snarkjs (else `None`, the test skipped): its CLI, a fresh directory
/// `name` and a snarkjs phase 1 of `power` made there (raw and prepared).
fn with_phase1(name: &str, power: u32) -> Option<(PathBuf, PathBuf, PathBuf, PathBuf)> {
    let cli = snarkjs::cli("the snarkjs ceremony test")?;
    let dir = tmp(name);
    let (raw, prepared) = phase1(&cli, &dir, power);
    Some((cli, dir, raw, prepared))
}

#[test]
fn ptau_from_snarkjs_reads_and_verifies_and_broken_powers_are_named() {
    let Some((_, dir, raw, prepared)) = with_phase1("ptau", 6) else {
        return;
    };
    let mut rng = rand::rngs::StdRng::seed_from_u64(1);
    let raw_bytes = std::fs::read(&raw).unwrap();
    let p = Ptau::read_verified(&raw_bytes, &mut rng).expect("raw ptau verifies");
    assert_eq!(p.power, 6);
    assert!(p.lagrange.is_none());
    let prep_bytes = std::fs::read(&prepared).unwrap();
    let q = Ptau::read_verified(&prep_bytes, &mut rng).expect("prepared ptau verifies");
    assert!(q.lagrange.is_some());
    assert_eq!(q.tau_g1, p.tau_g1);

    // Too small for a circuit whose domain is 2^7.
    let err = q.check_fits(128).unwrap_err();
    assert!(
        matches!(
            err,
            CeremonyError::PtauTooSmall {
                need: 7,
                have: 6,
                ..
            }
        ),
        "{err}"
    );
    q.check_fits(64).expect("2^6 fits");

    // A broken power: τ^5·G1 replaced by τ^4·G1 (a valid point, wrong power).
    let mut broken =
        |bytes: &[u8], ty: u32, i: usize, j: usize, size: usize| match Ptau::read_verified(
            &swap_point(bytes, ty, i, j, size),
            &mut rng,
        )
        .unwrap_err()
        {
            CeremonyError::BrokenPowers(m) => m,
            err => panic!("not BrokenPowers: {err}"),
        };
    let m = broken(&raw_bytes, 2, 5, 4, 64);
    assert!(m.contains("tauG1"), "{m}");
    // A broken G2 power and a broken α series.
    let m = broken(&raw_bytes, 3, 7, 3, 128);
    assert!(m.contains("tauG2"), "{m}");
    let m = broken(&raw_bytes, 4, 2, 1, 64);
    assert!(m.contains("alphaTauG1"), "{m}");
    // A broken Lagrange point in a prepared file.
    let m = broken(&prep_bytes, 12, 40, 41, 64);
    assert!(m.contains("section 12"), "{m}");
    // A point off the curve: one byte flipped.
    let mut off = raw_bytes.clone();
    let (pos, _) = section(&off, 2);
    off[pos + 3 * 64 + 1] ^= 1;
    let err = Ptau::read(&off).unwrap_err();
    assert!(
        matches!(&err, CeremonyError::BadPoint(_, m) if m == "tauG1[3]"),
        "{err}"
    );
    // Truncated.
    assert!(matches!(
        Ptau::read(&raw_bytes[..raw_bytes.len() - 1]),
        Err(CeremonyError::Format(..))
    ));
    let _ = std::fs::remove_dir_all(&dir);
}

mod tiny {
    //! A small circuit with non-unit coefficients, public inputs and an unused
    //! variable in `B`: `x·y = out`, `(x + 3y)·(2x) = w`, `w·w = sq`.
    use ark_bn254::Fr;
    use ark_relations::gr1cs::{
        ConstraintSynthesizer, ConstraintSystem, ConstraintSystemRef, OptimizationGoal,
        SynthesisError, R1CS_PREDICATE_LABEL,
    };
    use ark_relations::lc;
    use zkcc_engine::r1cs::R1cs;

    #[derive(Clone)]
    pub struct Tiny {
        pub x: Fr,
        pub y: Fr,
        /// Extra constraints (another circuit when different).
        pub extra: usize,
    }

    impl Tiny {
        pub fn assignment(&self) -> Vec<Fr> {
            let (x, y) = (self.x, self.y);
            let w = (x + Fr::from(3u64) * y) * (x + x);
            let mut z = vec![Fr::from(1u64), x * y, w * w, x, y, w];
            for _ in 0..self.extra {
                z.push(x * x);
            }
            z
        }
    }

    impl ConstraintSynthesizer<Fr> for Tiny {
        fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
            let z = self.assignment();
            let out = cs.new_input_variable(|| Ok(z[1]))?;
            let sq = cs.new_input_variable(|| Ok(z[2]))?;
            let x = cs.new_witness_variable(|| Ok(z[3]))?;
            let y = cs.new_witness_variable(|| Ok(z[4]))?;
            let w = cs.new_witness_variable(|| Ok(z[5]))?;
            cs.enforce_r1cs_constraint(|| lc!() + x, || lc!() + y, || lc!() + out)?;
            cs.enforce_r1cs_constraint(
                || lc!() + x + (Fr::from(3u64), y),
                || lc!() + (Fr::from(2u64), x),
                || lc!() + w,
            )?;
            cs.enforce_r1cs_constraint(|| lc!() + w, || lc!() + w, || lc!() + sq)?;
            for i in 0..self.extra {
                let e = cs.new_witness_variable(|| Ok(z[6 + i]))?;
                cs.enforce_r1cs_constraint(|| lc!() + x, || lc!() + x, || lc!() + e)?;
            }
            Ok(())
        }
    }

    pub fn r1cs(extra: usize) -> R1cs {
        let cs = ConstraintSystem::<Fr>::new_ref();
        cs.set_optimization_goal(OptimizationGoal::Constraints);
        Tiny {
            x: Fr::from(5u64),
            y: Fr::from(7u64),
            extra,
        }
        .generate_constraints(cs.clone())
        .unwrap();
        cs.finalize();
        assert!(zkcc_circuits::harness::satisfied(&cs).unwrap());
        let m = cs.to_matrices().unwrap();
        R1cs::from_matrices(
            &m[R1CS_PREDICATE_LABEL],
            cs.num_instance_variables(),
            cs.num_witness_variables(),
        )
    }
}

#[test]
fn phase2_interop_with_snarkjs_both_ways() {
    use ark_bn254::Fr;
    use zkcc_engine::prove::{prove_assignment, prove_assignment_with, Reduction};
    use zkcc_prover::ceremony::{export, phase2, zkey::Zkey};
    let Some((cli, dir, raw, prepared)) = with_phase1("phase2", 5) else {
        return;
    };
    let mut rng = rand::rngs::StdRng::seed_from_u64(2);
    // snarkjs's test phase 1 is not a published file: development mode, explicitly.
    let phase1 = Phase1::from_bytes(
        &std::fs::read(&prepared).unwrap(),
        Phase1Source::DevelopmentOnly,
        &mut rng,
    )
    .unwrap();
    let ptau = phase1.ptau();
    let ptau_raw = Ptau::read_verified(&std::fs::read(&raw).unwrap(), &mut rng).unwrap();
    let extra = 6;
    let r1cs = tiny::r1cs(extra);
    std::fs::write(dir.join("tiny.r1cs"), export::r1cs_bytes(&r1cs)).unwrap();
    let s = |p: &str| dir.join(p).to_string_lossy().into_owned();

    // Init: from the prepared file, and by group FFTs from the raw one: the same key.
    let z0 = Zkey::new_initial(ptau, &r1cs).unwrap();
    assert_eq!(
        Zkey::new_initial(&ptau_raw, &r1cs).unwrap(),
        z0,
        "group-FFT init differs"
    );
    std::fs::write(dir.join("z0.zkey"), z0.to_bytes()).unwrap();
    assert_eq!(Zkey::read(&z0.to_bytes()).unwrap(), z0);
    // Hostile bytes are refused, never a panic: truncated, a wrong coefficient count.
    let zb = z0.to_bytes();
    assert!(matches!(
        Zkey::read(&zb[..zb.len() - 1]),
        Err(CeremonyError::Format(..))
    ));
    let mut bad = zb.clone();
    let (pos, _) = section(&bad, 4);
    bad[pos + 3] ^= 0x40;
    assert!(matches!(Zkey::read(&bad), Err(CeremonyError::Format(..))));
    // A beacon too long to verify is refused.
    assert!(phase2::beacon(z0.clone(), b"x", 40, None).is_err());
    // snarkjs builds the same initial key from our .r1cs (same sections, same circuit hash).
    snarkjs::ok(
        &cli,
        &dir,
        &[
            "zkey",
            "new",
            &s("tiny.r1cs"),
            &s("pot_final.ptau"),
            &s("snark0.zkey"),
        ],
    );
    assert_eq!(
        Zkey::read(&std::fs::read(dir.join("snark0.zkey")).unwrap()).unwrap(),
        z0
    );
    snarkjs::ok(
        &cli,
        &dir,
        &snarkjs::zkey_verify_args("tiny.r1cs", "pot_final.ptau", "z0.zkey"),
    );

    // zkcc contributes, snarkjs contributes on top, zkcc verifies both.
    let z1 = phase2::contribute(z0.clone(), Some("zkcc"), &mut rng).unwrap();
    std::fs::write(dir.join("z1.zkey"), z1.to_bytes()).unwrap();
    snarkjs::zkey_contribute(&cli, &dir, "z1.zkey", "z2.zkey", "snarkjs", "more entropy");
    let z2 = Zkey::read(&std::fs::read(dir.join("z2.zkey")).unwrap()).unwrap();
    let v = phase2::verify(&z2, &phase1, &r1cs, &mut rng)
        .expect("zkcc verifies snarkjs's contribution");
    assert_eq!(v.contributions.len(), 2);
    // snarkjs's beacon, verified by zkcc; zkcc's beacon, verified by snarkjs.
    let bh = "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
    snarkjs::ok(
        &cli,
        &dir,
        &[
            "zkey",
            "beacon",
            &s("z2.zkey"),
            &s("z3s.zkey"),
            bh,
            "10",
            "-n=the beacon",
        ],
    );
    let z3s = Zkey::read(&std::fs::read(dir.join("z3s.zkey")).unwrap()).unwrap();
    phase2::verify(&z3s, &phase1, &r1cs, &mut rng).expect("zkcc verifies snarkjs's beacon");
    let z3 = phase2::beacon(
        z2.clone(),
        &hex::decode(bh).unwrap(),
        10,
        Some("the beacon"),
    )
    .unwrap();
    assert!(z3 == z3s, "zkcc's beacon is not snarkjs's beacon");
    std::fs::write(dir.join("final.zkey"), z3.to_bytes()).unwrap();
    snarkjs::ok(
        &cli,
        &dir,
        &snarkjs::zkey_verify_args("tiny.r1cs", "pot_final.ptau", "final.zkey"),
    );
    let v = phase2::verify(&z3, &phase1, &r1cs, &mut rng).unwrap();
    assert_eq!(v.contributions.len(), 3);

    // Prove with zkcc's tuned prover on the final key: the odd-coset reduction verifies, libsnark's does not.
    let pk = export::prover_key(z3.clone(), r1cs.clone()).unwrap();
    assert_eq!(pk.reduction().unwrap(), Reduction::OddCoset);
    let t = tiny::Tiny {
        x: Fr::from(5u64),
        y: Fr::from(7u64),
        extra,
    };
    let z = t.assignment();
    let key = zkcc_verifier::batch::PreparedKey::new(&pk.vk);
    let proof = prove_assignment(&pk, &z, Fr::from(11u64), Fr::from(13u64)).unwrap();
    key.verify(&z[1..3], &proof)
        .expect("ceremony-key proof verifies");
    let wrong = prove_assignment_with(
        &pk,
        Reduction::Libsnark,
        &z,
        Fr::from(11u64),
        Fr::from(13u64),
    )
    .unwrap();
    assert!(
        key.verify(&z[1..3], &wrong).is_err(),
        "wrong reduction must not verify"
    );

    // snarkjs proves with zkcc's .zkey and .wtns; zkcc's verifier accepts.
    std::fs::write(dir.join("w.wtns"), export::wtns_bytes(&z)).unwrap();
    let (sp, pubs) = snarkjs::groth16_prove(&cli, &dir, "final.zkey", "w.wtns", "public.json");
    assert_eq!(pubs, z[1..3].to_vec());
    key.verify(&pubs, &sp)
        .expect("snarkjs's proof on zkcc's key verifies in zkcc");

    // Tamperings, each refused with its reason.
    let mut refused = |edit: fn(&mut Zkey)| {
        let mut t = z3.clone();
        edit(&mut t);
        let err = phase2::verify(&t, &phase1, &r1cs, &mut rng).unwrap_err();
        (t, err)
    };
    let bad_key = |err: &CeremonyError, what: &str| matches!(err, CeremonyError::BadKey(m) if m.contains(what));
    let (_, err) = refused(|t| t.contributions[0].g2_spx = t.contributions[1].g2_spx);
    assert!(
        matches!(&err, CeremonyError::BadContribution { index: 0, reason } if reason.contains("proof of knowledge")),
        "{err}"
    );
    let (t2, err) = refused(|t| t.l[1] = t.l[0]);
    assert!(bad_key(&err, "L (section 8)"), "{err}");
    let (_, err) = refused(|t| t.h[0] = t.h[1]);
    assert!(bad_key(&err, "H (section 9)"), "{err}");
    let (_, err) = refused(|t| t.a[3] = t.a[4]);
    assert!(bad_key(&err, "A (section 5)"), "{err}");
    let (_, err) = refused(|t| {
        t.contributions.remove(1);
    });
    assert!(
        matches!(&err, CeremonyError::BadContribution { index: 1, reason } if reason.contains("transcript")),
        "{err}"
    );
    let (_, err) = refused(|t| {
        t.contributions.pop();
    });
    assert!(bad_key(&err, "δ·G1"), "{err}");
    let other = tiny::r1cs(extra + 1);
    let err = phase2::verify(&z3, &phase1, &other, &mut rng).unwrap_err();
    assert!(matches!(&err, CeremonyError::WrongCircuit(_)), "{err}");
    assert!(matches!(
        export::prover_key(z3.clone(), other),
        Err(CeremonyError::WrongCircuit(_))
    ));
    // snarkjs refuses the tampered key too.
    std::fs::write(dir.join("t2.zkey"), t2.to_bytes()).unwrap();
    let (ok, _) = snarkjs::run(
        &cli,
        &dir,
        &snarkjs::zkey_verify_args("tiny.r1cs", "pot_final.ptau", "t2.zkey"),
    );
    assert!(!ok, "snarkjs accepted a tampered L");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Runs the `zkcc` binary; returns (success, stdout + stderr).
fn zkcc(args: &[&str]) -> (bool, String) {
    let out = crate::run::zkcc(Path::new("."), args);
    (out.status.success(), crate::run::text(&out))
}

fn zkcc_ok(args: &[&str]) -> String {
    let (ok, text) = zkcc(args);
    assert!(ok, "zkcc {args:?} failed:\n{text}");
    text
}

/// The end-to-end ceremony on a real zkcc circuit (request-1x1):
/// a phase 1 of 2^11 (zkcc's known-secret file, raw and prepared: snarkjs's
/// own phase-1 files are read by the tests above), zkcc init, a zkcc
/// contribution, a snarkjs contribution on the exported key, a beacon,
/// verification by zkcc and by `snarkjs zkey verify`, proving and verifying
/// with the final key, snarkjs proving with zkcc's `.zkey` and `.wtns` a proof
/// zkcc's verifier accepts; tamperings refused with a reason.
#[test]
fn ceremony_end_to_end_on_a_zkcc_circuit() {
    use ark_bn254::Fr;
    use rand_chacha::ChaCha20Rng;
    use zkcc_circuits::registry::Registry;
    use zkcc_circuits::request::constraints::RequestCircuit;
    use zkcc_circuits::request::RequestShape;
    use zkcc_circuits::shard::ShardShape;
    use zkcc_engine::prove::Reduction;
    use zkcc_prover::ceremony::export;
    use zkcc_prover::fleet::{self, attest, commit, ledger_from_shipments, open};
    use zkcc_prover::keys::{self, Circuit};
    use zkcc_verifier::batch::PreparedKey;
    use zkcc_verifier::submission::RequestFile;

    let Some(cli) = snarkjs::cli("the snarkjs ceremony test") else {
        return;
    };
    let dir = tmp("e2e");
    let s = |p: &str| dir.join(p).to_string_lossy().into_owned();
    // Phase 1 of 2^11 from known secrets (zkcc's own, in a second; snarkjs's
    // phase 1 of that size takes minutes on two cores, and its files are read
    // by the tests above): the raw file and the prepared one.
    {
        let (t, a, b) = (Fr::from(31337u64), Fr::from(17u64), Fr::from(19u64));
        for (name, prepared) in [("pot_beacon.ptau", false), ("pot_final.ptau", true)] {
            let p = Ptau::insecure_from_secrets(11, t, a, b, prepared).unwrap();
            std::fs::write(dir.join(name), p.to_bytes()).unwrap();
        }
    }
    let circuit = "request-1x1";
    // `zkcc ceremony verify` of `zkey` on phase 1 `ptau` (development mode).
    let zkcc_verify = |ptau: &str, zkey: &str| {
        zkcc(&[
            "ceremony",
            "verify",
            "--circuit",
            circuit,
            "--ptau",
            &s(ptau),
            "--dev-unpublished-ptau",
            "--zkey",
            &s(zkey),
        ])
    };
    let rshape = RequestShape::new(1, 1);

    let t = std::time::Instant::now();
    zkcc_ok(&[
        "ceremony",
        "r1cs",
        "--circuit",
        circuit,
        "--out",
        &s("req.r1cs"),
    ]);
    // A test phase 1 is no published file: refused, with what to do…
    let (ptau, r0) = (s("pot_final.ptau"), s("r0.zkey"));
    let init = [
        "ceremony",
        "init",
        "--circuit",
        circuit,
        "--ptau",
        ptau.as_str(),
    ];
    let (ok, out) = zkcc(&[&init[..], &["--out", r0.as_str()]].concat());
    assert!(!ok, "{out}");
    assert!(
        out.contains("is not a published powers-of-tau file")
            && out.contains("--dev-unpublished-ptau"),
        "{out}"
    );
    assert!(!dir.join("r0.zkey").exists());
    // … and accepted in development mode, with the warning.
    let out = zkcc_ok(&[&init[..], &["--dev-unpublished-ptau", "--out", r0.as_str()]].concat());
    assert!(out.contains("WARNING: DEVELOPMENT ONLY"), "{out}");
    // No contribution yet: verify refuses (δ would be the generator).
    let (ok, out) = zkcc_verify("pot_final.ptau", "r0.zkey");
    assert!(!ok && out.contains("no secret contribution"), "{out}");
    let out = zkcc_ok(&[
        "ceremony",
        "contribute",
        "--in",
        &s("r0.zkey"),
        "--out",
        &s("r1.zkey"),
        "--name",
        "importer",
    ]);
    let importer_hash = zkcc_test_support::cli::contribution_hash(&out);
    snarkjs::zkey_contribute(&cli, &dir, "r1.zkey", "r2.zkey", "agency", "agency entropy");
    let bh = "00aa11bb22cc33dd44ee55ff66007711882299aa";
    zkcc_ok(&[
        "ceremony",
        "beacon",
        "--in",
        &s("r2.zkey"),
        "--out",
        &s("final.zkey"),
        "--hash",
        bh,
        "--name",
        "beacon",
    ]);
    let (ok, out) = zkcc_verify("pot_final.ptau", "final.zkey");
    assert!(ok, "zkcc ceremony verify failed:\n{out}");
    // The trust statement, and the importer finds its hash in the list.
    zkcc_test_support::cli::says_all(
        "zkcc ceremony verify",
        &out,
        &[
            "OK",
            "3 contributions (2 with a secret)",
            "sound if at least one of the 2 contributors listed below was honest and destroyed its secret: find your contribution hash in this list",
            &format!("contribution #1 importer: {importer_hash}"),
            "contribution #3 beacon (beacon",
        ],
    );
    // The raw (unprepared) phase-1 file serves as well.
    let (ok, out) = zkcc_verify("pot_beacon.ptau", "final.zkey");
    assert!(ok, "zkcc ceremony verify failed:\n{out}");
    snarkjs::ok(
        &cli,
        &dir,
        &snarkjs::zkey_verify_args("req.r1cs", "pot_final.ptau", "final.zkey"),
    );
    zkcc_ok(&[
        "ceremony",
        "finalize",
        "--circuit",
        circuit,
        "--ptau",
        &s("pot_final.ptau"),
        "--dev-unpublished-ptau",
        "--zkey",
        &s("final.zkey"),
        "--out",
        &s("keys"),
    ]);
    eprintln!(
        "zkcc phase 2 and verifications: {:.1} s",
        t.elapsed().as_secs_f64()
    );

    // Prove and verify a real request with the final key.
    let mut rng = ChaCha20Rng::seed_from_u64(3);
    let shape = ShardShape::new(1, 4);
    let smp = zkcc_prover::sample::generate_with(9, &[(0, 3)], shape.slot_chips);
    let registry = Registry::from_file(smp.registry.clone()).unwrap();
    let mut inv = smp.inventory.clone();
    let ledger = ledger_from_shipments(&registry, &smp.shipments, &inv.importer).unwrap();
    let secret = commit(&registry, &inv, &shape, &mut rng).unwrap();
    for k in &smp.auditor_keys {
        let _ = attest(&registry, &mut inv, k, None);
    }
    let fleet = open(&registry, &inv, &secret).unwrap();
    let rc = Circuit::Request(rshape);
    let (pk, manifest) = keys::load_proving_key_of(&dir.join("keys"), &rc).unwrap();
    assert!(
        manifest.setup.contains("multi-party ceremony"),
        "{}",
        manifest.setup
    );
    assert_eq!(pk.reduction().unwrap(), Reduction::OddCoset);
    let rules = zkcc_test_support::fixtures::loose_rules();
    let request = RequestFile::new(&inv.importer, inv.epoch, &Fr::from(77u64), rules.clone());
    let rb = fleet::prove_request(
        &pk,
        &rshape,
        &fleet,
        &inv.importer,
        ledger.digest,
        &request,
        &mut rng,
        &zkcc_engine::prove::Quiet,
    )
    .unwrap();
    let vk = PreparedKey::new(&keys::load_verifying_key_of(&dir.join("keys"), &rc).unwrap());
    let st = rb.statement().unwrap();
    vk.verify(&st.public_inputs(), &rb.proof().unwrap())
        .expect("the ceremony key's proof verifies");

    // snarkjs proves the same statement with zkcc's .zkey and .wtns.
    let (st2, w) = fleet
        .request(
            ledger.digest,
            &rshape,
            Fr::from(77u64),
            rules.to_rules().unwrap(),
        )
        .unwrap();
    let z = zkcc_prover::claims::request_assignment(&RequestCircuit::with_witness(rshape, st2, w))
        .unwrap();
    std::fs::write(dir.join("req.wtns"), export::wtns_bytes(&z)).unwrap();
    let (sp, pubs) = snarkjs::groth16_prove(&cli, &dir, "final.zkey", "req.wtns", "public.json");
    assert_eq!(pubs, st2.public_inputs());
    vk.verify(&pubs, &sp)
        .expect("snarkjs's proof with zkcc's key verifies in zkcc");

    // Tamperings, refused with a reason (library calls, one phase-1 read; the
    // CLI's own refusal once).
    use zkcc_prover::ceremony::{phase2, zkey::Zkey};
    let fin = std::fs::read(dir.join("final.zkey")).unwrap();
    let phase1 = Phase1::from_bytes(
        &std::fs::read(dir.join("pot_final.ptau")).unwrap(),
        Phase1Source::DevelopmentOnly,
        &mut rng,
    )
    .unwrap();
    let r1cs = keys::r1cs_of(&rc).unwrap();
    let init = Zkey::new_initial(phase1.ptau(), &r1cs).unwrap();
    let verify = |bytes: &[u8]| {
        phase2::verify_against(&Zkey::read(bytes).unwrap(), &init, &mut rng.clone())
            .map(|_| ())
            .unwrap_err()
            .to_string()
    };
    let expect = |got: String, reason: &str| {
        assert!(got.contains(reason), "expected {reason:?}, got: {got}")
    };
    // A key point changed after the contributions (L[0] := L[1]).
    let t_l = swap_point(&fin, 8, 0, 1, 64);
    std::fs::write(dir.join("t_l.zkey"), &t_l).unwrap();
    let (ok, out) = zkcc_verify("pot_final.ptau", "t_l.zkey");
    assert!(!ok && out.contains("L (section 8)"), "{out}");
    expect(verify(&swap_point(&fin, 9, 3, 2, 64)), "H (section 9)");
    expect(verify(&swap_point(&fin, 5, 3, 2, 64)), "A (section 5)");
    // A contribution without a valid proof of knowledge (the first's x·H₂ := the second's).
    let mut pok = Zkey::read(&fin).unwrap();
    pok.contributions[0].g2_spx = pok.contributions[1].g2_spx;
    let pok = pok.to_bytes();
    expect(
        verify(&pok),
        "contribution 0 is invalid: no valid proof of knowledge",
    );
    // A transcript with a contribution removed (the first).
    let mut z = Zkey::read(&fin).unwrap();
    z.contributions.remove(0);
    expect(verify(&z.to_bytes()), "transcript hash does not follow");
    // A phase-1 file with a broken power.
    let broken = swap_point(
        &std::fs::read(dir.join("pot_final.ptau")).unwrap(),
        2,
        9,
        8,
        64,
    );
    let err = Ptau::read_verified(&broken, &mut rng)
        .unwrap_err()
        .to_string();
    expect(err, "broken powers of tau");
    // A key for another circuit.
    let other = keys::r1cs_of(&Circuit::Request(RequestShape::new(1, 2))).unwrap();
    let err = phase2::verify(&Zkey::read(&fin).unwrap(), &phase1, &other, &mut rng)
        .unwrap_err()
        .to_string();
    expect(err, "not for this circuit");
    // snarkjs refuses the changed point as well.
    let (ok, _) = snarkjs::run(
        &cli,
        &dir,
        &snarkjs::zkey_verify_args("req.r1cs", "pot_final.ptau", "t_l.zkey"),
    );
    assert!(!ok);
    let _ = std::fs::remove_dir_all(&dir);
}
