//! The HTTP API (axum): JSON in and out, bearer tokens, errors as
//! `{"error": kind, "reason": …}` with their status.
//!
//! Who is calling is settled from the headers alone, by middleware that runs
//! before any handler reads a body: an anonymous or unknown caller is refused
//! with 401 without the service reading what it sent. Bodies are bounded per
//! route ([`SMALL_BODY`] for shipments, enrolments and requests,
//! [`SUBMISSION_BODY`] for submissions; a declared length over the bound is
//! refused with 413 before reading), at most [`Limits::concurrency`] requests
//! are handled at once, each within [`Limits::request_timeout`], and the
//! server ([`serve_with`]) takes at most [`Limits::max_connections`]
//! connections, each of which must send its request head within
//! [`Limits::header_timeout`].
//!
//! The officers' page takes no key in its URL: `POST /v1/page-sessions` (an
//! officer's bearer token) answers a single-use login link that expires in a
//! minute; `/officers/login?ticket=…` exchanges it for an `HttpOnly`,
//! `SameSite=Strict` session cookie scoped to `/officers` and redirects to
//! the page, which is served with `Cache-Control: no-store`. An officer's
//! bearer token in an `Authorization` header opens the page too.
use crate::auth::{self, Party};
use crate::error::AgencyError;
use crate::page;
use crate::service::{Agency, Enrolment, NewRequest, SignedShipment};
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, FromRequestParts, Path, Query, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post, MethodRouter};
use axum::{Json, Router};
use serde_json::json;
use std::collections::HashMap;
use std::time::Duration;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

/// Largest submission body: 1 MiB (a submission of the tests' shape is
/// ~0.9 KiB a shard plus ~1.8 KiB, so 64 shards take ~57 KiB; the test
/// `malformed_request_ids_are_not_stored_reasons_are_bounded_and_64_shards_fit_the_body_bound`
/// keeps them under a quarter of the bound).
pub const SUBMISSION_BODY: usize = 1 << 20;

/// Largest body of every other route (shipments, enrolments, requests).
pub const SMALL_BODY: usize = 64 << 10;

/// The page session's cookie.
pub const SESSION_COOKIE: &str = "zkcc_officer";

/// Validity of a page session, seconds.
pub const SESSION_SECS: i64 = 1800;

/// The server's bounds.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Connections open at once (more wait in the kernel's backlog).
    pub max_connections: usize,
    /// Time a connection has to send its request head.
    pub header_timeout: Duration,
    /// Time a request may take (408 after it).
    pub request_timeout: Duration,
    /// Requests handled at once (more wait, within their timeout).
    pub concurrency: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_connections: 512,
            header_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(60),
            concurrency: 128,
        }
    }
}

impl IntoResponse for AgencyError {
    fn into_response(self) -> Response {
        let status =
            StatusCode::from_u16(self.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        if status.is_server_error() {
            tracing::error!("{self}");
        }
        (
            status,
            Json(json!({"error": self.kind(), "reason": self.to_string()})),
        )
            .into_response()
    }
}

type R<T> = Result<T, AgencyError>;

/// The agency and the party the `authenticate` layer admitted: what every
/// authenticated handler acts with.
struct Caller {
    agency: Agency,
    by: Party,
}

impl FromRequestParts<Agency> for Caller {
    type Rejection = AgencyError;

    async fn from_request_parts(parts: &mut Parts, agency: &Agency) -> R<Self> {
        let by = parts.extensions.get::<Party>().cloned().ok_or_else(|| {
            AgencyError::Unauthenticated("no caller (a route outside authentication)".into())
        })?;
        Ok(Caller {
            agency: agency.clone(),
            by,
        })
    }
}

/// Authenticates from the headers, before any body is read; the handler
/// finds the [`Party`] in the request's extensions.
async fn authenticate(State(a): State<Agency>, mut req: Request, next: Next) -> Response {
    let v = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let party = match auth::bearer(v) {
        Ok(token) => a.authenticate(token).await,
        Err(e) => Err(e),
    };
    match party {
        Ok(p) => {
            req.extensions_mut().insert(p);
            next.run(req).await
        }
        Err(e) => {
            let mut resp = e.into_response();
            // The body was not read: the connection is not reused.
            resp.headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
            resp
        }
    }
}

/// At most as many requests at once as the semaphore has permits; the rest
/// wait (within the request timeout, which wraps this).
async fn at_most(
    State(sem): State<std::sync::Arc<tokio::sync::Semaphore>>,
    req: Request,
    next: Next,
) -> Response {
    match sem.acquire().await {
        Ok(_permit) => next.run(req).await,
        Err(_) => AgencyError::Internal("the service is stopping".into()).into_response(),
    }
}

/// A route's body bound: a larger declared length is refused before reading,
/// a larger streamed body when it gets there.
fn bounded(route: MethodRouter<Agency>, limit: usize) -> MethodRouter<Agency> {
    route
        .layer::<_, std::convert::Infallible>(DefaultBodyLimit::max(limit))
        .layer::<_, std::convert::Infallible>(RequestBodyLimitLayer::new(limit))
}

/// The service's routes, with the default [`Limits`].
pub fn router(agency: Agency) -> Router {
    router_with(agency, Limits::default())
}

/// The service's routes.
pub fn router_with(agency: Agency, limits: Limits) -> Router {
    let api = Router::new()
        .route("/v1/parties", bounded(post(enrol), SMALL_BODY))
        .route("/v1/shipments", bounded(post(shipment), SMALL_BODY))
        .route("/v1/shipments/last-seq", get(last_seq))
        .route(
            "/v1/requests",
            bounded(get(list_requests).post(create_request), SMALL_BODY),
        )
        .route(
            "/v1/requests/{id}/submissions",
            bounded(post(submit), SUBMISSION_BODY),
        )
        .route("/v1/submissions/{id}", get(submission))
        .route("/v1/ledger", get(own_ledger))
        .route("/v1/ledger/{importer}", get(ledger))
        .route("/v1/audit", get(audit_state))
        .route("/v1/page-sessions", bounded(post(page_session), SMALL_BODY))
        .route_layer(middleware::from_fn_with_state(agency.clone(), authenticate));
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/officers", get(officers))
        .route("/officers/login", get(login))
        .merge(api)
        .layer(DefaultBodyLimit::max(SMALL_BODY))
        .layer(middleware::from_fn_with_state(
            std::sync::Arc::new(tokio::sync::Semaphore::new(limits.concurrency.max(1))),
            at_most,
        ))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            limits.request_timeout,
        ))
        .layer(TraceLayer::new_for_http())
        .with_state(agency)
}

/// Parses a JSON body (the caller was authenticated already: an anonymous
/// caller learns nothing about the schema).
fn parse<T: serde::de::DeserializeOwned>(body: &str) -> R<T> {
    serde_json::from_str(body).map_err(|e| AgencyError::Invalid(format!("body: {e}")))
}

async fn enrol(Caller { agency: a, by }: Caller, body: String) -> R<Response> {
    let e: Enrolment = parse(&body)?;
    let id = e.id.clone();
    let token = a.enrol(&by, e).await?;
    Ok((StatusCode::CREATED, Json(json!({"id": id, "token": token}))).into_response())
}

async fn shipment(Caller { agency: a, by }: Caller, body: String) -> R<Response> {
    let s: SignedShipment = parse(&body)?;
    let seq = a.post_shipment(&by, s).await?;
    Ok((StatusCode::CREATED, Json(json!({"seq": seq}))).into_response())
}

async fn last_seq(Caller { agency: a, by }: Caller) -> R<Response> {
    let last = a.last_shipment_seq(&by).await?;
    Ok(Json(json!({"exporter": by.id, "last_seq": last})).into_response())
}

async fn list_requests(
    Caller { agency: a, by }: Caller,
    Query(q): Query<HashMap<String, String>>,
) -> R<Response> {
    Ok(Json(
        a.requests(&by, q.get("importer").map(String::as_str))
            .await?,
    )
    .into_response())
}

async fn create_request(Caller { agency: a, by }: Caller, body: String) -> R<Response> {
    let n: NewRequest = parse(&body)?;
    Ok((StatusCode::CREATED, Json(a.create_request(&by, n).await?)).into_response())
}

async fn submit(
    Caller { agency: a, by }: Caller,
    Path(id): Path<String>,
    body: String,
) -> R<Response> {
    let reply = a.submit(&by, &id, &body).await?;
    let status = StatusCode::from_u16(reply.http).unwrap_or(StatusCode::BAD_REQUEST);
    Ok((status, Json(reply)).into_response())
}

async fn submission(Caller { agency: a, by }: Caller, Path(id): Path<String>) -> R<Response> {
    Ok(Json(a.submission(&by, &id).await?).into_response())
}

async fn own_ledger(Caller { agency: a, by }: Caller) -> R<Response> {
    Ok(Json(a.ledger_view(&by, None).await?).into_response())
}

async fn ledger(Caller { agency: a, by }: Caller, Path(imp): Path<String>) -> R<Response> {
    Ok(Json(a.ledger_view(&by, Some(&imp)).await?).into_response())
}

async fn audit_state(Caller { agency: a, by }: Caller) -> R<Response> {
    by.require(auth::Role::Officer)?;
    let signed = a.signed_head().await;
    // Checked against the head the service signed last (in memory).
    let anchor = json!({"checked_against_signed_head": true, "signed_head": {"rows": signed.rows, "head": signed.head}, "head_public_key": a.head_public_key()});
    let with = |mut v: serde_json::Value| {
        if let (Some(o), Some(a)) = (v.as_object_mut(), anchor.as_object()) {
            o.extend(a.clone());
        }
        Json(v).into_response()
    };
    Ok(match a.verify_audit().await {
        Ok(s) => with(json!({"ok": true, "rows": s.rows, "head": s.head})),
        Err(AgencyError::Chain { seq, what }) => {
            with(json!({"ok": false, "first_bad_row": seq, "what": what}))
        }
        Err(AgencyError::Mismatch(what)) => with(json!({"ok": false, "mismatch": what})),
        Err(e) => return Err(e),
    })
}

async fn page_session(Caller { agency: a, by }: Caller) -> R<Response> {
    let ticket = a.page_ticket(&by)?;
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "url": format!("/officers/login?ticket={ticket}"),
            "expires_in": crate::service::TICKET_SECS,
            "single_use": true,
        })),
    )
        .into_response())
}

/// Headers of every page answer: not cached, not framed, no referrer, not
/// sniffed, nothing loaded but its inline style.
fn private(mut r: Response) -> Response {
    let h = r.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // The page has no script, one inline style sheet and nothing else.
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(PAGE_CSP),
    );
    r
}

/// The page's Content-Security-Policy.
pub const PAGE_CSP: &str =
    "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

async fn login(State(a): State<Agency>, Query(q): Query<HashMap<String, String>>) -> Response {
    let ticket = q.get("ticket").map(String::as_str).unwrap_or_default();
    let r = match a.redeem_ticket(ticket, SESSION_SECS) {
        Ok(key) => {
            let cookie = format!(
                "{SESSION_COOKIE}={key}; Path=/officers; Max-Age={SESSION_SECS}; HttpOnly; SameSite=Strict"
            );
            let mut r = (StatusCode::SEE_OTHER, Body::empty()).into_response();
            if let Ok(v) = HeaderValue::from_str(&cookie) {
                r.headers_mut().insert(header::SET_COOKIE, v);
            }
            r.headers_mut()
                .insert(header::LOCATION, HeaderValue::from_static("/officers"));
            r
        }
        Err(e) => e.into_response(),
    };
    private(r)
}

/// The page session cookie's value.
fn session_cookie(h: &HeaderMap) -> Option<&str> {
    h.get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == SESSION_COOKIE)
        .map(|(_, v)| v)
}

async fn officers(State(a): State<Agency>, h: HeaderMap) -> Response {
    let allowed = match (session_cookie(&h), h.get(header::AUTHORIZATION)) {
        (Some(key), _) => a.check_session(key),
        (None, Some(v)) => match auth::bearer(v.to_str().ok()) {
            Ok(t) => match a.authenticate(t).await {
                Ok(p) => p.require(auth::Role::Officer),
                Err(e) => Err(e),
            },
            Err(e) => Err(e),
        },
        (None, None) => Err(AgencyError::Unauthenticated(
            "no officer session: log in with a ticket from POST /v1/page-sessions".into(),
        )),
    };
    private(match allowed {
        Ok(()) => match page::render(&a).await {
            Ok(html) => Html(html).into_response(),
            Err(e) => e.into_response(),
        },
        Err(e) => e.into_response(),
    })
}
