//! Deterministic fixtures for the model-evaluation claim: the shard fixtures'
//! registry with two accredited evaluators and a suite, a model, and honestly
//! signed results. A test edits a result with [`EvalFixture::result`] (which
//! signs what it is given) and rebuilds the statement with
//! [`EvalFixture::statement_for`].
use super::*;
use crate::eddsa::SecretKey;
use crate::registry::{AuditorJson, Registry};

/// The importer (lab) of the fixtures.
pub const IMPORTER: &str = crate::shard::fixtures::IMPORTER;
/// Deployment date of the fixtures.
pub const DEPLOYMENT: u64 = 20261201;
/// Not-before date of the fixtures (results at most a year old).
pub const NOT_BEFORE: u64 = 20251201;
/// The fixtures' date window.
pub const WINDOW: DateWindow = DateWindow {
    not_before: NOT_BEFORE,
    deployment: DEPLOYMENT,
};
/// The suite id.
pub const SUITE: &str = "FRONTIER-2026";
/// The suite's evals: (id, threshold, direction), and the honest score.
pub const EVALS: [(&str, u64, Direction, u64); 3] = [
    ("CYBER-UPLIFT", 300, Direction::AtMost, 120),
    ("BIO-UPLIFT", 200, Direction::AtMost, 200),
    ("REFUSAL-HARM", 9_500, Direction::AtLeast, 9_500),
];

/// The suite of the first `n` evals of [`EVALS`].
pub fn suite_json(n: usize) -> EvalSuiteJson {
    EvalSuiteJson {
        id: SUITE.into(),
        version: 1,
        evals: EVALS[..n]
            .iter()
            .map(|&(id, threshold, direction, _)| EvalJson {
                id: id.into(),
                threshold,
                direction,
            })
            .collect(),
    }
}

/// A fixture: registry, suite, keys, model, statement and honest witness.
#[derive(Clone, Debug)]
pub struct EvalFixture {
    /// The registry (lifecycle form).
    pub registry: Registry,
    /// The suite.
    pub suite: Suite,
    /// Accredited evaluator keys (`EVAL-0`, `EVAL-1`).
    pub evaluators: Vec<SecretKey>,
    /// A key the registry does not list.
    pub unaccredited: SecretKey,
    /// The model's weights digest.
    pub digest: [u8; 32],
    /// The commitment's blinding.
    pub blinding: Fr,
    /// Nonce of the agency's request.
    pub nonce: Fr,
    /// The honest statement.
    pub statement: EvaluationStatement,
    /// The honest witness.
    pub witness: EvaluationWitness,
}

/// The fixture registry with evaluators and the suite of `n` evals.
pub fn registry(n: usize, evaluators: &[SecretKey]) -> Registry {
    let auditors: Vec<SecretKey> = (0..2u8)
        .map(|i| SecretKey::from_seed([i + 1; 32]))
        .collect();
    let mut file = crate::shard::fixtures::registry(&auditors).file;
    file.evaluators = evaluators
        .iter()
        .enumerate()
        .map(|(i, k)| AuditorJson {
            id: format!("EVAL-{i}"),
            public_key: PointJson::from_point(&k.public()),
        })
        .collect();
    file.eval_suites = vec![suite_json(n)];
    Registry::from_file(file).expect("fixture registry is valid")
}

impl EvalFixture {
    /// The standard fixture with a suite of `n` (1..=3) evals.
    pub fn standard(n: usize) -> Self {
        let evaluators: Vec<SecretKey> = (0..2u8)
            .map(|i| SecretKey::from_seed([0x40 + i; 32]))
            .collect();
        let registry = registry(n, &evaluators);
        let suite = registry.suite(SUITE).expect("suite").clone();
        let digest = sha256_reader(&b"weights of frontier-model-7b"[..]).expect("in memory");
        let mut f = Self {
            registry,
            suite,
            evaluators,
            unaccredited: SecretKey::from_seed([0x66; 32]),
            digest,
            blinding: Fr::from(0x5eed_u64),
            nonce: Fr::from(0xabcdef_u64),
            statement: EvaluationStatement {
                registry_root: Fr::from(0u64),
                suite_hash: Fr::from(0u64),
                model_commitment: Fr::from(0u64),
                deployment_date: DEPLOYMENT,
                not_before: NOT_BEFORE,
                importer: encode_label(IMPORTER).expect("label"),
                nonce: Fr::from(0xabcdef_u64),
            },
            witness: EvaluationWitness {
                digest_hi: Fr::from(0u64),
                digest_lo: Fr::from(0u64),
                blinding: Fr::from(0u64),
                suite: Suite {
                    id: Fr::from(0u64),
                    version: 0,
                    evals: vec![],
                },
                results: vec![],
                registry: RegistryOpening {
                    facilities_root: Fr::from(0u64),
                    auditors_root: Fr::from(0u64),
                    policy_version: 0,
                    models_root: Fr::from(0u64),
                    tiers_root: Fr::from(0u64),
                    default_tier: 0,
                    evaluators_root: Fr::from(0u64),
                    suites_root: Fr::from(0u64),
                },
            },
        };
        let signed: Vec<SignedResultJson> = (0..n)
            .map(|i| f.signed(i % 2, &f.digest.clone(), i, EVALS[i].3, 20261101 + i as u64))
            .collect();
        f.witness = assemble(
            &f.registry,
            &f.suite,
            &f.digest,
            f.blinding,
            WINDOW,
            &signed,
        )
        .expect("honest results");
        f.statement = f.statement_for(&f.witness);
        f
    }

    /// A result for eval `eval` signed by accredited evaluator `key`.
    pub fn signed(
        &self,
        key: usize,
        digest: &[u8; 32],
        eval: usize,
        score: u64,
        date: u64,
    ) -> SignedResultJson {
        SignedResultJson::sign(
            &self.evaluators[key],
            &format!("EVAL-{key}"),
            &self.suite,
            digest,
            EVALS[eval].0,
            score,
            date,
        )
        .expect("valid result")
    }

    /// A witness result signed by `key` (any key; its registry path is
    /// accredited evaluator `path_of`'s) for the fixture's suite, `eval_id`,
    /// `digest`, `score`, `date`.
    pub fn result(
        &self,
        key: &SecretKey,
        path_of: usize,
        digest: &[u8; 32],
        eval_id: Fr,
        score: u64,
        date: u64,
    ) -> EvalResult {
        let (hi, lo) = digest_limbs(digest);
        let evaluator = crate::registry::EvaluatorLeaf {
            id: self.registry.evaluators[path_of].id,
            key: key.public(),
        };
        EvalResult {
            eval_id,
            score,
            date,
            evaluator,
            evaluator_path: self.registry.evaluator_tree.path(path_of),
            signature: key.sign(result_message(
                suite_hash(&self.suite),
                hi,
                lo,
                eval_id,
                score,
                date,
            )),
        }
    }

    /// The statement a prover would publish for `w` (model commitment and
    /// suite hash recomputed from it).
    pub fn statement_for(&self, w: &EvaluationWitness) -> EvaluationStatement {
        EvaluationStatement {
            registry_root: w.registry.root(),
            suite_hash: suite_hash(&w.suite),
            model_commitment: model_commitment(
                self.statement.importer,
                w.digest_hi,
                w.digest_lo,
                w.blinding,
            ),
            deployment_date: DEPLOYMENT,
            not_before: NOT_BEFORE,
            importer: self.statement.importer,
            nonce: self.nonce,
        }
    }
}
