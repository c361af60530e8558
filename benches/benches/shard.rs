//! The `shard` criterion bench: its body is [`zkcc_benches::crit::shard`]
//! (module docs there, with the command), in the library so that the bench
//! targets share one compilation of the generic code they call.
use criterion::{criterion_group, criterion_main};
use zkcc_benches::crit::shard::bench;

criterion_group!(benches, bench);
criterion_main!(benches);
