//! The evaluator's commands: a signing key, and signing an evaluation result
//! for a model's weights digest.
use clap::Subcommand;
use std::path::PathBuf;
use zkcc_circuits::evaluation::parse_digest;
use zkcc_prover::error::write_json;
use zkcc_prover::lifecycle::{digest_file, sign_result};
use zkcc_prover::ProverError;

#[derive(Subcommand)]
pub enum EvaluatorCmd {
    /// Generate a signing key; prints the public key for the agency's registry (`evaluators`).
    Keygen(super::args::KeygenArgs),
    /// Sign one result: (suite version, model digest, eval id, score, date).
    Sign {
        // The evaluator's key, and the agency's registry (the suite is
        // taken from it).
        #[command(flatten)]
        signer: super::args::SignerArgs,
        /// Suite id: the result is signed for the version the registry lists.
        #[arg(long)]
        suite: String,
        /// The model's SHA-256 weights digest (64 hex digits)…
        #[arg(long, conflicts_with = "weights", required_unless_present = "weights")]
        model_digest: Option<String>,
        /// …or the weights file itself (hashed, streamed).
        #[arg(long)]
        weights: Option<PathBuf>,
        /// Eval id (as in the agency's suite).
        #[arg(long)]
        eval: String,
        /// The score measured.
        #[arg(long)]
        score: u64,
        /// Date of the result, YYYYMMDD.
        #[arg(long)]
        date: u64,
        /// Signed result to write (hand it to the lab).
        #[arg(long)]
        out: PathBuf,
    },
}

pub fn run(c: EvaluatorCmd) -> Result<(), ProverError> {
    match c {
        EvaluatorCmd::Keygen(a) => a.run(),
        EvaluatorCmd::Sign {
            signer,
            suite,
            model_digest,
            weights,
            eval,
            score,
            date,
            out,
        } => {
            super::out_file(&out)?;
            let (reg, k) = signer.load()?;
            let digest = match (model_digest, weights) {
                (Some(d), _) => {
                    parse_digest(&d).map_err(|e| ProverError::Inventory(e.to_string()))?
                }
                (None, Some(w)) => digest_file(&w)?,
                (None, None) => {
                    return Err(ProverError::Inventory(
                        "give --model-digest or --weights".into(),
                    ))
                }
            };
            let s = reg.suite(&suite).ok_or_else(|| {
                ProverError::Inventory(format!("the registry has no suite {suite:?}"))
            })?;
            let id = zkcc_circuits::encoding::encode_label(&eval)?;
            if !s.evals.iter().any(|e| e.id == id) {
                let names: Vec<&str> = reg
                    .file
                    .eval_suites
                    .iter()
                    .filter(|j| j.id == suite)
                    .flat_map(|j| j.evals.iter().map(|e| e.id.as_str()))
                    .collect();
                return Err(ProverError::Usage(format!(
                    "suite {suite} has no eval {eval:?} (its evals: {})",
                    names.join(", ")
                )));
            }
            let r = sign_result(&k, s, &digest, &eval, score, date)?;
            write_json(&out, &r)?;
            println!(
                "{} signed {eval} = {score} on {date} for suite {} v{} and model {}",
                k.id, r.suite, r.suite_version, r.model_digest
            );
            Ok(())
        }
    }
}
