//! The errors a request can end in. Each variant has one HTTP status and one stable `code`;
//! `http::error` turns them into `{"error":{"code","message"}}` in one place.
//!
//! Messages are for people and never carry secrets, ciphertext or client data beyond the name
//! of the field that was wrong.

use crate::server::store::{Conflict, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The body is not the JSON the route takes (syntax, types, unknown or missing fields,
    /// bad base64, wrong lengths).
    #[error("{0}")]
    InvalidRequest(String),
    #[error("unknown theme")]
    UnknownTheme,
    #[error("unknown unit")]
    UnknownUnit,
    #[error("unknown relation")]
    UnknownRelation,
    #[error("proof of work: {0}")]
    PowInvalid(String),
    #[error("this proof-of-work challenge was already used; fetch a new one")]
    PowReplayed,
    #[error("{0}")]
    WrapsMismatch(String),
    #[error("a case with this case_id already exists")]
    DuplicateCase,
    #[error("an item with this id already exists")]
    DuplicateItem,
    #[error("this case has reached its limit of messages")]
    CaseFull,
    #[error("this case has reached its limit of stored bytes")]
    CaseTooLarge,
    /// The case's free messages of this hour are used: the message needs a proof of work
    /// (`Meldpunt-Pow`), or can wait the given seconds until the next hour.
    #[error(
        "this case's free messages for this hour are used; solve a proof of work \
         (GET /api/v1/pow) and send it in the Meldpunt-Pow header, or wait {0} seconds"
    )]
    PowRequired(u64),
    #[error("this public key already belongs to someone; make a new key pair")]
    KeyInUse,
    #[error("the access code was not recognised")]
    Unauthorized,
    #[error("the request body is larger than {0} bytes")]
    PayloadTooLarge(usize),
    #[error("the body must be sent as application/json")]
    UnsupportedMediaType,
    /// The body did not arrive in time (`http::limits`).
    #[error("the request body took too long to arrive")]
    BodyTimeout,
    #[error("no such resource")]
    NotFound,
    /// A query parameter names a position the log does not have (or a range it cannot serve).
    #[error("{0}")]
    InvalidRange(String),
    #[error("no log checkpoint has been issued yet")]
    NoCheckpoint,
    #[error("method not allowed")]
    MethodNotAllowed,
    #[error("the service cannot store this right now; try again later")]
    Unavailable,
    /// All sign-in computations are taken; the client should try again in a second.
    #[error("the service is busy; try again in a moment")]
    Busy,
    /// Staff sign-in failed; the same answer for every reason (unknown name, wrong password,
    /// wrong or replayed TOTP code, disabled account).
    #[error("sign-in failed")]
    LoginFailed,
    /// Too many failed sign-ins for this name; retry after the given seconds.
    #[error("too many failed sign-ins; try again in {0} seconds")]
    TooManyAttempts(u64),
    /// No valid staff session (missing, unknown or expired cookie, or a disabled user).
    #[error("sign in first")]
    SessionRequired,
    #[error("missing or wrong X-CSRF-Token header")]
    CsrfFailed,
    #[error("your roles or assignments do not allow this")]
    Forbidden,
    #[error("the enrolment link is unknown, used or expired")]
    InviteInvalid,
    #[error("the TOTP code is not valid")]
    TotpInvalid,
    #[error("a user with this name exists")]
    NameTaken,
    /// The change does not fit the case's current state (a status transition, a second triage).
    #[error("{0}")]
    InvalidState(String),
    #[error("internal error")]
    Internal,
}

impl ApiError {
    /// The machine-readable code clients switch on.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::InvalidRequest(_) => "invalid_request",
            ApiError::UnknownTheme => "unknown_theme",
            ApiError::UnknownUnit => "unknown_unit",
            ApiError::UnknownRelation => "unknown_relation",
            ApiError::PowInvalid(_) => "pow_invalid",
            ApiError::PowReplayed => "pow_replayed",
            ApiError::WrapsMismatch(_) => "wraps_mismatch",
            ApiError::DuplicateCase => "duplicate_case",
            ApiError::DuplicateItem => "duplicate_item",
            ApiError::CaseFull | ApiError::CaseTooLarge => "case_full",
            ApiError::PowRequired(_) => "pow_required",
            ApiError::Unauthorized => "unauthorized",
            ApiError::KeyInUse => "key_in_use",
            ApiError::PayloadTooLarge(_) => "payload_too_large",
            ApiError::UnsupportedMediaType => "unsupported_media_type",
            ApiError::BodyTimeout => "request_timeout",
            ApiError::NotFound => "not_found",
            ApiError::InvalidRange(_) => "invalid_range",
            ApiError::NoCheckpoint => "no_checkpoint",
            ApiError::MethodNotAllowed => "method_not_allowed",
            ApiError::Unavailable => "unavailable",
            ApiError::Busy => "busy",
            ApiError::Internal => "internal",
            ApiError::LoginFailed => "login_failed",
            ApiError::TooManyAttempts(_) => "too_many_attempts",
            ApiError::SessionRequired => "unauthorized",
            ApiError::CsrfFailed => "csrf_failed",
            ApiError::Forbidden => "forbidden",
            ApiError::InviteInvalid => "invite_invalid",
            ApiError::TotpInvalid => "totp_invalid",
            ApiError::NameTaken => "name_taken",
            ApiError::InvalidState(_) => "invalid_state",
        }
    }

    /// The HTTP status for this error.
    pub fn status(&self) -> u16 {
        match self {
            ApiError::InvalidRequest(_)
            | ApiError::UnknownTheme
            | ApiError::UnknownUnit
            | ApiError::UnknownRelation
            | ApiError::PowInvalid(_)
            | ApiError::InvalidRange(_)
            | ApiError::TotpInvalid => 400,
            ApiError::Unauthorized | ApiError::LoginFailed | ApiError::SessionRequired => 401,
            ApiError::CsrfFailed | ApiError::Forbidden => 403,
            ApiError::NotFound | ApiError::NoCheckpoint | ApiError::InviteInvalid => 404,
            ApiError::MethodNotAllowed => 405,
            ApiError::PowReplayed
            | ApiError::WrapsMismatch(_)
            | ApiError::DuplicateCase
            | ApiError::DuplicateItem
            | ApiError::CaseFull
            | ApiError::CaseTooLarge
            | ApiError::NameTaken
            | ApiError::KeyInUse
            | ApiError::InvalidState(_) => 409,
            ApiError::TooManyAttempts(_) | ApiError::PowRequired(_) => 429,
            ApiError::PayloadTooLarge(_) => 413,
            ApiError::BodyTimeout => 408,
            ApiError::UnsupportedMediaType => 415,
            ApiError::Internal => 500,
            ApiError::Unavailable | ApiError::Busy => 503,
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict(Conflict::DuplicateCase | Conflict::DuplicateVerifier) => {
                ApiError::DuplicateCase
            }
            StoreError::Conflict(Conflict::PowReplayed) => ApiError::PowReplayed,
            StoreError::Conflict(Conflict::DuplicateItem) => ApiError::DuplicateItem,
            StoreError::Conflict(Conflict::NoSuchCase) => ApiError::Unauthorized,
            StoreError::Conflict(Conflict::RefTaken) => ApiError::Internal,
            StoreError::Conflict(Conflict::NameTaken) => ApiError::NameTaken,
            StoreError::Conflict(Conflict::InviteUsed) => ApiError::InviteInvalid,
            StoreError::Conflict(Conflict::TotpReplayed) => ApiError::LoginFailed,
            StoreError::Conflict(Conflict::NoSuchUser) => ApiError::NotFound,
            StoreError::Conflict(Conflict::KeyInUse) => ApiError::KeyInUse,
            StoreError::Conflict(Conflict::CaseFull) => ApiError::CaseFull,
            StoreError::Conflict(Conflict::CaseTooLarge) => ApiError::CaseTooLarge,
            StoreError::Conflict(Conflict::FreeMessagesUsed) => {
                let now = crate::protocol::time::now();
                ApiError::PowRequired(
                    crate::protocol::time::hour_floor(now) + crate::protocol::time::HOUR - now,
                )
            }
            StoreError::Locked { .. } | StoreError::Storage(_) => {
                tracing::error!(error = %e, "storage failure");
                ApiError::Unavailable
            }
            StoreError::Corrupt(_) => {
                tracing::error!(error = %e, "corrupt record");
                ApiError::Internal
            }
        }
    }
}
