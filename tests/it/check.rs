//! `weft check`: what it reports (broken raw links and anchors, orphan pages, images without alt,
//! build errors), where (file:line:col), in which format (text, JSON), with which exit code; and
//! `--external` against local HTTP servers on 127.0.0.1: HEAD then GET, the day-long cache,
//! unreachable sites as warnings unless `--strict`, the timeout.

use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use crate::support::{page, Reply, TestServer, TestSite};

/// Docs section with a page holding a broken raw link, a broken anchor and an image without
/// alt; a root page nothing links to.
fn flawed_site() -> TestSite {
    TestSite::new()
        .file("content/_index.md", page("Home", "", "Welcome.\n"))
        .file("content/docs/_index.md", page("Docs", "", ""))
        .file(
            "content/docs/a.md",
            page(
                "A",
                "",
                "See [nowhere](/nowhere/) and [b](/docs/b/#nope).\n\n![](/pic.png)\n",
            ),
        )
        .file("content/docs/b.md", page("B", "", "## Hello\n"))
        .file("content/lonely.md", page("Lonely", "", "Alone.\n"))
        .file("content/pic.png", "PNG")
}

#[test]
fn check_reports_raw_links_anchors_images_and_orphans_where_they_are_written() {
    let site = flawed_site();
    let run = site.weft(&["check"]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    let (diagnostics, summary) = run.stderr.trim_end().rsplit_once("\n\n").unwrap();
    assert_eq!(
        diagnostics,
        r#"error: broken link /nowhere/
 --> content/docs/a.md:4:15
  |
4 | See [nowhere](/nowhere/) and [b](/docs/b/#nope).
  |               ^^^^^^^^^ no file of the built site has this path
  |

error: broken anchor #nope in link /docs/b/#nope
 --> content/docs/a.md:4:34
  |
4 | See [nowhere](/nowhere/) and [b](/docs/b/#nope).
  |                                  ^^^^^^^^^^^^^ the target page has no element with this id
  |

warning: image without alt text: /pic.png
 --> content/docs/a.md:6:5
  |
6 | ![](/pic.png)
  |     -------- describe the image for readers who cannot see it
  |
  = help: in Markdown, put the description in the brackets: ![A map of Kenya](kenya.png)

warning: no page links to content/lonely.md
--> content/lonely.md
 = help: link to it from another page or its section, or mark it `draft = true`"#
    );
    assert!(summary.starts_with("checked 5 pages, "), "{summary}");
    assert!(
        summary.ends_with(" links: 2 errors, 2 warnings"),
        "{summary}"
    );
}

#[test]
fn json_format_lists_every_finding_with_kind_and_location_on_stdout() {
    let run = flawed_site().weft(&["check", "--format", "json"]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON on stdout");
    assert_eq!(
        (&json["ok"], &json["errors"], &json["warnings"]),
        (&false.into(), &2.into(), &2.into())
    );
    let findings: Vec<String> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{} {} {}:{}:{}",
                f["severity"].as_str().unwrap(),
                f["kind"].as_str().unwrap(),
                f["file"].as_str().unwrap(),
                f["line"],
                f["column"]
            )
        })
        .collect();
    assert_eq!(
        findings,
        [
            "error broken-link content/docs/a.md:4:15",
            "error broken-anchor content/docs/a.md:4:34",
            "warning missing-alt content/docs/a.md:6:5",
            "warning orphan-page content/lonely.md:null:null",
        ]
    );
}

#[test]
fn warnings_pass_unless_strict() {
    let site = TestSite::new()
        .file("content/_index.md", page("Home", "", "Hi.\n"))
        .file("content/lonely.md", page("Lonely", "", "Alone.\n"));
    let run = site.weft(&["check"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(run.stderr.contains("0 errors, 1 warning"), "{}", run.stderr);
    assert_eq!(site.weft(&["check", "--strict"]).code, Some(1));
}

#[test]
fn a_clean_site_passes_with_a_summary_line() {
    let site = TestSite::new()
        .file(
            "content/_index.md",
            page("Home", "", "See [A](@/a.md#part).\n"),
        )
        .file(
            "content/a.md",
            page("A", "", "## Part\n![A loom](/loom.png)\n"),
        )
        .file("content/loom.png", "PNG");
    let run = site.weft(&["check"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(
        run.stderr.starts_with("checked 2 pages, ")
            && run.stderr.ends_with(": 0 errors, 0 warnings\n"),
        "{}",
        run.stderr
    );
}

#[test]
fn build_errors_are_findings_too() {
    let site = TestSite::new()
        .file("site.toml", "title = \"Test\"\n[collections.countries]\n")
        .file("content/countries/_index.md", page("Countries", "", ""))
        .file("content/countries/kenya.md", page("Kenya", "", ""))
        .file("content/a.md", page("A", "countries = [\"Keyna\"]\n", ""));
    let run = site.weft(&["check"]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("error: unknown country \"Keyna\"\n --> content/a.md:3:14\n"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .ends_with("check failed: the build has 1 error\n"),
        "{}",
        run.stderr
    );
    let json = site.weft(&["check", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(json["findings"][0]["kind"], "unknown-reference");
    assert_eq!(json["findings"][0]["label"], "did you mean \"Kenya\"?");
}

#[test]
fn a_folder_without_a_site_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let run = crate::support::run(dir.path(), &["check"], &[]);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(
        run.stderr.contains("cannot read site.toml"),
        "{}",
        run.stderr
    );
}

/// A port on 127.0.0.1 where nothing listens (bound, then released).
fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// A server answering /ok, refusing HEAD on /no-head, and 404 elsewhere; it logs each request.
fn link_server() -> (TestServer, Arc<Mutex<Vec<String>>>) {
    let log = Arc::new(Mutex::new(Vec::new()));
    let seen = log.clone();
    let server = TestServer::start(move |method, url| -> Reply {
        seen.lock().unwrap().push(format!("{method} {url}"));
        match (method, url) {
            (_, "/ok") => (200, vec![], b"fine".to_vec()),
            ("HEAD", "/no-head") => (405, vec![], vec![]),
            ("GET", "/no-head") => (200, vec![], b"fine".to_vec()),
            _ => (404, vec![], b"gone".to_vec()),
        }
    });
    (server, log)
}

fn kinds(stdout: &str) -> Vec<String> {
    let json: serde_json::Value = serde_json::from_str(stdout).expect("JSON");
    json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{} {}",
                f["kind"].as_str().unwrap(),
                f["message"].as_str().unwrap()
            )
        })
        .collect()
}

#[test]
fn external_links_are_asked_head_then_get_and_cached_for_a_day() {
    let (server, log) = link_server();
    let down = format!("http://127.0.0.1:{}/", closed_port());
    let body = format!(
        "[ok]({}) [gone]({}) [no head]({}) [down]({down})\n",
        server.url("/ok"),
        server.url("/gone"),
        server.url("/no-head"),
    );
    let site = TestSite::new().file("content/_index.md", page("Home", "", &body));
    let run = site.weft(&["check", "--external", "--format", "json"]);
    assert_eq!(run.code, Some(1), "a 404 is an error:\n{}", run.stdout);
    let expected = [
        format!(
            "broken-external-link broken external link {}",
            server.url("/gone")
        ),
        format!("unreachable-external-link could not check external link {down}"),
    ];
    assert_eq!(kinds(&run.stdout), expected);
    let mut requests = log.lock().unwrap().clone();
    requests.sort();
    assert_eq!(
        requests,
        [
            "GET /gone",
            "GET /no-head",
            "HEAD /gone",
            "HEAD /no-head",
            "HEAD /ok"
        ]
    );
    let cache = std::fs::read_to_string(site.path(".weft-cache/external-links.json")).unwrap();
    assert!(cache.contains("/ok") && cache.contains("/gone"), "{cache}");
    assert!(
        !cache.contains(&down),
        "unreachable sites are not cached:\n{cache}"
    );

    // With the server gone, the cached answers still stand; nothing new is asked.
    let url_gone = server.url("/gone");
    drop(server);
    log.lock().unwrap().clear();
    let again = site.weft(&["check", "--external", "--format", "json"]);
    assert_eq!(kinds(&again.stdout), expected);
    assert!(log.lock().unwrap().is_empty());
    assert!(again.stdout.contains(&url_gone));
}

#[test]
fn unreachable_and_silent_sites_are_warnings_unless_strict() {
    // Bound but never accepting: requests get no answer and time out.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let silent_url = format!("http://127.0.0.1:{}/", silent.local_addr().unwrap().port());
    let down = format!("http://127.0.0.1:{}/", closed_port());
    let site = TestSite::new().file(
        "content/_index.md",
        page(
            "Home",
            "",
            &format!("[silent]({silent_url}) [down]({down})\n"),
        ),
    );
    let run = site.weft(&["check", "--external", "--timeout", "1", "--format", "json"]);
    assert_eq!(
        run.code,
        Some(0),
        "network failures are not fatal:\n{}",
        run.stdout
    );
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let findings = json["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 2, "{}", run.stdout);
    for f in findings {
        assert_eq!(
            (f["severity"].as_str(), f["kind"].as_str()),
            (Some("warning"), Some("unreachable-external-link"))
        );
    }
    let silent_finding = findings
        .iter()
        .find(|f| f["message"].as_str().unwrap().ends_with(&silent_url))
        .unwrap();
    assert!(
        silent_finding["label"].as_str().unwrap().contains("imeout")
            || silent_finding["label"]
                .as_str()
                .unwrap()
                .contains("timed out"),
        "{silent_finding}"
    );
    let strict = site.weft(&["check", "--external", "--timeout", "1", "--strict"]);
    assert_eq!(strict.code, Some(1), "{}", strict.stderr);
    drop(silent);
}

#[test]
fn a_broken_link_made_by_a_template_is_reported_once() {
    let site = TestSite::new()
        .file(
            "templates/page.html",
            "{% extends \"base.html\" %}{% block content %}<a href=\"{{ url('missing/') }}\">x</a>{{ page.content|safe }}{% endblock %}",
        )
        .file("content/_index.md", page("Home", "", "[A](@/a.md) [B](@/b.md)\n"))
        .file("content/a.md", page("A", "", "A.\n"))
        .file("content/b.md", page("B", "", "B.\n"));
    let run = site.weft(&["check"]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    let (diagnostics, _) = run.stderr.trim_end().rsplit_once("\n\n").unwrap();
    assert_eq!(
        diagnostics,
        "error: broken link /missing/\n\
         --> content/a.md\n \
         = note: no file of the built site has this path\n \
         = help: the link is made by a template (found on 2 pages); fix it in the theme or the site's templates/"
    );
}

/// A page in a bundle with images and links written relative to it, as an author writes them.
fn relative_site() -> TestSite {
    TestSite::new()
        .file(
            "content/_index.md",
            page("Home", "", "[Report](@/reports/1999/index.md)\n"),
        )
        .file("content/reports/_index.md", page("Reports", "", ""))
        .file(
            "content/reports/1999/index.md",
            page(
                "1999",
                "",
                "Intro.\n\n![](x.png)\n\n![The chart](../maps/chart.svg)\n\n[Data](missing.csv)\n",
            ),
        )
        .file("content/reports/1999/x.png", "PNG")
        .file(
            "content/reports/maps/index.md",
            page("Maps", "", "[Up](../)\n"),
        )
        .file("content/reports/maps/chart.svg", "<svg/>")
}

#[test]
fn relative_urls_are_resolved_as_a_browser_does_and_located_in_the_markdown() {
    let run = relative_site().weft(&["check"]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    let (diagnostics, _) = run.stderr.trim_end().rsplit_once("\n\n").unwrap();
    assert_eq!(
        diagnostics,
        r#"error: broken link /reports/1999/missing.csv
  --> content/reports/1999/index.md:10:8
   |
10 | [Data](missing.csv)
   |        ^^^^^^^^^^^ no file of the built site has this path
   |

warning: image without alt text: /reports/1999/x.png
 --> content/reports/1999/index.md:6:5
  |
6 | ![](x.png)
  |     ----- describe the image for readers who cannot see it
  |
  = help: in Markdown, put the description in the brackets: ![A map of Kenya](kenya.png)"#
    );
}

#[test]
fn busy_and_failing_sites_are_asked_again_next_time() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let seen = log.clone();
    let server = TestServer::start(move |method, url| -> Reply {
        seen.lock().unwrap().push(format!("{method} {url}"));
        match url {
            "/busy" => (429, vec![], b"slow down".to_vec()),
            "/down" => (503, vec![], b"later".to_vec()),
            _ => (200, vec![], b"fine".to_vec()),
        }
    });
    let body = format!(
        "[busy]({}) [down]({}) [ok]({})\n",
        server.url("/busy"),
        server.url("/down"),
        server.url("/ok")
    );
    let site = TestSite::new().file("content/_index.md", page("Home", "", &body));
    let expected = [
        format!(
            "unreachable-external-link could not check external link {}",
            server.url("/busy")
        ),
        format!(
            "unreachable-external-link could not check external link {}",
            server.url("/down")
        ),
    ];
    let first = site.weft(&["check", "--external", "--format", "json"]);
    assert_eq!(first.code, Some(0), "{}", first.stdout);
    assert_eq!(kinds(&first.stdout), expected);
    let cache = std::fs::read_to_string(site.path(".weft-cache/external-links.json")).unwrap();
    assert!(
        cache.contains("/ok") && !cache.contains("/busy") && !cache.contains("/down"),
        "only definitive answers are kept:\n{cache}"
    );

    log.lock().unwrap().clear();
    let again = site.weft(&["check", "--external", "--format", "json"]);
    assert_eq!(kinds(&again.stdout), expected);
    let mut requests = log.lock().unwrap().clone();
    requests.sort();
    assert_eq!(
        requests,
        ["GET /busy", "GET /down", "HEAD /busy", "HEAD /down"]
    );
}

#[test]
fn wikilink_brackets_left_in_a_built_page_are_errors_where_they_are_written() {
    let site = TestSite::new()
        .file(
            "content/_index.md",
            page(
                "Home",
                "",
                "See [[Kenya] for details.\n\nIn code, `[[Kenya]]` is meant.\n\n[Kenya](@/kenya.md)\n",
            ),
        )
        .file("content/kenya.md", page("Kenya", "", "Kenya.\n"));
    let run = site.weft(&["check"]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    let (diagnostics, summary) = run.stderr.trim_end().rsplit_once("\n\n").unwrap();
    assert_eq!(
        diagnostics,
        r#"error: wikilink brackets left as text: [[Kenya] for details.
 --> content/_index.md:4:5
  |
4 | See [[Kenya] for details.
  |     ^^^^^^^^^^^^^^^^^^^^^ readers see this as text, not as a link
  |
  = help: write a wikilink on one line as [[Name]] or [[Name|label]] (in a table cell too); to show double brackets as text, put them in `code`"#
    );
    assert!(summary.ends_with(": 1 error, 0 warnings"), "{summary}");
}
