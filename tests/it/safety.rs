//! What weft must never do to the file system, whatever it is asked: delete or overwrite a file
//! it did not write, write through a link, or publish a byte from outside the site. Each test
//! is a way a new user lost data or leaked a secret with an earlier weft (issue 11).

use std::fs;
use std::path::Path;
use std::process::Command;

use crate::support::{assert_text, page, tree, TestSite, WEFT};

/// Runs `weft ARGS` from inside `dir` (so `--output .` and `..` mean what a user means).
fn weft_in(dir: &Path, args: &[&str]) -> (Option<i32>, String) {
    let out = Command::new(WEFT)
        .current_dir(dir)
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("run weft");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `weft new s` in a fresh folder, with a file beside the site; returns (folder, site).
fn new_site() -> (tempfile::TempDir, std::path::PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let (code, stderr) = weft_in(tmp.path(), &["new", "s"]);
    assert_eq!(code, Some(0), "{stderr}");
    fs::write(tmp.path().join("beside.txt"), "a file next to the site").unwrap();
    let site = tmp.path().join("s");
    (tmp, site)
}

#[test]
fn an_output_folder_that_is_or_holds_the_site_is_refused_whatever_marker_it_has() {
    let (tmp, site) = new_site();
    fs::write(site.join(".weft-output"), "").unwrap();
    fs::write(site.join("content/.weft-output"), "").unwrap();
    let before_site = tree(&site);
    for (output, what) in [
        (".", "is the site's folder"),
        ("content", "is the site's content/ folder"),
        ("..", "holds the site's folder"),
        ("content/public", "lies inside the site's content/ folder"),
    ] {
        let (code, stderr) = weft_in(&site, &["build", "--output", output]);
        assert_eq!(code, Some(2), "--output {output}: {stderr}");
        assert_text(
            &stderr,
            &format!(
                "error: refusing to write the site into {output}: that folder {what}
 = help: choose an output folder of its own, such as public/ (the default): weft replaces and removes files there

error: build failed with 1 error
"
            ),
            output,
        );
    }
    assert_eq!(tree(&site), before_site, "the site is untouched");
    assert_eq!(
        fs::read_to_string(tmp.path().join("beside.txt")).unwrap(),
        "a file next to the site"
    );
    // The default still works.
    let (code, stderr) = weft_in(&site, &["build"]);
    assert_eq!(code, Some(0), "{stderr}");
}

#[test]
fn a_build_removes_only_files_it_wrote_and_never_replaces_anyone_else_s() {
    let site = TestSite::new()
        .file("content/a.md", page("A", "", ""))
        .file("content/b.md", page("B", "", ""));
    site.build();
    site.write("public/CNAME", "docs.example.org\n");
    site.write("public/b/notes.txt", "mine\n");
    site.remove("content/b.md");
    site.build();
    assert_eq!(site.read("CNAME"), "docs.example.org\n");
    assert_eq!(site.read("b/notes.txt"), "mine\n");
    assert!(
        !site.path("public/b/index.html").exists(),
        "weft's own stale page goes"
    );

    // A file the site now makes, where the user put one of their own: refused, kept.
    site.write("public/c/index.html", "hand-made\n");
    site.write("content/c.md", page("C", "", ""));
    let run = site.weft(&["build"]);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    let public = site.path("public");
    let shown = public.join("c/index.html").display().to_string();
    assert_text(
        &run.stderr.replace(&shown, "PUBLIC/c/index.html"),
        "error: refusing to replace PUBLIC/c/index.html: weft did not write it
--> PUBLIC/c/index.html
 = help: the site makes a file at this path; move the one in the output folder away (into static/, if it should be published as it is), or choose another output folder. .weft-output lists the files weft wrote

error: build failed with 1 error
",
        "foreign file in the way",
    );
    assert_eq!(site.read("c/index.html"), "hand-made\n");
}

#[test]
fn a_linked_folder_in_the_output_is_never_written_through() {
    let site = TestSite::new().file("content/a.md", page("A", "", ""));
    site.build();
    let elsewhere = tempfile::tempdir().unwrap();
    fs::write(elsewhere.path().join("site.css"), "foreign").unwrap();
    fs::remove_dir_all(site.path("public/css")).unwrap();
    std::os::unix::fs::symlink(elsewhere.path(), site.path("public/css")).unwrap();

    let run = site.weft(&["build"]);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    let link = site.path("public/css").display().to_string();
    let target = elsewhere.path().display().to_string();
    assert_text(
        &run.stderr.replace(&link, "LINK").replace(&target, "ELSEWHERE"),
        "error: refusing to write through LINK: it is a symbolic link (to ELSEWHERE)
--> LINK
 = help: weft writes only real files and folders in its output folder, so it never changes a file elsewhere: remove the link, or choose another output folder

error: build failed with 1 error
",
        "link in the output",
    );
    assert_eq!(
        fs::read_to_string(elsewhere.path().join("site.css")).unwrap(),
        "foreign"
    );
    assert!(site.path("public/css").is_symlink(), "left as it was");
}

#[test]
fn a_link_leaving_the_site_is_an_error_naming_link_and_target() {
    let outside = tempfile::tempdir().unwrap();
    let secret = outside.path().join("secret.txt");
    fs::write(&secret, "TOKEN=hunter2").unwrap();
    let site = TestSite::new()
        .file("content/a.md", page("A", "", ""))
        .file(".env", "TOKEN=hunter2")
        .symlink("content/notes/env.txt", "/proc/self/environ")
        .symlink("static/secret.txt", secret.to_str().unwrap())
        .symlink("static/dotenv.txt", "../.env")
        .symlink("templates/page.html", secret.to_str().unwrap());
    let stderr = site.build_err();
    let stderr = stderr.replace(secret.to_str().unwrap(), "SECRET");
    assert_text(
        &stderr,
        "error: content/notes/env.txt is a symbolic link outside the site's folder (to /proc/self/environ), so weft will not publish it
--> content/notes/env.txt
 = help: copy the file into the site instead; if publishing what the link points to is meant, set allow_links_outside = true in site.toml

error: static/dotenv.txt is a symbolic link to a hidden file or folder of the site (to ../.env), so weft will not publish it
--> static/dotenv.txt
 = help: copy the file into the site instead; if publishing what the link points to is meant, set allow_links_outside = true in site.toml

error: static/secret.txt is a symbolic link outside the site's folder (to SECRET), so weft will not publish it
--> static/secret.txt
 = help: copy the file into the site instead; if publishing what the link points to is meant, set allow_links_outside = true in site.toml

error: templates/page.html is a symbolic link outside the site's folder (to SECRET), so weft will not publish it
--> templates/page.html
 = help: copy the file into the site instead; if publishing what the link points to is meant, set allow_links_outside = true in site.toml

error: build failed with 4 errors
",
        "links leaving the site",
    );
    assert!(!site.path("public").exists(), "nothing published");

    // The opt-in, for people who mean it.
    site.write(
        "site.toml",
        "title = \"Test\"\nallow_links_outside = true\n",
    );
    site.remove("content/notes/env.txt");
    site.remove("templates/page.html");
    site.build();
    assert_eq!(site.read("secret.txt"), "TOKEN=hunter2");
}

#[test]
fn a_named_pipe_in_the_site_is_reported_not_read() {
    let site = TestSite::new().file("content/a.md", page("A", "", ""));
    fs::create_dir_all(site.path("static")).unwrap();
    let status = Command::new("mkfifo")
        .arg(site.path("static/pipe"))
        .status()
        .expect("mkfifo");
    assert!(status.success());
    let stderr = site.build_err();
    assert_text(
        &stderr,
        "error: static/pipe is a named pipe (FIFO), not a regular file
--> static/pipe
 = help: remove it from the site's folders: weft publishes regular files only

error: build failed with 1 error
",
        "fifo",
    );
}

#[test]
fn an_alias_onto_a_file_weft_writes_is_a_located_error() {
    let site = TestSite::new()
        .file("site.toml", "title = \"Test\"\nbase_url = \"https://example.org/\"\n")
        .file("content/news/_index.md", page("News", "", ""))
        .file(
            "content/a.md",
            page(
                "A",
                "aliases = [\"/404.html\", \"/search/\", \"/sitemap.xml\", \"/css/site.css\", \"/news/atom.xml/\"]\n",
                "",
            ),
        );
    let stderr = site.build_err();
    assert_text(
        &stderr,
        r#"error: alias "/404.html" of content/a.md claims 404.html, which is the not-found page weft writes
 --> content/a.md:3:13
  |
3 | aliases = ["/404.html", "/search/", "/sitemap.xml", "/css/site.css", "/news/atom.xml/"]
  |             ^^^^^^^^^
  |
  = help: remove the alias, or choose an old URL that weft does not write itself

error: alias "/search/" of content/a.md claims search/index.html, which is the search page weft writes
 --> content/a.md:3:26
  |
3 | aliases = ["/404.html", "/search/", "/sitemap.xml", "/css/site.css", "/news/atom.xml/"]
  |                          ^^^^^^^^
  |
  = help: remove the alias, or choose an old URL that weft does not write itself

error: alias "/sitemap.xml" of content/a.md is written at sitemap.xml/index.html, which collides with the sitemap weft writes at sitemap.xml (one path cannot be both a file and a folder)
 --> content/a.md:3:38
  |
3 | aliases = ["/404.html", "/search/", "/sitemap.xml", "/css/site.css", "/news/atom.xml/"]
  |                                      ^^^^^^^^^^^^
  |
  = help: remove the alias, or choose an old URL that weft does not write itself

error: alias "/css/site.css" of content/a.md is written at css/site.css/index.html, which collides with the file copied from the theme at css/site.css (one path cannot be both a file and a folder)
 --> content/a.md:3:54
  |
3 | aliases = ["/404.html", "/search/", "/sitemap.xml", "/css/site.css", "/news/atom.xml/"]
  |                                                      ^^^^^^^^^^^^^
  |
  = help: remove the alias, or choose an old URL that weft does not write itself

error: alias "/news/atom.xml/" of content/a.md is written at news/atom.xml/index.html, which collides with the Atom feed of content/news/_index.md at news/atom.xml (one path cannot be both a file and a folder)
 --> content/a.md:3:71
  |
3 | aliases = ["/404.html", "/search/", "/sitemap.xml", "/css/site.css", "/news/atom.xml/"]
  |                                                                       ^^^^^^^^^^^^^^^
  |
  = help: remove the alias, or choose an old URL that weft does not write itself

error: build failed with 5 errors
"#,
        "aliases onto generated files",
    );
}

#[test]
fn a_slug_too_long_for_a_file_name_is_located_and_no_message_shows_a_staging_folder() {
    let long = "a".repeat(300);
    let site = TestSite::new().file(
        "content/x.md",
        page("X", &format!("slug = \"{long}\"\n"), ""),
    );
    let stderr = site.build_err();
    assert!(!stderr.contains(".weft-staging"), "{stderr}");
    assert!(
        stderr.starts_with("error: content/x.md would be written at a name of 300 bytes, longer than file systems allow (255)\n --> content/x.md:3:9\n"),
        "{stderr}"
    );
}

#[test]
fn base_url_must_be_an_absolute_http_url_or_a_path() {
    for (value, problem) in [
        (
            "not a url",
            "it is neither an absolute http(s) URL nor a path starting with `/`",
        ),
        (
            "javascript:alert(1)",
            "its scheme is `javascript`; a site lives at an http or https URL",
        ),
    ] {
        let site = TestSite::new().file(
            "site.toml",
            format!("title = \"Test\"\nbase_url = \"{value}\"\n"),
        );
        let run = site.weft(&["build"]);
        assert_eq!(run.code, Some(1), "{}", run.stderr);
        let caret = "^".repeat(value.len());
        assert_text(
            &run.stderr,
            &format!(
                "error: invalid base_url \"{value}\": {problem}
 --> site.toml:2:13
  |
2 | base_url = \"{value}\"
  |             {caret}
  |
  = help: write the address the site will live at, e.g. base_url = \"https://example.org/docs/\", or a path such as \"/\" for a site that is only previewed

error: build failed with 1 error
"
            ),
            value,
        );
        assert!(!site.path("public").exists());
    }
    let site = TestSite::new();
    let run = site.weft(&["build", "--base-url", "javascript:alert(1)"]);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(
        run.stderr.contains("invalid value 'javascript:alert(1)' for '--base-url <BASE_URL>': its scheme is `javascript`"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_path_base_url_writes_no_sitemap_or_feed_with_relative_urls_and_says_so() {
    let site = TestSite::new()
        .file("content/news/_index.md", page("News", "", ""))
        .file("content/news/a.md", page("A", "date = 2026-01-01\n", ""));
    let run = site.build();
    assert!(
        run.stderr.ends_with("warning: base_url \"/\" is a path, not an absolute URL, so sitemap.xml and the Atom feeds were not written (both formats need absolute URLs)\n = help: before publishing, set base_url = \"https://…/\" in site.toml or pass --base-url\n"),
        "{}",
        run.stderr
    );
    let files = site.output();
    for feed in ["sitemap.xml", "atom.xml", "news/atom.xml"] {
        assert!(
            !files.contains_key(feed),
            "{feed} written with relative URLs"
        );
    }
    assert_eq!(site.read("robots.txt"), "User-agent: *\nAllow: /\n");
    assert!(
        !site.read("index.html").contains("atom.xml"),
        "no link to a feed that is not there"
    );

    let run = site.build_with(&["--base-url", "https://example.org/docs/"]);
    assert!(!run.stderr.contains("warning"), "{}", run.stderr);
    assert!(site
        .read("sitemap.xml")
        .contains("<loc>https://example.org/docs/news/a/</loc>"));
    assert!(site
        .read("robots.txt")
        .ends_with("Sitemap: https://example.org/docs/sitemap.xml\n"));
    assert!(site
        .read("news/atom.xml")
        .contains("<id>https://example.org/docs/news/</id>"));
}

#[test]
fn an_output_path_that_is_a_file_is_refused_and_kept() {
    let site = TestSite::new().file("notes.txt", "mine\n");
    let run = site.weft(&[
        "build",
        "--output",
        site.path("notes.txt").to_str().unwrap(),
    ]);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("notes.txt: it is a file, not a folder\n"),
        "{}",
        run.stderr
    );
    assert_eq!(
        fs::read_to_string(site.path("notes.txt")).unwrap(),
        "mine\n"
    );
}

#[test]
fn the_site_s_own_files_win_over_what_weft_makes_and_a_page_may_not_hide_one() {
    let site = TestSite::new()
        .file("content/a.md", page("A", "", ""))
        .file("static/robots.txt", "User-agent: *\nDisallow: /drafts/\n")
        .file("static/404.html", "<!DOCTYPE html><title>Lost</title>\n");
    site.build();
    assert_eq!(
        site.read("robots.txt"),
        "User-agent: *\nDisallow: /drafts/\n"
    );
    assert_eq!(
        site.read("404.html"),
        "<!DOCTYPE html><title>Lost</title>\n"
    );

    site.write("static/a/index.html", "hand-made\n");
    let stderr = site.build_err();
    assert!(
        stderr.starts_with("error: content/a.md is written at a/index.html, where the file static/a/index.html is copied too\n --> content/a.md:1:1\n"),
        "{stderr}"
    );
}

/// `weft serve` lists and reads files by the rule `weft build` does: a link out of the site
/// is an error for both (served: nothing behind it), and allowed in site.toml it is published
/// by both; the site's own robots.txt wins over weft's in both.
#[test]
fn serve_and_build_agree_on_links_leaving_the_site_and_on_the_site_s_own_files() {
    let outside = tempfile::tempdir().unwrap();
    let secret = outside.path().join("shared.txt");
    fs::write(&secret, "SHARED ON PURPOSE").unwrap();
    let site = TestSite::new()
        .file("content/a.md", page("A", "", ""))
        .file("static/robots.txt", "User-agent: *\nDisallow: /a/\n")
        .symlink("static/shared.txt", secret.to_str().unwrap());
    assert!(site
        .build_err()
        .contains("static/shared.txt is a symbolic link outside the site's folder"));
    let serve = crate::serve::Serve::start(site.root(), &[]);
    let reply = serve.request("GET", "/shared.txt");
    assert_ne!(reply.status, 200);
    assert!(!reply.text().contains("SHARED ON PURPOSE"));
    drop(serve);

    site.write(
        "site.toml",
        "title = \"Test\"\nallow_links_outside = true\n",
    );
    site.build();
    assert_eq!(site.read("shared.txt"), "SHARED ON PURPOSE");
    assert_eq!(site.read("robots.txt"), "User-agent: *\nDisallow: /a/\n");
    let serve = crate::serve::Serve::start(site.root(), &[]);
    let reply = serve.wait_for("/shared.txt", "the linked file", |r| r.status == 200);
    assert_eq!(reply.text(), "SHARED ON PURPOSE");
    let robots = serve.request("GET", "/robots.txt");
    assert_eq!(robots.text(), "User-agent: *\nDisallow: /a/\n");
}
