//! Storage: the one place that knows how cases, items, statements, staff records, the audit
//! chain and the transparency log are kept. [`Store`] says it in domain terms; [`SledStore`]
//! is the embedded implementation, and a server database (DESIGN §7) implements the same
//! trait without anything above it changing.
//!
//! Contract (what is durable when, what may run at once), after sunlight's `Backend`:
//! - **Writes** come only through [`Store::commit`], and only from the sequencer
//!   (`server::sequencer`), one batch at a time. A batch is applied atomically (after a crash
//!   either all of it is there or none of it) and is durable when `commit` returns: the
//!   sequencer answers the requests of a batch only after that.
//! - The store checks nothing a domain rule decides (duplicates, caps, budgets): the sequencer
//!   has checked the batch against the store and the batch itself. It does check its own
//!   invariants: a statement's log index is the log's size when it is appended, and a new
//!   case does not overwrite another.
//! - **Reads** may run at any time, concurrently with each other and with a commit, and see
//!   every batch committed before they began, never part of one.
//! - One exception to "only through commit": [`Store::forget_expired_challenges`] deletes
//!   spent-challenge tokens whose challenges have expired; nothing can spend those any more,
//!   so it may run beside the sequencer.
//! - A second exception: staff sessions (`server::signin::session`) are sign-in state, not
//!   records of the service, and are kept beside the sequencer by [`Store::put_session`] and
//!   [`Store::remove_sessions`]; each says when it is durable. Their records are opaque here.
//! - Storage errors are [`StoreError`]; nothing here refuses a request for a domain reason.

pub mod log_tree;
pub mod records;
mod sled_apply;
mod sled_items;
mod sled_log;
mod sled_staff;
mod sled_store;
pub mod staff;

pub use records::{
    CaseRecord, DirectoryRecord, HourCount, ProposalRecord, Recipient, StatementEntry,
};
pub use sled_store::SledStore;
pub use staff::{
    AuditBroken, AuditEntry, AuditRecord, CaseStaff, Enrolment, InviteRecord, ItemAuthor, Triage,
    UserRecord,
};

use crate::protocol::crypto::CaseId;
use crate::protocol::crypto::item::{Item, ItemKind};
use crate::protocol::log::checkpoint::AuditHead;
use crate::protocol::wire::{ConsistencyProofView, InclusionProofView, LeafHashesView};
use crate::server::pow::SpentToken;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "the database at {path} is in use by another process; is `meldpunt serve` running? \
         Stop it first, or work on a copy of the folder"
    )]
    Locked { path: String },
    #[error("storage failure: {0}")]
    Storage(String),
    #[error("a stored record is corrupt: {0}")]
    Corrupt(String),
    /// A position the log does not have, or a range it cannot serve (a caller's mistake).
    #[error("{0}")]
    LogRange(String),
}

impl From<sled::Error> for StoreError {
    fn from(e: sled::Error) -> Self {
        StoreError::Storage(e.to_string())
    }
}

/// Where a page of items ends: `u32be(n) || item id` of its last item (`n` its number).
pub type ItemCursor = [u8; 20];

/// A page of a case's items, in arrival order, and where the next one starts.
#[derive(Clone, Debug, Default)]
pub struct ItemsPage {
    pub items: Vec<Item>,
    pub next: Option<ItemCursor>,
}

/// One change of a batch ([`Store::commit`]), in domain terms.
#[derive(Clone, Debug)]
pub enum Write {
    /// A new case: its record and its indexes (reference, verifier).
    NewCase(CaseRecord),
    /// A case's record as it is now.
    Case(CaseRecord),
    /// A case's staff state (assignments, triage).
    CaseStaff {
        case_id: CaseId,
        staff: CaseStaff,
    },
    /// An item, under its own number in its case (0 for the report, then one more each).
    Item {
        case_id: CaseId,
        number: u32,
        item: Item,
    },
    /// A statement at its place in the case chain, and as the log's next leaf: `log_index`
    /// is the log's size before it.
    Statement {
        case_id: CaseId,
        seq: u32,
        log_index: u64,
        jws: String,
    },
    /// A spent proof-of-work challenge (`server::pow::spent_token`).
    SpentToken(SpentToken),
    /// A staff user as it is now.
    User(UserRecord),
    /// The (case-insensitive) name index of a user.
    UserName {
        name: String,
        user_id: [u8; 16],
    },
    /// An open invite, under SHA-256 of its token.
    Invite {
        token_hash: [u8; 32],
        invite: InviteRecord,
    },
    /// An invite used or withdrawn.
    RemoveInvite {
        token_hash: [u8; 32],
    },
    /// The audit chain's next record (its `seq` and `prev` already chained).
    Audit(AuditRecord),
    /// A recipient registered by hand.
    Recipient(Recipient),
    RemoveRecipient {
        kid: String,
    },
    /// A published recipient directory: stored under its seq, and its document appended as
    /// the log's next leaf (`log_index` is the log's size before it).
    Directory(DirectoryRecord),
    /// The directory version waiting for signatures (`None`: there is none any more).
    Proposal(Option<ProposalRecord>),
    /// A signed checkpoint of `size` leaves: the newest one, and in the history by size.
    Checkpoint {
        size: u64,
        note: String,
    },
}

/// A stored staff session: SHA-256 of its token and its record (opaque to the store).
pub type SessionEntry = ([u8; 32], Vec<u8>);

/// One record of [`Store::dump`]: tree name, key, value.
pub type DumpEntry = (String, Vec<u8>, Vec<u8>);

pub trait Store: Send + Sync + 'static {
    /// Applies `batch` atomically; returns once it is durable (see the module contract).
    fn commit(&self, batch: &[Write]) -> Result<(), StoreError>;

    fn case(&self, case_id: &CaseId) -> Result<Option<CaseRecord>, StoreError>;
    fn case_by_verifier(&self, verifier: &[u8; 32]) -> Result<Option<CaseRecord>, StoreError>;
    fn case_by_ref(&self, case_ref: &str) -> Result<Option<CaseRecord>, StoreError>;
    /// Every case (the staff list filters them).
    fn all_cases(&self) -> Result<Vec<CaseRecord>, StoreError>;
    fn case_staff(&self, case_id: &CaseId) -> Result<CaseStaff, StoreError>;

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
    /// The number of the case's newest item, if it has any.
    fn last_item_number(&self, case_id: &CaseId) -> Result<Option<u32>, StoreError>;
    /// Whether the case holds an item with this id.
    fn has_item(&self, case_id: &CaseId, item_id: &[u8; 16]) -> Result<bool, StoreError>;
    /// The case's statements with their log indices, seq 0 first.
    fn statements(&self, case_id: &CaseId) -> Result<Vec<StatementEntry>, StoreError>;

    /// Whether a proof-of-work challenge with this token was spent.
    fn is_spent(&self, token: &SpentToken) -> Result<bool, StoreError>;
    /// Forgets spent-challenge tokens whose hour has come by `now` (their challenges have
    /// expired, so they can no longer be replayed); see the module contract.
    fn forget_expired_challenges(&self, now: u64) -> Result<usize, StoreError>;

    fn recipients(&self) -> Result<Vec<Recipient>, StoreError>;
    /// The newest published recipient directory, if any.
    fn directory(&self) -> Result<Option<DirectoryRecord>, StoreError>;
    /// The published directory of this `seq`, if any.
    fn directory_version(&self, seq: u64) -> Result<Option<DirectoryRecord>, StoreError>;
    /// The directory version waiting for signatures, if any.
    fn proposal(&self) -> Result<Option<ProposalRecord>, StoreError>;
    fn users(&self) -> Result<Vec<UserRecord>, StoreError>;
    fn user(&self, user_id: &[u8; 16]) -> Result<Option<UserRecord>, StoreError>;
    /// Names are unique case-insensitively.
    fn user_by_name(&self, name: &str) -> Result<Option<UserRecord>, StoreError>;
    fn invite(&self, token_hash: &[u8; 32]) -> Result<Option<InviteRecord>, StoreError>;

    /// Up to `limit` audit records from `start`, in order.
    fn audit_records(&self, start: u64, limit: usize) -> Result<Vec<AuditRecord>, StoreError>;
    /// The chain's newest record, if any.
    fn audit_head(&self) -> Result<Option<AuditHead>, StoreError>;
    /// Recomputes the whole audit chain from what is stored: its head, or how it is broken.
    fn verify_audit(&self) -> Result<Result<Option<AuditHead>, AuditBroken>, StoreError>;

    /// The number of leaves in the transparency log.
    fn log_size(&self) -> Result<u64, StoreError>;
    /// The root of the log's first `size` leaves (`size <=` the log size).
    fn log_root(&self, size: u64) -> Result<[u8; 32], StoreError>;
    /// RFC 9162 `PATH(index, D[0:size])` with the leaf's hash (`index < size <=` log size).
    fn inclusion_proof(&self, index: u64, size: u64) -> Result<InclusionProofView, StoreError>;
    /// RFC 9162 `PROOF(from, D[0:to])` (`from <= to <=` log size).
    fn consistency_proof(&self, from: u64, to: u64) -> Result<ConsistencyProofView, StoreError>;
    /// The leaf hashes of `[start, end)` (`end <=` log size).
    fn leaf_hashes(&self, start: u64, end: u64) -> Result<LeafHashesView, StoreError>;
    /// The newest signed transparency-log checkpoint, if one was issued (DESIGN §5).
    fn latest_checkpoint(&self) -> Result<Option<String>, StoreError>;
    /// The signed checkpoint that was issued for a tree of `size` leaves, if any.
    fn checkpoint_at(&self, size: u64) -> Result<Option<String>, StoreError>;

    /// Every stored staff session: SHA-256(token) and its record (see the module contract).
    fn sessions(&self) -> Result<Vec<SessionEntry>, StoreError>;
    /// Stores or replaces a session record; durable when it returns if `flush`.
    fn put_session(&self, key: &[u8; 32], record: &[u8], flush: bool) -> Result<(), StoreError>;
    /// Deletes these sessions; durable when it returns (an ended session never comes back).
    fn remove_sessions(&self, keys: &[[u8; 32]]) -> Result<(), StoreError>;

    /// Every record, for tests that prove a request changed nothing.
    fn dump(&self) -> Result<Vec<DumpEntry>, StoreError>;
}
