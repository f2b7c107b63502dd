//! The batch's reads and writes for the readers rules and the log's trust: the kept lists
//! (`Tx::from_lists`), the recipients registered by hand, the recipient directory and its
//! proposal, and checkpoints. Same contract as the parent: the batch's own writes first, then
//! the store; a refused change leaves nothing.

use std::any::{Any, TypeId};
use std::sync::Arc;

use super::Tx;
use crate::server::sequencer::lists::Lists;
use crate::server::store::{DirectoryRecord, ProposalRecord, Recipient, StoreError, Write};

impl Tx<'_> {
    /// A value computed from every user, every recipient registered by hand and the newest
    /// directory, as the batch has them. While the batch has changed none of them, the value
    /// is computed once and kept across batches until a commit changes one (the readers of new
    /// reports are read this way for every submission).
    pub fn from_lists<T: Any + Send + Sync>(
        &self,
        derive: fn(&Lists<'_>) -> T,
    ) -> Result<Arc<T>, StoreError> {
        let untouched = [&self.done, &self.this]
            .iter()
            .all(|o| o.users.is_empty() && o.recipients.is_empty() && o.directory.is_none());
        if !untouched {
            let (users, recipients, directory) =
                (self.users()?, self.recipients()?, self.directory()?);
            return Ok(Arc::new(derive(&Lists {
                users: &users,
                recipients: &recipients,
                directory: directory.as_ref(),
            })));
        }
        if let Some((kind, value)) = self.lists.derived.get()
            && *kind == TypeId::of::<T>()
            && let Ok(value) = value.clone().downcast::<T>()
        {
            return Ok(value);
        }
        let lists = Lists {
            users: self.lists.users(self.store)?,
            recipients: self.lists.recipients(self.store)?,
            directory: self.lists.directory(self.store)?,
        };
        let value = Arc::new(derive(&lists));
        let shared: Arc<dyn Any + Send + Sync> = value.clone();
        let _ = self.lists.derived.set((TypeId::of::<T>(), shared));
        Ok(value)
    }

    /// The recipients registered by hand, as the batch has them.
    pub fn recipients(&self) -> Result<Vec<Recipient>, StoreError> {
        let mut changed = self.done.recipients.clone();
        changed.extend(self.this.recipients.clone());
        let mut all: Vec<Recipient> = self
            .lists
            .recipients(self.store)?
            .iter()
            .filter(|r| !changed.contains_key(&r.kid))
            .cloned()
            .collect();
        all.extend(changed.into_values().flatten());
        Ok(all)
    }

    pub fn put_recipient(&mut self, recipient: Recipient) {
        self.this
            .recipients
            .insert(recipient.kid.clone(), Some(recipient.clone()));
        self.write(Write::Recipient(recipient));
    }

    pub fn remove_recipient(&mut self, kid: &str) {
        self.this.recipients.insert(kid.to_owned(), None);
        self.write(Write::RemoveRecipient {
            kid: kid.to_owned(),
        });
    }

    /// The newest published recipient directory, as the batch has it.
    pub fn directory(&self) -> Result<Option<DirectoryRecord>, StoreError> {
        match self
            .this
            .directory
            .as_ref()
            .or(self.done.directory.as_ref())
        {
            Some(record) => Ok(Some(record.clone())),
            None => Ok(self.lists.directory(self.store)?.cloned()),
        }
    }

    /// Publishes the directory version `seq` (payload hash `hash`): stored, and its
    /// `document` appended as the log's next leaf.
    pub fn publish_directory(
        &mut self,
        seq: u64,
        hash: [u8; 32],
        document: String,
    ) -> Result<DirectoryRecord, StoreError> {
        let log_index = self.log_size()?;
        let record = DirectoryRecord {
            seq,
            log_index,
            hash,
            document,
        };
        self.this.log_size = Some(log_index + 1);
        self.this.directory = Some(record.clone());
        self.write(Write::Directory(record.clone()));
        Ok(record)
    }

    /// The directory version waiting for signatures, as the batch has it.
    pub fn proposal(&self) -> Result<Option<ProposalRecord>, StoreError> {
        match self.this.proposal.as_ref().or(self.done.proposal.as_ref()) {
            Some(proposal) => Ok(proposal.clone()),
            None => self.store.proposal(),
        }
    }

    pub fn put_proposal(&mut self, proposal: Option<ProposalRecord>) {
        self.this.proposal = Some(proposal.clone());
        self.write(Write::Proposal(proposal));
    }

    /// The newest checkpoint, as the batch has it.
    pub fn latest_checkpoint(&self) -> Result<Option<String>, StoreError> {
        match self
            .this
            .checkpoint
            .as_ref()
            .or(self.done.checkpoint.as_ref())
        {
            Some(note) => Ok(Some(note.clone())),
            None => self.store.latest_checkpoint(),
        }
    }

    /// The log's size, as the batch has it.
    pub fn log_leaves(&mut self) -> Result<u64, StoreError> {
        self.log_size()
    }

    pub fn put_checkpoint(&mut self, size: u64, note: String) {
        self.this.checkpoint = Some(note.clone());
        self.write(Write::Checkpoint { size, note });
    }
}
