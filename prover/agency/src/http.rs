//! The HTTP API (axum): JSON in and out, bearer tokens, errors as
//! `{"error": kind, "reason": …}` with their status. Middleware: a request
//! timeout, a body limit, tracing.
use crate::auth;
use crate::error::AgencyError;
use crate::page;
use crate::service::{Agency, Enrolment, NewRequest, SignedShipment};
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::json;
use std::collections::HashMap;
use std::time::Duration;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

/// Largest request body accepted (a submission of 16 shards is ~20 KiB).
pub const BODY_LIMIT: usize = 8 << 20;

/// Longest a request may take.
pub const TIMEOUT: Duration = Duration::from_secs(60);

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

async fn caller(a: &Agency, h: &HeaderMap) -> R<crate::auth::Party> {
    let v = h
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    a.authenticate(auth::bearer(v)?).await
}

/// The service's routes.
pub fn router(agency: Agency) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/v1/parties", post(enrol))
        .route("/v1/shipments", post(shipment))
        .route("/v1/requests", get(list_requests).post(create_request))
        .route("/v1/requests/{id}/submissions", post(submit))
        .route("/v1/submissions/{id}", get(submission))
        .route("/v1/ledger", get(own_ledger))
        .route("/v1/ledger/{importer}", get(ledger))
        .route("/v1/audit", get(audit_state))
        .route("/v1/page-sessions", post(page_session))
        .route("/officers", get(officers))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(RequestBodyLimitLayer::new(BODY_LIMIT))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            TIMEOUT,
        ))
        .layer(TraceLayer::new_for_http())
        .with_state(agency)
}

/// Parses a JSON body, after the caller was authenticated (an anonymous
/// caller learns nothing about the schema).
fn parse<T: serde::de::DeserializeOwned>(body: &str) -> R<T> {
    serde_json::from_str(body).map_err(|e| AgencyError::Invalid(format!("body: {e}")))
}

async fn enrol(State(a): State<Agency>, h: HeaderMap, body: String) -> R<Response> {
    let by = caller(&a, &h).await?;
    let e: Enrolment = parse(&body)?;
    let id = e.id.clone();
    let token = a.enrol(&by, e).await?;
    Ok((StatusCode::CREATED, Json(json!({"id": id, "token": token}))).into_response())
}

async fn shipment(State(a): State<Agency>, h: HeaderMap, body: String) -> R<Response> {
    let by = caller(&a, &h).await?;
    let s: SignedShipment = parse(&body)?;
    let seq = a.post_shipment(&by, s).await?;
    Ok((StatusCode::CREATED, Json(json!({"seq": seq}))).into_response())
}

async fn list_requests(
    State(a): State<Agency>,
    h: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> R<Response> {
    let by = caller(&a, &h).await?;
    Ok(Json(
        a.requests(&by, q.get("importer").map(String::as_str))
            .await?,
    )
    .into_response())
}

async fn create_request(State(a): State<Agency>, h: HeaderMap, body: String) -> R<Response> {
    let by = caller(&a, &h).await?;
    let n: NewRequest = parse(&body)?;
    Ok((StatusCode::CREATED, Json(a.create_request(&by, n).await?)).into_response())
}

async fn submit(
    State(a): State<Agency>,
    h: HeaderMap,
    Path(id): Path<String>,
    body: String,
) -> R<Response> {
    let by = caller(&a, &h).await?;
    let reply = a.submit(&by, &id, &body).await?;
    let status = StatusCode::from_u16(reply.http).unwrap_or(StatusCode::BAD_REQUEST);
    Ok((status, Json(reply)).into_response())
}

async fn submission(State(a): State<Agency>, h: HeaderMap, Path(id): Path<String>) -> R<Response> {
    let by = caller(&a, &h).await?;
    Ok(Json(a.submission(&by, &id).await?).into_response())
}

async fn own_ledger(State(a): State<Agency>, h: HeaderMap) -> R<Response> {
    let by = caller(&a, &h).await?;
    Ok(Json(a.ledger_view(&by, None).await?).into_response())
}

async fn ledger(State(a): State<Agency>, h: HeaderMap, Path(imp): Path<String>) -> R<Response> {
    let by = caller(&a, &h).await?;
    Ok(Json(a.ledger_view(&by, Some(&imp)).await?).into_response())
}

async fn audit_state(State(a): State<Agency>, h: HeaderMap) -> R<Response> {
    let by = caller(&a, &h).await?;
    by.require(auth::Role::Officer)?;
    Ok(match crate::audit::verify_chain(a.pool()).await {
        Ok(s) => Json(json!({"ok": true, "rows": s.rows, "head": s.head})).into_response(),
        Err(AgencyError::Chain { seq, what }) => {
            Json(json!({"ok": false, "first_bad_row": seq, "what": what})).into_response()
        }
        Err(e) => return Err(e),
    })
}

async fn page_session(State(a): State<Agency>, h: HeaderMap) -> R<Response> {
    let by = caller(&a, &h).await?;
    let key = a.page_session(&by, 600)?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"url": format!("/officers?session={key}"), "expires_in": 600})),
    )
        .into_response())
}

async fn officers(
    State(a): State<Agency>,
    Query(q): Query<HashMap<String, String>>,
) -> R<Response> {
    a.check_session(q.get("session").map(String::as_str).unwrap_or_default())?;
    Ok(Html(page::render(&a).await?).into_response())
}
