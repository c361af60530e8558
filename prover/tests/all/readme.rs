//! README.md's ```sh blocks, run as written: each section's blocks in
//! order, as one `bash -euo pipefail` script in a fresh directory, with the
//! test build's `zkcc` and `zkcc-verify` first on `PATH`. So the page and the
//! tool cannot drift apart.
//!
//! What the test changes, and only this (the test profile must stay fast):
//! * `alias zkcc='cargo run … --bin zkcc --'` lines are dropped: `zkcc` is
//!   the test build already;
//! * the smallest shapes stand in for the demo's: `shard-8x128` →
//!   `shard-3x4`, `request-16x8` → `request-3x3`, and `zkcc sample --out w`
//!   makes 12 chips in chunks of 4.
//!
//! A block that cannot run here is marked in README.md by the line before
//! it, `<!-- readme-test: skip: <reason> -->`, and the reason is printed; the
//! "Two commands" section is what CI runs itself (`.ci/test`, the demo).
use std::path::{Path, PathBuf};
use std::process::Command;

/// One ```sh block: its section, first line number, text, and the reason it
/// is skipped (if it is).
struct Block {
    section: String,
    line: usize,
    text: String,
    skip: Option<String>,
}

const SKIP_MARK: &str = "<!-- readme-test: skip: ";

fn blocks(readme: &str) -> Vec<Block> {
    let mut out = Vec::new();
    let mut section = String::new();
    let mut prev = "";
    let mut lines = readme.lines().enumerate();
    while let Some((i, line)) = lines.next() {
        if let Some(h) = line.strip_prefix("## ") {
            section = h.trim().to_string();
        }
        if line.trim() == "```sh" {
            let mut text = String::new();
            for (_, l) in lines.by_ref() {
                if l.trim() == "```" {
                    break;
                }
                text.push_str(l);
                text.push('\n');
            }
            let skip = prev
                .trim()
                .strip_prefix(SKIP_MARK)
                .and_then(|r| r.strip_suffix("-->"))
                .map(|r| r.trim().to_string())
                .or_else(|| {
                    (section == "Two commands")
                        .then(|| "CI runs the demo and the tests itself (.ci/test)".to_string())
                });
            out.push(Block {
                section: section.clone(),
                line: i + 1,
                text,
                skip,
            });
        }
        if !line.trim().is_empty() {
            prev = line;
        }
    }
    out
}

/// The block as the test runs it (see the module docs).
fn adapt(text: &str) -> String {
    text.lines()
        .filter(|l| !l.trim_start().starts_with("alias zkcc="))
        .map(|l| {
            let l = l
                .replace("shard-8x128", "shard-3x4")
                .replace("request-16x8", "request-3x3");
            match l.strip_prefix("zkcc sample --out w") {
                Some(rest) => format!("zkcc sample --out w --chips 12 --chunk 4{rest}"),
                None => l,
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn path_with_bins() -> std::ffi::OsString {
    let zkcc = PathBuf::from(env!("CARGO_BIN_EXE_zkcc"));
    let verify = crate::cli_contract::zkcc_verify_bin();
    let mut dirs: Vec<PathBuf> = vec![
        zkcc.parent().unwrap().to_path_buf(),
        verify.parent().unwrap().to_path_buf(),
    ];
    dirs.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    std::env::join_paths(dirs).unwrap()
}

fn readme() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md")).unwrap()
}

#[test]
fn the_parser_finds_every_block_and_its_mark() {
    let text = "## Two commands\n```sh\ncargo run\n```\n## A\n<!-- readme-test: skip: needs X -->\n\n```sh\nx\n```\n```sh\nzkcc sample --out w # s\n```\n";
    let b = blocks(text);
    assert_eq!(b.len(), 3);
    assert!(b[0].skip.as_deref().unwrap().contains(".ci/test"));
    assert_eq!(b[1].skip.as_deref(), Some("needs X"));
    assert_eq!(
        (b[2].section.as_str(), b[2].line, b[2].skip.is_none()),
        ("A", 11, true)
    );
    assert_eq!(
        adapt(&b[2].text),
        "zkcc sample --out w --chips 12 --chunk 4 # s"
    );
    // The real page: blocks to run, and every skip says why.
    let b = blocks(&readme());
    assert!(b.iter().filter(|b| b.skip.is_none()).count() >= 6);
    assert!(b.iter().all(|b| b.skip.as_deref() != Some("")));
}

/// Every section's runnable blocks, in order, each section in its own
/// directory; a failing command names the README line.
#[test]
fn every_readme_block_runs_as_written() {
    let all = blocks(&readme());
    let mut sections: Vec<(String, Vec<&Block>)> = Vec::new();
    for b in &all {
        if let Some(why) = &b.skip {
            eprintln!("README.md:{} ({}): skipped: {why}", b.line, b.section);
            continue;
        }
        match sections.last_mut() {
            Some((s, v)) if *s == b.section => v.push(b),
            _ => sections.push((b.section.clone(), vec![b])),
        }
    }
    let path = path_with_bins();
    for (section, bs) in sections {
        let tmp = tempfile::tempdir().unwrap();
        let mut script = String::from("set -euo pipefail\n");
        for b in &bs {
            script.push_str(&format!(
                "echo '+++ README.md:{} ({section})' >&2\n{}\n",
                b.line,
                adapt(&b.text)
            ));
        }
        let t0 = std::time::Instant::now();
        let out = Command::new("bash")
            .arg("-c")
            .arg(&script)
            .current_dir(tmp.path())
            .env("PATH", &path)
            .output()
            .expect("bash runs");
        eprintln!(
            "README section {section:?}: {} block(s) in {:.1} s",
            bs.len(),
            t0.elapsed().as_secs_f64()
        );
        assert!(
            out.status.success(),
            "README section {section:?} failed ({:?}):\n--- script\n{script}\n--- output\n{}",
            out.status,
            crate::run::text(&out)
        );
    }
}
