//! The tuned prover against stock `ark-groth16`: same verifying key, same
//! statements; unsatisfied witnesses refused before proving; several
//! statements with one key.
use ark_bn254::{Bn254, Fr};
use ark_groth16::Groth16;
use ark_snark::SNARK;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use zkcc_circuits::cluster::constraints::ClusterCircuit;
use zkcc_circuits::cluster::fixtures::Fixture;
use zkcc_circuits::cluster::ClusterShape;
use zkcc_prover::prove::{self, ProverKey};
use zkcc_prover::{keys, witness_gen, ProverError};

const SHAPE: ClusterShape = ClusterShape {
    chips: 8,
    facilities: 3,
};

fn circuit(f: &Fixture) -> ClusterCircuit {
    ClusterCircuit {
        shape: f.shape,
        statement: f.statement,
        witness: Some(f.witness.clone()),
    }
}

#[test]
fn tuned_and_stock_proofs_verify_under_the_same_key() {
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let (pk, r1cs) = keys::setup_keys(&SHAPE, &mut rng).unwrap();
    let tuned = ProverKey::new(pk.clone(), r1cs).unwrap();
    assert!(tuned.is_consistent());
    // Identity bases are dropped: B has fewer bases than variables.
    assert!(tuned.b_g2.bases.len() < tuned.r1cs.num_variables());
    let pvk = Groth16::<Bn254>::process_vk(&pk.vk).unwrap();
    for groups in [&[3, 2][..], &[]] {
        let f = Fixture::new(SHAPE, groups, 5);
        let inputs = f.statement.public_inputs();
        let stock = Groth16::<Bn254>::prove(&pk, circuit(&f), &mut rng).unwrap();
        let ours = prove::prove(&tuned, circuit(&f), &mut rng).unwrap();
        assert!(Groth16::<Bn254>::verify_with_processed_vk(&pvk, &inputs, &stock).unwrap());
        assert!(
            Groth16::<Bn254>::verify_with_processed_vk(&pvk, &inputs, &ours).unwrap(),
            "groups {groups:?}"
        );
        // And not for another statement.
        let mut other = inputs.clone();
        other[2] += Fr::from(1u64);
        assert!(!Groth16::<Bn254>::verify_with_processed_vk(&pvk, &other, &ours).unwrap());
    }
}

#[test]
fn unsatisfying_witnesses_are_refused_before_proving() {
    let mut rng = ChaCha20Rng::seed_from_u64(2);
    let pk = keys::setup_prover_key(&SHAPE, &mut rng).unwrap();
    // A claim that does not hold: refused by the native check.
    let mut f = Fixture::new(SHAPE, &[3, 2], 6);
    f.statement.cap = 4;
    let err = prove::prove(&pk, circuit(&f), &mut rng).unwrap_err();
    assert!(matches!(err, ProverError::Claim(_)), "{err}");
    assert_reason(
        &err,
        "the claim does not hold: 5 active chips exceed the cap of 4",
    );
    // An assignment that breaks one constraint (the native check cannot see
    // it): refused by the matrices, naming the row, before any FFT or MSM.
    let f = Fixture::new(SHAPE, &[3, 2], 6);
    let z = witness_gen::assignment(&circuit(&f)).unwrap();
    assert!(prove::evaluate_checked(&pk, &z).is_ok());
    for k in [pk.r1cs.num_instance as usize, z.len() / 2, z.len() - 1] {
        let mut bad = z.clone();
        bad[k] += Fr::from(1u64);
        match prove::prove_assignment(&pk, &bad, Fr::from(3u64), Fr::from(4u64)) {
            Err(ProverError::Unsatisfied(m)) => assert!(m.contains("R1CS row"), "{m}"),
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
    let pk = keys::setup_prover_key(&SHAPE, &mut rng).unwrap();
    let pvk = Groth16::<Bn254>::process_vk(&pk.vk).unwrap();
    let fixtures = [
        Fixture::new(SHAPE, &[3, 2], 7),
        Fixture::new(SHAPE, &[5], 8),
        Fixture::new(SHAPE, &[2, 2, 2], 9),
    ];
    let mut bad = Fixture::new(SHAPE, &[4], 10);
    bad.statement.cap = 3;
    let mut circuits: Vec<_> = fixtures.iter().map(circuit).collect();
    circuits.insert(1, circuit(&bad));
    let proofs = prove::prove_many(&pk, circuits, &mut rng);
    assert_eq!(proofs.len(), 4);
    match &proofs[1] {
        Err(err) => assert_reason(
            err,
            "the claim does not hold: 4 active chips exceed the cap of 3",
        ),
        Ok(_) => panic!("a claim that does not hold was proven"),
    }
    for (f, p) in fixtures.iter().zip([&proofs[0], &proofs[2], &proofs[3]]) {
        assert!(Groth16::<Bn254>::verify_with_processed_vk(
            &pvk,
            &f.statement.public_inputs(),
            p.as_ref().unwrap()
        )
        .unwrap());
    }
}

#[test]
fn parallel_assignment_equals_whole_synthesis() {
    // Every fill level, shapes whose chip count does not divide into chunks,
    // and a malformed witness (a chip in a facility slot out of range): the
    // values must be those of one whole synthesis, in the same order.
    let cases: Vec<(ClusterShape, Vec<usize>)> = vec![
        (SHAPE, vec![3, 2]),
        (SHAPE, vec![]),
        (SHAPE, vec![8]),
        (
            ClusterShape {
                chips: 13,
                facilities: 2,
            },
            vec![7, 5],
        ),
        (
            ClusterShape {
                chips: 1,
                facilities: 1,
            },
            vec![1],
        ),
    ];
    for (shape, groups) in cases {
        let f = Fixture::new(shape, &groups, 12);
        let c = circuit(&f);
        assert_eq!(
            witness_gen::assignment(&c).unwrap(),
            witness_gen::assignment_by_synthesis(&c).unwrap(),
            "{shape:?} {groups:?}"
        );
    }
    let mut f = Fixture::new(SHAPE, &[3, 2], 13);
    f.witness.chips[1].facility_slot = 7;
    f.statement.cap = 1;
    let c = circuit(&f);
    assert_eq!(
        witness_gen::assignment(&c).unwrap(),
        witness_gen::assignment_by_synthesis(&c).unwrap()
    );
}

/// Asserts an error's whole message (variant and fields as the user reads
/// them).
#[track_caller]
fn assert_reason<E: std::fmt::Display + std::fmt::Debug>(err: &E, want: &str) {
    assert_eq!(err.to_string(), want, "{err:?}");
}
