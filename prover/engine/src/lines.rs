//! [`Lines`]: a buffer that starts on a cache line, for the MSM's buckets
//! ([`crate::msm`]). Its allocation and slice views are the only `unsafe`
//! code here.
#![allow(unsafe_code)]

/// `len` copies of a value in one allocation that starts on a 64-byte cache
/// line. A `Vec` of 64-byte points from `malloc` starts 16 bytes into a line,
/// so each point spans two lines, and a bucket read at random missed twice.
pub struct Lines<T: Copy> {
    ptr: std::ptr::NonNull<T>,
    len: usize,
    layout: std::alloc::Layout,
}

// SAFETY: `Lines` owns its elements like a `Vec<T>` does.
unsafe impl<T: Copy + Send> Send for Lines<T> {}
// SAFETY: as above; shared access only reads.
unsafe impl<T: Copy + Sync> Sync for Lines<T> {}

impl<T: Copy> Lines<T> {
    /// `len` copies of `v`.
    pub fn new(len: usize, v: T) -> Self {
        let layout = std::alloc::Layout::array::<T>(len.max(1))
            .and_then(|l| l.align_to(64))
            .expect("a buffer within isize::MAX bytes");
        // `T` of size 0 would make a zero-size layout: allocate one unit of
        // the alignment instead (at least 64, and `T`'s own if larger).
        let layout = if layout.size() == 0 {
            std::alloc::Layout::from_size_align(layout.align(), layout.align())
                .expect("a power-of-two alignment")
        } else {
            layout
        };
        // SAFETY: `layout` has a non-zero size.
        let raw = unsafe { std::alloc::alloc(layout) }.cast::<T>();
        let ptr =
            std::ptr::NonNull::new(raw).unwrap_or_else(|| std::alloc::handle_alloc_error(layout));
        for i in 0..len {
            // SAFETY: `i < len`, within the allocation of `len` elements
            // (aligned for `T`: the layout's alignment is the larger of
            // `T`'s and 64, both powers of two).
            unsafe { ptr.as_ptr().add(i).write(v) };
        }
        Self { ptr, len, layout }
    }
}

impl<T: Copy> std::ops::Deref for Lines<T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        // SAFETY: `len` initialized elements from `ptr`, owned by `self`.
        unsafe { std::slice::from_raw_parts(self.ptr.as_ptr(), self.len) }
    }
}

impl<T: Copy> std::ops::DerefMut for Lines<T> {
    fn deref_mut(&mut self) -> &mut [T] {
        // SAFETY: as in `deref`, and `&mut self` is exclusive.
        unsafe { std::slice::from_raw_parts_mut(self.ptr.as_ptr(), self.len) }
    }
}

impl<T: Copy> Drop for Lines<T> {
    fn drop(&mut self) {
        // SAFETY: allocated in `new` with this layout; `T: Copy` has no drop.
        unsafe { std::alloc::dealloc(self.ptr.as_ptr().cast(), self.layout) }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn lines_start_on_a_line_and_hold_their_values() {
        for len in [0usize, 1, 3, 1000] {
            let mut l = super::Lines::new(len, [7u64; 8]);
            assert_eq!(l.as_ptr() as usize % 64, 0);
            assert_eq!(l.len(), len);
            assert!(l.iter().all(|v| *v == [7u64; 8]));
            if let Some(v) = l.last_mut() {
                v[0] = 1;
            }
            assert!(len == 0 || l[len - 1][0] == 1);
        }
        let z = super::Lines::new(5, ());
        assert_eq!(z.len(), 5);
    }

    /// A type aligned beyond a line keeps its alignment, sized or not.
    #[test]
    fn wider_alignments_are_kept() {
        #[derive(Clone, Copy, PartialEq, Debug)]
        #[repr(align(4096))]
        struct Page;
        #[derive(Clone, Copy, PartialEq, Debug)]
        #[repr(align(128))]
        struct Wide([u8; 3]);
        for len in [0usize, 1, 2, 5] {
            let p = super::Lines::new(len, Page);
            assert_eq!(p.as_ptr() as usize % 4096, 0);
            let w = super::Lines::new(len, Wide([1, 2, 3]));
            assert_eq!(w.as_ptr() as usize % 128, 0);
            assert!(w.iter().all(|v| *v == Wide([1, 2, 3])));
        }
        // Moved to another thread and read there.
        let l = super::Lines::new(100, 7u32);
        assert_eq!(
            std::thread::spawn(move || l.iter().sum::<u32>())
                .join()
                .unwrap(),
            700
        );
    }
}
