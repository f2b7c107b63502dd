//! Storage: the one place that knows how cases, items, statements and the log are kept.
//!
//! Contract:
//! - Every change that spans records (a case with its items, its receipt and its log leaf) is
//!   one transaction: after a crash either all of it is there or none of it.
//! - Statements are signed *inside* the store's append lock, after the store has chosen their
//!   chain position and log index ([`StatementSlot`]); no two statements get the same index
//!   and the log holds exactly the stored statements, in order.
//! - Nothing is durable until [`Store::sync`] resolves; callers answer only after it (G5).
//!   Concurrent callers share one disk sync (group commit).
//! - Conflicts (a duplicate case id, a spent proof-of-work challenge, …) are reported as
//!   [`StoreError::Conflict`] and change nothing.
//!
//! [`SledStore`] is the embedded implementation; the trait is what a server database would
//! implement for organisations that run one (DESIGN §7).

mod group_commit;
pub mod log_tree;
pub mod records;
mod sled_items;
mod sled_staff;
mod sled_store;
pub mod staff;

use std::future::Future;
use std::pin::Pin;

pub use group_commit::FlushStats;
pub use records::{CaseRecord, HourCount, Recipient, StatementSlot};
pub use sled_store::SledStore;
pub use staff::StaffStore;

use crate::protocol::crypto::CaseId;
use crate::protocol::crypto::item::{Item, ItemKind};

/// Why a change was refused; nothing was written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Conflict {
    #[error("a case with this case_id already exists")]
    DuplicateCase,
    #[error("this access code is already in use")]
    DuplicateVerifier,
    #[error("the reference is taken")]
    RefTaken,
    #[error("an item with this id already exists in the case")]
    DuplicateItem,
    #[error("this proof-of-work challenge was already used")]
    PowReplayed,
    #[error("the case does not exist")]
    NoSuchCase,
    #[error("a user with this name exists")]
    NameTaken,
    #[error("the invite was used or withdrawn")]
    InviteUsed,
    #[error("this TOTP code (or a newer one) was already used")]
    TotpReplayed,
    #[error("no such user")]
    NoSuchUser,
    #[error("this public key already belongs to another staff member or recipient")]
    KeyInUse,
    #[error("the case has reached its limit of statements")]
    CaseFull,
    #[error("the case has reached its limit of stored bytes")]
    CaseTooLarge,
    #[error("the case's free messages of this hour are used")]
    FreeMessagesUsed,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("conflict: {0}")]
    Conflict(Conflict),
    #[error(
        "the database at {path} is in use by another process; is `meldpunt serve` running? \
         Stop it first, or work on a copy of the folder"
    )]
    Locked { path: String },
    #[error("storage failure: {0}")]
    Storage(String),
    #[error("a stored record is corrupt: {0}")]
    Corrupt(String),
}

impl From<sled::Error> for StoreError {
    fn from(e: sled::Error) -> Self {
        StoreError::Storage(e.to_string())
    }
}

/// A new case as the service validated it. The receipt is made by the store's signer call.
pub struct NewCase {
    /// `statement_count` and `last_statement_hash` are filled in by the store.
    pub record: CaseRecord,
    pub items: Vec<Item>,
    /// The proof-of-work challenge's spent token (`pow::spent_token`), recorded atomically with
    /// the case; a token already recorded aborts with [`Conflict::PowReplayed`].
    pub pow_spent: crate::server::pow::SpentToken,
}

/// What a reporter's message costs: one of the case's free messages of `hour`, or a proof of
/// work whose spent token is recorded with the message (a recorded token aborts with
/// [`Conflict::PowReplayed`]).
#[derive(Clone, Copy, Debug)]
pub enum MessageCharge {
    Free { hour: u64 },
    Paid(crate::server::pow::SpentToken),
}

/// Where a page of items ends: `u32be(n) || item id` of its last item (`n` its number).
pub type ItemCursor = [u8; 20];

/// A page of a case's items, in arrival order, and where the next one starts.
#[derive(Clone, Debug, Default)]
pub struct ItemsPage {
    pub items: Vec<Item>,
    pub next: Option<ItemCursor>,
}

/// Makes the signed statement for a slot; called once, under the append lock.
pub type Signer<'a> = &'a (dyn Fn(&StatementSlot) -> String + Sync);

/// One record of [`Store::dump`]: tree name, key, value.
pub type DumpEntry = (String, Vec<u8>, Vec<u8>);

pub type SyncFuture = Pin<Box<dyn Future<Output = Result<(), StoreError>> + Send>>;

pub trait Store: Send + Sync + 'static {
    /// Stores the case, its items, its receipt (seq 0) and the receipt's log leaf, and spends
    /// the proof-of-work challenge. Returns the receipt JWS.
    fn create_case(&self, new: NewCase, sign_receipt: Signer<'_>) -> Result<String, StoreError>;
    /// Appends a reporter's item with its statement (and log leaf) to a case, charging it as
    /// `charge` says; returns the statement. Refuses with [`Conflict::CaseFull`],
    /// [`Conflict::CaseTooLarge`] or [`Conflict::FreeMessagesUsed`], changing nothing.
    fn append_item(
        &self,
        case_id: &CaseId,
        item: Item,
        charge: MessageCharge,
        sign: Signer<'_>,
    ) -> Result<String, StoreError>;
    fn case_by_verifier(&self, verifier: &[u8; 32]) -> Result<Option<CaseRecord>, StoreError>;
    fn case_by_ref(&self, case_ref: &str) -> Result<Option<CaseRecord>, StoreError>;
    /// The case's items in the order they arrived (for the offline export; answers use pages).
    fn items(&self, case_id: &CaseId) -> Result<Vec<Item>, StoreError>;
    /// Up to `max_items` items of `kinds` after `after` (from the first when `None`), in
    /// arrival order, stopping before `max_bytes` of ciphertext unless the page would be
    /// empty. `next` (the last item's cursor) is set when the page stopped at a limit; the
    /// page after it may be empty (then without `next`). Reading stops at the limit: a page
    /// never decodes more than one item past it.
    fn items_page(
        &self,
        case_id: &CaseId,
        after: Option<&ItemCursor>,
        kinds: &[ItemKind],
        max_items: usize,
        max_bytes: usize,
    ) -> Result<ItemsPage, StoreError>;
    /// The case's statements, seq 0 first.
    fn statements(&self, case_id: &CaseId) -> Result<Vec<String>, StoreError>;
    fn recipients(&self) -> Result<Vec<Recipient>, StoreError>;
    fn put_recipient(&self, recipient: &Recipient) -> Result<(), StoreError>;
    fn remove_recipient(&self, kid: &str) -> Result<bool, StoreError>;
    /// Forgets spent-challenge tokens whose hour has come by `now` (their challenges have
    /// expired, so they can no longer be replayed).
    fn forget_expired_challenges(&self, now: u64) -> Result<usize, StoreError>;
    /// The newest signed transparency-log checkpoint, if one was issued (DESIGN §5).
    fn latest_checkpoint(&self) -> Result<Option<String>, StoreError>;
    /// The signed checkpoint that was issued for a tree of `size` leaves, if any.
    fn checkpoint_at(&self, size: u64) -> Result<Option<String>, StoreError>;
    /// Records a signed checkpoint of `size` leaves as the newest one and in the history by
    /// size, both at once. Durable after the next [`Store::sync`].
    fn put_checkpoint(&self, size: u64, note: &str) -> Result<(), StoreError>;
    /// Resolves when every change made before the call is on disk.
    fn sync(&self) -> SyncFuture;
    /// Every record, for tests that prove a request changed nothing.
    fn dump(&self) -> Result<Vec<DumpEntry>, StoreError>;
}
