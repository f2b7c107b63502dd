//! Staff sessions, held in memory only (a restart signs everyone out).
//!
//! Contract: a session is found by SHA-256 of its cookie token, never by the token itself; it
//! ends after `idle` without use (30 minutes by default), `max` after sign-in however busy it
//! was (12 hours by default, so a stolen cookie is worth a working day at most), at logout, and
//! at once for every session of a user who is disabled. Each session has its own CSRF token, compared in
//! constant time by the HTTP extractor (`http::staff::StaffSession`).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use zeroize::Zeroizing;

use crate::protocol::crypto::{ct_eq, random_bytes, sha256};

struct Entry {
    user_id: [u8; 16],
    csrf: Zeroizing<[u8; 32]>,
    created: Instant,
    last: Instant,
}

impl Entry {
    fn live(&self, idle: Duration, max: Duration) -> bool {
        self.last.elapsed() < idle && self.created.elapsed() < max
    }
}

/// What a new session hands to the client (cookie token and CSRF token).
pub struct NewSession {
    pub token: Zeroizing<[u8; 32]>,
    pub csrf: Zeroizing<[u8; 32]>,
}

/// A live session as the extractor sees it.
pub struct Live {
    pub user_id: [u8; 16],
    csrf: Zeroizing<[u8; 32]>,
}

impl Live {
    /// Whether `given` (the b64u header value) is this session's CSRF token.
    pub fn csrf_matches(&self, given: &str) -> bool {
        let expected = crate::protocol::b64::encode(self.csrf.as_ref());
        ct_eq(expected.as_bytes(), given.as_bytes())
    }
}

pub struct Sessions {
    idle: Duration,
    max: Duration,
    map: Mutex<HashMap<[u8; 32], Entry>>,
}

impl Sessions {
    pub fn new(idle: Duration, max: Duration) -> Sessions {
        Sessions {
            idle,
            max,
            map: Mutex::new(HashMap::new()),
        }
    }

    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<[u8; 32], Entry>> {
        self.map.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn create(&self, user_id: [u8; 16]) -> NewSession {
        let token = Zeroizing::new(random_bytes::<32>());
        let csrf = Zeroizing::new(random_bytes::<32>());
        let mut map = self.map();
        let (idle, max) = (self.idle, self.max);
        map.retain(|_, e| e.live(idle, max));
        let now = Instant::now();
        map.insert(
            sha256(token.as_ref()),
            Entry {
                user_id,
                csrf: csrf.clone(),
                created: now,
                last: now,
            },
        );
        NewSession { token, csrf }
    }

    /// The live session for `token`, refreshed; `None` if unknown, idle too long or past its
    /// absolute lifetime.
    pub fn touch(&self, token: &[u8]) -> Option<Live> {
        let key = sha256(token);
        let mut map = self.map();
        let entry = map.get_mut(&key)?;
        if !entry.live(self.idle, self.max) {
            map.remove(&key);
            return None;
        }
        entry.last = Instant::now();
        Some(Live {
            user_id: entry.user_id,
            csrf: entry.csrf.clone(),
        })
    }

    pub fn end(&self, token: &[u8]) {
        self.map().remove(&sha256(token));
    }

    /// Ends every session of `user_id` (the user was disabled).
    pub fn end_all(&self, user_id: &[u8; 16]) {
        self.map().retain(|_, e| &e.user_id != user_id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_expire_and_end() {
        let s = Sessions::new(Duration::from_millis(50), Duration::from_secs(60));
        let new = s.create([1; 16]);
        let live = s.touch(new.token.as_ref()).unwrap();
        assert_eq!(live.user_id, [1; 16]);
        assert!(live.csrf_matches(&crate::protocol::b64::encode(new.csrf.as_ref())));
        assert!(!live.csrf_matches("nope"));
        assert!(s.touch(&[0; 32]).is_none());
        std::thread::sleep(Duration::from_millis(60));
        assert!(s.touch(new.token.as_ref()).is_none());
        let other = s.create([2; 16]);
        s.end_all(&[2; 16]);
        assert!(s.touch(other.token.as_ref()).is_none());
    }

    #[test]
    fn sessions_end_at_their_absolute_lifetime_however_busy() {
        let s = Sessions::new(Duration::from_secs(60), Duration::from_millis(120));
        let new = s.create([1; 16]);
        for _ in 0..3 {
            std::thread::sleep(Duration::from_millis(30));
            assert!(s.touch(new.token.as_ref()).is_some());
        }
        std::thread::sleep(Duration::from_millis(40));
        assert!(
            s.touch(new.token.as_ref()).is_none(),
            "used all along, but too old"
        );
    }
}
