//! The agency's access policy for the accountable statement: the facts of a
//! [`VerifiedSubmission`] in, a tier, a quota and a report out.
//!
//! A policy file (JSON, format `version` 2) names the `policy_version` it
//! implements — the registry commits to the same number, and a decision under
//! any other policy is refused ([`VerifyError::PolicyVersion`]) — the most each
//! country tier may be granted, and rules. Country tiers live in the registry
//! (`country_tiers`, `default_tier`): the importer's tier is the tier of the
//! home country of the rules it proved.
//!
//! ```json
//! { "version": 2, "policy_version": 3,
//!   "tier_limits": [ { "tier": 1, "max_quota_chips": 100000 },
//!                    { "tier": 2, "max_quota_chips": 20000 },
//!                    { "tier": 3, "max_quota_chips": 0 } ],
//!   "rules": [
//!     { "id": "attested-fleet",
//!       "require": { "min_facilities": 1, "min_ledger_chips": 1, "max_facility_cap_chips": 5000 },
//!       "grants": { "access": "attested-fleet", "quota_chips": 5000 } } ] }
//! ```
//!
//! Every requirement is on a proven fact ([`Requirements`]): the distinct
//! facilities attested that hold a ledger chip, the ledger chips located (the ledger's length: the
//! grand product proves each located exactly once), and bounds on the rules
//! proven — a rule `max_X` requires the proven limit to be at most `X`, a rule
//! `min_X` at least `X`, so a proof under stricter rules meets it too. A rule
//! whose every requirement holds and whose `tiers` (if given) include the
//! importer's tier is *met*; the met rule with the largest quota wins (the
//! first listed on a tie), capped by the tier's `max_quota_chips` (a tier
//! without limits gets 0). No met rule, or a quota of 0, is a denial.
//!
//! **No stale lifecycle claims.** The AI lifecycle claims handed to
//! [`decide_with`] ([`LifecycleFacts`]) count only while current:
//! * a jurisdiction claim only for the decision's epoch (the submission's,
//!   that is the request's): a deployment audited in an earlier epoch proves
//!   nothing about this one;
//! * an evaluation only for the suite *version* the registry lists now (a
//!   new version — a changed threshold — needs new results), and only inside
//!   the rule's window: a rule that requires `evaluated_suite` (or
//!   `max_deployment_tier`) must set `max_evaluation_age_days`, and an
//!   evaluation counts only if its proven not-before date (every result is
//!   dated on or after it) is at most that many days before the decision
//!   date ([`LifecycleFacts::decision_date`], the day the agency decides).
//!
//! **Nothing for nothing.** A rule must require at least one facility and
//! at least one ledger chip ([`Policy::validate`] refuses one that does not):
//! an empty inventory over an empty ledger ("Nobody Ltd") proves every rule
//! and must still never earn access.
use crate::error::VerifyError;
use crate::fleet::VerifiedSubmission;
use crate::submission::{RequestFile, RulesJson};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use zkcc_circuits::encoding::fr_to_hex;
use zkcc_circuits::registry::Registry;
use zkcc_circuits::request::BP;

/// The access policy file format version.
pub const ACCESS_POLICY_VERSION: u32 = 2;
/// The access report format version.
pub const ACCESS_REPORT_VERSION: u32 = 2;

/// The sample access policy (policy version 3, that of the prover's sample
/// registry), written out by the demo:
///
/// * `attested-fleet` — any tier: at least one facility and one ledger chip
///   (every ledger chip located exactly once in an authorized facility), under
///   a proven facility cap of at most 5,000 chips: 5,000 chips;
/// * `validated-end-user` — tier-1 home countries: the same, with a facility
///   cap of at most 50,000 chips, and the diffusion rule's distribution proven
///   at least as strictly as home ≥ 50 %, any other country ≤ 25 %, outside
///   tier 1 ≤ 10 %, and no ledger chip in a country above tier 2: 100,000 chips.
///
/// Tier limits: tier 1 100,000 chips, tier 2 20,000, tier 3 nothing.
pub const SAMPLE_ACCESS_POLICY: &str = r#"{
  "version": 2,
  "policy_version": 3,
  "tier_limits": [
    { "tier": 1, "max_quota_chips": 100000 },
    { "tier": 2, "max_quota_chips": 20000 },
    { "tier": 3, "max_quota_chips": 0 }
  ],
  "rules": [
    { "id": "attested-fleet",
      "require": { "min_facilities": 1, "min_ledger_chips": 1, "max_facility_cap_chips": 5000 },
      "grants": { "access": "attested-fleet", "quota_chips": 5000 } },
    { "id": "validated-end-user", "tiers": [1],
      "require": { "min_facilities": 1, "min_ledger_chips": 1, "max_facility_cap_chips": 50000,
                   "min_home_bp": 5000, "max_other_bp": 2500, "max_outside_tier1_bp": 1000,
                   "max_tier": 2 },
      "grants": { "access": "validated-end-user", "quota_chips": 100000 } }
  ]
}
"#;

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

/// The access policy file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// File format version, [`ACCESS_POLICY_VERSION`].
    pub version: u32,
    /// The agency's policy version (the registry commits the same number).
    pub policy_version: u64,
    /// The most each country tier may be granted (each tier once).
    pub tier_limits: Vec<TierLimit>,
    /// The rules, in any order.
    pub rules: Vec<Rule>,
}

/// What a country tier may be granted at most.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TierLimit {
    /// The tier (as in the registry's `country_tiers`).
    pub tier: u8,
    /// Largest quota, chips; 0 means embargoed.
    pub max_quota_chips: u64,
}

/// A rule: these proven facts unlock this grant.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// Rule id, quoted in reasons.
    pub id: String,
    /// If non-empty: the importer's home-country tiers this rule applies to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tiers: Vec<u8>,
    /// What must be proven.
    pub require: Requirements,
    /// What the rule grants.
    pub grants: Grant,
}

/// Requirements on the proven facts. `min_facilities` and
/// `min_ledger_chips` are mandatory and at least 1; each bound on the
/// proven rules is optional (absent: not required).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Requirements {
    /// Distinct facilities attested that hold a ledger chip, at least.
    pub min_facilities: u64,
    /// Ledger chips located exactly once, at least.
    pub min_ledger_chips: u64,
    /// Proven per-facility chip cap, at most.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_facility_cap_chips: Option<u64>,
    /// Proven per-facility TPP cap, at most.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_facility_cap_tpp: Option<u64>,
    /// Proven smallest home-country share, at least (basis points).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_home_bp: Option<u64>,
    /// Proven largest share in any other country, at most (basis points).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_other_bp: Option<u64>,
    /// Proven largest share outside tier 1, at most (basis points).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_outside_tier1_bp: Option<u64>,
    /// Proven highest tier a ledger chip may be in, at most.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_tier: Option<u64>,
    /// Proven total chip cap, at most.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_total_cap_chips: Option<u64>,
    /// Proven total TPP cap, at most.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_total_cap_tpp: Option<u64>,
    /// Delay evidence: every ledger chip proven to have answered an
    /// accredited landmark within its accepted distance, on a day the
    /// agency's request accepted.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub delay_evidence: bool,
    /// AI lifecycle: a model of the importer proven to pass this suite of
    /// the registry (a verified evaluation claim).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evaluated_suite: Option<String>,
    /// AI lifecycle: a deployment of such an evaluated model (the
    /// jurisdiction claim names the evaluation's model commitment) whose
    /// every prompt-log and output store is proven in a country of tier at
    /// most this, encrypted at rest, in the decision's epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_deployment_tier: Option<u64>,
    /// AI lifecycle: how old, in days at the decision date, an evaluation's
    /// results may be (its proven not-before date at most this many days
    /// before [`LifecycleFacts::decision_date`]). Mandatory with either
    /// lifecycle requirement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_evaluation_age_days: Option<u64>,
}

/// Verified AI lifecycle claims handed to a decision beside the submission.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LifecycleFacts {
    /// The decision date, `YYYYMMDD` (the day the agency decides): what an
    /// evaluation's age is measured from. Without a valid date no
    /// evaluation counts.
    #[serde(default)]
    pub decision_date: u64,
    /// Verified model-evaluation claims.
    #[serde(default)]
    pub evaluations: Vec<crate::lifecycle::VerifiedEvaluation>,
    /// Verified deployment-jurisdiction claims.
    #[serde(default)]
    pub jurisdictions: Vec<crate::lifecycle::VerifiedJurisdiction>,
}

impl LifecycleFacts {
    /// Whether no lifecycle claim was handed in.
    pub fn is_empty(&self) -> bool {
        self.evaluations.is_empty() && self.jurisdictions.is_empty()
    }
}

/// A grant.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Grant {
    /// Access level (a label, e.g. `attested-fleet`).
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

    /// Checks the file's consistency: format version, each tier limited
    /// once, rule ids non-empty and unique, every rule's tiers limited, every
    /// rule requiring at least one facility and one ledger chip, basis points
    /// at most 10,000, a grant naming an access.
    pub fn validate(&self) -> Result<(), VerifyError> {
        let bad = |s: String| Err(VerifyError::Policy(s));
        if self.version != ACCESS_POLICY_VERSION {
            return bad(format!(
                "format version {} is not supported by the access policy (expected \
                 {ACCESS_POLICY_VERSION}; version 1 was the retired policy over single \
                 bundles)",
                self.version
            ));
        }
        let mut tiers = BTreeSet::new();
        for t in &self.tier_limits {
            if !tiers.insert(t.tier) {
                return bad(format!("tier {} is limited twice", t.tier));
            }
        }
        let mut ids = BTreeSet::new();
        for r in &self.rules {
            if r.id.is_empty() || !ids.insert(r.id.as_str()) {
                return bad(format!("rule id {:?} is empty or repeated", r.id));
            }
            if let Some(t) = r.tiers.iter().find(|t| !tiers.contains(*t)) {
                return bad(format!("rule {}: tier {t} has no limits", r.id));
            }
            let q = &r.require;
            if q.min_facilities == 0 || q.min_ledger_chips == 0 {
                return bad(format!(
                    "rule {}: requires min_facilities {} and min_ledger_chips {}; both must be \
                     at least 1 (an empty inventory over an empty ledger proves every rule, and \
                     must never earn access)",
                    r.id, q.min_facilities, q.min_ledger_chips
                ));
            }
            for (n, v) in [
                ("min_home_bp", q.min_home_bp),
                ("max_other_bp", q.max_other_bp),
                ("max_outside_tier1_bp", q.max_outside_tier1_bp),
            ] {
                if matches!(v, Some(v) if v > BP) {
                    return bad(format!("rule {}: {n} exceeds {BP} basis points", r.id));
                }
            }
            if (q.evaluated_suite.is_some() || q.max_deployment_tier.is_some())
                && q.max_evaluation_age_days.is_none()
            {
                return bad(format!(
                    "rule {}: requires a lifecycle claim without max_evaluation_age_days \
                     (how old an evaluation's results may be at the decision date)",
                    r.id
                ));
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

    /// Parses and validates a policy file ([`Policy::from_json`]) and refuses
    /// it unless it is the one `registry` commits to
    /// ([`Policy::check_registry`]): the agency's `--policy` in `zkcc verify`
    /// and `zkcc-verify submission`.
    pub fn from_json_for(text: &str, registry: &Registry) -> Result<Self, VerifyError> {
        let p = Self::from_json(text)?;
        p.check_registry(registry)?;
        Ok(p)
    }

    /// Refuses a policy other than the one the registry commits to.
    pub fn check_registry(&self, registry: &Registry) -> Result<(), VerifyError> {
        if self.policy_version != registry.file.policy_version {
            return Err(VerifyError::PolicyVersion {
                policy: self.policy_version,
                registry: registry.file.policy_version,
            });
        }
        Ok(())
    }

    /// The most a tier may be granted (0 for a tier without limits).
    pub fn limit_of(&self, tier: u8) -> Option<u64> {
        self.tier_limits
            .iter()
            .find(|t| t.tier == tier)
            .map(|t| t.max_quota_chips)
    }
}

impl Requirements {
    /// Each requirement, checked against the facts: `(holds, explanation)`.
    pub fn check(&self, f: &VerifiedSubmission) -> Vec<(bool, String)> {
        self.check_with(f, &LifecycleFacts::default())
    }

    /// Whether evaluation `e` is inside this rule's window at `decision_date`:
    /// its not-before date at most `max_evaluation_age_days` days before the
    /// decision date (no window, or an invalid date: not inside).
    fn fresh(&self, e: &crate::lifecycle::VerifiedEvaluation, decision_date: u64) -> bool {
        let days = zkcc_circuits::evaluation::day_number;
        match (
            self.max_evaluation_age_days,
            days(decision_date),
            days(e.not_before),
        ) {
            (Some(age), Ok(today), Ok(nb)) => {
                e.not_before <= e.deployment_date && nb.saturating_add(age) >= today
            }
            _ => false,
        }
    }

    /// Each requirement, checked against the submission's facts and the
    /// importer's verified lifecycle claims. Only those naming the
    /// submission's importer count; of those, an evaluation only inside the
    /// rule's window ([`Requirements::max_evaluation_age_days`] before
    /// [`LifecycleFacts::decision_date`]), a jurisdiction only for the
    /// submission's epoch.
    pub fn check_with(&self, f: &VerifiedSubmission, l: &LifecycleFacts) -> Vec<(bool, String)> {
        let mut out = self.check_fleet(f);
        let evaluated: Vec<&crate::lifecycle::VerifiedEvaluation> = l
            .evaluations
            .iter()
            .filter(|e| e.importer == f.importer)
            .filter(|e| self.evaluated_suite.as_ref().is_none_or(|s| &e.suite == s))
            .filter(|e| self.fresh(e, l.decision_date))
            .collect();
        let window = format!(
            "results at most {} days old on {}",
            self.max_evaluation_age_days.unwrap_or(0),
            l.decision_date
        );
        if let Some(s) = &self.evaluated_suite {
            out.push(match evaluated.first() {
                Some(e) => (
                    true,
                    format!(
                        "model {} passed suite {s} v{} with results dated {} to {} ({window})",
                        e.model_commitment, e.suite_version, e.not_before, e.deployment_date
                    ),
                ),
                None => (
                    false,
                    format!("no model proven to pass suite {s} with {window}"),
                ),
            });
        }
        if let Some(t) = self.max_deployment_tier {
            let found = l.jurisdictions.iter().find(|j| {
                j.importer == f.importer
                    && j.epoch == f.epoch
                    && j.max_tier <= t
                    && evaluated
                        .iter()
                        .any(|e| e.model_commitment == j.model_commitment)
            });
            out.push(match found {
                Some(j) => (
                    true,
                    format!(
                        "deployment {} of evaluated model {} keeps every store encrypted in tier ≤ {} (epoch {})",
                        j.deployment, j.model_commitment, j.max_tier, j.epoch
                    ),
                ),
                None => (
                    false,
                    format!(
                        "no deployment of an evaluated model proven to keep its stores in tier ≤ {t} in epoch {}",
                        f.epoch
                    ),
                ),
            });
        }
        out
    }

    fn check_fleet(&self, f: &VerifiedSubmission) -> Vec<(bool, String)> {
        let r = &f.rules;
        let mut out = vec![
            at_least("facilities attested", f.facilities, self.min_facilities),
            at_least(
                "ledger chips located",
                f.ledger_chips,
                self.min_ledger_chips,
            ),
        ];
        if self.delay_evidence {
            out.push(match f.delay_day {
                Some(d) => (
                    true,
                    format!("every ledger chip answered a covering landmark in time on day {d}"),
                ),
                None => (false, "no delay evidence proven".into()),
            });
        }
        let mut max = |name: &str, proven: u64, bound: Option<u64>| {
            if let Some(b) = bound {
                out.push(at_most(name, proven, b));
            }
        };
        max(
            "proven facility cap (chips)",
            r.facility_cap_chips,
            self.max_facility_cap_chips,
        );
        max(
            "proven facility cap (TPP)",
            r.facility_cap_tpp,
            self.max_facility_cap_tpp,
        );
        max(
            "proven other-country share (bp)",
            r.other_max_bp,
            self.max_other_bp,
        );
        max(
            "proven outside-tier-1 share (bp)",
            r.outside_tier1_max_bp,
            self.max_outside_tier1_bp,
        );
        max("proven highest tier", r.max_tier, self.max_tier);
        max(
            "proven total cap (chips)",
            r.total_cap_chips,
            self.max_total_cap_chips,
        );
        max(
            "proven total cap (TPP)",
            r.total_cap_tpp,
            self.max_total_cap_tpp,
        );
        if let Some(b) = self.min_home_bp {
            out.push(at_least("proven home share (bp)", r.home_min_bp, b));
        }
        out
    }
}

fn at_least(name: &str, v: u64, b: u64) -> (bool, String) {
    if v >= b {
        (true, format!("{name} {v} ≥ {b}"))
    } else {
        (false, format!("{name} {v} < {b} required"))
    }
}

fn at_most(name: &str, v: u64, b: u64) -> (bool, String) {
    if v <= b {
        (true, format!("{name} {v} ≤ {b}"))
    } else {
        (false, format!("{name} {v} > {b} allowed"))
    }
}

/// The proven facts, as reported.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FactsReport {
    /// Inventory commitment `C`.
    pub commitment: String,
    /// Shards.
    pub shards: usize,
    /// Distinct facilities attested.
    pub facilities: u64,
    /// Ledger chips, each located exactly once.
    pub ledger_chips: u64,
    /// Their total TPP.
    pub ledger_tpp: u64,
    /// The rules proven.
    pub rules: RulesJson,
    /// The nonce answered.
    pub nonce: String,
    /// Registry root.
    pub registry_root: String,
    /// Ledger digest.
    pub ledger_digest: String,
    /// Shard circuit id.
    pub shard_circuit_id: String,
    /// Request circuit id.
    pub request_circuit_id: String,
}

impl From<&VerifiedSubmission> for FactsReport {
    fn from(v: &VerifiedSubmission) -> Self {
        Self {
            commitment: fr_to_hex(&v.commitment),
            shards: v.shards,
            facilities: v.facilities,
            ledger_chips: v.ledger_chips,
            ledger_tpp: v.ledger_tpp,
            rules: v.rules_json(),
            nonce: fr_to_hex(&v.nonce),
            registry_root: fr_to_hex(&v.registry_root),
            ledger_digest: fr_to_hex(&v.ledger_digest),
            shard_circuit_id: v.shard_circuit_id.clone(),
            request_circuit_id: v.request_circuit_id.clone(),
        }
    }
}

/// One rule, met or not, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleReport {
    /// Rule id.
    pub id: String,
    /// Whether every requirement holds.
    pub met: bool,
    /// What it grants.
    pub grants: Grant,
    /// Every requirement with its outcome (if not met: only those that fail).
    pub why: Vec<String>,
}

/// The machine-readable report of one decision.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Report {
    /// [`ACCESS_REPORT_VERSION`].
    pub report_version: u32,
    /// The policy's `policy_version` (equal to the registry's).
    pub policy_version: u64,
    /// Importer.
    pub importer: String,
    /// The epoch.
    pub epoch: u64,
    /// The importer's home country (the proven rules' `home_country`).
    pub home_country: String,
    /// Its tier in the registry.
    pub tier: u8,
    /// The proven facts (absent if the submission was rejected).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub facts: Option<FactsReport>,
    /// Why the submission was rejected, if it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rejected: Option<String>,
    /// Each rule, met or not.
    pub rules: Vec<RuleReport>,
    /// The AI lifecycle claims verified beside the submission (absent if none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lifecycle: Option<LifecycleFacts>,
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
            "importer {} (home {}, tier {}), epoch {}, policy version {}\n",
            self.importer, self.home_country, self.tier, self.epoch, self.policy_version
        );
        if let Some(e) = &self.rejected {
            s += &format!("submission rejected: {e}\n");
        }
        if let Some(f) = &self.facts {
            let r = &f.rules;
            s += &format!("inventory commitment {}\n", f.commitment);
            s += &format!(
                "proven: all {} ledger chips (TPP {}) located exactly once, in {} attested \
                 facilities ({} shards)\n",
                f.ledger_chips, f.ledger_tpp, f.facilities, f.shards
            );
            s += &format!("proven rules: {}\n", r.summary());
        }
        if let Some(l) = &self.lifecycle {
            for e in &l.evaluations {
                s += &format!(
                    "proven (evaluation): model {} of {} passed suite {} v{} ({} evals), every result signed for it by an accredited evaluator between {} and {}\n",
                    e.model_commitment, e.importer, e.suite, e.suite_version, e.evals, e.not_before, e.deployment_date
                );
            }
            for j in &l.jurisdictions {
                s += &format!(
                    "proven (jurisdiction): deployment {} of model {} keeps every prompt-log and output store encrypted at rest in its own facilities of tier ≤ {} (epoch {})\n",
                    j.deployment, j.model_commitment, j.max_tier, j.epoch
                );
            }
        }
        for r in &self.rules {
            s += &format!(
                "  rule {}: {} (grants {:?}, {} chips)\n",
                r.id,
                if r.met { "met" } else { "not met" },
                r.grants.access,
                r.grants.quota_chips
            );
            for w in &r.why {
                s += &format!("      {w}\n");
            }
        }
        for r in &self.reasons {
            s += &format!("  - {r}\n");
        }
        s
    }
}

fn deny(rule: Option<String>) -> Decision {
    Decision {
        outcome: Outcome::Deny,
        access: "none".into(),
        quota_chips: 0,
        rule,
    }
}

/// Decides on a verified submission. Refuses (an error, no report) a policy
/// whose `policy_version` is not the registry's; every other outcome is a
/// [`Report`], denials included.
///
/// ```
/// # use zkcc_verifier::access::{decide, Outcome, Policy, SAMPLE_ACCESS_POLICY};
/// # fn run(registry: &zkcc_circuits::registry::Registry,
/// #        verified: &zkcc_verifier::fleet::VerifiedSubmission) -> Result<(), zkcc_verifier::VerifyError> {
/// let policy = Policy::from_json(SAMPLE_ACCESS_POLICY)?;
/// let report = decide(&policy, registry, verified)?;
/// println!("{}", report.human());
/// if report.decision.outcome == Outcome::Grant { /* … */ }
/// # Ok(()) }
/// ```
pub fn decide(
    policy: &Policy,
    registry: &Registry,
    facts: &VerifiedSubmission,
) -> Result<Report, VerifyError> {
    decide_with(policy, registry, facts, &LifecycleFacts::default())
}

/// [`decide`], with the importer's verified AI lifecycle claims (model
/// evaluations, deployment jurisdictions) that rules may require; the report
/// lists them.
pub fn decide_with(
    policy: &Policy,
    registry: &Registry,
    facts: &VerifiedSubmission,
    lifecycle: &LifecycleFacts,
) -> Result<Report, VerifyError> {
    policy.check_registry(registry)?;
    let (lifecycle, stale) = current(registry, facts, lifecycle);
    let lifecycle = &lifecycle;
    let home = facts.rules_json().home_country;
    let tier = registry.tier_of(&home);
    let limit = policy.limit_of(tier);
    let mut reasons = vec![format!(
        "submission verified: {} shard(s) naming commitment {}, epoch {}, registry {}, ledger {}",
        facts.shards,
        fr_to_hex(&facts.commitment),
        facts.epoch,
        fr_to_hex(&facts.registry_root),
        fr_to_hex(&facts.ledger_digest)
    )];
    reasons.push(match limit {
        Some(l) => format!("home country {home} is in tier {tier} (at most {l} chips)"),
        None => format!(
            "home country {home} is in tier {tier}, which the policy does not limit: nothing \
             may be granted"
        ),
    });
    let limit = limit.unwrap_or(0);
    reasons.extend(stale);

    let mut rules = Vec::with_capacity(policy.rules.len());
    let mut best: Option<&Rule> = None;
    for rule in &policy.rules {
        let mut checks = rule.require.check_with(facts, lifecycle);
        if !rule.tiers.is_empty() {
            let ok = rule.tiers.contains(&tier);
            checks.insert(
                0,
                (
                    ok,
                    if ok {
                        format!("tier {tier} is among tiers {:?}", rule.tiers)
                    } else {
                        format!("applies to tiers {:?}, not tier {tier}", rule.tiers)
                    },
                ),
            );
        }
        let met = checks.iter().all(|(ok, _)| *ok);
        let why = checks
            .into_iter()
            .filter(|(ok, _)| met || !ok)
            .map(|(_, w)| w)
            .collect();
        if met && !matches!(best, Some(b) if b.grants.quota_chips >= rule.grants.quota_chips) {
            best = Some(rule);
        }
        rules.push(RuleReport {
            id: rule.id.clone(),
            met,
            grants: rule.grants.clone(),
            why,
        });
    }
    let decision = match best {
        None => {
            reasons.push("no rule met: denied".into());
            deny(None)
        }
        Some(rule) => {
            let quota = rule.grants.quota_chips.min(limit);
            reasons.push(format!(
                "rule {} grants the largest quota of the rules met: {} chips",
                rule.id, rule.grants.quota_chips
            ));
            if quota < rule.grants.quota_chips {
                reasons.push(format!(
                    "tier {tier} limits the quota of rule {} to {quota} chips",
                    rule.id
                ));
            }
            if quota == 0 {
                reasons.push("quota is 0: denied".into());
                deny(Some(rule.id.clone()))
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
        report_version: ACCESS_REPORT_VERSION,
        policy_version: policy.policy_version,
        importer: facts.importer.clone(),
        epoch: facts.epoch,
        home_country: home,
        tier,
        facts: Some(FactsReport::from(facts)),
        rejected: None,
        rules,
        lifecycle: (!lifecycle.is_empty()).then(|| lifecycle.clone()),
        decision,
        reasons,
    })
}

/// The lifecycle claims a decision on `facts` may use: those of its
/// importer, jurisdictions of its epoch, evaluations of the suite version the
/// registry lists now; and a reason for each one set aside. (The age window
/// is each rule's, applied by [`Requirements::check_with`].)
fn current(
    registry: &Registry,
    facts: &VerifiedSubmission,
    l: &LifecycleFacts,
) -> (LifecycleFacts, Vec<String>) {
    let mut why = Vec::new();
    let mut out = LifecycleFacts {
        decision_date: l.decision_date,
        ..Default::default()
    };
    for e in &l.evaluations {
        let listed = registry.suite(&e.suite).map(|s| s.version);
        if e.importer != facts.importer {
            why.push(format!(
                "evaluation of model {} set aside: it is {}'s, not {}'s",
                e.model_commitment, e.importer, facts.importer
            ));
        } else if listed != Some(e.suite_version) {
            why.push(format!(
                "evaluation of model {} set aside: it passed suite {} v{}, the registry lists {}",
                e.model_commitment,
                e.suite,
                e.suite_version,
                listed.map_or("no such suite".into(), |v| format!("v{v}"))
            ));
        } else {
            out.evaluations.push(e.clone());
        }
    }
    for j in &l.jurisdictions {
        if j.importer != facts.importer {
            why.push(format!(
                "jurisdiction of deployment {} set aside: it is {}'s, not {}'s",
                j.deployment, j.importer, facts.importer
            ));
        } else if j.epoch != facts.epoch {
            why.push(format!(
                "jurisdiction of deployment {} set aside: it is for epoch {}, the decision for epoch {}",
                j.deployment, j.epoch, facts.epoch
            ));
        } else {
            out.jurisdictions.push(j.clone());
        }
    }
    (out, why)
}

/// The report of a submission that was rejected: a denial that says why.
/// The policy must still be the registry's.
pub fn rejected(
    policy: &Policy,
    registry: &Registry,
    request: &RequestFile,
    error: &VerifyError,
) -> Result<Report, VerifyError> {
    policy.check_registry(registry)?;
    let home = request.rules.home_country.clone();
    Ok(Report {
        report_version: ACCESS_REPORT_VERSION,
        policy_version: policy.policy_version,
        importer: request.importer.clone(),
        epoch: request.epoch,
        tier: registry.tier_of(&home),
        home_country: home,
        facts: None,
        rejected: Some(error.to_string()),
        rules: vec![],
        lifecycle: None,
        decision: deny(None),
        reasons: vec![
            format!("submission rejected: {error}"),
            "nothing proven: denied".into(),
        ],
    })
}
