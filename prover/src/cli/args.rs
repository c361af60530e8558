//! Argument groups that several subcommands share, flattened into each with
//! `#[command(flatten)]`: a flag reads, defaults and loads the same wherever
//! it appears.
use super::load_registry;
use clap::Args;
use std::path::PathBuf;
use zkcc_circuits::registry::Registry;
use zkcc_circuits::shard::ShardShape;
use zkcc_prover::error::read_json;
use zkcc_prover::fleet::{self, FleetInventory, FleetSecret};
use zkcc_prover::inventory::AuditorKeyFile;
use zkcc_prover::keys::Circuit;
use zkcc_prover::ProverError;

/// `--keys DIR`: where the circuits' keys are (as `zkcc setup` or `zkcc
/// ceremony finalize` wrote them).
#[derive(Args)]
pub struct KeyDirArg {
    /// Key directory.
    #[arg(long, default_value = "keys")]
    pub keys: PathBuf,
}

/// `--registry FILE`: the agency's registry.
#[derive(Args)]
pub struct RegistryArg {
    /// The agency's registry (JSON).
    #[arg(long)]
    pub registry: PathBuf,
}

impl RegistryArg {
    /// Loads and validates the registry.
    pub fn load(&self) -> Result<Registry, ProverError> {
        load_registry(&self.registry)
    }
}

/// `--id`, `--out`, `--force`: a new signing key (`auditor keygen`,
/// `evaluator keygen`).
#[derive(Args)]
pub struct KeygenArgs {
    /// Your id, as the agency's registry will list it.
    #[arg(long)]
    pub id: String,
    /// Secret key file to write.
    #[arg(long)]
    pub out: PathBuf,
    /// Replace an existing key (moved aside to `<out>.old-<time>`; the
    /// registry still lists the old public key until the agency updates it).
    #[arg(long)]
    pub force: bool,
}

impl KeygenArgs {
    /// Writes the key and prints its registry entry.
    pub fn run(&self) -> Result<(), ProverError> {
        super::auditor::keygen(&self.id, &self.out, self.force)
    }
}

/// `--registry`, `--inventory`, `--circuit`: an inventory to commit to, and
/// the shard circuit it is split for (`commit`, `shard plan`).
#[derive(Args)]
pub struct ShardInputArgs {
    #[command(flatten)]
    pub registry: RegistryArg,
    /// Inventory file (its attestations signed).
    #[arg(long)]
    pub inventory: PathBuf,
    /// Shard circuit (facility slots x chips per slot).
    #[arg(long, default_value = "shard-8x128")]
    pub circuit: String,
}

impl ShardInputArgs {
    /// Loads the registry and the inventory, parses the shard circuit.
    pub fn load(&self) -> Result<(Registry, FleetInventory, ShardShape), ProverError> {
        let r = self.registry.load()?;
        let inv: FleetInventory = read_json(&self.inventory)?;
        let Circuit::Shard(shape) = Circuit::parse(&self.circuit)? else {
            return Err(ProverError::Keys("--circuit takes shard-FxM".into()));
        };
        Ok((r, inv, shape))
    }
}

/// `--key`, `--registry`: an accredited signer (auditor or evaluator) and the
/// registry that lists it.
#[derive(Args)]
pub struct SignerArgs {
    /// Secret key file.
    #[arg(long)]
    pub key: PathBuf,
    #[command(flatten)]
    pub registry: RegistryArg,
}

impl SignerArgs {
    /// Loads the registry and the key.
    pub fn load(&self) -> Result<(Registry, AuditorKeyFile), ProverError> {
        Ok((self.registry.load()?, read_json(&self.key)?))
    }
}

/// The importer's inventory and its commitment secret: `--registry`,
/// `--inventory`, `--secret` (`prove delay-slots`, `prove delay`, and the
/// first half of [`CommittedArgs`]).
#[derive(Args)]
pub struct SecretInventoryArgs {
    #[command(flatten)]
    pub registry: RegistryArg,
    /// Inventory file (its attestations signed).
    #[arg(long)]
    pub inventory: PathBuf,
    /// Commitment secret from `zkcc commit`.
    #[arg(long)]
    pub secret: PathBuf,
}

/// An inventory, read and opened against its commitment secret.
pub struct Opened {
    /// The registry.
    pub registry: Registry,
    /// The inventory.
    pub inventory: FleetInventory,
    /// The commitment secret.
    pub secret: FleetSecret,
    /// The fleet the secret opens.
    pub fleet: fleet::Fleet,
}

impl SecretInventoryArgs {
    /// Reads the files and opens the inventory's commitment.
    pub fn open(&self) -> Result<Opened, ProverError> {
        let registry = self.registry.load()?;
        let inventory: FleetInventory = read_json(&self.inventory)?;
        let secret: FleetSecret = read_json(&self.secret)?;
        let fleet = fleet::open(&registry, &inventory, &secret)?;
        Ok(Opened {
            registry,
            inventory,
            secret,
            fleet,
        })
    }
}

/// The importer's committed inventory: `--registry`, `--inventory`,
/// `--secret`, `--ledger-digest` (`prove shards`, `prove request`).
#[derive(Args)]
pub struct CommittedArgs {
    #[command(flatten)]
    pub opened: SecretInventoryArgs,
    /// Digest of the agency's ledger for this importer (from the agency).
    #[arg(long)]
    pub ledger_digest: String,
}

/// A committed inventory, read and opened against its secret.
pub struct Committed {
    /// The registry.
    pub registry: Registry,
    /// The inventory.
    pub inventory: FleetInventory,
    /// The commitment secret.
    pub secret: FleetSecret,
    /// `--ledger-digest`, parsed.
    pub digest: ark_bn254::Fr,
    /// The fleet the secret opens.
    pub fleet: fleet::Fleet,
}

impl CommittedArgs {
    /// Reads the files, parses the digest and opens the inventory's
    /// commitment.
    pub fn open(&self) -> Result<Committed, ProverError> {
        let digest = zkcc_circuits::encoding::fr_from_hex(&self.ledger_digest)?;
        let Opened {
            registry,
            inventory,
            secret,
            fleet,
        } = self.opened.open()?;
        Ok(Committed {
            registry,
            inventory,
            secret,
            digest,
            fleet,
        })
    }
}
