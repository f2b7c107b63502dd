//! The public transparency-log routes of DESIGN §5: the newest signed checkpoint, the note
//! verifier key, inclusion and consistency proofs, and pages of leaf hashes.
//!
//! Contract: only checkpoints, the verifier key, proofs and leaf hashes leave, never statement
//! contents. Query parameters are decimal `u64`s without sign; a missing, repeated, unknown or
//! malformed parameter is `invalid_request` (400), a position or range the log does not have is
//! `invalid_range` (400), both as the JSON of `http::error`. Proofs and leaf hashes are served
//! only up to the newest published checkpoint's size (`service::published_size`), so the log
//! never dates a statement more finely than the checkpoint schedule; a page of leaf hashes holds
//! at most [`MAX_LEAF_HASHES`].

use actix_web::{HttpRequest, HttpResponse, web};

use crate::server::app::App;
use crate::server::http::error::ApiError;
use crate::server::http::error::ErrorBody;
use crate::server::log::service::{self, MAX_LEAF_HASHES};

const TEXT: &str = "text/plain; charset=utf-8";

/// Reads exactly the parameters `names` from the query string, in that order.
fn query<const N: usize>(req: &HttpRequest, names: [&str; N]) -> Result<[u64; N], ApiError> {
    let mut values: [Option<u64>; N] = [None; N];
    for pair in req.query_string().split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let Some(slot) = names.iter().position(|n| *n == key) else {
            return Err(ApiError::InvalidRequest(format!(
                "unknown query parameter; this route takes {}",
                names.join(", ")
            )));
        };
        if values[slot].is_some() {
            return Err(ApiError::InvalidRequest(format!("{key} is given twice")));
        }
        let number = (!value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()))
            .then(|| value.parse::<u64>().ok())
            .flatten()
            .ok_or_else(|| ApiError::InvalidRequest(format!("{key} must be a decimal number")))?;
        values[slot] = Some(number);
    }
    let mut out = [0u64; N];
    for (i, name) in names.iter().enumerate() {
        out[i] = values[i].ok_or_else(|| ApiError::InvalidRequest(format!("{name} is missing")))?;
    }
    Ok(out)
}

/// How far the public may look: the newest published checkpoint's size.
fn published_size(app: &App) -> Result<u64, ApiError> {
    Ok(service::published_size(app.store(), &app.log_signer)?)
}

fn beyond(name: &str, value: u64, size: u64) -> ApiError {
    ApiError::InvalidRange(format!(
        "{name} {value} is beyond the newest checkpoint's {size} leaves; \
         newer entries are served once a checkpoint covers them"
    ))
}

/// `GET /api/v1/log/checkpoint`: the newest signed checkpoint, as issued.
#[utoipa::path(get, path = "/api/v1/log/checkpoint", tag = "log",
    responses(
        (status = 200, description = "The newest signed checkpoint (C2SP signed note)", body = String, content_type = "text/plain"),
        (status = 404, description = "No checkpoint yet", body = ErrorBody)))]
pub async fn checkpoint(app: web::Data<App>) -> Result<HttpResponse, ApiError> {
    let note = app
        .store()
        .latest_checkpoint()?
        .ok_or(ApiError::NoCheckpoint)?;
    Ok(HttpResponse::Ok().content_type(TEXT).body(note))
}

/// `GET /api/v1/log/key`: the note verifier key, `<name>+<hex key id>+<base64 key>`.
#[utoipa::path(get, path = "/api/v1/log/key", tag = "log",
    responses((status = 200, description = "The note verifier key", body = String, content_type = "text/plain")))]
pub async fn key(app: web::Data<App>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(TEXT)
        .body(format!("{}\n", app.log_signer.verifier_key()))
}

/// `GET /api/v1/log/proof/inclusion?index=I&size=N`, `I < N <=` the published size.
#[utoipa::path(get, path = "/api/v1/log/proof/inclusion", tag = "log",
    params(("index" = u64, Query, description = "leaf index"), ("size" = u64, Query, description = "tree size")),
    responses(
        (status = 200, description = "RFC 9162 inclusion proof", body = crate::protocol::wire::InclusionProofView),
        (status = 400, description = "Bad or out-of-range parameters", body = ErrorBody)))]
pub async fn inclusion(app: web::Data<App>, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let [index, size] = query(&req, ["index", "size"])?;
    let current = published_size(&app)?;
    if size > current {
        return Err(beyond("size", size, current));
    }
    if index >= size {
        return Err(ApiError::InvalidRange(format!(
            "index {index} is not below size {size}"
        )));
    }
    Ok(HttpResponse::Ok().json(app.store().inclusion_proof(index, size)?))
}

/// `GET /api/v1/log/proof/consistency?from=M&to=N`, `M <= N <=` the published size.
#[utoipa::path(get, path = "/api/v1/log/proof/consistency", tag = "log",
    params(("from" = u64, Query, description = "older size"), ("to" = u64, Query, description = "newer size")),
    responses(
        (status = 200, description = "RFC 9162 consistency proof", body = crate::protocol::wire::ConsistencyProofView),
        (status = 400, description = "Bad or out-of-range parameters", body = ErrorBody)))]
pub async fn consistency(app: web::Data<App>, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let [from, to] = query(&req, ["from", "to"])?;
    let current = published_size(&app)?;
    if to > current {
        return Err(beyond("to", to, current));
    }
    if from > to {
        return Err(ApiError::InvalidRange(format!(
            "from {from} is larger than to {to}"
        )));
    }
    Ok(HttpResponse::Ok().json(app.store().consistency_proof(from, to)?))
}

/// `GET /api/v1/log/leaf-hashes?start=S&end=E`, `S < E <=` the published size, at most
/// [`MAX_LEAF_HASHES`] at a time.
#[utoipa::path(get, path = "/api/v1/log/leaf-hashes", tag = "log",
    params(("start" = u64, Query, description = "first index"), ("end" = u64, Query, description = "one past the last index")),
    responses(
        (status = 200, description = "A page of leaf hashes", body = crate::protocol::wire::LeafHashesView),
        (status = 400, description = "Bad or out-of-range parameters", body = ErrorBody)))]
pub async fn leaf_hashes(app: web::Data<App>, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let [start, end] = query(&req, ["start", "end"])?;
    let current = published_size(&app)?;
    if end > current {
        return Err(beyond("end", end, current));
    }
    if start >= end {
        return Err(ApiError::InvalidRange(format!(
            "start {start} is not below end {end}"
        )));
    }
    if end - start > MAX_LEAF_HASHES {
        return Err(ApiError::InvalidRange(format!(
            "at most {MAX_LEAF_HASHES} leaf hashes per page"
        )));
    }
    Ok(HttpResponse::Ok().json(app.store().leaf_hashes(start, end)?))
}
