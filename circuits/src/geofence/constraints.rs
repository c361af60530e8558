//! Geofence gadget: the arithmetic of [`super::Fence::check`] in R1CS.
//!
//! Cost: three range checks of 24 bits (75), one of 16 bits (17), four products (Δlon·lon_scale,
//! x², y², R²), one 89-bit range check of the slack (90): [`FENCE_COST`] = 186.
//! Assumes `lon_scale ≤ KLAT` (it comes from a registry leaf, validated by the
//! agency when it builds the registry); the positions, uncertainty and radius
//! may be arbitrary field elements.
use super::{DELTA_BITS, KLAT, RADIUS_BITS, SCALE_SHIFT, SLACK_BITS, UNC_BITS};
use crate::range::enforce_bits;
use ark_bn254::Fr;
use ark_r1cs_std::fields::{fp::FpVar, FieldVar};
use ark_relations::gr1cs::SynthesisError;

/// Constraints of one [`enforce_inside`].
pub const FENCE_COST: usize = 186;

/// An allocated fence (selected for a chip from its facility).
#[derive(Clone)]
pub struct FenceVar {
    /// Centre latitude, µdeg.
    pub lat: FpVar<Fr>,
    /// Centre longitude, µdeg.
    pub lon: FpVar<Fr>,
    /// Radius, m.
    pub radius_m: FpVar<Fr>,
    /// Longitude scale.
    pub lon_scale: FpVar<Fr>,
}

/// Enforces that `(lat, lon)` widened by `uncertainty_m` lies inside `fence`.
pub fn enforce_inside(
    fence: &FenceVar,
    lat: &FpVar<Fr>,
    lon: &FpVar<Fr>,
    uncertainty_m: &FpVar<Fr>,
) -> Result<(), SynthesisError> {
    let half = Fr::from(1u64 << (DELTA_BITS - 1));
    let dlat = lat - &fence.lat;
    let dlon = lon - &fence.lon;
    enforce_bits(&(&dlat + half), DELTA_BITS as usize)?;
    enforce_bits(&(&dlon + half), DELTA_BITS as usize)?;
    enforce_bits(uncertainty_m, UNC_BITS as usize)?;
    let r = &fence.radius_m - uncertainty_m;
    enforce_bits(&r, RADIUS_BITS as usize)?;
    let x = &dlon * &fence.lon_scale;
    let y = dlat * Fr::from(KLAT);
    let big_r = r * Fr::from(1u64 << SCALE_SHIFT);
    let slack = big_r.square()? - x.square()? - y.square()?;
    enforce_bits(&slack, SLACK_BITS as usize)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::Fence;
    use super::*;
    use crate::encoding::fr_from_i64;
    use ark_r1cs_std::alloc::AllocVar;
    use ark_relations::gr1cs::{ConstraintSystem, ConstraintSystemRef};

    /// The fence's four values as witnesses of `cs`.
    fn fence_var(cs: &ConstraintSystemRef<Fr>, f: &Fence) -> FenceVar {
        let w = |v: Fr| FpVar::new_witness(cs.clone(), || Ok(v)).unwrap();
        FenceVar {
            lat: w(fr_from_i64(f.lat)),
            lon: w(fr_from_i64(f.lon)),
            radius_m: w(Fr::from(f.radius_m)),
            lon_scale: w(Fr::from(f.lon_scale)),
        }
    }

    fn circuit_accepts(f: &Fence, lat: i64, lon: i64, unc: i64) -> bool {
        let cs = ConstraintSystem::<Fr>::new_ref();
        let w = |v: Fr| FpVar::new_witness(cs.clone(), || Ok(v)).unwrap();
        let fv = fence_var(&cs, f);
        enforce_inside(
            &fv,
            &w(fr_from_i64(lat)),
            &w(fr_from_i64(lon)),
            &w(fr_from_i64(unc)),
        )
        .unwrap();
        assert_eq!(cs.num_constraints(), FENCE_COST);
        crate::harness::satisfied(&cs).unwrap()
    }

    /// Native and gadget agree on and around the boundary, in every direction,
    /// and on out-of-range values.
    #[test]
    fn gadget_agrees_with_native_at_the_boundary() {
        let f = Fence::new(-33_860_000, 151_200_000, 750);
        for (dy, dx) in [(1i64, 0i64), (0, 1), (-1, 0), (0, -1), (1, 1), (-1, 1)] {
            for unc in [0i64, 25, 749, 750] {
                // Walk out until native says outside; check both sides.
                let mut k = 0i64;
                while f.check(f.lat + dy * k, f.lon + dx * k, unc as u64).is_ok() {
                    k += 1;
                }
                assert!(k > 0, "the centre itself is inside");
                assert!(
                    circuit_accepts(&f, f.lat + dy * (k - 1), f.lon + dx * (k - 1), unc),
                    "last unit inside"
                );
                assert!(
                    !circuit_accepts(&f, f.lat + dy * k, f.lon + dx * k, unc),
                    "outside by one unit"
                );
            }
        }
        // Uncertainty larger than the radius, a far point, a negative uncertainty,
        // and positions that would wrap the field: all rejected by both.
        assert!(f.check(f.lat, f.lon, 751).is_err());
        assert!(!circuit_accepts(&f, f.lat, f.lon, 751));
        assert!(!circuit_accepts(&f, f.lat, f.lon, -1));
        assert!(!circuit_accepts(&f, f.lat + (1 << 23), f.lon, 0));
        assert!(circuit_accepts(&f, f.lat, f.lon, 0));
    }

    #[test]
    fn position_that_wraps_the_field_is_rejected() {
        // Δlat = (p − 1)/2-ish: its square mod p is not a small number, but the
        // 24-bit range check must reject it before that matters.
        let f = Fence::new(0, 0, 1_000);
        let cs = ConstraintSystem::<Fr>::new_ref();
        let w = |v: Fr| FpVar::new_witness(cs.clone(), || Ok(v)).unwrap();
        let fv = fence_var(&cs, &f);
        let huge = -Fr::from(2u64).inverse_or_zero();
        enforce_inside(&fv, &w(huge), &w(Fr::from(0u64)), &w(Fr::from(0u64))).unwrap();
        assert!(!crate::harness::satisfied(&cs).unwrap());
    }

    use crate::harness::{Explained, RowRange, Snapshot, Unsatisfied};

    /// The fence gadget on witnesses; its rows recorded. The slack's range
    /// check is last: its 89 bits are the last 89 witnesses, their
    /// booleanity rows the 90 rows before the final recomposition row.
    fn snapshot(f: &Fence, lat: i64, lon: i64, unc: i64) -> (Snapshot, RowRange) {
        let cs = ConstraintSystem::<Fr>::new_ref();
        let w = |v: Fr| FpVar::new_witness(cs.clone(), || Ok(v)).unwrap();
        let fv = fence_var(&cs, f);
        let (lat, lon, unc) = (
            w(fr_from_i64(lat)),
            w(fr_from_i64(lon)),
            w(fr_from_i64(unc)),
        );
        let ((), rows) = RowRange::record(&cs, "geofence", || {
            enforce_inside(&fv, &lat, &lon, &unc).unwrap()
        });
        assert_eq!(rows.rows.len(), FENCE_COST);
        (Snapshot::of(&cs).unwrap().with_labels([rows.clone()]), rows)
    }

    /// A chip one µdeg outside: the slack `R² − x² − y²` is negative, i.e.
    /// `r − excess` in the field. Honestly only the slack's recomposition
    /// fails; a cheating prover who puts the whole wrapped slack in "bit" 0
    /// (and clears the others) gets past the recomposition and is stopped
    /// only by bit 0's booleanity row.
    #[test]
    fn hostile_wrapped_negative_slack_fails_at_a_booleanity_row() {
        let f = Fence::new(-33_860_000, 151_200_000, 750);
        let mut k = 0i64;
        while f.check(f.lat + k, f.lon, 10).is_ok() {
            k += 1;
        }
        let Err(crate::geofence::GeofenceError::Outside { excess }) = f.check(f.lat + k, f.lon, 10)
        else {
            panic!("one unit outside is Outside")
        };
        let (snap, rows) = snapshot(&f, f.lat + k, f.lon, 10);
        let bits = SLACK_BITS as usize;
        let recompose = rows.rows.end - 1;
        assert_eq!(
            snap.is_satisfied(),
            Err(Unsatisfied {
                row: recompose,
                name: Some("geofence".into())
            })
        );
        let bit = |j: usize| rows.witness(rows.witnesses.len() - bits + j);
        let mut edits = vec![(bit(0), -Fr::from(excess))];
        edits.extend((1..bits).map(|j| (bit(j), Fr::from(0u64))));
        let bool_row = recompose - bits;
        assert_eq!(snap.first_row_of(bit(0)), Some(bool_row));
        assert_eq!(snap.failing_rows(&edits), vec![bool_row]);
        // The last point inside satisfies every row.
        let (inside, _) = snapshot(&f, f.lat + k - 1, f.lon, 10);
        inside.is_satisfied().unwrap();
    }

    /// Uncertainty is a 16-bit value. With a 100 km fence, `radius − 2^16`
    /// still fits the radius check, so the only thing that refuses `2^16` is
    /// the 16-bit bound — natively (the `uncertainty_m >= 2^16` check) and in
    /// the gadget (the recomposition row of the uncertainty's range check,
    /// after Δlat's and Δlon's 25 rows each and its own 16 booleanity rows:
    /// the only row violated), while `2^16 − 1` passes both.
    #[test]
    fn uncertainty_of_2_to_the_16_fails_only_at_its_range_check() {
        let f = Fence::new(48_850_000, 2_350_000, 100_000);
        let max = (1i64 << UNC_BITS) - 1;
        f.check(f.lat, f.lon, max as u64).unwrap();
        let (snap, _) = snapshot(&f, f.lat, f.lon, max);
        snap.is_satisfied().unwrap();
        assert_eq!(
            f.check(f.lat, f.lon, 1 << UNC_BITS),
            Err(crate::geofence::GeofenceError::Uncertainty {
                uncertainty_m: 1 << UNC_BITS,
                radius_m: 100_000
            })
        );
        let (snap, rows) = snapshot(&f, f.lat, f.lon, max + 1);
        let delta_rows = DELTA_BITS as usize + 1;
        let unc_recompose = rows.rows.start + 2 * delta_rows + UNC_BITS as usize;
        assert_eq!(snap.failing_rows(&[]), vec![unc_recompose]);
    }

    /// Free variables of the gadget alone: none, except the fence's
    /// longitude scale for a chip on the centre's meridian (`Δlon = 0`), whose
    /// only row is `x = Δlon · lon_scale` — harmless, any scale gives `x = 0`.
    /// (In the shard circuit the scale is also bound by the registry leaf.)
    #[test]
    fn hostile_no_free_variables() {
        let f = Fence::new(48_850_000, 2_350_000, 1_000);
        for (dlat, dlon, unc) in [(0i64, 0i64, 0i64), (100, -200, 25), (-8_000, 300, 50)] {
            let (snap, _) = snapshot(&f, f.lat + dlat, f.lon + dlon, unc);
            snap.is_satisfied().unwrap();
            // Allocation order: lat, lon, radius, lon_scale, then the chip's.
            let lon_scale = ark_relations::gr1cs::Variable::witness(3);
            assert_eq!(snap.value(lon_scale), Some(Fr::from(f.lon_scale)));
            let why = match dlon {
                0 => Explained::new().var(lon_scale, "multiplied by Δlon = 0"),
                _ => Explained::new(),
            };
            snap.check_free(&why)
                .unwrap_or_else(|e| panic!("({dlat}, {dlon}, {unc}): {e}"));
        }
    }

    trait InvOrZero {
        fn inverse_or_zero(&self) -> Fr;
    }
    impl InvOrZero for Fr {
        fn inverse_or_zero(&self) -> Fr {
            use ark_ff::Field;
            self.inverse().unwrap_or_default()
        }
    }
}
