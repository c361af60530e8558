//! An auditor's attempts to forge the delay claim, kept as tests: each
//! documents an attack that is refused (or, for the coverage table, a
//! weakness found and fixed: the fence's extent at high latitude).
use ark_ff::Zero;
use ark_relations::gr1cs::ConstraintSystem;
use zkcc_circuits::delay::constraints::{self as dc, DelayCircuit};
use zkcc_circuits::delay::fixtures::{landmark_keys, registry_with_landmarks, DelayFleet};
use zkcc_circuits::delay::{idents_digest, rtts_digest, Batch, DelayWitness};
use zkcc_circuits::eddsa::{PointJson, SecretKey};
use zkcc_circuits::geofence::{Fence, KLAT, SCALE_SHIFT};
use zkcc_circuits::registry::{
    distance_upper_bound_m, fence_extent_upper_bound_m, FacilityJson, LandmarkJson, Registry,
};
use zkcc_circuits::Fr;
use zkcc_test_support::fixtures::SHAPE;

/// The smallest radius of curvature of the WGS84 ellipsoid, b²/a (m): every
/// path on the ellipsoid is at least this radius times its angle on the
/// sphere of the same (geodetic) coordinates, so a great circle on this
/// sphere is a *lower* bound of the true distance.
const R_MIN_M: f64 = 6_335_439.0;

fn great_circle_lower_bound_m(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (la, lo, lb, lob) = (
        a.0.to_radians(),
        a.1.to_radians(),
        b.0.to_radians(),
        b.1.to_radians(),
    );
    let h =
        ((lb - la) / 2.0).sin().powi(2) + la.cos() * lb.cos() * ((lob - lo) / 2.0).sin().powi(2);
    2.0 * R_MIN_M * h.sqrt().min(1.0).asin()
}

/// The coverage table promises that the whole facility fence lies within
/// the landmark's accepted distance. The fence the shard circuit enforces is
/// the equirectangular projection at the centre: at high latitude, on its
/// equator side, it reaches farther than its radius. A review found that
/// `d + radius <= D` listed such pairs (75° N, 100 km: a fence point at least
/// 100,550 m from a landmark at its centre accepting 100,000 m); coverage now
/// adds the fence's extent (`fence_extent_upper_bound_m`). At several
/// latitudes, a landmark at the centre accepting exactly what coverage needs
/// is listed, and every point the fence accepts (searched along 3,600 rays)
/// lies within its distance on the ellipsoid; one accepting the bare radius
/// is not listed.
#[test]
fn coverage_lists_only_pairs_whose_whole_fence_is_in_range() {
    for lat in [0i64, 45_000_000, 75_000_000, -84_000_000] {
        coverage_at(lat);
    }
    // Near a pole the rounded longitude scale alone stretches the fence by
    // more than the margin: no bound, so no landmark covers it.
    let polar = 89_960_000;
    let scale = Fence::new(polar, 0, 10).lon_scale;
    assert!(scale < 100);
    assert!(fence_extent_upper_bound_m(polar, 10, scale).is_infinite());
    assert!(fence_extent_upper_bound_m(60_000_000, 10, 58_298).is_finite());
}

fn coverage_at(lat: i64) {
    let auditors: Vec<SecretKey> = (0..2u8)
        .map(|i| SecretKey::from_seed([i + 1; 32]))
        .collect();
    let mut file = registry_with_landmarks(&auditors, &landmark_keys()).file;
    // Facility 0 moved to `lat` with the largest radius the registry allows.
    let (lon, radius) = (10_000_000i64, 100_000u64);
    let f0 = file.facilities[0].clone();
    file.facilities[0] = FacilityJson::new(&f0.id, &f0.operator, &f0.country, lat, lon, radius);
    // A landmark at the fence's centre, accepting exactly what coverage needs.
    let scale = Fence::new(lat, lon, radius).lon_scale;
    let need = distance_upper_bound_m((lat, lon), (lat, lon))
        + fence_extent_upper_bound_m(lat, radius, scale);
    let d_max = need.ceil() as u64;
    // LM-ARC, at the fence's centre, accepting `max_distance_m`.
    let arc = |max_distance_m| LandmarkJson {
        id: "LM-ARC".into(),
        country: "NO".into(),
        lat_udeg: lat,
        lon_udeg: lon,
        max_distance_m,
        public_key: PointJson::from_point(&SecretKey::from_seed([0x77; 32]).public()),
    };
    let mut bare = file.clone();
    bare.landmarks.push(arc(radius));
    let bare = Registry::from_file(bare).unwrap();
    assert!(
        bare.coverage_index(0, bare.landmark_index("LM-ARC").unwrap())
            .is_none(),
        "lat {lat}: a landmark accepting the bare radius covers the fence"
    );
    file.landmarks.push(arc(d_max));
    let reg = Registry::from_file(file).unwrap();
    let li = reg.landmark_index("LM-ARC").unwrap();
    assert!(
        reg.coverage_index(0, li).is_some(),
        "lat {lat}: the registry lists (facility 0, LM-ARC) in its coverage"
    );

    // The fence as the shard circuit checks it; the farthest accepted point.
    let fence = Fence::new(lat, lon, radius);
    let m_per_udeg_lat = KLAT as f64 / (1u64 << SCALE_SHIFT) as f64;
    let m_per_udeg_lon = fence.lon_scale as f64 / (1u64 << SCALE_SHIFT) as f64;
    let mut worst = (0.0f64, (0i64, 0i64));
    for step in 0..3600 {
        let t = (step as f64 / 10.0).to_radians();
        // Largest projected radius along the ray that the fence accepts.
        let (mut lo_s, mut hi_s) = (0.0f64, 2.0 * radius as f64);
        let at = |s: f64| {
            (
                lat + (s * t.cos() / m_per_udeg_lat).round() as i64,
                lon + (s * t.sin() / m_per_udeg_lon).round() as i64,
            )
        };
        for _ in 0..60 {
            let mid = (lo_s + hi_s) / 2.0;
            let p = at(mid);
            if fence.check(p.0, p.1, 0).is_ok() {
                lo_s = mid;
            } else {
                hi_s = mid;
            }
        }
        let p = at(lo_s);
        assert!(fence.check(p.0, p.1, 0).is_ok());
        let d = great_circle_lower_bound_m(
            (lat as f64 * 1e-6, lon as f64 * 1e-6),
            (p.0 as f64 * 1e-6, p.1 as f64 * 1e-6),
        );
        if d > worst.0 {
            worst = (d, p);
        }
    }
    println!(
        "lat {lat}: LM-ARC accepts {d_max} m; fence point {:?} (µdeg) is at least {:.0} m from it",
        worst.1, worst.0
    );
    assert!(
        worst.0 <= d_max as f64,
        "lat {lat}: a covered pair whose fence reaches {:.0} m (a lower bound) from a landmark accepting {d_max} m: \
         coverage does not err towards leaving pairs out",
        worst.0
    );
}

/// Benign: the batch digest does not bind the number of entries
/// (zero-padded blocks of 10), so a landmark batch over fewer positions than
/// the slot holds (or more, all empty) signs the same digest. That is
/// harmless: a position it leaves out is an empty one (`e_i = 0`); leaving
/// out a ledger chip changes the digest and the circuit refuses.
#[test]
fn a_batch_over_fewer_positions_is_the_same_digest_but_cannot_skip_a_chip() {
    assert!(SHAPE.slot_chips < 10, "one block per slot in this shape");
    let f = DelayFleet::standard(SHAPE, 1);
    // A slot whose last position is not a ledger chip, with a ledger chip.
    let mut found = None;
    for (s, b) in f.batches.iter().enumerate() {
        for (j, x) in b.iter().enumerate() {
            if let Some((li, batch)) = x {
                let last = batch.entries.iter().rposition(|e| !e.0.is_zero()).unwrap();
                let better = last + 1 < SHAPE.slot_chips
                    && found
                        .as_ref()
                        .is_none_or(|x: &(usize, usize, usize, Batch, usize)| {
                            x.4 + 1 == SHAPE.slot_chips
                        });
                if found.is_none() || better {
                    found = Some((s, j, *li, batch.clone(), last));
                }
            }
        }
    }
    let (s, j, li, batch, last) = found.expect("an evidenced slot");
    let (st, w) = f.proofs[s].clone();
    let reg = &f.fleet.registry;
    let lm = reg.landmarks[li];
    let sat = |w: &DelayWitness| {
        let cs = ConstraintSystem::<Fr>::new_ref();
        dc::synthesize(DelayCircuit::with_witness(SHAPE, st, w.clone()), cs.clone()).unwrap();
        zkcc_circuits::harness::satisfied(&cs).unwrap()
    };
    assert!(sat(&w));

    // Trimmed to the last ledger chip, and extended with empty positions.
    for n in [last + 1, SHAPE.slot_chips + 3] {
        let mut entries = batch.entries.clone();
        entries.resize(n, (Fr::zero(), 0));
        let other = Batch { entries };
        assert_eq!(other.digest(), batch.digest(), "n = {n}");
        let mut w2 = w.clone();
        w2.evidence[j].rtts_digest = other.rtts();
        w2.evidence[j].signature = f.landmark_keys[li].sign(other.message(lm.id, f.day));
        assert!(
            sat(&w2),
            "a batch over {n} positions is accepted for the slot"
        );
    }
    // Trimmed before the last ledger chip: refused.
    let mut entries = batch.entries.clone();
    entries.truncate(last);
    let short = Batch { entries };
    assert_ne!(short.digest(), batch.digest());
    let mut w3 = w.clone();
    w3.evidence[j].rtts_digest = short.rtts();
    w3.evidence[j].max_rtt_ns = short.max_rtt();
    w3.evidence[j].signature = f.landmark_keys[li].sign(short.message(lm.id, f.day));
    assert!(!sat(&w3));
    // Across a block boundary the length does matter: [7] is one block,
    // [7, 0 × 10] two.
    let mut two = vec![Fr::from(7u64)];
    two.resize(11, Fr::zero());
    assert_ne!(idents_digest(&[Fr::from(7u64)]), idents_digest(&two));
    // (The round trips' digest does bind the length, but the circuit takes it
    // as an opaque value signed by the landmark.)
    assert_ne!(rtts_digest(&[1]), rtts_digest(&[1, 0]));
}
