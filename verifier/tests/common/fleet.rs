//! Shared setup for the accountable statement's tests: development keys for
//! the small fixture shapes (shard 3x4, request 3x3), and proven submissions
//! built from `zkcc_circuits::shard::fixtures`. Each is made once per test
//! binary (`OnceLock`), on first use. Mounted with
//! `#[path = "common/fleet.rs"] mod fleet_env;`.
#![allow(dead_code)]
use ark_bn254::{Bn254, Fr};
use ark_ff::UniformRand;
use ark_groth16::{Groth16, ProvingKey, VerifyingKey};
use ark_snark::SNARK;
use rand::rngs::StdRng;
use rand::SeedableRng;
use std::sync::OnceLock;
use zkcc_circuits::eddsa::SecretKey;
use zkcc_circuits::encoding::{encode_label, fr_to_hex};
use zkcc_circuits::ledger::{challenges, Ledger, LedgerFile, LEDGER_VERSION};
use zkcc_circuits::registry::Registry;
use zkcc_circuits::request::constraints::RequestCircuit;
use zkcc_circuits::request::{
    self, shards_digest, RequestShape, RequestStatement, RequestWitness, Rules, ShardOpening,
};
use zkcc_circuits::shard::constraints::ShardCircuit;
use zkcc_circuits::shard::fixtures::{self, home, Fleet, Plan, EPOCH, IMPORTER};
use zkcc_circuits::shard::{
    self, fleet_commitment, output_commitment, shard_commitment, FacilitySlot, ShardStatement,
    ShardWitness,
};
use zkcc_verifier::fleet::FleetKeys;
use zkcc_verifier::keys::circuit_id;
use zkcc_verifier::submission::{
    RequestBundle, RequestFile, RulesJson, ShardBundle, Submission, SUBMISSION_VERSION,
};

/// Shard circuit shape (facility slots × chip slots): the fixture fleets'.
pub use crate::common::SHARD_SHAPE as SHAPE;
/// Request circuit shape (shard slots × entries).
pub const RSHAPE: RequestShape = RequestShape::new(3, 3);
/// The policy version of the test registry (that of the sample policy).
pub const POLICY_VERSION: u64 = 3;
/// The importer with nothing: no facility, empty ledger.
pub const NOBODY: &str = "Nobody Ltd";

/// Development keys (single-party setup, seeded).
pub struct Keys {
    /// Shard proving key.
    pub shard_pk: ProvingKey<Bn254>,
    /// Shard verifying key.
    pub shard_vk: VerifyingKey<Bn254>,
    /// Request proving key.
    pub request_pk: ProvingKey<Bn254>,
    /// Request verifying key.
    pub request_vk: VerifyingKey<Bn254>,
    /// The agency's prepared keys.
    pub fleet: FleetKeys,
}

/// The keys, set up once per test binary.
pub fn keys() -> &'static Keys {
    static KEYS: OnceLock<Keys> = OnceLock::new();
    KEYS.get_or_init(|| {
        let mut rng = StdRng::seed_from_u64(42);
        let (shard_pk, shard_vk) = crate::common::setup(ShardCircuit::for_setup(SHAPE), &mut rng);
        let (request_pk, request_vk) =
            crate::common::setup(RequestCircuit::for_setup(RSHAPE), &mut rng);
        let fleet = FleetKeys::new(&shard_vk, SHAPE, &request_vk, RSHAPE).unwrap();
        Keys {
            shard_pk,
            shard_vk,
            request_pk,
            request_vk,
            fleet,
        }
    })
}

/// The auditors' keys of the fixtures.
pub fn auditor_keys() -> Vec<SecretKey> {
    (0..2u8)
        .map(|i| SecretKey::from_seed([i + 1; 32]))
        .collect()
}

/// The fixture registry with the sample policy's version, listing Nobody Ltd
/// (home country FR) among the importers.
pub fn registry_v(policy_version: u64) -> Registry {
    let mut file = fixtures::registry(&auditor_keys()).file;
    file.policy_version = policy_version;
    file.importers
        .push(zkcc_circuits::registry::ImporterJson::new(NOBODY, "FR"));
    Registry::from_file(file).unwrap()
}

/// The test registry (policy version [`POLICY_VERSION`]).
pub fn registry() -> &'static Registry {
    static REG: OnceLock<Registry> = OnceLock::new();
    REG.get_or_init(|| registry_v(POLICY_VERSION))
}

/// Rules the honest fleet passes, strict enough for the sample policy's
/// "validated-end-user" rule.
pub fn strict_rules() -> Rules {
    Rules {
        facility_cap_chips: 5000,
        facility_cap_tpp: 200_000_000,
        home_country: home(),
        home_min_bp: 5000,
        other_max_bp: 2500,
        outside_tier1_max_bp: 1000,
        max_tier: 2,
        total_cap_chips: 1_000_000,
        total_cap_tpp: 20_000_000_000,
    }
}

/// The honest plan: FR-PAR-01 6 ledger chips + 1 other (two chunks),
/// DE-FRA-02 1, US-VA-03 1, SG-JUR-04 one non-ledger chip: five chunks in
/// two shards, four facilities attested, three holding ledger chips (the
/// count the request proves), eight ledger chips.
pub fn honest_plan() -> Plan {
    Plan::new(
        registry(),
        &[(0, 6, 1), (1, 1, 0), (2, 1, 0), (3, 0, 1)],
        SHAPE.slot_chips,
        SHAPE.facilities,
        5,
    )
}

/// A fleet of the honest plan under `rules`, blindings from `seed`.
pub fn fleet(seed: u64, rules: Rules) -> Fleet {
    let plan = honest_plan();
    let ledger = plan.ledger(registry());
    Fleet::build(
        registry().clone(),
        auditor_keys(),
        ledger,
        SHAPE,
        RSHAPE,
        plan,
        rules,
        seed,
    )
}

/// A submission with everything the agency holds to verify it.
#[derive(Clone)]
pub struct Proven {
    /// The agency's registry.
    pub registry: Registry,
    /// The agency's ledger for the importer.
    pub ledger: Ledger,
    /// The agency's request.
    pub request: RequestFile,
    /// The importer's submission.
    pub submission: Submission,
}

/// Proves the shards and the request (each checked natively first) and
/// packs them as the importer would.
pub fn prove(
    importer: &str,
    registry: &Registry,
    ledger: &Ledger,
    shards: &[(ShardStatement, ShardWitness)],
    request: &(RequestStatement, RequestWitness),
    seed: u64,
) -> Proven {
    let k = keys();
    let mut rng = StdRng::seed_from_u64(seed);
    let shard_id = circuit_id(&k.shard_vk);
    let bundles: Vec<ShardBundle> = shards
        .iter()
        .map(|(st, w)| {
            shard::check_native(&SHAPE, st, w).unwrap();
            let c = ShardCircuit::with_witness(SHAPE, *st, w.clone());
            let proof = Groth16::<Bn254>::prove(&k.shard_pk, c, &mut rng).unwrap();
            ShardBundle::new(importer, shard_id.clone(), SHAPE, st, &proof)
        })
        .collect();
    let (st, w) = request;
    request::check_native(&RSHAPE, st, w).unwrap();
    let c = RequestCircuit::with_witness(RSHAPE, *st, w.clone());
    let proof = Groth16::<Bn254>::prove(&k.request_pk, c, &mut rng).unwrap();
    let rb = RequestBundle::new(importer, circuit_id(&k.request_vk), RSHAPE, st, &proof);
    Proven {
        registry: registry.clone(),
        ledger: ledger.clone(),
        request: RequestFile::new(
            importer,
            st.epoch,
            &st.nonce,
            RulesJson::from_rules(&st.rules),
        ),
        submission: Submission {
            version: SUBMISSION_VERSION,
            importer: importer.into(),
            epoch: st.epoch,
            commitment: fr_to_hex(&st.commitment),
            shards: bundles,
            request: rb,
            delay: vec![],
        },
    }
}

fn prove_fleet(f: &Fleet, seed: u64) -> Proven {
    prove(
        IMPORTER,
        &f.registry,
        &f.ledger,
        &f.shards,
        &f.request,
        seed,
    )
}

/// The honest submission: two shards and the request, strict rules.
pub fn honest() -> &'static Proven {
    static P: OnceLock<Proven> = OnceLock::new();
    P.get_or_init(|| prove_fleet(&fleet(1, strict_rules()), 100))
}

/// Shard 1 of another fleet of the same plan (other blindings: another `C`).
pub fn other_fleet_shard() -> &'static ShardBundle {
    static P: OnceLock<ShardBundle> = OnceLock::new();
    P.get_or_init(|| {
        let f = fleet(2, strict_rules());
        let (st, w) = &f.shards[1];
        let k = keys();
        let mut rng = StdRng::seed_from_u64(200);
        let c = ShardCircuit::with_witness(SHAPE, *st, w.clone());
        let proof = Groth16::<Bn254>::prove(&k.shard_pk, c, &mut rng).unwrap();
        ShardBundle::new(IMPORTER, circuit_id(&k.shard_vk), SHAPE, st, &proof)
    })
}

/// A diverted chip: the agency's ledger holds FR-PAR-01's two chips, DE's
/// one and `SN-DIVERTED`; the importer locates the first three and proves
/// against the agency's ledger digest, but with the product of the chips it
/// located. Every proof is valid; only the agency's own product exposes it.
/// Returns the submission with the agency's (full) ledger.
pub fn diverted() -> &'static Proven {
    static P: OnceLock<Proven> = OnceLock::new();
    P.get_or_init(|| {
        let reg = registry();
        let plan = Plan::new(
            reg,
            &[(0, 2, 0), (1, 1, 0)],
            SHAPE.slot_chips,
            SHAPE.facilities,
            9,
        );
        let located = plan.ledger(reg);
        let mut file = located.to_file(reg);
        file.records.push(zkcc_circuits::ledger::LedgerRecordJson {
            serial: "SN-DIVERTED".into(),
            model: fixtures::MODELS[1].0.into(),
            tpp: fixtures::MODELS[1].1,
        });
        let agency = Ledger::from_file(file, reg).unwrap();
        // The importer's ledger: the chips it located, named as the agency's.
        let forged = Ledger {
            digest: agency.digest,
            ..located
        };
        let f = Fleet::build(
            reg.clone(),
            auditor_keys(),
            forged,
            SHAPE,
            RSHAPE,
            plan,
            Rules::permissive(home()),
            3,
        );
        assert_eq!(f.shards.len(), 1);
        let mut p = prove_fleet(&f, 300);
        p.ledger = agency;
        p
    })
}

/// The fixture ledger of an importer with no chip.
pub fn empty_ledger(importer: &str) -> Ledger {
    Ledger::from_file(
        LedgerFile {
            version: LEDGER_VERSION,
            importer: importer.into(),
            records: vec![],
        },
        registry(),
    )
    .unwrap()
}

/// Nobody Ltd: no facility, an empty ledger, one shard with every slot
/// unused, and the request (0 facilities) under strict rules. Everything it
/// proves is true — and says nothing.
pub fn nobody() -> &'static Proven {
    static P: OnceLock<Proven> = OnceLock::new();
    P.get_or_init(|| {
        let reg = registry();
        let mut rng = StdRng::seed_from_u64(77);
        let x = encode_label(NOBODY).unwrap();
        let ledger = empty_ledger(NOBODY);
        let w = ShardWitness {
            facilities: vec![FacilitySlot::padding(SHAPE.slot_chips); SHAPE.facilities],
            facilities_root: reg.facility_tree.root(),
            auditors_root: reg.auditor_tree.root(),
            params_digest: reg.params_digest,
            shard_blinding: Fr::rand(&mut rng),
            output_blinding: Fr::rand(&mut rng),
        };
        let c_s = shard_commitment(x, EPOCH, &w);
        let c = fleet_commitment(x, EPOCH, &[c_s]);
        let (gamma, beta) = challenges(c, ledger.digest, x, EPOCH);
        let out = w.output(gamma, beta);
        let d = output_commitment(c, x, EPOCH, &out.entries, out.product, out.blinding);
        let st = ShardStatement {
            importer: x,
            registry_root: reg.root,
            epoch: EPOCH,
            commitment: c,
            shard_commitment: c_s,
            output: d,
            ledger_digest: ledger.digest,
        };
        let mut openings = vec![ShardOpening {
            used: true,
            product: out.product,
            blinding: out.blinding,
            entries: out.entries,
        }];
        openings.resize(RSHAPE.shards, ShardOpening::padding(RSHAPE.entries));
        let rst = RequestStatement {
            importer: x,
            epoch: EPOCH,
            commitment: c,
            shards_digest: shards_digest(&[d]),
            ledger_product: ledger.product(gamma, beta),
            nonce: Fr::rand(&mut rng),
            rules: strict_rules(),
            facilities: 0,
        };
        let req = (rst, RequestWitness { shards: openings });
        prove(NOBODY, reg, &ledger, &[(st, w)], &req, 400)
    })
}

/// Nobody Ltd with no shard at all: `C` over the empty list, the request
/// proof alone (product 1, digest 0, 0 facilities).
pub fn nobody_without_shards() -> &'static Proven {
    static P: OnceLock<Proven> = OnceLock::new();
    P.get_or_init(|| {
        let mut rng = StdRng::seed_from_u64(78);
        let x = encode_label(NOBODY).unwrap();
        let ledger = empty_ledger(NOBODY);
        let c = fleet_commitment(x, EPOCH, &[]);
        let (gamma, beta) = challenges(c, ledger.digest, x, EPOCH);
        let rst = RequestStatement {
            importer: x,
            epoch: EPOCH,
            commitment: c,
            shards_digest: shards_digest(&[]),
            ledger_product: ledger.product(gamma, beta),
            nonce: Fr::rand(&mut rng),
            rules: strict_rules(),
            facilities: 0,
        };
        let w = RequestWitness {
            shards: vec![ShardOpening::padding(RSHAPE.entries); RSHAPE.shards],
        };
        prove(NOBODY, registry(), &ledger, &[], &(rst, w), 401)
    })
}
