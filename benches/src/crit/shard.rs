//! Criterion benches of the live statement's provers, IDs
//! `<stage>/<claim>/<capacity>` (`prove/shard/8x128`, `witness/request/16x8`).
//!
//! For each shard shape `FxM` (default `8x8`; `ZKCC_BENCH_SHARDS=8x128,16x128`
//! for others) and each request shape `SxF` (default `16x8`;
//! `ZKCC_BENCH_REQUESTS=16x8,64x8`, empty for none), the honest circuit of
//! [`crate::LiveCircuit`] (a full shard: every facility slot holds a
//! full chunk), one criterion group per stage, each holding zkcc's tuned code
//! as `<stage>/<claim>/<capacity>` and stock arkworks on the same circuit and
//! key as `<stage>/<claim>/<capacity>-stock`, so every ratio comes from one
//! run (`sample_size(10)`):
//! * `prove`: the whole proof, `prove::prove` (native check, the parallel
//!   witness, matrices check, FFTs, MSMs) against `Groth16::prove`;
//! * the stages alone —
//!   `witness` (tuned: native check + assignment, the shard's computed in
//!   parallel across facility slots; stock: synthesis with matrices and
//!   finalize), `check` (tuned: `A·z`, `B·z` against `C·z`), `fft` (the
//!   quotient `h`: stock's `witness_map` including the matrix products,
//!   tuned's six on its odd-coset key), and `msm-a`, `msm-b1`, `msm-b2`, `msm-l`, `msm-h`
//!   (tuned: `zkcc_engine::msm`, stock: `ark-ec`'s `msm_bigint` on the full
//!   queries, as `ark-groth16` calls it);
//! * `setup/<claim>/<capacity>` (matrices and Groth16 keys), only for circuits
//!   of at most `ZKCC_BENCH_SETUP_MAX` constraints (default 150,000: setup of
//!   `shard-8x128` takes minutes per sample);
//! * `verify/<claim>/<capacity>`.
//!
//! Run: `cargo bench -p zkcc-benches --bench shard`. (Under `cargo test
//! --benches` each function runs once, on `shard-1x8` and `request-2x1`.) The
//! stock-vs-tuned table with peak memory:
//! `cargo run --release -p zkcc-benches --bin compare -- shard-8x128`.
use crate::{stock_constraint_system, LiveCircuit};
use ark_bn254::{Bn254, Fr, G1Projective, G2Projective};
use ark_ec::VariableBaseMSM;
use ark_ff::PrimeField;
use ark_groth16::r1cs_to_qap::{LibsnarkReduction, R1CSToQAP};
use ark_groth16::Groth16;
use ark_poly::GeneralEvaluationDomain;
use ark_snark::SNARK;
use criterion::{BenchmarkId, Criterion};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use std::time::Duration;
use zkcc_engine::prove::{self, Reduction};

/// A comma-separated list from the environment (an empty variable is an
/// empty list), else `default`.
fn env_list(name: &str, default: &[&str]) -> Vec<String> {
    match std::env::var(name) {
        Ok(s) => s
            .split(',')
            .map(|x| x.trim().to_string())
            .filter(|x| !x.is_empty())
            .collect(),
        Err(_) => default.iter().map(|s| s.to_string()).collect(),
    }
}

/// One stage's group: the tuned routine beside the stock one, under the
/// circuit's `(tuned, stock)` ids.
fn pair<T, S>(
    c: &mut Criterion,
    stage: &str,
    ids: &(BenchmarkId, BenchmarkId),
    mut tuned: impl FnMut() -> T,
    mut stock: impl FnMut() -> S,
) {
    let mut g = group(c, stage);
    g.bench_function(ids.0.clone(), |bch| bch.iter(&mut tuned));
    g.bench_function(ids.1.clone(), |bch| bch.iter(&mut stock));
    g.finish();
}

fn group<'a>(
    c: &'a mut Criterion,
    name: &str,
) -> criterion::BenchmarkGroup<'a, criterion::measurement::WallTime> {
    let mut g = c.benchmark_group(name.to_string());
    g.sample_size(10).warm_up_time(Duration::from_secs(1));
    g
}

/// The benches of this group (see the module docs).
pub fn bench(c: &mut Criterion) {
    // As `zkcc prove` runs (see `zkcc_prover::logging`).
    zkcc_prover::logging::init();
    // `cargo test --benches` runs this binary without `--bench`: criterion
    // then runs every function once; small circuits keep that fast.
    let bench_mode = std::env::args().any(|a| a == "--bench");
    let shards = env_list(
        "ZKCC_BENCH_SHARDS",
        if bench_mode { &["8x8"] } else { &["1x8"] },
    );
    let requests = env_list(
        "ZKCC_BENCH_REQUESTS",
        if bench_mode { &["16x8"] } else { &["2x1"] },
    );
    let setup_max: usize = std::env::var("ZKCC_BENCH_SETUP_MAX")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(150_000);
    let names = shards
        .iter()
        .map(|s| format!("shard-{s}"))
        .chain(requests.iter().map(|s| format!("request-{s}")));
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    for name in names {
        let live = LiveCircuit::parse(&name).unwrap_or_else(|e| panic!("{name}: {e}"));
        let circuit = live.circuit();
        // Stock's key and the tuned one (`H` on the odd coset), from one
        // toxic waste (one seed).
        let mut again = rng.clone();
        let (pk, _) = zkcc_prover::keys::setup_keys_of(&circuit, &mut rng).unwrap();
        let tuned = zkcc_prover::keys::setup_prover_key_of(&circuit, &mut again).unwrap();
        assert!(tuned.vk == pk.vk);
        let constraints = tuned.r1cs.num_constraints();
        let tuned_id = BenchmarkId::new(circuit.claim(), circuit.shape_name());
        let stock_id = BenchmarkId::new(circuit.claim(), format!("{}-stock", circuit.shape_name()));

        let mut g = group(c, "prove");
        g.bench_function(tuned_id.clone(), |b| {
            b.iter(|| prove::prove(&tuned, || live.assignment(), &mut rng).unwrap())
        });
        g.bench_function(stock_id.clone(), |b| {
            b.iter(|| Groth16::<Bn254>::prove(&pk, live.clone(), &mut rng).unwrap())
        });
        g.finish();

        // Inputs of the stages, computed once.
        let z = live.assignment().unwrap();
        let zb: Vec<_> = z.iter().map(|x| x.into_bigint()).collect();
        let (a, b) = prove::evaluate_checked(&tuned, &z).unwrap();
        let h = prove::quotient(&tuned, a.clone(), b.clone()).unwrap();
        let hb: Vec<_> = h.iter().map(|x| x.into_bigint()).collect();
        // Stock's H MSM takes stock's own scalars (libsnark's quotient).
        let hb_stock: Vec<_> =
            prove::quotient_with(&tuned, Reduction::Libsnark, a.clone(), b.clone())
                .unwrap()
                .iter()
                .map(|x| x.into_bigint())
                .collect();
        let ni = pk.vk.gamma_abc_g1.len();
        let cs = stock_constraint_system(&live);

        let ids = (tuned_id.clone(), stock_id.clone());
        pair(
            c,
            "witness",
            &ids,
            || live.assignment().unwrap(),
            || stock_constraint_system(&live),
        );
        let mut g = group(c, "check");
        g.bench_function(tuned_id.clone(), |bch| {
            bch.iter(|| prove::evaluate_checked(&tuned, &z).unwrap())
        });
        g.finish();
        pair(
            c,
            "fft",
            &ids,
            || prove::quotient(&tuned, a.clone(), b.clone()).unwrap(),
            || {
                LibsnarkReduction::witness_map::<Fr, GeneralEvaluationDomain<Fr>>(cs.clone())
                    .unwrap()
            },
        );
        // The G1 bases of the proving key, tuned beside stock, with the
        // scalars each takes.
        let g1 = [
            ("msm-a", &tuned.a, &pk.a_query[1..], &zb[1..]),
            ("msm-b1", &tuned.b_g1, &pk.b_g1_query[1..], &zb[1..]),
            ("msm-l", &tuned.l, &pk.l_query[..], &zb[ni..]),
        ];
        for (stage, bases, stock, scalars) in g1 {
            pair(
                c,
                stage,
                &ids,
                || bases.msm(&zb),
                || G1Projective::msm_bigint(stock, scalars),
            );
        }
        pair(
            c,
            "msm-b2",
            &ids,
            || tuned.b_g2.msm(&zb),
            || G2Projective::msm_bigint(&pk.b_g2_query[1..], &zb[1..]),
        );
        pair(
            c,
            "msm-h",
            &ids,
            || zkcc_engine::msm::msm(&tuned.h, &hb),
            || G1Projective::msm_bigint(&pk.h_query, &hb_stock),
        );
        drop(cs);

        if constraints <= setup_max {
            let mut g = group(c, "setup");
            g.bench_function(tuned_id.clone(), |bch| {
                bch.iter(|| zkcc_prover::keys::setup_prover_key_of(&circuit, &mut rng).unwrap())
            });
            g.finish();
        }

        let proof = prove::prove(&tuned, || live.assignment(), &mut rng).unwrap();
        let inputs = live.public_inputs();
        let pvk = Groth16::<Bn254>::process_vk(&pk.vk).unwrap();
        let mut g = c.benchmark_group("verify");
        g.bench_function(tuned_id, |bch| {
            bch.iter(|| {
                assert!(Groth16::<Bn254>::verify_with_processed_vk(&pvk, &inputs, &proof).unwrap())
            })
        });
        g.finish();
    }
}
