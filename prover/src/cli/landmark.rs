//! Delay evidence over the network: `zkcc landmark` (the agency's landmark
//! server and the importer's batch request), `zkcc chip` (the chip's device
//! key and agent) and `zkcc vendor` (the vendor's CA key). Protocol and trust
//! model: `zkcc_prover::landmark`.
use super::{guard_secret, load_registry, out_dir, out_file};
use clap::Subcommand;
use rand::rngs::OsRng;
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;
use zkcc_circuits::delay::distance_bound_m;
use zkcc_prover::error::{read_json, write_json, write_secret_json};
use zkcc_prover::inventory::AuditorKeyFile;
use zkcc_prover::landmark::{
    client, digest_hex, Agent, ChipRef, Landmark, Limits, OwnerKey, OwnerKeyFile, P384KeyFile,
    KIND_DEVICE, KIND_VENDOR,
};
use zkcc_prover::ProverError;
use zkcc_verifier::device::{key_hex, DeviceCert};

#[derive(Subcommand)]
pub enum LandmarkCmd {
    /// Generate a landmark's EdDSA signing key; prints the public key for the
    /// registry's `landmarks` entry.
    Keygen {
        /// Secret key file to write (0600).
        #[arg(long)]
        out: PathBuf,
        /// The landmark's id, recorded in the key file.
        #[arg(long, default_value = "landmark")]
        id: String,
        /// Replace an existing key (moved aside to `<out>.old-<time>`).
        #[arg(long)]
        force: bool,
    },
    /// Run a landmark: accept chip agents, measure them on request, sign
    /// batches. Prints the bound address, then serves until killed.
    Serve {
        #[arg(long)]
        registry: PathBuf,
        /// The landmark's id in the registry.
        #[arg(long)]
        id: String,
        /// Its secret key file (from `landmark keygen`).
        #[arg(long)]
        key: PathBuf,
        /// Address to listen on (port 0: any free port).
        #[arg(long, default_value = "127.0.0.1:0")]
        listen: SocketAddr,
        /// Sign every batch for this day (days since 1970-01-01, UTC; tests
        /// and replays); default: the UTC day of the clock when each batch
        /// begins.
        #[arg(long)]
        day: Option<u64>,
        /// Challenges per chip; the smallest round trip is kept.
        #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=100))]
        tries: u32,
        /// Longest wait for a chip's answer, ms (1 to 4000).
        #[arg(long, default_value_t = 2000, value_parser = clap::value_parser!(u64).range(1..=4000))]
        answer_timeout_ms: u64,
    },
    /// Importer: have a landmark measure a facility slot's chips and sign the batch.
    Batch {
        /// The landmark's address.
        #[arg(long)]
        connect: String,
        /// The slot's entries: `{"entries": [{"serial", "model"} | null, …]}`,
        /// one per chip position.
        #[arg(long)]
        entries: PathBuf,
        /// Batch file to write.
        #[arg(long)]
        out: PathBuf,
        /// The importer's owner key (from `chip owner-keygen`): the chips'
        /// agents registered its digest; the landmark measures no other
        /// owner's chips.
        #[arg(long)]
        owner_key: PathBuf,
        /// Check the signed batch against this registry before writing it.
        #[arg(long)]
        registry: Option<PathBuf>,
        /// Longest wait for the landmark's reply, seconds.
        #[arg(long, default_value_t = 600)]
        wait_secs: u64,
    },
}

#[derive(Subcommand)]
pub enum ChipCmd {
    /// Make a chip's device key and the vendor's certificate of it. The key
    /// is a file (0600) standing in for the chip's hardware key: a file can
    /// be copied, the hardware key cannot; tests and demos only.
    Keygen {
        /// The vendor's CA key (from `vendor keygen`).
        #[arg(long)]
        vendor_key: PathBuf,
        /// The vendor's id, as the registry's `device_vendors` lists it.
        #[arg(long)]
        vendor: String,
        /// The chip's serial number.
        #[arg(long)]
        serial: String,
        /// The chip's model (a registry model name).
        #[arg(long)]
        model: String,
        /// Directory for device.key and device.cert.json.
        #[arg(long)]
        out_dir: PathBuf,
        /// Replace an existing device key (moved aside).
        #[arg(long)]
        force: bool,
    },
    /// Run a chip's agent: connect to a landmark, say hello with the
    /// certificate, answer every challenge until the landmark closes. The
    /// device key file stands in for the chip's hardware key.
    Agent {
        /// The device key file.
        #[arg(long)]
        key: PathBuf,
        /// The vendor's certificate of it.
        #[arg(long)]
        cert: PathBuf,
        /// The landmark's address.
        #[arg(long)]
        connect: String,
        /// The importer's owner key (from `chip owner-keygen`): only batch
        /// requests that present it can have this chip measured (its digest
        /// is registered at hello).
        #[arg(long)]
        owner_key: PathBuf,
    },
    /// Importer: generate the owner key (0600) whose digest its chips' agents
    /// register and which its batch requests present; prints the digest.
    OwnerKeygen {
        /// Secret key file to write (0600).
        #[arg(long)]
        out: PathBuf,
        /// Replace an existing key (moved aside).
        #[arg(long)]
        force: bool,
    },
}

#[derive(Subcommand)]
pub enum VendorCmd {
    /// Generate a vendor's CA key (ECDSA P-384); prints the registry's
    /// `device_vendors` entry.
    Keygen {
        /// Secret key file to write (0600).
        #[arg(long)]
        out: PathBuf,
        /// The vendor's id.
        #[arg(long, default_value = "NV")]
        id: String,
        /// The registry's chip models this vendor makes (comma-separated):
        /// its CA's certificates of other models are refused.
        #[arg(long, value_delimiter = ',', required = true)]
        models: Vec<String>,
        /// Replace an existing key (moved aside).
        #[arg(long)]
        force: bool,
    },
}

/// A slot's entries, as `landmark batch --entries` reads them.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlotFile {
    /// One per chip position.
    pub entries: Vec<Option<ChipRef>>,
}

fn runtime() -> Result<tokio::runtime::Runtime, ProverError> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| ProverError::Backend(format!("async runtime: {e}")))
}

fn say(line: String) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

pub fn landmark(c: LandmarkCmd) -> Result<(), ProverError> {
    match c {
        LandmarkCmd::Keygen { out, id, force } => super::auditor::keygen(&id, &out, force),
        LandmarkCmd::Serve {
            registry,
            id,
            key,
            listen,
            day,
            tries,
            answer_timeout_ms,
        } => {
            let reg = load_registry(&registry)?;
            let k: AuditorKeyFile = read_json(&key)?;
            let limits = Limits {
                tries,
                answer_timeout: Duration::from_millis(answer_timeout_ms),
                ..Limits::default()
            };
            let lm = Landmark::new(reg, &id, k.secret_key()?, day, limits)?;
            let rt = runtime()?;
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::bind(listen).await.map_err(|e| {
                    ProverError::Usage(format!("cannot listen on {listen}: {e}"))
                })?;
                let addr = listener
                    .local_addr()
                    .map_err(|e| ProverError::Backend(format!("listener: {e}")))?;
                say(format!(
                    "landmark {id} listening on {addr} (day {}{}; accepts chips within {} km: round trips up to {:.3} ms)",
                    lm.day(),
                    if day.is_some() { ", fixed" } else { ", following the clock" },
                    lm.max_distance_m() / 1000,
                    lm.bound_ns() as f64 / 1e6
                ));
                lm.serve(listener).await;
                Ok(())
            })
        }
        LandmarkCmd::Batch {
            connect,
            entries,
            out,
            registry,
            owner_key,
            wait_secs,
        } => {
            out_file(&out)?;
            let owner = read_json::<OwnerKeyFile>(&owner_key)?.key()?;
            let reg = registry.as_deref().map(load_registry).transpose()?;
            let slot: SlotFile = read_json(&entries)?;
            let rt = runtime()?;
            let file = rt.block_on(client::request_batch(
                connect.as_str(),
                &owner,
                slot.entries,
                Duration::from_secs(wait_secs),
            ))?;
            if let Some(r) = &reg {
                file.verify(r)?;
            }
            write_json(&out, &file)?;
            let measured = file.entries.iter().flatten().count();
            say(format!(
                "batch of landmark {} for day {}: {measured} chip(s) measured of {} position(s), largest round trip {:.3} ms (within {:.0} km){}; wrote {}",
                file.landmark,
                file.day,
                file.entries.len(),
                file.max_rtt_ns as f64 / 1e6,
                distance_bound_m(file.max_rtt_ns) / 1e3,
                if reg.is_some() { ", verified" } else { "" },
                out.display()
            ));
            Ok(())
        }
    }
}

pub fn chip(c: ChipCmd) -> Result<(), ProverError> {
    match c {
        ChipCmd::Keygen {
            vendor_key,
            vendor,
            serial,
            model,
            out_dir: dir,
            force,
        } => {
            out_dir(&dir)?;
            let ca = read_json::<P384KeyFile>(&vendor_key)?.signing_key(KIND_VENDOR)?;
            let device = p384::ecdsa::SigningKey::random(&mut OsRng);
            let cert = DeviceCert::issue(&ca, &vendor, &serial, &model, device.verifying_key())
                .map_err(|e| ProverError::Usage(e.to_string()))?;
            let key_path = dir.join("device.key");
            guard_secret(&key_path, force)?;
            write_secret_json(&key_path, &P384KeyFile::new(KIND_DEVICE, &serial, &device))?;
            write_json(&dir.join("device.cert.json"), &cert)?;
            say(format!(
                "chip {serial} ({model}): device key {} certified by {vendor}; wrote {}/device.key (a file standing in for the hardware key) and device.cert.json",
                cert.device_key,
                dir.display()
            ));
            Ok(())
        }
        ChipCmd::OwnerKeygen { out, force } => {
            out_file(&out)?;
            guard_secret(&out, force)?;
            let key = OwnerKey::random();
            write_secret_json(&out, &OwnerKeyFile::new(&key))?;
            say(format!(
                "owner key written to {} (0600); its digest, which the chips' agents register: {}",
                out.display(),
                digest_hex(&key.digest())
            ));
            Ok(())
        }
        ChipCmd::Agent {
            key,
            cert,
            connect,
            owner_key,
        } => {
            let owner = read_json::<OwnerKeyFile>(&owner_key)?.key()?;
            let device = read_json::<P384KeyFile>(&key)?.signing_key(KIND_DEVICE)?;
            let cert: DeviceCert = read_json(&cert)?;
            if cert.device_key != key_hex(device.verifying_key()) {
                return Err(ProverError::Usage(format!(
                    "{}: the certificate is of another device key than {}",
                    cert.serial,
                    key.display()
                )));
            }
            let rt = runtime()?;
            rt.block_on(async {
                let agent = Agent::connect(connect.as_str(), &cert, owner.digest(), device).await?;
                say(format!(
                    "chip {} connected to landmark {} (day {}); answering challenges",
                    cert.serial, agent.landmark, agent.day
                ));
                let n = agent.serve().await?;
                say(format!(
                    "the landmark closed the connection after {n} challenge(s)"
                ));
                Ok(())
            })
        }
    }
}

pub fn vendor(c: VendorCmd) -> Result<(), ProverError> {
    match c {
        VendorCmd::Keygen {
            out,
            id,
            models,
            force,
        } => {
            zkcc_circuits::encoding::encode_label(&id)?;
            for m in &models {
                zkcc_circuits::encoding::encode_label(m)?;
            }
            out_file(&out)?;
            guard_secret(&out, force)?;
            let ca = p384::ecdsa::SigningKey::random(&mut OsRng);
            write_secret_json(&out, &P384KeyFile::new(KIND_VENDOR, &id, &ca))?;
            let entry = serde_json::json!({
                "id": id,
                "public_key": key_hex(ca.verifying_key()),
                "models": models,
            });
            say(serde_json::to_string_pretty(&entry).unwrap_or_default());
            Ok(())
        }
    }
}
