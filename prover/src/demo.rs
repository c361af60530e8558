//! `zkcc demo`: every role, end to end, on the built-in sample, with a report.
//!
//! The sample importer ACME-DC runs 1,000 chips (40 of them outside the
//! agency's ledger) in five facilities in four countries; the agency keeps its
//! shipment ledger; auditors attest each facility in chunks; the importer
//! commits, proves its shards once for the epoch, and answers one request with
//! a light proof; the agency verifies the submission and decides. Then the
//! checks that must fail.
use crate::error::{write, write_json, ProverError, Result};
use crate::fleet::{self, attest, commit, ledger_from_shipments, open};
use crate::keys::{self, Circuit, KeyPaths};
use crate::sample;
use ark_bn254::Fr;
use ark_std::UniformRand;
use indicatif::{ProgressBar, ProgressStyle};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use std::collections::BTreeSet;
use std::path::Path;
use std::time::{Duration, Instant};
use zkcc_circuits::encoding::fr_to_hex;
use zkcc_circuits::registry::Registry;
use zkcc_circuits::request::RequestShape;
use zkcc_circuits::shard::ShardShape;
use zkcc_verifier::submission::{RequestFile, RulesJson, Submission, SUBMISSION_VERSION};

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

/// Sets up `circuit`'s keys in `dir` (single-party: development only) under
/// a spinner ([`timed`]); returns the keys' manifest and the time it took.
pub fn timed_setup<R: rand::RngCore + rand::CryptoRng>(
    dir: &Path,
    circuit: &Circuit,
    rng: &mut R,
) -> Result<(keys::KeyManifest, Duration)> {
    let (m, t) = timed(&format!("setup of {}", circuit.name()), || {
        keys::setup_circuit(dir, circuit, rng)
    });
    Ok((m?, t))
}

/// Runs `f`, a batch of `proofs` tuned proofs of one key (shards), under a
/// progress display: `witnesses 3/8` while the batch's assignments are
/// computed, then `shard 2/8: MSM L (4/7)` as each proof's stages finish
/// ([`StageBar`]), with the elapsed time and an estimate of what is left;
/// one proof (`proofs` 1: a request, an evaluation) shows `request: MSM L
/// (4/7)`. Drawn on standard error only when it is a terminal (indicatif
/// hides it otherwise: nothing is written to a pipe or a file).
pub fn proving<T>(
    what: &str,
    proofs: usize,
    f: impl FnOnce(&dyn zkcc_engine::prove::Progress) -> T,
) -> (T, Duration) {
    let pb = ProgressBar::new(0);
    pb.set_style(
        ProgressStyle::with_template("{spinner} {msg} [{elapsed} elapsed, ~{eta} left]")
            .expect("valid template"),
    );
    pb.enable_steady_tick(Duration::from_millis(120));
    let bar = StageBar::new(pb, what, proofs);
    let t = Instant::now();
    let out = f(&bar);
    let d = t.elapsed();
    bar.pb.finish_and_clear();
    (out, d)
}

/// The tuned prover's observer behind [`proving`]: the bar's message names
/// the proof and its last finished stage, its position counts the stages of
/// the whole batch.
pub struct StageBar {
    /// The bar (hidden when standard error is not a terminal).
    pub pb: ProgressBar,
    what: String,
    proofs: usize,
}

impl StageBar {
    /// An observer of `proofs` proofs, each called `what` (`shard`), on `pb`
    /// (its length set to their stages).
    pub fn new(pb: ProgressBar, what: &str, proofs: usize) -> Self {
        pb.set_length((proofs * zkcc_engine::prove::Stage::ALL.len()) as u64);
        pb.set_message(if proofs == 1 {
            format!("{what}: witness")
        } else {
            format!("{what}s: witnesses 0/{proofs}")
        });
        Self {
            pb,
            what: what.into(),
            proofs,
        }
    }
}

impl zkcc_engine::prove::Progress for StageBar {
    fn assigned(&self, done: usize, of: usize) {
        self.pb
            .set_message(format!("{}s: witnesses {done}/{of}", self.what));
    }

    fn stage(&self, s: zkcc_engine::prove::StageDone) {
        let n = zkcc_engine::prove::Stage::ALL.len();
        self.pb.set_position((s.proof * n + s.done) as u64);
        let which = if self.proofs == 1 {
            self.what.clone()
        } else {
            format!("{} {}/{}", self.what, s.proof + 1, self.proofs)
        };
        self.pb
            .set_message(format!("{which}: {} ({}/{n})", s.stage, s.done));
    }
}

/// Formats a duration for the report.
pub fn secs(d: Duration) -> String {
    if d.as_secs_f64() >= 1.0 {
        format!("{:.1} s", d.as_secs_f64())
    } else {
        format!("{:.1} ms", d.as_secs_f64() * 1e3)
    }
}

fn short(x: &str) -> String {
    format!("{}…{}", &x[..10], &x[x.len() - 6..])
}

/// The demo's shard circuit: 8 facility slots of 128 chips (1,024 chip slots).
pub const DEMO_SHARD: ShardShape = ShardShape::new(8, 128);
/// The demo's request circuit: 16 shard slots of 8 entries.
pub const DEMO_REQUEST: RequestShape = RequestShape::new(16, 8);

/// The sample request's rules: clusters of at most 400 ledger chips, at least
/// 25% of TPP at home (FR), at most 30% in any other country and 35% outside
/// tier 1, nothing in tier 3.
pub fn sample_rules() -> RulesJson {
    RulesJson {
        facility_cap_chips: 400,
        facility_cap_tpp: 10_000_000,
        home_country: "FR".into(),
        home_min_bp: 2_500,
        other_max_bp: 3_000,
        outside_tier1_max_bp: 3_500,
        max_tier: 2,
        total_cap_chips: 5_000,
        total_cap_tpp: 100_000_000,
    }
}

/// Prints why `r` failed, as a check that must fail does; an error if it
/// was accepted.
pub(crate) fn must_fail<T>(
    what: &str,
    r: std::result::Result<T, impl std::fmt::Display>,
) -> Result<()> {
    match r {
        Err(e) => {
            println!("  - {what}: {e}");
            Ok(())
        }
        Ok(_) => Err(ProverError::Backend(format!(
            "{what}: accepted, but must fail"
        ))),
    }
}

/// Runs the demo in `dir` and prints the report. Returns an error on any
/// failure, including a check that should have failed and did not.
pub fn run(dir: &Path, shard: ShardShape, request: RequestShape, seed: u64) -> Result<()> {
    run_scenario(dir, shard, request, seed, "fleet", 1000)
}

/// Runs the demo's `scenario`: `fleet`; `lifecycle` (the registry also
/// accredits evaluators and publishes a suite, and after the fleet's decision
/// the AI lifecycle scenario runs, [`crate::demo_lifecycle`], in place of the
/// fleet's checks that must fail); or `location` (the registry also lists
/// landmarks and a device vendor, and after the fleet's decision the chips'
/// own location evidence runs, [`crate::demo_location`]); or `service` (after
/// the shard proofs, the agency's steps run through HTTP against a service
/// started here, [`crate::demo_service`]). The sample has `chips` chips in
/// the proportions of [`sample::SAMPLE_GROUPS`] (1,000: exactly those).
pub fn run_scenario(
    dir: &Path,
    shard: ShardShape,
    request: RequestShape,
    seed: u64,
    scenario: &str,
    chips: usize,
) -> Result<()> {
    let lifecycle = scenario == "lifecycle";
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    println!(
        "zkcc demo: the accountable statement on the built-in sample (working directory {})\n",
        dir.display()
    );

    // 1. Agency: registry, ledger.
    let mut s = sample::generate_with(seed, &sample::groups_for(chips), shard.slot_chips);
    let evaluator_keys = if lifecycle {
        sample::add_lifecycle(&mut s.registry, seed)
    } else {
        vec![]
    };
    let location = (scenario == "location")
        .then(|| crate::demo_location::add_landmarks(&mut s.registry, seed));
    write_json(&dir.join("registry.json"), &s.registry)?;
    write_json(&dir.join("shipments.json"), &s.shipments)?;
    for k in &s.auditor_keys {
        crate::error::write_secret_json(
            &dir.join("auditors").join(format!("{}.key.json", k.id)),
            k,
        )?;
    }
    let registry = Registry::from_file(s.registry.clone())?;
    let importer = s.inventory.importer.clone();
    let ledger = ledger_from_shipments(&registry, &s.shipments, &importer)?;
    write_json(&dir.join("ledger.json"), &ledger.to_file(&registry))?;
    let countries: BTreeSet<&str> = s
        .registry
        .facilities
        .iter()
        .map(|f| f.country.as_str())
        .collect();
    let own = s
        .registry
        .facilities
        .iter()
        .filter(|f| f.operator == importer)
        .count();
    println!("1. agency    publishes the registry: {} facilities in {} countries ({} operated by {importer}), {} auditors,",
        s.registry.facilities.len(), countries.len(), own, s.registry.auditors.len());
    println!(
        "             {} chip models, {} country tiers, policy version {}; root {}",
        s.registry.chip_models.len(),
        s.registry.country_tiers.len(),
        s.registry.policy_version,
        short(&fr_to_hex(&registry.root))
    );
    println!("             builds {importer}'s shipment ledger from {} exporter records: {} chips, TPP {}; digest {}",
        s.shipments.shipments.len(), ledger.len(), ledger.total_tpp(), short(&fr_to_hex(&ledger.digest)));

    // 2. Auditors attest each facility in chunks.
    let mut inv = s.inventory;
    for k in &s.auditor_keys {
        if let Ok(n) = attest(&registry, &mut inv, k, None) {
            println!(
                "2. auditor   {} measures and signs {n} chunk attestation(s) for epoch {}",
                k.id, inv.epoch
            );
        }
    }
    write_json(&dir.join("inventory.json"), &inv)?;
    let marked = inv.chips.iter().filter(|c| c.ledger).count();

    // 3. Importer commits.
    let secret = commit(&registry, &inv, &shard, &mut rng)?;
    crate::error::write_secret_json(&dir.join("commitment.secret.json"), &secret)?;
    println!("3. importer  commits to {} chips ({marked} marked as ledger chips) in {} facilities: {} chunks in {} shards of {};",
        inv.chips.len(), inv.chips.iter().map(|c| &c.facility).collect::<BTreeSet<_>>().len(),
        inv.attestations.len(), secret.shards.len(), shard.name());
    println!("             C = {}", short(&secret.commitment));

    // 4. Setup (single-party, development).
    let keys_dir = dir.join("keys");
    let (sc, rc) = (Circuit::Shard(shard), Circuit::Request(request));
    let (sm, t_setup_s) = timed_setup(&keys_dir, &sc, &mut rng)?;
    let (rm, t_setup_r) = timed_setup(&keys_dir, &rc, &mut rng)?;
    println!(
        "4. setup     [DEVELOPMENT SHORTCUT: single-party; production keys come from `zkcc ceremony`]\n             {}: {} constraints ({} per chip slot, {} per facility slot); {}",
        sc.name(),
        sm.constraints,
        zkcc_circuits::shard::constraints::CHIP_COST,
        zkcc_circuits::shard::constraints::FACILITY_COST,
        secs(t_setup_s)
    );
    println!("             {}: {} constraints ({} per entry, {} per shard slot); {}  [single-party: development only]",
        rc.name(), rm.constraints, zkcc_circuits::request::constraints::ENTRY_COST,
        zkcc_circuits::request::constraints::SHARD_COST, secs(t_setup_r));

    // 5. Importer proves its shards, once for the epoch.
    let fleet = open(&registry, &inv, &secret)?;
    zkcc_engine::mem::reset_peak();
    let (spk, t_load) = timed("loading the shard proving key", || {
        keys::load_proving_key_of(&keys_dir, &sc)
    });
    let (spk, _) = spk?;
    let (shards, t_shards) = proving("shard", fleet.witnesses.len(), |progress| {
        fleet::prove_shards_counted(
            &spk,
            &fleet,
            &registry,
            &importer,
            ledger.digest,
            &mut rng,
            progress,
        )
    });
    let shards = shards?;
    let peak_shards = zkcc_engine::mem::peak_bytes();
    drop(spk);
    write_json(&dir.join("shards.json"), &shards)?;
    println!(
        "5. importer  proves {} shards for epoch {}: {} ({} per shard; key load {})",
        shards.len(),
        inv.epoch,
        secs(t_shards),
        secs(t_shards / shards.len().max(1) as u32),
        secs(t_load)
    );

    if scenario == "service" {
        return crate::demo_service::run(
            &crate::demo_service::FleetSide {
                dir,
                seed,
                registry: &registry,
                shipments: &s.shipments,
                ledger: &ledger,
                keys_dir: &keys_dir,
                shard: sc,
                request: rc,
                importer: &importer,
                fleet: &fleet,
                commitment: &secret.commitment,
                shards: &shards,
            },
            &mut rng,
        );
    }

    // 6. Agency sends a request; importer answers with a light proof.
    let req = RequestFile::new(&importer, inv.epoch, &Fr::rand(&mut rng), sample_rules());
    write_json(&dir.join("request.json"), &req)?;
    let (rpk, _) = keys::load_proving_key_of(&keys_dir, &rc)?;
    // The importer's request proof for rules `req`.
    let prove_request =
        |req: &RequestFile, rng: &mut ChaCha20Rng, progress: &dyn zkcc_engine::prove::Progress| {
            fleet::prove_request(
                &rpk,
                &request,
                &fleet,
                &importer,
                ledger.digest,
                req,
                rng,
                progress,
            )
        };
    let (rb, t_request) = proving("request", 1, |progress| {
        prove_request(&req, &mut rng, progress)
    });
    let rb = rb?;
    let sub = Submission {
        version: SUBMISSION_VERSION,
        importer: importer.clone(),
        epoch: inv.epoch,
        commitment: secret.commitment.clone(),
        shards,
        request: rb,
        delay: vec![],
    };
    write(&dir.join("submission.json"), sub.to_json().as_bytes())?;
    let r = &req.rules;
    println!("6. agency    asks (nonce {}): every ledger chip located; ≤ {} ledger chips per facility; home {} ≥ {} bp,",
        short(&req.nonce), r.facility_cap_chips, r.home_country, r.home_min_bp);
    println!(
        "             any other country ≤ {} bp, outside tier 1 ≤ {} bp, no chip above tier {}",
        r.other_max_bp, r.outside_tier1_max_bp, r.max_tier
    );
    println!(
        "   importer  answers with one request proof over its {} shards: {}",
        sub.shards.len(),
        secs(t_request)
    );

    // 7. Agency verifies and decides.
    let outcome = crate::agency::verify_and_decide(
        &keys_dir, &sc, &rc, &registry, &ledger, &req, &sub, &mut rng,
    )?;
    println!("7. agency    {}", outcome.summary);
    print!("{}", outcome.report);
    write(&dir.join("report.json"), outcome.report_json.as_bytes())?;

    if let Some(lk) = &location {
        return crate::demo_location::run(
            dir, &registry, lk, &fleet, &importer, &ledger, &sub, &request, &mut rng,
        );
    }
    if lifecycle {
        let svk = keys::load_verifying_key_of(&keys_dir, &sc)?;
        let rvk = keys::load_verifying_key_of(&keys_dir, &rc)?;
        let fk = zkcc_verifier::fleet::FleetKeys::new(&svk, shard, &rvk, request)?;
        let facts =
            zkcc_verifier::fleet::verify_submission(&fk, &registry, &ledger, &req, &sub, &mut rng)?;
        return crate::demo_lifecycle::run(
            dir,
            &registry,
            &evaluator_keys,
            &s.auditor_keys[0],
            &importer,
            inv.epoch,
            &facts,
            &mut rng,
        );
    }

    // What must fail.
    println!("\nChecks that must fail:");
    let agency = |sub: &Submission,
                  req: &RequestFile,
                  ledger: &zkcc_circuits::ledger::Ledger,
                  rng: &mut ChaCha20Rng| {
        crate::agency::verify_and_decide(&keys_dir, &sc, &rc, &registry, ledger, req, sub, rng)
            .and_then(|o| {
                if o.granted {
                    Ok(o)
                } else {
                    Err(ProverError::Backend(format!("denied: {}", o.summary)))
                }
            })
    };
    let mut evil = sub.clone();
    evil.importer = "EVIL-CORP".into();
    evil.request.public_inputs.importer = "EVIL-CORP".into();
    for b in evil.shards.iter_mut() {
        b.public_inputs.importer = "EVIL-CORP".into();
    }
    must_fail(
        "the submission's importer edited to EVIL-CORP",
        agency(&evil, &req, &ledger, &mut rng),
    )?;
    let mut evil_req = req.clone();
    evil_req.importer = "EVIL-CORP".into();
    must_fail(
        "ACME-DC's proofs presented to a request to EVIL-CORP",
        agency(&sub, &evil_req, &ledger, &mut rng),
    )?;
    let mut replay = req.clone();
    replay.nonce = fr_to_hex(&Fr::rand(&mut rng));
    must_fail(
        "the request proof replayed against a new request",
        agency(&sub, &replay, &ledger, &mut rng),
    )?;
    let mut dropped = sub.clone();
    dropped.shards.pop();
    must_fail(
        "a shard left out of the submission",
        agency(&dropped, &req, &ledger, &mut rng),
    )?;
    let mut dup = sub.clone();
    let first = dup.shards[0].clone();
    dup.shards.push(first);
    must_fail(
        "a shard submitted twice",
        agency(&dup, &req, &ledger, &mut rng),
    )?;
    // A ledger chip diverted: the importer leaves it out of its inventory.
    let mut diverted = inv.clone();
    let gone = diverted.attestations[0].measurements.remove(0).serial;
    diverted.chips.retain(|c| c.serial != gone);
    for k in &s.auditor_keys {
        let _ = attest(&registry, &mut diverted, k, None);
    }
    let d_secret = commit(&registry, &diverted, &shard, &mut rng)?;
    let d_fleet = open(&registry, &diverted, &d_secret)?;
    let (dpk, _) = keys::load_proving_key_of(&keys_dir, &sc)?;
    let d_shards = fleet::prove_shards(
        &dpk,
        &d_fleet,
        &registry,
        &importer,
        ledger.digest,
        &mut rng,
    )?;
    drop(dpk);
    let d_req = fleet::prove_request(
        &rpk,
        &request,
        &d_fleet,
        &importer,
        ledger.digest,
        &req,
        &mut rng,
        &zkcc_engine::prove::Quiet,
    )?;
    let d_sub = Submission {
        commitment: d_secret.commitment.clone(),
        shards: d_shards,
        request: d_req,
        delay: vec![],
        ..sub.clone()
    };
    must_fail(
        &format!("ledger chip {gone} diverted (left out of the inventory)"),
        agency(&d_sub, &req, &ledger, &mut rng),
    )?;
    // The importer asks for rules its fleet does not meet: refused before proving.
    let mut tight = req.clone();
    tight.rules.facility_cap_chips = 300;
    must_fail(
        "the importer asked to prove ≤ 300 ledger chips per facility",
        prove_request(&tight, &mut rng, &zkcc_engine::prove::Quiet),
    )?;
    // Nobody Ltd: no ledger, no facility — a valid but empty statement.
    let nobody = crate::agency::nobody_ltd(&keys_dir, &sc, &rc, &registry, &req, &mut rng)?;
    println!(
        "  - \"Nobody Ltd\" (empty ledger, no facility, no auditor): proof {}, decision {}",
        nobody.0, nobody.1
    );
    if nobody.2 {
        return Err(ProverError::Backend("Nobody Ltd was granted access".into()));
    }

    let pk_mb = std::fs::metadata(KeyPaths::of(&keys_dir, &sc).pk)
        .map(|m| m.len() as f64 / 1e6)
        .unwrap_or(0.0);
    println!("\nReport");
    println!("  statement        every chip of the agency's ledger for {importer} is located exactly once, inside an authorized");
    println!("                   facility it operates, under an accredited auditor's attestation for epoch {}; and the rules hold", inv.epoch);
    println!("  public           importer, epoch, C, per shard C_s and D_s, registry root, ledger digest and product, rules, nonce,");
    println!(
        "                   number of facilities ({})",
        sub.request.public_inputs.facilities
    );
    println!("  private          which facility holds which chip, how many per site and country, positions, marks, auditors");
    println!(
        "  circuits         {}: {} constraints; {}: {} constraints",
        sc.name(),
        sm.constraints,
        rc.name(),
        rm.constraints
    );
    println!("  times            setup (development shortcut) {} + {}, shards {} ({} shards), request {}, verify {} ({} threads)",
        secs(t_setup_s), secs(t_setup_r), secs(t_shards), sub.shards.len(), secs(t_request), secs(outcome.verify_time),
        rayon::current_num_threads());
    let per_constraint = |p: Option<u64>| match p {
        Some(b) => format!(
            "{} ({:.2} KB per constraint)",
            zkcc_engine::mem::human(b),
            b as f64 / sm.constraints as f64 / 1e3
        ),
        None => "n/a".into(),
    };
    println!(
        "  peak memory      key load + shard proofs {}",
        per_constraint(peak_shards)
    );
    println!("  sizes            proof 128 bytes, shard proving key {pk_mb:.0} MB");
    println!("  files            {}/{{registry.json, shipments.json, ledger.json, inventory.json, commitment.secret.json,", dir.display());
    println!("                   shards.json, request.json, submission.json, report.json, keys/}}");
    Ok(())
}
