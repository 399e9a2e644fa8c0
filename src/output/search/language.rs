//! How the search index turns a language's text into terms, and what the search page must run
//! on a query to make the same terms. The index names its pipeline's functions (elasticlunr's
//! format); elasticlunr.js loads the index only when every one of them is registered:
//! - English: elasticlunr's own pipeline (ASCII trimmer, English stop words, Porter stemmer),
//!   built into elasticlunr.js and elasticlunr-rs alike;
//! - French and Spanish: weft's trimmer, for French the elided articles (`l'`, `d'`, `qu'`)
//!   dropped, then the language's stop words and Snowball stemmer, from elasticlunr-rs (which
//!   uses rust-stemmers) here and from lunr-languages (vendored in the theme) in the browser;
//! - any other language: weft's trimmer only (words as written, lower-cased; the search page
//!   expands a query word to the terms it begins), and a build warning.
//!
//! weft's own functions are written twice, here and in the theme's `search.js`, with the same
//! Unicode classes; a test in tests/it/search_browser.rs runs the browser's pipeline over every
//! stored text of the site and compares its terms with the index's.

use elasticlunr::lang::{English, French, Spanish};
use elasticlunr::pipeline::PipelineFn;
use elasticlunr::{Language, Pipeline};

use crate::config::{Config, CONFIG_FILE};
use crate::error::{Error, ErrorKind, Location};

/// The rules one language's text is indexed and searched by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Analysis {
    English,
    French,
    Spanish,
    /// A language weft has no stemmer for: words are only trimmed and lower-cased.
    Unstemmed,
}

impl Analysis {
    /// The analysis of a language code (`fr`, `fr-ca`: by its primary subtag).
    pub fn of(code: &str) -> Analysis {
        match code.split('-').next().unwrap_or(code) {
            "en" => Analysis::English,
            "fr" => Analysis::French,
            "es" => Analysis::Spanish,
            _ => Analysis::Unstemmed,
        }
    }

    /// What the index's `lang` field says (elasticlunr-rs's name of the language; elasticlunr.js
    /// does not read it).
    pub fn name(self) -> &'static str {
        match self {
            Analysis::English => "English",
            Analysis::French => "French",
            Analysis::Spanish => "Spanish",
            Analysis::Unstemmed => "Unstemmed",
        }
    }

    /// The pipeline every token goes through, in the index and (by name) on the search page.
    pub fn pipeline(self) -> Pipeline {
        match self {
            Analysis::English => English::new().make_pipeline(),
            Analysis::French => snowball(&French::new(), Some(Box::new(FrenchElision))),
            Analysis::Spanish => snowball(&Spanish::new(), None),
            Analysis::Unstemmed => Pipeline {
                queue: vec![Box::new(Trimmer)],
            },
        }
    }
}

/// weft's trimmer (and `elision`), then `language`'s stop words and stemmer. elasticlunr-rs's
/// own trimmer for these languages keeps Latin letters only, so "1998" or "29,5" would never
/// be found; lunr-languages' now keeps ASCII digits: neither agrees with the other, so weft
/// trims with its own rule on both sides.
fn snowball(language: &dyn Language, elision: Option<Box<dyn PipelineFn>>) -> Pipeline {
    let mut queue: Vec<Box<dyn PipelineFn>> = vec![Box::new(Trimmer)];
    queue.extend(elision);
    queue.extend(
        language
            .make_pipeline()
            .queue
            .into_iter()
            .filter(|f| !f.name().starts_with("trimmer")),
    );
    Pipeline { queue }
}

/// Drops what is neither a letter nor a digit (of any script) from both ends of a token; a
/// token with nothing left is dropped. In search.js: `[^\p{Alphabetic}\p{N}]`, the classes of
/// Rust's `char::is_alphanumeric`.
struct Trimmer;

impl PipelineFn for Trimmer {
    fn name(&self) -> String {
        "weft-trimmer".into()
    }

    fn filter(&self, token: String) -> Option<String> {
        let trimmed = token.trim_matches(|c: char| !c.is_alphanumeric());
        match trimmed.len() {
            0 => None,
            n if n == token.len() => Some(token),
            _ => Some(trimmed.to_string()),
        }
    }
}

/// The French articles and conjunctions written elided before a vowel (`l'enfant`,
/// `qu'il`, `jusqu'à`).
const FRENCH_ELIDED: [&str; 13] = [
    "c", "d", "j", "l", "m", "n", "s", "t", "qu", "jusqu", "lorsqu", "puisqu", "quoiqu",
];

/// `l'OIT` is a word about the ILO, not one starting with `l'`: the elided word before the
/// first apostrophe (straight or typographic) is dropped, so "OIT" finds it. Other words
/// with an apostrophe (`aujourd'hui`) are kept whole.
struct FrenchElision;

impl PipelineFn for FrenchElision {
    fn name(&self) -> String {
        "weft-elision-fr".into()
    }

    fn filter(&self, token: String) -> Option<String> {
        match token.split_once(['\'', '\u{2019}']) {
            Some((elided, word)) if FRENCH_ELIDED.contains(&elided) && !word.is_empty() => {
                Some(word.to_string())
            }
            _ => Some(token),
        }
    }
}

/// A warning for each language of the site that weft's search does not stem, at its
/// declaration in site.toml: its pages are still searched, by words as written.
pub fn unstemmed_language_warnings(config: &Config) -> Vec<Error> {
    let codes = std::iter::once(config.language.as_str())
        .chain(config.other_languages().map(|(code, _)| code));
    codes
        .filter(|code| Analysis::of(code) == Analysis::Unstemmed)
        .map(|code| {
            let location = config
                .language_at
                .get(code)
                .cloned()
                .unwrap_or_else(|| Location::file_only(CONFIG_FILE));
            Error::new(
                ErrorKind::Config,
                format!("search in \"{code}\" matches words as written: weft has no stemmer for this language"),
            )
            .at(location)
            .label("searched without stemming or stop words")
            .help("a query word still finds the words it begins (\"Kind\" finds \"Kinder\"); weft stems English (en), French (fr) and Spanish (es)")
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The terms `analysis` makes of `text`, split as the index splits it.
    fn terms(analysis: Analysis, text: &str) -> Vec<String> {
        analysis
            .pipeline()
            .run(elasticlunr::lang::tokenize_whitespace(text))
    }

    fn names(analysis: Analysis) -> serde_json::Value {
        serde_json::to_value(analysis.pipeline()).unwrap()
    }

    #[test]
    fn a_language_is_analysed_by_its_primary_subtag() {
        assert_eq!(Analysis::of("fr"), Analysis::French);
        assert_eq!(Analysis::of("fr-ca"), Analysis::French);
        assert_eq!(Analysis::of("es-419"), Analysis::Spanish);
        assert_eq!(Analysis::of("en-gb"), Analysis::English);
        assert_eq!(Analysis::of("de"), Analysis::Unstemmed);
        assert_eq!(Analysis::of("frr"), Analysis::Unstemmed);
    }

    #[test]
    fn english_keeps_elasticlunrs_own_pipeline() {
        assert_eq!(
            names(Analysis::English),
            serde_json::json!(["trimmer", "stopWordFilter", "stemmer"])
        );
        assert_eq!(
            terms(Analysis::English, "The children's labour, 1998"),
            ["children'", "labour", "1998"]
        );
    }

    #[test]
    fn french_drops_elided_articles_and_stop_words_and_stems() {
        assert_eq!(
            names(Analysis::French),
            serde_json::json!([
                "weft-trimmer",
                "weft-elision-fr",
                "stopWordFilter-fr",
                "stemmer-fr"
            ])
        );
        assert_eq!(
            terms(
                Analysis::French,
                "Les enfants et l'OIT : d'enfants, qu'il « travaille » aujourd\u{2019}hui"
            ),
            ["enfant", "oit", "enfant", "travaill", "aujourd\u{2019}hui"]
        );
        assert_eq!(
            terms(Analysis::French, "enfant"),
            terms(Analysis::French, "Enfants.")
        );
    }

    #[test]
    fn french_and_spanish_keep_numbers() {
        assert_eq!(
            terms(Analysis::French, "(1998) 29,5 millions"),
            ["1998", "29,5", "million"]
        );
        assert_eq!(
            terms(Analysis::Spanish, "29,5 millones en 1998."),
            ["29,5", "millon", "1998"]
        );
    }

    #[test]
    fn spanish_drops_its_stop_words_and_stems() {
        assert_eq!(
            terms(Analysis::Spanish, "Los niños trabajadores de las Américas"),
            ["niñ", "trabaj", "amer"]
        );
        // An apostrophe is no elision in Spanish.
        assert_eq!(terms(Analysis::Spanish, "l'eau"), ["l'eau"]);
    }

    #[test]
    fn other_languages_are_trimmed_and_lower_cased_only() {
        assert_eq!(
            names(Analysis::Unstemmed),
            serde_json::json!(["weft-trimmer"])
        );
        assert_eq!(
            terms(Analysis::Unstemmed, "Die Kinder, «Arbeit» — 1998!"),
            ["die", "kinder", "arbeit", "1998"]
        );
    }

    #[test]
    fn a_language_without_a_stemmer_is_a_located_warning() {
        let text = "title = 'T'\n[languages.fr]\n[languages.de]\nname = 'Deutsch'\n";
        let config = Config::parse(text).unwrap();
        let warnings = unstemmed_language_warnings(&config);
        assert_eq!(warnings.len(), 1);
        assert_eq!(
            warnings[0].render_as(true, false),
            "warning: search in \"de\" matches words as written: weft has no stemmer for this language\n \
             --> site.toml:3:12\n  |\n3 | [languages.de]\n  |            -- searched without stemming or stop words\n  |\n  \
             = help: a query word still finds the words it begins (\"Kind\" finds \"Kinder\"); weft stems English (en), French (fr) and Spanish (es)"
        );
    }

    #[test]
    fn a_default_language_without_a_stemmer_is_located_at_its_key() {
        let config = Config::parse("title = 'T'\nlanguage = \"pt\"\n").unwrap();
        let warnings = unstemmed_language_warnings(&config);
        assert_eq!(warnings.len(), 1);
        let location = warnings[0].location.as_ref().unwrap();
        assert_eq!((location.line, location.column), (2, 13));
        assert!(unstemmed_language_warnings(&Config::parse("title = 'T'\n").unwrap()).is_empty());
    }
}
