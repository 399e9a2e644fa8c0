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
//! A site in several languages keeps one such state per language's view, made as the full
//! build makes them (`languages::split` and `languages::view`; the default language's names
//! as every other's fallback, its front-matter references resolved once and shared, since a
//! `PageId` is the same page in every view). An edited source is merged again into every
//! view (its translations may turn stale or current again; pages without a translation show
//! its text); an edited translation is merged again over its source in its own view only.
//! A page whose title or URL changed in any language is rendered again in every language
//! (`page.translations`). A translation added or removed takes a full build.
//!
//! It uses the build's own stages (`frontmatter::parse`, `languages`, `xref`,
//! `markdown::render_in`, `render::render_page`, `render::site`, [`crate::site_outputs`],
//! `feeds::sitemap`), never its own rendering.
//! Whenever anything is off the fast path, or any error appears, it returns `None` and the
//! caller does a full build (which also reports the errors exactly as `weft build` does).
//! No IO.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use minijinja::{Environment, Value};
use rayon::prelude::*;

use crate::config::Config;
use crate::data::{self, Readers};
use crate::feeds;
use crate::frontmatter::{self, FrontMatter};
use crate::i18n::Strings;
use crate::languages::{self, Translations};
use crate::load::{DataFile, StringsFile, TemplateSource};
use crate::markdown::{self, Rendered};
use crate::model::{self, Kind, PageId, Site};
use crate::render::{self, Inputs, Output, Shared, Sink};
use crate::session::Snapshot;
use crate::shortcode::Shortcodes;
use crate::templates;
use crate::translations::{Current, Languages};
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

/// One good build's intermediate state: one [`ViewState`] per language (the default first,
/// then the others in code order, as the full build makes them).
pub struct Fast {
    options: Options,
    /// Content path -> date from the repository's history (for pages without `updated`).
    dates: BTreeMap<String, String>,
    collections: BTreeSet<String>,
    templates: BTreeMap<String, TemplateSource>,
    /// The `data` global and the UI strings, for a template environment made anew.
    globals: Globals,
    /// The data files each output's templates read (filled by every render, the full build's
    /// first).
    data_readers: Arc<Readers>,
    views: Vec<ViewState>,
    /// `page.translations` and `page.original`; `None` for a site in one language.
    languages: Option<Languages>,
    /// Per other language (`views[1..]`): its translations by source path, to merge again
    /// over an edited source.
    translations: Vec<Translations>,
    /// `content/_index.md` does not exist: the home page is made up, and a new file there is
    /// a new page, not an edit.
    implicit_home: bool,
    /// Paths made by [`crate::site_outputs`] and the sitemap in the current snapshot.
    site_output_paths: BTreeSet<String>,
    /// Site outputs are stale after a fast rebuild until [`Fast::site_outputs`] runs.
    stale: bool,
}

/// One language's view of the site and what the build made of it.
struct ViewState {
    site: Site,
    /// The view's own names (a translation's title, `also_known_as`); the default language's
    /// are the fallback ([`Ctx::default`]).
    names: Names,
    /// Per page, where its relative URLs lead from, when not from its own URL (a translation's
    /// view: the default language's page, where its files are).
    files_urls: Option<Vec<String>>,
    rendered: Vec<Rendered>,
    /// Per page, the data files its Markdown's shortcodes read.
    markdown_reads: Vec<data::Reads>,
    /// Per source page: its body links that carry an `#anchor`, as (target, anchor).
    anchors: Vec<Vec<(PageId, String)>>,
    graph: Graph,
    env: Environment<'static>,
    reads: Reads,
    shared: Option<Shared>,
    /// Pages besides those `apply` rendered must be rendered again.
    pending_all: bool,
}

/// What one view's rebuild reads besides its own state.
#[derive(Clone, Copy)]
struct Ctx<'a> {
    templates: &'a BTreeMap<String, TemplateSource>,
    serve: bool,
    languages: Option<Current<'a>>,
    /// For a view other than the default language's, the default's: its names are the
    /// fallback, and its front-matter references hold in every view (typed once, resolved once).
    default: Option<&'a ViewState>,
    data_readers: &'a Readers,
}

/// Outputs to render again besides those an edit of content reaches: after a data change,
/// those whose templates read a changed data file.
#[derive(Default)]
pub struct Due {
    /// (view index, page).
    pages: BTreeSet<(usize, PageId)>,
    /// Views whose 404 or search page is due.
    standalone: BTreeSet<usize>,
}

impl Due {
    pub fn is_empty(&self) -> bool {
        self.pages.is_empty() && self.standalone.is_empty()
    }
}

/// What a view's edit calls for: the pages patched, and the pages to render again.
#[derive(Default)]
struct Plan {
    patched: Vec<PageId>,
    render: BTreeSet<PageId>,
}

/// The changed files, read: the default language's new documents, and per other language the
/// pages to merge again (an edited source or translation).
struct Changes {
    sources: Vec<(PageId, model::Parsed)>,
    remerge: Vec<BTreeSet<PageId>>,
}

impl Fast {
    /// Prepares the state from the files in memory with the build's stages (split into
    /// languages as the full build splits them); `None` when the site has errors (the full
    /// build reports them).
    pub fn new(
        mut config: Config,
        documents: &BTreeMap<String, String>,
        templates: &BTreeMap<String, TemplateSource>,
        (data, strings, dates): (&[DataFile], &[StringsFile], &BTreeMap<String, String>),
        options: &Options,
        (current, data_readers): (Arc<Snapshot>, Arc<Readers>),
    ) -> Option<Fast> {
        if let Some(url) = &options.base_url {
            config.set_base_url(url);
        }
        let collections: BTreeSet<String> = config.collections.keys().cloned().collect();
        let parsed = parse_all(documents, (&collections, dates), options)?;
        let (data, data_errors) = crate::data::parse(data);
        let others: Vec<String> = config
            .other_languages()
            .map(|(code, _)| code.to_string())
            .collect();
        let (strings, string_errors, _) = Strings::new(strings, &config.language, &others);
        if !data_errors.is_empty() || !string_errors.is_empty() {
            return None;
        }
        let globals = Globals { data, strings };
        let (split, errors) = languages::split(parsed, &config);
        if !errors.is_empty() {
            return None;
        }
        let sites = views_of(&config, split.sources, &split.translations)?;
        let (names, errors) = Names::new(&sites[0]);
        if !errors.is_empty() {
            return None;
        }
        let (front, errors) = xref::front_matter_references(&sites[0], &names);
        if !errors.is_empty() {
            return None;
        }
        let views = view_states(sites, names, front, (templates, &globals))?;
        let sites: Vec<&Site> = views.iter().map(|v| &v.site).collect();
        let languages = Languages::new(&sites);
        let site_output_paths = all_site_outputs(&views)
            .into_iter()
            .map(|o| o.path)
            .collect();
        // The state must describe what is being served.
        if current.pages != views[0].site.pages.len() * views.len() {
            return None;
        }
        let mut fast = Fast {
            options: options.clone(),
            dates: dates.clone(),
            collections,
            templates: templates.clone(),
            globals,
            data_readers,
            views,
            languages,
            translations: split.translations.into_values().collect(),
            implicit_home: !documents.contains_key("_index.md"),
            site_output_paths,
            stale: false,
        };
        for index in 0..fast.views.len() {
            let shared = Shared::new(&fast.views[index].inputs(fast.ctx(index)));
            fast.views[index].shared = Some(shared);
        }
        Some(fast)
    }

    /// What view `index` reads besides its own state (the default's is not given here).
    fn ctx(&self, index: usize) -> Ctx<'_> {
        Ctx {
            templates: &self.templates,
            serve: self.options.serve,
            languages: self.languages.as_ref().map(|l| l.current(index)),
            default: None,
            data_readers: &self.data_readers,
        }
    }

    /// Takes the site's templates again when only shortcode templates changed: the template
    /// environments are made anew, and the content paths of the pages calling a changed
    /// shortcode (in any language: a translation's own file) are returned, to be rendered again
    /// as if edited. `None` (nothing changed here) when anything else changed (another
    /// template, a template added or removed, a template naming a changed shortcode's file, as
    /// an include does) or the templates have errors: the caller then builds the whole site,
    /// which reports them.
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
        let mut envs = Vec::with_capacity(self.views.len());
        for view in &self.views {
            let env = view_env(templates, &view.site, &self.globals)?;
            if !Shortcodes::new(&env, templates).1.is_empty() {
                return None;
            }
            envs.push(env);
        }
        let mut calling = BTreeSet::new();
        for (view, env) in self.views.iter_mut().zip(envs) {
            view.reads = Reads::of(&env, templates.keys().cloned());
            view.env = env;
            calling.extend(view.calling(&names));
        }
        self.templates = templates.clone();
        Some(calling.into_iter().collect())
    }

    /// Takes changed data files: `files` are all of them now, `changed` the names of those that
    /// changed, came or went. The `data` global and the template environments are made anew;
    /// returns the content files whose Markdown read a changed file (its shortcodes: they are
    /// rendered again as if edited) and the outputs whose templates read one, for
    /// [`Fast::apply`]. `None` when a data file has errors, or the templates with the new data
    /// (the caller builds the whole site, which reports them).
    pub fn replace_data(
        &mut self,
        files: &[DataFile],
        changed: &BTreeSet<String>,
    ) -> Option<(Vec<String>, Due)> {
        let (value, errors) = data::parse(files);
        if !errors.is_empty() {
            return None;
        }
        self.globals.data = value;
        let mut envs = Vec::with_capacity(self.views.len());
        for view in &self.views {
            let env = view_env(&self.templates, &view.site, &self.globals)?;
            if !Shortcodes::new(&env, &self.templates).1.is_empty() {
                return None;
            }
            envs.push(env);
        }
        let mut edited = BTreeSet::new();
        for (view, env) in self.views.iter_mut().zip(envs) {
            view.env = env;
            // Partials rendered once and reused may show the old data.
            view.shared.as_mut()?.forget_partials();
            edited.extend(view.reading_data(changed));
        }
        Some((edited.into_iter().collect(), self.due(changed)))
    }

    /// The outputs whose templates read one of the data files `changed`.
    fn due(&self, changed: &BTreeSet<String>) -> Due {
        let reading: BTreeSet<String> = self.data_readers.reading(changed).into_iter().collect();
        let mut due = Due::default();
        for (index, view) in self.views.iter().enumerate() {
            for page in &view.site.pages {
                if reading.contains(&page.output_path()) {
                    due.pages.insert((index, page.id));
                }
            }
            let prefix = &view.site.lang_prefix;
            let standalone = ["404.html", "search/index.html"];
            if standalone
                .iter()
                .any(|p| reading.contains(&format!("{prefix}{p}")))
            {
                due.standalone.insert(index);
            }
        }
        due
    }

    /// Applies changed content files (`None`: removed), and renders what is `due` besides.
    /// Returns the new snapshot and how many pages were rendered (in every language), or
    /// `None` when a full build is needed; the state is then unusable. Site-wide files
    /// ([`crate::site_outputs`], the sitemap) are left as they were: call
    /// [`Fast::site_outputs`] next.
    pub fn apply(
        &mut self,
        changed: &[(String, Option<&String>)],
        due: Due,
        current: &Snapshot,
    ) -> Option<(Snapshot, usize)> {
        let changes = self.read(changed)?;
        let plans = self.prepare(changes)?;
        // A page's title or URL in any language shows on its page in every language.
        let everywhere = self.update_languages(&plans);
        let mut pages: Vec<(usize, PageId)> = Vec::new();
        for (index, plan) in plans.into_iter().enumerate() {
            let mut ids = plan.render;
            ids.extend(&everywhere);
            ids.extend(
                due.pages
                    .iter()
                    .filter(|(i, _)| *i == index)
                    .map(|(_, id)| id),
            );
            pages.extend(ids.into_iter().map(|id| (index, id)));
        }
        let mut outputs = self.render(&pages)?;
        outputs.extend(self.render_standalone(&due.standalone)?);
        let rendered = pages.len() + due.standalone.len();
        let mut map = current.outputs.clone();
        for o in outputs {
            map.insert(o.path, Arc::new(o.bytes));
        }
        self.stale = true;
        Some((self.snapshot(map, current), rendered))
    }

    /// The 404 and search pages of the views `views`; `None` on any error.
    fn render_standalone(&self, views: &BTreeSet<usize>) -> Option<Vec<Output>> {
        let mut outputs = Vec::new();
        for &index in views {
            let view = &self.views[index];
            let inputs = view.inputs(self.ctx(index));
            for result in render::standalone_pages(&inputs, view.shared.as_ref()?) {
                outputs.extend(render::Keep.put(result.ok()?).ok()?);
            }
        }
        Some(outputs)
    }

    /// Reads the changed files into the default language's documents and the other languages'
    /// translations. `None` for what is off the fast path: a file removed or new (a page or a
    /// translation), a translation turned draft or setting references, or a file a full build
    /// rejects (a language site.toml does not declare).
    fn read(&mut self, changed: &[(String, Option<&String>)]) -> Option<Changes> {
        let others = self.views.len() - 1;
        let mut changes = Changes {
            sources: Vec::new(),
            remerge: vec![BTreeSet::new(); others],
        };
        for (path, text) in changed {
            let text = (*text)?;
            let doc = self.parse(path, text)?;
            match self.role(path)? {
                Role::Source => {
                    if self.implicit_home && path == "_index.md" {
                        return None;
                    }
                    let &id = self.views[0].site.by_path.get(path)?;
                    changes.sources.push((id, doc));
                    for pages in &mut changes.remerge {
                        pages.insert(id);
                    }
                }
                Role::Translation { index, source } => {
                    let draft = doc.front_matter.draft && !self.options.drafts;
                    if draft || !doc.front_matter.references.is_empty() {
                        return None;
                    }
                    let &id = self.views[0].site.by_path.get(&source)?;
                    *self.translations[index - 1].get_mut(&source)? = doc;
                    changes.remerge[index - 1].insert(id);
                }
            }
        }
        Some(changes)
    }

    /// A content file parsed as the full build parses it (its date from the history).
    fn parse(&self, path: &str, text: &str) -> Option<model::Parsed> {
        let shown = format!("content/{path}");
        let mut parsed = frontmatter::parse(&shown, text, &self.collections).ok()?;
        crate::date_from_history(&mut parsed.front_matter, &self.dates, path);
        Some(model::Parsed {
            path: path.to_string(),
            text: text.to_string(),
            front_matter: parsed.front_matter,
            body_offset: parsed.body_offset,
            origin: model::Origin::Original,
        })
    }

    /// Whether `path` is a source or a translation, as `languages::split` decides; `None` for
    /// a file it rejects.
    fn role(&self, path: &str) -> Option<Role> {
        let Some((source, code)) = languages::translation_of(path) else {
            return Some(Role::Source);
        };
        let config = &self.views[0].site.config;
        if let Some(index) = self.views.iter().skip(1).position(|v| v.site.lang == code) {
            return Some(Role::Translation {
                index: index + 1,
                source,
            });
        }
        (code != config.language && code.len() != 2).then_some(Role::Source)
    }

    /// Patches every view: the default language's first, whose front-matter references the
    /// others reuse, then each other language's pages merged again over their sources.
    fn prepare(&mut self, changes: Changes) -> Option<Vec<Plan>> {
        let mut plans = Vec::with_capacity(self.views.len());
        let (first, rest) = self.views.split_at_mut(1);
        let languages = self.languages.as_ref();
        let base = Ctx {
            templates: &self.templates,
            serve: self.options.serve,
            languages: languages.map(|l| l.current(0)),
            default: None,
            data_readers: &self.data_readers,
        };
        plans.push(first[0].prepare(changes.sources, base)?);
        let default = &first[0];
        for (i, view) in rest.iter_mut().enumerate() {
            let docs = changes.remerge[i]
                .iter()
                .map(|&id| {
                    let source = source_document(&default.site, id);
                    let translation = self.translations[i].get(&source.path);
                    let prefix = &view.site.lang_prefix;
                    (id, languages::view_page(&source, translation, prefix))
                })
                .collect();
            let ctx = Ctx {
                languages: languages.map(|l| l.current(i + 1)),
                default: Some(default),
                ..base
            };
            plans.push(view.prepare(docs, ctx)?);
        }
        Some(plans)
    }

    /// Brings `page.translations` and `page.original` of the patched pages up to date; returns
    /// the pages where they changed, to be rendered again in every language.
    fn update_languages(&mut self, plans: &[Plan]) -> BTreeSet<PageId> {
        let Some(languages) = self.languages.as_mut() else {
            return BTreeSet::new();
        };
        let sites: Vec<&Site> = self.views.iter().map(|v| &v.site).collect();
        let patched: BTreeSet<PageId> = plans.iter().flat_map(|p| p.patched.clone()).collect();
        patched
            .into_iter()
            .filter(|&id| languages.update(&sites, id))
            .collect()
    }

    /// Renders pages (view index, page id) of any view, in parallel; kept in memory as
    /// `render::Keep` keeps a full build's outputs. `None` on any error.
    fn render(&self, pages: &[(usize, PageId)]) -> Option<Vec<Output>> {
        let inputs: Vec<Inputs<'_>> = (0..self.views.len())
            .map(|index| self.views[index].inputs(self.ctx(index)))
            .collect();
        let outputs: Vec<Option<Vec<Output>>> = pages
            .par_iter()
            .map(|&(index, id)| {
                let shared = self.views[index].shared.as_ref()?;
                let pages = render::render_page(&inputs[index], shared, id).ok()?;
                pages
                    .into_iter()
                    .map(|o| render::Keep.put(o).ok()?)
                    .collect()
            })
            .collect();
        let outputs = outputs.into_iter().collect::<Option<Vec<_>>>()?;
        Some(outputs.into_iter().flatten().collect())
    }

    /// Whether [`Fast::finish_pages`] has pages to render.
    pub fn pending(&self) -> bool {
        self.views.iter().any(|v| v.pending_all)
    }

    /// After a change every page of a view sees, renders those views whole (the pages `apply`
    /// rendered included); returns the snapshot and how many pages were rendered, or `None`
    /// when nothing is pending or rendering failed (a full build then reports the errors).
    pub fn finish_pages(&mut self, current: &Snapshot) -> Option<(Snapshot, usize)> {
        if !self.pending() {
            return None;
        }
        // The same paths as before (no page came or went), so each is replaced in place.
        let mut map = current.outputs.clone();
        let mut rendered = 0;
        for index in 0..self.views.len() {
            if !std::mem::take(&mut self.views[index].pending_all) {
                continue;
            }
            rendered += self.views[index].site.pages.len();
            let inputs = self.views[index].inputs(self.ctx(index));
            let (outputs, errors) = render::site(&inputs, &render::Keep);
            if !errors.is_empty() {
                return None;
            }
            for o in outputs {
                map.insert(o.path, Arc::new(o.bytes));
            }
        }
        Some((self.snapshot(map, current), rendered))
    }

    /// The site-wide files, made again after a fast rebuild; `None` when they are current.
    pub fn site_outputs(&mut self, current: &Snapshot) -> Option<Snapshot> {
        if !self.stale {
            return None;
        }
        self.stale = false;
        let outputs = all_site_outputs(&self.views);
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
            pages: self.views[0].site.pages.len() * self.views.len(),
            stale: if self.stale {
                self.site_output_paths.clone()
            } else {
                BTreeSet::new()
            },
        }
    }
}

/// What a changed content file is to the site.
enum Role {
    Source,
    /// A translation into the language of `views[index]`, of the page at `source`.
    Translation {
        index: usize,
        source: String,
    },
}

/// Every content file parsed (drafts left out unless wanted), with its date from the history;
/// `None` when one has errors.
fn parse_all(
    documents: &BTreeMap<String, String>,
    (collections, dates): (&BTreeSet<String>, &BTreeMap<String, String>),
    options: &Options,
) -> Option<Vec<model::Parsed>> {
    let parsed: Vec<Option<model::Parsed>> = documents
        .par_iter()
        .map(|(path, text)| {
            let mut p = frontmatter::parse(&format!("content/{path}"), text, collections).ok()?;
            crate::date_from_history(&mut p.front_matter, dates, path);
            Some(model::Parsed {
                path: path.clone(),
                text: text.clone(),
                front_matter: p.front_matter,
                body_offset: p.body_offset,
                origin: model::Origin::Original,
            })
        })
        .collect();
    let parsed = parsed.into_iter().collect::<Option<Vec<_>>>()?;
    let wanted = |p: &model::Parsed| options.drafts || !p.front_matter.draft;
    Some(parsed.into_iter().filter(wanted).collect())
}

/// Every language's view of the site, the default first, as the full build makes them;
/// `None` on any error.
fn views_of(
    config: &Config,
    sources: Vec<model::Parsed>,
    translations: &BTreeMap<String, Translations>,
) -> Option<Vec<Site>> {
    let other_docs: Vec<(&String, Vec<model::Parsed>)> = translations
        .iter()
        .map(|(code, t)| (code, languages::view(&sources, t, &format!("{code}/"))))
        .collect();
    let (site, errors) = Site::new(config.clone(), sources);
    let mut sites = vec![site];
    if !errors.is_empty() {
        return None;
    }
    for (code, docs) in other_docs {
        let (view, errors) = Site::in_language(config.clone(), docs, code);
        if !errors.is_empty() {
            return None;
        }
        sites.push(view);
    }
    Some(sites)
}

/// Each view's state: its names (another language's own, with the default's as fallback),
/// Markdown, body references and graph, with the default language's front-matter references.
fn view_states(
    sites: Vec<Site>,
    names: Names,
    front: Vec<Reference>,
    sources: (&BTreeMap<String, TemplateSource>, &Globals),
) -> Option<Vec<ViewState>> {
    let mut sites = sites.into_iter();
    let default = sites.next()?;
    let others: Vec<Site> = sites.collect();
    // Another language's relative URLs lead from the default language's page (its files).
    let default_urls: Vec<String> = (0..default.pages.len()).map(|id| default.url(id)).collect();
    let mut views = Vec::with_capacity(1 + others.len());
    let front_for_others = (!others.is_empty()).then(|| front.clone());
    views.push(ViewState::new(default, names, None, front, sources, None)?);
    for site in others {
        let (own, errors) = Names::new(&site);
        if !errors.is_empty() {
            return None;
        }
        let front = front_for_others.clone()?;
        let files_urls = Some(default_urls.clone());
        let fallback = Some(&views[0].names);
        let view = ViewState::new(site, own, files_urls, front, sources, fallback)?;
        views.push(view);
    }
    Some(views)
}

/// What every view's template environment is given besides its URLs and language.
struct Globals {
    data: Value,
    strings: Arc<Strings>,
}

/// A view's template environment, as the full build makes it: its URLs, the UI strings, the
/// `data` and `lang` globals. `None` when the templates have errors.
fn view_env(
    templates: &BTreeMap<String, TemplateSource>,
    site: &Site,
    globals: &Globals,
) -> Option<Environment<'static>> {
    let urls: HashMap<String, String> = site
        .pages
        .iter()
        .map(|p| (p.path.clone(), site.url(p.id)))
        .collect();
    let (mut env, errors) =
        templates::environment(templates, urls, site.base_path(), &globals.strings);
    if !errors.is_empty() {
        return None;
    }
    // Before the shortcodes, which may read them too.
    env.add_global("data", globals.data.clone());
    env.add_global("lang", site.lang.as_str());
    Some(env)
}

/// The content file a page of a view is edited in: a translation's own, or its source's.
fn file_of(page: &model::Page) -> String {
    match &page.origin {
        model::Origin::Translation { file, .. } => file.clone(),
        _ => page.path.clone(),
    }
}

/// The default language's document of page `id`, from its view (to merge a translation over).
fn source_document(site: &Site, id: PageId) -> model::Parsed {
    let page = site.page(id);
    model::Parsed {
        path: page.path.clone(),
        text: page.text.clone(),
        front_matter: page.front_matter.clone(),
        body_offset: page.body_offset,
        origin: page.origin.clone(),
    }
}

/// The site-wide files of every view, and in a site of several languages the one sitemap of
/// them all (as the full build makes them).
fn all_site_outputs(views: &[ViewState]) -> Vec<Output> {
    let mut outputs = Vec::new();
    for view in views {
        outputs.extend(crate::site_outputs(&view.site, &view.rendered, &view.graph));
    }
    if views.len() > 1 {
        let sites: Vec<&Site> = views.iter().map(|v| &v.site).collect();
        outputs.extend(feeds::sitemap(&sites));
    }
    outputs
}

impl ViewState {
    /// A view's state from its site model: the template environment, the Markdown of every
    /// page (names the view's own, then `fallback`'s), body references and the graph; `None` on
    /// any error. The shared template values are made once every view exists.
    fn new(
        site: Site,
        names: Names,
        files_urls: Option<Vec<String>>,
        front: Vec<Reference>,
        (templates, globals): (&BTreeMap<String, TemplateSource>, &Globals),
        fallback: Option<&Names>,
    ) -> Option<ViewState> {
        let env = view_env(templates, &site, globals)?;
        let (shortcodes, errors) = Shortcodes::new(&env, templates);
        if !errors.is_empty() {
            return None;
        }
        let linker = Linker {
            site: &site,
            names: &names,
            fallback,
        };
        let (rendered, markdown_reads): (Vec<Rendered>, Vec<data::Reads>) = site
            .pages
            .par_iter()
            .map(|p| {
                let url = site.url(p.id);
                let files_url = files_urls.as_ref().map_or(url.as_str(), |u| &u[p.id]);
                data::tracked(|| {
                    markdown::render_in(p.body(), (&url, files_url), &linker, &shortcodes)
                })
            })
            .unzip();
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
        Some(ViewState {
            site,
            names,
            files_urls,
            rendered,
            markdown_reads,
            anchors,
            graph,
            env,
            reads,
            shared: None,
            pending_all: false,
        })
    }

    fn inputs<'a>(&'a self, ctx: Ctx<'a>) -> Inputs<'a> {
        Inputs {
            site: &self.site,
            graph: &self.graph,
            rendered: &self.rendered,
            env: &self.env,
            sources: ctx.templates,
            serve: ctx.serve,
            languages: ctx.languages,
            data_readers: ctx.data_readers,
        }
    }

    /// The files of the pages calling one of the shortcodes `names` (a translation's own).
    fn calling<'a>(&'a self, names: &'a [&str]) -> impl Iterator<Item = String> + 'a {
        let calling = self.site.pages.iter().filter(move |p| {
            let called = &self.rendered[p.id].shortcodes;
            called.iter().any(|s| names.contains(&s.as_str()))
        });
        calling.map(file_of)
    }

    /// The files of the pages whose Markdown read one of the data files `names` (through a
    /// shortcode).
    fn reading_data<'a>(
        &'a self,
        names: &'a BTreeSet<String>,
    ) -> impl Iterator<Item = String> + 'a {
        let reading = (self.site.pages.iter()).filter(|p| self.markdown_reads[p.id].any_of(names));
        reading.map(file_of)
    }

    /// Patches this view's changed pages (`updates`: their new documents, in this view's
    /// language), recomputes their references and the graph, and brings the shared template
    /// values up to date; returns the pages whose context changed, to be rendered (when every
    /// page's did, only those served first, and `pending_all` is set). `None` when a change is
    /// off the fast path or any error appears.
    fn prepare(&mut self, updates: Vec<(PageId, model::Parsed)>, ctx: Ctx<'_>) -> Option<Plan> {
        if updates.is_empty() {
            return Some(Plan::default());
        }
        let patched = self.patch(updates)?;
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
        let (front, body) = self.relink(&ids, &changed_set, ctx)?;
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
        // `Shared::new` would give: the randomized tests compare with full builds). Field by
        // field rather than `self.inputs()`, so `self.shared` stays free to update.
        let inputs = Inputs {
            site: &self.site,
            graph: &self.graph,
            rendered: &self.rendered,
            env: &self.env,
            sources: ctx.templates,
            serve: ctx.serve,
            languages: ctx.languages,
            data_readers: ctx.data_readers,
        };
        let shared = self.shared.as_mut()?;
        shared.update(&inputs, &summary_changed, &dirty_entities);
        Some(Plan {
            patched: ids,
            render: render_set,
        })
    }

    fn outgoing(&self, id: PageId) -> impl Iterator<Item = &Reference> {
        self.graph.outgoing[id]
            .iter()
            .map(|&i| &self.graph.references[i])
    }

    /// Puts the changed pages' documents into the site; `None` when a change is off the fast
    /// path (a page whose place in the site moved). Returns the changed pages with their
    /// previous front matter.
    fn patch(
        &mut self,
        updates: Vec<(PageId, model::Parsed)>,
    ) -> Option<Vec<(PageId, FrontMatter)>> {
        let mut reorder = BTreeSet::new();
        for (id, doc) in &updates {
            let page = &self.site.pages[*id];
            let (fm, old) = (&doc.front_matter, &page.front_matter);
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
        }
        let mut old = Vec::with_capacity(updates.len());
        for (id, doc) in updates {
            let page = &mut self.site.pages[id];
            page.text = doc.text;
            page.body_offset = doc.body_offset;
            // A translation turns stale, or current again, with its source's edits.
            page.origin = doc.origin;
            old.push((
                id,
                std::mem::replace(&mut page.front_matter, doc.front_matter),
            ));
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

    /// The changed pages' front-matter references: resolved here in the default language's
    /// view; in another's, the default's (references are typed once, on the source).
    fn front_references(
        &mut self,
        changed: &HashSet<PageId>,
        ctx: Ctx<'_>,
    ) -> Option<Vec<Reference>> {
        if let Some(default) = ctx.default {
            let mut ids: Vec<PageId> = changed.iter().copied().collect();
            ids.sort_unstable();
            let front = ids.iter().flat_map(|&id| default.outgoing(id));
            return Some(front.filter(|r| r.key != "body").cloned().collect());
        }
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
        errors.is_empty().then_some(front)
    }

    /// Resolves the changed pages' references and renders their Markdown; `None` on any
    /// error (a broken reference, link or anchor, here or in a page linking to them).
    /// Returns their front-matter and body references.
    fn relink(
        &mut self,
        ids: &[PageId],
        changed: &HashSet<PageId>,
        ctx: Ctx<'_>,
    ) -> Option<(Vec<Reference>, Vec<Reference>)> {
        let front = self.front_references(changed, ctx)?;
        let linker = Linker {
            site: &self.site,
            names: &self.names,
            fallback: ctx.default.map(|d| &d.names),
        };
        // The templates are those of the last full build, whose shortcodes had no errors.
        let (shortcodes, _) = Shortcodes::new(&self.env, ctx.templates);
        let fresh: Vec<(PageId, (Rendered, data::Reads))> = ids
            .par_iter()
            .map(|&id| {
                let page = &self.site.pages[id];
                let url = self.site.url(id);
                let files_url = self.files_urls.as_ref().map_or(url.as_str(), |u| &u[id]);
                let body = page.body();
                let r = data::tracked(|| {
                    markdown::render_in(body, (&url, files_url), &linker, &shortcodes)
                });
                (id, r)
            })
            .collect();
        drop(shortcodes);
        for (id, (r, reads)) in fresh {
            self.rendered[id] = r;
            self.markdown_reads[id] = reads;
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
}
