//! `zkcc`: zero-knowledge compliance claims about AI chips.
//!
//! One subcommand per role — the agency (`registry`, `agency ledger`,
//! `agency request`, `verify`), the auditor (`auditor keygen`, `auditor
//! attest`), the importer (`commit`, `prove shards`, `prove request`) — and
//! `setup`, `sample`, `demo` for everyone. The commands live in `cli/`, one
//! file per role; this file parses and dispatches.
//!
//! Exit codes (the same in `zkcc-verify`; README "Exit codes"): 0 success,
//! accepted, granted; 1 rejected: the claim does not hold, a submission or
//! bundle is rejected, access denied; 2 usage or configuration: a bad
//! argument, a file of the wrong format or content, a refused overwrite;
//! 3 I/O or internal: a file cannot be read or written, the proof system or
//! Slurm failed.
mod cli;

use clap::Parser;
use std::process::ExitCode;
use zkcc_prover::ProverError;

/// `RUST_LOG`'s directives, with arkworks' constraint-system spans (target
/// `gr1cs`) off unless they name that target: ark-r1cs-std opens a span on
/// every field operation that formats the whole constraint system, so that
/// `RUST_LOG=info` alone once made `zkcc ceremony init` run for ten minutes in
/// 17 GB instead of 25 s.
fn log_filter(directives: Option<String>) -> tracing_subscriber::EnvFilter {
    let mut d = directives.unwrap_or_default();
    if !d.trim().is_empty() && !d.contains("gr1cs") {
        d.push_str(",gr1cs=off");
    }
    tracing_subscriber::EnvFilter::new(d)
}

fn main() -> ExitCode {
    cli::signals::install();
    tracing_subscriber::fmt()
        .with_env_filter(log_filter(std::env::var("RUST_LOG").ok()))
        .with_writer(std::io::stderr)
        .init();
    match cli::run(cli::Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let code = e.exit_code();
            match &e {
                ProverError::Verdict => {}
                ProverError::Rejected(_) => println!("REJECTED: {e}"),
                _ if code == 1 => println!("{e}"),
                _ => eprintln!("error: {e}"),
            }
            ExitCode::from(code)
        }
    }
}
