//! `zkcc-verify`: the agency's standalone verifier, built from this crate alone.
//!
//! ```text
//! zkcc-verify --vk keys/cluster-1024x8.vk --registry registry.json \
//!             --epoch 7 --nonce 0x… bundle.json
//! ```
//! Exit codes: 0 accepted, 1 rejected (the reason is printed), 2 usage or I/O error.
use clap::Parser;
use std::path::PathBuf;
use std::process::ExitCode;
use zkcc_circuits::encoding::fr_from_hex;
use zkcc_circuits::registry::Registry;
use zkcc_verifier::{keys::load_verifying_key, verify_bundle, Expectations, ProofBundle};

#[derive(Parser)]
#[command(name = "zkcc-verify", about = "Verify a zkcc proof bundle against the agency's registry and request")]
struct Args {
    /// Verifying key file (compressed arkworks encoding).
    #[arg(long)]
    vk: PathBuf,
    /// The agency's registry (JSON).
    #[arg(long)]
    registry: PathBuf,
    /// The epoch the agency is auditing.
    #[arg(long)]
    epoch: u64,
    /// The nonce the agency issued for this request (0x-hex field element).
    #[arg(long)]
    nonce: String,
    /// The proof bundle (JSON).
    bundle: PathBuf,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let run = || -> Result<Result<zkcc_verifier::VerifiedClaim, zkcc_verifier::VerifyError>, String> {
        let read = |p: &PathBuf| std::fs::read(p).map_err(|e| format!("{}: {e}", p.display()));
        let vk = load_verifying_key(&read(&args.vk)?).map_err(|e| format!("{}: {e}", args.vk.display()))?;
        let registry_text = String::from_utf8(read(&args.registry)?).map_err(|e| format!("{}: {e}", args.registry.display()))?;
        let registry = Registry::from_json(&registry_text).map_err(|e| format!("{}: {e}", args.registry.display()))?;
        let nonce = fr_from_hex(&args.nonce).map_err(|e| format!("--nonce: {e}"))?;
        let bundle_text = String::from_utf8(read(&args.bundle)?).map_err(|e| format!("{}: {e}", args.bundle.display()))?;
        let expect = Expectations { registry_root: registry.root, epoch: args.epoch, nonce };
        Ok(ProofBundle::from_json(&bundle_text).and_then(|b| verify_bundle(&vk, &b, &expect)))
    };
    match run() {
        Ok(Ok(claim)) => {
            println!(
                "ACCEPTED: {} holds at most {} active chips, all attested inside authorized facilities, epoch {} (commitment {})",
                claim.importer,
                claim.statement.cap,
                claim.statement.epoch,
                claim.commitment_hex()
            );
            ExitCode::SUCCESS
        }
        Ok(Err(e)) => {
            println!("REJECTED: {e}");
            ExitCode::from(1)
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}
