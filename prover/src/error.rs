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
    /// The importer's submission or bundle was rejected (exit 1): the file
    /// and the reason, printed as `REJECTED: <file>: <reason>`.
    #[error("{0}")]
    Rejected(String),
    /// A bad argument or a refused action (an output directory that does
    /// not exist, a secret that would be replaced): exit 2.
    #[error("{0}")]
    Usage(String),
    /// A verdict was printed and it is not a success (rejected, or denied
    /// under the policy): exit 1, nothing more to print.
    #[error("not accepted")]
    Verdict,
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

impl ProverError {
    /// The exit code of the command-line tools (the same in `zkcc-verify`):
    /// 1 the claim does not hold, a submission is rejected or access denied;
    /// 2 usage or configuration: a file that does not exist, a file of the
    /// wrong format or content (the
    /// agency's policy, registry, keys, ledger or request; the importer's
    /// inventory), an argument out of range, a refused overwrite;
    /// 3 I/O or internal: a file that exists cannot be read or written
    /// (permissions, disk full, a directory in the way), the proof system or
    /// Slurm failed.
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Claim(_)
            | Self::Unsatisfied(_)
            | Self::Denied(_)
            | Self::Rejected(_)
            | Self::Verdict => 1,
            Self::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound => 2,
            Self::Io { .. } | Self::Backend(_) | Self::Slurm(_) => 3,
            _ => 2,
        }
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

/// Temporary files being written now (see [`remove_temp_files`]).
static TEMPS: std::sync::Mutex<Vec<std::path::PathBuf>> = std::sync::Mutex::new(Vec::new());

fn track_temp(tmp: &std::path::Path, on: bool) {
    let mut t = TEMPS.lock().unwrap_or_else(|e| e.into_inner());
    if on {
        t.push(tmp.to_path_buf());
    } else {
        t.retain(|p| p != tmp);
    }
}

/// Removes every temporary file a [`write`] in progress has made (for a
/// signal handler: an interrupted `zkcc setup` leaves no `.tmp` file behind).
/// Returns how many were removed.
pub fn remove_temp_files() -> usize {
    let mut t = TEMPS.lock().unwrap_or_else(|e| e.into_inner());
    t.drain(..)
        .filter(|p| std::fs::remove_file(p).is_ok())
        .count()
}

/// A test-only pause point of every atomic write ([`write`] and the rest):
/// called with the temporary file once it is fully written and flushed,
/// before it is renamed into place. Unset, nothing is called. Only `zkcc`'s
/// `main` sets it, and only when a test asks for it (the environment
/// variable `ZKCC_TEST_PAUSE_BEFORE_RENAME`, see `cli/signals.rs`), so that a
/// test can interrupt a write at a known point instead of racing it.
static BEFORE_RENAME: std::sync::OnceLock<fn(&std::path::Path)> = std::sync::OnceLock::new();

/// Sets the test-only pause point of every atomic write: `hook` is called
/// with the fully written temporary file before its rename (the first call
/// wins; see `zkcc`'s `cli/signals.rs`).
pub fn set_before_rename(hook: fn(&std::path::Path)) {
    let _ = BEFORE_RENAME.set(hook);
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
    track_temp(&tmp, true);
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
        .and_then(|_file| {
            if let Some(pause) = BEFORE_RENAME.get() {
                pause(&tmp);
            }
            std::fs::rename(&tmp, path)
        });
    if res.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    track_temp(&tmp, false);
    res.map_err(io)
}

/// Writes pretty JSON.
pub fn write_json<T: serde::Serialize>(path: &std::path::Path, value: &T) -> Result<()> {
    let mut text = serde_json::to_string_pretty(value).expect("our types serialize");
    text.push('\n');
    write(path, text.as_bytes())
}
