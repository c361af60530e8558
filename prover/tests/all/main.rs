//! The application's integration tests, one binary (one link of arkworks
//! instead of one per file): `cargo test -p zkcc-prover --test all <module>::`.

mod ceremony;
mod ceremony_lifecycle;
mod ceremony_phase1;
mod ceremony_wtns;
mod cli;
mod cli_lifecycle;
mod end_to_end;
mod fuzz_corpus;
mod lifecycle;
mod plan;
mod secrets;
mod tuned;
