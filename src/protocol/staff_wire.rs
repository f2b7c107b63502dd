//! The staff API's JSON shapes (docs/PROTOCOL.md §13), shared by the server and the Rust staff
//! client. Requests deny unknown fields; binary values are b64u.

use serde::{Deserialize, Serialize};

use crate::protocol::crypto::item::Item;
use crate::protocol::crypto::serde_b64;
use crate::protocol::crypto::wrap::Wrap;
pub use crate::protocol::log::checkpoint::AuditHead;
use crate::protocol::roles::{Outcome, Role};
pub use crate::protocol::staff_keys::WrappedKey;
use crate::protocol::statements::Status;
use crate::protocol::wire::Deadlines;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct KdfParams {
    #[serde(with = "serde_b64::fixed")]
    #[schema(value_type = String)]
    pub salt: [u8; 16],
    pub iterations: u32,
}

#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TotpSetup {
    /// RFC 4648 base32 of the 20-byte secret.
    pub secret: String,
    pub uri: String,
}

/// `GET /api/v1/staff/enrol/{token}`.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct EnrolInfo {
    pub name: String,
    pub roles: Vec<Role>,
    pub unit: Option<String>,
    pub user_id: String,
    pub kdf: KdfParams,
    pub totp: TotpSetup,
}

/// `POST /api/v1/staff/enrol/{token}`.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EnrolRequest {
    #[serde(with = "serde_b64::fixed")]
    #[schema(value_type = String)]
    pub auth_hash: [u8; 32],
    #[serde(with = "serde_b64::fixed")]
    #[schema(value_type = String)]
    pub public_key: [u8; 32],
    pub wrapped_private_key: WrappedKey,
    pub totp_code: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct EnrolResponse {
    pub user_id: String,
    pub name: String,
    pub kid: String,
    /// This device's token for later sign-ins (`staff::device`); keep it.
    pub device_token: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PreloginRequest {
    pub name: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PreloginResponse {
    pub kdf: KdfParams,
}

#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub name: String,
    #[serde(with = "serde_b64::fixed")]
    #[schema(value_type = String)]
    pub auth_hash: [u8; 32],
    pub totp_code: String,
    /// The token a former enrolment or sign-in gave this device, if it has one: attempts that
    /// show it are throttled apart from strangers' guesses at the same name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_token: Option<String>,
}

/// A signed-in user as the user sees themselves.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct UserView {
    pub id: String,
    pub name: String,
    pub roles: Vec<Role>,
    pub unit: Option<String>,
    pub kid: String,
    #[serde(with = "serde_b64::fixed")]
    #[schema(value_type = String)]
    pub public_key: [u8; 32],
}

/// `POST /api/v1/staff/login`; the session token travels only in the cookie.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LoginResponse {
    pub user: UserView,
    pub wrapped_private_key: WrappedKey,
    pub csrf_token: String,
    /// The device token to show at the next sign-in (the one sent, if it was valid).
    pub device_token: String,
}

/// `POST /api/v1/staff/users` (admin).
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InviteRequest {
    pub name: String,
    pub roles: Vec<Role>,
    #[serde(default)]
    pub unit: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct InviteResponse {
    pub user_id: String,
    pub name: String,
    /// `<staff_url>/staff/enrol#<token>` (the staff origin, `public_url` unless set); shown once.
    pub link: String,
    /// Unix seconds.
    pub expires: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum UserStatus {
    Invited,
    Active,
    Disabled,
}

/// One row of `GET /api/v1/staff/users` (admin).
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct UserListEntry {
    pub id: String,
    pub name: String,
    pub roles: Vec<Role>,
    pub unit: Option<String>,
    pub kid: Option<String>,
    pub status: UserStatus,
    /// The second factor was reset and the user has not yet set up the new one.
    #[serde(default)]
    pub second_factor_reset: bool,
}

/// `POST /api/v1/staff/users/{id}/reset-totp`: the link the user sets up a new second factor
/// with (the old one stops working at once).
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ResetLink {
    pub link: String,
    /// Unix seconds.
    pub expires: u64,
}

/// `GET /api/v1/staff/reset/{token}`.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ResetInfo {
    pub name: String,
    pub user_id: String,
    pub kdf: KdfParams,
    pub totp: TotpSetup,
}

/// `POST /api/v1/staff/reset/{token}`: the password's auth hash and a code of the new secret.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetRequest {
    #[serde(with = "serde_b64::fixed")]
    #[schema(value_type = String)]
    pub auth_hash: [u8; 32],
    pub totp_code: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct UserList {
    pub users: Vec<UserListEntry>,
}

/// One record of the audit chain as served (DESIGN §6).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AuditRecord {
    pub seq: u64,
    /// Unix seconds, truncated to the hour.
    pub hour: u64,
    /// A user id (b64u), `system` or `cli`.
    pub actor: String,
    pub action: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case_ref: Option<String>,
    pub detail: String,
    /// b64u(SHA-256(previous record's stored bytes)).
    pub prev: String,
}

/// A case's triage outcome as staff see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Triage {
    pub outcome: Outcome,
    /// Unix seconds, truncated to the hour.
    pub hour: u64,
    /// b64u id of the note item (internal key) that holds the reason.
    pub note: String,
}

/// `GET /api/v1/staff/audit` (auditor).
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AuditPage {
    pub records: Vec<AuditRecord>,
    pub head: Option<AuditHead>,
}

/// One row of `GET /api/v1/staff/cases`.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CaseRow {
    #[serde(rename = "ref")]
    pub case_ref: String,
    pub theme: String,
    pub unit: String,
    pub relation: Option<String>,
    pub status: Status,
    pub received_hour: u64,
    pub deadlines: Deadlines,
    pub overdue: bool,
    /// A deadline falls within the next days (docs/PROTOCOL.md §13), and is not yet passed.
    #[serde(default)]
    pub due_soon: bool,
    /// Names of the assigned investigators.
    pub assigned: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub triage: Option<Triage>,
    /// The caller never opened this case.
    #[serde(default)]
    pub new: bool,
    /// Messages from the reporter since the caller last opened the case or wrote to it.
    #[serde(default)]
    pub unread: u32,
}

#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CaseList {
    pub cases: Vec<CaseRow>,
    pub page: usize,
    pub per_page: usize,
    pub total: usize,
}

/// A staff key that holds a wrap of the case (so triage can wrap the internal key to it).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Holder {
    pub kid: String,
    #[serde(with = "serde_b64::fixed")]
    #[schema(value_type = String)]
    pub public_key: [u8; 32],
}

/// `GET /api/v1/staff/cases/{ref}`.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CaseDetail {
    #[serde(flatten)]
    pub row: CaseRow,
    #[serde(with = "serde_b64::fixed")]
    #[schema(value_type = String)]
    pub case_id: [u8; 16],
    /// The caller's own wraps only.
    pub wraps: Vec<Wrap>,
    /// The report item; later items (messages, attachments, and notes if the caller holds an
    /// internal wrap) come in pages from `GET …/cases/{ref}/items`.
    pub report: Item,
    pub statements: Vec<String>,
    /// Every staff key holding a thread wrap (the internal key must reach exactly these).
    pub holders: Vec<Holder>,
    /// The holders the submission was wrapped to (version-2 receipts commit to them).
    #[serde(default)]
    pub submitted_to: Vec<String>,
    /// Who wrote the staff items (messages and notes) the caller may read; never shown to
    /// the reporter.
    #[serde(default)]
    pub authors: Vec<ItemAuthorView>,
    /// The statuses the case may go to next (empty when closed, or the caller may not change it).
    #[serde(default)]
    pub next_statuses: Vec<Status>,
}

/// The colleague who wrote a staff item.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ItemAuthorView {
    /// b64u item id.
    pub item: String,
    pub user_id: String,
    pub name: String,
    pub roles: Vec<Role>,
    /// Unix seconds, whole hours.
    pub hour: u64,
}

/// An investigator the case may be assigned to (`GET …/cases/{ref}/assignable`).
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Assignee {
    pub user_id: String,
    pub name: String,
    pub unit: Option<String>,
    pub kid: String,
    #[serde(with = "serde_b64::fixed")]
    #[schema(value_type = String)]
    pub public_key: [u8; 32],
}

#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignRequest {
    pub user_id: String,
    pub wraps: Vec<Wrap>,
}

#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TriageRequest {
    pub outcome: Outcome,
    pub wraps: Vec<Wrap>,
    pub note: Item,
}

#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusRequest {
    pub status: Status,
    #[serde(default)]
    pub outcome: Option<Outcome>,
}

/// One unit and how many keys read its new reports (`GET /api/v1/staff/units`).
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct UnitCoverage {
    pub unit: String,
    /// 0: a report about this unit cannot be made now.
    pub readers: usize,
}

/// `GET /api/v1/staff/units` (admin).
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct UnitsView {
    pub units: Vec<UnitCoverage>,
    /// The published directory's version, if one was published.
    pub directory_seq: Option<u64>,
    /// The published directory lists exactly the current staff keys.
    pub directory_current: bool,
    /// A new version waits for the officers' signatures.
    pub proposal_waiting: bool,
}

/// `GET /api/v1/staff/counts` (auditor, admin): metadata only.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CaseCounts {
    pub total: usize,
    pub by_status: std::collections::BTreeMap<String, usize>,
    pub by_theme: std::collections::BTreeMap<String, usize>,
}
