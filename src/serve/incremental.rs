//! The fast path of `weft serve`: re-renders only the pages an edit can change.
//!
//! [`Fast`] keeps one good build's intermediate state (site model, names, per-page references,
//! rendered Markdown, the reference graph, the template environment). When only existing pages
//! changed and nothing that shapes the site moved (title, slug, weight, date, names, aliases,
//! draft), [`Fast::apply`] patches those pages, re-renders their Markdown, recomputes their
//! references and the graph, and renders again only the pages whose template context changed:
//! the page; pages listing or embedding its summary (parent, descendants, pages it references
//! and pages referencing it); pages whose backlinks changed. When a value every page sees
//! changes (the site's sections, or a collection a template reads), the edited pages and the
//! sections listing them are rendered and served first, then every page
//! ([`Fast::finish_pages`]). The shared template values are patched, not remade
//! (`render::Shared::update`).
//!
//! It uses the build's own stages (`frontmatter::parse`, `xref`, `markdown::render`,
//! `render::render_page`, `render::site`, [`crate::site_outputs`]), never its own rendering.
//! Whenever anything is off the fast path, or any error appears, it returns `None` and the
//! caller does a full build (which also reports the errors exactly as `weft build` does).
//! No IO.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use minijinja::Environment;
use rayon::prelude::*;

use crate::config::Config;
use crate::frontmatter::{self, FrontMatter};
use crate::i18n::Strings;
use crate::load::{DataFile, StringsFile, TemplateSource};
use crate::markdown::{self, Rendered};
use crate::model::{self, Kind, PageId, Site};
use crate::render::{self, Inputs, Output, Shared, Sink};
use crate::session::{outputs_map, Snapshot};
use crate::shortcode::Shortcodes;
use crate::templates;
use crate::xref::{self, Graph, Linker, Names, Reference};
use crate::Options;

/// Which parts of `collections` the templates read.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Reads {
    All,
    Some(BTreeSet<String>),
}

impl Reads {
    /// From every template's undeclared variables (`collections`, `collections.countries`).
    fn of(env: &Environment<'static>, names: impl Iterator<Item = String>) -> Reads {
        let mut some = BTreeSet::new();
        for name in names {
            let Ok(t) = env.get_template(&name) else {
                return Reads::All;
            };
            for var in t.undeclared_variables(true) {
                if var == "collections" {
                    return Reads::All;
                }
                if let Some(c) = var.strip_prefix("collections.") {
                    some.insert(c.split('.').next().unwrap_or(c).to_string());
                }
            }
        }
        Reads::Some(some)
    }

    fn any(&self, collections: &BTreeSet<String>) -> bool {
        match self {
            Reads::All => !collections.is_empty(),
            Reads::Some(read) => collections.iter().any(|c| read.contains(c)),
        }
    }
}

/// One good build's intermediate state.
pub struct Fast {
    options: Options,
    /// Content path -> date from the repository's history (for pages without `updated`).
    dates: BTreeMap<String, String>,
    collections: BTreeSet<String>,
    site: Site,
    names: Names,
    rendered: Vec<Rendered>,
    /// Per source page: its body links that carry an `#anchor`, as (target, anchor).
    anchors: Vec<Vec<(PageId, String)>>,
    graph: Graph,
    env: Environment<'static>,
    /// The UI strings the environment was made with (made again with it).
    strings: Arc<Strings>,
    templates: BTreeMap<String, TemplateSource>,
    reads: Reads,
    shared: Option<Shared>,
    /// Paths made by [`crate::site_outputs`] in the current snapshot.
    site_output_paths: BTreeSet<String>,
    /// Site outputs are stale after a fast rebuild until [`Fast::site_outputs`] runs.
    stale: bool,
    /// Pages besides those `apply` rendered must be rendered again.
    pending_all: bool,
}

impl Fast {
    /// Prepares the state from the files in memory with the build's stages; `None` when the
    /// site has errors (the full build reports them).
    pub fn new(
        mut config: Config,
        documents: &BTreeMap<String, String>,
        templates: &BTreeMap<String, TemplateSource>,
        (data, strings, dates): (&[DataFile], &[StringsFile], &BTreeMap<String, String>),
        options: &Options,
        current: Arc<Snapshot>,
    ) -> Option<Fast> {
        if let Some(url) = &options.base_url {
            config.set_base_url(url);
        }
        // A site in several languages is rebuilt whole on every edit (for now).
        if config.is_multilingual() {
            return None;
        }
        let collections: BTreeSet<String> = config.collections.keys().cloned().collect();
        let parsed: Vec<Option<model::Parsed>> = documents
            .par_iter()
            .map(|(path, text)| {
                let mut p =
                    frontmatter::parse(&format!("content/{path}"), text, &collections).ok()?;
                crate::date_from_history(&mut p.front_matter, dates, path);
                Some(model::Parsed {
                    path: path.clone(),
                    text: text.clone(),
                    front_matter: p.front_matter,
                    body_offset: p.body_offset,
                    origin: crate::model::Origin::Original,
                })
            })
            .collect();
        let parsed: Vec<model::Parsed> = parsed
            .into_iter()
            .collect::<Option<Vec<_>>>()?
            .into_iter()
            .filter(|p| options.drafts || !p.front_matter.draft)
            .collect();
        let (site, errors) = Site::new(config, parsed);
        let (names, name_errors) = Names::new(&site);
        if !errors.is_empty() || !name_errors.is_empty() {
            return None;
        }
        let (front, errors) = xref::front_matter_references(&site, &names);
        if !errors.is_empty() {
            return None;
        }
        let urls: HashMap<String, String> = site
            .pages
            .iter()
            .map(|p| (p.path.clone(), site.url(p.id)))
            .collect();
        let (strings, string_errors, _) = Strings::new(strings, &site.config.language, &[]);
        let (mut env, errors) = templates::environment(templates, urls, site.base_path(), &strings);
        let (data, data_errors) = crate::data::parse(data);
        if !errors.is_empty() || !data_errors.is_empty() || !string_errors.is_empty() {
            return None;
        }
        // Before the shortcodes, which may read data too.
        env.add_global("data", data);
        env.add_global("lang", site.lang.as_str());
        let (shortcodes, errors) = Shortcodes::new(&env, templates);
        if !errors.is_empty() {
            return None;
        }
        let linker = Linker {
            site: &site,
            names: &names,
            fallback: None,
        };
        let rendered: Vec<Rendered> = site
            .pages
            .par_iter()
            .map(|p| markdown::render(p.body(), &site.url(p.id), &linker, &shortcodes))
            .collect();
        drop(shortcodes);
        let (body, errors) = xref::body_references(&site, &rendered);
        if !errors.is_empty() {
            return None;
        }
        let mut anchors = vec![Vec::new(); site.pages.len()];
        for r in &body {
            if let Some(a) = &r.anchor {
                anchors[r.source].push((r.target, a.clone()));
            }
        }
        let graph = Graph::new(&site, front, body);
        let reads = Reads::of(&env, templates.keys().cloned());
        let site_output_paths = crate::site_outputs(&site, &rendered, &graph)
            .into_iter()
            .map(|o| o.path)
            .collect();
        // The state must describe what is being served.
        if current.pages != site.pages.len() {
            return None;
        }
        let mut fast = Fast {
            options: options.clone(),
            dates: dates.clone(),
            collections,
            site,
            names,
            rendered,
            anchors,
            graph,
            env,
            strings,
            templates: templates.clone(),
            reads,
            shared: None,
            site_output_paths,
            stale: false,
            pending_all: false,
        };
        let inputs = fast.inputs();
        let shared = Shared::new(&inputs);
        fast.shared = Some(shared);
        Some(fast)
    }

    /// Takes the site's templates again when only shortcode templates changed: the template
    /// environment is made anew, and the content paths of the pages calling a changed shortcode
    /// are returned, to be rendered again as if edited. `None` (nothing changed here) when
    /// anything else changed (another template, a template added or removed, a template naming
    /// a changed shortcode's file, as an include does) or the templates have errors: the caller
    /// then builds the whole site, which reports them.
    pub fn replace_shortcodes(
        &mut self,
        templates: &BTreeMap<String, TemplateSource>,
    ) -> Option<Vec<String>> {
        if !templates.keys().eq(self.templates.keys()) {
            return None;
        }
        let changed: Vec<&String> = templates
            .iter()
            .filter(|(name, source)| self.templates[*name].text != source.text)
            .map(|(name, _)| name)
            .collect();
        let names = changed
            .iter()
            .map(|t| t.strip_prefix("shortcodes/")?.strip_suffix(".html"))
            .collect::<Option<Vec<&str>>>()?;
        let named_elsewhere = templates.iter().any(|(name, source)| {
            changed
                .iter()
                .any(|c| name != *c && source.text.contains(c.as_str()))
        });
        if named_elsewhere {
            return None;
        }
        let urls: HashMap<String, String> = self
            .site
            .pages
            .iter()
            .map(|p| (p.path.clone(), self.site.url(p.id)))
            .collect();
        let (env, errors) =
            templates::environment(templates, urls, self.site.base_path(), &self.strings);
        if !errors.is_empty() || !Shortcodes::new(&env, templates).1.is_empty() {
            return None;
        }
        self.reads = Reads::of(&env, templates.keys().cloned());
        self.env = env;
        self.templates = templates.clone();
        let calling = self.site.pages.iter().filter(|p| {
            let called = &self.rendered[p.id].shortcodes;
            called.iter().any(|s| names.contains(&s.as_str()))
        });
        Some(calling.map(|p| p.path.clone()).collect())
    }

    fn inputs(&self) -> Inputs<'_> {
        Inputs {
            site: &self.site,
            graph: &self.graph,
            rendered: &self.rendered,
            env: &self.env,
            sources: &self.templates,
            serve: self.options.serve,
            languages: None,
        }
    }

    /// Applies changed content files (`None`: removed). Returns the new snapshot and how many
    /// pages were rendered, or `None` when a full build is needed; the state is then unusable.
    /// Site-wide files ([`crate::site_outputs`]) are left as they were: call
    /// [`Fast::site_outputs`] next.
    pub fn apply(
        &mut self,
        changed: &[(String, Option<&String>)],
        current: &Snapshot,
    ) -> Option<(Snapshot, usize)> {
        let patched = self.patch(changed)?;
        let ids: Vec<PageId> = patched.iter().map(|(id, _)| *id).collect();
        let changed_set: HashSet<PageId> = ids.iter().copied().collect();
        let old_summaries: HashMap<PageId, (FrontMatter, String)> = patched
            .into_iter()
            .map(|(id, fm)| (id, (fm, self.rendered[id].summary.clone())))
            .collect();
        let old_out: HashMap<PageId, Vec<Reference>> = ids
            .iter()
            .map(|&id| (id, self.outgoing(id).cloned().collect()))
            .collect();
        let old_in: Vec<usize> = self.graph.incoming.iter().map(Vec::len).collect();
        let (front, body) = self.relink(&ids, &changed_set)?;
        let fresh = Graph::new(&self.site, front, body).references;
        // Most edits leave a page's references as they were: the graph then stays.
        let same_references = ids.iter().all(|id| {
            let run = fresh.iter().filter(|r| r.source == *id);
            run.eq(old_out[id].iter())
        });
        if !same_references {
            let old_graph = std::mem::take(&mut self.graph);
            self.graph = self.merge_graph(old_graph, &changed_set, fresh);
        }

        // What changed: edges, summaries, collections.
        let mut edge_changed: Vec<PageId> = Vec::new();
        let mut touched: BTreeSet<PageId> = BTreeSet::new();
        for &id in &ids {
            let new: Vec<&Reference> = self.outgoing(id).collect();
            let old: Vec<&Reference> = old_out[&id].iter().collect();
            if old != new {
                edge_changed.push(id);
                touched.extend(old.iter().chain(&new).map(|r| r.target));
            }
        }
        let mut summary_changed: BTreeSet<PageId> = BTreeSet::new();
        for &id in &ids {
            let (old_fm, old_summary) = &old_summaries[&id];
            let fm = &self.site.pages[id].front_matter;
            let link_changed = fm.extra != old_fm.extra || fm.title != old_fm.title;
            if link_changed
                || fm.weight != old_fm.weight
                || fm.date != old_fm.date
                || fm.description != old_fm.description
                || fm.updated != old_fm.updated
                || self.rendered[id].summary != *old_summary
            {
                summary_changed.insert(id);
            }
            if link_changed {
                // Children show this page's title, URL and extra in their summaries.
                for p in &self.site.pages {
                    if p.parent == Some(id) || p.entity == Some(id) {
                        summary_changed.insert(p.id);
                    }
                }
            }
        }
        for &t in &touched {
            if old_in[t] != self.graph.incoming[t].len() {
                summary_changed.insert(t);
            }
        }
        let home = &self.site.pages[self.site.home];
        let site_value_changed = summary_changed.contains(&home.id)
            || home.subsections.iter().any(|s| summary_changed.contains(s));
        // The entities whose value in `collections` can differ: their summary, their edges, or
        // a summary shown in their references or backlinks changed.
        let mut dirty_entities: BTreeSet<PageId> = BTreeSet::new();
        for &x in summary_changed.iter().chain(&touched).chain(&edge_changed) {
            dirty_entities.insert(x);
        }
        for &x in &summary_changed {
            for &i in &self.graph.outgoing[x] {
                dirty_entities.insert(self.graph.references[i].target);
            }
            for &i in &self.graph.incoming[x] {
                dirty_entities.insert(self.graph.references[i].source);
            }
        }
        dirty_entities.retain(|&id| self.site.pages[id].collection.is_some());
        let dirty_collections: BTreeSet<String> = dirty_entities
            .iter()
            .filter_map(|&id| self.site.pages[id].collection.clone())
            .collect();
        let everything = site_value_changed || self.reads.any(&dirty_collections);

        // Field by field rather than `self.inputs()`, so `self.shared` stays free to update.
        let inputs = Inputs {
            site: &self.site,
            graph: &self.graph,
            rendered: &self.rendered,
            env: &self.env,
            sources: &self.templates,
            serve: self.options.serve,
            languages: None,
        };
        // When a value every page sees changed, every page follows (`finish_pages`) after
        // what is served first (below).
        self.pending_all = everything;

        // The pages whose context holds a changed summary or changed references.
        let mut render_set: BTreeSet<PageId> = ids.iter().copied().collect();
        render_set.extend(&touched);
        for &x in &summary_changed {
            let page = &self.site.pages[x];
            render_set.insert(x);
            render_set.extend(page.parent);
            for &i in &self.graph.outgoing[x] {
                render_set.insert(self.graph.references[i].target);
            }
            for &i in &self.graph.incoming[x] {
                render_set.insert(self.graph.references[i].source);
            }
            // Descendants show it in their ancestors.
            let mut stack = vec![x];
            while let Some(d) = stack.pop() {
                let dp = &self.site.pages[d];
                for &c in dp.pages.iter().chain(&dp.subsections) {
                    render_set.insert(c);
                    stack.push(c);
                }
            }
        }
        if everything {
            // Every page is rendered again next (`finish_pages`): serve first only what the
            // editor is looking at, the edited pages and the sections listing them, so the
            // first swap does not wait for entity pages with thousands of backlinks.
            render_set = ids.iter().copied().collect();
            render_set.extend(ids.iter().filter_map(|&id| self.site.pages[id].parent));
        }
        // Brought up to date where a summary or a collection changed (the same values
        // `Shared::new` would give: the randomized tests compare with full builds).
        let mut shared = self.shared.take()?;
        shared.update(&inputs, &summary_changed, &dirty_entities);
        self.shared = Some(shared);
        let shared = self.shared.as_ref()?;
        let ids: Vec<PageId> = render_set.into_iter().collect();
        // Kept in memory as `render::Keep` keeps a full build's outputs.
        let outputs: Vec<Result<Option<Output>, _>> = ids
            .par_iter()
            .flat_map_iter(|&id| match render::render_page(&inputs, shared, id) {
                Ok(pages) => pages.into_iter().map(|o| render::Keep.put(o)).collect(),
                Err(e) => vec![Err(e)],
            })
            .collect();
        let mut map = current.outputs.clone();
        for o in outputs {
            let o = o.ok()??;
            map.insert(o.path, Arc::new(o.bytes));
        }
        self.stale = true;
        Some((self.snapshot(map, current), ids.len()))
    }

    fn outgoing(&self, id: PageId) -> impl Iterator<Item = &Reference> {
        self.graph.outgoing[id]
            .iter()
            .map(|&i| &self.graph.references[i])
    }

    /// Puts the changed files' text and front matter into the site; `None` when a change is
    /// off the fast path (new or removed page, or one whose place in the site moved).
    /// Returns the changed pages with their previous front matter.
    fn patch(
        &mut self,
        changed: &[(String, Option<&String>)],
    ) -> Option<Vec<(PageId, FrontMatter)>> {
        let mut updates = Vec::new();
        let mut reorder = BTreeSet::new();
        for (path, text) in changed {
            let text = (*text)?;
            let &id = self.site.by_path.get(path)?;
            let mut parsed =
                frontmatter::parse(&format!("content/{path}"), text, &self.collections).ok()?;
            crate::date_from_history(&mut parsed.front_matter, &self.dates, path);
            let page = &self.site.pages[id];
            let (fm, old) = (&parsed.front_matter, &page.front_matter);
            // A plain page (not a section, not an entity) only moves within its parent's list
            // when its title, weight or date change; anything else reshapes the site.
            let plain = page.kind == Kind::Page && page.collection.is_none();
            // (Every order a listing may have reads only these.)
            let same_order =
                fm.title == old.title && fm.weight == old.weight && fm.date == old.date;
            let same_place = (plain || same_order)
                && fm.slug == old.slug
                && fm.draft == old.draft
                && fm.also_known_as == old.also_known_as
                && fm.aliases == old.aliases
                && fm.paginate_by == old.paginate_by
                && fm.sort_by == old.sort_by
                && fm.sort_reverse == old.sort_reverse;
            if !same_place {
                return None;
            }
            if !same_order {
                reorder.extend(page.parent);
            }
            updates.push((
                id,
                text.to_string(),
                parsed.front_matter,
                parsed.body_offset,
            ));
        }
        let mut old = Vec::with_capacity(updates.len());
        for (id, text, fm, body_offset) in updates {
            let page = &mut self.site.pages[id];
            page.text = text;
            page.body_offset = body_offset;
            old.push((id, std::mem::replace(&mut page.front_matter, fm)));
        }
        // Children are listed in their section's order, as `Site::new` sorts them.
        for parent in reorder {
            let mut pages = std::mem::take(&mut self.site.pages[parent].pages);
            let listing = self.site.listing(parent);
            pages.sort_by(|a, b| listing.order(&self.site.pages[*a], &self.site.pages[*b]));
            self.site.pages[parent].pages = pages;
        }
        Some(old)
    }

    /// Resolves the changed pages' references and renders their Markdown; `None` on any
    /// error (a broken reference, link or anchor, here or in a page linking to them).
    /// Returns their front-matter and body references.
    fn relink(
        &mut self,
        ids: &[PageId],
        changed: &HashSet<PageId>,
    ) -> Option<(Vec<Reference>, Vec<Reference>)> {
        // Only the changed pages' references are resolved: the others' are set aside.
        let mut saved = Vec::new();
        for p in self.site.pages.iter_mut() {
            if !changed.contains(&p.id) {
                saved.push((p.id, std::mem::take(&mut p.front_matter.references)));
            }
        }
        let (front, errors) = xref::front_matter_references(&self.site, &self.names);
        for (id, refs) in saved {
            self.site.pages[id].front_matter.references = refs;
        }
        if !errors.is_empty() {
            return None;
        }
        let linker = Linker {
            site: &self.site,
            names: &self.names,
            fallback: None,
        };
        // The templates are those of the last full build, whose shortcodes had no errors.
        let (shortcodes, _) = Shortcodes::new(&self.env, &self.templates);
        let fresh: Vec<(PageId, Rendered)> = ids
            .par_iter()
            .map(|&id| {
                let page = &self.site.pages[id];
                let url = self.site.url(id);
                (
                    id,
                    markdown::render(page.body(), &url, &linker, &shortcodes),
                )
            })
            .collect();
        drop(shortcodes);
        for (id, r) in fresh {
            self.rendered[id] = r;
        }
        let mut saved = Vec::new();
        for (id, r) in self.rendered.iter_mut().enumerate() {
            if !changed.contains(&id) {
                saved.push((
                    id,
                    std::mem::take(&mut r.links),
                    std::mem::take(&mut r.broken),
                ));
            }
        }
        let (body, errors) = xref::body_references(&self.site, &self.rendered);
        for (id, links, broken) in saved {
            self.rendered[id].links = links;
            self.rendered[id].broken = broken;
        }
        if !errors.is_empty() {
            return None;
        }
        // Other pages' `#anchor` links into the changed pages must still find their heading.
        for (source, links) in self.anchors.iter().enumerate() {
            if changed.contains(&source) {
                continue;
            }
            for (target, anchor) in links {
                if changed.contains(target) && !self.rendered[*target].ids.contains(anchor) {
                    return None;
                }
            }
        }
        for &id in ids {
            self.anchors[id].clear();
        }
        for r in &body {
            if let Some(a) = &r.anchor {
                self.anchors[r.source].push((r.target, a.clone()));
            }
        }
        Some((front, body))
    }

    /// The graph with the changed pages' references replaced by `fresh` (what `Graph::new`
    /// made of their references). References are sorted by source first, so each page's run
    /// is replaced in place.
    fn merge_graph(&self, old: Graph, changed: &HashSet<PageId>, fresh: Vec<Reference>) -> Graph {
        let mut fresh = fresh.into_iter().peekable();
        let mut old = old.references.into_iter().peekable();
        let mut refs = Vec::with_capacity(old.len() + fresh.len());
        for id in 0..self.site.pages.len() {
            let keep = !changed.contains(&id);
            while let Some(r) = old.next_if(|r| r.source == id) {
                if keep {
                    refs.push(r);
                }
            }
            while let Some(r) = fresh.next_if(|r| r.source == id) {
                refs.push(r);
            }
        }
        // Still sorted and deduplicated as `Graph::new` left them: only the indexes are made
        // again, without sorting and hashing every reference.
        Graph::from_sorted(refs, self.site.pages.len())
    }

    /// Whether [`Fast::finish_pages`] has pages to render.
    pub fn pending(&self) -> bool {
        self.pending_all
    }

    /// After a change every page sees, renders the whole site (the pages `apply` rendered
    /// included); `None` when nothing is pending or rendering failed (a full build then reports
    /// the errors).
    pub fn finish_pages(&mut self, current: &Snapshot) -> Option<Snapshot> {
        if !self.pending_all {
            return None;
        }
        self.pending_all = false;
        let (outputs, errors) = render::site(&self.inputs(), &render::Keep);
        if !errors.is_empty() {
            return None;
        }
        let mut map = outputs_map(outputs);
        for path in &self.site_output_paths {
            if let Some(bytes) = current.outputs.get(path) {
                map.insert(path.clone(), bytes.clone());
            }
        }
        Some(self.snapshot(map, current))
    }

    /// The site-wide files, made again after a fast rebuild; `None` when they are current.
    pub fn site_outputs(&mut self, current: &Snapshot) -> Option<Snapshot> {
        if !self.stale {
            return None;
        }
        self.stale = false;
        let outputs = crate::site_outputs(&self.site, &self.rendered, &self.graph);
        let mut map = current.outputs.clone();
        for path in &self.site_output_paths {
            map.remove(path);
        }
        self.site_output_paths = outputs.iter().map(|o| o.path.clone()).collect();
        for o in outputs {
            map.insert(o.path, Arc::new(o.bytes));
        }
        Some(self.snapshot(map, current))
    }

    fn snapshot(&self, outputs: HashMap<String, Arc<Vec<u8>>>, current: &Snapshot) -> Snapshot {
        Snapshot {
            outputs,
            assets: current.assets.clone(),
            allow_links_outside: current.allow_links_outside,
            pages: self.site.pages.len(),
            stale: if self.stale {
                self.site_output_paths.clone()
            } else {
                BTreeSet::new()
            },
        }
    }
}
