//! The library's own checks, one module per source module (they were unit
//! tests; here they share the one integration-test build instead of a second
//! optimised build of the whole library: `[lib] test = false` in
//! `prover/Cargo.toml`). They use the public API only.

mod agency {
    use zkcc_circuits::registry::Registry;
    use zkcc_prover::ProverError;

    use zkcc_prover::agency::*;
    use zkcc_verifier::VerifyError;

    #[test]
    fn the_request_takes_the_home_country_from_the_registry() {
        let reg = Registry::from_file(zkcc_prover::sample::generate(1).registry).unwrap();
        let mut rules = serde_json::to_value(zkcc_prover::demo::sample_rules()).unwrap();
        // Left out: the registry's.
        rules.as_object_mut().unwrap().remove("home_country");
        let r = request_rules(&reg, "ACME-DC", rules.clone()).unwrap();
        assert_eq!(r.home_country, "FR");
        let r = request_rules(&reg, "OTHER-DC", rules.clone()).unwrap();
        assert_eq!(r.home_country, "US");
        // Another one named: refused, naming both.
        let mut de = rules.clone();
        de["home_country"] = "DE".into();
        let e = request_rules(&reg, "ACME-DC", de.clone()).unwrap_err();
        assert!(
            matches!(&e, ProverError::Verify(VerifyError::HomeCountry { registry, rules, .. })
                if registry == "FR" && rules == "DE"),
            "{e}"
        );
        // An unlisted importer: must name one, and no distribution rule.
        let e = request_rules(&reg, "UNLISTED-DC", rules).unwrap_err();
        assert!(
            e.to_string().contains("not in the registry's importers"),
            "{e}"
        );
        let e = request_rules(&reg, "UNLISTED-DC", de.clone()).unwrap_err();
        assert!(
            matches!(
                &e,
                ProverError::Verify(VerifyError::UnlistedImporter { .. })
            ),
            "{e}"
        );
        de["home_min_bp"] = 0.into();
        de["other_max_bp"] = 10_000.into();
        assert_eq!(
            request_rules(&reg, "UNLISTED-DC", de).unwrap().home_country,
            "DE"
        );
    }
}

mod ceremony {
    use zkcc_prover::keys::Circuit;

    use ark_bn254::Fr;
    use rand::SeedableRng;
    use zkcc_prover::ceremony::trust::{Phase1, Phase1Source};
    use zkcc_prover::ceremony::*;

    /// `verify` and `finalize` (the library calls the CLI makes) refuse a key
    /// with no contribution and a key with a beacon only, writing nothing;
    /// after one contribution and the beacon both pass, and the manifest says
    /// where phase 1 came from (here: an unpublished development file).
    #[test]
    fn verify_and_finalize_require_a_secret_contribution() {
        let circuit = Circuit::parse("request-1x1").unwrap();
        let bytes = ptau::Ptau::insecure_from_secrets(
            11,
            Fr::from(31u64),
            Fr::from(41u64),
            Fr::from(59u64),
            true,
        )
        .unwrap()
        .to_bytes();
        let mut rng = rand::rngs::StdRng::seed_from_u64(4);
        // The fixture is not published: refused unless development mode is asked for.
        assert!(matches!(
            Phase1::from_bytes(&bytes, Phase1Source::Published, &mut rng),
            Err(CeremonyError::UnpublishedPhase1 { .. })
        ));
        let p1 = Phase1::from_bytes(&bytes, Phase1Source::DevelopmentOnly, &mut rng).unwrap();
        let r1cs = r1cs_of(&circuit).unwrap();
        let z0 = init(&r1cs, &p1).unwrap();
        let tmp = tempfile::tempdir().unwrap();
        let no_secret = |r: zkcc_prover::Result<_>, beacons: usize| match r {
            Err(zkcc_prover::ProverError::Ceremony(CeremonyError::NoSecretContribution {
                beacons: b,
            })) => assert_eq!(b, beacons),
            Err(e) => panic!("wrong error: {e}"),
            Ok(_) => panic!("accepted a key without a secret contribution"),
        };
        no_secret(precheck(&circuit, &z0).map(|_| ()), 0);
        no_secret(verify(&r1cs, &p1, &z0).map(|_| ()), 0);
        no_secret(
            finalize(tmp.path(), &circuit, &p1, z0.clone(), r1cs.clone()).map(|_| ()),
            0,
        );
        let b = phase2::beacon(z0.clone(), &[5; 8], 10, None).unwrap();
        no_secret(precheck(&circuit, &b).map(|_| ()), 1);
        no_secret(verify(&r1cs, &p1, &b).map(|_| ()), 1);
        no_secret(
            finalize(tmp.path(), &circuit, &p1, b, r1cs.clone()).map(|_| ()),
            1,
        );
        assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 0);

        let z1 = phase2::contribute(z0, Some("lab"), &mut rng).unwrap();
        let z2 = phase2::beacon(z1, &[5; 8], 10, Some("beacon")).unwrap();
        // What the key alone shows is checked before phase 1: another
        // circuit's shape is refused.
        assert_eq!(precheck(&circuit, &z2).unwrap(), r1cs);
        let other = Circuit::parse("request-1x2").unwrap();
        match precheck(&other, &z2) {
            Err(zkcc_prover::ProverError::Ceremony(CeremonyError::WrongCircuit(_))) => {}
            r => panic!(
                "another circuit's key passed the precheck: {:?}",
                r.map(|_| ())
            ),
        }
        let v = verify(&r1cs, &p1, &z2).unwrap();
        assert_eq!(v.secret_contributions(), 1);
        let (m, v) = finalize(tmp.path(), &circuit, &p1, z2.clone(), r1cs).unwrap();
        assert!(v
            .trust_statement()
            .contains(&hex::encode(z2.contributions[0].hash())));
        assert!(
            m.setup.contains("2 contributions (1 secret)")
                && m.setup.contains("UNPUBLISHED DEVELOPMENT phase-1 file"),
            "{}",
            m.setup
        );
    }
}

mod demo_lifecycle {
    use zkcc_verifier::access::Policy;

    use zkcc_prover::demo_lifecycle::*;

    #[test]
    fn the_lifecycle_policy_is_the_sample_policy_and_the_lifecycle_rule() {
        let p = lifecycle_policy().unwrap();
        let sample = Policy::from_json(zkcc_verifier::access::SAMPLE_ACCESS_POLICY).unwrap();
        assert_eq!(p.rules.len(), sample.rules.len() + 1);
        assert_eq!(p.rules[..sample.rules.len()], sample.rules[..]);
        let rule = &p.rules[sample.rules.len()];
        assert_eq!(rule.id, "evaluated-frontier-lab");
        assert_eq!(rule.grants.quota_chips, 20_000);
        assert_eq!(
            rule.require.evaluated_suite.as_deref(),
            Some("FRONTIER-2026")
        );
        assert_eq!(Policy::from_json(&p.to_json()).unwrap(), p);
    }

    /// The too-old result of `zkcc demo lifecycle` is dated the day before
    /// the not-before date, a real date (it was once `NOT_BEFORE - 1`,
    /// 20251200, and the demo stopped there).
    #[test]
    fn the_too_old_result_is_dated_the_day_before_not_before() {
        use zkcc_circuits::evaluation::day_number;
        let (before, nb) = (
            day_number(DAY_BEFORE_NOT_BEFORE).unwrap(),
            day_number(NOT_BEFORE).unwrap(),
        );
        assert_eq!(before + 1, nb);
        assert!(day_number(DEPLOYMENT_DATE).unwrap() > nb);
    }
}

mod demo_location {
    /// The location policy is the sample's with `located-daily` added: it
    /// validates, requires delay evidence, and grants more than the attested
    /// fleet's rule.
    #[test]
    fn the_location_policy_rewards_daily_evidence() {
        let p = zkcc_prover::demo_location::location_policy().unwrap();
        let ids: Vec<&str> = p.rules.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(
            ids,
            ["attested-fleet", "located-daily", "validated-end-user"]
        );
        let (a, l) = (&p.rules[0], &p.rules[1]);
        assert!(l.require.delay_evidence && !a.require.delay_evidence);
        assert!(l.grants.quota_chips > a.grants.quota_chips);
    }
}

mod keys {
    use rand::SeedableRng;
    use zkcc_circuits::request::RequestShape;
    use zkcc_prover::keys::*;

    #[test]
    fn proving_key_loads_only_as_the_manifest_describes_it() {
        let dir = tempfile::tempdir().unwrap();
        let c = Circuit::Request(RequestShape::new(1, 1));
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(5);
        setup_circuit(dir.path(), &c, &mut rng).unwrap();
        let pk_path = KeyPaths::of(dir.path(), &c).pk;
        let good = std::fs::read(&pk_path).unwrap();
        let (pk, m) = load_proving_key_of(dir.path(), &c).unwrap();
        assert!(pk.is_consistent());
        assert_eq!(m.proving_key_bytes, good.len() as u64);

        let mut flipped = good.clone();
        let k = flipped.len() / 2;
        flipped[k] ^= 1;
        let mut longer = good.clone();
        longer.push(0);
        for (bad, why) in [
            (flipped, "one bit flipped"),
            (good[..good.len() - 1].to_vec(), "truncated"),
            (longer, "one byte appended"),
            (Vec::new(), "empty"),
        ] {
            std::fs::write(&pk_path, &bad).unwrap();
            let err = load_proving_key_of(dir.path(), &c).unwrap_err().to_string();
            assert!(err.contains("does not match its manifest"), "{why}: {err}");
        }
        std::fs::remove_file(&pk_path).unwrap();
        let err = load_proving_key_of(dir.path(), &c).unwrap_err().to_string();
        assert!(err.contains(&pk_path.display().to_string()), "{err}");
        std::fs::write(&pk_path, &good).unwrap();
        assert_eq!(load_proving_key_of(dir.path(), &c).unwrap().0, pk);
    }
}

mod sample {
    use zkcc_prover::sample::*;

    #[test]
    fn groups_add_up() {
        for total in [0usize, 1, 4, 5, 12, 999, 1000, 1001, 5000] {
            let g = groups_for(total);
            assert_eq!(g.iter().map(|x| x.1).sum::<usize>(), total, "{total}");
        }
        assert_eq!(groups_for(1000), SAMPLE_GROUPS.to_vec());
    }
}

mod landmark {
    use p384::ecdsa::SigningKey;
    use zkcc_prover::ProverError;

    use rand::rngs::OsRng;
    use zkcc_prover::landmark::*;

    #[test]
    fn key_files_hold_their_kind_only() {
        let k = SigningKey::random(&mut OsRng);
        let f = P384KeyFile::new(KIND_DEVICE, "SN-1", &k);
        assert_eq!(f.signing_key(KIND_DEVICE).unwrap(), k);
        assert!(matches!(
            f.signing_key(KIND_VENDOR),
            Err(ProverError::Keys(_))
        ));
        for bad in [
            "",
            "zz",
            &"00".repeat(48),
            &"ff".repeat(48),
            &"01".repeat(47),
        ] {
            let mut g = f.clone();
            g.secret = bad.into();
            assert!(
                matches!(g.signing_key(KIND_DEVICE), Err(ProverError::Keys(_))),
                "{bad}"
            );
        }
        let mut g = f.clone();
        g.version = 2;
        assert!(g.signing_key(KIND_DEVICE).is_err());
    }

    #[test]
    fn errors_keep_the_exit_code_contract() {
        let code = |e: LandmarkError| ProverError::from(e).exit_code();
        assert_eq!(code(LandmarkError::NotConnected("SN".into())), 1);
        assert_eq!(code(LandmarkError::Refused("no".into())), 1);
        assert_eq!(code(LandmarkError::Config("id".into())), 2);
        assert_eq!(code(LandmarkError::Network("reset".into())), 3);
        let slow = LandmarkError::TooSlow {
            serial: "SN-9".into(),
            ms: 54.0,
            km: 8094.6,
            accepted_km: 500.0,
        };
        assert_eq!(
            slow.to_string(),
            "chip SN-9: too slow: 54.000 ms allows 8095 km, the landmark accepts 500 km"
        );
    }
}

mod landmark_wire {
    use std::time::Duration;
    use tokio::io::BufReader;
    use zkcc_prover::landmark::LandmarkError;

    use zkcc_prover::landmark::wire::*;

    #[tokio::test]
    async fn lines_are_bounded_and_messages_strict() {
        let data: &[u8] = b"{\"type\":\"answer\",\"signature\":\"0x00\"}\nxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\npartial";
        let mut r = BufReader::new(data);
        let m = recv(&mut r, 40, Duration::from_secs(1)).await.unwrap();
        assert_eq!(
            m,
            Msg::Answer {
                signature: "0x00".into()
            }
        );
        let long = read_line(&mut r, 40).await.unwrap_err();
        assert!(long.to_string().contains("longer than 40"), "{long}");
        let mut r = BufReader::new(&b"partial"[..]);
        assert!(read_line(&mut r, 40).await.is_err());
        let mut r = BufReader::new(&b""[..]);
        assert!(read_line(&mut r, 40).await.unwrap().is_none());
        for bad in [
            &b"{\"type\":\"answer\",\"signature\":\"0x\",\"extra\":1}"[..],
            b"{\"type\":\"launch\"}",
            b"not json",
        ] {
            assert!(matches!(parse(bad), Err(LandmarkError::Protocol(_))));
        }
        assert_eq!(parse_nonce(&nonce_hex(&[9; 32])), Some([9; 32]));
        for bad in [
            "",
            "0x",
            "0x00",
            &format!("0x{}", "zz".repeat(32)),
            &"00".repeat(32),
        ] {
            assert_eq!(parse_nonce(bad), None);
        }
    }
}
