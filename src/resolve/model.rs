//! The site as data: pages (the home page and sections are pages too) in one vector indexed by
//! [`PageId`], their tree (parent, child pages, subsections), URLs, and which pages are entities
//! of which collection. Built from parsed documents; no IO, no rendering.

use std::collections::{BTreeMap, HashMap};

use crate::config::{Config, SortBy};
use crate::error::{Error, ErrorKind, Location};
use crate::frontmatter::FrontMatter;

pub type PageId = usize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Home,
    Section,
    Page,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Home => "home",
            Kind::Section => "section",
            Kind::Page => "page",
        }
    }
}

/// One content file, parsed.
#[derive(Clone, Debug)]
pub struct Page {
    pub id: PageId,
    /// Content path with `/` separators: `countries/kenya.md`.
    pub path: String,
    pub kind: Kind,
    pub front_matter: FrontMatter,
    /// The file's whole text, so body errors can show their line.
    pub text: String,
    pub body_offset: usize,
    /// Output path relative to the site root, ending in `/` (`countries/kenya/`; `` for home).
    pub url_path: String,
    pub parent: Option<PageId>,
    pub pages: Vec<PageId>,
    pub subsections: Vec<PageId>,
    /// The collection this page is an entity of.
    pub collection: Option<String>,
    /// The nearest entity that is this page or contains it.
    pub entity: Option<PageId>,
    /// Whether the text is the page's own, a translation's or the default language's.
    pub origin: Origin,
}

/// Where a page's text comes from, in one language's view of the site.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Origin {
    /// The page's own file, in the default language.
    #[default]
    Original,
    /// A translation (`file`: its content path, `kenya.fr.md`) merged over the source;
    /// `stale` when it translates an older version of the source.
    Translation { file: String, stale: bool },
    /// No translation: the default language's text, published under this language.
    Fallback,
}

impl Page {
    pub fn body(&self) -> &str {
        &self.text[self.body_offset..]
    }

    /// The path shown in messages: `content/countries/kenya.md` (the translation's file,
    /// `content/countries/kenya.fr.md`, in its language's view).
    pub fn file(&self) -> String {
        match &self.origin {
            Origin::Translation { file, .. } => format!("content/{file}"),
            _ => format!("content/{}", self.path),
        }
    }

    pub fn title(&self) -> &str {
        &self.front_matter.title
    }

    /// Where the page is written in the output: `countries/kenya/index.html`.
    pub fn output_path(&self) -> String {
        format!("{}index.html", self.url_path)
    }

    /// Whether the page is written at `path` (without making its output path).
    pub fn is_written_at(&self, path: &str) -> bool {
        path.strip_suffix("index.html") == Some(self.url_path.as_str())
    }

    /// Folder holding this page's children (for sections) or its bundle files.
    fn folder(&self) -> &str {
        folder_of(&self.path, self.kind)
    }

    /// The last URL segment without slug override: file stem, or bundle/section folder name.
    pub fn slug(&self) -> String {
        if let Some(slug) = &self.front_matter.slug {
            return slugify_segment(slug);
        }
        let trimmed = self.url_path.trim_end_matches('/');
        trimmed.rsplit('/').next().unwrap_or("").to_string()
    }
}

/// A page's folder: `a/b` for `a/b/_index.md` and `a/b/index.md`, `a` for `a/b.md`.
fn folder_of(path: &str, kind: Kind) -> &str {
    let dir = path.rsplit_once('/').map_or("", |(d, _)| d);
    match kind {
        Kind::Home | Kind::Section => dir,
        Kind::Page if path.ends_with("/index.md") || path == "index.md" => dir,
        Kind::Page => dir,
    }
}

/// The whole site, ready for cross-linking.
#[derive(Clone, Debug)]
pub struct Site {
    pub config: Config,
    pub pages: Vec<Page>,
    pub by_path: HashMap<String, PageId>,
    pub home: PageId,
    /// Entities of each collection, sorted by title.
    pub collections: BTreeMap<String, Vec<PageId>>,
    /// `config.base_path()`, made once: every URL starts with it.
    base_path: String,
    /// The language this view of the site is in (`config.language` unless a translation view).
    pub lang: String,
    /// What starts every page URL of this language: `""` for the default, `fr/` for French.
    pub lang_prefix: String,
}

/// A parsed document, input to [`Site::new`].
#[derive(Clone, Debug)]
pub struct Parsed {
    /// Content path; in a translation view, the source's (`countries/kenya.md`).
    pub path: String,
    pub text: String,
    pub front_matter: FrontMatter,
    pub body_offset: usize,
    pub origin: Origin,
}

impl Site {
    /// Builds the tree from parsed documents (sorted by path). Reports two files claiming one
    /// URL; adds an empty home page when `content/_index.md` is missing.
    pub fn new(config: Config, docs: Vec<Parsed>) -> (Site, Vec<Error>) {
        let lang = config.language.clone();
        Site::in_language(config, docs, &lang)
    }

    /// [`Site::new`] for one language's view: `docs` are that language's (translations merged
    /// over their sources, or the sources); page URLs start with `lang/` unless it is the
    /// default language. Every view has the same pages in the same order, so a `PageId` names
    /// the same page in all of them.
    pub fn in_language(config: Config, mut docs: Vec<Parsed>, lang: &str) -> (Site, Vec<Error>) {
        docs.sort_by(|a, b| a.path.cmp(&b.path));
        if !docs.iter().any(|d| d.path == "_index.md") {
            docs.insert(0, implicit_home(&config));
        }
        let mut config = config;
        let lang_prefix = if lang == config.language {
            String::new()
        } else {
            // The language's own title and description, where site.toml gives them.
            if let Some(language) = config.languages.get(lang).cloned() {
                config.title = language.title.unwrap_or(config.title);
                config.description = language.description.unwrap_or(config.description);
            }
            format!("{lang}/")
        };
        let mut pages: Vec<Page> = docs.into_iter().enumerate().map(new_page).collect();
        rename_folders(&mut pages, &lang_prefix);
        let by_path = pages.iter().map(|p| (p.path.clone(), p.id)).collect();
        let home = pages.iter().position(|p| p.kind == Kind::Home).unwrap_or(0);
        let mut site = Site {
            base_path: config.base_path(),
            config,
            pages,
            by_path,
            home,
            collections: BTreeMap::new(),
            lang: lang.to_string(),
            lang_prefix,
        };
        site.link_tree();
        site.mark_entities();
        site.sort_children();
        let mut errors = site.duplicate_urls();
        errors.extend(site.alias_errors());
        errors.extend(site.listing_key_errors());
        (site, errors)
    }

    pub fn page(&self, id: PageId) -> &Page {
        &self.pages[id]
    }

    /// The path part of the base URL (`/global-programmes/`), made once in [`Site::new`].
    pub fn base_path(&self) -> &str {
        &self.base_path
    }

    /// The full URL of a page: `base_url` + its path (`https://example.org/gp/countries/kenya/`).
    pub fn permalink(&self, id: PageId) -> String {
        format!("{}{}", self.config.base_url, self.pages[id].url_path)
    }

    /// The URL of a page, with the base path: `/global-programmes/countries/kenya/`.
    pub fn url(&self, id: PageId) -> String {
        format!("{}{}", self.base_path, self.pages[id].url_path)
    }

    /// The top-level section a page lives under (`programmes`), or `None` for the home page
    /// and root-level pages.
    pub fn top_section(&self, id: PageId) -> Option<PageId> {
        let mut current = id;
        loop {
            let parent = self.pages[current].parent?;
            if parent == self.home {
                return (self.pages[current].kind == Kind::Section).then_some(current);
            }
            current = parent;
        }
    }

    /// Ancestors from the home page down to the parent.
    pub fn ancestors(&self, id: PageId) -> Vec<PageId> {
        let mut chain = Vec::new();
        let mut current = self.pages[id].parent;
        while let Some(p) = current {
            chain.push(p);
            current = self.pages[p].parent;
        }
        chain.reverse();
        chain
    }

    fn link_tree(&mut self) {
        let sections: HashMap<String, PageId> = self
            .pages
            .iter()
            .filter(|p| p.kind != Kind::Page)
            .map(|p| (p.folder().to_string(), p.id))
            .collect();
        for id in 0..self.pages.len() {
            let page = &self.pages[id];
            if page.kind == Kind::Home {
                continue;
            }
            let mut folder = match page.kind {
                Kind::Section => parent_folder(page.folder()),
                _ => parent_folder_of_page(&page.path),
            };
            let parent = loop {
                if let Some(&s) = sections.get(folder) {
                    break s;
                }
                if folder.is_empty() {
                    break self.home;
                }
                folder = parent_folder(folder);
            };
            self.pages[id].parent = Some(parent);
            match self.pages[id].kind {
                Kind::Section => self.pages[parent].subsections.push(id),
                _ => self.pages[parent].pages.push(id),
            }
        }
    }

    fn mark_entities(&mut self) {
        let names: Vec<String> = self.config.collections.keys().cloned().collect();
        for name in names {
            let Some(&section) = self.by_path.get(&format!("{name}/_index.md")) else {
                continue;
            };
            let mut members: Vec<PageId> = self.pages[section].pages.clone();
            members.extend(self.pages[section].subsections.iter().copied());
            for &m in &members {
                self.pages[m].collection = Some(name.clone());
            }
            // By weight (none last), then title: the order themes show collections in (menus,
            // legends), so that a template need not sort them again on every page.
            members.sort_by(|a, b| {
                let (pa, pb) = (&self.pages[*a], &self.pages[*b]);
                let weight = |p: &Page| p.front_matter.weight.unwrap_or(i64::MAX);
                weight(pa)
                    .cmp(&weight(pb))
                    .then_with(|| pa.title().to_lowercase().cmp(&pb.title().to_lowercase()))
                    .then(pa.path.cmp(&pb.path))
            });
            self.collections.insert(name, members);
        }
        for id in 0..self.pages.len() {
            self.pages[id].entity = self.nearest_entity(id);
        }
    }

    fn nearest_entity(&self, id: PageId) -> Option<PageId> {
        let mut current = Some(id);
        while let Some(c) = current {
            if self.pages[c].collection.is_some() {
                return Some(c);
            }
            current = self.pages[c].parent;
        }
        None
    }

    /// Child pages by weight, then date (newest first), then title; subsections by weight, title.
    fn sort_children(&mut self) {
        for id in 0..self.pages.len() {
            let mut pages = std::mem::take(&mut self.pages[id].pages);
            let listing = self.listing(id);
            pages.sort_by(|a, b| listing.order(&self.pages[*a], &self.pages[*b]));
            let mut subs = std::mem::take(&mut self.pages[id].subsections);
            subs.sort_by(|a, b| section_order(&self.pages[*a], &self.pages[*b]));
            self.pages[id].pages = pages;
            self.pages[id].subsections = subs;
        }
    }

    fn duplicate_urls(&self) -> Vec<Error> {
        let mut seen: HashMap<&str, PageId> = HashMap::new();
        let mut errors = Vec::new();
        for page in &self.pages {
            if let Some(&first) = seen.get(page.url_path.as_str()) {
                let first = &self.pages[first];
                errors.push(
                    Error::new(
                        ErrorKind::DuplicateUrl,
                        format!(
                            "two files claim the URL /{}: {} and {}",
                            page.url_path,
                            first.file(),
                            page.file()
                        ),
                    )
                    .at(Location::new(&page.file(), &page.text, 0..0))
                    .also(Location::new(&first.file(), &first.text, 0..0))
                    .help("rename one of the files or give one a different `slug`"),
                );
            } else {
                seen.insert(&page.url_path, page.id);
            }
        }
        errors
    }
}

impl Site {
    /// An alias that leaves the output folder, or claims the URL of a page or of another alias.
    fn alias_errors(&self) -> Vec<Error> {
        let mut claimed: HashMap<String, (PageId, Option<&str>)> = self
            .pages
            .iter()
            .map(|p| (p.output_path(), (p.id, None)))
            .collect();
        for page in &self.pages {
            for (_, path) in self.pager_outputs(page.id) {
                claimed.insert(path, (page.id, None));
            }
        }
        let mut errors = Vec::new();
        for page in &self.pages {
            for alias in &page.front_matter.aliases {
                let here = alias_location(page, alias);
                let Some(output) = alias_output(alias) else {
                    errors.push(
                        Error::new(
                            ErrorKind::InvalidValue,
                            format!("invalid alias \"{alias}\""),
                        )
                        .at(here)
                        .label("an alias must stay inside the site: no `.`, `..` or hidden (`.name`) segments")
                        .help("write the old URL's path, e.g. aliases = [\"/old/path/\"]"),
                    );
                    continue;
                };
                match claimed.get(&output) {
                    Some(&(other, other_alias)) => {
                        let other = &self.pages[other];
                        let whose = match other_alias {
                            Some(a) => format!("the alias \"{a}\" of {}", other.file()),
                            None => other.file(),
                        };
                        errors.push(
                            Error::new(
                                ErrorKind::DuplicateUrl,
                                format!("alias \"{alias}\" of {} claims {output}, already written for {whose}", page.file()),
                            )
                            .at(here)
                            .label("this alias")
                            .also(Location::new(&other.file(), &other.text, 0..0))
                            .help("remove the alias, or move the page that has this URL"),
                        );
                    }
                    None => {
                        claimed.insert(output, (page.id, Some(alias.as_str())));
                    }
                }
            }
        }
        errors
    }
}

/// Where `alias` is written in `page`'s front matter.
fn alias_location(page: &Page, alias: &str) -> Location {
    let front = &page.text[..page.body_offset];
    let at = front.find("aliases").unwrap_or(0);
    let span = front[at..]
        .find(alias)
        .map_or(0..0, |i| (at + i)..(at + i + alias.len()));
    Location::new(&page.file(), &page.text, span)
}

/// Longest file or folder name most file systems take (bytes).
const MAX_NAME_BYTES: usize = 255;

/// What claims an output path, for [`Site::output_conflicts`].
#[derive(Clone, Copy)]
enum Claim<'a> {
    Page(PageId),
    Alias(PageId, &'a str),
    /// A file weft makes itself or copies (a feed, a static file), described.
    Other(&'a str),
}

impl Site {
    /// Output paths that cannot all be written: a page or alias path with a name too long
    /// for a file system, an alias onto a file weft makes or copies (`/404.html`,
    /// `/sitemap.xml`), and any path that needs as a folder what another writes as a file
    /// (`/css/site.css/` beside the theme's `css/site.css`), and a page where the site has a
    /// file of its own. `others` are the files made or copied besides pages and aliases, with
    /// what they are and whether the site made them itself (its `static/` or `content/`).
    pub fn output_conflicts(&self, others: &[(String, String, bool)]) -> Vec<Error> {
        let mut claims: HashMap<&str, Claim> = HashMap::new();
        for (path, what, _) in others {
            claims.insert(path, Claim::Other(what));
        }
        let mut errors = Vec::new();
        let page_paths: Vec<String> = self.pages.iter().map(Page::output_path).collect();
        let page_at: HashMap<&str, PageId> = page_paths
            .iter()
            .enumerate()
            .map(|(id, path)| (path.as_str(), id))
            .collect();
        for (path, what, _) in others.iter().filter(|(_, _, site_owned)| *site_owned) {
            if let Some(&id) = page_at.get(path.as_str()) {
                errors.push(self.conflict(
                    Claim::Page(id),
                    format!("is written at {path}, where {what} is copied too"),
                ));
            }
        }
        let mut alias_paths: Vec<(PageId, &str, String)> = Vec::new();
        for page in &self.pages {
            for alias in &page.front_matter.aliases {
                if let Some(output) = alias_output(alias) {
                    alias_paths.push((page.id, alias.as_str(), output));
                }
            }
        }
        for page in &self.pages {
            claims.insert(&page_paths[page.id], Claim::Page(page.id));
        }
        let pagers: Vec<(PageId, String)> = (0..self.pages.len())
            .flat_map(|id| {
                self.pager_outputs(id)
                    .into_iter()
                    .map(move |(_, p)| (id, p))
            })
            .collect();
        for (id, path) in &pagers {
            match claims.get(path.as_str()) {
                Some(&Claim::Page(other)) => errors.push(self.conflict(
                    Claim::Page(other),
                    format!(
                        "is written at {path}, where {} lists its page of pages",
                        self.pages[*id].file()
                    ),
                )),
                _ => {
                    claims.insert(path, Claim::Page(*id));
                }
            }
        }
        for (id, alias, output) in &alias_paths {
            match claims.get(output.as_str()) {
                Some(&Claim::Other(what)) => errors.push(self.conflict(
                    Claim::Alias(*id, alias),
                    format!("claims {output}, which is {what}"),
                )),
                // Pages and other aliases: `alias_errors`.
                Some(_) => {}
                None => {
                    claims.insert(output, Claim::Alias(*id, alias));
                }
            }
        }
        for (path, &claim) in &claims {
            if let Some(name) = path.split('/').find(|n| n.len() > MAX_NAME_BYTES) {
                errors.push(self.conflict(
                    claim,
                    format!(
                        "would be written at a name of {} bytes, longer than file systems allow ({MAX_NAME_BYTES})",
                        name.len()
                    ),
                ));
                continue;
            }
            let mut folder = *path;
            while let Some(i) = folder.rfind('/') {
                folder = &folder[..i];
                if let Some(&file) = claims.get(folder) {
                    let (needs, is) = (claim, file);
                    // Report it on the side an author can change: content before the rest.
                    let blamed = if matches!(needs, Claim::Other(_)) {
                        is
                    } else {
                        needs
                    };
                    let other = if matches!(needs, Claim::Other(_)) {
                        needs
                    } else {
                        is
                    };
                    let (blamed_path, other_path) = if matches!(needs, Claim::Other(_)) {
                        (folder, *path)
                    } else {
                        (*path, folder)
                    };
                    errors.push(self.conflict(
                        blamed,
                        format!(
                            "is written at {blamed_path}, which collides with {} at {other_path} (one path cannot be both a file and a folder)",
                            self.describe(other)
                        ),
                    ));
                }
            }
        }
        errors
    }

    /// An error about `claim`, located where its author can change it.
    fn conflict(&self, claim: Claim, what: String) -> Error {
        let (message, location, help) = match claim {
            Claim::Alias(id, alias) => (
                format!("alias \"{alias}\" of {} {what}", self.pages[id].file()),
                Some(alias_location(&self.pages[id], alias)),
                "remove the alias, or choose an old URL that weft does not write itself",
            ),
            Claim::Page(id) => {
                let page = &self.pages[id];
                // At the `slug` value when the page sets one, else at the file.
                let span = page.front_matter.slug.as_deref().and_then(|slug| {
                    let front = &page.text[..page.body_offset];
                    let at = front.find("slug")?;
                    let i = at + front[at..].find(slug)?;
                    Some(i..i + slug.len())
                });
                (
                    format!("{} {what}", page.file()),
                    Some(Location::new(
                        &page.file(),
                        &page.text,
                        span.unwrap_or(0..0),
                    )),
                    "give the page a shorter or different `slug`, or rename its file",
                )
            }
            Claim::Other(desc) => (format!("{desc} {what}"), None, "rename or remove that file"),
        };
        let mut error = Error::new(ErrorKind::DuplicateUrl, message).help(help);
        if let Some(location) = location {
            error = error.at(location);
        }
        error
    }

    fn describe(&self, claim: Claim) -> String {
        match claim {
            Claim::Page(id) => format!("the page {}", self.pages[id].file()),
            Claim::Alias(id, alias) => {
                format!("the alias \"{alias}\" of {}", self.pages[id].file())
            }
            Claim::Other(what) => what.to_string(),
        }
    }
}

/// How a section lists its pages: its front matter, else (for a collection's index) the
/// collection's settings in site.toml, else the site's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Listing {
    /// Pages per listing page; `None`: one page lists them all.
    pub per_page: Option<usize>,
    pub sort_by: SortBy,
    pub reverse: bool,
}

impl Listing {
    /// The order of two pages of the listing.
    pub fn order(&self, a: &Page, b: &Page) -> std::cmp::Ordering {
        let title = |p: &Page| p.front_matter.title.to_lowercase();
        let order = match self.sort_by {
            SortBy::Weight => page_order(a, b),
            // Newest first, undated last.
            SortBy::Date => b
                .front_matter
                .date
                .cmp(&a.front_matter.date)
                .then_with(|| title(a).cmp(&title(b)))
                .then_with(|| a.path.cmp(&b.path)),
            SortBy::Title => title(a).cmp(&title(b)).then_with(|| a.path.cmp(&b.path)),
        };
        if self.reverse {
            order.reverse()
        } else {
            order
        }
    }
}

impl Site {
    /// How page `id` (a section or the home page) lists its pages.
    pub fn listing(&self, id: PageId) -> Listing {
        let page = &self.pages[id];
        let fm = &page.front_matter;
        let collection = page
            .path
            .strip_suffix("/_index.md")
            .and_then(|name| self.config.collections.get(name));
        let size = fm.paginate_by.unwrap_or(match collection {
            Some(c) => c.paginate_by.unwrap_or(0),
            None => self.config.paginate_by,
        });
        Listing {
            per_page: (size > 0 && page.kind != Kind::Page).then_some(size),
            sort_by: fm
                .sort_by
                .or(collection.and_then(|c| c.sort_by))
                .unwrap_or(SortBy::Weight),
            reverse: fm
                .sort_reverse
                .unwrap_or(collection.is_some_and(|c| c.sort_reverse)),
        }
    }

    /// How many listing pages section `id` has (1 when not paginated).
    pub fn pager_count(&self, id: PageId) -> usize {
        match self.listing(id).per_page {
            Some(n) => self.pages[id].pages.len().div_ceil(n).max(1),
            None => 1,
        }
    }

    /// The output files of listing pages 2.. of section `id`, by number, and the redirect
    /// from page 1 (`news/page/1/` to `news/`), when it is paginated.
    pub fn pager_outputs(&self, id: PageId) -> Vec<(usize, String)> {
        let count = self.pager_count(id);
        if count < 2 {
            return Vec::new();
        }
        let base = &self.pages[id].url_path;
        (1..=count)
            .map(|n| (n, format!("{base}page/{n}/index.html")))
            .collect()
    }

    /// `paginate_by`, `sort_by` or `sort_reverse` on a page that lists nothing.
    fn listing_key_errors(&self) -> Vec<Error> {
        let mut errors = Vec::new();
        for page in self.pages.iter().filter(|p| p.kind == Kind::Page) {
            let fm = &page.front_matter;
            let keys = [
                ("paginate_by", fm.paginate_by.is_some()),
                ("sort_by", fm.sort_by.is_some()),
                ("sort_reverse", fm.sort_reverse.is_some()),
            ];
            for (key, _) in keys.iter().filter(|(_, set)| *set) {
                let front = &page.text[..page.body_offset];
                let span = front.find(key).map_or(0..0, |i| i..i + key.len());
                errors.push(
                    Error::new(
                        ErrorKind::InvalidValue,
                        format!("`{key}` in {}, which is not a section", page.file()),
                    )
                    .at(Location::new(&page.file(), &page.text, span))
                    .label("only a section's _index.md lists pages")
                    .help("move it to the _index.md of the section whose listing it shapes"),
                );
            }
        }
        errors
    }
}

pub fn page_order(a: &Page, b: &Page) -> std::cmp::Ordering {
    let (fa, fb) = (&a.front_matter, &b.front_matter);
    fa.weight
        .unwrap_or(i64::MAX)
        .cmp(&fb.weight.unwrap_or(i64::MAX))
        .then_with(|| fb.date.cmp(&fa.date))
        .then_with(|| fa.title.to_lowercase().cmp(&fb.title.to_lowercase()))
        .then_with(|| a.path.cmp(&b.path))
}

fn section_order(a: &Page, b: &Page) -> std::cmp::Ordering {
    let (fa, fb) = (&a.front_matter, &b.front_matter);
    fa.weight
        .unwrap_or(i64::MAX)
        .cmp(&fb.weight.unwrap_or(i64::MAX))
        .then_with(|| fa.title.to_lowercase().cmp(&fb.title.to_lowercase()))
        .then_with(|| a.path.cmp(&b.path))
}

fn implicit_home(config: &Config) -> Parsed {
    Parsed {
        path: "_index.md".to_string(),
        text: String::new(),
        front_matter: FrontMatter {
            title: config.title.clone(),
            extra: serde_json::json!({}),
            ..FrontMatter::default()
        },
        body_offset: 0,
        origin: Origin::Original,
    }
}

/// A section's `slug` renames its folder in the URLs of every page under it (`[languages]`
/// views translate `countries/` to `pays/` this way), and a language's pages go under its
/// prefix.
fn rename_folders(pages: &mut [Page], lang_prefix: &str) {
    let renamed: HashMap<String, String> = pages
        .iter()
        .filter(|p| p.kind == Kind::Section && p.front_matter.slug.is_some())
        .filter_map(|p| {
            let segment = p.url_path.trim_end_matches('/').rsplit('/').next()?;
            Some((p.folder().to_string(), segment.to_string()))
        })
        .collect();
    for page in pages.iter_mut() {
        if !renamed.is_empty() {
            page.url_path = renamed_url_path(page, &renamed);
        }
        page.url_path.insert_str(0, lang_prefix);
    }
}

/// `page`'s URL path with each folder above it renamed as `renamed` says (folder -> segment).
fn renamed_url_path(page: &Page, renamed: &HashMap<String, String>) -> String {
    let folders: Vec<&str> = page.path.split('/').collect();
    let mut segments: Vec<String> = page
        .url_path
        .trim_end_matches('/')
        .split('/')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    // Segment i stands for the folder made of the path's first i + 1 parts; a page's own
    // last segment is its own (its slug or file name).
    let own_last = usize::from(page.kind == Kind::Page);
    for i in 0..segments.len().saturating_sub(own_last) {
        if let Some(name) = folders
            .get(..=i)
            .map(|f| f.join("/"))
            .and_then(|f| renamed.get(&f))
        {
            segments[i] = name.clone();
        }
    }
    let mut url = segments.join("/");
    if !url.is_empty() {
        url.push('/');
    }
    url
}

fn new_page((id, doc): (usize, Parsed)) -> Page {
    let kind = kind_of(&doc.path);
    let url_path = url_path(&doc.path, kind, doc.front_matter.slug.as_deref());
    Page {
        id,
        path: doc.path,
        kind,
        front_matter: doc.front_matter,
        text: doc.text,
        body_offset: doc.body_offset,
        url_path,
        parent: None,
        pages: Vec::new(),
        subsections: Vec::new(),
        collection: None,
        entity: None,
        origin: doc.origin,
    }
}

fn kind_of(path: &str) -> Kind {
    if path == "_index.md" {
        Kind::Home
    } else if path.ends_with("/_index.md") {
        Kind::Section
    } else {
        Kind::Page
    }
}

/// `a/b.md` -> `a/b/`; `a/_index.md` -> `a/`; `a/b/index.md` -> `a/b/`; segments slugified,
/// the last one replaced by `slug` when given.
pub fn url_path(path: &str, kind: Kind, slug: Option<&str>) -> String {
    let without_ext = path.strip_suffix(".md").unwrap_or(path);
    let trimmed = match kind {
        Kind::Home => "",
        Kind::Section => without_ext.strip_suffix("/_index").unwrap_or(without_ext),
        Kind::Page => without_ext.strip_suffix("/index").unwrap_or(without_ext),
    };
    let mut segments: Vec<String> = trimmed
        .split('/')
        .map(slugify_segment)
        .filter(|s| !s.is_empty())
        .collect();
    let slug = slug.map(slugify_segment).filter(|s| !s.is_empty());
    if let (Some(slug), Some(last)) = (slug, segments.last_mut()) {
        *last = slug;
    }
    let mut url: String = segments.join("/");
    if !url.is_empty() {
        url.push('/');
    }
    url
}

/// A URL segment: ASCII letters, digits, `-`, `_` and `.`; accents transliterated.
pub fn slugify_segment(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in deunicode::deunicode(text).chars() {
        if c.is_ascii_alphanumeric() || c == '_' || c == '.' {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    // No `.` or `..` segment: a URL must not climb out of its folder.
    out.trim_matches(|c| c == '-' || c == '.').to_string()
}

/// The output file an alias redirects from (`/old/path/` -> `old/path/index.html`, `a.html` as
/// is), or `None` when it would leave the output folder.
pub fn alias_output(alias: &str) -> Option<String> {
    let path = alias.trim_matches('/');
    // Hidden names too: `.weft-output` and `.weft-staging-*` are weft's own, and a `.git/`
    // or `.well-known/` in the output is no page's to claim.
    if path.split('/').any(|s| s.starts_with('.')) || path.contains('\\') {
        return None;
    }
    Some(if path.ends_with(".html") {
        path.to_string()
    } else if path.is_empty() {
        "index.html".to_string()
    } else {
        format!("{path}/index.html")
    })
}

fn parent_folder(folder: &str) -> &str {
    folder.rsplit_once('/').map_or("", |(d, _)| d)
}

fn parent_folder_of_page(path: &str) -> &str {
    let dir = parent_folder(path);
    if path.ends_with("/index.md") {
        parent_folder(dir)
    } else {
        dir
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_paths_follow_the_content_tree() {
        assert_eq!(url_path("_index.md", Kind::Home, None), "");
        assert_eq!(url_path("a/_index.md", Kind::Section, None), "a/");
        assert_eq!(url_path("a/b.md", Kind::Page, None), "a/b/");
        assert_eq!(url_path("a/b/index.md", Kind::Page, None), "a/b/");
        assert_eq!(
            url_path("a/Côte d'Ivoire.md", Kind::Page, None),
            "a/cote-d-ivoire/"
        );
        assert_eq!(
            url_path("a/b.md", Kind::Page, Some("New Name")),
            "a/new-name/"
        );
    }

    fn doc(path: &str, title: &str, weight: Option<i64>) -> Parsed {
        Parsed {
            path: path.into(),
            text: String::new(),
            front_matter: FrontMatter {
                title: title.into(),
                weight,
                ..FrontMatter::default()
            },
            body_offset: 0,
            origin: crate::model::Origin::Original,
        }
    }

    #[test]
    fn pages_attach_to_the_nearest_section_and_sort_by_weight_then_title() {
        let config = Config::parse("title='t'\n[collections.countries]\n").unwrap();
        let docs = vec![
            doc("_index.md", "Home", None),
            doc("countries/_index.md", "Countries", None),
            doc("countries/kenya.md", "Kenya", None),
            doc("countries/benin.md", "Benin", None),
            doc("countries/zambia.md", "Zambia", Some(1)),
            doc("countries/deep/x.md", "X", None),
        ];
        let (site, errors) = Site::new(config, docs);
        assert!(errors.is_empty());
        let countries = site.by_path["countries/_index.md"];
        let titles: Vec<&str> = site.pages[countries]
            .pages
            .iter()
            .map(|&p| site.pages[p].title())
            .collect();
        assert_eq!(titles, ["Zambia", "Benin", "Kenya", "X"]);
        let members: Vec<&str> = site.collections["countries"]
            .iter()
            .map(|&p| site.pages[p].title())
            .collect();
        assert_eq!(
            members,
            ["Zambia", "Benin", "Kenya", "X"],
            "weight, then title"
        );
    }

    #[test]
    fn slugs_cannot_climb_out_of_their_folder() {
        assert_eq!(url_path("a/b.md", Kind::Page, Some("..")), "a/b/");
        assert_eq!(url_path("a/-.md", Kind::Page, None), "a/");
        assert_eq!(slugify_segment("..."), "");
    }

    #[test]
    fn aliases_stay_inside_the_output_folder() {
        assert_eq!(
            alias_output("/old/path/").as_deref(),
            Some("old/path/index.html")
        );
        assert_eq!(alias_output("legacy.html").as_deref(), Some("legacy.html"));
        assert_eq!(alias_output("/"), Some("index.html".to_string()));
        assert_eq!(alias_output("../../etc/"), None);
        assert_eq!(alias_output("a/./b"), None);
        assert_eq!(alias_output("/.weft-output"), None);
        assert_eq!(alias_output("/.git/config.html"), None);
    }

    #[test]
    fn two_files_claiming_one_url_are_both_named() {
        let config = Config::parse("title='t'").unwrap();
        let docs = vec![doc("a/b.md", "B", None), doc("a/b/index.md", "B2", None)];
        let (_, errors) = Site::new(config, docs);
        assert_eq!(errors.len(), 1);
        assert!(errors[0].message.contains("content/a/b.md"));
        assert!(errors[0].message.contains("content/a/b/index.md"));
    }
}
