//! Tests of items: known answer, round trips, tampering, JSON form.

use super::*;
use crate::protocol::b64;
use crate::protocol::crypto::random_bytes;

const KINDS: [ItemKind; 5] = [
    ItemKind::Report,
    ItemKind::Message,
    ItemKind::Attachment,
    ItemKind::Note,
    ItemKind::Identity,
];

fn sample() -> ([u8; 32], CaseId, Item) {
    let key = random_bytes::<32>();
    let case_id = random_bytes::<16>();
    let item = Item::seal(
        &key,
        &case_id,
        random_bytes::<16>(),
        ItemKind::Report,
        b"{\"a\":1}",
    )
    .unwrap();
    (key, case_id, item)
}

#[test]
fn known_answer_from_python() {
    // Computed independently with AESGCM from Python `cryptography`, padding per §3.5.
    let key: [u8; 32] = core::array::from_fn(|i| i as u8);
    let item = Item::seal_with_nonce(
        &key,
        &[0xca; 16],
        [0x11; 16],
        ItemKind::Message,
        [0x22; 12],
        br#"{"text":"hallo"}"#,
    )
    .unwrap();
    assert_eq!(item.ct.len(), MIN_ITEM_CT_LEN);
    assert_eq!(
        b64::encode(sha256(&item.ct)),
        "fBDfvYusNIA-niQimg8bgtbDT48e3b0c0PEdluGhhCw"
    );
}

#[test]
fn aad_layout() {
    let aad = item_aad(&[1; 16], &[2; 16], ItemKind::Note);
    assert_eq!(&aad[..17], b"meldpunt item v1\x00");
    assert_eq!(&aad[17..33], &[1; 16]);
    assert_eq!(&aad[33..49], &[2; 16]);
    assert_eq!(aad[49..], [4]);
    let bytes: Vec<u8> = KINDS.iter().map(|k| k.as_byte()).collect();
    assert_eq!(bytes, [1, 2, 3, 4, 5]);
}

#[test]
fn round_trips_at_many_lengths() {
    let key = random_bytes::<32>();
    let case_id = random_bytes::<16>();
    for (n, kind) in [0usize, 1, 100, 1022, 1023, 1024, 1025, 5000, 70_000]
        .into_iter()
        .zip(KINDS.iter().cycle())
    {
        let pt: Vec<u8> = (0..n).map(|i| (i * 7) as u8).collect();
        let item = Item::seal(&key, &case_id, random_bytes::<16>(), *kind, &pt).unwrap();
        assert_eq!(item.ct.len(), padme_len(n) + 16);
        assert!(item.has_padded_len());
        assert_eq!(item.open(&key, &case_id).unwrap().as_slice(), pt.as_slice());
    }
}

#[test]
fn nonces_are_fresh() {
    let (key, case_id, a) = sample();
    let b = Item::seal(&key, &case_id, a.id, a.kind, b"{\"a\":1}").unwrap();
    assert_ne!(a.nonce, b.nonce);
    assert_ne!(a.ct, b.ct);
}

#[test]
fn tampering_with_any_byte_fails() {
    let (key, case_id, item) = sample();
    for i in 0..item.ct.len() {
        let mut t = item.clone();
        t.ct[i] ^= 0x01;
        assert_eq!(t.open(&key, &case_id), Err(CryptoError::Open), "ct[{i}]");
    }
    for i in 0..12 {
        let mut t = item.clone();
        t.nonce[i] ^= 0x01;
        assert_eq!(t.open(&key, &case_id), Err(CryptoError::Open), "nonce[{i}]");
    }
    for i in 0..16 {
        let mut t = item.clone();
        t.id[i] ^= 0x01;
        assert_eq!(t.open(&key, &case_id), Err(CryptoError::Open), "id[{i}]");
        let mut other_case = case_id;
        other_case[i] ^= 0x01;
        assert_eq!(
            item.open(&key, &other_case),
            Err(CryptoError::Open),
            "case_id[{i}]"
        );
    }
    for kind in KINDS.into_iter().filter(|&k| k != item.kind) {
        let t = Item {
            kind,
            ..item.clone()
        };
        assert_eq!(t.open(&key, &case_id), Err(CryptoError::Open), "{kind:?}");
    }
    let mut short = item.clone();
    short.ct.truncate(MIN_ITEM_CT_LEN - 1);
    assert_eq!(short.open(&key, &case_id), Err(CryptoError::Open));
}

#[test]
fn wrong_key_fails() {
    let (_, case_id, item) = sample();
    assert_eq!(
        item.open(&random_bytes::<32>(), &case_id),
        Err(CryptoError::Open)
    );
}

#[test]
fn bad_padding_under_a_valid_tag_is_reported() {
    // A client that encrypts unpadded bytes gets through the AEAD but not `unpad`.
    let key = random_bytes::<32>();
    let case_id = random_bytes::<16>();
    let id = random_bytes::<16>();
    let nonce = random_bytes::<12>();
    let mut ct = vec![0u8; 1024];
    aead_key(&key)
        .unwrap()
        .seal_in_place_append_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(item_aad(&case_id, &id, ItemKind::Note)),
            &mut ct,
        )
        .unwrap();
    let item = Item {
        id,
        kind: ItemKind::Note,
        nonce,
        ct,
    };
    assert_eq!(item.open(&key, &case_id), Err(CryptoError::Padding));
}

#[test]
fn bytes_and_hash() {
    let (_, _, item) = sample();
    let bytes = item.bytes();
    assert_eq!(&bytes[..16], &item.id);
    assert_eq!(bytes[16], ItemKind::Report.as_byte());
    assert_eq!(&bytes[17..29], &item.nonce);
    assert_eq!(&bytes[29..], item.ct.as_slice());
    assert_eq!(item.hash(), sha256(&bytes));
}

#[test]
fn json_form_and_validation() {
    let (_, _, item) = sample();
    let json = serde_json::to_value(&item).unwrap();
    assert_eq!(json["kind"], "report");
    assert_eq!(json["id"], b64::encode(item.id));
    assert_eq!(json["nonce"], b64::encode(item.nonce));
    assert_eq!(json["ct"], b64::encode(&item.ct));
    assert_eq!(serde_json::from_value::<Item>(json.clone()).unwrap(), item);
    for (field, value, message) in [
        (
            "id",
            b64::encode([0u8; 15]),
            "id: expected 16 bytes, got 15",
        ),
        (
            "nonce",
            b64::encode([0u8; 16]),
            "nonce: expected 12 bytes, got 16",
        ),
        (
            "ct",
            b64::encode([0u8; 1000]),
            "ct: expected at least 1040 bytes, got 1000",
        ),
        ("id", "not base64!".to_owned(), "id: not canonical b64u"),
    ] {
        let mut bad = json.clone();
        bad[field] = value.into();
        let err = serde_json::from_value::<Item>(bad).unwrap_err().to_string();
        assert!(err.contains(message), "{err}");
    }
    let mut bad = json.clone();
    bad["kind"] = "chunk".into();
    assert!(serde_json::from_value::<Item>(bad).is_err());
    let mut bad = json;
    bad["extra"] = true.into();
    assert!(serde_json::from_value::<Item>(bad).is_err());
}

#[test]
fn unpadded_ciphertext_lengths_are_flagged() {
    let (_, _, mut item) = sample();
    assert!(item.has_padded_len());
    item.ct.push(0);
    assert!(!item.has_padded_len());
}
