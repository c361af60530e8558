//! zkcc-agency's integration tests: the service end to end over HTTP on
//! SQLite (always) and PostgreSQL (`ZKCC_PG_URL`; required with
//! `ZKCC_REQUIRE_PG=1`), the audit chain under tampering, the
//! kill-and-restart load test on the `zkcc agency serve` binary, and the
//! officers' page in headless Chromium.
mod audit;
mod browser;
mod common;
mod device;
mod e2e;
mod hardening;
mod load;
