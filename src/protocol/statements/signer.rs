//! The Ed25519 key that signs receipts and statements, its `kid` (RFC 7638), and the JWK and
//! JWKS shapes of `/.well-known/jwks.json` (DESIGN §4). Where the key lives is the server's
//! (`server::keys`).
//!
//! No `Debug` output contains key material; the seed is zeroized.

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use ring::digest;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::jws::ALG_ED25519;
use crate::protocol::b64;

/// The current signing key and its `kid`.
pub struct ReceiptSigner {
    key: SigningKey,
    kid: String,
}

impl std::fmt::Debug for ReceiptSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReceiptSigner")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

impl ReceiptSigner {
    pub fn from_seed(seed: [u8; 32]) -> Self {
        let seed = Zeroizing::new(seed);
        let key = SigningKey::from_bytes(&seed);
        let kid = ed25519_kid(key.verifying_key().as_bytes());
        ReceiptSigner { key, kid }
    }

    /// A fresh key from the operating system's CSPRNG.
    pub fn generate() -> Self {
        Self::from_seed(*Zeroizing::new(
            crate::protocol::crypto::random_bytes::<32>(),
        ))
    }

    pub fn kid(&self) -> &str {
        &self.kid
    }

    pub fn public_key(&self) -> [u8; 32] {
        self.key.verifying_key().to_bytes()
    }

    pub fn verifying_key(&self) -> VerifyingKey {
        self.key.verifying_key()
    }

    /// Raw Ed25519 signature over `message`. Crate-private: this key signs JWS statements
    /// only, so no other format can ever be confused with one (the log has its own note key).
    pub(crate) fn sign(&self, message: &[u8]) -> Signature {
        self.key.sign(message)
    }
}

/// RFC 7638 thumbprint of the Ed25519 public key's JWK, b64u.
pub fn ed25519_kid(pk: &[u8; 32]) -> String {
    let canonical = format!(
        r#"{{"crv":"Ed25519","kty":"OKP","x":"{}"}}"#,
        b64::encode(pk)
    );
    b64::encode(digest::digest(&digest::SHA256, canonical.as_bytes()))
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, utoipa::ToSchema)]
pub struct Jwks {
    pub keys: Vec<Jwk>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, utoipa::ToSchema)]
pub struct Jwk {
    pub kty: String,
    pub crv: String,
    pub x: String,
    pub kid: String,
    #[serde(rename = "use")]
    pub use_: String,
    pub alg: String,
}

impl Jwk {
    pub fn ed25519(pk: &[u8; 32]) -> Self {
        Jwk {
            kty: "OKP".into(),
            crv: "Ed25519".into(),
            x: b64::encode(pk),
            kid: ed25519_kid(pk),
            use_: "sig".into(),
            alg: ALG_ED25519.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 8037 Appendix A.1/A.4 key pair and A.4 signature.
    const RFC8037_D: &str = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A";
    const RFC8037_X: &str = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo";
    const RFC8037_SIGNING_INPUT: &str = "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc";
    const RFC8037_SIG: &str =
        "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg";

    #[test]
    fn kid_matches_rfc8037_a3_thumbprint() {
        let x = b64::decode_array::<32>(RFC8037_X).unwrap();
        assert_eq!(
            ed25519_kid(&x),
            "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
        );
    }

    #[test]
    fn signer_reproduces_rfc8037_a4_signature() {
        let signer = ReceiptSigner::from_seed(b64::decode_array(RFC8037_D).unwrap());
        assert_eq!(b64::encode(signer.public_key()), RFC8037_X);
        assert_eq!(signer.kid(), "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k");
        let sig = signer.sign(RFC8037_SIGNING_INPUT.as_bytes());
        assert_eq!(b64::encode(sig.to_bytes()), RFC8037_SIG);
        assert!(!format!("{signer:?}").contains(RFC8037_D));
    }
}
