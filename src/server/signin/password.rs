//! The server's side of staff passwords (DESIGN §3.7): it never sees the password, only
//! `auth_hash` (derived in the client), which it keeps as Argon2id (PHC string, default
//! parameters of the `argon2` crate); and the fake KDF salt that pre-login gives for unknown
//! names, so names cannot be enumerated.
//!
//! Contract: Argon2id runs only for an enrolled, enabled user whose TOTP code was right
//! (`staff::login::login` checks the cheap second factor first), never for a made-up name, so a
//! flood of guesses costs no memory; a wrong name and a wrong code take the same time class.
//! Callers hold an [`Argon2Permits`] permit while it runs, which bounds the memory of
//! concurrent computations (about 19 MiB each).

use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use ring::hmac;
use zeroize::Zeroizing;

use crate::protocol::crypto::random_bytes;

const PRELOGIN_CONTEXT: &[u8] = b"meldpunt prelogin v1";

/// Argon2id(auth_hash) as a PHC string, with a random 16-byte salt.
pub fn hash(auth_hash: &[u8; 32]) -> String {
    Argon2::default()
        .hash_password_with_salt(auth_hash, &random_bytes::<16>())
        // Default parameters, a 32-byte input and a 16-byte salt are always accepted.
        .expect("Argon2id with default parameters")
        .to_string()
}

/// Whether `auth_hash` matches the PHC string `phc`.
pub fn verify(phc: &str, auth_hash: &[u8; 32]) -> bool {
    Argon2::default().verify_password(auth_hash, phc).is_ok()
}

/// Why a password computation did not run.
#[derive(Debug, thiserror::Error)]
pub enum PermitError {
    /// All permits are taken: the client should try again in a second.
    #[error("the service is busy; try again in a moment")]
    Busy,
    /// The blocking pool dropped the work (it panicked or the runtime is stopping).
    #[error("the password computation did not finish")]
    Lost,
}

/// The Argon2id computations that may run at once. A caller that finds none free is told to
/// come back (503 `busy`) rather than queued, so a flood cannot pile up memory or threads.
pub struct Argon2Permits(std::sync::Arc<tokio::sync::Semaphore>);

impl Argon2Permits {
    pub fn new(concurrent: usize) -> Argon2Permits {
        Argon2Permits(std::sync::Arc::new(tokio::sync::Semaphore::new(
            concurrent.max(1),
        )))
    }

    /// Runs `hash_work` on the blocking pool under a permit, or fails at once with `Busy`.
    /// The permit goes with the work into the pool and is returned when the work ends, not when
    /// the request does: a client that hangs up cannot free a permit while its hash still runs.
    pub async fn run<T: Send + 'static>(
        &self,
        hash_work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, PermitError> {
        let permit = self
            .0
            .clone()
            .try_acquire_owned()
            .map_err(|_| PermitError::Busy)?;
        actix_web::web::block(move || {
            let _permit = permit;
            hash_work()
        })
        .await
        .map_err(|_| PermitError::Lost)
    }
}

/// The stable fake salt of an unknown name: HMAC-SHA256(secret, "meldpunt prelogin v1" ||
/// lowercase name), first 16 bytes.
pub fn fake_salt(secret: &[u8; 32], name: &str) -> [u8; 16] {
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret);
    let mut msg = Zeroizing::new(PRELOGIN_CONTEXT.to_vec());
    msg.extend_from_slice(name.to_lowercase().as_bytes());
    let tag = hmac::sign(&key, &msg);
    let mut out = [0u8; 16];
    out.copy_from_slice(&tag.as_ref()[..16]);
    out
}

/// A stable number in `[0, 2^64)` for an unknown name, keyed like the fake salt but under its
/// own context: which real user's iteration count the name's fake answer borrows.
pub fn fake_pick(secret: &[u8; 32], name: &str) -> u64 {
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret);
    let mut msg = Zeroizing::new(b"meldpunt prelogin iterations v1".to_vec());
    msg.extend_from_slice(name.to_lowercase().as_bytes());
    let tag = hmac::sign(&key, &msg);
    let mut out = [0u8; 8];
    out.copy_from_slice(&tag.as_ref()[..8]);
    u64::from_be_bytes(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_and_verify() {
        let auth = random_bytes::<32>();
        let phc = hash(&auth);
        assert!(phc.starts_with("$argon2id$"));
        assert!(verify(&phc, &auth));
        let mut wrong = auth;
        wrong[0] ^= 1;
        assert!(!verify(&phc, &wrong));
    }

    #[test]
    fn permits_fail_fast_when_all_are_taken() {
        actix_web::rt::System::new().block_on(async {
            let permits = std::sync::Arc::new(Argon2Permits::new(1));
            let (release, held) = std::sync::mpsc::channel::<()>();
            let busy = permits.clone();
            let first =
                actix_web::rt::spawn(async move { busy.run(move || held.recv().unwrap()).await });
            // Let the first take its permit and block on the pool.
            actix_web::rt::time::sleep(std::time::Duration::from_millis(100)).await;
            let second = permits.run(|| ()).await;
            assert!(matches!(second, Err(PermitError::Busy)));
            release.send(()).unwrap();
            first.await.unwrap().unwrap();
            assert!(permits.run(|| ()).await.is_ok(), "free again");
        });
    }

    #[test]
    fn fake_salts_are_stable_per_name() {
        let secret = [7u8; 32];
        assert_eq!(fake_salt(&secret, "Anna"), fake_salt(&secret, "anna"));
        assert_ne!(fake_salt(&secret, "anna"), fake_salt(&secret, "bert"));
        assert_ne!(fake_salt(&secret, "anna"), fake_salt(&[8u8; 32], "anna"));
    }
}
