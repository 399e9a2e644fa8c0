//! `graph.json`: the site's reference graph as data, for other tools and for the site's own maps
//! and charts. Every page (entities marked with their collection), and every reference with its
//! key, relation attributes, anchor and source location. The format is documented in
//! docs/graph.md; bump [`VERSION`] when it changes incompatibly.
//!
//! Pages are named by content path (`countries/kenya.md`), which stays stable across builds, and
//! lists are in the model's order (pages by path, references by source and line), so the file is
//! deterministic. No IO.

use std::collections::BTreeMap;

use rayon::prelude::*;
use serde::Serialize;

use crate::model::Site;
use crate::render::Output;
use crate::xref::Graph;

pub const GRAPH_FILE: &str = "graph.json";

/// The format's version, `version` in the file.
pub const VERSION: u32 = 1;

#[derive(Serialize)]
struct SiteInfo<'a> {
    title: &'a str,
    base_url: &'a str,
}

#[derive(Serialize)]
struct PageInfo<'a> {
    id: &'a str,
    kind: &'static str,
    title: &'a str,
    url: String,
    file: String,
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
    file: String,
    line: usize,
}

fn is_empty_object(value: &serde_json::Value) -> bool {
    value.as_object().is_some_and(|o| o.is_empty()) || value.is_null()
}

/// `graph.json`: one page or reference a line, so the file stays small and its diffs readable.
pub fn outputs(site: &Site, graph: &Graph) -> Vec<Output> {
    vec![Output {
        path: GRAPH_FILE.to_string(),
        bytes: to_json(site, graph).into_bytes(),
    }]
}

/// The graph as JSON text, ending in a newline.
pub fn to_json(site: &Site, graph: &Graph) -> String {
    let path = |id: usize| site.page(id).path.as_str();
    let pages: Vec<PageInfo> = site
        .pages
        .par_iter()
        .map(|p| PageInfo {
            id: &p.path,
            kind: p.kind.as_str(),
            title: p.title(),
            url: site.url(p.id),
            file: p.file(),
            parent: p.parent.map(path),
            collection: p.collection.as_deref(),
            entity: p.entity.map(path),
            also_known_as: &p.front_matter.also_known_as,
            date: p.front_matter.date.as_deref(),
            updated: p.front_matter.updated.as_deref(),
            extra: &p.front_matter.extra,
        })
        .collect();
    let references: Vec<ReferenceInfo> = graph
        .references
        .par_iter()
        .map(|r| ReferenceInfo {
            source: path(r.source),
            target: path(r.target),
            key: &r.key,
            attrs: &r.attrs,
            relation: Some(r.relation()).filter(|s| !s.is_empty()),
            anchor: r.anchor.as_deref(),
            file: site.page(r.source).file(),
            line: r.line,
        })
        .collect();
    let collections: BTreeMap<&str, Vec<&str>> = site
        .collections
        .iter()
        .map(|(name, ids)| (name.as_str(), ids.iter().map(|&id| path(id)).collect()))
        .collect();
    let mut json = format!(
        "{{\"version\": {VERSION},\n\"site\": {},\n\"collections\": {},\n",
        line(&SiteInfo {
            title: &site.config.title,
            base_url: &site.config.base_url,
        }),
        line(&collections),
    );
    json.push_str(&array("pages", pages.par_iter().map(line).collect()));
    json.push_str(",\n");
    json.push_str(&array(
        "references",
        references.par_iter().map(line).collect(),
    ));
    json.push_str("\n}\n");
    json
}

/// `"name": [` then one item a line, then `]`.
fn array(name: &str, items: Vec<String>) -> String {
    if items.is_empty() {
        return format!("\"{name}\": []");
    }
    format!("\"{name}\": [\n{}\n]", items.join(",\n"))
}

/// One value as one line of JSON.
fn line<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("the graph serializes")
}
