//! The running service's shared state: settings, store, keys and the proof-of-work issuer.
//! Built once by `App::open`, then shared read-only (behind `Arc`) by every request.

use std::sync::Arc;

use crate::files;
use crate::protocol::log::NoteSigner;
use crate::server::config::Settings;
use crate::server::keys::ReceiptKeys;
use crate::server::log::service as log_service;
use crate::server::pow::PowIssuer;
use crate::server::store::{SledStore, Store, StoreError};

pub struct App {
    pub settings: Settings,
    pub store: Arc<SledStore>,
    pub receipt_keys: ReceiptKeys,
    pub pow: PowIssuer,
    /// Signs the transparency log's checkpoints (`keys/log-note.key`, see `log::service`).
    pub log_signer: NoteSigner,
    /// Staff sessions, sign-in throttle and the prelogin secret (`crate::server::staff`).
    pub staff: crate::server::signin::StaffState,
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("keys folder {path}: {message}")]
    Keys { path: String, message: String },
}

impl App {
    /// Opens the database and loads (creating on first start) the keys.
    pub fn open(settings: Settings) -> Result<App, StartError> {
        let keys_err = |message: String| StartError::Keys {
            path: settings.keys.display().to_string(),
            message,
        };
        let receipt_keys =
            ReceiptKeys::load_or_create(&settings.keys).map_err(|e| keys_err(e.to_string()))?;
        let pow_secret = files::load_or_create_secret(&settings.keys.join("pow-secret.key"))
            .map_err(|e| keys_err(e.to_string()))?;
        let log_signer =
            crate::server::log::service::load_note_signer(&settings.keys, &settings.public_url)
                .map_err(|e| keys_err(e.to_string()))?;
        let prelogin_secret = files::load_or_create_secret(
            &settings.keys.join(crate::server::signin::PRELOGIN_KEY_FILE),
        )
        .map_err(|e| keys_err(e.to_string()))?;
        let staff = crate::server::signin::StaffState::new(&settings, prelogin_secret);
        let store = Arc::new(SledStore::open(&settings.data)?);
        let pow = PowIssuer::new(*pow_secret, settings.pow_bits);
        Ok(App {
            settings,
            store,
            receipt_keys,
            pow,
            log_signer,
            staff,
        })
    }

    pub fn store(&self) -> &dyn Store {
        self.store.as_ref()
    }
}

impl App {
    /// The extension lines of the next checkpoint: the audit-chain head (DESIGN §6).
    fn checkpoint_extensions(&self) -> Vec<String> {
        use crate::server::store::StaffStore;
        match self.store.audit_head() {
            Ok(head) => crate::protocol::log::checkpoint::audit_line(head.as_ref())
                .into_iter()
                .collect(),
            Err(e) => {
                tracing::error!(error = %e, "cannot read the audit chain head");
                Vec::new()
            }
        }
    }

    /// What the schedule (and `meldpunt log checkpoint`) runs: a checkpoint of the service's
    /// log with the current extension lines, unless the newest one still describes it.
    pub fn issue_checkpoint(&self) -> Result<log_service::Issued, log_service::LogServiceError> {
        log_service::issue_checkpoint(&self.store, &self.log_signer, self.checkpoint_extensions())
    }
}

/// Issues a checkpoint at once (if none exists or the tree changed), then every
/// `settings.checkpoint_secs`, each made durable before the next.
pub async fn checkpoint_schedule(app: Arc<App>) {
    let every = std::time::Duration::from_secs(app.settings.checkpoint_secs.max(1));
    let mut tick = actix_web::rt::time::interval(every);
    loop {
        tick.tick().await;
        match app.issue_checkpoint() {
            Ok(issued) if issued.fresh => match app.store().sync().await {
                Ok(()) => tracing::info!(size = issued.checkpoint.size, "log checkpoint issued"),
                Err(e) => tracing::warn!(error = %e, "could not store the log checkpoint"),
            },
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "could not issue a log checkpoint"),
        }
    }
}
