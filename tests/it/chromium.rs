//! A headless Chromium driven over the DevTools protocol, for tests that need a real browser:
//! launch it, open a URL and wait for its load event, evaluate scripts (promises awaited), size
//! the viewport, and read the events the page raised (requests, exceptions, console messages).
//!
//! One [`Chromium`] is one browser process with one tab; open it once per test and reuse it for
//! every page. It never sleeps: every wait reads the protocol socket until an answer or a
//! deadline. It never skips: when the browser is missing it fails saying how to install it.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tungstenite::{Message, WebSocket};

/// How long one protocol command, page load or browser start may take before the test fails.
pub const DEADLINE: Duration = Duration::from_secs(60);

/// The browser binary: `$WEFT_CHROMIUM`, else Debian's `/usr/bin/chromium`.
pub fn binary() -> String {
    std::env::var("WEFT_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".to_string())
}

/// A headless Chromium with one tab, closed when dropped.
pub struct Chromium {
    child: Child,
    ws: WebSocket<TcpStream>,
    session: String,
    next_id: u64,
    events: VecDeque<Value>,
    log: Arc<Mutex<String>>,
    _profile: tempfile::TempDir,
}

impl Chromium {
    /// Starts the browser (fresh profile, no network beyond what pages ask for) and opens a tab
    /// with the page, runtime and network domains enabled.
    pub fn launch() -> Chromium {
        let binary = binary();
        let profile = tempfile::tempdir().expect("temporary profile folder");
        let mut child = Command::new(&binary)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-default-apps",
                "--disable-extensions",
                "--disable-sync",
                "--no-first-run",
                "--no-default-browser-check",
                "--hide-scrollbars",
                "--mute-audio",
                "--remote-debugging-port=0",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg("about:blank")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot start Chromium ({binary}): {e}\n\
                     install it with `apt-get install -y chromium`, or set WEFT_CHROMIUM"
                )
            });

        // Chromium prints `DevTools listening on ws://...` on stderr; keep the rest for failures.
        let log = Arc::new(Mutex::new(String::new()));
        let (tx, rx) = mpsc::channel();
        let stderr = child.stderr.take().unwrap();
        let keep = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(url) = line.strip_prefix("DevTools listening on ") {
                    let _ = tx.send(url.trim().to_string());
                }
                let mut log = keep.lock().unwrap();
                log.push_str(&line);
                log.push('\n');
            }
        });
        let url = match rx.recv_timeout(DEADLINE) {
            Ok(url) => url,
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "Chromium ({binary}) did not open its DevTools port within {DEADLINE:?}; it said:\n{}",
                    log.lock().unwrap()
                )
            }
        };

        let address = url
            .strip_prefix("ws://")
            .and_then(|rest| rest.split('/').next())
            .unwrap_or_else(|| panic!("unexpected DevTools address {url:?}"))
            .to_string();
        let stream = TcpStream::connect(&address).expect("connect to the DevTools port");
        stream.set_nodelay(true).unwrap();
        let (ws, _) = tungstenite::client(url.as_str(), stream)
            .unwrap_or_else(|e| panic!("DevTools WebSocket handshake with {url} failed: {e}"));

        let mut browser = Chromium {
            child,
            ws,
            session: String::new(),
            next_id: 0,
            events: VecDeque::new(),
            log,
            _profile: profile,
        };
        let target = browser.browser_call("Target.createTarget", json!({"url": "about:blank"}));
        let attached = browser.browser_call(
            "Target.attachToTarget",
            json!({"targetId": target["targetId"], "flatten": true}),
        );
        browser.session = attached["sessionId"].as_str().unwrap().to_string();
        for domain in ["Page.enable", "Runtime.enable", "Network.enable"] {
            browser.call(domain, json!({}));
        }
        browser
    }

    /// Sends a command to the tab and returns its result; a protocol error fails the test.
    pub fn call(&mut self, method: &str, params: Value) -> Value {
        let session = self.session.clone();
        self.send(Some(&session), method, params)
    }

    /// Sends a command to the browser itself (the `Target` and `Browser` domains).
    pub fn browser_call(&mut self, method: &str, params: Value) -> Value {
        self.send(None, method, params)
    }

    /// Opens `url` in the tab and waits for its load event; forgets the events of earlier pages.
    pub fn navigate(&mut self, url: &str) {
        self.events.clear();
        let result = self.call("Page.navigate", json!({ "url": url }));
        if let Some(error) = result.get("errorText") {
            panic!("Chromium could not open {url}: {error}");
        }
        self.wait_event("Page.loadEventFired", &format!("the load event of {url}"));
    }

    /// Evaluates a JavaScript expression in the page (awaiting a promise) and returns its value
    /// as JSON; an exception fails the test with its text.
    pub fn eval(&mut self, expression: &str) -> Value {
        let reply = self.call(
            "Runtime.evaluate",
            json!({"expression": expression, "awaitPromise": true, "returnByValue": true}),
        );
        if let Some(details) = reply.get("exceptionDetails") {
            panic!(
                "script failed: {}\n{}",
                details["exception"]["description"]
                    .as_str()
                    .unwrap_or_default(),
                details
            );
        }
        reply["result"]["value"].clone()
    }

    /// Sets the viewport to `width` x `height` CSS pixels (`mobile`: a phone's viewport rules).
    pub fn viewport(&mut self, width: u32, height: u32, mobile: bool) {
        self.call(
            "Emulation.setDeviceMetricsOverride",
            json!({"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile}),
        );
    }

    /// Emulates `prefers-color-scheme: dark` (or light).
    pub fn color_scheme(&mut self, scheme: &str) {
        self.call(
            "Emulation.setEmulatedMedia",
            json!({"features": [{"name": "prefers-color-scheme", "value": scheme}]}),
        );
    }

    /// The events named `method` received since the last navigation (in order), removed from
    /// the queue. Events arrive with command replies: call this after a command.
    pub fn take_events(&mut self, method: &str) -> Vec<Value> {
        let (taken, kept): (VecDeque<Value>, _) = std::mem::take(&mut self.events)
            .into_iter()
            .partition(|e| e["method"] == method);
        self.events = kept;
        taken.into()
    }

    /// Waits for the next event named `method` (queued or yet to come) and returns it.
    pub fn wait_event(&mut self, method: &str, what: &str) -> Value {
        if let Some(i) = self.events.iter().position(|e| e["method"] == method) {
            return self.events.remove(i).unwrap();
        }
        let deadline = Instant::now() + DEADLINE;
        loop {
            let message = self.next_message(deadline, what);
            if message["method"] == method {
                return message;
            }
            if message.get("method").is_some() {
                self.events.push_back(message);
            }
        }
    }

    /// What Chromium printed on stderr so far (for failure messages).
    pub fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    fn send(&mut self, session: Option<&str>, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let mut command = json!({"id": id, "method": method, "params": params});
        if let Some(session) = session {
            command["sessionId"] = session.into();
        }
        self.ws
            .send(Message::text(command.to_string()))
            .unwrap_or_else(|e| panic!("sending {method} to Chromium failed: {e}"));
        let deadline = Instant::now() + DEADLINE;
        loop {
            let message = self.next_message(deadline, &format!("the reply to {method}"));
            if message["id"] == id {
                if let Some(error) = message.get("error") {
                    panic!("{method} failed: {error}");
                }
                return message["result"].clone();
            }
            if message.get("method").is_some() {
                self.events.push_back(message);
            }
        }
    }

    fn next_message(&mut self, deadline: Instant, what: &str) -> Value {
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                panic!(
                    "timed out after {DEADLINE:?} waiting for {what}; Chromium said:\n{}",
                    self.log()
                );
            }
            self.ws.get_mut().set_read_timeout(Some(left)).unwrap();
            match self.ws.read() {
                Ok(Message::Text(text)) => {
                    return serde_json::from_str(text.as_str()).expect("DevTools sends JSON")
                }
                Ok(_) => {}
                Err(tungstenite::Error::Io(e))
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) => {}
                Err(e) => panic!(
                    "the DevTools connection failed while waiting for {what}: {e}\nChromium said:\n{}",
                    self.log()
                ),
            }
        }
    }
}

impl Drop for Chromium {
    fn drop(&mut self) {
        // Ask the browser to close (it flushes and ends its helper processes), read until it
        // hangs up or the deadline passes, then make sure the process is gone.
        let close = json!({"id": self.next_id + 1, "method": "Browser.close"}).to_string();
        if self.ws.send(Message::text(close)).is_ok() {
            let deadline = Instant::now() + Duration::from_secs(5);
            while let Some(left) = deadline.checked_duration_since(Instant::now()) {
                let _ = self
                    .ws
                    .get_mut()
                    .set_read_timeout(Some(left.max(Duration::from_millis(1))));
                if self.ws.read().is_err() {
                    break;
                }
            }
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
