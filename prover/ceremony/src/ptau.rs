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
//! the subgroup): it is [`Ptau::parse`] (the structure: header, sections,
//! lengths, canonical coordinates) then [`Ptau::check_points`] (on the curve,
//! in the subgroup), split so that each can be fuzzed at its own speed
//! (`fuzz/` targets `ptau_parse` and `ptau_checks`); [`Ptau::verify`] checks that the series are powers of one
//! `τ` with one `α` and one `β` — pairings over random linear combinations of
//! successive powers — and that the Lagrange sections are the same points in
//! the Lagrange basis (a random polynomial evaluated both ways).
use super::binfile::{
    check_g1s, check_g2s, g1s_bytes, g2s_bytes, parse_g1s, parse_g2s, push_field, write_sections,
    Reader, SectionFile,
};
use super::CeremonyError;
use ark_bn254::{Bn254, Fq, Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::pairing::Pairing;
use ark_ec::short_weierstrass::{Affine, Projective, SWCurveConfig};
use ark_ec::{AffineRepr, CurveGroup, PrimeGroup, ScalarMul};
use ark_ff::{One, PrimeField, UniformRand, Zero};
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
    /// Parses a `.ptau` file, checking every point it reads:
    /// [`Ptau::parse`] then [`Ptau::check_points`].
    pub fn read(bytes: &[u8]) -> Res<Self> {
        let p = Self::parse(bytes)?;
        p.check_points()?;
        Ok(p)
    }

    /// The version, curve, power and ceremony power of a file's header.
    fn header(f: &SectionFile<'_>) -> Res<(u32, u32)> {
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
        if ceremony_power < power || ceremony_power > 28 {
            return Err(CeremonyError::Format(
                KIND,
                format!("ceremony power {ceremony_power} out of range {power}..=28"),
            ));
        }
        Ok((power, ceremony_power))
    }

    /// Parses a `.ptau` file's structure — header, sections, their lengths,
    /// canonical coordinates — *without* checking that the points lie on the
    /// curve and in the subgroup: only [`Ptau::read`]'s first half, for
    /// fuzzing the parser apart from the point checks. Nothing may use the
    /// points before [`Ptau::check_points`] passes.
    pub fn parse(bytes: &[u8]) -> Res<Self> {
        let f = SectionFile::parse(bytes, b"ptau", KIND)?;
        let (power, ceremony_power) = Self::header(&f)?;
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
        let tau_g1 = parse_g1s(sized(2, 2 * n - 1, 64, "tauG1")?, 2 * n - 1, KIND, "tauG1")?;
        let tau_g2 = parse_g2s(sized(3, n, 128, "tauG2")?, n, KIND, "tauG2")?;
        let alpha_tau_g1 = parse_g1s(sized(4, n, 64, "alphaTauG1")?, n, KIND, "alphaTauG1")?;
        let beta_tau_g1 = parse_g1s(sized(5, n, 64, "betaTauG1")?, n, KIND, "betaTauG1")?;
        let beta_g2 = parse_g2s(sized(6, 1, 128, "betaG2")?, 1, KIND, "betaG2")?[0];
        let lagrange = if f.optional(12)?.is_some() {
            let (m, m1) = (2 * n - 1, 4 * n - 1);
            Some(LagrangeSections {
                tau_g1: parse_g1s(
                    sized(12, m1, 64, "lagrange tauG1")?,
                    m1,
                    KIND,
                    "lagrange tauG1",
                )?,
                tau_g2: parse_g2s(
                    sized(13, m, 128, "lagrange tauG2")?,
                    m,
                    KIND,
                    "lagrange tauG2",
                )?,
                alpha_tau_g1: parse_g1s(
                    sized(14, m, 64, "lagrange alphaTauG1")?,
                    m,
                    KIND,
                    "lagrange alphaTauG1",
                )?,
                beta_tau_g1: parse_g1s(
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

    /// The checks [`Ptau::parse`] leaves out: every point on the curve and in
    /// the subgroup, the first that fails named as [`Ptau::read`] names it
    /// (section by section, in the file's order).
    pub fn check_points(&self) -> Res<()> {
        self.check_points_counted(&|_| ())
    }

    /// [`Ptau::check_points`], calling `step` with each section's name
    /// before its points are checked.
    fn check_points_counted(&self, step: &dyn Fn(&str)) -> Res<()> {
        let g1 = |ps: &[G1Affine], name: &str| {
            step(name);
            check_g1s(ps, KIND, name)
        };
        let g2 = |ps: &[G2Affine], name: &str| {
            step(name);
            check_g2s(ps, KIND, name)
        };
        g1(&self.tau_g1, "tauG1")?;
        g2(&self.tau_g2, "tauG2")?;
        g1(&self.alpha_tau_g1, "alphaTauG1")?;
        g1(&self.beta_tau_g1, "betaTauG1")?;
        g2(&[self.beta_g2], "betaG2")?;
        if let Some(l) = &self.lagrange {
            g1(&l.tau_g1, "lagrange tauG1")?;
            g2(&l.tau_g2, "lagrange tauG2")?;
            g1(&l.alpha_tau_g1, "lagrange alphaTauG1")?;
            g1(&l.beta_tau_g1, "lagrange betaTauG1")?;
        }
        Ok(())
    }

    /// How many steps [`Ptau::read_verified_with`] counts: each section's
    /// points, then each check of [`Ptau::verify`] (one per Lagrange domain).
    fn steps(&self) -> usize {
        match &self.lagrange {
            Some(_) => 9 + 5 + self.power as usize + 2,
            None => 5 + 5,
        }
    }

    /// The file's bytes in snarkjs's layout: sections 1–6, section 7 with no
    /// contribution records (zkcc does not keep phase-1 transcripts), and
    /// 12–15 if the file is prepared. [`Ptau::read`] of the result gives back
    /// `self`.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut hdr = Vec::with_capacity(44);
        push_field::<Fq>(&mut hdr);
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
        Self::read_verified_with(bytes, rng, &indicatif::ProgressBar::hidden())
    }

    /// [`Ptau::read_verified`], counting on `progress` (its length set to
    /// their number) the sections whose points are checked, then the checks
    /// of the powers: `phase 1: 2/10: points of tauG2`, `phase 1: 10/10:
    /// powers in betaG2`.
    pub fn read_verified_with<R: RngCore>(
        bytes: &[u8],
        rng: &mut R,
        progress: &indicatif::ProgressBar,
    ) -> Res<Self> {
        progress.set_message("phase 1: reading the sections");
        let p = Self::parse(bytes)?;
        let n = p.steps();
        progress.set_length(n as u64);
        progress.set_position(0);
        let done = std::cell::Cell::new(0);
        let step = |what: &str, name: &str| {
            done.set(done.get() + 1);
            progress.set_position(done.get() as u64 - 1);
            progress.set_message(format!("phase 1: {}/{n}: {what} {name}", done.get()));
        };
        p.check_points_counted(&|name| step("points of", name))?;
        p.verify_counted(rng, &|name| step("powers in", name))?;
        progress.set_position(n as u64);
        Ok(p)
    }

    /// Fails unless the file is large enough for a QAP domain of
    /// `domain_size` (snarkjs's rule: `domain_size ≤ 2^power`).
    pub fn check_fits(&self, domain_size: usize) -> Res<()> {
        fits(self.power, domain_size)
    }

    /// The consistency checks (see the module docs); the first failing one is named.
    pub fn verify<R: RngCore>(&self, rng: &mut R) -> Res<()> {
        self.verify_counted(rng, &|_| ())
    }

    /// [`Ptau::verify`], calling `step` with the name of what each check
    /// covers before it runs.
    fn verify_counted<R: RngCore>(&self, rng: &mut R, step: &dyn Fn(&str)) -> Res<()> {
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
        step("tauG1");
        let (a, b) = shifted_combination(&self.tau_g1, rng);
        if !pairing_eq(a, self.tau_g2[1], b, g2) {
            return Err(broken("tauG1 (section 2) is not a series of powers of τ"));
        }
        // τ^i·G2: e(τ·G1, Σ r_i·T_i) = e(G1, Σ r_i·T_{i+1}).
        step("tauG2");
        let (a, b) = shifted_combination(&self.tau_g2, rng);
        if !pairing_eq(self.tau_g1[1], a, g1, b) {
            return Err(broken("tauG2 (section 3) is not a series of powers of τ"));
        }
        // α τ^i·G1 against τ^i·G2: e(Σ r_i·A_i, G2) = e(α·G1, Σ r_i·T2_i),
        // and the same for β. One random vector serves both checks (each is
        // still a random combination drawn after the points are fixed), so
        // the G2 combination is computed once.
        let r: Vec<Fr> = (0..n).map(|_| Fr::rand(rng)).collect();
        let t = msm_fr(&self.tau_g2, &r).into_affine();
        for (series, name) in [
            (&self.alpha_tau_g1, "alphaTauG1 (section 4)"),
            (&self.beta_tau_g1, "betaTauG1 (section 5)"),
        ] {
            step(name);
            if series.len() != n {
                return Err(broken(name));
            }
            let a = msm_fr(series, &r);
            if !pairing_eq(a.into_affine(), g2, series[0], t) {
                return Err(broken(&format!(
                    "{name} is not a series of powers of τ times one constant"
                )));
            }
        }
        step("betaG2");
        if !pairing_eq(self.beta_tau_g1[0], g2, g1, self.beta_g2) {
            return Err(broken("betaG2 (section 6) does not match betaTauG1"));
        }
        if let Some(l) = &self.lagrange {
            for p in 0..=self.power + 1 {
                step(&format!("the Lagrange sections, domain 2^{p}"));
                let m = 1usize << p;
                let off = m - 1;
                let dom = Radix2EvaluationDomain::<Fr>::new(m).ok_or_else(|| broken("domain"))?;
                let c: Vec<Fr> = (0..m).map(|_| Fr::rand(rng)).collect();
                let e = dom.fft(&c);
                let msm1 = |pts: &[G1Affine], s: &[Fr]| msm_fr(pts, s);
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
                if msm_fr(&l.tau_g2[off..off + m], &e) != msm_fr(&self.tau_g2[..m], &c) {
                    return Err(broken(&format!(
                        "lagrange tauG2 (section 13) for domain 2^{p}"
                    )));
                }
            }
        }
        Ok(())
    }
}

/// [`Ptau::check_fits`] for a file of `power`.
fn fits(power: u32, domain_size: usize) -> Res<()> {
    let need = domain_size.trailing_zeros();
    if need > power {
        return Err(CeremonyError::PtauTooSmall {
            need,
            have: power,
            domain: domain_size,
        });
    }
    Ok(())
}

/// `Σ s_i·P_i` with zkcc's MSM ([`zkcc_engine::msm`]), over the shorter slice.
pub(crate) fn msm_fr<P: SWCurveConfig<ScalarField = Fr, BaseField: zkcc_engine::ifma::Limbs>>(
    ps: &[Affine<P>],
    s: &[Fr],
) -> Projective<P> {
    use rayon::prelude::*;
    let b: Vec<_> = s.par_iter().map(|x| x.into_bigint()).collect();
    zkcc_engine::msm::msm(ps, &b)
}

/// `(Σ r_i·P_i, Σ r_i·P_{i+1})` over `i < len − 1`, random `r_i`.
fn shifted_combination<
    P: SWCurveConfig<ScalarField = Fr, BaseField: zkcc_engine::ifma::Limbs>,
    R: RngCore,
>(
    ps: &[Affine<P>],
    rng: &mut R,
) -> (Affine<P>, Affine<P>) {
    let k = ps.len().saturating_sub(1);
    let r: Vec<Fr> = (0..k).map(|_| Fr::rand(rng)).collect();
    let a = msm_fr(&ps[..k], &r);
    let b = msm_fr(&ps[ps.len().min(1)..], &r);
    (a.into_affine(), b.into_affine())
}

/// `e(a1, a2) = e(b1, b2)`.
pub fn pairing_eq(a1: G1Affine, a2: G2Affine, b1: G1Affine, b2: G2Affine) -> bool {
    Bn254::multi_pairing([a1, -b1], [a2, b2]).is_zero()
}

/// A proof of knowledge of one phase-1 secret `x` (τ, α or β):
/// `(s·G1, s·x·G1, x·H)` with `H` hashed from the challenge, `s`·G1 and `s·x`·G1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PhaseOneKey {
    /// `s·G1`.
    pub g1_s: G1Affine,
    /// `s·x·G1`.
    pub g1_sx: G1Affine,
    /// `x·H`, `H = getG2sp(personalization, challenge, g1_s, g1_sx)`.
    pub g2_spx: G2Affine,
}

/// One contribution record of a `.ptau`'s section 7: the first points after
/// it, its proofs of knowledge and the challenge it handed on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Phase1Contribution {
    /// `τ·G1` after the contribution.
    pub tau_g1: G1Affine,
    /// `τ·G2` after it.
    pub tau_g2: G2Affine,
    /// `α·G1` after it.
    pub alpha_g1: G1Affine,
    /// `β·G1` after it.
    pub beta_g1: G1Affine,
    /// `β·G2` after it.
    pub beta_g2: G2Affine,
    /// Proofs of knowledge of its τ, α and β factors, in that order.
    pub keys: [PhaseOneKey; 3],
    /// The saved BLAKE2b state of its response before the public key
    /// (blake2b-wasm's 216-byte partial hash), from which its response hash
    /// is finished.
    pub partial_hash: Vec<u8>,
    /// The challenge it handed to the next contributor (BLAKE2b-512).
    pub next_challenge: [u8; 64],
    /// Its name, if it gave one.
    pub name: Option<String>,
    /// A beacon's `(iterations exponent, hash)`.
    pub beacon: Option<(u8, Vec<u8>)>,
}

impl Phase1Contribution {
    /// Every point of the record on the curve and in the subgroup; `index`
    /// (from 0) names the record as [`Ptau::read_transcript`] does.
    pub fn check_points(&self, index: usize) -> Res<()> {
        let what = format!("phase-1 contribution {}", index + 1);
        let g1 = |p: &G1Affine| check_g1s(std::slice::from_ref(p), KIND, &what);
        let g2 = |p: &G2Affine| check_g2s(std::slice::from_ref(p), KIND, &what);
        // In the record's order.
        g1(&self.tau_g1)?;
        g2(&self.tau_g2)?;
        g1(&self.alpha_g1)?;
        g1(&self.beta_g1)?;
        g2(&self.beta_g2)?;
        for k in &self.keys {
            g1(&k.g1_s)?;
            g1(&k.g1_sx)?;
        }
        for k in &self.keys {
            g2(&k.g2_spx)?;
        }
        Ok(())
    }

    /// The contribution's response hash: its saved partial hash finished
    /// with its public key (the nine points, uncompressed), as snarkjs
    /// prints it. `None` if the saved state is malformed.
    pub fn response_hash(&self) -> Option<[u8; 64]> {
        use super::binfile::{g1_uncompressed, g2_uncompressed};
        let mut h = Blake2bResumed::from_partial(&self.partial_hash)?;
        for k in &self.keys {
            h.update(&g1_uncompressed(&k.g1_s));
            h.update(&g1_uncompressed(&k.g1_sx));
        }
        for k in &self.keys {
            h.update(&g2_uncompressed(&k.g2_spx));
        }
        Some(h.finalize())
    }
}

/// The longest beacon zkcc recomputes (2^32 SHA-256 iterations).
pub const MAX_PHASE1_BEACON_EXP: u8 = 32;

impl Ptau {
    /// Reads the contribution records (section 7) of a `.ptau`, every point
    /// checked: [`Ptau::parse_transcript`], then each record's
    /// [`Phase1Contribution::check_points`]. A file without section 7 has no
    /// records.
    pub fn read_transcript(bytes: &[u8]) -> Res<Vec<Phase1Contribution>> {
        let t = Self::parse_transcript(bytes)?;
        for (i, c) in t.iter().enumerate() {
            c.check_points(i)?;
        }
        Ok(t)
    }

    /// The contribution records (section 7) parsed, points *not* checked
    /// (see [`Ptau::parse`]).
    pub fn parse_transcript(bytes: &[u8]) -> Res<Vec<Phase1Contribution>> {
        let f = SectionFile::parse(bytes, b"ptau", KIND)?;
        let Some(s) = f.optional(7)? else {
            return Ok(Vec::new());
        };
        let mut r = Reader::new(KIND, "contributions (section 7)", s);
        let n = r.u32()?;
        let mut out = Vec::new();
        for i in 0..n {
            let what = format!("phase-1 contribution {}", i + 1);
            let g1 = |r: &mut Reader| -> Res<G1Affine> {
                Ok(parse_g1s(r.take(64)?, 1, KIND, &what)?[0])
            };
            let g2 = |r: &mut Reader| -> Res<G2Affine> {
                Ok(parse_g2s(r.take(128)?, 1, KIND, &what)?[0])
            };
            let (tau_g1, tau_g2, alpha_g1, beta_g1, beta_g2) = (
                g1(&mut r)?,
                g2(&mut r)?,
                g1(&mut r)?,
                g1(&mut r)?,
                g2(&mut r)?,
            );
            let s: Vec<G1Affine> = (0..6).map(|_| g1(&mut r)).collect::<Res<_>>()?;
            let x: Vec<G2Affine> = (0..3).map(|_| g2(&mut r)).collect::<Res<_>>()?;
            let key = |k: usize| PhaseOneKey {
                g1_s: s[2 * k],
                g1_sx: s[2 * k + 1],
                g2_spx: x[k],
            };
            let partial_hash = r.take(216)?.to_vec();
            let mut next_challenge = [0u8; 64];
            next_challenge.copy_from_slice(r.take(64)?);
            let (_, name, beacon) = r.contribution_params(&what)?;
            out.push(Phase1Contribution {
                tau_g1,
                tau_g2,
                alpha_g1,
                beta_g1,
                beta_g2,
                keys: [key(0), key(1), key(2)],
                partial_hash,
                next_challenge,
                name,
                beacon,
            });
        }
        r.finish()?;
        Ok(out)
    }

    /// Verifies a phase-1 transcript as `snarkjs powersoftau verify` does,
    /// against this file's points: each contribution's three proofs of
    /// knowledge, bound to the challenge the one before handed on (the first
    /// to the blank accumulator's hash for `ceremony_power`); each beacon
    /// recomputed from its hash; the chain of first points (`τ·G1`, `τ·G2`,
    /// `α·G1`, `β·G1`, `β·G2` each moved by the proven factor); the last
    /// contribution's points equal to the file's; and, when the file is the
    /// ceremony's full size (`power = ceremony_power`), the challenge the
    /// last contribution handed on equal to the hash of its response hash and
    /// the file's points (a file cut to a smaller power cannot be hashed so,
    /// and snarkjs skips it too). The first failure is named, counting
    /// contributions from 1 as snarkjs does.
    pub fn verify_transcript(&self, contributions: &[Phase1Contribution]) -> Res<()> {
        let broken = |i: usize, m: &str| {
            CeremonyError::BrokenPowers(format!("contribution #{}: {m}", i + 1))
        };
        let (g1, g2) = (G1Affine::generator(), G2Affine::generator());
        let mut prev = (g1, g2, g1, g1, g2, first_challenge(self.ceremony_power));
        for (i, c) in contributions.iter().enumerate() {
            if let Some((exp, hash)) = &c.beacon {
                if *exp > MAX_PHASE1_BEACON_EXP {
                    return Err(broken(i, &format!(
                        "a beacon of 2^{exp} iterations is beyond what zkcc recomputes (2^{MAX_PHASE1_BEACON_EXP})"
                    )));
                }
                let mut rng = super::ffrng::beacon_rng(hash, *exp as u32);
                let xs = [rng.fr(), rng.fr(), rng.fr()];
                for (k, x) in xs.into_iter().enumerate() {
                    let g1_s = rng.g1();
                    let g1_sx = (g1_s * x).into_affine();
                    let sp = g2_sp(k as u8, &prev.5, &g1_s, &g1_sx);
                    let want = PhaseOneKey {
                        g1_s,
                        g1_sx,
                        g2_spx: (sp * x).into_affine(),
                    };
                    if want != c.keys[k] {
                        return Err(broken(i, "the beacon does not recompute from its hash"));
                    }
                }
            }
            let sp: Vec<G2Affine> = (0..3)
                .map(|k| g2_sp(k as u8, &prev.5, &c.keys[k].g1_s, &c.keys[k].g1_sx))
                .collect();
            for (k, name) in ["τ", "α", "β"].iter().enumerate() {
                let key = &c.keys[k];
                if !same_ratio(key.g1_s, key.g1_sx, sp[k], key.g2_spx) {
                    return Err(broken(i, &format!("no valid proof of knowledge of {name}")));
                }
            }
            let [t, a, b] = &c.keys;
            for (ok, what) in [
                (same_ratio(prev.0, c.tau_g1, sp[0], t.g2_spx), "τ·G1"),
                (same_ratio(t.g1_s, t.g1_sx, prev.1, c.tau_g2), "τ·G2"),
                (same_ratio(prev.2, c.alpha_g1, sp[1], a.g2_spx), "α·G1"),
                (same_ratio(prev.3, c.beta_g1, sp[2], b.g2_spx), "β·G1"),
                (same_ratio(b.g1_s, b.g1_sx, prev.4, c.beta_g2), "β·G2"),
            ] {
                if !ok {
                    return Err(broken(
                        i,
                        &format!(
                            "{what} does not follow the previous contribution by the proven factor"
                        ),
                    ));
                }
            }
            prev = (
                c.tau_g1,
                c.tau_g2,
                c.alpha_g1,
                c.beta_g1,
                c.beta_g2,
                c.next_challenge,
            );
        }
        if let Some(c) = contributions.last() {
            if (c.tau_g1, c.tau_g2, c.alpha_g1, c.beta_g1, c.beta_g2)
                != (
                    self.tau_g1[1],
                    self.tau_g2[1],
                    self.alpha_tau_g1[0],
                    self.beta_tau_g1[0],
                    self.beta_g2,
                )
            {
                return Err(CeremonyError::BrokenPowers(
                    "the file's first points are not the last contribution's".into(),
                ));
            }
            if self.power == self.ceremony_power {
                use super::binfile::{g1_uncompressed, g2_uncompressed};
                use blake2::{Blake2b512, Digest};
                let last = contributions.len();
                let rh = c.response_hash().ok_or_else(|| {
                    CeremonyError::Format(
                        KIND,
                        format!("contribution #{last}: malformed saved hash state"),
                    )
                })?;
                let mut h = Blake2b512::new();
                h.update(rh);
                for p in &self.tau_g1 {
                    h.update(g1_uncompressed(p));
                }
                for p in &self.tau_g2 {
                    h.update(g2_uncompressed(p));
                }
                for p in self.alpha_tau_g1.iter().chain(&self.beta_tau_g1) {
                    h.update(g1_uncompressed(p));
                }
                h.update(g2_uncompressed(&self.beta_g2));
                let next: [u8; 64] = h.finalize().into();
                if next != c.next_challenge {
                    return Err(CeremonyError::BrokenPowers(format!(
                        "contribution #{last}: the challenge it handed on is not the hash of its response and the file's points"
                    )));
                }
            }
        }
        Ok(())
    }
}

/// snarkjs's `sameRatio`: no identity point, and `e(a, d) = e(b, c)`.
fn same_ratio(a: G1Affine, b: G1Affine, c: G2Affine, d: G2Affine) -> bool {
    !(a.is_zero() || b.is_zero() || c.is_zero() || d.is_zero()) && pairing_eq(a, d, b, c)
}

/// snarkjs's `getG2sp`: the G2 point a proof of knowledge is over.
fn g2_sp(personalization: u8, challenge: &[u8], g1_s: &G1Affine, g1_sx: &G1Affine) -> G2Affine {
    use blake2::{Blake2b512, Digest};
    let mut h = Blake2b512::new();
    h.update([personalization]);
    h.update(challenge);
    h.update(super::binfile::g1_uncompressed(g1_s));
    h.update(super::binfile::g1_uncompressed(g1_sx));
    super::ffrng::hash_to_g2(&h.finalize())
}

/// snarkjs's first challenge of a ceremony of `power`: BLAKE2b-512 of the
/// empty BLAKE2b-512 and the blank accumulator (every point a generator),
/// uncompressed. For the public 2^28 ceremony (Hermez/PSE: every public file
/// is cut from it) the value is a constant, since hashing its 96 GiB blank
/// accumulator takes minutes; `first_challenge_of_the_2_28_ceremony` (an
/// ignored test) recomputes it.
pub fn first_challenge(power: u32) -> [u8; 64] {
    if power == 28 {
        let mut out = [0u8; 64];
        if hex::decode_to_slice(FIRST_CHALLENGE_28, &mut out).is_ok() {
            return out;
        }
    }
    hash_first_challenge(power)
}

/// [`first_challenge`] for power 28, as [`hash_first_challenge`] computes it.
const FIRST_CHALLENGE_28: &str = "93da91920d5a54a8a0fde55cd9dc3a10c4f3eef768b62c0948741370864254b4c1920f3f29d4ebc0ef3acecf2e2db63a755713d77e1ed77347a56fbc317c7a93";

/// [`first_challenge`], always hashed.
fn hash_first_challenge(power: u32) -> [u8; 64] {
    use blake2::{Blake2b512, Digest};
    let v1 = super::binfile::g1_uncompressed(&G1Affine::generator());
    let v2 = super::binfile::g2_uncompressed(&G2Affine::generator());
    let mut h = Blake2b512::new();
    h.update(Blake2b512::digest([]));
    let block = |h: &mut Blake2b512, v: &[u8], n: u64| {
        let chunk: Vec<u8> = v.repeat(4096);
        for _ in 0..n / 4096 {
            h.update(&chunk);
        }
        for _ in 0..n % 4096 {
            h.update(v);
        }
    };
    let n = 1u64 << power;
    block(&mut h, &v1, 2 * n - 1);
    block(&mut h, &v2, n);
    block(&mut h, &v1, n);
    block(&mut h, &v1, n);
    h.update(&v2);
    h.finalize().into()
}

/// BLAKE2b-512 resumed from a state saved by blake2b-wasm's `getPartialHash`
/// (what snarkjs stores in each contribution record: bytes 0..128 the block
/// buffer, 128..192 `h`, 192..200 the byte counter `t`, 200..208 the buffer
/// fill `c`, 208..216 the final flag), written from the BLAKE2 specification
/// (RFC 7693) because the usual crates cannot resume a saved state.
struct Blake2bResumed {
    b: [u8; 128],
    h: [u64; 8],
    t: u64,
    c: usize,
}

const B2_IV: [u64; 8] = [
    0x6a09e667f3bcc908,
    0xbb67ae8584caa73b,
    0x3c6ef372fe94f82b,
    0xa54ff53a5f1d36f1,
    0x510e527fade682d1,
    0x9b05688c2b3e6c1f,
    0x1f83d9abfb41bd6b,
    0x5be0cd19137e2179,
];

const B2_SIGMA: [[usize; 16]; 10] = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
    [14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3],
    [11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4],
    [7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8],
    [9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13],
    [2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9],
    [12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11],
    [13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10],
    [6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5],
    [10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0],
];

impl Blake2bResumed {
    fn from_partial(p: &[u8]) -> Option<Self> {
        let word = |i: usize| {
            let mut w = [0u8; 8];
            w.copy_from_slice(&p[i..i + 8]);
            u64::from_le_bytes(w)
        };
        if p.len() != 216 || word(200) > 128 || word(208) != 0 {
            return None;
        }
        let mut b = [0u8; 128];
        b.copy_from_slice(&p[..128]);
        Some(Self {
            b,
            h: std::array::from_fn(|i| word(128 + 8 * i)),
            t: word(192),
            c: word(200) as usize,
        })
    }

    fn compress(&mut self, last: bool) {
        let m: [u64; 16] = std::array::from_fn(|i| {
            let mut w = [0u8; 8];
            w.copy_from_slice(&self.b[8 * i..8 * i + 8]);
            u64::from_le_bytes(w)
        });
        let mut v = [0u64; 16];
        v[..8].copy_from_slice(&self.h);
        v[8..].copy_from_slice(&B2_IV);
        v[12] ^= self.t;
        if last {
            v[14] = !v[14];
        }
        fn g(v: &mut [u64; 16], a: usize, b: usize, c: usize, d: usize, x: u64, y: u64) {
            v[a] = v[a].wrapping_add(v[b]).wrapping_add(x);
            v[d] = (v[d] ^ v[a]).rotate_right(32);
            v[c] = v[c].wrapping_add(v[d]);
            v[b] = (v[b] ^ v[c]).rotate_right(24);
            v[a] = v[a].wrapping_add(v[b]).wrapping_add(y);
            v[d] = (v[d] ^ v[a]).rotate_right(16);
            v[c] = v[c].wrapping_add(v[d]);
            v[b] = (v[b] ^ v[c]).rotate_right(63);
        }
        for r in 0..12 {
            let s = &B2_SIGMA[r % 10];
            g(&mut v, 0, 4, 8, 12, m[s[0]], m[s[1]]);
            g(&mut v, 1, 5, 9, 13, m[s[2]], m[s[3]]);
            g(&mut v, 2, 6, 10, 14, m[s[4]], m[s[5]]);
            g(&mut v, 3, 7, 11, 15, m[s[6]], m[s[7]]);
            g(&mut v, 0, 5, 10, 15, m[s[8]], m[s[9]]);
            g(&mut v, 1, 6, 11, 12, m[s[10]], m[s[11]]);
            g(&mut v, 2, 7, 8, 13, m[s[12]], m[s[13]]);
            g(&mut v, 3, 4, 9, 14, m[s[14]], m[s[15]]);
        }
        for i in 0..8 {
            self.h[i] ^= v[i] ^ v[i + 8];
        }
    }

    fn update(&mut self, data: &[u8]) {
        for &x in data {
            if self.c == 128 {
                self.t = self.t.wrapping_add(128);
                self.compress(false);
                self.c = 0;
            }
            self.b[self.c] = x;
            self.c += 1;
        }
    }

    fn finalize(mut self) -> [u8; 64] {
        self.t = self.t.wrapping_add(self.c as u64);
        self.b[self.c..].fill(0);
        self.compress(true);
        let mut out = [0u8; 64];
        for (i, w) in self.h.iter().enumerate() {
            out[8 * i..8 * i + 8].copy_from_slice(&w.to_le_bytes());
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use blake2::{Blake2b512, Digest};

    /// Reading a raw and a prepared file counts every section and every check
    /// of the powers, the last one being the count announced; the count
    /// stops at the section that fails.
    #[test]
    fn reading_counts_sections_and_checks() {
        use rand::SeedableRng;
        let mut rng = rand::rngs::StdRng::seed_from_u64(3);
        let (t, a, b) = (Fr::from(3u64), Fr::from(5u64), Fr::from(7u64));
        for (prepared, n) in [(false, 10), (true, 9 + 5 + 3 + 2)] {
            let bytes = Ptau::insecure_from_secrets(3, t, a, b, prepared)
                .unwrap()
                .to_bytes();
            let pb = indicatif::ProgressBar::hidden();
            Ptau::read_verified_with(&bytes, &mut rng, &pb).unwrap();
            assert_eq!(pb.length(), Some(n));
            let last = pb.message();
            assert!(
                last.starts_with(&format!("phase 1: {n}/{n}: powers in ")),
                "{last}"
            );
        }
        let mut p = Ptau::insecure_from_secrets(3, t, a, b, false).unwrap();
        p.alpha_tau_g1[1] = G1Affine::new_unchecked(Fq::from(1u64), Fq::from(1u64));
        let pb = indicatif::ProgressBar::hidden();
        assert!(Ptau::read_verified_with(&p.to_bytes(), &mut rng, &pb).is_err());
        assert_eq!(pb.message(), "phase 1: 3/10: points of alphaTauG1");
    }

    /// The resumable BLAKE2b against the `blake2` crate, from a fresh state
    /// (as blake2b-wasm saves it) over lengths around the block size, and
    /// resumed mid-stream.
    /// The constant first challenge of the 2^28 ceremony (hashes 96 GiB:
    /// minutes; run with `--ignored`).
    #[test]
    #[ignore = "hashes 96 GiB"]
    fn first_challenge_of_the_2_28_ceremony() {
        assert_eq!(
            hex::encode(hash_first_challenge(28)),
            FIRST_CHALLENGE_28,
            "update FIRST_CHALLENGE_28"
        );
    }

    /// The constant is only a shortcut: other powers are hashed.
    #[test]
    fn first_challenge_is_hashed_below_28() {
        assert_eq!(first_challenge(4), hash_first_challenge(4));
        assert_ne!(first_challenge(4), first_challenge(5));
    }

    #[test]
    fn resumed_blake2b_is_blake2b() {
        let mut fresh = vec![0u8; 216];
        for (i, iv) in B2_IV.iter().enumerate() {
            let w = if i == 0 { iv ^ 0x0101_0040 } else { *iv };
            fresh[128 + 8 * i..136 + 8 * i].copy_from_slice(&w.to_le_bytes());
        }
        let data: Vec<u8> = (0..1000u32).map(|i| (i * 7 + 3) as u8).collect();
        for n in [0, 1, 64, 127, 128, 129, 255, 256, 257, 1000] {
            let mut h = Blake2bResumed::from_partial(&fresh).unwrap();
            h.update(&data[..n]);
            let want: [u8; 64] = Blake2b512::digest(&data[..n]).into();
            assert_eq!(h.finalize(), want, "length {n}");
        }
        // Saved after 300 bytes (as the wasm keeps it: the last block buffered), resumed.
        let mut h = Blake2bResumed::from_partial(&fresh).unwrap();
        h.update(&data[..300]);
        let mut saved = vec![0u8; 216];
        saved[..128].copy_from_slice(&h.b);
        for (i, w) in h.h.iter().enumerate() {
            saved[128 + 8 * i..136 + 8 * i].copy_from_slice(&w.to_le_bytes());
        }
        saved[192..200].copy_from_slice(&h.t.to_le_bytes());
        saved[200..208].copy_from_slice(&(h.c as u64).to_le_bytes());
        let mut r = Blake2bResumed::from_partial(&saved).unwrap();
        r.update(&data[300..]);
        let want: [u8; 64] = Blake2b512::digest(&data).into();
        assert_eq!(r.finalize(), want);
        assert!(Blake2bResumed::from_partial(&saved[..215]).is_none());
    }
}
