//! The demo's location scenario (`zkcc demo location`): after the fleet's
//! decision, the chips' own location evidence, over real TCP on loopback.
//!
//! Landmarks in five countries serve; every ledger chip's agent connects to
//! the landmark covering its facility and answers its challenges with its
//! device key (**a key in memory stands in for the chip's hardware key**); the
//! importer has each slot measured, proves the delay evidence of every shard,
//! answers a request that asks for it, and the agency verifies and decides
//! under a policy that rewards it. Then a chip diverted 8,000 km away (a
//! relay that adds the far leg's 26.7 ms each way) is caught by physics, and a
//! relay answering without the device key by its signature.
use crate::delay::{match_batches, prove_delay, slot_requests};
use crate::demo::{proving, secs, timed, timed_setup};
use crate::error::{write_json, ProverError, Result};
use crate::fleet::Fleet;
use crate::keys::{self, Circuit};
use crate::landmark::agent::Agent;
use crate::landmark::server::Landmark;
use crate::landmark::{client, BatchFile, ChipRef, Limits, OwnerKey};
use ark_ff::UniformRand;
use p384::ecdsa::SigningKey;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use zkcc_circuits::eddsa::{PointJson, SecretKey};
use zkcc_circuits::registry::{LandmarkJson, Registry, RegistryFile, VendorCaJson};
use zkcc_verifier::device::{key_hex, DeviceCert};

/// The sample's landmarks: (id, country, lat µdeg, lon µdeg, accepted km).
pub const LANDMARKS: [(&str, &str, i64, i64, u64); 6] = [
    ("LM-PARIS", "FR", 48_856_600, 2_352_200, 600),
    ("LM-DUBAI", "AE", 25_204_800, 55_270_800, 300),
    ("LM-MUMBAI", "IN", 19_100_000, 72_900_000, 200),
    ("LM-SINGAPORE", "SG", 1_352_100, 103_819_800, 200),
    ("LM-ASHBURN", "US", 39_000_000, -77_500_000, 300),
    ("LM-SHANGHAI", "CN", 31_230_400, 121_473_700, 500),
];
/// The device vendor of the sample's chips.
pub const VENDOR: &str = "NVIDIA";

/// The landmarks' and the vendor CA's keys (deterministic from the seed).
pub struct LocationKeys {
    /// One per [`LANDMARKS`] entry.
    pub landmarks: Vec<SecretKey>,
    /// The vendor's CA key.
    pub vendor: SigningKey,
    /// The importer's owner key: its chips' agents register its digest, its
    /// batch requests present it.
    pub owner: OwnerKey,
}

fn p384_key(rng: &mut ChaCha20Rng) -> SigningKey {
    loop {
        let mut b = [0u8; 48];
        rand::RngCore::fill_bytes(rng, &mut b);
        if let Ok(k) = SigningKey::from_slice(&b) {
            return k;
        }
    }
}

/// Adds the landmarks and the device vendor to the sample registry.
pub fn add_landmarks(file: &mut RegistryFile, seed: u64) -> LocationKeys {
    let mut rng = ChaCha20Rng::seed_from_u64(seed ^ 0x1a4d_a4c5);
    let landmarks: Vec<SecretKey> = LANDMARKS
        .iter()
        .map(|_| SecretKey::generate(&mut rng))
        .collect();
    file.landmarks = LANDMARKS
        .iter()
        .zip(&landmarks)
        .map(|(&(id, country, lat, lon, km), k)| LandmarkJson {
            id: id.into(),
            country: country.into(),
            lat_udeg: lat,
            lon_udeg: lon,
            max_distance_m: km * 1000,
            public_key: PointJson::from_point(&k.public()),
        })
        .collect();
    let vendor = p384_key(&mut rng);
    file.device_vendors = vec![VendorCaJson {
        id: VENDOR.into(),
        public_key: key_hex(vendor.verifying_key()),
        models: file.chip_models.iter().map(|m| m.name.clone()).collect(),
    }];
    let mut owner = [0u8; 32];
    rand::RngCore::fill_bytes(&mut rng, &mut owner);
    LocationKeys {
        landmarks,
        vendor,
        owner: OwnerKey::from_bytes(owner),
    }
}

/// A TCP relay on loopback that delays every chunk by `each_way` in each
/// direction: the far leg of a diverted chip.
async fn delay_relay(
    upstream: std::net::SocketAddr,
    each_way: Duration,
) -> Result<std::net::SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0").await.map_err(io)?;
    let addr = listener.local_addr().map_err(io)?;
    tokio::spawn(async move {
        while let Ok((down, _)) = listener.accept().await {
            let Ok(up) = TcpStream::connect(upstream).await else {
                continue;
            };
            let (dr, dw) = down.into_split();
            let (ur, uw) = up.into_split();
            tokio::spawn(pipe(dr, uw, each_way));
            tokio::spawn(pipe(ur, dw, each_way));
        }
    });
    Ok(addr)
}

/// Copies `r` to `w`, each chunk `delay` late.
async fn pipe(
    mut r: tokio::net::tcp::OwnedReadHalf,
    mut w: tokio::net::tcp::OwnedWriteHalf,
    delay: Duration,
) {
    let mut buf = vec![0u8; 16 * 1024];
    while let Ok(n) = r.read(&mut buf).await {
        if n == 0 {
            break;
        }
        tokio::time::sleep(delay).await;
        if w.write_all(&buf[..n]).await.is_err() {
            break;
        }
    }
}

fn io(e: std::io::Error) -> ProverError {
    ProverError::Backend(format!("demo network: {e}"))
}

/// Runs the location scenario after the fleet's steps (see the module docs).
#[allow(clippy::too_many_arguments)]
pub fn run(
    dir: &Path,
    registry: &Registry,
    lk: &LocationKeys,
    fleet: &Fleet,
    importer: &str,
    ledger: &zkcc_circuits::ledger::Ledger,
    sub: &zkcc_verifier::submission::Submission,
    request_shape: &zkcc_circuits::request::RequestShape,
    rng: &mut ChaCha20Rng,
) -> Result<()> {
    let day = crate::landmark::today();
    let keys_dir = dir.join("keys");
    let out = dir.join("location");
    std::fs::create_dir_all(&out).map_err(|source| ProverError::Io {
        path: out.display().to_string(),
        source,
    })?;
    let requests = slot_requests(fleet, registry)?;
    println!(
        "\nLocation from the chips themselves (day {day}; loopback TCP, real landmarks and agents)"
    );
    let names: Vec<String> = registry
        .file
        .landmarks
        .iter()
        .map(|l| format!("{} ({}, {} km)", l.id, l.country, l.max_distance_m / 1000))
        .collect();
    println!(
        "8. agency    accredits {} landmarks: {}",
        names.len(),
        names.join(", ")
    );

    // The chips' device keys and the vendor's certificates of them.
    let mut devices: HashMap<String, (SigningKey, DeviceCert)> = HashMap::new();
    for r in &requests {
        for c in r.entries.iter().flatten() {
            let key = p384_key(rng);
            let cert =
                DeviceCert::issue(&lk.vendor, VENDOR, &c.serial, &c.model, key.verifying_key())
                    .map_err(|e| ProverError::Inventory(e.to_string()))?;
            devices.insert(c.serial.clone(), (key, cert));
        }
    }
    println!(
        "   vendor    {VENDOR} certifies the ECDSA P-384 device keys of {} ledger chips  [keys in memory stand in for the hardware]",
        devices.len()
    );

    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(io)?;
    let (batches, t_measure) = timed("measuring every ledger chip", || {
        rt.block_on(measure_all(registry, lk, day, &requests, &devices))
    });
    let batches = batches?;
    let mut files = Vec::new();
    for (r, b) in requests.iter().zip(&batches) {
        let path = out.join(format!("s{}-f{}.batch.json", r.shard, r.slot));
        write_json(&path, b)?;
        files.push((path.display().to_string(), b.clone()));
    }
    let worst = batches
        .iter()
        .map(|b| (b.max_rtt_ns, b.landmark.as_str()))
        .max()
        .unwrap_or((0, ""));
    println!(
        "9. landmarks challenge {} chips (3 fresh nonces each, device signatures checked) and sign {} batches: {}; slowest round trip {:.3} ms at {} (≤ {:.0} km)",
        devices.len(),
        batches.len(),
        secs(t_measure),
        worst.0 as f64 / 1e6,
        worst.1,
        zkcc_circuits::delay::distance_bound_m(worst.0) / 1e3
    );

    // The delay proofs.
    let dc = Circuit::Delay(fleet.shape);
    let (dm, t_setup) = timed_setup(&keys_dir, &dc, rng)?;
    let signed = match_batches(fleet, registry, &files)?;
    let (dpk, _) = keys::load_proving_key_of(&keys_dir, &dc)?;
    let (delay, t_prove) = proving("delay", fleet.witnesses.len(), |progress| {
        prove_delay(&dpk, fleet, registry, importer, day, &signed, rng, progress)
    });
    let delay = delay?;
    drop(dpk);
    write_json(&out.join("delay.json"), &delay)?;
    println!(
        "10. importer proves the delay evidence of its {} shards: {} ({} per shard; {}: {} constraints, {:.1} per chip slot; setup {})",
        delay.len(),
        secs(t_prove),
        secs(t_prove / delay.len().max(1) as u32),
        dc.name(),
        dm.constraints,
        zkcc_circuits::delay::constraints::marginal_cost_per_chip(),
        secs(t_setup)
    );

    // A request asking for today's evidence, answered, verified, decided.
    let mut req = zkcc_verifier::submission::RequestFile::new(
        importer,
        fleet.epoch,
        &ark_bn254::Fr::rand(rng),
        crate::demo::sample_rules(),
    );
    req.delay = Some(zkcc_verifier::submission::DelayWindow {
        earliest_day: day,
        latest_day: day,
    });
    let (rpk, _) = keys::load_proving_key_of(&keys_dir, &Circuit::Request(*request_shape))?;
    let rb = crate::fleet::prove_request(
        &rpk,
        request_shape,
        fleet,
        importer,
        ledger.digest,
        &req,
        rng,
        &zkcc_engine::prove::Quiet,
    )?;
    let mut dsub = sub.clone();
    dsub.request = rb;
    dsub.delay = delay;
    write_json(&out.join("request.json"), &req)?;
    std::fs::write(out.join("submission.json"), dsub.to_json()).map_err(|source| {
        ProverError::Io {
            path: out.join("submission.json").display().to_string(),
            source,
        }
    })?;
    let fk = {
        let sc = Circuit::Shard(fleet.shape);
        let rc = Circuit::Request(*request_shape);
        zkcc_verifier::fleet::FleetKeys::new(
            &keys::load_verifying_key_of(&keys_dir, &sc)?,
            fleet.shape,
            &keys::load_verifying_key_of(&keys_dir, &rc)?,
            *request_shape,
        )?
        .with_delay(&keys::load_verifying_key_of(&keys_dir, &dc)?)?
    };
    let (facts, t_verify) = timed("verifying", || {
        zkcc_verifier::fleet::verify_submission(&fk, registry, ledger, &req, &dsub, rng)
    });
    let facts = facts?;
    let policy = location_policy()?;
    let report = zkcc_verifier::access::decide(&policy, registry, &facts)?;
    println!(
        "11. agency   asks for day {day}'s evidence with the request; verifies {} shard, {} delay and 1 request proofs in {}: ACCEPTED",
        facts.shards,
        dsub.delay.len(),
        secs(t_verify)
    );
    let d = &report.decision;
    println!(
        "             decision under a policy that rewards daily evidence: {} {} chips ({}, rule {})",
        if d.outcome == zkcc_verifier::access::Outcome::Grant { "GRANT" } else { "DENY" },
        d.quota_chips,
        d.access,
        d.rule.as_deref().unwrap_or("none")
    );
    if d.rule.as_deref() != Some("located-daily") {
        return Err(ProverError::Inventory(format!(
            "the daily evidence was not rewarded: {d:?}"
        )));
    }

    // A diverted chip, and a relay without the device key.
    println!("\nChecks that must fail (physics and keys):");
    let r0 = &requests[0];
    let li = r0.landmarks[0];
    let replay = Replay {
        registry,
        lk,
        li,
        day,
        slot: r0,
        devices: &devices,
    };
    let diverted = rt.block_on(replay.diverted_chip())?;
    println!(
        "  - a chip of {} diverted 8,000 km (26.7 ms added each way): {diverted}",
        registry.file.facilities[r0.facility].id
    );
    let relay = rt.block_on(replay.keyless_relay())?;
    println!(
        "  - a relay near {} answering without the device key: {relay}",
        registry.file.landmarks[li].id
    );
    let foreign = foreign_landmark(fleet, registry, lk, day, &signed)?;
    println!("  - {foreign}");
    Ok(())
}

/// The first slot's chips measured and signed by LM-SHANGHAI, which covers
/// none of the importer's facilities: the delay claim's check refuses it
/// before anything is proven (and the circuit's coverage path would not
/// open: `circuits/tests/all/delay.rs`). What it was refused for.
fn foreign_landmark(
    fleet: &Fleet,
    registry: &Registry,
    lk: &LocationKeys,
    day: u64,
    signed: &[crate::delay::SignedBatch],
) -> Result<String> {
    let far = registry
        .landmark_index("LM-SHANGHAI")
        .ok_or_else(|| ProverError::Inventory("the demo registry lists no LM-SHANGHAI".into()))?;
    let mut forged = signed.to_vec();
    let b = forged
        .first_mut()
        .ok_or_else(|| ProverError::Inventory("no signed batch to forge".into()))?;
    let key = SecretKey::from_seed(lk.landmarks[far].seed());
    b.landmark = far;
    b.signature = key.sign(b.batch.message(registry.landmarks[far].id, day));
    match crate::delay::delay_claims(fleet, registry, day, &forged) {
        Err(e) => Ok(format!(
            "a batch of LM-SHANGHAI (which covers none of the importer's facilities), signed honestly: refused: {e}"
        )),
        Ok(_) => Err(ProverError::Inventory(
            "a batch of a landmark that covers none of the facilities was accepted".into(),
        )),
    }
}

/// The location demo's policy: the sample's
/// ([`zkcc_verifier::access::SAMPLE_ACCESS_POLICY`]), and an attested fleet
/// whose every ledger chip also answered a landmark in time is granted four
/// times as much (`located-daily`: 20,000 chips).
pub fn location_policy() -> Result<zkcc_verifier::access::Policy> {
    use zkcc_verifier::access::{Policy, Rule, SAMPLE_ACCESS_POLICY};
    let mut policy = Policy::from_json(SAMPLE_ACCESS_POLICY)?;
    let mut located: Rule = policy
        .rules
        .iter()
        .find(|r| r.id == "attested-fleet")
        .cloned()
        .ok_or_else(|| {
            ProverError::Inventory("the sample policy has no attested-fleet rule".into())
        })?;
    located.id = "located-daily".into();
    located.require.delay_evidence = true;
    located.grants.access = "attested-fleet, located daily".into();
    located.grants.quota_chips = 20_000;
    policy.rules.insert(1, located);
    // Checked again as a whole, as a policy file would be.
    Ok(Policy::from_json(&policy.to_json())?)
}

/// Starts landmark `li` on loopback; its address.
async fn start_landmark(
    registry: &Registry,
    lk: &LocationKeys,
    li: usize,
    day: u64,
) -> Result<std::net::SocketAddr> {
    let id = &registry.file.landmarks[li].id;
    let key = SecretKey::from_seed(lk.landmarks[li].seed());
    let lm = Landmark::new(registry.clone(), id, key, Some(day), Limits::default())?;
    let listener = TcpListener::bind("127.0.0.1:0").await.map_err(io)?;
    let addr = listener.local_addr().map_err(io)?;
    tokio::spawn(Arc::clone(&lm).serve(listener));
    Ok(addr)
}

/// Every slot measured by the first landmark covering its facility.
async fn measure_all(
    registry: &Registry,
    lk: &LocationKeys,
    day: u64,
    requests: &[crate::delay::SlotRequest],
    devices: &HashMap<String, (SigningKey, DeviceCert)>,
) -> Result<Vec<BatchFile>> {
    let mut addrs = HashMap::new();
    let mut out = Vec::with_capacity(requests.len());
    for r in requests {
        let Some(&li) = r.landmarks.first() else {
            return Err(ProverError::Inventory(format!(
                "no landmark covers {}",
                registry.file.facilities[r.facility].id
            )));
        };
        let addr = match addrs.get(&li) {
            Some(a) => *a,
            None => {
                let a = start_landmark(registry, lk, li, day).await?;
                addrs.insert(li, a);
                a
            }
        };
        for c in r.entries.iter().flatten() {
            let (key, cert) = &devices[&c.serial];
            let agent = Agent::connect(addr, cert, lk.owner.digest(), key.clone()).await?;
            tokio::spawn(agent.serve());
        }
        let entries: Vec<Option<ChipRef>> = r.entries.clone();
        out.push(client::request_batch(addr, &lk.owner, entries, Duration::from_secs(120)).await?);
    }
    Ok(out)
}

/// A slot replayed for the checks that must fail: its landmark `li` started
/// afresh for `day`, its chips with their device keys.
struct Replay<'a> {
    registry: &'a Registry,
    lk: &'a LocationKeys,
    li: usize,
    day: u64,
    slot: &'a crate::delay::SlotRequest,
    devices: &'a HashMap<String, (SigningKey, DeviceCert)>,
}

impl Replay<'_> {
    /// The slot measured again, its first chip behind an 8,000 km relay.
    async fn diverted_chip(&self) -> Result<String> {
        let (lk, r) = (self.lk, self.slot);
        let addr = start_landmark(self.registry, lk, self.li, self.day).await?;
        // 8,000 km of fibre-free vacuum each way: 26.7 ms.
        let far = delay_relay(addr, Duration::from_micros(26_700)).await?;
        for (i, c) in r.entries.iter().flatten().enumerate() {
            let (key, cert) = &self.devices[&c.serial];
            let agent = Agent::connect(
                if i == 0 { far } else { addr },
                cert,
                lk.owner.digest(),
                key.clone(),
            )
            .await?;
            tokio::spawn(agent.serve());
        }
        Ok(
            match client::request_batch(
                addr,
                &lk.owner,
                r.entries.clone(),
                Duration::from_secs(120),
            )
            .await
            {
                Ok(_) => {
                    return Err(ProverError::Inventory(
                        "a diverted chip was measured in time".into(),
                    ))
                }
                Err(e) => e.to_string(),
            },
        )
    }

    /// A relay near the landmark that holds the chip's certificate but not its key.
    async fn keyless_relay(&self) -> Result<String> {
        let (lk, r) = (self.lk, self.slot);
        let addr = start_landmark(self.registry, lk, self.li, self.day).await?;
        let c = r
            .entries
            .iter()
            .flatten()
            .next()
            .ok_or_else(|| ProverError::Inventory("a slot without ledger chips".into()))?;
        let (_, cert) = &self.devices[&c.serial];
        let impostor = p384_key(&mut ChaCha20Rng::seed_from_u64(99));
        Ok(
            match Agent::connect(addr, cert, lk.owner.digest(), impostor).await {
                Ok(_) => {
                    return Err(ProverError::Inventory(
                        "a relay without the device key was welcomed".into(),
                    ))
                }
                Err(e) => e.to_string(),
            },
        )
    }
}
