//! Case work routes (docs/PROTOCOL.md §13.6–13.7); the rules are in `staff::cases` and
//! `staff::casework`.

use actix_web::{HttpRequest, HttpResponse, web};

use super::{StaffSession, created};
use crate::protocol::crypto::item::Item;
use crate::protocol::staff_wire::{AssignRequest, Assignee, StatusRequest, TriageRequest};
use crate::protocol::wire::MAX_MESSAGE_BODY;
use crate::server::app::App;
use crate::server::http::error::ApiError;
use crate::server::http::error::ErrorBody;
use crate::server::http::reporter::read_json;
use crate::server::staff::cases::CaseFilter;
use crate::server::staff::{cases as staff_cases, casework};

/// Largest body of a triage request (a note and the internal wraps).
const MAX_TRIAGE_BODY: usize = MAX_MESSAGE_BODY + 64 * 1024;

#[utoipa::path(get, path = "/api/v1/staff/cases", tag = "staff",
    security(("staff_session" = [])),
    params(CaseFilter),
    responses(
        (status = 200, description = "The cases the caller may see, newest first", body = crate::protocol::staff_wire::CaseList),
        (status = 403, description = "Auditors and admins see no cases", body = ErrorBody)))]
pub async fn list(
    app: web::Data<App>,
    session: StaffSession,
    query: web::Query<CaseFilter>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(staff_cases::list(&app, &session.user, &query)?))
}

#[utoipa::path(get, path = "/api/v1/staff/cases/{ref}", tag = "staff",
    security(("staff_session" = [])),
    params(("ref" = String, Path, description = "Case reference")),
    responses(
        (status = 200, description = "The case as the caller may see it", body = crate::protocol::staff_wire::CaseDetail),
        (status = 403, description = "Role or assignment does not allow", body = ErrorBody),
        (status = 404, description = "No such case", body = ErrorBody)))]
pub async fn detail(
    app: web::Data<App>,
    session: StaffSession,
    case_ref: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(staff_cases::detail(&app, &session.user, &case_ref).await?))
}

#[utoipa::path(get, path = "/api/v1/staff/cases/{ref}/items", tag = "staff",
    security(("staff_session" = [])),
    params(("ref" = String, Path, description = "Case reference"),
        ("after" = Option<String>, Query, description = "The `next` cursor of the previous page; absent for the first")),
    responses(
        (status = 200, description = "A page of the case's items after the report (notes only for a holder of the internal key)", body = crate::protocol::wire::ItemPage),
        (status = 403, description = "Role or assignment does not allow", body = ErrorBody),
        (status = 404, description = "No such case", body = ErrorBody)))]
pub async fn items(
    app: web::Data<App>,
    session: StaffSession,
    case_ref: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let after = crate::server::http::reporter::after_param(&req)?;
    let page = staff_cases::items(&app, &session.user, &case_ref, after.as_deref()).await?;
    Ok(HttpResponse::Ok().json(page))
}

#[utoipa::path(get, path = "/api/v1/staff/cases/{ref}/assignable", tag = "staff",
    security(("staff_session" = [])),
    params(("ref" = String, Path, description = "Case reference")),
    responses(
        (status = 200, description = "Enabled investigators of the case's unit or national, with their public keys", body = Vec<Assignee>),
        (status = 403, description = "Not an intake holder of the case", body = ErrorBody)))]
pub async fn assignable(
    app: web::Data<App>,
    session: StaffSession,
    case_ref: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let out = staff_cases::assignable(app.store(), &session.user, &case_ref)?;
    Ok(HttpResponse::Ok().json(out))
}

#[utoipa::path(post, path = "/api/v1/staff/cases/{ref}/assign", tag = "staff",
    security(("staff_session" = [])),
    params(("ref" = String, Path, description = "Case reference")),
    request_body = AssignRequest,
    responses(
        (status = 204, description = "Assigned"),
        (status = 403, description = "Not an intake holder of the case, or CSRF", body = ErrorBody),
        (status = 409, description = "wraps_mismatch, or not an assignable investigator", body = ErrorBody)))]
pub async fn assign(
    app: web::Data<App>,
    session: StaffSession,
    case_ref: web::Path<String>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let body: AssignRequest = read_json(&req, payload, MAX_TRIAGE_BODY).await?;
    casework::assign(&app, &session.user, &case_ref, body).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(post, path = "/api/v1/staff/cases/{ref}/triage", tag = "staff",
    security(("staff_session" = [])),
    params(("ref" = String, Path, description = "Case reference")),
    request_body = TriageRequest,
    responses(
        (status = 204, description = "Triaged; the internal key exists"),
        (status = 403, description = "Not an intake holder of the case, or CSRF", body = ErrorBody),
        (status = 409, description = "wraps_mismatch, or already triaged", body = ErrorBody)))]
pub async fn triage(
    app: web::Data<App>,
    session: StaffSession,
    case_ref: web::Path<String>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let body: TriageRequest = read_json(&req, payload, MAX_TRIAGE_BODY).await?;
    casework::triage(&app, &session.user, &case_ref, body).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(post, path = "/api/v1/staff/cases/{ref}/status", tag = "staff",
    security(("staff_session" = [])),
    params(("ref" = String, Path, description = "Case reference")),
    request_body = StatusRequest,
    responses(
        (status = 201, description = "The signed status statement", body = crate::protocol::wire::StatementResponse),
        (status = 403, description = "Not an intake holder or assigned investigator, or CSRF", body = ErrorBody),
        (status = 409, description = "Transition not allowed", body = ErrorBody)))]
pub async fn status(
    app: web::Data<App>,
    session: StaffSession,
    case_ref: web::Path<String>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let body: StatusRequest = read_json(&req, payload, super::MAX_AUTH_BODY).await?;
    Ok(created(
        &casework::set_status(&app, &session.user, &case_ref, body).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/staff/cases/{ref}/messages", tag = "staff",
    security(("staff_session" = [])),
    params(("ref" = String, Path, description = "Case reference")),
    request_body = Item,
    responses(
        (status = 201, description = "The signed message statement (from: staff)", body = crate::protocol::wire::StatementResponse),
        (status = 403, description = "Not an intake holder or assigned investigator, or CSRF", body = ErrorBody)))]
pub async fn message(
    app: web::Data<App>,
    session: StaffSession,
    case_ref: web::Path<String>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let item: Item = read_json(&req, payload, MAX_MESSAGE_BODY).await?;
    Ok(created(
        &casework::post_message(&app, &session.user, &case_ref, item).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/staff/cases/{ref}/notes", tag = "staff",
    security(("staff_session" = [])),
    params(("ref" = String, Path, description = "Case reference")),
    request_body = Item,
    responses(
        (status = 204, description = "Stored (no statement; audited)"),
        (status = 403, description = "No internal wrap, not working on the case, or CSRF", body = ErrorBody)))]
pub async fn note(
    app: web::Data<App>,
    session: StaffSession,
    case_ref: web::Path<String>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let item: Item = read_json(&req, payload, MAX_MESSAGE_BODY).await?;
    casework::post_note(&app, &session.user, &case_ref, item).await?;
    Ok(HttpResponse::NoContent().finish())
}
