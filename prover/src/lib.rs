//! # zkcc-prover
//!
//! The importer's side of zkcc — inventory, registry and ledger digest in;
//! shard plan, commitments, witnesses and Groth16 proofs out ([`fleet`]) —
//! with the engine's tuned prover (`zkcc-engine`) on the claims' parallel
//! witnesses ([`claims`], [`witness`]), setup and key files ([`keys`]),
//! the auditor's signing, the agency's ledger building and verification as
//! the CLI drives them ([`agency`]), the sample data and the demo behind the
//! `zkcc` CLI.
#![deny(missing_docs)]
#![deny(unsafe_code)]

pub mod agency;
pub mod ceremony;
pub mod claims;
pub mod delay;
pub mod demo;
pub mod demo_lifecycle;
pub mod demo_location;
pub mod demo_service;
pub mod error;
pub mod fleet;
pub mod inventory;
pub mod keys;
pub mod landmark;
pub mod lifecycle;
pub mod logging;
pub mod sample;
pub mod witness;

pub use error::{ProverError, Result};
