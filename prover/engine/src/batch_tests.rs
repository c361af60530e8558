//! The check every vector path of the batch-affine additions passes
//! ([`crate::ifma`], [`crate::avx2`]): one test body, the path handed in.
use ark_ec::short_weierstrass::{Affine, Projective, SWCurveConfig};
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{Field, UniformRand};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

/// Batches of each length of `lens` on `P` (around the path's group size),
/// applied by `apply` (`acc[b] += p` for each `(b, p)` of the batch), against
/// the chord formulas in `ark-ff` arithmetic, with opposite-y pairs; then
/// on-curve sums against `ark-ec`'s group law.
pub fn batches_match<P: SWCurveConfig>(
    seed: u64,
    lens: &[usize],
    mut apply: impl FnMut(&mut [Affine<P>], &[(u32, Affine<P>)]),
) where
    P::BaseField: UniformRand,
{
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let rand_pt = |rng: &mut ChaCha20Rng| Projective::<P>::rand(rng).into_affine();
    for &len in lens {
        let mut acc: Vec<Affine<P>> = (0..len + 3).map(|_| rand_pt(&mut rng)).collect();
        let todo: Vec<(u32, Affine<P>)> = (0..len)
            .map(|i| {
                let p = if i % 5 == 0 {
                    // The bucket's y up to sign, another x.
                    let q = acc[i + 1];
                    let x = P::BaseField::rand(&mut rng);
                    Affine::new_unchecked(x, if i % 2 == 0 { q.y } else { -q.y })
                } else {
                    rand_pt(&mut rng)
                };
                ((i + 1) as u32, p)
            })
            .collect();
        let want: Vec<Affine<P>> = acc
            .iter()
            .enumerate()
            .map(|(b, a)| match todo.iter().find(|(t, _)| *t as usize == b) {
                Some((_, p)) => {
                    let l = (p.y - a.y) * (p.x - a.x).inverse().unwrap();
                    let x3 = l.square() - a.x - p.x;
                    Affine::new_unchecked(x3, l * (a.x - x3) - a.y)
                }
                None => *a,
            })
            .collect();
        apply(&mut acc, &todo);
        assert_eq!(acc, want, "batch of {len}");
    }
    let a: Vec<Affine<P>> = (0..20).map(|_| rand_pt(&mut rng)).collect();
    let p: Vec<Affine<P>> = (0..20).map(|_| rand_pt(&mut rng)).collect();
    let mut acc = a.clone();
    let todo: Vec<(u32, Affine<P>)> = p.iter().enumerate().map(|(i, q)| (i as u32, *q)).collect();
    apply(&mut acc, &todo);
    for i in 0..20 {
        assert_eq!(acc[i], (a[i] + p[i]).into_affine());
        assert!(acc[i].is_on_curve() && !acc[i].is_zero());
    }
}
