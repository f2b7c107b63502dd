//! Must-show 1 of the trust-root issue, for the Rust reporter client: a hostile proxy at the
//! reporter's origin rewrites the answers of the real service (it may change anything an
//! HTTP proxy can), and whatever it injects — a recipient, a directory of its own, a log key,
//! a re-signed or uncosigned checkpoint, an old directory — the client that pinned the trust
//! root sends no submission and says why. Through the same proxy left honest, it submits.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

use common::{TestService, draft};
use meldpunt::clients::ClientError;
use meldpunt::clients::recipient::RecipientKey;
use meldpunt::clients::reporter::ReporterClient;
use meldpunt::protocol::b64;
use meldpunt::protocol::log::checkpoint::Checkpoint;
use meldpunt::protocol::log::note::NoteSigner;
use meldpunt::protocol::trust::{DirectoryEntry, DirectoryPayload, TrustRoot};
use meldpunt::protocol::wire::DirectoryView;

type Rewrite = Arc<dyn Fn(&str, String) -> String + Send + Sync>;

/// A proxy in front of `upstream`: every answer to `GET path` passes through `rewrite(path,
/// body)`; every request line is recorded.
struct Proxy {
    url: String,
    seen: Arc<Mutex<Vec<String>>>,
}

fn handle(mut stream: TcpStream, upstream: &str, rewrite: &Rewrite, seen: &Mutex<Vec<String>>) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut line = String::new();
    if reader.read_line(&mut line).unwrap_or(0) == 0 {
        return;
    }
    let mut headers = Vec::new();
    let mut length = 0usize;
    loop {
        let mut h = String::new();
        reader.read_line(&mut h).unwrap();
        if h == "\r\n" || h.is_empty() {
            break;
        }
        if let Some(v) = h.to_ascii_lowercase().strip_prefix("content-length:") {
            length = v.trim().parse().unwrap();
        }
        headers.push(h);
    }
    let mut body = vec![0u8; length];
    reader.read_exact(&mut body).unwrap();
    let mut parts = line.split_whitespace();
    let (method, path) = (
        parts.next().unwrap().to_owned(),
        parts.next().unwrap().to_owned(),
    );
    seen.lock().unwrap().push(format!("{method} {path}"));
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let target = format!("{upstream}{path}");
    let mut answer = if method == "POST" {
        agent
            .post(&target)
            .content_type("application/json")
            .send(&body[..])
            .unwrap()
    } else {
        agent.get(&target).call().unwrap()
    };
    let status = answer.status().as_u16();
    let kind = answer
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/json")
        .to_owned();
    let text = answer.body_mut().read_to_string().unwrap();
    let text = if method == "GET" {
        rewrite(&path, text)
    } else {
        text
    };
    let _ = write!(
        stream,
        "HTTP/1.1 {status} X\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{text}",
        text.len()
    );
}

impl Proxy {
    fn start(upstream: String, rewrite: Rewrite) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                handle(stream, &upstream, &rewrite, &log);
            }
        });
        Proxy { url, seen }
    }

    fn posted_reports(&self) -> usize {
        self.seen
            .lock()
            .unwrap()
            .iter()
            .filter(|l| l.starts_with("POST /api/v1/reports"))
            .count()
    }
}

/// Rewrites the directory answer as `change` says; everything else passes unchanged.
fn directory_rewrite(change: impl Fn(&mut DirectoryView) + Send + Sync + 'static) -> Rewrite {
    Arc::new(move |path, body| {
        if path != "/api/v1/directory" {
            return body;
        }
        let mut view: DirectoryView = serde_json::from_str(&body).unwrap();
        change(&mut view);
        serde_json::to_string(&view).unwrap()
    })
}

/// The directory's payload, with `change` applied, re-encoded with the same signatures (which
/// then no longer match): what a proxy that adds a reader can do.
fn with_payload(document: &str, change: impl Fn(&mut DirectoryPayload)) -> String {
    let mut doc: meldpunt::protocol::trust::DirectoryDocument =
        serde_json::from_str(document).unwrap();
    let mut payload: DirectoryPayload =
        serde_json::from_slice(&b64::decode(&doc.payload).unwrap()).unwrap();
    change(&mut payload);
    payload.canonicalize();
    doc.payload = b64::encode(payload.to_bytes());
    serde_json::to_string(&doc).unwrap()
}

fn proxy_key() -> DirectoryEntry {
    let key = RecipientKey::generate();
    DirectoryEntry {
        kid: key.kid.clone(),
        public_key: key.public_key,
        units: vec!["national".into()],
        roles: vec![meldpunt::protocol::roles::Role::Intake],
        label: "Landelijk meldpunt (2)".into(),
    }
}

#[test]
fn whatever_the_proxy_injects_no_case_key_leaves_for_a_key_outside_the_signed_directory() {
    let svc = TestService::start(0);
    let root = TrustRoot::parse(
        &std::fs::read_to_string(svc.dir.path().join("keys/trust-root.json")).unwrap(),
    )
    .unwrap();
    let attacks: Vec<(&str, Rewrite, &str)> = vec![
        (
            "a reader added to the signed payload",
            directory_rewrite(|v| {
                v.directory = with_payload(&v.directory, |p| p.entries.push(proxy_key()));
            }),
            "signature",
        ),
        (
            "a directory signed by the proxy's own 'officers'",
            directory_rewrite(|v| {
                let doc: meldpunt::protocol::trust::DirectoryDocument =
                    serde_json::from_str(&v.directory).unwrap();
                let mut payload: DirectoryPayload =
                    serde_json::from_slice(&b64::decode(&doc.payload).unwrap()).unwrap();
                payload.entries = vec![proxy_key()];
                let b64 = b64::encode(payload.to_bytes());
                let sigs: Vec<_> = [[0x61; 32], [0x62; 32]]
                    .iter()
                    .map(|seed| meldpunt::protocol::trust::sign_payload(&b64, seed))
                    .collect();
                v.directory = meldpunt::protocol::trust::document_text(&b64, &sigs);
            }),
            "not a directory officer",
        ),
        (
            "a checkpoint re-signed with the proxy's log key",
            directory_rewrite(|v| {
                let note = v.checkpoint.clone().unwrap();
                let body = note.split("\n\n").next().unwrap();
                let checkpoint = Checkpoint::parse_body(&format!("{body}\n")).unwrap();
                let fake = NoteSigner::from_seed("meldpunt.test/log", &[0x63; 32]).unwrap();
                v.checkpoint = Some(checkpoint.sign(&fake).unwrap());
            }),
            "not signed by the pinned log key",
        ),
        (
            "the witnesses' cosignatures stripped",
            directory_rewrite(|v| {
                let note = v.checkpoint.clone().unwrap();
                let kept: String = note
                    .lines()
                    .filter(|l| !l.contains("/dev-witness "))
                    .map(|l| format!("{l}\n"))
                    .collect();
                v.checkpoint = Some(kept);
            }),
            "cosigned by 0",
        ),
        (
            "another version number claimed",
            directory_rewrite(|v| v.seq += 1),
            "claims version",
        ),
        (
            "the inclusion proof removed",
            directory_rewrite(|v| v.proof = None),
            "not in a published checkpoint",
        ),
        (
            "the proof moved to another leaf",
            directory_rewrite(|v| v.log += 1),
            "inclusion proof",
        ),
    ];
    for (what, rewrite, reason) in attacks {
        let proxy = Proxy::start(svc.url(), rewrite);
        let client = ReporterClient::with_trust_root(&proxy.url, root.clone());
        let result = client.submit(&draft("amsterdam", "geheim"));
        match result {
            Err(ClientError::Untrusted(message)) => {
                assert!(message.contains(reason), "{what}: {message}")
            }
            Err(other) => panic!("{what}: refused for another reason: {other}"),
            Ok(_) => panic!("{what}: the client submitted"),
        }
        assert_eq!(proxy.posted_reports(), 0, "{what}: a submission left");
    }

    // A root served by the proxy itself is no help to it: the pinned client never asks.
    let honest = Proxy::start(svc.url(), Arc::new(|_, body| body));
    let client = ReporterClient::with_trust_root(&honest.url, root);
    client.submit(&draft("amsterdam", "eerlijk")).unwrap();
    assert_eq!(honest.posted_reports(), 1);
    assert!(
        !honest
            .seen
            .lock()
            .unwrap()
            .iter()
            .any(|l| l.contains("/trust-root.json") || l.contains("/api/v1/log/key")),
        "a pinned client takes neither the root nor the log key from the server"
    );
}

/// Must-show 3 for `verify`: a proxy (or the server) that shows one reporter a checkpoint
/// without the witnesses' cosignatures gets a FAIL, even though the log key signed it.
#[test]
fn verify_refuses_a_checkpoint_the_witnesses_did_not_cosign() {
    let svc = TestService::start(0);
    let submitted = svc.client().submit(&draft("amsterdam", "melding")).unwrap();
    svc.app.issue_checkpoint_blocking().unwrap();
    let strip: Rewrite = Arc::new(|path, body| {
        if path != "/api/v1/log/checkpoint" {
            return body;
        }
        body.lines()
            .filter(|l| !l.contains("/dev-witness "))
            .map(|l| format!("{l}\n"))
            .collect()
    });
    let receipt = svc.dir.path().join("receipt.jws");
    std::fs::write(&receipt, &submitted.receipt).unwrap();
    let root = svc.dir.path().join("keys/trust-root.json");
    let verify = |url: &str| {
        let out = common::binary()
            .arg("verify")
            .arg(&receipt)
            .args(["--server", url, "--trust-root"])
            .arg(&root)
            .env_clear()
            .output()
            .unwrap();
        (out.status.code(), String::from_utf8(out.stdout).unwrap())
    };
    let (code, out) = verify(&svc.url());
    assert_eq!(code, Some(0), "{out}");
    let proxy = Proxy::start(svc.url(), strip);
    let (code, out) = verify(&proxy.url);
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains("cosigned by 0 of the pinned witnesses"),
        "{out}"
    );
}
