//! "Edit this page" links (`edit_url` in site.toml) and last-updated dates (`updated`, else the
//! repository's history with `dates_from_git = true`, else none), in pages, sitemap and feeds.

use std::path::Path;
use std::process::Command;

use crate::support::{assert_text, page, TestSite};

#[test]
fn pages_link_to_their_source_through_edit_url() {
    let site = TestSite::new()
        .file(
            "site.toml",
            "title = \"T\"\nedit_url = \"https://github.com/ilo/gp/edit/main/site/{path}\"\n",
        )
        .file("content/_index.md", page("Home", "", ""))
        .file(
            "content/countries/côte d'ivoire.md",
            page("Côte d'Ivoire", "", ""),
        );
    site.build();
    let page = site.read("countries/cote-d-ivoire/index.html");
    assert!(
        page.contains("<p class=\"edit-link\"><a href=\"https://github.com/ilo/gp/edit/main/site/content/countries/c%C3%B4te%20d%27ivoire.md\">Edit this page</a></p>"),
        "{page}"
    );
    // Without edit_url, no link.
    let plain = TestSite::new().file("content/_index.md", page_text());
    plain.build();
    assert!(!plain.read("index.html").contains("edit-link"));
}

fn page_text() -> String {
    page("Home", "", "")
}

#[test]
fn an_edit_url_without_a_path_slot_is_located_in_site_toml() {
    let site = TestSite::new()
        .file(
            "site.toml",
            "title = \"T\"\nedit_url = \"https://github.com/ilo/gp/edit/main/\"\n",
        )
        .file("content/_index.md", page("Home", "", ""));
    assert_text(
        &site.build_err(),
        r#"error: invalid edit_url "https://github.com/ilo/gp/edit/main/": it has no {path}, so every page would get the same link
 --> site.toml:2:13
  |
2 | edit_url = "https://github.com/ilo/gp/edit/main/"
  |             ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
  |
  = help: write the address of the page's source with {path} where its path goes, e.g. edit_url = "https://github.com/ORG/REPO/edit/main/{path}"

error: build failed with 1 error
"#,
        "edit_url without {path}",
    );
}

/// Runs git in `dir` (test setup only: weft itself reads the history with gix), with fixed
/// identities and dates and no user configuration.
fn git(dir: &Path, args: &[&str], date: &str) {
    let out = Command::new("git")
        .args(["-c", "user.name=T", "-c", "user.email=t@example.org"])
        .args([
            "-c",
            "init.defaultBranch=main",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_DATE", date)
        .env("GIT_COMMITTER_DATE", date)
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A site in a repository of three commits: the first adds every page, the second changes
/// `a.md`, the third only `site.toml`. `c.md` is never committed; `b.md` has `updated`.
fn site_with_history() -> TestSite {
    let site = TestSite::new()
        .file(
            "site.toml",
            "title = \"T\"\nbase_url = \"https://example.org/\"\ndates_from_git = true\n",
        )
        .file("content/_index.md", page("Home", "", ""))
        .file("content/a.md", page("A", "date = 2020-01-01\n", "First."))
        .file("content/b.md", page("B", "updated = 2019-05-05\n", ""));
    let root = site.root();
    git(root, &["init", "-q"], "2021-01-02T03:04:05Z");
    git(root, &["add", "."], "2021-01-02T03:04:05Z");
    git(root, &["commit", "-qm", "one"], "2021-01-02T03:04:05Z");
    site.write("content/a.md", page("A", "date = 2020-01-01\n", "Second."));
    git(root, &["commit", "-qam", "two"], "2022-06-07T08:09:10Z");
    site.write(
        "site.toml",
        "title = \"T2\"\nbase_url = \"https://example.org/\"\ndates_from_git = true\n",
    );
    git(root, &["commit", "-qam", "three"], "2023-03-03T03:03:03Z");
    site.write("content/c.md", page("C", "", ""));
    site
}

#[test]
fn a_page_without_updated_takes_its_last_commit_date_everywhere() {
    let site = site_with_history();
    let run = site.build();
    assert!(!run.stderr.contains("warning"), "{}", run.stderr);
    let a = site.read("a/index.html");
    assert!(
        a.contains("last updated <time datetime=\"2022-06-07T08:09:10+00:00\">7 June 2022</time>"),
        "{a}"
    );
    // `updated` wins over the history; a file never committed has no date.
    assert!(site
        .read("b/index.html")
        .contains("datetime=\"2019-05-05\""));
    assert!(!site.read("c/index.html").contains("ast updated"));
    let sitemap = site.read("sitemap.xml");
    for (url, lastmod) in [
        ("https://example.org/a/", Some("2022-06-07")),
        ("https://example.org/b/", Some("2019-05-05")),
        ("https://example.org/", Some("2021-01-02")),
        ("https://example.org/c/", None),
    ] {
        let entry = match lastmod {
            Some(d) => format!("<loc>{url}</loc><lastmod>{d}</lastmod>"),
            None => format!("<loc>{url}</loc></url>"),
        };
        assert!(sitemap.contains(&entry), "{entry} in {sitemap}");
    }
    let feed = site.read("atom.xml");
    assert!(
        feed.contains("<published>2020-01-01T00:00:00Z</published>\n    <updated>2022-06-07T08:09:10+00:00</updated>"),
        "{feed}"
    );
}

#[test]
fn dates_from_git_is_off_unless_asked_for() {
    let site = site_with_history();
    site.write(
        "site.toml",
        "title = \"T\"\nbase_url = \"https://example.org/\"\n",
    );
    site.build();
    assert!(!site.read("a/index.html").contains("last updated"));
    assert!(site
        .read("sitemap.xml")
        .contains("<loc>https://example.org/a/</loc><lastmod>2020-01-01</lastmod>"));
}

#[test]
fn a_site_outside_any_repository_gets_no_dates_and_no_warning() {
    let site = TestSite::new()
        .file(
            "site.toml",
            "title = \"T\"\nbase_url = \"https://example.org/\"\ndates_from_git = true\n",
        )
        .file("content/_index.md", page("Home", "", ""))
        .file("content/a.md", page("A", "", ""));
    let run = site.build();
    assert!(!run.stderr.contains("warning"), "{}", run.stderr);
    assert!(!site.read("a/index.html").contains("Last updated"));
    assert!(!site.read("sitemap.xml").contains("<lastmod>"));
}

#[test]
fn a_shallow_clone_dates_what_its_history_holds_and_warns_once() {
    let origin = site_with_history();
    // The last commit changes a.md again: a two-commit clone (the older one's parents
    // missing, so what it changed is unknown) knows a.md's date only.
    origin.write("content/a.md", page("A", "date = 2020-01-01\n", "Third."));
    git(
        origin.root(),
        &["commit", "-qam", "four"],
        "2024-04-04T04:04:04Z",
    );
    let clone = tempfile::tempdir().unwrap();
    let url = format!("file://{}", origin.root().display());
    git(
        clone.path(),
        &["clone", "-q", "--depth", "2", &url, "site"],
        "2024-04-04T04:04:04Z",
    );
    let root = clone.path().join("site");
    let run = crate::support::run(&root, &["build"], &[]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(run.stderr.matches("warning").count(), 1, "{}", run.stderr);
    assert!(
        run.stderr.contains(
            "warning: the repository is a shallow clone: 2 content files not changed since its first commit get no date from the history\n--> site.toml\n = help: fetch the whole history (`git fetch --unshallow`; with actions/checkout, `fetch-depth: 0`), or set dates_from_git = false\n"
        ),
        "{}",
        run.stderr
    );
    let read = |p: &str| std::fs::read_to_string(root.join("public").join(p)).unwrap();
    assert!(read("a/index.html").contains("datetime=\"2024-04-04T04:04:04+00:00\""));
    assert!(!read("b/index.html").contains("2024"));
    assert!(!read("sitemap.xml").contains("<loc>https://example.org/</loc><lastmod>"));
}

#[test]
fn a_merge_dates_a_file_by_the_commit_that_changed_it_not_by_the_merge() {
    let site = TestSite::new()
        .file(
            "site.toml",
            "title = \"T\"\nbase_url = \"https://example.org/\"\ndates_from_git = true\n",
        )
        .file("content/_index.md", page("Home", "", ""))
        .file("content/a.md", page("A", "", "One."))
        .file("content/b.md", page("B", "", "One."));
    let root = site.root();
    git(root, &["init", "-q"], "2021-01-01T00:00:00Z");
    git(root, &["add", "."], "2021-01-01T00:00:00Z");
    git(root, &["commit", "-qm", "one"], "2021-01-01T00:00:00Z");
    git(root, &["checkout", "-qb", "side"], "2021-01-01T00:00:00Z");
    site.write("content/a.md", page("A", "", "Two."));
    git(
        root,
        &["commit", "-qam", "a on a branch"],
        "2022-02-02T00:00:00Z",
    );
    git(root, &["checkout", "-q", "main"], "2022-02-02T00:00:00Z");
    site.write("content/b.md", page("B", "", "Two."));
    git(
        root,
        &["commit", "-qam", "b on main"],
        "2023-03-03T00:00:00Z",
    );
    git(
        root,
        &["merge", "-q", "--no-ff", "-m", "merge", "side"],
        "2024-04-04T00:00:00Z",
    );
    site.build();
    let sitemap = site.read("sitemap.xml");
    for (url, lastmod) in [
        ("https://example.org/a/", "2022-02-02"),
        ("https://example.org/b/", "2023-03-03"),
        ("https://example.org/", "2021-01-01"),
    ] {
        let entry = format!("<loc>{url}</loc><lastmod>{lastmod}</lastmod>");
        assert!(sitemap.contains(&entry), "{entry} in {sitemap}");
    }
}
