//! User management (admin) and the audit chain (auditor), docs/PROTOCOL.md §13.5, §13.8.

use actix_web::{HttpRequest, HttpResponse, web};

use super::{MAX_AUTH_BODY, StaffSession, created};
use crate::protocol::roles::Role;
use crate::protocol::staff_wire::{AuditPage, InviteRequest, UserList};
use crate::server::app::App;
use crate::server::http::error::ApiError;
use crate::server::http::error::ErrorBody;
use crate::server::http::reporter::read_json;
use crate::server::staff::{accounts, audit as staff_audit};

#[utoipa::path(get, path = "/api/v1/staff/users", tag = "staff",
    security(("staff_session" = [])),
    responses(
        (status = 200, description = "Every user (admin)", body = UserList),
        (status = 403, description = "Not an admin", body = ErrorBody)))]
pub async fn list(app: web::Data<App>, session: StaffSession) -> Result<HttpResponse, ApiError> {
    session.require(Role::Admin)?;
    Ok(HttpResponse::Ok().json(UserList {
        users: accounts::list(app.store())?,
    }))
}

#[utoipa::path(post, path = "/api/v1/staff/users", tag = "staff",
    security(("staff_session" = [])),
    request_body = InviteRequest,
    responses(
        (status = 201, description = "Invited; the link is shown once", body = crate::protocol::staff_wire::InviteResponse),
        (status = 403, description = "Not an admin, or CSRF", body = ErrorBody),
        (status = 409, description = "Name taken", body = ErrorBody)))]
pub async fn invite(
    app: web::Data<App>,
    session: StaffSession,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    session.require(Role::Admin)?;
    let body: InviteRequest = read_json(&req, payload, MAX_AUTH_BODY).await?;
    let answer = accounts::invite(&app, body, session.actor()).await?;
    Ok(created(&answer))
}

async fn set_disabled(
    app: &App,
    session: &StaffSession,
    id: &str,
    disabled: bool,
) -> Result<HttpResponse, ApiError> {
    session.require(Role::Admin)?;
    let user_id = accounts::parse_user_id(id)?;
    accounts::set_disabled(app, &user_id, disabled, session.actor()).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(post, path = "/api/v1/staff/users/{id}/disable", tag = "staff",
    security(("staff_session" = [])),
    params(("id" = String, Path, description = "User id, b64u")),
    responses(
        (status = 204, description = "Disabled; the user's sessions ended"),
        (status = 403, description = "Not an admin, or CSRF", body = ErrorBody),
        (status = 404, description = "No such user", body = ErrorBody)))]
pub async fn disable(
    app: web::Data<App>,
    session: StaffSession,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    set_disabled(&app, &session, &id, true).await
}

#[utoipa::path(post, path = "/api/v1/staff/users/{id}/enable", tag = "staff",
    security(("staff_session" = [])),
    params(("id" = String, Path, description = "User id, b64u")),
    responses(
        (status = 204, description = "Enabled"),
        (status = 403, description = "Not an admin, or CSRF", body = ErrorBody),
        (status = 404, description = "No such user", body = ErrorBody)))]
pub async fn enable(
    app: web::Data<App>,
    session: StaffSession,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    set_disabled(&app, &session, &id, false).await
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// First sequence number (0 when absent).
    pub start: Option<u64>,
    /// At most 1000; 100 when absent.
    pub limit: Option<usize>,
}

#[utoipa::path(get, path = "/api/v1/staff/audit", tag = "staff",
    security(("staff_session" = [])),
    params(AuditQuery),
    responses(
        (status = 200, description = "Audit records and the chain head (auditor)", body = AuditPage),
        (status = 403, description = "Not an auditor", body = ErrorBody)))]
pub async fn audit(
    app: web::Data<App>,
    session: StaffSession,
    query: web::Query<AuditQuery>,
) -> Result<HttpResponse, ApiError> {
    session.require(Role::Auditor)?;
    let (records, head) = staff_audit::page(app.store(), query.start.unwrap_or(0), query.limit)?;
    let records = records.iter().map(|r| r.to_wire()).collect();
    Ok(HttpResponse::Ok().json(AuditPage { records, head }))
}
