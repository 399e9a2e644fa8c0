//! Helpers shared by the integration tests: a site in a temporary folder ([`TestSite`]), the real
//! `weft` binary run on it ([`Run`]), and fixture sites compared with their `expected/` output
//! ([`assert_expected`], rewritten by `UPDATE_EXPECT=1`).
//!
//! Helpers never sleep and never hide a failure: every assertion prints what weft said.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The `weft` binary built for these tests.
pub const WEFT: &str = env!("CARGO_BIN_EXE_weft");

/// A site in a fresh temporary folder, written file by file:
/// `TestSite::new().file("content/a.md", "+++\ntitle = 'A'\n+++\n").build()`.
pub struct TestSite {
    dir: tempfile::TempDir,
}

impl Default for TestSite {
    fn default() -> Self {
        Self::new()
    }
}

impl TestSite {
    /// A site with only `site.toml` (`title = "Test"`, the built-in default theme).
    pub fn new() -> TestSite {
        let dir = tempfile::tempdir().expect("temporary folder");
        fs::write(dir.path().join("site.toml"), "title = \"Test\"\n").unwrap();
        TestSite { dir }
    }

    /// A copy of `tests/fixtures/<name>/` (without its `expected/` folder), for tests that
    /// change a fixture or write into its folder.
    pub fn fixture(name: &str) -> TestSite {
        let dir = tempfile::tempdir().expect("temporary folder");
        copy_tree(&fixture_dir(name), dir.path(), &|rel| {
            rel != Path::new("expected")
        });
        TestSite { dir }
    }

    /// Writes `contents` at `path` (relative to the site root), creating folders.
    pub fn file(self, path: &str, contents: impl AsRef<[u8]>) -> TestSite {
        self.write(path, contents);
        self
    }

    /// Like [`TestSite::file`], for a site already in use.
    pub fn write(&self, path: &str, contents: impl AsRef<[u8]>) {
        let full = self.path(path);
        fs::create_dir_all(full.parent().unwrap()).unwrap();
        fs::write(full, contents).unwrap();
    }

    /// Creates a symbolic link at `path` pointing to `target` (which need not exist).
    pub fn symlink(self, path: &str, target: &str) -> TestSite {
        let full = self.path(path);
        fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::os::unix::fs::symlink(target, full).unwrap();
        self
    }

    pub fn remove(&self, path: &str) {
        fs::remove_file(self.path(path)).unwrap();
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    /// `path` under the site root.
    pub fn path(&self, path: &str) -> PathBuf {
        self.dir.path().join(path)
    }

    /// Runs `weft --root <site> ARGS`.
    pub fn weft(&self, args: &[&str]) -> Run {
        run(self.root(), args, &[])
    }

    /// `weft build ARGS`, which must succeed.
    pub fn build_with(&self, args: &[&str]) -> Run {
        let run = self.weft(&[&["build"], args].concat());
        assert_eq!(run.code, Some(0), "weft build failed:\n{}", run.stderr);
        run
    }

    /// `weft build`, which must succeed.
    pub fn build(&self) -> Run {
        self.build_with(&[])
    }

    /// `weft build`, which must fail with content errors (exit code 1); returns what it printed.
    pub fn build_err(&self) -> String {
        let run = self.weft(&["build"]);
        assert_eq!(
            run.code,
            Some(1),
            "expected exit code 1, got {:?}:\n{}",
            run.code,
            run.stderr
        );
        run.stderr
    }

    /// A file of the output folder `public/`, as text.
    pub fn read(&self, path: &str) -> String {
        let full = self.path("public").join(path);
        fs::read_to_string(&full).unwrap_or_else(|e| {
            panic!(
                "cannot read public/{path}: {e}\npublic/ holds: {:?}",
                tree(&self.path("public")).keys().collect::<Vec<_>>()
            )
        })
    }

    /// Every file of `public/` (path -> bytes), without weft's marker file.
    pub fn output(&self) -> BTreeMap<String, Vec<u8>> {
        tree(&self.path("public"))
    }
}

/// The result of one run of the binary.
#[derive(Debug)]
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `weft --root ROOT ARGS` with extra environment variables; never in colour.
pub fn run(root: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut command = Command::new(WEFT);
    command
        .arg("--root")
        .arg(root)
        .args(args)
        .env("NO_COLOR", "1")
        .env_remove("RAYON_NUM_THREADS");
    for (k, v) in env {
        command.env(k, v);
    }
    let out = command.output().expect("run weft");
    Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// `tests/fixtures/<name>`.
pub fn fixture_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// Builds fixture `name` in place (it is only read) into a fresh output folder, with `args`
/// added to `weft build`; returns the output folder (kept alive by the returned `TempDir`).
pub fn build_fixture(name: &str, args: &[&str]) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("public");
    let out_arg = out.to_str().unwrap().to_string();
    let run = run(
        &fixture_dir(name),
        &[&["build", "--output", &out_arg], args].concat(),
        &[],
    );
    assert_eq!(
        run.code,
        Some(0),
        "fixture {name} failed to build:\n{}",
        run.stderr
    );
    (tmp, out)
}

/// Every file under `dir` (`/`-separated relative path -> bytes), without weft's marker file.
pub fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    collect(dir, dir, &mut files);
    files.remove(weft::write::MARKER);
    files
}

fn collect(base: &Path, dir: &Path, files: &mut BTreeMap<String, Vec<u8>>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect(base, &path, files);
        } else {
            let rel = path.strip_prefix(base).unwrap().to_string_lossy();
            files.insert(rel.replace('\\', "/"), fs::read(&path).unwrap());
        }
    }
}

fn copy_tree(from: &Path, to: &Path, keep: &dyn Fn(&Path) -> bool) {
    for (rel, bytes) in tree(from) {
        if Path::new(&rel).components().next().is_some_and(|c| {
            let first: &Path = c.as_os_str().as_ref();
            !keep(first)
        }) {
            continue;
        }
        let dest = to.join(&rel);
        fs::create_dir_all(dest.parent().unwrap()).unwrap();
        fs::write(dest, bytes).unwrap();
    }
}

/// Output files left out of `expected/`: machine-sized data nobody can review in a diff.
const NOT_COMPARED: &[&str] = &["search_index.js"];

/// Compares `out` (a built site) with `tests/fixtures/<name>/expected/`, file by file and byte by
/// byte. With `UPDATE_EXPECT=1` the expected folder is rewritten instead (review it in the diff).
pub fn assert_expected(name: &str, out: &Path) {
    let expected_dir = fixture_dir(name).join("expected");
    let mut actual = tree(out);
    actual.retain(|path, _| !NOT_COMPARED.contains(&path.as_str()));
    if std::env::var_os("UPDATE_EXPECT").is_some_and(|v| v == "1") {
        let _ = fs::remove_dir_all(&expected_dir);
        for (rel, bytes) in &actual {
            let dest = expected_dir.join(rel);
            fs::create_dir_all(dest.parent().unwrap()).unwrap();
            fs::write(dest, bytes).unwrap();
        }
        return;
    }
    let expected = tree(&expected_dir);
    assert!(
        !expected.is_empty(),
        "{} is missing: run with UPDATE_EXPECT=1 to write it",
        expected_dir.display()
    );
    let names = |m: &BTreeMap<String, Vec<u8>>| m.keys().cloned().collect::<Vec<_>>();
    assert_eq!(
        names(&actual),
        names(&expected),
        "fixture {name}: the output files differ from expected/ (UPDATE_EXPECT=1 rewrites it)"
    );
    for (rel, bytes) in &expected {
        if actual[rel] != *bytes {
            assert_text(
                &String::from_utf8_lossy(&actual[rel]),
                &String::from_utf8_lossy(bytes),
                &format!(
                    "fixture {name}: {rel} differs from expected/ (UPDATE_EXPECT=1 rewrites it)"
                ),
            );
        }
    }
}

/// `assert_eq!` for long text: on failure shows the first differing line and both texts whole.
pub fn assert_text(actual: &str, expected: &str, what: &str) {
    if actual == expected {
        return;
    }
    let first = actual
        .lines()
        .zip(expected.lines())
        .position(|(a, e)| a != e)
        .unwrap_or_else(|| actual.lines().count().min(expected.lines().count()));
    panic!(
        "{what}\nfirst difference at line {}:\n  actual:   {:?}\n  expected: {:?}\n\
         ---- actual ----\n{actual}\n---- expected ----\n{expected}\n----",
        first + 1,
        actual.lines().nth(first),
        expected.lines().nth(first),
    );
}

/// Every `href="..."` and `src="..."` value in `html`.
pub fn links(html: &str) -> Vec<String> {
    let mut found = Vec::new();
    for attr in ["href=\"", "src=\""] {
        let mut rest = html;
        while let Some(i) = rest.find(attr) {
            let after = &rest[i + attr.len()..];
            let end = after.find('"').unwrap_or(after.len());
            // `data-src="` and the like are not links.
            let before = rest[..i].chars().last();
            if before.is_none_or(|c| c.is_whitespace()) {
                found.push(after[..end].replace("&amp;", "&"));
            }
            rest = &after[end..];
        }
    }
    found
}

/// Whether `url` points into the site itself (not another host, not a bare fragment).
pub fn is_internal(url: &str) -> bool {
    !(url.starts_with("http://")
        || url.starts_with("https://")
        || url.starts_with("//")
        || url.starts_with("mailto:")
        || url.starts_with("data:")
        || url.starts_with('#')
        || url.is_empty())
}

/// The HTML text between the first `start` and the next `end` after it (for focused assertions).
pub fn between<'a>(html: &'a str, start: &str, end: &str) -> &'a str {
    let i = html
        .find(start)
        .unwrap_or_else(|| panic!("{start:?} not found in:\n{html}"));
    let rest = &html[i + start.len()..];
    let j = rest
        .find(end)
        .unwrap_or_else(|| panic!("{end:?} not found after {start:?} in:\n{html}"));
    &rest[..j]
}

/// A front-matter file: `+++\ntitle = "TITLE"\nEXTRA+++\nBODY`.
pub fn page(title: &str, extra: &str, body: &str) -> String {
    format!("+++\ntitle = \"{title}\"\n{extra}+++\n{body}")
}

/// What a [`TestServer`] answers: status, headers, body.
pub type Reply = (u16, Vec<(&'static str, String)>, Vec<u8>);

/// An HTTP server on 127.0.0.1 (a free port) for tests, answering each request with
/// `handler(method, url)` on its own thread, until dropped.
pub struct TestServer {
    pub port: u16,
    server: std::sync::Arc<tiny_http::Server>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl TestServer {
    pub fn start(handler: impl Fn(&str, &str) -> Reply + Send + 'static) -> TestServer {
        let server = std::sync::Arc::new(tiny_http::Server::http("127.0.0.1:0").expect("bind"));
        let port = server.server_addr().to_ip().expect("an IP address").port();
        let serving = server.clone();
        let thread = std::thread::spawn(move || {
            for request in serving.incoming_requests() {
                let (status, headers, body) = handler(&request.method().to_string(), request.url());
                let mut response = tiny_http::Response::from_data(body).with_status_code(status);
                for (name, value) in headers {
                    response.add_header(
                        tiny_http::Header::from_bytes(name.as_bytes(), value.as_bytes()).unwrap(),
                    );
                }
                let _ = request.respond(response);
            }
        });
        TestServer {
            port,
            server,
            thread: Some(thread),
        }
    }

    /// Serves the files of `root` under the URL path `mount` (`/global-programmes/`), as a plain
    /// static host does: a folder answers with its `index.html`, a folder without its final `/`
    /// is redirected, anything else is 404.
    pub fn static_files(root: &Path, mount: &str) -> TestServer {
        let (root, mount) = (root.to_path_buf(), mount.to_string());
        TestServer::start(move |_, url| static_reply(&root, &mount, url))
    }

    /// `http://127.0.0.1:PORT` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn static_reply(root: &Path, mount: &str, url: &str) -> Reply {
    let path = url.split(['?', '#']).next().unwrap_or_default();
    let Some(rel) = path.strip_prefix(mount) else {
        return (404, vec![], b"outside the mount".to_vec());
    };
    let rel = percent_decode(rel);
    if rel.split('/').any(|s| s == "..") {
        return (403, vec![], vec![]);
    }
    let mut file = root.join(&rel);
    if file.is_dir() {
        if !rel.is_empty() && !rel.ends_with('/') {
            return (301, vec![("Location", format!("{path}/"))], vec![]);
        }
        file = file.join("index.html");
    }
    match fs::read(&file) {
        Ok(bytes) => (
            200,
            vec![("Content-Type", content_type(&file).into())],
            bytes,
        ),
        Err(_) => (404, vec![], b"not found".to_vec()),
    }
}

fn content_type(file: &Path) -> &'static str {
    match file.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css",
        "js" => "text/javascript",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "xml" => "application/xml",
        "png" => "image/png",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// `%C3%B4` -> `ô`.
pub fn percent_decode(text: &str) -> String {
    percent_encoding::percent_decode_str(text)
        .decode_utf8_lossy()
        .into_owned()
}

/// The repository's own site (the Global Programmes site), built once per test run with the
/// real `weft` binary into a folder under `target/`; the build must print no error and no
/// warning. Returns the output folder.
pub fn real_site() -> &'static Path {
    static BUILT: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    BUILT.get_or_init(|| {
        // One folder per test process (colleagues may run the tests at the same time); the
        // folders of processes that have ended are removed.
        let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
        let prefix = "global-programmes-site-";
        for entry in fs::read_dir(tmp).into_iter().flatten().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if let Some(pid) = name.strip_prefix(prefix) {
                if !Path::new("/proc").join(pid).exists() {
                    let _ = fs::remove_dir_all(entry.path());
                }
            }
        }
        let out = tmp.join(format!("{prefix}{}", std::process::id()));
        let _ = fs::remove_dir_all(&out);
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let run = run(root, &["build", "--output", out.to_str().unwrap()], &[]);
        assert_eq!(
            run.code,
            Some(0),
            "the Global Programmes site failed to build:\n{}",
            run.stderr
        );
        let noisy: Vec<&str> = run
            .stderr
            .lines()
            .filter(|l| {
                let l = l.to_lowercase();
                l.contains("warning") || l.contains("error")
            })
            .collect();
        assert!(
            noisy.is_empty(),
            "building the Global Programmes site printed errors or warnings:\n{}",
            run.stderr
        );
        out
    })
}

/// The path part of the real site's `base_url` (`/global-programmes/`), under which
/// [`real_site`]'s pages link to each other; serve it there with [`TestServer::static_files`].
pub const REAL_SITE_PATH: &str = "/global-programmes/";
