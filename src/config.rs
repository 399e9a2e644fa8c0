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
    /// Sections whose direct children are entities that other pages may reference.
    #[serde(default)]
    pub collections: BTreeMap<String, Collection>,
    /// Anything, handed to templates as `site.extra`.
    #[serde(default)]
    pub extra: toml::Table,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Collection {
    /// Used in messages: `unknown country "Keyna"`. Defaults to the name without a final `s`.
    pub singular: Option<String>,
    /// Template for the entities, unless their front matter names one.
    pub template: Option<Spanned<String>>,
    /// Where `template`'s value is in `site.toml` (for the error when no such template exists).
    #[serde(skip)]
    pub template_at: Option<Location>,
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
        config.base_url = normalize_base_url(&config.base_url);
        for collection in config.collections.values_mut() {
            let span = collection.template.as_ref().map(Spanned::span);
            collection.template_at = span.map(|span| Location::new(CONFIG_FILE, text, span));
        }
        Ok(config)
    }

    /// Replaces the base URL (the `--base-url` flag).
    pub fn set_base_url(&mut self, url: &str) {
        self.base_url = normalize_base_url(url);
    }

    /// The path part of the base URL: `/sub/` for `https://example.org/sub/`, `/` when none.
    pub fn base_path(&self) -> String {
        base_path_of(&self.base_url)
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
    fn singular_defaults_to_name_without_s() {
        let c = Config::parse("title = 'x'\n[collections.donors]\n").unwrap();
        assert_eq!(c.singular("donors"), "donor");
        assert_eq!(c.singular("countries"), "country");
    }
}
