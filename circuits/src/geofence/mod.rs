//! Geofences: is a measured position, widened by its uncertainty, inside a
//! facility's circle?
//!
//! Positions are integer micro-degrees; radii and uncertainties whole metres.
//! Distances use the local equirectangular projection at the fence centre:
//!
//! ```text
//! y = Δlat · KLAT          x = Δlon · lon_scale            (units of 2^-20 m)
//! inside  ⇔  x² + y² ≤ ((radius − uncertainty) · 2^20)²  and  uncertainty ≤ radius
//! ```
//!
//! `KLAT = 116 596 ≈ 0.111 195 m/µdeg · 2^20` (mean Earth radius 6 371 008.8 m);
//! `lon_scale = round(KLAT · cos(centre latitude))` is computed by the agency
//! and published in the registry leaf, so the circuit needs no trigonometry.
//! The projection error is below 0.1 % for fences of a few kilometres away from
//! the poles; the agency sizes radii with that in mind.
//!
//! Bounds that make the integer arithmetic exact in the field (no wrap):
//! `|Δlat|, |Δlon| < 2^23` µdeg (≈ 8.4°) by a 24-bit range check of `Δ + 2^23`;
//! `0 ≤ uncertainty < 2^16` m, `0 ≤ radius − uncertainty < 2^24` m; `lon_scale ≤ KLAT < 2^17`. Then
//! `x² + y² < 2^81` and `R² < 2^88`, and the slack `R² − x² − y²` is checked to
//! lie in `[0, 2^89)`: a negative slack is ≈ r − 2^81 and fails.
use serde::{Deserialize, Serialize};

#[cfg(feature = "r1cs")]
pub mod constraints;

/// Metres per micro-degree of latitude, in units of 2^-20 m.
pub const KLAT: u64 = 116_596;
/// Fixed-point shift of the metric coordinates.
pub const SCALE_SHIFT: u32 = 20;
/// Width of the offset range check of `Δlat`, `Δlon`.
pub const DELTA_BITS: u32 = 24;
/// Width of the range check of `radius − uncertainty`.
pub const RADIUS_BITS: u32 = 24;
/// Width of the range check of the uncertainty (≤ 65 km).
pub const UNC_BITS: u32 = 16;
/// Width of the range check of the slack.
pub const SLACK_BITS: u32 = 89;

/// A circular geofence.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fence {
    /// Centre latitude, µdeg.
    pub lat: i64,
    /// Centre longitude, µdeg.
    pub lon: i64,
    /// Radius, metres.
    pub radius_m: u64,
    /// Metres per µdeg of longitude at the centre, units of 2^-20 m.
    pub lon_scale: u64,
}

/// Why a position is not inside a fence.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum GeofenceError {
    /// The position is more than 2^23 µdeg from the centre in latitude or longitude.
    #[error("position is more than 2^23 µdeg (≈ 8.4°) from the fence centre")]
    TooFar,
    /// The uncertainty exceeds the radius, or the radius is too large.
    #[error("uncertainty {uncertainty_m} m does not fit in radius {radius_m} m")]
    Uncertainty {
        /// Uncertainty.
        uncertainty_m: u64,
        /// Radius.
        radius_m: u64,
    },
    /// The widened position crosses the fence.
    #[error("position is {excess} (2^-40 m²) beyond the fence")]
    Outside {
        /// `x² + y² − R²` in 2^-40 m².
        excess: u128,
    },
    /// The fence's longitude scale is out of range.
    #[error("fence longitude scale {0} exceeds KLAT")]
    BadScale(u64),
}

/// `round(KLAT · cos(lat))` for a latitude in µdeg.
pub fn lon_scale_for(lat_udeg: i64) -> u64 {
    let c = ((lat_udeg as f64) * 1e-6).to_radians().cos();
    ((KLAT as f64) * c).round().max(0.0) as u64
}

impl Fence {
    /// A fence with the longitude scale computed for its centre.
    pub fn new(lat: i64, lon: i64, radius_m: u64) -> Self {
        Self {
            lat,
            lon,
            radius_m,
            lon_scale: lon_scale_for(lat),
        }
    }

    /// Checks the position with exactly the circuit's arithmetic; returns the slack.
    pub fn check(&self, lat: i64, lon: i64, uncertainty_m: u64) -> Result<u128, GeofenceError> {
        if self.lon_scale > KLAT {
            return Err(GeofenceError::BadScale(self.lon_scale));
        }
        let half = 1i128 << (DELTA_BITS - 1);
        let dlat = lat as i128 - self.lat as i128;
        let dlon = lon as i128 - self.lon as i128;
        if !(-half..half).contains(&dlat) || !(-half..half).contains(&dlon) {
            return Err(GeofenceError::TooFar);
        }
        if uncertainty_m >= 1 << UNC_BITS {
            return Err(GeofenceError::Uncertainty {
                uncertainty_m,
                radius_m: self.radius_m,
            });
        }
        let r = self.radius_m as i128 - uncertainty_m as i128;
        if !(0..1i128 << RADIUS_BITS).contains(&r) {
            return Err(GeofenceError::Uncertainty {
                uncertainty_m,
                radius_m: self.radius_m,
            });
        }
        let y = dlat * KLAT as i128;
        let x = dlon * self.lon_scale as i128;
        let big_r = r << SCALE_SHIFT;
        let slack = big_r * big_r - x * x - y * y;
        if slack < 0 {
            return Err(GeofenceError::Outside {
                excess: (-slack) as u128,
            });
        }
        debug_assert!(slack < 1i128 << SLACK_BITS);
        Ok(slack as u128)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scale_and_distance_are_sane() {
        assert_eq!(lon_scale_for(0), KLAT);
        // At 60° the scale halves.
        assert!((lon_scale_for(60_000_000) as i64 - (KLAT / 2) as i64).abs() <= 1);
        // 1 km north of the centre: 1000 m / 0.1111951 m ≈ 8993 µdeg.
        let f = Fence::new(48_850_000, 2_350_000, 1_000);
        assert!(f.check(48_850_000 + 8_993, 2_350_000, 0).is_ok());
        assert!(matches!(
            f.check(48_850_000 + 8_994, 2_350_000, 0),
            Err(GeofenceError::Outside { .. })
        ));
        assert!(matches!(
            f.check(48_850_000, 2_350_000, 1_001),
            Err(GeofenceError::Uncertainty { .. })
        ));
        assert!(matches!(
            f.check(48_850_000 + (1 << 23), 2_350_000, 0),
            Err(GeofenceError::TooFar)
        ));
    }
}
