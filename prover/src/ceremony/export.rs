//! iden3 `.r1cs` and `.wtns` files of zkcc's circuits, and zkcc's prover key
//! from a final `.zkey`.
//!
//! zkcc's variables map one to one onto snarkjs's signals: the constant `1`,
//! the public inputs (snarkjs's public inputs; zkcc has no separate
//! outputs), then the witness (private signals). Coefficients are written in
//! normal form, little-endian.
use super::binfile::{fr_to_le, write_sections};
use super::zkey::{coeffs_of, Zkey};
use super::CeremonyError;
use crate::prove::{ProverKey, SparseBases};
use crate::r1cs::{R1cs, SparseMatrix};
use ark_bn254::Fr;
use ark_ff::{BigInteger, PrimeField};
use ark_groth16::VerifyingKey;

/// The circuit as an iden3 `.r1cs` (version 1: header, constraints, wire map).
pub fn r1cs_bytes(r1cs: &R1cs) -> Vec<u8> {
    let n = r1cs.num_constraints();
    let nv = r1cs.num_variables() as u32;
    let mut hdr = Vec::new();
    hdr.extend_from_slice(&32u32.to_le_bytes());
    hdr.extend(Fr::MODULUS.to_bytes_le());
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
    hdr.extend_from_slice(&32u32.to_le_bytes());
    hdr.extend(Fr::MODULUS.to_bytes_le());
    hdr.extend_from_slice(&(z.len() as u32).to_le_bytes());
    let mut vals = Vec::with_capacity(32 * z.len());
    for x in z {
        vals.extend(fr_to_le(x));
    }
    write_sections(b"wtns", 2, &[(1, &hdr), (2, &vals)])
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
