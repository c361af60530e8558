//! Phase 1: snarkjs's powers-of-tau files (`.ptau`).
//!
//! Sections: 1 header (`n8`, `q`, `power`, `ceremonyPower`), 2 `τ^i·G1` for
//! `i < 2^(power+1) − 1`, 3 `τ^i·G2`, 4 `ατ^i·G1`, 5 `βτ^i·G1` (each `2^power`),
//! 6 `β·G2`, 7 the contributions; a *prepared* file (`snarkjs powersoftau
//! prepare phase2`, as the public Hermez/PSE files are) adds 12–15, the same
//! four series in the Lagrange basis of every domain `2^p`, `p ≤ power`,
//! concatenated (domain `2^p` starts at point `2^p − 1`); section 12 also has
//! the domain `2^(power+1)`, from the `2^(power+1) − 1` powers and a zero.
//!
//! [`Ptau::read`] checks every point (canonical coordinates, on the curve, in
//! the subgroup); [`Ptau::verify`] checks that the series are powers of one
//! `τ` with one `α` and one `β` — pairings over random linear combinations of
//! successive powers — and that the Lagrange sections are the same points in
//! the Lagrange basis (a random polynomial evaluated both ways).
use super::binfile::{
    g1s_bytes, g2s_bytes, read_g1s, read_g2s, write_sections, Reader, SectionFile,
};
use super::CeremonyError;
use ark_bn254::{Bn254, Fq, Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::pairing::Pairing;
use ark_ec::{AffineRepr, CurveGroup, PrimeGroup, ScalarMul, VariableBaseMSM};
use ark_ff::{BigInteger, One, PrimeField, UniformRand, Zero};
use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};
use rand::RngCore;

type Res<T> = Result<T, CeremonyError>;

/// The four series of a prepared file in the Lagrange basis (sections 12–15),
/// all domain sizes concatenated.
#[derive(Clone, Debug)]
pub struct LagrangeSections {
    /// `L_j(τ)·G1`.
    pub tau_g1: Vec<G1Affine>,
    /// `L_j(τ)·G2`.
    pub tau_g2: Vec<G2Affine>,
    /// `α·L_j(τ)·G1`.
    pub alpha_tau_g1: Vec<G1Affine>,
    /// `β·L_j(τ)·G1`.
    pub beta_tau_g1: Vec<G1Affine>,
}

/// A powers-of-tau file, read and point-checked.
#[derive(Clone, Debug)]
pub struct Ptau {
    /// `log2` of the number of `τ^i·G2` powers.
    pub power: u32,
    /// The power of the ceremony the file was cut from.
    pub ceremony_power: u32,
    /// `τ^i·G1`, `i < 2^(power+1) − 1`.
    pub tau_g1: Vec<G1Affine>,
    /// `τ^i·G2`, `i < 2^power`.
    pub tau_g2: Vec<G2Affine>,
    /// `ατ^i·G1`.
    pub alpha_tau_g1: Vec<G1Affine>,
    /// `βτ^i·G1`.
    pub beta_tau_g1: Vec<G1Affine>,
    /// `β·G2`.
    pub beta_g2: G2Affine,
    /// Sections 12–15 if the file is prepared.
    pub lagrange: Option<LagrangeSections>,
}

const KIND: &str = "ptau";

impl Ptau {
    /// Parses a `.ptau` file, checking every point it reads.
    pub fn read(bytes: &[u8]) -> Res<Self> {
        let f = SectionFile::parse(bytes, b"ptau", KIND)?;
        if f.version != 1 {
            return Err(CeremonyError::Format(
                KIND,
                format!("version {} (1 expected)", f.version),
            ));
        }
        let mut h = Reader::new(KIND, "header (section 1)", f.section(1)?);
        let n8 = h.u32()?;
        let q = h.take(n8 as usize)?;
        if n8 != 32 || super::binfile::bigint_le(q) != Fq::MODULUS {
            return Err(CeremonyError::Format(
                KIND,
                "not a BN254 (bn128) file".into(),
            ));
        }
        let power = h.u32()?;
        let ceremony_power = h.u32()?;
        h.finish()?;
        if power == 0 || power > 28 {
            return Err(CeremonyError::Format(
                KIND,
                format!("power {power} out of range 1..=28"),
            ));
        }
        let n = 1usize << power;
        let sized = |ty: u32, count: usize, size: usize, name: &str| -> Res<&[u8]> {
            let s = f.section(ty)?;
            if s.len() != count * size {
                return Err(CeremonyError::Format(
                    KIND,
                    format!(
                        "{name} (section {ty}) holds {} bytes, {} expected for power {power}",
                        s.len(),
                        count * size
                    ),
                ));
            }
            Ok(s)
        };
        let tau_g1 = read_g1s(sized(2, 2 * n - 1, 64, "tauG1")?, 2 * n - 1, KIND, "tauG1")?;
        let tau_g2 = read_g2s(sized(3, n, 128, "tauG2")?, n, KIND, "tauG2")?;
        let alpha_tau_g1 = read_g1s(sized(4, n, 64, "alphaTauG1")?, n, KIND, "alphaTauG1")?;
        let beta_tau_g1 = read_g1s(sized(5, n, 64, "betaTauG1")?, n, KIND, "betaTauG1")?;
        let beta_g2 = read_g2s(sized(6, 1, 128, "betaG2")?, 1, KIND, "betaG2")?[0];
        let lagrange = if f.optional(12)?.is_some() {
            let (m, m1) = (2 * n - 1, 4 * n - 1);
            Some(LagrangeSections {
                tau_g1: read_g1s(
                    sized(12, m1, 64, "lagrange tauG1")?,
                    m1,
                    KIND,
                    "lagrange tauG1",
                )?,
                tau_g2: read_g2s(
                    sized(13, m, 128, "lagrange tauG2")?,
                    m,
                    KIND,
                    "lagrange tauG2",
                )?,
                alpha_tau_g1: read_g1s(
                    sized(14, m, 64, "lagrange alphaTauG1")?,
                    m,
                    KIND,
                    "lagrange alphaTauG1",
                )?,
                beta_tau_g1: read_g1s(
                    sized(15, m, 64, "lagrange betaTauG1")?,
                    m,
                    KIND,
                    "lagrange betaTauG1",
                )?,
            })
        } else {
            None
        };
        Ok(Self {
            power,
            ceremony_power,
            tau_g1,
            tau_g2,
            alpha_tau_g1,
            beta_tau_g1,
            beta_g2,
            lagrange,
        })
    }

    /// The file's bytes in snarkjs's layout: sections 1–6, section 7 with no
    /// contribution records (zkcc does not keep phase-1 transcripts), and
    /// 12–15 if the file is prepared. [`Ptau::read`] of the result gives back
    /// `self`.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut hdr = Vec::with_capacity(44);
        hdr.extend_from_slice(&32u32.to_le_bytes());
        hdr.extend(Fq::MODULUS.to_bytes_le());
        hdr.extend_from_slice(&self.power.to_le_bytes());
        hdr.extend_from_slice(&self.ceremony_power.to_le_bytes());
        let mut owned: Vec<(u32, Vec<u8>)> = vec![
            (1, hdr),
            (2, g1s_bytes(&self.tau_g1)),
            (3, g2s_bytes(&self.tau_g2)),
            (4, g1s_bytes(&self.alpha_tau_g1)),
            (5, g1s_bytes(&self.beta_tau_g1)),
            (6, g2s_bytes(&[self.beta_g2])),
            (7, 0u32.to_le_bytes().to_vec()),
        ];
        if let Some(l) = &self.lagrange {
            owned.push((12, g1s_bytes(&l.tau_g1)));
            owned.push((13, g2s_bytes(&l.tau_g2)));
            owned.push((14, g1s_bytes(&l.alpha_tau_g1)));
            owned.push((15, g1s_bytes(&l.beta_tau_g1)));
        }
        let sections: Vec<(u32, &[u8])> = owned.iter().map(|(t, b)| (*t, b.as_slice())).collect();
        write_sections(b"ptau", 1, &sections)
    }

    /// A raw phase-1 file of `power` made from *known* secrets `τ`, `α`, `β`.
    ///
    /// **Insecure by construction**: whoever knows `τ` can forge proofs for
    /// every circuit whose keys come from this file. It exists for tests,
    /// fuzz corpora and benches that must not depend on snarkjs; production
    /// keys start from a public ceremony's file. With `prepared`, the file
    /// also has the Lagrange sections 12–15 (what `snarkjs powersoftau
    /// prepare phase2` adds), computed from `τ` directly. Fails on a zero
    /// secret or a power outside `1..=28`.
    pub fn insecure_from_secrets(
        power: u32,
        tau: Fr,
        alpha: Fr,
        beta: Fr,
        prepared: bool,
    ) -> Res<Self> {
        if power == 0 || power > 28 {
            return Err(CeremonyError::Other(format!(
                "power {power} out of range 1..=28"
            )));
        }
        if tau.is_zero() || alpha.is_zero() || beta.is_zero() {
            return Err(CeremonyError::Other("τ, α and β must be nonzero".into()));
        }
        let n = 1usize << power;
        let mut powers = Vec::with_capacity(2 * n - 1);
        let mut x = Fr::one();
        for _ in 0..2 * n - 1 {
            powers.push(x);
            x *= tau;
        }
        let (g1, g2) = (G1Projective::generator(), G2Projective::generator());
        let scaled = |v: &[Fr], c: Fr| -> Vec<Fr> { v.iter().map(|p| *p * c).collect() };
        let lagrange = if prepared {
            // Domain 2^p at offset 2^p − 1, p ≤ power + 1; the last one
            // interpolates the 2n − 1 powers with a zero for τ^(2n−1), so its
            // L_j(τ) lose the term (1/m)·ω^(−j(m−1))·τ^(m−1) = (1/m)·ω^j·τ^(m−1).
            let mut lt = Vec::with_capacity(4 * n - 1);
            for p in 0..=power + 1 {
                let m = 1usize << p;
                let dom = Radix2EvaluationDomain::<Fr>::new(m)
                    .ok_or_else(|| CeremonyError::Other(format!("no domain of size 2^{p}")))?;
                let mut ls = dom.evaluate_all_lagrange_coefficients(tau);
                if p == power + 1 {
                    let k = dom.size_inv * x; // x = τ^(2n−1) = τ^(m−1)
                    let mut w = Fr::one();
                    for l in ls.iter_mut() {
                        *l -= k * w;
                        w *= dom.group_gen;
                    }
                }
                lt.extend(ls);
            }
            let low = &lt[..2 * n - 1];
            Some(LagrangeSections {
                tau_g1: g1.batch_mul(&lt),
                tau_g2: g2.batch_mul(low),
                alpha_tau_g1: g1.batch_mul(&scaled(low, alpha)),
                beta_tau_g1: g1.batch_mul(&scaled(low, beta)),
            })
        } else {
            None
        };
        Ok(Self {
            power,
            ceremony_power: power,
            tau_g1: g1.batch_mul(&powers),
            tau_g2: g2.batch_mul(&powers[..n]),
            alpha_tau_g1: g1.batch_mul(&scaled(&powers[..n], alpha)),
            beta_tau_g1: g1.batch_mul(&scaled(&powers[..n], beta)),
            beta_g2: (g2 * beta).into_affine(),
            lagrange,
        })
    }

    /// Reads and verifies a `.ptau` file.
    pub fn read_verified<R: RngCore>(bytes: &[u8], rng: &mut R) -> Res<Self> {
        let p = Self::read(bytes)?;
        p.verify(rng)?;
        Ok(p)
    }

    /// Fails unless the file is large enough for a QAP domain of
    /// `domain_size` (snarkjs's rule: `domain_size ≤ 2^power`).
    pub fn check_fits(&self, domain_size: usize) -> Res<()> {
        let need = domain_size.trailing_zeros();
        if need > self.power {
            return Err(CeremonyError::PtauTooSmall {
                need,
                have: self.power,
                domain: domain_size,
            });
        }
        Ok(())
    }

    /// The consistency checks (see the module docs); the first failing one is named.
    pub fn verify<R: RngCore>(&self, rng: &mut R) -> Res<()> {
        let broken = |what: &str| CeremonyError::BrokenPowers(what.to_string());
        let (g1, g2) = (G1Affine::generator(), G2Affine::generator());
        if self.tau_g1[0] != g1 || self.tau_g2[0] != g2 {
            return Err(broken("the first powers are not the generators"));
        }
        if self.tau_g1[1].is_zero()
            || self.alpha_tau_g1[0].is_zero()
            || self.beta_tau_g1[0].is_zero()
        {
            return Err(broken("τ, α or β is zero"));
        }
        let n = self.tau_g2.len();
        // τ^i·G1: e(Σ r_i·T_i, τ·G2) = e(Σ r_i·T_{i+1}, G2).
        let (a, b) = shifted_combination(&self.tau_g1, rng);
        if !pairing_eq(a, self.tau_g2[1], b, g2) {
            return Err(broken("tauG1 (section 2) is not a series of powers of τ"));
        }
        // τ^i·G2: e(τ·G1, Σ r_i·T_i) = e(G1, Σ r_i·T_{i+1}).
        let (a, b) = shifted_combination(&self.tau_g2, rng);
        if !pairing_eq(self.tau_g1[1], a, g1, b) {
            return Err(broken("tauG2 (section 3) is not a series of powers of τ"));
        }
        // α τ^i·G1 against τ^i·G2: e(Σ r_i·A_i, G2) = e(α·G1, Σ r_i·T2_i).
        for (series, name) in [
            (&self.alpha_tau_g1, "alphaTauG1 (section 4)"),
            (&self.beta_tau_g1, "betaTauG1 (section 5)"),
        ] {
            let r: Vec<Fr> = (0..n).map(|_| Fr::rand(rng)).collect();
            let a = G1Projective::msm(series, &r).map_err(|_| broken(name))?;
            let t = G2Projective::msm(&self.tau_g2, &r).map_err(|_| broken(name))?;
            if !pairing_eq(a.into_affine(), g2, series[0], t.into_affine()) {
                return Err(broken(&format!(
                    "{name} is not a series of powers of τ times one constant"
                )));
            }
        }
        if !pairing_eq(self.beta_tau_g1[0], g2, g1, self.beta_g2) {
            return Err(broken("betaG2 (section 6) does not match betaTauG1"));
        }
        if let Some(l) = &self.lagrange {
            for p in 0..=self.power + 1 {
                let m = 1usize << p;
                let off = m - 1;
                let dom = Radix2EvaluationDomain::<Fr>::new(m).ok_or_else(|| broken("domain"))?;
                let c: Vec<Fr> = (0..m).map(|_| Fr::rand(rng)).collect();
                let e = dom.fft(&c);
                let msm1 = |pts: &[G1Affine], s: &[Fr]| G1Projective::msm(pts, s).ok();
                // The last domain of section 12 has τ^(2^(power+1) − 1) as zero.
                let k = m.min(self.tau_g1.len());
                if msm1(&l.tau_g1[off..off + m], &e) != msm1(&self.tau_g1[..k], &c[..k]) {
                    return Err(broken(&format!(
                        "lagrange tauG1 (section 12) for domain 2^{p}"
                    )));
                }
                if p > self.power {
                    break;
                }
                if msm1(&l.alpha_tau_g1[off..off + m], &e) != msm1(&self.alpha_tau_g1[..m], &c) {
                    return Err(broken(&format!(
                        "lagrange alphaTauG1 (section 14) for domain 2^{p}"
                    )));
                }
                if msm1(&l.beta_tau_g1[off..off + m], &e) != msm1(&self.beta_tau_g1[..m], &c) {
                    return Err(broken(&format!(
                        "lagrange betaTauG1 (section 15) for domain 2^{p}"
                    )));
                }
                if G2Projective::msm(&l.tau_g2[off..off + m], &e).ok()
                    != G2Projective::msm(&self.tau_g2[..m], &c).ok()
                {
                    return Err(broken(&format!(
                        "lagrange tauG2 (section 13) for domain 2^{p}"
                    )));
                }
            }
        }
        Ok(())
    }
}

/// `(Σ r_i·P_i, Σ r_i·P_{i+1})` over `i < len − 1`, random `r_i`.
fn shifted_combination<G: AffineRepr<ScalarField = Fr>, R: RngCore>(ps: &[G], rng: &mut R) -> (G, G)
where
    G::Group: VariableBaseMSM<MulBase = G>,
{
    let k = ps.len() - 1;
    let r: Vec<Fr> = (0..k).map(|_| Fr::rand(rng)).collect();
    let a = <G::Group as VariableBaseMSM>::msm(&ps[..k], &r).unwrap_or_else(|_| G::Group::zero());
    let b = <G::Group as VariableBaseMSM>::msm(&ps[1..], &r).unwrap_or_else(|_| G::Group::zero());
    (a.into_affine(), b.into_affine())
}

/// `e(a1, a2) = e(b1, b2)`.
pub fn pairing_eq(a1: G1Affine, a2: G2Affine, b1: G1Affine, b2: G2Affine) -> bool {
    Bn254::multi_pairing([a1, -b1], [a2, b2]).is_zero()
}
