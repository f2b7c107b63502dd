//! Tests of the statement payloads: names, shapes, the JSON each kind writes and refuses.

use super::*;

#[test]
fn status_names_are_their_json() {
    for status in Status::ALL {
        let json = serde_json::to_string(&status).unwrap();
        assert_eq!(json, format!("\"{}\"", status.name()));
    }
}

const ISS: &str = "https://meldpunt.example";

fn read(json: &str) -> Result<StatementPayload, serde_json::Error> {
    serde_json::from_str(json)
}

#[test]
fn receipt_serialises_in_design_order() {
    let p = StatementPayload::receipt(ISS, "MP-7K3Q-9XM2", 1_700_003_599, [1; 32], [2; 32], 41);
    let json = serde_json::to_string(&p).unwrap();
    let expected = format!(
        r#"{{"iss":"https://meldpunt.example","ref":"MP-7K3Q-9XM2","seq":0,"status":"received","iat":1700002800,"sub":"{}","cmt":"{}","log":41}}"#,
        b64::encode([1; 32]),
        b64::encode([2; 32])
    );
    assert_eq!(json, expected);
    assert_eq!(read(&json).unwrap(), p);
    assert_eq!(p.typ(), TYP_RECEIPT);
    assert_eq!(
        (p.kind(), p.status()),
        (StatementKind::Receipt, Some(Status::Received))
    );
}

#[test]
fn later_statements_serialise_in_design_order() {
    let prev = [9; 32];
    let p = |seq, log, body| StatementPayload::later(ISS, "R", seq, 7300, log, body);
    let m = p(
        1,
        5,
        StatementBody::Message {
            prev,
            from: Party::Staff,
            item: [3; 32],
        },
    );
    let (h3, hp) = (b64::encode([3; 32]), b64::encode(prev));
    assert_eq!(
        serde_json::to_string(&m).unwrap(),
        format!(
            r#"{{"iss":"{ISS}","ref":"R","seq":1,"kind":"message","from":"staff","item":"{h3}","iat":7200,"prev":"{hp}","log":5}}"#
        )
    );
    let closed = StatusChange::Closed(Outcome::HandledInLine);
    let s = p(
        2,
        6,
        StatementBody::Status {
            prev,
            change: closed,
        },
    );
    assert_eq!(
        serde_json::to_string(&s).unwrap(),
        format!(
            r#"{{"iss":"{ISS}","ref":"R","seq":2,"kind":"status","status":"closed","outcome":"handled_in_line","iat":7200,"prev":"{hp}","log":6}}"#
        )
    );
    let v = p(3, 7, StatementBody::IdentityViewed { prev });
    assert_eq!(
        serde_json::to_string(&v).unwrap(),
        format!(
            r#"{{"iss":"{ISS}","ref":"R","seq":3,"kind":"identity_viewed","iat":7200,"prev":"{hp}","log":7}}"#
        )
    );
    for p in [&m, &s, &v] {
        assert_eq!(&read(&serde_json::to_string(p).unwrap()).unwrap(), p);
        assert_eq!(p.typ(), TYP_STATEMENT);
    }
    assert_eq!(s.outcome(), Some(Outcome::HandledInLine));
    assert_eq!((m.from(), m.item()), (Some(Party::Staff), Some(&[3; 32])));
}

#[test]
fn wrong_shapes_are_refused_when_read() {
    let h = b64::encode([0; 32]);
    let later = |extra: &str| {
        format!(r#"{{"iss":"i","ref":"r","seq":1,{extra},"iat":0,"prev":"{h}","log":1}}"#)
    };
    for (what, json) in [
        (
            "unknown field",
            r#"{"iss":"i","ref":"r","seq":0,"status":"received","iat":0,"log":0,"extra":1}"#
                .to_owned(),
        ),
        (
            "receipt without cmt",
            format!(
                r#"{{"iss":"i","ref":"r","seq":0,"status":"received","iat":0,"sub":"{h}","log":0}}"#
            ),
        ),
        (
            "outcome without closed",
            later(r#""kind":"status","status":"referred","outcome":"referred""#),
        ),
        (
            "closed without outcome",
            later(r#""kind":"status","status":"closed""#),
        ),
        (
            "status received later",
            later(r#""kind":"status","status":"received""#),
        ),
        (
            "unknown outcome",
            later(r#""kind":"status","status":"closed","outcome":"lost""#),
        ),
        (
            "message without item",
            later(r#""kind":"message","from":"staff""#),
        ),
        (
            "item not a hash",
            later(r#""kind":"message","from":"staff","item":"not-a-hash""#),
        ),
        (
            "identity with status",
            later(r#""kind":"identity_viewed","status":"closed""#),
        ),
        (
            "iat not an hour",
            format!(
                r#"{{"iss":"i","ref":"r","seq":1,"kind":"identity_viewed","iat":1,"prev":"{h}","log":1}}"#
            ),
        ),
        (
            "kind at seq 0",
            format!(
                r#"{{"iss":"i","ref":"r","seq":0,"kind":"identity_viewed","iat":0,"prev":"{h}","log":1}}"#
            ),
        ),
        (
            "later without prev",
            r#"{"iss":"i","ref":"r","seq":1,"kind":"identity_viewed","iat":0,"log":1}"#.to_owned(),
        ),
    ] {
        assert!(read(&json).is_err(), "{what} was accepted: {json}");
    }
    assert!(
        read(&later(r#""kind":"identity_viewed""#)).is_ok(),
        "the control is fine"
    );
}

#[test]
fn status_changes_carry_an_outcome_exactly_when_closed() {
    assert_eq!(StatusChange::new(Status::Received, None), None);
    assert_eq!(StatusChange::new(Status::Closed, None), None);
    assert_eq!(
        StatusChange::new(Status::Referred, Some(Outcome::Referred)),
        None
    );
    let closed = StatusChange::new(Status::Closed, Some(Outcome::Referred)).unwrap();
    assert_eq!(
        (closed.status(), closed.outcome()),
        (Status::Closed, Some(Outcome::Referred))
    );
}
