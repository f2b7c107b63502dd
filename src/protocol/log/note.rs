//! C2SP `signed-note` with Ed25519 note keys (algorithm byte 0x01).
//!
//! A note is its text (UTF-8, no ASCII control characters but newline, ending in `"\n"`), a blank
//! line, then one or more signature lines `"— <name> <base64(key id(4) || signature(64))>\n"`
//! (U+2014 EM DASH, space). The signature is Ed25519 over the text bytes. The key id is the first
//! four bytes of `SHA-256(name || "\n" || 0x01 || public key)`; the verifier key string is
//! `<name>+<hex8 key id>+<base64(0x01 || public key)>`. Key names are non-empty and contain no
//! whitespace and no `+`.
//!
//! [`NoteVerifier::open`] accepts a note only if it is well formed throughout and carries a valid
//! signature line by this verifier (same name and key id); lines by other keys are skipped, a
//! bad or duplicate line by this key rejects the note. The caller provides the signing seed and
//! keeps it secret; the key zeroizes itself on drop.

use crate::protocol::b64;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use ring::digest::{Context, SHA256};

/// Notes longer than this are rejected unread; a checkpoint is a few hundred bytes.
pub const MAX_NOTE_LEN: usize = 64 * 1024;
/// At most this many signature lines are looked at.
pub const MAX_SIGNATURES: usize = 100;

const ALG_ED25519: u8 = 0x01;
const SIG_PREFIX: &str = "\u{2014} ";

/// Errors of notes and checkpoints.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum NoteError {
    #[error("invalid note key name")]
    InvalidName,
    #[error("malformed note verifier key: {0}")]
    InvalidVerifierKey(&'static str),
    #[error("malformed note: {0}")]
    Malformed(&'static str),
    #[error("note has no signature by the expected key")]
    NotSigned,
    #[error("note signature by the expected key does not verify")]
    BadSignature,
    #[error("malformed checkpoint: {0}")]
    MalformedCheckpoint(&'static str),
}

/// Whether `name` may name a note key: non-empty, no whitespace, no `+`, no control characters.
pub fn is_valid_name(name: &str) -> bool {
    !name.is_empty()
        && !name
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '+')
}

/// Whether `text` is acceptable note text: ends in a newline and has no ASCII control character
/// other than newline.
pub fn is_valid_text(text: &str) -> bool {
    text.ends_with('\n') && !text.bytes().any(|b| b < 0x20 && b != b'\n')
}

/// `SHA-256(name || "\n" || 0x01 || public key)[..4]`.
pub fn key_id(name: &str, public_key: &[u8; 32]) -> [u8; 4] {
    let mut ctx = Context::new(&SHA256);
    ctx.update(name.as_bytes());
    ctx.update(b"\n");
    ctx.update(&[ALG_ED25519]);
    ctx.update(public_key);
    let digest = ctx.finish();
    let mut id = [0u8; 4];
    id.copy_from_slice(&digest.as_ref()[..4]);
    id
}

fn hex8(id: &[u8; 4]) -> String {
    id.iter().map(|b| format!("{b:02x}")).collect()
}

/// An Ed25519 note signing key with its name.
pub struct NoteSigner {
    name: String,
    key: SigningKey,
    key_id: [u8; 4],
}

impl std::fmt::Debug for NoteSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NoteSigner")
            .field("name", &self.name)
            .field("key_id", &hex8(&self.key_id))
            .finish_non_exhaustive()
    }
}

impl NoteSigner {
    /// The signer for key `name` with the Ed25519 secret key `seed` (RFC 8032 private key).
    pub fn from_seed(name: &str, seed: &[u8; 32]) -> Result<Self, NoteError> {
        if !is_valid_name(name) {
            return Err(NoteError::InvalidName);
        }
        let key = SigningKey::from_bytes(seed);
        let key_id = key_id(name, key.verifying_key().as_bytes());
        Ok(NoteSigner {
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

    /// `<name>+<hex8 key id>+<base64(0x01 || public key)>`.
    pub fn verifier_key(&self) -> String {
        let mut raw = [0u8; 33];
        raw[0] = ALG_ED25519;
        raw[1..].copy_from_slice(&self.public_key());
        format!(
            "{}+{}+{}",
            self.name,
            hex8(&self.key_id),
            b64::encode_std(raw)
        )
    }

    pub fn verifier(&self) -> NoteVerifier {
        NoteVerifier {
            name: self.name.clone(),
            key_id: self.key_id,
            key: self.key.verifying_key(),
        }
    }

    /// Signs `text` and returns the note: text, blank line, one signature line.
    pub fn sign(&self, text: &str) -> Result<String, NoteError> {
        if !is_valid_text(text) {
            return Err(NoteError::Malformed(
                "text must end in a newline, no control characters",
            ));
        }
        let signature = self.key.sign(text.as_bytes()).to_bytes();
        let mut blob = Vec::with_capacity(68);
        blob.extend_from_slice(&self.key_id);
        blob.extend_from_slice(&signature);
        Ok(format!(
            "{text}\n{SIG_PREFIX}{} {}\n",
            self.name,
            b64::encode_std(blob)
        ))
    }
}

/// An Ed25519 note verifier key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteVerifier {
    name: String,
    key_id: [u8; 4],
    key: VerifyingKey,
}

impl NoteVerifier {
    /// Parses `<name>+<hex8 key id>+<base64(0x01 || public key)>`, checking the key id.
    pub fn parse(verifier_key: &str) -> Result<Self, NoteError> {
        let bad = NoteError::InvalidVerifierKey;
        // Names and key ids contain no '+', base64 may: split at the first two only.
        let mut parts = verifier_key.splitn(3, '+');
        let (Some(name), Some(id_hex), Some(key_b64)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(bad("expected name+keyid+key"));
        };
        if !is_valid_name(name) {
            return Err(NoteError::InvalidName);
        }
        if id_hex.len() != 8
            || !id_hex
                .bytes()
                .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
        {
            return Err(bad("key id must be 8 lowercase hex digits"));
        }
        let raw = b64::decode_std(key_b64).ok_or(bad("key is not base64"))?;
        let Some((&ALG_ED25519, public)) = raw.split_first() else {
            return Err(bad("not an Ed25519 key"));
        };
        let public: [u8; 32] = public.try_into().map_err(|_| bad("wrong key length"))?;
        let key = VerifyingKey::from_bytes(&public).map_err(|_| bad("invalid Ed25519 key"))?;
        if key.is_weak() {
            return Err(bad("weak Ed25519 key"));
        }
        let key_id = key_id(name, &public);
        if hex8(&key_id) != id_hex {
            return Err(bad("key id does not match the key"));
        }
        Ok(NoteVerifier {
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

    /// Checks `note` and returns its text (ending in `"\n"`) if it carries a valid signature by
    /// this key. The text is split from the signatures at the last blank line.
    pub fn open<'a>(&self, note: &'a str) -> Result<&'a str, NoteError> {
        let malformed = NoteError::Malformed;
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
        let mut verified = false;
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
            if name != self.name || blob[..4] != self.key_id {
                continue;
            }
            if verified {
                return Err(malformed("duplicate signature by one key"));
            }
            let signature: [u8; 64] = blob[4..].try_into().map_err(|_| NoteError::BadSignature)?;
            self.key
                .verify_strict(text.as_bytes(), &Signature::from_bytes(&signature))
                .map_err(|_| NoteError::BadSignature)?;
            verified = true;
        }
        if verified {
            Ok(text)
        } else {
            Err(NoteError::NotSigned)
        }
    }
}

#[cfg(test)]
mod tests;
