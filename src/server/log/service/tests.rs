//! Unit tests of the log service: origins, statement indices, and when checkpoints are issued.

use super::*;

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
    let store = SledStore::open(&dir).unwrap();
    let signer = NoteSigner::from_seed("meldpunt.test/log", &[5; 32]).unwrap();
    let first = issue_checkpoint(&store, &signer, Vec::new()).unwrap();
    assert!(first.fresh);
    assert_eq!(first.checkpoint.size, 0);
    assert_eq!(
        first.checkpoint.root,
        crate::protocol::log::proof::empty_root()
    );
    assert!(!issue_checkpoint(&store, &signer, Vec::new()).unwrap().fresh);
    // The audit-chain seam: new extension lines make a new checkpoint of the same tree.
    let audit = vec!["audit 1 head".to_owned()];
    let with_head = issue_checkpoint(&store, &signer, audit.clone()).unwrap();
    assert!(with_head.fresh);
    assert_eq!(
        store.latest_checkpoint().unwrap(),
        Some(with_head.note.clone())
    );
    assert_eq!(store.checkpoint_at(0).unwrap(), Some(with_head.note));
    // Another key name never takes over silently.
    let stranger = NoteSigner::from_seed("elsewhere.test/log", &[5; 32]).unwrap();
    assert!(matches!(
        issue_checkpoint(&store, &stranger, audit.clone()),
        Err(LogServiceError::ForeignCheckpoint { .. })
    ));
    // A checkpoint whose root the tree does not have (a rewritten database) stops issuing.
    let forked = Checkpoint {
        origin: signer.name().to_owned(),
        size: 0,
        root: [1; 32],
        extensions: Vec::new(),
    };
    store
        .put_checkpoint(0, &forked.sign(&signer).unwrap())
        .unwrap();
    assert!(matches!(
        issue_checkpoint(&store, &signer, audit.clone()),
        Err(LogServiceError::Rewritten { size: 0 })
    ));
    // A checkpoint larger than the tree (a lost or replaced database) stops issuing.
    let ahead = Checkpoint {
        origin: signer.name().to_owned(),
        size: 5,
        root: [1; 32],
        extensions: Vec::new(),
    };
    store
        .put_checkpoint(5, &ahead.sign(&signer).unwrap())
        .unwrap();
    assert!(matches!(
        issue_checkpoint(&store, &signer, audit),
        Err(LogServiceError::Shrunk {
            current: 0,
            checkpointed: 5
        })
    ));
    drop(store);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn statement_indices_are_read_from_the_payload() {
    let payload = crate::protocol::b64::encode(br#"{"log":41,"seq":0}"#);
    assert_eq!(statement_log_index(&format!("h.{payload}.s")), Some(41));
    assert_eq!(statement_log_index("h"), None);
    assert_eq!(statement_log_index("h.!!.s"), None);
}
