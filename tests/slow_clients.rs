//! Hardening finding 5, through the real binary: a body trickled a byte at a time was held open
//! for ever, and 1,100 such connections made reporter requests fail with "too many open files".
//! With a small open-file limit (256, as on a small VM) and more trickling connections than it
//! allows, every trickler is cut off by the body timeout and a real reporter still submits.
//! The tricklers send their bodies three ways: with a `Content-Length`, chunked, and chunked to
//! a route that never reads a body (which actix would otherwise drain for as long as it lasts).

mod common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use common::{ServiceProcess, TempDir, draft, free_port, register_recipient_cli};
use meldpunt::clients::reporter::ReporterClient;

const TRICKLERS: usize = 300;

/// The three ways of trickling, and what each sends a second.
const HEADS: [(&str, &[u8]); 3] = [
    (
        "POST /api/v1/reports HTTP/1.1\r\nHost: meldpunt.test\r\n\
         Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n{",
        b" ",
    ),
    (
        "POST /api/v1/reports HTTP/1.1\r\nHost: meldpunt.test\r\n\
         Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n1\r\n{\r\n",
        b"1\r\n \r\n",
    ),
    (
        "GET /api/v1/config HTTP/1.1\r\nHost: meldpunt.test\r\n\
         Transfer-Encoding: chunked\r\n\r\n",
        b"1\r\n \r\n",
    ),
];

fn trickler(addr: SocketAddr, way: usize) -> TcpStream {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.write_all(HEADS[way].0.as_bytes()).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_millis(20)))
        .unwrap();
    stream
}

/// Whether the server has closed the connection (an answer alone is not enough: the server
/// must stop reading what we trickle).
fn cut_off(stream: &mut TcpStream) -> bool {
    let mut buf = [0u8; 512];
    match stream.read(&mut buf) {
        Ok(0) => true,
        // An answer (a 408, or the config): read on, the connection must still end.
        Ok(_) => cut_off(stream),
        Err(e) => !matches!(
            e.kind(),
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
        ),
    }
}

#[test]
fn trickling_bodies_are_cut_off_and_a_reporter_still_gets_through() {
    let dir = TempDir::new("slow");
    register_recipient_cli(dir.path(), &dir.path().join("intake.key"), "national");
    let addr: SocketAddr = format!("127.0.0.1:{}", free_port("127.0.0.1"))
        .parse()
        .unwrap();
    let log = dir.path().join("service.log");
    let service = ServiceProcess::spawn_with_file_limit(
        256,
        dir.path(),
        addr,
        &log,
        &[("MELDPUNT_BODY_TIMEOUT_SECS", "2")],
    );

    let mut streams: Vec<(TcpStream, &[u8])> = (0..TRICKLERS)
        .map(|i| (trickler(addr, i % HEADS.len()), HEADS[i % HEADS.len()].1))
        .collect();
    let started = Instant::now();
    let (receipt, cut, took) = std::thread::scope(|scope| {
        let reporter = scope.spawn(|| {
            let begun = Instant::now();
            let result = ReporterClient::new(&service.url()).submit(&draft("amsterdam", "echt"));
            (result, begun.elapsed())
        });
        // Trickle one byte a second into every connection until each is cut off (or 30 s).
        let mut open: Vec<bool> = vec![true; streams.len()];
        while open.iter().any(|o| *o) && started.elapsed() < Duration::from_secs(30) {
            for ((stream, tick), open) in streams.iter_mut().zip(open.iter_mut()) {
                if *open && (cut_off(stream) || stream.write_all(tick).is_err()) {
                    *open = false;
                }
            }
            std::thread::sleep(Duration::from_millis(1000));
        }
        let (result, took) = reporter.join().unwrap();
        (result, open.iter().filter(|o| !**o).count(), took)
    });
    eprintln!(
        "{cut} of {TRICKLERS} cut off after {:?}; reporter took {took:?}",
        started.elapsed()
    );
    let receipt = receipt.expect("the real reporter's submission succeeded");
    assert!(receipt.case_ref.starts_with("MP-"));
    assert_eq!(cut, TRICKLERS, "every trickling connection was cut off");
    // The service is still healthy, and said nothing about running out of files.
    ReporterClient::new(&service.url()).config().unwrap();
    service.terminate();
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(!text.contains("Too many open files"), "{text}");
}
