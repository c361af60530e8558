//! Batch verification against one-by-one verification: the same verdict,
//! and the same bad proofs named, under seeded random tampering.
use crate::common;

use ark_bn254::{Bn254, Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::UniformRand;
use ark_groth16::Proof;
use common::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use zkcc_circuits::shard::fixtures::IMPORTER;
use zkcc_verifier::batch::{verify_batch, BatchItem, PreparedKey};
use zkcc_verifier::submission::RequestBundle;
use zkcc_verifier::VerifyError;

/// Which items fail on their own.
fn single_verdicts(pk: &PreparedKey, items: &[BatchItem]) -> Vec<usize> {
    items
        .iter()
        .enumerate()
        .filter(|(_, it)| pk.verify(&it.inputs, &it.proof).is_err())
        .map(|(i, _)| i)
        .collect()
}

fn batch_verdict(pk: &PreparedKey, items: &[BatchItem], rng: &mut StdRng) -> Vec<usize> {
    match pk.verify_batch(items, rng) {
        Ok(()) => vec![],
        Err(VerifyError::BatchRejected { bad }) => {
            assert!(!bad.is_empty(), "a rejected batch names its bad proofs");
            bad
        }
        Err(e) => panic!("unexpected error {e}"),
    }
}

/// Number of tampering kinds of [`tamper_kind`].
const KINDS: usize = 10;

/// One random tampering of a valid item.
fn tamper(item: &mut BatchItem, other: &BatchItem, rng: &mut StdRng) -> &'static str {
    let kind = rng.gen_range(0..KINDS);
    tamper_kind(item, other, kind, rng)
}

/// Tampering number `kind` of a valid item.
fn tamper_kind(
    item: &mut BatchItem,
    other: &BatchItem,
    kind: usize,
    rng: &mut StdRng,
) -> &'static str {
    let g = G1Affine::generator();
    match kind {
        0 => {
            let j = rng.gen_range(0..item.inputs.len());
            item.inputs = bump(&item.inputs, j);
            "input + 1"
        }
        1 => {
            item.proof.a = (item.proof.a + g).into_affine();
            "A + G"
        }
        2 => {
            item.proof.c = (item.proof.c + g).into_affine();
            "C + G"
        }
        3 => {
            item.proof.b = other.proof.b;
            "B of another proof"
        }
        4 => {
            item.inputs = other.inputs.clone();
            item.inputs[4] += Fr::from(7u64);
            "another statement"
        }
        5 => {
            item.proof.a = G1Projective::rand(rng).into_affine();
            "random A"
        }
        7 => {
            item.proof.a = G1Affine::zero();
            "A = identity"
        }
        8 => {
            // Not a proof any parser accepts: exercises the batch's fallback
            // to arkworks' Miller loop (the affine loop refuses it).
            item.proof.b = G2Affine::zero();
            "B = identity"
        }
        9 => {
            item.proof.b = G2Projective::rand(rng).into_affine();
            "random B"
        }
        _ => {
            // Swap A and C.
            std::mem::swap(&mut item.proof.a, &mut item.proof.c);
            "A and C swapped"
        }
    }
}

/// The environment's prepared key and a generator seeded with `seed`.
fn key_and_rng(seed: u64) -> (PreparedKey, StdRng) {
    (PreparedKey::new(&env().vk), StdRng::seed_from_u64(seed))
}

#[test]
fn valid_batches_of_every_size_accept() {
    let e = env();
    let (pk, mut rng) = key_and_rng(7);
    for n in [0, 1, 2, 3, 16, 64] {
        let items = items(n, &mut rng);
        pk.verify_batch(&items, &mut rng)
            .unwrap_or_else(|err| panic!("n = {n}: {err}"));
    }
    verify_batch(&e.vk, &items(4, &mut rng), &mut rng).unwrap();
}

/// Seeded random tampering: batch and one-by-one verification agree on
/// every batch, and the batch names exactly the proofs that fail alone.
#[test]
fn batch_agrees_with_single_under_random_tampering() {
    let (pk, mut rng) = key_and_rng(2024);
    let mut rejected_batches = 0;
    for round in 0..40 {
        let n = rng.gen_range(1..=12);
        let mut items = items(n, &mut rng);
        let k = if round % 5 == 0 {
            0
        } else {
            rng.gen_range(1..=n.min(3))
        };
        let mut kinds = Vec::new();
        for _ in 0..k {
            let i = rng.gen_range(0..n);
            let other = items[(i + 1) % n].clone();
            kinds.push((i, tamper(&mut items[i], &other, &mut rng)));
        }
        let expected = single_verdicts(&pk, &items);
        let got = batch_verdict(&pk, &items, &mut rng);
        assert_eq!(
            got, expected,
            "round {round}: n = {n}, tamperings {kinds:?}"
        );
        if !got.is_empty() {
            rejected_batches += 1;
        }
    }
    assert!(
        rejected_batches >= 20,
        "the tampering must actually break proofs ({rejected_batches})"
    );
}

/// Every kind of tampering, one at a time in the middle of a batch: the
/// batch names exactly that proof, as one-by-one verification does.
#[test]
fn every_tampering_kind_is_named() {
    let (pk, mut rng) = key_and_rng(11);
    for kind in 0..KINDS {
        let mut items = items(6, &mut rng);
        let other = items[3].clone();
        let what = tamper_kind(&mut items[2], &other, kind, &mut rng);
        assert_eq!(single_verdicts(&pk, &items), vec![2], "{what}");
        assert_eq!(batch_verdict(&pk, &items, &mut rng), vec![2], "{what}");
    }
}

/// Two tamperings that cancel in an unweighted sum (C₁ + P, C₂ − P) are
/// caught: the coefficients are random, not 1.
#[test]
fn cancelling_tamperings_are_caught() {
    let (pk, mut rng) = key_and_rng(3);
    let mut items = items(8, &mut rng);
    // Same statement at 0 and 4 (items cycle over 4 fixtures).
    let p = G1Projective::rand(&mut rng);
    items[0].proof.c = (items[0].proof.c + p).into_affine();
    items[4].proof.c = (items[4].proof.c - p).into_affine();
    assert_eq!(batch_verdict(&pk, &items, &mut rng), vec![0, 4]);
    // And a swapped pair of proofs between two statements.
    let mut items2 = self::items(6, &mut rng);
    let tmp: Proof<Bn254> = items2[1].proof.clone();
    items2[1].proof = items2[2].proof.clone();
    items2[2].proof = tmp;
    assert_eq!(batch_verdict(&pk, &items2, &mut rng), vec![1, 2]);
}

#[test]
fn every_proof_bad_is_named() {
    let (pk, mut rng) = key_and_rng(5);
    let mut items = items(9, &mut rng);
    for it in items.iter_mut() {
        it.inputs[3] += Fr::from(1u64);
    }
    assert_eq!(
        batch_verdict(&pk, &items, &mut rng),
        (0..9).collect::<Vec<_>>()
    );
}

#[test]
fn wrong_input_count_is_named() {
    let (pk, mut rng) = key_and_rng(6);
    let mut items = items(4, &mut rng);
    items[2].inputs.pop();
    assert!(matches!(
        pk.verify_batch(&items, &mut rng),
        Err(VerifyError::BatchInputCount {
            index: 2,
            expected: N_INPUTS,
            found: 15
        })
    ));
}

/// Request bundles through the batch path: a bundle whose statement or
/// proof does not parse is refused on its own, the rest are batched, and the
/// one bad proof among them is named.
#[test]
fn bundles_through_the_batch_path_get_one_verdict_each() {
    let e = env();
    let mut rng = StdRng::seed_from_u64(8);
    let st = e.statement(0);
    let id = zkcc_verifier::keys::circuit_id(&e.vk);
    let mut bundles: Vec<_> = (0..5)
        .map(|_| {
            let p = ark_groth16::Groth16::<Bn254>::rerandomize_proof(&e.vk, &e.proofs[0], &mut rng);
            RequestBundle::new(IMPORTER, id.clone(), SHAPE, &st, &p)
        })
        .collect();
    bundles[1].public_inputs.nonce = "0x".into(); // statement encoding
    let bad = Proof::<Bn254> {
        a: (e.proofs[0].a + G1Affine::generator()).into_affine(),
        ..e.proofs[0].clone()
    };
    bundles[3] = RequestBundle::new(IMPORTER, id, SHAPE, &st, &bad);
    bundles[4].proof = "00".into(); // proof encoding
    let mut items = Vec::new();
    let mut verdicts: Vec<Result<(), VerifyError>> = Vec::new();
    let mut at = Vec::new();
    for (i, b) in bundles.iter().enumerate() {
        match b.statement().and_then(|st| Ok((st, b.proof()?))) {
            Ok((st, proof)) => {
                items.push(BatchItem {
                    inputs: st.public_inputs(),
                    proof,
                });
                at.push(i);
                verdicts.push(Ok(()));
            }
            Err(e) => verdicts.push(Err(e)),
        }
    }
    assert_eq!(at, [0, 2, 3]);
    match PreparedKey::new(&e.vk).verify_batch(&items, &mut rng) {
        Err(VerifyError::BatchRejected { bad }) => {
            for k in bad {
                verdicts[at[k]] = Err(VerifyError::ProofRejected);
            }
        }
        other => panic!("the batch must be rejected: {other:?}"),
    }
    assert!(verdicts[0].is_ok() && verdicts[2].is_ok());
    assert!(matches!(
        verdicts[1],
        Err(VerifyError::PublicInput { name: "nonce", .. })
    ));
    assert!(matches!(verdicts[3], Err(VerifyError::ProofRejected)));
    assert_reason(
        verdicts[4].as_ref().unwrap_err(),
        "proof encoding invalid: 1 bytes, a Groth16 proof is 128",
    );
}

/// A batch large enough to be split across threads (parsing, scaling and
/// Miller loops run per chunk, one final exponentiation): a bad proof in any
/// chunk still fails the batch and is named, and with the bad proofs taken
/// out the same batch accepts.
#[test]
fn threaded_batches_name_bad_proofs_in_every_chunk() {
    let (pk, mut rng) = key_and_rng(99);
    let n = 70;
    let cores = std::thread::available_parallelism().map_or(1, |c| c.get());
    assert!(
        cores == 1 || zkcc_verifier::par::threads_for(n) > 1,
        "a batch of {n} is split across threads"
    );
    let mut items = items(n, &mut rng);
    for bad in [[3usize, 64], [0, 69], [35, 36]] {
        let mut tampered = items.clone();
        for &i in &bad {
            let other = items[(i + 1) % n].clone();
            tamper_kind(&mut tampered[i], &other, 0, &mut rng);
        }
        let got = batch_verdict(&pk, &tampered, &mut rng);
        assert_eq!(got, bad.to_vec(), "bad proofs {bad:?}");
    }
    pk.verify_batch(&items, &mut rng).unwrap();
    items.truncate(33);
    pk.verify_batch(&items, &mut rng).unwrap();
}
