//! Files that hold secrets are created `0600`: signing-key seeds (auditors,
//! evaluators, the sample's keys), the importer's commitment blindings and a
//! model's commitment blinding. Public outputs stay readable.
use crate::run::ZKCC;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use zkcc_test_support::fleet::commit;

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p)
        .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
        .permissions()
        .mode()
        & 0o777
}

#[test]
fn secret_files_are_owner_only_and_public_ones_are_not() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    ZKCC.ok_line(d, "auditor keygen --id AUDIT-X-1 --out a.key.json");
    ZKCC.ok_line(d, "evaluator keygen --id EVAL-X-1 --out e.key.json");
    ZKCC.ok_line(d, "sample --out w --lifecycle");
    std::fs::write(d.join("weights.bin"), b"not really a model").unwrap();
    ZKCC.ok_line(
        d,
        "model commit --weights weights.bin --importer ACME-DC --out model.secret.json",
    );
    commit(&ZKCC, d, "shard-8x128", "secret.json");
    let secrets = [
        "a.key.json",
        "e.key.json",
        "model.secret.json",
        "secret.json",
    ]
    .map(|f| d.join(f))
    .into_iter()
    .chain(
        std::fs::read_dir(d.join("w/auditors"))
            .unwrap()
            .map(|e| e.unwrap().path()),
    )
    .chain(
        std::fs::read_dir(d.join("w/evaluators"))
            .unwrap()
            .map(|e| e.unwrap().path()),
    );
    let mut n = 0;
    for p in secrets {
        assert_eq!(mode(&p), 0o600, "{}", p.display());
        n += 1;
    }
    assert!(n >= 6, "{n} secret files");
    // Public files are not made owner-only.
    assert_ne!(mode(&d.join("w/registry.json")), 0o600);
}
