//! The R1CS matrices of a circuit, built once at setup and stored with the
//! proving key, in a compact row-major form.
//!
//! Each matrix is stored as CSR: `row_ptr` (one entry per row plus one),
//! `cols` (variable index into the full assignment `z = (1, inputs, witness)`)
//! and `coeffs` (an index into one shared table of distinct coefficients:
//! slot 0 is `1`, slot 1 is `−1`). That is 8 bytes per non-zero instead of the
//! 40 of arkworks' `Vec<Vec<(Fr, usize)>>`, and the `±1` terms (most of them)
//! cost an addition instead of a multiplication when evaluated.
use crate::mont::{fr_add, fr_mul, fr_sub};
use ark_bn254::Fr;
use ark_ff::{One, Zero};
use ark_relations::utils::matrix::Matrix;
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize};
use rayon::prelude::*;
use std::collections::HashMap;

/// One sparse matrix in CSR form (see the module docs).
#[derive(Clone, Debug, PartialEq, Eq, CanonicalSerialize, CanonicalDeserialize)]
pub struct SparseMatrix {
    /// `row_ptr[i]..row_ptr[i + 1]` are row `i`'s entries.
    pub row_ptr: Vec<u32>,
    /// Column (variable) of each entry.
    pub cols: Vec<u32>,
    /// Coefficient of each entry, as an index into [`R1cs::coeffs`].
    pub coeffs: Vec<u32>,
}

/// The R1CS `A·z ∘ B·z = C·z` of a circuit.
#[derive(Clone, Debug, PartialEq, Eq, CanonicalSerialize, CanonicalDeserialize)]
pub struct R1cs {
    /// Instance variables, including the constant `1`.
    pub num_instance: u64,
    /// Witness variables.
    pub num_witness: u64,
    /// Distinct coefficients; `coeffs[0] = 1`, `coeffs[1] = −1`.
    pub coeffs: Vec<Fr>,
    /// `A`, `B` and `C`.
    pub a: SparseMatrix,
    /// See `a`.
    pub b: SparseMatrix,
    /// See `a`.
    pub c: SparseMatrix,
}

impl R1cs {
    /// Converts arkworks matrices (rows of `(coefficient, variable)`).
    pub fn from_matrices(m: &[Matrix<Fr>], num_instance: usize, num_witness: usize) -> Self {
        let mut table: HashMap<Fr, u32> = HashMap::new();
        let mut coeffs = vec![Fr::one(), -Fr::one()];
        table.insert(Fr::one(), 0);
        table.insert(-Fr::one(), 1);
        let mut convert = |rows: &Matrix<Fr>| {
            let mut row_ptr = Vec::with_capacity(rows.len() + 1);
            let nnz: usize = rows.iter().map(|r| r.len()).sum();
            let (mut cols, mut cs) = (Vec::with_capacity(nnz), Vec::with_capacity(nnz));
            row_ptr.push(0u32);
            for row in rows {
                for (coeff, col) in row {
                    let k = *table.entry(*coeff).or_insert_with(|| {
                        coeffs.push(*coeff);
                        (coeffs.len() - 1) as u32
                    });
                    cols.push(*col as u32);
                    cs.push(k);
                }
                row_ptr.push(cols.len() as u32);
            }
            SparseMatrix {
                row_ptr,
                cols,
                coeffs: cs,
            }
        };
        let (a, b, c) = (convert(&m[0]), convert(&m[1]), convert(&m[2]));
        Self {
            num_instance: num_instance as u64,
            num_witness: num_witness as u64,
            coeffs,
            a,
            b,
            c,
        }
    }

    /// Number of constraints (rows).
    pub fn num_constraints(&self) -> usize {
        self.a.row_ptr.len() - 1
    }

    /// Number of variables, `1 + inputs + witness`.
    pub fn num_variables(&self) -> usize {
        (self.num_instance + self.num_witness) as usize
    }

    /// Non-zero entries of `A`, `B`, `C`.
    pub fn nnz(&self) -> [usize; 3] {
        [self.a.cols.len(), self.b.cols.len(), self.c.cols.len()]
    }

    /// Checks the structure: three matrices of the same height, columns
    /// within the variables, coefficient indices within the table.
    pub fn is_well_formed(&self) -> bool {
        let n = self.num_constraints();
        let vars = self.num_variables();
        self.coeffs.len() >= 2
            && self.coeffs[0] == Fr::one()
            && self.coeffs[1] == -Fr::one()
            && [&self.a, &self.b, &self.c].iter().all(|m| {
                m.row_ptr.len() == n + 1
                    && m.row_ptr.first() == Some(&0)
                    && m.row_ptr.windows(2).all(|w| w[0] <= w[1])
                    && m.row_ptr.last().map(|&x| x as usize) == Some(m.cols.len())
                    && m.cols.len() == m.coeffs.len()
                    && m.cols.iter().all(|&c| (c as usize) < vars)
                    && m.coeffs.iter().all(|&k| (k as usize) < self.coeffs.len())
            })
    }

    fn row(&self, m: &SparseMatrix, i: usize, z: &[Fr]) -> Fr {
        let (s, e) = (m.row_ptr[i] as usize, m.row_ptr[i + 1] as usize);
        let mut acc = Fr::zero();
        for (&col, &k) in m.cols[s..e].iter().zip(&m.coeffs[s..e]) {
            let v = &z[col as usize];
            // `crate::mont`'s branch-free sums and inlined product.
            acc = match k {
                0 => fr_add(&acc, v),
                1 => fr_sub(&acc, v),
                _ => fr_add(&acc, &fr_mul(&self.coeffs[k as usize], v)),
            };
        }
        acc
    }

    /// Evaluates `A·z` and `B·z` into the first rows of `az` and `bz` (which
    /// may be longer: the QAP domain), checking on the way that every row
    /// satisfies `(A·z)ᵢ·(B·z)ᵢ = (C·z)ᵢ`. Parallel over rows. Returns the
    /// first unsatisfied row, if any. `z` must have [`Self::num_variables`]
    /// entries.
    pub fn evaluate_and_check(&self, z: &[Fr], az: &mut [Fr], bz: &mut [Fr]) -> Result<(), usize> {
        let n = self.num_constraints();
        assert_eq!(z.len(), self.num_variables(), "assignment length");
        let chunk = 4096;
        let bad = az[..n]
            .par_chunks_mut(chunk)
            .zip(bz[..n].par_chunks_mut(chunk))
            .enumerate()
            .filter_map(|(ci, (ac, bc))| {
                for (k, (a, b)) in ac.iter_mut().zip(bc.iter_mut()).enumerate() {
                    let i = ci * chunk + k;
                    *a = self.row(&self.a, i, z);
                    *b = self.row(&self.b, i, z);
                    if *a * *b != self.row(&self.c, i, z) {
                        return Some(i);
                    }
                }
                None
            })
            .min();
        match bad {
            Some(i) => Err(i),
            None => Ok(()),
        }
    }
}
