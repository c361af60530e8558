//! The registry loader: one rejection per invariant, each with its exact
//! reason — the geofence arithmetic, the tier table and the key checks of the
//! circuits rely on every one of them.
use ark_ec::{AffineRepr, CurveGroup};
use ark_ed_on_bn254::{EdwardsAffine, Fq};
use ark_ff::{AdditiveGroup, Field};
use zkcc_circuits::eddsa::{PointJson, SecretKey};
use zkcc_circuits::error::{EncodingError, InputError};
use zkcc_circuits::registry::{
    AuditorJson, ChipModelJson, FacilityJson, Registry, RegistryError, RegistryFile, MAX_TIER,
};
use zkcc_circuits::shard::fixtures::registry;

fn base() -> RegistryFile {
    let keys: Vec<SecretKey> = (0..2u8)
        .map(|i| SecretKey::from_seed([i + 1; 32]))
        .collect();
    registry(&keys).file
}

/// The base file after `edit`.
fn edited(edit: impl FnOnce(&mut RegistryFile)) -> RegistryFile {
    let mut f = base();
    edit(&mut f);
    f
}

fn invalid(f: RegistryFile) -> String {
    match Registry::from_file(f) {
        Err(RegistryError::Input(InputError::Invalid(m))) => m,
        Err(e) => panic!("expected Invalid, got {e}"),
        Ok(_) => panic!("accepted"),
    }
}

fn encoding(f: RegistryFile) -> (String, EncodingError) {
    match Registry::from_file(f) {
        Err(RegistryError::Input(InputError::Encoding { what, source })) => (what, source),
        Err(e) => panic!("expected Encoding, got {e}"),
        Ok(_) => panic!("accepted"),
    }
}

#[test]
fn the_fixture_registry_loads_and_its_tiers_come_from_the_table() {
    let r = Registry::from_file(base()).unwrap();
    let tiers: Vec<u64> = r.facilities.iter().map(|f| f.tier).collect();
    assert_eq!(tiers, [1, 1, 1, 2, 3, 1]); // FR DE US SG KP FR
    assert_eq!(r.tier_of("ZZ"), 2, "default tier");
    // Every field of the leaf is in the root: changing any changes it.
    let mut f = base();
    f.facilities[0].operator = "OTHER-DC".into();
    assert_ne!(Registry::from_file(f).unwrap().root, r.root);
    let mut f = base();
    f.country_tiers.insert("SG".into(), 1);
    assert_ne!(Registry::from_file(f).unwrap().root, r.root);
    let mut f = base();
    f.default_tier = 3;
    assert_ne!(Registry::from_file(f).unwrap().root, r.root);
}

#[test]
fn versions_and_unknown_fields() {
    let mut f = base();
    f.version = 1;
    assert!(matches!(
        Registry::from_file(f),
        Err(RegistryError::Version(1))
    ));
    let mut v = serde_json::to_value(base()).unwrap();
    v["extra"] = 1.into();
    match Registry::from_json(&v.to_string()) {
        Err(RegistryError::Json(e)) => {
            assert!(e.to_string().contains("unknown field `extra`"), "{e}")
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn facility_invariants() {
    // Duplicate id.
    assert_eq!(
        invalid(edited(|f| f.facilities[1].id = f.facilities[0].id.clone())),
        "facility \"FR-PAR-01\" appears twice"
    );
    // Bad id, operator and country labels.
    assert_eq!(
        encoding(edited(|f| f.facilities[0].id = String::new())),
        (
            "facility \"\" id".into(),
            EncodingError::BadLabel(String::new())
        )
    );
    assert_eq!(
        encoding(edited(|f| f.facilities[0].operator = "x".repeat(32))),
        (
            "facility \"FR-PAR-01\" operator".into(),
            EncodingError::BadLabel("x".repeat(32))
        )
    );
    assert_eq!(
        encoding(edited(|f| f.facilities[0].country = "fr".into())),
        (
            "facility \"FR-PAR-01\" country".into(),
            EncodingError::BadCountry("fr".into())
        )
    );
    // Centre out of range (the geofence's no-wrap bounds assume ±90°, ±180°).
    assert_eq!(
        invalid(edited(|f| {
            f.facilities[0] = FacilityJson::new("FR-PAR-01", "ACME-DC", "FR", 90_000_001, 0, 500);
        })),
        "facility \"FR-PAR-01\": centre out of range"
    );
    assert_eq!(
        invalid(edited(|f| {
            f.facilities[0] = FacilityJson::new("FR-PAR-01", "ACME-DC", "FR", 0, -180_000_001, 500);
        })),
        "facility \"FR-PAR-01\": centre out of range"
    );
    // Radius 0 and one over the bound; the bound itself loads.
    for r in [0, 100_001] {
        assert_eq!(
            invalid(edited(|f| f.facilities[0].radius_m = r)),
            "facility \"FR-PAR-01\": radius must be 1..=100000 m"
        );
    }
    let mut f = base();
    f.facilities[0].radius_m = 100_000;
    Registry::from_file(f).unwrap();
    // lon_scale two off (one off is rounding tolerance), and above KLAT.
    let s = base().facilities[0].lon_scale;
    assert_eq!(
        invalid(edited(|f| f.facilities[0].lon_scale = s + 2)),
        format!("facility \"FR-PAR-01\": lon_scale {} should be {s}", s + 2)
    );
    assert_eq!(
        invalid(edited(|f| {
            f.facilities[0] = FacilityJson::new("EQ-01", "ACME-DC", "FR", 0, 0, 500);
            f.facilities[0].lon_scale = 116_597;
        })),
        "facility \"EQ-01\": lon_scale 116597 should be 116596"
    );
}

#[test]
fn auditor_invariants() {
    assert_eq!(
        invalid(edited(|f| f.auditors[1].id = f.auditors[0].id.clone())),
        "auditor \"AUDITOR-0\" appears twice"
    );
    // The identity key (R = O, S = 0 would verify anything under it).
    assert_eq!(
        encoding(edited(
            |f| f.auditors[0].public_key = PointJson::from_point(&EdwardsAffine::zero())
        )),
        ("auditor \"AUDITOR-0\" key".into(), EncodingError::Identity)
    );
    // A key with a torsion component (order-2 point added).
    let t = EdwardsAffine::new_unchecked(Fq::ZERO, -Fq::ONE);
    let k = SecretKey::from_seed([1; 32]).public();
    assert_eq!(
        encoding(edited(|f| {
            f.auditors[0].public_key = PointJson::from_point(&(k.into_group() + t).into_affine());
        })),
        (
            "auditor \"AUDITOR-0\" key".into(),
            EncodingError::NotInSubgroup
        )
    );
    // Off the curve.
    assert_eq!(
        encoding(edited(|f| {
            f.auditors[0].public_key =
                PointJson::from_point(&EdwardsAffine::new_unchecked(k.x + Fq::ONE, k.y));
        })),
        (
            "auditor \"AUDITOR-0\" key".into(),
            EncodingError::NotOnCurve
        )
    );
    // Too many auditors for the tree.
    assert_eq!(
        invalid(edited(|f| {
            f.auditors = (0..17)
                .map(|i| AuditorJson {
                    id: format!("A-{i}"),
                    public_key: PointJson::from_point(&k),
                })
                .collect();
        })),
        "at most 1024 facilities, 16 auditors and 64 chip models fit the registry trees"
    );
}

#[test]
fn model_and_tier_invariants() {
    assert_eq!(
        invalid(edited(|f| {
            f.chip_models.push(ChipModelJson {
                name: "B200".into(),
                tpp: 1,
            });
        })),
        "chip model \"B200\" appears twice"
    );
    for tpp in [0, 1 << 32] {
        assert_eq!(
            invalid(edited(|f| f.chip_models[0].tpp = tpp)),
            "chip model \"H100-SXM\": tpp must be in 1..2^32"
        );
    }
    for t in [0, MAX_TIER + 1] {
        assert_eq!(
            invalid(edited(|f| f.default_tier = t)),
            format!("default tier must be 1..={MAX_TIER}")
        );
        assert_eq!(
            invalid(edited(|f| {
                f.country_tiers.insert("SG".into(), t);
            })),
            format!("country \"SG\": tier must be 1..={MAX_TIER}")
        );
    }
    assert_eq!(
        encoding(edited(|f| {
            f.country_tiers.insert("Sg".into(), 1);
        })),
        (
            "tier table country \"Sg\"".into(),
            EncodingError::BadCountry("Sg".into())
        )
    );
}

/// Evaluators and suites: a registry without them keeps its pre-lifecycle
/// root (the old form, pinned here by recomputing it); with them the root
/// takes the lifecycle form, which commits to every evaluator key and every
/// suite field, and which [`RegistryOpening::root`] recomputes.
#[test]
fn lifecycle_entries_are_committed_and_old_roots_are_unchanged() {
    use zkcc_circuits::evaluation::fixtures::{registry as lregistry, suite_json};
    use zkcc_circuits::evaluation::Direction;
    use zkcc_circuits::registry::{registry_root, RegistryOpening};
    use zkcc_circuits::Fr;
    let r = Registry::from_file(base()).unwrap();
    assert!(!r.has_lifecycle());
    let old_params = zkcc_circuits::poseidon::hash(&[
        Fr::from(r.file.policy_version),
        r.opening.models_root,
        r.opening.tiers_root,
        Fr::from(r.file.default_tier as u64),
    ]);
    assert_eq!(r.params_digest, old_params);
    assert_eq!(
        r.root,
        registry_root(r.facility_tree.root(), r.auditor_tree.root(), old_params)
    );
    assert_ne!(r.root, r.opening.root());

    let keys: Vec<SecretKey> = (0..2u8)
        .map(|i| SecretKey::from_seed([0x40 + i; 32]))
        .collect();
    let l = lregistry(3, &keys);
    assert!(l.has_lifecycle());
    assert_eq!(l.root, l.opening.root());
    let _: &RegistryOpening = &l.opening;
    // Every lifecycle field moves the root.
    let changed = |edit: &dyn Fn(&mut RegistryFile)| {
        let mut f = l.file.clone();
        edit(&mut f);
        Registry::from_file(f).unwrap().root
    };
    let k2 = SecretKey::from_seed([9; 32]);
    for root in [
        changed(&|f| f.evaluators[1].public_key = PointJson::from_point(&k2.public())),
        changed(&|f| f.evaluators[0].id = "EVAL-X".into()),
        changed(&|f| f.evaluators.pop().map(|_| ()).unwrap_or(())),
        changed(&|f| f.eval_suites[0].version = 2),
        changed(&|f| f.eval_suites[0].evals[1].threshold += 1),
        changed(&|f| f.eval_suites[0].evals[2].direction = Direction::AtMost),
        changed(&|f| f.eval_suites[0].evals[0].id = "CYBER-2".into()),
        changed(&|f| f.eval_suites[0].id = "OTHER".into()),
    ] {
        assert_ne!(root, l.root);
    }
    // Invariants.
    let mut f = l.file.clone();
    f.evaluators.push(f.evaluators[0].clone());
    assert_eq!(invalid(f), "evaluator \"EVAL-0\" appears twice");
    let mut f = l.file.clone();
    f.eval_suites.push(suite_json(2));
    assert_eq!(
        invalid(f),
        "evaluation suite \"FRONTIER-2026\" appears twice"
    );
    let mut f = l.file.clone();
    f.eval_suites[0].evals[1].threshold = 1 << 32;
    assert_eq!(
        invalid(f),
        "suite \"FRONTIER-2026\": eval \"BIO-UPLIFT\" threshold must be below 2^32"
    );
    let mut f = l.file.clone();
    f.eval_suites[0].evals.clear();
    assert_eq!(invalid(f), "suite \"FRONTIER-2026\": 1 to 64 evals");
    // The file round-trips through JSON, and an old file (no lifecycle keys) still parses.
    let text = serde_json::to_string(&l.file).unwrap();
    assert_eq!(Registry::from_json(&text).unwrap().root, l.root);
    let old = serde_json::to_string(&base()).unwrap();
    assert!(!old.contains("evaluators"));
    assert_eq!(Registry::from_json(&old).unwrap().root, r.root);
}

/// Importers and their home countries: committed in the root through the
/// parameter digest's country-table slot (a registry without them keeps its
/// root), validated (known country, listed once), and looked up by id.
#[test]
fn importers_are_committed_validated_and_optional() {
    use zkcc_circuits::registry::{countries_root, ImporterJson};
    use zkcc_circuits::Fr;
    let r = Registry::from_file(base()).unwrap();
    assert_eq!(r.home_country("ACME-DC"), Some("FR"));
    assert_eq!(r.home_country("OTHER-DC"), Some("DE"));
    assert_eq!(r.home_country("NOBODY"), None);
    let ir = r.importers_root.expect("the fixture lists importers");
    assert_eq!(
        r.opening.tiers_root,
        countries_root(r.tier_tree_root, Some(ir))
    );
    assert_ne!(r.opening.tiers_root, r.tier_tree_root);
    let params = zkcc_circuits::poseidon::hash(&[
        Fr::from(r.file.policy_version),
        r.opening.models_root,
        countries_root(r.tier_tree_root, Some(ir)),
        Fr::from(r.file.default_tier as u64),
    ]);
    assert_eq!(r.params_digest, params);

    // Without importers: the tier tree's root alone, the root of older files.
    let mut f = base();
    f.importers.clear();
    let old = Registry::from_file(f.clone()).unwrap();
    assert_eq!(old.importers_root, None);
    assert_eq!(old.opening.tiers_root, old.tier_tree_root);
    assert_ne!(old.root, r.root);
    let text = serde_json::to_string(&f).unwrap();
    assert!(
        !text.contains("importers"),
        "an empty section is not written"
    );
    assert_eq!(Registry::from_json(&text).unwrap().root, old.root);
    // With them, the file round-trips.
    let text = serde_json::to_string(&r.file).unwrap();
    assert!(text.contains(r#""importers":[{"id":"ACME-DC","home_country":"FR"}"#));
    assert_eq!(Registry::from_json(&text).unwrap().root, r.root);

    // Every importer field moves the root.
    let changed = |edit: &dyn Fn(&mut RegistryFile)| {
        let mut f = base();
        edit(&mut f);
        Registry::from_file(f).unwrap().root
    };
    for root in [
        changed(&|f| f.importers[0].home_country = "DE".into()),
        changed(&|f| f.importers[1].id = "THIRD-DC".into()),
        changed(&|f| f.importers.push(ImporterJson::new("THIRD-DC", "US"))),
        changed(&|f| {
            f.importers.pop();
        }),
    ] {
        assert_ne!(root, r.root);
    }

    // Invariants, each with its exact reason.
    assert_eq!(
        invalid(edited(|f| {
            f.importers.push(ImporterJson::new("ACME-DC", "DE"));
        })),
        "importer \"ACME-DC\" appears twice"
    );
    assert_eq!(
        invalid(edited(|f| f.importers[0].home_country = "ZZ".into())),
        "importer \"ACME-DC\": home country \"ZZ\" is not in country_tiers"
    );
    assert_eq!(
        encoding(edited(|f| f.importers[0].home_country = "fr".into())),
        (
            "importer \"ACME-DC\" home country".into(),
            EncodingError::BadCountry("fr".into())
        )
    );
    assert_eq!(
        encoding(edited(|f| f.importers[1].id = String::new())).0,
        "importer \"\" id"
    );
    // Unknown keys in an importer entry are refused.
    let text = serde_json::to_string(&r.file)
        .unwrap()
        .replace(r#""home_country":"FR""#, r#""home_country":"FR","tier":1"#);
    assert!(matches!(
        Registry::from_json(&text),
        Err(RegistryError::Json(_))
    ));
}
