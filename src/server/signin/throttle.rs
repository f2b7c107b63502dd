//! Slowing down guessing at sign-in without letting a stranger lock anyone out.
//!
//! Contract:
//! - Attempts are counted per *bucket*, in memory. An attempt is counted the moment it is
//!   admitted, before it is checked, and a success empties its bucket; so parallel attempts
//!   cannot slip through one opening, and nothing needs to be recorded after a failure.
//! - In a bucket holding `n` attempts, the first [`FREE_ATTEMPTS`] pass at once; after that
//!   each attempt must wait `min(2^(n-5), 900)` units after the previous one (a unit is one
//!   second, `Settings::staff_throttle_unit_ms` in tests), or gets `Err(seconds to wait)`.
//!   Nothing is permanent: the wait never exceeds 15 minutes.
//! - Which bucket an attempt falls in is the caller's choice (`staff::login::login`): an attempt
//!   from a *known device* (one that signed in to this account before and shows its device
//!   token) has a bucket of its own, so strangers who guess at a name fill the name's bucket
//!   and never the real user's.
//! - There is deliberately no global budget across names: strangers could spend it and so lock
//!   out every sign-in without a device token at once. The buckets' own waits bound guessing
//!   (per name at most about a hundred attempts a day once the waits are long), and the table
//!   holds at most `MAX_BUCKETS`: when full, buckets that impose no wait now (fewer than
//!   [`FREE_ATTEMPTS`] attempts, or a wait long over) are forgotten first, so made-up names
//!   cannot fill it; only if none can be forgotten is a new bucket refused (the attempt
//!   waits).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Attempts a bucket allows before any wait.
pub const FREE_ATTEMPTS: u32 = 5;
/// The longest wait, in units (15 minutes of seconds).
pub const MAX_WAIT_UNITS: u64 = 900;
/// Buckets kept at most.
const MAX_BUCKETS: usize = 100_000;

struct Bucket {
    attempts: u32,
    last: Instant,
}

pub struct Throttle {
    unit: Duration,
    buckets: Mutex<HashMap<[u8; 32], Bucket>>,
}

/// An admitted attempt; report a success with [`Throttle::success`].
#[must_use]
pub struct Admitted {
    key: [u8; 32],
}

impl Throttle {
    pub fn new(unit: Duration) -> Throttle {
        Throttle {
            unit,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    fn wait_for(&self, attempts: u32) -> Duration {
        if attempts < FREE_ATTEMPTS {
            return Duration::ZERO;
        }
        let exponent = (attempts - FREE_ATTEMPTS).min(20);
        let units = (1u64 << exponent).min(MAX_WAIT_UNITS);
        self.unit.saturating_mul(units as u32)
    }

    /// Admits an attempt into bucket `key` (counting it now), or says how many seconds to
    /// wait.
    pub fn admit(&self, key: [u8; 32]) -> Result<Admitted, u64> {
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if !buckets.contains_key(&key) && buckets.len() >= MAX_BUCKETS {
            // Forget what slows nobody now; keep the buckets that are holding a guesser back.
            let longest = self.unit.saturating_mul(MAX_WAIT_UNITS as u32);
            buckets.retain(|_, b| b.attempts >= FREE_ATTEMPTS && b.last.elapsed() < longest);
            if buckets.len() >= MAX_BUCKETS {
                return Err(MAX_WAIT_UNITS);
            }
        }
        let now = Instant::now();
        let bucket = buckets.entry(key).or_insert(Bucket {
            attempts: 0,
            last: now,
        });
        let wait = self.wait_for(bucket.attempts);
        let elapsed = now.duration_since(bucket.last);
        if elapsed < wait {
            let left = wait - elapsed;
            return Err(left.as_secs() + u64::from(left.subsec_nanos() > 0));
        }
        bucket.attempts = bucket.attempts.saturating_add(1);
        bucket.last = now;
        Ok(Admitted { key })
    }

    /// The attempt succeeded: its bucket starts again from nothing.
    pub fn success(&self, attempt: Admitted) {
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        buckets.remove(&attempt.key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parallel_attempts_share_one_opening() {
        let t = Throttle::new(Duration::from_millis(200));
        for _ in 0..5 {
            assert!(t.admit([1; 32]).is_ok());
        }
        // Counted on admission: the sixth waits although none of the five has failed yet.
        assert!(t.admit([1; 32]).is_err());
        std::thread::sleep(Duration::from_millis(210));
        assert!(t.admit([1; 32]).is_ok(), "the wait is over: one attempt");
        assert!(
            t.admit([1; 32]).is_err(),
            "a second attempt at the same moment waits"
        );
    }

    #[test]
    fn waits_grow_cap_and_reset_per_bucket() {
        let t = Throttle::new(Duration::from_secs(1));
        assert_eq!(t.wait_for(4), Duration::ZERO);
        assert_eq!(t.wait_for(5), Duration::from_secs(1));
        assert_eq!(t.wait_for(8), Duration::from_secs(8));
        assert_eq!(t.wait_for(40), Duration::from_secs(900));
        let mut last = None;
        for _ in 0..5 {
            last = Some(t.admit([2; 32]).unwrap());
        }
        assert_eq!(t.admit([2; 32]).err(), Some(1));
        assert!(t.admit([3; 32]).is_ok(), "another bucket is not affected");
        t.success(last.unwrap());
        assert!(t.admit([2; 32]).is_ok(), "a success empties the bucket");
    }

    #[test]
    fn made_up_names_cannot_fill_the_table() {
        let t = Throttle::new(Duration::from_secs(1));
        for _ in 0..FREE_ATTEMPTS {
            let _ = t.admit([7; 32]).unwrap();
        }
        for i in 0..MAX_BUCKETS as u32 + 10 {
            let mut key = [0u8; 32];
            key[..4].copy_from_slice(&i.to_be_bytes());
            key[4] = 1;
            assert!(t.admit(key).is_ok(), "name {i}");
        }
        assert!(t.buckets.lock().unwrap().len() <= MAX_BUCKETS);
        assert!(t.admit([7; 32]).is_err(), "the guessed-at name still waits");
    }
}
