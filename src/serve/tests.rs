//! The server itself, on a snapshot made in memory and with short limits: idle and half-sent
//! requests are closed on time, and where the server says it listens.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use super::*;

#[test]
fn urls_of_outputs_drop_index_html() {
    assert_eq!(url_of("index.html"), "/");
    assert_eq!(url_of("a/b/index.html"), "/a/b/");
    assert_eq!(url_of("atom.xml"), "/atom.xml");
    assert_eq!(url_of("a/notindex.html"), "/a/notindex.html");
}

const LIMIT: Duration = Duration::from_millis(400);
/// The size of `big.bin`: more than loopback sockets buffer.
const BIG: usize = 48 << 20;

/// A server of a page and a big file whose clients must send a request head, and read what
/// they are sent, within [`LIMIT`].
fn server() -> u16 {
    let mut snapshot = Snapshot::default();
    let page = b"<!DOCTYPE html><title>t</title><body>hello</body>".to_vec();
    snapshot.outputs.insert("index.html".into(), Arc::new(page));
    snapshot
        .outputs
        .insert("big.bin".into(), Arc::new(vec![b'x'; BIG]));
    let hub = Hub::new(Path::new("."), Arc::new(snapshot));
    let listener = listen("127.0.0.1", 0).unwrap_or_else(|StartError::Fatal(e)| panic!("{e}"));
    let port = listener.local_addr().unwrap().port();
    let limits = Limits {
        request_head: LIMIT,
        stalled_write: LIMIT,
    };
    spawn_server(listener, hub, Hosts::default(), limits).unwrap();
    port
}

/// How long until the server closes `stream` (reading and dropping what it sends).
fn until_closed(mut stream: TcpStream) -> Duration {
    let start = Instant::now();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let mut buf = [0; 4096];
    loop {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return start.elapsed(),
            Ok(_) => {}
        }
    }
}

#[test]
fn an_idle_connection_is_closed_after_the_limit() {
    let port = server();
    let idle = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let took = until_closed(idle);
    assert!(took >= LIMIT && took < LIMIT * 5, "closed after {took:?}");
}

#[test]
fn a_connection_kept_alive_is_closed_once_idle_for_the_limit() {
    let port = server();
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .write_all(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .unwrap();
    let mut head = [0; 15];
    stream.read_exact(&mut head).unwrap();
    assert_eq!(&head, b"HTTP/1.1 200 OK");
    let took = until_closed(stream);
    assert!(
        took >= LIMIT / 2 && took < LIMIT * 5,
        "closed after {took:?}"
    );
}

#[test]
fn a_request_sent_a_byte_at_a_time_is_cut_off_at_the_limit() {
    let port = server();
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let reader = stream.try_clone().unwrap();
    let closed = std::thread::spawn(move || until_closed(reader));
    // A byte every 50 ms for up to 4 s (ten times the limit), never finishing the head.
    let start = Instant::now();
    let head = format!(
        "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: {}",
        "a".repeat(80)
    );
    for byte in head.bytes() {
        if stream.write_all(&[byte]).is_err() {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
        if closed.is_finished() {
            break;
        }
    }
    let took = closed.join().unwrap();
    assert!(took < LIMIT * 5, "closed after {took:?}");
    assert!(start.elapsed() < LIMIT * 6);
}

#[test]
fn a_client_that_stops_reading_is_dropped() {
    let port = server();
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .write_all(b"GET /big.bin HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .unwrap();
    // Read nothing for a while: the server's writes find no room and it gives up.
    std::thread::sleep(LIMIT * 4);
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let mut received = 0;
    let mut buf = vec![0; 1 << 16];
    while let Ok(n @ 1..) = stream.read(&mut buf) {
        received += n;
    }
    assert!(received < BIG, "the whole file came: {received} bytes");
}

#[test]
fn every_interface_is_said_and_warned_about() {
    let any: SocketAddr = "0.0.0.0:4000".parse().unwrap();
    let place = Place::of(any);
    assert_eq!(place.url, "http://127.0.0.1:4000/");
    assert_eq!(
        place.serving(Path::new("site")),
        "serving site on 0.0.0.0:4000 (every network interface), on this machine at \
         http://127.0.0.1:4000/ (Ctrl-C to stop)"
    );
    assert!(place
        .warning()
        .unwrap()
        .contains("every network interface (0.0.0.0:4000)"));
    let v6 = Place::of("[::]:4000".parse().unwrap());
    assert_eq!(v6.url, "http://[::1]:4000/");
    let lan = Place::of("192.168.1.5:4000".parse().unwrap());
    assert_eq!(
        lan.serving(Path::new("site")),
        "serving site at http://192.168.1.5:4000/ (Ctrl-C to stop)"
    );
    assert_eq!(
        lan.warning().unwrap(),
        "warning: listening on 192.168.1.5:4000: anyone who can reach this machine can read \
         the site (the default, --bind 127.0.0.1, keeps it to this machine)"
    );
    let local = Place::of("127.0.0.1:4000".parse().unwrap());
    assert_eq!(local.warning(), None);
    assert_eq!(
        local.serving(Path::new("site")),
        "serving site at http://127.0.0.1:4000/ (Ctrl-C to stop)"
    );
}
