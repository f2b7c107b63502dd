//! The reporter's access code (meldcode) and the keys derived from it, DESIGN.md §3.2.
//!
//! Contract: an [`AccessCode`] is 16 secret bytes, never printed by `Debug`. Its text form is
//! 26 Crockford base32 symbols of the 128-bit big-endian integer (the first symbol carries the
//! top 3 bits, so it is at most `7`) plus a check symbol (the integer mod 37 over
//! `0-9A-Z` minus `ILOU`, then `*~$=U`), upper case, in groups of four joined by `-`.
//! [`AccessCode::parse`] is forgiving about case, spaces, hyphens and `I`/`L`/`O`, and because
//! 32^k is never 0 mod the prime 37, every single-symbol substitution changes the check and is
//! reported (as `Typo`, `Overflow` or `Symbol`), never accepted.
//!
//! Derivation: `prk = HKDF-Extract(salt = "meldpunt access code v1", ikm = code)` and three
//! 32-byte `HKDF-Expand`s with infos `"auth"`, `"reporter x25519"` and `"receipt binding"`.
//! The reporter's X25519 private key is that raw HKDF output, NOT RFC 9180 DeriveKeyPair; X25519
//! clamps it on use (RFC 7748, and `hpke`'s `PrivateKey::from_bytes`, and WebCrypto), so it
//! needs no processing and the JavaScript side uses the same 32 bytes.

use std::fmt;
use zeroize::{Zeroize, Zeroizing};

use super::{hkdf_expand32, hpke_suite, sha256};

/// Crockford base32 symbols (values 0..32) followed by the check-only symbols (32..37).
const ALPHABET: &[u8; 37] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ*~$=U";
/// Data symbols plus the check symbol.
pub const CODE_SYMBOLS: usize = 27;
const DATA_SYMBOLS: usize = 26;

const HKDF_SALT: &[u8] = b"meldpunt access code v1";
const INFO_AUTH: &[u8] = b"auth";
const INFO_REPORTER_X25519: &[u8] = b"reporter x25519";
const INFO_RECEIPT_BINDING: &[u8] = b"receipt binding";

/// Why a typed access code was refused, so the page can say which mistake it was.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AccessCodeError {
    /// Not 27 symbols once spaces and hyphens are removed.
    #[error("an access code has 27 characters")]
    Length,
    /// A character outside the alphabet (or a check-only symbol in a data position).
    #[error("the access code contains a character that cannot occur in it")]
    Symbol,
    /// The check symbol does not match: a character was mistyped.
    #[error("the access code contains a typing error")]
    Typo,
    /// The first symbol is above 7, so the value does not fit in 128 bits.
    #[error("the access code contains a typing error in its first character")]
    Overflow,
}

/// The 16-byte access code. Cloning copies the secret into another zeroizing buffer.
#[derive(Clone)]
pub struct AccessCode(Zeroizing<[u8; 16]>);

impl fmt::Debug for AccessCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AccessCode(..)")
    }
}

/// Keys the reporter derives from the access code. Only `reporter_pk` is public.
pub struct ReporterKeys {
    /// Bearer token for reporter requests.
    pub auth_key: Zeroizing<[u8; 32]>,
    /// The reporter's X25519 private key (raw HKDF output, clamped by X25519 on use).
    pub reporter_sk: Zeroizing<[u8; 32]>,
    /// X25519 public key of `reporter_sk`.
    pub reporter_pk: [u8; 32],
    /// Receipt binding secret; revealing it proves a receipt is the reporter's.
    pub rb: Zeroizing<[u8; 32]>,
}

impl fmt::Debug for ReporterKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReporterKeys")
            .field(
                "reporter_pk",
                &crate::protocol::b64::encode(self.reporter_pk),
            )
            .finish_non_exhaustive()
    }
}

impl ReporterKeys {
    /// `SHA-256(auth_key)`: what the server stores and looks the case up by.
    pub fn verifier(&self) -> [u8; 32] {
        sha256(self.auth_key.as_slice())
    }

    /// `SHA-256(rb)`: the receipt's `sub`.
    pub fn binding(&self) -> [u8; 32] {
        sha256(self.rb.as_slice())
    }
}

impl AccessCode {
    /// A fresh code from the CSPRNG.
    pub fn generate() -> Self {
        Self(Zeroizing::new(super::random_bytes::<16>()))
    }

    /// Wraps 16 known bytes (tests, vectors).
    pub fn from_bytes(b: [u8; 16]) -> Self {
        let mut b = b;
        let code = Self(Zeroizing::new(b));
        b.zeroize();
        code
    }

    /// The secret bytes.
    pub fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }

    /// Parses typed text; see the module documentation for what is forgiven.
    pub fn parse(text: &str) -> Result<Self, AccessCodeError> {
        let mut symbols = Zeroizing::new([0u8; CODE_SYMBOLS]);
        let mut count = 0;
        for c in text.chars() {
            if c == '-' || c.is_ascii_whitespace() {
                continue;
            }
            let value = symbol_value(c).ok_or(AccessCodeError::Symbol)?;
            let slot = symbols.get_mut(count).ok_or(AccessCodeError::Length)?;
            *slot = value;
            count += 1;
        }
        if count != CODE_SYMBOLS {
            return Err(AccessCodeError::Length);
        }
        if symbols[..DATA_SYMBOLS].iter().any(|&v| v >= 32) {
            return Err(AccessCodeError::Symbol);
        }
        if symbols[0] > 7 {
            return Err(AccessCodeError::Overflow);
        }
        let mut value = Zeroizing::new(0u128);
        for &v in &symbols[..DATA_SYMBOLS] {
            // Cannot overflow: the first symbol is at most 7, so 3 + 25·5 = 128 bits.
            *value = (*value << 5) | u128::from(v);
        }
        if *value % 37 != u128::from(symbols[DATA_SYMBOLS]) {
            return Err(AccessCodeError::Typo);
        }
        Ok(Self(Zeroizing::new(value.to_be_bytes())))
    }

    /// The code as shown to the reporter: 27 upper-case symbols in groups of four joined by `-`.
    pub fn display(&self) -> Zeroizing<String> {
        let value = Zeroizing::new(u128::from_be_bytes(*self.0));
        // 27 symbols and 6 separators; capacity fixed up front so the secret is never reallocated.
        let mut out = Zeroizing::new(String::with_capacity(CODE_SYMBOLS + 6));
        let check = (*value % 37) as usize;
        for i in 0..CODE_SYMBOLS {
            if i > 0 && i % 4 == 0 {
                out.push('-');
            }
            let index = if i < DATA_SYMBOLS {
                ((*value >> (5 * (DATA_SYMBOLS - 1 - i))) & 31) as usize
            } else {
                check
            };
            out.push(char::from(ALPHABET[index]));
        }
        out
    }

    /// Derives the reporter's keys (§3.2).
    pub fn derive_keys(&self) -> ReporterKeys {
        let prk =
            ring::hkdf::Salt::new(ring::hkdf::HKDF_SHA256, HKDF_SALT).extract(self.0.as_slice());
        let reporter_sk = hkdf_expand32(&prk, INFO_REPORTER_X25519);
        let reporter_pk = hpke_suite::x25519_public(&reporter_sk);
        ReporterKeys {
            auth_key: hkdf_expand32(&prk, INFO_AUTH),
            reporter_sk,
            reporter_pk,
            rb: hkdf_expand32(&prk, INFO_RECEIPT_BINDING),
        }
    }
}

impl PartialEq for AccessCode {
    fn eq(&self, other: &Self) -> bool {
        super::ct_eq(self.0.as_slice(), other.0.as_slice())
    }
}
impl Eq for AccessCode {}

/// Value of one typed symbol in the 37-symbol check alphabet, with Crockford's aliases.
fn symbol_value(c: char) -> Option<u8> {
    let c = match c.to_ascii_uppercase() {
        'I' | 'L' => '1',
        'O' => '0',
        c => c,
    };
    let byte = u8::try_from(c).ok()?;
    ALPHABET
        .iter()
        .position(|&a| a == byte)
        .and_then(|p| u8::try_from(p).ok())
}

#[cfg(test)]
#[path = "access_code_tests.rs"]
mod tests;
