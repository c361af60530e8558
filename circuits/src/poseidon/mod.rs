//! Poseidon over BN254, identical to circomlib's `Poseidon(n)` (x^5 S-box,
//! 8 full rounds, width `t = n + 1`, state `[0, inputs…]`, output `state[0]`).
//!
//! The round constants and MDS matrices are circomlib's, taken from
//! `light-poseidon` (an audited implementation that reproduces circomlibjs);
//! [`params`] is the single place they enter the code base. The tests check this
//! native permutation against circomlibjs vectors and against `light-poseidon`,
//! and `constraints.rs` against this native twin.
use ark_bn254::Fr;
use ark_ff::Field;
use std::sync::OnceLock;

#[cfg(feature = "r1cs")]
pub mod constraints;

/// Largest supported arity (number of inputs). Width is arity + 1.
pub const MAX_ARITY: usize = 12;

/// Round constants and MDS matrix for one width.
pub struct PoseidonParams {
    /// State width `t` (inputs + 1).
    pub width: usize,
    /// Full rounds (8).
    pub full_rounds: usize,
    /// Partial rounds (circomlib's table: 56, 57, 56, 60, 60, 63, 64, 63, …).
    pub partial_rounds: usize,
    /// Round constants, `width` per round.
    pub ark: Vec<Fr>,
    /// MDS matrix, `width × width`.
    pub mds: Vec<Vec<Fr>>,
}

/// The circomlib parameters for `arity` inputs (1 ≤ arity ≤ [`MAX_ARITY`]).
///
/// # Panics
/// On an arity outside that range: arities are fixed by the code, never by input.
pub fn params(arity: usize) -> &'static PoseidonParams {
    static CACHE: [OnceLock<PoseidonParams>; MAX_ARITY + 1] =
        [const { OnceLock::new() }; MAX_ARITY + 1];
    assert!(
        (1..=MAX_ARITY).contains(&arity),
        "Poseidon arity {arity} unsupported"
    );
    CACHE[arity].get_or_init(|| {
        let p =
            light_poseidon::parameters::bn254_x5::get_poseidon_parameters::<Fr>(arity as u8 + 1)
                .expect("light-poseidon provides widths 2..=13");
        assert_eq!(p.alpha, 5);
        PoseidonParams {
            width: p.width,
            full_rounds: p.full_rounds,
            partial_rounds: p.partial_rounds,
            ark: p.ark,
            mds: p.mds,
        }
    })
}

#[inline(always)]
fn sbox(x: Fr) -> Fr {
    let x2 = x.square();
    x2.square() * x
}

/// `Poseidon(inputs)`, circomlib-compatible. Arity = `inputs.len()`.
pub fn hash(inputs: &[Fr]) -> Fr {
    let p = params(inputs.len());
    let t = p.width;
    let mut state = Vec::with_capacity(t);
    state.push(Fr::from(0u64));
    state.extend_from_slice(inputs);
    let half = p.full_rounds / 2;
    let mut next = vec![Fr::from(0u64); t];
    for round in 0..p.full_rounds + p.partial_rounds {
        for (i, s) in state.iter_mut().enumerate() {
            *s += p.ark[round * t + i];
        }
        if round < half || round >= half + p.partial_rounds {
            state.iter_mut().for_each(|s| *s = sbox(*s));
        } else {
            state[0] = sbox(state[0]);
        }
        for (i, n) in next.iter_mut().enumerate() {
            *n = state.iter().zip(&p.mds[i]).map(|(s, m)| *s * m).sum();
        }
        std::mem::swap(&mut state, &mut next);
    }
    state[0]
}

/// Shorthand for the binary hash used by Merkle trees.
pub fn hash2(a: Fr, b: Fr) -> Fr {
    hash(&[a, b])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encoding::fr_from_hex;
    use light_poseidon::{Poseidon, PoseidonHasher};
    use rand::{Rng, SeedableRng};

    /// Published circomlibjs vectors (circomlibjs `test/poseidon.js`, and
    /// iden3's Poseidon reference outputs): `poseidon([1])`, `poseidon([1, 2])`,
    /// `poseidon([1, 2, 3, 4])`.
    #[test]
    fn circomlibjs_published_vectors() {
        let f = |v: u64| Fr::from(v);
        assert_eq!(
            hash(&[f(1)]),
            fr_from_hex("0x29176100eaa962bdc1fe6c654d6a3c130e96a4d1168b33848b897dc502820133")
                .unwrap()
        );
        assert_eq!(
            hash(&[f(1), f(2)]),
            fr_from_hex("0x115cc0f5e7d690413df64c6b9662e9cf2a3617f2743245519e19607a4417189a")
                .unwrap()
        );
        assert_eq!(
            hash(&[f(1), f(2), f(3), f(4)]),
            fr_from_hex("0x299c867db6c1fdd79dcefa40e4510b9837e60ebb1ce0663dbaa525df65250465")
                .unwrap()
        );
    }

    /// Vectors generated with circomlibjs 0.1.7 `buildPoseidon()` for every
    /// arity zkcc uses; regenerate with `node circuits/testdata/poseidon_vectors.js`.
    #[test]
    fn circomlibjs_generated_vectors() {
        let text = include_str!("../../testdata/poseidon_vectors.json");
        let v: serde_json::Value = serde_json::from_str(text).unwrap();
        let cases = v["cases"].as_array().unwrap();
        assert!(cases.len() >= 8);
        for case in cases {
            let inputs: Vec<Fr> = case["inputs"]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| fr_from_hex(x.as_str().unwrap()).unwrap())
                .collect();
            let expected = fr_from_hex(case["output"].as_str().unwrap()).unwrap();
            assert_eq!(hash(&inputs), expected, "arity {}", inputs.len());
        }
    }

    #[test]
    fn agrees_with_light_poseidon_on_random_inputs() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(7);
        for arity in 1..=MAX_ARITY {
            let inputs: Vec<Fr> = (0..arity)
                .map(|_| Fr::from(rng.gen::<u128>()) * Fr::from(rng.gen::<u128>()))
                .collect();
            let mut oracle = Poseidon::<Fr>::new_circom(arity).unwrap();
            assert_eq!(
                hash(&inputs),
                oracle.hash(&inputs).unwrap(),
                "arity {arity}"
            );
        }
    }
}
