//! The staff routes (docs/PROTOCOL.md §13): sign-in, users, the audit chain, case work.
//! Handlers translate between HTTP and `crate::server::staff`; all rules live there.
//!
//! Contract: every route except enrolment, the second-factor reset link, pre-login and login
//! needs a staff session, taken by
//! signature through the [`StaffSession`] extractor: the `meldpunt_staff` cookie must name a
//! live session of an enrolled, enabled user (else 401 `unauthorized`), and every method other
//! than GET must carry `X-CSRF-Token` equal to the session's token (else 403 `csrf_failed`).
//! The session is checked before any body is read. [`staff_route_table`] lists every route.

pub mod admin;
pub mod auth;
pub mod cases;
pub mod users;

use std::future::{Ready, ready};

use actix_web::http::{Method, header};
use actix_web::{FromRequest, HttpRequest, HttpResponse, dev::Payload, web};
use zeroize::Zeroizing;

use super::{RouteSpec, get, post};
use crate::protocol::roles::Role;
use crate::server::app::App;
use crate::server::http::error::ApiError;
use crate::server::store::staff::UserRecord;

/// The session cookie's name. The `__Host-` prefix makes browsers refuse the cookie unless it
/// is `Secure`, has `Path=/` and no `Domain`, so no other host (a sibling subdomain) and no
/// plain-HTTP answer can set or shadow it.
pub const COOKIE_NAME: &str = "__Host-meldpunt_staff";
/// The name on plain-HTTP localhost testing (`staff_cookie_secure = false`), where a
/// `__Host-` cookie could not be set.
pub const INSECURE_COOKIE_NAME: &str = "meldpunt_staff";
/// The insecure cookie's path: it is sent to the staff API only. (A `__Host-` cookie must have
/// `Path=/`; reporter pages never read it, and the reporter's API calls send no cookies.)
pub const INSECURE_COOKIE_PATH: &str = "/api/v1/staff";
/// The CSRF header.
pub const CSRF_HEADER: &str = "X-CSRF-Token";
/// Largest body of a sign-in or user route.
pub const MAX_AUTH_BODY: usize = 16 * 1024;

/// The staff routes with their handlers; part of `http::route_table`.
pub fn staff_route_table() -> Vec<RouteSpec> {
    vec![
        get("/api/v1/staff/enrol/{token}", || {
            web::get().to(auth::enrol_info)
        }),
        post("/api/v1/staff/enrol/{token}", || {
            web::post().to(auth::enrol)
        }),
        post("/api/v1/staff/prelogin", || web::post().to(auth::prelogin)),
        post("/api/v1/staff/login", || web::post().to(auth::login)),
        post("/api/v1/staff/logout", || web::post().to(auth::logout)),
        post("/api/v1/staff/logout-all", || {
            web::post().to(auth::logout_all)
        }),
        get("/api/v1/staff/me", || web::get().to(auth::me)),
        get("/api/v1/staff/users", || web::get().to(users::list)),
        post("/api/v1/staff/users", || web::post().to(users::invite)),
        post("/api/v1/staff/users/{id}/disable", || {
            web::post().to(users::disable)
        }),
        post("/api/v1/staff/users/{id}/enable", || {
            web::post().to(users::enable)
        }),
        post("/api/v1/staff/users/{id}/reset-totp", || {
            web::post().to(admin::reset_totp)
        }),
        get("/api/v1/staff/reset/{token}", || {
            web::get().to(admin::reset_info)
        }),
        post("/api/v1/staff/reset/{token}", || {
            web::post().to(admin::reset_complete)
        }),
        get("/api/v1/staff/units", || web::get().to(admin::units)),
        get("/api/v1/staff/counts", || web::get().to(admin::counts)),
        get("/api/v1/staff/audit", || web::get().to(users::audit)),
        get("/api/v1/staff/cases", || web::get().to(cases::list)),
        get("/api/v1/staff/cases/{ref}", || web::get().to(cases::detail)),
        get("/api/v1/staff/cases/{ref}/items", || {
            web::get().to(cases::items)
        }),
        get("/api/v1/staff/cases/{ref}/assignable", || {
            web::get().to(cases::assignable)
        }),
        post("/api/v1/staff/cases/{ref}/assign", || {
            web::post().to(cases::assign)
        }),
        post("/api/v1/staff/cases/{ref}/triage", || {
            web::post().to(cases::triage)
        }),
        post("/api/v1/staff/cases/{ref}/status", || {
            web::post().to(cases::status)
        }),
        post("/api/v1/staff/cases/{ref}/messages", || {
            web::post().to(cases::message)
        }),
        post("/api/v1/staff/cases/{ref}/notes", || {
            web::post().to(cases::note)
        }),
    ]
}

fn cookie_name(app: &App) -> &'static str {
    if app.settings.staff_cookie_secure {
        COOKIE_NAME
    } else {
        INSECURE_COOKIE_NAME
    }
}

/// The value of the session cookie in the request, if any.
fn session_token(app: &App, req: &HttpRequest) -> Option<Zeroizing<[u8; 32]>> {
    let wanted = cookie_name(app);
    req.headers()
        .get_all(header::COOKIE)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == wanted)
        .and_then(|(_, value)| crate::protocol::b64::decode_array::<32>(value))
        .map(Zeroizing::new)
}

/// `Set-Cookie` for a new session (or, with `None`, one that clears it). A browser-session
/// cookie (no `Max-Age`), so closing the browser on a shared desk computer ends it; the
/// session's absolute lifetime and idle time are enforced by the server (`staff::session`).
pub fn session_cookie(app: &App, token: Option<&[u8; 32]>) -> String {
    let attributes = if app.settings.staff_cookie_secure {
        "HttpOnly; Secure; SameSite=Strict; Path=/".to_owned()
    } else {
        format!("HttpOnly; SameSite=Strict; Path={INSECURE_COOKIE_PATH}")
    };
    let name = cookie_name(app);
    match token {
        Some(token) => format!(
            "{name}={}; {attributes}",
            crate::protocol::b64::encode(token)
        ),
        None => format!("{name}=; {attributes}; Max-Age=0"),
    }
}

/// A signed-in staff user, checked as the module contract says.
pub struct StaffSession {
    pub user: UserRecord,
    token: Zeroizing<[u8; 32]>,
}

impl StaffSession {
    /// 403 unless the user holds `role`.
    pub fn require(&self, role: Role) -> Result<(), ApiError> {
        if self.user.has(role) {
            Ok(())
        } else {
            Err(ApiError::Forbidden)
        }
    }

    pub fn actor(&self) -> String {
        crate::server::staff::accounts::user_id_text(&self.user.user_id)
    }

    /// Ends this session (logout); durable when it returns.
    pub fn end(&self, app: &App) -> Result<(), ApiError> {
        app.staff
            .sessions
            .end(self.token.as_ref())
            .map_err(|e| ApiError::from(crate::server::staff::StaffError::from(e)))
    }
}

fn extract(req: &HttpRequest) -> Result<StaffSession, ApiError> {
    let app = req.app_data::<web::Data<App>>().ok_or(ApiError::Internal)?;
    let token = session_token(app, req).ok_or(ApiError::SessionRequired)?;
    let live = app
        .staff
        .sessions
        .touch(token.as_ref())
        .ok_or(ApiError::SessionRequired)?;
    let user = match app.store().user(&live.user_id)? {
        Some(user) if user.active() => user,
        _ => {
            app.staff
                .sessions
                .end(token.as_ref())
                .map_err(crate::server::staff::StaffError::from)?;
            return Err(ApiError::SessionRequired);
        }
    };
    if req.method() != Method::GET && req.method() != Method::HEAD {
        let given = req
            .headers()
            .get(CSRF_HEADER)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if !live.csrf_matches(given) {
            return Err(ApiError::CsrfFailed);
        }
    }
    Ok(StaffSession { user, token })
}

impl FromRequest for StaffSession {
    type Error = ApiError;
    type Future = Ready<Result<StaffSession, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(extract(req))
    }
}

/// 201 with a JSON body.
pub fn created<T: serde::Serialize>(body: &T) -> HttpResponse {
    HttpResponse::Created().json(body)
}
