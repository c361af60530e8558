//! Replays the saved fuzz corpus (`fuzz/corpus/<target>/*`) through the
//! target bodies on stable Rust: no input may panic.
use std::path::Path;
use zkcc_verifier::fuzzing::TARGETS;

#[test]
fn saved_corpus_replays_without_panic() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus");
    let mut total = 0;
    for (name, body) in TARGETS {
        let dir = root.join(name);
        let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        let mut n = 0;
        for entry in entries {
            let path = entry.unwrap().path();
            let data = std::fs::read(&path).unwrap();
            body(&data);
            n += 1;
        }
        assert!(n > 0, "corpus of {name} is empty");
        total += n;
    }
    println!("replayed {total} corpus inputs");
}
