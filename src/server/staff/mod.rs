//! The staff side (DESIGN §2, §3.7, §6, §9): accounts with password and TOTP, sessions,
//! sign-in throttling, the audit chain, and case work.
//!
//! Contract: the server holds no password and no private key (only Argon2id of the client's
//! `auth_hash`, the public key and the password-wrapped private key); access to content is
//! granted only by wraps that staff clients make; every staff action is an audit record written
//! in the same transaction as the change it records. HTTP lives in `http::staff`; the rules
//! live here.

pub mod accounts;
pub mod audit;
pub mod cases;
pub mod casework;
pub mod device;
pub mod password;
pub mod session;
pub mod throttle;

use std::collections::HashSet;
use std::sync::Mutex;
use std::time::Duration;

use zeroize::Zeroizing;

use crate::server::config::Settings;
use password::Argon2Permits;
use session::Sessions;
use throttle::Throttle;

/// The prelogin secret's file in the keys folder.
pub const PRELOGIN_KEY_FILE: &str = "staff-prelogin.key";

/// The staff side's in-memory state, part of `App`.
pub struct StaffState {
    pub sessions: Sessions,
    pub throttle: Throttle,
    /// Keys the fake salts of unknown names (`password::fake_salt`) and device tokens
    /// (`device`).
    pub prelogin_secret: Zeroizing<[u8; 32]>,
    /// Bounds the Argon2id computations running at once (sign-in, enrolment).
    pub argon2: Argon2Permits,
    /// Users whose password is being checked right now: one check per user at a time, so one
    /// TOTP code buys one password guess even when attempts arrive in parallel.
    pub checking: Mutex<HashSet<[u8; 16]>>,
    /// Serialises validated staff changes to cases, so a check and its write see one state.
    pub case_lock: Mutex<()>,
}

impl StaffState {
    pub fn new(settings: &Settings, prelogin_secret: Zeroizing<[u8; 32]>) -> StaffState {
        StaffState {
            sessions: Sessions::new(
                Duration::from_secs(settings.staff_session_idle_secs),
                Duration::from_secs(settings.staff_session_max_secs),
            ),
            throttle: Throttle::new(Duration::from_millis(settings.staff_throttle_unit_ms)),
            prelogin_secret,
            argon2: Argon2Permits::new(settings.staff_argon2_concurrency),
            checking: Mutex::new(HashSet::new()),
            case_lock: Mutex::new(()),
        }
    }

    pub fn lock_cases(&self) -> std::sync::MutexGuard<'_, ()> {
        self.case_lock.lock().unwrap_or_else(|p| p.into_inner())
    }
}
