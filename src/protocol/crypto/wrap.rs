//! Case keys wrapped to a holder's X25519 key, DESIGN.md §3.3.
//!
//! Contract: a [`Wrap`] is `HPKE.Seal(pkR, info, aad = "", pt = key)` with
//! `info = "meldpunt wrap v1" || 0x00 || case_id || purpose byte`, so a wrap opens only for the
//! case and purpose it was made for: moving it to another case, or relabelling a thread wrap as
//! internal, makes it fail to open. `to` is not bound cryptographically (it only routes the wrap
//! to its holder; the wrong holder simply cannot open it). Deserialising checks the lengths of
//! `enc` (32) and `ct` ([`WRAP_CT_LEN`]); opening checks everything else.

use serde::{Deserialize, Deserializer, Serialize};
use zeroize::Zeroizing;

use super::{CaseId, CryptoError, hpke_suite, serde_b64};

/// Length of a wrap's ciphertext: a 32-byte key plus the 16-byte AES-GCM tag.
pub const WRAP_CT_LEN: usize = 48;

const INFO_PREFIX: &[u8] = b"meldpunt wrap v1\x00";

/// Which case key a wrap carries; written as its name in JSON and as the byte in `info`.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum WrapPurpose {
    Thread = 1,
    Internal = 2,
    Identity = 3,
}

impl WrapPurpose {
    /// The byte written into `info`.
    pub fn as_byte(self) -> u8 {
        self as u8
    }

    /// The name JSON uses.
    pub fn name(self) -> &'static str {
        match self {
            WrapPurpose::Thread => "thread",
            WrapPurpose::Internal => "internal",
            WrapPurpose::Identity => "identity",
        }
    }
}

/// `"meldpunt wrap v1" || 0x00 || case_id || purpose`.
pub fn wrap_info(case_id: &CaseId, purpose: WrapPurpose) -> Vec<u8> {
    let mut info = Vec::with_capacity(INFO_PREFIX.len() + 17);
    info.extend_from_slice(INFO_PREFIX);
    info.extend_from_slice(case_id);
    info.push(purpose.as_byte());
    info
}

/// A wrapped case key as stored and sent: `{to, purpose, enc, ct}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Wrap {
    /// `"reporter"` or a staff key id.
    pub to: String,
    pub purpose: WrapPurpose,
    #[serde(
        serialize_with = "serde_b64::fixed::serialize",
        deserialize_with = "de_enc"
    )]
    #[schema(value_type = String)]
    pub enc: [u8; 32],
    #[serde(
        serialize_with = "serde_b64::bytes::serialize",
        deserialize_with = "de_ct"
    )]
    #[schema(value_type = String)]
    pub ct: Vec<u8>,
}

fn de_enc<'de, D: Deserializer<'de>>(d: D) -> Result<[u8; 32], D::Error> {
    serde_b64::fixed_field(d, "enc")
}

fn de_ct<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
    serde_b64::bytes_field(d, "ct", WRAP_CT_LEN, WRAP_CT_LEN)
}

/// Wraps `key` for the holder of `pk_r`.
pub fn seal_case_key(
    pk_r: &[u8; 32],
    to: &str,
    case_id: &CaseId,
    purpose: WrapPurpose,
    key: &[u8; 32],
) -> Result<Wrap, CryptoError> {
    let (enc, ct) = hpke_suite::seal(pk_r, &wrap_info(case_id, purpose), b"", key)?;
    Ok(Wrap {
        to: to.to_owned(),
        purpose,
        enc,
        ct,
    })
}

/// Unwraps a case key with the holder's private key; the wrap's own `purpose` goes into `info`,
/// so the caller must check that it is the purpose they expect.
pub fn open_case_key(
    sk_r: &[u8; 32],
    case_id: &CaseId,
    wrap: &Wrap,
) -> Result<Zeroizing<[u8; 32]>, CryptoError> {
    if wrap.ct.len() != WRAP_CT_LEN {
        return Err(CryptoError::Open);
    }
    let pt = hpke_suite::open(
        sk_r,
        &wrap.enc,
        &wrap_info(case_id, wrap.purpose),
        b"",
        &wrap.ct,
    )?;
    let mut key = Zeroizing::new([0u8; 32]);
    // The ciphertext length fixes the plaintext length at 32; checked anyway.
    if pt.len() != key.len() {
        return Err(CryptoError::Open);
    }
    key.copy_from_slice(&pt);
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::crypto::random_bytes;

    fn setup() -> (Zeroizing<[u8; 32]>, [u8; 32], CaseId, [u8; 32], Wrap) {
        let (sk, pk) = hpke_suite::generate_keypair();
        let case_id = random_bytes::<16>();
        let key = random_bytes::<32>();
        let wrap = seal_case_key(&pk, "reporter", &case_id, WrapPurpose::Thread, &key).unwrap();
        (sk, pk, case_id, key, wrap)
    }

    #[test]
    fn info_layout() {
        let info = wrap_info(&[0xab; 16], WrapPurpose::Identity);
        assert_eq!(&info[..17], b"meldpunt wrap v1\x00");
        assert_eq!(&info[17..33], &[0xab; 16]);
        assert_eq!(info[33..], [3]);
        assert_eq!(WrapPurpose::Thread.as_byte(), 1);
        assert_eq!(WrapPurpose::Internal.as_byte(), 2);
    }

    #[test]
    fn round_trip() {
        let (sk, _, case_id, key, wrap) = setup();
        assert_eq!(wrap.ct.len(), WRAP_CT_LEN);
        assert_eq!(wrap.to, "reporter");
        assert_eq!(*open_case_key(&sk, &case_id, &wrap).unwrap(), key);
    }

    #[test]
    fn any_tampering_fails() {
        let (sk, _, case_id, _, wrap) = setup();
        for i in 0..32 {
            let mut w = wrap.clone();
            w.enc[i] ^= 0x01;
            assert_eq!(
                open_case_key(&sk, &case_id, &w),
                Err(CryptoError::Open),
                "enc[{i}]"
            );
        }
        for i in 0..WRAP_CT_LEN {
            let mut w = wrap.clone();
            w.ct[i] ^= 0x80;
            assert_eq!(
                open_case_key(&sk, &case_id, &w),
                Err(CryptoError::Open),
                "ct[{i}]"
            );
        }
        for i in 0..16 {
            let mut other_case = case_id;
            other_case[i] ^= 0x01;
            assert_eq!(
                open_case_key(&sk, &other_case, &wrap),
                Err(CryptoError::Open)
            );
        }
        for purpose in [WrapPurpose::Internal, WrapPurpose::Identity] {
            let w = Wrap {
                purpose,
                ..wrap.clone()
            };
            assert_eq!(open_case_key(&sk, &case_id, &w), Err(CryptoError::Open));
        }
        let mut short = wrap.clone();
        short.ct.pop();
        assert_eq!(open_case_key(&sk, &case_id, &short), Err(CryptoError::Open));
    }

    #[test]
    fn wrong_key_fails() {
        let (_, _, case_id, _, wrap) = setup();
        let (other, _) = hpke_suite::generate_keypair();
        assert_eq!(
            open_case_key(&other, &case_id, &wrap),
            Err(CryptoError::Open)
        );
    }

    #[test]
    fn json_form() {
        let (_, _, _, _, wrap) = setup();
        let json = serde_json::to_value(&wrap).unwrap();
        assert_eq!(json["purpose"], "thread");
        assert_eq!(json["enc"], crate::protocol::b64::encode(wrap.enc));
        assert_eq!(json["ct"], crate::protocol::b64::encode(&wrap.ct));
        let back: Wrap = serde_json::from_value(json.clone()).unwrap();
        assert_eq!(back, wrap);

        let mut bad = json.clone();
        bad["ct"] = crate::protocol::b64::encode([0u8; 47]).into();
        let err = serde_json::from_value::<Wrap>(bad).unwrap_err().to_string();
        assert!(err.contains("ct: expected 48 bytes, got 47"), "{err}");
        let mut bad = json.clone();
        bad["enc"] = crate::protocol::b64::encode([0u8; 31]).into();
        let err = serde_json::from_value::<Wrap>(bad).unwrap_err().to_string();
        assert!(err.contains("enc: expected 32 bytes"), "{err}");
        let mut bad = json.clone();
        bad["purpose"] = "Thread".into();
        assert!(serde_json::from_value::<Wrap>(bad).is_err());
        let mut bad = json;
        bad["extra"] = 1.into();
        assert!(serde_json::from_value::<Wrap>(bad).is_err());
    }
}
