//! Unit tests of the log service: origins, and when checkpoints are issued.

use std::sync::Arc;

use super::*;
use crate::server::sequencer::{Sequencer, StatementSigner};
use crate::server::store::{SledStore, Write};

/// Signs and, if fresh, records a checkpoint, as `App::issue_checkpoint` does.
fn issue(
    store: &Arc<SledStore>,
    sequencer: &Sequencer,
    signer: &NoteSigner,
    extensions: Vec<String>,
) -> Result<Issued, LogServiceError> {
    let issued = sign_checkpoint(store.as_ref(), signer, extensions)?;
    let recorded = issued.clone();
    sequencer.run_blocking(move |tx| record_checkpoint(tx, &recorded))?;
    Ok(issued)
}

#[test]
fn origins_are_the_public_host() {
    assert_eq!(origin_for("https://meldpunt.test"), "meldpunt.test/log");
    assert_eq!(origin_for("https://Meld.Example/x/y?z"), "meld.example/log");
    assert_eq!(origin_for("http://127.0.0.1:8080"), "127.0.0.1:8080/log");
    assert_eq!(
        origin_for("https://u:p@host.example:443/"),
        "host.example:443/log"
    );
    assert_eq!(origin_for("https://"), "meldpunt/log");
    for url in ["https://a b+c", "https://x\u{7}y"] {
        assert!(crate::protocol::log::note::is_valid_name(&origin_for(url)));
    }
}

#[test]
fn checkpoints_are_issued_only_when_something_changed() {
    let dir = std::env::temp_dir().join(format!(
        "meldpunt-log-service-{}",
        crate::protocol::b64::encode(crate::protocol::crypto::random_bytes::<6>())
    ));
    let store = Arc::new(SledStore::open(&dir).unwrap());
    let statements = StatementSigner {
        key: Arc::new(crate::protocol::statements::ReceiptSigner::from_seed(
            [7; 32],
        )),
        iss: "https://meldpunt.test".into(),
    };
    let sequencer = Sequencer::start(store.clone(), statements).unwrap();
    let signer = NoteSigner::from_seed("meldpunt.test/log", &[5; 32]).unwrap();
    let first = issue(&store, &sequencer, &signer, Vec::new()).unwrap();
    assert!(first.fresh);
    assert_eq!(first.checkpoint.size, 0);
    assert_eq!(
        first.checkpoint.root,
        crate::protocol::log::proof::empty_root()
    );
    assert!(
        !issue(&store, &sequencer, &signer, Vec::new())
            .unwrap()
            .fresh
    );
    // The audit-chain seam: new extension lines make a new checkpoint of the same tree.
    let audit = vec!["audit 1 head".to_owned()];
    let with_head = issue(&store, &sequencer, &signer, audit.clone()).unwrap();
    assert!(with_head.fresh);
    assert_eq!(
        store.latest_checkpoint().unwrap(),
        Some(with_head.note.clone())
    );
    assert_eq!(store.checkpoint_at(0).unwrap(), Some(with_head.note));
    // Two checkpoints signed from the same newest one: the second to be stored is refused,
    // so a slower issuer never replaces a newer checkpoint with an older one.
    let a = sign_checkpoint(store.as_ref(), &signer, vec!["audit 2 a".into()]).unwrap();
    let b = sign_checkpoint(store.as_ref(), &signer, vec!["audit 2 b".into()]).unwrap();
    sequencer
        .run_blocking(move |tx| record_checkpoint(tx, &a))
        .unwrap();
    assert!(matches!(
        sequencer.run_blocking(move |tx| record_checkpoint(tx, &b)),
        Err(LogServiceError::Raced)
    ));
    let audit = vec!["audit 1 head".to_owned()];
    assert!(
        issue(&store, &sequencer, &signer, audit.clone())
            .unwrap()
            .fresh
    );
    // Another key name never takes over silently.
    let stranger = NoteSigner::from_seed("elsewhere.test/log", &[5; 32]).unwrap();
    assert!(matches!(
        issue(&store, &sequencer, &stranger, audit.clone()),
        Err(LogServiceError::ForeignCheckpoint { .. })
    ));
    // A checkpoint whose root the tree does not have (a rewritten database) stops issuing.
    let forked = Checkpoint {
        origin: signer.name().to_owned(),
        size: 0,
        root: [1; 32],
        extensions: Vec::new(),
    };
    let note = forked.sign(&signer).unwrap();
    store
        .commit(&[Write::Checkpoint { size: 0, note }])
        .unwrap();
    assert!(matches!(
        issue(&store, &sequencer, &signer, audit.clone()),
        Err(LogServiceError::Rewritten { size: 0 })
    ));
    // A checkpoint larger than the tree (a lost or replaced database) stops issuing.
    let ahead = Checkpoint {
        origin: signer.name().to_owned(),
        size: 5,
        root: [1; 32],
        extensions: Vec::new(),
    };
    let note = ahead.sign(&signer).unwrap();
    store
        .commit(&[Write::Checkpoint { size: 5, note }])
        .unwrap();
    assert!(matches!(
        issue(&store, &sequencer, &signer, audit),
        Err(LogServiceError::Shrunk {
            current: 0,
            checkpointed: 5
        })
    ));
    drop(sequencer);
    drop(store);
    std::fs::remove_dir_all(&dir).unwrap();
}
