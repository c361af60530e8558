//! The circuits crate's integration tests, one binary (one link of arkworks
//! instead of one per file): `cargo test -p zkcc-circuits --test all <module>::`.

mod common;
mod delay;
mod evaluation;
mod forge_delay;
mod gadget_properties;
mod jurisdiction;
mod ledger;
mod registry;
mod relayout;
mod statement;
mod statement_hostile;
