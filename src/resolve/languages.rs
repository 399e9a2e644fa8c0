//! Languages: translations beside their sources (`kenya.fr.md` beside `kenya.md`), and one view
//! of the site per language.
//!
//! A translation sets its prose (title, description, body, `also_known_as`, `slug`) and
//! inherits the rest from its source, above all the front-matter references: a relation is
//! typed once, on the source, and shown in every language. Every page exists in every
//! language's view, translated or (a fallback) with the default language's text, so the views
//! have the same pages in the same order and a `PageId` names the same page in all of them.
//! A translation records the version of its source it translates (`translates`, see
//! [`source_version`]); a different one makes it stale. No IO.

use std::collections::BTreeMap;

use rayon::prelude::*;
use sha1::{Digest, Sha1};

use crate::config::{is_language_code, Config};
use crate::error::{Error, ErrorKind, Location};
use crate::frontmatter::FrontMatter;
use crate::model::{Origin, Parsed};
use crate::xref::did_you_mean;

/// Translations of one language, by their source's content path.
pub type Translations = BTreeMap<String, Parsed>;

/// The documents of a site split by language: the default language's, and each other declared
/// language's translations (by code; a declared language without translations is present,
/// empty).
pub struct Split {
    pub sources: Vec<Parsed>,
    pub translations: BTreeMap<String, Translations>,
}

/// `countries/kenya.fr.md` -> (`countries/kenya.md`, `fr`); `None` for a file without a
/// language suffix. The suffix is a language code (`fr`, `pt-br`).
pub fn translation_of(path: &str) -> Option<(String, &str)> {
    let stem = path.strip_suffix(".md")?;
    let (base, code) = stem.rsplit_once('.')?;
    let file_name = base.rsplit('/').next().unwrap_or(base);
    (!file_name.is_empty() && is_language_code(code)).then(|| (format!("{base}.md"), code))
}

/// Splits documents into sources and translations. Errors: a file in a language site.toml does
/// not declare (when its suffix is a two-letter code), or in the default language, a
/// translation with no source page, a translation setting references.
pub fn split(documents: Vec<Parsed>, config: &Config) -> (Split, Vec<Error>) {
    let mut split = Split {
        sources: Vec::with_capacity(documents.len()),
        translations: config
            .other_languages()
            .map(|(code, _)| (code.to_string(), Translations::new()))
            .collect(),
    };
    let mut errors = Vec::new();
    let mut pending = Vec::new();
    for doc in documents {
        match translation_of(&doc.path) {
            Some((source, code)) if split.translations.contains_key(code) => {
                let code = code.to_string();
                pending.push((source, code, doc));
            }
            Some((_, code)) if code == config.language => {
                errors.push(default_language_suffix(&doc, code));
            }
            Some((_, code)) if code.len() == 2 => {
                errors.push(undeclared_language(&doc, code, config));
            }
            _ => split.sources.push(doc),
        }
    }
    let sources: BTreeMap<&str, &Parsed> =
        split.sources.iter().map(|p| (p.path.as_str(), p)).collect();
    let mut accepted = Vec::new();
    for (source, code, doc) in pending {
        if !sources.contains_key(source.as_str()) {
            errors.push(no_source(&doc, &source, sources.keys().copied()));
            continue;
        }
        errors.extend(references_set(&doc, &source));
        accepted.push((source, code, doc));
    }
    for (source, code, doc) in accepted {
        if let Some(by_source) = split.translations.get_mut(&code) {
            by_source.insert(source, doc);
        }
    }
    (split, errors)
}

/// The version of a source page a translation records in `translates`: the first 10 hex digits
/// of the SHA-1 of its title, description and body (separated by NUL bytes). Only the prose
/// counts: a change of weight or references leaves its translations up to date.
pub fn source_version(source: &Parsed) -> String {
    version_of(&source.front_matter, &source.text[source.body_offset..])
}

/// [`source_version`] of a page with front matter `fm` and body `body`.
pub fn version_of(fm: &FrontMatter, body: &str) -> String {
    let mut hasher = Sha1::new();
    hasher.update(fm.title.as_bytes());
    hasher.update([0]);
    hasher.update(fm.description.as_deref().unwrap_or("").as_bytes());
    hasher.update([0]);
    hasher.update(body.as_bytes());
    let digest = hasher.finalize();
    digest[..5].iter().map(|b| format!("{b:02x}")).collect()
}

/// One language's documents: each source with its translation merged over it, or itself as a
/// fallback. `lang_prefix` (`fr/`) goes before the inherited aliases.
pub fn view(sources: &[Parsed], translations: &Translations, lang_prefix: &str) -> Vec<Parsed> {
    sources
        .par_iter()
        .map(|source| view_page(source, translations.get(&source.path), lang_prefix))
        .collect()
}

/// One page of [`view`]: `translation` merged over `source`, or without one the source as a
/// fallback (`weft serve` merges an edited page again this way).
pub fn view_page(source: &Parsed, translation: Option<&Parsed>, lang_prefix: &str) -> Parsed {
    match translation {
        Some(translation) => merged(source, translation, lang_prefix),
        None => Parsed {
            front_matter: FrontMatter {
                aliases: prefixed(&source.front_matter.aliases, lang_prefix),
                ..source.front_matter.clone()
            },
            origin: Origin::Fallback,
            ..source.clone()
        },
    }
}

/// A translation over its source: its prose, the source's references, the rest its own where
/// it sets them, else the source's.
fn merged(source: &Parsed, translation: &Parsed, lang_prefix: &str) -> Parsed {
    let (s, t) = (&source.front_matter, &translation.front_matter);
    let aliases = if t.aliases.is_empty() {
        prefixed(&s.aliases, lang_prefix)
    } else {
        t.aliases.clone()
    };
    let front_matter = FrontMatter {
        title: t.title.clone(),
        description: t.description.clone().or_else(|| s.description.clone()),
        date: t.date.clone().or_else(|| s.date.clone()),
        updated: t.updated.clone().or_else(|| s.updated.clone()),
        weight: t.weight.or(s.weight),
        draft: s.draft,
        slug: t.slug.clone().or_else(|| s.slug.clone()),
        template: t.template.clone().or_else(|| s.template.clone()),
        aliases,
        also_known_as: t.also_known_as.clone(),
        paginate_by: t.paginate_by.or(s.paginate_by),
        sort_by: t.sort_by.or(s.sort_by),
        sort_reverse: t.sort_reverse.or(s.sort_reverse),
        extra: merged_extra(&s.extra, &t.extra),
        references: s.references.clone(),
        translates: t.translates.clone(),
    };
    let stale = t.translates.as_deref() != Some(source_version(source).as_str());
    Parsed {
        path: source.path.clone(),
        text: translation.text.clone(),
        front_matter,
        body_offset: translation.body_offset,
        origin: Origin::Translation {
            file: translation.path.clone(),
            stale,
        },
    }
}

/// The source's `extra` with the translation's keys over it.
fn merged_extra(source: &serde_json::Value, translation: &serde_json::Value) -> serde_json::Value {
    match (source, translation) {
        (serde_json::Value::Object(s), serde_json::Value::Object(t)) => {
            let mut out = s.clone();
            out.extend(t.iter().map(|(k, v)| (k.clone(), v.clone())));
            serde_json::Value::Object(out)
        }
        (s, serde_json::Value::Object(t)) if t.is_empty() => s.clone(),
        (_, t) => t.clone(),
    }
}

/// Aliases moved under a language's prefix: `/old/` -> `/fr/old/`.
fn prefixed(aliases: &[String], lang_prefix: &str) -> Vec<String> {
    if lang_prefix.is_empty() {
        return aliases.to_vec();
    }
    aliases
        .iter()
        .map(|a| format!("/{lang_prefix}{}", a.trim_start_matches('/')))
        .collect()
}

fn file_start(doc: &Parsed) -> Location {
    Location::new(&format!("content/{}", doc.path), &doc.text, 0..0)
}

fn default_language_suffix(doc: &Parsed, code: &str) -> Error {
    Error::new(
        ErrorKind::Translation,
        format!(
            "content/{} is marked as a translation into the default language \"{code}\"",
            doc.path
        ),
    )
    .at(file_start(doc))
    .label("the default language has no suffix")
    .help(format!(
        "the default language's text goes in the file without `.{code}`; rename this one"
    ))
}

fn undeclared_language(doc: &Parsed, code: &str, config: &Config) -> Error {
    let declared: Vec<String> = config
        .other_languages()
        .map(|(c, _)| c.to_string())
        .collect();
    let label = match did_you_mean(code, declared.clone()) {
        Some(s) => format!("did you mean \".{s}\"?"),
        None if declared.is_empty() => "the site declares no other language".to_string(),
        None => format!("declared: {}", declared.join(", ")),
    };
    Error::new(
        ErrorKind::Translation,
        format!("content/{} is in the language \"{code}\", which site.toml does not declare", doc.path),
    )
    .at(file_start(doc))
    .label(label)
    .help(format!(
        "declare the language in site.toml with [languages.{code}] (and its `name`), or rename the file"
    ))
}

fn no_source<'a>(doc: &Parsed, source: &str, sources: impl Iterator<Item = &'a str>) -> Error {
    let folder = source.rsplit_once('/').map_or("", |(f, _)| f);
    let siblings = sources
        .filter(|p| p.rsplit_once('/').map_or("", |(f, _)| f) == folder)
        .map(str::to_string);
    let label = match did_you_mean(source, siblings) {
        Some(s) => format!("did you mean a translation of content/{s}?"),
        None => "no page in the default language has this name".to_string(),
    };
    Error::new(
        ErrorKind::Translation,
        format!("content/{} translates content/{source}, which does not exist", doc.path),
    )
    .at(file_start(doc))
    .label(label)
    .help("a translation sits beside its source with the same name and a language suffix (kenya.fr.md beside kenya.md); rename it, or add the source page")
}

/// A translation's references are errors: they are inherited from the source.
fn references_set(doc: &Parsed, source: &str) -> Vec<Error> {
    let file = format!("content/{}", doc.path);
    let mut seen = std::collections::BTreeSet::new();
    doc.front_matter
        .references
        .iter()
        .filter(|r| seen.insert(r.collection.clone()))
        .map(|r| {
            Error::new(
                ErrorKind::Translation,
                format!("a translation cannot set `{}`: references are typed once, on the source", r.collection),
            )
            .at(Location::new(&file, &doc.text, r.span.clone()))
            .label(format!("inherited from content/{source}"))
            .help(format!(
                "remove `{}` here; the source's references and their relations are shown in every language (their words are translated in i18n/LANG.toml [terms])",
                r.collection
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(path: &str, text: &str) -> Parsed {
        let parsed = crate::frontmatter::parse(path, text, &Default::default()).unwrap();
        Parsed {
            path: path.to_string(),
            text: text.to_string(),
            front_matter: parsed.front_matter,
            body_offset: parsed.body_offset,
            origin: Origin::Original,
        }
    }

    #[test]
    fn translation_suffixes() {
        assert_eq!(
            translation_of("countries/kenya.fr.md"),
            Some(("countries/kenya.md".to_string(), "fr"))
        );
        assert_eq!(
            translation_of("_index.pt-br.md"),
            Some(("_index.md".to_string(), "pt-br"))
        );
        assert_eq!(translation_of("countries/kenya.md"), None);
        assert_eq!(translation_of("notes/v1.2.md"), None);
        assert_eq!(translation_of("a/.fr.md"), None);
    }

    #[test]
    fn the_source_version_covers_prose_only() {
        let a = doc("a.md", "+++\ntitle = \"Kenya\"\nweight = 1\n+++\nBody\n");
        let b = doc("a.md", "+++\ntitle = \"Kenya\"\nweight = 2\n+++\nBody\n");
        let c = doc("a.md", "+++\ntitle = \"Kenya\"\nweight = 1\n+++\nBody!\n");
        assert_eq!(source_version(&a), source_version(&b));
        assert_ne!(source_version(&a), source_version(&c));
        assert_eq!(source_version(&a).len(), 10);
    }

    #[test]
    fn a_translation_inherits_what_it_does_not_set() {
        let source = doc(
            "a.md",
            "+++\ntitle = \"Kenya\"\nweight = 3\naliases = [\"/ke/\"]\n[extra]\nregion = \"Africa\"\niso = \"404\"\n+++\nBody\n",
        );
        let mut tr = doc(
            "a.fr.md",
            "+++\ntitle = \"Kenya (fr)\"\n[extra]\nregion = \"Afrique\"\n+++\nCorps\n",
        );
        tr.front_matter.translates = Some(source_version(&source));
        let view = view(
            std::slice::from_ref(&source),
            &Translations::from([("a.md".to_string(), tr)]),
            "fr/",
        );
        let fm = &view[0].front_matter;
        assert_eq!(fm.title, "Kenya (fr)");
        assert_eq!(fm.weight, Some(3));
        assert_eq!(fm.aliases, ["/fr/ke/"]);
        assert_eq!(fm.extra["region"], "Afrique");
        assert_eq!(fm.extra["iso"], "404");
        assert_eq!(&view[0].text[view[0].body_offset..], "Corps\n");
        assert_eq!(
            view[0].origin,
            Origin::Translation {
                file: "a.fr.md".to_string(),
                stale: false
            }
        );
    }
}
