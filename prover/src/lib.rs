//! # zkcc-prover
//!
//! The importer's side of zkcc — inventory, registry and ledger digest in;
//! shard plan, commitments, witnesses and Groth16 proofs out ([`fleet`]) —
//! with the tuned prover ([`prove`], [`msm`]), setup and key files ([`keys`]),
//! the auditor's signing, the agency's ledger building and verification as
//! the CLI drives them ([`agency`]), the sample data and the demo behind the
//! `zkcc` CLI.
#![deny(missing_docs)]
#![deny(unsafe_code)]

pub mod agency;
pub mod ceremony;
pub mod demo;
pub mod demo_lifecycle;
pub mod error;
pub mod fft;
pub mod fleet;
pub mod fuzzing;
pub mod ifma;
pub mod inv;
pub mod inventory;
pub mod keys;
pub mod lifecycle;
pub mod mem;
pub mod msm;
pub mod prove;
pub mod r1cs;
pub mod sample;
pub mod witness_gen;

pub use error::{ProverError, Result};
