//! Shared set-up for the zkcc benches (see `benches/RESULTS.md`): the live
//! statement's circuits with honest witnesses ([`LiveCircuit`], from
//! [`full_fleet`]), stock `ark-groth16`'s witness stage, seeded MSM scalars,
//! CPU clocks.
#![deny(missing_docs)]

// The bodies of the bench binaries (`src/bin/*`: one-line `main`s) and of
// the criterion benches (`benches/*`): here, so that the generic code they
// call (circuits, stock and tuned provers, MSMs) is compiled once for all of
// them instead of once per bench target (a release build does not share
// generic instances between crates). Left out of this library's unit-test
// build, which does not call them.
#[cfg(not(test))]
pub mod crit;
#[cfg(not(test))]
pub mod run;

use ark_bn254::Fr;
use ark_ff::PrimeField;
use ark_relations::gr1cs::{
    ConstraintSynthesizer, ConstraintSystem, ConstraintSystemRef, OptimizationGoal, SynthesisError,
    SynthesisMode,
};
use zkcc_circuits::delay::constraints::DelayCircuit;
use zkcc_circuits::delay::{DelayRegistry, DelayStatement, DelayWitness};
use zkcc_circuits::request::constraints::RequestCircuit;
use zkcc_circuits::request::{RequestShape, Rules};
use zkcc_circuits::shard::constraints::ShardCircuit;
use zkcc_circuits::shard::fixtures::{home, registry, Fleet, Plan};
use zkcc_circuits::shard::ShardShape;
use zkcc_prover::keys::Circuit;

/// Chip slots per facility slot of the shard behind a benched request
/// circuit: a request's cost does not depend on it, so the smallest that
/// keeps the fleet cheap to build.
const REQUEST_SLOT_CHIPS: usize = 4;

/// A circuit of the live statement with an honest witness, as the benches
/// prove it: a full shard (`shard-FxM`, every facility slot holding a full
/// chunk: [`full_fleet`]) or a request (`request-SxF`) over the first shard
/// of such a fleet (one opened shard, `S − 1` padding slots: the request's
/// cost is the same for any number of used slots).
#[derive(Clone)]
pub enum LiveCircuit {
    /// A shard circuit.
    Shard(ShardCircuit),
    /// A request circuit.
    Request(RequestCircuit),
    /// A delay circuit (the day's evidence of a full shard: [`full_delay`]).
    Delay(DelayCircuit),
}

impl LiveCircuit {
    /// The honest circuit named `shard-FxM`, `request-SxF` or `delay-FxM`.
    pub fn parse(name: &str) -> Result<Self, String> {
        let c = Circuit::parse(name).map_err(|e| e.to_string())?;
        Self::of(&c)
    }

    /// The honest circuit of a shard or request key name; other claims are
    /// refused.
    pub fn of(c: &Circuit) -> Result<Self, String> {
        match *c {
            Circuit::Shard(shape) => {
                let request = RequestShape::new(1, shape.facilities);
                let f = full_fleet(shape, request);
                let (statement, witness) = f.shards[0].clone();
                Ok(Self::Shard(ShardCircuit::with_witness(
                    shape, statement, witness,
                )))
            }
            Circuit::Request(shape) => {
                let shard = ShardShape::new(shape.entries, REQUEST_SLOT_CHIPS);
                let f = full_fleet(shard, shape);
                let (statement, witness) = f.request;
                Ok(Self::Request(RequestCircuit::with_witness(
                    shape, statement, witness,
                )))
            }
            Circuit::Delay(shape) => {
                let (statement, witness) = full_delay(shape);
                Ok(Self::Delay(DelayCircuit::with_witness(
                    shape, statement, witness,
                )))
            }
            other => Err(format!(
                "{}: the prover benches take shard-FxM, request-SxF or delay-FxM",
                other.name()
            )),
        }
    }

    /// Its key name, `shard-8x128` or `request-16x8`.
    pub fn circuit(&self) -> Circuit {
        match self {
            Self::Shard(c) => Circuit::Shard(c.shape),
            Self::Request(c) => Circuit::Request(c.shape),
            Self::Delay(c) => Circuit::Delay(c.shape),
        }
    }

    /// The native check, then the full assignment, as zkcc proves it (the
    /// shard's in parallel across facility slots).
    pub fn assignment(&self) -> zkcc_prover::Result<Vec<Fr>> {
        match self {
            Self::Shard(c) => zkcc_prover::claims::shard_assignment(c),
            Self::Request(c) => zkcc_prover::claims::request_assignment(c),
            Self::Delay(c) => zkcc_prover::claims::delay_assignment(c),
        }
    }

    /// The statement's public inputs.
    pub fn public_inputs(&self) -> Vec<Fr> {
        match self {
            Self::Shard(c) => c.statement.public_inputs(),
            Self::Request(c) => c.statement.public_inputs(),
            Self::Delay(c) => c.statement.public_inputs(),
        }
    }
}

impl ConstraintSynthesizer<Fr> for LiveCircuit {
    fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
        match self {
            Self::Shard(c) => c.generate_constraints(cs),
            Self::Request(c) => c.generate_constraints(cs),
            Self::Delay(c) => c.generate_constraints(cs),
        }
    }
}

/// The witness stage of stock `ark-groth16`: synthesize the circuit with
/// matrices, as `Groth16::prove` does, and finalize.
pub fn stock_constraint_system<C>(c: &C) -> ConstraintSystemRef<Fr>
where
    C: ConstraintSynthesizer<Fr> + Clone,
{
    let cs = ConstraintSystem::<Fr>::new_ref();
    cs.set_optimization_goal(OptimizationGoal::Constraints);
    cs.set_mode(SynthesisMode::Prove {
        construct_matrices: true,
        generate_lc_assignments: false,
    });
    c.clone()
        .generate_constraints(cs.clone())
        .expect("an honest circuit synthesizes");
    cs.finalize();
    cs
}

/// Shares of an assignment's values by MSM cost: zero, one, other values
/// below 2^32, and wider ones (what [`msm_scalars`] draws from).
pub fn scalar_mix(z: &[Fr]) -> [f64; 4] {
    let mut n = [0usize; 4];
    for x in z {
        let b = x.into_bigint();
        let k = if x == &Fr::from(0u64) {
            0
        } else if x == &Fr::from(1u64) {
            1
        } else if b.0[1..].iter().all(|&l| l == 0) && b.0[0] < 1 << 32 {
            2
        } else {
            3
        };
        n[k] += 1;
    }
    let total = z.len().max(1) as f64;
    n.map(|k| k as f64 / total)
}

/// Seeded MSM scalars: uniform, or (`witness`) a Groth16 witness's mix —
/// 13% zero, 6% one, 1% 32-bit, 80% uniform. That mix was measured on the
/// witness of the retired cluster circuit. `compare` prints the mix of the
/// circuit it runs ([`scalar_mix`]): on `shard-1x8`, 10.4% zero, 5.1% one,
/// 0.3% other below 2^32, 84.1% wider; on `shard-8x128`, to be measured.
pub fn msm_scalars(
    rng: &mut rand_chacha::ChaCha20Rng,
    n: usize,
    witness: bool,
) -> Vec<<Fr as ark_ff::PrimeField>::BigInt> {
    use ark_ff::UniformRand;
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
    let keys = auditor_keys();
    let reg = registry(&keys);
    fill(reg, keys, shape, request)
}

/// The delay statement and witness of [`full_fleet`]'s shard (on the
/// registry with landmarks): every slot holding ledger chips is measured by
/// the first landmark covering its facility, so every slot's evidence is in
/// the circuit, the daily proof's honest worst case.
pub fn full_delay(shape: ShardShape) -> (DelayStatement, DelayWitness) {
    use zkcc_circuits::delay::fixtures::{
        batches_for, evidence_for, landmark_keys, registry_with_landmarks, DAY,
    };
    let keys = auditor_keys();
    let lks = landmark_keys();
    let reg = registry_with_landmarks(&keys, &lks);
    let request = RequestShape::new(1, shape.facilities);
    let f = fill(reg, keys, shape, request);
    let (st, w) = f.shards[0].clone();
    let batches = batches_for(&f.registry, &w);
    (
        DelayStatement {
            importer: st.importer,
            registry_root: st.registry_root,
            epoch: zkcc_circuits::shard::fixtures::EPOCH,
            shard_commitment: st.shard_commitment,
            day: DAY,
        },
        DelayWitness {
            registry: DelayRegistry::of(&f.registry).expect("the registry lists landmarks"),
            evidence: evidence_for(&f.registry, &lks, &w, &batches, DAY),
            shard: w,
        },
    )
}

/// The fixtures' two auditors.
fn auditor_keys() -> Vec<zkcc_circuits::eddsa::SecretKey> {
    (0..2u8)
        .map(|i| zkcc_circuits::eddsa::SecretKey::from_seed([i + 1; 32]))
        .collect()
}

/// A fleet on `reg` whose first shard fills every facility slot.
fn fill(
    reg: zkcc_circuits::registry::Registry,
    keys: Vec<zkcc_circuits::eddsa::SecretKey>,
    shape: ShardShape,
    request: RequestShape,
) -> Fleet {
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Each live circuit's tuned assignment (native check, then the parallel
    /// witness) is the stock synthesis's, satisfies the circuit and opens
    /// with the statement's public inputs; a benched shard is full.
    #[test]
    fn live_circuits_are_honest_and_full() {
        for name in ["shard-2x4", "request-2x1", "delay-2x4"] {
            let live = LiveCircuit::parse(name).unwrap();
            assert_eq!(live.circuit().name(), name);
            let z = live.assignment().unwrap();
            let cs = stock_constraint_system(&live);
            assert!(zkcc_circuits::harness::satisfied(&cs).unwrap(), "{name}");
            let inner = cs.borrow().unwrap();
            let mut stock = inner.instance_assignment().unwrap().to_vec();
            stock.extend_from_slice(inner.witness_assignment().unwrap());
            assert_eq!(z, stock, "{name}");
            let ni = live.public_inputs().len();
            assert_eq!(z[1..=ni], live.public_inputs()[..], "{name}");
            let mix = scalar_mix(&z);
            assert!((mix.iter().sum::<f64>() - 1.0).abs() < 1e-9);
            assert!(
                mix[0] > 0.0 && mix[1] > 0.0 && mix[3] > 0.0,
                "{name}: {mix:?}"
            );
        }
        let LiveCircuit::Shard(c) = LiveCircuit::parse("shard-2x4").unwrap() else {
            panic!("a shard name gives a shard circuit")
        };
        let w = c.witness.unwrap();
        assert_eq!(w.facilities.len(), 2);
        assert!(w
            .facilities
            .iter()
            .all(|f| f.used && f.chips.iter().all(|c| c.active)));
    }

    /// Names of other claims, of the retired cluster claim and malformed
    /// shapes are refused, with a reason.
    #[test]
    fn other_circuits_are_refused() {
        for name in [
            "evaluation-3",
            "jurisdiction-2",
            "cluster-64x8",
            "shard-0x4",
            "shard-8",
        ] {
            let e = LiveCircuit::parse(name).err().expect(name);
            assert!(!e.is_empty(), "{name}");
        }
        assert!(LiveCircuit::parse("evaluation-3")
            .err()
            .unwrap()
            .contains("shard-FxM, request-SxF or delay-FxM"));
    }

    /// The mix counts each value in its one class.
    #[test]
    fn scalar_mix_classes() {
        let z = [
            Fr::from(0u64),
            Fr::from(1u64),
            Fr::from(2u64),
            Fr::from((1u64 << 32) - 1),
            Fr::from(1u64 << 32),
            -Fr::from(1u64),
        ];
        let m = scalar_mix(&z);
        let sixth = 1.0 / 6.0;
        for (got, want) in m.iter().zip([sixth, sixth, 2.0 * sixth, 2.0 * sixth]) {
            assert!((got - want).abs() < 1e-12, "{m:?}");
        }
    }
}

/// Random non-zero `(τ, α, β)` for an insecure timing-fixture key (its maker
/// knows them: never a ceremony).
pub fn random_secrets() -> (Fr, Fr, Fr) {
    let mut rng = rand::thread_rng();
    let mut nonzero = || loop {
        let x = <Fr as ark_std::UniformRand>::rand(&mut rng);
        if x != Fr::from(0u64) {
            return x;
        }
    };
    (nonzero(), nonzero(), nonzero())
}
