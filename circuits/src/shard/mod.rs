//! # The shard claim
//!
//! *"The shard committed as `C_s`, one of the shards of the inventory `C` of
//! importer `X` for epoch `e`, holds facility slots each of which is a
//! facility of the registry `root` operated by `X`, attested (chunk `k` of `K`)
//! for epoch `e` by an accredited auditor, whose every attested chip lies
//! inside the facility's geofence; `D_s` is a hiding commitment to the shard's
//! partial grand product over the chips it marks as ledger chips, and to its
//! per-facility counts and TPP sums."* Public inputs, in order
//! ([`ShardStatement::public_inputs`]): `X`, `root`, `e`, `C`, `C_s`, `D_s`,
//! `ledger_digest`.
//!
//! ## Layout of the witness
//! `F` facility slots of `M` chip slots each (fixed: chip slot `i` of
//! facility slot `j` belongs to `j`, so no chip selects its facility). A used
//! facility slot holds one attested *chunk*: the auditor signs, per facility,
//! epoch and chunk,
//! ```text
//! acc_0 = 0,  acc_i = a_i ? Poseidon(acc_{i-1}, ident, position, tpp) : acc_{i-1}
//! M = Poseidon(TAG_ATTESTATION, facility_id, e, k, K, acc_M)
//! position = (lat + 2^27) + 2^28·(lon + 2^28) + 2^57·uncertainty
//! ```
//! over its active chips (`a_i`), which are the slot's first chips (`a_i ≤
//! a_{i−1}`, and `a_0 ≤ u`: the layout is a prefix, so the digest fixes which
//! slot holds which record). The importer marks each active chip as a ledger
//! chip or not (`m_i`, `m_i ≤ a_i`); a slot's marks form the integer
//! `mask = Σ 2^i·m_i`, bound by slot index.
//!
//! ## Commitments
//! ```text
//! C_s = Poseidon(TAG_SHARD, X, e, s_F, blinding)    s_j = u_j ? Poseidon(s_{j-1}, id, k, K, digest, mask) : s_{j-1}
//! C   = fleet chain over (X, e, S, C_1 … C_S)        (native; the agency recomputes it)
//! D_s = Poseidon(TAG_OUTPUT, C, X, e, o_F, P_s, blinding')
//! o_j = u_j ? Poseidon(o_{j-1}, country, index, k, K, tier, count_j, tpp_j) : o_{j-1}
//! P_s = Π over marked chips of (γ − ident − β·tpp),   (γ, β) = ledger::challenges(C, ledger_digest, X, e)
//! ```
//! `C_s` binds every record, its slot, its mark and every chunk of the shard,
//! and `C` binds the list of shards, before the challenge is derived from `C`.
use crate::eddsa::{self, Signature};
use crate::encoding::fr_from_i64;
use crate::error::ClaimError;
use crate::ledger::{challenges, term};
use crate::merkle::MerklePath;
use crate::poseidon;
use crate::registry::{
    registry_root, AuditorLeaf, FacilityLeaf, Registry, AUDITOR_DEPTH, FACILITY_DEPTH,
};
use ark_bn254::Fr;
use ark_ed_on_bn254::EdwardsAffine;
use ark_ff::{BigInteger256, One, Zero};

#[cfg(feature = "r1cs")]
pub mod constraints;
#[doc(hidden)]
pub mod fixtures;

/// Width of the chunk index and count range checks.
pub const CHUNK_BITS: usize = 16;
/// Offset added to a latitude (µdeg) before packing: `lat + 2^27 ∈ [0, 2^28)`.
pub const LAT_OFFSET: i64 = 1 << 27;
/// Offset added to a longitude (µdeg) before packing: `lon + 2^28 ∈ [0, 2^29)`.
pub const LON_OFFSET: i64 = 1 << 28;
/// Largest chip slots per facility slot (one mask element per facility slot).
pub const MAX_SLOT_CHIPS: usize = 248;
/// Largest facility slots per shard a shape may name (a bound on input, far
/// above any shard worth proving: `shard-1024x248` is 127 M constraints).
pub const MAX_FACILITIES: usize = 1024;

/// Parses `AxB` into two dimensions in `1..=max_a` and `1..=max_b`: digits
/// only, no overflow, the bound named in the error. Shared by the shapes.
pub fn parse_dims(t: &str, names: [&str; 2], max: [usize; 2]) -> Result<[usize; 2], String> {
    let (a, b) = t
        .split_once('x')
        .ok_or_else(|| format!("{t:?}: expected {}x{}, e.g. 8x128", names[0], names[1]))?;
    let mut out = [0; 2];
    for (i, d) in [a, b].into_iter().enumerate() {
        let n = if !d.is_empty() && d.len() <= 20 && d.bytes().all(|c| c.is_ascii_digit()) {
            d.parse::<usize>().ok()
        } else {
            None
        };
        out[i] = match n {
            Some(n) if (1..=max[i]).contains(&n) => n,
            _ => {
                return Err(format!(
                    "{t:?}: {} must be a number from 1 to {}, not {d:?}",
                    names[i], max[i]
                ))
            }
        };
    }
    Ok(out)
}

/// Capacity of one shard circuit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct ShardShape {
    /// Facility slots `F`.
    pub facilities: usize,
    /// Chip slots per facility slot `M`.
    pub slot_chips: usize,
}

impl ShardShape {
    /// `F` facility slots of `M` chip slots each.
    pub const fn new(facilities: usize, slot_chips: usize) -> Self {
        Self {
            facilities,
            slot_chips,
        }
    }
    /// A short name, `F x M`, e.g. `8x128`.
    pub fn name(&self) -> String {
        format!("{}x{}", self.facilities, self.slot_chips)
    }
    /// Parses `FxM` (`8x128`): `F` in `1..=`[`MAX_FACILITIES`], `M` in
    /// `1..=`[`MAX_SLOT_CHIPS`].
    pub fn parse(t: &str) -> Result<Self, String> {
        let [facilities, slot_chips] = parse_dims(
            t,
            ["F (facility slots)", "M (chips per slot)"],
            [MAX_FACILITIES, MAX_SLOT_CHIPS],
        )?;
        Ok(Self::new(facilities, slot_chips))
    }
    /// Chip slots `N = F·M`.
    pub fn chips(&self) -> usize {
        self.facilities * self.slot_chips
    }
}

/// Domain tags of the shard claim.
pub mod tags {
    domain_tags! {
        /// Attestation message of a chunk.
        attestation = b"zkcc attestation v2";
        /// Shard commitment.
        shard = b"zkcc shard commitment v1";
        /// Fleet (top) commitment.
        fleet = b"zkcc fleet commitment v1";
        /// Shard output commitment.
        output = b"zkcc shard output v1";
    }
}

/// The public statement of a shard proof.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ShardStatement {
    /// The importer `X` (encoded label).
    pub importer: Fr,
    /// Registry root.
    pub registry_root: Fr,
    /// Epoch.
    pub epoch: u64,
    /// The inventory (fleet) commitment `C`.
    pub commitment: Fr,
    /// This shard's commitment `C_s`.
    pub shard_commitment: Fr,
    /// The hiding commitment `D_s` to the shard's outputs.
    pub output: Fr,
    /// Digest of the agency's ledger for `X`.
    pub ledger_digest: Fr,
}

public_inputs!(ShardStatement {
    importer,
    registry_root,
    epoch,
    commitment,
    shard_commitment,
    output,
    ledger_digest,
});

/// One chip as measured and signed by the auditor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChipRecord {
    /// Chip identity, [`crate::ledger::chip_ident`].
    pub ident: Fr,
    /// Measured latitude, µdeg.
    pub lat: i64,
    /// Measured longitude, µdeg.
    pub lon: i64,
    /// Measurement uncertainty radius, m.
    pub uncertainty_m: u64,
    /// TPP of the chip's model.
    pub tpp: u64,
}

impl ChipRecord {
    /// The packed position `(lat + 2^27) + 2^28·(lon + 2^28) + 2^57·uncertainty`.
    pub fn position(&self) -> Fr {
        pack_position(self.lat, self.lon, self.uncertainty_m)
    }
    /// The filler of an inactive chip slot of a facility: its fence centre.
    pub fn filler(f: &FacilityLeaf) -> Self {
        Self {
            ident: Fr::zero(),
            lat: f.fence.lat,
            lon: f.fence.lon,
            uncertainty_m: 0,
            tpp: 0,
        }
    }
}

/// `(lat + 2^27) + 2^28·(lon + 2^28) + 2^57·unc` (unique for positions within
/// 2^23 µdeg of a registry fence centre and `unc < 2^16`).
pub fn pack_position(lat: i64, lon: i64, unc: u64) -> Fr {
    fr_from_i64(lat + LAT_OFFSET)
        + Fr::from(1u64 << 28) * fr_from_i64(lon + LON_OFFSET)
        + Fr::from(1u64 << 57) * Fr::from(unc)
}

/// One step of an attestation chain.
pub fn chain_step(acc: Fr, rec: &ChipRecord) -> Fr {
    poseidon::hash(&[acc, rec.ident, rec.position(), Fr::from(rec.tpp)])
}

/// The digest an auditor signs for a chunk: the chain over its records.
pub fn chunk_digest<'a>(records: impl IntoIterator<Item = &'a ChipRecord>) -> Fr {
    records.into_iter().fold(Fr::zero(), chain_step)
}

/// The message an auditor signs for chunk `k` of `K` of a facility.
pub fn attestation_message(facility_id: Fr, epoch: u64, chunk: u64, chunks: u64, digest: Fr) -> Fr {
    poseidon::hash(&[
        tags::attestation(),
        facility_id,
        Fr::from(epoch),
        Fr::from(chunk),
        Fr::from(chunks),
        digest,
    ])
}

/// The fleet (top) commitment over the shard commitments, in order.
pub fn fleet_commitment(importer: Fr, epoch: u64, shards: &[Fr]) -> Fr {
    let start = poseidon::hash(&[
        tags::fleet(),
        importer,
        Fr::from(epoch),
        Fr::from(shards.len() as u64),
    ]);
    shards
        .iter()
        .fold(start, |acc, c| poseidon::hash(&[acc, *c]))
}

/// A chip slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChipSlot {
    /// Holds an attested chip.
    pub active: bool,
    /// Marked as a chip of the agency's ledger.
    pub ledger: bool,
    /// The record (a filler for inactive slots).
    pub record: ChipRecord,
}

/// A facility slot: one attested chunk of a facility, or unused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FacilitySlot {
    /// Holds a chunk.
    pub used: bool,
    /// The facility as committed in the registry.
    pub facility: FacilityLeaf,
    /// Its path in the facility tree.
    pub facility_path: MerklePath,
    /// The signing auditor as committed in the registry.
    pub auditor: AuditorLeaf,
    /// Its path in the auditor tree.
    pub auditor_path: MerklePath,
    /// The epoch the attestation was made for.
    pub attestation_epoch: u64,
    /// Chunk index `k`.
    pub chunk: u64,
    /// Chunk count `K`.
    pub chunks: u64,
    /// The auditor's signature.
    pub signature: Signature,
    /// `M` chip slots.
    pub chips: Vec<ChipSlot>,
}

impl FacilitySlot {
    /// The rules of its chip slots' flags, as the shard and delay circuits
    /// both enforce them: a mark only on an active slot, and the **layout**:
    /// the active chips of a used facility slot are its first ones (so the
    /// chain digest fixes which slot holds which record), an unused one has
    /// none. `first` is the index of its first chip slot (for the error).
    pub fn check_layout(&self, first: usize) -> Result<(), ClaimError> {
        // The flag before chip slot i: `used` for the first, `active_{i−1}` after.
        let mut before = self.used;
        for (i, c) in self.chips.iter().enumerate() {
            let padding = |reason: &str| ClaimError::Padding {
                slot: first + i,
                reason: reason.into(),
            };
            if c.ledger && !c.active {
                return Err(padding("an inactive chip slot is marked as a ledger chip"));
            }
            if c.active && !before {
                return Err(padding(if self.used {
                    "an active chip slot follows an inactive one (active chips must be a facility slot's first ones)"
                } else {
                    "a chip slot of an unused facility slot is active"
                }));
            }
            before = c.active;
        }
        Ok(())
    }

    /// A used slot: chunk `chunk` of `chunks` of the registry's facility
    /// (index) `facility`, attested for `epoch` by its auditor (index)
    /// `auditor` with `signature`; its chips (record, on the ledger) active,
    /// padded to `slot_chips` with inactive fillers.
    pub fn attested(
        registry: &Registry,
        (facility, auditor): (usize, usize),
        (epoch, chunk, chunks): (u64, u64, u64),
        chips: impl IntoIterator<Item = (ChipRecord, bool)>,
        slot_chips: usize,
        signature: Signature,
    ) -> Self {
        let leaf = registry.facilities[facility];
        let mut chips: Vec<ChipSlot> = chips
            .into_iter()
            .map(|(record, ledger)| ChipSlot {
                active: true,
                ledger,
                record,
            })
            .collect();
        chips.resize(
            slot_chips,
            ChipSlot {
                active: false,
                ledger: false,
                record: ChipRecord::filler(&leaf),
            },
        );
        Self {
            used: true,
            facility: leaf,
            facility_path: registry.facility_tree.path(facility),
            auditor: registry.auditors[auditor],
            auditor_path: registry.auditor_tree.path(auditor),
            attestation_epoch: epoch,
            chunk,
            chunks,
            signature,
            chips,
        }
    }

    /// An unused slot of `m` chip slots: well-formed dummies.
    pub fn padding(m: usize) -> Self {
        let facility = FacilityLeaf::zero();
        Self {
            used: false,
            facility,
            facility_path: MerklePath::empty(FACILITY_DEPTH),
            auditor: AuditorLeaf {
                id: Fr::zero(),
                key: eddsa::generator(),
            },
            auditor_path: MerklePath::empty(AUDITOR_DEPTH),
            attestation_epoch: 0,
            chunk: 0,
            chunks: 0,
            signature: Signature {
                r: EdwardsAffine::zero(),
                s: BigInteger256::zero(),
            },
            chips: vec![
                ChipSlot {
                    active: false,
                    ledger: false,
                    record: ChipRecord::filler(&facility),
                };
                m
            ],
        }
    }

    /// The chain digest of the active chips.
    pub fn digest(&self) -> Fr {
        chunk_digest(self.chips.iter().filter(|c| c.active).map(|c| &c.record))
    }

    /// The ledger-mark mask `Σ 2^i·m_i`.
    pub fn mask(&self) -> Fr {
        let mut acc = Fr::zero();
        for c in self.chips.iter().rev() {
            acc = acc + acc + Fr::from(c.ledger as u64);
        }
        acc
    }

    /// The slot as its output entry opens it (see [`ShardEntry`]).
    pub fn entry(&self) -> ShardEntry {
        let (count, tpp) = self.ledger_sums();
        ShardEntry {
            used: self.used,
            country: self.facility.country,
            facility_index: self.facility_path.index,
            chunk: self.chunk,
            chunks: self.chunks,
            tier: self.facility.tier,
            count,
            tpp,
        }
    }

    /// Ledger chips and their TPP sum.
    pub fn ledger_sums(&self) -> (u64, Fr) {
        let marked = self.chips.iter().filter(|c| c.ledger);
        let n = marked.clone().count() as u64;
        (n, marked.map(|c| Fr::from(c.record.tpp)).sum())
    }
}

/// The private witness of a shard proof.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShardWitness {
    /// `F` facility slots.
    pub facilities: Vec<FacilitySlot>,
    /// Root of the registry's facility tree.
    pub facilities_root: Fr,
    /// Root of the registry's auditor tree.
    pub auditors_root: Fr,
    /// The registry's parameter digest.
    pub params_digest: Fr,
    /// Blinding of `C_s`.
    pub shard_blinding: Fr,
    /// Blinding of `D_s`.
    pub output_blinding: Fr,
}

/// One facility chunk as the request proof sees it (opened from `D_s`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct ShardEntry {
    /// The slot holds a chunk.
    pub used: bool,
    /// Encoded country of the facility.
    pub country: u64,
    /// The facility's index in the registry.
    pub facility_index: u64,
    /// Chunk index.
    pub chunk: u64,
    /// Chunk count.
    pub chunks: u64,
    /// Tier of the facility's country.
    pub tier: u64,
    /// Ledger chips in the chunk.
    pub count: u64,
    /// Their TPP sum.
    pub tpp: Fr,
}

impl ShardEntry {
    /// The hashed fields (everything but `used`).
    pub fn fields(&self) -> [Fr; 7] {
        [
            Fr::from(self.country),
            Fr::from(self.facility_index),
            Fr::from(self.chunk),
            Fr::from(self.chunks),
            Fr::from(self.tier),
            Fr::from(self.count),
            self.tpp,
        ]
    }
}

/// One step of the output chain: `u ? Poseidon(acc, fields) : acc`.
pub fn output_step(acc: Fr, e: &ShardEntry) -> Fr {
    if !e.used {
        return acc;
    }
    let f = e.fields();
    poseidon::hash(&[acc, f[0], f[1], f[2], f[3], f[4], f[5], f[6]])
}

/// `D_s` from its opening.
pub fn output_commitment(
    commitment: Fr,
    importer: Fr,
    epoch: u64,
    entries: &[ShardEntry],
    product: Fr,
    blinding: Fr,
) -> Fr {
    let acc = entries.iter().fold(Fr::zero(), output_step);
    poseidon::hash(&[
        tags::output(),
        commitment,
        importer,
        Fr::from(epoch),
        acc,
        product,
        blinding,
    ])
}

/// `C_s` over the used slots' `(id, k, K, digest, mask)`.
pub fn shard_commitment(importer: Fr, epoch: u64, w: &ShardWitness) -> Fr {
    shard_commitment_from(importer, epoch, w, |_, f| f.digest())
}

/// [`shard_commitment`] with the chunk digest of used slot `j` given by
/// `digest(j, slot)` (the native check has them already: no second hash of
/// every chip).
fn shard_commitment_from(
    importer: Fr,
    epoch: u64,
    w: &ShardWitness,
    digest: impl Fn(usize, &FacilitySlot) -> Fr,
) -> Fr {
    let acc = w
        .facilities
        .iter()
        .enumerate()
        .filter(|(_, f)| f.used)
        .fold(Fr::zero(), |acc, (j, f)| {
            poseidon::hash(&[
                acc,
                f.facility.id,
                Fr::from(f.chunk),
                Fr::from(f.chunks),
                digest(j, f),
                f.mask(),
            ])
        });
    poseidon::hash(&[
        tags::shard(),
        importer,
        Fr::from(epoch),
        acc,
        w.shard_blinding,
    ])
}

/// What a shard proves, in the clear (the opening of `D_s`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShardOutput {
    /// Per facility slot.
    pub entries: Vec<ShardEntry>,
    /// The partial grand product over marked chips.
    pub product: Fr,
    /// The blinding of `D_s`.
    pub blinding: Fr,
}

impl ShardOutput {
    /// `D_s`: [`output_commitment`] of this opening for the shard of
    /// `commitment`, `importer`, `epoch`.
    pub fn commitment(&self, commitment: Fr, importer: Fr, epoch: u64) -> Fr {
        output_commitment(
            commitment,
            importer,
            epoch,
            &self.entries,
            self.product,
            self.blinding,
        )
    }
}

impl ShardWitness {
    /// Fails unless this witness opens `expected` as the shard commitment
    /// `C_s` of `importer` at `epoch` (the shard and delay claims both check it).
    pub fn check_shard_commitment(
        &self,
        importer: Fr,
        epoch: u64,
        expected: Fr,
    ) -> Result<(), ClaimError> {
        if shard_commitment(importer, epoch, self) != expected {
            return Err(ClaimError::CommitmentMismatch);
        }
        Ok(())
    }

    /// The opening of `D_s` for challenges `(γ, β)`.
    pub fn output(&self, gamma: Fr, beta: Fr) -> ShardOutput {
        let mut product = Fr::one();
        let entries = self
            .facilities
            .iter()
            .map(|f| {
                for c in f.chips.iter().filter(|c| c.ledger) {
                    product *= term(gamma, beta, c.record.ident, c.record.tpp);
                }
                f.entry()
            })
            .collect();
        ShardOutput {
            entries,
            product,
            blinding: self.output_blinding,
        }
    }
}

/// The executable specification of the shard claim. Returns the opening of
/// `D_s` that the request proof uses.
pub fn check_native(
    shape: &ShardShape,
    st: &ShardStatement,
    w: &ShardWitness,
) -> Result<ShardOutput, ClaimError> {
    if w.facilities.len() != shape.facilities
        || w.facilities.iter().any(|f| {
            f.chips.len() != shape.slot_chips
                || f.facility_path.siblings.len() != FACILITY_DEPTH
                || f.auditor_path.siblings.len() != AUDITOR_DEPTH
        })
        || shape.slot_chips > MAX_SLOT_CHIPS
    {
        return Err(ClaimError::Shape(format!(
            "witness does not have the shape {} of the circuit",
            shape.name()
        )));
    }
    if registry_root(w.facilities_root, w.auditors_root, w.params_digest) != st.registry_root {
        return Err(ClaimError::RegistryRootMismatch);
    }
    // Each used slot's chunk digest, computed once: for its attestation and
    // for `C_s`.
    let mut digests = vec![Fr::zero(); w.facilities.len()];
    for (j, f) in w.facilities.iter().enumerate() {
        f.check_layout(j * shape.slot_chips)?;
        for (i, c) in f.chips.iter().enumerate() {
            // Every slot, active or not, is checked against the slot's fence
            // (an inactive one holds the fence centre).
            f.facility
                .fence
                .check(c.record.lat, c.record.lon, c.record.uncertainty_m)
                .map_err(|e| ClaimError::OutsideGeofence {
                    slot: j * shape.slot_chips + i,
                    detail: e.to_string(),
                })?;
        }
        if !f.used {
            continue;
        }
        if f.facility_path.root(f.facility.hash()) != w.facilities_root {
            return Err(ClaimError::FacilityNotInRegistry { slot: j });
        }
        if f.facility.operator != st.importer {
            return Err(ClaimError::OperatorMismatch { slot: j });
        }
        if f.auditor_path.root(f.auditor.hash()) != w.auditors_root {
            return Err(ClaimError::AuditorNotAccredited { slot: j });
        }
        if f.attestation_epoch != st.epoch {
            return Err(ClaimError::WrongEpoch {
                slot: j,
                found: f.attestation_epoch,
                expected: st.epoch,
            });
        }
        if f.chunk >= 1 << CHUNK_BITS || f.chunks >= 1 << CHUNK_BITS {
            return Err(ClaimError::OutOfRange {
                what: format!("facility slot {j} chunk index or count"),
                value: format!("{} of {}", f.chunk, f.chunks),
                bits: CHUNK_BITS as u32,
            });
        }
        digests[j] = f.digest();
        let msg = attestation_message(f.facility.id, st.epoch, f.chunk, f.chunks, digests[j]);
        eddsa::verify(&f.auditor.key, msg, &f.signature).map_err(|e| ClaimError::BadSignature {
            place: "facility slot",
            what: "attestation",
            slot: j,
            reason: e.to_string(),
        })?;
    }
    if shard_commitment_from(st.importer, st.epoch, w, |j, _| digests[j]) != st.shard_commitment {
        return Err(ClaimError::CommitmentMismatch);
    }
    let (gamma, beta) = challenges(st.commitment, st.ledger_digest, st.importer, st.epoch);
    let out = w.output(gamma, beta);
    if out.commitment(st.commitment, st.importer, st.epoch) != st.output {
        return Err(ClaimError::OutputMismatch);
    }
    Ok(out)
}
