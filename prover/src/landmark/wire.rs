//! The landmark protocol's messages and its bounded line I/O (see the
//! module docs of [`crate::landmark`]).
use super::{BatchFile, ChipRef, LandmarkError};
use serde::{Deserialize, Serialize};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::TcpStream;
use zkcc_verifier::device::{DeviceCert, NONCE_LEN};

/// One protocol message: one JSON object on one line, tagged by `"type"`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Msg {
    /// Agent → landmark, first: the chip's certificate.
    Hello {
        /// The vendor's certificate of the chip's device key.
        cert: DeviceCert,
        /// The digest of the owner key whose batches may measure it, `0x` + hex.
        owner: String,
    },
    /// Landmark → agent: the chip is registered and will be challenged.
    Welcome {
        /// The landmark's id.
        landmark: String,
        /// The day its challenges are for.
        day: u64,
    },
    /// Landmark → agent: sign this.
    Challenge {
        /// The landmark's id.
        landmark: String,
        /// The day.
        day: u64,
        /// 32 fresh random bytes, `0x` + hex.
        nonce: String,
    },
    /// Agent → landmark: the device key's signature of the challenge message.
    Answer {
        /// ECDSA P-384 signature, `0x` + `r ‖ s` hex.
        signature: String,
    },
    /// Client → landmark, first: measure these chips (one entry per chip
    /// position of the slot, `null` where nothing is measured).
    Batch {
        /// The owner key of the listed chips, `0x` + hex (secret).
        owner: String,
        /// The slot's entries.
        entries: Vec<Option<ChipRef>>,
    },
    /// Landmark → client: the signed batch.
    Signed {
        /// The batch file.
        batch: BatchFile,
    },
    /// Either way: a refusal, with its reason; the sender closes.
    Refused {
        /// Why.
        reason: String,
    },
}

/// Parses a challenge's nonce (`0x` + 64 hex digits).
pub fn parse_nonce(s: &str) -> Option<[u8; NONCE_LEN]> {
    hex::decode(s.strip_prefix("0x")?).ok()?.try_into().ok()
}

/// `0x` + hex of a nonce.
pub fn nonce_hex(n: &[u8; NONCE_LEN]) -> String {
    format!("0x{}", hex::encode(n))
}

/// Connects to `addr` within `wait`, without Nagle's delay (it would
/// lengthen round trips); the connection's buffered reader and writer.
pub async fn connect(
    addr: impl tokio::net::ToSocketAddrs,
    wait: Duration,
) -> Result<(BufReader<OwnedReadHalf>, OwnedWriteHalf), LandmarkError> {
    let stream = tokio::time::timeout(wait, TcpStream::connect(addr))
        .await
        .map_err(|_| LandmarkError::Network("connect: timed out".into()))?
        .map_err(|e| LandmarkError::network("connect", e))?;
    let _ = stream.set_nodelay(true);
    let (rd, wr) = stream.into_split();
    Ok((BufReader::new(rd), wr))
}

/// Writes one message as one line.
pub async fn send<W: AsyncWrite + Unpin>(w: &mut W, m: &Msg) -> Result<(), LandmarkError> {
    let mut line = serde_json::to_vec(m).expect("messages serialize");
    line.push(b'\n');
    w.write_all(&line)
        .await
        .map_err(|e| LandmarkError::network("write", e))?;
    w.flush()
        .await
        .map_err(|e| LandmarkError::network("write", e))
}

/// Reads one line of at most `max` bytes; `None` at the end of the stream.
pub async fn read_line<R: AsyncRead + Unpin>(
    r: &mut BufReader<R>,
    max: usize,
) -> Result<Option<Vec<u8>>, LandmarkError> {
    let mut buf = Vec::new();
    let n = (&mut *r)
        .take(max as u64 + 1)
        .read_until(b'\n', &mut buf)
        .await
        .map_err(|e| LandmarkError::network("read", e))?;
    if n == 0 {
        return Ok(None);
    }
    if buf.last() != Some(&b'\n') {
        return Err(LandmarkError::Protocol(if buf.len() > max {
            format!("a line longer than {max} bytes")
        } else {
            "the connection closed inside a line".into()
        }));
    }
    buf.pop();
    Ok(Some(buf))
}

/// Parses a line as a message.
pub fn parse(line: &[u8]) -> Result<Msg, LandmarkError> {
    serde_json::from_slice(line).map_err(|e| LandmarkError::Protocol(format!("not a message: {e}")))
}

/// Reads and parses one message within `wait`; the end of the stream is a
/// protocol error.
pub async fn recv<R: AsyncRead + Unpin>(
    r: &mut BufReader<R>,
    max: usize,
    wait: Duration,
) -> Result<Msg, LandmarkError> {
    match tokio::time::timeout(wait, read_line(r, max)).await {
        Err(_) => Err(LandmarkError::Protocol(format!(
            "no message within {} ms",
            wait.as_millis()
        ))),
        Ok(Err(e)) => Err(e),
        Ok(Ok(None)) => Err(LandmarkError::Protocol(
            "the peer closed the connection".into(),
        )),
        Ok(Ok(Some(line))) => parse(&line),
    }
}
