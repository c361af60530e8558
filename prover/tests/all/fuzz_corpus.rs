//! The ceremony parsers' fuzz targets on stable Rust: the saved corpus
//! (`fuzz/corpus/{ptau,zkey,r1cs,wtns}/*`) replayed through the target bodies
//! of `zkcc_ceremony::fuzzing`, then seeded mutations of every corpus file
//! (byte flips, truncations, overwritten length and count fields): no input
//! may panic. The seeds are regenerated with
//! `cargo test -p zkcc-prover --test all fuzz_corpus:: -- --ignored`.
use ark_bn254::Fr;
use rand::{Rng, SeedableRng};
use std::path::{Path, PathBuf};
use zkcc_ceremony::fuzzing::{Target, TARGETS};
use zkcc_test_support::iden3::section;

fn corpus_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus")
}

fn corpus(name: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = corpus_root().join(name);
    let mut files: Vec<(PathBuf, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| {
            let p = e.unwrap().path();
            let b = std::fs::read(&p).unwrap();
            (p, b)
        })
        .collect();
    files.sort();
    files
}

/// Runs `body` on `data`; on a panic, saves the input and fails naming it.
fn run(name: &str, body: Target, data: &[u8], what: &str) {
    let r = std::panic::catch_unwind(|| body(data));
    if r.is_err() {
        let out = std::env::temp_dir().join(format!("zkcc-fuzz-crash-{name}-{}", data.len()));
        std::fs::write(&out, data).unwrap();
        panic!(
            "target {name} panicked on {what} (input saved in {})",
            out.display()
        );
    }
}

#[test]
fn saved_corpus_replays_without_panic() {
    let mut total = 0;
    for (name, body) in TARGETS {
        let files = corpus(name);
        assert!(!files.is_empty(), "corpus of {name} is empty");
        for (p, b) in &files {
            run(name, body, b, &p.display().to_string());
        }
        total += files.len();
    }
    println!("replayed {total} corpus inputs");
    // The valid seeds are valid: the bodies reach past the parsers.
    use zkcc_prover::ceremony::{export, ptau::Ptau, zkey::Zkey};
    let seed = |t: &str, n: &str| std::fs::read(corpus_root().join(t).join(n)).unwrap();
    for n in [
        "seed-raw-1",
        "seed-raw-2",
        "seed-prepared-1",
        "seed-prepared-2",
    ] {
        Ptau::read_verified(&seed("ptau", n), &mut rand::rngs::StdRng::seed_from_u64(0))
            .unwrap_or_else(|e| panic!("{n}: {e}"));
    }
    let z = Zkey::read(&seed("zkey", "seed-beacon")).unwrap();
    assert_eq!(z.contributions.len(), 2);
    zkcc_prover::ceremony::phase2::verify_against(
        &z,
        &Zkey::read(&seed("zkey", "seed-initial")).unwrap(),
        &mut rand::rngs::StdRng::seed_from_u64(0),
    )
    .unwrap();
    let w = export::read_wtns(&seed("wtns", "seed-tiny")).unwrap();
    export::R1csFile::read(&seed("r1cs", "seed-tiny"))
        .unwrap()
        .check(&w)
        .unwrap();
}

/// One seeded mutation of `b`.
fn mutate(b: &[u8], rng: &mut rand::rngs::StdRng) -> Vec<u8> {
    let mut m = b.to_vec();
    if m.is_empty() {
        return vec![rng.gen()];
    }
    match rng.gen_range(0..6) {
        // Flip a few bytes anywhere.
        0 => {
            for _ in 0..rng.gen_range(1..4) {
                let i = rng.gen_range(0..m.len());
                m[i] ^= 1 << rng.gen_range(0..8);
            }
        }
        // Truncate.
        1 => m.truncate(rng.gen_range(0..m.len())),
        // Overwrite a u32 near the start (magic, version, section table, headers).
        2 => {
            let i = rng.gen_range(0..m.len().min(160));
            let v: u32 = *[0, 1, 2, 3, 0xff, 0x7fff_ffff, u32::MAX, rng.gen()]
                .get(rng.gen_range(0..8))
                .unwrap_or(&0);
            for (k, x) in v.to_le_bytes().iter().enumerate() {
                if let Some(y) = m.get_mut(i + k) {
                    *y = *x;
                }
            }
        }
        // Overwrite a u32 anywhere with a small or huge value.
        3 => {
            let i = rng.gen_range(0..m.len());
            let v: u32 = if rng.gen() {
                rng.gen_range(0..64)
            } else {
                rng.gen()
            };
            for (k, x) in v.to_le_bytes().iter().enumerate() {
                if let Some(y) = m.get_mut(i + k) {
                    *y = *x;
                }
            }
        }
        // Set a 32-byte field to all ones (non-canonical) or zeros (identity).
        4 => {
            let i = rng.gen_range(0..m.len());
            let v = if rng.gen() { 0xff } else { 0 };
            for y in m.iter_mut().skip(i).take(32) {
                *y = v;
            }
        }
        // Duplicate or drop a chunk.
        _ => {
            let i = rng.gen_range(0..m.len());
            let n = rng.gen_range(1..=64).min(m.len() - i);
            if rng.gen() {
                let chunk = m[i..i + n].to_vec();
                m.splice(i..i, chunk);
            } else {
                m.drain(i..i + n);
            }
        }
    }
    m
}

#[test]
fn mutated_corpus_never_panics() {
    let mut rng = rand::rngs::StdRng::seed_from_u64(0x5eed);
    // ZKCC_FUZZ_MUTATIONS raises the count for a longer hunt.
    let per_file: usize = std::env::var("ZKCC_FUZZ_MUTATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300);
    let mut total = 0;
    for (name, body) in TARGETS {
        for (p, b) in corpus(name) {
            for k in 0..per_file {
                let m = mutate(&b, &mut rng);
                run(name, body, &m, &format!("mutation {k} of {}", p.display()));
                total += 1;
            }
        }
    }
    println!("ran {total} mutated inputs");
}

/// A tiny circuit (public `out = x·y`, `w = (x + 3y)·2x`, `sq = w²`), its R1CS
/// and full assignment.
fn tiny() -> (zkcc_engine::r1cs::R1cs, Vec<Fr>) {
    use ark_relations::gr1cs::{ConstraintSystem, OptimizationGoal, R1CS_PREDICATE_LABEL};
    use ark_relations::lc;
    let cs = ConstraintSystem::<Fr>::new_ref();
    cs.set_optimization_goal(OptimizationGoal::Constraints);
    let (x, y) = (Fr::from(5u64), Fr::from(7u64));
    let wv = (x + Fr::from(3u64) * y) * (x + x);
    let out = cs.new_input_variable(|| Ok(x * y)).unwrap();
    let sq = cs.new_input_variable(|| Ok(wv * wv)).unwrap();
    let xv = cs.new_witness_variable(|| Ok(x)).unwrap();
    let yv = cs.new_witness_variable(|| Ok(y)).unwrap();
    let w = cs.new_witness_variable(|| Ok(wv)).unwrap();
    cs.enforce_r1cs_constraint(|| lc!() + xv, || lc!() + yv, || lc!() + out)
        .unwrap();
    cs.enforce_r1cs_constraint(
        || lc!() + xv + (Fr::from(3u64), yv),
        || lc!() + (Fr::from(2u64), xv),
        || lc!() + w,
    )
    .unwrap();
    cs.enforce_r1cs_constraint(|| lc!() + w, || lc!() + w, || lc!() + sq)
        .unwrap();
    cs.finalize();
    assert!(zkcc_circuits::harness::satisfied(&cs).unwrap());
    let m = cs.to_matrices().unwrap();
    let r1cs = zkcc_engine::r1cs::R1cs::from_matrices(
        &m[R1CS_PREDICATE_LABEL],
        cs.num_instance_variables(),
        cs.num_witness_variables(),
    );
    (r1cs, vec![Fr::from(1u64), x * y, wv * wv, x, y, wv])
}

/// The seeds: tiny valid files made by zkcc's own code, and near misses.
#[test]
#[ignore = "writes fuzz/corpus/"]
fn regenerate_ceremony_fuzz_seeds() {
    use zkcc_prover::ceremony::export::{r1cs_bytes, read_wtns, wtns_bytes, R1csFile};
    use zkcc_prover::ceremony::phase2;
    use zkcc_prover::ceremony::ptau::Ptau;
    use zkcc_prover::ceremony::zkey::Zkey;
    let root = corpus_root();
    let put = |target: &str, name: &str, data: &[u8]| {
        let dir = root.join(target);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("seed-{name}")), data).unwrap();
    };
    let (t, a, b) = (Fr::from(424242u64), Fr::from(17u64), Fr::from(23u64));

    // ptau: raw and prepared, powers 1 and 2; near misses.
    let raw2 = Ptau::insecure_from_secrets(2, t, a, b, false).unwrap();
    let prep2 = Ptau::insecure_from_secrets(2, t, a, b, true).unwrap();
    let mut rng = rand::rngs::StdRng::seed_from_u64(1);
    let raw2 = Ptau::read_verified(&raw2.to_bytes(), &mut rng).unwrap();
    let prep2 = Ptau::read_verified(&prep2.to_bytes(), &mut rng).unwrap();
    put(
        "ptau",
        "raw-1",
        &Ptau::insecure_from_secrets(1, t, a, b, false)
            .unwrap()
            .to_bytes(),
    );
    put(
        "ptau",
        "prepared-1",
        &Ptau::insecure_from_secrets(1, t, a, b, true)
            .unwrap()
            .to_bytes(),
    );
    let rb = raw2.to_bytes();
    let pb = prep2.to_bytes();
    put("ptau", "raw-2", &rb);
    put("ptau", "prepared-2", &pb);
    put("ptau", "truncated", &rb[..rb.len() - 7]);
    let mut broken = rb.clone(); // τ^3·G1 := τ^2·G1: valid points, a broken power
    let s2 = section(&rb, 2).0;
    broken.copy_within(s2 + 2 * 64..s2 + 3 * 64, s2 + 3 * 64);
    put("ptau", "broken-power", &broken);
    let mut off = rb.clone(); // a point off the curve
    off[s2 + 64 + 5] ^= 1;
    put("ptau", "off-curve", &off);
    let mut big = rb.clone(); // header power 20, sections of power 2
    let s1 = section(&rb, 1).0;
    big[s1 + 36..s1 + 40].copy_from_slice(&20u32.to_le_bytes());
    put("ptau", "power-mismatch", &big);
    let mut lag = pb.clone(); // a broken Lagrange point
    let s12 = section(&pb, 12).0;
    lag.copy_within(s12..s12 + 64, s12 + 3 * 64);
    put("ptau", "broken-lagrange", &lag);

    // zkey: the tiny circuit's initial key, a contribution, a beacon; near misses.
    let (r1cs, z) = tiny(); // domain 8: power 3
    let prep3 = Ptau::insecure_from_secrets(3, t, a, b, true).unwrap();
    let z0 = Zkey::new_initial(&prep3, &r1cs).unwrap();
    let mut crng = rand_chacha::ChaCha20Rng::seed_from_u64(3);
    let z1 = phase2::contribute(z0.clone(), Some("seed"), &mut crng).unwrap();
    let z2 = phase2::beacon(z1.clone(), &[1, 2, 3, 4], 10, Some("beacon")).unwrap();
    // A fixture of known τ: development mode, explicitly.
    let dev = zkcc_prover::ceremony::trust::Phase1::from_bytes(
        &prep3.to_bytes(),
        zkcc_prover::ceremony::trust::Phase1Source::DevelopmentOnly,
        &mut rng,
    )
    .unwrap();
    phase2::verify(&z2, &dev, &r1cs, &mut rng).unwrap();
    let zb = z2.to_bytes();
    put("zkey", "initial", &z0.to_bytes());
    put("zkey", "contributed", &z1.to_bytes());
    put("zkey", "beacon", &zb);
    put("zkey", "truncated", &zb[..zb.len() - 1]);
    let mut cnt = zb.clone(); // coefficient count off by one
    let s4 = section(&zb, 4).0;
    let nc = u32::from_le_bytes(cnt[s4..s4 + 4].try_into().unwrap());
    cnt[s4..s4 + 4].copy_from_slice(&(nc + 1).to_le_bytes());
    put("zkey", "coefficient-count", &cnt);
    let mut l = zb.clone(); // L[0] := L[1]
    let s8 = section(&zb, 8).0;
    l.copy_within(s8 + 64..s8 + 128, s8);
    put("zkey", "tampered-l", &l);
    let mut pok = z2.clone(); // a contribution without a valid proof of knowledge
    pok.contributions[0].g2_spx = pok.contributions[1].g2_spx;
    put("zkey", "bad-pok", &pok.to_bytes());

    // r1cs: the tiny circuit and a request circuit; near misses.
    let rb = r1cs_bytes(&r1cs);
    R1csFile::read(&rb).unwrap().check(&z).unwrap();
    put("r1cs", "tiny", &rb);
    put("r1cs", "truncated", &rb[..rb.len() - 3]);
    let mut wire = rb.clone(); // the first term's wire out of range
    let s2 = section(&rb, 2).0;
    wire[s2 + 4..s2 + 8].copy_from_slice(&99u32.to_le_bytes());
    put("r1cs", "wire-out-of-range", &wire);
    let mut nc = rb.clone(); // a coefficient ≥ r
    for y in &mut nc[s2 + 8..s2 + 40] {
        *y = 0xff;
    }
    put("r1cs", "non-canonical", &nc);
    let mut many = rb.clone(); // the header claims 2^32 − 1 wires
    let s1 = section(&rb, 1).0;
    many[s1 + 36..s1 + 40].copy_from_slice(&u32::MAX.to_le_bytes());
    put("r1cs", "many-wires", &many);

    // wtns: the tiny assignment; near misses.
    let wb = wtns_bytes(&z);
    assert_eq!(read_wtns(&wb).unwrap(), z);
    put("wtns", "tiny", &wb);
    put("wtns", "truncated", &wb[..wb.len() - 1]);
    let mut top = wb.clone();
    let last = top.len() - 1;
    top[last] = 0xff;
    put("wtns", "non-canonical", &top);
    let mut ver = wb.clone();
    ver[4] = 1;
    put("wtns", "version-1", &ver);
    put("wtns", "empty-assignment", &wtns_bytes(&[]));
}

/// A checks-target input: `ops` (each `(kind, slot, other, payload scalar)`)
/// before `file`.
fn with_ops(ops: &[(u8, u16, u16, u64)], file: &[u8]) -> Vec<u8> {
    use zkcc_ceremony::fuzzing::OP_BYTES;
    let mut out = vec![ops.len() as u8];
    for &(kind, slot, other, k) in ops {
        let mut op = vec![kind];
        op.extend(slot.to_le_bytes());
        op.extend(other.to_le_bytes());
        op.extend(k.to_le_bytes());
        op.resize(OP_BYTES, 0);
        out.extend(op);
    }
    out.extend_from_slice(file);
    out
}

/// The split of the readers: a parse that accepts what the checks refuse,
/// the checks naming the point as the full read does, and the checks
/// targets' operations reaching the cryptographic checks.
#[test]
fn parse_and_checks_split_as_the_full_read() {
    use zkcc_ceremony::fuzzing::{apply_ops, ptau_slots, split_ops, zkey_slots};
    use zkcc_prover::ceremony::{ptau::Ptau, zkey::Zkey, CeremonyError};
    let seed = |t: &str, n: &str| std::fs::read(corpus_root().join(t).join(n)).unwrap();
    let rng = || rand::rngs::StdRng::seed_from_u64(0);

    // A point off the curve parses, and the checks name it as `read` does.
    let off = seed("ptau", "seed-off-curve");
    let p = Ptau::parse(&off).unwrap();
    refused_at(p.check_points(), Ptau::read(&off), "ptau", "tauG1[1]");

    // ptau power 1: slots tauG1[0..3], tauG2[0..2], alphaTauG1[0..2], …
    let raw = seed("ptau", "seed-raw-1");
    let slots = ptau_slots(&raw).unwrap();
    assert_eq!(slots.len(), 3 + 2 + 2 + 2 + 1);
    // The identity operation (1·G on the generator) gives the file back.
    assert_eq!(
        apply_ops(&raw, &slots, &with_ops(&[(1, 0, 0, 1)], &[])[1..]),
        raw
    );
    // τ·G1 doubled: every point valid, the powers broken.
    let input = with_ops(&[(7, 1, 0, 2)], &raw);
    let (ops, file) = split_ops(&input).unwrap();
    let m = apply_ops(file, &slots, ops);
    let p = Ptau::read(&m).unwrap();
    assert!(matches!(
        p.verify(&mut rng()),
        Err(CeremonyError::BrokenPowers(_))
    ));
    // A G2 point from an x (kind 8) is off the subgroup: the checks refuse it.
    let m = apply_ops(&raw, &slots, &with_ops(&[(8, 3, 0, 5)], &[])[1..]);
    let p = Ptau::parse(&m).unwrap();
    refused_at(p.check_points(), Ptau::read(&m), "ptau", "tauG2[0]");

    // The snarkjs file: its contribution record's points are slots, and a
    // negated proof-of-knowledge point breaks the transcript.
    let sj = seed("ptau", "seed-snarkjs-beacon-2");
    let slots = ptau_slots(&sj).unwrap();
    let p = Ptau::read(&sj).unwrap();
    let t = Ptau::read_transcript(&sj).unwrap();
    p.verify_transcript(&t).unwrap();
    let last = (slots.len() - 1) as u16; // the last record's last g2_spx
    let m = apply_ops(&sj, &slots, &with_ops(&[(3, last, 0, 0)], &[])[1..]);
    let t = Ptau::read_transcript(&m).unwrap();
    assert!(Ptau::read(&m).unwrap().verify_transcript(&t).is_err());

    // zkey: the `zkey` body checks the key against itself as its own
    // initial key, which the beacon's key passes up to `L` (its δ is not 1);
    // δ·G1 tripled fails earlier, a changed coefficient against the key it
    // came from.
    use zkcc_ceremony::fuzzing::Slot;
    use zkcc_prover::ceremony::phase2::verify_against;
    let zb = seed("zkey", "seed-beacon");
    let slots = zkey_slots(&zb).unwrap();
    let z = Zkey::read(&zb).unwrap();
    let err = |a: &Zkey, b: &Zkey| verify_against(a, b, &mut rng()).unwrap_err().to_string();
    assert!(err(&z, &z).contains("L (section 8)"), "{}", err(&z, &z));
    assert_eq!(slots[4].1, Slot::G1); // delta1
    assert_eq!(slots[6].1, Slot::Fr); // the first coefficient
    let mutated = |op| Zkey::read(&apply_ops(&zb, &slots, &with_ops(&[op], &[])[1..])).unwrap();
    let m = mutated((7, 4, 0, 3));
    let e = err(&m, &m);
    assert!(e.contains("δ·G1 is not the last"), "{e}");
    let e = err(&mutated((8, 6, 0, 1)), &z);
    assert!(e.contains("coefficients (section 4)"), "{e}");
    // An off-curve G1 in the header: parsed, refused by the checks.
    let m = apply_ops(&zb, &slots, &with_ops(&[(0, 0, 0, 7)], &[])[1..]);
    let z = Zkey::parse(&m).unwrap();
    refused_at(z.check_points(), Zkey::read(&m), "zkey", "alpha1[0]");
}

/// The checks alone (`check`) refuse point `what` of a `kind` file, and the
/// full read (`read`) with the same message.
fn refused_at<T>(
    check: Result<(), zkcc_prover::ceremony::CeremonyError>,
    read: Result<T, zkcc_prover::ceremony::CeremonyError>,
    kind: &str,
    what: &str,
) {
    use zkcc_prover::ceremony::CeremonyError;
    let e = check.unwrap_err();
    assert!(
        matches!(&e, CeremonyError::BadPoint(k, w) if *k == kind && w == what),
        "{e}"
    );
    assert_eq!(read.err().map(|r| r.to_string()), Some(e.to_string()));
}

/// The split targets' seeds, from the saved seeds of `ptau` and `zkey`: the
/// `*_parse` targets take the same files; the `*_checks` targets take the
/// valid ones with no operation, and a few with operations that reach the
/// pairing and transcript checks.
#[test]
#[ignore = "writes fuzz/corpus/"]
fn regenerate_split_target_seeds() {
    use zkcc_ceremony::fuzzing::{ptau_slots, zkey_slots, Slot};
    let root = corpus_root();
    for (from, to) in [("ptau", "ptau_parse"), ("zkey", "zkey_parse")] {
        std::fs::create_dir_all(root.join(to)).unwrap();
        for (p, b) in corpus(from) {
            let name = p.file_name().unwrap().to_str().unwrap().to_string();
            if name.starts_with("seed-") {
                std::fs::write(root.join(to).join(name), b).unwrap();
            }
        }
    }
    let put = |target: &str, name: &str, data: &[u8]| {
        let dir = root.join(target);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("seed-{name}")), data).unwrap();
    };
    let seed = |t: &str, n: &str| std::fs::read(root.join(t).join(format!("seed-{n}"))).unwrap();
    type Slots = fn(&[u8]) -> Result<Vec<(usize, Slot)>, zkcc_prover::ceremony::CeremonyError>;
    type Ops = [(&'static str, u8, u16, u64); 2]; // (name, kind, slot, k)
    let targets: [(&str, Slots, &[&str], Ops); 2] = [
        (
            "ptau",
            ptau_slots,
            &[
                "raw-1",
                "prepared-1",
                "snarkjs-beacon-2",
                "snarkjs-prepared-2",
            ],
            [("tau-doubled", 7, 1, 2), ("g2-off-subgroup", 8, 3, 5)],
        ),
        (
            "zkey",
            zkey_slots,
            &["initial", "contributed", "beacon"],
            [("delta-tripled", 7, 4, 3), ("coefficient-2", 8, 6, 1)],
        ),
    ];
    for (from, slots, bases, ops) in targets {
        let to = format!("{from}_checks");
        for base in bases {
            let f = seed(from, base);
            let end = (slots(&f).unwrap().len() - 1) as u16;
            put(&to, base, &with_ops(&[], &f));
            for (what, kind, slot, k) in ops.into_iter().chain([("last-negated", 3, end, 0)]) {
                put(
                    &to,
                    &format!("{base}-{what}"),
                    &with_ops(&[(kind, slot, 0, k)], &f),
                );
            }
        }
    }
}
