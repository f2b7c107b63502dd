//! C2SP `tlog-cosignature` v1 (Ed25519, signature type 0x04): a witness's timestamped
//! signature on a checkpoint (DESIGN: witnesses; `docs/PROTOCOL.md` §12.1).
//!
//! A cosignature is a note signature line `"— <name> <base64(key id(4) || timestamp u64be(8) ||
//! Ed25519 signature(64))>"`. The key id is `SHA-256(name || "\n" || 0x04 || public key)[..4]`,
//! the vkey `<name>+<hex8 key id>+<base64(0x04 || public key)>`. The signed message is
//! `"cosignature/v1\ntime <timestamp>\n"` followed by the whole checkpoint body (its text,
//! ending in `"\n"`, without signature lines). The timestamp is POSIX seconds, at most
//! 2^63 - 1; the signer refuses zero (tlog-witness: a cosignature MUST NOT omit it).
//!
//! [`CosignatureVerifier::verify`] reads a note with the rules of [`super::note`] (size, control
//! characters, last blank line, em-dash lines, valid names, base64, at most
//! [`MAX_SIGNATURES`] lines), skips lines by other keys, and errs on a bad or duplicate line by
//! its own key. [`count_cosigners`] counts distinct pinned keys with a valid line. The Ed25519
//! message does not commit to the name, so "distinct" is by public key: one key pinned under
//! two names counts once.

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use ring::digest::{Context, SHA256};

use super::note::{MAX_NOTE_LEN, MAX_SIGNATURES, is_valid_name, is_valid_text};
use crate::protocol::b64;

/// The signed-note signature type of timestamped Ed25519 cosignatures.
pub const ALG_COSIGNATURE_V1: u8 = 0x04;
const SIG_PREFIX: &str = "\u{2014} ";
/// key id (4) || timestamp (8) || Ed25519 signature (64).
const BLOB_LEN: usize = 4 + 8 + 64;

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum CosignatureError {
    #[error("invalid cosigner name")]
    InvalidName,
    #[error("malformed cosigner verifier key: {0}")]
    InvalidVerifierKey(&'static str),
    #[error("malformed note: {0}")]
    Malformed(&'static str),
    #[error("invalid cosignature timestamp")]
    Timestamp,
    #[error("note has no cosignature by the expected key")]
    NotSigned,
    #[error("cosignature by the expected key does not verify")]
    BadSignature,
}

/// `SHA-256(name || "\n" || 0x04 || public key)[..4]`.
pub fn cosignature_key_id(name: &str, public_key: &[u8; 32]) -> [u8; 4] {
    let mut ctx = Context::new(&SHA256);
    ctx.update(name.as_bytes());
    ctx.update(b"\n");
    ctx.update(&[ALG_COSIGNATURE_V1]);
    ctx.update(public_key);
    let mut id = [0u8; 4];
    id.copy_from_slice(&ctx.finish().as_ref()[..4]);
    id
}

/// `"cosignature/v1\ntime <timestamp>\n" || body`: what the cosigner signs.
pub fn signed_message(body: &str, timestamp: u64) -> Vec<u8> {
    format!("cosignature/v1\ntime {timestamp}\n{body}").into_bytes()
}

fn hex8(id: &[u8; 4]) -> String {
    id.iter().map(|b| format!("{b:02x}")).collect()
}

/// A witness's Ed25519 cosigning key with its name.
pub struct CosignatureSigner {
    name: String,
    key: SigningKey,
    key_id: [u8; 4],
}

impl std::fmt::Debug for CosignatureSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CosignatureSigner")
            .field("name", &self.name)
            .field("key_id", &hex8(&self.key_id))
            .finish_non_exhaustive()
    }
}

impl CosignatureSigner {
    /// The cosigner `name` with the Ed25519 secret key `seed` (RFC 8032 private key).
    pub fn from_seed(name: &str, seed: &[u8; 32]) -> Result<Self, CosignatureError> {
        if !is_valid_name(name) {
            return Err(CosignatureError::InvalidName);
        }
        let key = SigningKey::from_bytes(seed);
        let key_id = cosignature_key_id(name, key.verifying_key().as_bytes());
        Ok(CosignatureSigner {
            name: name.to_owned(),
            key,
            key_id,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn key_id(&self) -> [u8; 4] {
        self.key_id
    }

    pub fn public_key(&self) -> [u8; 32] {
        self.key.verifying_key().to_bytes()
    }

    /// `<name>+<hex8 key id>+<base64(0x04 || public key)>`, the line a trust root pins.
    pub fn vkey(&self) -> String {
        let mut raw = [0u8; 33];
        raw[0] = ALG_COSIGNATURE_V1;
        raw[1..].copy_from_slice(&self.public_key());
        format!(
            "{}+{}+{}",
            self.name,
            hex8(&self.key_id),
            b64::encode_std(raw)
        )
    }

    pub fn verifier(&self) -> CosignatureVerifier {
        CosignatureVerifier {
            name: self.name.clone(),
            key_id: self.key_id,
            key: self.key.verifying_key(),
        }
    }

    /// The signature line (without its final newline) cosigning `checkpoint_body` at
    /// `timestamp`.
    pub fn cosign(
        &self,
        checkpoint_body: &str,
        timestamp: u64,
    ) -> Result<String, CosignatureError> {
        if !is_valid_text(checkpoint_body) {
            return Err(CosignatureError::Malformed(
                "body must end in a newline, no control characters",
            ));
        }
        if timestamp == 0 || timestamp > i64::MAX as u64 {
            return Err(CosignatureError::Timestamp);
        }
        let signature = self
            .key
            .sign(&signed_message(checkpoint_body, timestamp))
            .to_bytes();
        let mut blob = Vec::with_capacity(BLOB_LEN);
        blob.extend_from_slice(&self.key_id);
        blob.extend_from_slice(&timestamp.to_be_bytes());
        blob.extend_from_slice(&signature);
        Ok(format!(
            "{SIG_PREFIX}{} {}",
            self.name,
            b64::encode_std(blob)
        ))
    }
}

/// One signature line of a note: its key name and decoded blob.
struct Line<'a> {
    name: &'a str,
    blob: Vec<u8>,
}

/// Splits a note into its text and signature lines, with the same rules as
/// `NoteVerifier::open`, so a note one accepts the other can read.
fn split_note(note: &str) -> Result<(&str, Vec<Line<'_>>), CosignatureError> {
    let malformed = CosignatureError::Malformed;
    if note.len() > MAX_NOTE_LEN {
        return Err(malformed("too long"));
    }
    if note.bytes().any(|b| b < 0x20 && b != b'\n') {
        return Err(malformed("control character"));
    }
    let split = note.rfind("\n\n").ok_or(malformed("no signature block"))?;
    let (text, sigs) = (&note[..split + 1], &note[split + 2..]);
    let sigs = sigs
        .strip_suffix('\n')
        .filter(|s| !s.is_empty())
        .ok_or(malformed(
            "signature block must be lines ending in a newline",
        ))?;
    let mut lines = Vec::new();
    for (count, line) in sigs.split('\n').enumerate() {
        if count >= MAX_SIGNATURES {
            return Err(malformed("too many signatures"));
        }
        let rest = line
            .strip_prefix(SIG_PREFIX)
            .ok_or(malformed("signature line must start with an em dash"))?;
        let (name, blob) = rest
            .split_once(' ')
            .ok_or(malformed("signature line needs a name and a signature"))?;
        if !is_valid_name(name) {
            return Err(malformed("invalid key name in signature line"));
        }
        let blob = b64::decode_std(blob).ok_or(malformed("signature is not base64"))?;
        if blob.len() < 5 {
            return Err(malformed("signature too short"));
        }
        lines.push(Line { name, blob });
    }
    Ok((text, lines))
}

/// A pinned witness's cosignature verifier key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CosignatureVerifier {
    name: String,
    key_id: [u8; 4],
    key: VerifyingKey,
}

impl CosignatureVerifier {
    /// Parses `<name>+<hex8 key id>+<base64(0x04 || public key)>`, checking the key id.
    pub fn parse(vkey: &str) -> Result<Self, CosignatureError> {
        let bad = CosignatureError::InvalidVerifierKey;
        // Names and key ids contain no '+', base64 may: split at the first two only.
        let mut parts = vkey.splitn(3, '+');
        let (Some(name), Some(id_hex), Some(key_b64)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(bad("expected name+keyid+key"));
        };
        if !is_valid_name(name) {
            return Err(CosignatureError::InvalidName);
        }
        if id_hex.len() != 8
            || !id_hex
                .bytes()
                .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
        {
            return Err(bad("key id must be 8 lowercase hex digits"));
        }
        let raw = b64::decode_std(key_b64).ok_or(bad("key is not base64"))?;
        let Some((&ALG_COSIGNATURE_V1, public)) = raw.split_first() else {
            return Err(bad("not a cosignature/v1 (0x04) key"));
        };
        let public: [u8; 32] = public.try_into().map_err(|_| bad("wrong key length"))?;
        let key = VerifyingKey::from_bytes(&public).map_err(|_| bad("invalid Ed25519 key"))?;
        if key.is_weak() {
            return Err(bad("weak Ed25519 key"));
        }
        let key_id = cosignature_key_id(name, &public);
        if hex8(&key_id) != id_hex {
            return Err(bad("key id does not match the key"));
        }
        Ok(CosignatureVerifier {
            name: name.to_owned(),
            key_id,
            key,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn key_id(&self) -> [u8; 4] {
        self.key_id
    }

    pub fn public_key(&self) -> [u8; 32] {
        self.key.to_bytes()
    }

    /// The timestamp of this key's valid cosignature line on `note`.
    pub fn verify(&self, note: &str) -> Result<u64, CosignatureError> {
        let (text, lines) = split_note(note)?;
        let mut found = None;
        for line in lines {
            if line.name != self.name || line.blob[..4] != self.key_id {
                continue;
            }
            if found.is_some() {
                return Err(CosignatureError::Malformed(
                    "duplicate cosignature by one key",
                ));
            }
            let blob: &[u8; BLOB_LEN] = line
                .blob
                .as_slice()
                .try_into()
                .map_err(|_| CosignatureError::BadSignature)?;
            let timestamp = u64::from_be_bytes(blob[4..12].try_into().expect("8 bytes"));
            if timestamp > i64::MAX as u64 {
                return Err(CosignatureError::Timestamp);
            }
            let signature = Signature::from_bytes(blob[12..].try_into().expect("64 bytes"));
            self.key
                .verify_strict(&signed_message(text, timestamp), &signature)
                .map_err(|_| CosignatureError::BadSignature)?;
            found = Some(timestamp);
        }
        found.ok_or(CosignatureError::NotSigned)
    }
}

/// How many distinct pinned keys among `verifiers` have a valid cosignature on `note` (0 for a
/// malformed note; a key with a bad or duplicate line does not count).
pub fn count_cosigners(note: &str, verifiers: &[CosignatureVerifier]) -> usize {
    let mut counted: Vec<[u8; 32]> = Vec::new();
    for verifier in verifiers {
        let key = verifier.public_key();
        if !counted.contains(&key) && verifier.verify(note).is_ok() {
            counted.push(key);
        }
    }
    counted.len()
}

#[cfg(test)]
#[path = "cosignature_tests.rs"]
mod tests;
