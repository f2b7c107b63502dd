//! The commands that open the database directly (`recipient`, `case export`, `user`, `audit`,
//! `log`): they cannot run while `meldpunt serve` holds it, and say so instead of waiting.
//! Commands that write open the whole service ([`open_app`]) so their changes go through its
//! sequencer like any request's.

use super::error::CliError;
use crate::server::app::App;
use crate::server::config::Settings;
use crate::server::store::SledStore;

/// The database alone, for commands that only read.
pub(super) fn open_store(settings: &Settings) -> Result<SledStore, CliError> {
    Ok(SledStore::open_with_cache(
        &settings.data,
        settings.sled_cache_mib * 1024 * 1024,
    )?)
}

/// The service (store, sequencer, keys), for commands that write.
pub(super) fn open_app(settings: Settings) -> Result<App, CliError> {
    Ok(App::open(settings)?)
}

/// Runs one of the service's async operations to its end.
pub(super) fn block_on<F: std::future::Future>(future: F) -> F::Output {
    actix_web::rt::System::new().block_on(future)
}
