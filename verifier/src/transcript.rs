//! The Fiat–Shamir transcript of batch verification.
//!
//! One [`TranscriptProtocol`] trait on [`merlin::Transcript`]: a versioned
//! domain separator per protocol ([`BATCH_DOMAIN`]), typed appends of every
//! public value, and 64-byte challenges reduced mod r (bias ≤ 2^-254). The
//! batch verifier appends everything public — the verifying key, every proof,
//! every public input — and the verifier's own fresh randomness, before it
//! draws any coefficient.
use ark_bn254::{Bn254, Fr, G1Affine, G2Affine};
use ark_ff::PrimeField;
use ark_groth16::{Proof, VerifyingKey};
use ark_serialize::CanonicalSerialize;
use merlin::Transcript;

/// Domain separator of batch verification, version 2 (v1 drew 254-bit
/// coefficients; v2 draws the 64-bit halves of `a + b·λ`).
pub const BATCH_DOMAIN: &[u8] = b"zkcc batch-verify v2";

/// Typed appends and challenges of zkcc's transcripts.
pub trait TranscriptProtocol {
    /// Starts a batch-verification transcript over `n` proofs.
    fn batch_verify_domain_sep(&mut self, n: u64);
    /// Appends a scalar-field element (canonical little-endian bytes).
    fn append_scalar(&mut self, label: &'static [u8], x: &Fr);
    /// Appends a G1 point (compressed).
    fn append_g1(&mut self, label: &'static [u8], p: &G1Affine);
    /// Appends a G2 point (compressed).
    fn append_g2(&mut self, label: &'static [u8], p: &G2Affine);
    /// Appends a whole verifying key: α, β, γ, δ and every input base.
    fn append_verifying_key(&mut self, vk: &VerifyingKey<Bn254>);
    /// Appends a proof and its public inputs.
    fn append_instance(&mut self, inputs: &[Fr], proof: &Proof<Bn254>);
    /// A challenge scalar: 64 bytes of output reduced mod r.
    fn challenge_scalar(&mut self, label: &'static [u8]) -> Fr;
    /// Two 64-bit challenges from 16 bytes of output (little-endian): the
    /// halves `(a, b)` of a batch coefficient `a + b·λ`.
    fn challenge_u64_pair(&mut self, label: &'static [u8]) -> (u64, u64);
}

fn compressed<T: CanonicalSerialize>(x: &T) -> Vec<u8> {
    let mut out = Vec::with_capacity(x.compressed_size());
    // Writing into a Vec cannot fail.
    let _ = x.serialize_compressed(&mut out);
    out
}

impl TranscriptProtocol for Transcript {
    fn batch_verify_domain_sep(&mut self, n: u64) {
        self.append_message(b"dom-sep", BATCH_DOMAIN);
        self.append_u64(b"n", n);
    }

    fn append_scalar(&mut self, label: &'static [u8], x: &Fr) {
        self.append_message(label, &compressed(x));
    }

    fn append_g1(&mut self, label: &'static [u8], p: &G1Affine) {
        self.append_message(label, &compressed(p));
    }

    fn append_g2(&mut self, label: &'static [u8], p: &G2Affine) {
        self.append_message(label, &compressed(p));
    }

    fn append_verifying_key(&mut self, vk: &VerifyingKey<Bn254>) {
        self.append_g1(b"vk.alpha", &vk.alpha_g1);
        self.append_g2(b"vk.beta", &vk.beta_g2);
        self.append_g2(b"vk.gamma", &vk.gamma_g2);
        self.append_g2(b"vk.delta", &vk.delta_g2);
        self.append_u64(b"vk.inputs", vk.gamma_abc_g1.len() as u64);
        for p in &vk.gamma_abc_g1 {
            self.append_g1(b"vk.ic", p);
        }
    }

    fn append_instance(&mut self, inputs: &[Fr], proof: &Proof<Bn254>) {
        self.append_u64(b"inputs", inputs.len() as u64);
        for x in inputs {
            self.append_scalar(b"input", x);
        }
        self.append_g1(b"proof.a", &proof.a);
        self.append_g2(b"proof.b", &proof.b);
        self.append_g1(b"proof.c", &proof.c);
    }

    fn challenge_scalar(&mut self, label: &'static [u8]) -> Fr {
        let mut buf = [0u8; 64];
        self.challenge_bytes(label, &mut buf);
        Fr::from_le_bytes_mod_order(&buf)
    }

    fn challenge_u64_pair(&mut self, label: &'static [u8]) -> (u64, u64) {
        let mut buf = [0u8; 16];
        self.challenge_bytes(label, &mut buf);
        let (lo, hi) = buf.split_at(8);
        let word = |b: &[u8]| {
            let mut w = [0u8; 8];
            w.copy_from_slice(b);
            u64::from_le_bytes(w)
        };
        (word(lo), word(hi))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenges_depend_on_every_append() {
        let mut a = Transcript::new(BATCH_DOMAIN);
        let mut b = Transcript::new(BATCH_DOMAIN);
        a.batch_verify_domain_sep(2);
        b.batch_verify_domain_sep(2);
        a.append_scalar(b"input", &Fr::from(1u64));
        b.append_scalar(b"input", &Fr::from(2u64));
        assert_ne!(a.challenge_scalar(b"rho"), b.challenge_scalar(b"rho"));
        // Same appends, same challenge: the transcript is deterministic.
        let mut c = Transcript::new(BATCH_DOMAIN);
        let mut d = Transcript::new(BATCH_DOMAIN);
        for t in [&mut c, &mut d] {
            t.batch_verify_domain_sep(1);
            t.append_scalar(b"input", &Fr::from(7u64));
        }
        assert_eq!(c.challenge_scalar(b"rho"), d.challenge_scalar(b"rho"));
    }
}
