//! `weft serve`: the preview server. The HTTP side ([`http`]) answers every connection as a
//! task on a small runtime of its own and serves the current [`Snapshot`] from memory; a
//! watcher loop (on the calling thread) applies changes to the [`Session`], swaps the new
//! snapshot in, and only then tells the browsers over Server-Sent Events (`/__weft/events`).
//!
//! Serving never touches the file system except to copy an asset the build listed, so no URL
//! can reach a byte outside the site ([`answer`]). HTML answers get the live-reload script
//! (`/__weft/live.js`) injected here, never in `weft build` output. Requests are answered only
//! for this machine's names and addresses and the names the user allows ([`host`]): a web
//! page cannot read the preview through a name of its own (DNS rebinding).

use std::io::{self, Write};
use std::net::{IpAddr, SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver, UnboundedSender};

use crate::error::Errors;
use crate::session::{Session, Snapshot, Update};
use crate::watch::{ChangeSet, Waker, Watcher};
use crate::Options;

mod answer;
mod host;
mod http;
// The rebuild side of the preview: the watcher, the site kept in memory, the fast path.
pub mod incremental;
pub mod session;
pub mod watch;

pub use answer::{content_type, inject, resolve};
pub use host::Hosts;
pub use http::{spawn_server, Limits};

/// Where the event stream and the script live.
pub const EVENTS_PATH: &str = "/__weft/events";
pub const SCRIPT_PATH: &str = "/__weft/live.js";
/// How long a request for a stale site-wide file waits for it to be made.
const STALE_WAIT: Duration = Duration::from_secs(120);

/// How to serve.
#[derive(Clone, Debug)]
pub struct ServeOptions {
    pub bind: String,
    pub port: u16,
    pub poll: bool,
    /// Open the site in the system's browser once it is served.
    pub open: bool,
    /// Host names answered besides this machine's (`--allow-host`).
    pub allow_hosts: Vec<String>,
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
    clients: Mutex<Vec<UnboundedSender<Arc<str>>>>,
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
    async fn fresh(&self, key: &str) -> (u64, Arc<Snapshot>) {
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
            tokio::time::sleep(Duration::from_millis(5)).await;
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

    /// A new live-reload client: the events it is sent from now on, and what its stream
    /// starts with (`hello`, and the errors of a failing build).
    fn subscribe(&self) -> (UnboundedReceiver<Arc<str>>, String) {
        let (tx, rx) = unbounded_channel();
        // Registered before the generation is read: a snapshot published after this point is
        // announced on this stream, one published before is counted in the hello.
        self.clients.lock().unwrap().push(tx);
        let generation = self.generation.load(Ordering::Acquire);
        let errors = self.errors.read().unwrap().clone();
        let hello = serde_json::json!({
            "server": self.server_id,
            "failing": errors.is_some(),
            "generation": generation,
        });
        let mut first = format!("retry: 500\nevent: hello\ndata: {hello}\n\n");
        if let Some(errors) = errors {
            first.push_str(&format!("event: errors\ndata: {errors}\n\n"));
        }
        (rx, first)
    }
}

/// `countries/kenya/index.html` -> `/countries/kenya/`.
fn url_of(path: &str) -> String {
    match path.strip_suffix("index.html") {
        Some(dir) if dir.is_empty() || dir.ends_with('/') => format!("/{dir}"),
        _ => format!("/{path}"),
    }
}

/// Where the server listens, and the URL to open on this machine.
#[derive(Debug)]
struct Place {
    addr: SocketAddr,
    /// The site's URL from this machine: the bound address, or the loopback address of its
    /// family when bound to every interface.
    url: String,
}

impl Place {
    fn of(addr: SocketAddr) -> Place {
        let ip = match addr.ip() {
            IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(std::net::Ipv4Addr::LOCALHOST),
            IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(std::net::Ipv6Addr::LOCALHOST),
            ip => ip,
        };
        let url = format!("http://{}/", SocketAddr::new(ip, addr.port()));
        Place { addr, url }
    }

    /// The line that says where the site is served.
    fn serving(&self, root: &Path) -> String {
        let root = root.display();
        if self.addr.ip().is_unspecified() {
            format!(
                "serving {root} on {} (every network interface), on this machine at {} (Ctrl-C to stop)",
                self.addr, self.url
            )
        } else {
            format!("serving {root} at {} (Ctrl-C to stop)", self.url)
        }
    }

    /// Said when other machines can reach the server: the site is then theirs to read.
    fn warning(&self) -> Option<String> {
        if self.addr.ip().is_loopback() {
            return None;
        }
        let which = if self.addr.ip().is_unspecified() {
            format!("every network interface ({})", self.addr)
        } else {
            self.addr.to_string()
        };
        Some(format!(
            "warning: listening on {which}: anyone who can reach this machine can read the site \
             (the default, --bind 127.0.0.1, keeps it to this machine)"
        ))
    }
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
    let place = Place::of(addr);
    options.serve = true;
    options.base_url = Some(place.url.clone());
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
    // Before the first request can come: one asking for a stale file must be able to wake us.
    hub.set_waker(watcher.waker());
    let hosts = Hosts::new(&serve.bind, &serve.allow_hosts);
    spawn_server(listener, hub.clone(), hosts, Limits::default())
        .map_err(|e| StartError::Fatal(format!("error: cannot start the server: {e}")))?;
    if let Some(warning) = place.warning() {
        eprintln!("{warning}");
    }
    println!("{}", place.serving(root));
    let _ = io::stdout().flush();
    if serve.open {
        open_browser(&place.url);
    }
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

#[cfg(test)]
mod tests;
