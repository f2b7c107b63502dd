//! The log's side of C2SP `tlog-witness`: submit a checkpoint with its consistency proof to a
//! witness's `POST <url>/add-checkpoint` and read the answer (`docs/PROTOCOL.md` §12.1).
//!
//! Contract: a 200 gives the cosignature lines as sent, each checked only for the shape of a
//! note signature line; whether one verifies is for the caller's pinned witness keys
//! (`protocol::log::cosignature`) to say. Every other status is a typed [`WitnessClientError`],
//! 409 with the witness's size so the caller can retry with the right `old`. Answers are read
//! up to a bound, never whole.

use crate::protocol::log::witness_wire::{
    AddCheckpoint, MAX_ANSWER_LEN, parse_cosignature_lines, parse_size,
};

#[derive(Debug, thiserror::Error)]
pub enum WitnessClientError {
    #[error("the witness has cosigned size {0}; submit again with that old size")]
    Conflict(u64),
    #[error("the witness refused the checkpoint's signature (403): {0}")]
    Forbidden(String),
    #[error("the witness does not know this log (404): {0}")]
    UnknownLog(String),
    #[error("the witness found the checkpoint inconsistent with its record (422): {0}")]
    Inconsistent(String),
    #[error("the witness refused the request (400): {0}")]
    BadRequest(String),
    #[error("the witness answered {status}: {body}")]
    Status { status: u16, body: String },
    #[error("could not reach the witness: {0}")]
    Transport(String),
    #[error("unexpected answer from the witness: {0}")]
    Protocol(String),
}

/// Submits `note` (a signed checkpoint) to the witness at `url` (its submission prefix), with
/// `old_size` and the consistency `proof` from that size; returns the cosignature lines.
pub fn add_checkpoint(
    url: &str,
    old_size: u64,
    proof: &[[u8; 32]],
    note: &str,
) -> Result<Vec<String>, WitnessClientError> {
    let transport = |e: ureq::Error| WitnessClientError::Transport(e.to_string());
    let body = AddCheckpoint {
        old_size,
        proof: proof.to_vec(),
        checkpoint: note.to_owned(),
    }
    .encode();
    let mut response = super::http_agent()
        .post(format!("{}/add-checkpoint", url.trim_end_matches('/')))
        .header("Content-Type", "text/plain; charset=utf-8")
        .send(body)
        .map_err(transport)?;
    let status = response.status().as_u16();
    let text = response
        .body_mut()
        .with_config()
        .limit(MAX_ANSWER_LEN as u64)
        .read_to_string()
        .map_err(transport)?;
    let said = || text.trim_end().chars().take(200).collect::<String>();
    match status {
        200 => {
            parse_cosignature_lines(&text).map_err(|e| WitnessClientError::Protocol(e.to_string()))
        }
        409 => {
            let size =
                parse_size(&text).map_err(|e| WitnessClientError::Protocol(e.to_string()))?;
            Err(WitnessClientError::Conflict(size))
        }
        400 => Err(WitnessClientError::BadRequest(said())),
        403 => Err(WitnessClientError::Forbidden(said())),
        404 => Err(WitnessClientError::UnknownLog(said())),
        422 => Err(WitnessClientError::Inconsistent(said())),
        _ => Err(WitnessClientError::Status {
            status,
            body: said(),
        }),
    }
}
