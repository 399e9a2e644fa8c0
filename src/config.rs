//! `site.toml` -> [`Config`]: the site's title, base URL, theme and collections.
//!
//! Parsing is strict (`deny_unknown_fields`) so a typo in the config fails loudly. This module
//! parses text it is given; reading the file is the caller's job.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

use crate::error::{Error, ErrorKind, Location};

pub const CONFIG_FILE: &str = "site.toml";

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// Where the site will live, possibly with a path (`https://example.org/sub/`).
    #[serde(default = "default_base_url")]
    pub base_url: String,
    #[serde(default = "default_language")]
    pub language: String,
    #[serde(default = "default_theme")]
    pub theme: String,
    /// Page size of every section's listing, unless the section or its collection says
    /// otherwise (`0`: no pagination). A listing longer than this gets `/page/2/`, ….
    #[serde(default = "default_paginate_by")]
    pub paginate_by: usize,
    /// Sections whose direct children are entities that other pages may reference.
    #[serde(default)]
    pub collections: BTreeMap<String, Collection>,
    /// Follow symbolic links that lead out of the site's folder (off: such a link is an error,
    /// so that a link to a secret is never published by accident).
    #[serde(default)]
    pub allow_links_outside: bool,
    /// Each page's "Edit this page" link: an absolute http(s) URL with `{path}`, replaced by
    /// the page's file path from the site's folder (`content/countries/kenya.md`).
    pub edit_url: Option<String>,
    /// Pages without `updated` take the date of the last commit that changed their file (off by
    /// default: the same sources then build the same bytes, whatever their history).
    #[serde(default)]
    pub dates_from_git: bool,
    /// Anything, handed to templates as `site.extra`.
    #[serde(default)]
    pub extra: toml::Table,
    /// The site's languages besides `language` (`[languages.fr]`, published under `/fr/`),
    /// and optionally `language` itself, for its name in a language switcher.
    #[serde(default)]
    pub languages: BTreeMap<String, Language>,
    /// Where each language is declared: its `[languages.CODE]` table, else (the default
    /// language) its `language = "…"` value; for warnings about a language.
    #[serde(skip)]
    pub language_at: BTreeMap<String, Location>,
}

/// One language of the site (`[languages.fr]`).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Language {
    /// The language's name in itself ("Français"), for a language switcher.
    pub name: Option<String>,
    /// The site's title in this language (default: the site's `title`).
    pub title: Option<String>,
    /// The site's description in this language (default: the site's `description`).
    pub description: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Collection {
    /// Used in messages: `unknown country "Keyna"`. Defaults to the name without a final `s`.
    pub singular: Option<String>,
    /// Page size of the collection's index (default: not paginated, since themes list a
    /// collection whole, for filters and maps).
    pub paginate_by: Option<usize>,
    /// Order of the collection's index listing (default: weight, then date, then title).
    pub sort_by: Option<SortBy>,
    /// The listing in the opposite order.
    #[serde(default)]
    pub sort_reverse: bool,
    /// Template for the entities, unless their front matter names one.
    pub template: Option<Spanned<String>>,
    /// Where `template`'s value is in `site.toml` (for the error when no such template exists).
    #[serde(skip)]
    pub template_at: Option<Location>,
}

/// How a section's pages are listed (front matter `sort_by`, or a collection's in site.toml).
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum SortBy {
    /// Weight (none last), then date (newest first), then title: the default.
    Weight,
    /// Newest first (undated last), then title.
    Date,
    /// By title, case-insensitively.
    Title,
}

impl SortBy {
    pub const NAMES: [&str; 3] = ["weight", "date", "title"];

    pub fn parse(name: &str) -> Option<SortBy> {
        match name {
            "weight" => Some(SortBy::Weight),
            "date" => Some(SortBy::Date),
            "title" => Some(SortBy::Title),
            _ => None,
        }
    }
}

/// A section listing more pages than this is paginated unless site.toml says otherwise.
pub const DEFAULT_PAGINATE_BY: usize = 100;

fn default_paginate_by() -> usize {
    DEFAULT_PAGINATE_BY
}

fn default_base_url() -> String {
    "/".to_string()
}

fn default_language() -> String {
    "en".to_string()
}

fn default_theme() -> String {
    "default".to_string()
}

impl Config {
    /// Parses `site.toml`'s text; errors point into it.
    pub fn parse(text: &str) -> Result<Config, Error> {
        let mut config: Config = toml::from_str(text).map_err(|e| {
            let mut error = Error::new(ErrorKind::Config, format!("invalid {CONFIG_FILE}"))
                .label(e.message().to_string());
            if let Some(span) = e.span() {
                error = error.at(Location::new(CONFIG_FILE, text, span));
            } else {
                error = error.at(Location::file_only(CONFIG_FILE));
            }
            error
        })?;
        if let Err(problem) = check_base_url(&config.base_url) {
            return Err(base_url_error(text, &config.base_url, &problem));
        }
        if !is_folder_name(&config.theme) {
            return Err(theme_name_error(text, &config.theme));
        }
        config.base_url = normalize_base_url(&config.base_url);
        for collection in config.collections.values_mut() {
            let span = collection.template.as_ref().map(Spanned::span);
            collection.template_at = span.map(|span| Location::new(CONFIG_FILE, text, span));
        }
        for code in config.languages.keys() {
            if !is_language_code(code) {
                return Err(language_code_error(text, code));
            }
        }
        config.language_at = language_locations(text, &config);
        if let Some(template) = &config.edit_url {
            if let Err(problem) = check_edit_url(template) {
                return Err(value_error(text, "edit_url", template, &problem).help(
                    "write the address of the page's source with {path} where its path goes, e.g. edit_url = \"https://github.com/ORG/REPO/edit/main/{path}\"",
                ));
            }
        }
        Ok(config)
    }

    /// Whether `base_url` is an absolute URL (`https://…`), which sitemaps, robots.txt and
    /// Atom feeds need; a path (`/`, `/docs/`) serves a site that is only previewed or
    /// linked relatively, and those files are then not written.
    pub fn has_absolute_base_url(&self) -> bool {
        self.base_url.starts_with("http://") || self.base_url.starts_with("https://")
    }

    /// Replaces the base URL (the `--base-url` flag).
    pub fn set_base_url(&mut self, url: &str) {
        self.base_url = normalize_base_url(url);
    }

    /// The path part of the base URL: `/sub/` for `https://example.org/sub/`, `/` when none.
    pub fn base_path(&self) -> String {
        base_path_of(&self.base_url)
    }

    /// The edit link of the file at `path` (from the site's folder: `content/a.md`), when
    /// `edit_url` is set; the path is percent-encoded, its slashes kept.
    pub fn edit_url(&self, path: &str) -> Option<String> {
        const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
            .remove(b'/')
            .remove(b'-')
            .remove(b'_')
            .remove(b'.')
            .remove(b'~');
        let encoded = percent_encoding::utf8_percent_encode(path, SEGMENT).to_string();
        Some(self.edit_url.as_ref()?.replace("{path}", &encoded))
    }

    /// Whether the site is published in more than one language.
    pub fn is_multilingual(&self) -> bool {
        self.languages.keys().any(|code| *code != self.language)
    }

    /// The languages other than the default, in code order.
    pub fn other_languages(&self) -> impl Iterator<Item = (&str, &Language)> {
        self.languages
            .iter()
            .filter(|(code, _)| **code != self.language)
            .map(|(code, language)| (code.as_str(), language))
    }

    /// A language's name in itself, from `[languages.CODE] name`, else its code.
    pub fn language_name(&self, code: &str) -> String {
        self.languages
            .get(code)
            .and_then(|l| l.name.clone())
            .unwrap_or_else(|| code.to_string())
    }

    pub fn singular<'a>(&'a self, collection: &'a str) -> String {
        self.collections
            .get(collection)
            .and_then(|c| c.singular.clone())
            .unwrap_or_else(|| match collection.strip_suffix("ies") {
                Some(stem) => format!("{stem}y"), // countries -> country
                None => collection
                    .strip_suffix('s')
                    .unwrap_or(collection)
                    .to_string(),
            })
    }
}

/// Checks a base URL: an absolute `http(s)://host/path/` URL, or a path starting with `/`.
/// Anything else (`not a url`, `javascript:…`, a query or fragment) would break every link.
pub fn check_base_url(url: &str) -> Result<(), String> {
    let url = url.trim();
    if url.starts_with('/') && !url.starts_with("//") {
        return match url.parse::<http::uri::PathAndQuery>() {
            Ok(p) if p.query().is_none() && !url.contains('#') => Ok(()),
            _ => Err("a base path may hold only a path (no spaces, `?` or `#`)".into()),
        };
    }
    // A scheme is named before Uri parsing, which rejects `javascript:…` without saying why.
    if let Some((scheme, _)) = url.split_once(':') {
        let is_scheme = !scheme.is_empty()
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
        if is_scheme && !matches!(scheme.to_ascii_lowercase().as_str(), "http" | "https") {
            return Err(format!(
                "its scheme is `{scheme}`; a site lives at an http or https URL"
            ));
        }
    }
    let uri: http::Uri = url.parse().map_err(|_| {
        "it is neither an absolute http(s) URL nor a path starting with `/`".to_string()
    })?;
    match uri.scheme_str() {
        Some("http" | "https") => {}
        Some(other) => {
            return Err(format!(
                "its scheme is `{other}`; a site lives at an http or https URL"
            ))
        }
        None => {
            return Err("it is neither an absolute http(s) URL nor a path starting with `/`".into())
        }
    }
    if uri.host().is_none_or(str::is_empty) {
        return Err("it has no host".into());
    }
    if uri.query().is_some() || url.contains('#') {
        return Err("a base URL may not carry a query (`?`) or fragment (`#`)".into());
    }
    Ok(())
}

/// An edit URL template: an absolute http(s) URL once `{path}` is put in, which it must hold.
pub fn check_edit_url(template: &str) -> Result<(), String> {
    if !template.contains("{path}") {
        return Err("it has no {path}, so every page would get the same link".into());
    }
    let example = template.replace("{path}", "content/a.md");
    match check_base_url(&example) {
        Ok(()) if !example.starts_with('/') => Ok(()),
        Ok(()) => Err("it is a path; an edit link is an absolute http or https URL".into()),
        Err(problem) if problem.contains("query") => Ok(()), // `?path={path}` is fine here
        Err(problem) => Err(problem.replace("a site lives at", "an edit link is")),
    }
}

/// An error at `key`'s value `value` as written in site.toml.
fn value_error(text: &str, key: &str, value: &str, problem: &str) -> Error {
    let location = value_location(text, key, value);
    Error::new(
        ErrorKind::Config,
        format!("invalid {key} \"{value}\": {problem}"),
    )
    .at(location)
}

fn base_url_error(text: &str, url: &str, problem: &str) -> Error {
    value_error(text, "base_url", url, problem)
        .help("write the address the site will live at, e.g. base_url = \"https://example.org/docs/\", or a path such as \"/\" for a site that is only previewed")
}

/// A theme is a folder of `themes/` named by a plain name: `../elsewhere` would read templates
/// and static files from outside the site.
/// A language code as it appears in file names and URLs: `fr`, `es`, `pt-br`, `zh-hant`.
pub fn is_language_code(code: &str) -> bool {
    let mut parts = code.split('-');
    let primary = parts.next().unwrap_or("");
    (2..=3).contains(&primary.len())
        && primary.bytes().all(|b| b.is_ascii_lowercase())
        && parts.all(|p| {
            (1..=8).contains(&p.len())
                && p.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

/// The code in `[languages.CODE]`, if the table is written so.
fn language_table_location(text: &str, code: &str) -> Option<Location> {
    let at = text.find(&format!("[languages.{code}]"))? + "[languages.".len();
    Some(Location::new(CONFIG_FILE, text, at..at + code.len()))
}

/// See [`Config::language_at`].
fn language_locations(text: &str, config: &Config) -> BTreeMap<String, Location> {
    let mut at: BTreeMap<String, Location> = config
        .languages
        .keys()
        .filter_map(|code| Some((code.clone(), language_table_location(text, code)?)))
        .collect();
    if !at.contains_key(&config.language) {
        if let Some(location) = default_language_location(text, &config.language) {
            at.insert(config.language.clone(), location);
        }
    }
    at
}

/// The value of the top-level `language = "…"` line.
fn default_language_location(text: &str, code: &str) -> Option<Location> {
    let mut start = 0;
    for line in text.split_inclusive('\n') {
        let key = line.trim_start();
        if key.starts_with('[') {
            return None;
        }
        let rest = key.strip_prefix("language").unwrap_or("");
        if rest.trim_start().starts_with('=') {
            let value = line.find(&format!("\"{code}\""))? + 1;
            return Some(Location::new(
                CONFIG_FILE,
                text,
                start + value..start + value + code.len(),
            ));
        }
        start += line.len();
    }
    None
}

fn language_code_error(text: &str, code: &str) -> Error {
    let location =
        language_table_location(text, code).unwrap_or_else(|| Location::file_only(CONFIG_FILE));
    Error::new(
        ErrorKind::Config,
        format!("invalid language code \"{code}\""),
    )
    .at(location)
    .label("two or three lower-case letters, optionally followed by `-` and a region or script")
    .help("use the code that ends the translations' file names and starts their URLs, e.g. [languages.fr] for kenya.fr.md and /fr/")
}

fn is_folder_name(name: &str) -> bool {
    !name.is_empty() && !name.starts_with('.') && !name.contains(['/', '\\', '\0', ':'])
}

fn theme_name_error(text: &str, theme: &str) -> Error {
    let location = value_location(text, "theme", theme);
    Error::new(
        ErrorKind::Config,
        format!("invalid theme \"{theme}\": a theme is named by its folder under themes/"),
    )
    .at(location)
    .label("a plain folder name, without `/`, `\\` or a leading `.`")
    .help("put the theme in themes/NAME/ and write theme = \"NAME\" (or \"default\" for the built-in theme)")
}

/// Where `key`'s value `value` is written in `text` (the file when it cannot be found).
fn value_location(text: &str, key: &str, value: &str) -> Location {
    text.find(key)
        .and_then(|k| text[k..].find(value).map(|i| k + i))
        .map_or_else(
            || Location::file_only(CONFIG_FILE),
            |at| Location::new(CONFIG_FILE, text, at..at + value.len()),
        )
}

fn normalize_base_url(url: &str) -> String {
    let mut url = url.trim().to_string();
    if !url.ends_with('/') {
        url.push('/');
    }
    url
}

fn base_path_of(base_url: &str) -> String {
    let after_scheme = match base_url.find("://") {
        Some(i) => &base_url[i + 3..],
        None => return normalize_base_url(&format!("/{}", base_url.trim_start_matches('/'))),
    };
    match after_scheme.find('/') {
        Some(i) => after_scheme[i..].to_string(),
        None => "/".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_path_comes_from_the_base_url() {
        assert_eq!(base_path_of("https://example.org/sub/"), "/sub/");
        assert_eq!(base_path_of("https://example.org/"), "/");
        assert_eq!(base_path_of("https://example.org"), "/");
        assert_eq!(base_path_of("/"), "/");
        assert_eq!(base_path_of("/docs/"), "/docs/");
    }

    #[test]
    fn unknown_config_key_is_an_error_with_location() {
        let err = Config::parse("title = 'x'\ntitel = 'y'\n").unwrap_err();
        let loc = err.location.unwrap();
        assert_eq!((loc.file.as_str(), loc.line), ("site.toml", 2));
        assert!(err.label.unwrap().contains("titel"));
    }

    #[test]
    fn a_base_url_is_an_absolute_http_url_or_a_path() {
        for good in [
            "https://example.org/",
            "http://localhost:4000/docs",
            "/",
            "/docs/",
        ] {
            assert_eq!(check_base_url(good), Ok(()), "{good}");
        }
        for (bad, why) in [
            ("not a url", "neither an absolute"),
            ("javascript:alert(1)", "scheme is `javascript`"),
            ("ftp://example.org/", "scheme is `ftp`"),
            ("example.org/docs/", "neither an absolute"),
            ("//example.org/", "neither an absolute"),
            ("https://example.org/?x=1", "query"),
            ("https://example.org/#top", "fragment"),
            ("/docs/?x", "only a path"),
        ] {
            let problem = check_base_url(bad).unwrap_err();
            assert!(problem.contains(why), "{bad}: {problem}");
        }
    }

    #[test]
    fn an_invalid_base_url_is_located_in_site_toml() {
        let err = Config::parse("title = 'x'\nbase_url = \"javascript:alert(1)\"\n").unwrap_err();
        assert_eq!(
            err.message,
            "invalid base_url \"javascript:alert(1)\": its scheme is `javascript`; a site lives at an http or https URL"
        );
        let loc = err.location.unwrap();
        assert_eq!((loc.line, loc.column), (2, 13));
    }

    #[test]
    fn a_theme_is_a_folder_name_never_a_path() {
        for bad in ["../../etc", "/tmp/evil", "a/b", ".hidden", "..", ""] {
            let err = Config::parse(&format!("title = 'x'\ntheme = \"{bad}\"\n")).unwrap_err();
            assert!(
                err.message.starts_with("invalid theme"),
                "{bad}: {}",
                err.message
            );
        }
        let err = Config::parse("title = 'x'\ntheme = \"../../tmp/evil\"\n").unwrap_err();
        let loc = err.location.unwrap();
        assert_eq!((loc.line, loc.column), (2, 10));
        assert!(Config::parse("title = 'x'\ntheme = \"ilo-2026.v2\"\n").is_ok());
    }

    #[test]
    fn an_edit_url_is_an_absolute_http_url_with_a_path_slot() {
        assert_eq!(
            check_edit_url("https://github.com/o/r/edit/main/{path}"),
            Ok(())
        );
        assert_eq!(
            check_edit_url("https://example.org/edit?file={path}"),
            Ok(())
        );
        for (bad, why) in [
            ("https://github.com/o/r/edit/main/", "no {path}"),
            ("/edit/{path}", "is a path"),
            (
                "ftp://example.org/{path}",
                "scheme is `ftp`; an edit link is",
            ),
            ("github.com/{path}", "neither an absolute"),
        ] {
            let problem = check_edit_url(bad).unwrap_err();
            assert!(problem.contains(why), "{bad}: {problem}");
        }
    }

    #[test]
    fn edit_links_put_the_encoded_path_in_the_template() {
        let c = Config::parse("title = 'x'\nedit_url = 'https://e.org/edit/main/docs/{path}'\n")
            .unwrap();
        assert_eq!(
            c.edit_url("content/Côte d'Ivoire.md").as_deref(),
            Some("https://e.org/edit/main/docs/content/C%C3%B4te%20d%27Ivoire.md")
        );
        let none = Config::parse("title = 'x'\n").unwrap();
        assert_eq!(none.edit_url("content/a.md"), None);
    }

    #[test]
    fn singular_defaults_to_name_without_s() {
        let c = Config::parse("title = 'x'\n[collections.donors]\n").unwrap();
        assert_eq!(c.singular("donors"), "donor");
        assert_eq!(c.singular("countries"), "country");
    }
}
