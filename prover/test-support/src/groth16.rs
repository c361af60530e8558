//! A real Groth16 round trip on a claim circuit: the honest proof verifies,
//! and each public input changed in turn fails (every input is bound).
use ark_bn254::{Bn254, Fr};
use ark_groth16::Groth16;
use ark_relations::gr1cs::ConstraintSynthesizer;
use ark_snark::SNARK;
use rand::SeedableRng;

/// Sets up `setup`, proves `prove` (seeded with `seed`), verifies under
/// `inputs`, then asserts that `inputs` with any one value plus one fails.
/// `names` (the claim's public input names, or empty) name a failure.
pub fn round_trip_binds_every_input(
    setup: impl ConstraintSynthesizer<Fr>,
    prove: impl ConstraintSynthesizer<Fr>,
    inputs: &[Fr],
    names: &[&str],
    seed: u64,
) {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let (pk, vk) = Groth16::<Bn254>::circuit_specific_setup(setup, &mut rng).expect("setup");
    let proof = Groth16::<Bn254>::prove(&pk, prove, &mut rng).expect("prove");
    let pvk = Groth16::<Bn254>::process_vk(&vk).expect("process vk");
    let verify = |x: &[Fr]| Groth16::<Bn254>::verify_with_processed_vk(&pvk, x, &proof);
    assert!(verify(inputs).expect("verify"));
    for i in 0..inputs.len() {
        let mut bad = inputs.to_vec();
        bad[i] += Fr::from(1u64);
        let name = names.get(i).map_or(i.to_string(), |n| n.to_string());
        assert!(
            !verify(&bad).expect("verify"),
            "public input {name} changed must fail"
        );
    }
}
