//! The running service's shared state: settings, store, sequencer, keys and the proof-of-work
//! issuer. Built once by `App::open`, then shared read-only (behind `Arc`) by every request;
//! every write goes through `sequencer`.

use std::sync::Arc;

use crate::files;
use crate::protocol::log::NoteSigner;
use crate::server::config::Settings;
use crate::server::keys::ReceiptKeys;
use crate::server::log::service::{self as log_service, Issued, LogServiceError};
use crate::server::pow::PowIssuer;
use crate::server::sequencer::{Sequencer, StatementSigner};
use crate::server::store::{SledStore, Store, StoreError};

pub struct App {
    pub settings: Settings,
    /// The one writer; dropped (and its thread joined) before the store.
    pub sequencer: Sequencer,
    store: Arc<dyn Store>,
    pub receipt_keys: ReceiptKeys,
    pub pow: PowIssuer,
    /// Signs the transparency log's checkpoints (`keys/log-note.key`, see `log::service`).
    pub log_signer: NoteSigner,
    /// Staff sessions, sign-in throttle and the prelogin secret (`crate::server::signin`).
    pub staff: crate::server::signin::StaffState,
    /// The installation's trust root (`keys/trust-root.json`, `crate::server::trust`).
    pub trust: crate::server::trust::TrustSetup,
    /// Who cosigns checkpoints before they are published (`log::cosigning`).
    pub cosigners: crate::server::log::cosigning::Cosigners,
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("keys folder {path}: {message}")]
    Keys { path: String, message: String },
    #[error("cannot start the sequencer: {0}")]
    Sequencer(std::io::Error),
}

impl App {
    /// Opens the database (sled, `settings.data`) and loads (creating on first start) the keys.
    pub fn open(settings: Settings) -> Result<App, StartError> {
        let cache = settings.sled_cache_mib.saturating_mul(1024 * 1024);
        let store = Arc::new(SledStore::open_with_cache(&settings.data, cache)?);
        Self::with_store(settings, store)
    }

    /// The service over any store (DESIGN §7): everything above the store is the same.
    pub fn with_store(settings: Settings, store: Arc<dyn Store>) -> Result<App, StartError> {
        let keys_err = |message: String| StartError::Keys {
            path: settings.keys.display().to_string(),
            message,
        };
        let receipt_keys =
            ReceiptKeys::load_or_create(&settings.keys).map_err(|e| keys_err(e.to_string()))?;
        let pow_secret = files::load_or_create_secret(&settings.keys.join("pow-secret.key"))
            .map_err(|e| keys_err(e.to_string()))?;
        let log_signer = log_service::load_note_signer(&settings.keys, &settings.public_url)
            .map_err(|e| keys_err(e.to_string()))?;
        let prelogin_secret = files::load_or_create_secret(
            &settings.keys.join(crate::server::signin::PRELOGIN_KEY_FILE),
        )
        .map_err(|e| keys_err(e.to_string()))?;
        let staff =
            crate::server::signin::StaffState::load(&settings, prelogin_secret, store.clone())?;
        let fresh =
            store.log_size()? == 0 && store.users()?.is_empty() && store.recipients()?.is_empty();
        let trust = crate::server::trust::load_or_create(
            &settings.keys,
            &settings.public_url,
            &log_signer,
            fresh,
        )
        .map_err(|e| keys_err(e.to_string()))?;
        let cosigners =
            crate::server::log::cosigning::Cosigners::new(&trust.root, &settings.keys, &log_signer);
        let signer = StatementSigner {
            key: receipt_keys.current.clone(),
            iss: settings.public_url.clone(),
        };
        let sequencer = Sequencer::start(store.clone(), signer).map_err(StartError::Sequencer)?;
        let pow = PowIssuer::new(*pow_secret, settings.pow_bits);
        Ok(App {
            settings,
            sequencer,
            store,
            receipt_keys,
            pow,
            log_signer,
            staff,
            trust,
            cosigners,
        })
    }

    /// The store, for reads; writes go through [`App::sequencer`].
    pub fn store(&self) -> &dyn Store {
        self.store.as_ref()
    }

    /// The extension lines of the next checkpoint: the audit-chain head (DESIGN §6).
    /// The checkpoint of the log as it stands, signed; recorded by the caller's change.
    fn sign_checkpoint(&self) -> Result<Issued, LogServiceError> {
        log_service::sign_checkpoint(
            self.store(),
            &self.log_signer,
            self.checkpoint_extensions()?,
        )
    }

    fn checkpoint_extensions(&self) -> Result<Vec<String>, StoreError> {
        let head = self.store.audit_head()?;
        Ok(crate::protocol::log::checkpoint::audit_line(head.as_ref())
            .into_iter()
            .collect())
    }

    /// What the schedule runs: a checkpoint of the service's log with the current extension
    /// lines, unless the newest one still describes it; durable when this returns.
    pub async fn issue_checkpoint(&self) -> Result<Issued, LogServiceError> {
        let issued = self.sign_checkpoint()?;
        let issued = actix_web::rt::task::spawn_blocking({
            let app_cosigners = self.cosigners.clone();
            let store_view = self.store.clone();
            move || app_cosigners.cosign(store_view.as_ref(), issued)
        })
        .await
        .map_err(|_| LogServiceError::Cosigning("the cosigning task failed".into()))??;
        let recorded = issued.clone();
        self.sequencer
            .run(move |tx| log_service::record_checkpoint(tx, &recorded))
            .await?;
        Ok(issued)
    }

    /// [`App::issue_checkpoint`] for the command line (`meldpunt log checkpoint`).
    pub fn issue_checkpoint_blocking(&self) -> Result<Issued, LogServiceError> {
        let issued = self.sign_checkpoint()?;
        let issued = self.cosigners.cosign(self.store(), issued)?;
        let recorded = issued.clone();
        self.sequencer
            .run_blocking(move |tx| log_service::record_checkpoint(tx, &recorded))?;
        Ok(issued)
    }
}

/// Issues a checkpoint at once (if none exists or the tree changed), then every
/// `settings.checkpoint_secs`, each durable before the next.
pub async fn checkpoint_schedule(app: Arc<App>) {
    let every = std::time::Duration::from_secs(app.settings.checkpoint_secs.max(1));
    let mut tick = actix_web::rt::time::interval(every);
    loop {
        tick.tick().await;
        match app.issue_checkpoint().await {
            Ok(issued) if issued.fresh => {
                tracing::info!(size = issued.checkpoint.size, "log checkpoint issued")
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "could not issue a log checkpoint"),
        }
    }
}
