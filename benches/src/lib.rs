//! Shared set-up for the zkcc benches (see `benches/RESULTS.md`).
#![deny(missing_docs)]

use ark_bn254::Fr;
use ark_relations::gr1cs::{
    ConstraintSynthesizer, ConstraintSystem, ConstraintSystemRef, OptimizationGoal, SynthesisMode,
};
use zkcc_circuits::cluster::constraints::ClusterCircuit;
use zkcc_circuits::cluster::fixtures::Fixture;
use zkcc_circuits::cluster::ClusterShape;
use zkcc_circuits::request::{RequestShape, Rules};
use zkcc_circuits::shard::fixtures::{home, registry, Fleet, Plan};
use zkcc_circuits::shard::ShardShape;

/// An honest cluster fixture filling `chips` slots in `facilities` groups.
pub fn full_fixture(chips: usize, facilities: usize) -> Fixture {
    let shape = ClusterShape { chips, facilities };
    let per = chips / facilities;
    let mut groups = vec![per; facilities];
    groups[0] += chips - per * facilities;
    Fixture::new(shape, &groups, 42)
}

/// The witness stage of stock `ark-groth16`: synthesize the circuit with
/// matrices, as `Groth16::prove` does, and finalize.
pub fn stock_constraint_system(c: &ClusterCircuit) -> ConstraintSystemRef<Fr> {
    let cs = ConstraintSystem::<Fr>::new_ref();
    cs.set_optimization_goal(OptimizationGoal::Constraints);
    cs.set_mode(SynthesisMode::Prove {
        construct_matrices: true,
        generate_lc_assignments: false,
    });
    c.clone()
        .generate_constraints(cs.clone())
        .expect("the cluster circuit synthesizes");
    cs.finalize();
    cs
}

/// Seeded MSM scalars: uniform, or (`witness`) the mix of a Groth16
/// witness as measured on the cluster circuit — 13% zero, 6% one, 1% 32-bit,
/// 80% uniform.
pub fn msm_scalars(
    rng: &mut rand_chacha::ChaCha20Rng,
    n: usize,
    witness: bool,
) -> Vec<<Fr as ark_ff::PrimeField>::BigInt> {
    use ark_ff::{PrimeField, UniformRand};
    use rand::Rng;
    (0..n)
        .map(|_| {
            let x = if !witness {
                Fr::rand(rng)
            } else {
                match rng.gen_range(0..100) {
                    0..=12 => Fr::from(0u64),
                    13..=18 => Fr::from(1u64),
                    19 => Fr::from(rng.gen::<u32>()),
                    _ => Fr::rand(rng),
                }
            };
            x.into_bigint()
        })
        .collect()
}

/// Fields of `/proc/self/stat` after the command name, in clock ticks
/// (100 per second on Linux): `i` = the field's number in `proc(5)` − 3.
fn stat_seconds(fields: [usize; 2]) -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit_once(')').map(|x| x.1).unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|x| x.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(fields[0]) + ticks(fields[1])) / 100.0
}

/// CPU seconds of this process so far (user + system, `utime` + `stime`):
/// robust to other processes sharing the cores, which wall time is not.
pub fn cpu_seconds() -> f64 {
    stat_seconds([11, 12])
}

/// CPU seconds of this process's waited-for children (`cutime` + `cstime`).
pub fn children_cpu_seconds() -> f64 {
    stat_seconds([13, 14])
}

/// Median of a non-empty sample.
pub fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

/// A fleet whose first shard fills every facility slot with a full chunk.
pub fn full_fleet(shape: ShardShape, request: RequestShape) -> Fleet {
    let keys: Vec<_> = (0..2u8)
        .map(|i| zkcc_circuits::eddsa::SecretKey::from_seed([i + 1; 32]))
        .collect();
    let reg = registry(&keys);
    let m = shape.slot_chips;
    // Four facilities of the importer, each in F/4 (at least 1) full chunks; 1 in 40 chips unmarked.
    let per = shape.facilities.div_ceil(4) * m;
    let sizes: Vec<(usize, usize, usize)> = (0..4.min(shape.facilities))
        .map(|f| (f, per - per / 40, per / 40))
        .collect();
    let mut plan = Plan::new(&reg, &sizes, m, shape.facilities, 7);
    plan.shards.truncate(1);
    let ledger = plan.ledger(&reg);
    Fleet::build(
        reg,
        keys,
        ledger,
        shape,
        request,
        plan,
        Rules::permissive(home()),
        7,
    )
}
