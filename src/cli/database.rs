//! The commands that open the database directly (`recipient`, `case export`, `user`, `audit`,
//! `log`): they cannot run while `meldpunt serve` holds it, and say so instead of waiting; and
//! they never create one (only `init` and `serve` do): a folder without a database is refused,
//! with the paths looked at.
//! Commands that write open the whole service ([`open_app`]) so their changes go through its
//! sequencer like any request's.

use super::error::CliError;
use crate::server::app::App;
use crate::server::config::Settings;
use crate::server::store::SledStore;

/// Refuses a data folder that holds no database: a command run from the wrong folder (or
/// with the wrong `data` setting) would otherwise create an empty one there and act on it —
/// invite a user nobody's server knows, export nothing. Only `init` and `serve` create one.
pub(super) fn require_database(settings: &Settings) -> Result<(), CliError> {
    let data = &settings.data;
    // sled keeps its configuration in `conf` and its pages in `db`.
    if data.join("conf").is_file() && data.join("db").is_file() {
        return Ok(());
    }
    let shown = std::path::absolute(data).unwrap_or_else(|_| data.clone());
    Err(CliError::input(format!(
        "no meldpunt database in {} (looked for {} and {}); run this where `meldpunt serve` \
         keeps its data, or point to it with `data = …` in the settings file or MELDPUNT_DATA; \
         a new database is made only by `meldpunt init` or the first `meldpunt serve`",
        shown.display(),
        shown.join("conf").display(),
        shown.join("db").display()
    )))
}

/// The database alone, for commands that only read.
pub(super) fn open_store(settings: &Settings) -> Result<SledStore, CliError> {
    require_database(settings)?;
    Ok(SledStore::open_with_cache(
        &settings.data,
        settings.sled_cache_mib * 1024 * 1024,
    )?)
}

/// The service (store, sequencer, keys), for commands that write.
pub(super) fn open_app(settings: Settings) -> Result<App, CliError> {
    require_database(&settings)?;
    Ok(App::open(settings)?)
}

/// Runs one of the service's async operations to its end.
pub(super) fn block_on<F: std::future::Future>(future: F) -> F::Output {
    actix_web::rt::System::new().block_on(future)
}
