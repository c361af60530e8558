//! The `compare` bench binary: its body is [`zkcc_benches::run::compare`] (module
//! docs there), in the library so that the bench targets share one
//! compilation of the generic code they call.
fn main() {
    zkcc_prover::logging::init();
    zkcc_benches::run::compare::main()
}
