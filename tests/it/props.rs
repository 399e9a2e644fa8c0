//! Property tests: random front matter and Markdown fed to the front-matter parser and to the
//! whole in-memory build give a result or errors that render, never a panic. Case counts are
//! kept modest so the suite stays quick on two cores.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use proptest::prelude::*;
use weft::config::Config;
use weft::load::{Document, SiteFiles, StringsFile, TemplateSource};
use weft::{frontmatter, Options};

fn collections() -> BTreeSet<String> {
    ["countries".to_string()].into_iter().collect()
}

/// Front-matter lines, valid and not: known keys, typos, references, bad values, bad TOML.
fn front_line() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("title = \"Kenya\"".to_string()),
        Just("title = \"\"".to_string()),
        Just("title = 3".to_string()),
        Just("date = 1999-03-01".to_string()),
        Just("date = \"yesterday\"".to_string()),
        Just("weight = -4".to_string()),
        Just("weight = 1e400".to_string()),
        Just("draft = true".to_string()),
        Just("slug = \"..\"".to_string()),
        Just("aliases = [\"/old/\", \"../x\"]".to_string()),
        Just("also_known_as = [\"Keny\"]".to_string()),
        Just("countries = [\"Kenya\", { ref = \"Côte d'Ivoire\", since = 1998 }]".to_string()),
        Just("countries = [{ since = 1 }, 4, \"Uganda\"]".to_string()),
        Just("countries = \"Benin\"".to_string()),
        Just("descripton = \"typo\"".to_string()),
        Just("[extra]\nshort = \"é\"".to_string()),
        Just("title = \"unterminated".to_string()),
        Just("= nothing".to_string()),
        Just("+++".to_string()),
        "[a-z_]{1,8} = \"[^\"\\\\\n]{0,12}\"".prop_map(|s| s),
        "[^\n]{0,20}".prop_map(|s| s),
    ]
}

/// Markdown fragments: links of every kind, headings, anchors, the summary marker, HTML.
fn body_piece() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("[[Kenya]]".to_string()),
        Just("[[Keyna]]".to_string()),
        Just("[[côte d’ivoire|the coast]]".to_string()),
        Just("[[]]".to_string()),
        Just("[k](@/countries/kenya.md#labour-law)".to_string()),
        Just("[k](@/countries/kenya.md#)".to_string()),
        Just("[x](@/nope.md)".to_string()),
        Just("[x](@/)".to_string()),
        Just("[self](#intro)".to_string()),
        Just("\n## Intro {#intro}\n".to_string()),
        Just("\n# Côte d'Ivoire\n".to_string()),
        Just("\n###### \n".to_string()),
        Just("\n<!-- more -->\n".to_string()),
        Just("[^1]\n\n[^1]: note".to_string()),
        Just("\n| a | b |\n|---|---|\n| 1 | 2 |\n".to_string()),
        Just("<script>x</script>".to_string()),
        Just("{{ page.title }} {% if %}".to_string()),
        Just("\u{0}\u{feff}\r\n".to_string()),
        "[^\u{0}]{0,30}".prop_map(|s| s),
    ]
}

fn document_text() -> impl Strategy<Value = String> {
    prop_oneof![
        // Anything goes: missing delimiters, bad lines, bad links.
        1 => (
            prop::collection::vec(front_line(), 0..6),
            prop::collection::vec(body_piece(), 0..8),
            any::<bool>(),
            any::<bool>(),
        )
            .prop_map(|(front, body, open, close)| {
                let open = if open { "+++\n" } else { "" };
                let close = if close { "+++\n" } else { "" };
                format!("{open}{}{close}{}", lines(&front), body.join(" "))
            }),
        // Mostly valid, so that rendering runs too.
        3 => (
            prop::collection::vec(valid_front_line(), 0..4),
            prop::collection::vec(valid_body_piece(), 0..8),
        )
            .prop_map(|(front, body)| {
                format!("+++\ntitle = \"Page\"\n{}+++\n{}", lines(&front), body.join(" "))
            }),
    ]
}

fn lines(front: &[String]) -> String {
    front.iter().map(|l| format!("{l}\n")).collect()
}

/// Front-matter lines that are all valid (though their references may not resolve).
fn valid_front_line() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("date = 1999-03-01".to_string()),
        Just("weight = -4".to_string()),
        Just("slug = \"..\"".to_string()),
        Just("aliases = [\"/old/\"]".to_string()),
        Just("description = \"<b>&amp;</b>\"".to_string()),
        Just("countries = [\"kenya\", { ref = \"Cote d'Ivoire\", since = 1998 }]".to_string()),
        Just("template = \"page.html\"".to_string()),
    ]
}

/// Markdown that resolves against the fixed pages, plus free text.
fn valid_body_piece() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("[[Kenya]]".to_string()),
        Just("[[côte d’ivoire|the coast]]".to_string()),
        Just("[k](@/countries/kenya.md#labour-law)".to_string()),
        Just("\n## Intro\n".to_string()),
        Just("\n## Intro\n".to_string()),
        Just("\n<!-- more -->\n".to_string()),
        Just("![img](pic.png)".to_string()),
        Just("[^1]\n\n[^1]: note".to_string()),
        Just("<script>x</script>".to_string()),
        "[^\u{0}\\[\\]]{0,40}".prop_map(|s| s),
    ]
}

/// The built-in theme's templates, read once (a site folder with no theme of its own).
/// The built-in theme's templates and UI strings.
fn default_theme() -> &'static (BTreeMap<String, TemplateSource>, Vec<StringsFile>) {
    static THEME: OnceLock<(BTreeMap<String, TemplateSource>, Vec<StringsFile>)> = OnceLock::new();
    THEME.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("content")).unwrap();
        let config = Config::parse("title = \"t\"").unwrap();
        let (files, errors) = weft::load::site(dir.path(), config);
        assert!(errors.is_empty(), "{errors:?}");
        (files.templates, files.strings)
    })
}

fn site_files(pages: Vec<(String, String)>) -> SiteFiles {
    let config = Config::parse(
        "title = \"Props\"\nbase_url = \"https://example.org/sub/\"\n[collections.countries]\n",
    )
    .unwrap();
    let mut documents = vec![
        Document {
            path: "countries/_index.md".into(),
            text: "+++\ntitle = \"Countries\"\n+++\n".into(),
        },
        Document {
            path: "countries/kenya.md".into(),
            text: "+++\ntitle = \"Kenya\"\n+++\n## Labour law\n".into(),
        },
        Document {
            path: "countries/cote-d-ivoire.md".into(),
            text: "+++\ntitle = \"Côte d'Ivoire\"\n+++\n".into(),
        },
    ];
    documents.extend(
        pages
            .into_iter()
            .map(|(path, text)| Document { path, text }),
    );
    SiteFiles {
        config,
        documents,
        templates: default_theme().0.clone(),
        assets: BTreeMap::new(),
        data: Vec::new(),
        strings: default_theme().1.clone(),
        dates: BTreeMap::new(),
        warnings: Vec::new(),
    }
}

fn page_path() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("a.md".to_string()),
        Just("_index.md".to_string()),
        Just("countries/uganda.md".to_string()),
        Just("countries/kenya/index.md".to_string()),
        Just("news/_index.md".to_string()),
        Just("news/Été 2024.md".to_string()),
        "[a-z]{1,3}(/[a-z]{1,3}){0,2}\\.md".prop_map(|s| s),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn front_matter_parsing_returns_errors_never_panics(text in document_text()) {
        match frontmatter::parse("content/a.md", &text, &collections()) {
            Ok(parsed) => prop_assert!(parsed.body_offset <= text.len()),
            Err(errors) => {
                prop_assert!(!errors.is_empty());
                for e in &errors {
                    let location = e.location.as_ref().expect("front-matter errors have a place");
                    prop_assert!(location.line >= 1);
                    prop_assert!(e.render(false).starts_with("error: "));
                }
            }
        }
    }

    #[test]
    fn arbitrary_text_never_panics_the_parser(text in any::<String>()) {
        if let Err(errors) = frontmatter::parse("content/a.md", &text, &collections()) {
            for e in errors {
                e.render(false);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 40, ..ProptestConfig::default() })]

    #[test]
    fn the_whole_build_returns_a_site_or_errors_never_panics(
        pages in prop::collection::btree_map(page_path(), document_text(), 1..5),
    ) {
        let n_pages = pages.len();
        let pages = pages.into_iter().collect();
        let result = weft::build_files(site_files(pages), Vec::new(), &Options::default());
        match result {
            Ok(built) => {
                prop_assert!(built.page_count() >= 4.min(n_pages + 3));
                for page in &built.site.pages {
                    let path = format!("{}index.html", page.url_path);
                    prop_assert!(
                        built.outputs.iter().any(|o| o.path == path),
                        "no output for {}", page.path
                    );
                }
                for o in &built.outputs {
                    prop_assert!(!o.path.starts_with('/') && !o.path.split('/').any(|s| s == ".."));
                }
            }
            Err(errors) => {
                prop_assert!(!errors.is_empty());
                prop_assert!(errors.render(false).contains("error: build failed with"));
            }
        }
    }
}
