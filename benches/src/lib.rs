//! Shared set-up for the zkcc benches (see `benches/RESULTS.md`).
#![deny(missing_docs)]

use zkcc_circuits::cluster::fixtures::Fixture;
use zkcc_circuits::cluster::ClusterShape;

/// An honest cluster fixture filling `chips` slots in `facilities` groups.
pub fn full_fixture(chips: usize, facilities: usize) -> Fixture {
    let shape = ClusterShape { chips, facilities };
    let per = chips / facilities;
    let mut groups = vec![per; facilities];
    groups[0] += chips - per * facilities;
    Fixture::new(shape, &groups, 42)
}
