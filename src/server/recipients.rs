//! Who must hold a wrap, decided in one place (DESIGN §3.3, §8, §9): the recipients of a new
//! report, the active holders of a case's thread key, and the exact set of wraps a submission,
//! a triage or an assignment must carry.
//!
//! Contract:
//! - The recipients of new reports are the enabled, enrolled users with the intake role and a
//!   unit, plus the keys an admin registered by hand (`meldpunt recipient add`); a report about
//!   a unit goes to that unit's and the national ones (`protocol::recipients::recipients_for`)
//!   and to the reporter.
//! - The active holders of a case's thread key are the holders of its thread wraps that are
//!   still an enabled, enrolled user or a registered recipient: a disabled user keeps the wraps
//!   they had but receives nothing new.
//! - The server never makes a wrap; it checks that a request's wraps go to exactly the expected
//!   `(kid, purpose)` pairs, each once ([`check`]).
//! - A recipient registered by hand ([`register`], [`unregister`]) is an audited change; a key
//!   that belongs to a staff member cannot also be registered.
//! - Rules read through `sequencer::Reads`, so a rule is the same whether it runs before a
//!   change or inside one.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use crate::protocol::crypto::wrap::{Wrap, WrapPurpose};
use crate::protocol::recipients::recipients_for;
use crate::protocol::roles::Role;
use crate::protocol::staff_wire::Holder;
use crate::protocol::wire::REPORTER;
use crate::server::sequencer::{Reads, Tx};
use crate::server::store::{AuditEntry, CaseRecord, Recipient, StoreError, UserRecord};

/// The `(kid, purpose)` pairs a request's wraps must go to.
pub type WrapSet = BTreeSet<(String, WrapPurpose)>;

/// Why a request's wraps are not the expected ones; nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum WrapsError {
    #[error("two wraps go to the same holder")]
    Duplicate,
    #[error(
        "the wraps must go to exactly {expected} holders ({missing} missing, {unexpected} not \
         expected): {list}; fetch the holders again and wrap to them"
    )]
    Mismatch {
        expected: usize,
        missing: usize,
        unexpected: usize,
        list: String,
    },
}

/// The recipients of new reports (see the module contract), as `/api/v1/config` lists them.
pub fn report_recipients(dir: &(impl Reads + ?Sized)) -> Result<Vec<Recipient>, StoreError> {
    Ok(recipients_of(&dir.users()?, &dir.recipients()?))
}

/// [`report_recipients`] inside a change: computed once while no batch changes users or
/// recipients (every submission needs it; a force has hundreds of staff).
pub fn report_recipients_in(tx: &Tx<'_>) -> Result<Arc<Vec<Recipient>>, StoreError> {
    tx.from_lists(recipients_of)
}

/// The recipients registered by hand, then every active, enrolled intake user's key.
fn recipients_of(users: &[UserRecord], by_hand: &[Recipient]) -> Vec<Recipient> {
    let mut out = by_hand.to_vec();
    for user in users {
        if let (true, true, Some(e), Some(unit)) = (
            user.active(),
            user.has(Role::Intake),
            user.enrolled.as_ref(),
            user.unit.as_ref(),
        ) && !out.iter().any(|r| r.kid == e.kid)
        {
            out.push(Recipient {
                kid: e.kid.clone(),
                public_key: e.public_key,
                unit: unit.clone(),
            });
        }
    }
    out
}

/// The wraps of a new report about `unit`: a thread wrap to each of its recipients and to the
/// reporter.
pub fn submission_wraps(recipients: &[Recipient], unit: &str) -> WrapSet {
    recipients_for(recipients, unit)
        .into_iter()
        .map(|r| r.kid)
        .chain([REPORTER.to_owned()])
        .map(|kid| (kid, WrapPurpose::Thread))
        .collect()
}

/// The active holders of the case's thread key (see the module contract).
pub fn thread_holders(
    dir: &(impl Reads + ?Sized),
    case: &CaseRecord,
) -> Result<Vec<Holder>, StoreError> {
    let kids: BTreeSet<&str> = case
        .wraps
        .iter()
        .filter(|w| w.purpose == WrapPurpose::Thread && w.to != REPORTER)
        .map(|w| w.to.as_str())
        .collect();
    let mut keys: BTreeMap<String, [u8; 32]> = dir
        .recipients()?
        .into_iter()
        .map(|r| (r.kid, r.public_key))
        .collect();
    for user in dir.users()? {
        if let (true, Some(e)) = (user.active(), user.enrolled) {
            keys.insert(e.kid, e.public_key);
        }
    }
    Ok(kids
        .into_iter()
        .filter_map(|kid| {
            keys.get(kid).map(|pk| Holder {
                kid: kid.to_owned(),
                public_key: *pk,
            })
        })
        .collect())
}

/// The wraps of a triage: the internal key to each active thread holder.
pub fn triage_wraps(holders: &[Holder]) -> WrapSet {
    holders
        .iter()
        .map(|h| (h.kid.clone(), WrapPurpose::Internal))
        .collect()
}

/// The wraps of an assignment to the key `kid`: the thread key, and the internal key if the
/// case has one.
pub fn assignment_wraps(kid: &str, case: &CaseRecord) -> WrapSet {
    let mut expected = WrapSet::from([(kid.to_owned(), WrapPurpose::Thread)]);
    if case
        .wraps
        .iter()
        .any(|w| w.purpose == WrapPurpose::Internal)
    {
        expected.insert((kid.to_owned(), WrapPurpose::Internal));
    }
    expected
}

/// Checks that `wraps` go to exactly `expected`, each pair once.
pub fn check(wraps: &[Wrap], expected: &WrapSet) -> Result<(), WrapsError> {
    let given: WrapSet = wraps.iter().map(|w| (w.to.clone(), w.purpose)).collect();
    if given.len() != wraps.len() {
        return Err(WrapsError::Duplicate);
    }
    if &given != expected {
        return Err(WrapsError::Mismatch {
            expected: expected.len(),
            missing: expected.difference(&given).count(),
            unexpected: given.difference(expected).count(),
            list: expected
                .iter()
                .map(|(kid, purpose)| format!("{} to {kid}", purpose.name()))
                .collect::<Vec<_>>()
                .join(", "),
        });
    }
    Ok(())
}

/// Why a recipient could not be registered or removed; nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum RegisterError {
    #[error("key {0} already belongs to a staff member")]
    HeldByStaff(String),
    #[error("no recipient {0}")]
    Unknown(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The change that registers `recipient` by hand (replacing one with the same kid).
pub fn register(tx: &mut Tx<'_>, recipient: Recipient, actor: &str) -> Result<(), RegisterError> {
    let kid = recipient.kid.clone();
    if tx.users()?.iter().any(|u| u.kid() == Some(kid.as_str())) {
        return Err(RegisterError::HeldByStaff(kid));
    }
    let detail = format!("kid {kid} unit {}", recipient.unit);
    tx.audit(AuditEntry::new(actor, "recipient.added", detail))?;
    tx.put_recipient(recipient);
    Ok(())
}

/// The change that removes the recipient `kid` registered by hand.
pub fn unregister(tx: &mut Tx<'_>, kid: &str, actor: &str) -> Result<(), RegisterError> {
    if !tx.recipients()?.iter().any(|r| r.kid == kid) {
        return Err(RegisterError::Unknown(kid.to_owned()));
    }
    tx.audit(AuditEntry::new(
        actor,
        "recipient.removed",
        format!("kid {kid}"),
    ))?;
    tx.remove_recipient(kid);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wrap(to: &str, purpose: WrapPurpose) -> Wrap {
        Wrap {
            to: to.into(),
            purpose,
            enc: [0; 32],
            ct: vec![0; crate::protocol::crypto::wrap::WRAP_CT_LEN],
        }
    }

    #[test]
    fn wraps_must_match_exactly_once_each() {
        let expected = WrapSet::from([
            ("a".to_owned(), WrapPurpose::Thread),
            ("reporter".to_owned(), WrapPurpose::Thread),
        ]);
        let good = [
            wrap("a", WrapPurpose::Thread),
            wrap("reporter", WrapPurpose::Thread),
        ];
        assert!(check(&good, &expected).is_ok());
        let twice = [
            wrap("a", WrapPurpose::Thread),
            wrap("a", WrapPurpose::Thread),
            wrap("reporter", WrapPurpose::Thread),
        ];
        assert!(matches!(
            check(&twice, &expected),
            Err(WrapsError::Duplicate)
        ));
        let wrong_purpose = [
            wrap("a", WrapPurpose::Internal),
            wrap("reporter", WrapPurpose::Thread),
        ];
        assert!(matches!(
            check(&wrong_purpose, &expected),
            Err(WrapsError::Mismatch {
                missing: 1,
                unexpected: 1,
                ..
            })
        ));
        assert!(check(&good[..1], &expected).is_err());
    }

    #[test]
    fn a_report_goes_to_its_unit_national_and_the_reporter() {
        let r = |kid: &str, unit: &str| Recipient {
            kid: kid.into(),
            public_key: [1; 32],
            unit: unit.into(),
        };
        let all = [r("n", "national"), r("a", "unit-a"), r("b", "unit-b")];
        let kids: Vec<String> = submission_wraps(&all, "unit-a")
            .into_iter()
            .map(|(kid, _)| kid)
            .collect();
        assert_eq!(kids, ["a", "n", "reporter"]);
    }

    /// The recipients of new reports are kept between batches (`Tx::from_lists`); each way
    /// the lists can change must reach the next reader: a registration earlier in the same
    /// batch, one in an earlier batch, and a removal.
    #[test]
    fn the_kept_recipient_list_follows_every_change() {
        use crate::protocol::statements::ReceiptSigner;
        use crate::server::sequencer::{Sequencer, StatementSigner};
        use crate::server::store::SledStore;
        let dir = std::env::temp_dir().join(format!(
            "meldpunt-recipients-{}",
            crate::protocol::b64::encode(crate::protocol::crypto::random_bytes::<6>())
        ));
        let store = Arc::new(SledStore::open(&dir).unwrap());
        let signer = StatementSigner {
            key: Arc::new(ReceiptSigner::from_seed([9; 32])),
            iss: "https://meldpunt.test".into(),
        };
        let sequencer = Sequencer::start(store, signer).unwrap();
        let kids = |seq: &Sequencer| -> Vec<String> {
            let mut kids: Vec<String> = seq
                .run_blocking(|tx| report_recipients_in(tx))
                .unwrap()
                .iter()
                .map(|r| r.kid.clone())
                .collect();
            kids.sort();
            kids
        };
        let recipient = |kid: &str| Recipient {
            kid: kid.into(),
            public_key: [7; 32],
            unit: "national".into(),
        };
        assert!(
            kids(&sequencer).is_empty(),
            "the empty list is read and kept"
        );
        let (a, b) = (recipient("a"), recipient("b"));
        let seen: Vec<String> = sequencer
            .run_blocking(move |tx| {
                register(tx, a, "test")?;
                Ok::<_, RegisterError>(
                    report_recipients_in(tx)?
                        .iter()
                        .map(|r| r.kid.clone())
                        .collect(),
                )
            })
            .unwrap();
        assert_eq!(
            seen,
            ["a"],
            "the change after a registration in its batch sees it"
        );
        assert_eq!(kids(&sequencer), ["a"], "the commit forgot the kept list");
        sequencer
            .run_blocking(move |tx| register(tx, b, "test"))
            .unwrap();
        assert_eq!(kids(&sequencer), ["a", "b"]);
        sequencer
            .run_blocking(|tx| unregister(tx, "a", "test"))
            .unwrap();
        assert_eq!(kids(&sequencer), ["b"]);
        drop(sequencer);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
