//! `weft serve`: the preview server. Each connection is answered on its own thread, which
//! serves the current [`Snapshot`] from memory; a watcher thread applies changes to the
//! [`Session`], swaps the new snapshot in, and only then tells the browsers over Server-Sent
//! Events (`/__weft/events`).
//!
//! Serving never touches the file system except to copy an asset the build listed, so no URL
//! can reach a byte outside the site: a path is looked up in the output and asset maps, after
//! refusing `..`, encoded slashes, backslashes and NUL. HTML responses get the live-reload
//! script (`/__weft/live.js`) injected here, never in `weft build` output. An event stream
//! stays on its connection's thread, so live-reload clients never hold anyone else's.
//!
//! The HTTP/1.1 here is deliberately small (GET and HEAD, keep-alive, no request bodies). It
//! replaced tiny_http 0.12, whose connection pool can leave a new connection unread for as
//! long as every other connection stays open: `TaskPool::spawn` queues the connection when it
//! counts an idle thread, but a thread already woken for the previous connection (and not yet
//! running it) still counts as idle, so in a burst of connections (a browser opening several
//! tabs) one is queued with no thread to take it, and waits until some other connection
//! closes. With keep-alive sockets and event streams that may be never: a tab's first page
//! request then hangs (seen with eight Chromium tabs: the request sat unread in the socket).

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex, RwLock};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::error::Errors;
use crate::load::AssetSource;
use crate::session::{Session, Snapshot, Update};
use crate::watch::{ChangeSet, Waker, Watcher};
use crate::Options;

/// Where the event stream and the script live.
pub const EVENTS_PATH: &str = "/__weft/events";
pub const SCRIPT_PATH: &str = "/__weft/live.js";
/// How long a connection may wait for (or take to send) its next request, or stall a write,
/// before it is closed: only so that abandoned sockets give their threads back. A browser
/// notices its idle connection was closed, and retries on a fresh one a request that was sent
/// just as it closed.
const IDLE: Duration = Duration::from_secs(120);
/// The longest request head (request line and headers) read.
const MAX_HEAD: usize = 64 * 1024;
/// How long a request for a stale site-wide file waits for it to be made.
const STALE_WAIT: Duration = Duration::from_secs(120);
/// A comment is sent this often on an idle event stream, so dead clients are noticed.
const KEEPALIVE: Duration = Duration::from_secs(10);

const LIVE_JS: &str = include_str!("serve/live.js");

/// How to serve.
#[derive(Clone, Debug)]
pub struct ServeOptions {
    pub bind: String,
    pub port: u16,
    pub poll: bool,
    /// Open the site in the system's browser once it is served.
    pub open: bool,
}

/// Hands `url` to the desktop's opener (`xdg-open`, or `open` on macOS); a machine without
/// one gets a note, never a failure: the URL is printed anyway.
fn open_browser(url: &str) {
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    let started = std::process::Command::new(opener)
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
    if let Err(e) = started {
        eprintln!("note: could not open a browser ({opener}: {e}); open {url} yourself");
    }
}

/// Why the server could not start.
#[derive(Debug)]
pub enum StartError {
    /// What to print (one line, with a hint, for a taken port).
    Fatal(String),
}

/// Binds the listener: a taken port is one line with a hint.
pub fn listen(bind: &str, port: u16) -> Result<TcpListener, StartError> {
    TcpListener::bind((bind, port)).map_err(|e| {
        let hint = match e.kind() {
            io::ErrorKind::AddrInUse => {
                " (another server is using it: stop it, or pick another with --port N, or any free one with --port 0)"
            }
            io::ErrorKind::AddrNotAvailable => " (is --bind an address of this machine?)",
            io::ErrorKind::PermissionDenied => " (ports below 1024 need privileges: try --port 4000)",
            _ => "",
        };
        StartError::Fatal(format!("error: cannot listen on {bind}:{port}: {e}{hint}"))
    })
}

/// What the request handlers share with the rebuild loop.
pub struct Hub {
    snapshot: RwLock<Arc<Snapshot>>,
    /// JSON list of the current build errors, when the last build failed.
    errors: RwLock<Option<String>>,
    clients: Mutex<Vec<Sender<Arc<str>>>>,
    /// Changes with each server start, so pages reload after a restart.
    server_id: String,
    /// Counts the snapshots published. Each page is stamped with it and each event stream
    /// starts with it, so a tab whose script starts after a reload was announced (a tab still
    /// loading, or one that joins the shared stream late) sees it missed one and reloads.
    generation: AtomicU64,
    /// A request waits for stale site-wide files (see [`Snapshot::stale`]).
    demanded: AtomicBool,
    waker: Mutex<Option<Waker>>,
    /// The site's folder, resolved: an asset whose real path is elsewhere is never served.
    root: PathBuf,
}

impl Hub {
    pub fn new(root: &Path, snapshot: Arc<Snapshot>) -> Arc<Hub> {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        Arc::new(Hub {
            snapshot: RwLock::new(snapshot),
            errors: RwLock::new(None),
            clients: Mutex::new(Vec::new()),
            server_id: format!("{:x}-{:x}", nanos, std::process::id()),
            generation: AtomicU64::new(0),
            demanded: AtomicBool::new(false),
            waker: Mutex::new(None),
            root: root.canonicalize().unwrap_or_else(|_| root.to_path_buf()),
        })
    }

    fn current(&self) -> Arc<Snapshot> {
        self.snapshot.read().unwrap().clone()
    }

    /// Lets requests wake the rebuild loop blocked on `waker`'s watcher.
    pub fn set_waker(&self, waker: Waker) {
        *self.waker.lock().unwrap() = Some(waker);
    }

    /// Whether a request asked for the stale site-wide files (and forgets the request).
    pub fn take_demand(&self) -> bool {
        self.demanded.swap(false, Ordering::AcqRel)
    }

    /// The snapshot with `key` up to date: asks the rebuild loop to make the site-wide files
    /// and waits for them (at most `STALE_WAIT`, then serves what there is). With it, the
    /// generation read just before it: the snapshot is at least that new (`publish` swaps
    /// first, then counts), so a page stamped with it never claims to be newer than it is.
    fn fresh(&self, key: &str) -> (u64, Arc<Snapshot>) {
        let deadline = Instant::now() + STALE_WAIT;
        loop {
            let generation = self.generation.load(Ordering::Acquire);
            let snapshot = self.current();
            if !snapshot.stale.contains(key) || Instant::now() > deadline {
                return (generation, snapshot);
            }
            if !self.demanded.swap(true, Ordering::AcqRel) {
                if let Some(w) = self.waker.lock().unwrap().as_ref() {
                    w.wake();
                }
            }
            thread::sleep(Duration::from_millis(5));
        }
    }

    /// Swaps in a new build; only then are clients told.
    pub fn publish(&self, snapshot: Arc<Snapshot>, update: &Update) {
        *self.snapshot.write().unwrap() = snapshot;
        let generation = self.generation.fetch_add(1, Ordering::AcqRel) + 1;
        let had_errors = self.errors.write().unwrap().take().is_some();
        let urls = |paths: &[String]| -> Vec<String> { paths.iter().map(|p| url_of(p)).collect() };
        let data = serde_json::json!({
            "changed": urls(&update.changed),
            "removed": urls(&update.removed),
            "generation": generation,
        });
        if had_errors {
            self.broadcast("ok", "{}");
        }
        if !update.changed.is_empty() || !update.removed.is_empty() || had_errors {
            self.broadcast("reload", &data.to_string());
        }
    }

    /// A failed build: the last good site stays; clients show the errors.
    pub fn fail(&self, errors: &Errors) {
        let list: Vec<serde_json::Value> = errors
            .iter()
            .map(|e| {
                let loc = e.location.as_ref();
                serde_json::json!({
                    "message": e.message,
                    "file": loc.map(|l| l.file.clone()),
                    "line": loc.map(|l| l.line),
                    "column": loc.map(|l| l.column),
                    "text": e.render(false),
                })
            })
            .collect();
        let json = serde_json::Value::from(list).to_string();
        *self.errors.write().unwrap() = Some(json.clone());
        self.broadcast("errors", &json);
    }

    /// Stylesheets changed on disk: swap them in place.
    pub fn css(&self) {
        self.broadcast("css", "{}");
    }

    /// Something every page may use changed (a script, an image): reload every page.
    pub fn reload_all(&self) {
        let generation = self.generation.fetch_add(1, Ordering::AcqRel) + 1;
        let data = serde_json::json!({ "all": true, "generation": generation });
        self.broadcast("reload", &data.to_string());
    }

    fn broadcast(&self, event: &str, data: &str) {
        let message: Arc<str> = Arc::from(format!("event: {event}\ndata: {data}\n\n"));
        self.clients
            .lock()
            .unwrap()
            .retain(|c| c.send(message.clone()).is_ok());
    }

    /// Live event streams (tests wait for their clients with it).
    pub fn client_count(&self) -> usize {
        self.clients.lock().unwrap().len()
    }
}

/// `countries/kenya/index.html` -> `/countries/kenya/`.
fn url_of(path: &str) -> String {
    match path.strip_suffix("index.html") {
        Some(dir) if dir.is_empty() || dir.ends_with('/') => format!("/{dir}"),
        _ => format!("/{path}"),
    }
}

/// Accepts connections on `listener`, each answered on a thread of its own for its whole life:
/// an idle keep-alive connection, an event stream or a request waiting for stale files never
/// keeps another connection waiting (a pool of threads would: see the module's notes).
pub fn spawn_server(listener: TcpListener, hub: Arc<Hub>) {
    thread::spawn(move || {
        for stream in listener.incoming() {
            match stream {
                Ok(stream) => {
                    let hub = hub.clone();
                    // Out of threads: this connection is dropped (the browser retries), the
                    // server goes on.
                    let _ = thread::Builder::new().spawn(move || connection(stream, &hub));
                }
                // Out of file descriptors, say: wait for some to be closed instead of spinning.
                Err(_) => thread::sleep(Duration::from_millis(10)),
            }
        }
    });
}

/// Runs `weft serve` until interrupted. Prints the URL, then one line per rebuild.
pub fn run(root: &Path, mut options: Options, serve: &ServeOptions) -> Result<(), StartError> {
    if let Err(e) = crate::load::config(root) {
        if e.kind == crate::ErrorKind::Io {
            return Err(StartError::Fatal(e.render(false)));
        }
    }
    let listener = listen(&serve.bind, serve.port)?;
    let addr: SocketAddr = listener
        .local_addr()
        .map_err(|e| StartError::Fatal(format!("error: {e}")))?;
    let host = if addr.ip().is_unspecified() {
        "127.0.0.1".to_string()
    } else if addr.is_ipv6() {
        format!("[{}]", addr.ip())
    } else {
        addr.ip().to_string()
    };
    let base = format!("http://{host}:{}/", addr.port());
    options.serve = true;
    options.base_url = Some(base.clone());
    // Watching starts first, so no change made once the URL is printed can be missed.
    let mut watcher = Watcher::start(root, serve.poll)
        .map_err(|e| StartError::Fatal(format!("error: cannot watch {}: {e}", root.display())))?;
    let mut session = Session::open(root, options);
    let first = session.rebuild_all();
    let hub = Hub::new(root, session.snapshot());
    match &first {
        Ok(u) => eprintln!(
            "built {} pages in {} ms",
            session.snapshot().pages,
            u.took.as_millis()
        ),
        Err(errors) => {
            eprintln!("{}", errors.render(false));
            hub.fail(errors);
        }
    }
    spawn_server(listener, hub.clone());
    println!("serving {} at {base} (Ctrl-C to stop)", root.display());
    let _ = io::stdout().flush();
    if serve.open {
        open_browser(&base);
    }
    hub.set_waker(watcher.waker());
    session.warm();
    while let Some(next) = watcher.next() {
        match next {
            Ok(changes) => rebuild(&mut session, &hub, &changes),
            Err(e) => eprintln!("warning: file watcher: {e}"),
        }
        if hub.take_demand() {
            complete(&mut session, &hub);
        }
    }
    Ok(())
}

/// Applies one change set: rebuild, swap, notify; then the slower site-wide files.
pub fn rebuild(session: &mut Session, hub: &Hub, changes: &ChangeSet) {
    if changes.is_css_only() {
        hub.css();
        return;
    }
    if !changes.needs_build() {
        if !changes.statics.is_empty() {
            hub.reload_all();
        }
        return;
    }
    let mut early = |snapshot: Arc<Snapshot>, update: &Update| {
        eprintln!(
            "rebuilt in {} ms: {} pages rendered first, the rest follow",
            update.took.as_millis(),
            update.rendered
        );
        hub.publish(snapshot, update);
    };
    match session.apply(changes, &mut early) {
        Ok(update) => {
            eprintln!(
                "rebuilt in {} ms: {} pages rendered{}, {} files changed",
                update.took.as_millis(),
                update.rendered,
                if update.full { " (full build)" } else { "" },
                update.changed.len() + update.removed.len()
            );
            hub.publish(session.snapshot(), &update);
            if !changes.statics.is_empty() {
                hub.reload_all();
            }
            session.warm();
        }
        Err(errors) => {
            eprintln!("{}", errors.render(false));
            hub.fail(&errors);
        }
    }
}

/// Makes the site-wide files that a fast rebuild left stale, and serves them.
pub fn complete(session: &mut Session, hub: &Hub) {
    if let Some(update) = session.complete() {
        hub.publish(session.snapshot(), &update);
    }
}

/// One request's head: all of a request this server reads (GET and HEAD have no body).
#[derive(Debug, PartialEq)]
struct Request {
    method: String,
    target: String,
    /// Whether the connection stays open after the answer (HTTP/1.1 unless `Connection:
    /// close`; HTTP/1.0 only with `Connection: keep-alive`).
    keep_alive: bool,
    /// The request announced a body (`Content-Length` other than 0, or `Transfer-Encoding`).
    /// It is never read: the connection is closed after the answer instead.
    has_body: bool,
}

/// A complete response, written with its `Content-Length`.
#[derive(Debug)]
struct Reply {
    status: u16,
    headers: Vec<(&'static str, String)>,
    body: Vec<u8>,
}

impl Reply {
    fn with_header(mut self, name: &'static str, value: &str) -> Reply {
        self.headers.push((name, value.to_string()));
        self
    }
}

/// What a request gets.
enum Answer {
    Reply(Reply),
    /// The live-reload event stream, written on the connection until it closes.
    Events,
}

/// Answers requests on one connection until it closes, idles out, asks to be closed, sends
/// something that is not a request, or turns into an event stream.
fn connection(stream: TcpStream, hub: &Hub) {
    let _ = stream.set_nodelay(true);
    let _ = stream.set_read_timeout(Some(IDLE));
    let _ = stream.set_write_timeout(Some(IDLE));
    let Ok(read) = stream.try_clone() else { return };
    let mut reader = BufReader::new(read);
    let mut out = stream;
    loop {
        let request = match read_request(&mut reader) {
            Ok(Some(request)) => request,
            Ok(None) => return,
            Err(status) => {
                let reply = body(
                    status,
                    "text/plain; charset=utf-8",
                    b"bad request\n".to_vec(),
                );
                let _ = write_reply(&mut out, &reply, false, false);
                return;
            }
        };
        match route(&request, hub) {
            Answer::Events => return events(out, hub),
            Answer::Reply(reply) => {
                // A body left unread would be taken for the next request: close instead.
                let keep_alive = request.keep_alive && !request.has_body;
                let head_only = request.method == "HEAD";
                if write_reply(&mut out, &reply, head_only, keep_alive).is_err() || !keep_alive {
                    return;
                }
            }
        }
    }
}

/// Reads the next request's head. `Ok(None)`: the connection closed or idled out before a
/// whole head came; `Err(status)`: what to answer something that is not an HTTP/1.x request
/// (before closing the connection).
fn read_request(reader: &mut impl BufRead) -> Result<Option<Request>, u16> {
    let mut lines = Vec::new();
    let mut size = 0;
    loop {
        let mut line = Vec::new();
        let limit = (MAX_HEAD - size) as u64;
        match reader.by_ref().take(limit).read_until(b'\n', &mut line) {
            Ok(0) | Err(_) => return Ok(None),
            Ok(n) => size += n,
        }
        if !line.ends_with(b"\n") {
            // The head is too long, or the connection closed in the middle of a line.
            return if size >= MAX_HEAD { Err(431) } else { Ok(None) };
        }
        line.pop();
        if line.last() == Some(&b'\r') {
            line.pop();
        }
        if line.is_empty() {
            // Empty lines before the request line are ignored (RFC 9112, section 2.2).
            if lines.is_empty() {
                continue;
            }
            break;
        }
        lines.push(String::from_utf8(line).map_err(|_| 400u16)?);
    }
    let mut words = lines[0].split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (words.next(), words.next(), words.next(), words.next())
    else {
        return Err(400);
    };
    let http10 = match version {
        "HTTP/1.1" => false,
        "HTTP/1.0" => true,
        v if v.starts_with("HTTP/") => return Err(505),
        _ => return Err(400),
    };
    if method.is_empty() || target.is_empty() {
        return Err(400);
    }
    let (mut close, mut keep, mut has_body) = (false, false, false);
    for line in &lines[1..] {
        let (name, value) = line.split_once(':').ok_or(400u16)?;
        let value = value.trim();
        if name.eq_ignore_ascii_case("connection") {
            for token in value.split(',').map(str::trim) {
                close |= token.eq_ignore_ascii_case("close");
                keep |= token.eq_ignore_ascii_case("keep-alive");
            }
        } else if name.eq_ignore_ascii_case("content-length") {
            has_body |= value.parse::<u64>().map_err(|_| 400u16)? != 0;
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            has_body = true;
        }
    }
    Ok(Some(Request {
        method: method.to_string(),
        target: target.to_string(),
        keep_alive: !close && (!http10 || keep),
        has_body,
    }))
}

/// Writes `reply` (only its head for HEAD), saying `Connection: close` when the connection
/// ends after it.
fn write_reply(
    out: &mut impl Write,
    reply: &Reply,
    head_only: bool,
    keep_alive: bool,
) -> io::Result<()> {
    let mut head = format!("HTTP/1.1 {} {}\r\n", reply.status, reason(reply.status));
    for (name, value) in &reply.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!("Content-Length: {}\r\n", reply.body.len()));
    if !keep_alive {
        head.push_str("Connection: close\r\n");
    }
    head.push_str("\r\n");
    // One write, so the head and the body leave together.
    let mut bytes = head.into_bytes();
    if !head_only {
        bytes.extend_from_slice(&reply.body);
    }
    out.write_all(&bytes)?;
    out.flush()
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        301 => "Moved Permanently",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        431 => "Request Header Fields Too Large",
        503 => "Service Unavailable",
        505 => "HTTP Version Not Supported",
        _ => "",
    }
}

/// Answers one request.
fn route(request: &Request, hub: &Hub) -> Answer {
    if request.method != "GET" && request.method != "HEAD" {
        let r = body(
            405,
            "text/plain; charset=utf-8",
            b"method not allowed\n".to_vec(),
        );
        return Answer::Reply(r.with_header("Allow", "GET, HEAD"));
    }
    let path = request.target.split(['?', '#']).next().unwrap_or("");
    if path == EVENTS_PATH {
        if request.method == "HEAD" {
            return Answer::Reply(body(200, "text/event-stream", Vec::new()));
        }
        return Answer::Events;
    }
    if path == SCRIPT_PATH {
        let script = LIVE_JS.as_bytes().to_vec();
        return Answer::Reply(body(200, "text/javascript; charset=utf-8", script));
    }
    Answer::Reply(match resolve(path) {
        Err(status) => body(
            status,
            "text/plain; charset=utf-8",
            b"bad request\n".to_vec(),
        ),
        Ok(key) => {
            let (generation, snapshot) = hub.fresh(&key);
            lookup(&snapshot, generation, &key, path, hub)
        }
    })
}

/// The output path a URL path names: percent-decoded segment by segment; `..`, `.`, empty
/// inner segments, encoded `/`, backslashes and NUL are refused (400).
pub fn resolve(path: &str) -> Result<String, u16> {
    let rest = path.strip_prefix('/').ok_or(400u16)?;
    let segments: Vec<&str> = rest.split('/').collect();
    let mut out = Vec::with_capacity(segments.len());
    for (i, raw) in segments.iter().enumerate() {
        let last = i + 1 == segments.len();
        if raw.is_empty() {
            if last {
                continue;
            }
            return Err(400);
        }
        let seg = percent_decode(raw).ok_or(400u16)?;
        if seg == "."
            || seg == ".."
            || seg.contains(['/', '\\', '\0'])
            || seg.chars().any(char::is_control)
        {
            return Err(400);
        }
        out.push(seg);
    }
    let mut key = out.join("/");
    if rest.is_empty() || rest.ends_with('/') {
        if !key.is_empty() {
            key.push('/');
        }
        key.push_str("index.html");
    }
    Ok(key)
}

/// Strict, unlike `percent_encoding::percent_decode_str`: a malformed escape or bytes that are
/// not UTF-8 make the request a 400 instead of being passed through.
fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn lookup(snapshot: &Snapshot, generation: u64, key: &str, path: &str, hub: &Hub) -> Reply {
    let page = |status, key, bytes: &[u8]| page(status, key, bytes, &hub.server_id, generation);
    if let Some(bytes) = snapshot.outputs.get(key) {
        return page(200, key, bytes);
    }
    if let Some(asset) = snapshot.assets.get(key) {
        if let Some(bytes) = read_asset(&asset.source, &hub.root) {
            return body(200, content_type(key), bytes);
        }
    }
    // A folder asked for without its trailing slash.
    let folder = format!("{key}/index.html");
    if !key.ends_with("index.html") && snapshot.outputs.contains_key(&folder) {
        return body(301, "text/plain; charset=utf-8", Vec::new())
            .with_header("Location", &format!("{path}/"));
    }
    match snapshot.outputs.get("404.html") {
        Some(bytes) => page(404, "404.html", bytes),
        None if snapshot.outputs.is_empty() => page(
            503,
            "index.html",
            b"<!DOCTYPE html><title>weft: build failed</title><body><p>The site has not built yet.</p></body>",
        ),
        None => body(404, "text/plain; charset=utf-8", b"not found\n".to_vec()),
    }
}

/// An asset's bytes: built-in, or a regular file whose real path is inside the site (a
/// symbolic link pointing out of it is refused).
fn read_asset(source: &AssetSource, root: &Path) -> Option<Vec<u8>> {
    match source {
        AssetSource::Embedded(bytes) => Some(bytes.to_vec()),
        AssetSource::Disk(path) => {
            let real = path.canonicalize().ok()?;
            if !real.starts_with(root) || !std::fs::metadata(&real).ok()?.is_file() {
                return None;
            }
            std::fs::read(real).ok()
        }
    }
}

/// A response from the snapshot; HTML gets the live-reload script.
fn page(status: u16, key: &str, bytes: &[u8], server_id: &str, generation: u64) -> Reply {
    let ct = content_type(key);
    if ct.starts_with("text/html") {
        body(status, ct, inject(bytes, server_id, generation))
    } else {
        body(status, ct, bytes.to_vec())
    }
}

/// Inserts the live-reload script before `</body>` (or at the end), stamped with the server
/// and the generation of the snapshot the page comes from.
pub fn inject(html: &[u8], server_id: &str, generation: u64) -> Vec<u8> {
    let tag = format!(
        "<script src=\"{SCRIPT_PATH}\" data-server=\"{server_id}\" data-generation=\"{generation}\"></script>"
    );
    let at = html
        .windows(7)
        .rposition(|w| w.eq_ignore_ascii_case(b"</body>"))
        .unwrap_or(html.len());
    let mut out = Vec::with_capacity(html.len() + tag.len());
    out.extend_from_slice(&html[..at]);
    out.extend_from_slice(tag.as_bytes());
    out.extend_from_slice(&html[at..]);
    out
}

fn body(status: u16, content_type: &str, bytes: Vec<u8>) -> Reply {
    Reply {
        status,
        headers: vec![
            ("Content-Type", content_type.to_string()),
            ("Cache-Control", "no-store".to_string()),
        ],
        body: bytes,
    }
}

/// The content type of an output path, by extension.
pub fn content_type(path: &str) -> &'static str {
    let ext = path.rsplit_once('.').map_or("", |(_, e)| e);
    match ext.to_ascii_lowercase().as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "xml" => "application/xml",
        "txt" => "text/plain; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "avif" => "image/avif",
        "ico" => "image/x-icon",
        "pdf" => "application/pdf",
        "woff" => "font/woff",
        "woff2" => "font/woff2",
        "ttf" => "font/ttf",
        "otf" => "font/otf",
        "wasm" => "application/wasm",
        "map" => "application/json",
        "csv" => "text/csv; charset=utf-8",
        "md" => "text/markdown; charset=utf-8",
        "mp4" => "video/mp4",
        "webm" => "video/webm",
        "mp3" => "audio/mpeg",
        "zip" => "application/zip",
        _ => "application/octet-stream",
    }
}

/// One live-reload client: its connection's thread writes events until the client goes away.
fn events(mut writer: TcpStream, hub: &Hub) {
    let (tx, rx): (Sender<Arc<str>>, Receiver<Arc<str>>) = mpsc::channel();
    // Registered before the generation is read: a snapshot published after this point is
    // announced on this stream, one published before is counted in the hello.
    hub.clients.lock().unwrap().push(tx);
    let generation = hub.generation.load(Ordering::Acquire);
    let errors = hub.errors.read().unwrap().clone();
    let hello = serde_json::json!({
        "server": hub.server_id,
        "failing": errors.is_some(),
        "generation": generation,
    });
    let mut first = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-store\r\nConnection: keep-alive\r\nX-Accel-Buffering: no\r\n\r\nretry: 500\nevent: hello\ndata: {hello}\n\n"
    );
    if let Some(errors) = errors {
        first.push_str(&format!("event: errors\ndata: {errors}\n\n"));
    }
    if writer.write_all(first.as_bytes()).is_err() || writer.flush().is_err() {
        return;
    }
    loop {
        let message: Arc<str> = match rx.recv_timeout(KEEPALIVE) {
            Ok(m) => m,
            Err(RecvTimeoutError::Timeout) => Arc::from(": keep-alive\n\n"),
            Err(RecvTimeoutError::Disconnected) => return,
        };
        if writer.write_all(message.as_bytes()).is_err() || writer.flush().is_err() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_resolve_to_their_index() {
        assert_eq!(resolve("/").unwrap(), "index.html");
        assert_eq!(resolve("/a/b/").unwrap(), "a/b/index.html");
        assert_eq!(resolve("/a/b").unwrap(), "a/b");
        assert_eq!(resolve("/c%C3%B4te/").unwrap(), "côte/index.html");
    }

    #[test]
    fn traversal_is_refused() {
        for bad in [
            "/../etc/passwd",
            "/a/../../etc/passwd",
            "/%2e%2e/etc/passwd",
            "/%2E%2E%2fetc%2fpasswd",
            "/a%2f..%2f..%2fetc/passwd",
            "/..%5c..%5cetc%5cpasswd",
            "/a\\..\\b",
            "/a%00.html",
            "//etc/passwd",
            "/./a",
            "etc/passwd",
            "http://example.org/etc/passwd",
            "/%zz",
        ] {
            assert!(resolve(bad).is_err(), "{bad} was accepted");
        }
    }

    #[test]
    fn the_script_goes_before_the_last_body_end() {
        let html = b"<html><body><p>x</p></BODY></html>";
        let out = String::from_utf8(inject(html, "id", 7)).unwrap();
        assert!(out.contains(
            "<p>x</p><script src=\"/__weft/live.js\" data-server=\"id\" data-generation=\"7\"></script></BODY>"
        ));
        let bare = String::from_utf8(inject(b"<p>no body", "id", 0)).unwrap();
        assert!(bare.ends_with("</script>"));
    }

    fn read(head: &str) -> Result<Option<Request>, u16> {
        read_request(&mut io::Cursor::new(head.as_bytes().to_vec()))
    }

    #[test]
    fn request_heads_are_read_with_their_connection() {
        let get = read("\r\nGET /a/?q=1 HTTP/1.1\r\nHost: x\r\n\r\nGET /b/ HTTP/1.1\r\n\r\n");
        assert_eq!(
            get,
            Ok(Some(Request {
                method: "GET".into(),
                target: "/a/?q=1".into(),
                keep_alive: true,
                has_body: false,
            }))
        );
        let close = read("GET / HTTP/1.1\r\nConnection: Close\r\n\r\n")
            .unwrap()
            .unwrap();
        assert!(!close.keep_alive);
        assert!(!read("GET / HTTP/1.0\r\n\r\n").unwrap().unwrap().keep_alive);
        let old = read("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\n")
            .unwrap()
            .unwrap();
        assert!(old.keep_alive);
        let post = read("POST / HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc")
            .unwrap()
            .unwrap();
        assert!(post.has_body);
        // Closed before a whole head came: nothing to answer.
        assert_eq!(read(""), Ok(None));
        assert_eq!(read("GET / HTTP/1.1\r\nHost: x\r\n"), Ok(None));
    }

    #[test]
    fn what_is_not_an_http_1_request_is_refused() {
        assert_eq!(read("GET /\r\n\r\n"), Err(400));
        assert_eq!(read("GET / HTTP/1.1 x\r\n\r\n"), Err(400));
        assert_eq!(read("GET / HTTP/2.0\r\n\r\n"), Err(505));
        assert_eq!(read("GET / HTTP/1.1\r\nno colon\r\n\r\n"), Err(400));
        assert_eq!(
            read("GET / HTTP/1.1\r\nContent-Length: x\r\n\r\n"),
            Err(400)
        );
        let long = format!("GET / HTTP/1.1\r\nX: {}\r\n\r\n", "a".repeat(MAX_HEAD));
        assert_eq!(read(&long), Err(431));
    }

    #[test]
    fn replies_carry_their_length_and_head_has_no_body() {
        let reply = body(200, "text/plain", b"hello".to_vec());
        let mut out = Vec::new();
        write_reply(&mut out, &reply, false, true).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with("HTTP/1.1 200 OK\r\n"), "{text}");
        assert!(text.contains("Content-Length: 5\r\n"), "{text}");
        assert!(!text.contains("Connection: close"), "{text}");
        assert!(text.ends_with("\r\n\r\nhello"), "{text}");
        let mut out = Vec::new();
        write_reply(&mut out, &reply, true, false).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.contains("Content-Length: 5\r\nConnection: close\r\n\r\n"),
            "{text}"
        );
        assert!(text.ends_with("\r\n\r\n"), "{text}");
    }

    #[test]
    fn urls_of_outputs_drop_index_html() {
        assert_eq!(url_of("index.html"), "/");
        assert_eq!(url_of("a/b/index.html"), "/a/b/");
        assert_eq!(url_of("atom.xml"), "/atom.xml");
        assert_eq!(url_of("a/notindex.html"), "/a/notindex.html");
    }

    #[test]
    fn content_types_follow_the_extension() {
        assert_eq!(content_type("a/index.html"), "text/html; charset=utf-8");
        assert_eq!(content_type("css/site.css"), "text/css; charset=utf-8");
        assert_eq!(content_type("x.SVG"), "image/svg+xml");
        assert_eq!(content_type("blob"), "application/octet-stream");
    }
}
