//! The agency's verdict on a submission, printed the same by `zkcc verify`
//! and `zkcc-verify submission`.
//!
//! The agency's own files (keys, registry, ledger and request by each
//! binary its own way, then the policy and lifecycle claims by
//! [`judge_file`]) are loaded and checked *before* [`judge`] runs: a broken
//! one is a configuration error (exit 2) and no verdict is printed. Then the
//! importer's submission is judged: a submission that does not parse or
//! does not verify is a rejection (`REJECTED: <file>: <reason>`, exit 1);
//! one that verifies is `ACCEPTED: …`, and with a policy the decision
//! follows (granted exit 0, denied exit 1).
use crate::access::{self, LifecycleFacts, Outcome, Policy, Report};
use crate::fleet::{verify_submission, FleetKeys};
use crate::submission::{RequestFile, Submission};
use crate::VerifyError;
use rand::{CryptoRng, RngCore};
use zkcc_circuits::ledger::Ledger;
use zkcc_circuits::registry::Registry;

/// The exit codes of `zkcc` and `zkcc-verify`, as their `--help` shows them.
pub const EXIT_CODES: &str = "Exit codes:
  0  success; accepted (with --policy: and granted)
  1  rejected: a submission or bundle does not verify, the claim does not hold, access denied
  2  usage or configuration: a bad argument, a file that does not exist, one of the agency's
     own files (policy, registry, keys, ledger, request) of the wrong format or content,
     a refused overwrite; no verdict is printed
  3  I/O or internal: a file that exists cannot be read or written, the proof system or
     Slurm failed";

/// The agency's own files for a verdict, as `zkcc verify` and `zkcc-verify
/// submission` take them: `--registry`, `--ledger`, `--request`, `--policy`,
/// `--report`. Each binary loads the registry, ledger and request its own
/// way, [`judge_file`] the policy (a broken one is exit 2).
#[derive(clap::Args, Clone, Debug)]
pub struct AgencyFileArgs {
    /// The agency's registry (JSON).
    #[arg(long)]
    pub registry: std::path::PathBuf,
    /// The agency's shipment ledger for the importer (JSON).
    #[arg(long)]
    pub ledger: std::path::PathBuf,
    /// The agency's request (JSON: importer, epoch, nonce, rules).
    #[arg(long)]
    pub request: std::path::PathBuf,
    /// The agency's access policy (JSON, version 2): end in a decision.
    #[arg(long)]
    pub policy: Option<std::path::PathBuf>,
    /// Write the decision's JSON report here (atomically).
    #[arg(long, requires = "policy")]
    pub report: Option<std::path::PathBuf>,
}

impl AgencyFileArgs {
    /// The `--policy` file, if given: read by `read` (the binary's own
    /// reader, with its messages and exit codes), parsed and checked against
    /// `registry`, or `bad("<file>: <why>")` (a configuration error).
    pub fn policy<E>(
        &self,
        registry: &Registry,
        read: impl Fn(&std::path::Path) -> Result<String, E>,
        bad: impl Fn(String) -> E,
    ) -> Result<Option<Policy>, E> {
        let Some(p) = &self.policy else {
            return Ok(None);
        };
        Policy::from_json_for(&read(p)?, registry)
            .map(Some)
            .map_err(|e| bad(format!("{}: {e}", p.display())))
    }
}

/// The verified AI lifecycle claims a decision may count, as `zkcc verify`
/// and `zkcc-verify submission` take them: `--evaluation-claim`,
/// `--jurisdiction-claim` (each repeatable), `--decision-date`. The claims
/// are the agency's own files (the `--report` of `zkcc agency
/// verify-evaluation` / `verify-jurisdiction`): a broken one is exit 2.
#[derive(clap::Args, Clone, Debug, Default)]
pub struct LifecycleArgs {
    /// A verified model-evaluation claim (the `--report` of `zkcc agency
    /// verify-evaluation`) that the policy's rules may require; repeatable.
    #[arg(long, requires = "policy")]
    pub evaluation_claim: Vec<std::path::PathBuf>,
    /// A verified deployment-jurisdiction claim (the `--report` of `zkcc
    /// agency verify-jurisdiction`); repeatable.
    #[arg(long, requires = "policy")]
    pub jurisdiction_claim: Vec<std::path::PathBuf>,
    /// The decision date, YYYYMMDD: what an evaluation's age is measured
    /// from (required for an evaluation claim to count).
    #[arg(long, requires = "policy")]
    pub decision_date: Option<u64>,
}

impl LifecycleArgs {
    /// The facts for [`Agency::lifecycle`]: each claim file read by `read`
    /// (the binary's own reader, with its messages and exit codes), parsed,
    /// or `bad("<file>: <why>")` (a configuration error).
    pub fn facts<E>(
        &self,
        read: impl Fn(&std::path::Path) -> Result<String, E>,
        bad: impl Fn(String) -> E,
    ) -> Result<LifecycleFacts, E> {
        fn parse<T: serde::de::DeserializeOwned, E>(
            paths: &[std::path::PathBuf],
            read: &impl Fn(&std::path::Path) -> Result<String, E>,
            bad: &impl Fn(String) -> E,
        ) -> Result<Vec<T>, E> {
            paths
                .iter()
                .map(|p| {
                    serde_json::from_str(&read(p)?)
                        .map_err(|e| bad(format!("{}: {e}", p.display())))
                })
                .collect()
        }
        Ok(LifecycleFacts {
            decision_date: self.decision_date.unwrap_or(0),
            evaluations: parse(&self.evaluation_claim, &read, &bad)?,
            jurisdictions: parse(&self.jurisdiction_claim, &read, &bad)?,
        })
    }
}

/// The agency's configuration, every file already loaded and checked.
pub struct Agency<'a> {
    /// Verifying keys and shapes.
    pub keys: &'a FleetKeys,
    /// The registry.
    pub registry: &'a Registry,
    /// The importer's ledger.
    pub ledger: &'a Ledger,
    /// The request the agency issued.
    pub request: &'a RequestFile,
    /// The access policy, already checked against the registry.
    pub policy: Option<&'a Policy>,
    /// Verified lifecycle claims the policy's rules may require.
    pub lifecycle: &'a LifecycleFacts,
}

/// What `zkcc verify` and `zkcc-verify submission` do once each has loaded
/// the agency's keys, registry, ledger and request its own way: the policy
/// and the lifecycle claims loaded (a broken one is `bad("<file>: <why>")`,
/// exit 2, before any verdict is printed), then the importer's `submission`
/// read and [`judge`]d with fresh randomness from the OS, the verdict printed
/// and the report written to `--report` by `write`. `Ok(true)` is exit 0,
/// `Ok(false)` exit 1.
#[allow(clippy::too_many_arguments)]
pub fn judge_file<E>(
    files: &AgencyFileArgs,
    lifecycle: &LifecycleArgs,
    keys: &FleetKeys,
    registry: &Registry,
    ledger: &Ledger,
    request: &RequestFile,
    submission: &std::path::Path,
    read: impl Fn(&std::path::Path) -> Result<String, E>,
    write: impl Fn(&std::path::Path, &[u8]) -> Result<(), E>,
    bad: impl Fn(String) -> E,
) -> Result<bool, E> {
    let policy = files.policy(registry, &read, &bad)?;
    let lifecycle = lifecycle.facts(&read, &bad)?;
    let agency = Agency {
        keys,
        registry,
        ledger,
        request,
        policy: policy.as_ref(),
        lifecycle: &lifecycle,
    };
    // The importer's submission: a problem with it is a rejection (exit 1).
    let text = read(submission)?;
    let name = submission.display().to_string();
    let v = judge(&agency, &name, &text, &mut rand::rngs::OsRng).map_err(|e| bad(e.to_string()))?;
    print!("{}", v.text);
    if let (Some(r), Some(out)) = (&v.report, &files.report) {
        write(out, r.to_json().as_bytes())?;
        println!("report: {}", out.display());
    }
    Ok(v.ok)
}

/// What [`judge`] decided: the lines to print, the report (with a policy)
/// and whether the run succeeds (accepted, and granted under a policy).
pub struct Verdict {
    /// `ACCEPTED: …` or `REJECTED: …`, then the decision, one line each.
    pub text: String,
    /// The decision report, with a policy.
    pub report: Option<Report>,
    /// Exit 0 (`true`) or 1.
    pub ok: bool,
}

/// Verifies the submission `text` (from the file `name`) for `agency`.
/// `Err` only for a decision the policy cannot make (a configuration error).
pub fn judge<R: RngCore + CryptoRng>(
    agency: &Agency,
    name: &str,
    text: &str,
    rng: &mut R,
) -> Result<Verdict, VerifyError> {
    let verified = Submission::from_json(text).and_then(|sub| {
        verify_submission(
            agency.keys,
            agency.registry,
            agency.ledger,
            agency.request,
            &sub,
            rng,
        )
    });
    let (mut text, report) = match &verified {
        Ok(v) => {
            let r = v.rules_json();
            let line = format!(
                "ACCEPTED: {name}: {} (epoch {}): all {} ledger chips located exactly once in {} \
                 attested facilities ({} shards, commitment {}); rules proven: {}\n",
                v.importer,
                v.epoch,
                v.ledger_chips,
                v.facilities,
                v.shards,
                v.commitment_hex(),
                r.summary()
            );
            let report = match agency.policy {
                Some(p) => Some(access::decide_with(
                    p,
                    agency.registry,
                    v,
                    agency.lifecycle,
                )?),
                None => None,
            };
            (line, report)
        }
        Err(e) => {
            let line = format!("REJECTED: {name}: {e}\n");
            let report = match agency.policy {
                Some(p) => Some(access::rejected(p, agency.registry, agency.request, e)?),
                None => None,
            };
            (line, report)
        }
    };
    let ok = match &report {
        Some(r) => {
            text.push_str(&r.human());
            r.decision.outcome == Outcome::Grant
        }
        None => verified.is_ok(),
    };
    Ok(Verdict { text, report, ok })
}
