//! `zkcc demo`: every role, end to end, on the built-in sample, with a report.
use crate::error::{write_json, Result};
use crate::inventory::InventoryFile;
use crate::keys::{load_proving_key, load_verifying_key, setup, KeyPaths};
use crate::{attest::attest, circuit_for, commit, prove_bundle, sample, Request};
use ark_bn254::Fr;
use ark_std::UniformRand;
use indicatif::{ProgressBar, ProgressStyle};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use std::collections::BTreeSet;
use std::path::Path;
use std::time::{Duration, Instant};
use zkcc_circuits::cluster::{self, ClusterShape};
use zkcc_circuits::encoding::fr_to_hex;
use zkcc_circuits::registry::Registry;
use zkcc_verifier::{verify_bundle, Expectations};

/// Runs `f` under a spinner labelled `msg`; returns its result and duration.
pub fn timed<T>(msg: &str, f: impl FnOnce() -> T) -> (T, Duration) {
    let pb = ProgressBar::new_spinner();
    pb.set_style(
        ProgressStyle::with_template("{spinner} {msg} [{elapsed}]").expect("valid template"),
    );
    pb.set_message(msg.to_string());
    pb.enable_steady_tick(Duration::from_millis(120));
    let t = Instant::now();
    let out = f();
    let d = t.elapsed();
    pb.finish_and_clear();
    (out, d)
}

/// Constraint cost model of the cluster circuit, from
/// [`zkcc_circuits::cluster::cost`] (whose formula a test checks against
/// synthesis): `total = fixed + F·per_facility + N·per_chip`.
#[derive(Clone, Copy, Debug)]
pub struct CostModel {
    /// Constraints independent of the shape.
    pub fixed: usize,
    /// Constraints per facility slot.
    pub per_facility: usize,
    /// Constraints per chip slot at this facility count.
    pub per_chip: usize,
    /// Extra constraints per chip for each further facility slot.
    pub per_chip_per_facility: usize,
}

/// The cost model of the cluster circuit at `shape`.
pub fn cost_model(shape: &ClusterShape) -> CostModel {
    let per_facility = cluster::COST_PER_FACILITY;
    let per_chip = cluster::cost_per_chip(shape.facilities);
    CostModel {
        fixed: cluster::cost(shape) - shape.facilities * per_facility - shape.chips * per_chip,
        per_facility,
        per_chip,
        per_chip_per_facility: cluster::COST_PER_CHIP_PER_FACILITY,
    }
}

fn secs(d: Duration) -> String {
    if d.as_secs_f64() >= 1.0 {
        format!("{:.1} s", d.as_secs_f64())
    } else {
        format!("{:.1} ms", d.as_secs_f64() * 1e3)
    }
}

fn short(x: &str) -> String {
    format!("{}…{}", &x[..10], &x[x.len() - 6..])
}

/// Runs the demo in `dir` and prints the report. Returns an error on any
/// failure, including a verification that should have rejected and did not.
pub fn run(dir: &Path, shape: ClusterShape, seed: u64) -> Result<()> {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    println!(
        "zkcc demo: the cluster claim on the built-in sample (working directory {})\n",
        dir.display()
    );

    // Agency and auditors: the sample registry and keys; importer: the inventory.
    let s = sample::generate(seed);
    write_json(&dir.join("registry.json"), &s.registry)?;
    for k in &s.auditor_keys {
        write_json(&dir.join("auditors").join(format!("{}.key.json", k.id)), k)?;
    }
    let registry = Registry::from_file(s.registry.clone())?;
    let mut inv: InventoryFile = s.inventory;
    let countries: BTreeSet<&str> = s
        .registry
        .facilities
        .iter()
        .map(|f| f.country.as_str())
        .collect();
    println!("1. agency    publishes the registry: {} authorized facilities in {} countries, {} accredited auditors,",
        s.registry.facilities.len(), countries.len(), s.registry.auditors.len());
    println!(
        "             {} chip models, policy version {}; root {}",
        s.registry.chip_models.len(),
        s.registry.policy_version,
        short(&fr_to_hex(&registry.root))
    );

    // Auditors sign one attestation per facility and epoch.
    let mut signed = Vec::new();
    for k in &s.auditor_keys {
        let f = attest(&registry, &mut inv, k, None)?;
        if !f.is_empty() {
            signed.push(format!("{} signed {}", k.id, f.join(", ")));
        }
    }
    write_json(&dir.join("inventory.json"), &inv)?;
    println!("2. auditors  measure {} chips in {} facilities and sign one attestation per facility for epoch {}:",
        inv.chips.len(), inv.attestations.len(), inv.epoch);
    for line in &signed {
        println!("             {line}");
    }

    // Importer commits.
    let secret = commit(&registry, &inv, &mut rng)?;
    write_json(&dir.join("commitment.secret.json"), &secret)?;
    println!(
        "3. importer  commits to the inventory: C = {}",
        short(&secret.commitment)
    );

    // Setup.
    let keys_dir = dir.join("keys");
    let cost = cost_model(&shape);
    crate::mem::reset_peak();
    let (manifest, t_setup) = timed(&format!("setup of cluster-{}", shape.name()), || {
        setup(&keys_dir, &shape, &mut rng)
    });
    let manifest = manifest?;
    let peak_setup = crate::mem::peak_bytes();
    println!("4. setup     cluster-{}: {} constraints = {} fixed + {} facility slots × {} + {} chip slots × {}",
        shape.name(), manifest.constraints, cost.fixed, shape.facilities, cost.per_facility, shape.chips, cost.per_chip);
    println!("             ({} per chip includes {} per facility slot for selecting the chip's facility); {} (single-party, development only)",
        cost.per_chip, cost.per_chip_per_facility, secs(t_setup));

    // The agency's request and the proof.
    let nonce = Fr::rand(&mut rng);
    let cap = inv.chips.len() as u64;
    let req = Request { cap, nonce };
    crate::mem::reset_peak();
    let (loaded, t_load) = timed("loading the proving key", || {
        load_proving_key(&keys_dir, &shape)
    });
    let (pk, _) = loaded?;
    let circuit = circuit_for(&shape, &registry, &inv, &secret, &req)?;
    let (bundle, t_prove) = timed("proving", || {
        prove_bundle(&pk, circuit, &inv.importer, &mut rng)
    });
    let bundle = bundle?;
    let peak_prove = crate::mem::peak_bytes();
    std::fs::write(dir.join("bundle.json"), bundle.to_json()).map_err(|source| {
        crate::ProverError::Io {
            path: "bundle.json".into(),
            source,
        }
    })?;
    println!("5. importer  proves \"at most {cap} chips, all attested inside authorized facilities\" for nonce {}: {}",
        short(&fr_to_hex(&nonce)), secs(t_prove));

    // Agency verifies, with its own registry, epoch and nonce.
    let vk = load_verifying_key(&keys_dir, &shape)?;
    let expect = Expectations {
        registry_root: registry.root,
        epoch: inv.epoch,
        nonce,
    };
    let (claim, t_verify) = timed("verifying", || verify_bundle(&vk, &bundle, &expect));
    let claim = claim?;
    println!(
        "6. agency    verifies the bundle: ACCEPTED in {} — {} runs at most {} chips, epoch {}",
        secs(t_verify),
        claim.importer,
        claim.statement.cap,
        claim.statement.epoch
    );

    // What cannot be done.
    println!("\nChecks that must fail:");
    let tight = Request {
        cap: cap - 1,
        nonce,
    };
    match circuit_for(&shape, &registry, &inv, &secret, &tight)
        .and_then(|c| prove_bundle(&pk, c, &inv.importer, &mut rng))
    {
        Err(e) => println!(
            "  - prover asked for cap {}: refused before proving ({e})",
            cap - 1
        ),
        Ok(_) => {
            return Err(crate::ProverError::Backend(
                "a proof for cap − 1 was produced".into(),
            ))
        }
    }
    let mut forged = bundle.clone();
    forged.public_inputs.cap = cap + 1000;
    match verify_bundle(&vk, &forged, &expect) {
        Err(e) => println!(
            "  - bundle edited to claim cap {}: rejected ({e})",
            cap + 1000
        ),
        Ok(_) => {
            return Err(crate::ProverError::Backend(
                "an edited bundle verified".into(),
            ))
        }
    }
    let replay = Expectations {
        nonce: nonce + Fr::from(1u64),
        ..expect
    };
    match verify_bundle(&vk, &bundle, &replay) {
        Err(e) => println!("  - bundle replayed against a new request: rejected ({e})"),
        Ok(_) => {
            return Err(crate::ProverError::Backend(
                "a replayed bundle verified".into(),
            ))
        }
    }

    let paths = KeyPaths::new(&keys_dir, &shape);
    let pk_mb = std::fs::metadata(&paths.pk)
        .map(|m| m.len() as f64 / 1e6)
        .unwrap_or(0.0);
    println!("\nReport");
    println!("  claim            cluster: active chips ≤ cap; each chip's facility in the registry; each attestation signed");
    println!("                   by an accredited auditor for this epoch; each chip (with its uncertainty) inside its geofence");
    println!("  public           commitment, registry root, cap = {cap}, epoch = {}, nonce (what the agency sees)", inv.epoch);
    println!("  private          serials, models, which facility holds which chip and how many, measured positions, auditors used");
    println!(
        "  circuit          cluster-{}: {} constraints; {} per chip slot, {} per facility slot",
        shape.name(),
        manifest.constraints,
        cost.per_chip,
        cost.per_facility
    );
    println!(
        "  times            setup {}, key load {}, prove {} (zkcc's tuned prover), verify {} ({} threads)",
        secs(t_setup),
        secs(t_load),
        secs(t_prove),
        secs(t_verify),
        rayon::current_num_threads()
    );
    let per_constraint = |p: Option<u64>| match p {
        Some(b) => format!(
            "{} ({:.2} KB per constraint)",
            crate::mem::human(b),
            b as f64 / manifest.constraints as f64 / 1e3
        ),
        None => "n/a".into(),
    };
    println!(
        "  peak memory      setup {}, key load + prove {}",
        per_constraint(peak_setup),
        per_constraint(peak_prove)
    );
    println!(
        "  sizes            proof 128 bytes, proving key {pk_mb:.0} MB, circuit id {}",
        short(&manifest.circuit_id)
    );
    println!("  files            {}/{{registry.json, inventory.json, commitment.secret.json, bundle.json, keys/}}", dir.display());
    Ok(())
}
