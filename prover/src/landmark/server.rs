//! The landmark server: registers chip agents, measures them on request,
//! signs batches (protocol in [`crate::landmark`]).
use super::wire::{self, Msg};
use super::{
    ident_of, parse_digest, today, BatchFile, ChipRef, LandmarkError, Limits, MeasuredChip,
    OwnerKey,
};
use p384::ecdsa::VerifyingKey;
use rand::RngCore;
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, oneshot, Semaphore};
use zkcc_circuits::delay::{distance_bound_m, rtt_bound_ns, rtt_within};
use zkcc_circuits::eddsa::SecretKey;
use zkcc_circuits::registry::Registry;
use zkcc_circuits::shard::MAX_SLOT_CHIPS;
use zkcc_verifier::device::{check_answer, DeviceCert, NONCE_LEN};

type Reply = oneshot::Sender<Result<u32, LandmarkError>>;
/// A measurement job: the day its challenges are for, and where the result goes.
type Job = (u64, Reply);
/// A connected chip's name: `(serial, model)` (two models may share a serial).
type ChipId = (String, String);

/// A registered chip: its connection's id, the digest of the owner key whose
/// batches may measure it, and the queue of measurements its connection
/// task runs.
struct Chip {
    conn: u64,
    owner: [u8; 32],
    jobs: mpsc::Sender<Job>,
}

/// A landmark of the registry, with its signing key, for one day.
pub struct Landmark {
    registry: Registry,
    index: usize,
    id: String,
    key: SecretKey,
    day: Option<u64>,
    limits: Limits,
    chips: Mutex<HashMap<ChipId, Chip>>,
    next_conn: AtomicU64,
}

/// One connection's reading and writing halves.
struct Conn {
    rd: BufReader<OwnedReadHalf>,
    wr: OwnedWriteHalf,
}

/// The chip at the other end of a connection, as challenged: its serial,
/// its certified device key, the owner digest it registered, and the day
/// the challenges are for.
struct Peer<'a> {
    serial: &'a str,
    key: &'a VerifyingKey,
    owner: &'a [u8; 32],
    day: u64,
}

impl Landmark {
    /// The registry's landmark `id`, signing with `key` (which must be the
    /// registry's key of it): for the UTC day of its clock when a batch
    /// begins (`day` `None`), or always for `day` (tests, replays).
    pub fn new(
        registry: Registry,
        id: &str,
        key: SecretKey,
        day: Option<u64>,
        limits: Limits,
    ) -> Result<Arc<Self>, LandmarkError> {
        limits.check()?;
        let index = registry.landmark_index(id).ok_or_else(|| {
            LandmarkError::Config(format!("{id:?} is not a landmark of the registry"))
        })?;
        if registry.landmarks[index].key != key.public() {
            return Err(LandmarkError::Config(format!(
                "the key is not the one the registry lists for landmark {id}"
            )));
        }
        if registry.file.device_vendors.is_empty() {
            return Err(LandmarkError::Config(
                "the registry lists no device vendors: no chip could be certified".into(),
            ));
        }
        Ok(Arc::new(Self {
            registry,
            index,
            id: id.to_string(),
            key,
            day,
            limits,
            chips: Mutex::new(HashMap::new()),
            next_conn: AtomicU64::new(0),
        }))
    }

    /// The largest distance the registry accepts from this landmark, m.
    pub fn max_distance_m(&self) -> u64 {
        self.registry.landmarks[self.index].max_distance_m
    }

    /// The longest round trip this landmark accepts, ns.
    pub fn bound_ns(&self) -> u64 {
        rtt_bound_ns(self.max_distance_m())
    }

    /// The day its challenges and batches are for now: the fixed day, or
    /// its clock's.
    pub fn day(&self) -> u64 {
        self.day.unwrap_or_else(today)
    }

    /// Serials of the chips connected now, sorted.
    pub fn connected(&self) -> Vec<String> {
        let mut v: Vec<String> = self.lock().keys().map(|k| k.0.clone()).collect();
        v.sort();
        v
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<ChipId, Chip>> {
        self.chips.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Accepts connections forever (at most [`Limits::max_connections`] at
    /// once; more are closed at once).
    pub async fn serve(self: Arc<Self>, listener: TcpListener) {
        let permits = Arc::new(Semaphore::new(self.limits.max_connections));
        loop {
            let (stream, _) = match listener.accept().await {
                Ok(s) => s,
                Err(_) => {
                    // Out of descriptors or a reset before accept: back off.
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            };
            let Ok(permit) = permits.clone().try_acquire_owned() else {
                drop(stream);
                continue;
            };
            let me = self.clone();
            tokio::spawn(async move {
                me.connection(stream).await;
                drop(permit);
            });
        }
    }

    async fn connection(self: Arc<Self>, stream: TcpStream) {
        let _ = stream.set_nodelay(true);
        let (rd, wr) = stream.into_split();
        let mut c = Conn {
            rd: BufReader::new(rd),
            wr,
        };
        let first = wire::recv(&mut c.rd, self.limits.max_line, self.limits.hello_timeout).await;
        let reply = match first {
            Ok(Msg::Hello { cert, owner }) => return self.chip(cert, owner, c).await,
            Ok(Msg::Batch { owner, entries }) => match self.batch_for(&owner, &entries).await {
                Ok(batch) => Msg::Signed { batch },
                Err(e) => Msg::Refused {
                    reason: e.to_string(),
                },
            },
            Ok(_) => Msg::Refused {
                reason: "expected hello or batch".into(),
            },
            Err(e) => Msg::Refused {
                reason: e.to_string(),
            },
        };
        let _ = wire::send(&mut c.wr, &reply).await;
        let _ = c.wr.shutdown().await;
    }

    /// A chip agent's connection: hello checks, then measurements on request
    /// until it closes, sends anything unasked, or fails a measurement.
    async fn chip(self: Arc<Self>, cert: DeviceCert, owner: String, mut c: Conn) {
        let serial = cert.serial.clone();
        let id: ChipId = (serial.clone(), cert.model.clone());
        let admitted = match parse_digest(&owner) {
            None => Err(LandmarkError::Protocol(
                "the owner digest is not 0x + 64 hex digits".into(),
            )),
            Some(owner) => self.admit(&cert, &owner, &mut c).await.map(|k| (k, owner)),
        };
        let (key, owner) = match admitted {
            Ok(k) => k,
            Err(e) => {
                let reason = format!("hello of chip {serial}: {e}");
                let _ = wire::send(&mut c.wr, &Msg::Refused { reason }).await;
                let _ = c.wr.shutdown().await;
                return;
            }
        };
        let conn = self.next_conn.fetch_add(1, Ordering::Relaxed);
        let (tx, mut rx) = mpsc::channel::<Job>(16);
        // Registered before the welcome, so that a welcomed chip can be
        // measured at once. A chip that reconnects (with its key: the hello's
        // proof of possession) replaces its old connection (whose queue then
        // closes, ending its task).
        self.lock().insert(
            id.clone(),
            Chip {
                conn,
                owner,
                jobs: tx,
            },
        );
        let welcome = Msg::Welcome {
            landmark: self.id.clone(),
            day: self.day(),
        };
        let mut open = wire::send(&mut c.wr, &welcome).await.is_ok();
        while open {
            tokio::select! {
                job = rx.recv() => {
                    let Some((day, reply)) = job else { break };
                    let peer = Peer { serial: &serial, key: &key, owner: &owner, day };
                    let r = self.measure_conn(&mut c, &peer).await;
                    // Too slow is an honest, complete measurement; anything
                    // else leaves the connection in doubt.
                    let keep = matches!(r, Ok(_) | Err(LandmarkError::TooSlow { .. }));
                    let _ = reply.send(r);
                    open = keep;
                }
                // An idle agent sends nothing: data or the end of the stream closes it.
                _ = c.rd.fill_buf() => open = false,
            }
        }
        let mut chips = self.lock();
        if chips.get(&id).map(|ch| ch.conn) == Some(conn) {
            chips.remove(&id);
        }
    }

    /// The hello checks: certificate under the registry's vendors, a registry
    /// model, then proof that the peer holds the certified key.
    async fn admit(
        &self,
        cert: &DeviceCert,
        owner: &[u8; 32],
        c: &mut Conn,
    ) -> Result<VerifyingKey, LandmarkError> {
        let key = cert.verify(&self.registry.file.device_vendors)?;
        ident_of(&self.registry, &cert.serial, &cert.model)?;
        let peer = Peer {
            serial: &cert.serial,
            key: &key,
            owner,
            day: self.day(),
        };
        self.challenge(c, &peer).await?;
        Ok(key)
    }

    /// One challenge: a fresh nonce, timed from before the write to the
    /// answer's line read; the answer checked under the peer's key.
    async fn challenge(&self, c: &mut Conn, p: &Peer<'_>) -> Result<Duration, LandmarkError> {
        let (serial, day) = (p.serial, p.day);
        let mut nonce = [0u8; NONCE_LEN];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let mut line = serde_json::to_vec(&Msg::Challenge {
            landmark: self.id.clone(),
            day,
            nonce: wire::nonce_hex(&nonce),
        })
        .expect("messages serialize");
        line.push(b'\n');
        let wait = self.limits.answer_timeout;
        let start = Instant::now();
        c.wr.write_all(&line)
            .await
            .map_err(|e| LandmarkError::network("write", e))?;
        let got =
            tokio::time::timeout(wait, wire::read_line(&mut c.rd, self.limits.max_line)).await;
        let rtt = start.elapsed();
        let line = match got {
            Err(_) => {
                return Err(LandmarkError::Silent {
                    serial: serial.to_string(),
                    ms: wait.as_millis(),
                })
            }
            Ok(r) => r?.ok_or_else(|| {
                LandmarkError::Protocol(format!("chip {serial} closed the connection"))
            })?,
        };
        match wire::parse(&line)? {
            Msg::Answer { signature } => {
                check_answer(p.key, serial, &self.id, day, p.owner, &nonce, &signature)?;
                Ok(rtt)
            }
            _ => Err(LandmarkError::Protocol(format!(
                "chip {serial}: expected an answer"
            ))),
        }
    }

    /// [`Limits::tries`] challenges; the smallest round trip, within the bound.
    async fn measure_conn(&self, c: &mut Conn, p: &Peer<'_>) -> Result<u32, LandmarkError> {
        let serial = p.serial;
        let mut best = Duration::MAX;
        for _ in 0..self.limits.tries {
            best = best.min(self.challenge(c, p).await?);
        }
        // answer_timeout ≤ 4 s < 2^32 ns; a measured round trip is never 0.
        let ns = u32::try_from(best.as_nanos()).unwrap_or(u32::MAX).max(1);
        if !rtt_within(ns as u64, self.max_distance_m()) {
            return Err(LandmarkError::TooSlow {
                serial: serial.to_string(),
                ms: ns as f64 / 1e6,
                km: distance_bound_m(ns as u64) / 1e3,
                accepted_km: self.max_distance_m() as f64 / 1e3,
            });
        }
        Ok(ns)
    }

    /// Measures the connected chip `serial` of `model` (the landmark's own
    /// call: no owner asked): its smallest round trip over
    /// [`Limits::tries`] challenges for today, ns.
    pub async fn measure(&self, serial: &str, model: &str) -> Result<u32, LandmarkError> {
        self.measure_for(None, serial, model, self.day()).await
    }

    /// [`Self::measure`] for `day`, if the chip's agent registered `owner`
    /// (`None`: any); a chip of another owner is "not connected".
    async fn measure_for(
        &self,
        owner: Option<&[u8; 32]>,
        serial: &str,
        model: &str,
        day: u64,
    ) -> Result<u32, LandmarkError> {
        let jobs = {
            let chips = self.lock();
            chips
                .get(&(serial.to_string(), model.to_string()))
                .filter(|ch| owner.is_none_or(|o| *o == ch.owner))
                .ok_or_else(|| LandmarkError::NotConnected(serial.to_string()))?
                .jobs
                .clone()
        };
        // The chip's task bounds every try; this bounds a queue stalled
        // behind other requests' measurements of the same chip.
        let wait = self.limits.answer_timeout * (self.limits.tries + 1) + Duration::from_secs(1);
        let run = async {
            let (tx, rx) = oneshot::channel();
            jobs.send((day, tx))
                .await
                .map_err(|_| LandmarkError::NotConnected(serial.to_string()))?;
            rx.await
                .map_err(|_| LandmarkError::NotConnected(serial.to_string()))?
        };
        tokio::time::timeout(wait, run).await.unwrap_or_else(|_| {
            Err(LandmarkError::Silent {
                serial: serial.to_string(),
                ms: wait.as_millis(),
            })
        })
    }

    /// A batch request as it comes over the wire: the owner key, hex.
    async fn batch_for(
        &self,
        owner: &str,
        entries: &[Option<ChipRef>],
    ) -> Result<BatchFile, LandmarkError> {
        let owner = OwnerKey::from_hex(owner).ok_or_else(|| {
            LandmarkError::Protocol("the owner key is not 0x + 64 hex digits".into())
        })?;
        self.batch(&owner, entries).await
    }

    /// Measures the listed chips of a slot, in order, for the day the batch
    /// begins, and signs the batch for that day. Every listed chip must have
    /// been registered by its agent for `owner`.
    pub async fn batch(
        &self,
        owner: &OwnerKey,
        entries: &[Option<ChipRef>],
    ) -> Result<BatchFile, LandmarkError> {
        let day = self.day();
        let digest = owner.digest();
        if entries.len() > MAX_SLOT_CHIPS {
            return Err(LandmarkError::Request(format!(
                "{} entries: a slot holds at most {MAX_SLOT_CHIPS}",
                entries.len()
            )));
        }
        let mut seen = HashSet::new();
        if let Some(c) = entries
            .iter()
            .flatten()
            .find(|c| !seen.insert((&c.serial, &c.model)))
        {
            return Err(LandmarkError::Request(format!(
                "chip {} is listed twice",
                c.serial
            )));
        }
        let mut measured = Vec::with_capacity(entries.len());
        for e in entries {
            measured.push(match e {
                None => None,
                Some(c) => Some(MeasuredChip {
                    serial: c.serial.clone(),
                    model: c.model.clone(),
                    rtt_ns: self
                        .measure_for(Some(&digest), &c.serial, &c.model, day)
                        .await?,
                }),
            });
        }
        if self.day() != day {
            return Err(LandmarkError::Request(format!(
                "the UTC day changed from {day} while the batch was measured: measure again"
            )));
        }
        BatchFile::sign(&self.registry, self.index, &self.key, day, measured)
    }
}
