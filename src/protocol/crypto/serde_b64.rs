//! Serde helpers that write byte fields as b64u strings (DESIGN.md §3) and read them back
//! strictly: non-canonical base64 and wrong lengths are serde errors that name what was
//! expected, so a bad request gets a clear 400 before anything else looks at it.
//!
//! Use `#[serde(with = "crate::protocol::crypto::serde_b64::fixed")]` for `[u8; N]` and
//! `#[serde(with = "crate::protocol::crypto::serde_b64::bytes")]` for `Vec<u8>`. To put the field's name in
//! the error (`"id: expected 16 bytes, got 15"`), pair `serialize_with` of those modules with a
//! small `deserialize_with` function that calls [`fixed_field`] or [`bytes_field`].

use serde::de::{self, Deserializer, Visitor};
use std::fmt;

/// `[u8; N]` as a b64u string of exactly `N` bytes.
pub mod fixed {
    use serde::{Deserializer, Serializer};

    pub fn serialize<S: Serializer, const N: usize>(
        bytes: &[u8; N],
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.serialize_str(&crate::protocol::b64::encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>, const N: usize>(
        d: D,
    ) -> Result<[u8; N], D::Error> {
        super::fixed_field(d, "value")
    }
}

/// `Option<[u8; N]>` as an optional b64u string of exactly `N` bytes (pair with
/// `default` and `skip_serializing_if = "Option::is_none"`).
pub mod option_fixed {
    use serde::{Deserializer, Serializer};

    pub fn serialize<S: Serializer, const N: usize>(
        bytes: &Option<[u8; N]>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match bytes {
            Some(bytes) => s.serialize_str(&crate::protocol::b64::encode(bytes)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>, const N: usize>(
        d: D,
    ) -> Result<Option<[u8; N]>, D::Error> {
        super::fixed_field(d, "value").map(Some)
    }
}

/// `Vec<u8>` as a b64u string of any length.
pub mod bytes {
    use serde::{Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: impl AsRef<[u8]>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&crate::protocol::b64::encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        super::bytes_field(d, "value", 0, usize::MAX)
    }
}

/// Reads a b64u string of exactly `N` bytes; errors name `field`.
pub fn fixed_field<'de, D: Deserializer<'de>, const N: usize>(
    d: D,
    field: &'static str,
) -> Result<[u8; N], D::Error> {
    let bytes = bytes_field(d, field, N, N)?;
    let mut out = [0u8; N];
    out.copy_from_slice(&bytes);
    Ok(out)
}

/// Reads a b64u string of `min..=max` bytes; errors name `field`.
pub fn bytes_field<'de, D: Deserializer<'de>>(
    d: D,
    field: &'static str,
    min: usize,
    max: usize,
) -> Result<Vec<u8>, D::Error> {
    d.deserialize_str(B64uVisitor { field, min, max })
}

struct B64uVisitor {
    field: &'static str,
    min: usize,
    max: usize,
}

impl<'de> Visitor<'de> for B64uVisitor {
    type Value = Vec<u8>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "{}: a b64u string", self.field)
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Vec<u8>, E> {
        // Reject before decoding so an oversized string costs no allocation.
        if text.len() > self.max.saturating_mul(4).div_ceil(3) {
            // Decoded length of an unpadded b64u string of this many characters.
            let got = text.len() / 4 * 3 + (text.len() % 4).saturating_sub(1);
            return Err(E::custom(self.length_message(got)));
        }
        let bytes = crate::protocol::b64::decode(text)
            .ok_or_else(|| E::custom(format!("{}: not canonical b64u", self.field)))?;
        if bytes.len() < self.min || bytes.len() > self.max {
            return Err(E::custom(self.length_message(bytes.len())));
        }
        Ok(bytes)
    }
}

impl B64uVisitor {
    fn length_message(&self, got: usize) -> String {
        if self.min == self.max {
            format!("{}: expected {} bytes, got {got}", self.field, self.min)
        } else if self.max == usize::MAX {
            format!(
                "{}: expected at least {} bytes, got {got}",
                self.field, self.min
            )
        } else {
            let (field, min, max) = (self.field, self.min, self.max);
            format!("{field}: expected {min} to {max} bytes, got {got}")
        }
    }
}

#[cfg(test)]
mod tests {
    use serde::{Deserialize, Serialize};

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct T {
        #[serde(with = "super::fixed")]
        a: [u8; 4],
        #[serde(with = "super::bytes")]
        b: Vec<u8>,
    }

    #[test]
    fn round_trip_as_b64u() {
        let t = T {
            a: [0xfb, 0xff, 0, 1],
            b: vec![0xff; 5],
        };
        let json = serde_json::to_string(&t).unwrap();
        assert_eq!(json, r#"{"a":"-_8AAQ","b":"______8"}"#);
        assert_eq!(serde_json::from_str::<T>(&json).unwrap(), t);
    }

    #[test]
    fn wrong_length_and_bad_encoding_are_errors() {
        let err = serde_json::from_str::<T>(r#"{"a":"-_8A","b":""}"#).unwrap_err();
        assert!(err.to_string().contains("expected 4 bytes, got 3"), "{err}");
        let err = serde_json::from_str::<T>(r#"{"a":"-_8AAQAA","b":""}"#).unwrap_err();
        assert!(err.to_string().contains("expected 4 bytes"), "{err}");
        let err = serde_json::from_str::<T>(r#"{"a":"+/8AAQ","b":""}"#).unwrap_err();
        assert!(err.to_string().contains("not canonical b64u"), "{err}");
        assert!(serde_json::from_str::<T>(r#"{"a":"-_8AAQ==","b":""}"#).is_err());
        assert!(serde_json::from_str::<T>(r#"{"a":[1,2,3,4],"b":""}"#).is_err());
    }

    #[test]
    fn named_field_errors() {
        #[derive(Debug, Deserialize)]
        struct N {
            #[serde(deserialize_with = "de_id")]
            #[allow(dead_code)]
            id: [u8; 16],
        }
        fn de_id<'de, D: serde::Deserializer<'de>>(d: D) -> Result<[u8; 16], D::Error> {
            super::fixed_field(d, "id")
        }
        let err = serde_json::from_str::<N>(r#"{"id":"AAAA"}"#).unwrap_err();
        assert!(
            err.to_string().starts_with("id: expected 16 bytes, got 3"),
            "{err}"
        );
        let long = format!(r#"{{"id":"{}"}}"#, "A".repeat(4000));
        let err = serde_json::from_str::<N>(&long).unwrap_err();
        assert!(
            err.to_string().starts_with("id: expected 16 bytes"),
            "{err}"
        );
    }
}
