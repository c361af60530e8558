//! The decision: verified claims of one importer and epoch, bound to one
//! commitment, through the agency's policy.
use crate::common;

use ark_bn254::Fr;
use common::*;
use zkcc_verifier::policy::{decide, ClaimFacts, Outcome, Policy, RejectedClaim};
use zkcc_verifier::{verify_bundle, VerifyError};

fn policy() -> Policy {
    Policy::from_json(include_str!("../data/policy.json")).unwrap()
}

fn cluster(cap: u64) -> ClaimFacts {
    ClaimFacts {
        claim: "cluster".into(),
        circuit_id: "ab".repeat(32),
        commitment: Fr::from(99u64),
        epoch: 7,
        cap: Some(cap),
    }
}

#[test]
fn quota_follows_the_guarantees_proven() {
    let p = policy();
    // A small proven cap in a tier-2 country: the small rule (the large one
    // is for tier 1 only).
    let r = decide(&p, "ACME-DC", "SG", 7, &[cluster(3000)], &[]).unwrap();
    assert_eq!(
        (r.decision.outcome, r.decision.quota_chips),
        (Outcome::Grant, 5000)
    );
    assert_eq!(r.decision.rule.as_deref(), Some("cluster-small"));
    // In tier 1 both rules are met (3000 ≤ 5000 ≤ 50000): the larger grant wins.
    let r = decide(&p, "ACME-DC", "FR", 7, &[cluster(3000)], &[]).unwrap();
    assert_eq!(
        (r.decision.quota_chips, r.decision.rule.as_deref()),
        (50000, Some("cluster-large"))
    );
    // A larger cap: only the large rule, tier 1 only.
    let r = decide(&p, "ACME-DC", "FR", 7, &[cluster(30000)], &[]).unwrap();
    assert_eq!(
        (r.decision.quota_chips, r.decision.access.as_str()),
        (50000, "attested-cluster-large")
    );
    let r = decide(&p, "ACME-DC", "SG", 7, &[cluster(30000)], &[]).unwrap();
    assert_eq!(r.decision.outcome, Outcome::Deny, "{:?}", r.reasons);
    assert!(r.reasons.iter().any(|s| s.contains("exceeds max_cap 5000")));
    assert!(r.reasons.iter().any(|s| s.contains("applies to tiers [1]")));
    // Every claim of the design: the top rule, limited by tier 2.
    let mut all: Vec<ClaimFacts> = ["compute_cap", "distribution", "tier_exclusion"]
        .iter()
        .map(|k| ClaimFacts {
            claim: k.to_string(),
            cap: None,
            ..cluster(0)
        })
        .collect();
    all.push(cluster(3000));
    let r = decide(&p, "ACME-DC", "FR", 7, &all, &[]).unwrap();
    assert_eq!(
        (r.decision.quota_chips, r.decision.rule.as_deref()),
        (100000, Some("cluster-compute-distribution"))
    );
    let r = decide(&p, "ACME-DC", "SG", 7, &all, &[]).unwrap();
    assert_eq!(r.decision.quota_chips, 20000);
    assert!(r
        .reasons
        .iter()
        .any(|s| s.contains("tier 2 limits the quota")));
    // An unlisted country gets the default tier; an embargoed tier gets nothing.
    assert_eq!(
        decide(&p, "X", "BR", 7, &[cluster(10)], &[])
            .unwrap()
            .country_tier,
        2
    );
    let r = decide(&p, "X", "KP", 7, &all, &[]).unwrap();
    assert_eq!(
        (r.decision.outcome, r.decision.quota_chips),
        (Outcome::Deny, 0)
    );
}

#[test]
fn no_verified_claim_is_a_denial_with_reasons() {
    let p = policy();
    let rej = RejectedClaim {
        claim: "bundle.json".into(),
        reason: "proof does not verify for this statement".into(),
    };
    let r = decide(&p, "ACME-DC", "FR", 7, &[], std::slice::from_ref(&rej)).unwrap();
    assert_eq!(r.decision.outcome, Outcome::Deny);
    assert_eq!(r.claims_rejected, vec![rej]);
    assert!(r.commitment.is_none());
    assert!(r.human().contains("DENY"));
    assert!(r
        .reasons
        .iter()
        .any(|s| s.contains("rule cluster-small: not met: requires cluster")));
}

#[test]
fn claims_must_bind_to_one_commitment_and_epoch() {
    let p = policy();
    let other = ClaimFacts {
        commitment: Fr::from(100u64),
        claim: "compute_cap".into(),
        ..cluster(1)
    };
    let err = decide(&p, "X", "FR", 7, &[cluster(1), other], &[]).unwrap_err();
    assert!(
        matches!(err, VerifyError::Binding(ref s) if s == &format!(
            "claim compute_cap names commitment 0x{:064x}, another names 0x{:064x}",
            100, 99
        )),
        "{err}"
    );
    let err = decide(&p, "X", "FR", 8, &[cluster(1)], &[]).unwrap_err();
    assert!(
        matches!(err, VerifyError::Binding(ref s)
            if s == "claim cluster is for epoch 7, the decision is for epoch 8"),
        "{err}"
    );
}

/// The golden policy with one edit, as JSON text.
fn edited(edit: impl FnOnce(&mut serde_json::Value)) -> String {
    let mut v: serde_json::Value =
        serde_json::from_str(include_str!("../data/policy.json")).unwrap();
    edit(&mut v);
    v.to_string()
}

/// The loader's reason for refusing `text` (its whole message).
fn refused(text: &str) -> String {
    match Policy::from_json(text) {
        Err(e @ VerifyError::Policy(_)) => e.to_string(),
        other => panic!("expected VerifyError::Policy, got {other:?}"),
    }
}

/// Serde's messages end in the position; the reason is what comes before.
fn refused_at(text: &str) -> String {
    let r = refused(text);
    match r.rfind(" at line ") {
        Some(i) => r[..i].to_string(),
        None => r,
    }
}

#[test]
fn policy_unknown_format_version() {
    assert_eq!(
        refused(&edited(|v| v["version"] = 2.into())),
        "policy: format version 2 is not supported (expected 1)"
    );
}

#[test]
fn policy_not_a_policy_object() {
    assert_eq!(
        refused_at("[]"),
        "policy: invalid length 0, expected struct Policy with 6 elements"
    );
    assert_eq!(refused_at("policy"), "policy: expected value");
}

#[test]
fn policy_unknown_field() {
    assert!(refused_at(&edited(|v| v["extra"] = 1.into()))
        .starts_with("policy: unknown field `extra`, expected one of `version`"));
}

#[test]
fn policy_unknown_claim_kind() {
    assert_eq!(
        refused(&edited(|v| v["rules"][0]["require"][0] = "clustr".into())),
        "policy: rule cluster-small: unknown claim kind \"clustr\""
    );
}

#[test]
fn policy_rule_requiring_nothing() {
    assert_eq!(
        refused(&edited(|v| v["rules"][0]["require"] = serde_json::json!([]))),
        "policy: rule cluster-small: requires no claim"
    );
}

#[test]
fn policy_duplicate_rule_id() {
    assert_eq!(
        refused(&edited(|v| v["rules"][1]["id"] = "cluster-small".into())),
        "policy: rule id \"cluster-small\" is empty or repeated"
    );
}

#[test]
fn policy_empty_rule_id() {
    assert_eq!(
        refused(&edited(|v| v["rules"][1]["id"] = "".into())),
        "policy: rule id \"\" is empty or repeated"
    );
}

#[test]
fn policy_country_in_a_tier_without_limits() {
    assert_eq!(
        refused(&edited(|v| v["country_tiers"]["FR"] = 9.into())),
        "policy: country FR is in tier 9, which has no limits"
    );
}

#[test]
fn policy_default_tier_without_limits() {
    assert_eq!(
        refused(&edited(|v| v["default_tier"] = 7.into())),
        "policy: default tier 7 has no limits"
    );
}

#[test]
fn policy_rule_for_a_tier_without_limits() {
    assert_eq!(
        refused(&edited(
            |v| v["rules"][1]["tiers"] = serde_json::json!([1, 5])
        )),
        "policy: rule cluster-large: tier 5 has no limits"
    );
}

#[test]
fn policy_tier_without_a_quota() {
    assert_eq!(
        refused_at(&edited(|v| v["tiers"]["2"] = serde_json::json!({}))),
        "policy: missing field `max_quota_chips`"
    );
}

#[test]
fn policy_country_code_not_alpha_2() {
    assert_eq!(
        refused(&edited(|v| v["country_tiers"]["France"] = 1.into())),
        "policy: country \"France\" is not an ISO 3166-1 alpha-2 code"
    );
    assert_eq!(
        refused(&edited(|v| v["country_tiers"]["fr"] = 1.into())),
        "policy: country \"fr\" is not an ISO 3166-1 alpha-2 code"
    );
}

#[test]
fn policy_country_listed_twice() {
    let text = include_str!("../data/policy.json").replace("\"KP\": 3", "\"KP\": 3, \"FR\": 3");
    assert_eq!(refused_at(&text), "policy: key \"FR\" appears twice");
}

#[test]
fn policy_tier_listed_twice() {
    let text = include_str!("../data/policy.json").replace(
        "\"3\": { \"max_quota_chips\": 0 }",
        "\"3\": { \"max_quota_chips\": 0 }, \"1\": { \"max_quota_chips\": 5 }",
    );
    assert_eq!(refused_at(&text), "policy: key \"1\" appears twice");
}

#[test]
fn policy_tier_key_not_canonical() {
    for key in ["01", "256", "one", "-1"] {
        assert_eq!(
            refused(&edited(
                |v| v["tiers"][key] = serde_json::json!({"max_quota_chips": 1})
            )),
            format!("policy: tier key {key:?} is not a number 0..=255")
        );
    }
}

#[test]
fn policy_max_cap_without_the_cluster_claim() {
    assert_eq!(
        refused(&edited(|v| {
            v["rules"][2]["require"] = serde_json::json!(["compute_cap"]);
            v["rules"][2]["max_cap"] = 10.into();
        })),
        "policy: rule cluster-compute-distribution: max_cap bounds the cluster claim, which it does not require"
    );
}

#[test]
fn policy_negative_quota() {
    assert_eq!(
        refused_at(&edited(|v| v["tiers"]["1"]["max_quota_chips"] = (-1).into())),
        "policy: invalid value: integer `-1`, expected u64"
    );
    assert_eq!(
        refused_at(&edited(
            |v| v["rules"][0]["grants"]["quota_chips"] = (-5000).into()
        )),
        "policy: invalid value: integer `-5000`, expected u64"
    );
}

#[test]
fn policy_quota_overflowing_64_bits() {
    let text = include_str!("../data/policy.json").replace(
        "\"max_quota_chips\": 100000",
        "\"max_quota_chips\": 18446744073709551616",
    );
    assert_eq!(
        refused_at(&text),
        "policy: invalid type: floating point `1.8446744073709552e+19`, expected u64"
    );
    // A fractional or exponent quota is not a number of chips either.
    let text = include_str!("../data/policy.json")
        .replace("\"quota_chips\": 5000", "\"quota_chips\": 5e3");
    assert_eq!(
        refused_at(&text),
        "policy: invalid type: floating point `5000.0`, expected u64"
    );
}

#[test]
fn policy_negative_or_overflowing_tier_number() {
    assert_eq!(
        refused_at(&edited(|v| v["country_tiers"]["FR"] = 256.into())),
        "policy: invalid value: integer `256`, expected u8"
    );
    assert_eq!(
        refused_at(&edited(|v| v["default_tier"] = (-1).into())),
        "policy: invalid value: integer `-1`, expected u8"
    );
}

#[test]
fn policy_grant_naming_no_access() {
    for access in ["", "none"] {
        assert_eq!(
            refused(&edited(
                |v| v["rules"][0]["grants"]["access"] = access.into()
            )),
            format!(
                "policy: rule cluster-small: grants access {access:?}, which names no access (\"none\" is the denial)"
            )
        );
    }
}

/// The policy must be the one the registry commits to.
#[test]
fn policy_version_must_be_the_registrys() {
    let p = policy();
    assert_eq!(p.policy_version, 1);
    p.check_registry_version(1).unwrap();
    let err = p.check_registry_version(3).unwrap_err();
    assert!(
        matches!(
            err,
            VerifyError::PolicyVersion {
                policy: 1,
                registry: 3
            }
        ),
        "{err}"
    );
    assert_eq!(
        err.to_string(),
        "policy version 1 is not the registry's policy version 3: no decision under a policy the registry does not commit to"
    );
}

/// End to end: a verified bundle, a decision, a JSON report that parses back.
#[test]
fn verified_bundle_ends_in_a_report() {
    let e = env();
    let st = e.fixtures[0].statement;
    let claim = verify_bundle(&e.vk, &bundle(0), &expect(&st)).unwrap();
    let r = decide(
        &policy(),
        &claim.importer,
        "DE",
        st.epoch,
        &[ClaimFacts::from(&claim)],
        &[],
    )
    .unwrap();
    assert_eq!(r.decision.outcome, Outcome::Grant);
    assert_eq!(
        r.commitment.as_deref(),
        Some(claim.commitment_hex().as_str())
    );
    assert_eq!(r.claims_verified[0].cap, Some(st.cap));
    let back: zkcc_verifier::policy::Report = serde_json::from_str(&r.to_json()).unwrap();
    assert_eq!(back, r);
    let text = r.human();
    assert!(text.starts_with("DECISION: GRANT ACME-DC"), "{text}");
}
