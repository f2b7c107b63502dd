//! The trust root's commands (DESIGN §11): an officer makes a signing key on their own machine
//! (`officer keygen`), the installer writes the root from the officers' and witnesses' public
//! keys (`trust-root init`), and officers review and sign directory changes (`directory show`,
//! `directory sign`).
//!
//! Contract: an officer's secret key never leaves the machine it was made on: `directory sign`
//! reads it, signs the proposal's payload bytes there, and sends only the signature. Before
//! signing it prints every change against the published version (who is added, removed or
//! changed) and asks for confirmation unless `--yes`. With `--server` it works against a running
//! service over HTTP; without, on the local database (the service must be stopped).

use std::io::{BufRead, Write};
use std::path::Path;

use super::database::open_app;
use super::error::{CliError, Verdict};
use super::output::{self, outln};
use crate::protocol::b64;
use crate::protocol::log::cosignature::CosignatureVerifier;
use crate::protocol::statements::ed25519_kid;
use crate::protocol::trust::directory::open_payload;
use crate::protocol::trust::{
    DirectoryChange, DirectoryPayload, Officer, TrustRoot, Witness, changes, sign_payload,
    verify_directory,
};
use crate::protocol::wire::{DirectoryView, ProposalView, SignatureRequest, SignatureResponse};
use crate::server::config::Settings;
use crate::server::directory::{self, DirectoryChangeError};

/// `meldpunt officer keygen --out FILE`.
pub fn officer_keygen(out: &Path, json: bool) -> Result<Verdict, CliError> {
    if out.exists() {
        return Err(CliError::input(format!(
            "{} exists; an officer key is never overwritten",
            out.display()
        )));
    }
    let seed = zeroize::Zeroizing::new(crate::protocol::crypto::random_bytes::<32>());
    let text = zeroize::Zeroizing::new(b64::encode(seed.as_slice()));
    crate::files::create_private_file(out, &[text.as_bytes(), b"\n"])
        .map_err(|e| CliError::io(out.display(), e))?;
    let public = ed25519_dalek::SigningKey::from_bytes(&seed)
        .verifying_key()
        .to_bytes();
    let public_b64 = b64::encode(public);
    if json {
        output::json(&serde_json::json!({
            "public_key": public_b64,
            "kid": ed25519_kid(&public),
        }))?;
    } else {
        outln!(
            "officer key written to {} (keep it on this machine only)",
            out.display()
        );
        outln!("public key {public_b64}");
        outln!("key id     {}", ed25519_kid(&public));
        outln!("give the installer: --officer 'YOUR NAME={public_b64}'");
    }
    Ok(Verdict::Done)
}

/// The officers, witnesses and thresholds of a root, as the command line gives them.
pub struct RootSpec<'a> {
    pub officers: &'a [String],
    pub threshold: usize,
    pub witnesses: &'a [String],
    pub witness_threshold: usize,
}

/// The root `spec` describes, for this service's public URL and log key.
pub fn root_of(settings: &Settings, spec: &RootSpec<'_>) -> Result<TrustRoot, CliError> {
    let officers = spec
        .officers
        .iter()
        .map(|spec| {
            let (name, key) = spec.rsplit_once('=').ok_or_else(|| {
                CliError::input(format!("--officer {spec:?}: expected NAME=PUBLIC_KEY"))
            })?;
            let public_key = b64::decode_array::<32>(key).ok_or_else(|| {
                CliError::input(format!(
                    "--officer {name:?}: the key must be 32 bytes of b64u"
                ))
            })?;
            Ok(Officer {
                name: name.to_owned(),
                public_key,
            })
        })
        .collect::<Result<Vec<_>, CliError>>()?;
    let witnesses = spec
        .witnesses
        .iter()
        .map(|spec| {
            let (vkey, url) = match spec.split_once('@') {
                Some((vkey, url)) => (vkey, Some(url.to_owned())),
                None => (spec.as_str(), None),
            };
            let verifier = CosignatureVerifier::parse(vkey)
                .map_err(|e| CliError::input(format!("--witness {vkey:?}: {e}")))?;
            Ok(Witness {
                name: verifier.name().to_owned(),
                vkey: vkey.to_owned(),
                url,
            })
        })
        .collect::<Result<Vec<_>, CliError>>()?;
    let log = crate::server::log::service::load_note_signer(&settings.keys, &settings.public_url)?;
    let root = TrustRoot {
        v: 1,
        origin: settings.public_url.trim_end_matches('/').to_owned(),
        officers,
        threshold: spec.threshold,
        log_key: log.verifier_key(),
        witnesses,
        witness_threshold: spec.witness_threshold,
        development: false,
    };
    root.validate()
        .map_err(|e| CliError::input(e.to_string()))?;
    Ok(root)
}

/// What a root says, in one line.
pub fn describe_root(root: &TrustRoot) -> String {
    let officers: Vec<&str> = root.officers.iter().map(|o| o.name.as_str()).collect();
    let witnesses: Vec<&str> = root.witnesses.iter().map(|w| w.name.as_str()).collect();
    format!(
        "officers {} ({} must sign); witnesses {} ({} must cosign); log key {}",
        officers.join(", "),
        root.threshold,
        witnesses.join(", "),
        root.witness_threshold,
        root.log_key
    )
}

/// `meldpunt trust-root init`: writes `keys/trust-root.json` from the given public keys.
pub fn trust_root_init(
    settings: &Settings,
    spec: &RootSpec<'_>,
    replace: bool,
) -> Result<Verdict, CliError> {
    let path = crate::server::trust::root_path(&settings.keys);
    if path.exists() && !replace {
        return Err(CliError::input(format!(
            "{} exists; a trust root is replaced by `trust-root rotate` (signed by the current \
             officers), or with --replace (every client that pinned it will refuse the new one)",
            path.display()
        )));
    }
    let root = root_of(settings, spec)?;
    crate::files::replace_private_file(&path, &[root.to_file_text().as_bytes()])
        .map_err(|e| CliError::io(path.display(), e))?;
    outln!("trust root written to {}", path.display());
    outln!("{}", describe_root(&root));
    outln!("publish the new web-bundle hash (GET /api/v1/web-bundle) after the next start");
    Ok(Verdict::Done)
}

/// The changes a proposal makes to the published version, as lines for an officer.
fn describe(before: Option<&DirectoryPayload>, after: &DirectoryPayload) -> Vec<DirectoryChange> {
    changes(before.map_or(&[][..], |p| &p.entries[..]), &after.entries)
}

/// Asks "sign? [y/N]" on the terminal.
fn confirmed() -> Result<bool, CliError> {
    let mut out = std::io::stderr().lock();
    let _ = write!(out, "sign this directory? [y/N] ");
    let _ = out.flush();
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| CliError::io("the answer", e))?;
    Ok(matches!(line.trim(), "y" | "Y" | "yes" | "ja" | "j"))
}

/// `meldpunt directory sign --key FILE [--server URL] [--yes]`.
pub fn directory_sign(
    settings: &Settings,
    key: &Path,
    server: Option<&str>,
    yes: bool,
) -> Result<Verdict, CliError> {
    let seed = crate::files::read_secret(key).map_err(|e| CliError::io(key.display(), e))?;
    match server {
        Some(url) => sign_online(url, &seed, yes),
        None => sign_local(settings, &seed, yes),
    }
}

fn print_review(
    seq: u64,
    list: &[DirectoryChange],
    signed_by: usize,
    needed: usize,
) -> Result<(), CliError> {
    outln!("directory version {seq}: {} change(s)", list.len());
    for change in list {
        outln!("  {change}");
    }
    outln!("signed by {signed_by} of the {needed} officers needed");
    Ok(())
}

fn sign_local(settings: &Settings, seed: &[u8; 32], yes: bool) -> Result<Verdict, CliError> {
    let app = open_app(settings.clone())?;
    let root = app.trust.root.clone();
    let proposal = match app
        .sequencer
        .run_blocking(move |tx| directory::propose(tx, &root, "cli"))
    {
        Ok(p) => p,
        Err(DirectoryChangeError::UpToDate) => {
            outln!("the published directory already lists exactly the current staff keys");
            return Ok(Verdict::Done);
        }
        Err(e) => return Err(CliError::input(e.to_string())),
    };
    let (payload, _) = open_payload(&app.trust.root, &proposal.payload)
        .map_err(|e| CliError::input(e.to_string()))?;
    let current = app
        .store()
        .directory()?
        .as_ref()
        .and_then(crate::server::recipients::stored_payload);
    let view = directory::proposal_view(&app.trust.root, &proposal);
    print_review(
        payload.seq,
        &describe(current.as_ref(), &payload),
        view.signed_by.len(),
        view.needed,
    )?;
    if !yes && !confirmed()? {
        return Ok(Verdict::Fail("not signed".into()));
    }
    let signature = sign_payload(&proposal.payload, seed);
    let root = app.trust.root.clone();
    let hash = proposal.hash;
    let outcome = app
        .sequencer
        .run_blocking(move |tx| directory::add_signature(tx, &root, &hash, signature))
        .map_err(|e| CliError::input(e.to_string()))?;
    if outcome.published.is_some() {
        app.issue_checkpoint_blocking()?;
    }
    Ok(signed(
        outcome.signers,
        outcome.needed,
        outcome.published.map(|r| r.seq),
    ))
}

fn signed(signers: usize, needed: usize, published: Option<u64>) -> Verdict {
    match published {
        Some(seq) => Verdict::Ok(format!(
            "directory version {seq} is published ({signers} of {needed} officers signed)"
        )),
        None => Verdict::Ok(format!(
            "signed; {signers} of the {needed} officers needed have signed"
        )),
    }
}

fn sign_online(url: &str, seed: &[u8; 32], yes: bool) -> Result<Verdict, CliError> {
    let client = crate::clients::reporter::ReporterClient::new(url);
    let root = client.trust_root()?.clone();
    let proposal: ProposalView = match client.get_json("/api/v1/directory/proposal") {
        Ok(p) => p,
        Err(e) if e.api_code() == Some("no_proposal") => {
            outln!("the published directory already lists exactly the current staff keys");
            return Ok(Verdict::Done);
        }
        Err(e) => return Err(e.into()),
    };
    let (payload, hash) =
        open_payload(&root, &proposal.payload).map_err(|e| CliError::input(e.to_string()))?;
    if hash != proposal.hash {
        return Err(CliError::input("the proposal's hash is not its payload's"));
    }
    let current = match client.get_json::<DirectoryView>("/api/v1/directory") {
        Ok(view) => Some(
            verify_directory(&root, &view.directory)
                .map_err(|e| CliError::input(format!("the published directory: {e}")))?
                .payload,
        ),
        Err(e) if e.api_code() == Some("no_directory") => None,
        Err(e) => return Err(e.into()),
    };
    print_review(
        payload.seq,
        &describe(current.as_ref(), &payload),
        proposal.signed_by.len(),
        proposal.needed,
    )?;
    if !yes && !confirmed()? {
        return Ok(Verdict::Fail("not signed".into()));
    }
    let signature = sign_payload(&proposal.payload, seed);
    let answer: SignatureResponse = client.post_json(
        "/api/v1/directory/proposal/signatures",
        &SignatureRequest {
            hash,
            protected: signature.protected,
            signature: signature.signature,
        },
    )?;
    Ok(signed(answer.signers, answer.needed, answer.published))
}
