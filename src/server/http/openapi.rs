//! The OpenAPI 3.1 document of every route, served at `/api/v1/openapi.json`.
//!
//! Contract: the document lists exactly the routes of `http::route_table` — a test compares the
//! two, so a route cannot be added without being documented, or documented without existing.
//! Schemas come from the same Rust types that (de)serialise the bodies.

use actix_web::HttpResponse;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::{directory, log, reporter, staff, webapp};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "meldpunt",
        description = "Anonymous reporting channel. Reporter content is end-to-end encrypted; \
                       see docs/PROTOCOL.md for the formats behind every field.",
        license(name = "EUPL-1.2")
    ),
    paths(
        reporter::config,
        reporter::pow,
        reporter::submit,
        reporter::read_case,
        reporter::read_items,
        reporter::post_message,
        reporter::jwks,
        log::checkpoint,
        log::key,
        log::inclusion,
        log::consistency,
        log::leaf_hashes,
        openapi_json,
        webapp::web_bundle,
        directory::current,
        directory::rotations,
        directory::version,
        directory::proposal,
        directory::sign,
        staff::auth::enrol_info,
        staff::auth::enrol,
        staff::auth::prelogin,
        staff::auth::login,
        staff::auth::logout,
        staff::auth::logout_all,
        staff::admin::units,
        staff::admin::counts,
        staff::admin::reset_totp,
        staff::admin::reset_info,
        staff::admin::reset_complete,
        staff::auth::me,
        staff::users::list,
        staff::users::invite,
        staff::users::disable,
        staff::users::enable,
        staff::users::audit,
        staff::cases::list,
        staff::cases::detail,
        staff::cases::items,
        staff::cases::assignable,
        staff::cases::assign,
        staff::cases::triage,
        staff::cases::status,
        staff::cases::message,
        staff::cases::note,
    ),
    modifiers(&SecuritySchemes),
    tags(
        (name = "reporter", description = "Anonymous reporters (access code as Bearer token)"),
        (name = "log", description = "The public transparency log"),
        (name = "meta", description = "This document and the hash of the web app"),
        (name = "staff", description = "Staff: sign-in, users, audit chain, case work (session \
                                        cookie plus X-CSRF-Token on every change)"),
    )
)]
pub struct ApiDoc;

struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "access_code",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "b64u of the auth key derived from the reporter's access code",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "staff_session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                super::staff::COOKIE_NAME,
                "Session cookie from POST /api/v1/staff/login; changes also need the \
                 X-CSRF-Token header from the login answer",
            ))),
        );
    }
}

/// The document as JSON.
pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "meta",
    responses((status = 200, description = "This OpenAPI document", body = Object)))]
pub async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok().json(document())
}
