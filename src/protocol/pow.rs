//! Proof of work as clients see it (DESIGN §8, `GET /api/v1/pow`): the challenge's layout, the
//! work a solution must show, and a solver. Issuing and checking challenges (with the server's
//! secret, and the global rate) is `server::pow`.
//!
//! A challenge is 40 bytes: `bits (1) || random (15) || u64be expiry (8) || tag (16)`. A
//! solution is a `nonce` below [`NONCE_LIMIT`] (2^53, exact in a JSON/JavaScript number) such
//! that SHA-256(challenge || u64be(nonce)) starts with at least `bits` zero bits.

use ring::digest;
use serde::{Deserialize, Serialize};

/// Raw challenge length.
pub const CHALLENGE_LEN: usize = 40;
/// Nonces must be below this (2^53), the exact-integer limit of a JavaScript number.
pub const NONCE_LIMIT: u64 = 1 << 53;

/// Where the expiry sits in a raw challenge.
pub(crate) const EXPIRY_AT: usize = 16;
/// The bytes the tag covers.
pub(crate) const TAGGED_LEN: usize = 24;

/// The expiry (unix secs) carried in a raw challenge.
pub fn expiry_of(challenge: &[u8; CHALLENGE_LEN]) -> u64 {
    let mut expiry = [0u8; 8];
    expiry.copy_from_slice(&challenge[EXPIRY_AT..TAGGED_LEN]);
    u64::from_be_bytes(expiry)
}

/// The difficulty carried in a raw challenge (byte 0).
pub fn bits_of(challenge: &[u8; CHALLENGE_LEN]) -> u8 {
    challenge[0]
}

/// The body of `GET /api/v1/pow`.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, utoipa::ToSchema)]
pub struct PowChallenge {
    pub challenge: String,
    pub bits: u8,
}

pub fn work_hash(challenge: &[u8], nonce: u64) -> digest::Digest {
    let mut ctx = digest::Context::new(&digest::SHA256);
    ctx.update(challenge);
    ctx.update(&nonce.to_be_bytes());
    ctx.finish()
}

/// Number of leading zero bits of `hash`, most significant bit of byte 0 first.
pub fn leading_zero_bits(hash: &[u8]) -> u32 {
    let mut bits = 0;
    for &byte in hash {
        bits += byte.leading_zeros();
        if byte != 0 {
            break;
        }
    }
    bits
}

/// Smallest nonce solving `challenge` (raw bytes) at `bits`; for clients and tests.
/// Expected work is 2^bits hashes.
pub fn solve(challenge: &[u8], bits: u8) -> u64 {
    let mut prefix = digest::Context::new(&digest::SHA256);
    prefix.update(challenge);
    let mut nonce = 0u64;
    loop {
        let mut ctx = prefix.clone();
        ctx.update(&nonce.to_be_bytes());
        if leading_zero_bits(ctx.finish().as_ref()) >= u32::from(bits) {
            return nonce;
        }
        nonce += 1;
    }
}
