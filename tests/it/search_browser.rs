//! Search in a real browser (headless Chromium, driven by `chromium.rs`), on the Global
//! Programmes site served from a sub-path: typing "bonded labour" in the header's search box and
//! pressing Enter, or typing it on the search page, lists the IPEC page about it first, with its
//! section and a snippet marking the words; the result link opens it; and the same search works
//! with the built site opened from disk. In French and Spanish, the search page loads its
//! language's stemmer and finds by the index's rules: the browser's pipeline makes, from every
//! stored text of the site in each language, exactly the terms the build indexed.

use std::path::Path;

use serde_json::{json, Value};

use crate::chromium::Chromium;
use crate::support::{run, TestServer};

const MOUNT: &str = "/global-programmes/";

/// Waits (no sleep: a MutationObserver inside the page) until the status line reports the results
/// for "bonded labour", then returns `{status, results: [{title, href, section, marks}]}`.
const RESULTS: &str = r#"new Promise((resolve) => {
  const status = document.getElementById("search-status");
  const list = document.getElementById("search-results");
  const done = () => status.textContent.endsWith("for “bonded labour”");
  const read = () => ({
    status: status.textContent,
    results: [...list.querySelectorAll("li")].map((li) => ({
      title: li.querySelector("h2 a").textContent,
      href: li.querySelector("h2 a").href,
      section: (li.querySelector(".search-section") || {}).textContent || "",
      marks: [...li.querySelectorAll(".search-snippet mark")].map((m) => m.textContent.toLowerCase()),
    })),
  });
  if (done()) return resolve(read());
  new MutationObserver((_, observer) => {
    if (done()) { observer.disconnect(); resolve(read()); }
  }).observe(status, { childList: true, characterData: true, subtree: true });
})"#;

fn type_text(browser: &mut Chromium, text: &str) {
    for c in text.chars() {
        let key = c.to_string();
        browser.call(
            "Input.dispatchKeyEvent",
            json!({"type": "keyDown", "text": key, "key": key}),
        );
        browser.call(
            "Input.dispatchKeyEvent",
            json!({"type": "keyUp", "key": key}),
        );
    }
}

/// The title of IPEC's programme page, as the build wrote it into graph.json.
fn ipec_title(out: &Path) -> String {
    let graph: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("graph.json")).unwrap()).unwrap();
    graph["pages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == "programmes/ipec/_index.md")
        .expect("the IPEC programme page")["title"]
        .as_str()
        .unwrap()
        .to_string()
}

fn assert_finds_the_worst_forms_page(found: &Value, ipec: &str, expected_href: &str) {
    let results = found["results"].as_array().unwrap();
    let first = &results[0];
    assert_eq!(first["href"], expected_href, "{found:#}");
    assert!(
        first["section"].as_str().unwrap().ends_with(ipec),
        "section of the result: {found:#}"
    );
    let marks: Vec<&str> = first["marks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap())
        .collect();
    assert!(
        marks.iter().any(|m| m.starts_with("bonded"))
            && marks.iter().any(|m| m.starts_with("labour")),
        "the snippet marks the words: {found:#}"
    );
    assert!(
        found["status"]
            .as_str()
            .unwrap()
            .ends_with("for “bonded labour”"),
        "{found:#}"
    );
}

#[test]
fn typing_bonded_labour_finds_the_ipec_page_about_it() {
    let out = tempfile::tempdir().unwrap();
    let server = TestServer::static_files(out.path(), MOUNT);
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let args = ["build", "--base-url", &server.url(MOUNT), "--output"];
    let built = run(
        repo,
        &[&args[..], &[out.path().to_str().unwrap()]].concat(),
        &[],
    );
    assert_eq!(built.code, Some(0), "{}", built.stderr);
    let ipec = ipec_title(out.path());

    let mut browser = Chromium::launch();
    // From the search box in the header of the home page: type, press Enter.
    browser.navigate(&server.url(MOUNT));
    browser.eval("document.getElementById('site-search-q').focus()");
    type_text(&mut browser, "bonded labour");
    for kind in ["keyDown", "keyUp"] {
        let mut key =
            json!({"type": kind, "key": "Enter", "code": "Enter", "windowsVirtualKeyCode": 13});
        if kind == "keyDown" {
            key["text"] = "\r".into();
        }
        browser.call("Input.dispatchKeyEvent", key);
    }
    browser.wait_event("Page.loadEventFired", "the search page to load");
    let found = browser.eval(RESULTS);
    let page = server.url(&format!("{MOUNT}programmes/ipec/worst-forms/"));
    assert_finds_the_worst_forms_page(&found, &ipec, &page);

    // On the search page, results follow the typing.
    browser.eval(
        "for (const id of ['search-results', 'search-status']) \
           document.getElementById(id).textContent = ''; \
         const input = document.getElementById('search-input'); input.value = ''; input.focus()",
    );
    type_text(&mut browser, "bonded labour");
    let found = browser.eval(RESULTS);
    assert_finds_the_worst_forms_page(&found, &ipec, &page);
    assert_eq!(
        browser.eval("location.search"),
        "?q=bonded+labour",
        "the query is kept in the address"
    );

    // The result link opens the page.
    browser.eval("document.querySelector('#search-results h2 a').click()");
    browser.wait_event("Page.loadEventFired", "the result page to load");
    assert_eq!(browser.eval("location.href"), page.as_str());
    assert!(browser.take_events("Runtime.exceptionThrown").is_empty());

    // From disk: the page's scripts and the result links are relative to the file.
    let search = out.path().join("search/index.html");
    browser.navigate(&format!("file://{}?q=bonded%20labour", search.display()));
    let found = browser.eval(RESULTS);
    let on_disk = format!(
        "file://{}",
        out.path()
            .join("programmes/ipec/worst-forms/index.html")
            .display()
    );
    assert_finds_the_worst_forms_page(&found, &ipec, &on_disk);
    assert!(browser.take_events("Runtime.exceptionThrown").is_empty());
}

/// Waits until the element `id` holds text, then gives it.
fn text_of(id: &str) -> String {
    format!(
        r#"new Promise((resolve) => {{
  const el = document.getElementById("{id}");
  if (el.textContent) return resolve(el.textContent);
  new MutationObserver((_, observer) => {{
    if (el.textContent) {{ observer.disconnect(); resolve(el.textContent); }}
  }}).observe(el, {{ childList: true, characterData: true, subtree: true }});
}})"#
    )
}

/// The scripts speak the page's language: the search status and the countries filter's count,
/// from the words the theme writes into their data attributes, with French plural forms.
#[test]
fn the_search_and_the_filters_speak_french_on_a_french_site() {
    let site = crate::ui_strings::programme_site("fr");
    // A second country, which no programme references.
    site.write(
        "content/countries/uganda.md",
        crate::support::page("Uganda", "[extra]\nregion = \"Africa\"\n", ""),
    );
    site.build();
    let out = site.path("public");
    let server = TestServer::static_files(&out, "/");
    let mut browser = Chromium::launch();
    browser.navigate(&server.url("/search/?q=kenya"));
    assert_eq!(
        browser.eval(&text_of("search-status")),
        "1 résultat pour « kenya »"
    );
    browser.navigate(&server.url("/search/?q=zzzz"));
    assert_eq!(
        browser.eval(&text_of("search-status")),
        "Aucun résultat pour « zzzz »"
    );
    browser.navigate(&server.url("/countries/"));
    assert_eq!(browser.eval(&text_of("weft-filter-status")), "2 pays.");
    browser.eval(
        "const box = document.querySelector('input[name=programme]'); box.checked = true; \
         box.form.dispatchEvent(new Event('change'))",
    );
    assert_eq!(
        browser.eval("document.getElementById('weft-filter-status').textContent"),
        "1 pays affiché sur 2."
    );
    assert!(browser.take_events("Runtime.exceptionThrown").is_empty());
}

/// Waits until the status line names the query `?q=` holds, then returns what [`RESULTS`] does
/// (in any language: the status's words are the theme's).
const ANY_RESULTS: &str = r#"new Promise((resolve) => {
  const status = document.getElementById("search-status");
  const list = document.getElementById("search-results");
  const query = new URLSearchParams(location.search).get("q");
  const done = () => status.textContent.includes(query);
  const read = () => ({
    status: status.textContent,
    results: [...list.querySelectorAll("li")].map((li) => ({
      title: li.querySelector("h2 a").textContent,
      href: li.querySelector("h2 a").href,
      section: (li.querySelector(".search-section") || {}).textContent || "",
      marks: [...li.querySelectorAll(".search-snippet mark")].map((m) => m.textContent.toLowerCase()),
    })),
  });
  if (done()) return resolve(read());
  new MutationObserver((_, observer) => {
    if (done()) { observer.disconnect(); resolve(read()); }
  }).observe(status, { childList: true, characterData: true, subtree: true });
})"#;

/// Runs the page's pipeline (the functions the index names, as search.js registered or loaded
/// them) over the stored title, section and text of every document, and compares the terms
/// with the index's: each field's number of terms, and each term's frequency in the document.
/// Returns `{documents, terms, mismatches}` (the first twenty mismatches).
const SAME_TERMS: &str = r#"(() => {
  const data = window.weftSearchIndex;
  const index = elasticlunr.Index.load(data);
  const pipeline = elasticlunr.Pipeline.load(data.pipeline);
  const mismatches = [];
  let terms = 0;
  for (const [ref, doc] of Object.entries(data.documentStore.docs)) {
    for (const field of ["title", "section", "body"]) {
      const tokens = pipeline.run(elasticlunr.tokenizer(doc[field]));
      if (tokens.length !== data.documentStore.docInfo[ref][field]) {
        mismatches.push(`${ref}.${field}: ${tokens.length} terms, indexed ${data.documentStore.docInfo[ref][field]}`);
      }
      const counts = new Map();
      for (const t of tokens) counts.set(t, (counts.get(t) || 0) + 1);
      for (const [term, count] of counts) {
        terms += 1;
        const tf = index.index[field].getTermFrequency(term, ref);
        if (Math.abs(tf - Math.sqrt(count)) > 0.0006) {
          mismatches.push(`${ref}.${field}: "${term}" ${count} times, indexed with tf ${tf}`);
        }
      }
    }
  }
  return { documents: Object.keys(data.documentStore.docs).length, terms, mismatches: mismatches.slice(0, 20) };
})()"#;

/// `field` of page `id` in the language of the graph at `graph` (`fr/graph.json`).
fn page_field(out: &Path, graph: &str, id: &str, field: &str) -> String {
    let graph: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join(graph)).unwrap()).unwrap();
    graph["pages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == id)
        .unwrap_or_else(|| panic!("{id} in the graph"))[field]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn each_language_searches_by_the_rules_of_its_index() {
    let out = tempfile::tempdir().unwrap();
    let server = TestServer::static_files(out.path(), MOUNT);
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let args = ["build", "--base-url", &server.url(MOUNT), "--output"];
    let built = run(
        repo,
        &[&args[..], &[out.path().to_str().unwrap()]].concat(),
        &[],
    );
    assert_eq!(built.code, Some(0), "{}", built.stderr);
    let mut browser = Chromium::launch();

    // The same terms in the browser as in the index, in every language.
    for (lang, query) in [("", "labour"), ("fr/", "enfant"), ("es/", "niño")] {
        browser.navigate(&server.url(&format!("{MOUNT}{lang}search/?q={query}")));
        let found = browser.eval(ANY_RESULTS);
        assert!(
            !found["results"].as_array().unwrap().is_empty(),
            "{lang}: {found:#}"
        );
        let same = browser.eval(SAME_TERMS);
        assert_eq!(same["mismatches"], json!([]), "{lang}: {same:#}");
        assert!(same["terms"].as_u64().unwrap() > 5_000, "{lang}: {same:#}");
        assert!(browser.take_events("Runtime.exceptionThrown").is_empty());
    }

    // French: "dette" finds "dettes", "pour" is a stop word; the page about bonded labour
    // comes first, the words marked.
    let worst_forms = page_field(
        out.path(),
        "fr/graph.json",
        "programmes/ipec/worst-forms.md",
        "url",
    );
    let ipec = page_field(
        out.path(),
        "fr/graph.json",
        "programmes/ipec/_index.md",
        "title",
    );
    browser.navigate(&server.url(&format!("{MOUNT}fr/search/?q=servitude%20pour%20dette")));
    let found = browser.eval(ANY_RESULTS);
    let first = &found["results"][0];
    assert_eq!(first["href"], server.url(&worst_forms), "{found:#}");
    let marks = first["marks"].as_array().unwrap();
    assert!(
        marks.contains(&json!("servitude")) && marks.contains(&json!("dettes")),
        "{found:#}"
    );
    assert!(!marks.contains(&json!("pour")), "{found:#}");
    assert!(
        first["section"].as_str().unwrap().ends_with(&ipec),
        "{found:#}"
    );

    // From disk: the stemmer's scripts load beside search.js, the links lead to the files.
    let search = out.path().join("fr/search/index.html");
    browser.navigate(&format!(
        "file://{}?q=servitude%20pour%20dette",
        search.display()
    ));
    let found = browser.eval(ANY_RESULTS);
    let on_disk = format!(
        "file://{}",
        out.path()
            .join("fr/programmes/ipec/worst-forms/index.html")
            .display()
    );
    assert_eq!(found["results"][0]["href"], on_disk, "{found:#}");
    assert!(browser.take_events("Runtime.exceptionThrown").is_empty());
}
