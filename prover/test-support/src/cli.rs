//! Running a command-line binary in a directory and asserting how it ends.
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};

/// A command-line binary under test, named by its path.
#[derive(Clone, Copy, Debug)]
pub struct Cli {
    bin: &'static str,
}

/// stdout followed by stderr, lossily decoded.
pub fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// stdout of a run that must have succeeded (else a failure that shows
/// stdout and stderr), lossily decoded.
pub fn stdout_ok(out: &Output) -> String {
    assert!(out.status.success(), "{}", text(out));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Asserts that `text` says every one of `needles` (else a failure that
/// names the missing one, prefixed by `what`, and shows `text`).
#[track_caller]
pub fn says_all(what: &str, text: &str, needles: &[&str]) {
    for n in needles {
        assert!(text.contains(n), "{what}: no {n:?} in:\n{text}");
    }
}

/// The hash that `zkcc ceremony contribute` printed in `out` (its line
/// "contribution hash (note it, publish it) …").
pub fn contribution_hash(out: &str) -> String {
    out.lines()
        .find_map(|l| l.strip_prefix("contribution hash (note it, publish it) "))
        .expect("contribute prints the contribution hash")
        .trim()
        .to_string()
}

impl Cli {
    /// The binary at `bin` (a test passes `env!("CARGO_BIN_EXE_<name>")`).
    pub const fn new(bin: &'static str) -> Self {
        Cli { bin }
    }

    /// Runs the binary with `args` in `dir`.
    pub fn run(&self, dir: &Path, args: &[&str]) -> Output {
        Command::new(self.bin)
            .current_dir(dir)
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("{} does not run: {e}", self.bin))
    }

    /// Starts the binary with `args` in `dir`, its stdout and stderr as given.
    pub fn spawn(&self, dir: &Path, args: &[&str], stdout: Stdio, stderr: Stdio) -> Child {
        Command::new(self.bin)
            .current_dir(dir)
            .args(args)
            .stdout(stdout)
            .stderr(stderr)
            .spawn()
            .unwrap_or_else(|e| panic!("{} does not start: {e}", self.bin))
    }

    /// Runs it, asserts success, returns stdout.
    pub fn ok(&self, dir: &Path, args: &[&str]) -> String {
        let out = self.run(dir, args);
        assert!(out.status.success(), "{args:?} failed: {}", text(&out));
        String::from_utf8(out.stdout).expect("stdout is UTF-8")
    }

    /// [`Cli::ok`] of a command line as a user types it (arguments split at
    /// white space: none of them may contain any).
    pub fn ok_line(&self, dir: &Path, line: &str) -> String {
        self.ok(dir, &line.split_whitespace().collect::<Vec<_>>())
    }

    /// Runs it, asserts failure with `needle` in stdout or stderr.
    pub fn fails(&self, dir: &Path, args: &[&str], needle: &str) {
        let out = self.run(dir, args);
        let all = text(&out);
        assert!(!out.status.success(), "{args:?} succeeded: {all}");
        assert!(
            all.contains(needle),
            "{args:?}: expected {needle:?} in {all}"
        );
    }

    /// Runs it, asserts exit code `code` with `needle` in stdout or stderr.
    pub fn fails_with(&self, dir: &Path, args: &[&str], code: i32, needle: &str) {
        let out = self.run(dir, args);
        let all = text(&out);
        assert_eq!(out.status.code(), Some(code), "{args:?}: {all}");
        assert!(
            all.contains(needle),
            "{args:?}: expected {needle:?} in {all}"
        );
    }
}
