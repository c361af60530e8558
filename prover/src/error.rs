//! The prover's error type.
use thiserror::Error;

/// Everything that can go wrong between files and a proof, with enough detail
/// for the user to act on it.
#[derive(Debug, Error)]
pub enum ProverError {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// A file is not valid JSON of its format.
    #[error("{path}: {source}")]
    Json {
        /// The file.
        path: String,
        /// The cause.
        source: serde_json::Error,
    },
    /// The registry was rejected.
    #[error("registry: {0}")]
    Registry(#[from] zkcc_circuits::registry::RegistryError),
    /// The inventory is inconsistent.
    #[error("inventory: {0}")]
    Inventory(String),
    /// A field failed to encode.
    #[error("{0}")]
    Encoding(#[from] zkcc_circuits::EncodingError),
    /// The claim does not hold for this inventory (the native check).
    #[error("the claim does not hold: {0}")]
    Claim(#[from] zkcc_circuits::ClaimError),
    /// The witness does not satisfy the circuit (caught before proving).
    #[error("the witness does not satisfy the circuit (first unsatisfied constraint: {0})")]
    Unsatisfied(String),
    /// Key files are missing, corrupt or do not match.
    #[error("keys: {0}")]
    Keys(String),
    /// A ceremony file or step was refused.
    #[error("ceremony: {0}")]
    Ceremony(#[from] crate::ceremony::CeremonyError),
    /// The proof system failed.
    #[error("proof system: {0}")]
    Backend(String),
    /// The agency's policy denied access.
    #[error("DENIED: {0}")]
    Denied(String),
    /// Slurm refused a job or is not reachable.
    #[error("slurm: {0}")]
    Slurm(String),
    /// Verification failed.
    #[error("verification: {0}")]
    Verify(#[from] zkcc_verifier::VerifyError),
}

impl From<zkcc_engine::EngineError> for ProverError {
    fn from(e: zkcc_engine::EngineError) -> Self {
        match e {
            zkcc_engine::EngineError::Unsatisfied(m) => ProverError::Unsatisfied(m),
            zkcc_engine::EngineError::Backend(m) => ProverError::Backend(m),
        }
    }
}

impl From<ark_relations::gr1cs::SynthesisError> for ProverError {
    fn from(e: ark_relations::gr1cs::SynthesisError) -> Self {
        ProverError::Backend(e.to_string())
    }
}

/// Result alias.
pub type Result<T> = std::result::Result<T, ProverError>;

/// Reads a file to bytes.
pub fn read(path: &std::path::Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|source| ProverError::Io {
        path: path.display().to_string(),
        source,
    })
}

/// Reads and parses a JSON file.
pub fn read_json<T: serde::de::DeserializeOwned>(path: &std::path::Path) -> Result<T> {
    let bytes = read(path)?;
    serde_json::from_slice(&bytes).map_err(|source| ProverError::Json {
        path: path.display().to_string(),
        source,
    })
}

/// Writes bytes to a file, creating its directory. Atomic: the bytes go to
/// a temporary file beside it, which is then renamed over it, so a failure
/// never leaves a half-written file nor clobbers the old one.
pub fn write(path: &std::path::Path, bytes: &[u8]) -> Result<()> {
    write_with(path, |w| std::io::Write::write_all(w, bytes))
}

/// [`write`] for output produced piece by piece: `f` writes into a buffered
/// writer on the temporary file (no copy of the whole output in memory),
/// which is then flushed and renamed over `path`.
pub fn write_with(
    path: &std::path::Path,
    f: impl FnOnce(&mut std::io::BufWriter<std::fs::File>) -> std::io::Result<()>,
) -> Result<()> {
    write_mode(path, 0o644, f)
}

/// [`write_json`] for a file that holds a secret (signing-key seeds,
/// commitment blindings): created `0600` (owner only) from the start, so the
/// secret is never readable by others, not even in the temporary file.
pub fn write_secret_json<T: serde::Serialize>(path: &std::path::Path, value: &T) -> Result<()> {
    let mut text = serde_json::to_string_pretty(value).expect("our types serialize");
    text.push('\n');
    let res = write_mode(path, 0o600, |w| {
        std::io::Write::write_all(w, text.as_bytes())
    });
    zeroize::Zeroize::zeroize(&mut text);
    res
}

fn write_mode(
    path: &std::path::Path,
    mode: u32,
    f: impl FnOnce(&mut std::io::BufWriter<std::fs::File>) -> std::io::Result<()>,
) -> Result<()> {
    let io = |source| ProverError::Io {
        path: path.display().to_string(),
        source,
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    std::fs::create_dir_all(&dir).map_err(io)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let mut open = std::fs::OpenOptions::new();
    open.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut open, mode);
    #[cfg(not(unix))]
    let _ = mode;
    let res = open
        .open(&tmp)
        .and_then(|file| {
            let mut w = std::io::BufWriter::with_capacity(8 << 20, file);
            f(&mut w)?;
            w.into_inner().map_err(|e| e.into_error())
        })
        .and_then(|_file| std::fs::rename(&tmp, path));
    if res.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    res.map_err(io)
}

/// Writes pretty JSON.
pub fn write_json<T: serde::Serialize>(path: &std::path::Path, value: &T) -> Result<()> {
    let mut text = serde_json::to_string_pretty(value).expect("our types serialize");
    text.push('\n');
    write(path, text.as_bytes())
}
