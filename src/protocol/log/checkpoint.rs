//! C2SP `tlog-checkpoint`: the note body `<origin>\n<size>\n<base64 root>\n` followed by optional
//! extension lines (here the audit-chain head, DESIGN.md §6), signed as a C2SP signed note
//! (see [`super::note`]).
//!
//! Parsing is strict and canonical: the size is decimal without sign or leading zeros, the root
//! is padded standard base64 of exactly 32 bytes, no line is empty, and no line holds a control
//! character; so `parse_body(body)` succeeds exactly for bodies that `body()` reproduces byte for
//! byte. Opening a checkpoint does not check its origin: a caller that expects one log must
//! compare `origin` itself.

use super::note::{NoteError, NoteSigner, NoteVerifier};
use crate::protocol::b64;

/// A checkpoint of the log: its origin, size, root hash and extension lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    pub origin: String,
    pub size: u64,
    pub root: [u8; 32],
    pub extensions: Vec<String>,
}

fn valid_line(line: &str) -> bool {
    !line.is_empty() && !line.chars().any(char::is_control)
}

impl Checkpoint {
    /// The note body: origin, size, root and extension lines, each ending in `"\n"`.
    pub fn body(&self) -> String {
        let mut body = format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            b64::encode_std(self.root)
        );
        for line in &self.extensions {
            body.push_str(line);
            body.push('\n');
        }
        body
    }

    /// Checks that the origin and extension lines are non-empty and free of control characters
    /// (a newline in one would change the body's structure).
    pub fn validate(&self) -> Result<(), NoteError> {
        if !valid_line(&self.origin) {
            return Err(NoteError::MalformedCheckpoint("origin"));
        }
        if !self.extensions.iter().all(|line| valid_line(line)) {
            return Err(NoteError::MalformedCheckpoint("extension line"));
        }
        Ok(())
    }

    /// Signs the checkpoint and returns the signed note.
    pub fn sign(&self, signer: &NoteSigner) -> Result<String, NoteError> {
        self.validate()?;
        signer.sign(&self.body())
    }

    /// Parses a checkpoint body (the text of an opened note, ending in `"\n"`).
    pub fn parse_body(body: &str) -> Result<Self, NoteError> {
        let bad = NoteError::MalformedCheckpoint;
        let body = body
            .strip_suffix('\n')
            .ok_or(bad("body must end in a newline"))?;
        let mut lines = body.split('\n');
        let (Some(origin), Some(size), Some(root)) = (lines.next(), lines.next(), lines.next())
        else {
            return Err(bad("needs origin, size and root lines"));
        };
        let canonical_decimal = !size.is_empty()
            && size.bytes().all(|b| b.is_ascii_digit())
            && (size == "0" || !size.starts_with('0'));
        if !canonical_decimal {
            return Err(bad("size must be a decimal number without leading zeros"));
        }
        let size = size.parse::<u64>().map_err(|_| bad("size too large"))?;
        let root = b64::decode_std(root)
            .and_then(|r| <[u8; 32]>::try_from(r).ok())
            .ok_or(bad("root must be base64 of 32 bytes"))?;
        let checkpoint = Checkpoint {
            origin: origin.to_owned(),
            size,
            root,
            extensions: lines.map(str::to_owned).collect(),
        };
        checkpoint.validate()?;
        Ok(checkpoint)
    }
}

/// Opens a signed checkpoint: the note must carry a valid signature by `verifier` and its body
/// must be a well-formed checkpoint.
pub fn open_signed_checkpoint(
    note: &str,
    verifier: &NoteVerifier,
) -> Result<Checkpoint, NoteError> {
    Checkpoint::parse_body(verifier.open(note)?)
}

/// The staff audit chain's newest record as a checkpoint names it (DESIGN §6): its `seq` and
/// b64u SHA-256 of its stored bytes. The extension line is `audit <seq> <hash>`; there is none
/// while the chain is empty.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct AuditHead {
    pub seq: u64,
    pub hash: String,
}

/// The checkpoint extension line for the chain's head, if any.
pub fn audit_line(head: Option<&AuditHead>) -> Option<String> {
    head.map(|h| format!("audit {} {}", h.seq, h.hash))
}

/// The audit head a checkpoint's extension lines carry: `Ok(None)` without an audit line,
/// `Err` for a malformed line or more than one.
pub fn audit_head_in(lines: &[String]) -> Result<Option<AuditHead>, String> {
    let mut found = None;
    for line in lines.iter().filter(|l| l.starts_with("audit ")) {
        let mut words = line.split(' ').skip(1);
        let head = match (words.next(), words.next(), words.next()) {
            (Some(seq), Some(hash), None)
                if crate::protocol::b64::decode_array::<32>(hash).is_some() =>
            {
                seq.parse::<u64>().ok().map(|seq| AuditHead {
                    seq,
                    hash: hash.to_owned(),
                })
            }
            _ => None,
        };
        let head = head.ok_or_else(|| format!("malformed audit line {line:?}"))?;
        if found.replace(head).is_some() {
            return Err("more than one audit line".into());
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Checkpoint {
        Checkpoint {
            origin: "meldpunt.example/log".into(),
            size: 12345,
            root: core::array::from_fn(|i| i as u8 * 7),
            extensions: vec!["audit 42 AbCdEf0123456789".into()],
        }
    }

    fn signer() -> NoteSigner {
        NoteSigner::from_seed("meldpunt.example/log", &[42; 32]).unwrap()
    }

    #[test]
    fn body_layout() {
        let cp = Checkpoint {
            extensions: vec![],
            size: 0,
            root: [0xfb; 32],
            ..sample()
        };
        assert_eq!(
            cp.body(),
            "meldpunt.example/log\n0\n+/v7+/v7+/v7+/v7+/v7+/v7+/v7+/v7+/v7+/v7+/s=\n"
        );
        assert_eq!(Checkpoint::parse_body(&cp.body()).unwrap(), cp);
        assert_eq!(Checkpoint::parse_body(&sample().body()).unwrap(), sample());
    }

    #[test]
    fn sign_then_open() {
        let signer = signer();
        let note = sample().sign(&signer).unwrap();
        assert!(note.starts_with(&sample().body()));
        assert_eq!(
            open_signed_checkpoint(&note, &signer.verifier()).unwrap(),
            sample()
        );
        let parsed = NoteVerifier::parse(&signer.verifier_key()).unwrap();
        assert_eq!(open_signed_checkpoint(&note, &parsed).unwrap(), sample());
    }

    #[test]
    fn flipping_any_byte_fails() {
        let signer = signer();
        let verifier = signer.verifier();
        let note = sample().sign(&signer).unwrap().into_bytes();
        for i in 0..note.len() {
            for mask in [0x01u8, 0x20, 0x80] {
                let mut tampered = note.clone();
                tampered[i] ^= mask;
                // Invalid UTF-8 never even reaches the parser.
                if let Ok(text) = String::from_utf8(tampered) {
                    assert!(
                        open_signed_checkpoint(&text, &verifier).is_err(),
                        "byte {i} ^ {mask:#x} accepted"
                    );
                }
            }
        }
    }

    #[test]
    fn wrong_key_fails() {
        let note = sample().sign(&signer()).unwrap();
        let other = NoteSigner::from_seed("meldpunt.example/log", &[43; 32]).unwrap();
        assert_eq!(
            open_signed_checkpoint(&note, &other.verifier()),
            Err(NoteError::NotSigned)
        );
        let renamed = NoteSigner::from_seed("other.example/log", &[42; 32]).unwrap();
        assert_eq!(
            open_signed_checkpoint(&note, &renamed.verifier()),
            Err(NoteError::NotSigned)
        );
    }

    #[test]
    fn malformed_bodies_are_rejected() {
        let root = b64::encode_std([1u8; 32]);
        let short = b64::encode_std([1u8; 31]);
        let cases = [
            format!("o\n1\n{root}"),
            "o\n1\n".to_owned(),
            format!("\n1\n{root}\n"),
            format!("o\n01\n{root}\n"),
            format!("o\n+1\n{root}\n"),
            format!("o\n-1\n{root}\n"),
            format!("o\n1 \n{root}\n"),
            format!("o\n\n{root}\n"),
            format!("o\n18446744073709551616\n{root}\n"),
            format!("o\n1\n{short}\n"),
            format!("o\n1\n{}\n", b64::encode([1u8; 32])),
            format!("o\n1\n{root}\n\n"),
            format!("o\n1\n{root}\next\n\nmore\n"),
            format!("o\u{7}\n1\n{root}\n"),
        ];
        for case in &cases {
            assert!(Checkpoint::parse_body(case).is_err(), "{case:?}");
        }
        let max = format!("o\n18446744073709551615\n{root}\n");
        assert_eq!(Checkpoint::parse_body(&max).unwrap().size, u64::MAX);
    }

    #[test]
    fn invalid_checkpoints_are_not_signed() {
        let signer = signer();
        for cp in [
            Checkpoint {
                origin: String::new(),
                ..sample()
            },
            Checkpoint {
                origin: "a\nb".into(),
                ..sample()
            },
            Checkpoint {
                extensions: vec![String::new()],
                ..sample()
            },
            Checkpoint {
                extensions: vec!["x\ny".into()],
                ..sample()
            },
        ] {
            assert!(cp.sign(&signer).is_err(), "{cp:?}");
        }
    }
}
