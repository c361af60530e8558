//! The criterion benches' bodies, one module per bench of `benches/` (each
//! module's docs say what it measures and how to run it).
pub mod batch;
pub mod msm;
pub mod shard;
