//! Staff sign-in (DESIGN §3.7): pre-login and login. The contract is the one in `accounts`
//! (one answer for every failure, the TOTP code checked first and spent whatever the password,
//! Argon2id under a permit, attempts throttled per name or per device, pre-login that tells no
//! names apart); this file is that path alone.

use zeroize::Zeroizing;

use super::StaffError;
use super::accounts::{user_id_text, user_view};
use crate::protocol::crypto::{random_bytes, sha256};
use crate::protocol::staff_wire::{KdfParams, LoginRequest, LoginResponse};
use crate::protocol::time;
use crate::protocol::totp;
use crate::server::app::App;
use crate::server::sequencer::Tx;
use crate::server::signin::session::NewSession;
use crate::server::signin::{device, password};
use crate::server::store::staff::{AuditEntry, UserRecord};

/// The KDF parameters for `name`: the user's own, or a stable fake for an unknown name.
///
/// A fake's iteration count is the count of a real user, picked by a keyed hash of the name
/// from all users in invitation order; so when the setting changes, unknown names show the old
/// and new counts in the same proportion as real ones (the setting alone would give unknown
/// names away as soon as real users kept an older count). Before the first invite the setting
/// is used. The fake is computed for real names too, so both take the same work. (An unknown
/// name's borrowed count can change when users are invited; a real name's never does. An
/// observer who asks again after every invitation could tell some unknown names apart.)
pub fn prelogin(app: &App, name: &str) -> Result<KdfParams, StaffError> {
    let mut users = app.store().users()?;
    users.sort_by_key(|u| (u.invited_hour, u.user_id));
    let pick = password::fake_pick(&app.staff.prelogin_secret, name);
    let fake = KdfParams {
        salt: password::fake_salt(&app.staff.prelogin_secret, name),
        iterations: match users.len() {
            0 => app.settings.staff_kdf_iterations,
            n => users[((u128::from(pick) * n as u128) >> 64) as usize].kdf_iterations,
        },
    };
    Ok(match app.store().user_by_name(name)? {
        Some(user) => KdfParams {
            salt: user.kdf_salt,
            iterations: user.kdf_iterations,
        },
        None => fake,
    })
}

/// The throttle bucket of a sign-in attempt: the device's own when the request shows a device
/// token of this account, else the name's (shared with every stranger guessing at it).
fn bucket(app: &App, user: Option<&UserRecord>, req: &LoginRequest) -> ([u8; 32], bool) {
    // A token shown with an unknown name is checked too (against a random account), so the
    // work done does not tell names apart.
    let device = req.device_token.as_deref().and_then(|token| {
        let user_id = user.map_or_else(random_bytes::<16>, |u| u.user_id);
        let id = device::check(&app.staff.prelogin_secret, &user_id, token)?;
        user.is_some().then_some(id)
    });
    match device {
        Some(id) => (sha256(&[b"device ".as_slice(), &id].concat()), true),
        None => (
            sha256(&[b"name ".as_slice(), req.name.to_lowercase().as_bytes()].concat()),
            false,
        ),
    }
}

/// Marks a user's password check as running; the mark goes when this is dropped.
struct Checking<'a> {
    app: &'a App,
    user_id: [u8; 16],
}

impl Drop for Checking<'_> {
    fn drop(&mut self) {
        let mut set = self
            .app
            .staff
            .checking
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        set.remove(&self.user_id);
    }
}

fn start_checking(app: &App, user_id: [u8; 16]) -> Option<Checking<'_>> {
    let mut set = app.staff.checking.lock().unwrap_or_else(|p| p.into_inner());
    set.insert(user_id).then_some(Checking { app, user_id })
}

/// Signs in; on success returns the answer and the new session's tokens.
pub async fn login(
    app: &App,
    req: &LoginRequest,
) -> Result<(LoginResponse, NewSession), StaffError> {
    let throttle = &app.staff.throttle;
    let user = app.store().user_by_name(&req.name)?;
    let (key, known_device) = bucket(app, user.as_ref(), req);
    let attempt = throttle.admit(key).map_err(StaffError::TooManyAttempts)?;
    // The second factor first: it is cheap, and only its holder gets past it, so strangers'
    // guesses never reach Argon2id. Unknown, unenrolled and disabled users are checked against
    // a random secret, which takes the same time and always fails.
    let active = user.filter(UserRecord::active);
    let secret = active
        .as_ref()
        .map(|u| Zeroizing::new(u.totp_secret))
        .unwrap_or_else(|| Zeroizing::new(random_bytes::<20>()));
    let step = totp::check(&secret, &req.totp_code, time::now());
    let (Some(user), Some(step)) = (active, step) else {
        return Err(StaffError::LoginFailed);
    };
    if step <= user.last_totp_step || user.totp_reset_pending {
        return Err(StaffError::LoginFailed);
    }
    let Some(_checking) = start_checking(app, user.user_id) else {
        return Err(StaffError::LoginFailed);
    };
    let Some(e) = user.enrolled.as_ref() else {
        return Err(StaffError::LoginFailed);
    };
    let (phc, auth_hash) = (e.auth_phc.clone(), Zeroizing::new(req.auth_hash));
    let password_ok = app
        .staff
        .argon2
        .run(move || password::verify(&phc, &auth_hash))
        .await?;
    // The code is spent either way: a wrong password needs the next code to try again.
    let id = user_id_text(&user.user_id);
    let audit = if password_ok {
        AuditEntry::new(id, "staff.login", "")
    } else {
        AuditEntry::new(id, "staff.login_failed", "password")
    };
    let user_id = user.user_id;
    app.sequencer
        .run(move |tx| record_login(tx, &user_id, step, audit))
        .await?;
    if !password_ok {
        return Err(StaffError::LoginFailed);
    }
    throttle.success(attempt);
    let session = app.staff.sessions.create(user.user_id)?;
    let Some(view) = user_view(&user) else {
        return Err(StaffError::LoginFailed);
    };
    let device_token = match &req.device_token {
        Some(token) if known_device => token.clone(),
        _ => device::issue(&app.staff.prelogin_secret, &user.user_id),
    };
    Ok((
        LoginResponse {
            user: view,
            wrapped_private_key: e.wrapped_private_key.clone(),
            csrf_token: crate::protocol::b64::encode(session.csrf.as_ref()),
            device_token,
        },
        session,
    ))
}

/// The sign-in's change: spends the TOTP step, unless a parallel sign-in spent it (or a
/// newer one) first.
fn record_login(
    tx: &mut Tx<'_>,
    user_id: &[u8; 16],
    step: u64,
    audit: AuditEntry,
) -> Result<(), StaffError> {
    let mut user = tx.user(user_id)?.ok_or(StaffError::LoginFailed)?;
    if step <= user.last_totp_step || user.totp_reset_pending {
        return Err(StaffError::LoginFailed);
    }
    user.last_totp_step = step;
    tx.put_user(user);
    tx.audit(audit)?;
    Ok(())
}
