//! # zkcc-engine: a Groth16 prover for BN254 that knows no claim
//!
//! What a researcher or another project can depend on alone: R1CS matrices
//! ([`r1cs`]), the tuned prover and its key ([`prove`]), batch-affine MSMs with
//! an AVX-512 IFMA path chosen at run time ([`msm`], [`ifma`]; the bases of
//! a witness's repeated values summed first, [`repeats`]), else an
//! inlined `mulx`/`adcx`/`adox` product with branch-free sums ([`mont`]; an
//! AVX2 path, [`avx2`], only when asked), cache-blocked
//! FFTs ([`fft`]), field inversion by divsteps ([`inv`]), and a development
//! setup from any `ConstraintSynthesizer` ([`setup`]). Proofs are standard
//! Groth16 proofs: they verify under `ark-groth16`'s verifier and snarkjs's.
//!
//! Layers, lowest first (no arrow runs upwards): `mont` → `inv` → `ifma`,
//! `avx2`, `repeats` → `msm`, `fft` → `r1cs` → `prove` → `setup`; `lines`,
//! `mem` and `error` stand apart.
#![deny(missing_docs)]
#![deny(unsafe_code)]

pub mod avx2;
#[cfg(test)]
mod batch_tests;
pub mod error;
pub mod fft;
pub mod ifma;
pub mod inv;
pub mod lines;
pub mod mem;
pub mod mont;
pub mod msm;
pub mod prove;
pub mod r1cs;
pub mod repeats;
pub mod setup;

pub use error::{EngineError, Result};
pub use prove::ProverKey;
pub use r1cs::R1cs;
