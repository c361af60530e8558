//! Landmarks and chip agents over the network (issue 25): a real landmark and
//! real agents on 127.0.0.1, with a delay relay that adds a one-way delay per
//! direction per agent. The landmark `LM-PAR` accepts chips within 3,000 km:
//! a round trip of at most 2·3,000 km / c ≈ 20.0 ms. Loopback is far below
//! that, yet a chip's answer includes its P-384 signature, and on a machine
//! loaded by the other test lanes three such answers took 3.5 ms each (CI,
//! stop 37); the 54 ms of a diverted chip stay far above it.
//!
//! - a chip near its landmark passes, and its batch verifies natively;
//! - a chip diverted 8,000 km away (27 ms each way) is refused as too slow;
//! - a relay without the device key fails the signature; a near relay that
//!   forwards to the far chip fails the bound;
//! - a replayed answer and a precomputed one fail the nonce;
//! - a certificate of an unlisted vendor, or of another chip, fails at hello;
//! - silence, oversized lines, stray first messages and too many
//!   connections are bounded;
//! - only the owner key the chip's agent registered can have it measured;
//!   chips of two models may share a serial; batches are signed for the day
//!   of the landmark's clock;
//! - the CLI (`vendor keygen`, `chip keygen`, `landmark keygen|serve|batch`,
//!   `chip agent`) end to end.
use p384::ecdsa::SigningKey;
use rand::rngs::OsRng;
use std::io::{BufRead, BufReader as StdBufReader};
use std::net::SocketAddr;
use std::process::{Child, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use zkcc_circuits::delay::fixtures::{landmark_keys, registry_with_landmarks, DAY};
use zkcc_circuits::delay::rtt_bound_ns;
use zkcc_circuits::eddsa::{PointJson, SecretKey};
use zkcc_circuits::registry::{Registry, VendorCaJson};
use zkcc_prover::landmark::wire::{self, Msg};
use zkcc_prover::landmark::{
    client, Agent, Answerer, BatchFile, Challenge, ChipRef, Landmark, LandmarkError, Limits,
    OwnerKey,
};
use zkcc_verifier::device::{key_hex, DeviceCert, DeviceError, NONCE_LEN};

use crate::run::{fails_with, ok};

const LM: &str = "LM-PAR";
const MODEL: &str = "H100-SXM";
/// LM-PAR's accepted distance in these tests: wide enough for a signing
/// chip on a loaded machine, far below [`DIVERTED`].
const MAX_DISTANCE_M: u64 = 3_000_000;
/// One way of 8,000 km at the speed of light: 26.69 ms; a little more.
const DIVERTED: Duration = Duration::from_millis(27);

/// The importer's owner key in these tests: its agents register its digest,
/// its batch requests present it.
fn owner() -> OwnerKey {
    OwnerKey::from_bytes([7; 32])
}

/// The fixtures' registry with landmarks, LM-PAR accepting 3,000 km, and the
/// CA `ca` as vendor `NV`.
fn registry_file(
    ca: &p384::ecdsa::VerifyingKey,
    lm_key: Option<&PointJson>,
) -> zkcc_circuits::registry::RegistryFile {
    let auditors: Vec<SecretKey> = (0..2u8)
        .map(|i| SecretKey::from_seed([i + 1; 32]))
        .collect();
    let mut file = registry_with_landmarks(&auditors, &landmark_keys()).file;
    let par = file.landmarks.iter_mut().find(|l| l.id == LM).unwrap();
    par.max_distance_m = MAX_DISTANCE_M;
    if let Some(k) = lm_key {
        par.public_key = k.clone();
    }
    file.device_vendors = vec![VendorCaJson {
        id: "NV".into(),
        public_key: key_hex(ca),
        models: file.chip_models.iter().map(|m| m.name.clone()).collect(),
    }];
    file
}

struct World {
    registry: Registry,
    ca: SigningKey,
}

impl World {
    fn new() -> Self {
        let ca = SigningKey::random(&mut OsRng);
        let registry = Registry::from_file(registry_file(ca.verifying_key(), None)).unwrap();
        Self { registry, ca }
    }

    /// A chip's device key and the vendor's certificate of it.
    fn chip(&self, serial: &str) -> (SigningKey, DeviceCert) {
        let k = SigningKey::random(&mut OsRng);
        let cert = DeviceCert::issue(&self.ca, "NV", serial, MODEL, k.verifying_key()).unwrap();
        (k, cert)
    }

    /// A chip `serial` ([`Self::chip`]) as an [`honest`] agent behind `addr`.
    async fn honest_chip(&self, addr: SocketAddr, serial: &str) {
        let (k, c) = self.chip(serial);
        honest(addr, k, &c).await;
    }

    /// LM-PAR serving on a free port.
    async fn landmark(&self, limits: Limits) -> (Arc<Landmark>, SocketAddr) {
        let key = landmark_keys().remove(0);
        let lm = Landmark::new(self.registry.clone(), LM, key, Some(DAY), limits).unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(lm.clone().serve(listener));
        (lm, addr)
    }
}

fn chip_ref(serial: &str) -> Option<ChipRef> {
    Some(ChipRef {
        serial: serial.into(),
        model: MODEL.into(),
    })
}

/// An honest agent behind `addr`, welcomed and answering in the background.
async fn honest(addr: SocketAddr, key: SigningKey, cert: &DeviceCert) {
    let a = Agent::connect(addr, cert, owner().digest(), key)
        .await
        .unwrap();
    assert_eq!((a.landmark.as_str(), a.day), (LM, DAY));
    tokio::spawn(a.serve());
}

/// Asserts that the landmark refused an agent's hello, saying `needle`.
#[track_caller]
fn refused<A: Answerer>(r: Result<Agent<A>, LandmarkError>, needle: &str) {
    match r {
        Err(LandmarkError::Refused(reason)) => {
            assert!(reason.contains(needle), "{reason:?} lacks {needle:?}")
        }
        Err(e) => panic!("{e}"),
        Ok(_) => panic!("welcomed; expected {needle:?}"),
    }
}

/// A one-way delay, changeable while the relay runs (µs).
type Delay = Arc<AtomicU64>;

fn delay(d: Duration) -> Delay {
    Arc::new(AtomicU64::new(d.as_micros() as u64))
}

/// Copies `r` to `w`, each chunk sent `delay` after it was read.
async fn pipe(mut r: OwnedReadHalf, mut w: OwnedWriteHalf, delay: Delay) {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(tokio::time::Instant, Vec<u8>)>();
    let writer = tokio::spawn(async move {
        while let Some((due, bytes)) = rx.recv().await {
            tokio::time::sleep_until(due).await;
            if w.write_all(&bytes).await.is_err() {
                break;
            }
        }
        let _ = w.shutdown().await;
    });
    let mut buf = vec![0u8; 16 * 1024];
    while let Ok(n @ 1..) = r.read(&mut buf).await {
        let due =
            tokio::time::Instant::now() + Duration::from_micros(delay.load(Ordering::Relaxed));
        if tx.send((due, buf[..n].to_vec())).is_err() {
            break;
        }
    }
    drop(tx);
    let _ = writer.await;
}

/// A TCP relay to `target` adding `up` (towards the target) and `down`
/// (back) one-way delays to every connection through it.
async fn relay(target: SocketAddr, up: Delay, down: Delay) -> SocketAddr {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((inbound, _)) = l.accept().await {
            let Ok(out) = TcpStream::connect(target).await else {
                continue;
            };
            let _ = (inbound.set_nodelay(true), out.set_nodelay(true));
            let (ir, iw) = inbound.into_split();
            let (or, ow) = out.into_split();
            tokio::spawn(pipe(ir, ow, up.clone()));
            tokio::spawn(pipe(or, iw, down.clone()));
        }
    });
    addr
}

/// Polls until `serial` is (or is no longer) connected; bounded.
async fn wait_connected(lm: &Landmark, serial: &str, want: bool) {
    for _ in 0..300 {
        if lm.connected().iter().any(|s| s == serial) == want {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("chip {serial} connected: expected {want}");
}

/// An honest chip `serial` connected through `via` (relays to the landmark
/// adding [`DIVERTED`] each way): its measurement is refused as too slow,
/// at 8,000 km or more.
async fn too_slow(w: &World, lm: &Landmark, via: SocketAddr, serial: &str) -> LandmarkError {
    let (k, c) = w.chip(serial);
    honest(via, k, &c).await;
    let err = lm.batch(&owner(), &[chip_ref(serial)]).await.unwrap_err();
    let LandmarkError::TooSlow {
        ms,
        km,
        accepted_km,
        ..
    } = &err
    else {
        panic!("{err}")
    };
    assert!(
        *ms >= 54.0 && *km >= 8_000.0 && *accepted_km == 3_000.0,
        "{err}"
    );
    err
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_near_chip_passes_and_its_batch_verifies() {
    let w = World::new();
    let (lm, addr) = w.landmark(Limits::default()).await;
    let bound = rtt_bound_ns(MAX_DISTANCE_M);
    assert_eq!(lm.bound_ns(), bound);
    assert!((20_013_000..20_015_000).contains(&bound), "{bound}");
    w.honest_chip(addr, "SN-NEAR-1").await;
    w.honest_chip(addr, "SN-NEAR-2").await;
    let entries = vec![chip_ref("SN-NEAR-1"), None, chip_ref("SN-NEAR-2")];
    let file = client::request_batch(addr, &owner(), entries, Duration::from_secs(30))
        .await
        .unwrap();
    let batch = file.verify(&w.registry).unwrap();
    assert_eq!((file.landmark.as_str(), file.day), (LM, DAY));
    assert_eq!(batch.entries.len(), 3);
    assert_eq!(batch.entries[1], (ark_bn254::Fr::from(0u64), 0));
    for e in [&batch.entries[0], &batch.entries[2]] {
        assert!(
            e.1 > 0 && (e.1 as u64) < bound,
            "rtt {} ns, bound {bound}",
            e.1
        );
    }
    eprintln!(
        "near chips: round trips {} ns and {} ns (bound {bound} ns)",
        batch.entries[0].1, batch.entries[2].1
    );
    // The batch is what the delay circuit signs over.
    let leaf = w.registry.landmarks[w.registry.landmark_index(LM).unwrap()];
    assert_eq!(file.max_rtt_ns, batch.max_rtt());
    assert!(zkcc_circuits::eddsa::verify(
        &leaf.key,
        batch.message(leaf.id, DAY),
        &file.signature.to_signature().unwrap()
    )
    .is_ok());

    // Each field of the file is bound: one change each fails verification.
    type Edit = fn(&mut BatchFile);
    let edits: [(&str, Edit); 7] = [
        ("rtt", |f| f.entries[0].as_mut().unwrap().rtt_ns -= 1),
        ("day", |f| f.day += 1),
        ("order", |f| f.entries.swap(0, 2)),
        ("dropped", |f| f.entries[2] = None),
        ("max", |f| f.max_rtt_ns += 1),
        ("landmark", |f| f.landmark = "LM-IAD".into()),
        ("too far", |f| {
            f.entries[0].as_mut().unwrap().rtt_ns = rtt_bound_ns(MAX_DISTANCE_M) as u32 + 1
        }),
    ];
    for (what, edit) in edits {
        let mut f = file.clone();
        edit(&mut f);
        assert!(
            matches!(f.verify(&w.registry), Err(LandmarkError::Batch(_))),
            "{what}"
        );
    }
    // The file format is strict.
    let mut v = serde_json::to_value(&file).unwrap();
    v["extra"] = 1.into();
    assert!(serde_json::from_value::<BatchFile>(v).is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_diverted_chip_is_too_slow() {
    let w = World::new();
    let (lm, addr) = w.landmark(Limits::default()).await;
    let far = relay(addr, delay(DIVERTED), delay(DIVERTED)).await;
    let err = too_slow(&w, &lm, far, "SN-FAR").await;
    let msg = err.to_string();
    assert!(
        msg.starts_with("chip SN-FAR: too slow: ") && msg.contains("the landmark accepts 3000 km"),
        "{msg}"
    );
    eprintln!("diverted: {msg}");
    // Over the network the importer gets the same refusal.
    let err = client::request_batch(
        addr,
        &owner(),
        vec![chip_ref("SN-FAR")],
        Duration::from_secs(30),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(&err, LandmarkError::Refused(r) if r.contains("too slow")),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_relay_fails_the_signature_or_the_bound() {
    let w = World::new();
    let (lm, addr) = w.landmark(Limits::default()).await;
    // A near proxy without the device key answers with its own key.
    let (_, cert) = w.chip("SN-RELAYED");
    let own = SigningKey::random(&mut OsRng);
    refused(
        Agent::connect(addr, &cert, owner().digest(), own).await,
        "is not its device key's signature",
    );
    assert!(matches!(
        lm.batch(&owner(), &[chip_ref("SN-RELAYED")]).await,
        Err(LandmarkError::NotConnected(s)) if s == "SN-RELAYED"
    ));
    // A near proxy that forwards to the chip 8,000 km away.
    let near = relay(addr, delay(Duration::ZERO), delay(Duration::ZERO)).await;
    let far = relay(near, delay(DIVERTED), delay(DIVERTED)).await;
    too_slow(&w, &lm, far, "SN-FAR-RELAYED").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replayed_and_precomputed_answers_fail_the_nonce() {
    let w = World::new();
    let (lm, addr) = w.landmark(Limits::default()).await;
    // Replay: the hello's answer recorded, then sent again for every challenge.
    let (k, c) = w.chip("SN-REPLAY");
    let recorded: Arc<Mutex<Option<String>>> = Arc::default();
    let rec = recorded.clone();
    let replay = move |c: &Challenge<'_>| {
        let mut r = rec.lock().unwrap();
        r.get_or_insert_with(|| c.signed_by(&k)).clone()
    };
    let a = Agent::connect(addr, &c, owner().digest(), replay)
        .await
        .unwrap();
    tokio::spawn(a.serve());
    assert!(recorded.lock().unwrap().is_some());
    let err = lm
        .batch(&owner(), &[chip_ref("SN-REPLAY")])
        .await
        .unwrap_err();
    assert!(
        matches!(&err, LandmarkError::Device(DeviceError::AnswerInvalid { serial }) if serial == "SN-REPLAY"),
        "{err}"
    );
    // A failed chip is dropped: it must reconnect and prove itself again.
    wait_connected(&lm, "SN-REPLAY", false).await;

    // Precomputed: after the hello, answers signed over a guessed nonce.
    let (k, c) = w.chip("SN-GUESS");
    let mut first = true;
    let guess = move |c: &Challenge<'_>| {
        let guessed = [0u8; NONCE_LEN];
        let nonce = if std::mem::take(&mut first) {
            c.nonce
        } else {
            &guessed
        };
        Challenge { nonce, ..*c }.signed_by(&k)
    };
    let a = Agent::connect(addr, &c, owner().digest(), guess)
        .await
        .unwrap();
    tokio::spawn(a.serve());
    let err = lm
        .batch(&owner(), &[chip_ref("SN-GUESS")])
        .await
        .unwrap_err();
    assert!(
        matches!(
            &err,
            LandmarkError::Device(DeviceError::AnswerInvalid { .. })
        ),
        "{err}"
    );
    // And an answer for another day or landmark is no better.
    let (k, c) = w.chip("SN-OTHER-DAY");
    let mut first = true;
    let shifted = move |c: &Challenge<'_>| {
        let day = if std::mem::take(&mut first) {
            c.day
        } else {
            c.day + 1
        };
        Challenge { day, ..*c }.signed_by(&k)
    };
    let a = Agent::connect(addr, &c, owner().digest(), shifted)
        .await
        .unwrap();
    tokio::spawn(a.serve());
    assert!(lm
        .batch(&owner(), &[chip_ref("SN-OTHER-DAY")])
        .await
        .is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn certificates_are_checked_at_hello() {
    let w = World::new();
    let (lm, addr) = w.landmark(Limits::default()).await;
    let k = SigningKey::random(&mut OsRng);
    // A vendor the registry does not list.
    let rogue = SigningKey::random(&mut OsRng);
    let cert = DeviceCert::issue(&rogue, "AMD", "SN-X", MODEL, k.verifying_key()).unwrap();
    refused(
        Agent::connect(addr, &cert, owner().digest(), k.clone()).await,
        "not an accepted vendor CA",
    );
    // A listed vendor's name on a certificate another CA signed.
    let cert = DeviceCert::issue(&rogue, "NV", "SN-X", MODEL, k.verifying_key()).unwrap();
    refused(
        Agent::connect(addr, &cert, owner().digest(), k.clone()).await,
        "signature does not verify",
    );
    // The chip's certificate with another serial written in.
    let mut cert = DeviceCert::issue(&w.ca, "NV", "SN-X", MODEL, k.verifying_key()).unwrap();
    cert.serial = "SN-Y".into();
    refused(
        Agent::connect(addr, &cert, owner().digest(), k.clone()).await,
        "signature does not verify",
    );
    // Another chip's genuine certificate: the key is not the one certified.
    let (_, other) = w.chip("SN-Z");
    refused(
        Agent::connect(addr, &other, owner().digest(), k.clone()).await,
        "chip SN-Z: its answer is not",
    );
    // A model the registry does not list (so not among the vendor's models).
    let cert = DeviceCert::issue(&w.ca, "NV", "SN-X", "H200", k.verifying_key()).unwrap();
    refused(
        Agent::connect(addr, &cert, owner().digest(), k.clone()).await,
        "vendor \"NV\" does not make model \"H200\"",
    );
    assert!(lm.connected().is_empty());
    // The honest certificate passes; asked for under another model, refused.
    let cert = DeviceCert::issue(&w.ca, "NV", "SN-X", MODEL, k.verifying_key()).unwrap();
    honest(addr, k, &cert).await;
    assert_eq!(lm.connected(), vec!["SN-X".to_string()]);
    let b200 = ChipRef {
        serial: "SN-X".into(),
        model: "B200".into(),
    };
    assert!(matches!(
        lm.batch(&owner(), &[Some(b200)]).await,
        Err(LandmarkError::NotConnected(s)) if s == "SN-X"
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn everything_is_bounded() {
    let w = World::new();
    let limits = Limits {
        answer_timeout: Duration::from_millis(200),
        hello_timeout: Duration::from_millis(300),
        max_line: 2048,
        max_connections: 3,
        ..Limits::default()
    };
    let (lm, addr) = w.landmark(limits).await;
    // A chip that falls silent after its hello: the relay starts holding its answers.
    let (k, c) = w.chip("SN-SILENT");
    let up = delay(Duration::ZERO);
    let via = relay(addr, up.clone(), delay(Duration::ZERO)).await;
    honest(via, k, &c).await;
    up.store(2_000_000, Ordering::Relaxed);
    let err = lm
        .batch(&owner(), &[chip_ref("SN-SILENT")])
        .await
        .unwrap_err();
    assert!(
        matches!(&err, LandmarkError::Silent { ms: 200, .. }),
        "{err}"
    );
    wait_connected(&lm, "SN-SILENT", false).await;

    let raw = || async { wire::connect(addr, Duration::from_secs(5)).await.unwrap() };
    let reply = |mut r: BufReader<OwnedReadHalf>| async move {
        wire::recv(&mut r, 1 << 16, Duration::from_secs(5)).await
    };
    // A client that says nothing, a line too long, a message out of turn.
    let (r, _w) = raw().await;
    assert!(
        matches!(reply(r).await, Ok(Msg::Refused { reason }) if reason.contains("no message within 300 ms"))
    );
    let (r, mut wr) = raw().await;
    wr.write_all(&vec![b'x'; 5000]).await.unwrap();
    assert!(
        matches!(reply(r).await, Ok(Msg::Refused { reason }) if reason.contains("longer than 2048"))
    );
    let (r, mut wr) = raw().await;
    wire::send(
        &mut wr,
        &Msg::Answer {
            signature: "0x00".into(),
        },
    )
    .await
    .unwrap();
    assert!(
        matches!(reply(r).await, Ok(Msg::Refused { reason }) if reason.contains("expected hello or batch"))
    );
    // Batches: too many positions, a chip twice.
    let many = vec![None; zkcc_circuits::shard::MAX_SLOT_CHIPS + 1];
    assert!(matches!(
        lm.batch(&owner(), &many).await,
        Err(LandmarkError::Request(_))
    ));
    let twice = [chip_ref("SN-A"), chip_ref("SN-A")];
    assert!(
        matches!(lm.batch(&owner(), &twice).await, Err(LandmarkError::Request(m)) if m.contains("twice"))
    );
    // At most three connections: a fourth is closed at once.
    let held = [raw().await, raw().await, raw().await];
    let (mut r, _w) = raw().await;
    let mut b = [0u8; 1];
    let n = tokio::time::timeout(Duration::from_secs(5), r.read(&mut b)).await;
    assert!(matches!(n, Ok(Ok(0)) | Ok(Err(_))), "{n:?}");
    drop(held);
    // An empty batch is a batch of nothing: signed, and it verifies.
    let f = lm.batch(&owner(), &[None, None]).await.unwrap();
    assert_eq!(f.verify(&w.registry).unwrap().max_rtt(), 0);
}

#[test]
fn a_landmark_needs_its_registry_key_and_sane_limits() {
    let w = World::new();
    let keys = landmark_keys();
    let new = |id: &str, k: &SecretKey, l: Limits| {
        Landmark::new(w.registry.clone(), id, k.clone(), Some(DAY), l)
    };
    assert!(new(LM, &keys[0], Limits::default()).is_ok());
    for (id, k, l) in [
        ("LM-XXX", &keys[0], Limits::default()),
        (LM, &keys[1], Limits::default()),
        (
            LM,
            &keys[0],
            Limits {
                tries: 0,
                ..Limits::default()
            },
        ),
        (
            LM,
            &keys[0],
            Limits {
                answer_timeout: Duration::from_secs(5),
                ..Limits::default()
            },
        ),
    ] {
        assert!(
            matches!(new(id, k, l), Err(LandmarkError::Config(_))),
            "{id}"
        );
    }
}

/// A child process killed when dropped.
struct Running(Child);
impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `zkcc args…` in `dir`; its first stdout line.
fn spawn(dir: &std::path::Path, args: &[&str]) -> (Running, String) {
    let mut child = crate::run::ZKCC.spawn(dir, args, Stdio::piped(), Stdio::inherit());
    let out = child.stdout.take().unwrap();
    let running = Running(child);
    let mut line = String::new();
    StdBufReader::new(out).read_line(&mut line).unwrap();
    (running, line)
}

/// `zkcc chip agent` of chip SN-E2E-1's certificate with the device key
/// `key`, for the owner key `owner.key`, to the landmark at `addr`.
fn agent_args<'a>(key: &'a str, addr: &'a str) -> [&'a str; 10] {
    [
        "chip",
        "agent",
        "--key",
        key,
        "--cert",
        "SN-E2E-1/device.cert.json",
        "--connect",
        addr,
        "--owner-key",
        "owner.key",
    ]
}

/// `zkcc chip keygen` of `serial` into the directory `serial`.
/// `landmark batch` of the slot file `entries` into `out` with the owner key
/// file `key` (checked against the registry if `verify`).
fn batch_args<'a>(
    addr: &'a str,
    entries: &'a str,
    out: &'a str,
    key: &'a str,
    verify: bool,
) -> Vec<&'a str> {
    let mut v = vec![
        "landmark",
        "batch",
        "--connect",
        addr,
        "--entries",
        entries,
        "--out",
        out,
        "--owner-key",
        key,
    ];
    if verify {
        v.extend(["--registry", "registry.json"]);
    }
    v
}

fn chip_keygen(serial: &str) -> [&str; 12] {
    [
        "chip",
        "keygen",
        "--vendor-key",
        "ca.key",
        "--vendor",
        "NV",
        "--serial",
        serial,
        "--model",
        MODEL,
        "--out-dir",
        serial,
    ]
}

#[test]
fn the_commands_run_end_to_end() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    let vendor = ok(
        d,
        &[
            "vendor",
            "keygen",
            "--out",
            "ca.key",
            "--id",
            "NV",
            "--models",
            "H100-SXM,B200",
        ],
    );
    let vendor: VendorCaJson = serde_json::from_str(&vendor).unwrap();
    assert_eq!(vendor.id, "NV");
    for serial in ["SN-E2E-1", "SN-E2E-2"] {
        ok(d, &chip_keygen(serial));
    }
    fails_with(d, &chip_keygen("SN-E2E-1"), 2, "refusing to replace");
    #[cfg(unix)]
    for f in ["ca.key", "SN-E2E-1/device.key"] {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(d.join(f)).unwrap().permissions().mode() & 0o777,
            0o600,
            "{f}"
        );
    }
    let lm = ok(
        d,
        &["landmark", "keygen", "--out", "landmark.key", "--id", LM],
    );
    let lm: serde_json::Value = serde_json::from_str(&lm).unwrap();
    for (f, who) in [("owner.key", "owner"), ("stranger.key", "stranger")] {
        let out = ok(d, &["chip", "owner-keygen", "--out", f]);
        assert!(
            out.contains("its digest, which the chips' agents register: 0x"),
            "{who}: {out}"
        );
    }
    fails_with(
        d,
        &["chip", "owner-keygen", "--out", "owner.key"],
        2,
        "refusing to replace",
    );
    let lm_key: PointJson = serde_json::from_value(lm["public_key"].clone()).unwrap();
    let ca = zkcc_verifier::device::parse_key("ca", &vendor.public_key).unwrap();
    let reg = registry_file(&ca, Some(&lm_key));
    std::fs::write(
        d.join("registry.json"),
        serde_json::to_string_pretty(&reg).unwrap(),
    )
    .unwrap();

    let (_server, line) = spawn(
        d,
        &[
            "landmark",
            "serve",
            "--registry",
            "registry.json",
            "--id",
            LM,
            "--key",
            "landmark.key",
            "--listen",
            "127.0.0.1:0",
            "--day",
            "20428",
        ],
    );
    assert!(
        line.starts_with("landmark LM-PAR listening on 127.0.0.1:")
            && line.contains("within 3000 km"),
        "{line}"
    );
    let addr = line.split_whitespace().nth(4).unwrap().to_string();
    let (_agent, line) = spawn(d, &agent_args("SN-E2E-1/device.key", &addr));
    assert!(
        line.starts_with("chip SN-E2E-1 connected to landmark LM-PAR (day 20428)"),
        "{line}"
    );
    // A key with another chip's certificate is refused before connecting.
    fails_with(
        d,
        &agent_args("SN-E2E-2/device.key", &addr),
        2,
        "another device key",
    );

    std::fs::write(
        d.join("slot.json"),
        r#"{"entries": [{"serial": "SN-E2E-1", "model": "H100-SXM"}, null]}"#,
    )
    .unwrap();
    let out = ok(
        d,
        &batch_args(&addr, "slot.json", "batch.json", "owner.key", true),
    );
    assert!(
        out.contains("1 chip(s) measured of 2 position(s)") && out.contains("verified"),
        "{out}"
    );
    let file: BatchFile =
        serde_json::from_slice(&std::fs::read(d.join("batch.json")).unwrap()).unwrap();
    let registry = Registry::from_file(reg).unwrap();
    let batch = file.verify(&registry).unwrap();
    assert!((batch.max_rtt() as u64) < rtt_bound_ns(MAX_DISTANCE_M));
    eprintln!("CLI: {out}");
    // A chip that is not connected fails the batch (exit 1), and nothing is written.
    std::fs::write(
        d.join("slot2.json"),
        r#"{"entries": [{"serial": "SN-E2E-2", "model": "H100-SXM"}]}"#,
    )
    .unwrap();
    fails_with(
        d,
        &batch_args(&addr, "slot2.json", "batch2.json", "owner.key", false),
        1,
        "chip SN-E2E-2: not connected",
    );
    // Another owner's key (a stranger's) cannot have the connected chip
    // measured: to it the chip is not connected.
    fails_with(
        d,
        &batch_args(&addr, "slot.json", "batch3.json", "stranger.key", false),
        1,
        "chip SN-E2E-1: not connected",
    );
    assert!(!d.join("batch3.json").exists());
    assert!(!d.join("batch2.json").exists());
    // The wrong key for the landmark is a configuration error.
    fails_with(
        d,
        &[
            "landmark",
            "serve",
            "--registry",
            "registry.json",
            "--id",
            "LM-IAD",
            "--key",
            "landmark.key",
        ],
        2,
        "not the one the registry lists",
    );
}

/// A landmark measures a chip only for the owner its agent registered: a
/// stranger's batch request (another owner key; no device key, no
/// certificate) finds the chip "not connected", learns no round trip and gets
/// no signed batch, while the owner's request succeeds. (A review found the
/// batch message served to any client.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_chips_owner_can_have_it_measured() {
    let w = World::new();
    let (lm, addr) = w.landmark(Limits::default()).await;
    w.honest_chip(addr, "SN-PROBE-1").await;
    wait_connected(&lm, "SN-PROBE-1", true).await;
    let stranger = OwnerKey::from_bytes([8; 32]);
    let wait = Duration::from_secs(10);
    let probe = client::request_batch(addr, &stranger, vec![chip_ref("SN-PROBE-1")], wait).await;
    assert!(
        matches!(&probe, Err(LandmarkError::Refused(m)) if m.contains("chip SN-PROBE-1: not connected")),
        "{probe:?}"
    );
    // A malformed owner key is refused as such.
    let (mut rd, mut wr) = wire::connect(addr, wait).await.unwrap();
    let bad = Msg::Batch {
        owner: "0x12".into(),
        entries: vec![chip_ref("SN-PROBE-1")],
    };
    wire::send(&mut wr, &bad).await.unwrap();
    assert!(matches!(
        wire::recv(&mut rd, 1 << 16, wait).await.unwrap(),
        Msg::Refused { reason } if reason.contains("owner key")
    ));
    let file = client::request_batch(addr, &owner(), vec![chip_ref("SN-PROBE-1")], wait)
        .await
        .unwrap();
    assert!(file.entries[0].as_ref().unwrap().rtt_ns > 0);
}

/// A connected chip is `(serial, model)`: a certified chip of another model
/// with the same serial (vendors number per model) connects beside it
/// instead of displacing it, and each is measured as its own model. (A
/// review found chips keyed by serial alone.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chips_of_two_models_may_share_a_serial() {
    let w = World::new();
    let (lm, addr) = w.landmark(Limits::default()).await;
    w.honest_chip(addr, "0001").await;
    let other = SigningKey::random(&mut OsRng);
    let oc = DeviceCert::issue(&w.ca, "NV", "0001", "B200", other.verifying_key()).unwrap();
    honest(addr, other, &oc).await;
    assert_eq!(lm.connected(), vec!["0001".to_string(), "0001".to_string()]);
    let b200 = Some(ChipRef {
        serial: "0001".into(),
        model: "B200".into(),
    });
    let file = lm.batch(&owner(), &[chip_ref("0001"), b200]).await.unwrap();
    assert!(file.entries.iter().all(|e| e.as_ref().unwrap().rtt_ns > 0));
    let batch = file.verify(&w.registry).unwrap();
    assert_eq!(batch.entries.len(), 2);
    assert_ne!(batch.entries[0].0, batch.entries[1].0);
}

/// A landmark started without a fixed day signs each batch for its clock's
/// day when the batch begins, and welcomes agents with it; one started for a
/// fixed day (tests, replays) signs that day. (A review found the day fixed
/// at start: a landmark running past midnight signed yesterday's day.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_landmark_signs_the_day_of_its_clock() {
    let w = World::new();
    let key = landmark_keys().remove(0);
    let lm = Landmark::new(w.registry.clone(), LM, key, None, Limits::default()).unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(lm.clone().serve(listener));
    let before = zkcc_prover::landmark::today();
    let (k, c) = w.chip("SN-CLOCK");
    let a = Agent::connect(addr, &c, owner().digest(), k).await.unwrap();
    assert!(a.day >= before && a.day <= zkcc_prover::landmark::today());
    tokio::spawn(a.serve());
    let file = lm.batch(&owner(), &[chip_ref("SN-CLOCK")]).await.unwrap();
    let after = zkcc_prover::landmark::today();
    assert!(
        file.day >= before && file.day <= after,
        "{} not in {before}..={after}",
        file.day
    );
    file.verify(&w.registry).unwrap();
    let (fixed, _) = w.landmark(Limits::default()).await;
    assert_eq!(fixed.day(), DAY);
    assert_eq!(fixed.batch(&owner(), &[None]).await.unwrap().day, DAY);
}

/// A hello relayed under another owner's digest (an on-path relay passing
/// the landmark's challenge to the real agent): the real chip signs its own
/// owner digest in every answer, so the proof of possession fails and the
/// chip is not registered for the relay's owner. (A review found the owner
/// unsigned: a relay could re-register a chip to itself.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hello_relayed_under_another_owner_is_refused() {
    let w = World::new();
    let (lm, addr) = w.landmark(Limits::default()).await;
    let (k, c) = w.chip("SN-HIJACK");
    let ours = owner().digest();
    let theirs = OwnerKey::from_bytes([9; 32]).digest();
    let real_chip = move |c: &Challenge<'_>| Challenge { owner: &ours, ..*c }.signed_by(&k);
    refused(
        Agent::connect(addr, &c, theirs, real_chip).await,
        "its answer is not its device key's signature",
    );
    assert!(lm.connected().is_empty());
}
