//! `zkcc ceremony`: the multi-party setup (phase 2 over a snarkjs phase-1
//! file), for the agency, auditors and importers alike.
use clap::{Args, Subcommand};
use std::path::{Path, PathBuf};
use std::time::Instant;
use zkcc_engine::prove::assignment_of;
use zkcc_prover::ceremony::trust::{Phase1, Phase1Bytes, Phase1Source};
use zkcc_prover::ceremony::{self, export, phase2};
use zkcc_prover::error::{read_json, write};
use zkcc_prover::keys::{self, Circuit};
use zkcc_prover::ProverError;

#[derive(Subcommand)]
pub enum CeremonyCmd {
    /// Export a circuit as an iden3 .r1cs (for `snarkjs zkey verify` and other provers).
    R1cs {
        /// Circuit: shard-FxM, request-SxF, evaluation-N or jurisdiction-S.
        #[arg(long)]
        circuit: String,
        /// Output .r1cs.
        #[arg(long)]
        out: PathBuf,
    },
    /// Coordinator: the circuit's initial key from a phase-1 file (.ptau, checked first).
    Init {
        #[command(flatten)]
        phase1: CircuitPhase1Args,
        /// Output .zkey (no contribution yet).
        #[arg(long)]
        out: PathBuf,
    },
    /// Contributor: add a contribution (fresh randomness from the OS; nothing secret is kept).
    ///
    /// Only what a contribution changes (δ, L, H, the transcript) is parsed
    /// and checked; the other sections (B2's G2 points among them) are copied
    /// unchecked. That is safe: the keys' soundness never rests on a
    /// contributor's checks, `ceremony verify` and `finalize` check every
    /// point and section of the final key.
    Contribute {
        /// The latest .zkey.
        #[arg(long = "in")]
        input: PathBuf,
        /// The new .zkey.
        #[arg(long)]
        out: PathBuf,
        /// Your name in the transcript.
        #[arg(long)]
        name: Option<String>,
    },
    /// Coordinator: the final random beacon (a public hash, iterated 2^exp times).
    ///
    /// Reads the key as `contribute` does: the sections it does not change
    /// are copied unchecked (`verify` and `finalize` check them).
    Beacon {
        /// The latest .zkey.
        #[arg(long = "in")]
        input: PathBuf,
        /// The new .zkey.
        #[arg(long)]
        out: PathBuf,
        /// Beacon hash, hex with or without `0x` (e.g. a future block hash
        /// announced in advance).
        #[arg(long)]
        hash: String,
        /// Iterations exponent: 2^N rounds of SHA-256 over the hash (10 to 32).
        #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u8).range(10..=32))]
        iterations_exp: u8,
        /// Name in the transcript.
        #[arg(long)]
        name: Option<String>,
    },
    /// Anyone: verify a .zkey's whole transcript against the circuit and the phase-1 file.
    Verify {
        #[command(flatten)]
        phase1: CircuitPhase1Args,
        /// The .zkey.
        #[arg(long)]
        zkey: PathBuf,
    },
    /// Importer: the .wtns (iden3 witness) of the proof you answer with, for
    /// another Groth16 prover (`snarkjs groth16 prove final.zkey w.wtns …`,
    /// rapidsnark) using the ceremony's .zkey: the request proof for the
    /// agency's request, one shard's proof, or a lifecycle proof (model
    /// evaluation, deployment jurisdiction). Checked natively and against the
    /// circuit before it is written.
    ///
    /// Inputs by circuit (as `zkcc prove …` takes them):
    /// request-SxF: --inventory --secret --ledger-digest --request;
    /// shard-FxM: --inventory --secret --ledger-digest --shard;
    /// evaluation-N: --secret (model secret) --request RESULTS…;
    /// jurisdiction-S: --deployment --request.
    Wtns {
        /// Circuit: request-SxF, shard-FxM, evaluation-N (N the suite's
        /// length) or jurisdiction-S.
        #[arg(long)]
        circuit: String,
        #[arg(long)]
        registry: PathBuf,
        /// Inventory (request-SxF, shard-FxM).
        #[arg(long)]
        inventory: Option<PathBuf>,
        /// Commitment secret from `zkcc commit` (request-SxF, shard-FxM), or
        /// model secret from `zkcc model commit` (evaluation-N).
        #[arg(long)]
        secret: Option<PathBuf>,
        /// Digest of the agency's ledger for this importer, from the agency
        /// (request-SxF, shard-FxM).
        #[arg(long)]
        ledger_digest: Option<String>,
        /// The agency's request: its request (request-SxF), evaluation
        /// request (evaluation-N) or jurisdiction request (jurisdiction-S).
        #[arg(long, required_unless_present = "shard", conflicts_with = "shard")]
        request: Option<PathBuf>,
        /// The shard, 0-based in the order of the commitment (shard-FxM).
        #[arg(long)]
        shard: Option<usize>,
        /// The attested deployment file (jurisdiction-S).
        #[arg(long)]
        deployment: Option<PathBuf>,
        /// Output .wtns.
        #[arg(long)]
        out: PathBuf,
        /// Also write the public inputs as snarkjs's public.json.
        #[arg(long)]
        public: Option<PathBuf>,
        /// Signed results from evaluators (evaluation-N; any number, one per
        /// eval is used).
        results: Vec<PathBuf>,
    },
    /// Coordinator: verify the final .zkey and write zkcc's key files from it.
    Finalize {
        #[command(flatten)]
        phase1: CircuitPhase1Args,
        /// The final .zkey.
        #[arg(long)]
        zkey: PathBuf,
        /// Key directory.
        #[arg(long, default_value = "keys")]
        out: PathBuf,
    },
}

/// `--circuit`, `--ptau`, `--dev-unpublished-ptau`: a circuit and the phase-1
/// file its keys come from (`ceremony init`, `verify`, `finalize`).
#[derive(Args)]
pub struct CircuitPhase1Args {
    /// Circuit: shard-FxM, request-SxF, evaluation-N or jurisdiction-S.
    #[arg(long)]
    circuit: String,
    /// Phase-1 powers of tau (snarkjs .ptau, raw or prepared): a published Hermez/PSE file.
    #[arg(long)]
    ptau: PathBuf,
    /// DEVELOPMENT ONLY: accept a phase-1 file that is not one of the
    /// published Hermez/PSE files (a test file from `snarkjs powersoftau
    /// new`, a fixture): whoever made it may know τ and forge proofs.
    #[arg(long)]
    dev_unpublished_ptau: bool,
}

impl CircuitPhase1Args {
    /// Parses the circuit name.
    fn circuit(&self) -> Result<Circuit, ProverError> {
        Ok(Circuit::parse(&self.circuit)?)
    }

    /// Reads and checks the phase-1 file ([`load_ptau`]).
    fn load(&self) -> Result<Phase1, ProverError> {
        load_ptau(&self.ptau, self.dev_unpublished_ptau)
    }
}

/// Reads a phase-1 file, prints its BLAKE2b-512 (of the whole file, as
/// `b2sum` prints it and as public ceremonies publish it), refuses it unless
/// it is one of the published files zkcc pins (or `dev` is set: a loud
/// warning then), then parses and verifies it and its contribution records
/// (whether it is large enough for the circuit is checked after: a file's
/// verified transcript is printed either way).
fn load_ptau(path: &Path, dev: bool) -> Result<Phase1, ProverError> {
    let bytes = zkcc_prover::error::read(path)?;
    let file = Phase1Bytes::new(&bytes);
    println!(
        "phase-1 file {}: BLAKE2b-512 {}",
        path.display(),
        hex::encode(file.blake2b())
    );
    let source = if dev {
        Phase1Source::DevelopmentOnly
    } else {
        Phase1Source::Published
    };
    // The random combinations come from a CSPRNG seeded once from the OS:
    // one getrandom per scalar was most of a 2^20 check.
    let mut rng = <rand::rngs::StdRng as rand::SeedableRng>::from_entropy();
    let pb = ceremony::progress_bar("phase 1");
    let p = file.load(source, &mut rng, &pb);
    pb.finish_and_clear();
    let p = p?;
    match p.published() {
        Some(f) => println!("  the published {} (power {})", f.file, f.power),
        None => eprintln!(
            "\n**********\nWARNING: DEVELOPMENT ONLY (--dev-unpublished-ptau): {} is not a published \
             powers-of-tau file. Whoever made it may know τ and can then forge proofs for every \
             key built on it. Never use these keys for anything but development.\n**********\n",
            path.display()
        ),
    }
    if p.transcript().is_empty() {
        eprintln!("WARNING: the phase-1 file has no contribution record: nothing shows who made it (development mode only)");
    }
    for (i, c) in p.transcript().iter().enumerate() {
        println!(
            "  phase-1 contribution #{} {}{}: proofs of knowledge verified, next challenge {}",
            i + 1,
            c.name.as_deref().unwrap_or(""),
            if c.beacon.is_some() { " (beacon)" } else { "" },
            hex::encode(c.next_challenge)
        );
    }
    Ok(p)
}

/// The circuit hash and the trust statement: who the keys' soundness rests
/// on, with every contribution's hash.
fn print_verified(v: &phase2::Verified) {
    println!("circuit hash {}", hex::encode(v.cs_hash));
    println!("{}", v.trust_statement());
}

/// The inputs of `ceremony wtns`, as given on the command line; which ones a
/// circuit takes is checked by [`assignment`].
struct WtnsInputs<'a> {
    registry: &'a Path,
    inventory: Option<&'a Path>,
    secret: Option<&'a Path>,
    ledger_digest: Option<&'a str>,
    request: Option<&'a Path>,
    shard: Option<usize>,
    deployment: Option<&'a Path>,
    results: &'a [PathBuf],
}

impl WtnsInputs<'_> {
    /// Refuses the options `circuit` does not take (a likely mix-up of
    /// circuits or files), naming them.
    fn refuse_unused(&self, circuit: &Circuit, takes: &[&str]) -> Result<(), ProverError> {
        let given = [
            ("--inventory", self.inventory.is_some()),
            ("--secret", self.secret.is_some()),
            ("--ledger-digest", self.ledger_digest.is_some()),
            ("--request", self.request.is_some()),
            ("--shard", self.shard.is_some()),
            ("--deployment", self.deployment.is_some()),
            ("RESULTS", !self.results.is_empty()),
        ];
        let extra: Vec<&str> = given
            .iter()
            .filter(|(flag, on)| *on && !takes.contains(flag))
            .map(|(flag, _)| *flag)
            .collect();
        if extra.is_empty() {
            return Ok(());
        }
        Err(ProverError::Inventory(format!(
            "{} takes {}, not {}",
            family(circuit),
            takes.join(" "),
            extra.join(" ")
        )))
    }
}

/// The circuit's family as the options' docs name it (`evaluation-N`).
fn family(c: &Circuit) -> &'static str {
    match c {
        Circuit::Shard(_) => "shard-FxM",
        Circuit::Request(_) => "request-SxF",
        Circuit::Evaluation(_) => "evaluation-N",
        Circuit::Jurisdiction(_) => "jurisdiction-S",
        Circuit::Delay(_) => "delay-FxM",
    }
}

/// `Some(v)`, or an error naming the option the circuit needs.
fn needs<T>(v: Option<T>, circuit: &Circuit, flag: &str) -> Result<T, ProverError> {
    v.ok_or_else(|| ProverError::Inventory(format!("{} takes {flag}", family(circuit))))
}

/// The full assignment `(1, public inputs, witness)` of the importer's
/// request proof, of one shard's proof, or of a lifecycle proof (model
/// evaluation, deployment jurisdiction), checked natively, then against the
/// circuit's constraints. Returns the circuit, the assignment and its number
/// of public inputs.
fn assignment(
    circuit: &str,
    i: &WtnsInputs<'_>,
) -> Result<(Circuit, Vec<ark_bn254::Fr>, usize), ProverError> {
    let c = Circuit::parse(circuit)?;
    let r = super::load_registry(i.registry)?;
    let bad = |m: String| ProverError::Inventory(m);
    let (z, n_public) = match c {
        Circuit::Request(_) | Circuit::Shard(_) => fleet_assignment(&c, &r, i)?,
        Circuit::Delay(_) => {
            return Err(bad(format!(
                "{}: exporting a delay proof's witness for snarkjs is not supported (its keys and proofs are zkcc's own)",
                c.name()
            )))
        }
        Circuit::Evaluation(n) => {
            use zkcc_circuits::evaluation::constraints::EvaluationCircuit;
            use zkcc_prover::lifecycle::{evaluation_claim, ModelSecret};
            i.refuse_unused(&c, &["--request", "--secret", "RESULTS"])?;
            let secret: ModelSecret = read_json(needs(i.secret, &c, "--secret")?)?;
            let req: zkcc_verifier::lifecycle::EvaluationRequest =
                read_json(needs(i.request, &c, "--request")?)?;
            if i.results.is_empty() {
                return Err(bad(format!(
                    "{} takes the evaluators' signed results (RESULTS…)",
                    c.name()
                )));
            }
            let results = i
                .results
                .iter()
                .map(|p| read_json(p))
                .collect::<Result<Vec<zkcc_circuits::evaluation::SignedResultJson>, _>>()?;
            let len = r
                .suite(&req.suite)
                .map(|s| s.evals.len())
                .ok_or_else(|| bad(format!("the registry has no suite {:?}", req.suite)))?;
            if len != n {
                return Err(bad(format!(
                    "suite {} has {len} evals: its circuit is evaluation-{len}, not {}",
                    req.suite,
                    c.name()
                )));
            }
            let (evals, st, w) = evaluation_claim(&r, &req, &secret, &results)?;
            let n_public = st.public_inputs().len();
            let z = assignment_of(EvaluationCircuit {
                evals,
                statement: st,
                witness: Some(w),
            })?;
            (z, n_public)
        }
        Circuit::Jurisdiction(cap) => {
            use zkcc_circuits::jurisdiction::constraints::JurisdictionCircuit;
            use zkcc_prover::lifecycle::{jurisdiction_claim, DeploymentFile};
            i.refuse_unused(&c, &["--request", "--deployment"])?;
            let d: DeploymentFile = read_json(needs(i.deployment, &c, "--deployment")?)?;
            let req: zkcc_verifier::lifecycle::JurisdictionRequest =
                read_json(needs(i.request, &c, "--request")?)?;
            let (st, w) = jurisdiction_claim(&r, &req, &d, cap)?;
            let n_public = st.public_inputs().len();
            let z = assignment_of(JurisdictionCircuit {
                capacity: cap,
                statement: st,
                witness: Some(w),
            })?;
            (z, n_public)
        }
    };
    let r1cs = keys::r1cs_of(&c)?;
    let (mut az, mut bz) = (
        vec![ark_bn254::Fr::from(0u64); r1cs.num_constraints()],
        vec![ark_bn254::Fr::from(0u64); r1cs.num_constraints()],
    );
    if z.len() != r1cs.num_variables() || n_public + 1 != r1cs.num_instance as usize {
        return Err(ProverError::Backend(format!(
            "the assignment has {} values, {} public; {} has {} and {}",
            z.len(),
            n_public,
            c.name(),
            r1cs.num_variables(),
            r1cs.num_instance as usize - 1
        )));
    }
    r1cs.evaluate_and_check(&z, &mut az, &mut bz).map_err(|i| {
        ProverError::Backend(format!("{}: constraint {i} is not satisfied", c.name()))
    })?;
    Ok((c, z, n_public))
}

/// The assignment of the request proof or of one shard's proof (natively
/// checked), and its number of public inputs.
fn fleet_assignment(
    c: &Circuit,
    r: &zkcc_circuits::registry::Registry,
    i: &WtnsInputs<'_>,
) -> Result<(Vec<ark_bn254::Fr>, usize), ProverError> {
    use zkcc_circuits::encoding::fr_from_hex;
    use zkcc_prover::fleet::{self, FleetInventory, FleetSecret};
    let bad = |m: String| ProverError::Inventory(m);
    let which = match c {
        Circuit::Request(_) => "--request",
        _ => "--shard",
    };
    i.refuse_unused(c, &[which, "--inventory", "--secret", "--ledger-digest"])?;
    let inv: FleetInventory = read_json(needs(i.inventory, c, "--inventory")?)?;
    let secret: FleetSecret = read_json(needs(i.secret, c, "--secret")?)?;
    let digest = fr_from_hex(needs(i.ledger_digest, c, "--ledger-digest")?)?;
    let fleet = fleet::open(r, &inv, &secret)?;
    match (c, i.request, i.shard) {
        (Circuit::Request(shape), Some(request), None) => {
            use zkcc_circuits::request::constraints::RequestCircuit;
            let req: zkcc_verifier::submission::RequestFile = read_json(request)?;
            if req.importer != inv.importer || req.epoch != fleet.epoch {
                return Err(bad(format!(
                    "the request is for {} epoch {}, this fleet is {} epoch {}",
                    req.importer, req.epoch, inv.importer, fleet.epoch
                )));
            }
            let nonce = fr_from_hex(&req.nonce)?;
            let (st, w) = fleet.request(digest, shape, nonce, req.rules.to_rules()?)?;
            let n = st.public_inputs().len();
            let circuit = RequestCircuit {
                shape: *shape,
                statement: st,
                witness: Some(w),
            };
            Ok((zkcc_prover::claims::request_assignment(&circuit)?, n))
        }
        (Circuit::Shard(shape), None, Some(k)) => {
            use zkcc_circuits::shard::constraints::ShardCircuit;
            if *shape != fleet.shape {
                return Err(bad(format!(
                    "the inventory was committed for {}, not {}",
                    fleet.shape.name(),
                    shape.name()
                )));
            }
            let w = fleet.witnesses.get(k).ok_or_else(|| {
                bad(format!(
                    "--shard {k}: the commitment has {} shards (0 to {})",
                    fleet.witnesses.len(),
                    fleet.witnesses.len().saturating_sub(1)
                ))
            })?;
            let st =
                fleet::shard_statement(fleet.importer, fleet.epoch, fleet.commitment, r, digest, w);
            let n = st.public_inputs().len();
            let circuit = ShardCircuit {
                shape: *shape,
                statement: st,
                witness: Some(w.clone()),
            };
            Ok((zkcc_prover::claims::shard_assignment(&circuit)?, n))
        }
        _ => Err(bad(format!("{} takes {which}", family(c)))),
    }
}

pub fn run(c: CeremonyCmd) -> Result<(), ProverError> {
    match c {
        CeremonyCmd::Wtns {
            circuit,
            registry,
            inventory,
            secret,
            ledger_digest,
            request,
            shard,
            deployment,
            out,
            public,
            results,
        } => {
            let (c, z, n_public) = assignment(
                &circuit,
                &WtnsInputs {
                    registry: &registry,
                    inventory: inventory.as_deref(),
                    secret: secret.as_deref(),
                    ledger_digest: ledger_digest.as_deref(),
                    request: request.as_deref(),
                    shard,
                    deployment: deployment.as_deref(),
                    results: &results,
                },
            )?;
            write(&out, &export::wtns_bytes(&z))?;
            if let Some(p) = &public {
                let pubs = zkcc_verifier::snarkjs::public_to_json(&z[1..=n_public]);
                zkcc_prover::error::write_json(p, &pubs)?;
            }
            println!(
                "{}: witness of {} values ({} public) -> {}",
                c.name(),
                z.len(),
                n_public,
                out.display()
            );
            Ok(())
        }
        CeremonyCmd::R1cs { circuit, out } => {
            let c = Circuit::parse(&circuit)?;
            let r1cs = ceremony::r1cs_of(&c)?;
            write(&out, &export::r1cs_bytes(&r1cs))?;
            println!(
                "{}: {} constraints, {} variables -> {}",
                c.name(),
                r1cs.num_constraints(),
                r1cs.num_variables(),
                out.display()
            );
            Ok(())
        }
        CeremonyCmd::Init { phase1, out } => {
            let c = phase1.circuit()?;
            let r1cs = ceremony::r1cs_of(&c)?;
            let t = Instant::now();
            let p = phase1.load()?;
            let t_ptau = t.elapsed();
            let t = Instant::now();
            let z = ceremony::init(&r1cs, &p)?;
            write(&out, &z.to_bytes())?;
            println!(
                "{}: initial key, domain {}, phase-1 power {} (read and checked in {:.1} s), built in {:.1} s -> {}",
                c.name(), z.domain_size, p.ptau().power, t_ptau.as_secs_f64(), t.elapsed().as_secs_f64(), out.display()
            );
            println!("circuit hash {}", hex::encode(z.cs_hash));
            Ok(())
        }
        CeremonyCmd::Contribute { input, out, name } => {
            let t = Instant::now();
            let (c, k) = ceremony::contribute_file(
                &input,
                &out,
                name.as_deref(),
                ceremony::Step::Contribution,
            )?;
            println!(
                "contribution #{k} in {:.1} s -> {}",
                t.elapsed().as_secs_f64(),
                out.display()
            );
            println!(
                "contribution hash (note it, publish it) {}",
                hex::encode(c.hash())
            );
            Ok(())
        }
        CeremonyCmd::Beacon {
            input,
            out,
            hash,
            iterations_exp,
            name,
        } => {
            let digits = hash
                .strip_prefix("0x")
                .or_else(|| hash.strip_prefix("0X"))
                .unwrap_or(&hash);
            let bh = hex::decode(digits)
                .map_err(|e| ProverError::Usage(format!("--hash {hash:?}: not hex: {e}")))?;
            if bh.is_empty() {
                return Err(ProverError::Usage("--hash: empty".into()));
            }
            let (c, k) = ceremony::contribute_file(
                &input,
                &out,
                name.as_deref(),
                ceremony::Step::Beacon(&bh, iterations_exp),
            )?;
            println!("beacon (contribution #{k}) -> {}", out.display());
            println!("contribution hash {}", hex::encode(c.hash()));
            Ok(())
        }
        CeremonyCmd::Verify { phase1, zkey } => {
            // What the key alone shows (no secret contribution, another
            // circuit) is refused before the phase-1 file is read.
            let c = phase1.circuit()?;
            let z = ceremony::load_zkey_to_verify(&zkey)?;
            let r1cs = ceremony::precheck(&c, &z)?;
            let p = phase1.load()?;
            let v = ceremony::verify(&r1cs, &p, &z)?;
            println!(
                "OK: {} follows from {} and {} through {} contributions ({} with a secret)",
                zkey.display(),
                phase1.ptau.display(),
                c.name(),
                v.contributions.len(),
                v.secret_contributions()
            );
            print_verified(&v);
            Ok(())
        }
        CeremonyCmd::Finalize { phase1, zkey, out } => {
            let c = phase1.circuit()?;
            let z = ceremony::load_zkey_to_verify(&zkey)?;
            let r1cs = ceremony::precheck(&c, &z)?;
            let p = phase1.load()?;
            let (m, v) = ceremony::finalize(&out, &c, &p, z, r1cs)?;
            print_verified(&v);
            println!(
                "{}: keys in {} from the ceremony, circuit id {}",
                c.name(),
                out.display(),
                m.circuit_id
            );
            Ok(())
        }
    }
}
