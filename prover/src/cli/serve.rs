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
    /// The Ed25519 key that signs the audit chain's head: read, or created
    /// (0600) at first start. Keep it off the database's host or at least
    /// out of the database.
    #[arg(long, default_value = "audit-head.key")]
    audit_key_file: PathBuf,
    /// Where the signed audit head is written after every change.
    #[arg(long, default_value = "audit-head.json")]
    audit_head_file: PathBuf,
    /// Seconds between sweeps of pending submissions (retries of failed
    /// decisions).
    #[arg(long, default_value_t = 30)]
    sweep_secs: u64,
    /// Start even if the audit chain holds rows after the signed head,
    /// provided they extend it (the service stopped between committing a
    /// change and signing its head). Without it such rows refuse the start.
    #[arg(long)]
    accept_unsigned_tail: bool,
}

#[derive(Subcommand)]
pub enum AuditCmd {
    /// Re-walk the hash-chained audit log; name the first row altered, removed or reordered.
    ///
    /// The database is opened read-only (a missing SQLite file is refused,
    /// exit 2); the chain is cross-checked against the state tables. With
    /// `--signed-head` (and the audit key) a truncated or re-hashed chain is
    /// caught, and rows after the signed head are reported as not covered by
    /// it; `--expect-head` demands a head hash recorded earlier. Exit 1:
    /// the chain is broken or disagrees.
    Verify {
        /// The database: a SQLite file or a postgres:// URL.
        #[arg(long)]
        db: String,
        /// The signed head the service wrote (its --audit-head-file).
        #[arg(long)]
        signed_head: Option<PathBuf>,
        /// The service's audit key file (its public half checks the signed head).
        #[arg(long, conflicts_with = "head_public_key")]
        audit_key_file: Option<PathBuf>,
        /// The audit key's public half (hex), instead of the key file.
        #[arg(long)]
        head_public_key: Option<String>,
        /// A head hash recorded earlier: some row must have it.
        #[arg(long)]
        expect_head: Option<String>,
    },
}

fn service(e: zkcc_agency::AgencyError) -> ProverError {
    use zkcc_agency::AgencyError as E;
    match e {
        E::Config(_) | E::Invalid(_) => ProverError::Usage(format!("agency service: {e}")),
        E::Chain { .. } | E::Mismatch(_) => ProverError::Rejected(format!("audit: {e}")),
        _ => ProverError::Backend(format!("agency service: {e}")),
    }
}

pub fn serve(a: ServeArgs) -> Result<(), ProverError> {
    let registry = load_registry(&a.registry)?;
    let policy = match &a.policy {
        Some(p) => Policy::from_json(&read_text(p)?)?,
        None => Policy::from_json(SAMPLE_ACCESS_POLICY)?,
    };
    let keys = a.keys.load()?;
    let mut config =
        zkcc_agency::Config::new(&a.db, registry, policy, keys, std::path::Path::new("."));
    config.workers = a.workers;
    config.officer_token_file = a.officer_token_file;
    config.default_ttl_secs = a.request_ttl;
    config.audit_key_file = a.audit_key_file;
    config.audit_head_file = a.audit_head_file;
    config.sweep_interval = std::time::Duration::from_secs(a.sweep_secs.max(1));
    config.accept_unsigned_tail = a.accept_unsigned_tail;
    zkcc_agency::run(config, a.listen).map_err(service)
}

pub fn audit(c: AuditCmd) -> Result<(), ProverError> {
    match c {
        AuditCmd::Verify {
            db,
            signed_head,
            audit_key_file,
            head_public_key,
            expect_head,
        } => {
            use zkcc_agency::audit;
            let signed_head = match signed_head {
                None => None,
                Some(p) => {
                    let key = match (audit_key_file, head_public_key) {
                        (Some(f), None) => {
                            if !f.is_file() {
                                return Err(ProverError::Usage(format!(
                                    "no audit key file {}",
                                    f.display()
                                )));
                            }
                            audit::load_or_create_key(&f)
                                .map_err(service)?
                                .verifying_key()
                        }
                        (None, Some(h)) => {
                            zkcc_agency::auth::parse_public_key(&h).map_err(service)?
                        }
                        _ => {
                            return Err(ProverError::Usage(
                                "--signed-head needs --audit-key-file or --head-public-key".into(),
                            ))
                        }
                    };
                    Some((audit::SignedHead::read(&p).map_err(service)?, key))
                }
            };
            let anchors = audit::Anchors {
                signed_head,
                expect_head: expect_head.map(|h| h.to_ascii_lowercase()),
                accept_unsigned_tail: false,
            };
            let s = zkcc_agency::audit_verify(&db, &anchors).map_err(service)?;
            println!(
                "audit chain verified: {} rows, head {}{}{}",
                s.rows,
                s.head,
                if anchors.signed_head.is_some() {
                    "; matches its signed head"
                } else {
                    ""
                },
                if anchors.expect_head.is_some() {
                    "; holds the expected head"
                } else {
                    ""
                },
            );
            Ok(())
        }
    }
}
