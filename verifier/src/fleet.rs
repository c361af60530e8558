//! The agency's side of the accountable statement: a [`Submission`] (the
//! shard proofs of one importer's inventory and one request proof) checked
//! against the agency's own registry, ledger, request and verifying keys.
//!
//! [`verify_submission`] runs the native checks of `docs/verifier.md`
//! ("Submission verification"), cheapest first, then batch-verifies the shard
//! proofs and verifies the request proof. Every value it compares against is
//! the agency's — the importer named in its request, the epoch, nonce and
//! rules it sent, its registry root, its ledger's digest and product, its
//! keys and their shapes — never one the submission declares about itself.
//! The rules' home country must be the one the registry lists for the
//! importer ([`check_home_country`]), in the agency's request and in the
//! proof alike.
//! A shard at fault is named by its index ([`VerifyError::Shard`]); a check
//! of the submission as a whole fails with [`VerifyError::Fleet`].
//!
//! ```no_run
//! use zkcc_verifier::fleet::{verify_submission, FleetKeys};
//! use zkcc_verifier::keys::load_verifying_key_for;
//! use zkcc_verifier::submission::{RequestFile, Submission};
//! use zkcc_circuits::{ledger::Ledger, registry::Registry};
//! use zkcc_circuits::{request::RequestShape, shard::ShardShape};
//! let read = |p: &str| std::fs::read_to_string(p);
//! let registry = Registry::from_json(&read("registry.json")?)?;
//! let ledger = Ledger::from_json(&read("ledger.json")?, &registry)?;
//! let request: RequestFile = serde_json::from_str(&read("request.json")?)?;
//! let keys = FleetKeys::new(
//!     &load_verifying_key_for(&std::fs::read("keys/shard-8x128.vk")?, 7)?,
//!     ShardShape::new(8, 128),
//!     &load_verifying_key_for(&std::fs::read("keys/request-16x8.vk")?, 16)?,
//!     RequestShape::new(16, 8),
//! )?;
//! let sub = Submission::from_json(&read("submission.json")?)?;
//! let v = verify_submission(&keys, &registry, &ledger, &request, &sub, &mut rand::rngs::OsRng)?;
//! println!("{}: {} ledger chips located in {} facilities", v.importer, v.ledger_chips, v.facilities);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
use crate::batch::{BatchItem, PreparedKey};
use crate::error::{mismatch, VerifyError};
use crate::keys::{check_verifying_key_for, circuit_id};
use crate::par;
use crate::submission::{RequestFile, RulesJson, Submission, SUBMISSION_VERSION};
use ark_bn254::{Bn254, Fr};
use ark_ff::Zero;
use ark_groth16::{Proof, VerifyingKey};
use rand::{CryptoRng, RngCore};
use std::collections::HashMap;
use zkcc_circuits::delay;
use zkcc_circuits::encoding::{encode_label, fr_from_hex, fr_to_hex};
use zkcc_circuits::ledger::{self, Ledger};
use zkcc_circuits::registry::Registry;
use zkcc_circuits::request::{self, RequestShape, RequestStatement, Rules};
use zkcc_circuits::shard::{self, ShardShape, ShardStatement};

/// The agency's verifying keys for the accountable statement, prepared once,
/// with the shapes the agency set them up for. A bundle is verified under
/// these keys only: one naming another circuit id or shape is rejected, never
/// matched to a key by what it declares.
#[derive(Clone, Debug)]
pub struct FleetKeys {
    /// The shard circuit's key.
    pub shard: PreparedKey,
    /// Its circuit id (hex SHA-256 of the compressed key).
    pub shard_id: String,
    /// The shard circuit's shape.
    pub shard_shape: ShardShape,
    /// The request circuit's key.
    pub request: PreparedKey,
    /// Its circuit id.
    pub request_id: String,
    /// The request circuit's shape: at most `request_shape.shards` shards per
    /// submission.
    pub request_shape: RequestShape,
    /// The delay circuit's key and id (of the shard shape), when the agency
    /// asks for delay evidence ([`FleetKeys::with_delay`]).
    pub delay: Option<(PreparedKey, String)>,
}

impl FleetKeys {
    /// Checks the keys (no identity points, `γ ≠ δ`, one input base per
    /// public input: 7 for the shard claim, 16 for the request claim) and
    /// prepares them.
    pub fn new(
        shard_vk: &VerifyingKey<Bn254>,
        shard_shape: ShardShape,
        request_vk: &VerifyingKey<Bn254>,
        request_shape: RequestShape,
    ) -> Result<Self, VerifyError> {
        check_verifying_key_for(shard_vk, shard::PUBLIC_INPUT_NAMES.len())?;
        check_verifying_key_for(request_vk, request::PUBLIC_INPUT_NAMES.len())?;
        if request_shape.shards == 0 || shard_shape.facilities == 0 || shard_shape.slot_chips == 0 {
            return Err(VerifyError::KeyInvalid(
                "a shape with no shard, facility or chip slot".into(),
            ));
        }
        // The request opens every facility slot of every shard: one entry per
        // slot, or an entry (and the rules on it) would be left unchecked.
        if request_shape.entries != shard_shape.facilities {
            return Err(VerifyError::KeyInvalid(format!(
                "the request circuit {} opens {} entries per shard, the shard circuit {} has {} facility slots",
                request_shape.name(),
                request_shape.entries,
                shard_shape.name(),
                shard_shape.facilities
            )));
        }
        if shard_shape.slot_chips > shard::MAX_SLOT_CHIPS {
            return Err(VerifyError::KeyInvalid(format!(
                "shard circuit {}: more than {} chip slots per facility slot (the mark mask must fit a field element)",
                shard_shape.name(),
                shard::MAX_SLOT_CHIPS
            )));
        }
        Ok(Self {
            shard: PreparedKey::new(shard_vk),
            shard_id: circuit_id(shard_vk),
            shard_shape,
            request: PreparedKey::new(request_vk),
            request_id: circuit_id(request_vk),
            request_shape,
            delay: None,
        })
    }

    /// The keys with the delay circuit's key (of the shard shape; checked:
    /// five public inputs).
    pub fn with_delay(mut self, delay_vk: &VerifyingKey<Bn254>) -> Result<Self, VerifyError> {
        check_verifying_key_for(delay_vk, delay::PUBLIC_INPUT_NAMES.len())?;
        self.delay = Some((PreparedKey::new(delay_vk), circuit_id(delay_vk)));
        Ok(self)
    }
}

/// What a verified submission proves: the only facts a decision may use.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedSubmission {
    /// The importer (the one the agency's request names).
    pub importer: String,
    /// The epoch.
    pub epoch: u64,
    /// The inventory commitment `C`.
    pub commitment: Fr,
    /// Number of shards `S`.
    pub shards: usize,
    /// Distinct facilities attested that hold a ledger chip (an output of the
    /// request proof).
    pub facilities: u64,
    /// The ledger's length: the grand product proves every one of these chips
    /// located exactly once, in a facility of the importer, inside its fence.
    pub ledger_chips: u64,
    /// The ledger's total TPP.
    pub ledger_tpp: u64,
    /// The rules proven (equal to the agency's request).
    pub rules: Rules,
    /// The nonce answered.
    pub nonce: Fr,
    /// The registry root every shard names.
    pub registry_root: Fr,
    /// The ledger digest every shard names.
    pub ledger_digest: Fr,
    /// The shard circuit's id.
    pub shard_circuit_id: String,
    /// The request circuit's id.
    pub request_circuit_id: String,
    /// The day of the delay evidence, when the request asked for it: every
    /// ledger chip answered, that day, an accredited landmark whose accepted
    /// distance covers its facility, within the round trip it allows.
    pub delay_day: Option<u64>,
}

impl VerifiedSubmission {
    /// The commitment, as hex.
    pub fn commitment_hex(&self) -> String {
        fr_to_hex(&self.commitment)
    }

    /// The proven rules, as JSON (the home country as its ISO code).
    pub fn rules_json(&self) -> RulesJson {
        RulesJson::from_rules(&self.rules)
    }
}

/// A submission that passed every native check, with the batches still to
/// verify (see [`check_submission`]).
#[derive(Clone, Debug)]
pub struct CheckedSubmission {
    /// What it proves, once its proofs verify.
    pub facts: VerifiedSubmission,
    /// One item per shard, in order.
    pub shards: Vec<BatchItem>,
    /// The request proof.
    pub request: BatchItem,
    /// One delay proof per shard (when the request asked for them).
    pub delay: Vec<BatchItem>,
}

/// The shape of a circuit, named in errors.
trait Shape: PartialEq {
    fn name(&self) -> String;
}

impl Shape for ShardShape {
    fn name(&self) -> String {
        ShardShape::name(self)
    }
}

impl Shape for RequestShape {
    fn name(&self) -> String {
        RequestShape::name(self)
    }
}

/// A bundle proven for circuit `circuit_id` of `shape` matches the agency's
/// key (`key_id`, `key_shape`).
fn check_key<S: Shape>(
    circuit_id: &str,
    key_id: &str,
    shape: &S,
    key_shape: &S,
) -> Result<(), VerifyError> {
    if circuit_id != key_id {
        return Err(VerifyError::WrongCircuit {
            bundle: circuit_id.to_string(),
            key: key_id.to_string(),
        });
    }
    if shape != key_shape {
        return Err(VerifyError::WrongShape {
            bundle: shape.name(),
            expected: key_shape.name(),
        });
    }
    Ok(())
}

/// A bundle's stated importer (as text, and encoded in its statement) and
/// its statement's epoch are the request's (`x` the request's importer,
/// encoded).
fn check_importer_and_epoch(
    request: &RequestFile,
    x: Fr,
    (importer, st_importer, st_epoch): (&str, Fr, u64),
) -> Result<(), VerifyError> {
    if importer != request.importer || st_importer != x {
        return Err(mismatch("importer", &request.importer, importer));
    }
    if st_epoch != request.epoch {
        return Err(mismatch("epoch", request.epoch, st_epoch));
    }
    Ok(())
}

fn fleet(check: &'static str, detail: impl Into<String>) -> VerifyError {
    VerifyError::Fleet {
        check,
        detail: detail.into(),
    }
}

fn at_shard(index: usize) -> impl Fn(VerifyError) -> VerifyError {
    move |e| VerifyError::Shard {
        index,
        source: Box::new(e),
    }
}

/// The agency's request, validated: `(X, nonce, rules)`.
fn agency_request(request: &RequestFile) -> Result<(Fr, Fr, Rules), VerifyError> {
    let bad = |d: String| fleet("request_file", d);
    if request.version != SUBMISSION_VERSION {
        return Err(bad(format!(
            "the agency's request has format version {} (expected {SUBMISSION_VERSION})",
            request.version
        )));
    }
    let x = encode_label(&request.importer)
        .map_err(|e| bad(format!("the agency's request: importer: {e}")))?;
    let nonce = fr_from_hex(&request.nonce)
        .map_err(|e| bad(format!("the agency's request: nonce: {e}")))?;
    let rules = request
        .rules
        .to_rules()
        .map_err(|e| bad(format!("the agency's request: {e}")))?;
    Ok((x, nonce, rules))
}

/// Checks the rules' home country against the agency's registry: for an
/// importer the registry lists, it must be the registry's
/// ([`VerifyError::HomeCountry`], naming both); for one it does not list, the
/// rules may set no distribution rule that depends on the home country
/// (`home_min_bp > 0` or `other_max_bp < 10,000`:
/// [`VerifyError::UnlistedImporter`]). The request builder and the
/// submission's verifier both apply it.
pub fn check_home_country(
    registry: &Registry,
    importer: &str,
    rules: &Rules,
) -> Result<(), VerifyError> {
    let found = RulesJson::from_rules(rules).home_country;
    match registry.home_country(importer) {
        Some(home) if home == found => Ok(()),
        Some(home) => Err(VerifyError::HomeCountry {
            importer: importer.to_string(),
            registry: home.to_string(),
            rules: found,
        }),
        None if rules.home_min_bp > 0 || rules.other_max_bp < request::BP => {
            Err(VerifyError::UnlistedImporter {
                importer: importer.to_string(),
                home_min_bp: rules.home_min_bp,
                other_max_bp: rules.other_max_bp,
            })
        }
        None => Ok(()),
    }
}

/// Compares proven rules with the agency's, naming the first field that differs.
fn check_rules(expected: &Rules, found: &Rules) -> Result<(), VerifyError> {
    let e = RulesJson::from_rules(expected);
    let f = RulesJson::from_rules(found);
    // (`rules.<field>`, expected, found) for each named field, as text.
    macro_rules! fields {
        ($e:ident, $f:ident; $($field:ident),+) => {
            [$((
                concat!("rules.", stringify!($field)),
                $e.$field.to_string(),
                $f.$field.to_string(),
            )),+]
        };
    }
    let fields = fields!(
        e, f;
        facility_cap_chips,
        facility_cap_tpp,
        home_country,
        home_min_bp,
        other_max_bp,
        outside_tier1_max_bp,
        max_tier,
        total_cap_chips,
        total_cap_tpp
    );
    for (name, exp, got) in fields {
        if exp != got {
            return Err(mismatch(name, exp, got));
        }
    }
    // The fields above determine the rules; this guards a future field.
    if expected != found {
        return Err(mismatch("rules", format!("{e:?}"), format!("{f:?}")));
    }
    Ok(())
}

/// Every check of [`verify_submission`] except the pairing checks, in the
/// same order; returns the facts and the proofs still to verify. Useful to
/// reject a submission cheaply before any pairing, and for tests.
pub fn check_submission(
    keys: &FleetKeys,
    registry: &Registry,
    ledger: &Ledger,
    request: &RequestFile,
    sub: &Submission,
) -> Result<CheckedSubmission, VerifyError> {
    // 1. The agency's own inputs agree with each other.
    let (x, nonce, rules) = agency_request(request)?;
    if ledger.importer != x {
        return Err(fleet(
            "ledger_importer",
            format!(
                "the agency's ledger is for importer {:?}, its request names {:?}",
                ledger.importer_id, request.importer
            ),
        ));
    }
    check_home_country(registry, &request.importer, &rules)?;
    let epoch = request.epoch;

    // 2. The submission as a whole: format, importer, epoch, size.
    if sub.version != SUBMISSION_VERSION {
        return Err(VerifyError::Unsupported(format!(
            "submission version {} (expected {SUBMISSION_VERSION})",
            sub.version
        )));
    }
    if sub.importer != request.importer {
        return Err(mismatch("importer", &request.importer, &sub.importer));
    }
    if sub.epoch != epoch {
        return Err(mismatch("epoch", epoch, sub.epoch));
    }
    let s_max = keys.request_shape.shards;
    if sub.shards.len() > s_max {
        return Err(fleet(
            "shard_count",
            format!(
                "{} shards, the agency's request circuit ({}) opens at most {s_max}",
                sub.shards.len(),
                keys.request_shape.name()
            ),
        ));
    }
    let c = fr_from_hex(&sub.commitment).map_err(|e| VerifyError::PublicInput {
        name: "commitment",
        reason: e.to_string(),
    })?;

    // 3. Each shard: kind, key, shape, and a statement about this importer,
    //    epoch, registry, ledger and inventory; no shard twice.
    let mut items = Vec::with_capacity(sub.shards.len());
    let mut statements: Vec<ShardStatement> = Vec::with_capacity(sub.shards.len());
    let mut seen: HashMap<Fr, usize> = HashMap::new();
    // Decompressing and subgroup-checking the proofs is most of the native
    // work of a large submission: done on every core, used in order below.
    let mut proofs = par::map(&sub.shards, |b| b.proof()).into_iter();
    for (i, b) in sub.shards.iter().enumerate() {
        let proof = proofs.next().unwrap_or_else(|| b.proof());
        let st = (|| -> Result<(ShardStatement, Proof<Bn254>), VerifyError> {
            let st = b.statement()?;
            check_key(&b.circuit_id, &keys.shard_id, &b.shape, &keys.shard_shape)?;
            let stated = (&b.public_inputs.importer[..], st.importer, st.epoch);
            check_importer_and_epoch(request, x, stated)?;
            if st.registry_root != registry.root {
                return Err(mismatch(
                    "registry_root",
                    fr_to_hex(&registry.root),
                    fr_to_hex(&st.registry_root),
                ));
            }
            if st.ledger_digest != ledger.digest {
                return Err(mismatch(
                    "ledger_digest",
                    fr_to_hex(&ledger.digest),
                    fr_to_hex(&st.ledger_digest),
                ));
            }
            if st.commitment != c {
                return Err(mismatch(
                    "commitment",
                    fr_to_hex(&c),
                    fr_to_hex(&st.commitment),
                ));
            }
            if let Some(first) = seen.insert(st.shard_commitment, i) {
                return Err(fleet(
                    "duplicate_shard",
                    format!(
                        "shard commitment {} is also shard {first}'s",
                        fr_to_hex(&st.shard_commitment)
                    ),
                ));
            }
            Ok((st, proof?))
        })()
        .map_err(at_shard(i))?;
        items.push(BatchItem {
            inputs: st.0.public_inputs(),
            proof: st.1,
        });
        statements.push(st.0);
    }

    // 4. The request proof: kind, key, shape, and the agency's request.
    let rb = &sub.request;
    let rst: RequestStatement = rb.statement()?;
    check_key(
        &rb.circuit_id,
        &keys.request_id,
        &rb.shape,
        &keys.request_shape,
    )?;
    let stated = (&rb.public_inputs.importer[..], rst.importer, rst.epoch);
    check_importer_and_epoch(request, x, stated)?;
    if rst.nonce != nonce {
        return Err(mismatch("nonce", fr_to_hex(&nonce), fr_to_hex(&rst.nonce)));
    }
    check_home_country(registry, &request.importer, &rst.rules)?;
    check_rules(&rules, &rst.rules)?;
    if rst.commitment != c {
        return Err(mismatch(
            "commitment",
            fr_to_hex(&c),
            fr_to_hex(&rst.commitment),
        ));
    }
    let request_proof = rb.proof().map_err(|e| match e {
        VerifyError::ProofEncoding(m) => VerifyError::ProofEncoding(format!("request proof: {m}")),
        e => e,
    })?;

    // 5. The inventory: C is the chain of exactly these shards, in order.
    let shard_cs: Vec<Fr> = statements.iter().map(|s| s.shard_commitment).collect();
    let expected_c = shard::fleet_commitment(x, epoch, &shard_cs);
    if expected_c != c {
        return Err(fleet(
            "fleet_commitment",
            format!(
                "C = {} is not the chain of the {} shard commitments submitted, in order ({})",
                fr_to_hex(&c),
                shard_cs.len(),
                fr_to_hex(&expected_c)
            ),
        ));
    }
    // 6. The request proof opened exactly these shards' outputs, in order.
    let outputs: Vec<Fr> = statements.iter().map(|s| s.output).collect();
    let digest = request::shards_digest(&outputs);
    if digest != rst.shards_digest {
        return Err(fleet(
            "shards_digest",
            format!(
                "the request proof's shards digest {} is not the chain of the submitted shards' outputs ({})",
                fr_to_hex(&rst.shards_digest),
                fr_to_hex(&digest)
            ),
        ));
    }
    // 7. The grand product over the agency's ledger, from challenges bound to C.
    let (gamma, beta) = ledger::challenges(c, ledger.digest, x, epoch);
    let product = ledger.product(gamma, beta);
    if product.is_zero() {
        return Err(fleet(
            "ledger_product",
            "the ledger's product is 0 under these challenges: it would match any inventory \
             holding the vanishing chip; refused",
        ));
    }
    if product != rst.ledger_product {
        return Err(fleet(
            "ledger_product",
            format!(
                "the request proof's ledger product {} is not the product over the agency's \
                 ledger ({} chips, digest {}): the inventory proven is not the ledger",
                fr_to_hex(&rst.ledger_product),
                ledger.len(),
                fr_to_hex(&ledger.digest)
            ),
        ));
    }

    // 8. Delay evidence, when the request asks for it: one proof per shard,
    //    re-opening exactly that shard's C_s, for a day in the window.
    let delay = check_delay(keys, registry, request, x, sub, &shard_cs)?;

    Ok(CheckedSubmission {
        facts: VerifiedSubmission {
            importer: request.importer.clone(),
            epoch,
            commitment: c,
            shards: statements.len(),
            facilities: rst.facilities,
            ledger_chips: ledger.len() as u64,
            ledger_tpp: ledger.total_tpp(),
            rules: rst.rules,
            nonce,
            registry_root: registry.root,
            ledger_digest: ledger.digest,
            shard_circuit_id: keys.shard_id.clone(),
            request_circuit_id: keys.request_id.clone(),
            delay_day: delay.as_ref().map(|d| d.0),
        },
        shards: items,
        request: BatchItem {
            inputs: rst.public_inputs(),
            proof: request_proof,
        },
        delay: delay.map(|d| d.1).unwrap_or_default(),
    })
}

/// The delay section of a submission against the agency's request: `None`
/// when the request asks for no delay evidence (and the submission carries
/// none), otherwise the day and one batch item per shard.
fn check_delay(
    keys: &FleetKeys,
    registry: &Registry,
    request: &RequestFile,
    x: Fr,
    sub: &Submission,
    shard_cs: &[Fr],
) -> Result<Option<(u64, Vec<BatchItem>)>, VerifyError> {
    let Some(window) = request.delay else {
        if !sub.delay.is_empty() {
            return Err(fleet(
                "delay_unrequested",
                format!(
                    "{} delay proofs, the agency's request asks for no delay evidence",
                    sub.delay.len()
                ),
            ));
        }
        return Ok(None);
    };
    let Some((key, key_id)) = &keys.delay else {
        return Err(VerifyError::KeyInvalid(
            "the agency's request asks for delay evidence, and no delay circuit key is loaded"
                .into(),
        ));
    };
    if registry.landmark_section.is_none() {
        return Err(VerifyError::KeyInvalid(
            "the agency's request asks for delay evidence, and its registry lists no landmark"
                .into(),
        ));
    }
    if sub.delay.len() != shard_cs.len() {
        return Err(fleet(
            "delay_count",
            format!(
                "{} delay proofs for {} shards: the request asks for one per shard",
                sub.delay.len(),
                shard_cs.len()
            ),
        ));
    }
    let mut items = Vec::with_capacity(sub.delay.len());
    let mut day = None;
    for (i, (b, c_s)) in sub.delay.iter().zip(shard_cs).enumerate() {
        let at = |e: VerifyError| VerifyError::Fleet {
            check: "delay_proof",
            detail: format!("delay proof {i}: {e}"),
        };
        let st = b.statement().map_err(at)?;
        check_key(&b.circuit_id, key_id, &b.shape, &keys.shard_shape).map_err(at)?;
        check_importer_and_epoch(
            request,
            x,
            (&b.public_inputs.importer[..], st.importer, st.epoch),
        )
        .map_err(at)?;
        if st.registry_root != registry.root {
            return Err(at(mismatch(
                "registry_root",
                fr_to_hex(&registry.root),
                fr_to_hex(&st.registry_root),
            )));
        }
        if st.shard_commitment != *c_s {
            return Err(at(mismatch(
                "shard_commitment",
                fr_to_hex(c_s),
                fr_to_hex(&st.shard_commitment),
            )));
        }
        if !(window.earliest_day..=window.latest_day).contains(&st.day) {
            return Err(at(VerifyError::Fleet {
                check: "delay_day",
                detail: format!(
                    "evidence of day {}, the request accepts days {} to {}",
                    st.day, window.earliest_day, window.latest_day
                ),
            }));
        }
        if *day.get_or_insert(st.day) != st.day {
            return Err(at(VerifyError::Fleet {
                check: "delay_day",
                detail: format!(
                    "evidence of day {}, the first delay proof's is of day {}",
                    st.day,
                    day.unwrap_or_default()
                ),
            }));
        }
        items.push(BatchItem {
            inputs: st.public_inputs(),
            proof: b.proof().map_err(at)?,
        });
    }
    let _ = key;
    Ok(day.map(|d| (d, items)))
}

/// Verifies an importer's submission against the agency's keys, registry,
/// ledger and request: every native check of [`check_submission`], then one
/// batch of the shard proofs and the request proof. A shard proof that does
/// not verify is named: `Shard { index, source: ProofRejected }` (the first
/// one, if several); a request proof that does not verify is a plain
/// [`VerifyError::ProofRejected`]. `rng` supplies the batch's fresh
/// randomness (`rand::rngs::OsRng`).
pub fn verify_submission<R: RngCore + CryptoRng>(
    keys: &FleetKeys,
    registry: &Registry,
    ledger: &Ledger,
    request: &RequestFile,
    sub: &Submission,
    rng: &mut R,
) -> Result<VerifiedSubmission, VerifyError> {
    let checked = check_submission(keys, registry, ledger, request, sub)?;
    match keys.shard.verify_batch(&checked.shards, rng) {
        Ok(()) => {}
        Err(VerifyError::BatchRejected { bad }) => {
            let index = bad.first().copied().unwrap_or(0);
            return Err(at_shard(index)(VerifyError::ProofRejected));
        }
        // Cannot happen for keys checked by `FleetKeys::new`.
        Err(e @ VerifyError::BatchInputCount { index, .. }) => return Err(at_shard(index)(e)),
        Err(e) => return Err(e),
    }
    keys.request
        .verify(&checked.request.inputs, &checked.request.proof)?;
    if let Some((key, _)) = &keys.delay {
        if !checked.delay.is_empty() {
            match key.verify_batch(&checked.delay, rng) {
                Ok(()) => {}
                Err(VerifyError::BatchRejected { bad }) => {
                    return Err(VerifyError::Fleet {
                        check: "delay_proof",
                        detail: format!(
                            "delay proof {} does not verify",
                            bad.first().copied().unwrap_or(0)
                        ),
                    })
                }
                Err(e) => return Err(e),
            }
        }
    }
    Ok(checked.facts)
}
