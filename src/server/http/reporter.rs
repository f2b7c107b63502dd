//! The reporter routes of DESIGN §8 and the public key set. Handlers only translate between
//! HTTP and `crate::server::reporting`; all rules live there.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;
use zeroize::Zeroizing;

use crate::protocol::crypto::item::Item;
use crate::protocol::wire::{
    MAX_MESSAGE_BODY, MAX_REPORT_BODY, POW_HEADER, PowSolution, SubmitRequest,
};
use crate::server::app::App;
use crate::server::http::error::ApiError;
use crate::server::http::error::ErrorBody;
use crate::server::reporting;

/// Reads a JSON body of at most `limit` bytes. Oversize bodies are refused from the
/// `Content-Length` alone when it is given, and otherwise as soon as they cross the limit; a
/// body that has not arrived within `Settings::body_timeout_secs` is `408 request_timeout`
/// (`http::limits`), so a trickling client cannot hold a connection.
pub async fn read_json<T: DeserializeOwned>(
    req: &HttpRequest,
    mut payload: web::Payload,
    limit: usize,
) -> Result<T, ApiError> {
    let is_json = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"));
    if !is_json {
        return Err(ApiError::UnsupportedMediaType);
    }
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|len| len > limit) {
        return Err(ApiError::PayloadTooLarge(limit));
    }
    let deadline = req
        .app_data::<web::Data<App>>()
        .map_or(30, |app| app.settings.body_timeout_secs);
    let read = async {
        let mut body = web::BytesMut::new();
        while let Some(chunk) = payload.next().await {
            let chunk =
                chunk.map_err(|_| ApiError::InvalidRequest("the body could not be read".into()))?;
            if body.len() + chunk.len() > limit {
                return Err(ApiError::PayloadTooLarge(limit));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    };
    let body = actix_web::rt::time::timeout(std::time::Duration::from_secs(deadline), read)
        .await
        .map_err(|_| ApiError::BodyTimeout)??;
    serde_json::from_slice(&body).map_err(|e| ApiError::InvalidRequest(format!("body: {e}")))
}

/// The reporter's auth key from `Authorization: Bearer <b64u>`; any defect is `Unauthorized`.
pub fn bearer_auth_key(req: &HttpRequest) -> Result<Zeroizing<[u8; 32]>, ApiError> {
    let value = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .ok_or(ApiError::Unauthorized)?;
    let token = value
        .strip_prefix("Bearer ")
        .ok_or(ApiError::Unauthorized)?
        .trim();
    crate::protocol::b64::decode_array::<32>(token)
        .map(Zeroizing::new)
        .ok_or(ApiError::Unauthorized)
}

#[utoipa::path(get, path = "/api/v1/config", tag = "reporter",
    responses((status = 200, description = "Themes, units, relations, difficulty, recipients", body = crate::protocol::wire::ConfigView)))]
pub async fn config(app: web::Data<App>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(reporting::config(&app)?))
}

#[utoipa::path(get, path = "/api/v1/pow", tag = "reporter",
    responses((status = 200, description = "A proof-of-work challenge", body = crate::server::pow::PowChallenge)))]
pub async fn pow(app: web::Data<App>) -> HttpResponse {
    HttpResponse::Ok().json(app.pow.issue(crate::protocol::time::now()))
}

#[utoipa::path(post, path = "/api/v1/reports", tag = "reporter",
    request_body = SubmitRequest,
    responses(
        (status = 201, description = "Stored and flushed; the signed receipt", body = crate::protocol::wire::SubmitResponse),
        (status = 400, description = "Invalid request or proof of work", body = ErrorBody),
        (status = 409, description = "Wraps mismatch, replayed challenge, duplicate case", body = ErrorBody),
        (status = 413, description = "Body too large", body = ErrorBody)))]
pub async fn submit(
    app: web::Data<App>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let body: SubmitRequest = read_json(&req, payload, MAX_REPORT_BODY).await?;
    let created = reporting::submit(&app, body).await?;
    Ok(HttpResponse::Created().json(created))
}

#[utoipa::path(get, path = "/api/v1/reporter/case", tag = "reporter",
    security(("access_code" = [])),
    responses(
        (status = 200, description = "The reporter's view of the case", body = crate::protocol::wire::CaseView),
        (status = 401, description = "Unknown or wrong access code", body = ErrorBody)))]
pub async fn read_case(app: web::Data<App>, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let auth_key = bearer_auth_key(&req)?;
    Ok(HttpResponse::Ok().json(reporting::read_case(&app, &auth_key)?))
}

#[utoipa::path(post, path = "/api/v1/reporter/messages", tag = "reporter",
    security(("access_code" = [])),
    request_body = Item,
    responses(
        (status = 201, description = "Stored; the signed statement", body = crate::protocol::wire::StatementResponse),
        (status = 400, description = "Invalid item", body = ErrorBody),
        (status = 401, description = "Unknown or wrong access code", body = ErrorBody),
        (status = 409, description = "Duplicate item id, replayed challenge, or case full", body = ErrorBody),
        (status = 429, description = "pow_required: this hour's free messages are used; send a proof of work in the Meldpunt-Pow header", body = ErrorBody)))]
pub async fn post_message(
    app: web::Data<App>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    // Authenticate before reading the body, so strangers cannot make us parse megabytes.
    let auth_key = bearer_auth_key(&req)?;
    reporting::authenticate(&app, &auth_key)?;
    let pow = pow_header(&req)?;
    let item: Item = read_json(&req, payload, MAX_MESSAGE_BODY).await?;
    let created = reporting::post_message(&app, &auth_key, item, pow).await?;
    Ok(HttpResponse::Created().json(created))
}

/// The message's proof of work from `Meldpunt-Pow: <challenge>:<nonce>`, if the header is sent.
fn pow_header(req: &HttpRequest) -> Result<Option<PowSolution>, ApiError> {
    let Some(value) = req.headers().get(POW_HEADER) else {
        return Ok(None);
    };
    let malformed = || ApiError::PowInvalid(format!("{POW_HEADER}: <challenge>:<nonce>"));
    let (challenge, nonce) = value
        .to_str()
        .ok()
        .and_then(|v| v.trim().split_once(':'))
        .ok_or_else(malformed)?;
    let nonce = (!nonce.is_empty() && nonce.bytes().all(|b| b.is_ascii_digit()))
        .then(|| nonce.parse::<u64>().ok())
        .flatten()
        .ok_or_else(malformed)?;
    Ok(Some(PowSolution {
        challenge: challenge.to_owned(),
        nonce,
    }))
}

/// The `after` cursor of an items route: no query, or exactly `after=<cursor>`.
pub fn after_param(req: &HttpRequest) -> Result<Option<String>, ApiError> {
    match req.query_string() {
        "" => Ok(None),
        query => query
            .strip_prefix("after=")
            .filter(|c| !c.is_empty() && !c.contains('&'))
            .map(|c| Some(c.to_owned()))
            .ok_or_else(|| {
                ApiError::InvalidRequest("the only query parameter is after=<cursor>".into())
            }),
    }
}

#[utoipa::path(get, path = "/api/v1/reporter/items", tag = "reporter",
    security(("access_code" = [])),
    params(("after" = Option<String>, Query, description = "The `next` cursor of the previous page; absent for the first")),
    responses(
        (status = 200, description = "A page of the case's items after the report", body = crate::protocol::wire::ItemPage),
        (status = 400, description = "Bad cursor", body = ErrorBody),
        (status = 401, description = "Unknown or wrong access code", body = ErrorBody)))]
pub async fn read_items(app: web::Data<App>, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let auth_key = bearer_auth_key(&req)?;
    let after = after_param(&req)?;
    Ok(HttpResponse::Ok().json(reporting::read_items(&app, &auth_key, after.as_deref())?))
}

#[utoipa::path(get, path = "/.well-known/jwks.json", tag = "reporter",
    responses((status = 200, description = "The receipt verification keys", body = crate::protocol::statements::Jwks)))]
pub async fn jwks(app: web::Data<App>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/jwk-set+json")
        .json(app.receipt_keys.jwks())
}
