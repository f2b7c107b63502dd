//! Staff sessions, kept in the store so a restart signs no one out.
//!
//! Contract: a session is found by SHA-256 of its cookie token, never by the token itself (the
//! store holds only that hash, the user, the CSRF token and two times); it ends after `idle`
//! without use (30 minutes by default), `max` after sign-in however busy it was (12 hours by
//! default, so a stolen cookie is worth a working day at most), at sign-out, and at once for
//! every session of a user who is disabled or signs out everywhere. Each session has its own
//! CSRF token, compared in constant time by the HTTP extractor (`http::staff::StaffSession`).
//!
//! Durability: a new session and every ending are flushed before the call returns, so a
//! crash can never bring back a session that was ended. Use is recorded in memory at once and
//! in the store at most every [`touch_interval`] (unflushed): the stored time is never later
//! than the real one, so after a restart a session can only end earlier, never live longer.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::protocol::crypto::{ct_eq, random_bytes, serde_b64, sha256};
use crate::server::store::{Store, StoreError};

/// A session as stored. `Debug` is not derived: the CSRF token stays out of logs.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    #[serde(with = "serde_b64::fixed")]
    user_id: [u8; 16],
    #[serde(with = "serde_b64::fixed")]
    csrf: [u8; 32],
    /// Unix milliseconds of sign-in.
    created_ms: u64,
    /// Unix milliseconds of the last use.
    last_ms: u64,
    /// `last_ms` as the store last had it (not stored).
    #[serde(skip)]
    stored_last_ms: u64,
}

impl Drop for Entry {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.csrf);
    }
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

fn ms(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

impl Entry {
    fn live(&self, idle: Duration, max: Duration, now: u64) -> bool {
        now.saturating_sub(self.last_ms) < ms(idle) && now.saturating_sub(self.created_ms) < ms(max)
    }
}

/// How often a session's use is written to the store: often enough that a restart costs a
/// user at most this much of their idle time, rarely enough that reading is not a write.
pub fn touch_interval(idle: Duration) -> Duration {
    (idle / 4).min(Duration::from_secs(300))
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
    store: Arc<dyn Store>,
    map: Mutex<HashMap<[u8; 32], Entry>>,
}

impl Sessions {
    /// The sessions the store holds that are still live; the others are deleted.
    pub fn load(
        idle: Duration,
        max: Duration,
        store: Arc<dyn Store>,
    ) -> Result<Sessions, StoreError> {
        let now = now_ms();
        let mut map = HashMap::new();
        let mut dead = Vec::new();
        for (key, bytes) in store.sessions()? {
            match crate::server::store::records::decode::<Entry>(&bytes) {
                Ok(mut entry) if entry.live(idle, max, now) => {
                    entry.stored_last_ms = entry.last_ms;
                    map.insert(key, entry);
                }
                // Expired, or written by a version that stored something else: signed out.
                _ => dead.push(key),
            }
        }
        store.remove_sessions(&dead)?;
        Ok(Sessions {
            idle,
            max,
            store,
            map: Mutex::new(map),
        })
    }

    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<[u8; 32], Entry>> {
        self.map.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Starts a session for `user_id`; durable when it returns. Expired sessions are deleted
    /// on the way, so the store holds no more than the live ones and those of the last hours.
    pub fn create(&self, user_id: [u8; 16]) -> Result<NewSession, StoreError> {
        let token = Zeroizing::new(random_bytes::<32>());
        let csrf = Zeroizing::new(random_bytes::<32>());
        let now = now_ms();
        let entry = Entry {
            user_id,
            csrf: *csrf,
            created_ms: now,
            last_ms: now,
            stored_last_ms: now,
        };
        let key = sha256(token.as_ref());
        let mut map = self.map();
        let (idle, max) = (self.idle, self.max);
        let dead: Vec<[u8; 32]> = map
            .iter()
            .filter(|(_, e)| !e.live(idle, max, now))
            .map(|(k, _)| *k)
            .collect();
        self.store.remove_sessions(&dead)?;
        for k in &dead {
            map.remove(k);
        }
        self.store
            .put_session(&key, &crate::server::store::records::encode(&entry), true)?;
        map.insert(key, entry);
        Ok(NewSession { token, csrf })
    }

    /// The live session for `token`, refreshed; `None` if unknown, idle too long or past its
    /// absolute lifetime.
    pub fn touch(&self, token: &[u8]) -> Option<Live> {
        let key = sha256(token);
        let now = now_ms();
        let mut map = self.map();
        let entry = map.get_mut(&key)?;
        if !entry.live(self.idle, self.max, now) {
            map.remove(&key);
            drop(map);
            if let Err(e) = self.store.remove_sessions(&[key]) {
                tracing::warn!(error = %e, "could not delete an expired staff session");
            }
            return None;
        }
        entry.last_ms = now;
        if now.saturating_sub(entry.stored_last_ms) >= ms(touch_interval(self.idle)) {
            entry.stored_last_ms = now;
            let bytes = crate::server::store::records::encode(&*entry);
            // Not flushed and not fatal: a lost touch only makes the session end earlier.
            if let Err(e) = self.store.put_session(&key, &bytes, false) {
                tracing::warn!(error = %e, "could not record the use of a staff session");
            }
        }
        Some(Live {
            user_id: entry.user_id,
            csrf: Zeroizing::new(entry.csrf),
        })
    }

    /// Ends the session of `token`; durable when it returns.
    pub fn end(&self, token: &[u8]) -> Result<(), StoreError> {
        let key = sha256(token);
        self.store.remove_sessions(&[key])?;
        self.map().remove(&key);
        Ok(())
    }

    /// Ends every session of `user_id` (disabled, or signed out everywhere); durable when it
    /// returns. Returns how many ended.
    pub fn end_all(&self, user_id: &[u8; 16]) -> Result<usize, StoreError> {
        let mut map = self.map();
        let keys: Vec<[u8; 32]> = map
            .iter()
            .filter(|(_, e)| &e.user_id == user_id)
            .map(|(k, _)| *k)
            .collect();
        self.store.remove_sessions(&keys)?;
        for k in &keys {
            map.remove(k);
        }
        Ok(keys.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::store::SledStore;

    struct Scratch(std::path::PathBuf);

    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn store() -> (Scratch, Arc<dyn Store>) {
        let dir = Scratch(std::env::temp_dir().join(format!(
            "meldpunt-sessions-{}",
            crate::protocol::b64::encode(random_bytes::<6>())
        )));
        let store = Arc::new(SledStore::open(&dir.0).unwrap());
        (dir, store)
    }

    #[test]
    fn sessions_expire_and_end() {
        let (_dir, store) = store();
        let s = Sessions::load(Duration::from_millis(50), Duration::from_secs(60), store).unwrap();
        let new = s.create([1; 16]).unwrap();
        let live = s.touch(new.token.as_ref()).unwrap();
        assert_eq!(live.user_id, [1; 16]);
        assert!(live.csrf_matches(&crate::protocol::b64::encode(new.csrf.as_ref())));
        assert!(!live.csrf_matches("nope"));
        assert!(s.touch(&[0; 32]).is_none());
        std::thread::sleep(Duration::from_millis(60));
        assert!(s.touch(new.token.as_ref()).is_none());
        let other = s.create([2; 16]).unwrap();
        assert_eq!(s.end_all(&[2; 16]).unwrap(), 1);
        assert!(s.touch(other.token.as_ref()).is_none());
    }

    #[test]
    fn sessions_end_at_their_absolute_lifetime_however_busy() {
        let (_dir, store) = store();
        let s = Sessions::load(Duration::from_secs(60), Duration::from_millis(120), store).unwrap();
        let new = s.create([1; 16]).unwrap();
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

    #[test]
    fn sessions_survive_a_reload_and_endings_stay_ended() {
        let (_dir, store) = store();
        let (idle, max) = (Duration::from_secs(60), Duration::from_secs(600));
        let s = Sessions::load(idle, max, store.clone()).unwrap();
        let kept = s.create([1; 16]).unwrap();
        let ended = s.create([1; 16]).unwrap();
        let other_user = s.create([2; 16]).unwrap();
        s.end(ended.token.as_ref()).unwrap();
        drop(s);
        let again = Sessions::load(idle, max, store.clone()).unwrap();
        let live = again
            .touch(kept.token.as_ref())
            .expect("kept across the reload");
        assert!(live.csrf_matches(&crate::protocol::b64::encode(kept.csrf.as_ref())));
        assert!(again.touch(ended.token.as_ref()).is_none());
        assert_eq!(again.end_all(&[2; 16]).unwrap(), 1);
        drop(again);
        let third = Sessions::load(idle, max, store.clone()).unwrap();
        assert!(third.touch(other_user.token.as_ref()).is_none());
        assert!(third.touch(kept.token.as_ref()).is_some());
        // Only hashes of tokens are stored.
        let dump = store.dump().unwrap();
        let token = kept.token.as_ref();
        assert!(!dump.iter().any(
            |(_, k, v)| k.windows(32).any(|w| w == token) || v.windows(32).any(|w| w == token)
        ));
    }

    #[test]
    fn expired_sessions_are_deleted_at_load() {
        let (_dir, store) = store();
        let s = Sessions::load(
            Duration::from_millis(30),
            Duration::from_secs(60),
            store.clone(),
        )
        .unwrap();
        s.create([1; 16]).unwrap();
        drop(s);
        std::thread::sleep(Duration::from_millis(40));
        Sessions::load(
            Duration::from_millis(30),
            Duration::from_secs(60),
            store.clone(),
        )
        .unwrap();
        assert!(store.sessions().unwrap().is_empty());
    }
}
