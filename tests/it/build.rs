//! `weft build` on fixture sites: URLs, the content tree, bundles, drafts, ordering, headings,
//! summaries, template and static overrides, the extra files, and rebuilds. Each test asserts on
//! the HTML written; the `*_output_is_as_expected` tests compare whole files with `expected/`.

use std::collections::BTreeMap;
use std::os::unix::fs::MetadataExt;

use crate::support::{
    assert_expected, between, build_fixture, is_internal, links, page, tree, TestSite,
};

fn text(files: &BTreeMap<String, Vec<u8>>, path: &str) -> String {
    let bytes = files
        .get(path)
        .unwrap_or_else(|| panic!("{path} not written; output: {:?}", files.keys()));
    String::from_utf8(bytes.clone()).unwrap()
}

/// The `<li>` texts of the page list in a section page of the `tree` fixture.
fn listed(html: &str) -> Vec<String> {
    between(html, "<ol class=\"pages\">", "</ol>")
        .lines()
        .filter(|l| l.starts_with("<li>"))
        .map(|l| l.to_string())
        .collect()
}

#[test]
fn every_page_gets_a_pretty_url() {
    let (_tmp, out) = build_fixture("tree", &[]);
    let files = tree(&out);
    for path in [
        "index.html",
        "about/index.html",
        "guides/index.html",
        "guides/install/index.html",
        "guides/getting-started/index.html", // `Getting Started.md`: slugified
        "guides/new-name/index.html",        // `slug = "New Name"` replaces `renamed`
        "guides/setup/index.html",           // the bundle `setup/index.md`
        "guides/deep/nested/index.html",
        "news/index.html",
        "news/pinned/index.html",
    ] {
        assert!(
            files.contains_key(path),
            "{path} missing: {:?}",
            files.keys()
        );
    }
    let html_files: Vec<&String> = files.keys().filter(|p| p.ends_with(".html")).collect();
    for path in html_files {
        assert!(
            path.ends_with("/index.html") || path == "index.html",
            "{path} is not a pretty URL"
        );
    }
}

#[test]
fn sections_list_their_pages_and_pages_without_a_section_join_the_nearest_one() {
    let (_tmp, out) = build_fixture("tree", &[]);
    let guides = text(&tree(&out), "guides/index.html");
    assert_eq!(
        listed(&guides),
        [
            "<li><a href=\"/guides/install/\">Install</a> weight 1</li>",
            "<li><a href=\"/guides/getting-started/\">Getting started</a> weight 2</li>",
            "<li><a href=\"/guides/new-name/\">Renamed</a> weight 3</li>",
            "<li><a href=\"/guides/setup/\">Setup</a> weight 4</li>",
            "<li><a href=\"/guides/deep/nested/\">Nested</a></li>",
        ]
    );
    let home = text(&tree(&out), "index.html");
    assert_eq!(
        between(&home, "<ul class=\"subsections\">", "</ul>").trim(),
        "<li><a href=\"/guides/\">Guides</a></li>\n<li><a href=\"/news/\">News</a></li>"
    );
    assert_eq!(
        listed(&home),
        ["<li><a href=\"/about/\">About</a></li>"],
        "the home page lists the root-level pages"
    );
}

#[test]
fn pages_are_ordered_by_weight_then_newest_date_then_title() {
    let (_tmp, out) = build_fixture("tree", &[]);
    let news = text(&tree(&out), "news/index.html");
    assert_eq!(
        listed(&news),
        [
            "<li><a href=\"/news/pinned/\">Pinned</a> weight 1 <time>2001-01-01</time></li>",
            "<li><a href=\"/news/second/\">Second</a> weight 2 <time>1990-01-01</time></li>",
            "<li><a href=\"/news/new/\">New</a> <time>2005-06-01</time></li>",
            // same date: by title, ignoring case
            "<li><a href=\"/news/same-day-a/\">alpha</a> <time>2003-01-01</time></li>",
            "<li><a href=\"/news/same-day-b/\">Beta</a> <time>2003-01-01</time></li>",
            "<li><a href=\"/news/old/\">Old</a> <time>1999-01-01</time></li>",
            "<li><a href=\"/news/undated/\">Undated</a></li>",
        ]
    );
}

#[test]
fn bundle_files_are_copied_beside_their_page() {
    let (_tmp, out) = build_fixture("tree", &[]);
    let files = tree(&out);
    let svg =
        std::fs::read(crate::support::fixture_dir("tree").join("content/guides/setup/diagram.svg"))
            .unwrap();
    assert_eq!(files["guides/setup/diagram.svg"], svg);
    assert_eq!(
        text(&files, "guides/setup/notes.txt"),
        "Notes that travel with the setup page.\n"
    );
    let setup = text(&files, "guides/setup/index.html");
    assert!(
        setup.contains(
            "<img src=\"/guides/setup/diagram.svg\" alt=\"the diagram\" /> and <a href=\"/guides/setup/notes.txt\">the notes</a>"
        ),
        "{setup}"
    );
}

#[test]
fn drafts_are_left_out_unless_asked_for() {
    let (_tmp, out) = build_fixture("tree", &[]);
    let files = tree(&out);
    assert!(!files.contains_key("news/draft/index.html"));
    assert!(!files.contains_key("guides/draft-bundle/index.html"));
    assert!(
        !files.contains_key("guides/draft-bundle/secret.txt"),
        "a draft bundle's files are not published either"
    );
    for (path, bytes) in &files {
        let content = String::from_utf8_lossy(bytes);
        assert!(!content.contains("Draft news"), "{path} mentions the draft");
        assert!(
            !content.contains("draft-bundle"),
            "{path} mentions the draft"
        );
    }

    let (_tmp, out) = build_fixture("tree", &["--drafts"]);
    let files = tree(&out);
    assert!(files.contains_key("news/draft/index.html"));
    assert!(files.contains_key("guides/draft-bundle/secret.txt"));
    let news = text(&files, "news/index.html");
    assert_eq!(
        listed(&news)[2],
        "<li><a href=\"/news/draft/\">Draft news</a> <time>2010-01-01</time></li>",
        "with --drafts the draft is listed in its place"
    );
}

#[test]
fn a_draft_bundle_holds_back_its_own_files_only_wherever_the_site_lives() {
    // The site's folder sits at a path that contains the draft bundle's (`content/news/post/`):
    // only the bundle's files stay out, not every file whose path has that in it.
    let outer = TestSite::new()
        .file("content/news/post/site/site.toml", "title = \"Nested\"\n")
        .file(
            "content/news/post/site/content/news/post/index.md",
            "+++\ntitle = \"Post\"\ndraft = true\n+++\nDraft.\n",
        )
        .file(
            "content/news/post/site/content/news/post/photo.txt",
            "draft photo",
        )
        .file(
            "content/news/post/site/content/news/other/index.md",
            page("Other", "", "Text."),
        )
        .file(
            "content/news/post/site/content/news/other/photo.txt",
            "other photo",
        )
        .file("content/news/post/site/static/logo.txt", "logo");
    let root = outer.path("content/news/post/site");
    let built = crate::support::run(&root, &["build"], &[]);
    assert_eq!(built.code, Some(0), "{}", built.stderr);
    let files = tree(&root.join("public"));
    assert!(
        !files.contains_key("news/post/photo.txt"),
        "the draft's file"
    );
    assert!(
        files.contains_key("news/other/photo.txt"),
        "{:?}",
        files.keys()
    );
    assert!(files.contains_key("logo.txt"), "{:?}", files.keys());
}

#[test]
fn hidden_folders_are_not_content_and_symlinked_static_files_are_copied() {
    let site = TestSite::new()
        .file("content/a.md", page("A", "", ""))
        .file("content/.git/x.md", page("Not content", "", ""))
        .file("content/.obsidian/workspace.json", "{}")
        .file("content/b/.hidden/secret.txt", "no")
        .file("shared/logo.txt", "logo")
        .symlink("static/logo.txt", "../shared/logo.txt");
    site.build();
    let files = site.output();
    assert!(files.contains_key("a/index.html"));
    for path in files.keys() {
        assert!(
            !path.contains("git") && !path.contains("obsidian") && !path.contains("secret"),
            "{path} comes from a hidden folder"
        );
    }
    assert_eq!(site.read("logo.txt"), "logo");
}

#[test]
fn tree_output_is_as_expected() {
    let (_tmp, out) = build_fixture("tree", &[]);
    assert_expected("tree", &out);
}

#[test]
fn headings_get_stable_unique_ids_and_a_table_of_contents() {
    let (_tmp, out) = build_fixture("headings", &[]);
    let html = text(&tree(&out), "toc/index.html");
    assert_eq!(
        between(
            html.split("<nav class=\"toc\">").nth(1).unwrap(),
            "</nav>\n",
            "\n\n"
        )
        .trim(),
        "<h1 id=\"intro\">Intro</h1>\n\
         <h2 id=\"funding\">Funding</h2>\n\
         <h2 id=\"funding-1\">Funding</h2>\n\
         <h3 id=\"cote-d-ivoire\">Côte d’Ivoire</h3>\n\
         <h2 id=\"money\">Custom id</h2>\n\
         <h2 id=\"intro-1\">Intro</h2>"
    );
    assert_eq!(
        between(&html, "<nav class=\"toc\">", "</nav>").trim(),
        "<ul>\n<li><a href=\"#intro\">Intro</a>\n<ul>\n\
         <li><a href=\"#funding\">Funding</a></li>\n\
         <li><a href=\"#funding-1\">Funding</a>\n<ul>\n\
         <li><a href=\"#cote-d-ivoire\">Côte d’Ivoire</a></li>\n</ul></li>\n\
         <li><a href=\"#money\">Custom id</a></li>\n\
         <li><a href=\"#intro-1\">Intro</a></li>\n</ul></li>\n</ul>"
    );
}

#[test]
fn summary_is_the_text_before_the_more_marker_else_the_first_paragraph() {
    let (_tmp, out) = build_fixture("headings", &[]);
    let home = text(&tree(&out), "index.html");
    let summaries: Vec<&str> = home
        .split("<div class=\"summary\">")
        .skip(1)
        .map(|s| s.split("</div>").next().unwrap())
        .collect();
    assert_eq!(
        summaries,
        [
            "<p>First paragraph.</p>\n<p>Second paragraph, still in the summary.</p>\n",
            "<p>Only this <em>first</em> paragraph is the summary.</p>\n",
            "",
        ]
    );
}

#[test]
fn headings_output_is_as_expected() {
    let (_tmp, out) = build_fixture("headings", &[]);
    assert_expected("headings", &out);
}

#[test]
fn site_templates_and_static_files_override_the_theme_file_by_file() {
    let (_tmp, out) = build_fixture("overrides", &[]);
    let files = tree(&out);
    let a = text(&files, "a/index.html");
    assert!(a.contains("<p>site page.html for A</p>"), "{a}");
    assert!(
        a.contains("<title>A | Overrides</title>"),
        "base.html still comes from the theme: {a}"
    );
    let home = text(&files, "index.html");
    assert!(home.contains("<p>theme index.html</p>"), "{home}");
    assert_eq!(text(&files, "style.css"), "/* site style.css */\n");
    assert_eq!(text(&files, "theme-only.js"), "// theme-only.js: kept\n");
    assert_eq!(text(&files, "img/site-only.txt"), "site-only file\n");
}

#[test]
fn overrides_output_is_as_expected() {
    let (_tmp, out) = build_fixture("overrides", &[]);
    assert_expected("overrides", &out);
}

#[test]
fn sitemap_robots_feed_404_and_alias_redirects_are_written() {
    let (_tmp, out) = build_fixture("extras", &[]);
    let files = tree(&out);
    let sitemap = text(&files, "sitemap.xml");
    for loc in [
        "<loc>https://example.org/docs/</loc>",
        "<loc>https://example.org/docs/first/</loc><lastmod>1999-03-01</lastmod>",
        "<loc>https://example.org/docs/second/</loc><lastmod>2002-01-01</lastmod>",
        "<loc>https://example.org/docs/undated/</loc>",
    ] {
        assert!(sitemap.contains(loc), "{loc} not in\n{sitemap}");
    }
    assert_eq!(
        text(&files, "robots.txt"),
        "User-agent: *\nAllow: /\nSitemap: https://example.org/docs/sitemap.xml\n"
    );
    let atom = text(&files, "atom.xml");
    assert!(atom.contains("<title>Extras &amp; more</title>"), "{atom}");
    let entries: Vec<&str> = atom
        .split("<entry>")
        .skip(1)
        .map(|e| between(e, "<title>", "</title>"))
        .collect();
    assert_eq!(
        entries,
        ["Second", "First &lt;post&gt;"],
        "dated pages only, newest first, escaped"
    );
    let not_found = text(&files, "404.html");
    assert!(not_found.contains("<title>Not found | Extras &amp; more</title>"));
    assert!(not_found.contains("<a href=\"/docs/\">Home</a>"));
    for alias in ["old/second/index.html", "legacy.html"] {
        let redirect = text(&files, alias);
        assert!(
            redirect.contains("<meta http-equiv=\"refresh\" content=\"0; url=/docs/second/\">"),
            "{alias}: {redirect}"
        );
        assert!(redirect.contains("<link rel=\"canonical\" href=\"/docs/second/\">"));
    }
}

#[test]
fn extras_output_is_as_expected() {
    let (_tmp, out) = build_fixture("extras", &[]);
    assert_expected("extras", &out);
}

#[test]
fn the_built_in_theme_renders_every_kind_of_page() {
    let (_tmp, out) = build_fixture("default_theme", &[]);
    let files = tree(&out);
    for (path, title) in [
        ("index.html", "<title>Default theme</title>"),
        ("about/index.html", "<title>About — Default theme</title>"),
        ("programmes/index.html", "<title>Programmes — Default theme</title>"),
        (
            "programmes/ipec/index.html",
            "<title>International Programme for the Elimination of Child Labour — Default theme</title>",
        ),
        ("programmes/ipec/funding/index.html", "<title>Funding — Default theme</title>"),
        ("countries/kenya/index.html", "<title>Kenya — Default theme</title>"),
        ("donors/united-states/index.html", "<title>United States — Default theme</title>"),
        ("partners/unicef/index.html", "<title>UNICEF — Default theme</title>"),
        ("404.html", "<title>Page not found — Default theme</title>"),
    ] {
        let html = text(&files, path);
        assert!(html.starts_with("<!DOCTYPE html>"), "{path}");
        assert!(html.contains(title), "{path} lacks {title}:\n{html}");
    }
    for asset in ["css/site.css", "favicon.svg", "programmes/ipec/map/map.svg"] {
        assert!(files.contains_key(asset), "{asset} not copied");
    }
    let kenya = text(&files, "countries/kenya/index.html");
    assert!(
        kenya.contains("href=\"/programmes/ipec/\""),
        "Kenya links back to IPEC"
    );
    let donor = text(&files, "donors/united-states/index.html");
    assert!(donor.contains("29,500,000"), "the funding amount is shown");
}

#[test]
fn every_internal_link_of_the_built_in_theme_resolves() {
    let (_tmp, out) = build_fixture("default_theme", &[]);
    assert_internal_links_resolve(&tree(&out), "/");
}

/// Every internal `href`/`src` of every HTML file starts with `base_path` and names a file of
/// the output (a folder URL names its `index.html`).
pub fn assert_internal_links_resolve(files: &BTreeMap<String, Vec<u8>>, base_path: &str) {
    let mut checked = 0;
    for (path, bytes) in files.iter().filter(|(p, _)| p.ends_with(".html")) {
        let html = String::from_utf8_lossy(bytes);
        for url in links(&html).into_iter().filter(|u| is_internal(u)) {
            let dir = path.rsplit_once('/').map_or("", |(d, _)| d);
            let target = if let Some(rest) = url.strip_prefix(base_path) {
                rest.to_string()
            } else if !url.starts_with('/') && !url.contains(':') {
                // A relative URL (a bundle's image): relative to the page's folder.
                if dir.is_empty() {
                    url.clone()
                } else {
                    format!("{dir}/{url}")
                }
            } else {
                panic!("{path}: {url} is not under {base_path}");
            };
            let target = normalize(target.split(['#', '?']).next().unwrap());
            let file = if target.is_empty() || target.ends_with('/') {
                format!("{target}index.html")
            } else {
                target.to_string()
            };
            assert!(
                files.contains_key(&file),
                "{path}: {url} points to {file}, which is not in the output"
            );
            checked += 1;
        }
    }
    assert!(checked > 0, "no internal link found at all");
}

/// `a/./b/../c` -> `a/c`, keeping a final `/`.
fn normalize(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for segment in path.split('/') {
        match segment {
            "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    parts.join("/")
}

#[test]
fn a_rebuild_writes_only_changed_files_and_removes_stale_ones() {
    let site = TestSite::fixture("tree");
    site.build();
    let inode = |path: &str| {
        std::fs::metadata(site.path("public").join(path))
            .unwrap()
            .ino()
    };
    let before = site.output();
    let inodes: BTreeMap<&String, u64> = before.keys().map(|p| (p, inode(p))).collect();

    let again = site.build();
    let unchanged = format!("(0 files written, {} unchanged, 0 removed)", before.len());
    assert!(again.stderr.contains(&unchanged), "{}", again.stderr);

    site.write(
        "content/about.md",
        page("About", "", "A page at the root, edited.\n"),
    );
    site.remove("content/guides/install.md");
    site.build();
    let after = site.output();
    assert!(site.read("about/index.html").contains("edited"));
    assert!(!after.contains_key("guides/install/index.html"));
    assert!(
        !site.path("public/guides/install").exists(),
        "the stale page's folder is removed"
    );
    for (path, bytes) in before.iter().filter(|(p, _)| after.contains_key(*p)) {
        let same_file = inode(path) == inodes[path];
        let same_bytes = after[path] == *bytes;
        assert_eq!(
            same_file, same_bytes,
            "{path}: rewritten = {}, changed = {}",
            !same_file, !same_bytes
        );
    }
    assert_ne!(before["about/index.html"], after["about/index.html"]);
    assert_eq!(before["news/index.html"], after["news/index.html"]);
}
