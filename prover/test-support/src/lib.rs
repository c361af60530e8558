//! Scaffolding that the workspace's integration tests share, in one place
//! instead of one copy per test file (STYLE.md: "Scaffolding that tests
//! share lives in one test-support crate, not in copies").
//!
//! - [`cli`]: run a command-line binary (the test passes its path, e.g.
//!   `env!("CARGO_BIN_EXE_zkcc")`, which only its own package's tests see) and
//!   assert its exit code and output.
//! - [`snarkjs`]: find the snarkjs that `verifier/tests/js/install.sh`
//!   installs (skipped loudly without it, a failure under
//!   `ZKCC_REQUIRE_SNARKJS=1`), run it, make a phase-1 ceremony with it.
//! - [`iden3`]: find and tamper with sections of iden3 binary files.
//! - [`fixtures`]: small shapes and rules the tests prove with.
//! - [`fleet`]: the accountable statement's command-line steps (sample,
//!   ledger, request, commitment, attestations).
//! - [`groth16`]: a real proof, and every public input bound.
//! - [`hostile`]: variables and rows of a constraint-system snapshot.
//! - [`pins`]: a circuit's constraint count and matrices hash, pinned.
//! - [`lifecycle`]: the AI lifecycle's command-line steps that several
//!   tests walk through (model commitment, signed results, requests).
//!
//! A dev-dependency only: nothing ships it.
#![deny(missing_docs)]

pub mod cli;
pub mod fixtures;
pub mod fleet;
pub mod groth16;
pub mod hostile;
pub mod iden3;
pub mod lifecycle;
pub mod pins;
pub mod snarkjs;
