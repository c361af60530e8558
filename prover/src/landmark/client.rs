//! The importer's side: ask a landmark to measure a slot's chips and sign
//! the batch.
use super::wire::{self, Msg};
use super::{BatchFile, ChipRef, LandmarkError, OwnerKey};
use std::time::Duration;
use tokio::net::ToSocketAddrs;

/// Longest batch reply, bytes (a full slot's file is about 30 KiB).
const MAX_REPLY: usize = 1 << 20;

/// Sends `batch {owner, entries}` to the landmark at `addr` and waits at
/// most `wait` for its signed batch (not verified here: see
/// [`BatchFile::verify`]). `owner` is the key whose digest the chips' agents
/// registered.
pub async fn request_batch(
    addr: impl ToSocketAddrs,
    owner: &OwnerKey,
    entries: Vec<Option<ChipRef>>,
    wait: Duration,
) -> Result<BatchFile, LandmarkError> {
    let (mut rd, mut wr) = wire::connect(addr, wait).await?;
    let owner = owner.hex();
    wire::send(&mut wr, &Msg::Batch { owner, entries }).await?;
    match wire::recv(&mut rd, MAX_REPLY, wait).await? {
        Msg::Signed { batch } => Ok(batch),
        Msg::Refused { reason } => Err(LandmarkError::Refused(reason)),
        _ => Err(LandmarkError::Protocol("expected a signed batch".into())),
    }
}
