//! The log subscriber of every zkcc binary: `zkcc` itself, and the bench
//! binaries, so that they prove in the environment `zkcc prove` does.
//!
//! It matters for speed, not only for what is printed: ark-r1cs-std opens a
//! `tracing` span on every field operation of a synthesis. Under a
//! subscriber whose filter turns them off (target `gr1cs`), each costs one
//! cached check. With no subscriber at all, as in a program that never
//! installs one, `tracing`'s `log` feature (which `sqlx` enables) records
//! every span for the `log` crate instead: about 40% of a `shard-8x128`
//! witness's time (0.30 s against 0.18 s).

/// `RUST_LOG`'s directives, with arkworks' constraint-system spans (target
/// `gr1cs`) off unless they name that target: ark-r1cs-std opens a span on
/// every field operation that formats the whole constraint system, so that
/// `RUST_LOG=info` alone once made `zkcc ceremony init` run for ten minutes in
/// 17 GB instead of 25 s.
pub fn filter(directives: Option<String>) -> tracing_subscriber::EnvFilter {
    let mut d = directives.unwrap_or_default();
    if !d.trim().is_empty() && !d.contains("gr1cs") {
        d.push_str(",gr1cs=off");
    }
    tracing_subscriber::EnvFilter::new(d)
}

/// Installs the subscriber: [`filter`] of `RUST_LOG`, to standard error.
/// Does nothing if the process has one already.
pub fn init() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter(std::env::var("RUST_LOG").ok()))
        .with_writer(std::io::stderr)
        .try_init();
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The constraint-system spans are off unless the directives name them,
    /// with or without other directives.
    #[test]
    fn gr1cs_spans_are_off_unless_asked_for() {
        for d in ["info", "zkcc=debug,info", "trace"] {
            let f = filter(Some(d.into())).to_string();
            assert!(f.contains("gr1cs=off"), "{d}: {f}");
        }
        let f = filter(Some("gr1cs=trace".into())).to_string();
        assert!(!f.contains("gr1cs=off"), "{f}");
        assert!(!filter(None).to_string().contains("info"));
    }
}
