//! Who must hold a wrap, decided in one place (DESIGN §3.3, §8, §9): the recipients of a new
//! report, the active holders of a case's thread key, and the exact set of wraps a submission,
//! a triage or an assignment must carry.
//!
//! Contract:
//! - The **candidates** for the recipient directory are the enabled, enrolled users whose roles
//!   hold case keys (intake, investigator, custodian), and the keys an admin registered by hand
//!   (`meldpunt recipient add`, as intake of their unit). A candidate receives nothing until
//!   the officers sign a directory that lists it (`server::directory`).
//! - The **readers** of a new report are the intake entries of the newest published directory
//!   for the report's unit and `national` (only `national` for a national-only report), minus
//!   the suspended ones: entries that are no candidate any more (a disabled user, a removed
//!   key), effective at once. A report for which that leaves no reader is refused.
//! - The active holders of a case's thread key are the holders of its thread wraps that are
//!   still listed, unsuspended, in the directory, with the directory's key: a disabled user
//!   keeps the wraps they had but receives nothing new, and a key the directory does not
//!   list never receives a case key.
//! - The server never makes a wrap; it checks that a request's wraps go to exactly the expected
//!   `(kid, purpose)` pairs, each once ([`check`]).
//! - A recipient registered by hand ([`register`], [`unregister`]) is an audited change; a key
//!   that belongs to a staff member cannot also be registered.
//! - Rules read through `sequencer::Reads`, so a rule is the same whether it runs before a
//!   change or inside one.

use std::collections::BTreeSet;
use std::sync::Arc;

use crate::protocol::b64;
use crate::protocol::crypto::wrap::{Wrap, WrapPurpose};
use crate::protocol::roles::Role;
use crate::protocol::staff_wire::Holder;
use crate::protocol::trust::{DirectoryDocument, DirectoryEntry, DirectoryPayload};
use crate::protocol::wire::REPORTER;
use crate::server::sequencer::{Lists, Reads, Tx};
use crate::server::store::{AuditEntry, CaseRecord, DirectoryRecord, Recipient, StoreError};

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

/// The newest directory as the readers rules see it: its record and payload, and the kids of
/// its suspended entries.
#[derive(Clone, Debug, Default)]
pub struct Readers {
    pub directory: Option<(DirectoryRecord, DirectoryPayload)>,
    pub suspended: Vec<String>,
}

/// Why no wraps can be expected for a new report; nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum NoReaderError {
    #[error(
        "no recipient directory has been signed yet, so nobody could read a report; the \
         directory officers must sign one first"
    )]
    NoDirectory,
    #[error(
        "the report was encrypted for directory version {given}, but version {current} is in \
         force; fetch the directory again"
    )]
    DirectoryChanged { given: String, current: u64 },
    #[error("nobody can read reports about unit {0:?} yet; choose the national desk or try later")]
    NoReader(String),
}

impl Readers {
    /// The intake entries that receive a new report about `unit` (see the module contract).
    pub fn for_report(
        &self,
        unit: &str,
        national_only: bool,
    ) -> Result<Vec<&DirectoryEntry>, NoReaderError> {
        let (_, payload) = self.directory.as_ref().ok_or(NoReaderError::NoDirectory)?;
        let readers: Vec<&DirectoryEntry> = payload
            .entries
            .iter()
            .filter(|e| e.reads_reports_of(unit, national_only))
            .filter(|e| !self.suspended.contains(&e.kid))
            .collect();
        if readers.is_empty() {
            return Err(NoReaderError::NoReader(unit.to_owned()));
        }
        Ok(readers)
    }

    /// The entry of `kid`, if the directory lists it and it is not suspended.
    pub fn active_entry(&self, kid: &str) -> Option<&DirectoryEntry> {
        let (_, payload) = self.directory.as_ref()?;
        payload
            .entries
            .iter()
            .find(|e| e.kid == kid && !self.suspended.contains(&e.kid))
    }

    /// The units (of `units`) whose reports nobody could read now.
    pub fn uncovered<'a>(&self, units: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
        units
            .into_iter()
            .filter(|unit| self.for_report(unit, false).is_err())
            .collect()
    }
}

/// The readers rules' view of the newest directory (see the module contract), read now.
pub fn readers(dir: &(impl Reads + ?Sized)) -> Result<Readers, StoreError> {
    let (users, by_hand, directory) = (dir.users()?, dir.recipients()?, dir.directory()?);
    Ok(readers_of(&Lists {
        users: &users,
        recipients: &by_hand,
        directory: directory.as_ref(),
    }))
}

/// [`readers`] inside a change: computed once while no batch changes users, recipients or
/// the directory (every submission needs it; a force has hundreds of staff).
pub fn readers_in(tx: &Tx<'_>) -> Result<Arc<Readers>, StoreError> {
    tx.from_lists(readers_of)
}

fn readers_of(lists: &Lists<'_>) -> Readers {
    let Some(record) = lists.directory else {
        return Readers::default();
    };
    let Some(payload) = stored_payload(record) else {
        tracing::error!(seq = record.seq, "the stored directory does not parse");
        return Readers::default();
    };
    let active: BTreeSet<String> = candidates(lists).into_iter().map(|e| e.kid).collect();
    let suspended = payload
        .entries
        .iter()
        .filter(|e| !active.contains(&e.kid))
        .map(|e| e.kid.clone())
        .collect();
    Readers {
        directory: Some((record.clone(), payload)),
        suspended,
    }
}

/// The payload of a stored (published) directory; `None` only for a corrupt record.
pub fn stored_payload(record: &DirectoryRecord) -> Option<DirectoryPayload> {
    let doc: DirectoryDocument = serde_json::from_str(&record.document).ok()?;
    serde_json::from_slice(&b64::decode(&doc.payload)?).ok()
}

/// The candidates for the directory (see the module contract), in canonical order.
pub fn candidates(lists: &Lists<'_>) -> Vec<DirectoryEntry> {
    let mut out: Vec<DirectoryEntry> = Vec::new();
    for user in lists.users {
        let roles: Vec<Role> = user
            .roles
            .iter()
            .copied()
            .filter(|r| matches!(r, Role::Intake | Role::Investigator | Role::Custodian))
            .collect();
        if let (true, false, Some(e)) = (user.active(), roles.is_empty(), user.enrolled.as_ref()) {
            out.push(DirectoryEntry {
                kid: e.kid.clone(),
                public_key: e.public_key,
                units: vec![user.unit.clone().unwrap_or_else(|| "national".to_owned())],
                roles,
                label: user.name.clone(),
            });
        }
    }
    for r in lists.recipients {
        if !out.iter().any(|e| e.kid == r.kid) {
            out.push(DirectoryEntry {
                kid: r.kid.clone(),
                public_key: r.public_key,
                units: vec![r.unit.clone()],
                roles: vec![Role::Intake],
                label: format!("key {}", r.kid.chars().take(8).collect::<String>()),
            });
        }
    }
    let mut payload = DirectoryPayload {
        v: crate::protocol::trust::directory::DIRECTORY_VERSION,
        origin: String::new(),
        seq: 1,
        prev: None,
        hour: 0,
        entries: out,
    };
    payload.canonicalize();
    payload.entries
}

/// The wraps of a new report about `unit`: a thread wrap to each of its readers and to the
/// reporter.
pub fn submission_wraps(
    readers: &Readers,
    unit: &str,
    national_only: bool,
) -> Result<WrapSet, NoReaderError> {
    Ok(readers
        .for_report(unit, national_only)?
        .into_iter()
        .map(|e| e.kid.clone())
        .chain([REPORTER.to_owned()])
        .map(|kid| (kid, WrapPurpose::Thread))
        .collect())
}

/// The active holders of the case's thread key (see the module contract).
pub fn thread_holders(
    dir: &(impl Reads + ?Sized),
    case: &CaseRecord,
) -> Result<Vec<Holder>, StoreError> {
    let readers = readers(dir)?;
    let kids: BTreeSet<&str> = case
        .wraps
        .iter()
        .filter(|w| w.purpose == WrapPurpose::Thread && w.to != REPORTER)
        .map(|w| w.to.as_str())
        .collect();
    Ok(kids
        .into_iter()
        .filter_map(|kid| {
            readers.active_entry(kid).map(|e| Holder {
                kid: kid.to_owned(),
                public_key: e.public_key,
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
    fn a_report_goes_to_its_units_and_national_readers_and_the_reporter() {
        use crate::protocol::trust::DirectoryEntry;
        let entry = |kid: &str, unit: &str, role: Role| DirectoryEntry {
            kid: kid.into(),
            public_key: [1; 32],
            units: vec![unit.into()],
            roles: vec![role],
            label: kid.into(),
        };
        let payload = DirectoryPayload {
            v: 1,
            origin: "https://meldpunt.test".into(),
            seq: 1,
            prev: None,
            hour: 0,
            entries: vec![
                entry("a", "unit-a", Role::Intake),
                entry("b", "unit-b", Role::Intake),
                entry("i", "unit-a", Role::Investigator),
                entry("n", "national", Role::Intake),
                entry("s", "unit-a", Role::Intake),
            ],
        };
        let record = DirectoryRecord {
            seq: 1,
            log_index: 0,
            hash: [0; 32],
            document: String::new(),
        };
        let readers = Readers {
            directory: Some((record, payload)),
            suspended: vec!["s".into()],
        };
        let kids = |unit, national_only| -> Vec<String> {
            submission_wraps(&readers, unit, national_only)
                .unwrap()
                .into_iter()
                .map(|(kid, _)| kid)
                .collect()
        };
        assert_eq!(kids("unit-a", false), ["a", "n", "reporter"]);
        assert_eq!(kids("unit-a", true), ["n", "reporter"]);
        let nobody = Readers {
            suspended: vec!["n".into()],
            ..readers.clone()
        };
        assert!(matches!(
            submission_wraps(&nobody, "unit-c", false),
            Err(NoReaderError::NoReader(_))
        ));
        assert_eq!(nobody.uncovered(["unit-a", "unit-c"]), ["unit-c"]);
        assert!(matches!(
            submission_wraps(&Readers::default(), "unit-a", false),
            Err(NoReaderError::NoDirectory)
        ));
    }
}
