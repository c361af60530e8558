//! The verifier crate's integration tests, one binary (one link of arkworks
//! instead of one per file; the fleet keys are made once for all modules):
//! `cargo test -p zkcc-verifier --test all <module>::`.

#[path = "../common/mod.rs"]
mod common;
#[path = "../common/fleet.rs"]
mod fleet_env;

mod access;
mod batch;
mod cli;
mod delay;
mod device_forge;
mod fleet;
mod fuzz_corpus;
mod golden;
mod hardening;
mod snarkjs;
