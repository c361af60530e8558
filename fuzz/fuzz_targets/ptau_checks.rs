#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| zkcc_ceremony::fuzzing::ptau_checks(data));
