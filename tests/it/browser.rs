//! Live reload in a real browser (headless Chromium, driven by `chromium.rs`) against the real
//! `weft serve`: a Markdown edit shows up with no manual reload; a stylesheet edit is swapped in
//! without reloading; broken front matter shows an overlay naming file:line (as text, never as
//! HTML) while the last good page stays, and fixing it removes the overlay; eight tabs share
//! one event stream and all still load and reload; a restarted server reloads open pages.
//! Every wait polls the page with a deadline.

use std::time::Instant;

use serde_json::{json, Value};

use crate::chromium::{Chromium, DEADLINE};
use crate::serve::Serve;
use crate::support::TestSite;

/// Polls `expression` in the page until it is `true`.
fn wait_true(browser: &mut Chromium, expression: &str, what: &str) {
    let guarded =
        format!("(() => {{ try {{ return !!({expression}); }} catch (e) {{ return false; }} }})()");
    let deadline = Instant::now() + DEADLINE;
    while browser.eval(&guarded) != Value::Bool(true) {
        assert!(
            Instant::now() < deadline,
            "{what}: `{expression}` did not become true within {DEADLINE:?}"
        );
    }
}

/// Opens `path` and waits until its live-reload stream said hello.
fn open(browser: &mut Chromium, serve: &Serve, path: &str) {
    browser.navigate(&serve.url(path));
    wait_true(
        browser,
        "document.documentElement.dataset.weftLive === 'connected'",
        "the live-reload connection",
    );
}

/// Waits for the tab to load a page again (live reload navigates it; polling the page across
/// a navigation would race it), then for its live-reload connection.
fn wait_reload(browser: &mut Chromium, what: &str) {
    browser.wait_event("Page.loadEventFired", what);
    wait_true(
        browser,
        "document.documentElement.dataset.weftLive === 'connected'",
        "the live-reload connection",
    );
}

fn append(site: &TestSite, path: &str, text: &str) {
    let old = std::fs::read_to_string(site.path(path)).unwrap();
    site.write(path, format!("{old}{text}"));
}

#[test]
fn a_markdown_edit_appears_without_a_manual_reload() {
    let site = TestSite::fixture("serve-site");
    let serve = Serve::start(site.root(), &[]);
    let mut browser = Chromium::launch();
    open(&mut browser, &serve, "/countries/kenya/");
    append(
        &site,
        "content/countries/kenya.md",
        "\nWritten while the tab was open.\n",
    );
    wait_reload(&mut browser, "the reload after the edit");
    wait_true(
        &mut browser,
        "document.querySelector('main').innerText.includes('Written while the tab was open.')",
        "the edited text",
    );
}

#[test]
fn a_stylesheet_edit_is_swapped_in_without_a_reload() {
    let site = TestSite::fixture("serve-site");
    let serve = Serve::start(site.root(), &[]);
    let mut browser = Chromium::launch();
    open(&mut browser, &serve, "/news/a/");
    let background = "getComputedStyle(document.body).backgroundColor";
    assert_eq!(browser.eval(background), json!("rgb(1, 2, 3)"));
    browser.eval("window.weftProbe = 42");
    site.write(
        "static/css/site.css",
        "body { background-color: rgb(4, 5, 6); }\n",
    );
    wait_true(
        &mut browser,
        &format!("{background} === 'rgb(4, 5, 6)'"),
        "the new stylesheet",
    );
    assert_eq!(
        browser.eval("window.weftProbe"),
        json!(42),
        "the page was reloaded"
    );
}

#[test]
fn broken_front_matter_shows_an_overlay_until_it_is_fixed() {
    let site = TestSite::fixture("serve-site");
    let serve = Serve::start(site.root(), &[]);
    let mut browser = Chromium::launch();
    open(&mut browser, &serve, "/news/a/");
    let good = std::fs::read_to_string(site.path("content/news/a.md")).unwrap();
    let broken = good.replace(
        "title = \"First news\"",
        "title = \"<img src=x onerror=\"window.weftInjected = 1\">",
    );
    site.write("content/news/a.md", broken);
    wait_true(
        &mut browser,
        "document.getElementById('weft-error-overlay').textContent.includes('content/news/a.md:2')",
        "the error overlay",
    );
    // The error text (with the page's own markup in it) is shown as text, not as HTML.
    let overlay = browser.eval(
        "(() => { const o = document.getElementById('weft-error-overlay'); \
         return { text: o.textContent, images: o.querySelectorAll('img').length, injected: window.weftInjected === 1 }; })()",
    );
    assert_eq!(overlay["images"], json!(0), "{overlay}");
    assert_eq!(overlay["injected"], json!(false), "{overlay}");
    assert!(
        overlay["text"].as_str().unwrap().contains("<img src=x"),
        "{overlay}"
    );
    // The last good page is still there under the overlay.
    assert!(browser
        .eval("document.querySelector('h1').textContent")
        .as_str()
        .unwrap()
        .contains("First news"));

    site.write(
        "content/news/a.md",
        good.replace("First news", "First news, fixed"),
    );
    wait_reload(&mut browser, "the reload after the fix");
    wait_true(
        &mut browser,
        "!document.getElementById('weft-error-overlay') && document.querySelector('h1').textContent.includes('First news, fixed')",
        "the fixed page without the overlay",
    );
}

/// The page targets' titles, from the browser.
fn titles(browser: &mut Chromium, url: &str) -> Vec<String> {
    let targets = browser.browser_call("Target.getTargets", json!({}));
    targets["targetInfos"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["type"] == "page" && t["url"] == url)
        .map(|t| t["title"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[test]
fn eight_tabs_share_one_stream_and_all_load_and_reload() {
    let site = TestSite::fixture("serve-site");
    let serve = Serve::start(site.root(), &[]);
    let mut browser = Chromium::launch();
    let url = serve.url("/news/b/");
    for _ in 0..8 {
        browser.browser_call("Target.createTarget", json!({ "url": url }));
    }
    let deadline = Instant::now() + DEADLINE;
    loop {
        let t = titles(&mut browser, &url);
        if t.len() == 8 && t.iter().all(|t| t.starts_with("Second news")) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the eight tabs did not load: {t:?}"
        );
    }
    // With eight tabs open another page still loads (the browser's six connections per host
    // are not all held by event streams), and it joins the live reload.
    open(&mut browser, &serve, "/about/");
    // An edit reloads every tab showing the page.
    let text = std::fs::read_to_string(site.path("content/news/b.md")).unwrap();
    site.write(
        "content/news/b.md",
        text.replace(
            "title = \"Second news\"",
            "title = \"Second news, retitled\"",
        ),
    );
    let deadline = Instant::now() + DEADLINE;
    loop {
        let t = titles(&mut browser, &url);
        if t.len() == 8 && t.iter().all(|t| t.starts_with("Second news, retitled")) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the eight tabs did not reload: {t:?}"
        );
    }
}

#[test]
fn open_pages_reload_after_the_server_restarts() {
    let site = TestSite::fixture("serve-site");
    let first = Serve::start(site.root(), &[]);
    let port = first.port;
    let mut browser = Chromium::launch();
    open(&mut browser, &first, "/about/");
    drop(first);
    append(
        &site,
        "content/about.md",
        "\nChanged while the server was down.\n",
    );
    let _second = Serve::on_port(site.root(), port, &[]);
    wait_reload(&mut browser, "the reload by the new server");
    wait_true(
        &mut browser,
        "document.querySelector('main').innerText.includes('Changed while the server was down.')",
        "the page served by the new server",
    );
}

#[test]
fn a_tab_showing_a_deleted_page_goes_to_its_section() {
    let site = TestSite::fixture("serve-site");
    let serve = Serve::start(site.root(), &[]);
    let mut browser = Chromium::launch();
    open(&mut browser, &serve, "/news/b/");
    site.remove("content/news/b.md");
    wait_reload(&mut browser, "the move to the section");
    assert_eq!(browser.eval("location.pathname"), json!("/news/"));
}
