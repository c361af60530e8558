//! The `samecircuit` bench binary: its body is [`zkcc_benches::run::samecircuit`] (module
//! docs there), in the library so that the bench targets share one
//! compilation of the generic code they call.
fn main() {
    zkcc_prover::logging::init();
    zkcc_benches::run::samecircuit::main()
}
