//! `cargo run --release -p zkcc-benches --bin samecircuit -- [CIRCUIT] [RUNS] [DIR]`
//! (defaults `shard-8x128 3 target/samecircuit`; CIRCUIT is `shard-FxM` or
//! `request-SxF`)
//!
//! zkcc's prover against snarkjs (`groth16 prove`, from npm: run
//! `verifier/tests/js/install.sh` first) on the same circuit, the same key
//! and the same witness, in one run on one machine:
//!
//! 1. the live circuit CIRCUIT (a full shard, every facility slot holding a
//!    full chunk, or a request: [`crate::LiveCircuit`]), its honest
//!    assignment (native check, then the witness), written as
//!    `DIR/CIRCUIT.wtns` (iden3 witness);
//! 2. an initial `.zkey` for it from random τ, α, β
//!    ([`Zkey::insecure_initial_from_secrets`]: an INSECURE timing fixture,
//!    its maker knows the secrets; a real ceremony's final key has the same
//!    format, sizes and proving cost), written as `DIR/CIRCUIT.zkey`;
//! 3. zkcc reads the `.zkey` once, every point checked (timed), and writes
//!    its own key files from it (`DIR/keys`, as `zkcc ceremony finalize`
//!    does);
//! 4. RUNS times each, alternating: `node snarkjs groth16 prove CIRCUIT.zkey
//!    CIRCUIT.wtns proof.json public.json` (whole process), and zkcc loading
//!    its key files and the same `.wtns` and proving with its tuned prover
//!    (the key's snarkjs `H` points select the odd-coset reduction, 6 FFTs,
//!    as snarkjs does);
//! 5. every proof, snarkjs's and zkcc's, verified against the key's
//!    verifying key and the witness's public inputs (a run whose proof fails
//!    is an error, not a time).
//!
//! DIR defaults to `target/samecircuit`; the files are kept, so any other
//! prover of this file family (`.zkey` + iden3 `.wtns`) can be timed on the
//! very same circuit, key and witness afterwards. For a rapidsnark-style
//! prover (`prover circuit.zkey witness.wtns proof.json public.json`), which
//! this bench does not vendor or build:
//!
//! ```text
//! cd target/samecircuit
//! /usr/bin/time -v prover shard-8x128.zkey shard-8x128.wtns proof.json public.json
//! node ../../verifier/tests/js/node_modules/snarkjs/build/cli.cjs zkey export verificationkey shard-8x128.zkey vk.json
//! node ../../verifier/tests/js/node_modules/snarkjs/build/cli.cjs groth16 verify vk.json public.json proof.json
//! ```
//!
//! (`Elapsed (wall clock)` and `Maximum resident set size` are its time and
//! peak memory; the last two lines check that its proof verifies under the
//! key.)
use crate::{children_cpu_seconds as children_cpu, cpu_seconds as self_cpu, median, LiveCircuit};
use ark_bn254::{Bn254, Fr};
use ark_ff::UniformRand;
use ark_groth16::Groth16;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;
use zkcc_engine::{mem, prove};
use zkcc_prover::ceremony::export;
use zkcc_prover::ceremony::zkey::Zkey;
use zkcc_prover::keys;

fn die(msg: impl std::fmt::Display) -> ! {
    eprintln!("samecircuit: {msg}");
    std::process::exit(1)
}

fn arg<T: std::str::FromStr>(args: &[String], i: usize, default: T) -> T {
    match args.get(i) {
        None => default,
        Some(s) => s
            .parse()
            .unwrap_or_else(|_| die(format!("argument {} ({s:?}) is not a number", i + 1))),
    }
}

/// The snarkjs CLI installed by `verifier/tests/js/install.sh`.
fn snarkjs_cli() -> PathBuf {
    let js =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../verifier/tests/js/node_modules/snarkjs");
    ["build/cli.cjs", "cli.js"]
        .iter()
        .map(|p| js.join(p))
        .find(|p| p.exists())
        .unwrap_or_else(|| die("snarkjs is not installed: run verifier/tests/js/install.sh"))
}

/// The binary's body: parses its arguments and runs.
pub fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let live = LiveCircuit::parse(args.first().map_or("shard-8x128", String::as_str))
        .unwrap_or_else(|e| die(e));
    let runs: usize = arg(&args, 1, 3).max(1);
    let dir = args
        .get(2)
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/samecircuit"));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| die(format!("{}: {e}", dir.display())));
    let cli = snarkjs_cli();

    // 1. Circuit, assignment, .wtns.
    let circ = live.circuit();
    let name = circ.name();
    let z = live.assignment().unwrap_or_else(|e| die(e));
    let r1cs = keys::r1cs_of(&circ).unwrap_or_else(|e| die(e));
    let wtns = dir.join(format!("{name}.wtns"));
    std::fs::write(&wtns, export::wtns_bytes(&z)).unwrap_or_else(|e| die(e));
    let ni = r1cs.num_instance as usize;
    let public = z[1..ni].to_vec();

    // 2. The fixture key.
    let domain = (r1cs.num_constraints() + ni).next_power_of_two().max(2);
    let t = Instant::now();
    let mut rng = rand::thread_rng();
    let (tau, alpha, beta) = crate::random_secrets();
    let fixture =
        Zkey::insecure_initial_from_secrets(&r1cs, domain.trailing_zeros(), tau, alpha, beta)
            .unwrap_or_else(|e| die(e));
    let zkey = dir.join(format!("{name}.zkey"));
    let key_bytes = fixture.to_bytes();
    std::fs::write(&zkey, &key_bytes).unwrap_or_else(|e| die(e));
    drop(fixture);
    println!(
        "{name}: {} constraints, {} variables, domain 2^{}; key {} MB (INSECURE fixture, made in {:.0} s), witness {} MB; {} rayon threads",
        r1cs.num_constraints(),
        r1cs.num_variables(),
        domain.trailing_zeros(),
        key_bytes.len() >> 20,
        t.elapsed().as_secs_f64(),
        (z.len() * 32) >> 20,
        rayon::current_num_threads()
    );
    drop(key_bytes);
    drop(z);

    // 3. zkcc reads the .zkey once (every point checked, as `zkcc ceremony
    //    finalize` does after verifying the transcript) and writes its own
    //    key files, from which an importer proves every time.
    let c0 = self_cpu();
    let t = Instant::now();
    let bytes = std::fs::read(&zkey).unwrap_or_else(|e| die(e));
    let parsed = Zkey::read(&bytes).unwrap_or_else(|e| die(e));
    drop(bytes);
    let pk = export::prover_key(parsed, r1cs.clone()).unwrap_or_else(|e| die(e));
    let import = t.elapsed().as_secs_f64();
    let import_cpu = self_cpu() - c0;
    let keydir = dir.join("keys");
    keys::write_keys(
        &keydir,
        &circ,
        pk,
        "INSECURE fixture of the samecircuit bench",
    )
    .unwrap_or_else(|e| die(e));
    println!(
        "zkcc: .zkey read with every point checked and converted in {import:.2} s ({import_cpu:.1} CPU-s), once; key files in {}",
        keydir.display()
    );

    // 4. Alternating runs.
    let (mut sj, mut sj_cpu, mut zk, mut zk_load, mut zk_prove, mut zk_cpu) =
        (vec![], vec![], vec![], vec![], vec![], vec![]);
    let proof_json = dir.join("proof.json");
    let public_json = dir.join("public.json");
    for run in 0..runs {
        // snarkjs, whole process.
        let _ = std::fs::remove_file(&proof_json);
        let c0 = children_cpu();
        let t = Instant::now();
        let out = Command::new("node")
            .arg(&cli)
            .args(["groth16", "prove"])
            .args([&zkey, &wtns, &proof_json, &public_json])
            .output()
            .unwrap_or_else(|e| die(format!("node: {e}")));
        let wall = t.elapsed().as_secs_f64();
        if !out.status.success() {
            die(format!(
                "snarkjs groth16 prove failed: {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        sj.push(wall);
        sj_cpu.push(children_cpu() - c0);

        // zkcc: its key files and the same .wtns, prove.
        let c0 = self_cpu();
        let t = Instant::now();
        let (pk, _) = keys::load_proving_key_of(&keydir, &circ).unwrap_or_else(|e| die(e));
        let wbytes = std::fs::read(&wtns).unwrap_or_else(|e| die(e));
        let zr = export::read_wtns(&wbytes).unwrap_or_else(|e| die(e));
        let load = t.elapsed().as_secs_f64();
        let t1 = Instant::now();
        let (r, s) = (Fr::rand(&mut rng), Fr::rand(&mut rng));
        let proof = prove::prove_assignment(&pk, &zr, r, s).unwrap_or_else(|e| die(e));
        let p = t1.elapsed().as_secs_f64();
        zk.push(t.elapsed().as_secs_f64());
        zk_load.push(load);
        zk_prove.push(p);
        zk_cpu.push(self_cpu() - c0);

        // 5. Both proofs verified against the key's verifying key.
        let pvk = ark_groth16::prepare_verifying_key(&pk.vk);
        let ok = Groth16::<Bn254>::verify_proof(&pvk, &proof, &public).unwrap_or(false);
        if !ok {
            die(format!("run {run}: zkcc's proof does not verify"));
        }
        let read = |p: &Path| std::fs::read_to_string(p).unwrap_or_else(|e| die(e));
        let sproof = zkcc_verifier::snarkjs::parse_proof(&read(&proof_json))
            .unwrap_or_else(|e| die(format!("snarkjs's proof.json: {e}")));
        let spublic = zkcc_verifier::snarkjs::parse_public(&read(&public_json))
            .unwrap_or_else(|e| die(format!("snarkjs's public.json: {e}")));
        if spublic != public {
            die(format!(
                "run {run}: snarkjs's public inputs are not the witness's"
            ));
        }
        let ok = Groth16::<Bn254>::verify_proof(&pvk, &sproof, &public).unwrap_or(false);
        if !ok {
            die(format!("run {run}: snarkjs's proof does not verify"));
        }
        println!(
            "run {}: snarkjs {:.2} s ({:.1} CPU-s) | zkcc {:.2} s = load key and .wtns {:.2} + prove {:.2} ({:.1} CPU-s) | both proofs verify",
            run + 1,
            wall,
            sj_cpu[run],
            zk[run],
            load,
            p,
            zk_cpu[run]
        );
    }
    let (s, z, zl, zp) = (
        median(sj.clone()),
        median(zk.clone()),
        median(zk_load),
        median(zk_prove),
    );
    println!("\nmedian of {runs} (wall): snarkjs groth16 prove {s:.2} s (whole process)");
    println!("                      zkcc {z:.2} s (load its key files and the .wtns {zl:.2} s, prove {zp:.2} s)");
    println!(
        "ratio: {:.2}x whole process, {:.2}x proving alone against snarkjs's whole process; CPU-s {:.1} vs {:.1}",
        s / z,
        s / zp,
        median(sj_cpu),
        median(zk_cpu)
    );
    println!(
        "zkcc peak resident memory (this process, incl. the fixture key's making): {} MB",
        mem::peak_bytes().unwrap_or(0) >> 20
    );
}
