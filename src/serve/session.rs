//! A site kept in memory between rebuilds, for `weft serve`.
//!
//! A [`Session`] holds every input file it has read (content text, templates, the asset list)
//! and the last good build's outputs. [`Session::apply`] takes a [`ChangeSet`] from the watcher,
//! re-reads only the changed content files (or data files: a change under `data/` re-reads
//! `data/` only), and rebuilds:
//! - through the fast path in `incremental` when only existing pages changed and nothing that
//!   shapes the site moved (slugs, names, aliases, drafts; titles, weights and dates of
//!   sections and entities): those pages are re-parsed, references and backlinks recomputed,
//!   and only the pages whose HTML can change are rendered again (when every page's context
//!   changed, the directly affected pages are handed to the caller first, then all are);
//!   In a site of several languages this holds in every language at once: an edit of a
//!   translation renders its page in that language, an edit of a source its page in every
//!   language (translations marked stale or current again, pages falling back to it);
//! - otherwise through [`crate::build_files`] itself, from the files in memory.
//!
//! Either way the outputs are exactly the bytes a fresh `weft build` with the same options
//! writes (a randomized test holds this); there is no second rendering path. After a fast
//! rebuild the site-wide files (search index, feeds, sitemap, graph) are made again only by
//! [`Session::complete`], which the server calls when one is asked for. This module does
//! not watch, serve or write to the output folder; it reads only files the change set names,
//! or the whole site when config, templates or the file tree changed. When only shortcode
//! templates changed, only the pages calling them are rendered again (through the fast path).
//! When data files changed, only the outputs that read one of them (`data.NAME`, or tested
//! `"NAME" in data`) in their templates are rendered again, and the pages whose shortcodes read
//! one go through the fast path as if edited (`crate::data::Readers`); a data file with an
//! error, or a change of the UI strings, builds the whole site.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::data::{self, Readers};
use crate::error::{Error, Errors};
use crate::incremental::{Due, Fast};
use crate::load::{self, Asset, DataFile, Document, SiteFiles, StringsFile, TemplateSource};
use crate::render::Output;
use crate::watch::ChangeSet;
use crate::{config::Config, Options};

/// One built state of the site, as served: outputs by path, and the files copied as they are.
#[derive(Debug, Default)]
pub struct Snapshot {
    /// Output path (`countries/kenya/index.html`) -> bytes.
    pub outputs: HashMap<String, Arc<Vec<u8>>>,
    /// Output path -> file copied as it is (outputs win on the same path).
    pub assets: BTreeMap<String, Asset>,
    /// Content pages (home and sections included).
    pub pages: usize,
    /// Site-wide outputs (search index, feeds, sitemap, graph) out of date after a fast
    /// rebuild until [`Session::complete`] makes them again; the server makes them on demand.
    pub stale: BTreeSet<String>,
    /// `allow_links_outside` of the site.toml this snapshot was built from: the server reads
    /// assets under the rule the build listed them by (`load::Boundary`).
    pub allow_links_outside: bool,
}

/// What a rebuild did.
#[derive(Clone, Debug, Default)]
pub struct Update {
    /// Output paths whose bytes changed or which are new.
    pub changed: Vec<String>,
    /// Output paths that are gone.
    pub removed: Vec<String>,
    /// Pages rendered by this rebuild.
    pub rendered: usize,
    /// `true` for a full build, `false` for the fast path.
    pub full: bool,
    pub took: Duration,
}

/// The site in memory. See the module documentation.
pub struct Session {
    root: PathBuf,
    options: Options,
    config: Option<Config>,
    templates: BTreeMap<String, TemplateSource>,
    assets: BTreeMap<String, Asset>,
    /// The files under `data/`.
    data: Vec<DataFile>,
    /// The UI strings under the theme's and the site's `i18n/`.
    strings: Vec<StringsFile>,
    /// Content path -> last-updated date from the repository's history (read once, at start
    /// and on every full reload).
    dates: BTreeMap<String, String>,
    /// Content path (`a/b.md`) -> text, for every readable Markdown file.
    documents: BTreeMap<String, String>,
    /// Content path -> why it could not be read.
    read_errors: BTreeMap<String, Error>,
    /// Load errors not tied to one content file (templates, folders).
    other_errors: Vec<Error>,
    current: Arc<Snapshot>,
    /// The data files each output of the last full build read (for the fast path's state).
    data_readers: Arc<Readers>,
    fast: Option<Fast>,
}

impl Session {
    /// Reads the site at `root` (nothing is built yet: call [`Session::rebuild_all`]).
    pub fn open(root: &Path, options: Options) -> Session {
        let mut session = Session {
            root: root.to_path_buf(),
            options,
            config: None,
            templates: BTreeMap::new(),
            assets: BTreeMap::new(),
            data: Vec::new(),
            strings: Vec::new(),
            dates: BTreeMap::new(),
            documents: BTreeMap::new(),
            read_errors: BTreeMap::new(),
            other_errors: Vec::new(),
            current: Arc::new(Snapshot::default()),
            data_readers: Arc::default(),
            fast: None,
        };
        session.reload();
        session
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The last good build (empty before the first one).
    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.current.clone()
    }

    /// Reads every input again.
    fn reload(&mut self) {
        self.fast = None;
        self.read_errors.clear();
        self.other_errors.clear();
        self.documents.clear();
        let config = match load::config(&self.root) {
            Ok(c) => c,
            Err(e) => {
                self.config = None;
                self.other_errors.push(e);
                return;
            }
        };
        let (files, errors) = load::site(&self.root, config);
        self.install(files, errors);
    }

    /// Takes a whole read of the site as the files in memory.
    fn install(&mut self, files: SiteFiles, errors: Vec<Error>) {
        self.fast = None;
        self.read_errors.clear();
        self.other_errors.clear();
        for e in errors {
            match content_path_of(&e) {
                Some(rel) => {
                    self.read_errors.insert(rel, e);
                }
                None => self.other_errors.push(e),
            }
        }
        self.documents = files
            .documents
            .into_iter()
            .map(|d| (d.path, d.text))
            .collect();
        self.config = Some(files.config);
        self.templates = files.templates;
        self.assets = files.assets;
        self.data = files.data;
        self.strings = files.strings;
        self.dates = files.dates;
    }

    /// Re-reads one content file (or forgets it when it is gone or no longer a file).
    fn reread(&mut self, rel: &str) {
        self.read_errors.remove(rel);
        let dir = self.root.join("content");
        let path = dir.join(rel);
        // Gone, or now a folder: forgotten. Anything else passes the rule a full load applies
        // (a link leaving the site, a FIFO: errors), so build and serve agree.
        if std::fs::symlink_metadata(&path).is_err() || path.is_dir() {
            self.documents.remove(rel);
            return;
        }
        if let Some(config) = &self.config {
            let boundary = load::Boundary::new(&self.root, config);
            if let Err(e) = boundary.check_file(&path, &format!("content/{rel}")) {
                self.documents.remove(rel);
                self.read_errors.insert(rel.to_string(), e);
                return;
            }
        }
        match load::read_document(&dir, rel.to_string()) {
            Ok(doc) => {
                self.documents.insert(doc.path, doc.text);
            }
            Err(e) => {
                self.documents.remove(rel);
                self.read_errors.insert(rel.to_string(), e);
            }
        }
    }

    /// Builds everything from the files in memory, through [`crate::build_files`].
    pub fn rebuild_all(&mut self) -> Result<Update, Errors> {
        let start = Instant::now();
        self.fast = None;
        let Some(config) = self.config.clone() else {
            return Err(Errors::sorted(self.other_errors.clone()));
        };
        let files = SiteFiles {
            config,
            documents: self
                .documents
                .iter()
                .map(|(path, text)| Document {
                    path: path.clone(),
                    text: text.clone(),
                })
                .collect(),
            templates: self.templates.clone(),
            assets: self.assets.clone(),
            data: self.data.clone(),
            strings: self.strings.clone(),
            dates: self.dates.clone(),
            warnings: Vec::new(),
        };
        let mut errors: Vec<Error> = self.read_errors.values().cloned().collect();
        errors.extend(self.other_errors.iter().cloned());
        let build = crate::build_files(files, errors, &self.options)?;
        let rendered = build.page_count();
        self.data_readers = Arc::new(build.data_readers);
        let next = Snapshot {
            outputs: outputs_map(build.outputs),
            assets: build.assets,
            pages: rendered,
            stale: BTreeSet::new(),
            allow_links_outside: build.site.config.allow_links_outside,
        };
        let mut update = self.swap(next);
        update.rendered = rendered;
        update.full = true;
        update.took = start.elapsed();
        Ok(update)
    }

    /// Applies what the watcher saw and rebuilds what it touched. When a fast rebuild renders
    /// the directly affected pages first, `early` is called with that intermediate state (the
    /// server serves and announces it) before the rest of the site is rendered.
    pub fn apply(
        &mut self,
        changes: &ChangeSet,
        early: &mut dyn FnMut(Arc<Snapshot>, &Update),
    ) -> Result<Update, Errors> {
        let only_templates = changes.templates
            && !(changes.config || changes.data || changes.content_tree || changes.static_created)
            && changes.content.is_empty();
        if only_templates {
            match self.apply_shortcode_change(early) {
                Ok(update) => return Ok(update),
                Err(Reread::Done) => {
                    self.settle();
                    return self.rebuild_all();
                }
                Err(Reread::Needed) => {}
            }
        }
        let only_data = changes.data
            && !(changes.config || changes.templates || changes.content_tree)
            && !changes.static_created;
        if only_data {
            match self.apply_data_change(&changes.content, early) {
                Ok(update) => return Ok(update),
                Err(Reread::Done) => {
                    self.settle();
                    return self.rebuild_all();
                }
                Err(Reread::Needed) => {}
            }
        }
        if changes.config
            || changes.templates
            || changes.data
            || changes.content_tree
            || changes.static_created
        {
            self.reload();
            self.settle();
            return self.rebuild_all();
        }
        for rel in &changes.content {
            self.reread(rel);
        }
        if changes.content.is_empty() {
            return Ok(Update::default());
        }
        let start = Instant::now();
        if let Some(fast) = self.fast.as_mut() {
            let changed: Vec<(String, Option<&String>)> = changes
                .content
                .iter()
                .map(|p| (p.clone(), self.documents.get(p)))
                .collect();
            let clean = self.read_errors.is_empty() && self.other_errors.is_empty();
            let applied = fast.apply(&changed, Due::default(), &self.current);
            if let Some((next, rendered)) = applied.filter(|_| clean) {
                if let Some(update) = self.serve_fast(next, rendered, start, early) {
                    return Ok(update);
                }
            }
            self.fast = None;
        }
        self.settle();
        self.rebuild_all()
    }

    /// Makes a fast rebuild's pages current; when every page is due, serves the directly
    /// affected ones first (`early`) and renders the rest. `None` when that last step fails.
    fn serve_fast(
        &mut self,
        next: Snapshot,
        rendered: usize,
        start: Instant,
        early: &mut dyn FnMut(Arc<Snapshot>, &Update),
    ) -> Option<Update> {
        let mut update = self.swap(next);
        update.rendered = rendered;
        update.took = start.elapsed();
        let Some(fast) = self.fast.as_mut().filter(|f| f.pending()) else {
            return Some(update);
        };
        early(self.current.clone(), &update);
        let (next, rendered) = fast.finish_pages(&self.current)?;
        let mut rest = self.swap(next);
        // In a site of several languages, only the views a change reached are rendered whole.
        rest.rendered = rendered;
        rest.took = start.elapsed();
        Some(rest)
    }

    /// Only templates changed: when they are shortcode templates, only the pages calling them
    /// are rendered again, through the fast path. Otherwise (another template changed, or any
    /// error) the caller rebuilds the whole site: from the files read here (`Reread::Done`), or
    /// after reading them (`Reread::Needed`).
    fn apply_shortcode_change(
        &mut self,
        early: &mut dyn FnMut(Arc<Snapshot>, &Update),
    ) -> Result<Update, Reread> {
        let start = Instant::now();
        let config = self.fast_path_config()?;
        // The templates are read with the rest of the site (`load` has no smaller entry).
        let (files, errors) = load::site(&self.root, config);
        let fast = self.fast.as_mut().ok_or(Reread::Needed)?;
        let paths = match fast.replace_shortcodes(&files.templates) {
            Some(paths) if errors.is_empty() => paths,
            _ => {
                self.install(files, errors);
                return Err(Reread::Done);
            }
        };
        self.templates = files.templates;
        let paths: BTreeSet<&String> = paths.iter().collect();
        self.apply_fast(&paths, Due::default(), start, early, Reread::Needed)
    }

    /// Data files changed (and maybe content files, `content`): `data/` is read again (and the
    /// UI strings, which the watcher reports alike), and only the outputs that read a changed
    /// data file are rendered again, with the edited pages, through the fast path. Otherwise
    /// (no fast path, the strings changed, any error) the caller builds the whole site: from
    /// the files read here (`Reread::Done`), or after reading them (`Reread::Needed`).
    fn apply_data_change(
        &mut self,
        content: &BTreeSet<String>,
        early: &mut dyn FnMut(Arc<Snapshot>, &Update),
    ) -> Result<Update, Reread> {
        let start = Instant::now();
        let config = self.fast_path_config()?;
        let boundary = load::Boundary::new(&self.root, &config);
        let mut errors = Vec::new();
        let files = load::data_files(&self.root, &boundary, &mut errors);
        let strings = load::strings_files(&self.root, &config.theme, &boundary, &mut errors);
        if !errors.is_empty() || strings != self.strings {
            return Err(Reread::Needed);
        }
        for rel in content {
            self.reread(rel);
        }
        let names = data::changed_names(&self.data, &files);
        self.data = files;
        if !self.read_errors.is_empty() {
            return Err(Reread::Done);
        }
        let fast = self.fast.as_mut().ok_or(Reread::Done)?;
        let Some((edited, due)) = fast.replace_data(&self.data, &names) else {
            self.fast = None;
            return Err(Reread::Done);
        };
        let paths: BTreeSet<&String> = content.iter().chain(&edited).collect();
        self.apply_fast(&paths, due, start, early, Reread::Done)
    }

    /// The site's configuration when a change can take the fast path: there is one, and the
    /// last build had no errors.
    fn fast_path_config(&self) -> Result<Config, Reread> {
        let config = self.config.clone().ok_or(Reread::Needed)?;
        if self.fast.is_none() || !self.read_errors.is_empty() || !self.other_errors.is_empty() {
            return Err(Reread::Needed);
        }
        Ok(config)
    }

    /// Renders the pages at `paths` and the `due` outputs through the fast path and serves
    /// them. When that fails, the fast path is dropped and `failed` tells the caller whether
    /// the site's files must still be read before the full build.
    fn apply_fast(
        &mut self,
        paths: &BTreeSet<&String>,
        due: Due,
        start: Instant,
        early: &mut dyn FnMut(Arc<Snapshot>, &Update),
        failed: Reread,
    ) -> Result<Update, Reread> {
        if paths.is_empty() && due.is_empty() {
            return Ok(Update {
                took: start.elapsed(),
                ..Update::default()
            });
        }
        let changed: Vec<(String, Option<&String>)> = paths
            .iter()
            .map(|&p| (p.clone(), self.documents.get(p)))
            .collect();
        let applied = match self.fast.as_mut() {
            Some(fast) => fast.apply(&changed, due, &self.current),
            None => None,
        };
        let update =
            applied.and_then(|(next, rendered)| self.serve_fast(next, rendered, start, early));
        update.ok_or_else(|| {
            self.fast = None;
            failed
        })
    }

    /// Prepares the fast path's state after a full build (rendering every page's Markdown
    /// again); called by the server once the build is already being served.
    pub fn warm(&mut self) {
        if self.fast.is_some() || self.current.outputs.is_empty() {
            return;
        }
        let Some(config) = self.config.clone() else {
            return;
        };
        self.fast = Fast::new(
            config,
            &self.documents,
            &self.templates,
            (&self.data, &self.strings, &self.dates),
            &self.options,
            (self.current.clone(), self.data_readers.clone()),
        );
    }

    /// After a fast rebuild, makes the site-wide files (feeds, sitemap, search index, graph)
    /// again. Making the search index of a large site takes seconds, so the server calls this
    /// only when one of them is asked for. `None` when nothing was due.
    pub fn complete(&mut self) -> Option<Update> {
        let start = Instant::now();
        let next = self.fast.as_mut()?.site_outputs(&self.current)?;
        let mut update = self.swap(next);
        update.took = start.elapsed();
        Some(update)
    }

    /// Without the fast path's state the site-wide files of the current snapshot can no longer
    /// be made again: they are served as they are (a few edits behind, until the next good
    /// build) rather than waited for.
    fn settle(&mut self) {
        if self.fast.is_none() && !self.current.stale.is_empty() {
            let current = &self.current;
            self.current = Arc::new(Snapshot {
                outputs: current.outputs.clone(),
                assets: current.assets.clone(),
                pages: current.pages,
                stale: BTreeSet::new(),
                allow_links_outside: current.allow_links_outside,
            });
        }
    }

    /// Makes `next` current; returns what changed.
    fn swap(&mut self, next: Snapshot) -> Update {
        let old = &self.current.outputs;
        let mut changed: Vec<String> = next
            .outputs
            .iter()
            .filter(|(path, bytes)| {
                // Most outputs are the very same bytes (shared), not compared byte by byte.
                old.get(*path)
                    .is_none_or(|b| !Arc::ptr_eq(b, bytes) && b != *bytes)
            })
            .map(|(path, _)| path.clone())
            .collect();
        changed.sort();
        let mut removed: Vec<String> = old
            .keys()
            .filter(|p| !next.outputs.contains_key(*p) && !next.assets.contains_key(*p))
            .cloned()
            .collect();
        removed.sort();
        self.current = Arc::new(next);
        Update {
            changed,
            removed,
            ..Update::default()
        }
    }
}

/// Why a shortcode-only rebuild gave up: the whole site is to be built, from the files it read
/// or after reading them.
enum Reread {
    Done,
    Needed,
}

/// Outputs by path; a later output on the same path wins, as it does when written.
pub fn outputs_map(outputs: Vec<Output>) -> HashMap<String, Arc<Vec<u8>>> {
    let mut map = HashMap::with_capacity(outputs.len());
    for o in outputs {
        map.insert(o.path, Arc::new(o.bytes));
    }
    map
}

/// `a/b.md` for an error located in `content/a/b.md`.
fn content_path_of(e: &Error) -> Option<String> {
    let file = &e.location.as_ref()?.file;
    let rel = file.strip_prefix("content/")?;
    rel.ends_with(".md").then(|| rel.to_string())
}
