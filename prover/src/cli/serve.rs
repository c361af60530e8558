//! The agency's service: `zkcc agency serve` (HTTP API over SQLite or
//! PostgreSQL, see the zkcc-agency crate) and `zkcc agency audit verify`.
use super::{load_registry, read_text};
use clap::{Args, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;
use zkcc_prover::keys::Circuit;
use zkcc_prover::ProverError;
use zkcc_verifier::access::{Policy, SAMPLE_ACCESS_POLICY};

/// The verifying keys the agency accepts submissions under: `--keys`,
/// `--shard-circuit`, `--request-circuit` (`agency serve` and `agency verify`).
#[derive(Args)]
pub struct FleetKeyArgs {
    /// Key directory.
    #[arg(long, default_value = "keys")]
    keys: PathBuf,
    /// The shard circuit the agency accepts.
    #[arg(long, default_value = "shard-8x128")]
    shard_circuit: String,
    /// The request circuit the agency accepts.
    #[arg(long, default_value = "request-16x8")]
    request_circuit: String,
}

impl FleetKeyArgs {
    /// Loads the shard and request verifying keys and checks them (a circuit
    /// of the wrong kind or a key of the wrong input count: [`ProverError::Keys`]).
    pub fn load(&self) -> Result<zkcc_verifier::fleet::FleetKeys, ProverError> {
        let sc = Circuit::parse(&self.shard_circuit)?;
        let rc = Circuit::parse(&self.request_circuit)?;
        let (Circuit::Shard(ss), Circuit::Request(rs)) = (sc, rc) else {
            return Err(ProverError::Keys(
                "--shard-circuit takes shard-FxM and --request-circuit request-SxF".into(),
            ));
        };
        let svk = zkcc_prover::keys::load_verifying_key_of(&self.keys, &sc)?;
        let rvk = zkcc_prover::keys::load_verifying_key_of(&self.keys, &rc)?;
        let keys = zkcc_verifier::fleet::FleetKeys::new(&svk, ss, &rvk, rs)
            .map_err(|e| ProverError::Keys(e.to_string()))?;
        // The delay circuit of the shard shape, when the agency set it up
        // (requests asking for delay evidence need it).
        let dc = Circuit::Delay(ss);
        if !zkcc_prover::keys::KeyPaths::of(&self.keys, &dc).vk.exists() {
            return Ok(keys);
        }
        let dvk = zkcc_prover::keys::load_verifying_key_of(&self.keys, &dc)?;
        keys.with_delay(&dvk)
            .map_err(|e| ProverError::Keys(e.to_string()))
    }
}

#[derive(Args)]
pub struct ServeArgs {
    /// The database: a SQLite file (created if missing) or a postgres:// URL.
    #[arg(long, default_value = "agency.db")]
    db: String,
    #[arg(long)]
    registry: PathBuf,
    /// The access policy (JSON); default: the sample policy.
    #[arg(long)]
    policy: Option<PathBuf>,
    #[command(flatten)]
    keys: FleetKeyArgs,
    /// Address to listen on (loopback: put TLS in front for other hosts).
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Verification workers.
    #[arg(long, default_value_t = 2)]
    workers: usize,
    /// The officer's bearer token: read, or created (0600) at first start.
    #[arg(long, default_value = "officer.token")]
    officer_token_file: PathBuf,
    /// Validity of a request when the officer names none, seconds.
    #[arg(long, default_value_t = 86_400)]
    request_ttl: u64,
}

#[derive(Subcommand)]
pub enum AuditCmd {
    /// Re-walk the hash-chained audit log; name the first row altered, removed or reordered.
    Verify {
        /// The database: a SQLite file or a postgres:// URL.
        #[arg(long)]
        db: String,
    },
}

fn service(e: zkcc_agency::AgencyError) -> ProverError {
    ProverError::Backend(format!("agency service: {e}"))
}

pub fn serve(a: ServeArgs) -> Result<(), ProverError> {
    let registry = load_registry(&a.registry)?;
    let policy = match &a.policy {
        Some(p) => Policy::from_json(&read_text(p)?)?,
        None => Policy::from_json(SAMPLE_ACCESS_POLICY)?,
    };
    let keys = a.keys.load()?;
    let config = zkcc_agency::Config {
        db: a.db,
        registry,
        policy,
        keys,
        workers: a.workers,
        officer_token_file: a.officer_token_file,
        default_ttl_secs: a.request_ttl,
    };
    zkcc_agency::run(config, a.listen).map_err(service)
}

pub fn audit(c: AuditCmd) -> Result<(), ProverError> {
    match c {
        AuditCmd::Verify { db } => {
            let s = zkcc_agency::audit_verify(&db).map_err(service)?;
            println!("audit chain verified: {} rows, head {}", s.rows, s.head);
            Ok(())
        }
    }
}
