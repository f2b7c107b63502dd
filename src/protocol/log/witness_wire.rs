//! The C2SP `tlog-witness` wire (`POST <prefix>/add-checkpoint`; `docs/PROTOCOL.md` §12.1):
//! the request body and the two answer bodies a client reads.
//!
//! Request: `"old <size>\n"` (decimal, no leading zeros), zero to [`MAX_PROOF_LINES`] lines of
//! one standard-base64 32-byte hash each, an empty line, then the signed checkpoint note.
//! [`AddCheckpoint::parse`] is strict and canonical (a body it accepts is what `encode` writes
//! for the value it returns) and refuses anything over [`MAX_REQUEST_LEN`] bytes unread. It
//! does not open the note: which key must have signed it is the witness's business.
//!
//! Answers: 200 is one or more signature lines `"— <name> <base64>\n"` (at most
//! [`MAX_ANSWER_LINES`]); 409 is the witness's size as `"<size>\n"`, content type
//! [`SIZE_CONTENT_TYPE`].

use super::note::{MAX_NOTE_LEN, is_valid_name};
use crate::protocol::b64;

/// tlog-witness: "The client MUST NOT send more than 63 consistency proof lines."
pub const MAX_PROOF_LINES: usize = 63;
/// The old line, 63 proof lines of 45 bytes, the blank line and the largest note we read.
pub const MAX_REQUEST_LEN: usize = 32 + MAX_PROOF_LINES * 45 + 1 + MAX_NOTE_LEN;
/// signed-note asks verifiers to accept at least 16 signatures; a witness returns a few.
pub const MAX_ANSWER_LINES: usize = 16;
/// An Ed25519 cosignature line is ~125 bytes; this bounds a 200 answer a client reads.
pub const MAX_ANSWER_LEN: usize = MAX_ANSWER_LINES * 1024;
/// The content type of the 409 answer.
pub const SIZE_CONTENT_TYPE: &str = "text/x.tlog.size";

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum WitnessWireError {
    #[error("the body is larger than {0} bytes")]
    TooLarge(usize),
    #[error("malformed witness message: {0}")]
    Malformed(&'static str),
}

/// An add-checkpoint request: the size the client believes the witness has, the consistency
/// proof from that size to the checkpoint's, and the signed checkpoint note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddCheckpoint {
    pub old_size: u64,
    pub proof: Vec<[u8; 32]>,
    pub checkpoint: String,
}

/// A canonical decimal: digits only, no sign, no leading zero unless it is `0`.
fn parse_decimal(text: &str) -> Option<u64> {
    let canonical = !text.is_empty()
        && text.bytes().all(|b| b.is_ascii_digit())
        && (text == "0" || !text.starts_with('0'));
    canonical.then(|| text.parse().ok()).flatten()
}

impl AddCheckpoint {
    /// The request body.
    pub fn encode(&self) -> String {
        let mut body = format!("old {}\n", self.old_size);
        for hash in &self.proof {
            body.push_str(&b64::encode_std(hash));
            body.push('\n');
        }
        body.push('\n');
        body.push_str(&self.checkpoint);
        body
    }

    /// Parses a request body (bytes, as they came off the wire).
    pub fn parse(body: &[u8]) -> Result<Self, WitnessWireError> {
        let bad = WitnessWireError::Malformed;
        if body.len() > MAX_REQUEST_LEN {
            return Err(WitnessWireError::TooLarge(MAX_REQUEST_LEN));
        }
        let body = std::str::from_utf8(body).map_err(|_| bad("not UTF-8"))?;
        // The header holds no empty line, so the first blank line ends it.
        let (head, checkpoint) = body
            .split_once("\n\n")
            .ok_or(bad("no empty line before the checkpoint"))?;
        let mut lines = head.split('\n');
        let old = lines
            .next()
            .and_then(|l| l.strip_prefix("old "))
            .ok_or(bad("the first line must be `old <size>`"))?;
        let old_size = parse_decimal(old).ok_or(bad("old size must be a canonical decimal"))?;
        let mut proof = Vec::new();
        for line in lines {
            if proof.len() == MAX_PROOF_LINES {
                return Err(bad("more than 63 consistency proof lines"));
            }
            let hash = b64::decode_std(line)
                .and_then(|h| <[u8; 32]>::try_from(h).ok())
                .ok_or(bad("a proof line must be base64 of 32 bytes"))?;
            proof.push(hash);
        }
        if checkpoint.is_empty() {
            return Err(bad("no checkpoint"));
        }
        Ok(AddCheckpoint {
            old_size,
            proof,
            checkpoint: checkpoint.to_owned(),
        })
    }
}

/// The 409 body: the witness's size and a newline.
pub fn encode_size(size: u64) -> String {
    format!("{size}\n")
}

/// Reads a 409 body.
pub fn parse_size(body: &str) -> Result<u64, WitnessWireError> {
    body.strip_suffix('\n')
        .and_then(parse_decimal)
        .ok_or(WitnessWireError::Malformed(
            "a size answer is `<decimal>\\n`",
        ))
}

/// The 200 body: each line followed by a newline.
pub fn encode_cosignature_lines(lines: &[String]) -> String {
    lines.iter().map(|l| format!("{l}\n")).collect()
}

/// Reads a 200 body into its signature lines (without their newlines). Each must look like a
/// note signature line; whether it verifies is for the caller's pinned keys to say.
pub fn parse_cosignature_lines(body: &str) -> Result<Vec<String>, WitnessWireError> {
    let bad = WitnessWireError::Malformed;
    if body.len() > MAX_ANSWER_LEN {
        return Err(WitnessWireError::TooLarge(MAX_ANSWER_LEN));
    }
    let body = body
        .strip_suffix('\n')
        .filter(|b| !b.is_empty())
        .ok_or(bad("an answer is one or more lines ending in a newline"))?;
    let mut out = Vec::new();
    for line in body.split('\n') {
        if out.len() == MAX_ANSWER_LINES {
            return Err(bad("too many signature lines"));
        }
        let well_formed = line
            .strip_prefix("\u{2014} ")
            .and_then(|rest| rest.split_once(' '))
            .is_some_and(|(name, sig)| {
                is_valid_name(name) && b64::decode_std(sig).is_some_and(|s| s.len() >= 5)
            });
        if !well_formed || line.bytes().any(|b| b < 0x20) {
            return Err(bad("not a note signature line"));
        }
        out.push(line.to_owned());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOTE: &str = "example.com/log\n2\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n\u{2014} example.com/log AAAAAAA=\n";

    fn request(proof: usize) -> AddCheckpoint {
        AddCheckpoint {
            old_size: 20852014,
            proof: (0..proof).map(|i| [i as u8; 32]).collect(),
            checkpoint: NOTE.to_owned(),
        }
    }

    #[test]
    fn the_spec_example_layout_round_trips() {
        let r = request(2);
        let body = r.encode();
        let proof_line = b64::encode_std([0u8; 32]);
        assert!(body.starts_with(&format!("old 20852014\n{proof_line}\n")));
        assert!(body.contains(&format!("\n\n{NOTE}")));
        assert_eq!(AddCheckpoint::parse(body.as_bytes()).unwrap(), r);
        let empty = AddCheckpoint {
            old_size: 0,
            proof: vec![],
            ..request(0)
        };
        assert_eq!(empty.encode(), format!("old 0\n\n{NOTE}"));
        assert_eq!(
            AddCheckpoint::parse(empty.encode().as_bytes()).unwrap(),
            empty
        );
        let most = request(MAX_PROOF_LINES);
        assert_eq!(
            AddCheckpoint::parse(most.encode().as_bytes()).unwrap(),
            most
        );
    }

    #[test]
    fn malformed_requests_are_refused() {
        let hash = b64::encode_std([1u8; 32]);
        let cases = [
            format!("old 1\n{NOTE}"),
            format!("old 01\n\n{NOTE}"),
            format!("old -1\n\n{NOTE}"),
            format!("old +1\n\n{NOTE}"),
            format!("old  1\n\n{NOTE}"),
            format!("old 1 \n\n{NOTE}"),
            format!("Old 1\n\n{NOTE}"),
            format!("old 18446744073709551616\n\n{NOTE}"),
            format!("\nold 1\n\n{NOTE}"),
            format!("old 1\n{}\n\n{NOTE}", &hash[..hash.len() - 4]),
            format!("old 1\n{}\n\n{NOTE}", b64::encode([1u8; 32])),
            format!("old 1\n{hash} \n\n{NOTE}"),
            "old 1\n\n".to_owned(),
            "old 1".to_owned(),
            String::new(),
        ];
        for case in &cases {
            assert!(AddCheckpoint::parse(case.as_bytes()).is_err(), "{case:?}");
        }
        assert!(AddCheckpoint::parse(b"old 1\n\n\xff").is_err());
        let too_many = request(MAX_PROOF_LINES + 1).encode();
        assert!(AddCheckpoint::parse(too_many.as_bytes()).is_err());
        let huge = format!("old 1\n\n{}", "x".repeat(MAX_REQUEST_LEN));
        assert_eq!(
            AddCheckpoint::parse(huge.as_bytes()),
            Err(WitnessWireError::TooLarge(MAX_REQUEST_LEN))
        );
    }

    #[test]
    fn size_answers() {
        assert_eq!(encode_size(42), "42\n");
        assert_eq!(parse_size("42\n"), Ok(42));
        assert_eq!(parse_size("0\n"), Ok(0));
        for bad in ["42", "042\n", "\n", "4 2\n", "42\n\n", "-1\n"] {
            assert!(parse_size(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn cosignature_answers() {
        let lines = vec![
            "\u{2014} witness.example/w1 AAAAAAA=".to_owned(),
            "\u{2014} witness.example/w2 BBBBBBA=".to_owned(),
        ];
        let body = encode_cosignature_lines(&lines);
        assert_eq!(parse_cosignature_lines(&body).unwrap(), lines);
        for bad in [
            "",
            "\n",
            "\u{2014} w AAAAAAA=",
            "- w AAAAAAA=\n",
            "\u{2014} w AAAA\n",
            "\u{2014} w+x AAAAAAA=\n",
            "\u{2014} w AAAAAAA=\n\n",
        ] {
            assert!(parse_cosignature_lines(bad).is_err(), "{bad:?}");
        }
        let many = encode_cosignature_lines(&vec![lines[0].clone(); MAX_ANSWER_LINES + 1]);
        assert!(parse_cosignature_lines(&many).is_err());
    }
}
