//! `weft serve` over HTTP on 127.0.0.1: what it serves and how (types, folders, 404, HEAD, nothing
//! served stale, 304 for what did not change, no byte outside the output, only for this
//! machine's names), live-reload events after every rebuild, a failed build keeping the last
//! good site, many event streams, idle or slow clients not delaying requests, and no 404 while
//! it rebuilds. Every wait polls with a deadline; the server is the real binary on a free port.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::support::{TestSite, WEFT};

/// How long any one wait may take before the test fails.
pub const DEADLINE: Duration = Duration::from_secs(60);

/// A running `weft serve`, stopped when dropped.
pub struct Serve {
    child: Child,
    pub port: u16,
    log: Arc<Mutex<String>>,
}

/// One HTTP response.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: HashMap<String, String>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn header(&self, name: &str) -> &str {
        self.headers.get(name).map_or("", String::as_str)
    }
}

impl Serve {
    /// `weft --root ROOT serve --port 0 ARGS`; waits for the URL it prints.
    pub fn start(root: &Path, args: &[&str]) -> Serve {
        Serve::on_port(root, 0, args)
    }

    pub fn on_port(root: &Path, port: u16, args: &[&str]) -> Serve {
        let mut child = Command::new(WEFT)
            .arg("--root")
            .arg(root)
            .args(["serve", "--port", &port.to_string()])
            .args(args)
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start weft serve");
        let log = Arc::new(Mutex::new(String::new()));
        let keep = log.clone();
        let stderr = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let mut log = keep.lock().unwrap();
                log.push_str(&line);
                log.push('\n');
            }
        });
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        stdout
            .read_line(&mut line)
            .expect("read weft serve's output");
        let port = line
            .split("http://127.0.0.1:")
            .nth(1)
            .and_then(|rest| rest.split('/').next())
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "weft serve printed no URL: {line:?}\nstderr:\n{}",
                    log.lock().unwrap()
                )
            });
        Serve { child, port, log }
    }

    /// What the server printed on stderr so far.
    pub fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// `GET path`.
    pub fn get(&self, path: &str) -> Reply {
        self.request("GET", path)
    }

    /// Sends `METHOD target HTTP/1.1` as it is (no normalisation of the target).
    pub fn request(&self, method: &str, target: &str) -> Reply {
        request(self.port, method, target)
    }

    /// Polls `path` until `ok` holds for the reply; fails with the last reply after the deadline.
    pub fn wait_for(&self, path: &str, what: &str, ok: impl Fn(&Reply) -> bool) -> Reply {
        let deadline = Instant::now() + DEADLINE;
        loop {
            let reply = self.get(path);
            if ok(&reply) {
                return reply;
            }
            assert!(
                Instant::now() < deadline,
                "{path}: {what} did not happen within {DEADLINE:?}; last reply {} {}\nserver said:\n{}",
                reply.status,
                reply.text(),
                self.log()
            );
            std::thread::yield_now();
        }
    }

    /// A live-reload client, connected once its `hello` arrived.
    pub fn events(&self) -> Events {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).expect("connect");
        write!(
            stream,
            "GET /__weft/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n"
        )
        .unwrap();
        let mut events = Events {
            reader: BufReader::new(stream),
            hello: String::new(),
        };
        events.hello = events.wait("hello");
        events
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One raw HTTP/1.1 request with `Connection: close`.
pub fn request(port: u16, method: &str, target: &str) -> Reply {
    request_with(port, method, target, &["Host: 127.0.0.1"])
}

/// One raw HTTP/1.1 request with `Connection: close` and these header lines.
pub fn request_with(port: u16, method: &str, target: &str, headers: &[&str]) -> Reply {
    let mut head = format!("{method} {target} HTTP/1.1\r\n");
    for line in headers {
        head.push_str(line);
        head.push_str("\r\n");
    }
    head.push_str("Connection: close\r\n\r\n");
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect to weft serve");
    stream.set_read_timeout(Some(DEADLINE)).unwrap();
    stream.write_all(head.as_bytes()).unwrap();
    let mut buf = Vec::new();
    stream.read_to_end(&mut buf).expect("read the reply");
    let split = buf
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no header end in {:?}", String::from_utf8_lossy(&buf)));
    let head = String::from_utf8_lossy(&buf[..split]).into_owned();
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .expect("a status line");
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    Reply {
        status,
        headers,
        body: buf[split + 4..].to_vec(),
    }
}

/// A Server-Sent Events stream read line by line.
pub struct Events {
    reader: BufReader<TcpStream>,
    /// The data of the stream's first event, `hello`.
    pub hello: String,
}

impl Events {
    /// The next event (name, data), or a failure after the deadline.
    pub fn next(&mut self) -> (String, String) {
        let deadline = Instant::now() + DEADLINE;
        let (mut name, mut data) = (String::new(), String::new());
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(!left.is_zero(), "no event within {DEADLINE:?}");
            self.reader.get_mut().set_read_timeout(Some(left)).unwrap();
            let mut line = String::new();
            match self.reader.read_line(&mut line) {
                Ok(0) => panic!("the event stream ended"),
                Ok(_) => {}
                Err(e) => panic!("reading the event stream: {e}"),
            }
            let line = line.trim_end_matches(['\r', '\n']);
            if let Some(v) = line.strip_prefix("event: ") {
                name = v.to_string();
            } else if let Some(v) = line.strip_prefix("data: ") {
                data = v.to_string();
            } else if line.is_empty() && !name.is_empty() {
                return (name, data);
            }
        }
    }

    /// Skips events until one named `name`; returns its data.
    pub fn wait(&mut self, name: &str) -> String {
        loop {
            let (n, data) = self.next();
            if n == name {
                return data;
            }
        }
    }
}

fn fixture() -> TestSite {
    TestSite::fixture("serve-site")
}

fn append(site: &TestSite, path: &str, text: &str) {
    let old = std::fs::read_to_string(site.path(path)).unwrap();
    site.write(path, format!("{old}{text}"));
}

#[test]
fn pages_and_files_are_served_with_their_types_and_never_stale() {
    let site = fixture();
    let serve = Serve::start(site.root(), &[]);
    assert_ne!(serve.port, 0);

    let home = serve.get("/");
    assert_eq!(home.status, 200);
    assert_eq!(home.header("content-type"), "text/html; charset=utf-8");
    assert_eq!(home.header("cache-control"), "no-store");
    assert!(home.text().contains("<script src=\"/__weft/live.js\""));

    let kenya = serve.get("/countries/kenya/");
    assert_eq!(kenya.status, 200);
    assert!(kenya.text().contains("Kenya signed an MOU in 1992."));
    assert_eq!(serve.get("/countries/kenya/index.html").body, kenya.body);

    let folder = serve.get("/countries/kenya");
    assert_eq!(folder.status, 301);
    assert_eq!(folder.header("location"), "/countries/kenya/");

    let css = serve.get("/css/site.css");
    assert_eq!(css.status, 200);
    assert_eq!(css.header("content-type"), "text/css; charset=utf-8");
    assert_eq!(css.text(), "body { background-color: rgb(1, 2, 3); }\n");
    // Kept, but asked for again each time (see the conditional requests below).
    assert_eq!(css.header("cache-control"), "no-cache");

    let photo = serve.get("/news/c/photo.txt");
    assert_eq!((photo.status, photo.text().as_str()), (200, "a photo\n"));
    assert_eq!(photo.header("content-type"), "text/plain; charset=utf-8");
    assert_eq!(
        serve.get("/sitemap.xml").header("content-type"),
        "application/xml"
    );
    assert_eq!(
        serve.get("/favicon.svg").header("content-type"),
        "image/svg+xml"
    );
    assert_eq!(
        serve.get("/__weft/live.js").header("content-type"),
        "text/javascript; charset=utf-8"
    );

    let missing = serve.get("/no/such/page/");
    assert_eq!(missing.status, 404);
    assert_eq!(missing.header("content-type"), "text/html; charset=utf-8");
    assert!(missing.text().contains("<script src=\"/__weft/live.js\""));
    assert!(
        !site.path("public").exists(),
        "weft serve must not write public/"
    );
    assert!(missing.text().contains("Serve fixture"));

    let head = serve.request("HEAD", "/countries/kenya/");
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty());
    assert_eq!(head.header("content-length"), kenya.body.len().to_string());
    assert_eq!(serve.request("POST", "/").status, 405);
}

#[test]
fn weft_build_output_has_no_live_reload_script() {
    let site = fixture();
    site.build();
    for (path, bytes) in site.output() {
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains("__weft"), "{path} mentions __weft");
    }
}

#[test]
fn no_byte_from_outside_the_output_is_served() {
    let outside = tempfile::tempdir().unwrap();
    let secret = outside.path().join("secret.txt");
    std::fs::write(&secret, "TOPSECRET").unwrap();
    // Symbolic links in the site pointing out of it, to a file and to a folder.
    let site = fixture()
        .symlink("static/leak.txt", secret.to_str().unwrap())
        .symlink("static/leakdir", outside.path().to_str().unwrap());
    let serve = Serve::start(site.root(), &[]);
    let attacks = [
        "/../secret.txt",
        "/../../../../../../etc/passwd",
        "/%2e%2e/secret.txt",
        "/%2E%2E/%2E%2E/etc/passwd",
        "/..%2fsecret.txt",
        "/css/..%2f..%2f..%2fsecret.txt",
        "/css/%2e%2e%2f%2e%2e%2fsite.toml",
        "/..%5csecret.txt",
        "/css\\..\\..\\secret.txt",
        "/index.html%00.txt",
        "/%00",
        "//etc/passwd",
        "/etc/passwd",
        "http://127.0.0.1/../secret.txt",
        "/leak.txt",
        "/leak/",
        "/leakdir/secret.txt",
        "/site.toml",
        "/content/about.md",
        "/static/css/site.css",
        "/./site.toml",
        "/%2fetc%2fpasswd",
    ];
    for target in attacks {
        let reply = serve.request("GET", target);
        // The links leaving the site are build errors under serve as under build (503: the
        // site has not built), so nothing behind them is ever served.
        assert!(
            matches!(reply.status, 400 | 404 | 503),
            "{target} answered {}",
            reply.status
        );
        let text = reply.text();
        assert!(!text.contains("TOPSECRET"), "{target} leaked the secret");
        assert!(!text.contains("root:x:0:0"), "{target} leaked /etc/passwd");
        assert!(!text.contains("[collections"), "{target} leaked site.toml");
    }
}

#[test]
fn a_taken_port_is_one_line_with_a_hint_and_exit_code_2() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let site = fixture();
    let run = site.weft(&["serve", "--port", &port]);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{}", run.stderr);
    assert!(
        lines[0].starts_with(&format!("error: cannot listen on 127.0.0.1:{port}: "))
            && lines[0].contains("--port 0"),
        "{}",
        lines[0]
    );
}

#[test]
fn an_edit_is_swapped_in_before_it_is_announced() {
    let site = fixture();
    let serve = Serve::start(site.root(), &[]);
    let mut events = serve.events();
    append(
        &site,
        "content/countries/kenya.md",
        "\nFreshly edited text.\n",
    );
    let data = events.wait("reload");
    assert!(data.contains("\"/countries/kenya/\""), "{data}");
    // Announced only after the swap: the very next request has the new text.
    assert!(serve
        .get("/countries/kenya/")
        .text()
        .contains("Freshly edited text."));
}

#[test]
fn a_stylesheet_edit_is_announced_as_css() {
    let site = fixture();
    let serve = Serve::start(site.root(), &[]);
    let mut events = serve.events();
    site.write(
        "static/css/site.css",
        "body { background-color: rgb(4, 5, 6); }\n",
    );
    let (name, _) = events.next();
    assert_eq!(name, "css");
    assert!(serve.get("/css/site.css").text().contains("rgb(4, 5, 6)"));
}

#[test]
fn a_failed_build_keeps_the_last_good_site_and_reports_every_error() {
    let site = fixture();
    let serve = Serve::start(site.root(), &[]);
    let mut events = serve.events();
    let good = std::fs::read_to_string(site.path("content/news/a.md")).unwrap();
    site.write(
        "content/news/a.md",
        good.replace("title = \"First news\"", "title = \"<b>unclosed"),
    );
    let data = events.wait("errors");
    assert!(data.contains("\"file\":\"content/news/a.md\""), "{data}");
    assert!(data.contains("\"line\":2"), "{data}");
    assert!(data.contains("<b>unclosed"), "{data}");
    // The last good site is still served, and a client connecting now hears of the errors.
    let page = serve.get("/news/a/");
    assert_eq!(page.status, 200);
    assert!(page.text().contains("First news"));
    let mut late = serve.events();
    assert!(late.wait("errors").contains("content/news/a.md"));

    site.write(
        "content/news/a.md",
        good.replace("First news", "First news, fixed"),
    );
    events.wait("ok");
    assert!(events.wait("reload").contains("\"/news/a/\""));
    assert!(serve.get("/news/a/").text().contains("First news, fixed"));
}

#[test]
fn created_deleted_and_renamed_pages_and_folders_are_picked_up() {
    let site = fixture();
    let serve = Serve::start(site.root(), &[]);
    let mut events = serve.events();

    site.write(
        "content/extra/_index.md",
        "+++\ntitle = \"Extra\"\n+++\nA new section.\n",
    );
    site.write("content/extra/x.md", "+++\ntitle = \"X page\"\n+++\nNew.\n");
    serve.wait_for("/extra/x/", "the new page", |r| {
        r.status == 200 && r.text().contains("X page")
    });

    site.remove("content/news/b.md");
    loop {
        let data: serde_json::Value = serde_json::from_str(&events.wait("reload")).unwrap();
        if data["removed"]
            .as_array()
            .unwrap()
            .iter()
            .any(|u| u == "/news/b/")
        {
            break;
        }
    }
    assert_eq!(serve.get("/news/b/").status, 404);

    std::fs::rename(site.path("content/extra"), site.path("content/moved")).unwrap();
    serve.wait_for("/moved/x/", "the moved folder", |r| r.status == 200);
    serve.wait_for("/extra/x/", "the old folder to go", |r| r.status == 404);
}

#[test]
fn editor_temp_files_cause_no_rebuild_and_atomic_saves_are_seen() {
    let site = fixture();
    let serve = Serve::start(site.root(), &[]);
    for temp in [
        "content/.#kenya.md",
        "content/kenya.md~",
        "content/4913",
        "content/.kenya.md.swp",
        "content/#kenya.md#",
    ] {
        site.write(temp, "+++\nnot = [valid\n");
    }
    // An editor's save: write a temporary file beside the page, rename it over the page.
    let text = std::fs::read_to_string(site.path("content/countries/kenya.md")).unwrap();
    site.write(
        "content/countries/.kenya.md.tmp",
        format!("{text}\nSaved by rename.\n"),
    );
    std::fs::rename(
        site.path("content/countries/.kenya.md.tmp"),
        site.path("content/countries/kenya.md"),
    )
    .unwrap();
    serve.wait_for("/countries/kenya/", "the renamed save", |r| {
        r.text().contains("Saved by rename.")
    });
    // The rebuild is logged before it is served; the log is read by another thread.
    let deadline = Instant::now() + DEADLINE;
    while !serve.log().contains("rebuilt") && Instant::now() < deadline {
        std::thread::yield_now();
    }
    let log = serve.log();
    assert_eq!(log.matches("rebuilt").count(), 1, "{log}");
    assert!(!log.contains("error"), "{log}");
}

#[test]
fn polling_sees_edits_too() {
    let site = fixture();
    let serve = Serve::start(site.root(), &["--poll"]);
    append(&site, "content/about.md", "\nPolled change.\n");
    serve.wait_for("/about/", "the polled edit", |r| {
        r.text().contains("Polled change.")
    });
}

#[test]
fn twenty_event_streams_do_not_starve_two_hundred_requests() {
    let site = fixture();
    let serve = Serve::start(site.root(), &[]);
    let streams: Vec<Events> = (0..20).map(|_| serve.events()).collect();
    let port = serve.port;
    let paths = [
        "/",
        "/countries/kenya/",
        "/news/a/",
        "/css/site.css",
        "/programmes/ipec/",
    ];
    let handles: Vec<_> = (0..200)
        .map(|i| {
            let path = paths[i % paths.len()];
            std::thread::spawn(move || request(port, "GET", path).status)
        })
        .collect();
    let statuses: Vec<u16> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    assert_eq!(statuses, vec![200; 200]);
    drop(streams);
}

/// Reads one reply from a keep-alive connection (head, then `Content-Length` bytes); its status.
fn read_reply(reader: &mut BufReader<TcpStream>) -> u16 {
    let mut status = String::new();
    reader.read_line(&mut status).expect("a status line");
    let mut length = 0;
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).expect("a header line");
        if line.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().unwrap();
            }
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).expect("the body");
    status
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap()
}

#[test]
fn bursts_of_connections_kept_open_are_all_answered() {
    // A browser opening several tabs connects several times at once and keeps its connections
    // open. tiny_http's pool left one of a burst unread when a few of its threads had just
    // become free (a thread woken for one connection still counted as free for the next), until
    // some other connection closed: here, never.
    let site = fixture();
    let serve = Serve::start(site.root(), &[]);
    let mut open: Vec<BufReader<TcpStream>> = Vec::new();
    for _ in 0..20 {
        // Two connections close, so two threads of a pool would become free; the pause only
        // gives the server time to see it (no answer depends on it).
        open.drain(..open.len().min(2));
        std::thread::sleep(Duration::from_millis(20));
        let burst: Vec<TcpStream> = (0..8)
            .map(|_| TcpStream::connect(("127.0.0.1", serve.port)).expect("connect"))
            .collect();
        let first = open.len();
        for mut stream in burst {
            stream.set_read_timeout(Some(DEADLINE)).unwrap();
            write!(stream, "GET /news/b/ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").unwrap();
            open.push(BufReader::new(stream));
        }
        for reader in &mut open[first..] {
            assert_eq!(read_reply(reader), 200);
        }
    }
    // Kept alive: every connection still open answers another request.
    for reader in &mut open {
        write!(
            reader.get_mut(),
            "HEAD /about/ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
        )
        .unwrap();
        let mut status = String::new();
        reader.read_line(&mut status).unwrap();
        assert!(status.starts_with("HTTP/1.1 200"), "{status}");
    }
}

#[test]
fn other_pages_keep_answering_200_during_rebuilds() {
    let site = fixture();
    let serve = Serve::start(site.root(), &[]);
    let stop = Arc::new(AtomicBool::new(false));
    let answered = Arc::new(AtomicUsize::new(0));
    let port = serve.port;
    let poller = {
        let (stop, answered) = (stop.clone(), answered.clone());
        std::thread::spawn(move || {
            let mut bad = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                for path in [
                    "/",
                    "/countries/kenya/",
                    "/news/a/",
                    "/programmes/ipec/funding/",
                    "/sitemap.xml",
                ] {
                    let status = request(port, "GET", path).status;
                    answered.fetch_add(1, Ordering::Relaxed);
                    if status != 200 {
                        bad.push((path, status));
                    }
                }
            }
            bad
        })
    };
    // Full rebuilds (a title moves listings; a new page) and fast ones.
    for i in 0..4 {
        let f = "content/news/b.md";
        let text = std::fs::read_to_string(site.path(f)).unwrap();
        let title = text
            .lines()
            .find(|l| l.starts_with("title = "))
            .unwrap()
            .to_string();
        site.write(
            f,
            text.replacen(&title, &format!("title = \"Second news {i}\""), 1),
        );
        serve.wait_for("/news/", "the new title in the listing", |r| {
            r.text().contains(&format!("Second news {i}"))
        });
        site.write(
            &format!("content/news/n{i}.md"),
            format!("+++\ntitle = \"N{i}\"\n+++\nx\n"),
        );
        serve.wait_for(&format!("/news/n{i}/"), "the new page", |r| r.status == 200);
        append(
            &site,
            "content/countries/kenya.md",
            &format!("\nEdit {i}.\n"),
        );
        serve.wait_for("/countries/kenya/", "the edit", |r| {
            r.text().contains(&format!("Edit {i}."))
        });
    }
    stop.store(true, Ordering::Relaxed);
    let bad = poller.join().unwrap();
    assert!(answered.load(Ordering::Relaxed) > 0);
    assert!(
        bad.is_empty(),
        "answers other than 200 during rebuilds: {bad:?}"
    );
}

#[test]
fn each_server_start_says_hello_with_a_new_id() {
    let site = fixture();
    let first = Serve::start(site.root(), &[]);
    let hello_a = first.events().hello;
    let second = Serve::start(site.root(), &[]);
    let hello_b = second.events().hello;
    assert_ne!(hello_a, hello_b);
    // Pages carry the id of the server that served them.
    let page = first.get("/").text();
    let id: String = hello_a
        .split("\"server\":\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    assert!(page.contains(&format!("data-server=\"{id}\"")), "{page}");
}

#[test]
fn a_folder_created_after_the_start_is_watched_too() {
    let site = fixture();
    let serve = Serve::start(site.root(), &[]);
    let lost = |n: &str| format!("<!DOCTYPE html><title>Lost</title><body>Lost {n}</body>");
    site.write("templates/404.html", lost("once"));
    serve.wait_for("/nowhere/", "the new template", |r| {
        r.status == 404 && r.text().contains("Lost once")
    });
    site.write("templates/404.html", lost("twice"));
    serve.wait_for("/nowhere/", "the edited template", |r| {
        r.text().contains("Lost twice")
    });
}

#[test]
fn open_hands_the_served_url_to_the_desktop_opener() {
    let site = fixture();
    // A stand-in `xdg-open` first on PATH records the URL it was given.
    let bin = tempfile::tempdir().unwrap();
    let record = bin.path().join("opened.txt");
    let opener = bin.path().join("xdg-open");
    std::fs::write(
        &opener,
        format!("#!/bin/sh\necho \"$1\" > {}\n", record.display()),
    )
    .unwrap();
    std::fs::set_permissions(&opener, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let path = format!(
        "{}:{}",
        bin.path().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut child = Command::new(WEFT)
        .arg("--root")
        .arg(site.root())
        .args(["serve", "--port", "0", "--open"])
        .env("PATH", path)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start weft serve --open");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let opened = loop {
        match std::fs::read_to_string(&record) {
            Ok(text) if text.ends_with('\n') => break text,
            _ if std::time::Instant::now() > deadline => {
                let _ = child.kill();
                panic!("the opener was not called; weft printed {line:?}");
            }
            _ => std::thread::sleep(Duration::from_millis(5)),
        }
    };
    let _ = child.kill();
    let _ = child.wait();
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://127.0.0.1:"))
        .unwrap();
    assert_eq!(opened.trim(), url);
}

#[test]
fn unchanged_files_are_answered_304_and_changed_ones_in_full() {
    let site = fixture();
    let serve = Serve::start(site.root(), &[]);
    let css = serve.get("/css/site.css");
    let etag = css.header("etag").to_string();
    assert!(etag.starts_with('"') && etag.ends_with('"'), "{etag:?}");
    let again = |tag: &str| {
        let condition = format!("If-None-Match: {tag}");
        request_with(
            serve.port,
            "GET",
            "/css/site.css",
            &["Host: 127.0.0.1", &condition],
        )
    };
    let unchanged = again(&etag);
    assert_eq!(unchanged.status, 304);
    assert!(unchanged.body.is_empty());
    assert_eq!(unchanged.header("etag"), etag);
    assert_eq!(unchanged.header("cache-control"), "no-cache");
    assert_eq!(again(&format!("\"other\", W/{etag}")).status, 304);
    assert_eq!(again("\"other\"").status, 200);

    // Pages are tagged too (with the script stamped in), and files made by the build.
    for path in [
        "/countries/kenya/",
        "/sitemap.xml",
        "/news/c/photo.txt",
        "/__weft/live.js",
    ] {
        let first = serve.get(path);
        assert_eq!(first.status, 200, "{path}");
        let condition = format!("If-None-Match: {}", first.header("etag"));
        let second = request_with(serve.port, "GET", path, &["Host: 127.0.0.1", &condition]);
        assert_eq!(second.status, 304, "{path}");
        let head = request_with(serve.port, "HEAD", path, &["Host: 127.0.0.1", &condition]);
        assert_eq!(head.status, 304, "{path}");
    }
    assert_eq!(serve.get("/no/such/page/").header("etag"), "");

    // A changed file is sent in full, with its new tag.
    let mut events = serve.events();
    site.write("static/css/site.css", "body { color: rgb(7, 8, 9); }\n");
    events.wait("css");
    let changed = again(&etag);
    assert_eq!(changed.status, 200);
    assert_eq!(changed.text(), "body { color: rgb(7, 8, 9); }\n");
    assert_ne!(changed.header("etag"), etag);
}

#[test]
fn requests_for_other_host_names_are_refused() {
    let site = fixture();
    let serve = Serve::start(site.root(), &["--allow-host", "docs.test"]);
    let with_host = |host: &str| {
        let line = format!("Host: {host}");
        request_with(serve.port, "GET", "/countries/kenya/", &[&line])
    };
    for host in [
        "127.0.0.1",
        &format!("127.0.0.1:{}", serve.port),
        &format!("localhost:{}", serve.port),
        "[::1]:4000",
        "192.168.1.20:4000",
        "docs.test:8080",
    ] {
        assert_eq!(with_host(host).status, 200, "{host}");
    }
    let refused = with_host(&format!("evil.example:{}", serve.port));
    assert_eq!(refused.status, 403);
    assert_eq!(refused.header("content-type"), "text/plain; charset=utf-8");
    assert_eq!(
        refused.text(),
        "weft serve answers only requests for this machine (localhost, an IP address) or for a \
         name allowed with --allow-host; this one was for \"evil.example\".\n\
         Another site can point a name of its own at this machine to read the preview through \
         your browser (DNS rebinding), so other names are refused.\n\
         If you opened the preview under this name yourself, restart with: weft serve \
         --allow-host evil.example\n"
    );
    for host in ["docs.test.evil.example", "localhost.evil.example"] {
        assert_eq!(with_host(host).status, 403, "{host}");
    }
    // Nor the event stream, the script, or an absolute target naming another host.
    let events = request_with(serve.port, "GET", "/__weft/events", &["Host: evil.example"]);
    assert_eq!(events.status, 403);
    let script = request_with(
        serve.port,
        "GET",
        "/__weft/live.js",
        &["Host: evil.example"],
    );
    assert_eq!(script.status, 403);
    let absolute = request_with(
        serve.port,
        "GET",
        "http://evil.example/countries/kenya/",
        &["Host: 127.0.0.1"],
    );
    assert_eq!(absolute.status, 403);
    assert_eq!(request_with(serve.port, "GET", "/", &[]).status, 400);
}

#[test]
fn binding_every_interface_says_so_and_warns() {
    let site = fixture();
    let mut child = Command::new(WEFT)
        .arg("--root")
        .arg(site.root())
        .args(["serve", "--port", "0", "--bind", "0.0.0.0"])
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start weft serve");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let _ = child.kill();
    let _ = child.wait();
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let port = line
        .split("0.0.0.0:")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .unwrap_or_else(|| panic!("no 0.0.0.0:PORT in {line:?}"));
    let root = site.root().display();
    assert_eq!(
        line.trim_end(),
        format!(
            "serving {root} on 0.0.0.0:{port} (every network interface), on this machine at \
             http://127.0.0.1:{port}/ (Ctrl-C to stop)"
        )
    );
    assert!(
        stderr.contains(&format!(
            "warning: listening on every network interface (0.0.0.0:{port}): anyone who can \
             reach this machine can read the site (the default, --bind 127.0.0.1, keeps it to \
             this machine)\n"
        )),
        "{stderr}"
    );
}

/// How long another request may take while slow clients hold connections.
const PROMPT: Duration = Duration::from_millis(100);

/// The time `GET path` takes on a fresh connection, answer included (a 200 is required).
fn timed_get(port: u16, path: &str) -> Duration {
    let start = Instant::now();
    let reply = request(port, "GET", path);
    let took = start.elapsed();
    assert_eq!(reply.status, 200, "{path}");
    took
}

/// Asserts that requests are answered within [`PROMPT`]: five in a row, the fastest counting
/// (so that a busy shared machine does not fail the test; a server held up by the slow
/// clients answers none of them in time).
fn assert_prompt(port: u16, what: &str) {
    let times: Vec<Duration> = (0..5).map(|_| timed_get(port, "/news/a/")).collect();
    let best = *times.iter().min().unwrap();
    assert!(best < PROMPT, "{what}: requests took {times:?}");
}

#[test]
fn three_hundred_idle_half_open_connections_do_not_delay_a_request() {
    let site = fixture();
    let serve = Serve::start(site.root(), &[]);
    let port = serve.port;
    // Half send nothing; half start a request and stop in the middle of its head.
    let idle: Vec<TcpStream> = (0..300)
        .map(|i| {
            let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
            if i % 2 == 1 {
                stream.write_all(b"GET /news/a/ HTTP/1.1\r\nHo").unwrap();
            }
            stream
        })
        .collect();
    assert_prompt(port, "with 300 idle connections");
    // And the half-sent requests are answered once they are finished.
    for mut stream in idle.into_iter().skip(1).step_by(50) {
        stream.write_all(b"st: 127.0.0.1\r\n\r\n").unwrap();
        stream.set_read_timeout(Some(DEADLINE)).unwrap();
        let mut status = String::new();
        BufReader::new(stream).read_line(&mut status).unwrap();
        assert!(status.starts_with("HTTP/1.1 200"), "{status:?}");
    }
}

#[test]
fn a_client_sending_a_byte_a_second_does_not_delay_others() {
    let site = fixture();
    let serve = Serve::start(site.root(), &[]);
    let port = serve.port;
    let slow_request = b"GET /news/a/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    let mut slow = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    slow.set_read_timeout(Some(DEADLINE)).unwrap();
    // Four seconds of a byte a second, other requests answered promptly meanwhile.
    for (i, byte) in slow_request.iter().take(4).enumerate() {
        slow.write_all(&[*byte]).unwrap();
        assert_prompt(port, &format!("after the slow client's byte {}", i + 1));
        std::thread::sleep(Duration::from_secs(1));
    }
    // The slow client is served too, once its request is whole.
    slow.write_all(&slow_request[4..]).unwrap();
    let mut answer = String::new();
    slow.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}
