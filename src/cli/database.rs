//! The commands that open the database directly (`recipient`, `case export`, `user`, `audit`,
//! `log`): they cannot run while `meldpunt serve` holds it, and say so instead of waiting.

use crate::server::config::Settings;
use crate::server::store::{SledStore, Store};

pub(super) fn open_store(settings: &Settings) -> Result<SledStore, String> {
    SledStore::open(&settings.data).map_err(|e| e.to_string())
}

/// Makes everything written so far durable.
pub(super) fn flush(store: &SledStore) -> Result<(), String> {
    actix_web::rt::System::new()
        .block_on(store.sync())
        .map_err(|e| e.to_string())
}
