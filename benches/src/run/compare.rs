//! `cargo run --release -p zkcc-benches --bin compare -- [CIRCUIT] [RUNS]`
//! (e.g. `compare -- shard-8x128 3`; CIRCUIT is `shard-FxM`, default
//! `shard-8x128`, or `request-SxF`; RUNS defaults to 5)
//!
//! Prints stock `ark-groth16` against zkcc's tuned prover on the same live
//! circuit (a full shard, or a request: [`crate::LiveCircuit`]) and machine,
//! each with its key of one toxic waste (stock's `H` points libsnark's, the
//! tuned key's on the odd coset, as `zkcc setup` and a ceremony make them:
//! [`child_setup`]; a control runs stock's prover on the odd coset too, with
//! the same key in stock's format): setup, whole-proof median of RUNS runs
//! (the three provers interleaved), the time of each
//! prover stage run alone (the tuned witness is the native check and the
//! assignment, the shard's computed in parallel across facility slots), the
//! witness's scalar mix, and peak memory per constraint. Stock, control and
//! tuned proofs alternate in one child process, so that all see the same
//! machine load, in an order that rotates from run to run; setup, one stock proof and one tuned proof each also run in a
//! child process of their own, whose peak resident memory (`VmHWM`, including
//! loading the key) is the peak reported.
use crate::LiveCircuit;
use ark_bn254::{Bn254, Fr, G1Projective, G2Projective};
use ark_ec::VariableBaseMSM;
use ark_ff::PrimeField;
use ark_groth16::r1cs_to_qap::{LibsnarkReduction, R1CSToQAP};
use ark_groth16::{Groth16, ProvingKey};
use ark_poly::GeneralEvaluationDomain;
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize};
use ark_snark::SNARK;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;
use zkcc_engine::mem;
use zkcc_engine::prove::{self, ProverKey, Reduction};
use zkcc_engine::setup::OddCosetReduction;
use zkcc_prover::keys::Circuit;

type Report = BTreeMap<String, f64>;

fn secs(t: Instant) -> f64 {
    t.elapsed().as_secs_f64()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

fn circuit(c: &Circuit) -> LiveCircuit {
    LiveCircuit::of(c).expect("a shard or request circuit")
}

fn emit(r: &Report) {
    for (k, v) in r {
        println!("{k}={v}");
    }
    println!("peak_bytes={}", mem::peak_bytes().unwrap_or(0));
}

/// Two setups from one seed, so one toxic waste: the stock key
/// (`LibsnarkReduction`, `n − 1` `H` points) and the tuned key (`zkcc setup`'s:
/// `n` `H` points on the odd coset, as a ceremony key's), also written in
/// stock's format for the control (stock's prover on the odd coset). One
/// verifying key for all (checked in the race).
fn child_setup(dir: &Path, c: &Circuit) {
    let mut r = Report::new();
    let seed = || ChaCha20Rng::seed_from_u64(1);
    let (pk, _) = zkcc_prover::keys::setup_keys_of(c, &mut seed()).expect("setup");
    let mut bytes = Vec::new();
    pk.serialize_uncompressed(&mut bytes).unwrap();
    std::fs::write(dir.join("stock.pk"), &bytes).unwrap();
    drop((bytes, pk));
    // What `setup_prover_key_of` does, with the stock-format key kept.
    let t = Instant::now();
    let (odd, r1cs) =
        zkcc_prover::keys::setup_keys_with(c, Reduction::OddCoset, &mut seed()).expect("setup");
    let mut setup_s = secs(t);
    let mut bytes = Vec::new();
    odd.serialize_uncompressed(&mut bytes).unwrap();
    std::fs::write(dir.join("stock-odd.pk"), &bytes).unwrap();
    drop(bytes);
    let t = Instant::now();
    let tuned = ProverKey::new(odd, r1cs).expect("prover key");
    setup_s += secs(t);
    r.insert("setup_s".into(), setup_s);
    let r1cs = &tuned.r1cs;
    r.insert("constraints".into(), r1cs.num_constraints() as f64);
    r.insert("variables".into(), r1cs.num_variables() as f64);
    let [a, b, c] = r1cs.nnz();
    r.insert("nnz".into(), (a + b + c) as f64);
    r.insert("bases_b_g2".into(), tuned.b_g2.bases.len() as f64);
    r.insert("bases_a".into(), tuned.a.bases.len() as f64);
    let mut bytes = Vec::new();
    tuned.serialize_uncompressed(&mut bytes).unwrap();
    std::fs::write(dir.join("tuned.pk"), &bytes).unwrap();
    r.insert(
        "stock_key_bytes".into(),
        std::fs::metadata(dir.join("stock.pk")).unwrap().len() as f64,
    );
    r.insert("tuned_key_bytes".into(), bytes.len() as f64);
    emit(&r);
}

/// Both keys are deserialized from a buffered reader (no whole-file copy in
/// memory, as `zkcc`'s own loading does).
fn reader(path: PathBuf) -> std::io::BufReader<std::fs::File> {
    std::io::BufReader::with_capacity(1 << 20, std::fs::File::open(path).unwrap())
}

fn load_stock(dir: &Path) -> ProvingKey<Bn254> {
    ProvingKey::<Bn254>::deserialize_uncompressed_unchecked(reader(dir.join("stock.pk"))).unwrap()
}

fn load_stock_odd(dir: &Path) -> ProvingKey<Bn254> {
    ProvingKey::<Bn254>::deserialize_uncompressed_unchecked(reader(dir.join("stock-odd.pk")))
        .unwrap()
}

fn load_tuned(dir: &Path) -> ProverKey {
    let pk = ProverKey::deserialize_uncompressed_unchecked(reader(dir.join("tuned.pk"))).unwrap();
    assert!(pk.is_consistent());
    pk
}

/// One proof (`prove`) after loading a key (`load`), both timed: the peak
/// memory of proving, and a proof in a fresh process (as `zkcc prove` runs
/// one: nothing freed before it for the allocator to reuse).
fn child_peak<K>(dir: &Path, load: fn(&Path) -> K, prove: impl FnOnce(&K)) {
    let mut r = Report::new();
    let t = Instant::now();
    let pk = load(dir);
    r.insert("load_s".into(), secs(t));
    let t = Instant::now();
    prove(&pk);
    r.insert("fresh_prove_s".into(), secs(t));
    emit(&r);
}

/// One stock proof after loading the stock key: the peak memory of stock proving.
fn child_peak_stock(dir: &Path, circ: &Circuit) {
    child_peak(dir, load_stock, |pk| {
        let c = circuit(circ);
        let mut rng = ChaCha20Rng::seed_from_u64(2);
        let _ = std::hint::black_box(Groth16::<Bn254>::prove(pk, c, &mut rng).unwrap());
    });
}

/// One tuned proof after loading the tuned key: the peak memory of tuned proving.
fn child_peak_tuned(dir: &Path, circ: &Circuit) {
    child_peak(dir, load_tuned, |pk| {
        let c = circuit(circ);
        let mut rng = ChaCha20Rng::seed_from_u64(3);
        let _ = std::hint::black_box(prove::prove(pk, || c.assignment(), &mut rng).unwrap());
    });
}

/// Stock and tuned, interleaved in one process (so that both see the same
/// machine load): whole proofs, then every stage alone.
fn child_race(dir: &Path, circ: &Circuit, runs: usize) {
    let mut r = Report::new();
    let stock = load_stock(dir);
    let stock_odd = load_stock_odd(dir);
    let tuned = load_tuned(dir);
    assert!(stock.vk == tuned.vk, "the two keys have one toxic waste");
    assert!(stock_odd.vk == tuned.vk && stock_odd.h_query == tuned.h);
    assert_eq!(tuned.reduction().unwrap(), Reduction::OddCoset);
    let c = circuit(circ);
    let mut rng = ChaCha20Rng::seed_from_u64(4);
    let (mut ts, mut tso, mut tt, mut outside) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    // The order rotates from run to run (stock, control, tuned; then
    // control, tuned, stock; …): a proof runs measurably slower or faster
    // depending on which prover ran before it, so no prover keeps one place.
    // A first round is untimed: the process's first proof runs on memory
    // never touched before (stock's took 19.8 s where the next took 15.6 s;
    // a fresh process's proof is timed apart, in `child_peak`).
    for run in 0..=runs {
        let timed = run > 0;
        for k in 0..3 {
            let (ts, tso, tt, outside) = if timed {
                (&mut ts, &mut tso, &mut tt, &mut outside)
            } else {
                (
                    &mut Vec::new(),
                    &mut Vec::new(),
                    &mut Vec::new(),
                    &mut Vec::new(),
                )
            };
            match (run + k) % 3 {
                0 => {
                    let t = Instant::now();
                    let p = Groth16::<Bn254>::prove(&stock, c.clone(), &mut rng).unwrap();
                    ts.push(secs(t));
                    let _ = std::hint::black_box(p);
                }
                1 => {
                    // The control: stock's prover with the tuned key's `H` form.
                    let t = Instant::now();
                    let p =
                        Groth16::<Bn254, OddCosetReduction>::create_random_proof_with_reduction(
                            c.clone(),
                            &stock_odd,
                            &mut rng,
                        )
                        .unwrap();
                    tso.push(secs(t));
                    let _ = std::hint::black_box(p);
                }
                _ => {
                    let t = Instant::now();
                    let (proof, tm) =
                        prove::prove_timed(&tuned, || c.assignment(), &mut rng).unwrap();
                    let total = secs(t);
                    tt.push(total);
                    outside.push((tm.witness + tm.check).as_secs_f64() / total);
                    let _ = std::hint::black_box(proof);
                }
            }
        }
    }
    r.insert("stock.prove_s".into(), median(ts));
    r.insert("stock_odd_prove_s".into(), median(tso));
    r.insert("tuned.prove_s".into(), median(tt));
    r.insert("tuned.outside_msm_fft_share".into(), median(outside));

    // Stages. Stock: as ark-groth16 runs them.
    let t = Instant::now();
    let cs = crate::stock_constraint_system(&c);
    r.insert("stock.stage_witness_s".into(), secs(t));
    let t = Instant::now();
    let z = c.assignment().unwrap();
    r.insert("tuned.stage_witness_s".into(), secs(t));
    let [zero, one, small, wide] = crate::scalar_mix(&z);
    r.insert("mix_zero".into(), zero);
    r.insert("mix_one".into(), one);
    r.insert("mix_small".into(), small);
    r.insert("mix_wide".into(), wide);
    let t = Instant::now();
    let (a, b) = prove::evaluate_checked(&tuned, &z).unwrap();
    r.insert("tuned.stage_check_s".into(), secs(t));
    let t = Instant::now();
    let h_stock =
        LibsnarkReduction::witness_map::<Fr, GeneralEvaluationDomain<Fr>>(cs.clone()).unwrap();
    r.insert("stock.stage_fft_s".into(), secs(t));
    // A control: stock's prover with the odd coset's reduction (what it
    // would do with the tuned key's `H` form): six FFTs.
    let t = Instant::now();
    let h_stock_odd =
        OddCosetReduction::witness_map::<Fr, GeneralEvaluationDomain<Fr>>(cs.clone()).unwrap();
    r.insert("stock.stage_fft_odd_s".into(), secs(t));
    drop(cs);
    // The same quotient as stock's, under stock's reduction (untimed)...
    let h_lib = prove::quotient_with(&tuned, Reduction::Libsnark, a.clone(), b.clone()).unwrap();
    r.insert("same_quotient".into(), (h_stock == h_lib) as u8 as f64);
    // Stock's H MSM takes stock's own scalars.
    let hb_stock: Vec<_> = h_stock.iter().map(|x| x.into_bigint()).collect();
    drop((h_stock, h_lib));
    // ...and the tuned key's own, timed: six FFTs.
    let t = Instant::now();
    let h = prove::quotient(&tuned, a, b).unwrap();
    r.insert("tuned.stage_fft_s".into(), secs(t));
    r.insert("same_quotient_odd".into(), (h_stock_odd == h) as u8 as f64);
    drop(h_stock_odd);
    let zb: Vec<_> = z.iter().map(|x| x.into_bigint()).collect();
    let hb: Vec<_> = h.iter().map(|x| x.into_bigint()).collect();
    let ni = stock.vk.gamma_abc_g1.len();
    let mut time = |k: &str, f: &mut dyn FnMut()| {
        let t = Instant::now();
        f();
        r.insert(k.into(), secs(t));
    };
    time("stock.stage_msm_a_s", &mut || {
        let _ = std::hint::black_box(G1Projective::msm_bigint(&stock.a_query[1..], &zb[1..]));
    });
    time("tuned.stage_msm_a_s", &mut || {
        let _ = std::hint::black_box(tuned.a.msm(&zb));
    });
    time("stock.stage_msm_b1_s", &mut || {
        let _ = std::hint::black_box(G1Projective::msm_bigint(&stock.b_g1_query[1..], &zb[1..]));
    });
    time("tuned.stage_msm_b1_s", &mut || {
        let _ = std::hint::black_box(tuned.b_g1.msm(&zb));
    });
    time("stock.stage_msm_b2_s", &mut || {
        let _ = std::hint::black_box(G2Projective::msm_bigint(&stock.b_g2_query[1..], &zb[1..]));
    });
    time("tuned.stage_msm_b2_s", &mut || {
        let _ = std::hint::black_box(tuned.b_g2.msm(&zb));
    });
    time("stock.stage_msm_l_s", &mut || {
        let _ = std::hint::black_box(G1Projective::msm_bigint(&stock.l_query, &zb[ni..]));
    });
    time("tuned.stage_msm_l_s", &mut || {
        let _ = std::hint::black_box(tuned.l.msm(&zb));
    });
    time("stock.stage_msm_h_s", &mut || {
        let _ = std::hint::black_box(G1Projective::msm_bigint(&stock.h_query, &hb_stock));
    });
    time("tuned.stage_msm_h_s", &mut || {
        let _ = std::hint::black_box(zkcc_engine::msm::msm(&tuned.h, &hb));
    });
    emit(&r);
}

fn run_child(exe: &Path, role: &str, dir: &Path, c: &Circuit, runs: usize) -> Report {
    let out = Command::new(exe)
        .args([
            "--child",
            role,
            &dir.display().to_string(),
            &c.name(),
            &runs.to_string(),
        ])
        .output()
        .expect("spawn child");
    if !out.status.success() {
        eprintln!("{}", String::from_utf8_lossy(&out.stderr));
        panic!("child {role} failed");
    }
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_once('='))
        .filter_map(|(k, v)| Some((k.to_string(), v.parse().ok()?)))
        .collect()
}

/// The binary's body: parses its arguments and runs.
pub fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--child") {
        let dir = PathBuf::from(&args[3]);
        let c = Circuit::parse(&args[4]).unwrap();
        let runs: usize = args[5].parse().unwrap();
        match args[2].as_str() {
            "setup" => child_setup(&dir, &c),
            "peak-stock" => child_peak_stock(&dir, &c),
            "peak-tuned" => child_peak_tuned(&dir, &c),
            "race" => child_race(&dir, &c, runs),
            other => panic!("unknown role {other}"),
        }
        return;
    }
    let name = args.get(1).map_or("shard-8x128", String::as_str);
    let c = match LiveCircuit::parse(name) {
        Ok(live) => live.circuit(),
        Err(e) => {
            eprintln!("compare: {e}\nusage: compare [shard-FxM | request-SxF] [RUNS]");
            std::process::exit(2)
        }
    };
    let runs: usize = match args.get(2).map(|s| s.parse::<usize>()) {
        None => 5,
        Some(Ok(n)) if n > 0 => n,
        Some(_) => {
            eprintln!("compare: RUNS must be a positive number");
            std::process::exit(2)
        }
    };
    let exe = std::env::current_exe().unwrap();
    let dir = std::env::temp_dir().join(format!("zkcc-compare-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let setup = run_child(&exe, "setup", &dir, &c, runs);
    let peak_stock = run_child(&exe, "peak-stock", &dir, &c, runs);
    let peak_tuned = run_child(&exe, "peak-tuned", &dir, &c, runs);
    let race = run_child(&exe, "race", &dir, &c, runs);
    let pick = |prefix: &str, peak: &Report| -> Report {
        let mut m: Report = race
            .iter()
            .filter_map(|(k, v)| Some((k.strip_prefix(prefix)?.to_string(), *v)))
            .collect();
        m.insert("load_s".into(), peak["load_s"]);
        m.insert("fresh_prove_s".into(), peak["fresh_prove_s"]);
        m.insert("peak_bytes".into(), peak["peak_bytes"]);
        m
    };
    let (stock, tuned) = (pick("stock.", &peak_stock), pick("tuned.", &peak_tuned));
    let _ = std::fs::remove_dir_all(&dir);

    let n = setup["constraints"];
    let threads = rayon::current_num_threads();
    println!(
        "{}: {n} constraints, {} variables, {} non-zeros in A, B, C; {threads} threads",
        c.name(),
        setup["variables"],
        setup["nnz"]
    );
    println!(
        "setup: {:.1} s, peak {} ({:.2} KB/constraint); key files: stock {}, tuned {}",
        setup["setup_s"],
        mem::human(setup["peak_bytes"] as u64),
        setup["peak_bytes"] / n / 1e3,
        mem::human(setup["stock_key_bytes"] as u64),
        mem::human(setup["tuned_key_bytes"] as u64)
    );
    println!();
    println!(
        "{:<34} {:>10} {:>10} {:>8}",
        "stage (each run alone)", "stock s", "tuned s", "ratio"
    );
    let row = |label: &str, k: &str| {
        let (s, t) = (
            stock.get(k).copied().unwrap_or(0.0),
            tuned.get(k).copied().unwrap_or(0.0),
        );
        let ratio = if s > 0.0 && t > 0.0 {
            format!("{:.2}x", s / t)
        } else {
            "-".into()
        };
        println!("{label:<34} {s:>10.3} {t:>10.3} {ratio:>8}");
    };
    row("load key", "load_s");
    row("witness (stock: synthesis+matrices)", "stage_witness_s");
    row("R1CS check (tuned only)", "stage_check_s");
    row("h: 7 FFTs (stock), 6 (tuned)", "stage_fft_s");
    {
        let (s, t) = (stock["stage_fft_odd_s"], tuned["stage_fft_s"]);
        let label = "h: stock on the odd coset, 6 FFTs";
        println!("{label:<34} {s:>10.3} {t:>10.3} {:>7.2}x", s / t);
    }
    row("MSM A (G1)", "stage_msm_a_s");
    row("MSM B (G1)", "stage_msm_b1_s");
    row("MSM B (G2)", "stage_msm_b2_s");
    row("MSM L (G1)", "stage_msm_l_s");
    row("MSM H (G1)", "stage_msm_h_s");
    println!();
    println!(
        "{:<34} {:>10} {:>10} {:>8}",
        format!("prove, median of {runs}"),
        "stock s",
        "tuned s",
        "speed-up"
    );
    println!(
        "{:<34} {:>10.3} {:>10.3} {:>7.2}x",
        "whole proof",
        stock["prove_s"],
        tuned["prove_s"],
        stock["prove_s"] / tuned["prove_s"]
    );
    // The control, interleaved with the two: stock's prover on the odd
    // coset (the tuned key's `H` form, six FFTs).
    let stock_odd = race["stock_odd_prove_s"];
    println!(
        "{:<34} {:>10.3} {:>10.3} {:>7.2}x",
        "stock on the odd coset (control)",
        stock_odd,
        tuned["prove_s"],
        stock_odd / tuned["prove_s"]
    );
    println!(
        "{:<34} {:>10.3} {:>10.3} {:>7.2}x",
        "one proof in a fresh process",
        stock["fresh_prove_s"],
        tuned["fresh_prove_s"],
        stock["fresh_prove_s"] / tuned["fresh_prove_s"]
    );
    let yes = |k: &str| {
        if race.get(k) == Some(&1.0) {
            "yes"
        } else {
            "NO"
        }
    };
    println!(
        "quotient h identical in stock and tuned: libsnark's reduction {}, the odd coset's {}",
        yes("same_quotient"),
        yes("same_quotient_odd")
    );
    println!(
        "tuned: witness + check = {:.1}% of the proof (the rest is FFTs and MSMs)",
        100.0 * tuned["outside_msm_fft_share"]
    );
    println!(
        "witness scalar mix: {:.1}% zero, {:.1}% one, {:.1}% other < 2^32, {:.1}% wider",
        100.0 * race["mix_zero"],
        100.0 * race["mix_one"],
        100.0 * race["mix_small"],
        100.0 * race["mix_wide"]
    );
    println!("peak memory while proving (incl. the key): stock {} = {:.2} KB/constraint, tuned {} = {:.2} KB/constraint",
        mem::human(stock["peak_bytes"] as u64), stock["peak_bytes"] / n / 1e3, mem::human(tuned["peak_bytes"] as u64), tuned["peak_bytes"] / n / 1e3);
}
