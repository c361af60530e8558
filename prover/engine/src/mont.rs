//! BN254's 4-limb Montgomery product with `mulx`/`adcx`/`adox`, for the
//! scalar (non-IFMA) paths of the MSMs and the FFTs.
//!
//! `ark-ff` 0.6 has a `mulx`/`adcx`/`adox` product behind its `asm` feature,
//! but `ark-bn254`'s fields never reach it: their `#[derive(MontConfig)]`
//! generates its own `mul_assign` (constants folded in, plain Rust), which
//! LLVM compiles to `mulx` with single `add`/`adc` carry chains and a call
//! per product. Here (2-core AMD EPYC, Zen 3, 2.45 GHz) it costs ≈ 23 ns, ≈ 57
//! cycles, against 36 products of the 64-bit multiplier it needs; the
//! release binaries contain no `adcx`/`adox` at all. This product is the
//! same algorithm — CIOS, the no-carry variant (the top limb of both BN254
//! moduli is below `2^62`, so `t` plus the spare word never overflows) —
//! written as one inline `asm!` block: each round's additions run as two
//! carry chains (`adcx` on the carry flag, `adox` on the overflow flag), the
//! accumulator stays in registers, and nothing is called. It is always
//! inlined: no call, no store and reload of the result. (Independent
//! products barely overlap: on Zen 3 the 64-bit multiplier is the bound.)
//! Numbers: `fieldrace` (`benches/RESULTS.md`, "Without IFMA, stop 37"):
//! ≈ 1.3× `ark-bn254`'s product on independent products, more in the MSM
//! (no call, no reload of the result).
//!
//! [`add`], [`sub`] and [`neg_if`] are the sums, differences and sign flips
//! of those paths, without a branch: `ark-ff`'s branch on a comparison of
//! the operands, which on random coordinates is mispredicted half the time
//! (taking that out made G2's MSM ≈ 25% faster without IFMA; `benches/
//! RESULTS.md`, "Both paths in one sitting, stop 38").
//!
//! Inputs are Montgomery limbs below `p` (`R = 2^256`, as `ark-ff` has them);
//! the output is fully reduced, so it is the very same representation
//! `ark-ff` returns (tested against it on edges and random values below).
//! Without BMI2 and ADX at compile time (the workspace's
//! `.cargo/config.toml` turns both on for x86-64), or on another
//! architecture, [`mul`] is `ark-ff`'s product.
#![allow(unsafe_code)]

use ark_bn254::{Fq, FqConfig, Fr, FrConfig};
#[cfg(test)]
use ark_ff::MontBackend;
use ark_ff::{BigInt, Fp, MontConfig};

/// A modulus as the product reads it: its limbs, then `−p⁻¹ mod 2^64`.
#[repr(C)]
pub struct Modulus {
    p: [u64; 4],
    inv: u64,
}

impl Modulus {
    const fn of<C: MontConfig<4>>() -> Self {
        Modulus {
            p: C::MODULUS.0,
            inv: C::INV,
        }
    }
}

/// BN254's base field `Fq` (coordinates of G1 and G2).
pub static FQ: Modulus = Modulus::of::<FqConfig>();
/// BN254's scalar field `Fr` (the FFTs).
pub static FR: Modulus = Modulus::of::<FrConfig>();

/// One reduction round: `t = (t + top·2^256 + m·p) / 2^64` with
/// `m = t₀·(−p⁻¹) mod 2^64`; the carry chain on CF adds `m·p`'s low words,
/// the one on OF its high words and the shifted `t`.
#[cfg(all(
    target_arch = "x86_64",
    target_feature = "bmi2",
    target_feature = "adx"
))]
macro_rules! red {
    () => {
        concat!(
            "mov rdx, {t0}\n",
            "imul rdx, qword ptr [{m} + 32]\n",
            "xor eax, eax\n",
            "mulx {hi}, {lo}, qword ptr [{m}]\n",
            "adcx {lo}, {t0}\n",
            "mov {t0}, {hi}\n",
            "adox {t0}, {t1}\n",
            "mulx {hi}, {lo}, qword ptr [{m} + 8]\n",
            "adcx {t0}, {lo}\n",
            "mov {t1}, {hi}\n",
            "adox {t1}, {t2}\n",
            "mulx {hi}, {lo}, qword ptr [{m} + 16]\n",
            "adcx {t1}, {lo}\n",
            "mov {t2}, {hi}\n",
            "adox {t2}, {t3}\n",
            "mulx {hi}, {lo}, qword ptr [{m} + 24]\n",
            "adcx {t2}, {lo}\n",
            "mov {t3}, {hi}\n",
            "adox {t3}, {top}\n",
            "adcx {t3}, rax\n",
        )
    };
}

/// One multiplication round: `(top, t) = t + a·b[i]` (`i` given as the byte
/// offset of `b[i]`); CF carries the high words, OF the low ones.
#[cfg(all(
    target_arch = "x86_64",
    target_feature = "bmi2",
    target_feature = "adx"
))]
macro_rules! round {
    ($off:literal) => {
        concat!(
            "mov rdx, qword ptr [{b} + ",
            $off,
            "]\n",
            "xor eax, eax\n",
            "mulx {hi}, {lo}, qword ptr [{a}]\n",
            "adox {t0}, {lo}\n",
            "adcx {t1}, {hi}\n",
            "mulx {hi}, {lo}, qword ptr [{a} + 8]\n",
            "adox {t1}, {lo}\n",
            "adcx {t2}, {hi}\n",
            "mulx {hi}, {lo}, qword ptr [{a} + 16]\n",
            "adox {t2}, {lo}\n",
            "adcx {t3}, {hi}\n",
            "mulx {top}, {lo}, qword ptr [{a} + 24]\n",
            "adox {t3}, {lo}\n",
            "adcx {top}, rax\n",
            "adox {top}, rax\n",
        )
    };
}

/// The Montgomery product's function: the rounds above, then `$last` (the
/// full reduction, or nothing for the lazy form).
#[cfg(all(
    target_arch = "x86_64",
    target_feature = "bmi2",
    target_feature = "adx"
))]
macro_rules! product {
    ($(#[$doc:meta])* $name:ident: $($last:literal,)*) => {
        $(#[$doc])*
        #[inline(always)]
        pub fn $name(a: &[u64; 4], b: &[u64; 4], m: &Modulus) -> [u64; 4] {
            debug_assert!(below_twice(a, &m.p) && below_twice(b, &m.p), "inputs below 2p");
            let (t0, t1, t2, t3): (u64, u64, u64, u64);
            // SAFETY: reads 4 words behind `a` and `b` and 5 behind `m` (all
            // valid references of those sizes); writes only registers it
            // declares.
            unsafe {
                core::arch::asm!(
                    // Round 0: t = a·b[0] (one carry chain: t starts at zero).
                    "mov rdx, qword ptr [{b}]",
                    "xor eax, eax",
                    "mulx {t1}, {t0}, qword ptr [{a}]",
                    "mulx {t2}, {lo}, qword ptr [{a} + 8]",
                    "adcx {t1}, {lo}",
                    "mulx {t3}, {lo}, qword ptr [{a} + 16]",
                    "adcx {t2}, {lo}",
                    "mulx {top}, {lo}, qword ptr [{a} + 24]",
                    "adcx {t3}, {lo}",
                    "adcx {top}, rax",
                    red!(),
                    round!("8"),
                    red!(),
                    round!("16"),
                    red!(),
                    round!("24"),
                    red!(),
                    $($last,)*
                    a = in(reg) a.as_ptr(),
                    b = in(reg) b.as_ptr(),
                    m = in(reg) m as *const Modulus,
                    t0 = out(reg) t0,
                    t1 = out(reg) t1,
                    t2 = out(reg) t2,
                    t3 = out(reg) t3,
                    top = out(reg) _,
                    lo = out(reg) _,
                    hi = out(reg) _,
                    out("rdx") _,
                    out("rax") _,
                    options(pure, readonly, nostack),
                );
            }
            [t0, t1, t2, t3]
        }
    };
}

#[cfg(all(
    target_arch = "x86_64",
    target_feature = "bmi2",
    target_feature = "adx"
))]
product! {
    /// `a·b·2^−256 mod p`, fully reduced, for `a, b < 2p` (the no-carry
    /// bound holds there: see [`mul_lazy`]; checked in debug builds).
    mul:
    // Fully reduce: t − p where that does not borrow.
    "mov {lo}, {t0}",
    "sub {lo}, qword ptr [{m}]",
    "mov {hi}, {t1}",
    "sbb {hi}, qword ptr [{m} + 8]",
    "mov rdx, {t2}",
    "sbb rdx, qword ptr [{m} + 16]",
    "mov rax, {t3}",
    "sbb rax, qword ptr [{m} + 24]",
    "cmovnc {t0}, {lo}",
    "cmovnc {t1}, {hi}",
    "cmovnc {t2}, rdx",
    "cmovnc {t3}, rax",
}

#[cfg(all(
    target_arch = "x86_64",
    target_feature = "bmi2",
    target_feature = "adx"
))]
product! {
    /// [`mul`] without its final conditional subtraction: a value below
    /// `2p` congruent to `a·b·2^−256`, for `a, b < 2p`. For a chain of
    /// products whose results only feed other products (the batch
    /// inversion's prefixes and inverses, the slope): it saves the
    /// subtraction's seven carry-flag instructions, which share two ports
    /// with the product's own `adcx`/`adox` on x86 cores.
    ///
    /// Bounds (`R = 2^256`, `p < R/4` for both BN254 moduli): each round
    /// keeps `t < t/2^64 + a + p < 2^256` (so the no-carry rounds drop no
    /// carry), and the result is `(a·b + M·p)/R < 4p²/R + p < 2p` for some
    /// `M < R`.
    mul_lazy:
}

/// One row of the wide product: `(t₀…t₃, top) += a·b[i]`, `top` fresh (the
/// registers are named by the caller, so rows rotate them without moves).
#[cfg(all(
    target_arch = "x86_64",
    target_feature = "bmi2",
    target_feature = "adx"
))]
macro_rules! wide_row {
    ($off:literal, $t0:ident, $t1:ident, $t2:ident, $t3:ident, $top:ident) => {
        concat!(
            "mov rdx, qword ptr [{b} + ",
            $off,
            "]\n",
            "xor eax, eax\n",
            "mulx {hi}, {lo}, qword ptr [{a}]\n",
            "adox {",
            stringify!($t0),
            "}, {lo}\n",
            "adcx {",
            stringify!($t1),
            "}, {hi}\n",
            "mulx {hi}, {lo}, qword ptr [{a} + 8]\n",
            "adox {",
            stringify!($t1),
            "}, {lo}\n",
            "adcx {",
            stringify!($t2),
            "}, {hi}\n",
            "mulx {hi}, {lo}, qword ptr [{a} + 16]\n",
            "adox {",
            stringify!($t2),
            "}, {lo}\n",
            "adcx {",
            stringify!($t3),
            "}, {hi}\n",
            "mulx {",
            stringify!($top),
            "}, {lo}, qword ptr [{a} + 24]\n",
            "adox {",
            stringify!($t3),
            "}, {lo}\n",
            "adcx {",
            stringify!($top),
            "}, rax\n",
            "adox {",
            stringify!($top),
            "}, rax\n",
            "mov qword ptr [{out} + ",
            $off,
            "], {",
            stringify!($t0),
            "}\n",
        )
    };
}

/// The whole 512-bit product `a·b` (no reduction), little-endian: for
/// sums of products reduced once ([`redc`]; `Fq2`'s Karatsuba).
#[cfg(all(
    target_arch = "x86_64",
    target_feature = "bmi2",
    target_feature = "adx"
))]
#[inline(always)]
pub fn mul_wide(a: &[u64; 4], b: &[u64; 4]) -> [u64; 8] {
    let mut out = [0u64; 8];
    // SAFETY: reads 4 words behind `a` and `b`, writes the 8 words of
    // `out` (valid references of those sizes); no other memory.
    unsafe {
        core::arch::asm!(
            // Row 0: (r0…r4) = a·b[0]; r0 is the product's word 0.
            "mov rdx, qword ptr [{b}]",
            "xor eax, eax",
            "mulx {r1}, {r0}, qword ptr [{a}]",
            "mulx {r2}, {lo}, qword ptr [{a} + 8]",
            "adcx {r1}, {lo}",
            "mulx {r3}, {lo}, qword ptr [{a} + 16]",
            "adcx {r2}, {lo}",
            "mulx {r4}, {lo}, qword ptr [{a} + 24]",
            "adcx {r3}, {lo}",
            "adcx {r4}, rax",
            "mov qword ptr [{out}], {r0}",
            wide_row!("8", r1, r2, r3, r4, r0),
            wide_row!("16", r2, r3, r4, r0, r1),
            wide_row!("24", r3, r4, r0, r1, r2),
            "mov qword ptr [{out} + 32], {r4}",
            "mov qword ptr [{out} + 40], {r0}",
            "mov qword ptr [{out} + 48], {r1}",
            "mov qword ptr [{out} + 56], {r2}",
            a = in(reg) a.as_ptr(),
            b = in(reg) b.as_ptr(),
            out = in(reg) out.as_mut_ptr(),
            r0 = out(reg) _,
            r1 = out(reg) _,
            r2 = out(reg) _,
            r3 = out(reg) _,
            r4 = out(reg) _,
            lo = out(reg) _,
            hi = out(reg) _,
            out("rdx") _,
            out("rax") _,
            options(nostack),
        );
    }
    out
}

/// `t·2^−256 mod p`, fully reduced, for a 512-bit `t < 2p²` (a sum or
/// difference of [`mul_wide`] products of inputs below `p`): four
/// reduction rounds on the low half (`< p + 1`), the high half added
/// (`< 2p²/2^256 < p/2`), one conditional subtraction.
#[cfg(all(
    target_arch = "x86_64",
    target_feature = "bmi2",
    target_feature = "adx"
))]
#[inline(always)]
pub fn redc(t: &[u64; 8], m: &Modulus) -> [u64; 4] {
    let (mut t0, mut t1, mut t2, mut t3) = (t[0], t[1], t[2], t[3]);
    // SAFETY: reads 5 words behind `m` (a valid reference of 5); writes
    // only registers it declares.
    unsafe {
        core::arch::asm!(
            red!(),
            red!(),
            red!(),
            red!(),
            m = in(reg) m as *const Modulus,
            t0 = inout(reg) t0,
            t1 = inout(reg) t1,
            t2 = inout(reg) t2,
            t3 = inout(reg) t3,
            top = in(reg) 0u64,
            lo = out(reg) _,
            hi = out(reg) _,
            out("rdx") _,
            out("rax") _,
            options(pure, readonly, nostack),
        );
    }
    reduce(
        &add_unreduced(&[t0, t1, t2, t3], &[t[4], t[5], t[6], t[7]]),
        m,
    )
}

/// [`mul_wide`] where the `asm!` one cannot run: schoolbook on `u128`.
#[cfg(not(all(
    target_arch = "x86_64",
    target_feature = "bmi2",
    target_feature = "adx"
)))]
#[inline(always)]
pub fn mul_wide(a: &[u64; 4], b: &[u64; 4]) -> [u64; 8] {
    wide_const(a, b)
}

/// [`redc`] where the `asm!` one cannot run: `ark-ff`'s reduction of the
/// low half by a product with `1` (`t_lo·R⁻¹`), then the high half added.
#[cfg(not(all(
    target_arch = "x86_64",
    target_feature = "bmi2",
    target_feature = "adx"
)))]
#[inline(always)]
pub fn redc(t: &[u64; 8], m: &Modulus) -> [u64; 4] {
    // t_lo·R⁻¹ = mont(t_lo, 1): the Montgomery product by the raw limb 1
    // (t_lo may be ≥ p: below 2^256 the rounds keep the bound, as in
    // `mul_lazy`'s argument, and the result is below p + 1 ≤ 2p).
    let lo = redc_low(&[t[0], t[1], t[2], t[3]], m);
    reduce(&add_unreduced(&lo, &[t[4], t[5], t[6], t[7]]), m)
}

/// `t·2^−256` (not reduced: below `p + 1`) for a 256-bit `t`, word by word.
#[cfg(not(all(
    target_arch = "x86_64",
    target_feature = "bmi2",
    target_feature = "adx"
)))]
fn redc_low(t: &[u64; 4], m: &Modulus) -> [u64; 4] {
    let mut r = [t[0], t[1], t[2], t[3], 0u64];
    for _ in 0..4 {
        let k = r[0].wrapping_mul(m.inv);
        let mut carry = 0u128;
        for j in 0..4 {
            let v = r[j] as u128 + (k as u128) * (m.p[j] as u128) + carry;
            r[j] = v as u64;
            carry = v >> 64;
        }
        let v = r[4] as u128 + carry;
        r[4] = v as u64;
        r = [r[1], r[2], r[3], r[4], 0];
    }
    [r[0], r[1], r[2], r[3]]
}

/// The 512-bit product of two 256-bit integers, on `u128` (a `const fn`:
/// also the constant `p²` of `Fq2`'s wide Karatsuba).
pub const fn wide_const(a: &[u64; 4], b: &[u64; 4]) -> [u64; 8] {
    let mut out = [0u64; 8];
    let mut i = 0;
    while i < 4 {
        let mut carry = 0u128;
        let mut j = 0;
        while j < 4 {
            let v = out[i + j] as u128 + (a[i] as u128) * (b[j] as u128) + carry;
            out[i + j] = v as u64;
            carry = v >> 64;
            j += 1;
        }
        out[i + 4] = carry as u64;
        i += 1;
    }
    out
}

/// `op` (`overflowing_add` or `overflowing_sub`) limb by limb with its
/// carry or borrow, on little-endian integers of `N` words; and the carry
/// or borrow out.
#[inline(always)]
fn chain<const N: usize>(
    a: &[u64; N],
    b: &[u64; N],
    op: fn(u64, u64) -> (u64, bool),
) -> ([u64; N], bool) {
    let mut out = [0u64; N];
    let mut carry = false;
    for i in 0..N {
        let (s, c1) = op(a[i], b[i]);
        let (s, c2) = op(s, carry as u64);
        carry = c1 | c2;
        out[i] = s;
    }
    (out, carry)
}

/// `a + b` on little-endian integers of `N` words, and the carry out.
#[inline(always)]
fn add_limbs<const N: usize>(a: &[u64; N], b: &[u64; N]) -> ([u64; N], bool) {
    chain(a, b, u64::overflowing_add)
}

/// `a − b` on little-endian integers of `N` words, and the borrow out.
#[inline(always)]
fn sub_limbs<const N: usize>(a: &[u64; N], b: &[u64; N]) -> ([u64; N], bool) {
    chain(a, b, u64::overflowing_sub)
}

/// `a + b` on 512-bit integers (the caller keeps the sum below `2^512`).
#[inline(always)]
pub fn add_wide(a: &[u64; 8], b: &[u64; 8]) -> [u64; 8] {
    add_limbs(a, b).0
}

/// `a − b` on 512-bit integers (the caller keeps `a ≥ b`).
#[inline(always)]
pub fn sub_wide(a: &[u64; 8], b: &[u64; 8]) -> [u64; 8] {
    sub_limbs(a, b).0
}

/// `Fq`'s `p²`, for differences of wide products kept non-negative.
pub static FQ_P2: [u64; 8] = wide_const(&FqConfig::MODULUS.0, &FqConfig::MODULUS.0);

/// A branch-free sum or difference on reduced limbs: `t = a` and `u = b`
/// in registers (a pointer operand would force the caller's values through
/// memory), `m`'s limbs read from memory, the result in `t`.
#[cfg(all(
    target_arch = "x86_64",
    target_feature = "bmi2",
    target_feature = "adx"
))]
macro_rules! sum_op {
    ($(#[$doc:meta])* $name:ident: $($line:literal,)*) => {
        $(#[$doc])*
        #[inline(always)]
        pub fn $name(a: &[u64; 4], b: &[u64; 4], m: &Modulus) -> [u64; 4] {
            debug_assert!(below(a, &m.p) && below(b, &m.p), "inputs reduced");
            let (mut t0, mut t1, mut t2, mut t3) = (a[0], a[1], a[2], a[3]);
            // SAFETY: reads 4 words behind `m` (a valid reference of 5);
            // writes only registers it declares.
            unsafe {
                core::arch::asm!(
                    $($line,)*
                    m = in(reg) m as *const Modulus,
                    t0 = inout(reg) t0,
                    t1 = inout(reg) t1,
                    t2 = inout(reg) t2,
                    t3 = inout(reg) t3,
                    u0 = inout(reg) b[0] => _,
                    u1 = inout(reg) b[1] => _,
                    u2 = inout(reg) b[2] => _,
                    u3 = inout(reg) b[3] => _,
                    options(pure, readonly, nostack),
                );
            }
            [t0, t1, t2, t3]
        }
    };
}

#[cfg(all(
    target_arch = "x86_64",
    target_feature = "bmi2",
    target_feature = "adx"
))]
sum_op! {
    /// `a + b mod p` on reduced limbs, without a branch: `t = a + b` (no
    /// carry out: `p < 2^254`), then `t − p` (in `u`) where that does not
    /// borrow. (`ark-ff`'s sum compares `t` with `p` limb by limb and
    /// branches on the result: in a batch of random coordinates that branch
    /// is a coin toss, mispredicted half the time.)
    add:
    "add {t0}, {u0}",
    "adc {t1}, {u1}",
    "adc {t2}, {u2}",
    "adc {t3}, {u3}",
    "mov {u0}, {t0}",
    "sub {u0}, qword ptr [{m}]",
    "mov {u1}, {t1}",
    "sbb {u1}, qword ptr [{m} + 8]",
    "mov {u2}, {t2}",
    "sbb {u2}, qword ptr [{m} + 16]",
    "mov {u3}, {t3}",
    "sbb {u3}, qword ptr [{m} + 24]",
    "cmovnc {t0}, {u0}",
    "cmovnc {t1}, {u1}",
    "cmovnc {t2}, {u2}",
    "cmovnc {t3}, {u3}",
}

#[cfg(all(
    target_arch = "x86_64",
    target_feature = "bmi2",
    target_feature = "adx"
))]
sum_op! {
    /// `a − b mod p` on reduced limbs, without a branch: `t = a − b`, then
    /// `p` added back under the mask of the borrow (in `u`). (`ark-ff`'s
    /// difference branches on `b > a`: a coin toss on random coordinates.)
    sub:
    "sub {t0}, {u0}",
    "sbb {t1}, {u1}",
    "sbb {t2}, {u2}",
    "sbb {t3}, {u3}",
    // mask = all ones if it borrowed (before any `and`: it clears the
    // carry flag); u = p & mask.
    "sbb {u3}, {u3}",
    "mov {u0}, qword ptr [{m}]",
    "and {u0}, {u3}",
    "mov {u1}, qword ptr [{m} + 8]",
    "and {u1}, {u3}",
    "mov {u2}, qword ptr [{m} + 16]",
    "and {u2}, {u3}",
    "and {u3}, qword ptr [{m} + 24]",
    "add {t0}, {u0}",
    "adc {t1}, {u1}",
    "adc {t2}, {u2}",
    "adc {t3}, {u3}",
}

/// `p − a` if `neg` and `a ≠ 0`, else `a` (so a result is always below
/// `p`), without a branch: both are computed and the mask of `neg` picks.
/// Plain Rust (no carry flags to keep): `p − a` never borrows for `a < p`.
#[inline(always)]
pub fn neg_if(a: &[u64; 4], neg: bool, m: &Modulus) -> [u64; 4] {
    debug_assert!(below(a, &m.p), "input reduced");
    let nonzero = (a[0] | a[1] | a[2] | a[3]) != 0;
    let mask = 0u64.wrapping_sub((neg & nonzero) as u64);
    let (d, _) = sub_limbs(&m.p, a);
    std::array::from_fn(|i| a[i] ^ ((a[i] ^ d[i]) & mask))
}

/// `a + b` on reduced limbs, not reduced: below `2p < 2^255`, so no carry
/// out; a value only the products ([`mul`], [`mul_lazy`]) may take (`Fq2`'s
/// Karatsuba sums: the reduction saved is five carry-flag instructions).
#[inline(always)]
pub fn add_unreduced(a: &[u64; 4], b: &[u64; 4]) -> [u64; 4] {
    add_limbs(a, b).0
}

/// `a mod p` for `a < 2p` (a [`mul_lazy`] result), without a branch.
#[inline(always)]
pub fn reduce(a: &[u64; 4], m: &Modulus) -> [u64; 4] {
    let (d, borrow) = sub_limbs(a, &m.p);
    // Keep `a` where `a − p` borrowed.
    let keep = 0u64.wrapping_sub(borrow as u64);
    std::array::from_fn(|i| d[i] ^ ((d[i] ^ a[i]) & keep))
}

/// [`reduce`] in `Fq`: the `Fq` value of [`fq_mul_lazy`]'s limbs.
#[inline(always)]
pub fn fq_reduce(a: &Fq) -> Fq {
    Fp::new_unchecked(BigInt(reduce(&a.0 .0, &FQ)))
}

/// `a < p` on little-endian limbs (the sums' precondition: an input at or
/// above `p` gives a wrong result, not an error).
fn below(a: &[u64; 4], p: &[u64; 4]) -> bool {
    a.iter().rev().cmp(p.iter().rev()) == std::cmp::Ordering::Less
}

/// `a < 2p` on little-endian limbs (the products' precondition).
fn below_twice(a: &[u64; 4], p: &[u64; 4]) -> bool {
    let mut twice = [0u64; 4];
    let mut carry = 0;
    for i in 0..4 {
        twice[i] = (p[i] << 1) | carry;
        carry = p[i] >> 63;
    }
    below(a, &twice)
}

/// `ark-ff`'s operation `$op`, where the `asm!` one cannot run (without
/// BMI2 and ADX at compile time, or off x86-64).
#[cfg(not(all(
    target_arch = "x86_64",
    target_feature = "bmi2",
    target_feature = "adx"
)))]
macro_rules! fallback {
    ($($name:ident $op:tt $what:literal, inputs $bound:ident;)*) => {$(
        #[doc = concat!("`ark-ff`'s ", $what, ", where the `asm!` one cannot run.")]
        #[inline(always)]
        pub fn $name(a: &[u64; 4], b: &[u64; 4], m: &Modulus) -> [u64; 4] {
            debug_assert!($bound(a, &m.p) && $bound(b, &m.p), "inputs in range");
            if std::ptr::eq(m, &FQ) {
                (Fq::new_unchecked(BigInt(*a)) $op Fq::new_unchecked(BigInt(*b))).0 .0
            } else {
                (Fr::new_unchecked(BigInt(*a)) $op Fr::new_unchecked(BigInt(*b))).0 .0
            }
        }
    )*};
}

#[cfg(not(all(
    target_arch = "x86_64",
    target_feature = "bmi2",
    target_feature = "adx"
)))]
fallback! {
    mul * "product (its no-carry rounds take inputs below 2p, as the asm one)", inputs below_twice;
    mul_lazy * "product (already reduced: the lazy form's bound holds)", inputs below_twice;
    add + "sum", inputs below;
    sub - "difference", inputs below;
}

/// The typed forms of the limb functions, one per field and operation.
macro_rules! typed {
    ($($name:ident = $op:ident in $field:ident mod $m:ident, $doc:literal;)*) => {$(
        #[doc = $doc]
        #[inline(always)]
        pub fn $name(a: &$field, b: &$field) -> $field {
            Fp::new_unchecked(BigInt($op(&a.0 .0, &b.0 .0, &$m)))
        }
    )*};
}

typed! {
    fq_mul = mul in Fq mod FQ, "`a·b` in `Fq` by [`mul`].";
    fq_mul_lazy = mul_lazy in Fq mod FQ, "`a·b` in `Fq` by [`mul_lazy`]: limbs below `2p`, not an `Fq` value until [`fq_reduce`]d.";
    fq_add = add in Fq mod FQ, "`a + b` in `Fq` by [`add`].";
    fq_sub = sub in Fq mod FQ, "`a − b` in `Fq` by [`sub`].";
    fr_mul = mul in Fr mod FR, "`a·b` in `Fr` by [`mul`].";
    fr_add = add in Fr mod FR, "`a + b` in `Fr` by [`add`].";
    fr_sub = sub in Fr mod FR, "`a − b` in `Fr` by [`sub`].";
}

/// Asks the CPU to bring `*x`'s cache line in (a hint: no effect on
/// results). The MSMs' buckets are read in random order; fetching the bucket
/// of a point a few points ahead hides most of the miss.
#[inline(always)]
pub fn prefetch<T>(x: &T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch of a valid reference's address; it reads nothing
    // architecturally and cannot fault.
    unsafe {
        core::arch::x86_64::_mm_prefetch::<{ core::arch::x86_64::_MM_HINT_T0 }>(
            (x as *const T).cast::<i8>(),
        );
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = x;
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::{Field, One, PrimeField, UniformRand, Zero};
    use rand::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    type F<C> = Fp<MontBackend<C, 4>, 4>;

    /// Edge values: 0, ±1, ±2, and the elements whose value, or whose raw
    /// Montgomery limbs, are 1, 2^64 − 1, 2^128 − 1, 2^192 − 1, (p − 1)/2
    /// and p − 1.
    fn edges<C: MontConfig<4>>() -> Vec<F<C>> {
        let mut pm1 = C::MODULUS.0;
        pm1[0] -= 1;
        let mut half = [0u64; 4];
        for j in 0..4 {
            half[j] = (pm1[j] >> 1) | if j < 3 { pm1[j + 1] << 63 } else { 0 };
        }
        let mut v = vec![
            F::<C>::zero(),
            F::<C>::one(),
            -F::<C>::one(),
            F::<C>::from(2u64),
            -F::<C>::from(2u64),
        ];
        for l in [
            [1, 0, 0, 0],
            [u64::MAX, 0, 0, 0],
            [u64::MAX, u64::MAX, 0, 0],
            [u64::MAX, u64::MAX, u64::MAX, 0],
            half,
            pm1,
        ] {
            v.push(F::<C>::from_bigint(BigInt(l)).expect("below p"));
            v.push(F::<C>::new_unchecked(BigInt(l)));
        }
        v
    }

    fn matches<C: MontConfig<4>>(m: &Modulus) {
        let f = |x: &F<C>, y: &F<C>| F::<C>::new_unchecked(BigInt(mul(&x.0 .0, &y.0 .0, m)));
        let e = edges::<C>();
        for x in &e {
            for y in &e {
                assert_eq!(f(x, y), *x * y, "{x} · {y}");
            }
        }
        let mut rng = ChaCha20Rng::seed_from_u64(27);
        for _ in 0..20_000 {
            let (x, y) = (F::<C>::rand(&mut rng), F::<C>::rand(&mut rng));
            assert_eq!(f(&x, &y), x * y);
            assert_eq!(f(&x, &x), x.square());
        }
        // A long dependent chain agrees at every step (each output is the
        // next input: a result left unreduced would show).
        let (mut a, mut b) = (F::<C>::rand(&mut rng), F::<C>::rand(&mut rng));
        let c = a;
        for _ in 0..10_000 {
            let (x, y) = (f(&a, &b), a * b);
            assert_eq!(x, y);
            assert!(x.0 < C::MODULUS, "fully reduced");
            (a, b) = (x, f(&b, &c));
        }
    }

    /// [`add`] and [`sub`] against `ark-ff` on every pair of edges and on
    /// random values (both borrow cases, the carry into the subtraction of
    /// `p`, results exactly 0 and p − 1); [`neg_if`] on the edges (zero stays
    /// zero, not `p`).
    fn sums_match<C: MontConfig<4>>(m: &Modulus) {
        let add_ = |x: &F<C>, y: &F<C>| F::<C>::new_unchecked(BigInt(add(&x.0 .0, &y.0 .0, m)));
        let sub_ = |x: &F<C>, y: &F<C>| F::<C>::new_unchecked(BigInt(sub(&x.0 .0, &y.0 .0, m)));
        let e = edges::<C>();
        for x in &e {
            for y in &e {
                assert_eq!(add_(x, y), *x + y, "{x} + {y}");
                assert_eq!(sub_(x, y), *x - y, "{x} − {y}");
                assert!(add_(x, y).0 < C::MODULUS && sub_(x, y).0 < C::MODULUS);
            }
        }
        let mut rng = ChaCha20Rng::seed_from_u64(29);
        for _ in 0..20_000 {
            let (x, y) = (F::<C>::rand(&mut rng), F::<C>::rand(&mut rng));
            assert_eq!(add_(&x, &y), x + y);
            assert_eq!(sub_(&x, &y), x - y);
            assert_eq!(sub_(&y, &x), y - x);
            assert_eq!(sub_(&x, &x), F::<C>::zero());
        }
        for x in e
            .iter()
            .chain([F::<C>::rand(&mut rng), F::<C>::rand(&mut rng)].iter())
        {
            for neg in [false, true] {
                let y = F::<C>::new_unchecked(BigInt(neg_if(&x.0 .0, neg, m)));
                assert_eq!(y, if neg { -*x } else { *x }, "{x} {neg}");
                assert!(y.0 < C::MODULUS);
            }
        }
    }

    /// [`mul_lazy`] and [`mul`] on inputs below `2p` (every edge and random
    /// value, and each plus `p`, up to `2p − 1`): the lazy result is below
    /// `2p` and congruent to `ark-ff`'s product, [`reduce`] makes it that
    /// product, [`mul`] gives it directly. And a long chain of lazy
    /// products, each output the next input, stays below `2p` and right.
    fn lazy_matches<C: MontConfig<4>>(m: &Modulus) {
        use ark_ff::BigInteger;
        let plus_p = |x: &F<C>| {
            let mut l = x.0;
            l.add_with_carry(&C::MODULUS);
            l.0
        };
        let twice = {
            let mut t = C::MODULUS;
            t.mul2();
            t
        };
        let check = |x: &F<C>, y: &F<C>| {
            let want = *x * y;
            for a in [x.0 .0, plus_p(x)] {
                for b in [y.0 .0, plus_p(y)] {
                    let lazy = mul_lazy(&a, &b, m);
                    assert!(BigInt(lazy) < twice, "{x} · {y}: below 2p");
                    assert_eq!(F::<C>::new_unchecked(BigInt(reduce(&lazy, m))), want);
                    assert_eq!(F::<C>::new_unchecked(BigInt(mul(&a, &b, m))), want);
                }
            }
        };
        let e = edges::<C>();
        for x in &e {
            for y in &e {
                check(x, y);
            }
        }
        let mut rng = ChaCha20Rng::seed_from_u64(31);
        for _ in 0..5_000 {
            check(&F::<C>::rand(&mut rng), &F::<C>::rand(&mut rng));
        }
        let (mut a, b) = (F::<C>::rand(&mut rng), F::<C>::rand(&mut rng));
        let mut lazy = a.0 .0;
        for _ in 0..10_000 {
            lazy = mul_lazy(&lazy, &plus_p(&b), m);
            a *= b;
            assert!(BigInt(lazy) < twice);
            assert_eq!(reduce(&lazy, m), a.0 .0);
        }
    }

    /// [`mul_wide`] against the `u128` schoolbook on edges and random
    /// limbs (all ones included); [`redc`] of a product is `ark-ff`'s
    /// product, of `p²` zero, and right up to `2p² − 1` (its bound).
    #[test]
    fn wide_products_and_their_reduction() {
        let e = edges::<FqConfig>();
        let mut rng = ChaCha20Rng::seed_from_u64(33);
        let ones = [u64::MAX; 4];
        assert_eq!(mul_wide(&ones, &ones), wide_const(&ones, &ones));
        for x in &e {
            for y in &e {
                let (a, b) = (x.0 .0, y.0 .0);
                assert_eq!(mul_wide(&a, &b), wide_const(&a, &b), "{x} · {y}");
                assert_eq!(
                    Fq::new_unchecked(BigInt(redc(&mul_wide(&a, &b), &FQ))),
                    *x * y
                );
            }
        }
        for _ in 0..20_000 {
            let (x, y) = (Fq::rand(&mut rng), Fq::rand(&mut rng));
            let (a, b) = (x.0 .0, y.0 .0);
            assert_eq!(mul_wide(&a, &b), wide_const(&a, &b));
            assert_eq!(
                Fq::new_unchecked(BigInt(redc(&mul_wide(&a, &b), &FQ))),
                x * y
            );
        }
        assert_eq!(redc(&FQ_P2, &FQ), [0; 4], "p² ≡ 0");
        let top = sub_wide(&add_wide(&FQ_P2, &FQ_P2), &{
            let mut one = [0u64; 8];
            one[0] = 1;
            one
        });
        let r = redc(&top, &FQ);
        assert!(below(&r, &FQ.p), "fully reduced");
        // redc(t) = t·R⁻¹ as limbs, so as an `Fq` (limbs = value·R) it is
        // the value t·R⁻² = −R⁻².
        let big_r = Fq::new_unchecked(<FqConfig as MontConfig<4>>::R2);
        let expect = -big_r.inverse().unwrap().square();
        assert_eq!(Fq::new_unchecked(BigInt(r)), expect, "2p² − 1 ≡ −1");
    }

    #[test]
    fn lazy_products_stay_below_twice_p() {
        lazy_matches::<FqConfig>(&FQ);
        lazy_matches::<FrConfig>(&FR);
    }

    #[test]
    fn sums_are_ark_ffs() {
        sums_match::<FqConfig>(&FQ);
        sums_match::<FrConfig>(&FR);
    }

    #[test]
    fn fq_product_is_ark_ffs() {
        matches::<FqConfig>(&FQ);
    }

    #[test]
    fn fr_product_is_ark_ffs() {
        matches::<FrConfig>(&FR);
    }

    #[test]
    fn fq2_karatsuba_and_sums_are_ark_ffs() {
        use crate::inv::Limbs;
        use ark_bn254::Fq2;
        let e = edges::<FqConfig>();
        let mut rng = ChaCha20Rng::seed_from_u64(28);
        let mut v: Vec<Fq2> = e
            .iter()
            .flat_map(|&a| e.iter().map(move |&b| Fq2::new(a, b)))
            .collect();
        v.extend((0..2_000).map(|_| Fq2::rand(&mut rng)));
        for (x, y) in v.iter().zip(v.iter().rev().chain(v.iter())) {
            assert_eq!(x.mul_fast(y), *x * y, "{x} · {y}");
            assert_eq!(x.mul_fast(x), x.square());
            assert_eq!(x.square_fast(), x.square());
            assert_eq!(x.add_fast(y), *x + y);
            assert_eq!(x.sub_fast(y), *x - y);
            assert_eq!(x.neg_if(true), -*x);
            assert_eq!(x.neg_if(false), *x);
            assert_eq!(x.c0.neg_if(true), -x.c0);
        }
    }
}
