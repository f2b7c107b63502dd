//! The staff side (DESIGN §2, §3.7, §6, §9): accounts with password and TOTP, the audit
//! chain, and case work. Sessions, throttling and password checks are `server::signin`.
//!
//! Contract: the server holds no password and no private key (only Argon2id of the client's
//! `auth_hash`, the public key and the password-wrapped private key); access to content is
//! granted only by wraps that staff clients make (`server::recipients` says which); every
//! staff action is an audit record written in the same sequencer change as what it records.
//! HTTP lives in `http::staff`; the rules live here, and their refusals are [`StaffError`]s
//! (`http::error` says what a staff client sees: an unknown case is `404` here).

pub mod accounts;
pub mod audit;
pub mod cases;
pub mod casework;
pub mod login;
pub mod overview;
pub mod reset;

use crate::server::cases::CaseError;
use crate::server::recipients::WrapsError;
use crate::server::signin::password::PermitError;
use crate::server::store::StoreError;

/// Why a staff request was refused; nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum StaffError {
    #[error("{0}")]
    InvalidRequest(String),
    /// A page or limit outside what the route serves.
    #[error("{0}")]
    InvalidRange(String),
    #[error("unknown unit")]
    UnknownUnit,
    #[error("your roles or assignments do not allow this")]
    Forbidden,
    #[error("no such case")]
    NoSuchCase,
    #[error("no such user")]
    NoSuchUser,
    /// The change does not fit the case's current state (a status transition, a second triage).
    #[error("{0}")]
    InvalidState(String),
    #[error(transparent)]
    Wraps(#[from] WrapsError),
    #[error("a user with this name exists")]
    NameTaken,
    #[error("this public key already belongs to someone; make a new key pair")]
    KeyInUse,
    #[error("the enrolment link is unknown, used or expired")]
    InviteInvalid,
    #[error("the TOTP code is not valid")]
    TotpInvalid,
    /// Sign-in failed; one answer for every reason (unknown name, wrong password, wrong or
    /// replayed TOTP code, disabled account).
    #[error("sign-in failed")]
    LoginFailed,
    /// Too many failed sign-ins for this name or device; retry after the given seconds.
    #[error("too many failed sign-ins; try again in {0} seconds")]
    TooManyAttempts(u64),
    #[error(transparent)]
    Permit(#[from] PermitError),
    #[error(transparent)]
    Case(#[from] CaseError),
    #[error(transparent)]
    Store(#[from] StoreError),
}
