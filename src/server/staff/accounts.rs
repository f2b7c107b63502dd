//! Staff accounts: invites, enrolment, pre-login, sign-in (in `login`), and enabling/disabling
//! users.
//!
//! Contract:
//! - An invite fixes the user's id, name, roles, unit, KDF salt and iterations and TOTP secret;
//!   its token (32 random bytes) is stored only as SHA-256, works once, for 72 hours.
//! - Enrolment stores Argon2id(auth_hash), the public key and the wrapped private key, after a
//!   correct TOTP code (whose step then counts as used).
//! - Sign-in fails with one answer (`login_failed`) for every reason. The TOTP code is checked
//!   first, the same way whether or not the name exists; only a right, unused code leads to the
//!   Argon2id check of the password (under a permit, `password::Argon2Permits`), and that code
//!   is then spent whatever the password, so one code buys one password guess. Attempts are
//!   throttled (`throttle`) per name, or per device for a client that shows the device token
//!   of an earlier sign-in (`device`), so strangers who guess at a name never slow its owner.
//! - Pre-login of an unknown name gives a stable fake salt and an iteration count drawn from
//!   the real users' counts, so neither tells names apart.
//! - Every change is one sequencer change with its audit record, checked against the batch
//!   (a name taken, an invite used, a key in use, a TOTP step spent are all decided inside
//!   it); answers come once it is durable.

use zeroize::Zeroizing;

use super::StaffError;
use crate::protocol::crypto::{hpke_suite, random_bytes, sha256};
use crate::protocol::domain;
use crate::protocol::roles::Role;
use crate::protocol::staff_wire::{
    EnrolInfo, EnrolRequest, EnrolResponse, InviteRequest, InviteResponse, KdfParams,
    UserListEntry, UserStatus, UserView,
};
use crate::protocol::time::{self, HOUR};
use crate::protocol::totp;
use crate::server::app::App;
use crate::server::config::Settings;
use crate::server::sequencer::Tx;
use crate::server::signin::{device, password};
use crate::server::store::Store;
use crate::server::store::staff::{AuditEntry, Enrolment, InviteRecord, UserRecord};

/// How long an enrolment link works.
pub const INVITE_VALID_SECS: u64 = 72 * HOUR;
/// Longest user name.
pub const MAX_NAME_LEN: usize = 64;
/// The TOTP issuer shown in authenticator apps.
pub const TOTP_ISSUER: &str = "meldpunt";

pub fn user_id_text(id: &[u8; 16]) -> String {
    crate::protocol::b64::encode(id)
}

pub fn parse_user_id(text: &str) -> Result<[u8; 16], StaffError> {
    crate::protocol::b64::decode_array::<16>(text).ok_or(StaffError::NoSuchUser)
}

fn check_name(name: &str) -> Result<(), StaffError> {
    let ok = !name.trim().is_empty()
        && name.trim() == name
        && name.chars().count() <= MAX_NAME_LEN
        && !name.chars().any(char::is_control);
    if ok {
        Ok(())
    } else {
        Err(StaffError::InvalidRequest(format!(
            "name: 1 to {MAX_NAME_LEN} characters, no control characters or outer spaces"
        )))
    }
}

/// Checks an invite's roles and unit: at least one role, no duplicates; a unit (from the
/// settings, or `national`) exactly when the roles include intake or investigator.
pub fn check_roles(
    settings: &Settings,
    roles: &[Role],
    unit: Option<&str>,
) -> Result<(), StaffError> {
    let mut sorted = roles.to_vec();
    sorted.sort();
    sorted.dedup();
    if roles.is_empty() || sorted.len() != roles.len() {
        return Err(StaffError::InvalidRequest(
            "roles: at least one, each once".into(),
        ));
    }
    let needs_unit = roles.iter().any(|r| r.needs_unit());
    match unit {
        None if needs_unit => Err(StaffError::InvalidRequest(
            "unit: intake and investigators belong to a unit (or national)".into(),
        )),
        Some(_) if !needs_unit => Err(StaffError::InvalidRequest(
            "unit: only intake and investigators belong to a unit".into(),
        )),
        Some(u) if !domain::contains(&settings.units, u) => Err(StaffError::UnknownUnit),
        _ => Ok(()),
    }
}

/// Creates a user and its one-time enrolment link; `actor` is who asked (a user id or `cli`).
pub async fn invite(
    app: &App,
    req: InviteRequest,
    actor: String,
) -> Result<InviteResponse, StaffError> {
    check_name(&req.name)?;
    check_roles(&app.settings, &req.roles, req.unit.as_deref())?;
    let settings = app.settings.clone();
    app.sequencer
        .run(move |tx| invite_change(tx, &settings, &req, &actor))
        .await
}

/// The invite's change: the name must still be free. (`invite` checks the request first.)
pub fn invite_change(
    tx: &mut Tx<'_>,
    settings: &Settings,
    req: &InviteRequest,
    actor: &str,
) -> Result<InviteResponse, StaffError> {
    if tx.user_by_name(&req.name)?.is_some() {
        return Err(StaffError::NameTaken);
    }
    let now = time::now();
    let user = UserRecord {
        user_id: random_bytes::<16>(),
        name: req.name.clone(),
        roles: req.roles.clone(),
        unit: req.unit.clone(),
        kdf_salt: random_bytes::<16>(),
        kdf_iterations: settings.staff_kdf_iterations,
        totp_secret: random_bytes::<20>(),
        invited_hour: time::hour_floor(now),
        disabled: false,
        last_totp_step: 0,
        enrolled: None,
        totp_reset_pending: false,
    };
    let token = Zeroizing::new(random_bytes::<32>());
    let expires = now + INVITE_VALID_SECS;
    let roles: Vec<&str> = req.roles.iter().map(|r| r.name()).collect();
    tx.audit(AuditEntry::new(
        actor,
        "user.invited",
        format!(
            "user {} roles {} unit {}",
            user_id_text(&user.user_id),
            roles.join(","),
            req.unit.as_deref().unwrap_or("-")
        ),
    ))?;
    tx.put_user_name(&user.name, user.user_id);
    tx.put_user(user.clone());
    tx.put_invite(
        sha256(token.as_ref()),
        InviteRecord {
            user_id: user.user_id,
            expires,
            reset: false,
            failures: 0,
        },
    );
    Ok(InviteResponse {
        user_id: user_id_text(&user.user_id),
        name: user.name,
        link: format!(
            "{}/staff/enrol#{}",
            settings.staff_origin(),
            crate::protocol::b64::encode(token.as_ref())
        ),
        expires,
    })
}

/// The invite's user, if the token is open, unexpired and its user not yet enrolled.
fn open_invite(store: &dyn Store, token: &str) -> Result<([u8; 32], UserRecord), StaffError> {
    let token = crate::protocol::b64::decode_array::<32>(token)
        .map(Zeroizing::new)
        .ok_or(StaffError::InviteInvalid)?;
    let hash = sha256(token.as_ref());
    let invite = store.invite(&hash)?.ok_or(StaffError::InviteInvalid)?;
    if invite.expires < time::now() || invite.reset {
        return Err(StaffError::InviteInvalid);
    }
    match store.user(&invite.user_id)? {
        Some(user) if user.enrolled.is_none() => Ok((hash, user)),
        _ => Err(StaffError::InviteInvalid),
    }
}

pub fn enrol_info(store: &dyn Store, token: &str) -> Result<EnrolInfo, StaffError> {
    let (_, user) = open_invite(store, token)?;
    let secret = totp::base32(&user.totp_secret);
    Ok(EnrolInfo {
        totp: crate::protocol::staff_wire::TotpSetup {
            uri: totp::otpauth_uri(TOTP_ISSUER, &user.name, &secret),
            secret,
        },
        name: user.name,
        roles: user.roles,
        unit: user.unit,
        user_id: user_id_text(&user.user_id),
        kdf: KdfParams {
            salt: user.kdf_salt,
            iterations: user.kdf_iterations,
        },
    })
}

pub async fn enrol(app: &App, token: &str, req: EnrolRequest) -> Result<EnrolResponse, StaffError> {
    let (hash, user) = open_invite(app.store(), token)?;
    if user.disabled {
        return Err(StaffError::InviteInvalid);
    }
    let step = totp::check(&user.totp_secret, &req.totp_code, time::now())
        .ok_or(StaffError::TotpInvalid)?;
    // A key every reporter's browser and every staff client can seal to: not zero, not of low
    // order (those are refused by HPKE, and one such recipient would block a unit's reports).
    if hpke_suite::seal(&req.public_key, b"meldpunt key check", b"", b"").is_err() {
        return Err(StaffError::InvalidRequest(
            "public_key: not a usable X25519 key".into(),
        ));
    }
    let kid = hpke_suite::x25519_kid(&req.public_key);
    // Argon2id is deliberately slow: keep it off the threads that serve reporters.
    let auth_hash = Zeroizing::new(req.auth_hash);
    let auth_phc = app
        .staff
        .argon2
        .run(move || password::hash(&auth_hash))
        .await?;
    let enrolment = Enrolment {
        auth_phc,
        public_key: req.public_key,
        kid: kid.clone(),
        wrapped_private_key: req.wrapped_private_key,
        hour: time::hour_floor(time::now()),
    };
    let user_id = user.user_id;
    app.sequencer
        .run(move |tx| enrol_change(tx, hash, &user_id, enrolment, step))
        .await?;
    Ok(EnrolResponse {
        user_id: user_id_text(&user_id),
        name: user.name,
        kid,
        device_token: device::issue(&app.staff.prelogin_secret, &user_id),
    })
}

/// The enrolment's change: the invite is still open, its user neither enrolled nor disabled,
/// and the key no one else's.
fn enrol_change(
    tx: &mut Tx<'_>,
    invite: [u8; 32],
    user_id: &[u8; 16],
    enrolment: Enrolment,
    step: u64,
) -> Result<(), StaffError> {
    if tx.invite(&invite)?.is_none() {
        return Err(StaffError::InviteInvalid);
    }
    let mut user = tx.user(user_id)?.ok_or(StaffError::InviteInvalid)?;
    if user.enrolled.is_some() || user.disabled {
        return Err(StaffError::InviteInvalid);
    }
    let kid = &enrolment.kid;
    let taken = tx.users()?.iter().any(|u| u.kid() == Some(kid.as_str()))
        || tx.recipients()?.iter().any(|r| r.kid == *kid);
    if taken {
        return Err(StaffError::KeyInUse);
    }
    let id = user_id_text(user_id);
    tx.audit(AuditEntry::new(id, "user.enrolled", format!("kid {kid}")))?;
    user.enrolled = Some(enrolment);
    user.last_totp_step = user.last_totp_step.max(step);
    tx.remove_invite(invite);
    tx.put_user(user);
    Ok(())
}

pub fn user_view(user: &UserRecord) -> Option<UserView> {
    let e = user.enrolled.as_ref()?;
    Some(UserView {
        id: user_id_text(&user.user_id),
        name: user.name.clone(),
        roles: user.roles.clone(),
        unit: user.unit.clone(),
        kid: e.kid.clone(),
        public_key: e.public_key,
    })
}

pub fn list(store: &dyn Store) -> Result<Vec<UserListEntry>, StaffError> {
    let mut users = store.users()?;
    users.sort_by_key(|u| u.name.to_lowercase());
    Ok(users
        .into_iter()
        .map(|u| UserListEntry {
            id: user_id_text(&u.user_id),
            kid: u.kid().map(str::to_owned),
            second_factor_reset: u.totp_reset_pending,
            status: match (u.disabled, u.enrolled.is_some()) {
                (true, _) => UserStatus::Disabled,
                (false, true) => UserStatus::Active,
                (false, false) => UserStatus::Invited,
            },
            name: u.name,
            roles: u.roles,
            unit: u.unit,
        })
        .collect())
}

/// Disables or enables a user; a disabled user's sessions end at once (their wraps stay).
pub async fn set_disabled(
    app: &App,
    user_id: &[u8; 16],
    disabled: bool,
    actor: String,
) -> Result<(), StaffError> {
    let id = *user_id;
    app.sequencer
        .run(move |tx| {
            let mut user = tx.user(&id)?.ok_or(StaffError::NoSuchUser)?;
            let action = if disabled {
                "user.disabled"
            } else {
                "user.enabled"
            };
            tx.audit(AuditEntry::new(
                actor,
                action,
                format!("user {}", user_id_text(&id)),
            ))?;
            user.disabled = disabled;
            tx.put_user(user);
            Ok::<(), StaffError>(())
        })
        .await?;
    if disabled {
        app.staff.sessions.end_all(user_id)?;
    }
    Ok(())
}

/// On a store without users, an invite for a first admin (printed by `serve`).
pub async fn first_admin_invite(app: &App) -> Result<Option<InviteResponse>, StaffError> {
    let settings = app.settings.clone();
    let req = InviteRequest {
        name: settings.first_admin_name.clone(),
        roles: vec![Role::Admin],
        unit: None,
    };
    check_name(&req.name)?;
    app.sequencer
        .run(move |tx| {
            if !tx.users()?.is_empty() {
                return Ok(None);
            }
            invite_change(tx, &settings, &req, "system").map(Some)
        })
        .await
}
