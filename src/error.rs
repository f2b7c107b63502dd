//! The errors a request can end in. Each variant has one HTTP status and one stable `code`;
//! `http::error` turns them into `{"error":{"code","message"}}` in one place.
//!
//! Messages are for people and never carry secrets, ciphertext or client data beyond the name
//! of the field that was wrong.

use crate::store::{Conflict, StoreError};

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
    #[error("this case has reached its limit of {0} messages")]
    CaseFull(u32),
    #[error("the access code was not recognised")]
    Unauthorized,
    #[error("the request body is larger than {0} bytes")]
    PayloadTooLarge(usize),
    #[error("the body must be sent as application/json")]
    UnsupportedMediaType,
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
            ApiError::CaseFull(_) => "case_full",
            ApiError::Unauthorized => "unauthorized",
            ApiError::PayloadTooLarge(_) => "payload_too_large",
            ApiError::UnsupportedMediaType => "unsupported_media_type",
            ApiError::NotFound => "not_found",
            ApiError::InvalidRange(_) => "invalid_range",
            ApiError::NoCheckpoint => "no_checkpoint",
            ApiError::MethodNotAllowed => "method_not_allowed",
            ApiError::Unavailable => "unavailable",
            ApiError::Internal => "internal",
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
            | ApiError::InvalidRange(_) => 400,
            ApiError::Unauthorized => 401,
            ApiError::NotFound | ApiError::NoCheckpoint => 404,
            ApiError::MethodNotAllowed => 405,
            ApiError::PowReplayed
            | ApiError::WrapsMismatch(_)
            | ApiError::DuplicateCase
            | ApiError::DuplicateItem
            | ApiError::CaseFull(_) => 409,
            ApiError::PayloadTooLarge(_) => 413,
            ApiError::UnsupportedMediaType => 415,
            ApiError::Internal => 500,
            ApiError::Unavailable => 503,
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
