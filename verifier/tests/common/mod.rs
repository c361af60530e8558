//! Shared test setup: a development key of a small request circuit and
//! honest request proofs of a few statements (the standard fixture fleet,
//! with different blindings). Proving lives only in tests: the verifier crate
//! itself never links the circuits' `r1cs` code. Verification cost does not
//! depend on the circuit's size, only on its public inputs (16 here).
#![allow(dead_code)]
use ark_bn254::{Bn254, Fr};
use ark_groth16::{Groth16, Proof, ProvingKey, VerifyingKey};
use ark_relations::gr1cs::ConstraintSynthesizer;
use ark_snark::SNARK;
use rand::rngs::StdRng;
use rand::SeedableRng;
use std::sync::OnceLock;
use zkcc_circuits::request::constraints::RequestCircuit;
use zkcc_circuits::request::{self, RequestShape, RequestStatement};
use zkcc_circuits::shard::fixtures::{Fleet, IMPORTER};
use zkcc_circuits::shard::ShardShape;
use zkcc_verifier::batch::BatchItem;
use zkcc_verifier::keys::circuit_id;
use zkcc_verifier::submission::RequestBundle;

/// Shard shape of the fixture fleets (their request opens two such shards).
pub const SHARD_SHAPE: ShardShape = ShardShape::new(3, 4);
/// The request circuit's shape.
pub const SHAPE: RequestShape = RequestShape::new(2, 3);
/// Public inputs of the request claim.
pub const N_INPUTS: usize = request::PUBLIC_INPUT_NAMES.len();

/// Keys and a few honest statements with their proofs.
pub struct Env {
    /// Proving key.
    pub pk: ProvingKey<Bn254>,
    /// Verifying key.
    pub vk: VerifyingKey<Bn254>,
    /// Honest fleets (different blindings, hence different statements).
    pub fleets: Vec<Fleet>,
    /// One honest request proof per fleet.
    pub proofs: Vec<Proof<Bn254>>,
}

impl Env {
    /// The request statement of fleet `i`.
    pub fn statement(&self, i: usize) -> RequestStatement {
        self.fleets[i].request.0
    }
}

/// A single-party development key pair of `circuit`.
pub fn setup<C: ConstraintSynthesizer<Fr>>(
    circuit: C,
    rng: &mut StdRng,
) -> (ProvingKey<Bn254>, VerifyingKey<Bn254>) {
    Groth16::<Bn254>::circuit_specific_setup(circuit, rng).unwrap()
}

/// The shared environment (set up once per test binary).
pub fn env() -> &'static Env {
    static ENV: OnceLock<Env> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut rng = StdRng::seed_from_u64(42);
        let (pk, vk) = setup(RequestCircuit::for_setup(SHAPE), &mut rng);
        let fleets: Vec<Fleet> = (0..4)
            .map(|i| Fleet::standard(SHARD_SHAPE, SHAPE, 1000 + i))
            .collect();
        let proofs = fleets.iter().map(|f| prove(&pk, f, &mut rng)).collect();
        Env {
            pk,
            vk,
            fleets,
            proofs,
        }
    })
}

/// Proves a fleet's request (checked natively first).
pub fn prove(pk: &ProvingKey<Bn254>, f: &Fleet, rng: &mut StdRng) -> Proof<Bn254> {
    let (st, w) = &f.request;
    request::check_native(&SHAPE, st, w).unwrap();
    let c = RequestCircuit::with_witness(SHAPE, *st, w.clone());
    Groth16::<Bn254>::prove(pk, c, rng).unwrap()
}

/// The request bundle of fleet `i`.
pub fn bundle(i: usize) -> RequestBundle {
    let e = env();
    RequestBundle::new(
        IMPORTER,
        circuit_id(&e.vk),
        SHAPE,
        &e.statement(i),
        &e.proofs[i],
    )
}

/// `n` valid batch items: the honest proofs, re-randomized (distinct proofs,
/// same statements, same verification cost).
pub fn items(n: usize, rng: &mut StdRng) -> Vec<BatchItem> {
    let e = env();
    (0..n)
        .map(|k| {
            let i = k % e.proofs.len();
            BatchItem {
                inputs: e.statement(i).public_inputs(),
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
