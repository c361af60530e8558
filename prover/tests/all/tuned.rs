//! The tuned prover against stock `ark-groth16` on the shard circuit: same
//! verifying key, same statements; unsatisfied witnesses refused before
//! proving; several statements with one key; the parallel shard witness
//! equal to a whole synthesis.
use ark_bn254::{Bn254, Fr};
use ark_groth16::Groth16;
use ark_snark::SNARK;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use zkcc_circuits::request::RequestShape;
use zkcc_circuits::shard::constraints::ShardCircuit;
use zkcc_circuits::shard::fixtures::Fleet;
use zkcc_circuits::shard::ShardShape;
use zkcc_engine::prove::{self, ProverKey, Reduction};
use zkcc_prover::claims::shard_assignment;
use zkcc_prover::keys::{setup_keys_of, setup_prover_key_of, Circuit};
use zkcc_prover::{witness, ProverError};
use zkcc_test_support::fixtures::{RSHAPE, SHAPE};

fn fleet(seed: u64) -> Fleet {
    Fleet::standard(SHAPE, RSHAPE, seed)
}

fn circuits(f: &Fleet) -> Vec<ShardCircuit> {
    f.shards
        .iter()
        .map(|(st, w)| ShardCircuit::with_witness(f.shape, *st, w.clone()))
        .collect()
}

#[test]
fn tuned_and_stock_proofs_verify_under_the_same_key() {
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let (pk, r1cs) = setup_keys_of(&Circuit::Shard(SHAPE), &mut rng).unwrap();
    // `zkcc setup`'s key from the same seed: one toxic waste, its `H` points
    // on the odd coset (six FFTs); the tuned prover also takes stock's key.
    let odd =
        setup_prover_key_of(&Circuit::Shard(SHAPE), &mut ChaCha20Rng::seed_from_u64(1)).unwrap();
    assert!(odd.vk == pk.vk && odd.is_consistent());
    assert_eq!(odd.reduction().unwrap(), Reduction::OddCoset);
    let tuned = ProverKey::new(pk.clone(), r1cs).unwrap();
    assert_eq!(tuned.reduction().unwrap(), Reduction::Libsnark);
    assert!(tuned.is_consistent());
    // Identity bases are dropped: B has fewer bases than variables.
    assert!(tuned.b_g2.bases.len() < tuned.r1cs.num_variables());
    let pvk = Groth16::<Bn254>::process_vk(&pk.vk).unwrap();
    // A full shard (3 used slots) and one with an unused slot.
    for c in circuits(&fleet(5)) {
        let inputs = c.statement.public_inputs();
        let stock = Groth16::<Bn254>::prove(&pk, c.clone(), &mut rng).unwrap();
        let ours = prove::prove(&tuned, || shard_assignment(&c), &mut rng).unwrap();
        let ours_odd = prove::prove(&odd, || shard_assignment(&c), &mut rng).unwrap();
        assert!(Groth16::<Bn254>::verify_with_processed_vk(&pvk, &inputs, &stock).unwrap());
        // And not for another statement.
        let mut other = inputs.clone();
        other[2] += Fr::from(1u64);
        for p in [&ours, &ours_odd] {
            assert!(Groth16::<Bn254>::verify_with_processed_vk(&pvk, &inputs, p).unwrap());
            assert!(!Groth16::<Bn254>::verify_with_processed_vk(&pvk, &other, p).unwrap());
        }
    }
}

#[test]
fn unsatisfying_witnesses_are_refused_before_proving() {
    let mut rng = ChaCha20Rng::seed_from_u64(2);
    let pk = setup_prover_key_of(&Circuit::Shard(SHAPE), &mut rng).unwrap();
    // A claim that does not hold: refused by the native check.
    let mut c = circuits(&fleet(6)).remove(0);
    c.statement.epoch += 1;
    let err = prove::prove(&pk, || shard_assignment(&c), &mut rng).unwrap_err();
    assert!(matches!(err, ProverError::Claim(_)), "{err}");
    assert_reason(
        &err,
        "the claim does not hold: facility slot 0: attestation is for epoch 7, the statement is for epoch 8",
    );
    // An assignment that breaks one constraint (the native check cannot see
    // it): refused by the matrices, naming the row, before any FFT or MSM.
    let c = circuits(&fleet(6)).remove(0);
    let z = shard_assignment(&c).unwrap();
    assert!(prove::evaluate_checked(&pk, &z).is_ok());
    for k in [pk.r1cs.num_instance as usize, z.len() / 2, z.len() - 1] {
        let mut bad = z.clone();
        bad[k] += Fr::from(1u64);
        match prove::prove_assignment(&pk, &bad, Fr::from(3u64), Fr::from(4u64)) {
            Err(zkcc_engine::EngineError::Unsatisfied(m)) => assert!(m.contains("R1CS row"), "{m}"),
            other => panic!("variable {k}: expected Unsatisfied, got {other:?}"),
        }
    }
    // A wrong-length assignment is refused too.
    assert_reason(
        &prove::prove_assignment(&pk, &z[1..], Fr::from(3u64), Fr::from(4u64)).unwrap_err(),
        &format!(
            "proof system: assignment has {} variables, the circuit {}",
            z.len() - 1,
            z.len()
        ),
    );
}

#[test]
fn prove_many_shares_one_key() {
    let mut rng = ChaCha20Rng::seed_from_u64(3);
    let pk = setup_prover_key_of(&Circuit::Shard(SHAPE), &mut rng).unwrap();
    let pvk = Groth16::<Bn254>::process_vk(&pk.vk).unwrap();
    let mut cs = circuits(&fleet(7));
    let mut bad = cs[0].clone();
    bad.statement.epoch += 1;
    cs.insert(1, bad);
    let proofs = prove::prove_many(&pk, &cs, shard_assignment, &mut rng);
    assert_eq!(proofs.len(), 3);
    match &proofs[1] {
        Err(err) => assert!(matches!(err, ProverError::Claim(_)), "{err}"),
        Ok(_) => panic!("a claim that does not hold was proven"),
    }
    for (c, p) in [(&cs[0], &proofs[0]), (&cs[2], &proofs[2])] {
        assert!(Groth16::<Bn254>::verify_with_processed_vk(
            &pvk,
            &c.statement.public_inputs(),
            p.as_ref().unwrap()
        )
        .unwrap());
    }
}

#[test]
fn parallel_assignment_equals_whole_synthesis() {
    // Full and partly used shards, shards whose chunks' first records are
    // unmarked, a 1×1 shape, and malformed witnesses (an active chip after an
    // inactive one; a marked chip in an unused slot): the values must be
    // those of one whole synthesis, in the same order.
    let mut cases: Vec<ShardCircuit> = circuits(&fleet(12));
    cases.extend(circuits(&fleet(12).with_first_unmarked()));
    let one = ShardShape::new(1, 1);
    let small = Fleet::standard(one, RequestShape::new(9, 1), 3);
    cases.extend(circuits(&small));
    let mut bad = cases[0].clone();
    let w = bad.witness.as_mut().unwrap();
    w.facilities[0].chips[0].active = false;
    w.facilities[1].chips[3].ledger = true;
    cases.push(bad);
    let mut bad = cases[1].clone();
    let w = bad.witness.as_mut().unwrap();
    let last = w.facilities.len() - 1;
    w.facilities[last].chips[0].active = true;
    w.facilities[last].chips[0].ledger = true;
    cases.push(bad);
    for (k, c) in cases.iter().enumerate() {
        assert_eq!(
            witness::shard_assignment(c).unwrap(),
            witness::shard_assignment_by_synthesis(c).unwrap(),
            "case {k}"
        );
    }
}

/// Asserts an error's whole message (variant and fields as the user reads
/// them).
#[track_caller]
fn assert_reason<E: std::fmt::Display + std::fmt::Debug>(err: &E, want: &str) {
    assert_eq!(err.to_string(), want, "{err:?}");
}
