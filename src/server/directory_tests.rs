//! The two-person rule on a real store: the server alone, and one officer alone, publish
//! nothing; a quorum publishes exactly the proposal, into the log; suspensions are immediate.

use super::*;
use crate::protocol::trust::{sign_payload, verify_directory};
use crate::server::app::App;
use crate::server::config::Settings;
use crate::server::recipients::{Readers, readers};
use crate::server::store::Recipient;
use crate::server::trust::DEV_OFFICER_FILES;

struct Fixture {
    dir: std::path::PathBuf,
    app: App,
}

impl Drop for Fixture {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn fixture() -> Fixture {
    let dir = std::env::temp_dir().join(format!(
        "meldpunt-directory-{}",
        b64::encode(crate::protocol::crypto::random_bytes::<6>())
    ));
    let mut settings = Settings::defaults();
    settings.data = dir.join("data");
    settings.keys = dir.join("keys");
    settings.public_url = "https://meldpunt.test".into();
    let app = App::open(settings).unwrap();
    Fixture { dir, app }
}

fn officer_seed(f: &Fixture, i: usize) -> [u8; 32] {
    *crate::files::read_secret(&f.app.settings.keys.join(DEV_OFFICER_FILES[i])).unwrap()
}

fn add_key(f: &Fixture, unit: &str) -> String {
    let sk = x25519_dalek::StaticSecret::from(crate::protocol::crypto::random_bytes::<32>());
    let pk = *x25519_dalek::PublicKey::from(&sk).as_bytes();
    let kid = crate::protocol::crypto::hpke_suite::x25519_kid(&pk);
    let recipient = Recipient {
        kid: kid.clone(),
        public_key: pk,
        unit: unit.into(),
    };
    f.app
        .sequencer
        .run_blocking(move |tx| crate::server::recipients::register(tx, recipient, "test"))
        .unwrap();
    kid
}

fn propose_now(f: &Fixture) -> Result<ProposalRecord, DirectoryChangeError> {
    let root = f.app.trust.root.clone();
    f.app
        .sequencer
        .run_blocking(move |tx| propose(tx, &root, "test"))
}

fn sign(
    f: &Fixture,
    hash: [u8; 32],
    signature: DirectorySignature,
) -> Result<SignatureOutcome, DirectoryChangeError> {
    let root = f.app.trust.root.clone();
    f.app
        .sequencer
        .run_blocking(move |tx| add_signature(tx, &root, &hash, signature))
}

fn current(f: &Fixture) -> Readers {
    readers(f.app.store()).unwrap()
}

#[test]
fn one_officer_publishes_nothing_and_a_quorum_publishes_the_proposal_into_the_log() {
    let f = fixture();
    let kid = add_key(&f, "amsterdam");
    let proposal = propose_now(&f).unwrap();
    assert_eq!(
        propose_now(&f).unwrap(),
        proposal,
        "asking again gives the same bytes to sign"
    );
    let size_before = f.app.store().log_size().unwrap();

    let first = sign(
        &f,
        proposal.hash,
        sign_payload(&proposal.payload, &officer_seed(&f, 0)),
    )
    .unwrap();
    assert!(first.published.is_none());
    assert!(current(&f).directory.is_none(), "one officer is not enough");
    // The same officer again counts once.
    let again = sign(
        &f,
        proposal.hash,
        sign_payload(&proposal.payload, &officer_seed(&f, 0)),
    )
    .unwrap();
    assert_eq!((again.signers, again.published.is_none()), (1, true));
    // A key that is no officer (the server's own log key, say) is refused and changes nothing.
    let stranger = sign(
        &f,
        proposal.hash,
        sign_payload(&proposal.payload, &[0x55; 32]),
    );
    assert!(matches!(
        stranger,
        Err(DirectoryChangeError::Refused(DirectoryError::UnknownSigner))
    ));
    let stale = sign(
        &f,
        [0; 32],
        sign_payload(&proposal.payload, &officer_seed(&f, 1)),
    );
    assert!(matches!(stale, Err(DirectoryChangeError::Stale)));
    assert_eq!(f.app.store().log_size().unwrap(), size_before);

    let second = sign(
        &f,
        proposal.hash,
        sign_payload(&proposal.payload, &officer_seed(&f, 1)),
    )
    .unwrap();
    let record = second.published.expect("the quorum publishes");
    assert_eq!(record.seq, 1);
    assert_eq!(
        record.log_index, size_before,
        "the directory is the log's next leaf"
    );
    assert_eq!(f.app.store().log_size().unwrap(), size_before + 1);
    let verified = verify_directory(&f.app.trust.root, &record.document).unwrap();
    assert_eq!(verified.hash, proposal.hash);
    assert_eq!(verified.payload.entries.len(), 1);
    assert_eq!(verified.payload.entries[0].kid, kid);
    assert!(f.app.store().proposal().unwrap().is_none());
    assert!(matches!(
        propose_now(&f),
        Err(DirectoryChangeError::UpToDate)
    ));
    let readers = current(&f);
    assert_eq!(readers.for_report("amsterdam", false).unwrap().len(), 1);
    assert!(
        readers.for_report("zwolle", false).is_err(),
        "no reader for zwolle"
    );
    let actions: Vec<String> = f
        .app
        .store()
        .audit_records(0, 100)
        .unwrap()
        .into_iter()
        .map(|r| r.action)
        .collect();
    for action in [
        "directory.proposed",
        "directory.signed",
        "directory.published",
    ] {
        assert!(
            actions.iter().any(|a| a == action),
            "{action} in {actions:?}"
        );
    }
}

#[test]
fn a_removed_key_is_suspended_at_once_and_the_next_version_chains() {
    let f = fixture();
    let kid = add_key(&f, "national");
    let publish = |f: &Fixture| {
        let p = propose_now(f).unwrap();
        for i in 0..2 {
            sign(f, p.hash, sign_payload(&p.payload, &officer_seed(f, i))).unwrap();
        }
    };
    publish(&f);
    assert!(current(&f).suspended.is_empty());
    let gone = kid.clone();
    f.app
        .sequencer
        .run_blocking(move |tx| crate::server::recipients::unregister(tx, &gone, "test"))
        .unwrap();
    let readers = current(&f);
    assert_eq!(
        readers.suspended,
        std::slice::from_ref(&kid),
        "suspended without any signature"
    );
    assert!(readers.for_report("amsterdam", false).is_err());
    let other = add_key(&f, "national");
    publish(&f);
    let (record, payload) = current(&f).directory.unwrap();
    assert_eq!(record.seq, 2);
    let first = f.app.store().directory_version(1).unwrap().unwrap();
    assert_eq!(payload.prev, Some(first.hash));
    assert_eq!(payload.entries.len(), 1);
    assert_eq!(payload.entries[0].kid, other);
}

/// The readers of new reports are kept between batches (`Tx::from_lists`); each way they can
/// change must reach the next submission: a publication, and a removal (a suspension) in an
/// earlier batch or earlier in the same batch.
#[test]
fn the_kept_readers_follow_every_change() {
    let f = fixture();
    let seq_and_suspended = |f: &Fixture| -> (Option<u64>, Vec<String>) {
        let readers = f
            .app
            .sequencer
            .run_blocking(|tx| crate::server::recipients::readers_in(tx))
            .unwrap();
        (
            readers.directory.as_ref().map(|(r, _)| r.seq),
            readers.suspended.clone(),
        )
    };
    assert_eq!(seq_and_suspended(&f), (None, vec![]), "read and kept");
    let kid = add_key(&f, "national");
    let p = propose_now(&f).unwrap();
    for i in 0..2 {
        sign(&f, p.hash, sign_payload(&p.payload, &officer_seed(&f, i))).unwrap();
    }
    assert_eq!(
        seq_and_suspended(&f),
        (Some(1), vec![]),
        "the publication is seen"
    );
    let gone = kid.clone();
    let seen = f
        .app
        .sequencer
        .run_blocking(move |tx| {
            crate::server::recipients::unregister(tx, &gone, "test")?;
            Ok::<_, crate::server::recipients::RegisterError>(
                crate::server::recipients::readers_in(tx)?.suspended.clone(),
            )
        })
        .unwrap();
    assert_eq!(
        seen,
        std::slice::from_ref(&kid),
        "the change after a removal in its batch sees it"
    );
    assert_eq!(
        seq_and_suspended(&f),
        (Some(1), vec![kid]),
        "and the next batch"
    );
}
