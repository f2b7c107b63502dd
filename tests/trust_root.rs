//! A real installation's trust root, end to end (issue 10, DESIGN §11): two officers make
//! their keys apart from the service, a witness runs as its own process, the installer writes
//! the root; then an admin alone cannot make a key a reader, one officer alone cannot either,
//! the quorum can (online, from an officer's own machine), every checkpoint is cosigned by the
//! witness over HTTP, a pinned reporter client and `verify` accept only witnessed checkpoints,
//! the witness refuses a split view, and `monitor` reports each change of the directory.

mod common;

use std::path::Path;

use common::witness::WitnessProcess;
use common::{PUBLIC_URL, ServiceProcess, TempDir, binary, draft, free_port, run_cli};
use meldpunt::clients::recipient::RecipientKey;
use meldpunt::clients::reporter::ReporterClient;
use meldpunt::clients::witness::{WitnessClientError, add_checkpoint};
use meldpunt::protocol::log::checkpoint::Checkpoint;
use meldpunt::protocol::log::note::NoteSigner;
use meldpunt::protocol::trust::{TrustRoot, WitnessedError, open_witnessed_checkpoint};
use meldpunt::server::log::service::{NOTE_KEY_FILE, origin_for};

/// `meldpunt officer keygen` into `file`; the public key it prints.
fn officer_key(dir: &Path, file: &Path) -> String {
    let out = run_cli(dir, &["officer", "keygen", "--out", file.to_str().unwrap()]);
    out.lines()
        .find_map(|l| l.strip_prefix("public key "))
        .expect("keygen prints the public key")
        .trim()
        .to_owned()
}

/// Runs the CLI expecting it to fail; its stderr.
fn failing_cli(dir: &Path, args: &[&str]) -> String {
    let out = binary()
        .args(args)
        .env_clear()
        .env("MELDPUNT_DATA", dir.join("data"))
        .env("MELDPUNT_KEYS", dir.join("keys"))
        .env("MELDPUNT_PUBLIC_URL", PUBLIC_URL)
        .output()
        .unwrap();
    assert!(!out.status.success(), "meldpunt {args:?} succeeded");
    String::from_utf8(out.stderr).unwrap()
}

/// Submits once the newest directory is in a published checkpoint (a page says "try again in a
/// moment" meanwhile; the service issues one right after a directory is published).
fn submit_when_logged(
    reporter: &ReporterClient,
    text: &str,
) -> meldpunt::clients::reporter::Submitted {
    for _ in 0..50 {
        match reporter.submit(&draft("amsterdam", text)) {
            Err(meldpunt::clients::ClientError::Untrusted(m))
                if m.contains("not in a published") =>
            {
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
            other => return other.expect("a pinned client accepts the witnessed directory"),
        }
    }
    panic!("the directory never reached a published checkpoint");
}

#[test]
fn officers_witnesses_and_the_two_person_rule_on_a_real_installation() {
    let dir = TempDir::new("install");
    let keys = dir.path().join("keys");
    meldpunt::files::ensure_private_dir(&keys).unwrap();
    // The service's log key, as its first start would make it; the witness must know it.
    let seed = meldpunt::files::load_or_create_secret(&keys.join(NOTE_KEY_FILE)).unwrap();
    let log = NoteSigner::from_seed(&origin_for(PUBLIC_URL), &seed).unwrap();
    let witness_dir = TempDir::new("install-witness");
    let witness = WitnessProcess::start(
        &witness_dir.path().join("state"),
        &witness_dir.path().join("witness.log"),
        &log.verifier_key(),
    );

    // Each officer makes a key on "their own machine" (outside the service's keys folder).
    let officer_1 = dir.path().join("desk-officer.key");
    let officer_2 = dir.path().join("ombudsman-officer.key");
    let pk_1 = officer_key(dir.path(), &officer_1);
    let pk_2 = officer_key(dir.path(), &officer_2);
    let again = failing_cli(
        dir.path(),
        &["officer", "keygen", "--out", officer_1.to_str().unwrap()],
    );
    assert!(again.contains("never overwritten"), "{again}");
    let witness_arg = format!("{}@{}", witness.vkey, witness.url);
    let init = [
        "trust-root",
        "init",
        "--officer",
        &format!("Hoofd meldpunt={pk_1}"),
        "--officer",
        &format!("Ombudsman={pk_2}"),
        "--witness",
        &witness_arg,
    ];
    run_cli(dir.path(), &init);
    assert!(failing_cli(dir.path(), &init).contains("--replace"));
    let root_file = keys.join("trust-root.json");
    let root = TrustRoot::parse(&std::fs::read_to_string(&root_file).unwrap()).unwrap();
    assert!(!root.development);
    assert_eq!((root.threshold, root.witness_threshold), (2, 1));
    assert_eq!(root.log_key, log.verifier_key());

    // An admin registers a national key; one officer signs: nothing is published yet.
    let national = RecipientKey::generate();
    let national_pk = meldpunt::protocol::b64::encode(national.public_key);
    common::init_folders(dir.path());
    let add = ["recipient", "add", "--unit", "national", "--public-key"];
    run_cli(dir.path(), &[&add[..], &[&national_pk]].concat());
    let key_1 = officer_1.to_str().unwrap();
    let out = run_cli(dir.path(), &["directory", "sign", "--key", key_1, "--yes"]);
    assert!(
        out.contains("added key"),
        "the officer is shown the change: {out}"
    );
    assert!(out.contains("OK: signed; 1 of the 2"), "{out}");

    let addr = format!("127.0.0.1:{}", free_port("127.0.0.1"))
        .parse()
        .unwrap();
    let serve_log = dir.path().join("serve.log");
    let env = [("MELDPUNT_CHECKPOINT_SECS", "1")];
    let service = ServiceProcess::spawn(dir.path(), addr, &serve_log, &env);
    let url = service.url();
    let reporter = ReporterClient::with_trust_root(&url, root.clone());
    let Err(refused) = reporter.submit(&draft("amsterdam", "niemand kan dit lezen")) else {
        panic!("a report was accepted before any directory was signed");
    };
    assert_eq!(refused.api_code(), Some("no_directory"), "{refused}");

    // The second officer signs online from their own machine: the directory is published,
    // in the log, and the checkpoint that covers it is cosigned by the witness over HTTP.
    let key_2 = officer_2.to_str().unwrap();
    let out = run_cli(
        dir.path(),
        &[
            "directory",
            "sign",
            "--server",
            &url,
            "--key",
            key_2,
            "--yes",
        ],
    );
    assert!(out.contains("directory version 1 is published"), "{out}");
    let submitted = submit_when_logged(&reporter, "de melding");
    let view = reporter.raw_case(&submitted.access_code).unwrap();
    assert_eq!(
        view.submitted_to.len(),
        2,
        "the national key and the reporter"
    );
    assert!(view.submitted_to.contains(&national.kid));

    // `verify` with the pinned root: the receipt is in a witnessed checkpoint.
    let receipt_file = dir.path().join("receipt.jws");
    std::fs::write(&receipt_file, &submitted.receipt).unwrap();
    let verify = |extra: &[&str]| {
        let out = binary()
            .arg("verify")
            .arg(&receipt_file)
            .args([
                "--server",
                &url,
                "--trust-root",
                root_file.to_str().unwrap(),
            ])
            .args(extra)
            .env_clear()
            .output()
            .unwrap();
        (out.status.code(), String::from_utf8(out.stdout).unwrap())
    };
    let mut verdict = verify(&[]);
    for _ in 0..50 {
        if verdict.0 == Some(0) {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
        verdict = verify(&[]);
    }
    assert_eq!(verdict.0, Some(0), "{}", verdict.1);
    assert!(
        verdict.1.contains("cosigned by the pinned witnesses"),
        "{}",
        verdict.1
    );

    // A split view: the log key signs another history of the same size for one reporter.
    // The witness refuses to cosign it, so no client accepts it.
    let newest = reporter
        .get_json::<serde_json::Value>("/api/v1/directory")
        .unwrap();
    let note = newest["checkpoint"].as_str().unwrap().to_owned();
    let published = open_witnessed_checkpoint(&root, &note).unwrap();
    let forked = Checkpoint {
        root: [7; 32],
        ..published.clone()
    };
    let forked_note = forked.sign(&log).unwrap();
    match add_checkpoint(&witness.url, published.size, &[], &forked_note) {
        Err(WitnessClientError::Inconsistent(_)) | Err(WitnessClientError::Conflict(_)) => {}
        other => panic!("the witness cosigned a fork: {other:?}"),
    }
    assert!(matches!(
        open_witnessed_checkpoint(&root, &forked_note),
        Err(WitnessedError::NotWitnessed { found: 0, .. })
    ));

    // `monitor` sees who was added, signed by whom.
    let state = dir.path().join("monitor");
    let out = binary()
        .args(["monitor", "--server", &url, "--trust-root"])
        .arg(&root_file)
        .arg("--state")
        .arg(&state)
        .env_clear()
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(out.status.success(), "{stdout}");
    assert!(
        stdout.lines().any(
            |l| l.starts_with("directory version 1 (signed by 2 officers): added")
                && l.contains(&national.kid)
        ),
        "{stdout}"
    );

    // An admin adds another key by hand (the service stopped for it): it reads nothing until
    // both officers sign again.
    service.terminate();
    let amsterdam = RecipientKey::generate();
    let amsterdam_pk = meldpunt::protocol::b64::encode(amsterdam.public_key);
    let add = ["recipient", "add", "--unit", "amsterdam", "--public-key"];
    run_cli(dir.path(), &[&add[..], &[&amsterdam_pk]].concat());
    let service = ServiceProcess::spawn(dir.path(), addr, &serve_log, &env);
    let reporter = ReporterClient::with_trust_root(&url, root.clone());
    let second = reporter
        .submit(&draft("amsterdam", "tweede melding"))
        .unwrap();
    let view = reporter.raw_case(&second.access_code).unwrap();
    assert!(
        !view.submitted_to.contains(&amsterdam.kid),
        "a key the officers did not sign received a report"
    );
    for key in [key_1, key_2] {
        run_cli(
            dir.path(),
            &["directory", "sign", "--server", &url, "--key", key, "--yes"],
        );
    }
    let third = submit_when_logged(&reporter, "derde melding");
    let view = reporter.raw_case(&third.access_code).unwrap();
    assert!(view.submitted_to.contains(&amsterdam.kid));
    let out = binary()
        .args(["monitor", "--server", &url, "--state"])
        .arg(&state)
        .env_clear()
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(out.status.success(), "{stdout}");
    assert!(
        stdout.lines().any(|l| l.starts_with("directory version 2")
            && l.contains("added")
            && l.contains(&amsterdam.kid)),
        "{stdout}"
    );
    service.terminate();
    witness.terminate();
}

/// An installation from before trust roots (here: a development one whose root file is gone)
/// does not start on a development root by accident; `trust-root init` with real officers
/// upgrades it, the log goes on, and the receipts issued before still verify.
#[test]
fn an_existing_installation_without_a_root_is_upgraded_with_trust_root_init() {
    let dir = TempDir::new("upgrade");
    let keys = dir.path().join("keys");
    let national = RecipientKey::generate();
    let national_pk = meldpunt::protocol::b64::encode(national.public_key);
    common::init_folders(dir.path());
    let add = ["recipient", "add", "--unit", "national", "--public-key"];
    run_cli(dir.path(), &[&add[..], &[&national_pk]].concat());
    common::sign_directory_cli(dir.path());
    let addr = format!("127.0.0.1:{}", free_port("127.0.0.1"))
        .parse()
        .unwrap();
    let serve_log = dir.path().join("serve.log");
    let env = [("MELDPUNT_CHECKPOINT_SECS", "1")];
    let service = ServiceProcess::spawn(dir.path(), addr, &serve_log, &env);
    let url = service.url();
    let old = ReporterClient::new(&url)
        .submit(&draft("amsterdam", "van voor de upgrade"))
        .unwrap();
    service.terminate();

    std::fs::remove_file(keys.join("trust-root.json")).unwrap();
    let refused = failing_cli(dir.path(), &["log", "checkpoint"]);
    assert!(
        refused.contains("no trust root") && refused.contains("trust-root init"),
        "{refused}"
    );
    assert!(
        !keys.join("trust-root.json").exists(),
        "no development root was made"
    );

    let seed = meldpunt::files::read_secret(&keys.join(NOTE_KEY_FILE)).unwrap();
    let log = NoteSigner::from_seed(&origin_for(PUBLIC_URL), &seed).unwrap();
    let witness_dir = TempDir::new("upgrade-witness");
    let witness = WitnessProcess::start(
        &witness_dir.path().join("state"),
        &witness_dir.path().join("witness.log"),
        &log.verifier_key(),
    );
    let officer_1 = dir.path().join("o1.key");
    let officer_2 = dir.path().join("o2.key");
    let (pk_1, pk_2) = (
        officer_key(dir.path(), &officer_1),
        officer_key(dir.path(), &officer_2),
    );
    let witness_arg = format!("{}@{}", witness.vkey, witness.url);
    run_cli(
        dir.path(),
        &[
            "trust-root",
            "init",
            "--officer",
            &format!("A={pk_1}"),
            "--officer",
            &format!("B={pk_2}"),
            "--witness",
            &witness_arg,
        ],
    );
    for key in [&officer_1, &officer_2] {
        run_cli(
            dir.path(),
            &["directory", "sign", "--key", key.to_str().unwrap(), "--yes"],
        );
    }
    let root =
        TrustRoot::parse(&std::fs::read_to_string(keys.join("trust-root.json")).unwrap()).unwrap();
    let service = ServiceProcess::spawn(dir.path(), addr, &serve_log, &env);
    let reporter = ReporterClient::with_trust_root(&url, root);
    // The report from before the upgrade still opens, its receipt checked as it was made.
    let opened = reporter.case(&old.access_code).unwrap();
    assert_eq!(opened.view.case_ref, old.case_ref);
    reporter
        .submit(&draft("amsterdam", "na de upgrade"))
        .expect("the upgraded installation takes reports");
    service.terminate();
    witness.terminate();
}

/// DESIGN §11's continuity of roots: an officer leaves; the current officers sign a rotation
/// to the new root, which a newcomer alone cannot; a monitor that pinned the old root follows
/// the signed rotation and keeps accepting the log, and reports it.
#[test]
fn the_current_officers_rotate_the_root_and_a_monitor_follows() {
    let dir = TempDir::new("rotate");
    let keys = dir.path().join("keys");
    meldpunt::files::ensure_private_dir(&keys).unwrap();
    let seed = meldpunt::files::load_or_create_secret(&keys.join(NOTE_KEY_FILE)).unwrap();
    let log = NoteSigner::from_seed(&origin_for(PUBLIC_URL), &seed).unwrap();
    let witness_dir = TempDir::new("rotate-witness");
    let witness = WitnessProcess::start(
        &witness_dir.path().join("state"),
        &witness_dir.path().join("witness.log"),
        &log.verifier_key(),
    );
    let key = |n: u8| dir.path().join(format!("officer-{n}.key"));
    let pks: Vec<String> = (1..=3).map(|n| officer_key(dir.path(), &key(n))).collect();
    let witness_arg = format!("{}@{}", witness.vkey, witness.url);
    let officer = |name: &str, pk: &str| format!("{name}={pk}");
    let (o1, o2, o3) = (
        officer("Hoofd meldpunt", &pks[0]),
        officer("Ombudsman", &pks[1]),
        officer("Nieuwe ombudsman", &pks[2]),
    );
    run_cli(
        dir.path(),
        &[
            "trust-root",
            "init",
            "--officer",
            &o1,
            "--officer",
            &o2,
            "--witness",
            &witness_arg,
        ],
    );
    let national = RecipientKey::generate();
    let national_pk = meldpunt::protocol::b64::encode(national.public_key);
    common::init_folders(dir.path());
    let add = ["recipient", "add", "--unit", "national", "--public-key"];
    run_cli(dir.path(), &[&add[..], &[&national_pk]].concat());
    let sign_directory = |n: u8| {
        let k = key(n);
        run_cli(
            dir.path(),
            &["directory", "sign", "--key", k.to_str().unwrap(), "--yes"],
        )
    };
    sign_directory(1);
    sign_directory(2);
    let addr = format!("127.0.0.1:{}", free_port("127.0.0.1"))
        .parse()
        .unwrap();
    let serve_log = dir.path().join("serve.log");
    let env = [("MELDPUNT_CHECKPOINT_SECS", "1")];
    let state = dir.path().join("monitor");
    let monitor = |url: &str| {
        let out = binary()
            .args(["monitor", "--server", url, "--state"])
            .arg(&state)
            .env_clear()
            .output()
            .unwrap();
        (out.status.success(), String::from_utf8(out.stdout).unwrap())
    };
    let service = ServiceProcess::spawn(dir.path(), addr, &serve_log, &env);
    let (ok, out) = monitor(&service.url());
    assert!(ok, "{out}");
    service.terminate();

    // The ombudsman's office hands over: a rotation to officers 1 and 3.
    let rotation = dir.path().join("rotation.json");
    let rotation_arg = rotation.to_str().unwrap();
    run_cli(
        dir.path(),
        &[
            "trust-root",
            "rotate",
            "--officer",
            &o1,
            "--officer",
            &o3,
            "--witness",
            &witness_arg,
            "--out",
            rotation_arg,
        ],
    );
    let k3 = key(3);
    let refused = failing_cli(
        dir.path(),
        &[
            "trust-root",
            "sign",
            rotation_arg,
            "--key",
            k3.to_str().unwrap(),
            "--yes",
        ],
    );
    assert!(
        refused.contains("not an officer of the current trust root"),
        "{refused}"
    );
    let k1 = key(1);
    let out = run_cli(
        dir.path(),
        &[
            "trust-root",
            "sign",
            rotation_arg,
            "--key",
            k1.to_str().unwrap(),
            "--yes",
        ],
    );
    assert!(
        out.contains("new:  officers Hoofd meldpunt, Nieuwe ombudsman"),
        "{out}"
    );
    let refused = failing_cli(dir.path(), &["trust-root", "apply", rotation_arg]);
    assert!(
        refused.contains("signed by 1 of the old officers"),
        "{refused}"
    );
    let k2 = key(2);
    run_cli(
        dir.path(),
        &[
            "trust-root",
            "sign",
            rotation_arg,
            "--key",
            k2.to_str().unwrap(),
            "--yes",
        ],
    );
    run_cli(dir.path(), &["trust-root", "apply", rotation_arg]);
    let root =
        TrustRoot::parse(&std::fs::read_to_string(keys.join("trust-root.json")).unwrap()).unwrap();
    assert_eq!(root.officers[1].name, "Nieuwe ombudsman");
    // The directory is signed again under the new root, now with the new officer.
    sign_directory(1);
    sign_directory(3);

    let service = ServiceProcess::spawn(dir.path(), addr, &serve_log, &env);
    let url = service.url();
    let reporter = ReporterClient::with_trust_root(&url, root);
    submit_when_logged(&reporter, "na de wissel");
    let (ok, out) = monitor(&url);
    assert!(ok, "{out}");
    assert!(
        out.contains("trust root rotated, signed by the previous officers: officers Hoofd meldpunt, Nieuwe ombudsman"),
        "{out}"
    );
    assert!(
        out.lines().any(|l| l.starts_with("directory version 2")),
        "{out}"
    );
    service.terminate();
    witness.terminate();
}
