//! Peak memory of this process (Linux: `VmHWM` of `/proc/self/status`).
//!
//! [`reset_peak`] starts a new measurement window (writing `5` to
//! `/proc/self/clear_refs` resets `VmHWM` to the current resident size), so
//! the demo and the benches can report the peak of setup and of proving
//! separately. Elsewhere both return `None`.

/// Peak resident memory in bytes since start or the last [`reset_peak`].
pub fn peak_bytes() -> Option<u64> {
    field_kib("VmHWM:").map(|k| k * 1024)
}

/// Current resident memory in bytes.
pub fn current_bytes() -> Option<u64> {
    field_kib("VmRSS:").map(|k| k * 1024)
}

/// Resets the peak to the current resident size; `false` if unsupported.
pub fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

fn field_kib(name: &str) -> Option<u64> {
    field_kib_in(&std::fs::read_to_string("/proc/self/status").ok()?, name)
}

fn field_kib_in(s: &str, name: &str) -> Option<u64> {
    let line = s.lines().find(|l| l.starts_with(name))?;
    line[name.len()..]
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()
}

/// `bytes` as e.g. `1.23 GB` / `456 MB`.
pub fn human(bytes: u64) -> String {
    let b = bytes as f64;
    if b >= 1e9 {
        format!("{:.2} GB", b / 1e9)
    } else {
        format!("{:.0} MB", b / 1e6)
    }
}

#[cfg(test)]
mod tests {
    /// Both fields from one snapshot: other test threads allocate (and reset
    /// the peak) concurrently, so two separate reads may see RSS grow between them.
    #[test]
    fn peak_is_at_least_current() {
        if let Ok(s) = std::fs::read_to_string("/proc/self/status") {
            let p = super::field_kib_in(&s, "VmHWM:").unwrap();
            let c = super::field_kib_in(&s, "VmRSS:").unwrap();
            assert!(p >= c && c > 0, "VmHWM {p} kB < VmRSS {c} kB");
        }
    }
}
