//! The accountable statement on the `zkcc` command line, step by step, as
//! several tests walk it: a sample fleet in `w/`, the agency's ledger, the
//! importer's commitment, the auditors' attestations. Each step asserts
//! that the command succeeded.
use crate::cli::Cli;
use std::path::Path;

/// `zkcc sample` of 12 chips in chunks of 4 into `w/`.
pub fn sample(cli: &Cli, d: &Path) {
    cli.ok(
        d,
        &["sample", "--out", "w", "--chips", "12", "--chunk", "4"],
    );
}

/// `zkcc agency ledger` of ACME-DC from the sample's shipments into `out`.
pub fn ledger_args(out: &str) -> [&str; 10] {
    [
        "agency",
        "ledger",
        "--registry",
        "w/registry.json",
        "--shipments",
        "w/shipments.json",
        "--importer",
        "ACME-DC",
        "--out",
        out,
    ]
}

/// `zkcc agency request` to ACME-DC for epoch 202611 with the rules file
/// `rules`, written to `out`.
pub fn request_args<'a>(rules: &'a str, out: &'a str) -> [&'a str; 12] {
    [
        "agency",
        "request",
        "--registry",
        "w/registry.json",
        "--importer",
        "ACME-DC",
        "--epoch",
        "202611",
        "--rules",
        rules,
        "--out",
        out,
    ]
}

/// The agency's ledger of ACME-DC from the sample's shipments
/// (`w/ledger.json`). Returns (stdout, the ledger digest).
pub fn ledger(cli: &Cli, d: &Path) -> (String, String) {
    let out = cli.ok(d, &ledger_args("w/ledger.json"));
    let digest = out
        .trim()
        .rsplit(' ')
        .next()
        .unwrap_or_default()
        .to_string();
    (out, digest)
}

/// The agency's request to ACME-DC for epoch 202611 with the rules file
/// `rules`, written to `out`. Returns stdout.
pub fn request(cli: &Cli, d: &Path, rules: &str, out: &str) -> String {
    cli.ok(d, &request_args(rules, out))
}

/// `--registry w/registry.json --inventory INVENTORY --circuit CIRCUIT`: an
/// inventory to commit to and its shard circuit (`commit`, `shard plan`).
pub fn shard_input_args<'a>(inventory: &'a str, circuit: &'a str) -> [&'a str; 6] {
    [
        "--registry",
        "w/registry.json",
        "--inventory",
        inventory,
        "--circuit",
        circuit,
    ]
}

/// `zkcc commit` of `inventory` for shard `circuit`, its secret to `out`.
pub fn commit_args<'a>(inventory: &'a str, circuit: &'a str, out: &'a str) -> Vec<&'a str> {
    let mut a = vec!["commit"];
    a.extend(shard_input_args(inventory, circuit));
    a.extend(["--out", out]);
    a
}

/// `--inventory w/inventory.json --secret SECRET --ledger-digest DIGEST`: the
/// sample inventory as committed with `secret`, for the ledger `digest`.
pub fn committed_args<'a>(secret: &'a str, digest: &'a str) -> [&'a str; 6] {
    [
        "--inventory",
        "w/inventory.json",
        "--secret",
        secret,
        "--ledger-digest",
        digest,
    ]
}

/// The importer's commitment to the sample inventory for shard `circuit`,
/// its secret to `out`. Returns stdout.
pub fn commit(cli: &Cli, d: &Path, circuit: &str, out: &str) -> String {
    cli.ok(d, &commit_args("w/inventory.json", circuit, out))
}

/// `zkcc auditor attest` of the sample inventory with the key file `key`.
pub fn attest_args(key: &str) -> [&str; 8] {
    [
        "auditor",
        "attest",
        "--key",
        key,
        "--registry",
        "w/registry.json",
        "--inventory",
        "w/inventory.json",
    ]
}

/// Both sample auditors sign their chunks of the inventory. Returns their
/// outputs.
pub fn attest(cli: &Cli, d: &Path) -> Vec<String> {
    ["AUDIT-EU-01", "AUDIT-ME-02"]
        .iter()
        .map(|id| {
            let key = format!("w/auditors/{id}.key.json");
            cli.ok(d, &attest_args(&key))
        })
        .collect()
}
