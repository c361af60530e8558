//! Phase 2 keys in snarkjs's `.zkey` format (Groth16), and the initial key
//! built from a `.ptau` and a circuit's R1CS exactly as `snarkjs zkey new`
//! builds it.
//!
//! Sections: 1 protocol (`1` = Groth16); 2 header (`n8q`, `q`, `n8r`, `r`,
//! `nVars`, `nPublic`, `domainSize`, `α·G1`, `β·G1`, `β·G2`, `γ·G2`, `δ·G1`,
//! `δ·G2`); 3 `IC` (the verifying key's input bases); 4 the coefficients of
//! `A` and `B` (matrix, constraint, signal, value as `v·R²` little-endian);
//! 5 `A_i(τ)·G1`, 6 `B_i(τ)·G1`, 7 `B_i(τ)·G2` for every signal; 8 `L` for the
//! private signals, over `δ`; 9 `H`: `L^{2n}_{2i+1}(τ)/δ·G1`, the Lagrange
//! basis of the `2n`-th roots of unity at the odd indices (snarkjs evaluates
//! the quotient on that odd coset); 10 the transcript: the circuit hash and
//! the contributions.
//!
//! [`Zkey::read`] is [`Zkey::parse`] (the structure: sections, sizes,
//! coefficient ranges, canonical field elements) then [`Zkey::check_points`]
//! (every point on the curve and in the subgroup), split so that each can be
//! fuzzed at its own speed (`fuzz/` targets `zkey_parse` and `zkey_checks`).
//!
//! The circuit hash (`csHash`) is BLAKE2b-512 over the header points and
//! every point section in snarkjs's order (IC, H as `τ^i·Z(τ)`, L, A, B1, B2),
//! each section prefixed by its point count (big-endian `u32`), points in the
//! uncompressed form.
use super::binfile::{
    check_g1s, check_g2s, g1_uncompressed, g1s_bytes, g2_uncompressed, g2s_bytes, parse_g1s,
    parse_g2s, push_field, push_g1, push_g2, read_g1s, write_sections, Reader, SectionFile,
};
use super::columns::{self, Series};
use super::gfft;
use super::ptau::Ptau;
use super::CeremonyError;
use ark_bn254::{g1, g2, Fq, Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{BigInteger, Field, One, PrimeField};
use blake2::{Blake2b512, Digest};
use indicatif::ProgressBar;
use rayon::prelude::*;
use zkcc_engine::r1cs::R1cs;

type Res<T> = Result<T, CeremonyError>;
const KIND: &str = "zkey";

/// One phase-2 contribution as the `.zkey` records it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Contribution {
    /// `δ·G1` after this contribution.
    pub delta_after: G1Affine,
    /// The proof of knowledge: a random `s·G1`, …
    pub g1_s: G1Affine,
    /// … `x·s·G1` (`x` the contribution's secret) …
    pub g1_sx: G1Affine,
    /// … and `x·H(transcript)` in G2.
    pub g2_spx: G2Affine,
    /// BLAKE2b-512 of the transcript up to this contribution's `g1_s`, `g1_sx`.
    pub transcript: [u8; 64],
    /// 0 a contribution, 1 a beacon.
    pub kind: u32,
    /// A name (at most 64 bytes).
    pub name: Option<String>,
    /// A beacon's iteration exponent and hash.
    pub beacon: Option<(u8, Vec<u8>)>,
}

impl Contribution {
    /// snarkjs's `hashPubKey`: what the next transcript absorbs.
    pub fn hash_into(&self, h: &mut Blake2b512) {
        h.update(g1_uncompressed(&self.delta_after));
        h.update(g1_uncompressed(&self.g1_s));
        h.update(g1_uncompressed(&self.g1_sx));
        h.update(g2_uncompressed(&self.g2_spx));
        h.update(self.transcript);
    }
    /// The contribution's hash, as snarkjs prints it.
    pub fn hash(&self) -> [u8; 64] {
        let mut h = Blake2b512::new();
        self.hash_into(&mut h);
        h.finalize().into()
    }
}

/// One coefficient of `A` (matrix 0) or `B` (matrix 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Coeff {
    /// 0 for `A`, 1 for `B`.
    pub matrix: u32,
    /// Row.
    pub constraint: u32,
    /// Signal (variable).
    pub signal: u32,
    /// Value.
    pub value: Fr,
}

/// A Groth16 `.zkey`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Zkey {
    /// Signals (variables), the constant `1` included.
    pub n_vars: u32,
    /// Public signals (the constant `1` excluded).
    pub n_public: u32,
    /// QAP domain size.
    pub domain_size: u32,
    /// `α·G1`.
    pub alpha_g1: G1Affine,
    /// `β·G1`.
    pub beta_g1: G1Affine,
    /// `β·G2`.
    pub beta_g2: G2Affine,
    /// `γ·G2` (the generator).
    pub gamma_g2: G2Affine,
    /// `δ·G1`.
    pub delta_g1: G1Affine,
    /// `δ·G2`.
    pub delta_g2: G2Affine,
    /// Input bases, `nPublic + 1`.
    pub ic: Vec<G1Affine>,
    /// `A` and `B` coefficients, input rows included.
    pub coeffs: Vec<Coeff>,
    /// `A_i(τ)·G1`.
    pub a: Vec<G1Affine>,
    /// `B_i(τ)·G1`.
    pub b1: Vec<G1Affine>,
    /// `B_i(τ)·G2`.
    pub b2: Vec<G2Affine>,
    /// `L_i/δ·G1` for the private signals.
    pub l: Vec<G1Affine>,
    /// `H_i/δ·G1`, `domainSize` points.
    pub h: Vec<G1Affine>,
    /// The circuit hash.
    pub cs_hash: [u8; 64],
    /// The contributions, in order.
    pub contributions: Vec<Contribution>,
}

fn r_value() -> Fr {
    Fr::from_bigint(Fr::R).unwrap_or_else(Fr::one)
}

impl Zkey {
    /// Parses a `.zkey`, checking every point: [`Zkey::parse`] then
    /// [`Zkey::check_points`].
    pub fn read(bytes: &[u8]) -> Res<Self> {
        let z = Self::parse(bytes)?;
        z.check_points()?;
        Ok(z)
    }

    /// Parses a `.zkey`'s structure — sections, sizes, coefficient ranges,
    /// canonical field elements — *without* checking that the points lie on
    /// the curve and in the subgroup: only [`Zkey::read`]'s first half, for
    /// fuzzing the parser apart from the point checks. Nothing may use the
    /// points before [`Zkey::check_points`] passes.
    pub fn parse(bytes: &[u8]) -> Res<Self> {
        let f = SectionFile::parse(bytes, b"zkey", KIND)?;
        let hd = Header::parse(&f)?;
        let (nv, np, n) = hd.sizes();
        let exact = |ty, count, size, name: &str| exact_section(&f, ty, count, size, name);
        let ic = parse_g1s(exact(3, np + 1, 64, "IC")?, np + 1, KIND, "IC")?;
        let mut r = Reader::new(KIND, "coefficients (section 4)", f.section(4)?);
        let nc = r.u32()? as usize;
        if f.section(4)?.len() != 4 + 44 * nc {
            return Err(CeremonyError::Format(
                KIND,
                format!(
                    "coefficients (section 4): {nc} announced, the section holds another number"
                ),
            ));
        }
        let r2inv = (r_value() * r_value()).inverse().unwrap_or_else(Fr::one);
        let mut coeffs = Vec::with_capacity(nc);
        for i in 0..nc {
            let (matrix, constraint, signal) = (r.u32()?, r.u32()?, r.u32()?);
            let v = super::binfile::fr_le(r.take(32)?).ok_or_else(|| {
                CeremonyError::Format(KIND, format!("coefficient {i} is not canonical"))
            })?;
            if matrix > 1 || signal >= hd.n_vars || constraint as usize >= n {
                return Err(CeremonyError::Format(
                    KIND,
                    format!("coefficient {i} out of range"),
                ));
            }
            coeffs.push(Coeff {
                matrix,
                constraint,
                signal,
                value: v * r2inv,
            });
        }
        r.finish()?;
        let a = parse_g1s(exact(5, nv, 64, "A")?, nv, KIND, "A")?;
        let b1 = parse_g1s(exact(6, nv, 64, "B1")?, nv, KIND, "B1")?;
        let b2 = parse_g2s(exact(7, nv, 128, "B2")?, nv, KIND, "B2")?;
        let l = parse_g1s(exact(8, nv - np - 1, 64, "L (C)")?, nv - np - 1, KIND, "L")?;
        let h = parse_g1s(exact(9, n, 64, "H")?, n, KIND, "H")?;
        let (cs_hash, contributions) = parse_contributions(f.section(10)?)?;
        Ok(Self {
            n_vars: hd.n_vars,
            n_public: hd.n_public,
            domain_size: hd.domain_size,
            alpha_g1: hd.alpha_g1,
            beta_g1: hd.beta_g1,
            beta_g2: hd.beta_g2,
            gamma_g2: hd.gamma_g2,
            delta_g1: hd.delta_g1,
            delta_g2: hd.delta_g2,
            ic,
            coeffs,
            a,
            b1,
            b2,
            l,
            h,
            cs_hash,
            contributions,
        })
    }

    /// The checks [`Zkey::parse`] leaves out: every point on the curve and
    /// in the subgroup, the first that fails named as [`Zkey::read`] names it
    /// (in the file's order: header, `IC`, `A`, `B1`, `B2`, `L`, `H`, the
    /// contributions).
    pub fn check_points(&self) -> Res<()> {
        Header::check(
            [self.alpha_g1, self.beta_g1, self.delta_g1],
            [self.beta_g2, self.gamma_g2, self.delta_g2],
        )?;
        check_g1s(&self.ic, KIND, "IC")?;
        check_g1s(&self.a, KIND, "A")?;
        check_g1s(&self.b1, KIND, "B1")?;
        check_g2s(&self.b2, KIND, "B2")?;
        check_g1s(&self.l, KIND, "L")?;
        check_g1s(&self.h, KIND, "H")?;
        check_contributions(&self.contributions)
    }

    /// The `.zkey` bytes (sections in numeric order).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut hdr = Vec::new();
        push_field::<Fq>(&mut hdr);
        push_field::<Fr>(&mut hdr);
        for v in [self.n_vars, self.n_public, self.domain_size] {
            hdr.extend_from_slice(&v.to_le_bytes());
        }
        push_g1(&mut hdr, &self.alpha_g1);
        push_g1(&mut hdr, &self.beta_g1);
        push_g2(&mut hdr, &self.beta_g2);
        push_g2(&mut hdr, &self.gamma_g2);
        push_g1(&mut hdr, &self.delta_g1);
        push_g2(&mut hdr, &self.delta_g2);
        let mut co = Vec::with_capacity(4 + self.coeffs.len() * 44);
        co.extend_from_slice(&(self.coeffs.len() as u32).to_le_bytes());
        let r2 = r_value() * r_value();
        for c in &self.coeffs {
            for v in [c.matrix, c.constraint, c.signal] {
                co.extend_from_slice(&v.to_le_bytes());
            }
            co.extend((c.value * r2).into_bigint().to_bytes_le());
        }
        let mpc = mpc_bytes(&self.cs_hash, &self.contributions);
        let (s3, s5, s6, s7, s8, s9) = (
            g1s_bytes(&self.ic),
            g1s_bytes(&self.a),
            g1s_bytes(&self.b1),
            g2s_bytes(&self.b2),
            g1s_bytes(&self.l),
            g1s_bytes(&self.h),
        );
        write_sections(
            b"zkey",
            1,
            &[
                (1, &1u32.to_le_bytes()),
                (2, &hdr),
                (3, &s3),
                (4, &co),
                (5, &s5),
                (6, &s6),
                (7, &s7),
                (8, &s8),
                (9, &s9),
                (10, &mpc),
            ],
        )
    }

    /// The initial key of a circuit from a phase-1 file (`snarkjs zkey new`):
    /// `δ = γ = 1`, no contributions.
    pub fn new_initial(ptau: &Ptau, r1cs: &R1cs) -> Res<Self> {
        Self::new_initial_with(ptau, r1cs, &ProgressBar::hidden())
    }

    /// [`Zkey::new_initial`], reporting progress (its length grows by the
    /// work of each step as the step starts).
    pub fn new_initial_with(ptau: &Ptau, r1cs: &R1cs, progress: &ProgressBar) -> Res<Self> {
        Self::build_initial(ptau, r1cs, None, progress)
    }

    /// The initial key of `r1cs` on `ptau` that a verifier compares `z`
    /// with (`phase2::verify`): `A`, `B1` and `B2` are `z`'s own once a
    /// random linear combination of each has matched the same combination
    /// of the matrix's columns over the phase-1 powers ([`columns_match`]:
    /// `z`'s section equals the initial key's but with probability about
    /// `1/r`); `IC`, `L`, `H` and the circuit hash are built as
    /// [`Zkey::new_initial`] builds them (the circuit hash covers the
    /// initial `L`, which only the per-signal sums give). A section that
    /// does not match is refused as [`CeremonyError::BadKey`], named.
    ///
    /// `z`'s points must have been checked: the combination is sound only
    /// in the order-`r` groups. Hence crate-private: its one caller,
    /// `phase2::verify_with`, runs [`Zkey::check_points`] first. Those per-signal
    /// sums of `A`, `B1` and `B2` are three quarters of an initial key's
    /// work (`B2`'s in G2); the combinations cost one FFT in the field and
    /// a few multi-scalar multiplications.
    pub(crate) fn initial_for(
        z: &Zkey,
        ptau: &Ptau,
        r1cs: &R1cs,
        rng: &mut dyn rand::RngCore,
        progress: &ProgressBar,
    ) -> Res<Self> {
        Self::build_initial(ptau, r1cs, Some((z, rng)), progress)
    }

    fn build_initial(
        ptau: &Ptau,
        r1cs: &R1cs,
        check: Option<(&Zkey, &mut dyn rand::RngCore)>,
        progress: &ProgressBar,
    ) -> Res<Self> {
        let (n, ni, nv, domain_size) = key_sizes(r1cs)?;
        ptau.check_fits(domain_size)?;
        let t = std::time::Instant::now();
        let checked = match check {
            Some((z, rng)) => {
                let bad = |what: &str| {
                    CeremonyError::BadKey(format!("{what} differs from the initial key's"))
                };
                // One point per signal of the circuit: the combinations
                // below weigh `z`'s points only, so an extra identity point
                // (or a missing point of a signal the matrix never uses)
                // would pass them, and the key's sections are then its own
                // (found by a review: `verify` accepted such an in-memory key).
                for (len, what) in [
                    (z.a.len(), "A (section 5)"),
                    (z.b1.len(), "B1 (section 6)"),
                    (z.b2.len(), "B2 (section 7)"),
                ] {
                    if len != nv {
                        return Err(CeremonyError::BadKey(format!(
                            "{what} has {len} points, the circuit {nv} signals"
                        )));
                    }
                }
                let d = domain_size;
                let (p1, p2) = (&ptau.tau_g1[..d], &ptau.tau_g2[..d]);
                if !columns_match(&z.a, &r1cs.a, &r1cs.coeffs, ni, d, p1, rng) {
                    return Err(bad("A (section 5)"));
                }
                if !columns_match(&z.b1, &r1cs.b, &r1cs.coeffs, 0, d, p1, rng) {
                    return Err(bad("B1 (section 6)"));
                }
                if !columns_match(&z.b2, &r1cs.b, &r1cs.coeffs, 0, d, p2, rng) {
                    return Err(bad("B2 (section 7)"));
                }
                tracing::info!(
                    seconds = t.elapsed().as_secs_f64(),
                    "A, B1, B2 combinations"
                );
                Some(z)
            }
            None => None,
        };
        let t = std::time::Instant::now();
        let (lt1, lt2, la1, lb1, hpts) =
            lagrange_points(ptau, domain_size, checked.is_none(), progress)?;
        tracing::info!(seconds = t.elapsed().as_secs_f64(), "Lagrange basis");
        let t = std::time::Instant::now();
        let np = ni - 1;
        // Per-signal sums over the columns of A, B and C (see [`columns`]).
        let (ca, cb, cc) = (
            columns::columns(&r1cs.a, n, nv),
            columns::columns(&r1cs.b, n, nv),
            columns::columns(&r1cs.c, n, nv),
        );
        let rec1 = columns::recode_all::<g1::Config>(r1cs);
        let sums = if checked.is_some() { 1 } else { 4 };
        progress.set_length(progress.length().unwrap_or(0) + sums * nv as u64);
        let tick = |k: u64| progress.inc(k);
        let sum = |series: &[Series<'_, g1::Config>]| {
            let mut v = columns::sums(series, &rec1, nv, &tick);
            // The input rows: A[n + s][s] = 1 for the public signals.
            v.truncate(nv);
            v
        };
        let t_tau = columns::odd_tables(&lt1);
        let (t_alpha, t_beta) = (columns::odd_tables(&la1), columns::odd_tables(&lb1));
        let mut l_all = sum(&[
            Series {
                cols: &ca,
                pts: &lb1,
                tables: &t_beta,
            },
            Series {
                cols: &cb,
                pts: &la1,
                tables: &t_alpha,
            },
            Series {
                cols: &cc,
                pts: &lt1,
                tables: &t_tau,
            },
        ]);
        drop((t_alpha, t_beta));
        for s in 0..ni {
            l_all[s] += lb1[n + s];
        }
        let lall = G1Projective::normalize_batch(&l_all);
        let (a, b1, b2) = match checked {
            Some(z) => {
                drop(t_tau);
                (z.a.clone(), z.b1.clone(), z.b2.clone())
            }
            None => {
                let mut a_all = sum(&[Series {
                    cols: &ca,
                    pts: &lt1,
                    tables: &t_tau,
                }]);
                let b1_all = sum(&[Series {
                    cols: &cb,
                    pts: &lt1,
                    tables: &t_tau,
                }]);
                drop(t_tau);
                for s in 0..ni {
                    a_all[s] += lt1[n + s];
                }
                let t2 = columns::odd_tables(&lt2);
                let rec2 = columns::recode_all::<g2::Config>(r1cs);
                let b2_all = columns::sums(
                    &[Series {
                        cols: &cb,
                        pts: &lt2,
                        tables: &t2,
                    }],
                    &rec2,
                    nv,
                    &tick,
                );
                (
                    G1Projective::normalize_batch(&a_all),
                    G1Projective::normalize_batch(&b1_all),
                    G2Projective::normalize_batch(&b2_all),
                )
            }
        };
        tracing::info!(seconds = t.elapsed().as_secs_f64(), "per-signal points");
        let t = std::time::Instant::now();
        let coeffs = coeffs_of(r1cs);
        let mut z = Self {
            n_vars: nv as u32,
            n_public: np as u32,
            domain_size: domain_size as u32,
            alpha_g1: ptau.alpha_tau_g1[0],
            beta_g1: ptau.beta_tau_g1[0],
            beta_g2: ptau.beta_g2,
            gamma_g2: G2Affine::generator(),
            delta_g1: G1Affine::generator(),
            delta_g2: G2Affine::generator(),
            ic: lall[..ni].to_vec(),
            coeffs,
            a,
            b1,
            b2,
            l: lall[ni..].to_vec(),
            h: hpts,
            cs_hash: [0; 64],
            contributions: Vec::new(),
        };
        z.cs_hash = z.circuit_hash(ptau);
        tracing::info!(seconds = t.elapsed().as_secs_f64(), "circuit hash");
        Ok(z)
    }

    /// snarkjs's circuit hash of an *initial* key (its H hashed as `τ^i·Z(τ)`
    /// from the phase-1 powers).
    fn circuit_hash(&self, ptau: &Ptau) -> [u8; 64] {
        let n = self.domain_size as usize;
        let tz: Vec<G1Projective> = (0..n - 1)
            .into_par_iter()
            .map(|i| ptau.tau_g1[i + n].into_group() - ptau.tau_g1[i])
            .collect();
        self.circuit_hash_with(&G1Projective::normalize_batch(&tz))
    }

    /// The circuit hash with `H` hashed as the given `τ^i·Z(τ)·G1`, `i < n − 1`.
    fn circuit_hash_with(&self, tz: &[G1Affine]) -> [u8; 64] {
        let mut h = Blake2b512::new();
        h.update(g1_uncompressed(&self.alpha_g1));
        h.update(g1_uncompressed(&self.beta_g1));
        h.update(g2_uncompressed(&self.beta_g2));
        h.update(g2_uncompressed(&self.gamma_g2));
        h.update(g1_uncompressed(&self.delta_g1));
        h.update(g2_uncompressed(&self.delta_g2));
        let g1s = |h: &mut Blake2b512, ps: &[G1Affine]| {
            h.update((ps.len() as u32).to_be_bytes());
            for p in ps {
                h.update(g1_uncompressed(p));
            }
        };
        g1s(&mut h, &self.ic);
        g1s(&mut h, tz);
        g1s(&mut h, &self.l);
        g1s(&mut h, &self.a);
        g1s(&mut h, &self.b1);
        h.update((self.b2.len() as u32).to_be_bytes());
        for p in &self.b2 {
            h.update(g2_uncompressed(p));
        }
        h.finalize().into()
    }

    /// **INSECURE timing fixture: the maker knows τ, α and β (and δ = 1).**
    /// The initial key of a circuit, computed in the field from the secrets
    /// and then by fixed-base multiplications, byte for byte the key
    /// [`Zkey::new_initial`] builds from
    /// `Ptau::insecure_from_secrets(power, tau, alpha, beta, _)` (tested), in
    /// seconds where that takes many minutes at `2^20`. For benches of the
    /// phase-2 steps only, never for keys anyone relies on.
    ///
    /// Per signal `s`: `A_s(τ)`, `B_s(τ)` and `(β·A_s + α·B_s + C_s)(τ)` from
    /// the Lagrange values `L_j(τ)` of the domain `n` (the input rows
    /// `A[n + s][s] = 1` included); `H_i = L^{2n}_{2i+1}(τ)` on the odd coset,
    /// without the `τ^{2n−1}` term when `2^power = n` (snarkjs's last domain,
    /// whose top power is missing). `power` is the phase-1 file's power the
    /// key pretends to come from (`n ≤ 2^power ≤ 2^28`).
    pub fn insecure_initial_from_secrets(
        r1cs: &R1cs,
        power: u32,
        tau: Fr,
        alpha: Fr,
        beta: Fr,
    ) -> Res<Self> {
        use ark_ec::scalar_mul::ScalarMul;
        use ark_ec::PrimeGroup;
        use ark_ff::Zero;
        use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};
        let (n, ni, nv, m) = key_sizes(r1cs)?;
        if power > 28 || (1usize << power) < m {
            return Err(CeremonyError::Other(format!(
                "phase-1 power {power}: the circuit's domain {m} needs at least log2({m}), at most 28"
            )));
        }
        if tau.is_zero() || alpha.is_zero() || beta.is_zero() {
            return Err(CeremonyError::Other("τ, α and β must be nonzero".into()));
        }
        let domain = |size: usize| {
            Radix2EvaluationDomain::<Fr>::new(size)
                .filter(|d| d.size() == size)
                .ok_or_else(|| CeremonyError::Other(format!("no FFT domain of size {size}")))
        };
        let (d, d2) = (domain(m)?, domain(2 * m)?);
        let lag = d.evaluate_all_lagrange_coefficients(tau);
        // Per-signal sums over the columns (the rows are the circuit's, < n).
        let column_sums = |mat: &zkcc_engine::r1cs::SparseMatrix| -> Vec<Fr> {
            let mut out = vec![Fr::zero(); nv];
            for (row, l) in lag.iter().enumerate().take(n) {
                let (lo, hi) = (mat.row_ptr[row] as usize, mat.row_ptr[row + 1] as usize);
                for k in lo..hi {
                    out[mat.cols[k] as usize] += r1cs.coeffs[mat.coeffs[k] as usize] * l;
                }
            }
            out
        };
        let mut a = column_sums(&r1cs.a);
        let b = column_sums(&r1cs.b);
        let c = column_sums(&r1cs.c);
        for (s, v) in a.iter_mut().enumerate().take(ni) {
            *v += lag[n + s];
        }
        let l: Vec<Fr> = (0..nv).map(|s| beta * a[s] + alpha * b[s] + c[s]).collect();
        let mut odd = d2.evaluate_all_lagrange_coefficients(tau);
        let tau_m = tau.pow([m as u64]);
        if 1usize << power == m {
            // L_j loses (1/2n)·ω^j·τ^{2n−1}.
            let k = d2.size_inv * tau.pow([2 * m as u64 - 1]);
            let mut w = Fr::one();
            for v in odd.iter_mut() {
                *v -= k * w;
                w *= d2.group_gen;
            }
        }
        let h: Vec<Fr> = (0..m).map(|i| odd[2 * i + 1]).collect();
        drop(odd);
        // τ^i·Z(τ) = τ^i·(τ^n − 1), i < n − 1: H as the circuit hash sees it.
        let mut tz = Vec::with_capacity(m - 1);
        let mut x = tau_m - Fr::one();
        for _ in 0..m - 1 {
            tz.push(x);
            x *= tau;
        }
        // One fixed-base table for all the G1 scalars.
        let mut all = Vec::with_capacity(3 * nv + 2 * m);
        for v in [&a, &b, &l, &h, &tz] {
            all.extend_from_slice(v);
        }
        let g1 = G1Projective::generator().batch_mul(&all);
        drop(all);
        let (pa, rest) = g1.split_at(nv);
        let (pb, rest) = rest.split_at(nv);
        let (pl, rest) = rest.split_at(nv);
        let (ph, ptz) = rest.split_at(m);
        let b2 = G2Projective::generator().batch_mul(&b);
        let mut z = Self {
            n_vars: nv as u32,
            n_public: (ni - 1) as u32,
            domain_size: m as u32,
            alpha_g1: (G1Affine::generator() * alpha).into_affine(),
            beta_g1: (G1Affine::generator() * beta).into_affine(),
            beta_g2: (G2Affine::generator() * beta).into_affine(),
            gamma_g2: G2Affine::generator(),
            delta_g1: G1Affine::generator(),
            delta_g2: G2Affine::generator(),
            ic: pl[..ni].to_vec(),
            coeffs: coeffs_of(r1cs),
            a: pa.to_vec(),
            b1: pb.to_vec(),
            b2,
            l: pl[ni..].to_vec(),
            h: ph.to_vec(),
            cs_hash: [0; 64],
            contributions: Vec::new(),
        };
        z.cs_hash = z.circuit_hash_with(ptz);
        Ok(z)
    }

    /// Number of constraints of the circuit (rows of `A` before the input rows).
    pub fn num_constraints(&self) -> usize {
        self.coeffs
            .iter()
            .filter(|c| c.matrix == 0)
            .map(|c| c.constraint as usize + 1)
            .max()
            .unwrap_or(0)
            .saturating_sub(self.n_public as usize + 1)
    }
}

/// A `.zkey` read for a contribution or a beacon: what they change (`δ`, `L`,
/// `H`, the transcript) parsed and checked, every other section kept as the
/// input's bytes and written back unparsed.
///
/// **Why a contributor may skip checks.** A contribution multiplies `δ` and
/// divides `L` and `H` by its secret; `IC`, the coefficients, `A`, `B1` and
/// `B2` (600 k G2 points at the demo's size, whose subgroup checks were most
/// of the time a contributor spent reading) pass through unchanged, so only
/// their sizes are checked here. The soundness of the keys never rests on a
/// contributor's checks: `ceremony verify` and `finalize` ([`Zkey::read`],
/// then [`super::phase2::verify`]) check every point of the final key and
/// every section against the circuit and the phase-1 file. What is checked
/// here: the header (sizes, field, every point in it), every section's
/// length, `L` and `H` (canonical, on the curve: G1 has cofactor 1, so in the
/// group), and the transcript (every point in it). The secret multiplies
/// only points checked to lie in the prime-order groups (`δ` in G1 and G2,
/// `L`, `H`), so a malformed pass-through section cannot draw anything about
/// it out (no small-subgroup leak); a key that passes can still be rejected
/// by `verify`.
#[derive(Debug)]
pub struct PassThrough<'a> {
    /// Signals (variables), the constant `1` included.
    pub n_vars: u32,
    /// Public signals.
    pub n_public: u32,
    /// QAP domain size.
    pub domain_size: u32,
    /// Section 2 up to `δ·G1` (sizes, moduli, α, β, γ), as read.
    header_before_delta: &'a [u8],
    /// `δ·G1`.
    pub delta_g1: G1Affine,
    /// `δ·G2`.
    pub delta_g2: G2Affine,
    /// Sections 1 and 3–7, as read.
    raw: Vec<(u32, &'a [u8])>,
    /// `L_i/δ·G1`.
    pub l: Vec<G1Affine>,
    /// `H_i/δ·G1`.
    pub h: Vec<G1Affine>,
    /// The circuit hash.
    pub cs_hash: [u8; 64],
    /// The contributions, in order.
    pub contributions: Vec<Contribution>,
}

impl<'a> PassThrough<'a> {
    /// Parses a `.zkey` for a contribution (see the type's docs for what is
    /// and is not checked).
    pub fn read(bytes: &'a [u8]) -> Res<Self> {
        let f = SectionFile::parse(bytes, b"zkey", KIND)?;
        let hd = Header::read(&f)?;
        let (nv, np, n) = hd.sizes();
        let header = f.section(2)?;
        let mut raw = vec![(1, f.section(1)?)];
        for (ty, count, size, name) in [
            (3, np + 1, 64, "IC"),
            (5, nv, 64, "A"),
            (6, nv, 64, "B1"),
            (7, nv, 128, "B2"),
        ] {
            raw.push((ty, exact_section(&f, ty, count, size, name)?));
        }
        let co = f.section(4)?;
        let nc = Reader::new(KIND, "coefficients (section 4)", co).u32()? as usize;
        if co.len() != 4 + 44 * nc {
            return Err(CeremonyError::Format(
                KIND,
                format!(
                    "coefficients (section 4): {nc} announced, the section holds another number"
                ),
            ));
        }
        raw.insert(2, (4, co));
        let l = read_g1s(
            exact_section(&f, 8, nv - np - 1, 64, "L (C)")?,
            nv - np - 1,
            KIND,
            "L",
        )?;
        let h = read_g1s(exact_section(&f, 9, n, 64, "H")?, n, KIND, "H")?;
        let (cs_hash, contributions) = parse_contributions(f.section(10)?)?;
        check_contributions(&contributions)?;
        Ok(Self {
            n_vars: hd.n_vars,
            n_public: hd.n_public,
            domain_size: hd.domain_size,
            header_before_delta: &header[..HEADER_BEFORE_DELTA],
            delta_g1: hd.delta_g1,
            delta_g2: hd.delta_g2,
            raw,
            l,
            h,
            cs_hash,
            contributions,
        })
    }

    /// Writes the `.zkey` (sections in numeric order, as [`Zkey::to_bytes`]):
    /// the sections kept as read, then `δ`, `L`, `H` and the transcript as
    /// they are now. `L` and `H` are encoded in parallel, in blocks.
    pub fn write_to<W: std::io::Write>(&self, w: &mut W) -> std::io::Result<()> {
        let mut hdr = self.header_before_delta.to_vec();
        push_g1(&mut hdr, &self.delta_g1);
        push_g2(&mut hdr, &self.delta_g2);
        let mpc = mpc_bytes(&self.cs_hash, &self.contributions);
        let raw = |ty: u32| {
            self.raw
                .iter()
                .find(|(t, _)| *t == ty)
                .map_or(&[][..], |(_, b)| *b)
        };
        w.write_all(b"zkey")?;
        w.write_all(&1u32.to_le_bytes())?;
        w.write_all(&10u32.to_le_bytes())?;
        let head = |w: &mut W, ty: u32, len: usize| -> std::io::Result<()> {
            w.write_all(&ty.to_le_bytes())?;
            w.write_all(&(len as u64).to_le_bytes())
        };
        for ty in 1..=10u32 {
            match ty {
                2 => {
                    head(w, 2, hdr.len())?;
                    w.write_all(&hdr)?;
                }
                8 | 9 => {
                    let ps = if ty == 8 { &self.l } else { &self.h };
                    head(w, ty, ps.len() * 64)?;
                    write_g1s(w, ps)?;
                }
                10 => {
                    head(w, 10, mpc.len())?;
                    w.write_all(&mpc)?;
                }
                _ => {
                    let b = raw(ty);
                    head(w, ty, b.len())?;
                    w.write_all(b)?;
                }
            }
        }
        Ok(())
    }

    /// The `.zkey` bytes ([`PassThrough::write_to`] into memory).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        // Writing to a Vec cannot fail.
        let _ = self.write_to(&mut out);
        out
    }
}

/// G1 points in LEM form, encoded in parallel blocks of 64 k points and
/// written block by block.
fn write_g1s<W: std::io::Write>(w: &mut W, ps: &[G1Affine]) -> std::io::Result<()> {
    const BLOCK: usize = 1 << 16;
    let mut buf = vec![0u8; BLOCK.min(ps.len()) * 64];
    for block in ps.chunks(BLOCK) {
        let out = &mut buf[..block.len() * 64];
        out.par_chunks_mut(64 * 1024)
            .zip(block.par_chunks(1024))
            .for_each(|(o, pts)| {
                for (o, p) in o.chunks_mut(64).zip(pts) {
                    if !p.is_zero() {
                        o[..32].copy_from_slice(&p.x.0.to_bytes_le());
                        o[32..].copy_from_slice(&p.y.0.to_bytes_le());
                    } else {
                        o.fill(0);
                    }
                }
            });
        w.write_all(out)?;
    }
    Ok(())
}

/// Section `ty`, which must hold `count` items of `size` bytes.
fn exact_section<'a>(
    f: &SectionFile<'a>,
    ty: u32,
    count: usize,
    size: usize,
    name: &str,
) -> Res<&'a [u8]> {
    let s = f.section(ty)?;
    if s.len() != count * size {
        return Err(CeremonyError::Format(
            KIND,
            format!(
                "{name} (section {ty}) has {} bytes, {} expected",
                s.len(),
                count * size
            ),
        ));
    }
    Ok(s)
}

/// Section 2 of a `.zkey`.
struct Header {
    n_vars: u32,
    n_public: u32,
    domain_size: u32,
    alpha_g1: G1Affine,
    beta_g1: G1Affine,
    beta_g2: G2Affine,
    gamma_g2: G2Affine,
    delta_g1: G1Affine,
    delta_g2: G2Affine,
}

/// Bytes of section 2 before `δ·G1` (sizes, moduli, α, β, γ).
const HEADER_BEFORE_DELTA: usize = 4 + 32 + 4 + 32 + 12 + 64 + 64 + 128 + 128;

impl Header {
    /// Variables, public inputs and the domain's size, as lengths.
    fn sizes(&self) -> (usize, usize, usize) {
        let (v, p, d) = (self.n_vars, self.n_public, self.domain_size);
        (v as usize, p as usize, d as usize)
    }

    /// Sections 1 and 2, every point checked: [`Header::parse`] then
    /// [`Header::check`].
    fn read(f: &SectionFile<'_>) -> Res<Self> {
        let h = Self::parse(f)?;
        Self::check(
            [h.alpha_g1, h.beta_g1, h.delta_g1],
            [h.beta_g2, h.gamma_g2, h.delta_g2],
        )?;
        Ok(h)
    }

    /// The header's points on the curve and in the subgroup (`α`, `β`, `δ`
    /// in G1; `β`, `γ`, `δ` in G2), named as in the file; the first failing
    /// in the file's order is named.
    fn check(g1s: [G1Affine; 3], g2s: [G2Affine; 3]) -> Res<()> {
        let [alpha1, beta1, delta1] = g1s;
        let [beta2, gamma2, delta2] = g2s;
        check_g1s(&[alpha1], KIND, "alpha1")?;
        check_g1s(&[beta1], KIND, "beta1")?;
        check_g2s(&[beta2], KIND, "beta2")?;
        check_g2s(&[gamma2], KIND, "gamma2")?;
        check_g1s(&[delta1], KIND, "delta1")?;
        check_g2s(&[delta2], KIND, "delta2")
    }

    /// Checks the version and protocol and parses the header (sections 1
    /// and 2), points unchecked.
    fn parse(f: &SectionFile<'_>) -> Res<Self> {
        if f.version != 1 {
            return Err(CeremonyError::Format(
                KIND,
                format!("version {} (1 expected)", f.version),
            ));
        }
        let mut r = Reader::new(KIND, "protocol (section 1)", f.section(1)?);
        if r.u32()? != 1 {
            return Err(CeremonyError::Format(KIND, "not a Groth16 key".into()));
        }
        r.finish()?;
        let mut r = Reader::new(KIND, "header (section 2)", f.section(2)?);
        let n8q = r.u32()?;
        let q = r.take(n8q as usize)?;
        let n8r = r.u32()?;
        let rr = r.take(n8r as usize)?;
        if n8q != 32
            || n8r != 32
            || super::binfile::bigint_le(q) != Fq::MODULUS
            || super::binfile::bigint_le(rr) != Fr::MODULUS
        {
            return Err(CeremonyError::Format(
                KIND,
                "not a BN254 (bn128) key".into(),
            ));
        }
        let (n_vars, n_public, domain_size) = (r.u32()?, r.u32()?, r.u32()?);
        if n_public >= n_vars || !domain_size.is_power_of_two() || domain_size > 1 << 28 {
            return Err(CeremonyError::Format(
                KIND,
                "header sizes out of range".into(),
            ));
        }
        let g1 = |r: &mut Reader, w: &str| -> Res<G1Affine> {
            Ok(parse_g1s(r.take(64)?, 1, KIND, w)?[0])
        };
        let g2 = |r: &mut Reader, w: &str| -> Res<G2Affine> {
            Ok(parse_g2s(r.take(128)?, 1, KIND, w)?[0])
        };
        // In the section's order.
        let h = Self {
            n_vars,
            n_public,
            domain_size,
            alpha_g1: g1(&mut r, "alpha1")?,
            beta_g1: g1(&mut r, "beta1")?,
            beta_g2: g2(&mut r, "beta2")?,
            gamma_g2: g2(&mut r, "gamma2")?,
            delta_g1: g1(&mut r, "delta1")?,
            delta_g2: g2(&mut r, "delta2")?,
        };
        r.finish()?;
        Ok(h)
    }
}

/// A well-formed circuit's sizes as a key sees them: constraints, instance
/// variables (the constant `1` included), variables, and the QAP domain
/// (constraints and input rows, a power of two, at least 2).
/// The QAP domain of an R1CS (constraints and the inputs' own rows, to the
/// next power of two): what the key's and the phase-1 file's sizes must fit.
pub fn domain_of(r1cs: &R1cs) -> usize {
    (r1cs.num_constraints() + r1cs.num_instance as usize)
        .next_power_of_two()
        .max(2)
}

fn key_sizes(r1cs: &R1cs) -> Res<(usize, usize, usize, usize)> {
    let n = r1cs.num_constraints();
    let ni = r1cs.num_instance as usize;
    if ni == 0 || !r1cs.is_well_formed() {
        return Err(CeremonyError::Other("malformed R1CS".into()));
    }
    Ok((n, ni, r1cs.num_variables(), domain_of(r1cs)))
}

/// Section 10's bytes.
fn mpc_bytes(cs_hash: &[u8; 64], contributions: &[Contribution]) -> Vec<u8> {
    let mut mpc = cs_hash.to_vec();
    mpc.extend_from_slice(&(contributions.len() as u32).to_le_bytes());
    for c in contributions {
        push_g1(&mut mpc, &c.delta_after);
        push_g1(&mut mpc, &c.g1_s);
        push_g1(&mut mpc, &c.g1_sx);
        push_g2(&mut mpc, &c.g2_spx);
        mpc.extend_from_slice(&c.transcript);
        mpc.extend_from_slice(&c.kind.to_le_bytes());
        let mut params = Vec::new();
        if let Some(n) = &c.name {
            let mut b = n.as_bytes().to_vec();
            b.truncate(64);
            params.push(1u8);
            params.push(b.len() as u8);
            params.extend(b);
        }
        if let Some((e, h)) = &c.beacon {
            params.extend([2u8, *e, 3u8, h.len() as u8]);
            params.extend(h);
        }
        mpc.extend_from_slice(&(params.len() as u32).to_le_bytes());
        mpc.extend(params);
    }
    mpc
}

/// Every point of the contributions on the curve and in the subgroup, the
/// first failing named as [`parse_contributions`] names the record.
fn check_contributions(contributions: &[Contribution]) -> Res<()> {
    for (i, c) in contributions.iter().enumerate() {
        let what = format!("contribution {i}");
        for p in [c.delta_after, c.g1_s, c.g1_sx] {
            check_g1s(&[p], KIND, &what)?;
        }
        check_g2s(&[c.g2_spx], KIND, &what)?;
    }
    Ok(())
}

/// Section 10: the circuit hash and the contributions (points unchecked:
/// [`check_contributions`]).
fn parse_contributions(b: &[u8]) -> Res<([u8; 64], Vec<Contribution>)> {
    let mut r = Reader::new(KIND, "contributions (section 10)", b);
    let mut cs_hash = [0u8; 64];
    cs_hash.copy_from_slice(r.take(64)?);
    let k = r.u32()?;
    let mut contributions = Vec::new();
    for i in 0..k {
        let what = format!("contribution {i}");
        let delta_after = parse_g1s(r.take(64)?, 1, KIND, &what)?[0];
        let g1_s = parse_g1s(r.take(64)?, 1, KIND, &what)?[0];
        let g1_sx = parse_g1s(r.take(64)?, 1, KIND, &what)?[0];
        let g2_spx = parse_g2s(r.take(128)?, 1, KIND, &what)?[0];
        let mut transcript = [0u8; 64];
        transcript.copy_from_slice(r.take(64)?);
        let (kind, name, beacon) = r.contribution_params(&what)?;
        contributions.push(Contribution {
            delta_after,
            g1_s,
            g1_sx,
            g2_spx,
            transcript,
            kind,
            name,
            beacon,
        });
    }
    r.finish()?;
    Ok((cs_hash, contributions))
}

/// The `A` and `B` coefficients of a circuit in snarkjs's order (row by row,
/// `A` then `B`, then the input rows `A[n + s][s] = 1`).
pub fn coeffs_of(r1cs: &R1cs) -> Vec<Coeff> {
    let n = r1cs.num_constraints();
    let mut coeffs = Vec::new();
    for row in 0..n {
        for (mi, m) in [(0u32, &r1cs.a), (1u32, &r1cs.b)] {
            for k in m.row_ptr[row] as usize..m.row_ptr[row + 1] as usize {
                coeffs.push(Coeff {
                    matrix: mi,
                    constraint: row as u32,
                    signal: m.cols[k],
                    value: r1cs.coeffs[m.coeffs[k] as usize],
                });
            }
        }
    }
    for s in 0..r1cs.num_instance as usize {
        coeffs.push(Coeff {
            matrix: 0,
            constraint: (n + s) as u32,
            signal: s as u32,
            value: Fr::one(),
        });
    }
    coeffs
}

/// The Lagrange-basis points for a domain `n` (`τ`, `τ` in G2, `ατ`, `βτ`) and
/// the `H` points (`L^{2n}_{2i+1}(τ)·G1`): from a prepared file's sections
/// 12–15, or by inverse FFTs over the group elements ([`super::gfft`]).
#[allow(clippy::type_complexity)]
fn lagrange_points(
    ptau: &Ptau,
    n: usize,
    with_g2: bool,
    progress: &ProgressBar,
) -> Res<(
    Vec<G1Affine>,
    Vec<G2Affine>,
    Vec<G1Affine>,
    Vec<G1Affine>,
    Vec<G1Affine>,
)> {
    if let Some(l) = &ptau.lagrange {
        let o = n - 1;
        let o2 = 2 * n - 1;
        let h = (0..n).map(|i| l.tau_g1[o2 + 2 * i + 1]).collect();
        let lt2 = if with_g2 {
            l.tau_g2[o..o + n].to_vec()
        } else {
            Vec::new()
        };
        return Ok((
            l.tau_g1[o..o + n].to_vec(),
            lt2,
            l.alpha_tau_g1[o..o + n].to_vec(),
            l.beta_tau_g1[o..o + n].to_vec(),
            h,
        ));
    }
    // Five FFTs (four without G2's); G2 costs about three G1s.
    let ffts = if with_g2 { 7 } else { 4 };
    progress.set_length(progress.length().unwrap_or(0) + ffts * gfft::work(n));
    let g1 = |k: u64| progress.inc(k);
    let g2 = |k: u64| progress.inc(3 * k);
    let none = || CeremonyError::Other("no FFT domain of that size".into());
    let lt1 = gfft::lagrange(&ptau.tau_g1, n, &g1).ok_or_else(none)?;
    let lt2 = if with_g2 {
        gfft::lagrange(&ptau.tau_g2, n, &g2).ok_or_else(none)?
    } else {
        Vec::new()
    };
    let la1 = gfft::lagrange(&ptau.alpha_tau_g1, n, &g1).ok_or_else(none)?;
    let lb1 = gfft::lagrange(&ptau.beta_tau_g1, n, &g1).ok_or_else(none)?;
    // snarkjs's last domain has the missing top power as zero.
    let top = &ptau.tau_g1[..(2 * n).min(ptau.tau_g1.len())];
    let h = gfft::odd_coset_lagrange(top, n, &g1).ok_or_else(none)?;
    Ok((lt1, lt2, la1, lb1, h))
}

/// Whether `pts[s] = Σ_row M[row][s]·L_row(τ)·G` for every signal `s` (plus
/// `L_(n+s)(τ)·G` for the first `inputs` signals: the input rows
/// `A[n + s][s] = 1`), `L_row` the Lagrange basis of the domain of `d`
/// points and `powers[j] = τ^j·G`, tested with one random combination: for
/// random `r_s`, `Σ_s r_s·pts[s] = Σ_j c_j·τ^j·G`, where `c` are the
/// coefficients of the polynomial that takes the value
/// `u_row = Σ_s M[row][s]·r_s` at the domain's `row`-th point (one inverse
/// FFT in the field). A wrong point passes with probability `1/r` when
/// every point is in the order-`r` group. An empty `pts` fails, and so does
/// one too short for a signal the matrix uses; a `pts` longer than the
/// circuit's signals whose extra points are the identity, or short of
/// signals the matrix never uses, passes: the caller checks `pts.len()`.
fn columns_match<P>(
    pts: &[ark_ec::short_weierstrass::Affine<P>],
    m: &zkcc_engine::r1cs::SparseMatrix,
    coeffs: &[Fr],
    inputs: usize,
    d: usize,
    powers: &[ark_ec::short_weierstrass::Affine<P>],
    rng: &mut dyn rand::RngCore,
) -> bool
where
    P: ark_ec::short_weierstrass::SWCurveConfig<
        ScalarField = Fr,
        BaseField: zkcc_engine::ifma::Limbs,
    >,
{
    use ark_ff::UniformRand;
    use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};
    let rows = m.row_ptr.len() - 1;
    let nv = pts.len();
    let Some(domain) = Radix2EvaluationDomain::<Fr>::new(d).filter(|dom| dom.size() == d) else {
        return false;
    };
    if nv == 0 || powers.len() != d || rows + inputs > d || inputs > nv {
        return false;
    }
    let r: Vec<Fr> = (0..nv).map(|_| Fr::rand(&mut *rng)).collect();
    let mut u = vec![Fr::from(0u64); d];
    for (row, u_row) in u.iter_mut().enumerate().take(rows) {
        for k in m.row_ptr[row] as usize..m.row_ptr[row + 1] as usize {
            let s = m.cols[k] as usize;
            if s >= nv {
                return false;
            }
            *u_row += coeffs[m.coeffs[k] as usize] * r[s];
        }
    }
    for s in 0..inputs {
        u[rows + s] += r[s];
    }
    let c = domain.ifft(&u);
    super::ptau::msm_fr(pts, &r) == super::ptau::msm_fr(powers, &c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::phase2;
    use crate::trust::{Phase1, Phase1Source};
    use ark_ff::UniformRand;
    use rand::rngs::StdRng;
    use rand::SeedableRng;
    use zkcc_circuits::request::constraints::RequestCircuit;
    use zkcc_circuits::request::RequestShape;

    /// A small circuit and a development phase-1 file (known secrets) for it.
    fn circuit_and_phase1() -> (R1cs, Phase1) {
        let r1cs = zkcc_engine::setup::r1cs_of(RequestCircuit::for_setup(RequestShape::new(1, 1)))
            .unwrap();
        let (t, a, b) = (Fr::from(1234567u64), Fr::from(89u64), Fr::from(1011u64));
        let bytes = Ptau::insecure_from_secrets(11, t, a, b, false)
            .unwrap()
            .to_bytes();
        let p = Phase1::from_bytes(
            &bytes,
            Phase1Source::DevelopmentOnly,
            &mut StdRng::seed_from_u64(1),
        )
        .unwrap();
        (r1cs, p)
    }

    /// What a forger publishes from an edited initial key: the circuit hash
    /// of its own sections (as the verifier recomputes it), then one
    /// ordinary contribution.
    fn forge(mut t: Zkey, ptau: &Ptau, rng: &mut StdRng) -> Zkey {
        t.cs_hash = t.circuit_hash(ptau);
        phase2::contribute(t, Some("forger"), rng).unwrap()
    }

    /// A key whose `A`, `B1` or `B2` has one point more than the circuit has
    /// signals (the identity, which every random combination weighs to
    /// nothing) is not the circuit's key — its bytes do not even read — and
    /// `verify` refuses it, naming the section; the honest key verifies.
    #[test]
    fn verify_refuses_a_b1_b2_with_a_point_per_signal_too_many() {
        let (r1cs, phase1) = circuit_and_phase1();
        let p = phase1.ptau();
        let init = Zkey::new_initial(p, &r1cs).unwrap();
        let mut rng = StdRng::seed_from_u64(4);
        let honest = phase2::contribute(init.clone(), Some("c"), &mut rng).unwrap();
        phase2::verify(&honest, &phase1, &r1cs, &mut rng).unwrap();
        for (k, what) in [
            (0, "A (section 5)"),
            (1, "B1 (section 6)"),
            (2, "B2 (section 7)"),
        ] {
            let mut t = init.clone();
            match k {
                0 => t.a.push(G1Affine::zero()),
                1 => t.b1.push(G1Affine::zero()),
                _ => t.b2.push(G2Affine::zero()),
            }
            let z = forge(t, p, &mut rng);
            assert!(Zkey::read(&z.to_bytes()).is_err(), "{what}");
            match phase2::verify(&z, &phase1, &r1cs, &mut rng) {
                Err(CeremonyError::BadKey(m)) => assert!(m.starts_with(what), "{m}"),
                other => panic!("{what}: {other:?}"),
            }
        }
    }

    /// A point of order 10069 on G2's curve (`E'(Fq2)` has `r·h` points,
    /// `h = 2p − r` G2's cofactor, and `10069 | h` once): `[r·h/10069]` of a
    /// curve point, checked nonzero and of that order.
    fn g2_point_of_order_10069() -> G2Affine {
        use ark_ec::short_weierstrass::Affine;
        // h / 10069, little-endian limbs.
        const H_OVER_Q: [u64; 4] = [
            0x6c3cd334915f1659,
            0x207142f7671af448,
            0x9e28bcf65b5681da,
            0x13af7a58fce69,
        ];
        let mut rng = StdRng::seed_from_u64(77);
        loop {
            let x = ark_bn254::Fq2::rand(&mut rng);
            let Some(pt) = Affine::<g2::Config>::get_point_from_x_unchecked(x, true) else {
                continue;
            };
            let e = pt
                .mul_bigint(Fr::MODULUS)
                .into_affine()
                .mul_bigint(H_OVER_Q)
                .into_affine();
            if !e.is_zero() {
                assert!(e.is_on_curve() && !crate::subgroup::in_g2(&e));
                assert!(e.mul_bigint([10069u64]).into_affine().is_zero());
                return e;
            }
        }
    }

    /// `verify` checks the key's points itself: `A`, `B1` and `B2` are
    /// compared by random combinations, sound only in the order-`r` groups.
    /// Here `B2[0]` is moved by a point of order 10069 (a factor of G2's
    /// cofactor) and the key taken as [`Zkey::parse`] gives it, unchecked;
    /// with the checking seed the test finds, whose coefficient of `B2[0]` is
    /// 0 mod 10069 (one seed in 10069), the combination alone would pass it
    /// (a review's finding, before `verify` checked the points); `verify`
    /// refuses it at the point.
    #[test]
    fn verify_refuses_an_unchecked_b2_point_off_the_subgroup() {
        let (r1cs, phase1) = circuit_and_phase1();
        let p = phase1.ptau();
        let mut t = Zkey::new_initial(p, &r1cs).unwrap();
        let e = g2_point_of_order_10069();
        t.b2[0] = (t.b2[0] + e).into_affine();
        let z = forge(t, p, &mut StdRng::seed_from_u64(5));
        let bytes = z.to_bytes();
        assert!(matches!(
            Zkey::read(&bytes),
            Err(CeremonyError::BadPoint(_, w)) if w == "B2[0]"
        ));
        let z = Zkey::parse(&bytes).unwrap();
        // verify draws one scalar per signal for A, then B1, then B2.
        let nv = r1cs.num_variables();
        let seed = (0u64..)
            .find(|&seed| {
                let mut rng = StdRng::seed_from_u64(seed);
                for _ in 0..2 * nv {
                    Fr::rand(&mut rng);
                }
                let r = Fr::rand(&mut rng).into_bigint();
                r.0.iter()
                    .rev()
                    .fold(0u128, |acc, &l| ((acc << 64) | l as u128) % 10069)
                    == 0
            })
            .unwrap();
        let got = phase2::verify(&z, &phase1, &r1cs, &mut StdRng::seed_from_u64(seed));
        assert!(
            matches!(&got, Err(CeremonyError::BadPoint(_, w)) if w == "B2[0]"),
            "checking seed {seed}: {got:?}"
        );
    }
}
