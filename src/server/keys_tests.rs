use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use super::*;

/// A fresh folder under the system temp dir, removed on drop.
struct TempDir(std::path::PathBuf);

impl TempDir {
    fn new(label: &str) -> TempDir {
        let name = format!(
            "meldpunt-keys-{label}-{}-{}",
            std::process::id(),
            b64::encode(crate::protocol::crypto::random_bytes::<6>())
        );
        TempDir(std::env::temp_dir().join(name))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// RFC 8037 Appendix A.1/A.4 key pair and A.4 signature.
const RFC8037_D: &str = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A";
const RFC8037_X: &str = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo";

fn mode(path: &Path) -> u32 {
    fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn jwks_has_the_design_shape() {
    let signer = ReceiptSigner::from_seed(b64::decode_array(RFC8037_D).unwrap());
    let keys = ReceiptKeys {
        current: std::sync::Arc::new(signer),
        retired: vec![],
    };
    assert_eq!(
        serde_json::to_string(&keys.jwks()).unwrap(),
        format!(
            r#"{{"keys":[{{"kty":"OKP","crv":"Ed25519","x":"{RFC8037_X}","kid":"kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k","use":"sig","alg":"Ed25519"}}]}}"#
        )
    );
}

#[test]
fn first_load_creates_private_files_and_second_load_reuses_them() {
    let tmp = TempDir::new("k");
    let dir = tmp.0.join("keys");
    let first = ReceiptKeys::load_or_create(&dir).unwrap();
    assert_eq!(mode(&dir), 0o700);
    let key_file = dir.join(SIGNING_KEY_FILE);
    assert_eq!(mode(&key_file), 0o600);
    let text = fs::read_to_string(&key_file).unwrap();
    assert!(text.ends_with('\n'));
    let seed = b64::decode_array::<32>(text.trim_end()).unwrap();
    assert_eq!(ReceiptSigner::from_seed(seed).kid(), first.current.kid());
    assert!(first.retired.is_empty());

    let second = ReceiptKeys::load_or_create(&dir).unwrap();
    assert_eq!(second.current.kid(), first.current.kid());
    assert_eq!(second.current.public_key(), first.current.public_key());
}

#[test]
fn rotate_keeps_old_key_in_jwks_and_files_private() {
    let tmp = TempDir::new("k");
    let dir = tmp.0.join("keys");
    let old = ReceiptKeys::load_or_create(&dir).unwrap();
    let new_kid = ReceiptKeys::rotate(&dir).unwrap();
    assert_ne!(new_kid, old.current.kid());
    assert_eq!(mode(&dir.join(SIGNING_KEY_FILE)), 0o600);
    assert_eq!(mode(&dir.join(RETIRED_DIR)), 0o700);
    let retired_file = dir
        .join(RETIRED_DIR)
        .join(format!("{}.pub", old.current.kid()));
    assert_eq!(mode(&retired_file), 0o600);
    assert!(!dir.join(format!("{SIGNING_KEY_FILE}.tmp")).exists());

    let keys = ReceiptKeys::load_or_create(&dir).unwrap();
    assert_eq!(keys.current.kid(), new_kid);
    let kids: Vec<_> = keys.jwks().keys.into_iter().map(|k| k.kid).collect();
    assert_eq!(kids, [new_kid.clone(), old.current.kid().to_owned()]);

    let third = ReceiptKeys::rotate(&dir).unwrap();
    let keys = ReceiptKeys::load_or_create(&dir).unwrap();
    assert_eq!(keys.current.kid(), third);
    assert_eq!(keys.jwks().keys.len(), 3);
    assert_eq!(keys.jwks().keys[0].kid, third);
}

#[test]
fn crash_between_retire_and_replace_does_not_duplicate_the_key() {
    let tmp = TempDir::new("k");
    let keys = ReceiptKeys::load_or_create(&tmp.0).unwrap();
    let retired = tmp.0.join(RETIRED_DIR);
    fs::create_dir(&retired).unwrap();
    let pk = keys.current.public_key();
    fs::write(
        retired.join(format!("{}.pub", keys.current.kid())),
        b64::encode(pk),
    )
    .unwrap();
    fs::write(retired.join("x.pub.tmp"), "garbage").unwrap();
    let again = ReceiptKeys::load_or_create(&tmp.0).unwrap();
    assert!(again.retired.is_empty());
    assert_eq!(again.jwks().keys.len(), 1);
}

#[test]
fn retired_key_under_wrong_name_is_refused() {
    let tmp = TempDir::new("k");
    ReceiptKeys::load_or_create(&tmp.0).unwrap();
    let retired = tmp.0.join(RETIRED_DIR);
    fs::create_dir(&retired).unwrap();
    let other = ReceiptSigner::from_seed([7; 32]);
    fs::write(
        retired.join("not-its-kid.pub"),
        b64::encode(other.public_key()),
    )
    .unwrap();
    let err = ReceiptKeys::load_or_create(&tmp.0).unwrap_err();
    assert!(matches!(err, KeyError::Format(_)), "{err}");
}

#[test]
fn malformed_key_file_error_does_not_echo_its_content() {
    let tmp = TempDir::new("k");
    fs::create_dir_all(&tmp.0).unwrap();
    // 31 bytes: valid b64u, wrong length; the error must not show it.
    let almost = b64::encode([0x5a; 31]);
    fs::write(tmp.0.join(SIGNING_KEY_FILE), format!("{almost}\n")).unwrap();
    let err = ReceiptKeys::load_or_create(&tmp.0).unwrap_err();
    assert!(matches!(err, KeyError::Format(_)));
    assert!(!err.to_string().contains(&almost));
    assert!(!format!("{err:?}").contains(&almost));

    fs::write(tmp.0.join(SIGNING_KEY_FILE), "A".repeat(100)).unwrap();
    let err = ReceiptKeys::load_or_create(&tmp.0).unwrap_err();
    assert!(matches!(err, KeyError::Format(_)));
}

#[test]
fn group_readable_key_file_still_loads() {
    let tmp = TempDir::new("k");
    let keys = ReceiptKeys::load_or_create(&tmp.0).unwrap();
    let path = tmp.0.join(SIGNING_KEY_FILE);
    fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
    let again = ReceiptKeys::load_or_create(&tmp.0).unwrap();
    assert_eq!(again.current.kid(), keys.current.kid());
}

#[test]
fn old_statements_verify_after_rotation() {
    let tmp = TempDir::new("rotate");
    let before = ReceiptKeys::load_or_create(&tmp.0).unwrap();
    let statements = crate::protocol::statements::tests::chain(&before.current);
    ReceiptKeys::rotate(&tmp.0).unwrap();
    let after = ReceiptKeys::load_or_create(&tmp.0).unwrap();
    assert_ne!(after.current.kid(), before.current.kid());
    assert!(
        after
            .jwks()
            .keys
            .iter()
            .any(|k| k.kid == before.current.kid())
    );
    crate::protocol::statements::check_chain(&statements, &after.verifier()).unwrap();
    let from_jwks = StatementVerifier::from_jwks(&after.jwks()).unwrap();
    crate::protocol::statements::check_chain(&statements, &from_jwks).unwrap();

    // A chain continued with the new key verifies across the rotation.
    let mut longer = statements;
    use crate::protocol::statements::{StatementBody, StatementPayload, StatusChange, chain_hash};
    let closed = StatusChange::Closed(crate::protocol::roles::Outcome::NoFurtherAction);
    let body = StatementBody::Status {
        prev: chain_hash(longer.last().unwrap()),
        change: closed,
    };
    let p = StatementPayload::later(
        "https://meldpunt.example",
        "MP-7K3Q-9XM2",
        4,
        1_700_400_000,
        30,
        body,
    );
    longer.push(crate::protocol::statements::sign_statement(
        &after.current,
        crate::protocol::statements::TYP_STATEMENT,
        &p,
    ));
    assert_eq!(
        crate::protocol::statements::check_chain(&longer, &after.verifier())
            .unwrap()
            .len(),
        5
    );
}
