//! `weft serve`'s watcher when the watched folders themselves change: `content/` removed and
//! copied back from a backup, moved away and back, replaced by a link; `site.toml` saved by
//! rename; the site folder moved away and back. Each time the server must go on rebuilding
//! after later edits, and say on the terminal that it watches the folder again. The server is
//! the real binary; every wait polls with a deadline.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use crate::serve::{Serve, DEADLINE};
use crate::support::TestSite;

fn fixture() -> TestSite {
    TestSite::fixture("serve-site")
}

/// Runs `script` with `sh` in `dir`, as a user would type it.
fn shell(dir: &Path, script: &str) {
    let status = Command::new("sh")
        .args(["-c", script])
        .current_dir(dir)
        .status()
        .expect("run sh");
    assert!(status.success(), "{script}: {status}");
}

/// Waits until the server's standard error holds `text` at least `times` times.
fn wait_log(serve: &Serve, text: &str, times: usize) -> String {
    let deadline = Instant::now() + DEADLINE;
    loop {
        let log = serve.log();
        if log.matches(text).count() >= times {
            return log;
        }
        assert!(
            Instant::now() < deadline,
            "weft serve did not print {text:?} ({times}x) within {DEADLINE:?}; it said:\n{log}"
        );
        std::thread::yield_now();
    }
}

/// Waits until the server has reacted to a change (a rebuild, or the errors of a failed one)
/// since it had printed `before`.
fn wait_reaction(serve: &Serve, before: &str) {
    let deadline = Instant::now() + DEADLINE;
    while serve.log().len() == before.len() {
        assert!(
            Instant::now() < deadline,
            "weft serve did not react within {DEADLINE:?}; it said:\n{before}"
        );
        std::thread::yield_now();
    }
}

/// `site.toml` with its first line `title = "..."` set to `title`.
fn titled(site: &TestSite, title: &str) -> String {
    let config = std::fs::read_to_string(site.path("site.toml")).unwrap();
    let (first, rest) = config.split_once('\n').unwrap();
    assert!(first.starts_with("title = "), "{config}");
    format!("title = \"{title}\"\n{rest}")
}

fn set_title(site: &TestSite, title: &str) {
    site.write("site.toml", titled(site, title));
}

/// An edit of a page and then of `site.toml` are both served.
fn edits_are_still_picked_up(site: &TestSite, serve: &Serve, mark: &str) {
    let about = std::fs::read_to_string(site.path("content/about.md")).unwrap();
    site.write("content/about.md", format!("{about}\n{mark} page edit.\n"));
    serve.wait_for("/about/", "the page edit", |r| {
        r.text().contains(&format!("{mark} page edit."))
    });
    set_title(site, &format!("{mark} Serve fixture"));
    serve.wait_for("/", "the site.toml edit", |r| {
        r.text().contains(&format!("{mark} Serve fixture"))
    });
}

#[test]
fn content_removed_and_copied_back_is_watched_again() {
    removed_and_copied_back(&[]);
}

#[test]
fn content_removed_and_copied_back_is_watched_again_when_polling() {
    removed_and_copied_back(&["--poll"]);
}

/// The sequence: `rm -rf content; cp -r backup content`, then edits.
fn removed_and_copied_back(args: &[&str]) {
    let site = fixture();
    shell(site.root(), "cp -r content backup");
    let serve = Serve::start(site.root(), args);
    let before = wait_log(&serve, "built ", 1);
    shell(site.root(), "rm -rf content");
    wait_reaction(&serve, &before);
    shell(site.root(), "cp -r backup content");
    let log = wait_log(
        &serve,
        "note: watching content/ again (it was removed and recreated)\n",
        1,
    );
    assert_eq!(log.matches("watching").count(), 1, "{log}");
    edits_are_still_picked_up(&site, &serve, "First");
    edits_are_still_picked_up(&site, &serve, "Second");
}

#[test]
fn content_moved_away_and_back_is_watched_again() {
    let site = fixture();
    let serve = Serve::start(site.root(), &[]);
    let before = wait_log(&serve, "built ", 1);
    shell(site.root(), "mv content away");
    wait_reaction(&serve, &before);
    shell(site.root(), "mv away content");
    wait_log(
        &serve,
        "note: watching content/ again (it was moved away and back)\n",
        1,
    );
    edits_are_still_picked_up(&site, &serve, "Back");
}

#[test]
fn content_replaced_by_a_link_is_watched_through_it() {
    let site = fixture();
    let serve = Serve::start(site.root(), &[]);
    shell(site.root(), "mv content real && ln -s real content");
    wait_log(
        &serve,
        "note: watching content/ again (it is now a link to real)\n",
        1,
    );
    edits_are_still_picked_up(&site, &serve, "Linked");
}

#[test]
fn site_toml_saved_by_rename_is_seen_every_time() {
    let site = fixture();
    let serve = Serve::start(site.root(), &[]);
    for n in 1..=3 {
        // An editor's atomic save: a temporary file beside it, renamed over it.
        site.write(".site.toml.tmp", titled(&site, &format!("Save{n} ")));
        shell(site.root(), "mv .site.toml.tmp site.toml");
        serve.wait_for("/", "the saved site.toml", |r| {
            r.text().contains(&format!("Save{n} "))
        });
    }
}

#[test]
fn the_site_folder_moved_away_and_back_is_watched_again() {
    let parent = tempfile::tempdir().unwrap();
    let root = parent.path().join("site");
    let site = fixture();
    shell(
        parent.path(),
        &format!("cp -r '{}' site", site.root().display()),
    );
    let serve = Serve::start(&root, &[]);
    shell(parent.path(), "mv site elsewhere");
    wait_log(&serve, "was moved or removed", 1);
    shell(parent.path(), "mv elsewhere site");
    wait_log(
        &serve,
        "note: watching the site folder again (it was moved away and back)\n",
        1,
    );
    let about = std::fs::read_to_string(root.join("content/about.md")).unwrap();
    std::fs::write(
        root.join("content/about.md"),
        format!("{about}\nHome again.\n"),
    )
    .unwrap();
    serve.wait_for("/about/", "the edit after the return", |r| {
        r.text().contains("Home again.")
    });
}
