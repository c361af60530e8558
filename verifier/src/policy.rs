//! The agency's policy: verified claims in, a decision out.
//!
//! A policy file (JSON, versioned) says which country tier each importer
//! country is in, the most a tier may ever be granted, and which combinations
//! of verified claims unlock which access and quota — access in proportion
//! to the guarantees proven:
//!
//! ```json
//! { "version": 1, "policy_version": 3,
//!   "country_tiers": { "FR": 1, "DE": 1, "SG": 2, "XX": 3 },
//!   "default_tier": 2,
//!   "tiers": { "1": { "max_quota_chips": 100000 },
//!              "2": { "max_quota_chips": 50000 },
//!              "3": { "max_quota_chips": 0 } },
//!   "rules": [
//!     { "id": "cluster-small", "require": ["cluster"], "max_cap": 5000,
//!       "grants": { "access": "attested-small", "quota_chips": 5000 } },
//!     { "id": "cluster-and-compute", "require": ["cluster", "compute_cap"],
//!       "grants": { "access": "attested-compute", "quota_chips": 50000 } } ] }
//! ```
//!
//! [`decide`] takes one importer's verified claims for one epoch (and the
//! claims that were rejected, with their reasons). All verified claims must
//! name the same inventory commitment and the audited epoch — the binding
//! that lets claims about one inventory be combined; otherwise it is an error.
//! Every rule whose `require`d claims are all verified, whose `max_cap` (if
//! any) bounds the cap the cluster claim proved, and whose `tiers` (if any)
//! include the importer's country tier is *met*; the met rule with the
//! largest quota wins, and the quota is then limited by the country tier's
//! `max_quota_chips`. No met rule, or a limit of 0, is a denial. Each step
//! adds a human-readable reason.
//!
//! Claim kinds are named by the claims of the design ([`KNOWN_CLAIMS`]); only
//! `cluster` is proven today, and a rule that requires another kind is simply
//! not met until its circuit exists. A new claim slots in by producing a
//! [`ClaimFacts`] (its kind, commitment, epoch and the bound it proves).
use crate::error::VerifyError;
use crate::VerifiedClaim;
use ark_bn254::Fr;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use zkcc_circuits::encoding::fr_to_hex;

/// The policy file format version.
pub const POLICY_VERSION: u32 = 1;
/// The report format version.
pub const REPORT_VERSION: u32 = 1;

/// Claim kinds a rule may require: the claims of the design.
pub const KNOWN_CLAIMS: [&str; 6] = [
    "cluster",
    "compute_cap",
    "distribution",
    "tier_exclusion",
    "model_evaluation",
    "deployment_jurisdiction",
];

/// The policy file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// File format version, [`POLICY_VERSION`].
    pub version: u32,
    /// The agency's policy version (the registry commits the same number).
    pub policy_version: u64,
    /// Country (ISO 3166-1 alpha-2) → country tier. A country listed twice
    /// is an error, not "the last one wins".
    #[serde(deserialize_with = "unique_keys")]
    pub country_tiers: BTreeMap<String, u8>,
    /// Tier of a country not listed.
    pub default_tier: u8,
    /// Country tier (as a decimal string) → its limits (each tier once).
    #[serde(deserialize_with = "unique_keys")]
    pub tiers: BTreeMap<String, TierLimits>,
    /// The rules, in any order.
    pub rules: Vec<Rule>,
}

/// A JSON object into a map, refusing a key that appears twice (serde's
/// maps silently keep the last value).
fn unique_keys<'de, D, V>(d: D) -> Result<BTreeMap<String, V>, D::Error>
where
    D: serde::Deserializer<'de>,
    V: Deserialize<'de>,
{
    struct Unique<V>(std::marker::PhantomData<V>);
    impl<'de, V: Deserialize<'de>> serde::de::Visitor<'de> for Unique<V> {
        type Value = BTreeMap<String, V>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("an object with each key once")
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(
            self,
            mut m: A,
        ) -> Result<Self::Value, A::Error> {
            let mut out = BTreeMap::new();
            while let Some((k, v)) = m.next_entry::<String, V>()? {
                if out.contains_key(&k) {
                    return Err(serde::de::Error::custom(format!("key {k:?} appears twice")));
                }
                out.insert(k, v);
            }
            Ok(out)
        }
    }
    d.deserialize_map(Unique(std::marker::PhantomData))
}

/// What a country tier may be granted at most.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TierLimits {
    /// Largest quota, chips; 0 means embargoed.
    pub max_quota_chips: u64,
}

/// A rule: these verified claims (and bounds) unlock this grant.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// Rule id, quoted in reasons.
    pub id: String,
    /// Claim kinds that must all be verified.
    pub require: Vec<String>,
    /// If set: the cluster claim must prove a cap ≤ this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_cap: Option<u64>,
    /// If non-empty: the country tiers this rule applies to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tiers: Vec<u8>,
    /// What the rule grants.
    pub grants: Grant,
}

/// A grant.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Grant {
    /// Access level (a label, e.g. `attested-small`).
    pub access: String,
    /// Quota, chips.
    pub quota_chips: u64,
}

impl Policy {
    /// Parses and validates a policy file.
    pub fn from_json(text: &str) -> Result<Self, VerifyError> {
        let p: Self = serde_json::from_str(text).map_err(|e| VerifyError::Policy(e.to_string()))?;
        p.validate()?;
        Ok(p)
    }

    /// Pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Checks the file's consistency: version, tier keys, country codes,
    /// every tier used has limits, rule ids non-empty and unique, every rule
    /// requires known claims (and `cluster` if it bounds the cap) and grants
    /// a named access. (Keys repeated in `country_tiers` or `tiers`, unknown
    /// fields, and quotas that are negative or do not fit 64 bits are refused
    /// when parsing.)
    pub fn validate(&self) -> Result<(), VerifyError> {
        let bad = |s: String| Err(VerifyError::Policy(s));
        if self.version != POLICY_VERSION {
            return bad(format!(
                "format version {} is not supported (expected {POLICY_VERSION})",
                self.version
            ));
        }
        for tier in self.tiers.keys() {
            if tier
                .parse::<u8>()
                .map(|t| t.to_string() != *tier)
                .unwrap_or(true)
            {
                return bad(format!("tier key {tier:?} is not a number 0..=255"));
            }
        }
        let has = |t: u8| self.tiers.contains_key(&t.to_string());
        for (c, t) in &self.country_tiers {
            if c.len() != 2 || !c.bytes().all(|b| b.is_ascii_uppercase()) {
                return bad(format!("country {c:?} is not an ISO 3166-1 alpha-2 code"));
            }
            if !has(*t) {
                return bad(format!("country {c} is in tier {t}, which has no limits"));
            }
        }
        if !has(self.default_tier) {
            return bad(format!("default tier {} has no limits", self.default_tier));
        }
        let mut ids = std::collections::BTreeSet::new();
        for r in &self.rules {
            if r.id.is_empty() || !ids.insert(r.id.as_str()) {
                return bad(format!("rule id {:?} is empty or repeated", r.id));
            }
            if r.require.is_empty() {
                return bad(format!("rule {}: requires no claim", r.id));
            }
            for c in &r.require {
                if !KNOWN_CLAIMS.contains(&c.as_str()) {
                    return bad(format!("rule {}: unknown claim kind {c:?}", r.id));
                }
            }
            if r.max_cap.is_some() && !r.require.iter().any(|c| c == "cluster") {
                return bad(format!(
                    "rule {}: max_cap bounds the cluster claim, which it does not require",
                    r.id
                ));
            }
            if let Some(t) = r.tiers.iter().find(|t| !has(**t)) {
                return bad(format!("rule {}: tier {t} has no limits", r.id));
            }
            if r.grants.access.is_empty() || r.grants.access == "none" {
                return bad(format!(
                    "rule {}: grants access {:?}, which names no access (\"none\" is the denial)",
                    r.id, r.grants.access
                ));
            }
        }
        Ok(())
    }

    /// Checks that this policy is the one the registry commits to (the
    /// registry's `policy_version`, part of its root): a decision under any
    /// other policy is refused with [`VerifyError::PolicyVersion`]. Both
    /// binaries call it before verifying anything.
    pub fn check_registry_version(&self, registry_policy_version: u64) -> Result<(), VerifyError> {
        if self.policy_version != registry_policy_version {
            return Err(VerifyError::PolicyVersion {
                policy: self.policy_version,
                registry: registry_policy_version,
            });
        }
        Ok(())
    }

    /// The country tier of a country.
    pub fn tier_of(&self, country: &str) -> u8 {
        self.country_tiers
            .get(country)
            .copied()
            .unwrap_or(self.default_tier)
    }
}

/// What a decision needs to know of a verified claim. Every claim kind
/// produces one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClaimFacts {
    /// Claim kind (one of [`KNOWN_CLAIMS`]).
    pub claim: String,
    /// Circuit id of the key it verified under.
    pub circuit_id: String,
    /// The inventory commitment it names.
    pub commitment: Fr,
    /// The epoch it names.
    pub epoch: u64,
    /// The bound it proves (chips for `cluster`), if any.
    pub cap: Option<u64>,
}

impl From<&VerifiedClaim> for ClaimFacts {
    fn from(c: &VerifiedClaim) -> Self {
        Self {
            claim: c.claim.clone(),
            circuit_id: c.circuit_id.clone(),
            commitment: c.statement.commitment,
            epoch: c.statement.epoch,
            cap: Some(c.statement.cap),
        }
    }
}

/// A claim that was submitted but rejected, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RejectedClaim {
    /// Claim kind as submitted (or the file name when unreadable).
    pub claim: String,
    /// The rejection, as text.
    pub reason: String,
}

/// A verified claim as reported.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClaimReport {
    /// Claim kind.
    pub claim: String,
    /// Circuit id.
    pub circuit_id: String,
    /// The proven bound, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cap: Option<u64>,
}

/// Grant or deny.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// Some quota is granted.
    Grant,
    /// Nothing is granted.
    Deny,
}

/// The decision.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Decision {
    /// Grant or deny.
    pub outcome: Outcome,
    /// Access level granted (`none` on denial).
    pub access: String,
    /// Quota granted, chips (0 on denial).
    pub quota_chips: u64,
    /// The rule that decided, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
}

/// The machine-readable report of one decision.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Report {
    /// [`REPORT_VERSION`].
    pub report_version: u32,
    /// The policy's `policy_version`.
    pub policy_version: u64,
    /// Importer.
    pub importer: String,
    /// Importer's country.
    pub country: String,
    /// Its country tier.
    pub country_tier: u8,
    /// The audited epoch.
    pub epoch: u64,
    /// The inventory commitment every verified claim names (absent if none
    /// verified).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commitment: Option<String>,
    /// Claims that verified.
    pub claims_verified: Vec<ClaimReport>,
    /// Claims that were rejected, with reasons.
    pub claims_rejected: Vec<RejectedClaim>,
    /// The decision.
    pub decision: Decision,
    /// Why, step by step.
    pub reasons: Vec<String>,
}

impl Report {
    /// Pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// The human-readable decision.
    pub fn human(&self) -> String {
        let mut s = match self.decision.outcome {
            Outcome::Grant => format!(
                "DECISION: GRANT {} — quota {} chips, access {:?} (rule {})\n",
                self.importer,
                self.decision.quota_chips,
                self.decision.access,
                self.decision.rule.as_deref().unwrap_or("-")
            ),
            Outcome::Deny => format!("DECISION: DENY {} — no quota\n", self.importer),
        };
        s += &format!(
            "importer {} ({}, country tier {}), epoch {}, policy version {}\n",
            self.importer, self.country, self.country_tier, self.epoch, self.policy_version
        );
        if let Some(c) = &self.commitment {
            s += &format!("inventory commitment {c}\n");
        }
        for c in &self.claims_verified {
            match c.cap {
                Some(cap) => {
                    s += &format!(
                        "  verified: {} (cap {cap}, circuit {})\n",
                        c.claim, c.circuit_id
                    )
                }
                None => s += &format!("  verified: {} (circuit {})\n", c.claim, c.circuit_id),
            }
        }
        for c in &self.claims_rejected {
            s += &format!("  rejected: {} — {}\n", c.claim, c.reason);
        }
        for r in &self.reasons {
            s += &format!("  - {r}\n");
        }
        s
    }
}

/// Decides for one importer and epoch. Errors only on broken binding (claims
/// naming different commitments, or an epoch other than `epoch`); every
/// other outcome is a [`Report`], denials included.
///
/// ```
/// use zkcc_verifier::policy::{decide, ClaimFacts, Outcome, Policy};
/// let policy = Policy::from_json(r#"{ "version": 1, "policy_version": 1,
///     "country_tiers": { "FR": 1 }, "default_tier": 2,
///     "tiers": { "1": { "max_quota_chips": 100000 }, "2": { "max_quota_chips": 20000 } },
///     "rules": [ { "id": "cluster-small", "require": ["cluster"], "max_cap": 5000,
///                  "grants": { "access": "attested-cluster", "quota_chips": 5000 } } ] }"#)?;
/// let claim = ClaimFacts { claim: "cluster".into(), circuit_id: "…".into(),
///     commitment: ark_bn254::Fr::from(42u64), epoch: 7, cap: Some(1000) };
/// let report = decide(&policy, "ACME-DC", "FR", 7, &[claim], &[])?;
/// assert_eq!(report.decision.outcome, Outcome::Grant);
/// assert_eq!(report.decision.quota_chips, 5000);
/// println!("{}", report.human());
/// # Ok::<(), zkcc_verifier::VerifyError>(())
/// ```
pub fn decide(
    policy: &Policy,
    importer: &str,
    country: &str,
    epoch: u64,
    verified: &[ClaimFacts],
    rejected: &[RejectedClaim],
) -> Result<Report, VerifyError> {
    let mut reasons = Vec::new();
    if let Some(c) = verified.iter().find(|c| c.epoch != epoch) {
        return Err(VerifyError::Binding(format!(
            "claim {} is for epoch {}, the decision is for epoch {epoch}",
            c.claim, c.epoch
        )));
    }
    let commitment = verified.first().map(|c| c.commitment);
    if let Some(first) = commitment {
        if let Some(c) = verified.iter().find(|c| c.commitment != first) {
            return Err(VerifyError::Binding(format!(
                "claim {} names commitment {}, another names {}",
                c.claim,
                fr_to_hex(&c.commitment),
                fr_to_hex(&first)
            )));
        }
        reasons.push(format!(
            "{} verified claim(s), all naming commitment {} and epoch {epoch}",
            verified.len(),
            fr_to_hex(&first)
        ));
    } else {
        reasons.push("no claim verified".to_string());
    }
    for r in rejected {
        reasons.push(format!("claim {} rejected: {}", r.claim, r.reason));
    }
    let tier = policy.tier_of(country);
    let limit = policy
        .tiers
        .get(&tier.to_string())
        .map(|t| t.max_quota_chips)
        .unwrap_or(0);
    reasons.push(format!(
        "country {country} is in tier {tier} (at most {limit} chips)"
    ));

    // The tightest cap proven by the cluster claim(s).
    let cluster_cap = verified
        .iter()
        .filter(|c| c.claim == "cluster")
        .filter_map(|c| c.cap)
        .min();
    let mut best: Option<&Rule> = None;
    for rule in &policy.rules {
        let missing: Vec<&str> = rule
            .require
            .iter()
            .filter(|k| !verified.iter().any(|c| &c.claim == *k))
            .map(String::as_str)
            .collect();
        let not_met = if !missing.is_empty() {
            Some(format!("requires {} (not verified)", missing.join(", ")))
        } else if !rule.tiers.is_empty() && !rule.tiers.contains(&tier) {
            Some(format!(
                "applies to tiers {:?}, not tier {tier}",
                rule.tiers
            ))
        } else {
            match (rule.max_cap, cluster_cap) {
                (Some(max), Some(cap)) if cap > max => {
                    Some(format!("proven cap {cap} exceeds max_cap {max}"))
                }
                _ => None,
            }
        };
        match not_met {
            Some(why) => reasons.push(format!("rule {}: not met: {why}", rule.id)),
            None => {
                reasons.push(format!(
                    "rule {}: met, grants {:?} with {} chips",
                    rule.id, rule.grants.access, rule.grants.quota_chips
                ));
                if !matches!(best, Some(b) if b.grants.quota_chips >= rule.grants.quota_chips) {
                    best = Some(rule);
                }
            }
        }
    }
    let decision = match best {
        None => {
            reasons.push("no rule met: denied".to_string());
            Decision {
                outcome: Outcome::Deny,
                access: "none".into(),
                quota_chips: 0,
                rule: None,
            }
        }
        Some(rule) => {
            let quota = rule.grants.quota_chips.min(limit);
            if quota < rule.grants.quota_chips {
                reasons.push(format!(
                    "tier {tier} limits the quota of rule {} to {quota} chips",
                    rule.id
                ));
            }
            if quota == 0 {
                reasons.push("quota is 0: denied".to_string());
                Decision {
                    outcome: Outcome::Deny,
                    access: "none".into(),
                    quota_chips: 0,
                    rule: Some(rule.id.clone()),
                }
            } else {
                Decision {
                    outcome: Outcome::Grant,
                    access: rule.grants.access.clone(),
                    quota_chips: quota,
                    rule: Some(rule.id.clone()),
                }
            }
        }
    };
    Ok(Report {
        report_version: REPORT_VERSION,
        policy_version: policy.policy_version,
        importer: importer.to_string(),
        country: country.to_string(),
        country_tier: tier,
        epoch,
        commitment: commitment.map(|c| fr_to_hex(&c)),
        claims_verified: verified
            .iter()
            .map(|c| ClaimReport {
                claim: c.claim.clone(),
                circuit_id: c.circuit_id.clone(),
                cap: c.cap,
            })
            .collect(),
        claims_rejected: rejected.to_vec(),
        decision,
        reasons,
    })
}
