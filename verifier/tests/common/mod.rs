//! Shared test setup: a development key for the small cluster shape and
//! honest proofs of a few statements. Proving lives only in tests: the
//! verifier crate itself never links the circuits' `r1cs` code.
#![allow(dead_code)]
use ark_bn254::{Bn254, Fr};
use ark_groth16::{Groth16, Proof, ProvingKey, VerifyingKey};
use ark_snark::SNARK;
use rand::rngs::StdRng;
use rand::SeedableRng;
use std::sync::OnceLock;
use zkcc_circuits::cluster::constraints::ClusterCircuit;
use zkcc_circuits::cluster::fixtures::Fixture;
use zkcc_circuits::cluster::{ClusterShape, ClusterStatement};
use zkcc_verifier::batch::BatchItem;
use zkcc_verifier::keys::circuit_id;
use zkcc_verifier::{Expectations, ProofBundle};

/// Small shape: verification cost does not depend on it.
pub const SHAPE: ClusterShape = ClusterShape {
    chips: 4,
    facilities: 1,
};

/// Keys and a few honest statements with their proofs.
pub struct Env {
    /// Proving key.
    pub pk: ProvingKey<Bn254>,
    /// Verifying key.
    pub vk: VerifyingKey<Bn254>,
    /// Honest fixtures (different blindings and nonces).
    pub fixtures: Vec<Fixture>,
    /// One honest proof per fixture.
    pub proofs: Vec<Proof<Bn254>>,
}

/// The shared environment (set up once per test binary).
pub fn env() -> &'static Env {
    static ENV: OnceLock<Env> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut rng = StdRng::seed_from_u64(42);
        let (pk, vk) =
            Groth16::<Bn254>::circuit_specific_setup(ClusterCircuit::for_setup(SHAPE), &mut rng)
                .unwrap();
        let fixtures: Vec<Fixture> = (0..4)
            .map(|i| Fixture::new(SHAPE, &[1 + (i as usize % 3)], 1000 + i))
            .collect();
        let proofs = fixtures.iter().map(|f| prove(&pk, f, &mut rng)).collect();
        Env {
            pk,
            vk,
            fixtures,
            proofs,
        }
    })
}

/// Proves a fixture.
pub fn prove(pk: &ProvingKey<Bn254>, f: &Fixture, rng: &mut StdRng) -> Proof<Bn254> {
    let c = ClusterCircuit {
        shape: f.shape,
        statement: f.statement,
        witness: Some(f.witness.clone()),
    };
    Groth16::<Bn254>::prove(pk, c, rng).unwrap()
}

/// The bundle of fixture `i`.
pub fn bundle(i: usize) -> ProofBundle {
    let e = env();
    ProofBundle::new(
        "ACME-DC",
        circuit_id(&e.vk),
        SHAPE,
        &e.fixtures[i].statement,
        &e.proofs[i],
    )
}

/// What the agency expects for a statement.
pub fn expect(st: &ClusterStatement) -> Expectations {
    Expectations {
        registry_root: st.registry_root,
        epoch: st.epoch,
        nonce: st.nonce,
    }
}

/// `n` valid batch items: the honest proofs, re-randomized (distinct proofs,
/// same statements, same verification cost).
pub fn items(n: usize, rng: &mut StdRng) -> Vec<BatchItem> {
    let e = env();
    (0..n)
        .map(|k| {
            let i = k % e.proofs.len();
            BatchItem {
                inputs: e.fixtures[i].statement.public_inputs(),
                proof: Groth16::<Bn254>::rerandomize_proof(&e.vk, &e.proofs[i], rng),
            }
        })
        .collect()
}

/// An input vector with one coordinate changed.
pub fn bump(inputs: &[Fr], j: usize) -> Vec<Fr> {
    let mut x = inputs.to_vec();
    x[j] += Fr::from(1u64);
    x
}

/// Asserts an error's whole message: its variant (each has its own wording)
/// and every field, as the agency reads them.
#[track_caller]
pub fn assert_reason<E: std::fmt::Display + std::fmt::Debug>(err: &E, want: &str) {
    assert_eq!(err.to_string(), want, "{err:?}");
}
