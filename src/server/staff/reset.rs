//! Resetting a user's second factor (an admin's action, for a lost or stolen phone).
//!
//! Contract:
//! - The admin's request replaces the user's TOTP secret at once (the old phone's codes stop
//!   working), ends every session of the user, marks the user `totp_reset_pending` (sign-in is
//!   refused) and returns a one-time link (`/staff/reset#<token>`, valid as long as an invite).
//!   Only the SHA-256 of the token is stored. A second reset withdraws nothing but replaces
//!   the secret again; older links then show a secret that no longer counts, and fail.
//! - The link shows the new secret. It is not enough on its own: completing the reset needs the
//!   password's auth hash (checked with Argon2id under a permit, as at sign-in) and a current
//!   code of the new secret. A wrong password counts on the link, which is withdrawn after
//!   [`MAX_FAILURES`]. The key pair and the wraps are untouched: the password still unlocks
//!   the same private key.
//! - Every step is an audit record (`user.totp_reset`, `user.totp_reset_done`,
//!   `user.totp_reset_failed`).

use zeroize::Zeroizing;

use super::StaffError;
use super::accounts::{INVITE_VALID_SECS, TOTP_ISSUER, user_id_text};
use crate::protocol::crypto::{random_bytes, sha256};
use crate::protocol::staff_wire::{KdfParams, ResetInfo, ResetLink, ResetRequest, TotpSetup};
use crate::protocol::time;
use crate::protocol::totp;
use crate::server::app::App;
use crate::server::signin::password;
use crate::server::store::Store;
use crate::server::store::staff::{AuditEntry, InviteRecord, UserRecord};

/// Wrong passwords a reset link survives.
pub const MAX_FAILURES: u32 = 3;

/// Starts the reset of `user_id`'s second factor; `actor` is the admin.
pub async fn start(app: &App, user_id: [u8; 16], actor: String) -> Result<ResetLink, StaffError> {
    let staff_origin = app.settings.staff_origin();
    let link = app
        .sequencer
        .run(move |tx| {
            let mut user = tx.user(&user_id)?.ok_or(StaffError::NoSuchUser)?;
            if user.enrolled.is_none() || user.disabled {
                return Err(StaffError::InvalidState(
                    "only an enrolled, enabled user has a second factor to reset".into(),
                ));
            }
            let token = Zeroizing::new(random_bytes::<32>());
            let expires = time::now() + INVITE_VALID_SECS;
            tx.audit(AuditEntry::new(
                actor,
                "user.totp_reset",
                format!("user {}", user_id_text(&user_id)),
            ))?;
            user.totp_secret = random_bytes::<20>();
            user.totp_reset_pending = true;
            tx.put_user(user);
            tx.put_invite(
                sha256(token.as_ref()),
                InviteRecord {
                    user_id,
                    expires,
                    reset: true,
                    failures: 0,
                },
            );
            Ok(ResetLink {
                link: format!(
                    "{staff_origin}/staff/reset#{}",
                    crate::protocol::b64::encode(token.as_ref())
                ),
                expires,
            })
        })
        .await?;
    app.staff.sessions.end_all(&user_id)?;
    Ok(link)
}

/// The link's user, if the token is an open, unexpired reset link of an enrolled user.
fn open_link(store: &dyn Store, token: &str) -> Result<([u8; 32], UserRecord), StaffError> {
    let token = crate::protocol::b64::decode_array::<32>(token)
        .map(Zeroizing::new)
        .ok_or(StaffError::InviteInvalid)?;
    let hash = sha256(token.as_ref());
    let invite = store.invite(&hash)?.ok_or(StaffError::InviteInvalid)?;
    if !invite.reset || invite.expires < time::now() {
        return Err(StaffError::InviteInvalid);
    }
    match store.user(&invite.user_id)? {
        Some(u) if u.enrolled.is_some() && !u.disabled && u.totp_reset_pending => Ok((hash, u)),
        _ => Err(StaffError::InviteInvalid),
    }
}

pub fn info(store: &dyn Store, token: &str) -> Result<ResetInfo, StaffError> {
    let (_, user) = open_link(store, token)?;
    let secret = totp::base32(&user.totp_secret);
    Ok(ResetInfo {
        totp: TotpSetup {
            uri: totp::otpauth_uri(TOTP_ISSUER, &user.name, &secret),
            secret,
        },
        name: user.name,
        user_id: user_id_text(&user.user_id),
        kdf: KdfParams {
            salt: user.kdf_salt,
            iterations: user.kdf_iterations,
        },
    })
}

/// Completes the reset: the password and a code of the new secret.
pub async fn complete(app: &App, token: &str, req: ResetRequest) -> Result<(), StaffError> {
    let (hash, user) = open_link(app.store(), token)?;
    let step = totp::check(&user.totp_secret, &req.totp_code, time::now())
        .filter(|s| *s > user.last_totp_step)
        .ok_or(StaffError::TotpInvalid)?;
    let phc = user
        .enrolled
        .as_ref()
        .map(|e| e.auth_phc.clone())
        .ok_or(StaffError::InviteInvalid)?;
    let auth_hash = Zeroizing::new(req.auth_hash);
    let password_ok = app
        .staff
        .argon2
        .run(move || password::verify(&phc, &auth_hash))
        .await?;
    let (user_id, secret) = (user.user_id, user.totp_secret);
    app.sequencer
        .run(move |tx| {
            let mut invite = tx.invite(&hash)?.ok_or(StaffError::InviteInvalid)?;
            let mut user = tx.user(&user_id)?.ok_or(StaffError::InviteInvalid)?;
            // The secret checked is still the one stored (no second reset came between).
            if user.totp_secret != secret || !user.totp_reset_pending {
                return Err(StaffError::InviteInvalid);
            }
            let id = user_id_text(&user_id);
            if !password_ok {
                invite.failures += 1;
                tx.audit(AuditEntry::new(
                    id,
                    "user.totp_reset_failed",
                    format!("password, {} of {MAX_FAILURES}", invite.failures),
                ))?;
                if invite.failures >= MAX_FAILURES {
                    tx.remove_invite(hash);
                } else {
                    tx.put_invite(hash, invite);
                }
                // The code is spent either way, as at sign-in.
                user.last_totp_step = user.last_totp_step.max(step);
                tx.put_user(user);
                return Ok(false);
            }
            tx.audit(AuditEntry::new(id, "user.totp_reset_done", ""))?;
            user.totp_reset_pending = false;
            user.last_totp_step = user.last_totp_step.max(step);
            tx.put_user(user);
            tx.remove_invite(hash);
            Ok::<bool, StaffError>(true)
        })
        .await?
        .then_some(())
        .ok_or(StaffError::LoginFailed)
}
