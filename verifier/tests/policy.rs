//! The decision: verified claims of one importer and epoch, bound to one
//! commitment, through the agency's policy.
mod common;

use ark_bn254::Fr;
use common::*;
use zkcc_verifier::policy::{decide, ClaimFacts, Outcome, Policy, RejectedClaim};
use zkcc_verifier::{verify_bundle, VerifyError};

fn policy() -> Policy {
    Policy::from_json(include_str!("data/policy.json")).unwrap()
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
    assert!(matches!(
        decide(&p, "X", "FR", 7, &[cluster(1), other], &[]),
        Err(VerifyError::Binding(_))
    ));
    assert!(matches!(
        decide(&p, "X", "FR", 8, &[cluster(1)], &[]),
        Err(VerifyError::Binding(_))
    ));
}

#[test]
fn bad_policies_are_rejected_with_a_reason() {
    let good: serde_json::Value = serde_json::from_str(include_str!("data/policy.json")).unwrap();
    type Edit = fn(&mut serde_json::Value);
    let cases: [(&str, Edit); 8] = [
        ("version", |v| v["version"] = 2.into()),
        ("unknown claim", |v| {
            v["rules"][0]["require"][0] = "clustr".into()
        }),
        ("repeated id", |v| {
            v["rules"][1]["id"] = "cluster-small".into()
        }),
        ("tier without limits", |v| {
            v["country_tiers"]["FR"] = 9.into()
        }),
        ("country code", |v| v["country_tiers"]["France"] = 1.into()),
        ("max_cap without cluster", |v| {
            v["rules"][2]["require"] = serde_json::json!(["compute_cap"])
        }),
        ("unknown field", |v| v["extra"] = 1.into()),
        ("tier key", |v| {
            v["tiers"]["01"] = serde_json::json!({"max_quota_chips": 1})
        }),
    ];
    for (what, edit) in cases {
        let mut v = good.clone();
        edit(&mut v);
        if what == "max_cap without cluster" {
            v["rules"][2]["max_cap"] = 10.into();
        }
        assert!(
            matches!(
                Policy::from_json(&v.to_string()),
                Err(VerifyError::Policy(_))
            ),
            "{what}"
        );
    }
    assert!(matches!(
        Policy::from_json("[]"),
        Err(VerifyError::Policy(_))
    ));
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
