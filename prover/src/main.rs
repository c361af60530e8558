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

fn main() -> ExitCode {
    cli::signals::install();
    zkcc_prover::logging::init();
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
