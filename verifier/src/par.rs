//! Data parallelism on scoped std threads: the agency's verifier spreads the
//! per-proof work of a large submission (point decompression and subgroup
//! checks, Miller loops) over the machine's cores without taking a
//! thread-pool dependency.

/// Below this many items one thread does the work (spawning costs more).
const MIN_PARALLEL: usize = 32;

/// Number of worker threads for `n` items.
pub fn threads_for(n: usize) -> usize {
    if n < MIN_PARALLEL {
        return 1;
    }
    std::thread::available_parallelism()
        .map_or(1, |t| t.get())
        .min(n / (MIN_PARALLEL / 2))
        .max(1)
}

/// `items.iter().map(f)`, in order, over [`threads_for`] threads. A panic in
/// `f` is propagated, never swallowed.
pub fn map<T: Sync, U: Send>(items: &[T], f: impl Fn(&T) -> U + Sync) -> Vec<U> {
    let threads = threads_for(items.len());
    if threads == 1 {
        return items.iter().map(f).collect();
    }
    let chunk = items.len().div_ceil(threads);
    chunks(items, chunk, |c| c.iter().map(&f).collect::<Vec<U>>())
        .into_iter()
        .flatten()
        .collect()
}

/// `f` applied to each `chunk`-sized piece of `items`, in order, one thread
/// per piece.
pub fn chunks<T: Sync, U: Send>(items: &[T], chunk: usize, f: impl Fn(&[T]) -> U + Sync) -> Vec<U> {
    let f = &f;
    std::thread::scope(|s| {
        let handles: Vec<_> = items
            .chunks(chunk.max(1))
            .map(|c| s.spawn(move || f(c)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn map_keeps_order_and_values() {
        for n in [0, 1, 31, 32, 33, 100, 1001] {
            let v: Vec<u64> = (0..n).collect();
            assert_eq!(
                super::map(&v, |x| x * 3),
                v.iter().map(|x| x * 3).collect::<Vec<_>>()
            );
        }
    }
}
