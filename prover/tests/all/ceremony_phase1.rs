//! The phase-1 transcript (a `.ptau`'s section 7) made by snarkjs, verified
//! by zkcc as `snarkjs powersoftau verify` does: each contribution's proofs
//! of knowledge, beacons, the chain of first points; tamperings refused with
//! the contribution named. Skipped without snarkjs unless
//! `ZKCC_REQUIRE_SNARKJS=1`.
use zkcc_prover::ceremony::ptau::Ptau;
use zkcc_test_support::snarkjs;

#[test]
fn phase1_transcript_from_snarkjs_verifies_and_tamperings_are_named() {
    let Some(cli) = snarkjs::cli("the phase-1 transcript test") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    snarkjs::ok(&cli, d, &["powersoftau", "new", "bn128", "4", "p0.ptau"]);
    snarkjs::ok(
        &cli,
        d,
        &[
            "powersoftau",
            "contribute",
            "p0.ptau",
            "p1.ptau",
            "--name=first",
            "-e=one",
        ],
    );
    snarkjs::ok(
        &cli,
        d,
        &[
            "powersoftau",
            "contribute",
            "p1.ptau",
            "p2.ptau",
            "--name=second",
            "-e=two",
        ],
    );
    snarkjs::ok(
        &cli,
        d,
        &[
            "powersoftau",
            "beacon",
            "p2.ptau",
            "p3.ptau",
            "0a0b0c0d0e0f",
            "10",
            "-n=the beacon",
        ],
    );
    snarkjs::ok(
        &cli,
        d,
        &["powersoftau", "prepare", "phase2", "p3.ptau", "pf.ptau"],
    );
    let read = |n: &str| {
        let b = std::fs::read(d.join(n)).unwrap();
        (Ptau::read(&b).unwrap(), Ptau::read_transcript(&b).unwrap())
    };
    let (p0, t0) = read("p0.ptau");
    assert!(t0.is_empty());
    p0.verify_transcript(&t0).unwrap();
    for (n, k) in [
        ("p1.ptau", 1),
        ("p2.ptau", 2),
        ("p3.ptau", 3),
        ("pf.ptau", 3),
    ] {
        let (p, t) = read(n);
        assert_eq!(t.len(), k, "{n}");
        p.verify_transcript(&t)
            .unwrap_or_else(|e| panic!("{n}: {e}"));
    }
    let (p3, t3) = read("p3.ptau");
    assert_eq!(t3[0].name.as_deref(), Some("first"));
    assert_eq!(t3[2].name.as_deref(), Some("the beacon"));
    assert_eq!(
        t3[2].beacon,
        Some((10, vec![0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f]))
    );
    assert!(t3[1].beacon.is_none());

    let err = |p: &Ptau, t: &[zkcc_prover::ceremony::ptau::Phase1Contribution]| {
        p.verify_transcript(t).unwrap_err().to_string()
    };
    // The transcript `t` refused for `p3`, the error containing `needle`.
    let refused = |t: &[zkcc_prover::ceremony::ptau::Phase1Contribution], needle: &str| {
        let e = err(&p3, t);
        assert!(e.contains(needle), "{e}");
    };
    // A contribution removed: the next one's proofs no longer match its challenge.
    let mut t = t3.clone();
    t.remove(1);
    refused(&t, "contribution #2");
    // A proof of knowledge replaced by another contribution's.
    let mut t = t3.clone();
    t[0].keys[0].g2_spx = t[1].keys[0].g2_spx;
    refused(&t, "contribution #1: no valid proof of knowledge of τ");
    let mut t = t3.clone();
    t[1].keys[2] = t[0].keys[2];
    refused(&t, "contribution #2: no valid proof of knowledge of β");
    // A point of the chain moved without a proof.
    let mut t = t3.clone();
    t[1].alpha_g1 = t[0].alpha_g1;
    refused(&t, "contribution #2: α·G1 does not follow");
    // A beacon with another hash.
    let mut t = t3.clone();
    t[2].beacon = Some((10, vec![1, 2, 3]));
    refused(&t, "contribution #3: the beacon does not recompute");
    // Another challenge handed on.
    let mut t = t3.clone();
    t[0].next_challenge[5] ^= 1;
    refused(&t, "contribution #2");
    // The last challenge is the hash of the response and the file's points.
    let mut t = t3.clone();
    t[2].next_challenge[0] ^= 1;
    refused(&t, "contribution #3: the challenge it handed on");
    let mut t = t3.clone();
    t[2].partial_hash[130] ^= 1;
    refused(&t, "contribution #3: the challenge it handed on");
    let mut t = t3.clone();
    t[2].partial_hash[200..208].copy_from_slice(&999u64.to_le_bytes());
    assert!(t[2].response_hash().is_none());
    refused(&t, "malformed saved hash state");
    // The file's points are not the transcript's last.
    let (p2, _) = read("p2.ptau");
    let e = err(&p2, &t3);
    assert!(e.contains("not the last contribution's"), "{e}");

    // The CLI prints the verified transcript and refuses a broken one.
    let out = crate::run::zkcc(
        d,
        &[
            "ceremony",
            "init",
            "--circuit",
            "request-1x1",
            "--ptau",
            "pf.ptau",
            "--dev-unpublished-ptau",
            "--out",
            "r0.zkey",
        ],
    );
    let text = crate::run::text(&out);
    if out.status.success() {
        assert!(
            text.contains("phase-1 contribution #3 the beacon (beacon)"),
            "{text}"
        );
    } else {
        // request-1x1 needs more than power 4: the transcript was verified first.
        assert!(
            text.contains("phase-1 contribution #3 the beacon (beacon)"),
            "{text}"
        );
        assert!(text.contains("too small"), "{text}");
    }
}
