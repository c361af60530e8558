//! The application's integration tests, one binary (one link of arkworks
//! instead of one per file): `cargo test -p zkcc-prover --test all <module>::`.

/// The package's `zkcc` binary under the support crate's runner, as free
/// functions so that each module reads `ok(d, &[…])`.
mod run {
    use std::path::Path;
    use std::process::Output;
    pub use zkcc_test_support::cli::text;
    use zkcc_test_support::cli::Cli;

    pub const ZKCC: Cli = Cli::new(env!("CARGO_BIN_EXE_zkcc"));

    pub fn zkcc(dir: &Path, args: &[&str]) -> Output {
        ZKCC.run(dir, args)
    }
    pub fn ok(dir: &Path, args: &[&str]) -> String {
        ZKCC.ok(dir, args)
    }
    pub fn fails(dir: &Path, args: &[&str], needle: &str) {
        ZKCC.fails(dir, args, needle)
    }
    pub fn fails_with(dir: &Path, args: &[&str], code: i32, needle: &str) {
        ZKCC.fails_with(dir, args, code, needle)
    }
    /// `zkcc demo SCENARIO` into `d/demo/` on the small sample the tests run
    /// (12 chips, `shard-3x4`, `request-3x3`): asserts that it succeeds and
    /// says every one of `needles`.
    #[track_caller]
    pub fn small_demo(d: &Path, scenario: &str, needles: &[&str]) {
        let args = [
            "demo",
            scenario,
            "--dir",
            "demo",
            "--chips",
            "12",
            "--shard",
            "shard-3x4",
            "--request",
            "request-3x3",
        ];
        let out = zkcc(d, &args);
        let all = text(&out);
        assert_eq!(out.status.code(), Some(0), "{all}");
        zkcc_test_support::cli::says_all(&format!("demo {scenario}"), &all, needles);
    }
}

mod ceremony;
mod ceremony_lifecycle;
mod ceremony_phase1;
mod ceremony_wtns;
mod cli;
mod cli_contract;
mod cli_fuzz;
mod cli_lifecycle;
mod demo_service;
mod end_to_end;
mod fuzz_corpus;
mod landmark;
mod library;
mod lifecycle;
mod plan;
mod progress;
mod readme;
mod secrets;
mod tuned;
