//! Site + templates -> output files (path, bytes), in memory. Builds each page's template
//! context (documented in docs/templates.md) from shared, precomputed summaries, renders pages
//! in parallel, and adds the extras: 404 and search pages, robots.txt, alias redirects.
//! No IO.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::sync::Arc;

use minijinja::value::{Enumerator, Object, ObjectRepr};
use minijinja::{context, Environment, Value};
use rayon::prelude::*;

use crate::error::Error;
use crate::load::TemplateSource;
use crate::markdown::Rendered;
use crate::model::{Kind, Origin, PageId, Site};
use crate::shortcode;
use crate::templates::{self, render_error};
use crate::xref::{Graph, Reference};

/// One file of the built site.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Output {
    /// `/`-separated path under the output folder: `countries/kenya/index.html`.
    pub path: String,
    pub bytes: Vec<u8>,
}

/// Where outputs go as soon as they are rendered: kept in memory ([`Keep`]: `weft serve`,
/// `weft check`, tests) or staged on disk (`write::Staging`: `weft build`), so that a large
/// build never holds every page at once.
pub trait Sink: Sync {
    /// Takes `output`; returns it when it is to be kept in memory.
    fn put(&self, output: Output) -> Result<Option<Output>, Error>;
}

/// Keeps every output in memory.
pub struct Keep;

impl Sink for Keep {
    fn put(&self, mut output: Output) -> Result<Option<Output>, Error> {
        output.bytes.shrink_to_fit(); // kept outputs live on; growth slack would double them
        Ok(Some(output))
    }
}

/// What the renderer needs besides the site.
pub struct Inputs<'a> {
    pub site: &'a Site,
    pub graph: &'a Graph,
    pub rendered: &'a [Rendered],
    pub env: &'a Environment<'static>,
    pub sources: &'a BTreeMap<String, TemplateSource>,
    /// `true` under `weft serve` (templates see `site.serve`).
    pub serve: bool,
    /// The site's languages when it has several, seen from this view's.
    pub languages: Option<crate::translations::Current<'a>>,
    /// Filled with the data files each render reads (`weft serve` renders again only the
    /// outputs that read a changed one).
    pub data_readers: &'a crate::data::Readers,
}

/// Renders every page and extra file. Outputs are sorted by path.
pub fn site(inputs: &Inputs<'_>, sink: &dyn Sink) -> (Vec<Output>, Vec<Error>) {
    let shared = Shared::new(inputs);
    let mut results: Vec<Result<Option<Output>, Error>> = heavy_first(inputs)
        .into_par_iter()
        .flat_map_iter(|id| match render_page(inputs, &shared, id) {
            Ok(outputs) => outputs.into_iter().map(|o| sink.put(o)).collect(),
            Err(e) => vec![Err(e)],
        })
        .collect();
    for result in standalone_pages(inputs, &shared) {
        results.push(result.and_then(|o| sink.put(o)));
    }
    results.extend(extras(inputs.site).into_iter().map(|o| sink.put(o)));
    let (mut outputs, errors) = gather(results);
    outputs.sort_by(|a, b| a.path.cmp(&b.path));
    (outputs, errors)
}

/// The pages rendered from a template of their own, not from content (404, search), when the
/// theme has them and no content page is at their place.
pub fn standalone_pages(inputs: &Inputs<'_>, shared: &Shared) -> Vec<Result<Output, Error>> {
    let mut results = Vec::new();
    for (template, path) in [
        ("404.html", "404.html"),
        ("search.html", "search/index.html"),
    ] {
        let path = &format!("{}{path}", inputs.site.lang_prefix);
        // A content page at the same place wins.
        if inputs.site.pages.iter().any(|p| p.is_written_at(path)) {
            continue;
        }
        match standalone_page(inputs, shared, template, path) {
            Ok(Some(o)) => results.push(Ok(o)),
            Ok(None) => {}
            Err(e) => results.push(Err(e)),
        }
    }
    results
}

/// What sinks gave back, split into the outputs they kept and the errors.
pub fn gather(
    results: impl IntoIterator<Item = Result<Option<Output>, Error>>,
) -> (Vec<Output>, Vec<Error>) {
    let mut outputs = Vec::new();
    let mut errors = Vec::new();
    for result in results {
        match result {
            Ok(kept) => outputs.extend(kept),
            Err(e) => errors.push(e),
        }
    }
    (outputs, errors)
}

/// Page ids, the likely slowest to render first (the home page, then by the pages listed, their
/// backlinks and the page's own), so that no long page starts last while the other threads
/// idle. A collection's index counts its entities' backlinks: themes show them there (the
/// default theme's country facets read every one), which makes it the slowest page of a large
/// site.
fn heavy_first(inputs: &Inputs<'_>) -> Vec<PageId> {
    let site = inputs.site;
    let incoming = |id: PageId| inputs.graph.incoming[id].len();
    let mut ids: Vec<PageId> = (0..site.pages.len()).collect();
    ids.sort_by_cached_key(|&id| {
        let page = site.page(id);
        let listed = page.pages.iter().chain(&page.subsections);
        let weight = listed.map(|&p| 1 + incoming(p)).sum::<usize>() + incoming(id);
        (page.kind != Kind::Home, std::cmp::Reverse(weight), id)
    });
    ids
}

/// Values every page's context shares, built once per build (in parallel): per page its URL,
/// `extra`, link (`{title, url, extra}`) and summary; the site; the collections.
pub struct Shared {
    urls: Vec<Value>,
    extras: Vec<Value>,
    /// `{title, url, extra}` of every page (the `entity` and `parent` of summaries).
    links: Vec<Value>,
    summaries: Vec<Value>,
    site: Value,
    /// Each entity's value in `collections`, by page.
    entity_values: HashMap<PageId, Value>,
    /// Each collection's list of entity values, by collection name.
    collection_values: Vec<(String, Value)>,
    collections: Value,
    /// `{}`: the `attrs` of every reference that has none.
    empty_map: Value,
    /// `partial_cached()`, whose cache lives as long as these values: an update makes a new one.
    partial_cached: Value,
}

impl Shared {
    pub fn new(inputs: &Inputs<'_>) -> Shared {
        let site = inputs.site;
        let n = site.pages.len();
        let urls: Vec<Value> = (0..n)
            .into_par_iter()
            .map(|id| Value::from(site.url(id)))
            .collect();
        let extras: Vec<Value> = (0..n)
            .into_par_iter()
            .map(|id| Value::from_serialize(&site.page(id).front_matter.extra))
            .collect();
        let mut shared = Shared {
            urls,
            extras,
            links: Vec::new(),
            summaries: Vec::new(),
            site: Value::UNDEFINED,
            entity_values: HashMap::new(),
            collection_values: Vec::new(),
            collections: Value::UNDEFINED,
            empty_map: Value::from_serialize(BTreeMap::<String, ()>::new()),
            partial_cached: templates::partial_cached(),
        };
        shared.links = (0..n)
            .into_par_iter()
            .map(|id| shared.link_value(site, id))
            .collect();
        shared.summaries = (0..n)
            .into_par_iter()
            .map(|id| summary(inputs, &shared, &shared.links, id))
            .collect();
        shared.site = site_value(inputs, &shared.summaries);
        let members: Vec<PageId> = site.collections.values().flatten().copied().collect();
        shared.entity_values = shared.entities(inputs, &members);
        shared.collection_values = site
            .collections
            .iter()
            .map(|(name, members)| (name.clone(), shared.collection_list(members)))
            .collect();
        shared.collections = Value::from_iter(shared.collection_values.iter().cloned());
        shared
    }

    /// Brings the values up to date after an edit of the same site's pages (no page added or
    /// removed): `changed` are the pages whose summary may differ (their title, dates, extra,
    /// summary, backlink count, or their parent's or entity's link), `dirty` the entities whose
    /// value in `collections` may differ (their summary or references, or a summary those
    /// show). Gives the values [`Shared::new`] would give, for a fraction of the work: the
    /// incremental rebuild of `weft serve` relies on it (and its randomized tests prove it).
    pub fn update(
        &mut self,
        inputs: &Inputs<'_>,
        changed: &BTreeSet<PageId>,
        dirty: &BTreeSet<PageId>,
    ) {
        let site = inputs.site;
        for &id in changed {
            self.urls[id] = Value::from(site.url(id));
            self.extras[id] = Value::from_serialize(&site.page(id).front_matter.extra);
        }
        for &id in changed {
            self.links[id] = self.link_value(site, id);
        }
        let fresh: Vec<(PageId, Value)> = changed
            .par_iter()
            .map(|&id| (id, summary(inputs, self, &self.links, id)))
            .collect();
        for (id, value) in fresh {
            self.summaries[id] = value;
        }
        self.site = site_value(inputs, &self.summaries);
        let dirty: Vec<PageId> = dirty.iter().copied().collect();
        let fresh = self.entities(inputs, &dirty);
        self.entity_values.extend(fresh);
        for i in 0..self.collection_values.len() {
            let name = &self.collection_values[i].0;
            let members = &site.collections[name];
            if members.iter().any(|id| dirty.binary_search(id).is_ok()) {
                self.collection_values[i].1 = self.collection_list(members);
            }
        }
        self.collections = Value::from_iter(self.collection_values.iter().cloned());
        self.partial_cached = templates::partial_cached();
    }

    /// Forgets the partials rendered so far (the `data` they may show changed).
    pub fn forget_partials(&mut self) {
        self.partial_cached = templates::partial_cached();
    }

    fn entities(&self, inputs: &Inputs<'_>, members: &[PageId]) -> HashMap<PageId, Value> {
        members
            .par_iter()
            .map(|&id| (id, entity_value(inputs, self, id)))
            .collect()
    }

    fn collection_list(&self, members: &[PageId]) -> Value {
        Value::from(
            members
                .iter()
                .map(|id| self.entity_values[id].clone())
                .collect::<Vec<_>>(),
        )
    }

    fn link_value(&self, site: &Site, id: PageId) -> Value {
        record(vec![
            ("title", Value::from(site.page(id).title())),
            ("url", self.urls[id].clone()),
            ("extra", self.extras[id].clone()),
        ])
    }
}

/// A map with a fixed set of string keys (a page summary, a reference item, a page): looked up
/// by scanning its keys instead of through a map of `Value` keys, and built without one. It
/// iterates (in key order), compares and serializes like any other map value.
///
/// Its values are stored in the record itself, `N` slots of which the first `keys.len()` are
/// used (`N` is a size class, [`record`]): a template reading `item.source.title` then
/// touches one allocation per record, not a record and its separate array of values (that
/// second cache miss was half the time of every lookup).
#[derive(Debug)]
struct Record<const N: usize> {
    /// Sorted, unique; one table per shape of record, shared ([`shape`]).
    keys: &'static [&'static str],
    /// `values[i]` belongs to `keys[i]`; the slots past `keys.len()` are undefined.
    values: [Value; N],
}

/// The keys of a kind of record, sorted, and where each comes from in the order they are given.
#[derive(Clone, Copy)]
struct Shape {
    keys: &'static [&'static str],
    /// `keys[i]` is the `order[i]`-th key given.
    order: &'static [usize],
}

/// Calls `$then!(N)` with the size class of a record of `$len` fields. [`Fields::of`] lists
/// the same classes (a test makes a record at each end of every class).
macro_rules! size_class {
    ($len:expr, $then:ident) => {
        match $len {
            0..=4 => $then!(4),
            5..=8 => $then!(8),
            9..=16 => $then!(16),
            17..=24 => $then!(24),
            25..=32 => $then!(32),
            33..=48 => $then!(48),
            49..=64 => $then!(64),
            n => panic!("a record of {n} fields: add a size class to `size_class!`"),
        }
    };
}

/// The keys and values of a record value, whatever its size class.
#[derive(Clone, Copy)]
struct Fields<'a> {
    keys: &'static [&'static str],
    values: &'a [Value],
}

impl<'a> Fields<'a> {
    /// The fields of `value` when it is a record.
    fn of(value: &'a Value) -> Option<Fields<'a>> {
        macro_rules! try_class {
            ($($n:literal)*) => {$(
                if let Some(r) = value.downcast_object_ref::<Record<$n>>() {
                    return Some(r.fields());
                }
            )*};
        }
        try_class!(4 8 16 24 32 48 64);
        None
    }

    /// The value of `key`, if the record has it.
    fn get(&self, key: &str) -> Option<Value> {
        self.position(key).map(|i| self.values[i].clone())
    }

    fn position(&self, key: &str) -> Option<usize> {
        // Short keys of mostly distinct lengths: a scan comparing lengths and first bytes
        // before the strings (a call to memcmp each) beats a binary search of comparisons.
        let first = key.as_bytes().first();
        self.keys
            .iter()
            .position(|k| k.len() == key.len() && k.as_bytes().first() == first && *k == key)
    }

    /// The fields, in key order.
    fn iter(&self) -> impl Iterator<Item = (&'static str, &'a Value)> + 'a {
        self.keys.iter().copied().zip(self.values)
    }
}

/// A record of `fields` (keys written in this file, each once), as a value.
fn record(fields: Vec<(&'static str, Value)>) -> Value {
    let shape = shape(&fields);
    let mut given: Vec<Value> = fields.into_iter().map(|(_, v)| v).collect();
    macro_rules! make {
        ($n:literal) => {{
            let mut values: [Value; $n] = std::array::from_fn(|_| Value::UNDEFINED);
            for (slot, &i) in values.iter_mut().zip(shape.order) {
                *slot = std::mem::take(&mut given[i]);
            }
            Value::from_object(Record::<$n> {
                keys: shape.keys,
                values,
            })
        }};
    }
    size_class!(given.len(), make)
}

/// The shared table of the keys of `fields`. Records are made by a handful of functions, each
/// with its own keys, so a build has a few shapes and hundreds of thousands of records: a
/// lookup then scans a table that stays in the processor's cache, and reads one value of the
/// record (scanning each record's own keys and values was a tenth of the render's time, mostly
/// cache misses). Shapes are found by the keys in the order given, so a record is sorted by a
/// table instead of by comparing its keys (2 % of a build).
fn shape(fields: &[(&'static str, Value)]) -> Shape {
    thread_local! {
        static SHAPES: std::cell::RefCell<Vec<(&'static [&'static str], Shape)>> =
            const { std::cell::RefCell::new(Vec::new()) };
    }
    SHAPES.with(|shapes| {
        let mut shapes = shapes.borrow_mut();
        // Keys are literals: the same shape has the same pointers (contents as a fallback).
        let same = |(given, _): &&(&'static [&'static str], Shape)| {
            given.len() == fields.len()
                && given
                    .iter()
                    .zip(fields)
                    .all(|(a, (b, _))| std::ptr::eq(*a, *b) || a == b)
        };
        if let Some((_, shape)) = shapes.iter().find(same) {
            return *shape;
        }
        let given: Vec<&'static str> = fields.iter().map(|(k, _)| *k).collect();
        let mut order: Vec<usize> = (0..given.len()).collect();
        order.sort_unstable_by_key(|&i| given[i]);
        debug_assert!(order.windows(2).all(|w| given[w[0]] != given[w[1]]));
        let keys: Vec<&'static str> = order.iter().map(|&i| given[i]).collect();
        // Shapes are key lists written in this file, a dozen or so: each is leaked once per
        // thread (a few hundred bytes in all), and kept for every later record.
        let shape = Shape {
            keys: Box::leak(keys.into_boxed_slice()),
            order: Box::leak(order.into_boxed_slice()),
        };
        shapes.push((Box::leak(given.into_boxed_slice()), shape));
        debug_assert!(
            shapes.len() < 64,
            "{} record shapes: keys made at run time?",
            shapes.len()
        );
        shape
    })
}

impl<const N: usize> Record<N> {
    fn fields(&self) -> Fields<'_> {
        Fields {
            keys: self.keys,
            values: &self.values[..self.keys.len()],
        }
    }

    /// The value of `key`; a missing key is noted for the error's did-you-mean.
    fn get(&self, key: &str) -> Option<Value> {
        let found = self.fields().get(key);
        if found.is_none() {
            missed(self.keys, key);
        }
        found
    }
}

thread_local! {
    /// The last key a record of this thread was asked for and did not have, with the keys it
    /// has: a template error about an undefined `item.titel` suggests `item.title` from it,
    /// where `item` is a loop variable or a macro's argument that no context holds.
    static MISSED: std::cell::RefCell<(&'static [&'static str], String)> =
        const { std::cell::RefCell::new((&[], String::new())) };
}

/// Notes a missing key (a lookup that finds nothing: rare, and cheap; the buffer is reused).
#[cold]
fn missed(keys: &'static [&'static str], key: &str) {
    MISSED.with(|m| {
        let mut m = m.borrow_mut();
        m.0 = keys;
        m.1.clear();
        m.1.push_str(key);
    });
}

/// Forgets the last missing key: each page's suggestions come from its own rendering.
fn forget_missed() {
    MISSED.with(|m| m.borrow_mut().1.clear());
}

/// The last key a record rendered by this thread did not have, and the keys it has.
fn last_missing_key() -> templates::Missed {
    MISSED.with(|m| {
        let m = m.borrow();
        templates::Missed {
            key: m.1.clone(),
            keys: m.0.iter().map(|k| k.to_string()).collect(),
        }
    })
}

impl<const N: usize> Object for Record<N> {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Map
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        self.get(key.as_str()?)
    }

    fn get_value_by_str(self: &Arc<Self>, key: &str) -> Option<Value> {
        self.get(key)
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Values(self.keys.iter().map(|k| Value::from(*k)).collect())
    }

    fn enumerator_len(self: &Arc<Self>) -> Option<usize> {
        Some(self.keys.len())
    }
}

fn site_value(inputs: &Inputs<'_>, summaries: &[Value]) -> Value {
    let site = inputs.site;
    let config = &site.config;
    let home = &site.pages[site.home];
    let sections: Vec<Value> = home
        .subsections
        .iter()
        .map(|&s| summaries[s].clone())
        .collect();
    let (languages, lang_path) = match &inputs.languages {
        Some(current) => (current.list(), current.lang_path().to_string()),
        None => (
            Value::from(Vec::<Value>::new()),
            site.base_path().to_string(),
        ),
    };
    Value::from_iter([
        ("title", Value::from(config.title.as_str())),
        ("description", Value::from(config.description.as_str())),
        // The language being rendered; `default_language` is site.toml's `language`.
        ("language", Value::from(site.lang.as_str())),
        ("default_language", Value::from(config.language.as_str())),
        ("languages", languages),
        ("lang_path", Value::from(lang_path)),
        ("base_url", Value::from(config.base_url.as_str())),
        ("base_path", Value::from(site.base_path())),
        // Sitemap and feeds are written only for an absolute base_url.
        ("has_feeds", Value::from(config.has_absolute_base_url())),
        ("extra", Value::from_serialize(&config.extra)),
        ("home", summaries[site.home].clone()),
        ("sections", Value::from(sections)),
        ("serve", Value::from(inputs.serve)),
    ])
}

fn opt(value: &Option<String>) -> Value {
    value.as_deref().map_or(Value::from(()), Value::from)
}

/// The light view of a page used in every list.
fn summary(inputs: &Inputs<'_>, shared: &Shared, links: &[Value], id: PageId) -> Value {
    let page = inputs.site.page(id);
    let fm = &page.front_matter;
    let mut fields = summary_fields(inputs, shared, id);
    fields.extend([
        ("description", opt(&fm.description)),
        (
            "summary",
            Value::from_safe_string(inputs.rendered[id].summary.clone()),
        ),
        (
            "backlink_count",
            Value::from(inputs.graph.incoming[id].len()),
        ),
        (
            "entity",
            page.entity.map_or(Value::from(()), |e| links[e].clone()),
        ),
        (
            "parent",
            page.parent.map_or(Value::from(()), |p| links[p].clone()),
        ),
    ]);
    record(fields)
}

fn summary_fields(inputs: &Inputs<'_>, shared: &Shared, id: PageId) -> Vec<(&'static str, Value)> {
    let site = inputs.site;
    let page = site.page(id);
    let fm = &page.front_matter;
    let mut fields = Vec::with_capacity(28);
    fields.extend([
        ("kind", Value::from(page.kind.as_str())),
        ("title", Value::from(page.title())),
        ("date", opt(&fm.date)),
        ("updated", opt(&fm.updated)),
        ("permalink", Value::from(site.permalink(id))),
        ("url", shared.urls[id].clone()),
        ("path", Value::from(page.path.as_str())),
        ("slug", Value::from(page.slug())),
        ("weight", fm.weight.map_or(Value::from(()), Value::from)),
        ("extra", shared.extras[id].clone()),
        ("collection", opt(&page.collection)),
    ]);
    fields
}

/// An entity as listed in `collections`: its summary plus its references and backlinks (grouped
/// and flat), and the entities its backlinks come from.
fn entity_value(inputs: &Inputs<'_>, shared: &Shared, id: PageId) -> Value {
    let summary = Fields::of(&shared.summaries[id]).expect("summaries are records");
    let mut fields: Vec<(&'static str, Value)> =
        summary.iter().map(|(k, v)| (k, v.clone())).collect();
    let (backlinks, backlink_items) = backlinks(inputs, shared, id);
    fields.extend([
        ("references", references(inputs, shared, id)),
        ("backlinks", backlinks),
        ("backlink_items", backlink_items),
        ("backlink_entities", backlink_entities(inputs, shared, id)),
    ]);
    record(fields)
}

/// `{url: summary}` of the entities whose pages (or pages under them) reference `id`.
fn backlink_entities(inputs: &Inputs<'_>, shared: &Shared, id: PageId) -> Value {
    let mut entities: BTreeMap<&str, Value> = BTreeMap::new();
    for &i in &inputs.graph.incoming[id] {
        let source = inputs.graph.references[i].source;
        if let Some(e) = inputs.site.page(source).entity {
            if let Some(url) = shared.urls[e].as_str() {
                entities
                    .entry(url)
                    .or_insert_with(|| shared.summaries[e].clone());
            }
        }
    }
    Value::from_iter(entities)
}

fn reference_item(shared: &Shared, r: &Reference, outgoing: bool) -> Value {
    let other = if outgoing { r.target } else { r.source };
    let attrs = if r.attrs.is_empty() {
        shared.empty_map.clone()
    } else {
        Value::from_serialize(&r.attrs)
    };
    record(vec![
        (
            if outgoing { "target" } else { "source" },
            shared.summaries[other].clone(),
        ),
        ("key", Value::from(r.key.as_str())),
        ("attrs", attrs),
        ("relation", Value::from(r.relation())),
        ("line", Value::from(r.line)),
        ("anchor", opt(&r.anchor)),
    ])
}

/// Outgoing references grouped by collection key (`body` last), as `{collection, title, items,
/// in_text, section}`: `in_text` for the links of the text, `section` the title of the
/// targets' section (none for pages outside any collection), for a theme that says "linked in
/// the text" in another language.
fn references(inputs: &Inputs<'_>, shared: &Shared, id: PageId) -> Value {
    let mut groups: BTreeMap<(bool, &str), Vec<Value>> = BTreeMap::new();
    for &i in &inputs.graph.outgoing[id] {
        let r = &inputs.graph.references[i];
        let key = inputs
            .site
            .page(r.target)
            .collection
            .as_deref()
            .unwrap_or(&r.key);
        groups
            .entry((r.key == "body", key))
            .or_default()
            .push(reference_item(shared, r, true));
    }
    let values: Vec<Value> = groups
        .into_iter()
        .map(|((in_body, collection), items)| {
            // Links in the text get their own groups, named so a reader can tell them from
            // the relations typed in front matter.
            let section = (collection != "body").then(|| section_title(inputs.site, collection));
            let title = match (in_body, &section) {
                (true, None) => "Pages linked in the text".to_string(),
                (true, Some(s)) => format!("{s} linked in the text"),
                (false, s) => s.clone().unwrap_or_else(|| collection.to_string()),
            };
            record(vec![
                ("collection", Value::from(collection)),
                ("title", Value::from(title)),
                ("items", Value::from(items)),
                ("in_text", Value::from(in_body)),
                ("section", section.map_or(Value::from(()), Value::from)),
            ])
        })
        .collect();
    Value::from(values)
}

fn section_title(site: &Site, name: &str) -> String {
    site.by_path
        .get(&format!("{name}/_index.md"))
        .map(|&id| site.page(id).title().to_string())
        .unwrap_or_else(|| name.to_string())
}

/// Incoming references grouped by the source's top-level section, ordered like the sections,
/// as `{name, title, items}`; and the same items in one flat list (in the same order).
fn backlinks(inputs: &Inputs<'_>, shared: &Shared, id: PageId) -> (Value, Value) {
    let site = inputs.site;
    let mut groups: BTreeMap<(i64, &str, &str), Vec<Value>> = BTreeMap::new();
    for &i in &inputs.graph.incoming[id] {
        let r = &inputs.graph.references[i];
        let key = match site.top_section(r.source) {
            Some(top) => {
                let p = site.page(top);
                (
                    p.front_matter.weight.unwrap_or(i64::MAX),
                    p.title(),
                    p.url_path.trim_end_matches('/'),
                )
            }
            None => (i64::MIN, site.config.title.as_str(), ""),
        };
        groups
            .entry(key)
            .or_default()
            .push(reference_item(shared, r, false));
    }
    let mut flat = Vec::with_capacity(inputs.graph.incoming[id].len());
    let values: Vec<Value> = groups
        .into_iter()
        .map(|((_, title, name), items)| {
            flat.extend(items.iter().cloned());
            record(vec![
                ("name", Value::from(name)),
                ("title", Value::from(title)),
                ("items", Value::from(items)),
            ])
        })
        .collect();
    (Value::from(values), Value::from(flat))
}

/// The full context value of the page being rendered.
/// `content` replaces the rendered Markdown (with the page's late shortcodes rendered).
fn page_value(inputs: &Inputs<'_>, shared: &Shared, id: PageId, content: Option<String>) -> Value {
    let site = inputs.site;
    let page = site.page(id);
    let fm = &page.front_matter;
    let rendered = &inputs.rendered[id];
    let list = |ids: &[PageId]| {
        Value::from(
            ids.iter()
                .map(|&i| shared.summaries[i].clone())
                .collect::<Vec<_>>(),
        )
    };
    let summary = Fields::of(&shared.summaries[id]).expect("summaries are records");
    // An entity's references and backlinks are in its `collections` value already (built once
    // per build): a country referenced by thousands of pages is not walked twice.
    let entity = shared.entity_values.get(&id).and_then(Fields::of);
    let shared_field = |key: &str| entity.and_then(|e| e.get(key));
    let (backlinks, backlink_items) =
        match (shared_field("backlinks"), shared_field("backlink_items")) {
            (Some(groups), Some(items)) => (groups, items),
            _ => backlinks(inputs, shared, id),
        };
    let mut fields: Vec<(&'static str, Value)> = Vec::with_capacity(30);
    fields.extend(
        summary
            .iter()
            .filter(|(k, _)| !matches!(*k, "entity" | "parent"))
            .map(|(k, v)| (k, v.clone())),
    );
    fields.extend([
        (
            "content",
            Value::from_safe_string(content.unwrap_or_else(|| rendered.html.clone())),
        ),
        ("toc", Value::from_serialize(&rendered.toc)),
        ("word_count", Value::from(rendered.word_count)),
        (
            "reading_time",
            Value::from(rendered.word_count.div_ceil(200).max(1)),
        ),
        ("aliases", Value::from_serialize(&fm.aliases)),
        (
            "edit_url",
            site.config
                .edit_url(&page.file())
                .map_or(Value::from(()), Value::from),
        ),
        ("also_known_as", Value::from_serialize(&fm.also_known_as)),
        (
            "entity",
            page.entity
                .map_or(Value::from(()), |e| shared.summaries[e].clone()),
        ),
        (
            "parent",
            page.parent
                .map_or(Value::from(()), |p| shared.summaries[p].clone()),
        ),
        ("ancestors", list(&site.ancestors(id))),
        ("pages", list(&page.pages)),
        ("subsections", list(&page.subsections)),
        (
            "references",
            shared_field("references").unwrap_or_else(|| references(inputs, shared, id)),
        ),
        ("backlinks", backlinks),
        ("backlink_items", backlink_items),
        (
            "backlink_entities",
            shared_field("backlink_entities")
                .unwrap_or_else(|| backlink_entities(inputs, shared, id)),
        ),
    ]);
    fields.extend(language_fields(inputs, id));
    record(fields)
}

/// `page.lang`, `translations`, `untranslated`, `stale` and `original` (docs/templates.md).
fn language_fields(inputs: &Inputs<'_>, id: PageId) -> [(&'static str, Value); 5] {
    let site = inputs.site;
    let origin = &site.page(id).origin;
    let (translations, original) = match &inputs.languages {
        Some(current) => (current.translations(id), current.original(id)),
        None => (Value::from(Vec::<Value>::new()), Value::from(())),
    };
    [
        ("lang", Value::from(site.lang.as_str())),
        ("translations", translations),
        ("untranslated", Value::from(*origin == Origin::Fallback)),
        (
            "stale",
            Value::from(matches!(origin, Origin::Translation { stale: true, .. })),
        ),
        ("original", original),
    ]
}

/// The template a page is rendered with: its own, else its collection's, else by kind.
pub fn template_name(site: &Site, id: PageId) -> String {
    let page = site.page(id);
    if let Some(t) = &page.front_matter.template {
        return t.clone();
    }
    if let Some(t) = page
        .collection
        .as_ref()
        .and_then(|c| site.config.collections.get(c))
        .and_then(|c| c.template.as_ref())
    {
        return t.get_ref().clone();
    }
    match page.kind {
        Kind::Home => "index.html",
        Kind::Section => "section.html",
        Kind::Page => "page.html",
    }
    .to_string()
}

/// Renders one page (`weft serve` re-renders only the pages an edit affects).
/// Renders page `id`: one file, or for a paginated section one per listing page (the first at
/// the section's URL, the others at `page/N/`), each with its `paginator`.
pub fn render_page(inputs: &Inputs<'_>, shared: &Shared, id: PageId) -> Result<Vec<Output>, Error> {
    let site = inputs.site;
    let name = template_name(site, id);
    let page = site.page(id);
    let template = inputs.env.get_template(&name).map_err(|_| {
        // Point at the `template = "..."` value when the page names it.
        let front = &page.text[..page.body_offset];
        let span = front
            .find(&format!("\"{name}\""))
            .map_or(0..0, |i| i..i + name.len() + 2);
        let loc = crate::error::Location::new(&page.file(), &page.text, span);
        let (label, help) = templates::missing_template(&name, inputs.sources);
        Error::new(
            crate::error::ErrorKind::Template,
            format!("template {name} not found"),
        )
        .at(loc)
        .label(label)
        .help(help)
    })?;
    // Late shortcodes render with the page's context, and their data reads count as the page's.
    let (outputs, reads) = crate::data::tracked(|| {
        let mut page_value = page_value(inputs, shared, id, None);
        if !inputs.rendered[id].late.is_empty() {
            let content = late_shortcodes(inputs, shared, id, &page_value)?;
            page_value = self::page_value(inputs, shared, id, Some(content));
        }
        render_pagers(inputs, shared, (id, &template), page_value)
    });
    inputs.data_readers.set(&page.output_path(), reads);
    outputs
}

/// Renders page `id` with its `template`: each of its listing pages.
fn render_pagers(
    inputs: &Inputs<'_>,
    shared: &Shared,
    (id, template): (PageId, &minijinja::Template<'_, '_>),
    page_value: Value,
) -> Result<Vec<Output>, Error> {
    let site = inputs.site;
    let page = site.page(id);
    let pagers = site.pager_count(id);
    let mut outputs = Vec::with_capacity(pagers);
    for number in 1..=pagers {
        let paginator = if pagers > 1 {
            paginator(inputs, shared, id, number, pagers)
        } else {
            Value::UNDEFINED
        };
        forget_missed();
        let context = context! {
            site => shared.site.clone(),
            page => page_value.clone(),
            section => Value::UNDEFINED,
            paginator => paginator,
            collections => shared.collections.clone(),
            partial_cached => shared.partial_cached.clone(),
        };
        let html = template
            .render(&context)
            .map_err(|e| render_error(&e, inputs.sources, &context, &last_missing_key()))?;
        let path = match number {
            1 => page.output_path(),
            n => format!("{}page/{n}/index.html", page.url_path),
        };
        outputs.push(Output {
            path,
            bytes: html.into_bytes(),
        });
    }
    Ok(outputs)
}

/// Page `id`'s HTML with its late shortcodes rendered in place of their placeholders, each with
/// the context the page's template gets (`page` — whose `content` still holds the
/// placeholders —, `site`, `collections`), its arguments and `nth`, its number among the
/// page's calls of the same shortcode (for unique ids). An error is located at the call.
fn late_shortcodes(
    inputs: &Inputs<'_>,
    shared: &Shared,
    id: PageId,
    page_value: &Value,
) -> Result<String, Error> {
    let rendered = &inputs.rendered[id];
    let mut html = rendered.html.clone();
    for (index, late) in rendered.late.iter().enumerate() {
        let mut context: BTreeMap<&str, Value> = late
            .args
            .iter()
            .map(|(name, value)| (name.as_str(), Value::from_serialize(value)))
            .collect();
        context.extend([
            ("site", shared.site.clone()),
            ("page", page_value.clone()),
            ("collections", shared.collections.clone()),
            ("partial_cached", shared.partial_cached.clone()),
            ("nth", Value::from(late.nth)),
        ]);
        forget_missed();
        let written =
            inputs
                .env
                .get_template(&late.template)
                .and_then(|t| t.render(Value::from(context)))
                .map_err(|e| {
                    let page = inputs.site.page(id);
                    let span =
                        (late.span.start + page.body_offset)..(late.span.end + page.body_offset);
                    shortcode::failed(&late.name, &e, inputs.sources)
                        .at(crate::error::Location::new(&page.file(), &page.text, span))
                })?;
        html = html.replace(
            &shortcode::Late::placeholder(index),
            written.trim_end_matches('\n'),
        );
    }
    Ok(html)
}

/// The URL of listing page `number` of section `id`: the section's own for the first.
fn pager_url(site: &Site, id: PageId, number: usize) -> String {
    match number {
        1 => site.url(id),
        n => format!("{}page/{n}/", site.url(id)),
    }
}

/// `paginator` for listing page `number` of `total` of section `id` (docs/templates.md).
fn paginator(
    inputs: &Inputs<'_>,
    shared: &Shared,
    id: PageId,
    number: usize,
    total: usize,
) -> Value {
    let site = inputs.site;
    let per_page = site.listing(id).per_page.unwrap_or(usize::MAX);
    let pages = &site.page(id).pages;
    let items: Vec<Value> = pages
        .iter()
        .skip((number - 1) * per_page)
        .take(per_page)
        .map(|&p| shared.summaries[p].clone())
        .collect();
    let url = |n: usize| Value::from(pager_url(site, id, n));
    let url_or_none = |n: usize| {
        if (1..=total).contains(&n) {
            url(n)
        } else {
            Value::from(())
        }
    };
    let numbers: Vec<Value> = (1..=total)
        .map(|n| Value::from_iter([("number", Value::from(n)), ("url", url(n))]))
        .collect();
    Value::from_iter([
        ("items", Value::from(items)),
        ("number", Value::from(number)),
        ("total_pages", Value::from(total)),
        ("per_page", Value::from(per_page)),
        ("total_items", Value::from(pages.len())),
        ("first", url(1)),
        ("last", url(total)),
        // `none` (not undefined) at either end, so `{% if paginator.next %}` reads plainly.
        ("previous", url_or_none(number - 1)),
        ("next", url_or_none(number + 1)),
        ("pages", Value::from(numbers)),
    ])
}

/// A page rendered with `site` and `collections` only (404, search), when the theme has it.
fn standalone_page(
    inputs: &Inputs<'_>,
    shared: &Shared,
    name: &str,
    path: &str,
) -> Result<Option<Output>, Error> {
    let Ok(template) = inputs.env.get_template(name) else {
        return Ok(None);
    };
    forget_missed();
    let context = context! {
        site => shared.site.clone(),
        collections => shared.collections.clone(),
        partial_cached => shared.partial_cached.clone(),
    };
    let (html, reads) = crate::data::tracked(|| template.render(&context));
    inputs.data_readers.set(path, reads);
    let html = html.map_err(|e| render_error(&e, inputs.sources, &context, &last_missing_key()))?;
    Ok(Some(Output {
        path: path.to_string(),
        bytes: html.into_bytes(),
    }))
}

/// robots.txt and redirect pages for aliases (feeds and the sitemap: `crate::feeds`).
fn extras(site: &Site) -> Vec<Output> {
    let mut out = Vec::new();
    // One robots.txt, at the root: the default language's.
    if site.lang_prefix.is_empty() {
        out.push(Output {
            path: "robots.txt".into(),
            bytes: robots_txt(&site.config).into_bytes(),
        });
    }
    for page in &site.pages {
        // `news/page/1/` is `news/`: a redirect, so hand-made "page 1" links still work.
        if let Some((_, first)) = site.pager_outputs(page.id).into_iter().next() {
            out.push(Output {
                path: first,
                bytes: redirect(&site.url(page.id)).into_bytes(),
            });
        }
        for alias in &page.front_matter.aliases {
            // An alias leaving the output folder is a model error; never written.
            let Some(path) = crate::model::alias_output(alias) else {
                continue;
            };
            out.push(Output {
                path,
                bytes: redirect(&site.url(page.id)).into_bytes(),
            });
        }
    }
    out
}

/// robots.txt: everything allowed, and the sitemap's absolute URL when there is a sitemap.
fn robots_txt(config: &crate::config::Config) -> String {
    let mut text = String::from("User-agent: *\nAllow: /\n");
    if config.has_absolute_base_url() {
        text.push_str(&format!("Sitemap: {}sitemap.xml\n", config.base_url));
    }
    text
}

/// `text` with `& < > " '` escaped, for HTML and XML text and attribute values.
pub fn escape_xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    write_escaped(&mut out, text).expect("writing to a String cannot fail");
    out
}

/// Writes `text` to `out` escaped as [`escape_xml`] does, in runs between the escaped bytes.
pub fn write_escaped(out: &mut impl fmt::Write, text: &str) -> fmt::Result {
    const fn special() -> [bool; 256] {
        let mut table = [false; 256];
        table[b'&' as usize] = true;
        table[b'<' as usize] = true;
        table[b'>' as usize] = true;
        table[b'"' as usize] = true;
        table[b'\'' as usize] = true;
        table
    }
    static SPECIAL: [bool; 256] = special();
    let bytes = text.as_bytes();
    let mut done = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if !SPECIAL[b as usize] {
            continue;
        }
        let entity = match b {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            _ => "&#39;",
        };
        // The escaped bytes are ASCII, so both slices end on character boundaries.
        out.write_str(&text[done..i])?;
        out.write_str(entity)?;
        done = i + 1;
    }
    out.write_str(&text[done..])
}

fn redirect(url: &str) -> String {
    let url = escape_xml(url);
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Moved</title><link rel=\"canonical\" href=\"{url}\"><meta http-equiv=\"refresh\" content=\"0; url={url}\"></head><body><p>This page has moved to <a href=\"{url}\">{url}</a>.</p></body></html>\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_read_iterate_and_serialize_like_maps() {
        let pairs = [
            ("url", Value::from("/a/")),
            ("title", Value::from("A & B")),
            ("extra", Value::from_iter([("short", "AB")])),
        ];
        let record = record(pairs.to_vec());
        let map = Value::from_iter(pairs);
        let mut env = Environment::new();
        env.add_template(
            "t.html",
            "{{ r.title }}|{{ r['url'] }}|{{ r.extra.short }}|{{ r.missing is undefined }}|\
             {% for k in r %}{{ k }},{% endfor %}|{{ r|length }}|{{ r|tojson }}|{{ r == m }}",
        )
        .unwrap();
        let t = env.get_template("t.html").unwrap();
        let with_record = t.render(context! { r => record.clone(), m => map.clone() });
        let with_map = t.render(context! { r => map, m => record });
        assert_eq!(with_record.unwrap(), with_map.unwrap());
    }

    #[test]
    fn records_of_every_size_are_read_back_whole() {
        let keys: Vec<&'static str> = (0..64)
            .map(|i| &*Box::leak(format!("k{i:02}").into_boxed_str()))
            .collect();
        // Each class's first and last size (every size would make more shapes than a
        // thread is meant to hold).
        for n in [0, 1, 4, 5, 8, 9, 16, 17, 24, 25, 32, 33, 48, 49, 64] {
            let fields: Vec<(&'static str, Value)> =
                keys[..n].iter().map(|&k| (k, Value::from(k))).collect();
            let value = record(fields.clone());
            let read = Fields::of(&value).unwrap_or_else(|| panic!("{n} fields: no size class"));
            let read: Vec<(&'static str, Value)> =
                read.iter().map(|(k, v)| (k, v.clone())).collect();
            assert_eq!(read, fields, "{n} fields");
        }
    }

    #[test]
    fn xml_is_escaped() {
        assert_eq!(escape_xml("a<b & \"c\""), "a&lt;b &amp; &quot;c&quot;");
        assert_eq!(escape_xml("Côte d'Ivoire > é"), "Côte d&#39;Ivoire &gt; é");
    }
}
