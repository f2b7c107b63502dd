//! The one place where errors become HTTP responses. Domain modules refuse with their own
//! errors (`reporting::ReportError`, `staff::StaffError`, `cases::CaseError`,
//! `log::service::LogServiceError`, `store::StoreError`); this module maps each to an
//! [`ApiError`], which has one status and one stable `code`, per audience: a missing case is
//! the reporter's `401 unauthorized` (no different from a wrong access code) and staff's
//! `404 not_found`. Responses are `{"error":{"code","message"}}`, built from the variant alone,
//! so two failures of the same kind are byte-for-byte the same.
//!
//! Messages are for people and never carry secrets, ciphertext or client data beyond the name
//! of the field that was wrong.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

use crate::server::cases::CaseError;
use crate::server::directory::DirectoryChangeError;
use crate::server::log::service::LogServiceError;
use crate::server::recipients::{NoReaderError, WrapsError};
use crate::server::reporting::ReportError;
use crate::server::signin::password::PermitError;
use crate::server::staff::StaffError;
use crate::server::store::StoreError;

/// An HTTP answer's error: one status and one stable `code` each (docs/PROTOCOL.md §8).
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
    /// No published directory, or none of its readers reads the report's unit (G9).
    #[error("{0}")]
    NoReader(String),
    /// The report was wrapped for an older directory version.
    #[error("{0}")]
    DirectoryChanged(String),
    #[error("{0}")]
    NoProposal(String),
    #[error("no recipient directory has been signed yet")]
    NoDirectory,
    #[error("{0}")]
    ProposalStale(String),
    /// An officer's signature did not verify against the trust root.
    #[error("{0}")]
    SignatureRefused(String),
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
            ApiError::NoReader(_) => "no_reader",
            ApiError::DirectoryChanged(_) => "directory_changed",
            ApiError::NoProposal(_) => "no_proposal",
            ApiError::NoDirectory => "no_directory",
            ApiError::ProposalStale(_) => "proposal_stale",
            ApiError::SignatureRefused(_) => "signature_refused",
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
            ApiError::CsrfFailed | ApiError::Forbidden | ApiError::SignatureRefused(_) => 403,
            ApiError::NotFound
            | ApiError::NoCheckpoint
            | ApiError::InviteInvalid
            | ApiError::NoProposal(_)
            | ApiError::NoDirectory => 404,
            ApiError::MethodNotAllowed => 405,
            ApiError::PowReplayed
            | ApiError::WrapsMismatch(_)
            | ApiError::DuplicateCase
            | ApiError::DuplicateItem
            | ApiError::CaseFull
            | ApiError::CaseTooLarge
            | ApiError::NameTaken
            | ApiError::KeyInUse
            | ApiError::InvalidState(_)
            | ApiError::NoReader(_)
            | ApiError::DirectoryChanged(_)
            | ApiError::ProposalStale(_) => 409,
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
            StoreError::LogRange(message) => ApiError::InvalidRange(message),
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

impl From<CaseError> for ApiError {
    fn from(e: CaseError) -> Self {
        match e {
            CaseError::InvalidItem(message) => ApiError::InvalidRequest(message),
            CaseError::BadCursor => ApiError::InvalidRequest(e.to_string()),
            CaseError::DuplicateItem => ApiError::DuplicateItem,
            CaseError::Full => ApiError::CaseFull,
            CaseError::TooLarge => ApiError::CaseTooLarge,
            CaseError::Store(e) => e.into(),
        }
    }
}

impl From<WrapsError> for ApiError {
    fn from(e: WrapsError) -> Self {
        ApiError::WrapsMismatch(e.to_string())
    }
}

impl From<NoReaderError> for ApiError {
    fn from(e: NoReaderError) -> Self {
        match e {
            NoReaderError::DirectoryChanged { .. } => ApiError::DirectoryChanged(e.to_string()),
            NoReaderError::NoDirectory | NoReaderError::NoReader(_) => {
                ApiError::NoReader(e.to_string())
            }
        }
    }
}

impl From<DirectoryChangeError> for ApiError {
    fn from(e: DirectoryChangeError) -> Self {
        match e {
            DirectoryChangeError::UpToDate | DirectoryChangeError::NoProposal => {
                ApiError::NoProposal(e.to_string())
            }
            DirectoryChangeError::Stale => ApiError::ProposalStale(e.to_string()),
            DirectoryChangeError::Refused(e) => ApiError::SignatureRefused(e.to_string()),
            DirectoryChangeError::Store(e) => e.into(),
        }
    }
}

impl From<PermitError> for ApiError {
    fn from(e: PermitError) -> Self {
        match e {
            PermitError::Busy => ApiError::Busy,
            PermitError::Lost => ApiError::Internal,
        }
    }
}

/// What a reporter sees: every way of not finding the case is `401`.
impl From<ReportError> for ApiError {
    fn from(e: ReportError) -> Self {
        match e {
            ReportError::InvalidRequest(message) => ApiError::InvalidRequest(message),
            ReportError::UnknownTheme => ApiError::UnknownTheme,
            ReportError::UnknownUnit => ApiError::UnknownUnit,
            ReportError::UnknownRelation => ApiError::UnknownRelation,
            ReportError::Pow(e) => ApiError::PowInvalid(e.to_string()),
            ReportError::PowReplayed => ApiError::PowReplayed,
            e @ ReportError::Wraps(_) => ApiError::WrapsMismatch(e.to_string()),
            ReportError::DuplicateCase => ApiError::DuplicateCase,
            ReportError::UnknownAccessCode => ApiError::Unauthorized,
            ReportError::FreeMessagesUsed { retry_after } => ApiError::PowRequired(retry_after),
            ReportError::NoReader(e) => e.into(),
            ReportError::Case(e) => e.into(),
            ReportError::Log(e) => e.into(),
            ReportError::Store(e) => e.into(),
        }
    }
}

/// What a staff client sees: an unknown case or user is `404`.
impl From<StaffError> for ApiError {
    fn from(e: StaffError) -> Self {
        match e {
            StaffError::InvalidRequest(message) => ApiError::InvalidRequest(message),
            StaffError::InvalidRange(message) => ApiError::InvalidRange(message),
            StaffError::UnknownUnit => ApiError::UnknownUnit,
            StaffError::Forbidden => ApiError::Forbidden,
            StaffError::NoSuchCase | StaffError::NoSuchUser => ApiError::NotFound,
            StaffError::InvalidState(message) => ApiError::InvalidState(message),
            StaffError::Wraps(e) => e.into(),
            StaffError::NameTaken => ApiError::NameTaken,
            StaffError::KeyInUse => ApiError::KeyInUse,
            StaffError::InviteInvalid => ApiError::InviteInvalid,
            StaffError::TotpInvalid => ApiError::TotpInvalid,
            StaffError::LoginFailed => ApiError::LoginFailed,
            StaffError::TooManyAttempts(secs) => ApiError::TooManyAttempts(secs),
            StaffError::Permit(e) => e.into(),
            StaffError::Case(e) => e.into(),
            StaffError::Store(e) => e.into(),
        }
    }
}

impl From<LogServiceError> for ApiError {
    fn from(e: LogServiceError) -> Self {
        match e {
            LogServiceError::Store(e) => e.into(),
            other => {
                tracing::error!(error = %other, "transparency log failure");
                ApiError::Internal
            }
        }
    }
}

/// The body of every error response.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Stable, machine-readable; see docs/PROTOCOL.md §8.
    pub code: String,
    /// For people; never carries secrets.
    pub message: String,
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status_code()).json(ErrorBody {
            error: ErrorDetail {
                code: self.code().to_owned(),
                message: self.to_string(),
            },
        });
        if matches!(self, ApiError::Unauthorized) {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"meldpunt\""),
            );
        }
        if matches!(self, ApiError::BodyTimeout) {
            // The rest of a trickled body must not keep the connection: close it.
            response
                .head_mut()
                .set_connection_type(actix_web::http::ConnectionType::Close);
        }
        let retry_after = match self {
            ApiError::TooManyAttempts(secs) | ApiError::PowRequired(secs) => Some(*secs),
            ApiError::Busy => Some(1),
            _ => None,
        };
        if let Some(value) = retry_after.and_then(|s| HeaderValue::from_str(&s.to_string()).ok()) {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        response
    }
}
