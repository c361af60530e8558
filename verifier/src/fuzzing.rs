//! Bodies of the fuzz targets under `fuzz/`. They live here so that
//! `cargo test` replays the saved corpus on stable Rust (see
//! `tests/fuzz_corpus.rs`). Each must return normally on any input: a panic is
//! a bug.
use crate::bundle::{parse_proof, ProofBundle};
use crate::keys::load_verifying_key;

/// Target `bundle`: parse a proof bundle, its statement and its proof.
pub fn bundle(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(b) = ProofBundle::from_json(text) {
            let _ = b.statement();
            let _ = b.proof();
        }
    }
}

/// Target `registry`: parse and validate a registry.
pub fn registry(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = zkcc_circuits::registry::Registry::from_json(text);
    }
}

/// Target `proof_bytes`: deserialize a compressed proof with validation.
pub fn proof_bytes(data: &[u8]) {
    let _ = parse_proof(data);
}

/// Target `verifying_key`: deserialize and sanity-check a verifying key.
pub fn verifying_key(data: &[u8]) {
    let _ = load_verifying_key(data);
}

/// Every target by name, for the corpus replay.
pub const TARGETS: [(&str, fn(&[u8])); 4] =
    [("bundle", bundle), ("registry", registry), ("proof_bytes", proof_bytes), ("verifying_key", verifying_key)];
