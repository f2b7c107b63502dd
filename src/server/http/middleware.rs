//! Response headers every answer carries, and an access log that cannot identify a reporter.
//!
//! The access log never sees client addresses or user agents (it is not given them), and it
//! records no per-request lines for reporter routes: it counts requests per route and status
//! and writes one summary line an hour, so not even the log's own timestamps (or journald's)
//! reveal when someone used the reporting channel (DESIGN G2).

use std::collections::BTreeMap;
use std::sync::Mutex;

use actix_web::middleware::DefaultHeaders;

/// The policy for everything we serve: own origin only, no inline code, no framing.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self'; img-src 'self'; connect-src 'self'; worker-src 'self'; \
     font-src 'self'; manifest-src 'self'; form-action 'self'; base-uri 'none'; \
     frame-ancestors 'none'";

/// HSTS for a service whose public URL is `https://`: two years, so a reporter who once reached
/// the service over TLS is never downgraded to plain HTTP by someone on the network. Not for
/// subdomains, which the service does not own.
pub const STRICT_TRANSPORT_SECURITY: &str = "max-age=63072000";

/// The headers of every answer; `https` adds HSTS (only a TLS-served origin may send it).
pub fn security_headers(https: bool) -> DefaultHeaders {
    let headers = DefaultHeaders::new()
        .add(("Content-Security-Policy", CONTENT_SECURITY_POLICY))
        .add(("Cache-Control", "no-store"))
        .add(("Referrer-Policy", "no-referrer"))
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("X-Frame-Options", "DENY"))
        .add(("Cross-Origin-Opener-Policy", "same-origin"))
        .add(("Cross-Origin-Resource-Policy", "same-origin"))
        .add((
            "Permissions-Policy",
            "camera=(), microphone=(), geolocation=(), interest-cohort=()",
        ));
    if https {
        headers.add(("Strict-Transport-Security", STRICT_TRANSPORT_SECURITY))
    } else {
        headers
    }
}

/// Request counts per (method, route pattern, status) since the last summary.
#[derive(Default)]
pub struct AccessCounts {
    counts: Mutex<BTreeMap<(String, String, u16), u64>>,
}

impl AccessCounts {
    pub fn record(&self, method: &str, route: &str, status: u16) {
        let mut counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        *counts
            .entry((method.to_owned(), route.to_owned(), status))
            .or_default() += 1;
    }

    /// Takes the counts so far as one line, or `None` if there were no requests.
    pub fn take_summary(&self) -> Option<String> {
        let counts = std::mem::take(&mut *self.counts.lock().unwrap_or_else(|p| p.into_inner()));
        if counts.is_empty() {
            return None;
        }
        let parts: Vec<String> = counts
            .iter()
            .map(|((method, route, status), n)| format!("{method} {route} {status} x{n}"))
            .collect();
        Some(parts.join("; "))
    }
}

/// Writes the summary to the log, if there is anything to say.
pub fn log_access_summary(counts: &AccessCounts) {
    if let Some(summary) = counts.take_summary() {
        tracing::info!(target: "meldpunt::access", "requests since the last summary: {summary}");
    }
}
