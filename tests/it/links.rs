//! Cross-links on the `links` fixture: references from front matter, `[[wikilinks]]` and `@/`
//! links resolve by title, slug or `also_known_as` (ignoring case and accents), backlinks show on
//! the target with their attributes, and `--base-url` puts every internal URL under its path.

use std::collections::BTreeMap;

use crate::build::assert_internal_links_resolve;
use crate::support::{
    assert_expected, between, build_fixture, is_internal, links, page, tree, TestSite,
};

fn html(files: &BTreeMap<String, Vec<u8>>, path: &str) -> String {
    String::from_utf8(files[path].clone()).unwrap()
}

/// The `<li>` lines of the first `<section class="CLASS">` whose heading is `title`.
fn items(html: &str, class: &str, title: &str) -> Vec<String> {
    let start = format!("<section class=\"{class}\"><h2>{title}</h2>");
    between(html, &start, "</section>")
        .lines()
        .filter(|l| l.starts_with("<li>"))
        .map(str::to_string)
        .collect()
}

#[test]
fn front_matter_names_resolve_by_title_slug_or_other_name_ignoring_case_and_accents() {
    // IPEC writes "KENYA" (title, other case), "cote d'ivoire" (title without its accent),
    // "Tanzania" (also_known_as) and "bj" (slug of Bénin).
    let (_tmp, out) = build_fixture("links", &[]);
    let ipec = html(&tree(&out), "programmes/ipec/index.html");
    assert_eq!(
        items(&ipec, "references", "Countries"),
        [
            "<li><a href=\"/countries/bj/\">Bénin</a> (countries)</li>",
            "<li><a href=\"/countries/cote-d-ivoire/\">Côte d&#39;Ivoire</a> (countries): since 1998, status MOU</li>",
            "<li><a href=\"/countries/kenya/\">Kenya</a> (countries)</li>",
            "<li><a href=\"/countries/united-republic-of-tanzania/\">United Republic of Tanzania</a> (countries)</li>",
        ]
    );
    assert_eq!(
        items(&ipec, "references", "Donors"),
        ["<li><a href=\"/donors/usa/\">United States</a> (donors): amount_usd 29500000, year 1999</li>"]
    );
}

#[test]
fn wikilinks_and_at_links_become_site_urls() {
    let (_tmp, out) = build_fixture("links", &[]);
    let files = tree(&out);
    let ipec = html(&files, "programmes/ipec/index.html");
    assert!(
        ipec.contains(
            "<p>IPEC works in <a href=\"/countries/united-republic-of-tanzania/\">tanzania</a> and \
             <a href=\"/countries/cote-d-ivoire/\">Cote d’Ivoire</a>; see \
             <a href=\"/countries/kenya/#labour-law\">Kenya’s labour law</a>.</p>"
        ),
        "{ipec}"
    );
    let report = html(&files, "programmes/ipec/report/index.html");
    assert!(
        report.contains(
            "<p>The report mentions <a href=\"/countries/kenya/\">kenya</a> and \
             <a href=\"/donors/usa/\">the donor</a>.</p>"
        ),
        "{report}"
    );
    let home = html(&files, "index.html");
    assert!(
        home.contains("<a href=\"/programmes/ipec/\">the IPEC page</a>"),
        "an @/ link to a section's _index.md: {home}"
    );
}

#[test]
fn backlinks_with_their_attributes_show_on_the_referenced_page() {
    let (_tmp, out) = build_fixture("links", &[]);
    let files = tree(&out);
    let kenya = html(&files, "countries/kenya/index.html");
    assert_eq!(
        items(&kenya, "backlinks", "Programmes"),
        [
            "<li><a href=\"/programmes/ipec/\">IPEC</a> (countries)</li>",
            "<li><a href=\"/programmes/ipec/report/\">IPEC report</a> (body)</li>",
        ]
    );
    assert_eq!(
        items(&kenya, "backlinks", "Links"),
        ["<li><a href=\"/about/\">About</a> (body)</li>"],
        "root-level pages are grouped under the site's title"
    );
    let cote = html(&files, "countries/cote-d-ivoire/index.html");
    assert_eq!(
        items(&cote, "backlinks", "Programmes"),
        ["<li><a href=\"/programmes/ipec/\">IPEC</a> (countries): since 1998, status MOU</li>"]
    );
    let usa = html(&files, "donors/usa/index.html");
    assert_eq!(
        items(&usa, "backlinks", "Programmes")[0],
        "<li><a href=\"/programmes/ipec/\">IPEC</a> (donors): amount_usd 29500000, year 1999, \
         US$29,500,000 in 1999</li>"
    );
}

#[test]
fn links_output_is_as_expected() {
    let (_tmp, out) = build_fixture("links", &[]);
    assert_expected("links", &out);
}

#[test]
fn base_url_with_a_path_puts_every_internal_url_under_it() {
    for fixture in ["links", "default_theme", "extras", "tree"] {
        let (_tmp, out) = build_fixture(fixture, &["--base-url", "https://example.org/sub/"]);
        let files = tree(&out);
        for (path, bytes) in files.iter().filter(|(p, _)| p.ends_with(".html")) {
            let html = String::from_utf8_lossy(bytes);
            for url in links(&html) {
                assert!(
                    !url.starts_with("https://example.org/")
                        || url.starts_with("https://example.org/sub/"),
                    "{fixture}: {path}: {url} leaves the base URL"
                );
            }
        }
        assert_internal_links_resolve(&files, "/sub/");
        let sitemap = String::from_utf8_lossy(&files["sitemap.xml"]).into_owned();
        assert!(
            sitemap.contains("<loc>https://example.org/sub/</loc>"),
            "{fixture}: {sitemap}"
        );
        assert!(
            !sitemap.contains("example.org/docs"),
            "{fixture}: --base-url wins over site.toml"
        );
    }
}

#[test]
fn internal_links_of_the_fixtures_resolve_at_the_root() {
    for fixture in ["links", "tree", "headings", "extras", "overrides"] {
        let (_tmp, out) = build_fixture(fixture, &[]);
        let base = if fixture == "extras" { "/docs/" } else { "/" };
        assert_internal_links_resolve(&tree(&out), base);
    }
}

#[test]
fn a_body_mention_counts_once_when_front_matter_already_references_the_target() {
    let site = TestSite::new()
        .file("site.toml", "title = \"T\"\n[collections.countries]\n")
        .file("content/countries/_index.md", page("Countries", "", ""))
        .file("content/countries/kenya.md", page("Kenya", "", ""))
        .file(
            "content/a.md",
            page(
                "A",
                "countries = [\"Kenya\"]\n",
                "[[Kenya]] and [[Kenya]] again.\n",
            ),
        );
    let built = weft::build(site.root(), &weft::Options::default()).unwrap();
    let kenya = built.site.by_path["countries/kenya.md"];
    let incoming: Vec<(String, String)> = built.graph.incoming[kenya]
        .iter()
        .map(|&i| {
            let r = &built.graph.references[i];
            (built.site.page(r.source).path.clone(), r.key.clone())
        })
        .collect();
    assert_eq!(incoming, [("a.md".to_string(), "countries".to_string())]);
}

#[test]
fn external_and_fragment_links_are_left_alone_and_relative_ones_made_absolute() {
    let site = TestSite::new()
        .file("templates/page.html", "{{ page.content }}")
        .file(
            "content/a.md",
            page(
                "A",
                "",
                "[ext](https://example.com/x) [frag](#here) [rel](other.html) [mail](mailto:a@b.c)\n",
            ),
        );
    site.build();
    assert_eq!(
        site.read("a/index.html"),
        "<p><a href=\"https://example.com/x\">ext</a> <a href=\"#here\">frag</a> \
         <a href=\"/a/other.html\">rel</a> <a href=\"mailto:a@b.c\">mail</a></p>\n"
    );
    assert!(links(&site.read("a/index.html"))
        .iter()
        .filter(|u| is_internal(u))
        .eq(["/a/other.html"].iter()));
}

#[test]
fn a_base_url_without_its_final_slash_gives_the_same_site() {
    let (_a, with) = build_fixture("links", &["--base-url", "https://example.org/sub/"]);
    let (_b, without) = build_fixture("links", &["--base-url", "https://example.org/sub"]);
    assert_eq!(tree(&with), tree(&without));
}

#[test]
fn a_wikilink_may_carry_an_anchor_which_is_checked() {
    let site = TestSite::new()
        .file("site.toml", "title = \"T\"\n[collections.countries]\n")
        .file("templates/page.html", "{{ page.content }}")
        .file("content/countries/_index.md", page("Countries", "", ""))
        .file(
            "content/countries/kenya.md",
            page("Kenya", "", "## Labour law\n"),
        )
        .file(
            "content/a.md",
            page("A", "", "[[Kenya#labour-law]] and [[ kenya |K]]\n"),
        );
    site.build();
    assert_eq!(
        site.read("a/index.html"),
        "<p><a href=\"/countries/kenya/#labour-law\">Kenya</a> and \
         <a href=\"/countries/kenya/\">K</a></p>\n"
    );
    site.write("content/a.md", page("A", "", "[[Kenya#labor-law]]\n"));
    let err = site.build_err();
    assert!(
        err.starts_with(
            "error: no heading #labor-law in content/countries/kenya.md\n --> content/a.md:4:1\n"
        ),
        "{err}"
    );
}
