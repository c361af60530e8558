//! Poseidon over BN254, identical to circomlib's `Poseidon(n)` (x^5 S-box,
//! 8 full rounds, width `t = n + 1`, state `[0, inputs…]`, output `state[0]`).
//!
//! The round constants and MDS matrices are circomlib's, taken from
//! `light-poseidon` (an audited implementation that reproduces circomlibjs);
//! [`params`] is the single place they enter the code base. The tests check this
//! native permutation against circomlibjs vectors and against `light-poseidon`,
//! and `constraints.rs` against this native twin.
use ark_bn254::Fr;
use ark_ff::{Field, Zero};
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
///
/// Computed by an equivalent sequence of rounds ([`Fast`]): the partial
/// rounds' constants folded into one scalar each, their MDS products sparse
/// (`2t − 1` products, not `t²`), every dense row one `sum_of_products` (one
/// reduction per row). About a third of the products of the round-by-round
/// definition ([`hash_by_rounds`], which the tests hold it to). The native
/// check and the shard witness's carries hash every chip's record.
pub fn hash(inputs: &[Fr]) -> Fr {
    match inputs.len() + 1 {
        2 => permute::<2>(inputs),
        3 => permute::<3>(inputs),
        4 => permute::<4>(inputs),
        5 => permute::<5>(inputs),
        6 => permute::<6>(inputs),
        7 => permute::<7>(inputs),
        8 => permute::<8>(inputs),
        9 => permute::<9>(inputs),
        10 => permute::<10>(inputs),
        11 => permute::<11>(inputs),
        12 => permute::<12>(inputs),
        13 => permute::<13>(inputs),
        _ => {
            // `params` refuses it, with the arity in its message.
            params(inputs.len());
            unreachable!("arities 1..=MAX_ARITY have a width above")
        }
    }
}

/// `Poseidon(inputs)` round by round, as circomlib defines it: constants,
/// S-boxes, the dense MDS product. The reference [`hash`] is tested against.
pub fn hash_by_rounds(inputs: &[Fr]) -> Fr {
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

/// The rounds of one width rewritten for speed, the same permutation:
///
/// 1. A partial round's S-box touches coordinate 0 only, so the constants of
///    the other coordinates pass it unchanged: `M·S(x + c) = M·S(x + c₀e₀) +
///    M·c⊥`. `M·c⊥` joins the next round's constants; after the last partial
///    round, the first full round's. Each partial round then adds one scalar.
/// 2. A block matrix `B = diag(1, B̂)` commutes with such a round's S-box and
///    scalar: `S(B·x + k·e₀) = B·S(x + k·e₀)`. Going backwards from the last
///    partial round, its matrix `N` (at first `M`) is split as `N = A·B`
///    with `B = diag(1, N̂)` and `A = [[n₀₀, nᵀ·N̂⁻¹], [n̂, I]]` (sparse:
///    `2t − 1` products); `B` moves into the round before, whose matrix
///    becomes `B·M`. The last full round before the partial rounds takes
///    the last `B`: still one dense product.
struct Fast {
    /// Per round, its constants (full rounds: `t`; partial rounds: the
    /// scalar in entry 0, the rest zero).
    ark: Vec<Fr>,
    /// The dense matrix of the full round just before the partial rounds
    /// (`B·M`), row-major.
    pre: Vec<Fr>,
    /// Per partial round, its sparse matrix: first row (`t` entries), then
    /// the first column below it (`t − 1`).
    sparse: Vec<Fr>,
}

fn fast(width: usize) -> &'static Fast {
    static CACHE: [OnceLock<Fast>; MAX_ARITY + 2] = [const { OnceLock::new() }; MAX_ARITY + 2];
    CACHE[width].get_or_init(|| Fast::new(params(width - 1)))
}

impl Fast {
    fn new(p: &PoseidonParams) -> Self {
        let t = p.width;
        let (half, rp) = (p.full_rounds / 2, p.partial_rounds);
        let m = &p.mds;
        let mul = |a: &[Vec<Fr>], v: &[Fr]| -> Vec<Fr> {
            a.iter()
                .map(|row| row.iter().zip(v).map(|(x, y)| *x * y).sum())
                .collect()
        };
        // 1. Constants.
        let mut ark = p.ark.clone();
        for r in half..half + rp {
            let mut rest = ark[r * t..(r + 1) * t].to_vec();
            rest[0] = Fr::from(0u64);
            for x in &mut ark[r * t + 1..(r + 1) * t] {
                *x = Fr::from(0u64);
            }
            for (x, y) in ark[(r + 1) * t..(r + 2) * t].iter_mut().zip(mul(m, &rest)) {
                *x += y;
            }
        }
        // 2. Matrices, from the last partial round back.
        let mut sparse = vec![Fr::from(0u64); rp * (2 * t - 1)];
        let mut n = m.clone();
        for i in (0..rp).rev() {
            let hat: Vec<Vec<Fr>> = n[1..].iter().map(|row| row[1..].to_vec()).collect();
            let inv = invert(&hat).expect("the MDS matrix's minors are invertible");
            // nᵀ·N̂⁻¹, as a row.
            let row: Vec<Fr> = (0..t - 1)
                .map(|j| (0..t - 1).map(|k| n[0][k + 1] * inv[k][j]).sum())
                .collect();
            let s = &mut sparse[i * (2 * t - 1)..(i + 1) * (2 * t - 1)];
            s[0] = n[0][0];
            s[1..t].copy_from_slice(&row);
            for k in 1..t {
                s[t - 1 + k] = n[k][0];
            }
            // The round before takes B·M, B = diag(1, N̂).
            n = (0..t)
                .map(|r| {
                    (0..t)
                        .map(|c| {
                            if r == 0 {
                                m[0][c]
                            } else {
                                (1..t).map(|k| hat[r - 1][k - 1] * m[k][c]).sum()
                            }
                        })
                        .collect()
                })
                .collect();
        }
        Self {
            ark,
            pre: n.concat(),
            sparse,
        }
    }
}

/// The inverse of a square matrix over `Fr` (Gauss–Jordan), `None` if
/// singular.
fn invert(a: &[Vec<Fr>]) -> Option<Vec<Vec<Fr>>> {
    let n = a.len();
    let mut m: Vec<Vec<Fr>> = a
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let mut r = row.clone();
            r.extend((0..n).map(|j| Fr::from((i == j) as u64)));
            r
        })
        .collect();
    for c in 0..n {
        let p = (c..n).find(|&r| !m[r][c].is_zero())?;
        m.swap(c, p);
        let inv = m[c][c].inverse()?;
        m[c].iter_mut().for_each(|x| *x *= inv);
        let pivot = m[c].clone();
        for (r, row) in m.iter_mut().enumerate() {
            if r != c && !row[c].is_zero() {
                let f = row[c];
                row.iter_mut().zip(&pivot).for_each(|(x, y)| *x -= f * y);
            }
        }
    }
    Some(m.into_iter().map(|r| r[n..].to_vec()).collect())
}

/// The permutation of width `T` by [`Fast`], output `state[0]`.
fn permute<const T: usize>(inputs: &[Fr]) -> Fr {
    let p = params(T - 1);
    let f = fast(T);
    debug_assert_eq!(p.width, T);
    let dense = |src: &[Vec<Fr>]| -> [[Fr; T]; T] {
        std::array::from_fn(|i| std::array::from_fn(|j| src[i][j]))
    };
    let mds = dense(&p.mds);
    let pre: [[Fr; T]; T] = std::array::from_fn(|i| std::array::from_fn(|j| f.pre[i * T + j]));
    let mut state: [Fr; T] = std::array::from_fn(|i| {
        if i == 0 {
            Fr::from(0u64)
        } else {
            inputs[i - 1]
        }
    });
    let (half, rp) = (p.full_rounds / 2, p.partial_rounds);
    let full = |state: &mut [Fr; T], r: usize, m: &[[Fr; T]; T]| {
        for (s, c) in state.iter_mut().zip(&f.ark[r * T..(r + 1) * T]) {
            *s = sbox(*s + c);
        }
        *state = std::array::from_fn(|i| Fr::sum_of_products(state, &m[i]));
    };
    for r in 0..half {
        full(&mut state, r, if r + 1 == half { &pre } else { &mds });
    }
    for (i, s) in f.sparse.chunks_exact(2 * T - 1).enumerate() {
        let x0 = sbox(state[0] + f.ark[(half + i) * T]);
        state[0] = x0;
        let row: &[Fr; T] = s[..T].try_into().expect("T entries");
        let out0 = Fr::sum_of_products(&state, row);
        for (x, c) in state[1..].iter_mut().zip(&s[T..]) {
            *x += x0 * c;
        }
        state[0] = out0;
    }
    for r in half + rp..p.full_rounds + rp {
        full(&mut state, r, &mds);
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

    /// The fast rounds are the definition's permutation, at every arity, on
    /// edge values (0, 1, −1) and random ones.
    #[test]
    fn fast_rounds_equal_the_rounds_of_the_definition() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(8);
        let edges = [Fr::from(0u64), Fr::from(1u64), -Fr::from(1u64)];
        for arity in 1..=MAX_ARITY {
            for k in 0..6 {
                let inputs: Vec<Fr> = (0..arity)
                    .map(|i| match k {
                        0..=2 => edges[(i + k) % 3],
                        _ => Fr::from(rng.gen::<u128>()) * Fr::from(rng.gen::<u128>()),
                    })
                    .collect();
                assert_eq!(hash(&inputs), hash_by_rounds(&inputs), "arity {arity}");
            }
        }
    }

    #[test]
    #[should_panic(expected = "Poseidon arity 13 unsupported")]
    fn arity_beyond_the_table_is_refused() {
        hash(&[Fr::from(0u64); MAX_ARITY + 1]);
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
