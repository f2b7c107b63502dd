//! Verification of a whole case chain: receipt, then statements linked by `prev`.
//!
//! [`check_chain`] guarantees, on `Ok`: every JWS verifies ([`StatementVerifier::verify`]); the
//! first is a receipt (`typ` receipt, seq 0); statement `i` has `typ` statement, `seq == i`,
//! `prev == chain_hash(statement i-1)`, the receipt's `iss` and `ref`, and a `log` index above
//! its predecessor's. So a removed, reordered, inserted or altered statement is caught, as is
//! one from another case. A truncated tail is not detectable here (a shorter chain is still a
//! valid chain); the transparency log and the reporter's own copies cover that.
//!
//! `iat` is deliberately not required to grow: a server clock corrected backwards would
//! otherwise make honest chains fail forever; the log's checkpoints date statements anyway.

use super::jws::{JwsError, StatementVerifier, TYP_RECEIPT, TYP_STATEMENT, chain_hash};
use super::payload::StatementPayload;

/// Verifies a case's statements in order and returns their payloads.
pub fn check_chain(
    statements: &[String],
    verifier: &StatementVerifier,
) -> Result<Vec<StatementPayload>, JwsError> {
    let broken = |index, reason| Err(JwsError::BrokenChain { index, reason });
    if statements.is_empty() {
        return broken(0, "no receipt");
    }
    let mut payloads: Vec<StatementPayload> = Vec::with_capacity(statements.len());
    for (index, jws) in statements.iter().enumerate() {
        let verified = verifier.verify(jws)?;
        let p = verified.payload;
        if usize::try_from(p.seq) != Ok(index) {
            return broken(index, "seq out of order");
        }
        match payloads.first() {
            None => {
                if verified.typ != TYP_RECEIPT {
                    return broken(index, "first statement is not a receipt");
                }
            }
            Some(receipt) => {
                if verified.typ != TYP_STATEMENT {
                    return broken(index, "receipt after the first position");
                }
                if p.iss != receipt.iss || p.case_ref != receipt.case_ref {
                    return broken(index, "statement from another case");
                }
                if p.prev() != Some(&chain_hash(&statements[index - 1])) {
                    return broken(index, "prev is not the hash of the previous statement");
                }
            }
        }
        if payloads.last().is_some_and(|last| p.log <= last.log) {
            return broken(index, "log index not increasing");
        }
        payloads.push(p);
    }
    Ok(payloads)
}
