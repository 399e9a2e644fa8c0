//! Cross-references: resolves front-matter references, `[[wikilinks]]` and `@/` links to
//! pages, checks `#anchor`s, and inverts everything into backlinks.
//!
//! Names match by title, slug or `also_known_as`, ignoring case, accents and punctuation.
//! Every failure becomes an [`Error`] with a did-you-mean; nothing stops at the first one.
//! No IO: input is the [`Site`] and each page's rendered links.

use std::collections::{BTreeMap, HashMap};

use rayon::prelude::*;
use serde_json::Value;

use crate::error::{Error, ErrorKind, Lines, Location};
use crate::markdown::{LinkResolver, Rendered, Target, Unresolved};
use crate::model::{PageId, Site};

/// One edge of the reference graph.
#[derive(Clone, Debug, PartialEq)]
pub struct Reference {
    pub source: PageId,
    pub target: PageId,
    /// Front-matter key (`countries`) or `body`.
    pub key: String,
    pub attrs: BTreeMap<String, Value>,
    pub anchor: Option<String>,
    /// 1-based line in the source file.
    pub line: usize,
}

impl Reference {
    /// `relation` attribute if given, else `key value` pairs, else empty.
    pub fn relation(&self) -> String {
        if let Some(Value::String(r)) = self.attrs.get("relation") {
            return r.clone();
        }
        self.attrs
            .iter()
            .map(|(k, v)| match v {
                Value::String(s) => format!("{k} {s}"),
                other => format!("{k} {other}"),
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Lower-case, accents removed, every run of other characters one space.
pub fn normalize(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in deunicode::deunicode(name).chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with(' ') && !out.is_empty() {
            out.push(' ');
        }
    }
    out.trim_end().to_string()
}

/// The closest candidate to `wanted`, if close enough to be a likely typo.
pub fn did_you_mean(wanted: &str, candidates: impl IntoIterator<Item = String>) -> Option<String> {
    let wanted_n = normalize(wanted);
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(&wanted_n, &normalize(&c)), c))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0).then_with(|| b.1.cmp(&a.1)))
        .map(|(_, c)| c)
}

/// Names of every entity, per collection and across collections.
pub struct Names {
    per_collection: HashMap<String, HashMap<String, PageId>>,
    /// Display names per collection, for suggestions.
    display: HashMap<String, Vec<String>>,
    global: HashMap<String, Vec<PageId>>,
}

impl Names {
    /// Indexes every entity's title, slug and alternative names; two entities of one collection
    /// sharing a name is an error.
    pub fn new(site: &Site) -> (Names, Vec<Error>) {
        let mut names = Names {
            per_collection: HashMap::new(),
            display: HashMap::new(),
            global: HashMap::new(),
        };
        let mut errors = Vec::new();
        for (collection, members) in &site.collections {
            let index = names.per_collection.entry(collection.clone()).or_default();
            let display = names.display.entry(collection.clone()).or_default();
            for &id in members {
                let page = site.page(id);
                // A page whose front matter has errors may have no title (the build fails).
                display.extend(Some(page.title().to_string()).filter(|t| !t.is_empty()));
                display.extend(page.front_matter.also_known_as.iter().cloned());
                for name in entity_names(site, id) {
                    let key = normalize(&name);
                    match index.get(&key) {
                        Some(&other) if other != id => {
                            errors.push(duplicate_name(site, &name, id, other))
                        }
                        _ => {
                            index.insert(key.clone(), id);
                            let ids = names.global.entry(key).or_default();
                            if !ids.contains(&id) {
                                ids.push(id);
                            }
                        }
                    }
                }
            }
        }
        (names, errors)
    }

    pub fn in_collection(&self, collection: &str, name: &str) -> Option<PageId> {
        self.per_collection
            .get(collection)?
            .get(&normalize(name))
            .copied()
    }

    fn suggestion(&self, collection: Option<&str>, name: &str) -> Option<String> {
        let candidates: Vec<String> = match collection {
            Some(c) => self.display.get(c).cloned().unwrap_or_default(),
            None => self.display.values().flatten().cloned().collect(),
        };
        did_you_mean(name, candidates)
    }
}

fn entity_names(site: &Site, id: PageId) -> Vec<String> {
    let page = site.page(id);
    let mut names = vec![page.title().to_string(), page.slug()];
    names.extend(page.front_matter.also_known_as.iter().cloned());
    names.retain(|n| !normalize(n).is_empty());
    names
}

fn duplicate_name(site: &Site, name: &str, id: PageId, other: PageId) -> Error {
    let (page, first) = (site.page(id), site.page(other));
    Error::new(
        ErrorKind::DuplicateName,
        format!(
            "the name \"{name}\" is used by two entities: {} and {}",
            first.file(),
            page.file()
        ),
    )
    .at(Location::new(&page.file(), &page.text, 0..0))
    .help("references must name one entity: rename one or drop the name from `also_known_as`")
}

/// Resolves every page's front-matter references.
pub fn front_matter_references(site: &Site, names: &Names) -> (Vec<Reference>, Vec<Error>) {
    let per_page = site.pages.par_iter().map(|page| {
        let mut refs = Vec::new();
        let mut errors = Vec::new();
        let mut lines = Lines::new(&page.text);
        for raw in &page.front_matter.references {
            let location = || Location::new(&page.file(), &page.text, raw.span.clone());
            match names.in_collection(&raw.collection, &raw.name) {
                Some(target) => refs.push(Reference {
                    source: page.id,
                    target,
                    key: raw.collection.clone(),
                    attrs: raw.attrs.clone(),
                    anchor: None,
                    line: lines.line_of(raw.span.start),
                }),
                None => {
                    let singular = site.config.singular(&raw.collection);
                    let mut e = Error::new(
                        ErrorKind::UnknownReference,
                        format!("unknown {singular} \"{}\"", raw.name),
                    )
                    .at(location());
                    e = match names.suggestion(Some(&raw.collection), &raw.name) {
                        Some(s) => e.label(format!("did you mean \"{s}\"?")),
                        None => e.label(format!(
                            "no {singular} has this title, slug or alternative name"
                        )),
                    };
                    errors.push(e.help(format!(
                        "each {singular} is a page in content/{}/; add one, or add this name to an existing one's `also_known_as`",
                        raw.collection
                    )));
                }
            }
        }
        (refs, errors)
    });
    in_page_order(per_page.collect())
}

/// Each page's references and errors (made in parallel), one after the other in page order.
fn in_page_order(per_page: Vec<(Vec<Reference>, Vec<Error>)>) -> (Vec<Reference>, Vec<Error>) {
    let mut refs = Vec::new();
    let mut errors = Vec::new();
    for (r, e) in per_page {
        refs.extend(r);
        errors.extend(e);
    }
    (refs, errors)
}

/// Resolves links in one page's body for the Markdown renderer.
/// In a translation's view, names are the language's own first (a French page's `[[Kenya]]`
/// or a Spanish page's `[[Kenia]]`), then the default language's (`fallback`); either way
/// the link leads to the page in the view's language.
pub struct Linker<'a> {
    pub site: &'a Site,
    pub names: &'a Names,
    pub fallback: Option<&'a Names>,
}

impl LinkResolver for Linker<'_> {
    fn wikilink(&self, name: &str) -> Result<Target, Unresolved> {
        let key = normalize(name);
        let ids = self
            .names
            .global
            .get(&key)
            .or_else(|| self.fallback?.global.get(&key));
        match ids.map(Vec::as_slice) {
            Some([id]) => Ok(self.target(*id)),
            Some(many) if !many.is_empty() => Err(Unresolved {
                message: format!("ambiguous link [[{name}]]"),
                label: format!(
                    "could be {}",
                    many.iter()
                        .map(|&i| self.site.page(i).path.clone())
                        .collect::<Vec<_>>()
                        .join(" or ")
                ),
                ambiguous: true,
            }),
            _ => Err(Unresolved {
                message: format!("unknown link target [[{name}]]"),
                label: match self.suggestion(name) {
                    Some(s) => format!("did you mean [[{s}]]?"),
                    None => "no entity has this title, slug or alternative name".to_string(),
                },
                ambiguous: false,
            }),
        }
    }

    fn path(&self, path: &str) -> Result<Target, Unresolved> {
        match self.site.by_path.get(path) {
            Some(&id) => Ok(self.target(id)),
            None => Err(Unresolved {
                message: format!("broken link @/{path}"),
                label: match did_you_mean(path, self.site.by_path.keys().cloned()) {
                    Some(s) => format!("did you mean @/{s}?"),
                    None => "no such file under content/".to_string(),
                },
                ambiguous: false,
            }),
        }
    }
}

impl Linker<'_> {
    /// The closest name of the view's language, else of the default language.
    fn suggestion(&self, name: &str) -> Option<String> {
        self.names
            .suggestion(None, name)
            .or_else(|| self.fallback?.suggestion(None, name))
    }

    fn target(&self, id: PageId) -> Target {
        Target {
            page: id,
            url: self.site.url(id),
        }
    }
}

/// What the pages' bodies hold that the build reports without failing, located in their files.
pub fn body_warnings(site: &Site, rendered: &[Rendered]) -> Vec<Error> {
    let pages = site.pages.iter().zip(rendered);
    pages
        .flat_map(|(page, out)| {
            out.warnings.iter().map(|w| {
                let span = (w.span.start + page.body_offset)..(w.span.end + page.body_offset);
                w.error
                    .clone()
                    .at(Location::new(&page.file(), &page.text, span))
            })
        })
        .collect()
}

/// Turns each page's body links into references and errors (broken links, missing anchors).
/// `rendered[i]` belongs to page `i`.
pub fn body_references(site: &Site, rendered: &[Rendered]) -> (Vec<Reference>, Vec<Error>) {
    let per_page = site.pages.par_iter().zip(rendered).map(|(page, out)| {
        let mut refs = Vec::new();
        let mut errors = Vec::new();
        let at = |span: &std::ops::Range<usize>| {
            let s = (span.start + page.body_offset)..(span.end + page.body_offset);
            Location::new(&page.file(), &page.text, s)
        };
        for broken in &out.broken {
            let kind = if broken.reason.ambiguous {
                ErrorKind::AmbiguousReference
            } else {
                ErrorKind::BrokenLink
            };
            errors.push(
                Error::new(kind, broken.reason.message.clone())
                    .at(at(&broken.span))
                    .label(broken.reason.label.clone()),
            );
        }
        for problem in &out.problems {
            errors.push(problem.error.clone().at(at(&problem.span)));
        }
        let mut lines = Lines::new(&page.text);
        for link in &out.links {
            if let Some(anchor) = &link.anchor {
                if !rendered[link.target].ids.contains(anchor) {
                    errors.push(
                        broken_anchor(site, link.target, anchor, &rendered[link.target])
                            .at(at(&link.span)),
                    );
                }
            }
            refs.push(Reference {
                source: page.id,
                target: link.target,
                key: "body".to_string(),
                attrs: BTreeMap::new(),
                anchor: link.anchor.clone(),
                line: lines.line_of(link.span.start + page.body_offset),
            });
        }
        (refs, errors)
    });
    in_page_order(per_page.collect())
}

fn broken_anchor(site: &Site, target: PageId, anchor: &str, rendered: &Rendered) -> Error {
    let page = site.page(target);
    let mut ids: Vec<String> = rendered.ids.iter().cloned().collect();
    ids.sort();
    let e = Error::new(
        ErrorKind::BrokenAnchor,
        format!("no heading #{anchor} in {}", page.file()),
    );
    match did_you_mean(anchor, ids) {
        Some(s) => e.label(format!("did you mean #{s}?")),
        None => e.label("the target page has no heading with this id"),
    }
}

/// All references, outgoing (per source) and incoming (per target), in a stable order.
#[derive(Clone, Debug, Default)]
pub struct Graph {
    pub references: Vec<Reference>,
    /// Per page: indexes into `references` of the references it makes.
    pub outgoing: Vec<Vec<usize>>,
    /// Per page: indexes into `references` of the references to it.
    pub incoming: Vec<Vec<usize>>,
}

impl Graph {
    /// Merges front-matter and body references; a body mention is dropped when the same
    /// source already references the same target in its front matter, and repeats are kept once.
    /// References end sorted by source, then line, key and target (ties in the order given).
    pub fn new(site: &Site, front: Vec<Reference>, body: Vec<Reference>) -> Graph {
        Graph::from_sorted(merge(front, body), site.pages.len())
    }

    /// Indexes references already sorted and deduplicated as [`Graph::new`] leaves them,
    /// for a site of `pages` pages.
    pub fn from_sorted(references: Vec<Reference>, pages: usize) -> Graph {
        let mut graph = Graph {
            references,
            outgoing: vec![Vec::new(); pages],
            incoming: vec![Vec::new(); pages],
        };
        for (i, r) in graph.references.iter().enumerate() {
            graph.outgoing[r.source].push(i);
            graph.incoming[r.target].push(i);
        }
        graph
    }
}

/// [`Graph::new`]'s references: front matter and body merged, deduplicated and sorted.
fn merge(mut front: Vec<Reference>, mut body: Vec<Reference>) -> Vec<Reference> {
    // Both lists come grouped by page in page order (a stable sort puts them so if not):
    // they are merged one page at a time, sorting a dozen references per page instead of
    // the whole site's (a 20 ms serial step at 10 000 pages).
    for list in [&mut front, &mut body] {
        if !list.is_sorted_by_key(|r| r.source) {
            list.sort_by_key(|r| r.source);
        }
    }
    let mut references = Vec::with_capacity(front.len() + body.len());
    let mut front = front.into_iter().peekable();
    let mut body = body.into_iter().peekable();
    let mut targets = std::collections::HashSet::new();
    loop {
        let source = match (front.peek(), body.peek()) {
            (Some(f), Some(b)) => f.source.min(b.source),
            (Some(r), None) | (None, Some(r)) => r.source,
            (None, None) => break,
        };
        let start = references.len();
        targets.clear();
        while let Some(r) = front.next_if(|r| r.source == source) {
            targets.insert(r.target);
            references.push(r);
        }
        while let Some(r) = body.next_if(|r| r.source == source) {
            if r.target != source && targets.insert(r.target) {
                references.push(r);
            }
        }
        references[start..]
            .sort_by(|a, b| (a.line, &a.key, a.target).cmp(&(b.line, &b.key, b.target)));
    }
    references
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_ignores_case_accents_and_punctuation() {
        assert_eq!(normalize("Côte d'Ivoire"), "cote d ivoire");
        assert_eq!(normalize("  Viet  Nam "), "viet nam");
    }

    #[test]
    fn did_you_mean_finds_a_transposition() {
        let names = vec!["Kenya".to_string(), "Benin".to_string()];
        assert_eq!(
            did_you_mean("Keyna", names.clone()).as_deref(),
            Some("Kenya")
        );
        assert_eq!(did_you_mean("Quux", names), None);
    }

    /// `merge` as it was first written: one stable sort of the whole site's references.
    fn merge_by_one_sort(front: Vec<Reference>, body: Vec<Reference>) -> Vec<Reference> {
        let mut seen: std::collections::HashSet<(PageId, PageId)> =
            front.iter().map(|r| (r.source, r.target)).collect();
        let mut references = front;
        for r in body {
            if r.source != r.target && seen.insert((r.source, r.target)) {
                references.push(r);
            }
        }
        references.sort_by(|a, b| {
            (a.source, a.line, &a.key, a.target).cmp(&(b.source, b.line, &b.key, b.target))
        });
        references
    }

    #[test]
    fn merging_page_by_page_gives_what_one_sort_gave() {
        let mut seed = 7u64;
        let mut next = |n: u64| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((seed >> 33) % n) as usize
        };
        for round in 0..200 {
            let reference = |source, next: &mut dyn FnMut(u64) -> usize, key: &str| Reference {
                source,
                target: next(6),
                key: key.to_string(),
                attrs: BTreeMap::new(),
                // Ties (same line, key and target) keep the order given.
                anchor: Some(format!("a{}", next(1000))),
                line: 1 + next(4),
            };
            let mut front = Vec::new();
            let mut body = Vec::new();
            for source in 0..6 {
                for _ in 0..next(5) {
                    let key = ["countries", "donors"][next(2)];
                    front.push(reference(source, &mut next, key));
                }
                for _ in 0..next(5) {
                    body.push(reference(source, &mut next, "body"));
                }
            }
            if round % 2 == 1 {
                // Lists not in page order are accepted too (sorted stably by source first).
                front.reverse();
                let half = body.len() / 2;
                body.rotate_left(half);
            }
            let expected = merge_by_one_sort(front.clone(), body.clone());
            let got = merge(front, body);
            let ids = |refs: &[Reference]| -> Vec<(PageId, usize, PageId, Option<String>)> {
                refs.iter()
                    .map(|r| (r.source, r.line, r.target, r.anchor.clone()))
                    .collect()
            };
            assert_eq!(ids(&got), ids(&expected), "round {round}");
        }
    }

    #[test]
    fn relation_prefers_the_relation_attribute() {
        let mut r = Reference {
            source: 0,
            target: 1,
            key: "countries".into(),
            attrs: BTreeMap::new(),
            anchor: None,
            line: 1,
        };
        r.attrs.insert("status".into(), Value::from("MOU"));
        r.attrs.insert("since".into(), Value::from(1998));
        assert_eq!(r.relation(), "since 1998, status MOU");
        r.attrs
            .insert("relation".into(), Value::from("MOU since 1998"));
        assert_eq!(r.relation(), "MOU since 1998");
    }
}
