//! Writing output files so that a failed run leaves nothing half-written.
//!
//! Every file the binaries write (reports, snarkjs exports, key files) goes
//! first to a temporary file in the same directory, is flushed to disk, and
//! only then renamed over its destination: a reader sees the old file or the
//! complete new one, never a truncated one, and an error before the rename
//! leaves an existing file untouched.
use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// Writes `bytes` to `path` atomically (temporary file beside it, then
/// rename). The directory must exist.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_all_atomic(&[(path, bytes)])
}

/// Writes several files, all or none as far as the file system allows: every
/// destination is checked not to be a directory, every file is written in
/// full to a temporary file beside its destination, and only then are they
/// renamed into place. On an error before the renames, the temporary files
/// are removed and no destination has changed.
pub fn write_all_atomic(files: &[(&Path, &[u8])]) -> io::Result<()> {
    for (path, _) in files {
        if path.is_dir() {
            return Err(io::Error::other(format!(
                "{} is a directory",
                path.display()
            )));
        }
    }
    let mut staged: Vec<(PathBuf, &Path)> = Vec::with_capacity(files.len());
    for (path, bytes) in files {
        match stage(path, bytes) {
            Ok(tmp) => staged.push((tmp, path)),
            Err(e) => {
                for (tmp, _) in &staged {
                    let _ = fs::remove_file(tmp);
                }
                return Err(e);
            }
        }
    }
    for (i, (tmp, path)) in staged.iter().enumerate() {
        if let Err(e) = fs::rename(tmp, path) {
            for (t, _) in &staged[i..] {
                let _ = fs::remove_file(t);
            }
            return Err(e);
        }
    }
    Ok(())
}

/// Writes `bytes` to a new temporary file beside `path`; returns its path.
fn stage(path: &Path, bytes: &[u8]) -> io::Result<PathBuf> {
    let name = path.file_name().ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{} does not name a file", path.display()),
        )
    })?;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let tmp = dir.join(format!(
        ".{}.{}-{}.tmp",
        name.to_string_lossy(),
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let mut f = OpenOptions::new().write(true).create_new(true).open(&tmp)?;
    if let Err(e) = f.write_all(bytes).and_then(|()| f.sync_all()) {
        drop(f);
        let _ = fs::remove_file(&tmp);
        return Err(e);
    }
    Ok(tmp)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("zkcc-files-{}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        fs::create_dir_all(&d).unwrap();
        d
    }

    /// Asserts that scratch directory `d` holds `entries` entries (no
    /// temporary left behind), then removes it.
    fn assert_entries_and_remove(d: &Path, entries: usize) {
        assert_eq!(fs::read_dir(d).unwrap().count(), entries);
        fs::remove_dir_all(d).unwrap();
    }

    #[test]
    fn replaces_a_file_and_leaves_no_temporary() {
        let d = scratch("replace");
        let p = d.join("out.json");
        fs::write(&p, "old").unwrap();
        write_atomic(&p, b"new").unwrap();
        assert_eq!(fs::read_to_string(&p).unwrap(), "new");
        assert_entries_and_remove(&d, 1);
    }

    #[test]
    fn a_directory_in_the_way_changes_nothing() {
        let d = scratch("dir");
        let (a, b) = (d.join("a.json"), d.join("b.json"));
        fs::write(&a, "old").unwrap();
        fs::create_dir(&b).unwrap();
        let err = write_all_atomic(&[(&a, b"new"), (&b, b"new")]).unwrap_err();
        assert_eq!(err.to_string(), format!("{} is a directory", b.display()));
        assert_eq!(fs::read_to_string(&a).unwrap(), "old");
        assert_entries_and_remove(&d, 2);
    }

    #[test]
    fn a_missing_directory_writes_nothing() {
        let d = scratch("missing");
        let a = d.join("a.json");
        let err = write_all_atomic(&[(&a, b"new"), (&d.join("no/b.json"), b"new")]).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::NotFound);
        assert_entries_and_remove(&d, 0);
    }
}
