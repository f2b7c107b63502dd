//! The store's user and recipient lists and its newest directory, kept by the sequencer between batches: every
//! submission's wrap rule reads them ([`super::Tx::from_lists`]), and the sequencer is their
//! only writer, so only a commit that writes one of them (or fails) makes them stale.

use std::any::{Any, TypeId};
use std::cell::OnceCell;
use std::sync::Arc;

use crate::server::store::{DirectoryRecord, Recipient, Store, StoreError, UserRecord, Write};

/// What [`super::Tx::from_lists`] derives its value from.
pub struct Lists<'a> {
    pub users: &'a [UserRecord],
    pub recipients: &'a [Recipient],
    pub directory: Option<&'a DirectoryRecord>,
}

/// The store's users and hand-registered recipients as of the last commit, kept by the
/// sequencer's thread between batches: the wrap rule reads both for every submission, and only
/// the sequencer writes them, so they change only where a batch says so
/// ([`StoreLists::after_commit`]).
#[derive(Default)]
pub(super) struct StoreLists {
    users: OnceCell<Vec<UserRecord>>,
    recipients: OnceCell<Vec<Recipient>>,
    directory: OnceCell<Option<DirectoryRecord>>,
    /// One value derived from the lists ([`super::Tx::from_lists`]), by its type.
    pub(super) derived: OnceCell<(TypeId, Arc<dyn Any + Send + Sync>)>,
}

impl StoreLists {
    pub(super) fn users(&self, store: &dyn Store) -> Result<&[UserRecord], StoreError> {
        if let Some(users) = self.users.get() {
            return Ok(users);
        }
        let users = store.users()?;
        Ok(self.users.get_or_init(|| users))
    }

    pub(super) fn recipients(&self, store: &dyn Store) -> Result<&[Recipient], StoreError> {
        if let Some(recipients) = self.recipients.get() {
            return Ok(recipients);
        }
        let recipients = store.recipients()?;
        Ok(self.recipients.get_or_init(|| recipients))
    }

    pub(super) fn directory(
        &self,
        store: &dyn Store,
    ) -> Result<Option<&DirectoryRecord>, StoreError> {
        if let Some(directory) = self.directory.get() {
            return Ok(directory.as_ref());
        }
        let directory = store.directory()?;
        Ok(self.directory.get_or_init(|| directory).as_ref())
    }

    /// Forgets what the batch may have changed: both lists if a commit failed (what is
    /// stored is then unknown), else the list a written record belongs to.
    pub(super) fn after_commit(&mut self, writes: &[Write], committed: bool) {
        let wrote = |list: fn(&Write) -> bool| !committed || writes.iter().any(list);
        let users = wrote(|w| matches!(w, Write::User(_)));
        let recipients =
            wrote(|w| matches!(w, Write::Recipient(_) | Write::RemoveRecipient { .. }));
        if users {
            self.users = OnceCell::new();
        }
        if recipients {
            self.recipients = OnceCell::new();
        }
        let directory = wrote(|w| matches!(w, Write::Directory(_)));
        if directory {
            self.directory = OnceCell::new();
        }
        if users || recipients || directory {
            self.derived = OnceCell::new();
        }
    }
}
