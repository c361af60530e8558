//! `zkcc ceremony`: the multi-party setup (phase 2 over a snarkjs phase-1
//! file), for the agency, auditors and importers alike.
use clap::Subcommand;
use std::path::PathBuf;
use std::time::Instant;
use zkcc_prover::ceremony::{self, export, phase2};
use zkcc_prover::error::write;
use zkcc_prover::keys::{self, Circuit};
use zkcc_prover::ProverError;

#[derive(Subcommand)]
pub enum CeremonyCmd {
    /// Export a circuit as an iden3 .r1cs (for `snarkjs zkey verify` and other provers).
    R1cs {
        /// Circuit: shard-FxM or request-SxF.
        #[arg(long)]
        circuit: String,
        /// Output .r1cs.
        #[arg(long)]
        out: PathBuf,
    },
    /// Coordinator: the circuit's initial key from a phase-1 file (.ptau, checked first).
    Init {
        /// Circuit: shard-FxM or request-SxF.
        #[arg(long)]
        circuit: String,
        /// Phase-1 powers of tau (snarkjs .ptau, raw or prepared).
        #[arg(long)]
        ptau: PathBuf,
        /// Output .zkey (no contribution yet).
        #[arg(long)]
        out: PathBuf,
    },
    /// Contributor: add a contribution (fresh randomness from the OS; nothing secret is kept).
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
    Beacon {
        /// The latest .zkey.
        #[arg(long = "in")]
        input: PathBuf,
        /// The new .zkey.
        #[arg(long)]
        out: PathBuf,
        /// Beacon hash, hex (e.g. a future block hash announced in advance).
        #[arg(long)]
        hash: String,
        /// Iterations exponent (10..=63).
        #[arg(long, default_value_t = 10)]
        iterations_exp: u8,
        /// Name in the transcript.
        #[arg(long)]
        name: Option<String>,
    },
    /// Anyone: verify a .zkey's whole transcript against the circuit and the phase-1 file.
    Verify {
        /// Circuit: shard-FxM or request-SxF.
        #[arg(long)]
        circuit: String,
        /// Phase-1 powers of tau.
        #[arg(long)]
        ptau: PathBuf,
        /// The .zkey.
        #[arg(long)]
        zkey: PathBuf,
    },
    /// Coordinator: verify the final .zkey and write zkcc's key files from it.
    Finalize {
        /// Circuit: shard-FxM or request-SxF.
        #[arg(long)]
        circuit: String,
        /// Phase-1 powers of tau.
        #[arg(long)]
        ptau: PathBuf,
        /// The final .zkey.
        #[arg(long)]
        zkey: PathBuf,
        /// Key directory.
        #[arg(long, default_value = "keys")]
        out: PathBuf,
    },
}

fn print_verified(v: &phase2::Verified) {
    println!("circuit hash {}", hex::encode(v.cs_hash));
    for (i, (h, name, beacon)) in v.contributions.iter().enumerate() {
        println!(
            "  contribution #{} {}{}: {}",
            i + 1,
            name.as_deref().unwrap_or(""),
            if *beacon { " (beacon)" } else { "" },
            hex::encode(h)
        );
    }
}

pub fn run(c: CeremonyCmd) -> Result<(), ProverError> {
    match c {
        CeremonyCmd::R1cs { circuit, out } => {
            let c = Circuit::parse(&circuit)?;
            let r1cs = keys::r1cs_of(&c)?;
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
        CeremonyCmd::Init { circuit, ptau, out } => {
            let c = Circuit::parse(&circuit)?;
            let t = Instant::now();
            let p = ceremony::load_ptau(&ptau)?;
            let t_ptau = t.elapsed();
            let t = Instant::now();
            let z = ceremony::init(&c, &p)?;
            write(&out, &z.to_bytes())?;
            println!(
                "{}: initial key, domain {}, phase-1 power {} (read and checked in {:.1} s), built in {:.1} s -> {}",
                c.name(), z.domain_size, p.power, t_ptau.as_secs_f64(), t.elapsed().as_secs_f64(), out.display()
            );
            println!("circuit hash {}", hex::encode(z.cs_hash));
            Ok(())
        }
        CeremonyCmd::Contribute { input, out, name } => {
            let z = ceremony::load_zkey(&input)?;
            let t = Instant::now();
            let z = phase2::contribute(&z, name.as_deref(), &mut rand::rngs::OsRng)?;
            write(&out, &z.to_bytes())?;
            let h = z.contributions.last().map(|c| c.hash()).unwrap_or([0; 64]);
            println!(
                "contribution #{} in {:.1} s -> {}",
                z.contributions.len(),
                t.elapsed().as_secs_f64(),
                out.display()
            );
            println!("contribution hash (note it, publish it) {}", hex::encode(h));
            Ok(())
        }
        CeremonyCmd::Beacon {
            input,
            out,
            hash,
            iterations_exp,
            name,
        } => {
            let bh = hex::decode(&hash).map_err(|e| ProverError::Keys(format!("--hash: {e}")))?;
            let z = ceremony::load_zkey(&input)?;
            let z = phase2::beacon(&z, &bh, iterations_exp, name.as_deref())?;
            write(&out, &z.to_bytes())?;
            let h = z.contributions.last().map(|c| c.hash()).unwrap_or([0; 64]);
            println!(
                "beacon (contribution #{}) -> {}",
                z.contributions.len(),
                out.display()
            );
            println!("contribution hash {}", hex::encode(h));
            Ok(())
        }
        CeremonyCmd::Verify {
            circuit,
            ptau,
            zkey,
        } => {
            let c = Circuit::parse(&circuit)?;
            let p = ceremony::load_ptau(&ptau)?;
            let z = ceremony::load_zkey(&zkey)?;
            let v = ceremony::verify(&c, &p, &z)?;
            print_verified(&v);
            println!(
                "OK: {} follows from {} and {} through {} contributions",
                zkey.display(),
                ptau.display(),
                c.name(),
                v.contributions.len()
            );
            Ok(())
        }
        CeremonyCmd::Finalize {
            circuit,
            ptau,
            zkey,
            out,
        } => {
            let c = Circuit::parse(&circuit)?;
            let p = ceremony::load_ptau(&ptau)?;
            let z = ceremony::load_zkey(&zkey)?;
            let (m, v) = ceremony::finalize(&out, &c, &p, z)?;
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
