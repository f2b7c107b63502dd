//! Enrolment, pre-login, login, logout and `me` (docs/PROTOCOL.md §13.2–13.4).

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};

use super::{MAX_AUTH_BODY, StaffSession, created, session_cookie};
use crate::protocol::staff_wire::{EnrolRequest, LoginRequest, PreloginRequest, PreloginResponse};
use crate::server::app::App;
use crate::server::http::error::ApiError;
use crate::server::http::error::ErrorBody;
use crate::server::http::reporter::read_json;
use crate::server::staff::{accounts, login};

#[utoipa::path(get, path = "/api/v1/staff/enrol/{token}", tag = "staff",
    params(("token" = String, Path, description = "The enrolment token from the invite link")),
    responses(
        (status = 200, description = "What the invite fixed: name, roles, KDF parameters, TOTP secret", body = crate::protocol::staff_wire::EnrolInfo),
        (status = 404, description = "Unknown, used or expired invite", body = ErrorBody)))]
pub async fn enrol_info(
    app: web::Data<App>,
    token: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(accounts::enrol_info(app.store(), &token)?))
}

#[utoipa::path(post, path = "/api/v1/staff/enrol/{token}", tag = "staff",
    params(("token" = String, Path, description = "The enrolment token from the invite link")),
    request_body = EnrolRequest,
    responses(
        (status = 201, description = "Enrolled", body = crate::protocol::staff_wire::EnrolResponse),
        (status = 400, description = "Invalid request or TOTP code", body = ErrorBody),
        (status = 404, description = "Unknown, used or expired invite", body = ErrorBody)))]
pub async fn enrol(
    app: web::Data<App>,
    token: web::Path<String>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let body: EnrolRequest = read_json(&req, payload, MAX_AUTH_BODY).await?;
    Ok(created(&accounts::enrol(&app, &token, body).await?))
}

#[utoipa::path(post, path = "/api/v1/staff/prelogin", tag = "staff",
    request_body = PreloginRequest,
    responses((status = 200, description = "The KDF salt and iterations (a stable fake salt for unknown names)", body = PreloginResponse)))]
pub async fn prelogin(
    app: web::Data<App>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let body: PreloginRequest = read_json(&req, payload, MAX_AUTH_BODY).await?;
    let kdf = login::prelogin(&app, &body.name)?;
    Ok(HttpResponse::Ok().json(PreloginResponse { kdf }))
}

#[utoipa::path(post, path = "/api/v1/staff/login", tag = "staff",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in; sets the meldpunt_staff cookie", body = crate::protocol::staff_wire::LoginResponse),
        (status = 401, description = "login_failed, whatever the reason", body = ErrorBody),
        (status = 429, description = "Too many failures for this name; see Retry-After", body = ErrorBody)))]
pub async fn login(
    app: web::Data<App>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let body: LoginRequest = read_json(&req, payload, MAX_AUTH_BODY).await?;
    let (answer, session) = login::login(&app, &body).await?;
    Ok(HttpResponse::Ok()
        .insert_header((
            header::SET_COOKIE,
            session_cookie(&app, Some(&session.token)),
        ))
        .json(answer))
}

#[utoipa::path(post, path = "/api/v1/staff/logout", tag = "staff",
    security(("staff_session" = [])),
    responses(
        (status = 204, description = "Signed out; the cookie is cleared"),
        (status = 401, description = "No session", body = ErrorBody),
        (status = 403, description = "CSRF token missing or wrong", body = ErrorBody)))]
pub async fn logout(app: web::Data<App>, session: StaffSession) -> Result<HttpResponse, ApiError> {
    session.end(&app)?;
    Ok(HttpResponse::NoContent()
        .insert_header((header::SET_COOKIE, session_cookie(&app, None)))
        .finish())
}

#[utoipa::path(post, path = "/api/v1/staff/logout-all", tag = "staff",
    security(("staff_session" = [])),
    responses(
        (status = 204, description = "Every session of the caller ended, on every device; this one's cookie is cleared"),
        (status = 401, description = "No session", body = ErrorBody),
        (status = 403, description = "CSRF token missing or wrong", body = ErrorBody)))]
pub async fn logout_all(
    app: web::Data<App>,
    session: StaffSession,
) -> Result<HttpResponse, ApiError> {
    let ended = app
        .staff
        .sessions
        .end_all(&session.user.user_id)
        .map_err(crate::server::staff::StaffError::from)?;
    let audit = crate::server::store::AuditEntry::new(
        session.actor(),
        "staff.logout_all",
        format!("{ended} sessions"),
    );
    app.sequencer
        .run(move |tx| {
            tx.audit(audit)
                .map_err(crate::server::staff::StaffError::from)
        })
        .await?;
    Ok(HttpResponse::NoContent()
        .insert_header((header::SET_COOKIE, session_cookie(&app, None)))
        .finish())
}

#[utoipa::path(get, path = "/api/v1/staff/me", tag = "staff",
    security(("staff_session" = [])),
    responses(
        (status = 200, description = "The signed-in user", body = crate::protocol::staff_wire::UserView),
        (status = 401, description = "No session", body = ErrorBody)))]
pub async fn me(session: StaffSession) -> Result<HttpResponse, ApiError> {
    let view = accounts::user_view(&session.user).ok_or(ApiError::SessionRequired)?;
    Ok(HttpResponse::Ok().json(view))
}
