//! # zkcc-verifier
//!
//! What an export-control agency runs: an importer's submission of the
//! accountable statement (shard proofs and a request proof), the agency's own
//! registry, ledger, request and verifying keys in; accept — with the proven
//! facts — or a typed rejection out ([`fleet::verify_submission`]); then a
//! decision under the agency's access policy ([`access::decide`]). The AI
//! lifecycle claims are verified by [`lifecycle`].
//!
//! This crate depends on `zkcc-circuits` *without* its `r1cs` feature (only
//! the statement encodings and native hashing), never on the prover, and never
//! on `ark-r1cs-std`: it is small enough to audit.
//!
//! ```no_run
//! use zkcc_verifier::fleet::{verify_submission, FleetKeys};
//! use zkcc_verifier::keys::load_verifying_key_for;
//! use zkcc_verifier::submission::{RequestFile, Submission};
//! use zkcc_circuits::{ledger::Ledger, registry::Registry, request, shard};
//! let read = |p: &str| std::fs::read_to_string(p);
//! let registry = Registry::from_json(&read("registry.json")?)?;
//! let ledger = Ledger::from_json(&read("ledger.json")?, &registry)?;
//! // The agency's request: importer, epoch, nonce and rules — never taken from the submission.
//! let request: RequestFile = serde_json::from_str(&read("request.json")?)?;
//! let keys = FleetKeys::new(
//!     &load_verifying_key_for(&std::fs::read("keys/shard-8x128.vk")?, shard::PUBLIC_INPUT_NAMES.len())?,
//!     shard::ShardShape::new(8, 128),
//!     &load_verifying_key_for(&std::fs::read("keys/request-16x8.vk")?, request::PUBLIC_INPUT_NAMES.len())?,
//!     request::RequestShape::new(16, 8),
//! )?;
//! let sub = Submission::from_json(&read("submission.json")?)?;
//! let v = verify_submission(&keys, &registry, &ledger, &request, &sub, &mut rand::rngs::OsRng)?;
//! println!("{} ledger chips located, commitment {}", v.ledger_chips, v.commitment_hex());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]
#![forbid(unsafe_code)]
#![doc = include_str!("../../docs/verifier.md")]

pub mod access;
pub mod batch;
pub mod bundle;
pub mod device;
pub mod error;
pub mod files;
pub mod fleet;
pub mod fuzzing;
pub mod keys;
pub mod lifecycle;
pub mod miller;
pub mod par;
pub mod snarkjs;
pub mod submission;
pub mod transcript;
pub mod verdict;

pub use error::VerifyError;
