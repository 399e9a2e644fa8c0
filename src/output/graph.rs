//! `graph.json`: the site's reference graph as data, for other tools and for the site's own maps
//! and charts. Every page (entities marked with their collection), and every reference with its
//! key, relation attributes, anchor and source location. The format is documented in
//! docs/graph.md; bump [`VERSION`] when it changes incompatibly.
//!
//! Pages are named by content path (`countries/kenya.md`), which stays stable across builds, and
//! lists are in the model's order (pages by path, references by source and line), so the file is
//! deterministic. No IO.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::model::{Origin, Site};
use crate::render::Output;
use crate::xref::Graph;

pub const GRAPH_FILE: &str = "graph.json";

/// The format's version, `version` in the file.
pub const VERSION: u32 = 1;

#[derive(Serialize)]
struct SiteInfo<'a> {
    title: &'a str,
    base_url: &'a str,
    /// The language of this file's pages, in a site of several languages (one file each).
    #[serde(skip_serializing_if = "Option::is_none")]
    language: Option<&'a str>,
}

#[derive(Serialize)]
struct PageInfo<'a> {
    id: &'a str,
    kind: &'static str,
    title: &'a str,
    url: String,
    file: String,
    /// In a site of several languages: the page's language, and whether its text is in it
    /// (`false`: the default language's text, not translated yet).
    #[serde(skip_serializing_if = "Option::is_none")]
    lang: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    translated: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    parent: Option<&'a str>,
    /// The collection this page is an entity of.
    #[serde(skip_serializing_if = "Option::is_none")]
    collection: Option<&'a str>,
    /// The nearest entity containing this page (itself for an entity).
    #[serde(skip_serializing_if = "Option::is_none")]
    entity: Option<&'a str>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    also_known_as: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    date: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    updated: Option<&'a str>,
    #[serde(skip_serializing_if = "is_empty_object")]
    extra: &'a serde_json::Value,
}

#[derive(Serialize)]
struct ReferenceInfo<'a> {
    source: &'a str,
    target: &'a str,
    /// Front-matter key (`countries`) or `body` for a wikilink or `@/` link.
    key: &'a str,
    attrs: &'a BTreeMap<String, serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    relation: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    anchor: Option<&'a str>,
    file: &'a str,
    line: usize,
}

fn is_empty_object(value: &serde_json::Value) -> bool {
    value.as_object().is_some_and(|o| o.is_empty()) || value.is_null()
}

/// `graph.json`: one page or reference a line, so the file stays small and its diffs readable.
pub fn outputs(site: &Site, graph: &Graph) -> Vec<Output> {
    vec![Output {
        path: format!("{}{GRAPH_FILE}", site.lang_prefix),
        bytes: to_json(site, graph).into_bytes(),
    }]
}

/// The graph as JSON text, ending in a newline. Written into one buffer, line by line: the
/// file is tens of megabytes for a large site, and a build makes it while pages render, so
/// holding its lines apart and then joining them would cost that memory three times.
pub fn to_json(site: &Site, graph: &Graph) -> String {
    let path = |id: usize| site.page(id).path.as_str();
    let collections: BTreeMap<&str, Vec<&str>> = site
        .collections
        .iter()
        .map(|(name, ids)| (name.as_str(), ids.iter().map(|&id| path(id)).collect()))
        .collect();
    // Sized up front: at some 250 bytes a page or a reference, a 10 000-page graph is 30 MB,
    // which growing by doubling would copy and fault in twice over.
    let mut json = Vec::with_capacity(300 * (site.pages.len() + graph.references.len()));
    json.extend_from_slice(format!("{{\"version\": {VERSION},\n\"site\": ").as_bytes());
    let multilingual = site.config.is_multilingual();
    let info = SiteInfo {
        title: &site.config.title,
        base_url: &site.config.base_url,
        language: multilingual.then_some(site.lang.as_str()),
    };
    line(&mut json, &info);
    json.extend_from_slice(b",\n\"collections\": ");
    line(&mut json, &collections);
    json.extend_from_slice(b",\n");
    let pages = site.pages.iter().map(|p| PageInfo {
        id: &p.path,
        kind: p.kind.as_str(),
        title: p.title(),
        url: site.url(p.id),
        file: p.file(),
        lang: multilingual.then_some(site.lang.as_str()),
        translated: multilingual.then_some(p.origin != Origin::Fallback),
        parent: p.parent.map(path),
        collection: p.collection.as_deref(),
        entity: p.entity.map(path),
        also_known_as: &p.front_matter.also_known_as,
        date: p.front_matter.date.as_deref(),
        updated: p.front_matter.updated.as_deref(),
        extra: &p.front_matter.extra,
    });
    array(&mut json, "pages", pages);
    json.extend_from_slice(b",\n");
    // Each page's file once: a page has a dozen references. A translation's front-matter
    // references are its source's, written in the source's file.
    let files: Vec<String> = site.pages.iter().map(|p| p.file()).collect();
    let sources: Vec<String> = site
        .pages
        .iter()
        .map(|p| format!("content/{}", p.path))
        .collect();
    let references = graph.references.iter().map(|r| ReferenceInfo {
        source: path(r.source),
        target: path(r.target),
        key: &r.key,
        attrs: &r.attrs,
        relation: Some(r.relation()).filter(|s| !s.is_empty()),
        anchor: r.anchor.as_deref(),
        file: if r.key == "body" {
            &files[r.source]
        } else {
            &sources[r.source]
        },
        line: r.line,
    });
    array(&mut json, "references", references);
    json.extend_from_slice(b"\n}\n");
    String::from_utf8(json).expect("serde_json writes UTF-8")
}

/// `"name": [` then one item a line, then `]`.
fn array<T: Serialize>(json: &mut Vec<u8>, name: &str, items: impl Iterator<Item = T>) {
    json.extend_from_slice(format!("\"{name}\": [").as_bytes());
    let mut empty = true;
    for item in items {
        json.extend_from_slice(if empty { b"\n" } else { b",\n" });
        line(json, &item);
        empty = false;
    }
    json.extend_from_slice(if empty { b"]" } else { b"\n]" });
}

/// One value as one line of JSON.
fn line<T: Serialize>(json: &mut Vec<u8>, value: &T) {
    serde_json::to_writer(json, value).expect("the graph serializes");
}
