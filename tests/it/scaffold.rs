//! `weft new DIR`: the new site builds, checks clean and serves at once with the built-in
//! default theme; its entities list the page that references them; a folder that holds files is
//! refused.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use crate::support::{run, tree, WEFT};

#[test]
fn a_new_site_builds_and_checks_clean() {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("my-site");
    let created = run(tmp.path(), &["new", site.to_str().unwrap()], &[]);
    assert_eq!(created.code, Some(0), "{}", created.stderr);
    assert!(
        created.stderr.starts_with("created a site in "),
        "{}",
        created.stderr
    );
    let files: Vec<String> = tree(&site).into_keys().collect();
    assert_eq!(
        files,
        [
            ".gitignore",
            "content/_index.md",
            "content/notes/_index.md",
            "content/notes/first-note.md",
            "content/topics/_index.md",
            "content/topics/warp.md",
            "content/topics/weft.md",
            "site.toml",
        ]
    );

    let built = run(&site, &["build"], &[]);
    assert_eq!(built.code, Some(0), "{}", built.stderr);
    assert!(
        built.stderr.starts_with("built 6 pages in "),
        "{}",
        built.stderr
    );
    let checked = run(&site, &["check"], &[]);
    assert_eq!(checked.code, Some(0), "{}", checked.stderr);
    assert!(
        checked.stderr.ends_with(": 0 errors, 0 warnings\n"),
        "{}",
        checked.stderr
    );

    // The entity pages list the note that references them, with the relation's attributes.
    let weft = std::fs::read_to_string(site.join("public/topics/weft/index.html")).unwrap();
    assert!(weft.contains("A first note"), "{weft}");
    assert!(weft.contains("role example"), "{weft}");
    let graph = std::fs::read_to_string(site.join("public/graph.json")).unwrap();
    assert!(graph.contains("\"target\":\"topics/warp.md\""), "{graph}");
}

#[test]
fn a_new_site_serves_at_once() {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("site");
    assert_eq!(
        run(tmp.path(), &["new", site.to_str().unwrap()], &[]).code,
        Some(0)
    );
    let mut child = Command::new(WEFT)
        .args(["--root", site.to_str().unwrap(), "serve", "--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start weft serve");
    // `serving <root> at http://127.0.0.1:PORT/ (Ctrl-C to stop)` on stdout.
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let line = rx.recv_timeout(Duration::from_secs(60));
    let served = line.as_ref().ok().and_then(|l| {
        let url = l.split(" at ").nth(1)?.split_whitespace().next()?;
        let mut home = ureq::get(url).call().ok()?;
        let warp = ureq::get(format!("{url}topics/warp/")).call().ok()?;
        Some((
            home.body_mut().read_to_string().ok()?,
            warp.status().as_u16(),
        ))
    });
    let _ = child.kill();
    let _ = child.wait();
    let (home, warp) = served.unwrap_or_else(|| panic!("weft serve did not serve: {line:?}"));
    assert!(home.contains("<h1>My weft site</h1>"), "{home}");
    assert_eq!(warp, 200);
}

#[test]
fn new_refuses_a_folder_that_holds_files() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("notes.txt"), "mine").unwrap();
    let refused = run(tmp.path(), &["new", tmp.path().to_str().unwrap()], &[]);
    assert_eq!(refused.code, Some(2), "{}", refused.stderr);
    assert!(
        refused.stderr.contains(&format!(
            "error: refusing to create a site in {}: the folder is not empty",
            tmp.path().display()
        )),
        "{}",
        refused.stderr
    );
    assert_eq!(
        std::fs::read_to_string(tmp.path().join("notes.txt")).unwrap(),
        "mine"
    );
    assert!(!tmp.path().join("site.toml").exists());
}
