//! Enrolment cannot be used to take over someone else's cases or to block reporting: a public
//! key already held by a staff member or a recipient is refused (two holders of one key would
//! share every wrap made to it), so is a key of low order (no reporter could seal to it), and
//! an invitee disabled before enrolling cannot enrol.

mod common;

use common::staff::{enrol, invite, service};
use meldpunt::clients::staff::StaffClient;
use meldpunt::protocol::roles::Role;

#[test]
fn a_key_that_is_already_held_is_refused() {
    let svc = service();
    let owner = enrol(&svc, "eigenaar", &[Role::Intake], Some("national"));
    let token = invite(&svc, "kaper", &[Role::Intake], Some("amsterdam"));
    let err = StaffClient::new(&svc.url())
        .enrol(
            &token,
            "een lang wachtwoord",
            Some(*owner.enrolled.private_key),
            meldpunt::protocol::time::now(),
        )
        .err()
        .expect("the owner's key is refused");
    assert_eq!(err.api_code(), Some("key_in_use"), "{err}");
    // Nor the key of a recipient registered by hand.
    let token = invite(&svc, "kaper2", &[Role::Intake], Some("amsterdam"));
    let recipient_sk = [42u8; 32];
    let recipient_pk = meldpunt::protocol::crypto::hpke_suite::public_key(&recipient_sk).unwrap();
    let recipient = meldpunt::protocol::recipients::Recipient {
        kid: meldpunt::protocol::crypto::hpke_suite::x25519_kid(&recipient_pk),
        public_key: recipient_pk,
        unit: "national".into(),
    };
    svc.app
        .sequencer
        .run_blocking(move |tx| meldpunt::server::recipients::register(tx, recipient, "cli"))
        .unwrap();
    let err = StaffClient::new(&svc.url())
        .enrol(
            &token,
            "een lang wachtwoord",
            Some(recipient_sk),
            meldpunt::protocol::time::now(),
        )
        .err()
        .expect("the recipient's key is refused");
    assert_eq!(err.api_code(), Some("key_in_use"));
    // The invite is still good for a fresh key.
    StaffClient::new(&svc.url())
        .enrol(
            &token,
            "een lang wachtwoord",
            None,
            meldpunt::protocol::time::now(),
        )
        .unwrap();
}

#[test]
fn a_low_order_key_is_refused() {
    let svc = service();
    let token = invite(&svc, "blokkeerder", &[Role::Intake], Some("national"));
    let client = StaffClient::new(&svc.url());
    let info = client.enrol_info(&token).unwrap();
    let secret: [u8; 20] = meldpunt::protocol::totp::base32_decode(&info.totp.secret)
        .unwrap()
        .try_into()
        .unwrap();
    // u = 1 is a point of small order on Curve25519: X25519 with it gives all zeros.
    let mut low_order = [0u8; 32];
    low_order[0] = 1;
    let body = serde_json::json!({
        "auth_hash": meldpunt::protocol::b64::encode([1u8; 32]),
        "public_key": meldpunt::protocol::b64::encode(low_order),
        "wrapped_private_key": {"nonce": meldpunt::protocol::b64::encode([0u8; 12]),
                                "ct": meldpunt::protocol::b64::encode([0u8; 48])},
        "totp_code": meldpunt::protocol::totp::code_at(&secret, meldpunt::protocol::time::now()),
    });
    let (status, answer, _) = common::staff::raw(
        &svc.url(),
        "POST",
        &format!("/api/v1/staff/enrol/{token}"),
        None,
        None,
        Some(body),
    );
    assert_eq!(
        (status, answer["error"]["code"].as_str()),
        (400, Some("invalid_request"))
    );
    // Reporting for every unit still works.
    svc.client()
        .submit(&common::draft("amsterdam", "x"))
        .unwrap();
}

#[test]
fn a_disabled_invitee_cannot_enrol() {
    let svc = service();
    let token = invite(&svc, "weg", &[Role::Investigator], Some("amsterdam"));
    let user = svc
        .app
        .store()
        .users()
        .unwrap()
        .into_iter()
        .find(|u| u.name == "weg")
        .unwrap();
    common::block_on(meldpunt::server::staff::accounts::set_disabled(
        &svc.app,
        &user.user_id,
        true,
        "cli".into(),
    ))
    .unwrap();
    let err = StaffClient::new(&svc.url())
        .enrol(
            &token,
            "een lang wachtwoord",
            None,
            meldpunt::protocol::time::now(),
        )
        .err()
        .expect("disabled");
    assert_eq!(err.api_code(), Some("invite_invalid"));
}
