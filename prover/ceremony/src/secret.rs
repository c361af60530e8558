//! Secrets in memory: a contributor's secret scalar (the multiplier of `δ`)
//! and what is derived from it, overwritten as soon as they are used.
//!
//! arkworks' `Fr` does not implement `Zeroize`; [`wipe_fr`] overwrites its
//! Montgomery limbs with volatile writes (the `zeroize` crate), which the
//! compiler may not remove, and [`Secret`] does so when it is dropped. What
//! this cannot reach: copies the compiler makes in registers or on the stack
//! while the scalar is used (`Fr` is `Copy`), and the operating system's
//! swap. zkcc never writes a contribution's secret to a file.
use ark_bn254::Fr;
use zeroize::Zeroize;

/// Overwrites a scalar with zero (its BigInt limbs, by volatile writes).
pub fn wipe_fr(x: &mut Fr) {
    x.0 .0.zeroize();
}

/// A secret scalar, overwritten with zero when dropped (or by [`Secret::wipe`]).
pub struct Secret(Fr);

impl Secret {
    /// Takes ownership of a secret scalar.
    pub fn new(x: Fr) -> Self {
        Self(x)
    }

    /// The scalar, for the computation that needs it.
    pub fn expose(&self) -> &Fr {
        &self.0
    }

    /// Overwrites the scalar with zero now.
    pub fn wipe(&mut self) {
        wipe_fr(&mut self.0);
    }
}

impl Drop for Secret {
    fn drop(&mut self) {
        self.wipe();
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(…)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::{UniformRand, Zero};
    use rand::SeedableRng;

    /// Wiping leaves every limb zero: the value is gone, not just changed.
    #[test]
    fn wipe_overwrites_every_limb() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        let mut x = Fr::rand(&mut rng);
        assert!(
            x.0 .0.iter().all(|&l| l != 0),
            "a random scalar has 4 nonzero limbs"
        );
        wipe_fr(&mut x);
        assert_eq!(x.0 .0, [0u64; 4]);
        assert!(x.is_zero());
        let mut s = Secret::new(Fr::rand(&mut rng));
        assert!(!s.expose().is_zero());
        s.wipe();
        assert!(s.expose().is_zero());
        assert_eq!(format!("{s:?}"), "Secret(…)");
    }
}
