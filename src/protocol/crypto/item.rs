//! Encrypted content items, DESIGN.md §3.4 (padding §3.5 lives in `padding`, re-exported here).
//!
//! Contract: `ct = AES-256-GCM(key, nonce, pad(plaintext), aad)` with
//! `aad = "meldpunt item v1" || 0x00 || case_id || id || kind byte`, so an item opens only under
//! its key, in its case, with its id and kind. [`Item::seal`] draws a random 96-bit nonce: a case
//! key encrypts far fewer than 2^32 items, the bound for random GCM nonces. The item's canonical
//! bytes are `id || kind byte || nonce || ct` and its hash their SHA-256.
//! Deserialising checks the lengths of `id`, `nonce` and the minimum length of `ct`.
//!
//! Not covered here: the chunk index and last-chunk flag that §3.4 puts into the AAD of
//! attachment chunks; each chunk is an item with the plain item AAD until that is specified.

use ring::aead::{AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
use serde::{Deserialize, Deserializer, Serialize};
use zeroize::Zeroizing;

pub use super::padding::{MIN_PADDED_LEN, is_padme_len, pad, padme_len, unpad};
use super::{CaseId, CryptoError, serde_b64, sha256};

/// Shortest item ciphertext: the 1 KiB minimum padded length plus the 16-byte tag.
pub const MIN_ITEM_CT_LEN: usize = 1024 + 16;
const TAG_LEN: usize = 16;
const AAD_PREFIX: &[u8] = b"meldpunt item v1\x00";

/// What an item holds; written as its name in JSON and as the byte in AAD and item bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ItemKind {
    Report = 1,
    Message = 2,
    Attachment = 3,
    Note = 4,
    Identity = 5,
}

impl ItemKind {
    /// The byte written into AAD and item bytes.
    pub fn as_byte(self) -> u8 {
        self as u8
    }

    /// The name JSON uses.
    pub fn name(self) -> &'static str {
        match self {
            ItemKind::Report => "report",
            ItemKind::Message => "message",
            ItemKind::Attachment => "attachment",
            ItemKind::Note => "note",
            ItemKind::Identity => "identity",
        }
    }
}

/// `"meldpunt item v1" || 0x00 || case_id || id || kind byte`.
pub fn item_aad(case_id: &CaseId, id: &[u8; 16], kind: ItemKind) -> Vec<u8> {
    let mut aad = Vec::with_capacity(AAD_PREFIX.len() + 33);
    aad.extend_from_slice(AAD_PREFIX);
    aad.extend_from_slice(case_id);
    aad.extend_from_slice(id);
    aad.push(kind.as_byte());
    aad
}

/// An encrypted item as stored and sent: `{id, kind, nonce, ct}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Item {
    #[serde(
        serialize_with = "serde_b64::fixed::serialize",
        deserialize_with = "de_id"
    )]
    #[schema(value_type = String)]
    pub id: [u8; 16],
    pub kind: ItemKind,
    #[serde(
        serialize_with = "serde_b64::fixed::serialize",
        deserialize_with = "de_nonce"
    )]
    #[schema(value_type = String)]
    pub nonce: [u8; 12],
    #[serde(
        serialize_with = "serde_b64::bytes::serialize",
        deserialize_with = "de_ct"
    )]
    #[schema(value_type = String)]
    pub ct: Vec<u8>,
}

fn de_id<'de, D: Deserializer<'de>>(d: D) -> Result<[u8; 16], D::Error> {
    serde_b64::fixed_field(d, "id")
}

fn de_nonce<'de, D: Deserializer<'de>>(d: D) -> Result<[u8; 12], D::Error> {
    serde_b64::fixed_field(d, "nonce")
}

fn de_ct<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
    serde_b64::bytes_field(d, "ct", MIN_ITEM_CT_LEN, usize::MAX)
}

fn aead_key(key: &[u8; 32]) -> Result<LessSafeKey, CryptoError> {
    UnboundKey::new(&AES_256_GCM, key)
        .map(LessSafeKey::new)
        .map_err(|_| CryptoError::InvalidKey)
}

impl Item {
    /// Pads and encrypts `plaintext` under `key` with a fresh random nonce.
    pub fn seal(
        key: &[u8; 32],
        case_id: &CaseId,
        id: [u8; 16],
        kind: ItemKind,
        plaintext: &[u8],
    ) -> Result<Item, CryptoError> {
        Self::seal_with_nonce(
            key,
            case_id,
            id,
            kind,
            super::random_bytes::<12>(),
            plaintext,
        )
    }

    /// [`Item::seal`] with a caller-chosen nonce: only for test vectors, since reusing a nonce
    /// under one key destroys GCM's confidentiality and integrity.
    pub(crate) fn seal_with_nonce(
        key: &[u8; 32],
        case_id: &CaseId,
        id: [u8; 16],
        kind: ItemKind,
        nonce: [u8; 12],
        plaintext: &[u8],
    ) -> Result<Item, CryptoError> {
        let aead = aead_key(key)?;
        // `pad` reserves room for the tag, so sealing in place never reallocates; the buffer
        // leaves its zeroizing wrapper only once it holds ciphertext.
        let mut buf = pad(plaintext);
        aead.seal_in_place_append_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(item_aad(case_id, &id, kind)),
            &mut *buf,
        )
        .map_err(|_| CryptoError::Seal)?;
        let ct = std::mem::take(&mut *buf);
        Ok(Item {
            id,
            kind,
            nonce,
            ct,
        })
    }

    /// Decrypts and unpads; fails with `Open` on any wrong key, context or byte.
    pub fn open(
        &self,
        key: &[u8; 32],
        case_id: &CaseId,
    ) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        if self.ct.len() < MIN_ITEM_CT_LEN {
            return Err(CryptoError::Open);
        }
        let mut buf = Zeroizing::new(self.ct.clone());
        let plain_len = aead_key(key)?
            .open_in_place(
                Nonce::assume_unique_for_key(self.nonce),
                Aad::from(item_aad(case_id, &self.id, self.kind)),
                &mut buf,
            )
            .map_err(|_| CryptoError::Open)?
            .len();
        let unpadded_len = unpad(&buf[..plain_len])?.len();
        // Truncating keeps the allocation, so the Zeroizing wrapper still wipes all of it.
        buf.truncate(unpadded_len);
        Ok(buf)
    }

    /// Canonical bytes: `id || kind byte || nonce || ct`.
    pub fn bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(16 + 1 + 12 + self.ct.len());
        out.extend_from_slice(&self.id);
        out.push(self.kind.as_byte());
        out.extend_from_slice(&self.nonce);
        out.extend_from_slice(&self.ct);
        out
    }

    /// `SHA-256(item_bytes)`.
    pub fn hash(&self) -> [u8; 32] {
        sha256(&self.bytes())
    }

    /// Whether the ciphertext length is one an honest [`Item::seal`] produces (a Padmé length
    /// plus the tag); the server should refuse others, as they would leak the plaintext length.
    pub fn has_padded_len(&self) -> bool {
        self.ct.len() >= TAG_LEN && is_padme_len(self.ct.len() - TAG_LEN)
    }
}

#[cfg(test)]
#[path = "item_tests.rs"]
mod tests;
