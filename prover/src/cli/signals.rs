//! Signals: a closed pipe ends `zkcc` quietly, an interrupt leaves no
//! temporary file.
//!
//! * `SIGPIPE` goes back to its default action. Rust ignores it, so
//!   `zkcc … | head` made `println!` panic (`failed printing to stdout`,
//!   exit 101) once `head` had exited. With the default, the process ends
//!   silently the moment the reader is gone, as `cat` does; the shell sees
//!   141 (128 + SIGPIPE), which a pipeline without `pipefail` ignores. This
//!   covers every line printed, clap's help included, where a checked
//!   `writeln!` would have to replace each `println!`.
//! * `SIGINT` and `SIGTERM` are blocked in every thread and taken by one
//!   thread with `sigwait`, which removes the temporary files of the writes
//!   in progress ([`zkcc_prover::error::remove_temp_files`]) and exits with
//!   128 + the signal, as the default action would have. Outside a signal
//!   handler, so it may take locks and allocate.
//! * Test-only: with `ZKCC_TEST_PAUSE_BEFORE_RENAME=<marker>` in the
//!   environment, the first atomic write whose temporary file is fully
//!   written stops before renaming it into place, writes the temporary file's
//!   path to `<marker>` and waits for a signal ([`pause_before_rename`]). It
//!   gives `cli_contract`'s interrupted-setup test a known moment to send
//!   `SIGTERM`, instead of polling for the temporary file and racing the
//!   write. Nothing else sets it; users never need it.

/// Installs both; call first thing in `main`, before any thread is started
/// (threads inherit the signal mask).
pub fn install() {
    if std::env::var_os(PAUSE_VAR).is_some() {
        zkcc_prover::error::set_before_rename(pause_before_rename);
    }
    // SAFETY: plain libc calls on a process-local signal state, made before
    // any other thread exists; the set is initialised by sigemptyset.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, libc::SIGINT);
        libc::sigaddset(&mut set, libc::SIGTERM);
        if libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut()) != 0 {
            return;
        }
        let set_copy = set;
        let spawned = std::thread::Builder::new()
            .name("zkcc-signals".into())
            .spawn(move || {
                let mut sig: libc::c_int = 0;
                // SAFETY: `set_copy` is a valid, initialised signal set.
                if libc::sigwait(&set_copy, &mut sig) == 0 {
                    let n = zkcc_prover::error::remove_temp_files();
                    if n > 0 {
                        eprintln!("interrupted: removed {n} unfinished temporary file(s)");
                    }
                    std::process::exit(128 + sig);
                }
            });
        if spawned.is_err() {
            // No thread to take them: let the signals act as before.
            libc::pthread_sigmask(libc::SIG_UNBLOCK, &set, std::ptr::null_mut());
        }
    }
}

/// The test-only pause point's environment variable: the marker file to write.
const PAUSE_VAR: &str = "ZKCC_TEST_PAUSE_BEFORE_RENAME";

/// Test-only (see the module's notes): writes `tmp`'s path to the marker file
/// named by [`PAUSE_VAR`], then waits until a signal ends the process (at most [`PAUSE_LIMIT`]). The
/// marker is written beside itself and renamed, so a test that sees it sees
/// all of it.
fn pause_before_rename(tmp: &std::path::Path) {
    let Some(marker) = std::env::var_os(PAUSE_VAR).map(std::path::PathBuf::from) else {
        return;
    };
    let part = marker.with_extension("part");
    let written = std::fs::write(&part, tmp.as_os_str().as_encoded_bytes())
        .and_then(|()| std::fs::rename(&part, &marker));
    if written.is_err() {
        // No marker: carry on rather than wait for a signal nobody sends.
        return;
    }
    // Bounded: a test that fails before it signals must not leave a process
    // behind for ever (after the limit the write completes as without it).
    let t0 = std::time::Instant::now();
    while t0.elapsed() < PAUSE_LIMIT {
        std::thread::park_timeout(PAUSE_LIMIT.saturating_sub(t0.elapsed()));
    }
    eprintln!(
        "warning: {PAUSE_VAR}: no signal within {} s, carrying on",
        PAUSE_LIMIT.as_secs()
    );
}

/// How long the test-only pause point waits for its signal.
const PAUSE_LIMIT: std::time::Duration = std::time::Duration::from_secs(300);
