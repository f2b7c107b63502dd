//! The recipient directory's public routes (DESIGN §11): the newest version with what a client
//! needs to check it, every earlier version for continuity and monitors, and the officers'
//! routes: the version waiting for signatures and posting a signature.
//!
//! Contract: nothing here needs a session. What protects the directory is the officers'
//! signatures, verified against the trust root before anything is stored
//! (`server::directory::add_signature`); a signature that does not verify writes nothing.
//! Asking for the proposal writes only when the staff keys changed since the published version
//! (`server::directory::propose`), which only an admin's change can cause.

use actix_web::{HttpRequest, HttpResponse, web};

use crate::protocol::trust::DirectorySignature;
use crate::protocol::wire::{SignatureRequest, SignatureResponse};
use crate::server::app::App;
use crate::server::directory;
use crate::server::http::error::{ApiError, ErrorBody};
use crate::server::http::reporter::read_json;

/// Largest body of a signature request.
const MAX_SIGNATURE_BODY: usize = 4096;

#[utoipa::path(get, path = "/api/v1/directory", tag = "directory",
    responses(
        (status = 200, description = "The newest signed recipient directory, its leaf index, the newest checkpoint, the inclusion proof and the suspension list", body = crate::protocol::wire::DirectoryView),
        (status = 404, description = "no_directory: no directory was signed yet", body = ErrorBody)))]
pub async fn current(app: web::Data<App>) -> Result<HttpResponse, ApiError> {
    let view = directory::view(app.store(), &app.log_signer)?.ok_or(ApiError::NoDirectory)?;
    Ok(HttpResponse::Ok().json(view))
}

#[utoipa::path(get, path = "/api/v1/directory/versions/{seq}", tag = "directory",
    params(("seq" = u64, Path, description = "the version")),
    responses(
        (status = 200, description = "One published version and its leaf index", body = crate::protocol::wire::DirectoryVersionView),
        (status = 404, description = "No such version", body = ErrorBody)))]
pub async fn version(app: web::Data<App>, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let seq = req
        .match_info()
        .get("seq")
        .filter(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|s| s.parse::<u64>().ok())
        .ok_or_else(|| ApiError::InvalidRequest("seq must be a decimal number".into()))?;
    let view = directory::version(app.store(), seq)?.ok_or(ApiError::NotFound)?;
    Ok(HttpResponse::Ok().json(view))
}

#[utoipa::path(get, path = "/api/v1/trust-root/rotations", tag = "directory",
    responses((status = 200, description = "Every applied rotation of the trust root, oldest first: the old officers' signatures on each new root", body = crate::protocol::trust::rotation::RotationsView)))]
pub async fn rotations(app: web::Data<App>) -> HttpResponse {
    HttpResponse::Ok().json(crate::protocol::trust::rotation::RotationsView {
        rotations: app.trust.rotations.clone(),
    })
}

#[utoipa::path(get, path = "/api/v1/directory/proposal", tag = "directory",
    responses(
        (status = 200, description = "The version waiting for officers' signatures", body = crate::protocol::wire::ProposalView),
        (status = 404, description = "no_proposal: the published version lists exactly the current staff keys", body = ErrorBody)))]
pub async fn proposal(app: web::Data<App>) -> Result<HttpResponse, ApiError> {
    let root = app.trust.root.clone();
    let proposal = app
        .sequencer
        .run(move |tx| directory::propose(tx, &root, "server"))
        .await?;
    Ok(HttpResponse::Ok().json(directory::proposal_view(&app.trust.root, &proposal)))
}

#[utoipa::path(post, path = "/api/v1/directory/proposal/signatures", tag = "directory",
    request_body = SignatureRequest,
    responses(
        (status = 200, description = "Counted; published once the quorum is reached", body = SignatureResponse),
        (status = 403, description = "signature_refused: not a valid officer signature on this proposal", body = ErrorBody),
        (status = 404, description = "no_proposal", body = ErrorBody),
        (status = 409, description = "proposal_stale: the signature is for another version", body = ErrorBody)))]
pub async fn sign(
    app: web::Data<App>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let body: SignatureRequest = read_json(&req, payload, MAX_SIGNATURE_BODY).await?;
    let root = app.trust.root.clone();
    let signature = DirectorySignature {
        protected: body.protected,
        signature: body.signature,
    };
    let outcome = app
        .sequencer
        .run(move |tx| directory::add_signature(tx, &root, &body.hash, signature))
        .await?;
    if outcome.published.is_some() {
        // A new directory must be in a published checkpoint before clients accept it; a
        // checkpoint the schedule stored meanwhile (`Raced`) may predate it, so sign again.
        for _ in 0..3 {
            match app.issue_checkpoint().await {
                Err(crate::server::log::service::LogServiceError::Raced) => continue,
                Err(e) => tracing::warn!(error = %e, "no checkpoint after publishing a directory"),
                Ok(_) => {}
            }
            break;
        }
    }
    Ok(HttpResponse::Ok().json(SignatureResponse {
        signers: outcome.signers,
        needed: outcome.needed,
        published: outcome.published.map(|r| r.seq),
    }))
}
