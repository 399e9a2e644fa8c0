//! A site in several languages (issue 13): translations beside their page, one view per
//! language under `/xx/`, names and links resolved within the language (falling back to the
//! default's), relations typed once on the source and shown in every language, pages without
//! a translation published with the default text, stale translations found, per-language
//! search, feeds and graph, one sitemap with hreflang alternates, and every error located.

use crate::support::{assert_text, page, TestSite};

/// What the test templates print of a page: its language, the site's, its translations, its
/// backlinks with their relation, and its body.
const PROBE: &str = "lang={{ lang }} page.lang={{ page.lang }} site={{ site.title }} lang_path={{ site.lang_path }} untranslated={{ page.untranslated|string|lower }} stale={{ page.stale|string|lower }} original={{ page.original.url if page.original else '-' }}\n\
translations={% for t in page.translations %}{{ t.lang }}:{{ t.url }}:{{ t.title }}:{{ t.translated|string|lower }};{% endfor %}\n\
languages={% for l in site.languages %}{{ l.code }}={{ l.name }}@{{ l.url }};{% endfor %}\n\
backlinks={% for b in page.backlink_items %}{{ b.source.url }}={{ b.relation }};{% endfor %}\n\
{{ page.content }}";

/// Kenya (translated into Spanish), Tanzania (into French), a programme referencing Kenya
/// (translated into both) and a home page translated into neither.
fn site() -> TestSite {
    TestSite::new()
        .file(
            "site.toml",
            "title = \"Programmes\"\nbase_url = \"https://example.org/\"\n[collections.countries]\n\
             [languages.en]\nname = \"English\"\n\
             [languages.fr]\nname = \"Français\"\ntitle = \"Programmes (fr)\"\n\
             [languages.es]\nname = \"Español\"\n",
        )
        .file("templates/page.html", PROBE)
        .file("templates/section.html", PROBE)
        .file("templates/index.html", PROBE)
        .file("content/_index.md", page("Home", "", "See [[Kenya]].\n"))
        .file("content/countries/_index.md", page("Countries", "", ""))
        .file(
            "content/countries/_index.fr.md",
            page("Pays", "slug = \"pays\"\n", ""),
        )
        .file("content/countries/kenya.md", page("Kenya", "", "Kenya.\n"))
        .file("content/countries/kenya.es.md", page("Kenia", "", "Kenia.\n"))
        .file(
            "content/countries/tanzania.md",
            page(
                "United Republic of Tanzania",
                "also_known_as = [\"Tanzania\"]\n",
                "Tanzania.\n",
            ),
        )
        .file(
            "content/countries/tanzania.fr.md",
            page(
                "République-Unie de Tanzanie",
                "also_known_as = [\"Tanzanie\"]\n",
                "Tanzanie.\n",
            ),
        )
        .file(
            "content/ipec.md",
            page(
                "IPEC",
                "weight = 1\ncountries = [{ ref = \"Kenya\", relation = \"MOU since 1998\" }]\n",
                "About [[Tanzania]].\n",
            ),
        )
        .file(
            "content/ipec.es.md",
            page(
                "IPEC (es)",
                "",
                "Véase [[Kenia]], [[Tanzania]] y [la lista](@/countries/_index.md).\n",
            ),
        )
        .file(
            "content/ipec.fr.md",
            page("IPEC (fr)", "", "Voir [[Tanzanie]] et [[Kenya]].\n"),
        )
}

#[test]
fn each_language_is_published_under_its_code_with_translated_section_urls() {
    let site = site();
    site.build();
    let files = site.output();
    for path in [
        "index.html",
        "countries/kenya/index.html",
        "fr/index.html",
        "fr/pays/kenya/index.html",
        "fr/pays/tanzania/index.html",
        "fr/ipec/index.html",
        "es/index.html",
        "es/countries/kenya/index.html",
        "es/ipec/index.html",
        "fr/search_index.js",
        "es/search_index.js",
        "fr/graph.json",
        "fr/atom.xml",
        "fr/pays/atom.xml",
        "fr/search/index.html",
    ] {
        assert!(
            files.contains_key(path),
            "{path} missing: {:?}",
            files.keys()
        );
    }
    for path in ["fr/robots.txt", "fr/sitemap.xml", "fr/css/site.css"] {
        assert!(!files.contains_key(path), "{path} written");
    }
}

#[test]
fn a_translation_shows_its_own_prose_and_the_relations_typed_on_its_source() {
    let site = site();
    site.build();
    let kenya_es = site.read("es/countries/kenya/index.html");
    assert!(kenya_es.contains("<p>Kenia.</p>"), "{kenya_es}");
    assert!(
        kenya_es.contains("page.lang=es") && kenya_es.contains("lang=es "),
        "{kenya_es}"
    );
    // The relation is written once, on the English IPEC page, and listed in every language,
    // pointing at the programme page of that language.
    assert!(
        kenya_es.contains("backlinks=/es/=;/es/ipec/=MOU since 1998;"),
        "{kenya_es}"
    );
    let kenya_fr = site.read("fr/pays/kenya/index.html");
    assert!(
        kenya_fr.contains("backlinks=/fr/=;/fr/ipec/=MOU since 1998;"),
        "{kenya_fr}"
    );
    assert!(kenya_fr.contains("site=Programmes (fr)"), "{kenya_fr}");
}

#[test]
fn names_and_links_resolve_within_the_language_then_the_default_one() {
    let site = site();
    site.build();
    let ipec_es = site.read("es/ipec/index.html");
    // `[[Kenia]]` is the Spanish Kenya page's title; `[[Tanzania]]` has no Spanish page, so
    // its English name leads to the page published in Spanish; `@/` goes to the Spanish URL.
    for link in [
        "<a href=\"/es/countries/kenya/\">Kenia</a>",
        "<a href=\"/es/countries/tanzania/\">Tanzania</a>",
        "<a href=\"/es/countries/\">la lista</a>",
    ] {
        assert!(ipec_es.contains(link), "{link} in {ipec_es}");
    }
    let ipec_fr = site.read("fr/ipec/index.html");
    for link in [
        "<a href=\"/fr/pays/tanzania/\">Tanzanie</a>",
        "<a href=\"/fr/pays/kenya/\">Kenya</a>",
    ] {
        assert!(ipec_fr.contains(link), "{link} in {ipec_fr}");
    }
}

#[test]
fn an_untranslated_page_is_published_in_every_language_with_its_original() {
    let site = site();
    site.build();
    let home_fr = site.read("fr/index.html");
    assert!(
        home_fr.contains("untranslated=true stale=false original=/"),
        "{home_fr}"
    );
    // Its links lead within the language.
    assert!(
        home_fr.contains("<a href=\"/fr/pays/kenya/\">Kenya</a>"),
        "{home_fr}"
    );
    let kenya_fr = site.read("fr/pays/kenya/index.html");
    assert!(
        kenya_fr.contains("untranslated=true stale=false original=/countries/kenya/"),
        "{kenya_fr}"
    );
    let kenya = site.read("countries/kenya/index.html");
    assert!(
        kenya.contains("untranslated=false stale=false original=-"),
        "{kenya}"
    );
}

#[test]
fn every_page_lists_itself_in_every_language() {
    let site = site();
    site.build();
    let expected = "translations=en:/countries/kenya/:Kenya:true;es:/es/countries/kenya/:Kenia:true;fr:/fr/pays/kenya/:Kenya:false;";
    for path in [
        "countries/kenya/index.html",
        "fr/pays/kenya/index.html",
        "es/countries/kenya/index.html",
    ] {
        let html = site.read(path);
        assert!(html.contains(expected), "{path}: {html}");
        assert!(
            html.contains("languages=en=English@/;es=Español@/es/;fr=Français@/fr/;"),
            "{path}: {html}"
        );
    }
    let sitemap = site.read("sitemap.xml");
    assert!(
        sitemap.contains("<url><loc>https://example.org/fr/pays/kenya/</loc><xhtml:link rel=\"alternate\" hreflang=\"en\" href=\"https://example.org/countries/kenya/\"/><xhtml:link rel=\"alternate\" hreflang=\"es\" href=\"https://example.org/es/countries/kenya/\"/><xhtml:link rel=\"alternate\" hreflang=\"fr\" href=\"https://example.org/fr/pays/kenya/\"/><xhtml:link rel=\"alternate\" hreflang=\"x-default\" href=\"https://example.org/countries/kenya/\"/></url>"),
        "{sitemap}"
    );
    assert_eq!(sitemap.matches("<url>").count(), 3 * 5, "{sitemap}");
}

#[test]
fn search_feeds_and_graph_are_made_per_language() {
    let site = site();
    site.build();
    let index_es = site.read("es/search_index.js");
    // Stored relative to the language's root, where the search page's `../` leads.
    assert!(
        index_es.contains("\"url\":\"countries/kenya/\""),
        "{index_es}"
    );
    assert!(index_es.contains("\"title\":\"Kenia\""), "{index_es}");
    let graph_fr = site.read("fr/graph.json");
    assert!(graph_fr.contains("\"language\":\"fr\""), "{graph_fr}");
    assert!(
        graph_fr.contains("\"title\":\"République-Unie de Tanzanie\",\"url\":\"/fr/pays/tanzania/\",\"file\":\"content/countries/tanzania.fr.md\",\"lang\":\"fr\",\"translated\":true"),
        "{graph_fr}"
    );
    // A relation inherited from the source is located in the source's file.
    assert!(
        graph_fr.contains("\"source\":\"ipec.md\",\"target\":\"countries/kenya.md\",\"key\":\"countries\",\"attrs\":{\"relation\":\"MOU since 1998\"},\"relation\":\"MOU since 1998\",\"file\":\"content/ipec.md\""),
        "{graph_fr}"
    );
    let atom_fr = site.read("fr/atom.xml");
    assert!(atom_fr.contains("xml:lang=\"fr\""), "{atom_fr}");
    assert!(
        atom_fr.contains("<link rel=\"self\" href=\"https://example.org/fr/atom.xml\"/>"),
        "{atom_fr}"
    );
}

#[test]
fn a_site_in_one_language_writes_no_language_fields() {
    let site = TestSite::new()
        .file(
            "site.toml",
            "title = \"T\"\nbase_url = \"https://example.org/\"\n",
        )
        .file("content/a.md", page("A", "", "Body.\n"));
    site.build();
    let sitemap = site.read("sitemap.xml");
    assert!(!sitemap.contains("xhtml"), "{sitemap}");
    let graph = site.read("graph.json");
    assert!(!graph.contains("\"lang\""), "{graph}");
    assert!(!graph.contains("\"language\""), "{graph}");
}

/// A source changed since its translation was made: the translation is stale, its page says
/// so, and `weft check` lists it (and every missing translation) with the version to record.
#[test]
fn a_changed_source_makes_its_translations_stale_and_check_lists_them() {
    let site = site();
    let check = site.weft(&["check", "--format", "json"]);
    let report: serde_json::Value = serde_json::from_str(&check.stdout).unwrap();
    let findings = report["findings"].as_array().unwrap();
    let stale: Vec<&str> = findings
        .iter()
        .filter(|f| f["kind"] == "stale-translation")
        .map(|f| f["file"].as_str().unwrap())
        .collect();
    // No translation of the fixture records its source's version yet.
    assert_eq!(
        stale,
        [
            "content/countries/_index.fr.md",
            "content/countries/kenya.es.md",
            "content/countries/tanzania.fr.md",
            "content/ipec.es.md",
            "content/ipec.fr.md"
        ]
    );
    let missing = findings
        .iter()
        .filter(|f| f["kind"] == "missing-translation")
        .count();
    assert_eq!(missing, 2 * 5 - 5, "{findings:?}");
    // Recording the version the help names makes the translation current...
    let help = findings
        .iter()
        .find(|f| f["file"] == "content/countries/kenya.es.md")
        .unwrap()["help"]
        .as_str()
        .unwrap()
        .to_string();
    let version = help.split('"').nth(1).unwrap().to_string();
    assert_eq!(version.len(), 10, "{help}");
    site.write(
        "content/countries/kenya.es.md",
        page(
            "Kenia",
            &format!("translates = \"{version}\"\n"),
            "Kenia.\n",
        ),
    );
    site.build();
    assert!(site
        .read("es/countries/kenya/index.html")
        .contains("stale=false"));
    // ...until the source's text changes.
    site.write(
        "content/countries/kenya.md",
        page("Kenya", "", "Kenya, edited.\n"),
    );
    site.build();
    assert!(site
        .read("es/countries/kenya/index.html")
        .contains("untranslated=false stale=true original=/countries/kenya/"));
    let check = site.weft(&["check"]);
    assert!(
        check.stderr.contains("warning: content/countries/kenya.es.md translates another version of content/countries/kenya.md"),
        "{}",
        check.stderr
    );
}

#[test]
fn a_translation_without_a_source_is_an_error_with_did_you_mean() {
    let site = site().file("content/countries/kenia.es.md", page("Kenia", "", ""));
    assert_text(
        &site.build_err(),
        r#"error: content/countries/kenia.es.md translates content/countries/kenia.md, which does not exist
 --> content/countries/kenia.es.md:1:1
  |
1 | +++
  | ^ did you mean a translation of content/countries/kenya.md?
  |
  = help: a translation sits beside its source with the same name and a language suffix (kenya.fr.md beside kenya.md); rename it, or add the source page

error: build failed with 1 error
"#,
        "translation without source",
    );
}

#[test]
fn a_language_suffix_site_toml_does_not_declare_is_an_error() {
    let site = site().file("content/countries/kenya.de.md", page("Kenia", "", ""));
    assert_text(
        &site.build_err(),
        r#"error: content/countries/kenya.de.md is in the language "de", which site.toml does not declare
 --> content/countries/kenya.de.md:1:1
  |
1 | +++
  | ^ declared: es, fr
  |
  = help: declare the language in site.toml with [languages.de] (and its `name`), or rename the file

error: build failed with 1 error
"#,
        "undeclared language",
    );
}

#[test]
fn a_translation_setting_references_is_an_error_at_the_reference() {
    let site = site().file(
        "content/ipec.fr.md",
        page("IPEC (fr)", "countries = [\"Kenya\"]\n", ""),
    );
    assert_text(
        &site.build_err(),
        r#"error: a translation cannot set `countries`: references are typed once, on the source
 --> content/ipec.fr.md:3:14
  |
3 | countries = ["Kenya"]
  |              ^^^^^^^ inherited from content/ipec.md
  |
  = help: remove `countries` here; the source's references and their relations are shown in every language (their words are translated in i18n/LANG.toml [terms])

error: build failed with 1 error
"#,
        "translation setting references",
    );
}

#[test]
fn two_translations_claiming_one_url_is_an_error() {
    let site = site().file(
        "content/countries/tanzania.es.md",
        page("Tanzanía", "slug = \"kenya\"\n", ""),
    );
    let err = site.build_err();
    assert!(
        err.contains("error: two files claim the URL /es/countries/kenya/: content/countries/kenya.es.md and content/countries/tanzania.es.md"),
        "{err}"
    );
}

#[test]
fn an_undeclared_language_code_in_site_toml_is_an_error() {
    let site = site().file(
        "site.toml",
        "title = \"Programmes\"\n[languages.French]\nname = \"Français\"\n",
    );
    let run = site.weft(&["build"]);
    assert_text(
        &run.stderr,
        r#"error: invalid language code "French"
 --> site.toml:2:12
  |
2 | [languages.French]
  |            ^^^^^^ two or three lower-case letters, optionally followed by `-` and a region or script
  |
  = help: use the code that ends the translations' file names and starts their URLs, e.g. [languages.fr] for kenya.fr.md and /fr/

error: build failed with 1 error
"#,
        "bad language code",
    );
}

/// The default theme, on a site with one page left untranslated on purpose: the page is
/// published in French with the English text marked as English, a French notice linking to
/// the original, and a canonical link to the original; a translation whose source changed
/// says so in its language.
#[test]
fn the_default_theme_marks_untranslated_and_stale_pages_in_the_readers_language() {
    let site = TestSite::new()
        .file(
            "site.toml",
            "title = \"T\"\nbase_url = \"https://example.org/\"\n[languages.fr]\nname = \"Français\"\n",
        )
        .file("content/_index.md", page("Home", "", "Welcome.\n"))
        .file("content/_index.fr.md", page("Accueil", "", "Bienvenue.\n"))
        .file("content/about.md", page("About", "", "Left in English.\n"))
        .file("content/news.md", page("News", "", "First version.\n"));
    let check = site.weft(&["check", "--format", "json"]);
    let report: serde_json::Value = serde_json::from_str(&check.stdout).unwrap();
    let version_of = |file: &str| {
        let finding = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["file"] == file || f["message"].as_str().unwrap().starts_with(file))
            .unwrap_or_else(|| panic!("no finding for {file}: {report}"));
        finding["help"]
            .as_str()
            .unwrap()
            .split('"')
            .nth(1)
            .unwrap()
            .to_string()
    };
    let news_version = version_of("content/news.md");
    site.write(
        "content/news.fr.md",
        page(
            "Nouvelles",
            &format!("translates = \"{news_version}\"\n"),
            "Première version.\n",
        ),
    );
    site.build();
    let about = site.read("fr/about/index.html");
    assert!(
        about.contains("<p class=\"notice translation-notice\" role=\"note\">Cette page n&#39;a pas encore été traduite : elle est présentée dans sa langue d&#39;origine. <a href=\"/about/\" hreflang=\"en\">Consulter l&#39;original</a></p>"),
        "{about}"
    );
    assert!(
        about.contains("<link rel=\"canonical\" href=\"https://example.org/about/\">"),
        "{about}"
    );
    let news = site.read("fr/news/index.html");
    assert!(!news.contains("translation-notice"), "{news}");
    // The source changes: its translation is stale until it records the new version.
    site.write("content/news.md", page("News", "", "Second version.\n"));
    site.build();
    let news = site.read("fr/news/index.html");
    assert!(
        news.contains("L&#39;original de cette page a été modifié depuis sa traduction : la présente traduction n&#39;est peut-être plus à jour. <a href=\"/news/\" hreflang=\"en\">Consulter l&#39;original actuel</a>"),
        "{news}"
    );
    assert!(
        news.contains("<link rel=\"canonical\" href=\"https://example.org/fr/news/\">"),
        "{news}"
    );
}
