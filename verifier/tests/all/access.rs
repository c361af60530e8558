//! The access policy of the accountable statement: verified facts in, a
//! decision out. No proofs here: the facts are those a verified submission
//! carries (`tests/fleet.rs` decides on real ones).
use crate::fleet_env;

use ark_bn254::Fr;
use fleet_env::{registry, registry_v, strict_rules, POLICY_VERSION};
use zkcc_circuits::encoding::encode_country;
use zkcc_circuits::request::Rules;
use zkcc_verifier::access::{
    decide, rejected, Outcome, Policy, Report, Requirements, SAMPLE_ACCESS_POLICY,
};
use zkcc_verifier::fleet::VerifiedSubmission;
use zkcc_verifier::submission::{RequestFile, RulesJson};
use zkcc_verifier::VerifyError;

/// Facts as the honest fleet proves them (home FR, tier 1).
fn facts(rules: Rules) -> VerifiedSubmission {
    VerifiedSubmission {
        importer: "ACME-DC".into(),
        epoch: 7,
        commitment: Fr::from(42u64),
        shards: 2,
        facilities: 4,
        ledger_chips: 8,
        ledger_tpp: 200_000,
        rules,
        nonce: Fr::from(5u64),
        registry_root: registry().root,
        ledger_digest: Fr::from(9u64),
        shard_circuit_id: "s".into(),
        request_circuit_id: "r".into(),
        delay_day: None,
    }
}

fn home(code: &str) -> Rules {
    Rules {
        home_country: encode_country(code).unwrap(),
        ..strict_rules()
    }
}

fn sample() -> Policy {
    Policy::from_json(SAMPLE_ACCESS_POLICY).unwrap()
}

fn run(p: &Policy, f: &VerifiedSubmission) -> Report {
    decide(p, registry(), f).unwrap()
}

fn policy_error(text: &str) -> String {
    match Policy::from_json(text) {
        Err(VerifyError::Policy(m)) => m,
        Err(e) => panic!("expected a policy error, got {e}"),
        Ok(_) => panic!("the policy must be refused"),
    }
}

#[test]
fn the_sample_policy_is_valid_and_matches_the_sample_registry_version() {
    let p = sample();
    assert_eq!(p.policy_version, POLICY_VERSION);
    assert_eq!(Policy::from_json(&p.to_json()).unwrap(), p);
    for r in &p.rules {
        assert!(r.require.min_facilities >= 1 && r.require.min_ledger_chips >= 1);
    }
}

#[test]
fn the_sample_grants_by_home_tier() {
    let p = sample();
    // Tier 1 (FR, DE): the validated-end-user rule.
    for c in ["FR", "DE"] {
        let r = run(&p, &facts(home(c)));
        assert_eq!(r.tier, 1);
        assert_eq!(
            (r.decision.outcome, r.decision.quota_chips),
            (Outcome::Grant, 100_000),
            "{}",
            r.human()
        );
        assert_eq!(r.decision.rule.as_deref(), Some("validated-end-user"));
        assert!(r.human().starts_with("DECISION: GRANT ACME-DC"));
    }
    // Tier 2 (SG, and BR by the registry's default): attested-fleet only.
    for c in ["SG", "BR"] {
        let r = run(&p, &facts(home(c)));
        assert_eq!(r.tier, 2);
        assert_eq!(r.decision.rule.as_deref(), Some("attested-fleet"));
        assert_eq!(r.decision.quota_chips, 5000);
        let veu = r
            .rules
            .iter()
            .find(|x| x.id == "validated-end-user")
            .unwrap();
        assert!(!veu.met);
        assert_eq!(
            veu.why,
            vec!["applies to tiers [1], not tier 2".to_string()]
        );
    }
    // Tier 3 (KP): a rule is met, but the tier may be granted nothing.
    let r = run(&p, &facts(home("KP")));
    assert_eq!(r.tier, 3);
    assert_eq!(r.decision.outcome, Outcome::Deny);
    assert_eq!(r.decision.rule.as_deref(), Some("attested-fleet"));
    assert!(r.reasons.iter().any(|x| x == "quota is 0: denied"));
    assert!(r.human().starts_with("DECISION: DENY ACME-DC"));
}

#[test]
fn nobody_ltd_is_denied_and_no_policy_may_grant_it() {
    let mut f = facts(strict_rules());
    f.importer = "Nobody Ltd".into();
    f.facilities = 0;
    f.ledger_chips = 0;
    f.ledger_tpp = 0;
    let r = run(&sample(), &f);
    assert_eq!(r.decision.outcome, Outcome::Deny);
    assert_eq!(r.decision.rule, None);
    for rule in &r.rules {
        assert!(!rule.met);
        assert_eq!(
            rule.why,
            vec![
                "facilities attested 0 < 1 required".to_string(),
                "ledger chips located 0 < 1 required".to_string()
            ]
        );
    }
    // A policy that would grant it is refused when loaded.
    let m = policy_error(&SAMPLE_ACCESS_POLICY.replacen(
        "\"min_facilities\": 1",
        "\"min_facilities\": 0",
        1,
    ));
    assert!(m.contains("min_facilities 0"), "{m}");
    let m = policy_error(&SAMPLE_ACCESS_POLICY.replacen(
        "\"min_ledger_chips\": 1",
        "\"min_ledger_chips\": 0",
        1,
    ));
    assert!(m.contains("min_ledger_chips 0"), "{m}");
}

#[test]
fn a_policy_version_other_than_the_registry_s_is_refused() {
    let p = sample();
    let reg = registry_v(POLICY_VERSION + 1);
    let mut f = facts(strict_rules());
    f.registry_root = reg.root;
    let e = decide(&p, &reg, &f).unwrap_err();
    assert!(
        matches!(
            e,
            VerifyError::PolicyVersion {
                policy: 3,
                registry: 4
            }
        ),
        "{e}"
    );
    let req = RequestFile {
        version: 2,
        importer: "ACME-DC".into(),
        epoch: 7,
        nonce: "0x05".into(),
        rules: RulesJson::from_rules(&strict_rules()),
        delay: None,
    };
    let e = rejected(&p, &reg, &req, &VerifyError::ProofRejected).unwrap_err();
    assert!(matches!(e, VerifyError::PolicyVersion { .. }), "{e}");
    // With the registry's version: a denial that says why.
    let r = rejected(&p, registry(), &req, &VerifyError::ProofRejected).unwrap();
    assert_eq!(r.decision.outcome, Outcome::Deny);
    assert!(r
        .human()
        .contains("submission rejected: proof does not verify"));
}

/// One rule with every requirement; facts exactly at every bound.
fn strict_policy() -> (Policy, VerifiedSubmission) {
    let req = Requirements {
        min_facilities: 4,
        min_ledger_chips: 8,
        max_facility_cap_chips: Some(100),
        max_facility_cap_tpp: Some(1_000_000),
        min_home_bp: Some(6000),
        max_other_bp: Some(2000),
        max_outside_tier1_bp: Some(500),
        max_tier: Some(2),
        max_total_cap_chips: Some(1000),
        max_total_cap_tpp: Some(50_000_000),
        evaluated_suite: None,
        max_deployment_tier: None,
        max_evaluation_age_days: None,
        delay_evidence: false,
    };
    let text = format!(
        r#"{{ "version": 2, "policy_version": 3,
             "tier_limits": [ {{ "tier": 1, "max_quota_chips": 7000 }}, {{ "tier": 2, "max_quota_chips": 7000 }} ],
             "rules": [ {{ "id": "all", "tiers": [1], "require": {},
                          "grants": {{ "access": "all", "quota_chips": 7000 }} }} ] }}"#,
        serde_json::to_string(&req).unwrap()
    );
    let p = Policy::from_json(&text).unwrap();
    let f = facts(Rules {
        facility_cap_chips: 100,
        facility_cap_tpp: 1_000_000,
        home_country: encode_country("FR").unwrap(),
        home_min_bp: 6000,
        other_max_bp: 2000,
        outside_tier1_max_bp: 500,
        max_tier: 2,
        total_cap_chips: 1000,
        total_cap_tpp: 50_000_000,
    });
    (p, f)
}

#[test]
fn every_requirement_one_step_past_its_bound_flips_the_decision() {
    let (p, at_bounds) = strict_policy();
    let r = run(&p, &at_bounds);
    assert_eq!(
        (r.decision.outcome, r.decision.quota_chips),
        (Outcome::Grant, 7000)
    );
    assert_eq!(r.rules[0].why.len(), 11, "{:?}", r.rules[0].why);

    type Edit = fn(&mut VerifiedSubmission);
    let cases: [(Edit, &str); 11] = [
        (|f| f.facilities -= 1, "facilities attested 3 < 4 required"),
        (
            |f| f.ledger_chips -= 1,
            "ledger chips located 7 < 8 required",
        ),
        (
            |f| f.rules.facility_cap_chips += 1,
            "proven facility cap (chips) 101 > 100 allowed",
        ),
        (
            |f| f.rules.facility_cap_tpp += 1,
            "proven facility cap (TPP) 1000001 > 1000000 allowed",
        ),
        (
            |f| f.rules.home_min_bp -= 1,
            "proven home share (bp) 5999 < 6000 required",
        ),
        (
            |f| f.rules.other_max_bp += 1,
            "proven other-country share (bp) 2001 > 2000 allowed",
        ),
        (
            |f| f.rules.outside_tier1_max_bp += 1,
            "proven outside-tier-1 share (bp) 501 > 500 allowed",
        ),
        (
            |f| f.rules.max_tier += 1,
            "proven highest tier 3 > 2 allowed",
        ),
        (
            |f| f.rules.total_cap_chips += 1,
            "proven total cap (chips) 1001 > 1000 allowed",
        ),
        (
            |f| f.rules.total_cap_tpp += 1,
            "proven total cap (TPP) 50000001 > 50000000 allowed",
        ),
        (
            |f| f.rules.home_country = encode_country("SG").unwrap(),
            "applies to tiers [1], not tier 2",
        ),
    ];
    for (edit, why) in cases {
        let mut f = at_bounds.clone();
        edit(&mut f);
        let r = run(&p, &f);
        assert_eq!(r.decision.outcome, Outcome::Deny, "{why}");
        assert_eq!(r.rules[0].why, vec![why.to_string()]);
    }
    // One step inside each bound still grants (a stricter proof meets a rule).
    let mut f = at_bounds.clone();
    f.facilities += 1;
    f.ledger_chips += 1;
    f.rules.facility_cap_chips -= 1;
    f.rules.home_min_bp += 1;
    f.rules.max_tier -= 1;
    assert_eq!(run(&p, &f).decision.outcome, Outcome::Grant);
}

#[test]
fn the_largest_met_quota_wins_capped_by_the_tier() {
    let text = r#"{ "version": 2, "policy_version": 3,
        "tier_limits": [ { "tier": 1, "max_quota_chips": 100000 }, { "tier": 2, "max_quota_chips": 20000 } ],
        "rules": [
          { "id": "small", "require": { "min_facilities": 1, "min_ledger_chips": 1 },
            "grants": { "access": "small", "quota_chips": 1000 } },
          { "id": "big", "require": { "min_facilities": 1, "min_ledger_chips": 1 },
            "grants": { "access": "big", "quota_chips": 50000 } },
          { "id": "unmet", "require": { "min_facilities": 99, "min_ledger_chips": 1 },
            "grants": { "access": "huge", "quota_chips": 90000 } } ] }"#;
    let p = Policy::from_json(text).unwrap();
    let r = run(&p, &facts(home("FR")));
    assert_eq!(r.decision.rule.as_deref(), Some("big"));
    assert_eq!(r.decision.quota_chips, 50_000);
    let r = run(&p, &facts(home("SG")));
    assert_eq!(r.decision.rule.as_deref(), Some("big"));
    assert_eq!(r.decision.quota_chips, 20_000);
    assert!(r
        .reasons
        .iter()
        .any(|x| x == "tier 2 limits the quota of rule big to 20000 chips"));
    // A tier the policy does not limit gets nothing (KP is tier 3).
    let r = run(&p, &facts(home("KP")));
    assert_eq!(r.decision.outcome, Outcome::Deny);
    assert!(
        r.reasons[1].contains("which the policy does not limit"),
        "{:?}",
        r.reasons
    );
}

#[test]
fn inconsistent_policies_are_refused_with_their_reason() {
    let base = SAMPLE_ACCESS_POLICY;
    for (from, to, expect) in [
        ("\"version\": 2", "\"version\": 1", "format version 1"),
        (
            "{ \"tier\": 2, \"max_quota_chips\": 20000 }",
            "{ \"tier\": 1, \"max_quota_chips\": 20000 }",
            "tier 1 is limited twice",
        ),
        (
            "\"id\": \"attested-fleet\"",
            "\"id\": \"validated-end-user\"",
            "empty or repeated",
        ),
        ("\"tiers\": [1]", "\"tiers\": [7]", "tier 7 has no limits"),
        (
            "\"min_home_bp\": 5000",
            "\"min_home_bp\": 10001",
            "min_home_bp exceeds",
        ),
        (
            "\"access\": \"attested-fleet\"",
            "\"access\": \"none\"",
            "names no access",
        ),
        (
            "\"max_tier\": 2",
            "\"max_tier\": 2, \"colour\": 1",
            "unknown field",
        ),
    ] {
        assert!(base.contains(from), "{from}");
        let m = policy_error(&base.replacen(from, to, 1));
        assert!(m.contains(expect), "{from} → {m}");
    }
}

#[test]
fn the_report_round_trips_and_reads_as_a_decision() {
    let r = run(&sample(), &facts(strict_rules()));
    let back: Report = serde_json::from_str(&r.to_json()).unwrap();
    assert_eq!(back, r);
    let h = r.human();
    assert!(h.contains("proven: all 8 ledger chips (TPP 200000) located exactly once, in 4 attested facilities (2 shards)"), "{h}");
    assert!(h.contains("rule attested-fleet: met"), "{h}");
    assert!(h.contains("rule validated-end-user: met"), "{h}");
}

/// The test registry with the lifecycle entries: two evaluators and suite
/// FRONTIER-2026 v1 (of three evals).
fn lifecycle_registry() -> zkcc_circuits::registry::Registry {
    let keys: Vec<_> = (0..2u8)
        .map(|i| zkcc_circuits::eddsa::SecretKey::from_seed([0x40 + i; 32]))
        .collect();
    let mut file = zkcc_circuits::evaluation::fixtures::registry(3, &keys).file;
    file.policy_version = POLICY_VERSION;
    zkcc_circuits::registry::Registry::from_file(file).unwrap()
}

const LIFECYCLE_POLICY: &str = r#"{ "version": 2, "policy_version": 3,
    "tier_limits": [ { "tier": 1, "max_quota_chips": 100000 } ],
    "rules": [
      { "id": "fleet", "require": { "min_facilities": 1, "min_ledger_chips": 1 },
        "grants": { "access": "fleet", "quota_chips": 1000 } },
      { "id": "frontier-lab",
        "require": { "min_facilities": 1, "min_ledger_chips": 1,
                     "evaluated_suite": "FRONTIER-2026", "max_deployment_tier": 1,
                     "max_evaluation_age_days": 365 },
        "grants": { "access": "frontier-lab", "quota_chips": 50000 } } ] }"#;

fn lifecycle_claims() -> (
    zkcc_verifier::lifecycle::VerifiedEvaluation,
    zkcc_verifier::lifecycle::VerifiedJurisdiction,
) {
    use zkcc_verifier::lifecycle::{VerifiedEvaluation, VerifiedJurisdiction};
    (
        VerifiedEvaluation {
            importer: "ACME-DC".into(),
            suite: "FRONTIER-2026".into(),
            suite_version: 1,
            evals: 3,
            deployment_date: 20261201,
            not_before: 20251215,
            model_commitment: "0x11".into(),
        },
        VerifiedJurisdiction {
            importer: "ACME-DC".into(),
            deployment: "CHAT-EU-1".into(),
            model_commitment: "0x11".into(),
            epoch: 7,
            max_tier: 1,
        },
    )
}

/// Decision date of the lifecycle tests.
const TODAY: u64 = 20261205;

/// The lifecycle policy, registry, fleet facts (strict rules) and the
/// honest pair of lifecycle claims, alone and as decided on [`TODAY`].
struct Lifecycle {
    p: Policy,
    reg: zkcc_circuits::registry::Registry,
    f: VerifiedSubmission,
    eval: zkcc_verifier::lifecycle::VerifiedEvaluation,
    dep: zkcc_verifier::lifecycle::VerifiedJurisdiction,
    honest: zkcc_verifier::access::LifecycleFacts,
}

fn lifecycle() -> Lifecycle {
    let (eval, dep) = lifecycle_claims();
    Lifecycle {
        p: Policy::from_json(LIFECYCLE_POLICY).unwrap(),
        reg: lifecycle_registry(),
        f: facts(strict_rules()),
        honest: zkcc_verifier::access::LifecycleFacts {
            decision_date: TODAY,
            evaluations: vec![eval.clone()],
            jurisdictions: vec![dep.clone()],
        },
        eval,
        dep,
    }
}

/// AI lifecycle requirements: a rule that requires an evaluated model and a
/// deployment of it in tier ≤ 1 is met only with both claims, for this
/// importer, naming the same model commitment; the report lists them.
#[test]
fn lifecycle_requirements_need_both_claims_tied_by_the_model_commitment() {
    use zkcc_verifier::access::{decide_with, LifecycleFacts};
    use zkcc_verifier::lifecycle::{VerifiedEvaluation, VerifiedJurisdiction};
    let Lifecycle {
        p,
        reg,
        f,
        eval,
        dep,
        honest: both,
    } = lifecycle();
    let r = decide_with(&p, &reg, &f, &both).unwrap();
    assert_eq!(r.decision.rule.as_deref(), Some("frontier-lab"));
    assert_eq!(r.decision.quota_chips, 50000);
    assert!(r.human().contains("proven (evaluation): model 0x11"));
    assert!(r
        .human()
        .contains("proven (jurisdiction): deployment CHAT-EU-1"));
    assert!(r.to_json().contains("\"lifecycle\""));
    // Without lifecycle claims the report is as before (no lifecycle key).
    let r = decide_with(&p, &reg, &f, &LifecycleFacts::default()).unwrap();
    assert_eq!(r.decision.rule.as_deref(), Some("fleet"));
    assert!(!r.to_json().contains("\"lifecycle\""));

    let fails = |l: LifecycleFacts, why: &str| {
        let r = decide_with(&p, &reg, &f, &l).unwrap();
        assert_eq!(r.decision.rule.as_deref(), Some("fleet"), "{why}");
        assert!(
            r.rules[1].why.iter().any(|w| w.contains(why)),
            "{:?}",
            r.rules[1].why
        );
    };
    // Only one of the two.
    fails(
        LifecycleFacts {
            jurisdictions: vec![],
            ..both.clone()
        },
        "no deployment of an evaluated model",
    );
    fails(
        LifecycleFacts {
            evaluations: vec![],
            ..both.clone()
        },
        "no model proven to pass suite FRONTIER-2026",
    );
    // A deployment of another model.
    fails(
        LifecycleFacts {
            jurisdictions: vec![VerifiedJurisdiction {
                model_commitment: "0x12".into(),
                ..dep.clone()
            }],
            ..both.clone()
        },
        "no deployment of an evaluated model",
    );
    // Stores allowed up to tier 2 only.
    fails(
        LifecycleFacts {
            jurisdictions: vec![VerifiedJurisdiction {
                max_tier: 2,
                ..dep.clone()
            }],
            ..both.clone()
        },
        "tier ≤ 1",
    );
    // Another suite, another importer's claims.
    fails(
        LifecycleFacts {
            evaluations: vec![VerifiedEvaluation {
                suite: "OTHER".into(),
                ..eval.clone()
            }],
            ..both.clone()
        },
        "no model proven to pass suite FRONTIER-2026",
    );
    fails(
        LifecycleFacts {
            evaluations: vec![VerifiedEvaluation {
                importer: "OTHER-DC".into(),
                ..eval.clone()
            }],
            jurisdictions: vec![VerifiedJurisdiction {
                importer: "OTHER-DC".into(),
                ..dep
            }],
            ..both
        },
        "no model proven to pass suite FRONTIER-2026",
    );
}

/// Stale lifecycle claims earn nothing: a jurisdiction proof of an earlier
/// epoch, an evaluation of another suite version than the registry's, an
/// evaluation whose results may be older than the rule's window at the
/// decision date (or no decision date at all). Each alone turns the
/// honest pair's grant into the fleet rule's; the reasons say why.
#[test]
fn stale_lifecycle_claims_are_set_aside() {
    use zkcc_verifier::access::{decide_with, LifecycleFacts};
    use zkcc_verifier::lifecycle::{VerifiedEvaluation, VerifiedJurisdiction};
    let Lifecycle {
        p,
        reg,
        f,
        eval,
        dep,
        honest,
    } = lifecycle();
    let decide = |l: &LifecycleFacts| decide_with(&p, &reg, &f, l).unwrap();
    assert_eq!(
        decide(&honest).decision.rule.as_deref(),
        Some("frontier-lab")
    );
    // Exactly 365 days: 2025-12-05 → 2026-12-05 is inside.
    let edge = LifecycleFacts {
        evaluations: vec![VerifiedEvaluation {
            not_before: 20251205,
            ..eval.clone()
        }],
        ..honest.clone()
    };
    assert_eq!(decide(&edge).decision.rule.as_deref(), Some("frontier-lab"));

    let stale = |l: LifecycleFacts, rule_why: &str, reason: Option<&str>| {
        let r = decide(&l);
        assert_eq!(r.decision.rule.as_deref(), Some("fleet"), "{rule_why}");
        assert!(
            r.rules[1].why.iter().any(|w| w.contains(rule_why)),
            "{:?}",
            r.rules[1].why
        );
        if let Some(reason) = reason {
            assert!(
                r.reasons.iter().any(|w| w.contains(reason)),
                "{:?}",
                r.reasons
            );
        }
    };
    // A jurisdiction proof of epoch 6 for a decision on epoch 7.
    stale(
        LifecycleFacts {
            jurisdictions: vec![VerifiedJurisdiction {
                epoch: 6,
                ..dep.clone()
            }],
            ..honest.clone()
        },
        "in epoch 7",
        Some("it is for epoch 6, the decision for epoch 7"),
    );
    // An evaluation of suite version 2 (the registry lists v1).
    stale(
        LifecycleFacts {
            evaluations: vec![VerifiedEvaluation {
                suite_version: 2,
                ..eval.clone()
            }],
            ..honest.clone()
        },
        "no model proven to pass suite FRONTIER-2026",
        Some("it passed suite FRONTIER-2026 v2, the registry lists v1"),
    );
    // Results possibly 366 days old at the decision date.
    stale(
        LifecycleFacts {
            evaluations: vec![VerifiedEvaluation {
                not_before: 20251204,
                ..eval.clone()
            }],
            ..honest.clone()
        },
        "no model proven to pass suite FRONTIER-2026 with results at most 365 days old on 20261205",
        None,
    );
    // The same honest pair judged two years later.
    stale(
        LifecycleFacts {
            decision_date: 20281205,
            ..honest.clone()
        },
        "at most 365 days old on 20281205",
        None,
    );
    // No decision date: no evaluation can be judged fresh.
    stale(
        LifecycleFacts {
            decision_date: 0,
            ..honest
        },
        "no model proven to pass suite FRONTIER-2026",
        None,
    );
}

/// A rule that requires a lifecycle claim must say how old an evaluation
/// may be.
#[test]
fn a_lifecycle_rule_without_an_age_window_is_refused() {
    for require in [
        r#""evaluated_suite": "FRONTIER-2026""#,
        r#""max_deployment_tier": 1"#,
    ] {
        let text = format!(
            r#"{{ "version": 2, "policy_version": 3,
            "tier_limits": [ {{ "tier": 1, "max_quota_chips": 100000 }} ],
            "rules": [ {{ "id": "lab",
                "require": {{ "min_facilities": 1, "min_ledger_chips": 1, {require} }},
                "grants": {{ "access": "lab", "quota_chips": 5 }} }} ] }}"#
        );
        let e = Policy::from_json(&text).unwrap_err();
        assert!(e.to_string().contains("max_evaluation_age_days"), "{e}");
    }
}
