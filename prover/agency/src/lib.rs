//! # zkcc-agency
//!
//! The export-control agency's service: `zkcc agency serve`. Exporters post
//! signed shipment records (the importers' ledgers grow), officers issue
//! requests (the registry's rules, a fresh nonce, an expiry), importers fetch
//! their open requests and their ledger digest and post submissions; each
//! submission is verified by the fleet verification
//! ([`zkcc_verifier::fleet::verify_submission`]) on a bounded worker pool and
//! decided under the access policy ([`zkcc_verifier::access::decide`]), the
//! request closed in the same transaction as the verdict. Every event is
//! appended to a hash-chained audit log ([`audit`]) whose head the service
//! signs after every change (a key outside the database); officers read a
//! server-rendered page ([`page`]).
//!
//! ## Storage
//! sqlx's `Any` driver: one code path for an embedded SQLite file (WAL
//! journal, the default) and PostgreSQL (a `postgres://` URL). The
//! migrations are plain, portable SQL under `prover/agency/migrations/`,
//! embedded in the binary and applied at start; queries are built at run
//! time (no database is needed to compile). Writes go through one writer
//! lock: the audit chain is a sequence, and SQLite has one writer anyway.
//!
//! ## Who may do what, and why this scheme
//! Parties authenticate with **bearer tokens** (RFC 6750) issued at
//! enrolment: 256 random bits, shown once, stored as SHA-256 (a copy of the
//! database authenticates nobody), compared in constant time. Bearer tokens
//! are what every HTTP client and proxy understands, need no PKI for the
//! agency's few hundred parties, and are revoked by deleting one row; the
//! transport's confidentiality is the deployment's TLS terminator (the
//! service listens on loopback). The officer's token is created at first
//! start (`--officer-token-file`, mode 0600); officers enrol the others.
//! Exporters' shipment records are **additionally signed with Ed25519**
//! (RFC 8032, strict verification) under the key they were enrolled with:
//! a ledger is what every proof is measured against, so each record in the
//! log is non-repudiable — the agency can show which exporter reported which
//! chip, and nobody holding only the database can forge one. Each record
//! carries the exporter's own sequence number (`seq`, inside the signature);
//! the service takes exactly `last + 1`, in the transaction that changes the
//! ledger, so an old signed record posted again (a "ship" after its
//! "return") is refused as a replay (409).
//!
//! A shipment record may also carry the vendor's certificate of the chip's
//! device identity key (ECDSA P-384, [`zkcc_verifier::device`]), signed with
//! the record; intake checks it against the registry's device vendors and
//! keeps the key with the chip's ledger entry. The importer sees its own
//! chips' keys (`GET /v1/ledger`); officers download any importer's
//! (`GET /v1/ledger/{importer}`, the export landmarks are given).
//!
//! The caller is authenticated from the headers by middleware, before any
//! handler reads a body ([`http`]); bodies are bounded per route, and the
//! server bounds concurrent requests, connections, request-head time and
//! request time ([`http::Limits`], [`serve_with`]).
//!
//! | caller | may |
//! | --- | --- |
//! | officer | enrol parties, issue requests, read everything, the page |
//! | exporter | post shipment records in its own name, signed |
//! | importer | read its own open requests and ledger digest, submit for its own requests, read its own submissions |
//!
//! ## Single use, crash safety
//! A submission answers one open, unexpired request of its importer. Its
//! body is parsed before the writer lock is taken; intake then checks and
//! commits the submission row and its bytes (or a refusal with its reason:
//! unknown request, another importer's, already answered, expired,
//! malformed) in one transaction, then queues it. Workers verify on the
//! blocking pool behind a semaphore; the decision, the submission's state,
//! the request's closing and the audit events commit in one transaction,
//! skipped if the submission is no longer pending. A decision that fails
//! (the database, a worker) is retried with exponential backoff
//! ([`service::DECIDE_ATTEMPTS`] attempts), and a periodic sweep
//! (`--sweep-secs`) queues every pending submission no worker holds; at
//! start, pending submissions are queued again: a crash or a failure at any
//! point loses no submission and decides none twice.
//!
//! ## The ledger of a decision
//! A submission is verified against the importer's ledger **as it stood at
//! intake**: intake records `ledger_seq` (the shipments taken before it) and
//! the worker rebuilds the ledger from exactly those shipments; the decision
//! records its digest and size. The importer proves against the digest it
//! fetched just before submitting, so this is the ledger its proofs name; a
//! shipment that arrives while the submission waits for a worker no longer
//! fails a valid proof and uses up the request. (Pinning the ledger when the
//! request is issued was the alternative; it would make a request answer for
//! a ledger the importer may never have fetched, and a chip shipped between
//! issue and answer would be missing from what is proven.)
//! Proofs that name another ledger digest than that of intake are refused
//! at intake (409, `stale`) and leave the request open: a shipment between
//! the importer's fetch and its submission costs a new proof, not the
//! request.
//!
//! ## The audit head
//! The writer lock holds the head the service signed last. An append
//! refuses unless the newest row is that head (rows rewritten, cut or added
//! by someone with only database access are never extended and signed); the
//! new head is signed right after the commit, under the same lock. At start
//! the signed head file must verify under the audit key and the chain must
//! verify, cross-check with the state and hold that head; rows after it
//! (a stop between a commit and its signing) refuse the start unless they
//! extend it and `--accept-unsigned-tail` is given. `GET /v1/audit` and the
//! page check the chain against the head in memory.
//!
//! ## One service per database
//! At start the service takes an exclusive lock — SQLite: `DB.lock` beside
//! the database file, released by the kernel when the process dies;
//! PostgreSQL: a session advisory lock ([`db::PG_LOCK_KEY`]) on a connection
//! of its own — and a second service on the same database refuses to start
//! with a clear message. The writer lock and the audit chain's sequence
//! assume one writer process.
//!
//! ## The officers' page
//! No key that opens the page is ever in a URL: an officer's bearer token
//! buys a single-use, one-minute login link (`POST /v1/page-sessions`);
//! `/officers/login?ticket=…` exchanges it for an `HttpOnly`,
//! `SameSite=Strict` session cookie scoped to `/officers` and redirects; the
//! page is served with `Cache-Control: no-store`.
//!
//! ## A client
//! [`client::Client`] calls the API typed, one method per call (enrol, post
//! a shipment, issue a request, read open requests and the ledger, submit,
//! poll a submission until decided, open the officers' page): `zkcc demo
//! service` runs the demo's agency steps through it against a service it
//! starts, and the tests drive the service with it.
#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod audit;
pub mod auth;
pub mod client;
pub mod db;
pub mod error;
pub mod http;
pub mod page;
pub mod service;

pub use error::{AgencyError, Result};
pub use service::{Agency, Config};

/// Serves the API and the page on `listener` until `shutdown` resolves,
/// within the default [`http::Limits`].
pub async fn serve(
    agency: Agency,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<()> {
    serve_with(agency, listener, http::Limits::default(), shutdown).await
}

/// Serves within `limits`: at most `max_connections` connections at once
/// (the next waits in the kernel's backlog), each given `header_timeout` to
/// send a request head; on `shutdown`, stops accepting and lets open
/// connections finish (at most 10 s).
pub async fn serve_with(
    agency: Agency,
    listener: tokio::net::TcpListener,
    limits: http::Limits,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<()> {
    use hyper_util::rt::{TokioIo, TokioTimer};
    let app = http::router_with(agency, limits);
    let max = limits.max_connections.clamp(1, 1 << 20);
    let conns = std::sync::Arc::new(tokio::sync::Semaphore::new(max));
    let (close_tx, close_rx) = tokio::sync::watch::channel(());
    tokio::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            p = conns.clone().acquire_owned() => p.map_err(|e| AgencyError::Internal(e.to_string()))?,
            _ = &mut shutdown => break,
        };
        let stream = tokio::select! {
            r = listener.accept() => match r {
                Ok((s, _)) => s,
                Err(e) => {
                    // Out of descriptors and the like: wait, do not spin.
                    tracing::warn!("accept: {e}");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        let svc = hyper_util::service::TowerToHyperService::new(app.clone());
        let mut closing = close_rx.clone();
        tokio::spawn(async move {
            let conn = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(limits.header_timeout)
                .serve_connection(TokioIo::new(stream), svc);
            tokio::pin!(conn);
            tokio::select! {
                r = conn.as_mut() => {
                    if let Err(e) = r {
                        tracing::debug!("connection: {e}");
                    }
                }
                _ = closing.changed() => {
                    conn.as_mut().graceful_shutdown();
                    let _ = conn.await;
                }
            }
            drop(permit);
        });
    }
    drop(close_rx);
    let _ = close_tx.send(());
    let _ = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        conns.acquire_many(max as u32),
    )
    .await;
    Ok(())
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| AgencyError::Internal(format!("tokio runtime: {e}")))
}

/// `zkcc agency serve`: opens the service and serves on `listen` until
/// Ctrl-C or SIGTERM; prints `listening on http://ADDR` once bound.
pub fn run(config: Config, listen: std::net::SocketAddr) -> Result<()> {
    runtime()?.block_on(async move {
        let agency = Agency::open(config).await?;
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .map_err(|e| AgencyError::Config(format!("cannot listen on {listen}: {e}")))?;
        let addr = listener
            .local_addr()
            .map_err(|e| AgencyError::Config(e.to_string()))?;
        println!("zkcc agency: listening on http://{addr}");
        use std::io::Write;
        let _ = std::io::stdout().flush();
        serve(agency, listener, shutdown_signal()).await
    })
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// `zkcc agency audit verify`: re-walks the audit chain of the database
/// `db` (a SQLite path or a `postgres://` URL), opened read-only (a missing
/// SQLite file is refused, not created), checks it against `anchors` and
/// cross-checks it against the state tables.
pub fn audit_verify(db: &str, anchors: &audit::Anchors) -> Result<audit::ChainState> {
    runtime()?.block_on(async move {
        let pool = db::connect_read_only(db).await?;
        let r = audit::verify_with(&pool, anchors).await;
        pool.close().await;
        r
    })
}
