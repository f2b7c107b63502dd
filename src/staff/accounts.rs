//! Staff accounts: invites, enrolment, pre-login, sign-in, and enabling/disabling users.
//!
//! Contract:
//! - An invite fixes the user's id, name, roles, unit, KDF salt and iterations and TOTP secret;
//!   its token (32 random bytes) is stored only as SHA-256, works once, for 72 hours.
//! - Enrolment stores Argon2id(auth_hash), the public key and the wrapped private key, after a
//!   correct TOTP code (whose step then counts as used).
//! - Sign-in fails with one answer (`login_failed`) for every reason, runs one Argon2id
//!   computation and one TOTP check whether or not the name exists, and is throttled per name
//!   (`throttle`). Pre-login of an unknown name gives a stable fake salt.
//! - Every change is validated first and audited in its own transaction; answers come after
//!   `sync`.

use zeroize::Zeroizing;

use super::api::{
    EnrolInfo, EnrolRequest, EnrolResponse, InviteRequest, InviteResponse, KdfParams, LoginRequest,
    LoginResponse, UserListEntry, UserStatus, UserView,
};
use super::roles::Role;
use super::session::NewSession;
use super::{password, totp};
use crate::app::App;
use crate::config::Settings;
use crate::crypto::{hpke_suite, random_bytes, sha256};
use crate::domain;
use crate::error::ApiError;
use crate::store::staff::{AuditEntry, Enrolment, InviteRecord, StaffStore, UserRecord};
use crate::store::{SledStore, Store};
use crate::time::{self, HOUR};

/// How long an enrolment link works.
pub const INVITE_VALID_SECS: u64 = 72 * HOUR;
/// Longest user name.
pub const MAX_NAME_LEN: usize = 64;
/// The TOTP issuer shown in authenticator apps.
pub const TOTP_ISSUER: &str = "meldpunt";

pub fn user_id_text(id: &[u8; 16]) -> String {
    crate::b64::encode(id)
}

pub fn parse_user_id(text: &str) -> Result<[u8; 16], ApiError> {
    crate::b64::decode_array::<16>(text).ok_or(ApiError::NotFound)
}

fn check_name(name: &str) -> Result<(), ApiError> {
    let ok = !name.trim().is_empty()
        && name.trim() == name
        && name.chars().count() <= MAX_NAME_LEN
        && !name.chars().any(char::is_control);
    if ok {
        Ok(())
    } else {
        Err(ApiError::InvalidRequest(format!(
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
) -> Result<(), ApiError> {
    let mut sorted = roles.to_vec();
    sorted.sort();
    sorted.dedup();
    if roles.is_empty() || sorted.len() != roles.len() {
        return Err(ApiError::InvalidRequest(
            "roles: at least one, each once".into(),
        ));
    }
    let needs_unit = roles.iter().any(|r| r.needs_unit());
    match unit {
        None if needs_unit => Err(ApiError::InvalidRequest(
            "unit: intake and investigators belong to a unit (or national)".into(),
        )),
        Some(_) if !needs_unit => Err(ApiError::InvalidRequest(
            "unit: only intake and investigators belong to a unit".into(),
        )),
        Some(u) if !domain::contains(&settings.units, u) => Err(ApiError::UnknownUnit),
        _ => Ok(()),
    }
}

/// Creates a user and its one-time enrolment link.
pub fn invite(
    store: &SledStore,
    settings: &Settings,
    req: &InviteRequest,
    actor: &str,
) -> Result<InviteResponse, ApiError> {
    check_name(&req.name)?;
    check_roles(settings, &req.roles, req.unit.as_deref())?;
    if store.user_by_name(&req.name)?.is_some() {
        return Err(ApiError::NameTaken);
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
    };
    let token = Zeroizing::new(random_bytes::<32>());
    let expires = now + INVITE_VALID_SECS;
    let roles: Vec<&str> = req.roles.iter().map(|r| r.name()).collect();
    let audit = AuditEntry::new(
        actor,
        "user.invited",
        format!(
            "user {} roles {} unit {}",
            user_id_text(&user.user_id),
            roles.join(","),
            req.unit.as_deref().unwrap_or("-")
        ),
    );
    store.create_invite(
        &user,
        &sha256(token.as_ref()),
        &InviteRecord {
            user_id: user.user_id,
            expires,
        },
        audit,
    )?;
    Ok(InviteResponse {
        user_id: user_id_text(&user.user_id),
        name: user.name,
        link: format!(
            "{}/staff/enrol#{}",
            settings.public_url,
            crate::b64::encode(token.as_ref())
        ),
        expires,
    })
}

/// The invite's user, if the token is open, unexpired and its user not yet enrolled.
fn open_invite(store: &SledStore, token: &str) -> Result<([u8; 32], UserRecord), ApiError> {
    let token = crate::b64::decode_array::<32>(token)
        .map(Zeroizing::new)
        .ok_or(ApiError::InviteInvalid)?;
    let hash = sha256(token.as_ref());
    let invite = store.invite(&hash)?.ok_or(ApiError::InviteInvalid)?;
    if invite.expires < time::now() {
        return Err(ApiError::InviteInvalid);
    }
    match store.user(&invite.user_id)? {
        Some(user) if user.enrolled.is_none() => Ok((hash, user)),
        _ => Err(ApiError::InviteInvalid),
    }
}

pub fn enrol_info(store: &SledStore, token: &str) -> Result<EnrolInfo, ApiError> {
    let (_, user) = open_invite(store, token)?;
    let secret = totp::base32(&user.totp_secret);
    Ok(EnrolInfo {
        totp: super::api::TotpSetup {
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

pub async fn enrol(app: &App, token: &str, req: EnrolRequest) -> Result<EnrolResponse, ApiError> {
    let store = app.store.as_ref();
    let (hash, user) = open_invite(store, token)?;
    if user.disabled {
        return Err(ApiError::InviteInvalid);
    }
    let step =
        totp::check(&user.totp_secret, &req.totp_code, time::now()).ok_or(ApiError::TotpInvalid)?;
    // A key every reporter's browser and every staff client can seal to: not zero, not of low
    // order (those are refused by HPKE, and one such recipient would block a unit's reports).
    if hpke_suite::seal(&req.public_key, b"meldpunt key check", b"", b"").is_err() {
        return Err(ApiError::InvalidRequest(
            "public_key: not a usable X25519 key".into(),
        ));
    }
    let kid = hpke_suite::x25519_kid(&req.public_key);
    // Argon2id is deliberately slow: keep it off the threads that serve reporters.
    let auth_hash = Zeroizing::new(req.auth_hash);
    let auth_phc = actix_web::web::block(move || password::hash(&auth_hash))
        .await
        .map_err(|_| ApiError::Internal)?;
    let enrolment = Enrolment {
        auth_phc,
        public_key: req.public_key,
        kid: kid.clone(),
        wrapped_private_key: req.wrapped_private_key,
        hour: time::hour_floor(time::now()),
    };
    let id = user_id_text(&user.user_id);
    let audit = AuditEntry::new(id.clone(), "user.enrolled", format!("kid {kid}"));
    store.enrol(&hash, &user.user_id, &enrolment, step, audit)?;
    store.sync().await?;
    Ok(EnrolResponse {
        user_id: id,
        name: user.name,
        kid,
    })
}

/// The KDF parameters for `name`: the user's own, or a stable fake for an unknown name.
pub fn prelogin(app: &App, name: &str) -> Result<KdfParams, ApiError> {
    Ok(match app.store.user_by_name(name)? {
        Some(user) => KdfParams {
            salt: user.kdf_salt,
            iterations: user.kdf_iterations,
        },
        None => KdfParams {
            salt: password::fake_salt(&app.staff.prelogin_secret, name),
            iterations: app.settings.staff_kdf_iterations,
        },
    })
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

/// Signs in; on success returns the answer and the new session's tokens.
pub async fn login(app: &App, req: &LoginRequest) -> Result<(LoginResponse, NewSession), ApiError> {
    let throttle = &app.staff.throttle;
    throttle
        .check(&req.name)
        .map_err(ApiError::TooManyAttempts)?;
    let user = app.store.user_by_name(&req.name)?;
    let now = time::now();
    let phc = user
        .as_ref()
        .and_then(|u| u.enrolled.as_ref())
        .map(|e| e.auth_phc.as_str());
    // Argon2id is deliberately slow: keep it off the threads that serve reporters.
    let (phc, auth_hash) = (phc.map(str::to_owned), Zeroizing::new(req.auth_hash));
    let password_ok = actix_web::web::block(move || password::verify(phc.as_deref(), &auth_hash))
        .await
        .map_err(|_| ApiError::Internal)?;
    // The TOTP check runs for unknown names too (against a random secret), for equal timing.
    let secret = user
        .as_ref()
        .map(|u| Zeroizing::new(u.totp_secret))
        .unwrap_or_else(|| Zeroizing::new(random_bytes::<20>()));
    let step = totp::check(&secret, &req.totp_code, now);
    let accepted = match (&user, step) {
        (Some(u), Some(step)) if password_ok && u.active() => Some((u, step)),
        _ => None,
    };
    let Some((user, step)) = accepted else {
        throttle.failure(&req.name);
        return Err(ApiError::LoginFailed);
    };
    let id = user_id_text(&user.user_id);
    let audit = AuditEntry::new(id, "staff.login", "");
    if let Err(e) = app.store.record_login(&user.user_id, step, audit) {
        throttle.failure(&req.name);
        return Err(e.into());
    }
    app.store().sync().await?;
    throttle.success(&req.name);
    let session = app.staff.sessions.create(user.user_id);
    let (Some(view), Some(e)) = (user_view(user), user.enrolled.as_ref()) else {
        return Err(ApiError::Internal);
    };
    Ok((
        LoginResponse {
            user: view,
            wrapped_private_key: e.wrapped_private_key.clone(),
            csrf_token: crate::b64::encode(session.csrf.as_ref()),
        },
        session,
    ))
}

pub fn list(store: &SledStore) -> Result<Vec<UserListEntry>, ApiError> {
    let mut users = store.users()?;
    users.sort_by_key(|u| u.name.to_lowercase());
    Ok(users
        .into_iter()
        .map(|u| UserListEntry {
            id: user_id_text(&u.user_id),
            kid: u.kid().map(str::to_owned),
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
pub fn set_disabled(
    app_sessions: Option<&super::session::Sessions>,
    store: &SledStore,
    user_id: &[u8; 16],
    disabled: bool,
    actor: &str,
) -> Result<(), ApiError> {
    if store.user(user_id)?.is_none() {
        return Err(ApiError::NotFound);
    }
    let action = if disabled {
        "user.disabled"
    } else {
        "user.enabled"
    };
    let audit = AuditEntry::new(actor, action, format!("user {}", user_id_text(user_id)));
    store.set_disabled(user_id, disabled, audit)?;
    if disabled && let Some(sessions) = app_sessions {
        sessions.end_all(user_id);
    }
    Ok(())
}

/// On a store without users, an invite for a first admin (printed by `serve`).
pub fn first_admin_invite(
    store: &SledStore,
    settings: &Settings,
) -> Result<Option<InviteResponse>, ApiError> {
    if !store.users()?.is_empty() {
        return Ok(None);
    }
    let req = InviteRequest {
        name: "admin".into(),
        roles: vec![Role::Admin],
        unit: None,
    };
    invite(store, settings, &req, "system").map(Some)
}
