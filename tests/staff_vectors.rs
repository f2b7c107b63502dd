//! The staff key derivation (DESIGN §3.7) against `tests/vectors/meldpunt-staff.json`, which
//! was computed independently in Python (hashlib, hmac, cryptography); the browser client is
//! pinned by the same file.

use meldpunt::protocol::b64;
use meldpunt::protocol::staff_keys::{
    derive, master_key, unwrap_private_key, wrap_private_key_with_nonce,
};

#[test]
fn derivation_matches_the_independent_vectors() {
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/meldpunt-staff.json"),
    )
    .unwrap();
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    let cases = doc["cases"].as_array().unwrap();
    assert!(cases.len() >= 2);
    for case in cases {
        let s = |k: &str| case[k].as_str().unwrap().to_owned();
        let password = s("password");
        let salt = b64::decode_array::<16>(&s("kdf_salt")).unwrap();
        let iterations = case["iterations"].as_u64().unwrap() as u32;
        let user_id = b64::decode_array::<16>(&s("user_id")).unwrap();
        let sk = b64::decode_array::<32>(&s("private_key")).unwrap();
        let nonce = b64::decode_array::<12>(&s("nonce")).unwrap();
        assert_eq!(
            b64::encode(master_key(&password, &salt, iterations).as_ref()),
            s("master")
        );
        let secrets = derive(&password, &salt, iterations);
        assert_eq!(
            b64::encode(secrets.auth_hash.as_ref()),
            s("auth_hash"),
            "{password}"
        );
        assert_eq!(
            b64::encode(secrets.wrap_key.as_ref()),
            s("wrap_key"),
            "{password}"
        );
        let wrapped = wrap_private_key_with_nonce(&secrets.wrap_key, &user_id, &sk, nonce).unwrap();
        assert_eq!(
            serde_json::to_value(&wrapped).unwrap(),
            case["wrapped_private_key"],
            "{password}"
        );
        assert_eq!(
            *unwrap_private_key(&secrets.wrap_key, &user_id, &wrapped).unwrap(),
            sk
        );
    }
}
