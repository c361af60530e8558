//! The agency's ledger file: the streaming reader agrees with the whole-file
//! one, keeps only `(ident, tpp)` per chip, and refuses every malformed file
//! with its reason.
use zkcc_circuits::ledger::{Ledger, LedgerError, LedgerFile, LedgerRecordJson, LEDGER_VERSION};
use zkcc_circuits::registry::Registry;
use zkcc_circuits::shard::fixtures::{registry, IMPORTER, MODELS};

fn reg() -> Registry {
    registry(&[])
}

fn file(n: usize) -> LedgerFile {
    LedgerFile {
        version: LEDGER_VERSION,
        importer: IMPORTER.into(),
        records: (0..n)
            .map(|i| {
                let (model, tpp) = MODELS[i % 2];
                LedgerRecordJson {
                    serial: format!("SN-{i:08}"),
                    model: model.into(),
                    tpp,
                }
            })
            .collect(),
    }
}

fn streamed(text: &str) -> Result<Ledger, LedgerError> {
    Ledger::from_reader(text.as_bytes(), &reg())
}

#[test]
fn streaming_agrees_with_the_whole_file_and_round_trips() {
    let r = reg();
    let f = file(5_000);
    let whole = Ledger::from_file(f.clone(), &r).unwrap();
    let text = serde_json::to_string_pretty(&f).unwrap();
    let s = streamed(&text).unwrap();
    assert_eq!(s.digest, whole.digest);
    assert_eq!(s.entries, whole.entries);
    assert_eq!(s.importer_id, IMPORTER);
    assert_eq!(s.len(), 5_000);
    // Field order is free; the file written back is the same ledger.
    let reordered = format!(
        r#"{{"records": {}, "importer": "{IMPORTER}", "version": {LEDGER_VERSION}}}"#,
        serde_json::to_string(&f.records).unwrap()
    );
    assert_eq!(streamed(&reordered).unwrap().digest, whole.digest);
    let back = Ledger::from_file(s.to_file(&r), &r).unwrap();
    assert_eq!(back.digest, whole.digest);
    assert_eq!(back.entries, whole.entries);
}

#[test]
fn every_malformed_ledger_is_refused_with_its_reason() {
    let good = serde_json::to_value(file(3)).unwrap();
    let with = |edit: &dyn Fn(&mut serde_json::Value)| {
        let mut v = good.clone();
        edit(&mut v);
        streamed(&v.to_string()).unwrap_err().to_string()
    };
    let cases: Vec<(String, &str)> = vec![
        (
            with(&|v| v["records"][2]["serial"] = "SN-00000000".into()),
            "appears twice",
        ),
        (
            with(&|v| v["records"][1]["model"] = "H200".into()),
            "is not in the registry",
        ),
        (
            with(&|v| v["records"][1]["tpp"] = 1.into()),
            "differs from the registry",
        ),
        (with(&|v| v["version"] = 2.into()), "version 2"),
        (with(&|v| v["extra"] = 1.into()), "unknown field `extra`"),
        (
            with(&|v| v["records"][0]["colour"] = "red".into()),
            "unknown field `colour`",
        ),
        (
            with(&|v| {
                v.as_object_mut().unwrap().remove("records");
            }),
            "missing field `records`",
        ),
        (
            with(&|v| {
                v.as_object_mut().unwrap().remove("importer");
            }),
            "missing field `importer`",
        ),
        (
            with(&|v| v["records"][0]["serial"] = "x".repeat(31).into()),
            "serial",
        ),
        (with(&|v| v["importer"] = "".into()), "importer"),
    ];
    for (err, want) in cases {
        assert!(err.contains(want), "{err:?} should say {want:?}");
    }
    let text = good.to_string();
    let trailing = format!("{text} {{}}");
    assert!(streamed(&trailing)
        .unwrap_err()
        .to_string()
        .contains("trailing"));
    let dup = text.replacen("\"version\":1", "\"version\":1,\"version\":1", 1);
    assert_ne!(dup, text);
    assert!(streamed(&dup)
        .unwrap_err()
        .to_string()
        .contains("duplicate field"));
    assert!(streamed(&text[..text.len() / 2]).is_err());
    assert!(streamed("[]").is_err());
}
