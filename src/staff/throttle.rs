//! Slowing down password guessing without locking anyone out for good.
//!
//! Contract: failures are counted per user name (SHA-256 of the lowercase name, known or not),
//! in memory. After 5 consecutive failures each further attempt must wait
//! `min(2^(n-5), 900)` units after the last failure (`n` failures so far; a unit is one second,
//! `Settings::staff_throttle_unit_ms` in tests); earlier attempts get `Retry-After`. A success
//! resets the count. Nothing is permanent: the wait never exceeds 15 minutes.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::crypto::sha256;

/// Failures allowed before any wait.
pub const FREE_FAILURES: u32 = 5;
/// The longest wait, in units (15 minutes of seconds).
pub const MAX_WAIT_UNITS: u64 = 900;
/// Entries kept before old ones are pruned.
const MAX_ENTRIES: usize = 100_000;

struct Failures {
    count: u32,
    last: Instant,
}

pub struct Throttle {
    unit: Duration,
    failures: Mutex<HashMap<[u8; 32], Failures>>,
}

fn key(name: &str) -> [u8; 32] {
    sha256(name.to_lowercase().as_bytes())
}

impl Throttle {
    pub fn new(unit: Duration) -> Throttle {
        Throttle {
            unit,
            failures: Mutex::new(HashMap::new()),
        }
    }

    fn wait_for(&self, count: u32) -> Duration {
        if count < FREE_FAILURES {
            return Duration::ZERO;
        }
        let exponent = (count - FREE_FAILURES).min(20);
        let units = (1u64 << exponent).min(MAX_WAIT_UNITS);
        self.unit.saturating_mul(units as u32)
    }

    /// `Err(seconds to wait)` if an attempt for `name` must wait.
    /// Admits an attempt for `name`, or says how many seconds to wait. An admitted attempt
    /// while a wait applies restarts the wait at once, so parallel attempts cannot all slip
    /// through the same opening.
    pub fn check(&self, name: &str) -> Result<(), u64> {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let Some(f) = map.get_mut(&key(name)) else {
            return Ok(());
        };
        let wait = self.wait_for(f.count);
        let elapsed = f.last.elapsed();
        if elapsed >= wait {
            if !wait.is_zero() {
                f.last = Instant::now();
            }
            return Ok(());
        }
        let left = wait - elapsed;
        Err(left.as_secs() + u64::from(left.subsec_nanos() > 0))
    }

    pub fn failure(&self, name: &str) {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= MAX_ENTRIES {
            let longest = self.unit.saturating_mul(MAX_WAIT_UNITS as u32);
            map.retain(|_, f| f.last.elapsed() < longest);
        }
        let entry = map.entry(key(name)).or_insert(Failures {
            count: 0,
            last: Instant::now(),
        });
        entry.count = entry.count.saturating_add(1);
        entry.last = Instant::now();
    }

    pub fn success(&self, name: &str) {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        map.remove(&key(name));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parallel_attempts_share_one_opening() {
        let t = Throttle::new(Duration::from_millis(200));
        for _ in 0..5 {
            t.failure("x");
        }
        std::thread::sleep(Duration::from_millis(210));
        assert!(t.check("x").is_ok(), "the wait is over: one attempt");
        assert!(
            t.check("x").is_err(),
            "a second attempt at the same moment waits"
        );
    }

    #[test]
    fn waits_grow_and_cap_and_reset() {
        let t = Throttle::new(Duration::from_secs(1));
        assert_eq!(t.wait_for(4), Duration::ZERO);
        assert_eq!(t.wait_for(5), Duration::from_secs(1));
        assert_eq!(t.wait_for(8), Duration::from_secs(8));
        assert_eq!(t.wait_for(40), Duration::from_secs(900));
        for _ in 0..5 {
            assert!(t.check("Anna").is_ok());
            t.failure("anna");
        }
        assert_eq!(t.check("ANNA"), Err(1));
        assert!(t.check("bert").is_ok());
        t.success("anna");
        assert!(t.check("anna").is_ok());
    }
}
