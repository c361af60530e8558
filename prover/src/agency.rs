//! The agency's side as the `zkcc` tool and the demo drive it: verify a
//! submission with the agency's own keys, registry, ledger and request, and
//! decide under its access policy.
use crate::error::{ProverError, Result};
use crate::keys::{self, Circuit};
use std::path::Path;
use std::time::{Duration, Instant};
use zkcc_circuits::ledger::Ledger;
use zkcc_circuits::registry::Registry;
use zkcc_verifier::submission::{RequestFile, Submission};

/// A verification that ended in a decision.
pub struct Outcome {
    /// Access granted.
    pub granted: bool,
    /// One line.
    pub summary: String,
    /// The report, for people.
    pub report: String,
    /// The report, JSON.
    pub report_json: String,
    /// Time of the verification (native checks and batch).
    pub verify_time: Duration,
}

/// Verifies `sub` against the agency's keys (by the circuits it accepts, never
/// by what the submission declares), registry, ledger and request.
#[allow(clippy::too_many_arguments)]
pub fn verify_and_decide<R: rand::RngCore + rand::CryptoRng>(
    keys_dir: &Path,
    shard: &Circuit,
    request: &Circuit,
    registry: &Registry,
    ledger: &Ledger,
    req: &RequestFile,
    sub: &Submission,
    rng: &mut R,
) -> Result<Outcome> {
    let svk = keys::load_verifying_key_of(keys_dir, shard)?;
    let rvk = keys::load_verifying_key_of(keys_dir, request)?;
    let start = Instant::now();
    let (Circuit::Shard(ss), Circuit::Request(rs)) = (*shard, *request) else {
        return Err(ProverError::Keys(
            "a shard and a request circuit are needed".into(),
        ));
    };
    let keys = zkcc_verifier::fleet::FleetKeys::new(&svk, ss, &rvk, rs)?;
    let v = zkcc_verifier::fleet::verify_submission(&keys, registry, ledger, req, sub, rng)?;
    let verify_time = start.elapsed();
    let policy =
        zkcc_verifier::access::Policy::from_json(zkcc_verifier::access::SAMPLE_ACCESS_POLICY)?;
    let report = zkcc_verifier::access::decide(&policy, registry, &v)?;
    Ok(Outcome {
        granted: report.decision.outcome == zkcc_verifier::access::Outcome::Grant,
        summary: format!(
            "verifies {} shard proofs and the request proof in {}: ACCEPTED",
            v.shards,
            crate::demo::secs(verify_time)
        ),
        report: report.human(),
        report_json: report.to_json(),
        verify_time,
    })
}

/// "Nobody Ltd": an importer with an empty ledger and no facility proves an
/// empty request. Returns (proof outcome, decision, granted).
pub fn nobody_ltd<R: rand::RngCore + rand::CryptoRng>(
    keys_dir: &Path,
    shard: &Circuit,
    request: &Circuit,
    registry: &Registry,
    req: &RequestFile,
    rng: &mut R,
) -> Result<(String, String, bool)> {
    use crate::fleet::{commit, open, FleetInventory, FLEET_INVENTORY_VERSION};
    use zkcc_circuits::ledger::{LedgerFile, LEDGER_VERSION};
    let name = "NOBODY-LTD";
    let ledger = Ledger::from_file(
        LedgerFile {
            version: LEDGER_VERSION,
            importer: name.into(),
            records: vec![],
        },
        registry,
    )
    .map_err(|e| ProverError::Inventory(e.to_string()))?;
    let inv = FleetInventory {
        version: FLEET_INVENTORY_VERSION,
        importer: name.into(),
        epoch: req.epoch,
        chips: vec![],
        attestations: vec![],
    };
    let Circuit::Shard(shape) = shard else {
        return Err(ProverError::Keys("not a shard circuit".into()));
    };
    let Circuit::Request(rshape) = request else {
        return Err(ProverError::Keys("not a request circuit".into()));
    };
    let secret = commit(registry, &inv, shape, rng)?;
    let fleet = open(registry, &inv, &secret)?;
    let (rpk, _) = keys::load_proving_key_of(keys_dir, request)?;
    let mut nreq = req.clone();
    nreq.importer = name.into();
    let rb = crate::fleet::prove_request(
        &rpk,
        rshape,
        &fleet,
        name,
        ledger.digest,
        &nreq,
        rng,
        &zkcc_engine::prove::Quiet,
    )?;
    let sub = Submission {
        version: zkcc_verifier::submission::SUBMISSION_VERSION,
        importer: name.into(),
        epoch: req.epoch,
        commitment: secret.commitment,
        shards: vec![],
        request: rb,
        delay: vec![],
    };
    match verify_and_decide(
        keys_dir, shard, request, registry, &ledger, &nreq, &sub, rng,
    ) {
        Ok(o) => Ok((
            "ACCEPTED (a valid statement about nothing)".into(),
            if o.granted {
                "GRANT".into()
            } else {
                "DENY".into()
            },
            o.granted,
        )),
        Err(e) => Ok((format!("REJECTED ({e})"), "DENY".into(), false)),
    }
}

/// The rules of the agency's request to `importer`, from a rules file
/// (`rules`, JSON) and the registry: the home country is the registry's.
/// A file without `home_country` takes it; a file naming another is refused
/// ([`zkcc_verifier::VerifyError::HomeCountry`], naming both). For an importer
/// the registry does not list, the file must name one and may set no
/// distribution rule ([`zkcc_verifier::VerifyError::UnlistedImporter`]).
pub fn request_rules(
    registry: &Registry,
    importer: &str,
    mut rules: serde_json::Value,
) -> Result<zkcc_verifier::submission::RulesJson> {
    let obj = rules
        .as_object_mut()
        .ok_or_else(|| ProverError::Inventory("rules: not a JSON object".into()))?;
    match registry.home_country(importer) {
        Some(home) => {
            obj.entry("home_country")
                .or_insert_with(|| serde_json::Value::String(home.to_string()));
        }
        None if !obj.contains_key("home_country") => {
            return Err(ProverError::Inventory(format!(
                "rules: importer {importer} is not in the registry's importers, so it has no \
                 home country there: the rules must name one (and may set no distribution rule)"
            )))
        }
        None => {}
    }
    let json: zkcc_verifier::submission::RulesJson =
        serde_json::from_value(rules).map_err(|e| ProverError::Inventory(format!("rules: {e}")))?;
    zkcc_verifier::fleet::check_home_country(registry, importer, &json.to_rules()?)?;
    Ok(json)
}
