//! What a built site carries for publishing: it works served from a sub-path by a plain static
//! server (every page crawled: no broken link, asset or anchor), `graph.json`, the search index
//! and page, the site and section Atom feeds, and the sitemap's `lastmod`.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::path::Path;

use html5gum::{Token, Tokenizer};

use crate::support::{page, run, TestServer, TestSite};

const MOUNT: &str = "/global-programmes/";

/// What one fetched HTML page holds.
struct Fetched {
    ids: BTreeSet<String>,
    /// `(tag, url)` of every `a`/`link` href and `img`/`script`/`source`/`iframe` src.
    links: Vec<(String, String)>,
}

fn parse(html: &str) -> Fetched {
    let mut fetched = Fetched {
        ids: BTreeSet::new(),
        links: Vec::new(),
    };
    for token in Tokenizer::new(html).flatten() {
        let Token::StartTag(tag) = token else {
            continue;
        };
        let name = String::from_utf8_lossy(&tag.name).into_owned();
        let attr = |k: &str| {
            tag.attributes
                .get(k.as_bytes())
                .map(|v| String::from_utf8_lossy(&v.value).into_owned())
        };
        if let Some(id) = attr("id") {
            fetched.ids.insert(id);
        }
        let key = match name.as_str() {
            "a" | "link" => "href",
            "img" | "script" | "source" | "iframe" => "src",
            _ => continue,
        };
        if let Some(url) = attr(key) {
            fetched.links.push((name, url));
        }
    }
    fetched
}

/// `url` as found on page `from` (a path), as a path on the server, if it is on the server.
fn resolve(origin: &str, from: &str, url: &str) -> Option<(String, Option<String>)> {
    let (rest, anchor) = match url.split_once('#') {
        Some((r, a)) => (r, Some(a.to_string()).filter(|a| !a.is_empty())),
        None => (url, None),
    };
    let rest = rest.split('?').next().unwrap();
    let path = if let Some(p) = rest.strip_prefix(origin) {
        p.to_string()
    } else if rest.contains("://") || rest.starts_with("//") || rest.contains(':') {
        return None; // another host, mailto:, data:
    } else if rest.starts_with('/') {
        rest.to_string()
    } else if rest.is_empty() {
        from.to_string()
    } else {
        let mut parts: Vec<&str> = from.split('/').collect();
        parts.pop();
        for seg in rest.split('/') {
            match seg {
                "." => {}
                ".." => {
                    parts.pop();
                }
                s => parts.push(s),
            }
        }
        parts.join("/")
    };
    Some((path, anchor))
}

/// Fetches every page reachable from `starts`; returns the pages and every problem met.
fn crawl(server: &TestServer, starts: &[String]) -> (BTreeMap<String, Fetched>, Vec<String>) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .build()
        .into();
    let origin = server.url("");
    let mut pages: BTreeMap<String, Fetched> = BTreeMap::new();
    let mut problems = Vec::new();
    let mut anchors: Vec<(String, String, String)> = Vec::new();
    let mut queue: VecDeque<(String, String)> = starts
        .iter()
        .map(|s| (s.clone(), "the start".to_string()))
        .collect();
    let mut seen: BTreeSet<String> = starts.iter().cloned().collect();
    while let Some((path, referrer)) = queue.pop_front() {
        let mut response = match agent.get(server.url(&path)).call() {
            Ok(r) => r,
            Err(e) => {
                problems.push(format!("{path} (linked from {referrer}): {e}"));
                continue;
            }
        };
        let status = response.status().as_u16();
        if status != 200 {
            problems.push(format!("{path} (linked from {referrer}): HTTP {status}"));
            continue;
        }
        let is_html = response
            .headers()
            .get("content-type")
            .is_some_and(|t| t.to_str().unwrap_or("").starts_with("text/html"));
        let body = response.body_mut().read_to_string().unwrap_or_default();
        if !is_html {
            continue;
        }
        let fetched = parse(&body);
        for (tag, url) in &fetched.links {
            let Some((target, anchor)) = resolve(&origin, &path, url) else {
                continue;
            };
            if !target.starts_with(MOUNT) {
                problems.push(format!("{path}: <{tag}> {url} leaves {MOUNT}"));
                continue;
            }
            if let Some(a) = anchor {
                anchors.push((target.clone(), a, format!("{path} <{tag}> {url}")));
            }
            if seen.insert(target.clone()) {
                queue.push_back((target, path.clone()));
            }
        }
        pages.insert(path, fetched);
    }
    for (target, anchor, from) in anchors {
        if let Some(page) = pages.get(&target) {
            if !page.ids.contains(&anchor) {
                problems.push(format!("{from}: no id \"{anchor}\" on {target}"));
            }
        }
    }
    (pages, problems)
}

#[test]
fn the_site_served_from_a_sub_path_has_no_broken_link_asset_or_anchor() {
    let out = tempfile::tempdir().unwrap();
    let server = TestServer::static_files(out.path(), MOUNT);
    let base_url = server.url(MOUNT);
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let built = run(
        repo,
        &[
            "build",
            "--base-url",
            &base_url,
            "--output",
            out.path().to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(built.code, Some(0), "{}", built.stderr);
    // The home page, and the pages a host serves without a link to them: search (until the
    // theme links it) and 404.
    let starts = ["", "search/", "404.html"].map(|p| format!("{MOUNT}{p}"));
    let (pages, problems) = crawl(&server, &starts);
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
    // Every page of the sitemap was reached by following links from the home page.
    let sitemap = std::fs::read_to_string(out.path().join("sitemap.xml")).unwrap();
    let origin = server.url("");
    let listed: Vec<String> = sitemap
        .split("<loc>")
        .skip(1)
        .map(|s| s.split("</loc>").next().unwrap().replacen(&origin, "", 1))
        .collect();
    assert!(listed.len() > 100, "{sitemap}");
    let missed: Vec<&String> = listed.iter().filter(|p| !pages.contains_key(*p)).collect();
    assert!(missed.is_empty(), "not reached by links: {missed:?}");
    assert!(pages[&format!("{MOUNT}search/")]
        .ids
        .contains("search-input"));
}

fn graph_site() -> TestSite {
    TestSite::new()
        .file(
            "site.toml",
            "title = \"Test\"\nbase_url = \"https://example.org/sub/\"\n[collections.countries]\nsingular = \"country\"\n",
        )
        .file("content/countries/_index.md", page("Countries", "", ""))
        .file(
            "content/countries/kenya.md",
            page("Kenya", "also_known_as = [\"Republic of Kenya\"]\n", ""),
        )
        .file("content/countries/uganda.md", page("Uganda", "", "## Funding\n"))
        .file("content/news/_index.md", page("News", "", ""))
        .file(
            "content/news/ipec.md",
            page(
                "IPEC",
                "date = 1999-03-01\nupdated = 1999-04-02\ncountries = [\"Kenya\", { ref = \"Uganda\", status = \"MOU\", since = 1998 }]\n",
                "Work in [[Republic of Kenya]] and [funding](@/countries/uganda.md#funding).\n",
            ),
        )
        .file(
            "content/news/older.md",
            page("Older", "date = 1998-06-01\n", "Text.\n"),
        )
}

#[test]
fn graph_json_holds_every_page_entity_and_reference_with_attributes_and_lines() {
    let site = graph_site();
    site.build();
    let text = site.read("graph.json");
    let graph: serde_json::Value = serde_json::from_str(&text).unwrap();
    let lines = |start: &str| text.lines().filter(|l| l.starts_with(start)).count();
    assert_eq!(
        (lines("{\"id\":"), lines("{\"source\":")),
        (7, 2),
        "one item a line:\n{text}"
    );
    assert_eq!(graph["version"], 1);
    assert_eq!(graph["site"]["base_url"], "https://example.org/sub/");
    assert_eq!(
        graph["collections"]["countries"],
        serde_json::json!(["countries/kenya.md", "countries/uganda.md"])
    );
    let pages = graph["pages"].as_array().unwrap();
    let ids: Vec<&str> = pages.iter().map(|p| p["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        [
            "_index.md",
            "countries/_index.md",
            "countries/kenya.md",
            "countries/uganda.md",
            "news/_index.md",
            "news/ipec.md",
            "news/older.md"
        ]
    );
    let kenya = &pages[2];
    assert_eq!(
        kenya,
        &serde_json::json!({
            "id": "countries/kenya.md", "kind": "page", "title": "Kenya",
            "url": "/sub/countries/kenya/", "file": "content/countries/kenya.md",
            "parent": "countries/_index.md", "collection": "countries",
            "entity": "countries/kenya.md", "also_known_as": ["Republic of Kenya"]
        })
    );
    assert_eq!(
        graph["references"],
        serde_json::json!([
            {"source": "news/ipec.md", "target": "countries/kenya.md", "key": "countries",
             "attrs": {}, "file": "content/news/ipec.md", "line": 5},
            {"source": "news/ipec.md", "target": "countries/uganda.md", "key": "countries",
             "attrs": {"since": 1998, "status": "MOU"}, "relation": "since 1998, status MOU",
             "file": "content/news/ipec.md", "line": 5},
        ]),
        "body links to pages already referenced in front matter are not repeated"
    );
}

#[test]
fn every_section_has_an_atom_feed_and_the_sitemap_has_lastmod() {
    let site = graph_site();
    site.build();
    let news = site.read("news/atom.xml");
    assert!(
        news.contains("<title>News — Test</title>")
            && news.contains("<link rel=\"self\" href=\"https://example.org/sub/news/atom.xml\"/>"),
        "{news}"
    );
    let ipec = news.find("<title>IPEC</title>").unwrap();
    let older = news.find("<title>Older</title>").unwrap();
    assert!(ipec < older, "newest first:\n{news}");
    assert!(news.contains("<published>1999-03-01T00:00:00Z</published>\n    <updated>1999-04-02T00:00:00Z</updated>"), "{news}");
    let countries = site.read("countries/atom.xml");
    assert!(!countries.contains("<entry>"), "{countries}");
    let all = site.read("atom.xml");
    assert_eq!(all.matches("<entry>").count(), 2, "{all}");
    let sitemap = site.read("sitemap.xml");
    assert!(
        sitemap
            .contains("<loc>https://example.org/sub/news/ipec/</loc><lastmod>1999-04-02</lastmod>")
            && sitemap.contains(
                "<loc>https://example.org/sub/news/older/</loc><lastmod>1998-06-01</lastmod>"
            )
            && sitemap.contains("<loc>https://example.org/sub/countries/kenya/</loc></url>"),
        "{sitemap}"
    );
}

#[test]
fn the_search_index_holds_each_page_title_section_and_text() {
    let site = graph_site();
    let build = site.build();
    assert!(
        build.stderr.contains("search index: ") && build.stderr.contains(" (search_index.js)"),
        "the build reports the index size:\n{}",
        build.stderr
    );
    let js = site.read("search_index.js");
    let json = js
        .strip_prefix("window.weftSearchIndex = ")
        .and_then(|j| j.strip_suffix(";\n"))
        .expect("a script setting window.weftSearchIndex");
    let index: serde_json::Value = serde_json::from_str(json).unwrap();
    assert_eq!(
        index["fields"],
        serde_json::json!(["title", "section", "body", "url"])
    );
    let docs = index["documentStore"]["docs"].as_object().unwrap();
    let by_url = |url: &str| docs.values().find(|d| d["url"] == url).cloned();
    let doc = by_url("news/ipec/").expect("a document for news/ipec/");
    assert_eq!(doc["title"], "IPEC");
    assert_eq!(doc["section"], "News");
    assert_eq!(doc["body"], "Work in Republic of Kenya and funding.");
    assert!(by_url("./").is_some(), "the home page is `./`");
    assert_eq!(docs.len(), 7);
    assert!(
        index["index"]["body"]["root"]["k"]["e"]["n"]["y"].is_object(),
        "kenya is indexed"
    );
    let search = site.read("search/index.html");
    for script in [
        "../js/elasticlunr.min.js",
        "../search_index.js",
        "../js/search.js",
    ] {
        assert!(
            search.contains(&format!("<script src=\"{script}\"></script>")),
            "{search}"
        );
    }
    assert!(site.output().contains_key("js/elasticlunr.min.js"));
}

#[test]
fn the_crawler_reports_broken_links_assets_and_anchors() {
    let site = TestSite::new()
        .file(
            "content/_index.md",
            page(
                "Home",
                "",
                "[a](a/) [gone](gone/) [anchor](a/#nope) ![pic](missing.png) [out](/elsewhere/)\n",
            ),
        )
        .file("content/a.md", page("A", "", "## Here\n"));
    let server = TestServer::static_files(&site.path("public"), MOUNT);
    site.build_with(&["--base-url", &server.url(MOUNT)]);
    let (pages, problems) = crawl(&server, &[MOUNT.to_string()]);
    assert!(pages.contains_key(&format!("{MOUNT}a/")));
    let problems = problems.join("\n");
    for expected in [
        "/global-programmes/gone/ (linked from /global-programmes/): HTTP 404",
        "/global-programmes/missing.png (linked from /global-programmes/): HTTP 404",
        "/global-programmes/: <a> /elsewhere/ leaves /global-programmes/",
        "/global-programmes/ <a> /global-programmes/a/#nope: no id \"nope\" on /global-programmes/a/",
    ] {
        assert!(
            problems.contains(expected),
            "{expected} not in:\n{problems}"
        );
    }
}
