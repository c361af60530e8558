//! Surgery on iden3 section files (`.ptau`, `.zkey`, `.r1cs`, `.wtns`) for
//! tampering tests: find a section, swap two of its points.

/// Byte offset and length of section `ty` of an iden3 section file (the
/// first one of that type). Panics if there is none: a test's own file.
pub fn section(b: &[u8], ty: u32) -> (usize, usize) {
    let word = |at: usize, n: usize| {
        b[at..at + n]
            .iter()
            .rev()
            .fold(0usize, |acc, &x| (acc << 8) | x as usize)
    };
    let mut pos = 12;
    for _ in 0..word(8, 4) {
        let (t, len) = (word(pos, 4), word(pos + 4, 8));
        if t == ty as usize {
            return (pos + 12, len);
        }
        pos += 12 + len;
    }
    panic!("no section {ty}");
}

/// A copy of `b` with point `i` of section `ty` replaced by point `j`
/// (points of `size` bytes): a valid point in the wrong place.
pub fn swap_point(b: &[u8], ty: u32, i: usize, j: usize, size: usize) -> Vec<u8> {
    let mut out = b.to_vec();
    let (pos, _) = section(b, ty);
    let src = b[pos + j * size..pos + (j + 1) * size].to_vec();
    out[pos + i * size..pos + (i + 1) * size].copy_from_slice(&src);
    out
}
