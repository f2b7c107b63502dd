//! How staff sign in and stay signed in, without the rest of the staff side: sessions, the
//! throttle, device tokens, Argon2id and its permits, and the in-memory state they share
//! ([`StaffState`], part of `App`).
//!
//! Contract: nothing here needs the app, and only sessions need the store (they are kept
//! there, beside the sequencer, so a restart signs no one out); `staff::accounts` puts these
//! pieces together into enrolment and sign-in.

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
}

impl StaffState {
    /// The state at start-up: the stored sessions that are still live, a fresh throttle.
    pub fn load(
        settings: &Settings,
        prelogin_secret: Zeroizing<[u8; 32]>,
        store: std::sync::Arc<dyn crate::server::store::Store>,
    ) -> Result<StaffState, crate::server::store::StoreError> {
        Ok(StaffState {
            sessions: Sessions::load(
                Duration::from_secs(settings.staff_session_idle_secs),
                Duration::from_secs(settings.staff_session_max_secs),
                store,
            )?,
            throttle: Throttle::new(Duration::from_millis(settings.staff_throttle_unit_ms)),
            prelogin_secret,
            argon2: Argon2Permits::new(settings.staff_argon2_concurrency),
            checking: Mutex::new(HashSet::new()),
        })
    }
}
