//! The payload of receipts and later statements (DESIGN §4), one struct for both.
//!
//! Guarantees:
//! - Field order of [`StatementPayload`] is the serialisation order, so a receipt serialises as
//!   `iss, ref, seq, status, iat, sub, cmt, log` and a later statement as
//!   `iss, ref, seq, kind, status?, outcome?, from?, item?, iat, prev, log`, absent options omitted.
//! - Every constructor truncates `iat` to the hour ([`hour_floor`]), so no exact time can leak
//!   into a signed statement (G2) even if the caller passes raw seconds.
//! - [`StatementPayload::check_shape`] accepts exactly the shapes DESIGN §4 allows for a
//!   given JWS `typ`; the verifier runs it on every statement.
//!
//! The caller supplies `seq`, `prev` and `log` (the leaf index, assigned under the store's lock).

use serde::{Deserialize, Serialize};

use super::jws::{JwsError, TYP_RECEIPT, TYP_STATEMENT};
use crate::protocol::b64;

/// A receipt (seq 0) or a later statement in a case's hash chain.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct StatementPayload {
    pub iss: String,
    #[serde(rename = "ref")]
    pub case_ref: String,
    pub seq: u32,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub kind: Option<StatementKind>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub status: Option<Status>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub outcome: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub from: Option<Party>,
    /// b64u(SHA-256(item_bytes)) of the message item.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub item: Option<String>,
    pub iat: u64,
    /// Receipt only: b64u(SHA-256(rb)).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub sub: Option<String>,
    /// Receipt only: the submission commitment, b64u.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub cmt: Option<String>,
    /// Later statements only: [`super::chain_hash`] of the previous JWS.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub prev: Option<String>,
    /// Leaf index of this statement in the transparency log.
    pub log: u64,
}

#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum StatementKind {
    Status,
    Message,
    IdentityViewed,
}

#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Received,
    Acknowledged,
    Investigating,
    Referred,
    HandledInLine,
    Closed,
}

/// Who sent a message: a side, never a person.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum Party {
    Reporter,
    Staff,
}

/// Truncates unix seconds to the start of their hour (G2: reporter events are kept to the hour).
pub fn hour_floor(unix_secs: u64) -> u64 {
    unix_secs - unix_secs % 3600
}

impl StatementPayload {
    fn later(
        iss: impl Into<String>,
        case_ref: impl Into<String>,
        seq: u32,
        kind: StatementKind,
        iat: u64,
        prev: String,
        log: u64,
    ) -> Self {
        StatementPayload {
            iss: iss.into(),
            case_ref: case_ref.into(),
            seq,
            kind: Some(kind),
            status: None,
            outcome: None,
            from: None,
            item: None,
            iat: hour_floor(iat),
            sub: None,
            cmt: None,
            prev: Some(prev),
            log,
        }
    }

    /// The receipt (seq 0, status `received`). `sub` is SHA-256(rb), `cmt` the commitment hash.
    pub fn receipt(
        iss: impl Into<String>,
        case_ref: impl Into<String>,
        iat_hour: u64,
        sub: [u8; 32],
        cmt: [u8; 32],
        log: u64,
    ) -> Self {
        StatementPayload {
            iss: iss.into(),
            case_ref: case_ref.into(),
            seq: 0,
            kind: None,
            status: Some(Status::Received),
            outcome: None,
            from: None,
            item: None,
            iat: hour_floor(iat_hour),
            sub: Some(b64::encode(sub)),
            cmt: Some(b64::encode(cmt)),
            prev: None,
            log,
        }
    }

    /// A `message` statement; `item_hash` is SHA-256(item_bytes).
    #[allow(clippy::too_many_arguments)] // mirrors the payload's fields one to one
    pub fn message(
        iss: impl Into<String>,
        case_ref: impl Into<String>,
        seq: u32,
        from: Party,
        item_hash: [u8; 32],
        iat_hour: u64,
        prev: String,
        log: u64,
    ) -> Self {
        let mut p = Self::later(
            iss,
            case_ref,
            seq,
            StatementKind::Message,
            iat_hour,
            prev,
            log,
        );
        p.from = Some(from);
        p.item = Some(b64::encode(item_hash));
        p
    }

    /// A `status` statement; `outcome` belongs only with [`Status::Closed`].
    #[allow(clippy::too_many_arguments)] // mirrors the payload's fields one to one
    pub fn status(
        iss: impl Into<String>,
        case_ref: impl Into<String>,
        seq: u32,
        status: Status,
        outcome: Option<String>,
        iat_hour: u64,
        prev: String,
        log: u64,
    ) -> Self {
        let mut p = Self::later(
            iss,
            case_ref,
            seq,
            StatementKind::Status,
            iat_hour,
            prev,
            log,
        );
        p.status = Some(status);
        p.outcome = outcome;
        p
    }

    /// An `identity_viewed` statement: tells the reporter their identity was opened.
    pub fn identity_viewed(
        iss: impl Into<String>,
        case_ref: impl Into<String>,
        seq: u32,
        iat_hour: u64,
        prev: String,
        log: u64,
    ) -> Self {
        Self::later(
            iss,
            case_ref,
            seq,
            StatementKind::IdentityViewed,
            iat_hour,
            prev,
            log,
        )
    }

    /// Checks that the payload has exactly the shape DESIGN §4 gives statements of type `typ`.
    pub fn check_shape(&self, typ: &str) -> Result<(), JwsError> {
        let bad = |why: &str| Err(JwsError::BadPayload(why.to_owned()));
        for hash in [&self.sub, &self.cmt, &self.prev, &self.item]
            .into_iter()
            .flatten()
        {
            if b64::decode_array::<32>(hash).is_none() {
                return bad("hash fields must be b64u of 32 bytes");
            }
        }
        if !self.iat.is_multiple_of(3600) {
            return bad("iat must be truncated to the hour");
        }
        if typ == TYP_RECEIPT {
            let receipt_only = self.kind.is_none()
                && self.outcome.is_none()
                && self.from.is_none()
                && self.item.is_none()
                && self.prev.is_none();
            if self.seq != 0 || self.status != Some(Status::Received) || !receipt_only {
                return bad("a receipt has seq 0, status received, and no statement fields");
            }
            if self.sub.is_none() || self.cmt.is_none() {
                return bad("a receipt carries sub and cmt");
            }
            return Ok(());
        }
        if typ != TYP_STATEMENT {
            return Err(JwsError::UnsupportedTyp);
        }
        if self.seq == 0 || self.prev.is_none() || self.sub.is_some() || self.cmt.is_some() {
            return bad("a later statement has seq > 0, prev, and no sub or cmt");
        }
        let ok = match self.kind {
            Some(StatementKind::Status) => {
                self.status.is_some()
                    && (self.outcome.is_none() || self.status == Some(Status::Closed))
                    && self.from.is_none()
                    && self.item.is_none()
            }
            Some(StatementKind::Message) => {
                self.from.is_some()
                    && self.item.is_some()
                    && self.status.is_none()
                    && self.outcome.is_none()
            }
            Some(StatementKind::IdentityViewed) => {
                self.status.is_none()
                    && self.outcome.is_none()
                    && self.from.is_none()
                    && self.item.is_none()
            }
            None => false,
        };
        if ok {
            Ok(())
        } else {
            bad("fields do not match the statement kind")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ISS: &str = "https://meldpunt.example";

    #[test]
    fn receipt_serialises_in_design_order() {
        let p = StatementPayload::receipt(ISS, "MP-7K3Q-9XM2", 1_700_003_599, [1; 32], [2; 32], 41);
        let json = serde_json::to_string(&p).unwrap();
        let expected = format!(
            r#"{{"iss":"https://meldpunt.example","ref":"MP-7K3Q-9XM2","seq":0,"status":"received","iat":1700002800,"sub":"{}","cmt":"{}","log":41}}"#,
            b64::encode([1; 32]),
            b64::encode([2; 32])
        );
        assert_eq!(json, expected);
        assert_eq!(serde_json::from_str::<StatementPayload>(&json).unwrap(), p);
        p.check_shape(TYP_RECEIPT).unwrap();
    }

    #[test]
    fn later_statements_serialise_in_design_order() {
        let prev = b64::encode([9; 32]);
        let m =
            StatementPayload::message(ISS, "R", 1, Party::Staff, [3; 32], 7300, prev.clone(), 5);
        assert_eq!(
            serde_json::to_string(&m).unwrap(),
            format!(
                r#"{{"iss":"{ISS}","ref":"R","seq":1,"kind":"message","from":"staff","item":"{}","iat":7200,"prev":"{prev}","log":5}}"#,
                b64::encode([3; 32])
            )
        );
        let s = StatementPayload::status(
            ISS,
            "R",
            2,
            Status::Closed,
            Some("handled_in_line".into()),
            7200,
            prev.clone(),
            6,
        );
        assert_eq!(
            serde_json::to_string(&s).unwrap(),
            format!(
                r#"{{"iss":"{ISS}","ref":"R","seq":2,"kind":"status","status":"closed","outcome":"handled_in_line","iat":7200,"prev":"{prev}","log":6}}"#
            )
        );
        let v = StatementPayload::identity_viewed(ISS, "R", 3, 7200, prev.clone(), 7);
        assert_eq!(
            serde_json::to_string(&v).unwrap(),
            format!(
                r#"{{"iss":"{ISS}","ref":"R","seq":3,"kind":"identity_viewed","iat":7200,"prev":"{prev}","log":7}}"#
            )
        );
        for p in [&m, &s, &v] {
            p.check_shape(TYP_STATEMENT).unwrap();
            assert!(p.check_shape(TYP_RECEIPT).is_err());
        }
    }

    #[test]
    fn unknown_fields_and_wrong_shapes_are_rejected() {
        let r = r#"{"iss":"i","ref":"r","seq":0,"status":"received","iat":0,"log":0,"extra":1}"#;
        assert!(serde_json::from_str::<StatementPayload>(r).is_err());

        let prev = b64::encode([0; 32]);
        let mut s = StatementPayload::status(ISS, "R", 1, Status::Referred, None, 0, prev, 1);
        s.outcome = Some("x".into());
        assert!(matches!(
            s.check_shape(TYP_STATEMENT),
            Err(JwsError::BadPayload(_))
        ));
        s.outcome = None;
        s.item = Some("not-a-hash".into());
        assert!(matches!(
            s.check_shape(TYP_STATEMENT),
            Err(JwsError::BadPayload(_))
        ));
        s.item = None;
        s.iat = 1;
        assert!(matches!(
            s.check_shape(TYP_STATEMENT),
            Err(JwsError::BadPayload(_))
        ));
        let receipt = StatementPayload::receipt(ISS, "R", 0, [0; 32], [0; 32], 0);
        assert!(receipt.check_shape(TYP_STATEMENT).is_err());
        assert_eq!(receipt.check_shape("JWT"), Err(JwsError::UnsupportedTyp));
    }

    #[test]
    fn hour_floor_truncates() {
        assert_eq!(hour_floor(0), 0);
        assert_eq!(hour_floor(3599), 0);
        assert_eq!(hour_floor(3600), 3600);
        assert_eq!(hour_floor(1_700_003_599), 1_700_002_800);
    }
}
