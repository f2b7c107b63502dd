//! Replacing the trust root with the current officers' consent (DESIGN §11,
//! `protocol::trust::rotation`): `trust-root rotate` writes the proposal as a file, each
//! current officer reviews and signs it on their own machine (`trust-root sign`), and
//! `trust-root apply` installs it once the current threshold signed.
//!
//! Contract: nothing is installed unless `verify_rotation` accepts the file against the root in
//! the keys folder; the applied rotation is appended to `keys/trust-root-rotations.json`
//! (served at `/api/v1/trust-root/rotations`) before `keys/trust-root.json` is replaced, so a
//! crash between the two leaves a rotation that a restart (or `apply` again) completes.

use std::io::{BufRead, Write};
use std::path::Path;

use super::error::{CliError, Verdict};
use super::output::outln;
use super::trust_commands::{RootSpec, describe_root, root_of};
use crate::protocol::trust::TrustRoot;
use crate::protocol::trust::rotation::{
    document_text, parse_document, propose, proposed_root, sign as add_signature, signers,
    verify_rotation,
};
use crate::server::config::Settings;

fn read(path: &Path) -> Result<String, CliError> {
    std::fs::read_to_string(path).map_err(|e| CliError::io(path.display(), e))
}

fn current_root(settings: &Settings) -> Result<(TrustRoot, String), CliError> {
    let text = read(&crate::server::trust::root_path(&settings.keys))?;
    let root = TrustRoot::parse(&text).map_err(|e| CliError::input(e.to_string()))?;
    Ok((root, text))
}

/// `meldpunt trust-root rotate … --out FILE`.
pub fn rotate(settings: &Settings, spec: &RootSpec<'_>, out: &Path) -> Result<Verdict, CliError> {
    let (_, old_text) = current_root(settings)?;
    let new = root_of(settings, spec)?;
    let doc = propose(&old_text, &new);
    crate::files::create_private_file(out, &[document_text(&doc).as_bytes(), b"\n"])
        .map_err(|e| CliError::io(out.display(), e))?;
    outln!(
        "rotation written to {}: {}",
        out.display(),
        describe_root(&new)
    );
    outln!(
        "each current officer signs it: meldpunt trust-root sign {} --key officer.key",
        out.display()
    );
    Ok(Verdict::Done)
}

/// `meldpunt trust-root sign FILE --key KEY [--root ROOT] [--yes]`.
pub fn sign(
    settings: &Settings,
    file: &Path,
    key: &Path,
    root: Option<&Path>,
    yes: bool,
) -> Result<Verdict, CliError> {
    let (old, old_text) = match root {
        Some(path) => {
            let text = read(path)?;
            let root = TrustRoot::parse(&text).map_err(|e| CliError::input(e.to_string()))?;
            (root, text)
        }
        None => current_root(settings)?,
    };
    let mut doc = parse_document(&read(file)?).map_err(|e| CliError::input(e.to_string()))?;
    let seed = crate::files::read_secret(key).map_err(|e| CliError::io(key.display(), e))?;
    let public = ed25519_dalek::SigningKey::from_bytes(&seed)
        .verifying_key()
        .to_bytes();
    if old
        .officer(&crate::protocol::statements::ed25519_kid(&public))
        .is_none()
    {
        return Err(CliError::input(
            "this key is not an officer of the current trust root",
        ));
    }
    // What the officer agrees to: the new root in full (checked as `apply` will check it, but
    // for the signatures), and who signed so far.
    let new = proposed_root(&doc).map_err(|e| CliError::input(e.to_string()))?;
    if let Err(e) = verify_rotation(&old, &old_text, &doc) {
        use crate::protocol::trust::rotation::RotationError;
        if !matches!(e, RotationError::NoQuorum { .. }) {
            return Err(CliError::input(e.to_string()));
        }
    }
    outln!("now:  {}", describe_root(&old));
    outln!("new:  {}", describe_root(&new));
    outln!(
        "signed by {} of the {} current officers needed",
        signers(&old, &doc).len(),
        old.threshold
    );
    if !yes {
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "sign this trust root? [y/N] ");
        let _ = err.flush();
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| CliError::io("the answer", e))?;
        if !matches!(line.trim(), "y" | "Y" | "yes" | "ja" | "j") {
            return Ok(Verdict::Fail("not signed".into()));
        }
    }
    add_signature(&mut doc, &old, &seed);
    crate::files::replace_private_file(file, &[document_text(&doc).as_bytes(), b"\n"])
        .map_err(|e| CliError::io(file.display(), e))?;
    Ok(Verdict::Ok(format!(
        "signed; {} of the {} current officers needed have signed",
        signers(&old, &doc).len(),
        old.threshold
    )))
}

/// `meldpunt trust-root apply FILE`.
pub fn apply(settings: &Settings, file: &Path) -> Result<Verdict, CliError> {
    let (old, old_text) = current_root(settings)?;
    let doc = parse_document(&read(file)?).map_err(|e| CliError::input(e.to_string()))?;
    let (new, new_text) =
        verify_rotation(&old, &old_text, &doc).map_err(|e| CliError::input(e.to_string()))?;
    let keys = &settings.keys;
    let mut rotations = crate::server::trust::load_rotations(keys)
        .map_err(|e| CliError::io("the applied rotations", e))?;
    rotations.push(doc);
    let list =
        serde_json::to_string_pretty(&rotations).map_err(|e| CliError::input(e.to_string()))?;
    let rotations_path = crate::server::trust::rotations_path(keys);
    crate::files::replace_private_file(&rotations_path, &[list.as_bytes(), b"\n"])
        .map_err(|e| CliError::io(rotations_path.display(), e))?;
    let root_path = crate::server::trust::root_path(keys);
    crate::files::replace_private_file(&root_path, &[new_text.as_bytes()])
        .map_err(|e| CliError::io(root_path.display(), e))?;
    outln!("new trust root installed: {}", describe_root(&new));
    outln!(
        "the officers sign the directory again under it (meldpunt directory sign); publish the new web-bundle hash"
    );
    Ok(Verdict::Done)
}
