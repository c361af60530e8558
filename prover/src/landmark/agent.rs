//! The chip agent: says hello with the chip's certificate and answers every
//! challenge with the device key. It signs nothing but challenge messages.
use super::wire::{self, Msg};
use super::LandmarkError;
use p384::ecdsa::SigningKey;
use std::time::Duration;
use tokio::io::BufReader;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::ToSocketAddrs;
use zkcc_verifier::device::{self, DeviceCert, NONCE_LEN};

/// Longest line the agent reads (a challenge is about 150 bytes).
const MAX_LINE: usize = 4096;
/// Longest wait to connect and to be welcomed.
const HANDSHAKE: Duration = Duration::from_secs(30);

/// One challenge, as the agent is asked to answer it: landmark `landmark`'s
/// nonce `nonce` for `day`, for the chip registered under the owner digest
/// `owner`.
#[derive(Clone, Copy, Debug)]
pub struct Challenge<'a> {
    /// The landmark's id.
    pub landmark: &'a str,
    /// The day of its challenges.
    pub day: u64,
    /// The owner digest the chip was registered under.
    pub owner: &'a [u8; 32],
    /// The landmark's nonce.
    pub nonce: &'a [u8; NONCE_LEN],
}

impl Challenge<'_> {
    /// The answer signed with the device key `key`.
    pub fn signed_by(&self, key: &SigningKey) -> String {
        device::answer(key, self.landmark, self.day, self.owner, self.nonce)
    }
}

/// What answers a challenge: the device key (see the `SigningKey` impl),
/// or, in tests, an adversary's stand-in.
pub trait Answerer: Send {
    /// The answer to `c`.
    fn answer(&mut self, c: &Challenge<'_>) -> String;
}

/// The honest chip: its device key signs the challenge message.
impl Answerer for SigningKey {
    fn answer(&mut self, c: &Challenge<'_>) -> String {
        c.signed_by(self)
    }
}

impl<F: FnMut(&Challenge<'_>) -> String + Send> Answerer for F {
    fn answer(&mut self, c: &Challenge<'_>) -> String {
        self(c)
    }
}

/// A chip agent the landmark has welcomed.
pub struct Agent<A: Answerer> {
    rd: BufReader<OwnedReadHalf>,
    wr: OwnedWriteHalf,
    answerer: A,
    answered: u64,
    owner: [u8; 32],
    /// The landmark's id, from its welcome.
    pub landmark: String,
    /// The day of its challenges.
    pub day: u64,
}

impl<A: Answerer> Agent<A> {
    /// Connects to the landmark at `addr`, says hello with `cert` and the
    /// digest of the owner key whose batches may measure the chip
    /// ([`super::OwnerKey::digest`]), answers its proof-of-possession
    /// challenge; returns once welcomed.
    pub async fn connect(
        addr: impl ToSocketAddrs,
        cert: &DeviceCert,
        owner: [u8; 32],
        answerer: A,
    ) -> Result<Self, LandmarkError> {
        let (rd, wr) = wire::connect(addr, HANDSHAKE).await?;
        let mut a = Self {
            rd,
            wr,
            answerer,
            answered: 0,
            owner,
            landmark: String::new(),
            day: 0,
        };
        let hello = Msg::Hello {
            cert: cert.clone(),
            owner: super::digest_hex(&owner),
        };
        wire::send(&mut a.wr, &hello).await?;
        // At most a few challenges before the welcome.
        for _ in 0..4 {
            match wire::recv(&mut a.rd, MAX_LINE, HANDSHAKE).await? {
                Msg::Welcome { landmark, day } => {
                    a.landmark = landmark;
                    a.day = day;
                    return Ok(a);
                }
                m => a.handle(m).await?,
            }
        }
        Err(LandmarkError::Protocol("no welcome after the hello".into()))
    }

    async fn handle(&mut self, m: Msg) -> Result<(), LandmarkError> {
        match m {
            Msg::Challenge {
                landmark,
                day,
                nonce,
            } => {
                let n = wire::parse_nonce(&nonce).ok_or_else(|| {
                    LandmarkError::Protocol("a challenge without a 32-byte nonce".into())
                })?;
                let signature = self.answerer.answer(&Challenge {
                    landmark: &landmark,
                    day,
                    owner: &self.owner,
                    nonce: &n,
                });
                self.answered += 1;
                wire::send(&mut self.wr, &Msg::Answer { signature }).await
            }
            Msg::Refused { reason } => Err(LandmarkError::Refused(reason)),
            _ => Err(LandmarkError::Protocol(
                "unexpected message from the landmark".into(),
            )),
        }
    }

    /// Answers challenges until the landmark closes the connection; the
    /// number of challenges answered (the hello's included).
    pub async fn serve(mut self) -> Result<u64, LandmarkError> {
        loop {
            match wire::read_line(&mut self.rd, MAX_LINE).await? {
                None => return Ok(self.answered),
                Some(line) => {
                    let m = wire::parse(&line)?;
                    self.handle(m).await?
                }
            }
        }
    }
}
