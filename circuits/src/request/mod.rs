//! # The request claim
//!
//! *"The shards of the inventory `C` of importer `X` for epoch `e`, whose
//! output commitments chain to `shards_digest`, multiply to the ledger
//! product `P` (so every ledger chip is located exactly once), name
//! `facilities` distinct facilities holding at least one ledger chip, each
//! attested in complete chunk runs, and over those located ledger chips the
//! agency's rules hold; in answer to the agency's `nonce`."* Public inputs, in order ([`RequestStatement::public_inputs`]):
//! `X`, `e`, `C`, `shards_digest`, `P`, `nonce`, the nine rule parameters of
//! [`Rules`], and `facilities`.
//!
//! ## What the request proof walks
//! It opens each used shard slot's `D_s` (see [`crate::shard`]) and walks the
//! `S·F` entries in order. Used entries must be sorted strictly by
//! `key = country·2^26 + facility_index·2^16 + chunk`, so that every country
//! and every facility forms one contiguous run; a facility's run holds chunks
//! `0, 1, …, K − 1` exactly. Along the walk it keeps per-facility and
//! per-country running sums and checks each rule at every entry (sums only
//! grow, so the last check of a run is the binding one).
//!
//! ## The facility count
//! `facilities` counts the facility runs whose summed ledger count is not 0:
//! the importer chooses which chunks it presents, and a facility holding none
//! of its ledger chips (or only chips outside the ledger) must not raise the
//! count the access policy reads. At a run's end the walk adds
//! `[run_count ≠ 0]`; [`ledger_facilities`] is the same count for a witness.
//!
//! ## Rules (all public inputs, versioned by the agency)
//! * facility cap: every facility's ledger chips `≤ facility_cap_chips` and
//!   TPP `≤ facility_cap_tpp`;
//! * distribution: TPP in `home_country` `≥ home_min_bp` basis points of the
//!   total; in any other single country `≤ other_max_bp`; outside tier 1
//!   `≤ outside_tier1_max_bp`;
//! * tier exclusion: no ledger chip in a facility whose tier exceeds `max_tier`;
//! * totals: ledger chips `≤ total_cap_chips`, TPP `≤ total_cap_tpp`.
use crate::error::ClaimError;
use crate::poseidon;
use crate::shard::{output_commitment, ShardEntry};
use ark_bn254::Fr;
use ark_ff::{BigInteger, One, PrimeField, Zero};

#[cfg(feature = "r1cs")]
pub mod constraints;

/// Names of the public inputs, in order.
pub const PUBLIC_INPUT_NAMES: [&str; 16] = [
    "importer",
    "epoch",
    "commitment",
    "shards_digest",
    "ledger_product",
    "nonce",
    "facility_cap_chips",
    "facility_cap_tpp",
    "home_country",
    "home_min_bp",
    "other_max_bp",
    "outside_tier1_max_bp",
    "max_tier",
    "total_cap_chips",
    "total_cap_tpp",
    "facilities",
];

/// Basis points in a whole.
pub const BP: u64 = 10_000;
/// Width of the strict-order check of entry keys.
pub const KEY_BITS: usize = 43;
/// Width of the chip-count range checks.
pub const COUNT_BITS: usize = 32;
/// Width of the TPP range checks.
pub const TPP_BITS: usize = 64;
/// Width of the share range checks (`bp · TPP < 2^14 · 2^64`).
pub const SHARE_BITS: usize = 80;
/// Width of the country-order check.
pub const COUNTRY_BITS: usize = 16;
/// Width of the tier comparison.
pub const TIER_BITS: usize = 8;

/// The agency's rules for one request: every number a public input.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rules {
    /// Largest number of ledger chips in one facility.
    pub facility_cap_chips: u64,
    /// Largest TPP in one facility.
    pub facility_cap_tpp: u64,
    /// The importer's home country (encoded ISO code, see [`crate::encoding::encode_country`]).
    pub home_country: u64,
    /// Smallest share of TPP in the home country, basis points.
    pub home_min_bp: u64,
    /// Largest share of TPP in any other single country, basis points.
    pub other_max_bp: u64,
    /// Largest share of TPP outside tier-1 countries, basis points.
    pub outside_tier1_max_bp: u64,
    /// Highest tier a ledger chip may be located in.
    pub max_tier: u64,
    /// Largest number of ledger chips in all.
    pub total_cap_chips: u64,
    /// Largest TPP in all.
    pub total_cap_tpp: u64,
}

impl Rules {
    /// Rules that every inventory passes (each rule off).
    pub fn permissive(home_country: u64) -> Self {
        Self {
            facility_cap_chips: (1 << COUNT_BITS) - 1,
            facility_cap_tpp: u64::MAX,
            home_country,
            home_min_bp: 0,
            other_max_bp: BP,
            outside_tier1_max_bp: BP,
            max_tier: crate::registry::MAX_TIER as u64,
            total_cap_chips: (1 << COUNT_BITS) - 1,
            total_cap_tpp: u64::MAX,
        }
    }

    /// Checks that the numbers fit the circuit's range checks (the agency's
    /// verifier refuses rules that do not).
    pub fn validate(&self) -> Result<(), String> {
        let c = (1u64 << COUNT_BITS) - 1;
        if self.facility_cap_chips > c || self.total_cap_chips > c {
            return Err(format!("chip caps must be at most {c}"));
        }
        for (n, v) in [
            ("home_min_bp", self.home_min_bp),
            ("other_max_bp", self.other_max_bp),
            ("outside_tier1_max_bp", self.outside_tier1_max_bp),
        ] {
            if v > BP {
                return Err(format!("{n} = {v} exceeds {BP} basis points"));
            }
        }
        if self.max_tier >= 1 << (TIER_BITS - 1) {
            return Err(format!("max_tier {} is out of range", self.max_tier));
        }
        if self.home_country >= 1 << COUNTRY_BITS {
            return Err("home_country is not an encoded country".into());
        }
        Ok(())
    }

    fn inputs(&self) -> [Fr; 9] {
        [
            self.facility_cap_chips,
            self.facility_cap_tpp,
            self.home_country,
            self.home_min_bp,
            self.other_max_bp,
            self.outside_tier1_max_bp,
            self.max_tier,
            self.total_cap_chips,
            self.total_cap_tpp,
        ]
        .map(Fr::from)
    }
}

/// The public statement of a request proof.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RequestStatement {
    /// The importer `X`.
    pub importer: Fr,
    /// Epoch.
    pub epoch: u64,
    /// The inventory commitment `C`.
    pub commitment: Fr,
    /// Chain of the shards' `D_s`, in the order of `C`.
    pub shards_digest: Fr,
    /// The agency's ledger product `Π (γ − ident − β·tpp)`.
    pub ledger_product: Fr,
    /// The agency's nonce for this request.
    pub nonce: Fr,
    /// The rules.
    pub rules: Rules,
    /// Distinct facilities attested that hold at least one ledger chip (an
    /// output the policy reads).
    pub facilities: u64,
}

impl RequestStatement {
    /// The Groth16 public inputs, in [`PUBLIC_INPUT_NAMES`] order.
    pub fn public_inputs(&self) -> Vec<Fr> {
        let mut v = vec![
            self.importer,
            Fr::from(self.epoch),
            self.commitment,
            self.shards_digest,
            self.ledger_product,
            self.nonce,
        ];
        v.extend(self.rules.inputs());
        v.push(Fr::from(self.facilities));
        v
    }
}

/// Capacity of one request circuit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct RequestShape {
    /// Shard slots `S`.
    pub shards: usize,
    /// Entries (facility slots) per shard `F`.
    pub entries: usize,
}

/// Largest shard slots a request shape may name (a bound on input).
pub const MAX_SHARDS: usize = 1 << 16;

impl RequestShape {
    /// `S` shard slots of `F` entries each.
    pub const fn new(shards: usize, entries: usize) -> Self {
        Self { shards, entries }
    }
    /// A short name, `S x F`, e.g. `16x8`.
    pub fn name(&self) -> String {
        format!("{}x{}", self.shards, self.entries)
    }
    /// Parses `SxF` (`16x8`): `S` in `1..=`[`MAX_SHARDS`], `F` in
    /// `1..=`[`crate::shard::MAX_FACILITIES`].
    pub fn parse(t: &str) -> Result<Self, String> {
        let [shards, entries] = crate::shard::parse_dims(
            t,
            ["S (shard slots)", "F (entries per shard)"],
            [MAX_SHARDS, crate::shard::MAX_FACILITIES],
        )?;
        Ok(Self { shards, entries })
    }
}

/// The opening of one shard's `D_s`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShardOpening {
    /// The slot holds a shard.
    pub used: bool,
    /// Its partial product.
    pub product: Fr,
    /// The blinding of `D_s`.
    pub blinding: Fr,
    /// Its `F` entries.
    pub entries: Vec<ShardEntry>,
}

impl ShardOpening {
    /// `D_s`: [`output_commitment`] of this opening for the shard of
    /// `commitment`, `importer`, `epoch`.
    pub fn commitment(&self, commitment: Fr, importer: Fr, epoch: u64) -> Fr {
        let Self {
            entries,
            product,
            blinding,
            ..
        } = self;
        output_commitment(commitment, importer, epoch, entries, *product, *blinding)
    }

    /// An unused shard slot.
    pub fn padding(f: usize) -> Self {
        Self {
            used: false,
            product: Fr::one(),
            blinding: Fr::zero(),
            entries: vec![ShardEntry::default(); f],
        }
    }
}

/// The private witness of a request proof.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestWitness {
    /// `S` shard slots, in the order of `C`.
    pub shards: Vec<ShardOpening>,
}

/// The chain of shard outputs: `acc ← Poseidon(acc, D_s)` over used slots.
pub fn shards_digest(outputs: &[Fr]) -> Fr {
    outputs
        .iter()
        .fold(Fr::zero(), |acc, d| poseidon::hash(&[acc, *d]))
}

/// Key of an entry in the walk's order.
pub fn entry_key(e: &ShardEntry) -> u64 {
    (e.country << 26) | (e.facility_index << 16) | e.chunk
}

fn to_u128(x: &Fr) -> Option<u128> {
    let b = x.into_bigint();
    (b.num_bits() <= 128).then(|| {
        let limbs = b.as_ref();
        limbs[0] as u128 | ((limbs[1] as u128) << 64)
    })
}

/// The facility count of a witness, as the request proof computes it: the
/// facility runs (consecutive used entries of one `(country, facility)`) whose
/// ledger counts sum to more than 0. Assumes the walk's order (see
/// [`check_native`], which refuses any other).
pub fn ledger_facilities(w: &RequestWitness) -> u64 {
    let mut n = 0;
    let mut run: Option<((u64, u64), u64)> = None;
    for e in w.shards.iter().flat_map(|s| s.entries.iter()) {
        if !e.used {
            continue;
        }
        let fac = (e.country, e.facility_index);
        match &mut run {
            Some((f, c)) if *f == fac => *c += e.count,
            _ => {
                if let Some((_, c)) = run {
                    n += u64::from(c > 0);
                }
                run = Some((fac, e.count));
            }
        }
    }
    if let Some((_, c)) = run {
        n += u64::from(c > 0);
    }
    n
}

/// Totals of a walk, as the request proof computes them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    /// Distinct facilities holding at least one ledger chip.
    pub facilities: u64,
    /// Ledger chips.
    pub chips: u64,
    /// TPP.
    pub tpp: u128,
    /// TPP in the home country.
    pub home_tpp: u128,
    /// TPP outside tier 1.
    pub outside_tier1_tpp: u128,
}

/// A facility run ends at `p`, its last entry: it counts if it holds a
/// ledger chip (`fac_chips > 0`), and it must end at its last chunk; `which`
/// names the run in the error ("the last", "entry 3: the previous").
fn end_run(t: &mut Totals, p: &ShardEntry, fac_chips: u64, which: &str) -> Result<(), ClaimError> {
    t.facilities += u64::from(fac_chips > 0);
    if p.chunk + 1 != p.chunks {
        return Err(ClaimError::Rule {
            rule: "chunks",
            detail: format!("{which} facility ends at chunk {} of {}", p.chunk, p.chunks),
        });
    }
    Ok(())
}

/// The executable specification of the request claim.
pub fn check_native(
    shape: &RequestShape,
    st: &RequestStatement,
    w: &RequestWitness,
) -> Result<Totals, ClaimError> {
    if w.shards.len() != shape.shards || w.shards.iter().any(|s| s.entries.len() != shape.entries) {
        return Err(ClaimError::Shape(format!(
            "witness does not have the shape {} of the circuit",
            shape.name()
        )));
    }
    let rule = |rule: &'static str, detail: String| Err(ClaimError::Rule { rule, detail });
    if let Err(e) = st.rules.validate() {
        return rule("rules", e);
    }
    // Openings, digest, product.
    let mut outputs = Vec::new();
    let mut product = Fr::one();
    for (k, s) in w.shards.iter().enumerate() {
        if !s.used {
            if s.entries.iter().any(|e| e.used) {
                return rule("shards", format!("unused shard slot {k} has used entries"));
            }
            continue;
        }
        outputs.push(s.commitment(st.commitment, st.importer, st.epoch));
        product *= s.product;
    }
    if shards_digest(&outputs) != st.shards_digest {
        return rule(
            "shards",
            "the shard openings do not chain to the public shards digest".into(),
        );
    }
    if product != st.ledger_product {
        return rule(
            "ledger",
            "the shards' product differs from the ledger's: some ledger chip is missing, \
             duplicated or altered"
                .into(),
        );
    }
    // The walk.
    let r = &st.rules;
    let used: Vec<(usize, &ShardEntry)> = w
        .shards
        .iter()
        .flat_map(|s| s.entries.iter())
        .enumerate()
        .filter(|(_, e)| e.used)
        .collect();
    let mut t = Totals::default();
    let tpp_of = |i: usize, e: &ShardEntry| {
        to_u128(&e.tpp).ok_or(ClaimError::Rule {
            rule: "ledger",
            detail: format!("entry {i}: TPP sum is not a small number"),
        })
    };
    let mut per_country: Vec<(u64, u128)> = Vec::new();
    let mut prev: Option<&ShardEntry> = None;
    let (mut fac_chips, mut fac_tpp) = (0u64, 0u128);
    for &(i, e) in &used {
        let tpp = tpp_of(i, e)?;
        // Messages name the facility (registry index and country), and the
        // entry where it helps to find the chunk.
        let fac = format!(
            "facility #{} in {}",
            e.facility_index,
            crate::encoding::decode_country(e.country)
        );
        let new_facility = match prev {
            None => true,
            Some(p) => {
                if entry_key(e) <= entry_key(p) {
                    return rule(
                        "order",
                        format!("entry {i}: facility chunks are not in strictly increasing order (a facility or chunk attested twice?)"),
                    );
                }
                (p.country, p.facility_index) != (e.country, e.facility_index)
            }
        };
        if new_facility {
            if let Some(p) = prev {
                end_run(&mut t, p, fac_chips, &format!("entry {i}: the previous"))?;
            }
            if e.chunk != 0 {
                return rule(
                    "chunks",
                    format!("{fac} (entry {i}): starts at chunk {}", e.chunk),
                );
            }
            fac_chips = 0;
            fac_tpp = 0;
        } else if let Some(p) = prev {
            if e.chunk != p.chunk + 1 || e.chunks != p.chunks {
                return rule(
                    "chunks",
                    format!(
                        "entry {i}: chunk {} of {} follows {} of {}",
                        e.chunk, e.chunks, p.chunk, p.chunks
                    ),
                );
            }
        }
        fac_chips += e.count;
        fac_tpp += tpp;
        if fac_chips > r.facility_cap_chips {
            return rule(
                "facility cap",
                format!(
                    "{fac} (entry {i}): it holds {fac_chips} ledger chips, the cap is {}",
                    r.facility_cap_chips
                ),
            );
        }
        if fac_tpp > r.facility_cap_tpp as u128 {
            return rule(
                "facility cap",
                format!(
                    "{fac} (entry {i}): it holds TPP {fac_tpp}, the cap is {}",
                    r.facility_cap_tpp
                ),
            );
        }
        match per_country.last_mut() {
            Some((c, sum)) if *c == e.country => *sum += tpp,
            _ => per_country.push((e.country, tpp)),
        }
        if e.tier > r.max_tier && e.count > 0 {
            return rule(
                "tier exclusion",
                format!(
                    "{fac} (entry {i}): {} ledger chips in a tier-{} country (max {})",
                    e.count, e.tier, r.max_tier
                ),
            );
        }
        t.chips += e.count;
        t.tpp += tpp;
        if e.country == r.home_country {
            t.home_tpp += tpp;
        }
        if e.tier != 1 {
            t.outside_tier1_tpp += tpp;
        }
        prev = Some(e);
    }
    if let Some(p) = prev {
        end_run(&mut t, p, fac_chips, "the last")?;
    }
    for (c, sum) in &per_country {
        if *c != r.home_country && BP as u128 * sum > r.other_max_bp as u128 * t.tpp {
            return rule(
                "distribution",
                format!(
                    "country {}: TPP {sum} of {} exceeds {} bp",
                    crate::encoding::decode_country(*c),
                    t.tpp,
                    r.other_max_bp
                ),
            );
        }
    }
    if BP as u128 * t.home_tpp < r.home_min_bp as u128 * t.tpp {
        return rule(
            "distribution",
            format!(
                "home TPP {} of {} is below {} bp",
                t.home_tpp, t.tpp, r.home_min_bp
            ),
        );
    }
    if BP as u128 * t.outside_tier1_tpp > r.outside_tier1_max_bp as u128 * t.tpp {
        return rule(
            "distribution",
            format!(
                "TPP outside tier 1 {} of {} exceeds {} bp",
                t.outside_tier1_tpp, t.tpp, r.outside_tier1_max_bp
            ),
        );
    }
    if t.chips > r.total_cap_chips {
        return rule(
            "totals",
            format!(
                "{} ledger chips exceed the cap of {}",
                t.chips, r.total_cap_chips
            ),
        );
    }
    if t.tpp > r.total_cap_tpp as u128 {
        return rule(
            "totals",
            format!("TPP {} exceeds the cap of {}", t.tpp, r.total_cap_tpp),
        );
    }
    if t.facilities != st.facilities {
        return rule(
            "facilities",
            format!(
                "{} distinct facilities hold ledger chips, the statement says {}",
                t.facilities, st.facilities
            ),
        );
    }
    Ok(t)
}
