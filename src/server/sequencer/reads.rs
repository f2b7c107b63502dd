//! [`Reads`]: what domain rules read, answered alike by the store (before a change, for an
//! answer that writes nothing) and by a batch in progress (inside a change, where the batch's
//! earlier writes count). A rule written against it is the same rule in both places.

use crate::protocol::crypto::CaseId;
use crate::server::store::{
    CaseRecord, CaseStaff, DirectoryRecord, Recipient, Store, StoreError, UserRecord,
};

use super::Tx;

pub trait Reads {
    fn case(&self, case_id: &CaseId) -> Result<Option<CaseRecord>, StoreError>;
    fn case_by_ref(&self, case_ref: &str) -> Result<Option<CaseRecord>, StoreError>;
    fn case_staff(&self, case_id: &CaseId) -> Result<CaseStaff, StoreError>;
    fn user(&self, user_id: &[u8; 16]) -> Result<Option<UserRecord>, StoreError>;
    fn users(&self) -> Result<Vec<UserRecord>, StoreError>;
    /// The recipients registered by hand.
    fn recipients(&self) -> Result<Vec<Recipient>, StoreError>;
    /// The newest published recipient directory.
    fn directory(&self) -> Result<Option<DirectoryRecord>, StoreError>;
}

impl Reads for dyn Store + '_ {
    fn case(&self, case_id: &CaseId) -> Result<Option<CaseRecord>, StoreError> {
        Store::case(self, case_id)
    }
    fn case_by_ref(&self, case_ref: &str) -> Result<Option<CaseRecord>, StoreError> {
        Store::case_by_ref(self, case_ref)
    }
    fn case_staff(&self, case_id: &CaseId) -> Result<CaseStaff, StoreError> {
        Store::case_staff(self, case_id)
    }
    fn user(&self, user_id: &[u8; 16]) -> Result<Option<UserRecord>, StoreError> {
        Store::user(self, user_id)
    }
    fn users(&self) -> Result<Vec<UserRecord>, StoreError> {
        Store::users(self)
    }
    fn recipients(&self) -> Result<Vec<Recipient>, StoreError> {
        Store::recipients(self)
    }
    fn directory(&self) -> Result<Option<DirectoryRecord>, StoreError> {
        Store::directory(self)
    }
}

impl Reads for Tx<'_> {
    fn case(&self, case_id: &CaseId) -> Result<Option<CaseRecord>, StoreError> {
        Tx::case(self, case_id)
    }
    fn case_by_ref(&self, case_ref: &str) -> Result<Option<CaseRecord>, StoreError> {
        Tx::case_by_ref(self, case_ref)
    }
    fn case_staff(&self, case_id: &CaseId) -> Result<CaseStaff, StoreError> {
        Tx::case_staff(self, case_id)
    }
    fn user(&self, user_id: &[u8; 16]) -> Result<Option<UserRecord>, StoreError> {
        Tx::user(self, user_id)
    }
    fn users(&self) -> Result<Vec<UserRecord>, StoreError> {
        Tx::users(self)
    }
    fn recipients(&self) -> Result<Vec<Recipient>, StoreError> {
        Tx::recipients(self)
    }
    fn directory(&self) -> Result<Option<DirectoryRecord>, StoreError> {
        Tx::directory(self)
    }
}
