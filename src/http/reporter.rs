//! The reporter routes of DESIGN §8 and the public key set. Handlers only translate between
//! HTTP and `crate::reporting`; all rules live there.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;
use zeroize::Zeroizing;

use crate::app::App;
use crate::crypto::item::Item;
use crate::error::ApiError;
use crate::protocol::{MAX_MESSAGE_BODY, MAX_REPORT_BODY, SubmitRequest};
use crate::reporting;

/// Reads a JSON body of at most `limit` bytes. Oversize bodies are refused from the
/// `Content-Length` alone when it is given, and otherwise as soon as they cross the limit.
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
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk =
            chunk.map_err(|_| ApiError::InvalidRequest("the body could not be read".into()))?;
        if body.len() + chunk.len() > limit {
            return Err(ApiError::PayloadTooLarge(limit));
        }
        body.extend_from_slice(&chunk);
    }
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
    crate::b64::decode_array::<32>(token)
        .map(Zeroizing::new)
        .ok_or(ApiError::Unauthorized)
}

pub async fn config(app: web::Data<App>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(reporting::config(&app)?))
}

pub async fn pow(app: web::Data<App>) -> HttpResponse {
    HttpResponse::Ok().json(app.pow.issue(crate::time::now()))
}

pub async fn submit(
    app: web::Data<App>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let body: SubmitRequest = read_json(&req, payload, MAX_REPORT_BODY).await?;
    let created = reporting::submit(&app, body).await?;
    Ok(HttpResponse::Created().json(created))
}

pub async fn read_case(app: web::Data<App>, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let auth_key = bearer_auth_key(&req)?;
    Ok(HttpResponse::Ok().json(reporting::read_case(&app, &auth_key)?))
}

pub async fn post_message(
    app: web::Data<App>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    // Authenticate before reading the body, so strangers cannot make us parse megabytes.
    let auth_key = bearer_auth_key(&req)?;
    reporting::authenticate(&app, &auth_key)?;
    let item: Item = read_json(&req, payload, MAX_MESSAGE_BODY).await?;
    let created = reporting::post_message(&app, &auth_key, item).await?;
    Ok(HttpResponse::Created().json(created))
}

pub async fn jwks(app: web::Data<App>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/jwk-set+json")
        .json(app.receipt_keys.jwks())
}
