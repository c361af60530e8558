//! The bench binaries' bodies, one module per binary of `src/bin/` (each
//! module's docs say what it measures and how to run it).
pub mod ceremony;
pub mod compare;
pub mod fftrace;
pub mod fieldrace;
pub mod fleet;
pub mod msmrace;
pub mod samecircuit;
pub mod statement;
