//! A typed client of the service's API (reqwest), one method per call: what
//! `zkcc demo service` drives the service with, and what the tests use.
//!
//! Each method answers the body the API documents for success, typed
//! ([`RequestView`], [`LedgerView`], [`SubmissionView`], …), or the error the
//! service sent, with its status ([`AgencyError::Remote`]; its
//! [`AgencyError::status`] is the HTTP status). A submission is the one call
//! whose refusals are answers too (the service records them): [`Client::submit`]
//! returns the [`SubmitReply`] of a refusal (409 replay, 410 late, …) with its
//! status in [`SubmitReply::http`]. [`Client::call`] is the untyped call, for
//! tests that send what no typed method would.
//!
//! ```no_run
//! # async fn f(officer_token: &str) -> zkcc_agency::Result<()> {
//! use zkcc_agency::auth::Role;
//! use zkcc_agency::client::Client;
//! let officer = Client::new("http://127.0.0.1:8080", officer_token)?;
//! let token = officer.enrol("ACME-DC", Role::Importer, None).await?;
//! let importer = officer.with_token(&token);
//! println!("ledger digest {}", importer.ledger().await?.digest);
//! # Ok(()) }
//! ```
use crate::auth::Role;
use crate::error::{AgencyError, Result};
use crate::service::{
    LedgerView, NewRequest, RequestView, SignedShipment, SubmissionView, SubmitReply,
};
use serde::de::DeserializeOwned;
use serde_json::{json, Value};
use std::time::Duration;

/// Time one call may take.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(30);

/// How often [`Client::wait`] asks.
pub const POLL_EVERY: Duration = Duration::from_millis(100);

/// A party's client of the service at one base URL (cheap to clone; clones
/// and [`Client::with_token`] share connections).
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    base: String,
    token: Option<String>,
}

/// The service and whether a token is held; never the token.
impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base", &self.base)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

fn transport(e: impl std::fmt::Display) -> AgencyError {
    AgencyError::Transport(e.to_string())
}

impl Client {
    /// A client calling `base_url` (`http://host:port`) with the bearer
    /// `token`. Redirects are not followed (the page login answers one).
    pub fn new(base_url: &str, token: &str) -> Result<Self> {
        let mut c = Self::anonymous(base_url)?;
        c.token = Some(token.to_string());
        Ok(c)
    }

    /// A client without a token (only `/healthz` and the page login answer it).
    pub fn anonymous(base_url: &str) -> Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(CALL_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(transport)?;
        Ok(Client {
            http,
            base: base_url.trim_end_matches('/').to_string(),
            token: None,
        })
    }

    /// The same service and connections, another party's token.
    pub fn with_token(&self, token: &str) -> Self {
        Client {
            token: Some(token.to_string()),
            ..self.clone()
        }
    }

    /// The base URL.
    pub fn base(&self) -> &str {
        &self.base
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// One call: `method` on `path` (from `/`), with `body` (sent as JSON)
    /// if any. Answers the status and the body (JSON, or the text as a JSON
    /// string), whatever the status.
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<String>,
    ) -> Result<(u16, Value)> {
        let mut r = self.http.request(method, self.url(path));
        if let Some(t) = &self.token {
            r = r.bearer_auth(t);
        }
        if let Some(b) = body {
            r = r.header("content-type", "application/json").body(b);
        }
        let resp = r.send().await.map_err(transport)?;
        let status = resp.status().as_u16();
        let text = resp.text().await.map_err(transport)?;
        Ok((
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        ))
    }

    /// `GET path`, answered 200 with a `T`.
    async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T> {
        self.expect(reqwest::Method::GET, path, None, 200).await
    }

    /// A call expected to answer `want`, its body typed; another status is
    /// the service's error.
    async fn expect<T: DeserializeOwned>(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<String>,
        want: u16,
    ) -> Result<T> {
        let (status, v) = self.call(method, path, body).await?;
        if status != want {
            return Err(remote(status, &v));
        }
        serde_json::from_value(v).map_err(|e| transport(format!("{path}: unexpected answer: {e}")))
    }

    fn json(v: &impl serde::Serialize) -> Result<Option<String>> {
        serde_json::to_string(v)
            .map(Some)
            .map_err(|e| transport(format!("body: {e}")))
    }

    /// `POST /v1/parties` (an officer): enrols `id` as `role` (an exporter
    /// with its Ed25519 public key, hex); answers the party's token.
    pub async fn enrol(&self, id: &str, role: Role, public_key: Option<&str>) -> Result<String> {
        let body = json!({"id": id, "role": role, "public_key": public_key});
        let v: Value = self
            .expect(
                reqwest::Method::POST,
                "/v1/parties",
                Self::json(&body)?,
                201,
            )
            .await?;
        v["token"]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| transport("/v1/parties: no token in the answer"))
    }

    /// `POST /v1/shipments` (an exporter): a signed record; answers its
    /// sequence number in the service's log.
    pub async fn post_shipment(&self, s: &SignedShipment) -> Result<i64> {
        let v: Value = self
            .expect(reqwest::Method::POST, "/v1/shipments", Self::json(s)?, 201)
            .await?;
        v["seq"]
            .as_i64()
            .ok_or_else(|| transport("/v1/shipments: no seq in the answer"))
    }

    /// `GET /v1/shipments/last-seq` (an exporter): the `seq` of its last
    /// record taken (0 before the first).
    pub async fn last_seq(&self) -> Result<u64> {
        let v: Value = self.get("/v1/shipments/last-seq").await?;
        v["last_seq"]
            .as_u64()
            .ok_or_else(|| transport("/v1/shipments/last-seq: no last_seq in the answer"))
    }

    /// `POST /v1/requests` (an officer).
    pub async fn create_request(&self, n: &NewRequest) -> Result<RequestView> {
        self.expect(reqwest::Method::POST, "/v1/requests", Self::json(n)?, 201)
            .await
    }

    /// `GET /v1/requests`: an importer's open requests (an officer: every
    /// request).
    pub async fn open_requests(&self) -> Result<Vec<RequestView>> {
        self.get("/v1/requests").await
    }

    /// `GET /v1/ledger` (an importer): its own ledger.
    pub async fn ledger(&self) -> Result<LedgerView> {
        self.get("/v1/ledger").await
    }

    /// `GET /v1/ledger/{importer}` (an officer).
    pub async fn ledger_of(&self, importer: &str) -> Result<LedgerView> {
        self.get(&format!("/v1/ledger/{importer}")).await
    }

    /// `POST /v1/requests/{id}/submissions` (an importer): the submission's
    /// JSON as written. Taken (202, `pending`) or refused and recorded (409
    /// replay, 410 late, 400 malformed, …): either way the reply, its status
    /// in [`SubmitReply::http`]. An error the service did not record (401,
    /// 403, 404, 413) is [`AgencyError::Remote`].
    pub async fn submit(&self, request_id: &str, body: &str) -> Result<SubmitReply> {
        let path = format!("/v1/requests/{request_id}/submissions");
        let (status, v) = self
            .call(reqwest::Method::POST, &path, Some(body.to_string()))
            .await?;
        if v.get("submission_id").is_none() {
            return Err(remote(status, &v));
        }
        let mut reply: SubmitReply = serde_json::from_value(v)
            .map_err(|e| transport(format!("{path}: unexpected answer: {e}")))?;
        reply.http = status;
        Ok(reply)
    }

    /// `GET /v1/submissions/{id}` (its importer or an officer).
    pub async fn submission(&self, id: &str) -> Result<SubmissionView> {
        self.get(&format!("/v1/submissions/{id}")).await
    }

    /// Polls a submission every [`POLL_EVERY`] until it is no longer
    /// `pending`; [`AgencyError::Transport`] if it still is after `timeout`.
    pub async fn wait(&self, id: &str, timeout: Duration) -> Result<SubmissionView> {
        let start = std::time::Instant::now();
        loop {
            let v = self.submission(id).await?;
            if v.status != "pending" {
                return Ok(v);
            }
            if start.elapsed() >= timeout {
                return Err(transport(format!(
                    "submission {id} still pending after {timeout:?}"
                )));
            }
            tokio::time::sleep(POLL_EVERY).await;
        }
    }

    /// `GET /v1/audit` (an officer): the chain's state as the service sees it.
    pub async fn audit(&self) -> Result<Value> {
        self.get("/v1/audit").await
    }

    /// The officers' page as a browser gets it (an officer): a single-use
    /// ticket (`POST /v1/page-sessions`), exchanged at its login link for
    /// the session cookie (303), which opens `/officers`. Answers the HTML.
    pub async fn officers_page(&self) -> Result<String> {
        let v: Value = self
            .expect(
                reqwest::Method::POST,
                "/v1/page-sessions",
                Some("{}".into()),
                201,
            )
            .await?;
        let link = v["url"]
            .as_str()
            .ok_or_else(|| transport("/v1/page-sessions: no url in the answer"))?;
        let r = self
            .http
            .get(self.url(link))
            .send()
            .await
            .map_err(transport)?;
        let status = r.status().as_u16();
        let cookie = r
            .headers()
            .get(reqwest::header::SET_COOKIE)
            .and_then(|c| c.to_str().ok())
            .and_then(|c| c.split(';').next())
            .map(str::to_string);
        let Some(cookie) = cookie.filter(|_| status == 303) else {
            let text = r.text().await.map_err(transport)?;
            let v = serde_json::from_str(&text).unwrap_or(Value::String(text));
            return Err(remote(status, &v));
        };
        let r = self
            .http
            .get(self.url("/officers"))
            .header(reqwest::header::COOKIE, cookie)
            .send()
            .await
            .map_err(transport)?;
        let status = r.status().as_u16();
        let text = r.text().await.map_err(transport)?;
        if status != 200 {
            let v = serde_json::from_str(&text).unwrap_or(Value::String(text));
            return Err(remote(status, &v));
        }
        Ok(text)
    }
}

/// The service's error answer as an [`AgencyError::Remote`].
fn remote(status: u16, v: &Value) -> AgencyError {
    AgencyError::Remote {
        status,
        kind: v["error"]
            .as_str()
            .or(v["kind"].as_str())
            .unwrap_or("unknown")
            .to_string(),
        reason: v["reason"]
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| v.to_string()),
    }
}
