//! The admin's and auditor's overview routes and the second-factor reset
//! (docs/PROTOCOL.md §13.5, §13.9): no content, ever.

use actix_web::{HttpRequest, HttpResponse, web};

use super::{MAX_AUTH_BODY, StaffSession};
use crate::protocol::roles::Role;
use crate::protocol::staff_wire::ResetRequest;
use crate::server::app::App;
use crate::server::http::error::{ApiError, ErrorBody};
use crate::server::http::reporter::read_json;
use crate::server::staff::{accounts, overview, reset};

#[utoipa::path(get, path = "/api/v1/staff/units", tag = "staff",
    security(("staff_session" = [])),
    responses(
        (status = 200, description = "Every unit with the number of keys that read its new reports, and whether the directory is current (admin)", body = crate::protocol::staff_wire::UnitsView),
        (status = 403, description = "Not an admin", body = ErrorBody)))]
pub async fn units(app: web::Data<App>, session: StaffSession) -> Result<HttpResponse, ApiError> {
    session.require(Role::Admin)?;
    Ok(HttpResponse::Ok().json(overview::units(&app)?))
}

#[utoipa::path(get, path = "/api/v1/staff/counts", tag = "staff",
    security(("staff_session" = [])),
    responses(
        (status = 200, description = "Cases by status and theme, from metadata (auditor or admin)", body = crate::protocol::staff_wire::CaseCounts),
        (status = 403, description = "Neither auditor nor admin", body = ErrorBody)))]
pub async fn counts(app: web::Data<App>, session: StaffSession) -> Result<HttpResponse, ApiError> {
    if !(session.user.has(Role::Auditor) || session.user.has(Role::Admin)) {
        return Err(ApiError::Forbidden);
    }
    Ok(HttpResponse::Ok().json(overview::counts(&app)?))
}

#[utoipa::path(post, path = "/api/v1/staff/users/{id}/reset-totp", tag = "staff",
    security(("staff_session" = [])),
    params(("id" = String, Path, description = "User id, b64u")),
    responses(
        (status = 201, description = "The old second factor stopped working and the user's sessions ended; the link to set up a new one is shown once", body = crate::protocol::staff_wire::ResetLink),
        (status = 403, description = "Not an admin, or CSRF", body = ErrorBody),
        (status = 404, description = "No such user", body = ErrorBody),
        (status = 409, description = "The user is not enrolled or is disabled", body = ErrorBody)))]
pub async fn reset_totp(
    app: web::Data<App>,
    session: StaffSession,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    session.require(Role::Admin)?;
    let user_id = accounts::parse_user_id(&id)?;
    let link = reset::start(&app, user_id, session.actor()).await?;
    Ok(super::created(&link))
}

#[utoipa::path(get, path = "/api/v1/staff/reset/{token}", tag = "staff",
    params(("token" = String, Path, description = "The token from the reset link")),
    responses(
        (status = 200, description = "The user's name, KDF parameters and the new TOTP secret", body = crate::protocol::staff_wire::ResetInfo),
        (status = 404, description = "Unknown, used or expired link", body = ErrorBody)))]
pub async fn reset_info(
    app: web::Data<App>,
    token: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(reset::info(app.store(), &token)?))
}

#[utoipa::path(post, path = "/api/v1/staff/reset/{token}", tag = "staff",
    params(("token" = String, Path, description = "The token from the reset link")),
    request_body = ResetRequest,
    responses(
        (status = 204, description = "The new second factor counts; sign in with it"),
        (status = 400, description = "Invalid request or TOTP code", body = ErrorBody),
        (status = 401, description = "login_failed: the password is wrong", body = ErrorBody),
        (status = 404, description = "Unknown, used or expired link", body = ErrorBody)))]
pub async fn reset_complete(
    app: web::Data<App>,
    token: web::Path<String>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let body: ResetRequest = read_json(&req, payload, MAX_AUTH_BODY).await?;
    reset::complete(&app, &token, body).await?;
    Ok(HttpResponse::NoContent().finish())
}
