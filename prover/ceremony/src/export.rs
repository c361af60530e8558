//! iden3 `.r1cs` and `.wtns` files of zkcc's circuits (written, and read
//! back with every field checked), and zkcc's prover key from a final `.zkey`.
//!
//! zkcc's variables map one to one onto snarkjs's signals: the constant `1`,
//! the public inputs (snarkjs's public inputs; zkcc has no separate
//! outputs), then the witness (private signals). Coefficients are written in
//! normal form, little-endian.
use super::binfile::{bigint_le, fr_le, fr_to_le, push_field, write_sections, Reader, SectionFile};
use super::zkey::{coeffs_of, Zkey};
use super::CeremonyError;
use ark_bn254::Fr;
use ark_ff::{One, PrimeField, Zero};
use ark_groth16::VerifyingKey;
use zkcc_engine::prove::{ProverKey, SparseBases};
use zkcc_engine::r1cs::{R1cs, SparseMatrix};

/// The circuit as an iden3 `.r1cs` (version 1: header, constraints, wire map).
pub fn r1cs_bytes(r1cs: &R1cs) -> Vec<u8> {
    let n = r1cs.num_constraints();
    let nv = r1cs.num_variables() as u32;
    let mut hdr = Vec::new();
    push_field::<Fr>(&mut hdr);
    hdr.extend_from_slice(&nv.to_le_bytes());
    hdr.extend_from_slice(&0u32.to_le_bytes()); // outputs
    hdr.extend_from_slice(&(r1cs.num_instance as u32 - 1).to_le_bytes()); // public inputs
    hdr.extend_from_slice(&0u32.to_le_bytes()); // private inputs
    hdr.extend_from_slice(&(nv as u64).to_le_bytes()); // labels
    hdr.extend_from_slice(&(n as u32).to_le_bytes());
    let mut cons = Vec::new();
    let lc = |out: &mut Vec<u8>, m: &SparseMatrix, row: usize| {
        let (s, e) = (m.row_ptr[row] as usize, m.row_ptr[row + 1] as usize);
        out.extend_from_slice(&((e - s) as u32).to_le_bytes());
        for k in s..e {
            out.extend_from_slice(&m.cols[k].to_le_bytes());
            out.extend(fr_to_le(&r1cs.coeffs[m.coeffs[k] as usize]));
        }
    };
    for row in 0..n {
        lc(&mut cons, &r1cs.a, row);
        lc(&mut cons, &r1cs.b, row);
        lc(&mut cons, &r1cs.c, row);
    }
    let mut map = Vec::with_capacity(8 * nv as usize);
    for i in 0..nv as u64 {
        map.extend_from_slice(&i.to_le_bytes());
    }
    write_sections(b"r1cs", 1, &[(1, &hdr), (2, &cons), (3, &map)])
}

/// A full assignment `z = (1, inputs, witness)` as an iden3 `.wtns` (version 2).
pub fn wtns_bytes(z: &[Fr]) -> Vec<u8> {
    let mut hdr = Vec::new();
    push_field::<Fr>(&mut hdr);
    hdr.extend_from_slice(&(z.len() as u32).to_le_bytes());
    let mut vals = Vec::with_capacity(32 * z.len());
    for x in z {
        vals.extend(fr_to_le(x));
    }
    write_sections(b"wtns", 2, &[(1, &hdr), (2, &vals)])
}

/// A linear combination of an iden3 `.r1cs`: `(wire, coefficient)` terms.
pub type Lc = Vec<(u32, Fr)>;

/// An iden3 `.r1cs` file read back (any writer's, not only zkcc's): its sizes
/// and constraints `A·z ∘ B·z = C·z`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct R1csFile {
    /// Wires, the constant `1` included.
    pub n_wires: u32,
    /// Public outputs (wires `1..=n_pub_out`).
    pub n_pub_out: u32,
    /// Public inputs (after the outputs).
    pub n_pub_in: u32,
    /// Private inputs.
    pub n_prv_in: u32,
    /// The constraints, each `[A, B, C]`.
    pub constraints: Vec<[Lc; 3]>,
}

const R1CS: &str = "r1cs";
const WTNS: &str = "wtns";

/// 32 little-endian bytes of the BN254 scalar modulus, the only prime accepted.
fn check_prime(kind: &'static str, r: &mut Reader) -> Result<(), CeremonyError> {
    let n8 = r.u32()?;
    if n8 != 32 || bigint_le(r.take(32)?) != Fr::MODULUS {
        return Err(CeremonyError::Format(
            kind,
            "not a BN254 (bn128) scalar-field file".into(),
        ));
    }
    Ok(())
}

impl R1csFile {
    /// Parses an iden3 `.r1cs` (version 1): header (section 1), constraints
    /// (section 2), wire map (section 3, optional). Every wire index must be in
    /// range and every coefficient canonical; custom gates are refused.
    pub fn read(bytes: &[u8]) -> Result<Self, CeremonyError> {
        let bad = |m: String| CeremonyError::Format(R1CS, m);
        let f = SectionFile::parse(bytes, b"r1cs", R1CS)?;
        if f.version != 1 {
            return Err(bad(format!("version {} (1 expected)", f.version)));
        }
        if f.sections.keys().any(|&t| t > 3) {
            return Err(bad("custom gates (sections 4, 5) are not supported".into()));
        }
        let mut h = Reader::new(R1CS, "header (section 1)", f.section(1)?);
        check_prime(R1CS, &mut h)?;
        let n_wires = h.u32()?;
        let (n_pub_out, n_pub_in, n_prv_in) = (h.u32()?, h.u32()?, h.u32()?);
        let _labels = h.take(8)?;
        let n_constraints = h.u32()?;
        h.finish()?;
        let named = n_pub_out as u64 + n_pub_in as u64 + n_prv_in as u64;
        if n_wires == 0 || named >= n_wires as u64 {
            return Err(bad(format!(
                "header: {n_wires} wires cannot hold the constant 1 and {named} inputs and outputs"
            )));
        }
        let body = f.section(2)?;
        let mut r = Reader::new(R1CS, "constraints (section 2)", body);
        // Each constraint takes at least 12 bytes: never trust the count to allocate.
        let mut constraints = Vec::with_capacity((n_constraints as usize).min(body.len() / 12));
        for i in 0..n_constraints {
            let mut lc = || -> Result<Lc, CeremonyError> {
                let terms = r.u32()? as usize;
                let raw = r.take(terms.checked_mul(36).ok_or_else(|| {
                    bad(format!("constraint {i}: term count {terms} out of range"))
                })?)?;
                raw.chunks_exact(36)
                    .map(|t| {
                        let w = u32::from_le_bytes([t[0], t[1], t[2], t[3]]);
                        if w >= n_wires {
                            return Err(bad(format!(
                                "constraint {i}: wire {w} out of range ({n_wires} wires)"
                            )));
                        }
                        let c = fr_le(&t[4..]).ok_or_else(|| {
                            bad(format!(
                                "constraint {i}: coefficient of wire {w} is not canonical"
                            ))
                        })?;
                        Ok((w, c))
                    })
                    .collect()
            };
            let (a, b, c) = (lc()?, lc()?, lc()?);
            constraints.push([a, b, c]);
        }
        r.finish()?;
        if let Some(map) = f.optional(3)? {
            if map.len() as u64 != 8 * n_wires as u64 {
                return Err(bad(format!(
                    "wire map (section 3) has {} bytes, {} expected",
                    map.len(),
                    8 * n_wires as u64
                )));
            }
        }
        Ok(Self {
            n_wires,
            n_pub_out,
            n_pub_in,
            n_prv_in,
            constraints,
        })
    }

    /// The public signals (outputs, then inputs) of a full assignment.
    pub fn public_of<'a>(&self, z: &'a [Fr]) -> &'a [Fr] {
        let k = (1 + self.n_pub_out as usize + self.n_pub_in as usize).min(z.len());
        &z[1.min(k)..k]
    }

    /// Checks a full assignment: as many values as wires, `z[0] = 1`, every
    /// constraint satisfied; the first failing constraint is named.
    pub fn check(&self, z: &[Fr]) -> Result<(), CeremonyError> {
        let bad = |m: String| CeremonyError::Other(m);
        if z.len() != self.n_wires as usize {
            return Err(bad(format!(
                "the witness has {} values, the circuit {} wires",
                z.len(),
                self.n_wires
            )));
        }
        if !z[0].is_one() {
            return Err(bad("the witness's first value is not the constant 1".into()));
        }
        let eval = |lc: &Lc| -> Fr {
            lc.iter()
                .fold(Fr::zero(), |acc, (w, c)| acc + *c * z[*w as usize])
        };
        for (i, [a, b, c]) in self.constraints.iter().enumerate() {
            if eval(a) * eval(b) != eval(c) {
                return Err(bad(format!("constraint {i} is not satisfied")));
            }
        }
        Ok(())
    }
}

/// Parses an iden3 `.wtns` (version 2): the full assignment, every value
/// canonical. Refuses a file for another field.
pub fn read_wtns(bytes: &[u8]) -> Result<Vec<Fr>, CeremonyError> {
    let bad = |m: String| CeremonyError::Format(WTNS, m);
    let f = SectionFile::parse(bytes, b"wtns", WTNS)?;
    if f.version != 2 {
        return Err(bad(format!("version {} (2 expected)", f.version)));
    }
    let mut h = Reader::new(WTNS, "header (section 1)", f.section(1)?);
    check_prime(WTNS, &mut h)?;
    let n = h.u32()? as u64;
    h.finish()?;
    let vals = f.section(2)?;
    if vals.len() as u64 != 32 * n {
        return Err(bad(format!(
            "values (section 2) hold {} bytes, {} expected for {n} values",
            vals.len(),
            32 * n
        )));
    }
    vals.chunks_exact(32)
        .enumerate()
        .map(|(i, b)| fr_le(b).ok_or_else(|| bad(format!("value {i} is not canonical"))))
        .collect()
}

/// zkcc's prover key from a (final) `.zkey` of the circuit `r1cs`. The key
/// keeps snarkjs's `H` points (one per domain point), which selects the
/// odd-coset reduction in the tuned prover. Verify the transcript first
/// ([`super::phase2::verify`]); this only checks that the key is for `r1cs`.
pub fn prover_key(z: Zkey, r1cs: R1cs) -> Result<ProverKey, CeremonyError> {
    let ni = r1cs.num_instance as usize;
    if z.n_vars as usize != r1cs.num_variables()
        || z.n_public as usize + 1 != ni
        || z.domain_size as usize != (r1cs.num_constraints() + ni).next_power_of_two().max(2)
        || z.coeffs != coeffs_of(&r1cs)
    {
        return Err(CeremonyError::WrongCircuit(
            "the key's sizes or coefficients are not this circuit's".into(),
        ));
    }
    let Zkey {
        alpha_g1,
        beta_g1,
        beta_g2,
        gamma_g2,
        delta_g1,
        delta_g2,
        ic,
        a,
        b1,
        b2,
        l,
        h,
        ..
    } = z;
    let pk = ProverKey {
        vk: VerifyingKey {
            alpha_g1,
            beta_g2,
            gamma_g2,
            delta_g2,
            gamma_abc_g1: ic,
        },
        beta_g1,
        delta_g1,
        a: SparseBases::from_query(a, 0),
        b_g1: SparseBases::from_query(b1, 0),
        b_g2: SparseBases::from_query(b2, 0),
        l: SparseBases::from_query(l, ni),
        h,
        r1cs,
    };
    if !pk.is_consistent() {
        return Err(CeremonyError::Other("the key is not consistent".into()));
    }
    Ok(pk)
}
