//! The search index of each language is made by that language's rules: a French index stems
//! French words ("enfants" is found as "enfant"), drops French stop words and elided articles
//! ("l'OIT" is found by "OIT"), and names its pipeline for the search page; English keeps
//! elasticlunr's own; a language weft cannot stem is indexed unstemmed, with one warning.

use serde_json::Value;

use crate::support::{page, TestSite};

/// A page on child labour in English and French.
fn site(languages: &str) -> TestSite {
    TestSite::new()
        .file("site.toml", format!("title = \"Programmes\"\n{languages}"))
        .file("content/_index.md", page("Home", "", ""))
        .file(
            "content/children.md",
            page(
                "Children",
                "",
                "The children work in the fields of the ILO.\n",
            ),
        )
        .file(
            "content/children.fr.md",
            page(
                "Enfants",
                "",
                "Les enfants travaillent dans les champs ; l'OIT et l\u{2019}IPEC le savent.\n",
            ),
        )
}

/// The index a `search_index.js` sets.
fn index(script: &str) -> Value {
    let json = script
        .strip_prefix("window.weftSearchIndex = ")
        .and_then(|s| s.strip_suffix(";\n"))
        .expect("search_index.js sets window.weftSearchIndex");
    serde_json::from_str(json).unwrap()
}

/// The titles of the documents whose `field` holds `term`, from the index's trie.
fn titles_with(index: &Value, field: &str, term: &str) -> Vec<String> {
    let mut node = &index["index"][field]["root"];
    for c in term.chars() {
        node = &node[c.to_string()];
    }
    let Some(docs) = node["docs"].as_object() else {
        return Vec::new();
    };
    docs.keys()
        .map(|r| {
            index["documentStore"]["docs"][r]["title"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect()
}

#[test]
fn a_french_index_stems_french_and_drops_french_stop_words() {
    let site = site("[languages.fr]\n");
    site.build();
    let fr = index(&site.read("fr/search_index.js"));
    assert_eq!(
        fr["pipeline"],
        serde_json::json!([
            "weft-trimmer",
            "weft-elision-fr",
            "stopWordFilter-fr",
            "stemmer-fr"
        ])
    );
    // "enfants" is indexed as the stem a search for "enfant" makes.
    assert_eq!(titles_with(&fr, "body", "enfant"), ["Enfants"]);
    assert_eq!(titles_with(&fr, "title", "enfant"), ["Enfants"]);
    assert_eq!(titles_with(&fr, "body", "champ"), ["Enfants"]);
    assert!(titles_with(&fr, "body", "enfants").is_empty());
    // Elided articles are dropped, straight or typographic.
    assert_eq!(titles_with(&fr, "body", "oit"), ["Enfants"]);
    assert_eq!(titles_with(&fr, "body", "ipec"), ["Enfants"]);
    for stop_word in ["les", "dans", "et", "le", "l", "l'oit"] {
        assert!(
            titles_with(&fr, "body", stop_word).is_empty(),
            "{stop_word} is indexed"
        );
    }
    // Twelve words: a semicolon and five stop words dropped.
    let doc = fr["documentStore"]["docs"]
        .as_object()
        .unwrap()
        .iter()
        .find(|(_, d)| d["title"] == "Enfants")
        .unwrap()
        .0;
    assert_eq!(fr["documentStore"]["docInfo"][doc]["body"], 6);
    assert_eq!(fr["lang"], "French");
}

#[test]
fn english_keeps_elasticlunrs_own_pipeline() {
    let site = site("[languages.fr]\n");
    site.build();
    let en = index(&site.read("search_index.js"));
    assert_eq!(
        en["pipeline"],
        serde_json::json!(["trimmer", "stopWordFilter", "stemmer"])
    );
    assert_eq!(titles_with(&en, "body", "children"), ["Children"]);
    assert!(titles_with(&en, "body", "the").is_empty());
    assert_eq!(en["lang"], "English");
}

#[test]
fn a_language_without_a_stemmer_is_indexed_unstemmed_with_one_warning() {
    let site = site("[languages.fr]\n[languages.de]\nname = \"Deutsch\"\n").file(
        "content/children.de.md",
        page("Kinder", "", "Die Kinder arbeiten auf den Feldern.\n"),
    );
    let built = site.build();
    let warning = "warning: search in \"de\" matches words as written: weft has no stemmer for this language\n \
         --> site.toml:3:12\n  |\n3 | [languages.de]\n  |            -- searched without stemming or stop words\n  |\n  \
         = help: a query word still finds the words it begins (\"Kind\" finds \"Kinder\"); weft stems English (en), French (fr) and Spanish (es)\n";
    assert!(built.stderr.contains(warning), "{}", built.stderr);
    assert_eq!(built.stderr.matches("warning: search in").count(), 1);
    let de = index(&site.read("de/search_index.js"));
    assert_eq!(de["pipeline"], serde_json::json!(["weft-trimmer"]));
    // Neither stemmed (by English rules or any) nor stripped of stop words.
    assert_eq!(titles_with(&de, "body", "kinder"), ["Kinder"]);
    assert_eq!(titles_with(&de, "body", "feldern"), ["Kinder"]);
    assert_eq!(titles_with(&de, "body", "die"), ["Kinder"]);
}
