//! The agency's commands: build an importer's ledger, issue a request,
//! verify a submission and decide.
use super::args::{KeyDirArg, RegistryArg};
use super::{load_registry, out_file, read_text};
use ark_std::UniformRand;
use clap::{Args, Subcommand};
use rand::rngs::OsRng;
use std::path::PathBuf;
use zkcc_circuits::encoding::{encode_label, fr_to_hex};
use zkcc_circuits::ledger::Ledger;
use zkcc_circuits::registry::Registry;
use zkcc_prover::error::{read_json, write, write_json};
use zkcc_prover::fleet::{ledger_from_shipments, ShipmentsFile};
use zkcc_prover::keys::Circuit;
use zkcc_prover::ProverError;
use zkcc_verifier::batch::PreparedKey;
use zkcc_verifier::submission::{RequestFile, RulesJson, SUBMISSION_VERSION};

#[derive(Subcommand)]
pub enum AgencyCmd {
    /// Build an importer's shipment ledger from exporters' records (prints its digest).
    Ledger {
        #[arg(long)]
        registry: PathBuf,
        /// Exporters' shipment records (JSON).
        #[arg(long)]
        shipments: PathBuf,
        /// The importer (consignee).
        #[arg(long)]
        importer: String,
        /// Ledger file to write.
        #[arg(long)]
        out: PathBuf,
    },
    /// Issue a request to an importer: a fresh nonce and the rules to prove
    /// (the home country is the registry's for the importer).
    Request {
        /// The registry: names the importer's home country.
        #[arg(long)]
        registry: PathBuf,
        #[arg(long)]
        importer: String,
        #[arg(long)]
        epoch: u64,
        /// Rules (JSON; `home_country` may be left out: the registry's is used).
        #[arg(long)]
        rules: PathBuf,
        /// Also ask for delay evidence (one delay proof per shard) of a day
        /// in FIRST..LAST (days since 1970-01-01, UTC; `date +%s` / 86400).
        #[arg(long, value_name = "FIRST..LAST")]
        delay_days: Option<String>,
        /// Request file to write (send it to the importer).
        #[arg(long)]
        out: PathBuf,
    },
    /// Ask for a model-evaluation proof: a suite of the registry, a deployment date, a fresh nonce.
    EvalRequest {
        #[arg(long)]
        registry: PathBuf,
        #[arg(long)]
        importer: String,
        /// Suite id (from the registry).
        #[arg(long)]
        suite: String,
        /// Deployment date, YYYYMMDD: no result dated after it.
        #[arg(long)]
        deployment_date: u64,
        /// Not-before date, YYYYMMDD: no result dated before it (the oldest
        /// result the agency accepts).
        #[arg(long)]
        not_before: u64,
        /// Request file to write (send it to the lab).
        #[arg(long)]
        out: PathBuf,
    },
    /// Ask for a deployment-jurisdiction proof: a deployment, the evaluated model's commitment, an epoch, a tier cap.
    JurisdictionRequest {
        #[arg(long)]
        importer: String,
        #[arg(long)]
        deployment: String,
        /// The model commitment of a verified evaluation claim.
        #[arg(long)]
        model_commitment: String,
        #[arg(long)]
        epoch: u64,
        /// Highest tier (registry country table) a store may be in.
        #[arg(long)]
        max_tier: u64,
        /// Request file to write.
        #[arg(long)]
        out: PathBuf,
    },
    /// Verify a deployment-jurisdiction proof against the registry and the request.
    VerifyJurisdiction {
        /// Circuit jurisdiction-S.
        #[arg(long, default_value = "jurisdiction-4")]
        circuit: String,
        // The operator's jurisdiction bundle, and the agency's files.
        #[command(flatten)]
        claim: ClaimArgs,
    },
    /// Verify a model-evaluation proof against the registry and the request.
    VerifyEvaluation {
        // The lab's evaluation bundle, and the agency's files.
        #[command(flatten)]
        claim: ClaimArgs,
    },
    /// Run the agency's service: HTTP API, database, audit trail, officers' page.
    Serve(super::serve::ServeArgs),
    /// The service's audit trail.
    #[command(subcommand)]
    Audit(super::serve::AuditCmd),
}

#[derive(Args)]
pub struct VerifyArgs {
    #[command(flatten)]
    keys: super::serve::FleetKeyArgs,
    #[command(flatten)]
    files: zkcc_verifier::verdict::AgencyFileArgs,
    #[command(flatten)]
    lifecycle: zkcc_verifier::verdict::LifecycleArgs,
    /// The importer's submission.
    submission: PathBuf,
}

/// A lifecycle claim to verify (`verify-evaluation`, `verify-jurisdiction`):
/// the keys, the registry, the request the agency issued, where to write the
/// verified claim, and the bundle.
#[derive(Args)]
pub struct ClaimArgs {
    #[command(flatten)]
    keys: KeyDirArg,
    #[command(flatten)]
    registry: RegistryArg,
    /// The request the agency issued.
    #[arg(long)]
    request: PathBuf,
    /// Write the verified claim (JSON) here.
    #[arg(long)]
    report: Option<PathBuf>,
    /// The bundle to verify: the lab's evaluation bundle, or the operator's
    /// jurisdiction bundle.
    bundle: PathBuf,
}

impl ClaimArgs {
    /// Checks `--report`'s directory, loads the registry and the request.
    fn open<R: serde::de::DeserializeOwned>(&self) -> Result<(Registry, R), ProverError> {
        self.report.as_deref().map(out_file).transpose()?;
        Ok((self.registry.load()?, read_json(&self.request)?))
    }

    /// Verifies the bundle with `verify`, under the key of circuit `c`; a
    /// bundle that does not parse or verify is rejected (exit 1).
    fn verify<V: serde::Serialize>(
        &self,
        c: &Circuit,
        verify: impl FnOnce(&PreparedKey, &str) -> Result<V, zkcc_verifier::VerifyError>,
    ) -> Result<V, ProverError> {
        let vk = zkcc_prover::keys::load_verifying_key_of(&self.keys.keys, c)?;
        let pvk = PreparedKey::new(&vk);
        let text = read_text(&self.bundle)?;
        verify(&pvk, &text).map_err(|e| rejected(&self.bundle, e))
    }

    /// Writes a verified claim to `--report`, when one was given.
    fn write_report(&self, claim: &impl serde::Serialize) -> Result<(), ProverError> {
        match &self.report {
            Some(out) => write_json(out, claim),
            None => Ok(()),
        }
    }
}

/// A fresh request nonce (0x-hex field element, from the OS).
fn fresh_nonce() -> String {
    fr_to_hex(&ark_bn254::Fr::rand(&mut OsRng))
}

/// Writes a request to `out` and prints `summary` of it.
fn issue(
    out: &std::path::Path,
    req: &impl serde::Serialize,
    summary: String,
) -> Result<(), ProverError> {
    write_json(out, req)?;
    println!("{summary}");
    Ok(())
}

/// A bundle the agency rejects: `REJECTED: <file>: <reason>`, exit 1.
fn rejected(file: &std::path::Path, e: zkcc_verifier::VerifyError) -> ProverError {
    ProverError::Rejected(format!("{}: {e}", file.display()))
}

pub fn run(c: AgencyCmd) -> Result<(), ProverError> {
    match c {
        AgencyCmd::Serve(a) => super::serve::serve(a),
        AgencyCmd::Audit(c) => super::serve::audit(c),
        AgencyCmd::JurisdictionRequest {
            importer,
            deployment,
            model_commitment,
            epoch,
            max_tier,
            out,
        } => {
            out_file(&out)?;
            encode_label(&importer)?;
            encode_label(&deployment)?;
            zkcc_circuits::encoding::fr_from_hex(&model_commitment)?;
            let req = zkcc_verifier::lifecycle::JurisdictionRequest {
                version: zkcc_verifier::lifecycle::LIFECYCLE_VERSION,
                importer,
                deployment,
                model_commitment,
                epoch,
                max_tier,
                nonce: fresh_nonce(),
            };
            let summary = format!(
                "jurisdiction request for {} deployment {}: epoch {}, tiers <= {}, nonce {}",
                req.importer, req.deployment, req.epoch, req.max_tier, req.nonce
            );
            issue(&out, &req, summary)
        }
        AgencyCmd::VerifyJurisdiction { circuit, claim } => {
            use zkcc_verifier::lifecycle::{
                verify_jurisdiction, JurisdictionBundle, JurisdictionRequest,
            };
            let (r, req): (_, JurisdictionRequest) = claim.open()?;
            let v = claim.verify(&Circuit::parse(&circuit)?, |pvk, text| {
                JurisdictionBundle::from_json(text)
                    .and_then(|b| verify_jurisdiction(pvk, &r, &req, &b))
            })?;
            println!(
                "ACCEPTED: every prompt-log and output store of deployment {} of {} (model {}) is attested for epoch {}, encrypted at rest, in its own facilities in countries of tier <= {}",
                v.deployment, v.importer, v.model_commitment, v.epoch, v.max_tier
            );
            claim.write_report(&v)
        }
        AgencyCmd::EvalRequest {
            registry,
            importer,
            suite,
            deployment_date,
            not_before,
            out,
        } => {
            out_file(&out)?;
            let r = load_registry(&registry)?;
            encode_label(&importer)?;
            for d in [deployment_date, not_before] {
                zkcc_circuits::evaluation::check_date(d)
                    .map_err(|e| ProverError::Inventory(e.to_string()))?;
            }
            if not_before > deployment_date {
                return Err(ProverError::Inventory(format!(
                    "--not-before {not_before} is after --deployment-date {deployment_date}"
                )));
            }
            if r.suite(&suite).is_none() {
                return Err(ProverError::Inventory(format!(
                    "the registry has no suite {suite:?}"
                )));
            }
            let req = zkcc_verifier::lifecycle::EvaluationRequest {
                version: zkcc_verifier::lifecycle::LIFECYCLE_VERSION,
                importer,
                suite,
                deployment_date,
                not_before,
                nonce: fresh_nonce(),
            };
            let summary = format!(
                "evaluation request for {}: suite {}, results dated {} to {}, nonce {}",
                req.importer, req.suite, req.not_before, req.deployment_date, req.nonce
            );
            issue(&out, &req, summary)
        }
        AgencyCmd::VerifyEvaluation { claim } => {
            use zkcc_verifier::lifecycle::{
                verify_evaluation, EvaluationBundle, EvaluationRequest,
            };
            let (r, req): (_, EvaluationRequest) = claim.open()?;
            let n = r.suite(&req.suite).map(|s| s.evals.len()).ok_or_else(|| {
                ProverError::Inventory(format!("the registry has no suite {:?}", req.suite))
            })?;
            let v = claim.verify(&Circuit::Evaluation(n), |pvk, text| {
                EvaluationBundle::from_json(text).and_then(|b| verify_evaluation(pvk, &r, &req, &b))
            })?;
            println!(
                "ACCEPTED: model {} of {} passed every eval of suite {} v{} ({} evals), results signed for it by accredited evaluators between {} and {}",
                v.model_commitment, v.importer, v.suite, v.suite_version, v.evals, v.not_before, v.deployment_date
            );
            claim.write_report(&v)
        }
        AgencyCmd::Ledger {
            registry,
            shipments,
            importer,
            out,
        } => {
            out_file(&out)?;
            let r = load_registry(&registry)?;
            let s: ShipmentsFile = read_json(&shipments)?;
            let l = ledger_from_shipments(&r, &s, &importer)?;
            write_json(&out, &l.to_file(&r))?;
            println!(
                "{}: {} chips, TPP {}; digest {}",
                importer,
                l.len(),
                l.total_tpp(),
                fr_to_hex(&l.digest)
            );
            Ok(())
        }
        AgencyCmd::Request {
            registry,
            importer,
            epoch,
            rules,
            delay_days,
            out,
        } => {
            out_file(&out)?;
            let r = load_registry(&registry)?;
            encode_label(&importer)?;
            let rules_path = rules.display().to_string();
            let rules: RulesJson = zkcc_prover::agency::request_rules(
                &r,
                &importer,
                read_json::<serde_json::Value>(&rules)?,
            )
            .map_err(|e| {
                // Labelled by the file, not by where the check lives.
                let why = match e {
                    ProverError::Verify(zkcc_verifier::VerifyError::Unsupported(m))
                    | ProverError::Inventory(m) => m,
                    ProverError::Verify(v) => v.to_string(),
                    e => return e,
                };
                ProverError::Usage(format!("{rules_path}: {why}"))
            })?;
            let req = RequestFile {
                version: SUBMISSION_VERSION,
                importer,
                epoch,
                nonce: fresh_nonce(),
                rules,
                delay: delay_days.as_deref().map(parse_days).transpose()?,
            };
            let summary = format!(
                "request for {} (home country {}) epoch {}: nonce {}",
                req.importer, req.rules.home_country, req.epoch, req.nonce
            );
            issue(&out, &req, summary)
        }
    }
}

/// `FIRST..LAST` (days since 1970-01-01, UTC), `FIRST ≤ LAST`.
fn parse_days(s: &str) -> Result<zkcc_verifier::submission::DelayWindow, ProverError> {
    let bad = || {
        ProverError::Usage(format!(
            "--delay-days {s:?}: expected FIRST..LAST, two day numbers (days since 1970-01-01) with FIRST <= LAST"
        ))
    };
    let (a, b) = s.split_once("..").ok_or_else(bad)?;
    let (a, b): (u64, u64) = (a.parse().map_err(|_| bad())?, b.parse().map_err(|_| bad())?);
    if a > b {
        return Err(bad());
    }
    Ok(zkcc_verifier::submission::DelayWindow {
        earliest_day: a,
        latest_day: b,
    })
}

pub fn verify(a: VerifyArgs) -> Result<(), ProverError> {
    // The agency's own files first: a problem with any of them is a
    // configuration error (exit 2), found before any verdict is printed.
    a.files.report.as_deref().map(out_file).transpose()?;
    let registry = load_registry(&a.files.registry)?;
    let keys = a.keys.load()?;
    // Streamed: a ledger of a million chips is read record by record.
    let file = std::fs::File::open(&a.files.ledger).map_err(|source| ProverError::Io {
        path: a.files.ledger.display().to_string(),
        source,
    })?;
    let ledger = Ledger::from_reader(file, &registry)
        .map_err(|e| ProverError::Usage(format!("{}: {e}", a.files.ledger.display())))?;
    let req: RequestFile = read_json(&a.files.request)?;
    let ok = zkcc_verifier::verdict::judge_file(
        &a.files,
        &a.lifecycle,
        &keys,
        &registry,
        &ledger,
        &req,
        &a.submission,
        read_text,
        write,
        ProverError::Usage,
    )?;
    if ok {
        Ok(())
    } else {
        Err(ProverError::Verdict)
    }
}
