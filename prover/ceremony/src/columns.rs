//! The per-signal points of a phase-2 key: for every signal `s`,
//! `Σ_row M[row][s]·P_row` over a sparse matrix `M` and a series of points
//! `P` (the Lagrange basis at τ, ατ, βτ, in G1 or G2).
//!
//! zkcc's circuits have about 31 G1 and 10 G2 such terms per constraint whose
//! coefficient is not ±1 (Poseidon's linear layers), so these small sums are
//! most of an initialisation from a prepared phase-1 file. Each signal's sum
//! is a small multi-scalar multiplication (a few to a few hundred terms), done
//! here by Straus's interleaving: every coefficient split by GLV into two
//! ~128-bit halves recoded in width-5 signed digits (once per *distinct*
//! coefficient: the R1CS keeps them deduplicated), one shared chain of ~128
//! doublings per signal, and mixed additions from per-row tables of odd
//! multiples built once per series (affine, batch-normalised; the second
//! half reads them through the curve endomorphism, one field multiplication).
//! Why not ark-ec's MSM per signal: its Pippenger set-up costs milliseconds
//! whatever the size; why not one scalar multiplication per term: each would
//! pay its own 128 doublings.
use super::gfft::{recode, Recoded, TABLE};
use ark_bn254::Fr;
use ark_ec::scalar_mul::glv::GLVConfig;
use ark_ec::short_weierstrass::{Affine, Projective};
use ark_ec::{AdditiveGroup, AffineRepr, CurveGroup};
use ark_ff::Zero;
use rayon::prelude::*;
use zkcc_engine::r1cs::{R1cs, SparseMatrix};

/// A sparse matrix by columns: `cols[s]` lists `(row, coefficient index)`.
pub type Columns = Vec<Vec<(u32, u32)>>;

/// The columns of the first `rows` rows of `m`, for `nv` signals.
pub fn columns(m: &SparseMatrix, rows: usize, nv: usize) -> Columns {
    let mut out: Columns = vec![Vec::new(); nv];
    for row in 0..rows {
        for k in m.row_ptr[row] as usize..m.row_ptr[row + 1] as usize {
            out[m.cols[k] as usize].push((row as u32, m.coeffs[k]));
        }
    }
    out
}

/// Every distinct coefficient of the R1CS, recoded once for the curve `P`.
pub fn recode_all<P: GLVConfig<ScalarField = Fr>>(r1cs: &R1cs) -> Vec<Recoded> {
    r1cs.coeffs.par_iter().map(recode::<P>).collect()
}

/// Odd multiples `(2i + 1)·P` for `i <` [`TABLE`] of every point, affine,
/// flattened (`TABLE` per point).
pub fn odd_tables<P: GLVConfig<ScalarField = Fr>>(pts: &[Affine<P>]) -> Vec<Affine<P>> {
    pts.par_chunks(1024)
        .flat_map_iter(|chunk| {
            let mut proj = Vec::with_capacity(chunk.len() * TABLE);
            for p in chunk {
                let twice = p.into_group().double();
                let mut m = Projective::<P>::from(*p);
                for _ in 0..TABLE {
                    proj.push(m);
                    m += twice;
                }
            }
            Projective::normalize_batch(&proj)
        })
        .collect()
}

/// One series' contribution: the columns of a matrix, the points (for ±1
/// coefficients) and their odd-multiple tables.
pub struct Series<'a, P: GLVConfig<ScalarField = Fr>> {
    /// `(row, coefficient index)` per signal.
    pub cols: &'a Columns,
    /// The points, one per row.
    pub pts: &'a [Affine<P>],
    /// [`odd_tables`] of `pts`.
    pub tables: &'a [Affine<P>],
}

/// `Σ_series Σ_(row, c) ∈ cols[s] coeff[c]·pts[row]` for every signal `s`.
pub fn sums<P: GLVConfig<ScalarField = Fr>>(
    series: &[Series<'_, P>],
    rec: &[Recoded],
    nv: usize,
    progress: &(dyn Fn(u64) + Sync),
) -> Vec<Projective<P>> {
    (0..nv)
        .into_par_iter()
        .with_min_len(16)
        .map(|s| {
            let out = signal_sum(series, rec, s);
            progress(1);
            out
        })
        .collect()
}

fn signal_sum<P: GLVConfig<ScalarField = Fr>>(
    series: &[Series<'_, P>],
    rec: &[Recoded],
    s: usize,
) -> Projective<P> {
    let mut units = Projective::<P>::zero();
    let mut len = 0;
    for sr in series {
        for &(row, c) in &sr.cols[s] {
            match &rec[c as usize] {
                Recoded::One => units += sr.pts[row as usize],
                Recoded::MinusOne => units -= sr.pts[row as usize],
                Recoded::Zero => {}
                Recoded::Glv { d1, d2, .. } => len = len.max(d1.len()).max(d2.len()),
            }
        }
    }
    let mut acc = Projective::<P>::zero();
    for i in (0..len).rev() {
        acc.double_in_place();
        for sr in series {
            for &(row, c) in &sr.cols[s] {
                if let Recoded::Glv { neg1, d1, neg2, d2 } = &rec[c as usize] {
                    let t = &sr.tables[row as usize * TABLE..(row as usize + 1) * TABLE];
                    if let Some(&d) = d1.get(i).filter(|d| **d != 0) {
                        let e = t[d.unsigned_abs() as usize / 2];
                        if (d < 0) ^ neg1 {
                            acc -= e;
                        } else {
                            acc += e;
                        }
                    }
                    if let Some(&d) = d2.get(i).filter(|d| **d != 0) {
                        let e = P::endomorphism_affine(&t[d.unsigned_abs() as usize / 2]);
                        if (d < 0) ^ neg2 {
                            acc -= e;
                        } else {
                            acc += e;
                        }
                    }
                }
            }
        }
    }
    acc + units
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::{One, UniformRand};
    use ark_std::rand::{rngs::StdRng, Rng, SeedableRng};

    /// Random columns over `rows` rows with coefficients drawn from `coeffs`
    /// (edge values included), against the term-by-term sum.
    fn check<P: GLVConfig<ScalarField = Fr>>(rng: &mut StdRng) {
        let rows = 40;
        let nv = 12;
        let mut coeffs = vec![
            Fr::one(),
            -Fr::one(),
            Fr::zero(),
            Fr::from(2u64),
            -Fr::from(3u64),
        ];
        coeffs.extend((0..20).map(|_| Fr::rand(rng)));
        let rec: Vec<Recoded> = coeffs.iter().map(recode::<P>).collect();
        let pts: Vec<Affine<P>> = (0..rows)
            .map(|i| {
                if i == 7 {
                    Affine::<P>::identity()
                } else {
                    Projective::<P>::rand(rng).into_affine()
                }
            })
            .collect();
        let tables = odd_tables(&pts);
        let mk = |rng: &mut StdRng| -> Columns {
            (0..nv)
                .map(|s| {
                    // Signal 0 dense, signal 1 empty, the rest a few terms.
                    let k = match s {
                        0 => 100,
                        1 => 0,
                        _ => rng.gen_range(1..8),
                    };
                    (0..k)
                        .map(|_| {
                            (
                                rng.gen_range(0..rows) as u32,
                                rng.gen_range(0..coeffs.len()) as u32,
                            )
                        })
                        .collect()
                })
                .collect()
        };
        let (c1, c2) = (mk(rng), mk(rng));
        let pts2: Vec<Affine<P>> = pts
            .iter()
            .map(|p| (*p * Fr::from(5u64)).into_affine())
            .collect();
        let tables2 = odd_tables(&pts2);
        let series = [
            Series {
                cols: &c1,
                pts: &pts,
                tables: &tables,
            },
            Series {
                cols: &c2,
                pts: &pts2,
                tables: &tables2,
            },
        ];
        let got = sums(&series, &rec, nv, &|_| {});
        for s in 0..nv {
            let mut want = Projective::<P>::zero();
            for (cols, pts) in [(&c1, &pts), (&c2, &pts2)] {
                for &(row, c) in &cols[s] {
                    want += pts[row as usize] * coeffs[c as usize];
                }
            }
            assert_eq!(got[s], want, "signal {s}");
        }
    }

    #[test]
    fn straus_sums_match_term_by_term_sums() {
        let mut rng = StdRng::seed_from_u64(11);
        for _ in 0..3 {
            check::<ark_bn254::g1::Config>(&mut rng);
            check::<ark_bn254::g2::Config>(&mut rng);
        }
    }
}
