//! `zkcc`: zero-knowledge compliance claims about AI chips.
//!
//! One subcommand per role — the agency (`registry`, `agency ledger`,
//! `agency request`, `verify`), the auditor (`auditor keygen`, `auditor
//! attest`), the importer (`commit`, `prove shards`, `prove request`) — and
//! `setup`, `sample`, `demo` for everyone. The commands live in `cli/`, one
//! file per role; this file parses and dispatches.
//!
//! Exit codes: 0 success (with a policy: granted); 1 the claim does not hold,
//! a proof was rejected or access denied; 2 bad input, missing files or usage
//! errors.
mod cli;

use clap::Parser;
use std::process::ExitCode;
use zkcc_prover::ProverError;
use zkcc_verifier::VerifyError;

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
    match cli::run(cli::Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let code = match &e {
                ProverError::Claim(_) | ProverError::Unsatisfied(_) | ProverError::Denied(_) => 1,
                ProverError::Verify(v)
                    if !matches!(
                        v,
                        VerifyError::BundleJson(_)
                            | VerifyError::KeyEncoding(_)
                            | VerifyError::Unsupported(_)
                    ) =>
                {
                    1
                }
                _ => 2,
            };
            if code == 1 && matches!(e, ProverError::Verify(_)) {
                println!("REJECTED: {e}");
            } else if code == 1 {
                println!("{e}");
            } else {
                eprintln!("error: {e}");
            }
            ExitCode::from(code)
        }
    }
}
