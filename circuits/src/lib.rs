//! # zkcc-circuits
//!
//! Gadgets, claim circuits, their native twins, and the statement encodings
//! shared by the zkcc prover and verifier.
//!
//! Every primitive lives in its own module: the native computation in
//! `foo/mod.rs`, its gadget in `foo/constraints.rs` (behind the default `r1cs`
//! feature). The verifier builds this crate with `default-features = false` and
//! so sees only the native code and the statement encodings.
//!
//! The headline claim is the accountable statement: a [`shard`] proof per
//! shard of an importer's inventory and one [`request`] proof over them (see
//! [`statement`]).
#![deny(missing_docs)]
#![forbid(unsafe_code)]
#![doc = include_str!("../../docs/circuits.md")]

#[macro_use]
mod macros;

#[cfg(feature = "r1cs")]
pub mod claim;
pub mod delay;
pub mod eddsa;
pub mod encoding;
pub mod error;
pub mod evaluation;
pub mod geofence;
#[cfg(feature = "r1cs")]
pub mod harness;
pub mod jurisdiction;
pub mod ledger;
pub mod merkle;
pub mod poseidon;
#[cfg(feature = "r1cs")]
pub mod range;
pub mod registry;
pub mod request;
pub mod shard;

/// The accountable statement: shard and request claims, the grand product,
/// binding, and the soundness argument.
#[doc = include_str!("../../docs/statement.md")]
pub mod statement {}

pub use ark_bn254::Fr;
pub use error::{ClaimError, EncodingError};

/// Domain-separation tags. Each Poseidon call of a protocol object starts with
/// (or is keyed by) one of these so that no two kinds of object can collide.
pub mod domain {
    use ark_bn254::Fr;
    use ark_ff::PrimeField;

    /// A domain tag: `label` read as a big-endian integer mod r.
    pub fn tag(label: &[u8]) -> Fr {
        Fr::from_be_bytes_mod_order(label)
    }

    domain_tags! {
        /// Tag of the registry root: `H(REGISTRY, facilities_root, auditors_root, params_digest)`.
        registry = b"zkcc registry v1";
        /// Tag of an attestation message: `H(ATTESTATION, facility_id, epoch, digest)`.
        attestation = b"zkcc attestation v1";
        /// Tag of the lifecycle part of the registry: `H(LIFECYCLE, evaluators_root, suites_root)`.
        lifecycle = b"zkcc lifecycle registry v1";
        /// Tag of the registry's country tables when it lists importers:
        /// `H(IMPORTERS, tiers_root, importers_root)`.
        importers = b"zkcc importers registry v1";
        /// Tag of the registry's country tables when it lists landmarks:
        /// `H(LANDMARKS, tiers_root, importers_root, landmarks_root, coverage_root, vendors_digest)`.
        landmarks = b"zkcc landmarks registry v1";
        /// Tag of the inventory commitment: `H(COMMITMENT, epoch, acc, blinding)`.
        commitment = b"zkcc commitment v1";
    }
}
