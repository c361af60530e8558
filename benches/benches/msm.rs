//! The `msm` criterion bench: its body is [`zkcc_benches::crit::msm`]
//! (module docs there, with the command), in the library so that the bench
//! targets share one compilation of the generic code they call.
use criterion::{criterion_group, criterion_main};
use zkcc_benches::crit::msm::bench;

criterion_group!(benches, bench);
criterion_main!(benches);
