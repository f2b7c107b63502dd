//! Proof of work for anonymous submissions (DESIGN §8, `GET /api/v1/pow`).
//!
//! A challenge is 40 self-authenticating bytes, so the server keeps no per-challenge state:
//! `bits (1) || random (15) || u64be expiry (8) || tag (16)`, where `tag` is the first 16 bytes
//! of HMAC-SHA256(secret, "meldpunt pow v1" || the first 24 bytes). The required difficulty is in
//! byte 0 and covered by the tag, so a client cannot lower it. A solution is a `nonce` below
//! 2^53 (exact in a JSON/JavaScript number) such that SHA-256(challenge || u64be(nonce)) starts
//! with at least `bits` zero bits.
//!
//! [`PowIssuer::check`] verifies tag (constant time), expiry, nonce range and work, in that
//! order. It does NOT make a challenge single-use: the caller must record the challenge's
//! [`SpentToken`] atomically with the write it pays for (the store does this) and may forget it
//! once the token's hour has passed. The token, not the challenge, is what is stored: the raw
//! challenge carries its expiry to the second, and it would be written next to the case it
//! paid for (DESIGN G2: nothing dates a reporter's action finer than the hour).
//!
//! Difficulty follows the global rate of reporter writes (submissions and messages), with no
//! per-client state: `base_bits` plus one bit per doubling of writes over [`RATE_FREE`] in the
//! last [`RATE_WINDOW_SECS`], at most
//! [`MAX_EXTRA_BITS`] extra. With `base_bits == 0` proof of work is off (tests, local use) and
//! stays off under load. The checked requirement is `max(byte 0, base_bits)`, so a challenge
//! issued before the base was raised must meet the new base. Config should keep the base
//! reasonable (≲ 28): the sum saturates at 255 rather than failing.
//!
//! Changing the secret (e.g. a restart that draws a new one) invalidates outstanding challenges.

use std::collections::VecDeque;
use std::sync::{Mutex, MutexGuard};

use ring::{digest, hmac};

use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::protocol::b64;
pub use crate::protocol::pow::{
    CHALLENGE_LEN, NONCE_LIMIT, PowChallenge, bits_of, expiry_of, leading_zero_bits, solve,
    work_hash,
};
use crate::protocol::pow::{EXPIRY_AT, TAGGED_LEN};

/// How long a challenge stays valid.
pub const TTL_SECS: u64 = 30 * 60;
/// Window over which the submission rate is measured.
pub const RATE_WINDOW_SECS: u64 = 10 * 60;
/// Submissions per window that cost no extra difficulty.
pub const RATE_FREE: usize = 30;
/// Cap on the rate-driven extra bits.
pub const MAX_EXTRA_BITS: u8 = 8;
const TAG_CONTEXT: &[u8] = b"meldpunt pow v1";
const TAG_LEN: usize = 16;
/// Enough remembered submissions to reach the cap; older ones cannot change the answer.
const RECENT_CAP: usize = RATE_FREE << MAX_EXTRA_BITS;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PowError {
    #[error("proof-of-work challenge is malformed")]
    Malformed,
    #[error("proof-of-work challenge was not issued here")]
    BadTag,
    #[error("proof-of-work challenge has expired")]
    Expired,
    #[error("proof-of-work nonce must be below 2^53")]
    NonceRange,
    #[error("proof-of-work solution has too few leading zero bits")]
    Insufficient,
}

/// What the store keeps of a spent challenge: `u64be(hour) || SHA-256("meldpunt pow spent v1"
/// || challenge)[0..16]`, where `hour` is the challenge's expiry rounded *up* to a whole hour,
/// so the challenge has expired once that hour has come. Keys sort by hour, so forgetting is a
/// range scan. See [`spent_token`].
pub type SpentToken = [u8; 24];

const SPENT_CONTEXT: &[u8] = b"meldpunt pow spent v1";

/// The [`SpentToken`] of a raw challenge.
pub fn spent_token(challenge: &[u8; CHALLENGE_LEN]) -> SpentToken {
    let expiry = PowIssuer::expiry_of(challenge);
    let hour = expiry.div_ceil(crate::protocol::time::HOUR) * crate::protocol::time::HOUR;
    let mut ctx = digest::Context::new(&digest::SHA256);
    ctx.update(SPENT_CONTEXT);
    ctx.update(challenge);
    let mut token = [0u8; 24];
    token[..8].copy_from_slice(&hour.to_be_bytes());
    token[8..].copy_from_slice(&ctx.finish().as_ref()[..16]);
    token
}

/// The hour after which a spent token may be forgotten.
pub fn spent_token_hour(token: &SpentToken) -> u64 {
    let mut hour = [0u8; 8];
    hour.copy_from_slice(&token[..8]);
    u64::from_be_bytes(hour)
}

pub struct PowIssuer {
    secret: Zeroizing<[u8; 32]>,
    base_bits: u8,
    ttl_secs: u64,
    /// Submission times (unix secs), oldest first, at most `RECENT_CAP`.
    recent: Mutex<VecDeque<u64>>,
}

impl std::fmt::Debug for PowIssuer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PowIssuer")
            .field("base_bits", &self.base_bits)
            .field("ttl_secs", &self.ttl_secs)
            .finish_non_exhaustive()
    }
}

impl PowIssuer {
    pub fn new(secret: [u8; 32], base_bits: u8) -> Self {
        PowIssuer {
            secret: Zeroizing::new(secret),
            base_bits,
            ttl_secs: TTL_SECS,
            recent: Mutex::new(VecDeque::new()),
        }
    }

    pub fn base_bits(&self) -> u8 {
        self.base_bits
    }

    /// A fresh challenge at the current difficulty, valid until `now + 30 min`.
    pub fn issue(&self, now: u64) -> PowChallenge {
        let bits = self.current_bits(now);
        let mut raw = [0u8; CHALLENGE_LEN];
        raw[0] = bits;
        rand::fill(&mut raw[1..EXPIRY_AT]);
        let expiry = now.saturating_add(self.ttl_secs);
        raw[EXPIRY_AT..TAGGED_LEN].copy_from_slice(&expiry.to_be_bytes());
        let tag = self.tag(&raw[..TAGGED_LEN]);
        raw[TAGGED_LEN..].copy_from_slice(&tag);
        PowChallenge {
            challenge: b64::encode(raw),
            bits,
        }
    }

    /// Checks a solution; on success returns the raw challenge for the caller's spent-check.
    pub fn check(&self, challenge_b64u: &str, nonce: u64, now: u64) -> Result<[u8; 40], PowError> {
        let raw = b64::decode_array::<CHALLENGE_LEN>(challenge_b64u).ok_or(PowError::Malformed)?;
        let expected = self.tag(&raw[..TAGGED_LEN]);
        if !bool::from(expected.ct_eq(&raw[TAGGED_LEN..])) {
            return Err(PowError::BadTag);
        }
        if now >= Self::expiry_of(&raw) {
            return Err(PowError::Expired);
        }
        if nonce >= NONCE_LIMIT {
            return Err(PowError::NonceRange);
        }
        let required = raw[0].max(self.base_bits);
        if leading_zero_bits(work_hash(&raw, nonce).as_ref()) < u32::from(required) {
            return Err(PowError::Insufficient);
        }
        Ok(raw)
    }

    /// Counts one accepted reporter write (a submission or a message) towards the global rate.
    pub fn record_write(&self, now: u64) {
        let mut recent = self.recent();
        prune(&mut recent, now);
        if recent.len() == RECENT_CAP {
            recent.pop_front();
        }
        recent.push_back(now);
    }

    /// Difficulty for a challenge issued `now`.
    pub fn current_bits(&self, now: u64) -> u8 {
        if self.base_bits == 0 {
            return 0;
        }
        let mut recent = self.recent();
        prune(&mut recent, now);
        let count = recent.len();
        let mut extra = 0u8;
        let mut threshold = RATE_FREE;
        while count > threshold && extra < MAX_EXTRA_BITS {
            extra += 1;
            threshold *= 2;
        }
        self.base_bits.saturating_add(extra)
    }

    /// The expiry (unix secs) carried in a raw challenge.
    pub fn expiry_of(challenge: &[u8; 40]) -> u64 {
        expiry_of(challenge)
    }

    /// The difficulty carried in a raw challenge (byte 0).
    pub fn bits_of(challenge: &[u8; 40]) -> u8 {
        bits_of(challenge)
    }

    fn tag(&self, tagged: &[u8]) -> [u8; TAG_LEN] {
        let key = hmac::Key::new(hmac::HMAC_SHA256, self.secret.as_ref());
        let mut ctx = hmac::Context::with_key(&key);
        ctx.update(TAG_CONTEXT);
        ctx.update(tagged);
        let mut tag = [0u8; TAG_LEN];
        tag.copy_from_slice(&ctx.sign().as_ref()[..TAG_LEN]);
        tag
    }

    fn recent(&self) -> MutexGuard<'_, VecDeque<u64>> {
        // The deque is valid after any panic mid-update, so a poisoned lock is still usable.
        self.recent
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Drops submissions older than the window. Times are pushed roughly in order; a slightly
/// out-of-order entry only delays its own removal.
fn prune(recent: &mut VecDeque<u64>, now: u64) {
    let cutoff = now.saturating_sub(RATE_WINDOW_SECS);
    while recent.front().is_some_and(|&t| t <= cutoff) {
        recent.pop_front();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: u64 = 1_700_000_000;

    fn issuer(bits: u8) -> PowIssuer {
        PowIssuer::new([0x11; 32], bits)
    }

    fn raw(c: &PowChallenge) -> [u8; 40] {
        b64::decode_array(&c.challenge).unwrap()
    }

    /// A nonce whose hash has fewer than `bits` leading zeros.
    fn non_solution(raw: &[u8; 40], bits: u8) -> u64 {
        (0..)
            .find(|&n| leading_zero_bits(work_hash(raw, n).as_ref()) < u32::from(bits))
            .unwrap()
    }

    #[test]
    fn leading_zero_bits_counts_across_bytes() {
        assert_eq!(leading_zero_bits(&[0x80]), 0);
        assert_eq!(leading_zero_bits(&[0x01, 0xff]), 7);
        assert_eq!(leading_zero_bits(&[0x00, 0x00, 0x10]), 19);
        assert_eq!(leading_zero_bits(&[0x00, 0x00]), 16);
        assert_eq!(leading_zero_bits(&[]), 0);
    }

    #[test]
    fn solved_challenge_passes_and_carries_its_layout() {
        let pow = issuer(10);
        let c = pow.issue(NOW);
        assert_eq!(c.bits, 10);
        let r = raw(&c);
        assert_eq!(PowIssuer::bits_of(&r), 10);
        assert_eq!(PowIssuer::expiry_of(&r), NOW + TTL_SECS);
        let nonce = solve(&r, c.bits);
        assert!(leading_zero_bits(work_hash(&r, nonce).as_ref()) >= 10);
        assert_eq!(pow.check(&c.challenge, nonce, NOW + 60), Ok(r));
        let json = serde_json::to_string(&c).unwrap();
        assert_eq!(
            json,
            format!(r#"{{"challenge":"{}","bits":10}}"#, c.challenge)
        );
    }

    #[test]
    fn challenges_are_random() {
        let pow = issuer(1);
        assert_ne!(pow.issue(NOW).challenge, pow.issue(NOW).challenge);
    }

    #[test]
    fn failures_have_the_right_error() {
        let pow = issuer(8);
        let c = pow.issue(NOW);
        let r = raw(&c);
        let nonce = solve(&r, 8);
        assert_eq!(pow.check("", nonce, NOW), Err(PowError::Malformed));
        assert_eq!(
            pow.check(&b64::encode(&r[..39]), nonce, NOW),
            Err(PowError::Malformed)
        );
        assert_eq!(
            pow.check(&format!("{}=", c.challenge), nonce, NOW),
            Err(PowError::Malformed)
        );
        let other = PowIssuer::new([0x22; 32], 8);
        assert_eq!(other.check(&c.challenge, nonce, NOW), Err(PowError::BadTag));
        assert_eq!(
            pow.check(&c.challenge, nonce, NOW + TTL_SECS),
            Err(PowError::Expired)
        );
        assert_eq!(
            pow.check(&c.challenge, NONCE_LIMIT, NOW),
            Err(PowError::NonceRange)
        );
        assert_eq!(
            pow.check(&c.challenge, u64::MAX, NOW),
            Err(PowError::NonceRange)
        );
        let bad = non_solution(&r, 8);
        assert_eq!(
            pow.check(&c.challenge, bad, NOW),
            Err(PowError::Insufficient)
        );
    }

    #[test]
    fn any_bit_flip_in_the_challenge_breaks_the_tag() {
        let pow = issuer(4);
        let c = pow.issue(NOW);
        let r = raw(&c);
        for bit in 0..CHALLENGE_LEN * 8 {
            let mut flipped = r;
            flipped[bit / 8] ^= 0x80 >> (bit % 8);
            // Solve the flipped challenge so only the tag can be what fails.
            let nonce = solve(&flipped, 4);
            let result = pow.check(&b64::encode(flipped), nonce, NOW);
            assert_eq!(result, Err(PowError::BadTag), "bit {bit}");
        }
    }

    #[test]
    fn client_cannot_lower_the_difficulty() {
        let pow = issuer(12);
        let r = raw(&pow.issue(NOW));
        let mut lowered = r;
        lowered[0] = 0;
        assert_eq!(
            pow.check(&b64::encode(lowered), 0, NOW),
            Err(PowError::BadTag)
        );
        // Byte 0 is what is enforced: a nonce good for fewer bits is refused.
        let weak = non_solution(&r, 12);
        assert_eq!(
            pow.check(&b64::encode(r), weak, NOW),
            Err(PowError::Insufficient)
        );
        // A challenge issued at a lower base (same secret) must still meet the current base.
        let old = PowIssuer::new([0x11; 32], 4).issue(NOW);
        let old_raw = raw(&old);
        let easy = (0..)
            .find(|&n| {
                let z = leading_zero_bits(work_hash(&old_raw, n).as_ref());
                (4..12).contains(&z)
            })
            .unwrap();
        assert_eq!(
            pow.check(&old.challenge, easy, NOW),
            Err(PowError::Insufficient)
        );
    }

    #[test]
    fn difficulty_follows_the_submission_rate() {
        let pow = issuer(10);
        assert_eq!(pow.current_bits(NOW), 10);
        let mut expected = Vec::new();
        for n in 1..=4000usize {
            pow.record_write(NOW);
            if [30, 31, 60, 61, 120, 121, 3840, 3841, 4000].contains(&n) {
                expected.push((n, pow.current_bits(NOW)));
            }
        }
        let want = [(30, 10), (31, 11), (60, 11), (61, 12), (120, 12), (121, 13)];
        assert_eq!(&expected[..6], &want);
        assert_eq!(&expected[6..], &[(3840, 17), (3841, 18), (4000, 18)]);
        assert_eq!(pow.issue(NOW).bits, 18);
        assert_eq!(PowIssuer::bits_of(&raw(&pow.issue(NOW))), 18);
        // Still inside the window just before it ends, back to base after it.
        assert_eq!(pow.current_bits(NOW + RATE_WINDOW_SECS - 1), 18);
        assert_eq!(pow.current_bits(NOW + RATE_WINDOW_SECS), 10);
        assert!(pow.recent().is_empty());
    }

    #[test]
    fn recent_submissions_stay_bounded() {
        let pow = issuer(1);
        for _ in 0..RECENT_CAP + 100 {
            pow.record_write(NOW);
        }
        assert_eq!(pow.recent().len(), RECENT_CAP);
        assert_eq!(pow.current_bits(NOW), 1 + MAX_EXTRA_BITS);
    }

    #[test]
    fn spent_tokens_keep_the_hour_only() {
        let pow = issuer(1);
        let r = raw(&pow.issue(NOW));
        let token = spent_token(&r);
        let expiry = PowIssuer::expiry_of(&r);
        let hour = spent_token_hour(&token);
        assert_eq!(hour % crate::protocol::time::HOUR, 0);
        assert!(hour >= expiry && hour < expiry + crate::protocol::time::HOUR);
        // Neither the challenge nor its expiry to the second is in the token.
        let window = |needle: &[u8]| token.windows(needle.len()).any(|w| w == needle);
        assert!(!window(&expiry.to_be_bytes()) && !window(&r[..16]));
        assert_eq!(token, spent_token(&r), "stable");
        assert_ne!(
            token,
            spent_token(&raw(&pow.issue(NOW))),
            "one per challenge"
        );
    }

    #[test]
    fn base_zero_disables_proof_of_work() {
        let pow = issuer(0);
        for _ in 0..1000 {
            pow.record_write(NOW);
        }
        let c = pow.issue(NOW);
        assert_eq!(c.bits, 0);
        assert_eq!(pow.check(&c.challenge, 0, NOW), Ok(raw(&c)));
    }
}
