//! The trust root and what it makes trustworthy (DESIGN §11): the pinned root
//! ([`root`]) and the officer-signed recipient directory ([`directory`]).
//!
//! Contract: pure, like all of `protocol`; every client (browser, Rust, CLI) and the server
//! check directories with these same rules, and `web/js/crypto/directory.js` and `web/js/crypto/trust-root.js` mirror them.

pub mod directory;
pub mod root;
pub mod rotation;

pub use directory::{
    DirectoryChange, DirectoryDocument, DirectoryEntry, DirectoryError, DirectoryPayload,
    DirectorySignature, VerifiedDirectory, changes, check_successor, document_text, sign_payload,
    verify_directory,
};
pub use root::{Officer, TrustRoot, TrustRootError, Witness};
pub mod witnessed;
pub use witnessed::{WitnessedError, check_directory_view, open_witnessed_checkpoint};
