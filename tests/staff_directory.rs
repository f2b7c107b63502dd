//! Must-show 5 of the trust-root issue: assignment and triage refuse a key that is not in the
//! officer-signed directory, or that changed. On the server (an enrolled investigator whose key
//! the officers did not sign yet cannot be assigned, whatever wraps the intake's client sends)
//! and in the staff client (it checks a colleague's key against the signed directory before it
//! wraps anything, and pins it).

mod common;

use common::draft;
use common::staff::{enrol, enrol_unsigned, login, service};
use meldpunt::clients::ClientError;
use meldpunt::protocol::crypto::wrap::{WrapPurpose, seal_case_key};
use meldpunt::protocol::roles::{Outcome, Role};
use meldpunt::protocol::staff_wire::Assignee;

#[test]
fn a_key_outside_the_signed_directory_gets_no_case_key() {
    let svc = service();
    let intake = enrol(&svc, "Ilse Intake", &[Role::Intake], Some("amsterdam"));
    // Enrolled (an admin's doing) but not signed in by the officers.
    let newcomer = enrol_unsigned(&svc, "Nina Nieuw", &[Role::Investigator], Some("amsterdam"));
    let submitted = svc
        .client()
        .submit(&draft("amsterdam", "Over de nieuwe collega."))
        .unwrap();
    let case_ref = submitted.case_ref.clone();
    let ilse = login(&svc, &intake);
    ilse.triage(&case_ref, Outcome::InternalInvestigation, "Onderzoek.")
        .unwrap();

    // The server lists her as assignable (she is an enabled investigator of the unit)…
    let candidates = ilse.assignable(&case_ref).unwrap();
    let nina = candidates
        .iter()
        .find(|c| c.kid == newcomer.kid())
        .expect("listed")
        .clone();
    // …but the intake's client refuses to wrap to a key the signed directory does not list.
    let refused = ilse.assign(&case_ref, &nina).unwrap_err();
    assert!(
        matches!(&refused, ClientError::Untrusted(m) if m.contains("not in the signed recipient directory")),
        "{refused}"
    );
    // A client that wraps anyway (or a hostile one) is refused by the server too.
    let detail = ilse.case(&case_ref).unwrap();
    let own = detail
        .wraps
        .iter()
        .find(|w| w.purpose == WrapPurpose::Thread)
        .unwrap();
    let thread = meldpunt::protocol::crypto::wrap::open_case_key(
        ilse.private_key().unwrap(),
        &detail.case_id,
        own,
    )
    .unwrap();
    let internal_wrap = detail
        .wraps
        .iter()
        .find(|w| w.purpose == WrapPurpose::Internal)
        .unwrap();
    let internal = meldpunt::protocol::crypto::wrap::open_case_key(
        ilse.private_key().unwrap(),
        &detail.case_id,
        internal_wrap,
    )
    .unwrap();
    let wraps: Vec<_> = [
        (WrapPurpose::Thread, &thread),
        (WrapPurpose::Internal, &internal),
    ]
    .into_iter()
    .map(|(purpose, key)| {
        seal_case_key(&nina.public_key, &nina.kid, &detail.case_id, purpose, key).unwrap()
    })
    .collect();
    let path = format!("/api/v1/staff/cases/{case_ref}/assign");
    let (status, body, _) = common::staff::raw(
        &svc.url(),
        "POST",
        &path,
        ilse.cookie(),
        ilse.csrf_token(),
        Some(serde_json::json!({ "user_id": nina.user_id, "wraps": wraps })),
    );
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("invalid_state"))
    );
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("signed recipient directory"),
        "{body}"
    );

    // A server that hands out another key under her name is refused by the client as well.
    let mut forged = nina.clone();
    let stranger = meldpunt::clients::recipient::RecipientKey::generate();
    forged.public_key = stranger.public_key;
    forged.kid = stranger.kid.clone();
    assert!(matches!(
        ilse.assign(&case_ref, &forged),
        Err(ClientError::Untrusted(_))
    ));

    // Once the officers sign her in, the same assignment goes through.
    common::publish_directory(&svc.app);
    ilse.assign(&case_ref, &nina).unwrap();
    let row = &ilse.cases("").unwrap().cases[0];
    assert_eq!(row.assigned, vec!["Nina Nieuw".to_owned()]);
}

/// A colleague whose key changed after this machine wrapped to it is an error, not a prompt.
#[test]
fn a_colleague_whose_key_changed_is_refused() {
    let svc = service();
    let intake = enrol(&svc, "Ilse Intake", &[Role::Intake], Some("amsterdam"));
    let ivo = enrol(&svc, "Ivo", &[Role::Investigator], Some("amsterdam"));
    let ilse = login(&svc, &intake);
    let mut cases = Vec::new();
    for text in ["eerste", "tweede"] {
        let s = svc.client().submit(&draft("amsterdam", text)).unwrap();
        cases.push(s.case_ref);
    }
    let target = |case_ref: &str| -> Assignee {
        ilse.assignable(case_ref)
            .unwrap()
            .into_iter()
            .find(|c| c.kid == ivo.kid())
            .unwrap()
    };
    ilse.assign(&cases[0], &target(&cases[0])).unwrap();
    // The same user id now comes with another (directory-listed) key: another colleague's.
    let other = enrol(&svc, "Iris", &[Role::Investigator], Some("amsterdam"));
    let mut changed = target(&cases[1]);
    let iris = ilse
        .assignable(&cases[1])
        .unwrap()
        .into_iter()
        .find(|c| c.kid == other.kid())
        .unwrap();
    changed.kid = iris.kid;
    changed.public_key = iris.public_key;
    let refused = ilse.assign(&cases[1], &changed).unwrap_err();
    assert!(
        matches!(&refused, ClientError::Untrusted(m) if m.contains("changed")),
        "{refused}"
    );
}
