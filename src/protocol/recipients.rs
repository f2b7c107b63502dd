//! Who a report is encrypted to (DESIGN §8): a recipient is a key filed under a unit, and a
//! report about a unit goes to that unit's recipients and the national ones. The one rule the
//! server's check of a submission's wraps and every client's wrapping share.

use serde::{Deserialize, Serialize};

use crate::protocol::crypto::serde_b64;
use crate::protocol::domain::NATIONAL_UNIT;

/// A key that receives reports: its `kid` (RFC 7638), the X25519 public key, and its unit
/// (`national` for every report).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recipient {
    pub kid: String,
    #[serde(with = "serde_b64::fixed")]
    pub public_key: [u8; 32],
    pub unit: String,
}

/// The recipients a report about `unit` must be wrapped to: that unit's and the national ones.
pub fn recipients_for(all: &[Recipient], unit: &str) -> Vec<Recipient> {
    all.iter()
        .filter(|r| r.unit == unit || r.unit == NATIONAL_UNIT)
        .cloned()
        .collect()
}
