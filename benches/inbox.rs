//! Benchmark of the staff inbox and case page (the staff web app issue, must-show 4): the
//! server's time for the inbox's first page at 100, 1,000 and 10,000 cases, next to the floor
//! of merely reading every case record (what any unindexed list costs), and the time to open
//! and decrypt one case with 100 messages; with Chromium, the browser's time to render both
//! (`tests/browser/bench-staff.mjs`, driven from here).
//!
//! Contract: for each size, a fresh service in a temporary folder (removed at the end), the
//! real server in-process (`RunningServer`, 2 actix workers), an enrolled national intake
//! officer (who reads every case) and real submissions from the reporter client (32 threads,
//! proof of work off), spread over themes and units. Server times are measured over HTTP with a
//! keep-alive connection: 30 requests after 3 warm-ups, p50 and p95. Run with
//! `cargo bench --bench inbox`; `MELDPUNT_BENCH_SIZES=100,1000` for other sizes;
//! `MELDPUNT_BENCH_BROWSER=0` to skip Chromium.

use std::sync::Arc;
use std::time::{Duration, Instant};

use meldpunt::clients::reporter::{Draft, ReporterClient};
use meldpunt::clients::staff::StaffClient;
use meldpunt::protocol::roles::Role;
use meldpunt::protocol::staff_wire::InviteRequest;
use meldpunt::protocol::time;
use meldpunt::protocol::totp;
use meldpunt::server::app::App;
use meldpunt::server::config::Settings;
use meldpunt::server::http::RunningServer;
use meldpunt::server::staff::accounts;

const THREADS: usize = 32;
const SAMPLES: usize = 30;
const PASSWORD: &str = "een lang wachtwoord voor de benchmark";

struct Scratch(std::path::PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// p50 and p95 of `f` over [`SAMPLES`] runs after 3 warm-ups, in ms.
fn percentiles(mut f: impl FnMut()) -> (f64, f64) {
    for _ in 0..3 {
        f();
    }
    let mut times: Vec<f64> = (0..SAMPLES)
        .map(|_| {
            let t = Instant::now();
            f();
            ms(t.elapsed())
        })
        .collect();
    times.sort_by(f64::total_cmp);
    (times[SAMPLES / 2], times[SAMPLES * 95 / 100])
}

fn draft(i: usize, themes: &[String], units: &[String]) -> Draft {
    Draft {
        theme: themes[i % themes.len()].clone(),
        unit: units[(i / 3) % units.len()].clone(),
        relation: Some("employee".into()),
        national_only: false,
        report: serde_json::json!({
            "what": format!("benchmark report {i}: ").repeat(20),
            "when": "voorjaar 2026",
            "where": "bureau",
            "wants": "investigation",
        }),
    }
}

struct Service {
    _dir: Scratch,
    app: Arc<App>,
    server: RunningServer,
    name: String,
    totp_secret: [u8; 20],
}

fn start(size: usize) -> Service {
    let dir = Scratch(std::env::temp_dir().join(format!(
        "meldpunt-bench-inbox-{}-{size}",
        std::process::id()
    )));
    let mut settings = Settings::defaults();
    settings.data = dir.0.join("data");
    settings.keys = dir.0.join("keys");
    settings.public_url = "http://meldpunt.bench".into();
    settings.pow_bits = 0;
    settings.staff_kdf_iterations = 1000;
    settings.staff_cookie_secure = false;
    let app = Arc::new(App::open(settings).expect("open the service"));
    let server = RunningServer::start(app.clone()).expect("start the server");
    let name = format!("intake-{size}");
    let invite = actix_web::rt::System::new()
        .block_on(accounts::invite(
            &app,
            InviteRequest {
                name: name.clone(),
                roles: vec![Role::Intake],
                unit: Some("national".into()),
            },
            "bench".into(),
        ))
        .expect("invite");
    let token = invite.link.split_once('#').expect("a link").1.to_owned();
    let enrolled = StaffClient::new(&server.url())
        .enrol(&token, PASSWORD, None, time::now() - totp::STEP_SECS)
        .expect("enrol");
    meldpunt::server::directory::publish_as_development_officers(&app).expect("directory");
    Service {
        totp_secret: *enrolled.totp_secret,
        _dir: dir,
        app,
        server,
        name,
    }
}

/// `n` real submissions from [`THREADS`] reporter clients; returns the seconds it took.
fn seed(svc: &Service, n: usize) -> f64 {
    let themes: Vec<String> = svc
        .app
        .settings
        .themes
        .iter()
        .map(|c| c.id.clone())
        .collect();
    let units: Vec<String> = svc
        .app
        .settings
        .units
        .iter()
        .map(|c| c.id.clone())
        .collect();
    let url = svc.server.url();
    let started = Instant::now();
    std::thread::scope(|s| {
        for t in 0..THREADS {
            let (url, themes, units) = (&url, &themes, &units);
            s.spawn(move || {
                let client = ReporterClient::new(url);
                for i in (t..n).step_by(THREADS) {
                    client.submit(&draft(i, themes, units)).expect("submit");
                }
            });
        }
    });
    started.elapsed().as_secs_f64()
}

/// A signed-in staff session made in-process (the browser makes its own with a TOTP code).
fn session_client(svc: &Service) -> StaffClient {
    let user = svc.app.store().user_by_name(&svc.name).unwrap().unwrap();
    let session = svc.app.staff.sessions.create(user.user_id).unwrap();
    let view = accounts::user_view(&user).unwrap();
    let cookie = format!(
        "meldpunt_staff={}",
        meldpunt::protocol::b64::encode(session.token.as_ref())
    );
    let csrf = meldpunt::protocol::b64::encode(session.csrf.as_ref());
    let mut client = StaffClient::resume(&svc.server.url(), &cookie, &csrf, view);
    let wrapped = &user.enrolled.as_ref().unwrap().wrapped_private_key;
    client.unlock(PASSWORD, wrapped).expect("unlock");
    client
}

/// The browser's render times, from `tests/browser/bench-staff.mjs`, if Chromium runs here.
fn browser(svc: &Service, case_ref: &str, messages: usize) -> Option<serde_json::Value> {
    if std::env::var("MELDPUNT_BENCH_BROWSER").is_ok_and(|v| v == "0") {
        return None;
    }
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/browser/bench-staff.mjs");
    let out = std::process::Command::new("node")
        .arg(script)
        .env("BENCH_URL", svc.server.url())
        .env("BENCH_NAME", &svc.name)
        .env("BENCH_PASSWORD", PASSWORD)
        .env("BENCH_TOTP_SECRET", totp::base32(&svc.totp_secret))
        .env("BENCH_CASE", case_ref)
        .env("BENCH_MESSAGES", messages.to_string())
        .output()
        .ok()?;
    if !out.status.success() {
        eprintln!(
            "browser benchmark failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        return None;
    }
    serde_json::from_slice(&out.stdout).ok()
}

/// A case with 100 messages, the reporter and the intake taking turns; its reference.
fn message_case(svc: &Service, staff: &StaffClient) -> String {
    let reporter = ReporterClient::new(&svc.server.url());
    let submitted = reporter
        .submit(&draft(0, &["exclusion".into()], &["national".into()]))
        .unwrap();
    for i in 0..50 {
        reporter
            .send_message(
                &submitted.access_code,
                &format!("bericht {i} van de melder"),
            )
            .unwrap();
        staff
            .reply(
                &submitted.case_ref,
                &format!("antwoord {i} van het meldpunt"),
            )
            .unwrap();
    }
    submitted.case_ref
}

fn main() {
    let sizes: Vec<usize> = std::env::var("MELDPUNT_BENCH_SIZES")
        .ok()
        .map(|v| v.split(',').filter_map(|s| s.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![100, 1000, 10_000]);
    println!(
        "| cases | seed s | floor: read every case record, p50 ms | inbox first page, p50 / p95 ms | filtered (status + theme), p50 ms | search by ref, p50 ms | browser: sign-in to rows shown, ms | browser: inbox re-render, ms |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|");
    let mut last: Option<(Service, String, Option<serde_json::Value>)> = None;
    for (n, &size) in sizes.iter().enumerate() {
        let svc = start(size);
        let seed_s = seed(&svc, size);
        let store = svc.app.store();
        let (floor, _) = percentiles(|| {
            assert_eq!(store.all_cases().unwrap().len(), size);
        });
        let staff = session_client(&svc);
        let (p50, p95) = percentiles(|| {
            let page = staff.cases("per_page=25").unwrap();
            assert_eq!(page.total, size);
        });
        let (filtered, _) = percentiles(|| {
            staff.cases("status=received&theme=exclusion").unwrap();
        });
        let some_ref = staff.cases("per_page=1").unwrap().cases[0].case_ref.clone();
        let (search, _) = percentiles(|| {
            let found = staff.cases(&format!("q={}", &some_ref[3..])).unwrap();
            assert_eq!(found.total, 1);
        });
        // The browser signs in once per service (one TOTP step): on the last one it opens
        // the case with 100 messages too, made here after the inbox was timed.
        let (case_ref, messages) = if n + 1 == sizes.len() {
            (message_case(&svc, &staff), 100)
        } else {
            (some_ref, 0)
        };
        let rendered = browser(&svc, &case_ref, messages);
        let cell = |key: &str| {
            rendered
                .as_ref()
                .and_then(|r| r[key].as_f64())
                .map_or("–".to_owned(), |v| format!("{v:.0}"))
        };
        println!(
            "| {size} | {seed_s:.1} | {floor:.1} | {p50:.1} / {p95:.1} | {filtered:.1} | {search:.1} | {} | {} |",
            cell("inbox_first_ms"),
            cell("inbox_again_ms")
        );
        last = Some((svc, case_ref, rendered));
    }

    let Some((svc, case_ref, rendered)) = last else {
        return;
    };
    let staff = session_client(&svc);
    let (detail, _) = percentiles(|| {
        staff.case(&case_ref).unwrap();
    });
    let (fetch, _) = percentiles(|| {
        assert_eq!(staff.fetch_case(&case_ref).unwrap().items.len(), 100);
    });
    let (open, _) = percentiles(|| {
        assert_eq!(staff.open_case(&case_ref).unwrap().messages.len(), 100);
    });
    let case_ms = rendered
        .as_ref()
        .and_then(|r| r["case_ms"].as_f64())
        .map_or("–".to_owned(), |v| format!("{v:.0}"));
    println!();
    println!(
        "| one case with 100 messages, {} cases in the store | p50 ms |",
        sizes.last().unwrap()
    );
    println!("|---|---:|");
    println!("| server: detail (`GET /cases/{{ref}}`) | {detail:.1} |");
    println!("| server: detail and every items page | {fetch:.1} |");
    println!("| Rust client: fetch, verify the receipt, decrypt all | {open:.1} |");
    println!("| browser: open the case page until 100 messages are shown | {case_ms} |");
}
