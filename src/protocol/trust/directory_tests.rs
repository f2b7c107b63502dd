use super::*;
use crate::protocol::roles::Role;
use crate::protocol::trust::root::tests::sample as sample_root;

/// The seeds of `sample_root`'s two officers, and one stranger.
const OFFICER_1: [u8; 32] = [1; 32];
const OFFICER_2: [u8; 32] = [2; 32];
const STRANGER: [u8; 32] = [9; 32];

fn entry(seed: u8, unit: &str, roles: &[Role]) -> DirectoryEntry {
    let pk = x25519_dalek::PublicKey::from(&x25519_dalek::StaticSecret::from([seed; 32]));
    DirectoryEntry {
        kid: x25519_kid(pk.as_bytes()),
        public_key: *pk.as_bytes(),
        units: vec![unit.into()],
        roles: roles.to_vec(),
        label: format!("user {seed}"),
    }
}

fn payload(seq: u64, prev: Option<[u8; 32]>, entries: Vec<DirectoryEntry>) -> DirectoryPayload {
    let mut p = DirectoryPayload {
        v: 1,
        origin: "https://meldpunt.test".into(),
        seq,
        prev,
        hour: 7200 * seq,
        entries,
    };
    p.canonicalize();
    p
}

fn signed(p: &DirectoryPayload, seeds: &[[u8; 32]]) -> String {
    let b64 = b64::encode(p.to_bytes());
    let sigs: Vec<_> = seeds.iter().map(|s| sign_payload(&b64, s)).collect();
    document_text(&b64, &sigs)
}

fn first() -> DirectoryPayload {
    payload(
        1,
        None,
        vec![
            entry(5, "national", &[Role::Intake]),
            entry(6, "amsterdam", &[Role::Intake]),
            entry(7, "amsterdam", &[Role::Investigator]),
        ],
    )
}

#[test]
fn a_quorum_of_officers_makes_a_directory() {
    let root = sample_root();
    let p = first();
    let dir = verify_directory(&root, &signed(&p, &[OFFICER_2, OFFICER_1])).unwrap();
    assert_eq!(dir.payload, p);
    assert_eq!(dir.hash, sha256(&p.to_bytes()));
    assert_eq!(dir.signers.len(), 2);
}

#[test]
fn fewer_officers_strangers_and_repeats_are_refused() {
    let root = sample_root();
    let p = first();
    assert_eq!(
        verify_directory(&root, &signed(&p, &[OFFICER_1])),
        Err(DirectoryError::NoQuorum {
            found: 1,
            needed: 2
        })
    );
    assert_eq!(
        verify_directory(&root, &signed(&p, &[OFFICER_1, OFFICER_2, STRANGER])),
        Err(DirectoryError::UnknownSigner)
    );
    assert_eq!(
        verify_directory(&root, &signed(&p, &[OFFICER_1, OFFICER_1])),
        Err(DirectoryError::DuplicateSigner)
    );
    assert_eq!(
        verify_directory(&root, &signed(&p, &[])),
        Err(DirectoryError::NoQuorum {
            found: 0,
            needed: 2
        })
    );
}

#[test]
fn a_signature_covers_the_payload_exactly() {
    let root = sample_root();
    let p = first();
    let b64 = b64::encode(p.to_bytes());
    let sigs = [
        sign_payload(&b64, &OFFICER_1),
        sign_payload(&b64, &OFFICER_2),
    ];
    let mut more = p.clone();
    more.entries.push(entry(8, "zwolle", &[Role::Intake]));
    more.canonicalize();
    let swapped = document_text(&b64::encode(more.to_bytes()), &sigs);
    assert_eq!(
        verify_directory(&root, &swapped),
        Err(DirectoryError::BadSignature)
    );
}

#[test]
fn non_canonical_or_foreign_payloads_are_refused() {
    let root = sample_root();
    let mut unsorted = first();
    unsorted.entries.reverse();
    assert!(matches!(
        verify_directory(&root, &signed(&unsorted, &[OFFICER_1, OFFICER_2])),
        Err(DirectoryError::NotCanonical(_))
    ));
    let mut wrong_kid = first();
    wrong_kid.entries[0].public_key = [0x42; 32];
    assert!(matches!(
        verify_directory(&root, &signed(&wrong_kid, &[OFFICER_1, OFFICER_2])),
        Err(DirectoryError::NotCanonical(_))
    ));
    let mut admin = first();
    admin.entries[0].roles = vec![Role::Admin];
    assert!(matches!(
        verify_directory(&root, &signed(&admin, &[OFFICER_1, OFFICER_2])),
        Err(DirectoryError::NotCanonical(_))
    ));
    let mut foreign = first();
    foreign.origin = "https://elsewhere.test".into();
    assert!(matches!(
        verify_directory(&root, &signed(&foreign, &[OFFICER_1, OFFICER_2])),
        Err(DirectoryError::WrongOrigin { .. })
    ));
    let no_prev = payload(2, None, vec![]);
    assert!(matches!(
        verify_directory(&root, &signed(&no_prev, &[OFFICER_1, OFFICER_2])),
        Err(DirectoryError::NotCanonical(_))
    ));
}

#[test]
fn versions_must_chain() {
    let root = sample_root();
    let one = verify_directory(&root, &signed(&first(), &[OFFICER_1, OFFICER_2])).unwrap();
    let next = |seq, prev| {
        verify_directory(
            &root,
            &signed(&payload(seq, prev, vec![]), &[OFFICER_1, OFFICER_2]),
        )
        .unwrap()
    };
    assert!(check_successor(&one, &next(2, Some(one.hash))).is_ok());
    assert!(check_successor(&one, &next(3, Some(one.hash))).is_err());
    assert!(check_successor(&one, &next(2, Some([0; 32]))).is_err());
}

#[test]
fn reports_go_to_the_units_and_the_national_intake_minus_the_suspended() {
    let root = sample_root();
    let dir = verify_directory(&root, &signed(&first(), &[OFFICER_1, OFFICER_2])).unwrap();
    let labels = |unit, national_only, suspended: &[String]| -> Vec<String> {
        let mut l: Vec<String> = dir
            .readers(unit, national_only, suspended)
            .map(|e| e.label.clone())
            .collect();
        l.sort();
        l
    };
    assert_eq!(labels("amsterdam", false, &[]), ["user 5", "user 6"]);
    assert_eq!(labels("amsterdam", true, &[]), ["user 5"]);
    assert_eq!(labels("zwolle", false, &[]), ["user 5"]);
    let national = entry(5, "national", &[Role::Intake]).kid;
    assert!(labels("zwolle", false, &[national]).is_empty());
}

#[test]
fn changes_name_who_was_added_removed_and_changed() {
    let before = first().entries;
    let mut after = before.clone();
    after.retain(|e| e.label != "user 7");
    after[0].units = vec!["zwolle".into()];
    after.push(entry(8, "zwolle", &[Role::Intake]));
    let text: Vec<String> = changes(&before, &after)
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(text.len(), 3, "{text:?}");
    assert!(
        text.iter()
            .any(|t| t.starts_with("added user 8 (intake; zwolle"))
    );
    assert!(
        text.iter()
            .any(|t| t.starts_with("removed user 7 (investigator"))
    );
    assert!(text.iter().any(|t| t.starts_with("changed user ")));
}
