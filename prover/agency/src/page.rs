//! The officers' page: plain server-rendered HTML, no script. Importers with
//! their ledgers, open requests, submissions with their verdict and the
//! proven facts behind each decision, the audit chain's state.
use crate::error::{AgencyError, Result};
use crate::service::Agency;
use std::fmt::Write;

/// Escapes text for HTML.
pub fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '&' => o.push_str("&amp;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

/// The page.
pub async fn render(a: &Agency) -> Result<String> {
    let mut h = String::new();
    let w = |e: std::fmt::Error| AgencyError::Internal(e.to_string());
    h.push_str("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>zkcc agency: officers</title><style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #999;padding:.2em .5em;text-align:left;vertical-align:top}.grant{color:#060}.deny{color:#a00}</style></head><body><h1>Export-control agency</h1>");
    match a.verify_audit().await {
        Ok(s) => write!(
            h,
            "<p id=\"chain\">Audit chain: <b>verified</b> against the head this service signed, {} rows, head <code>{}</code></p>",
            s.rows, s.head
        )
        .map_err(w)?,
        Err(AgencyError::Chain { seq, what }) => write!(
            h,
            "<p id=\"chain\">Audit chain, checked against the head this service signed: <b class=\"deny\">BROKEN at row {seq}</b>: {}</p>",
            esc(&what)
        )
        .map_err(w)?,
        Err(AgencyError::Mismatch(what)) => write!(
            h,
            "<p id=\"chain\">Audit chain, checked against the head this service signed: <b class=\"deny\">DISAGREES with the state</b>: {}</p>",
            esc(&what)
        )
        .map_err(w)?,
        Err(e) => return Err(e),
    }
    h.push_str("<h2>Importers</h2><table id=\"importers\"><tr><th>importer</th><th>ledger chips</th><th>TPP</th><th>ledger digest</th></tr>");
    for imp in a.importers().await? {
        match a.ledger(&imp).await {
            Ok(l) => write!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code></td></tr>",
                esc(&imp),
                l.len(),
                l.total_tpp(),
                zkcc_circuits::encoding::fr_to_hex(&l.digest)
            )
            .map_err(w)?,
            Err(e) => write!(
                h,
                "<tr><td>{}</td><td colspan=3>{}</td></tr>",
                esc(&imp),
                esc(&e.to_string())
            )
            .map_err(w)?,
        }
    }
    h.push_str("</table><h2>Open requests</h2><table id=\"requests\"><tr><th>id</th><th>importer</th><th>epoch</th><th>nonce</th><th>expires (unix)</th></tr>");
    let now = crate::db::now();
    let officer = crate::auth::Party {
        id: "page".into(),
        role: crate::auth::Role::Officer,
        public_key: None,
    };
    for r in a.requests(&officer, None).await? {
        if r.status == "open" && r.expires_at > now {
            write!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code></td><td>{}</td></tr>",
                esc(&r.id),
                esc(&r.request.importer),
                r.request.epoch,
                esc(&r.request.nonce),
                r.expires_at
            )
            .map_err(w)?;
        }
    }
    h.push_str("</table><h2>Submissions</h2><table id=\"submissions\"><tr><th>submission</th><th>importer</th><th>request</th><th>status</th><th>verdict</th><th>decision</th><th>proven facts / reason</th></tr>");
    for s in a.submissions(200).await? {
        let decision = match (&s.outcome, &s.report) {
            (Some(o), Some(r)) => format!(
                "<span class=\"{}\">{}</span> {}",
                esc(o),
                esc(&o.to_uppercase()),
                esc(&format!(
                    "access {} quota {}",
                    r["decision"]["access"].as_str().unwrap_or("?"),
                    r["decision"]["quota_chips"]
                ))
            ),
            _ => String::new(),
        };
        let facts = match s.report.as_ref().and_then(|r| r.get("facts")) {
            Some(f) => esc(&format!(
                "{} ledger chips (TPP {}) each located exactly once in {} attested facilities; {} shards; rules: facility cap {} chips, max tier {}, home {}; ledger digest {}",
                f["ledger_chips"], f["ledger_tpp"], f["facilities"], f["shards"],
                f["rules"]["facility_cap_chips"], f["rules"]["max_tier"],
                f["rules"]["home_country"].as_str().unwrap_or("?"),
                f["ledger_digest"].as_str().unwrap_or("?")
            )),
            None => esc(s.reason.as_deref().unwrap_or("")),
        };
        write!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&s.id),
            esc(&s.importer),
            esc(&s.request_id),
            esc(&s.status),
            esc(s.verdict.as_deref().unwrap_or("")),
            decision,
            facts
        )
        .map_err(w)?;
    }
    h.push_str("</table></body></html>");
    Ok(h)
}
