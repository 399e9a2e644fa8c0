//! weft: a static site generator whose entity pages (programmes, countries, donors, partners)
//! are cross-linked both ways and checked at build time.
//!
//! The spine is [`build`]: load -> parse -> model -> cross-link -> render. Rendered files go
//! to a [`Sink`] as they are made: kept in memory ([`render::Keep`]) or staged in the output
//! folder ([`write::Staging`], which moves them into place only once the whole build
//! succeeded). Every stage collects its errors and the build fails once with all of them.

// An `Error` carries its source line for display (~240 bytes); errors are rare and off the hot
// path, so boxing them would only add noise.
#![allow(clippy::result_large_err)]

// The folders follow the flow: input (read) -> resolve (model, references, Markdown) ->
// output (render, write); serve keeps it running. The stages' modules are re-exported here, so
// every module is named by its job (`crate::load`, `weft::render`) wherever it sits.
pub mod check;
pub mod config;
pub mod error;
pub mod input;
pub mod output;
pub mod resolve;
pub mod scaffold;
pub mod serve;

pub use input::{data, frontmatter, load};
pub use output::{feeds, graph, i18n, render, search, templates, write};
pub use resolve::{highlight, markdown, model, shortcode, xref};
pub use serve::{incremental, session, watch};

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use rayon::prelude::*;

pub use error::{Error, ErrorKind, Errors, Location};
use load::{Asset, SiteFiles};
use markdown::Rendered;
use model::Site;
use render::Output;
pub use render::Sink;
use shortcode::Shortcodes;
use xref::{Graph, Linker, Names};

/// How to build.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Include pages with `draft = true`.
    pub drafts: bool,
    /// Replaces `base_url` from site.toml.
    pub base_url: Option<String>,
    /// Building for `weft serve` (templates see `site.serve = true`).
    pub serve: bool,
}

/// A built site, in memory.
pub struct Build {
    pub site: Site,
    pub graph: Graph,
    /// Rendered pages and extra files, sorted by path.
    pub outputs: Vec<Output>,
    /// Files copied as they are, by output path.
    pub assets: BTreeMap<String, Asset>,
    /// Problems that did not stop the build (a code block in an unknown language, a shallow
    /// clone's undated pages), sorted; shown as warnings.
    pub warnings: Vec<Error>,
}

impl Build {
    /// Number of content pages (home and sections included).
    pub fn page_count(&self) -> usize {
        self.site.pages.len()
    }
}

/// Reads the site at `root` and builds it in memory.
pub fn build(root: &Path, options: &Options) -> Result<Build, Errors> {
    build_into(root, options, &render::Keep)
}

/// Reads the site at `root` and builds it, handing every rendered file to `sink` as it is
/// made; `Build::outputs` holds those the sink kept.
pub fn build_into(root: &Path, options: &Options, sink: &dyn Sink) -> Result<Build, Errors> {
    let config = load::config(root)?;
    let (files, load_errors) = load::site(root, config);
    build_files_into(files, load_errors, options, sink)
}

/// Builds from files already in memory (tests build sites from strings this way).
pub fn build_files(
    files: SiteFiles,
    errors: Vec<Error>,
    options: &Options,
) -> Result<Build, Errors> {
    build_files_into(files, errors, options, &render::Keep)
}

/// [`build_files`] into `sink`.
pub fn build_files_into(
    mut files: SiteFiles,
    mut errors: Vec<Error>,
    options: &Options,
    sink: &dyn Sink,
) -> Result<Build, Errors> {
    if let Some(url) = &options.base_url {
        files.config.set_base_url(url);
    }
    let collections: BTreeSet<String> = files.config.collections.keys().cloned().collect();
    let mut draft_bundles = Vec::new();
    let mut parsed = parse_documents(
        files.documents,
        &collections,
        options.drafts,
        &mut errors,
        &mut draft_bundles,
    );
    for p in &mut parsed {
        date_from_history(&mut p.front_matter, &files.dates, &p.path);
    }
    let (data, data_errors) = data::parse(&files.data);
    errors.extend(data_errors);
    // A draft bundle's co-located files stay unpublished with it.
    files.assets.retain(|_, a| {
        let in_draft = |path: &str| draft_bundles.iter().any(|d| path.starts_with(d.as_str()));
        !a.content_path.as_deref().is_some_and(in_draft)
    });
    let (site, site_errors) = Site::new(files.config, parsed);
    errors.extend(site_errors);
    errors.extend(site.output_conflicts(&other_outputs(&site, &files.assets)));
    let (names, name_errors) = Names::new(&site);
    errors.extend(name_errors);
    let (front_refs, ref_errors) = xref::front_matter_references(&site, &names);
    errors.extend(ref_errors);
    let urls: HashMap<String, String> = site
        .pages
        .iter()
        .map(|p| (p.path.clone(), site.url(p.id)))
        .collect();
    // The languages besides the default that site.toml declares (issue 13's [languages.xx])
    // join `others` when the core knows them.
    let (strings, string_errors, string_warnings) =
        i18n::Strings::new(&files.strings, &site.config.language, &[]);
    errors.extend(string_errors);
    let (mut env, template_errors) =
        templates::environment(&files.templates, urls, site.base_path(), &strings);
    errors.extend(template_errors);
    errors.extend(templates::missing_collection_templates(
        &site.config,
        &files.templates,
    ));
    env.add_global("data", data);
    let (shortcodes, shortcode_errors) = Shortcodes::new(&env, &files.templates);
    errors.extend(shortcode_errors);
    let rendered = render_markdown(&site, &names, &shortcodes);
    let (body_refs, link_errors) = xref::body_references(&site, &rendered);
    errors.extend(link_errors);
    let mut warnings = std::mem::take(&mut files.warnings);
    warnings.extend(xref::body_warnings(&site, &rendered));
    warnings.extend(string_warnings);
    let graph = Graph::new(&site, front_refs, body_refs);
    if !errors.is_empty() {
        return Err(Errors::sorted(errors));
    }
    let inputs = render::Inputs {
        site: &site,
        graph: &graph,
        rendered: &rendered,
        env: &env,
        sources: &files.templates,
        serve: options.serve,
    };
    let sink = &SiteFilesWin {
        inner: sink,
        assets: &files.assets,
    };
    // The site-wide files (search index, graph, feeds) need only the rendered Markdown: they
    // are made while the pages render, so their serial parts do not leave a thread idle.
    let ((mut outputs, mut errors), site_files) = rayon::join(
        || render::site(&inputs, sink),
        || {
            let files = site_outputs(&site, &rendered, &graph);
            files.into_iter().map(|o| sink.put(o)).collect::<Vec<_>>()
        },
    );
    let (kept, put_errors) = render::gather(site_files);
    outputs.extend(kept);
    errors.extend(put_errors);
    if !errors.is_empty() {
        return Err(Errors::sorted(errors));
    }
    outputs.sort_by(|a, b| a.path.cmp(&b.path));
    // Content strings shown without a term are known once every page has rendered.
    warnings.extend(strings.term_warnings());
    let warnings = Errors::sorted(warnings).0;
    Ok(Build {
        site,
        graph,
        outputs,
        assets: files.assets,
        warnings,
    })
}

/// A page without `updated` takes its file's date from the repository's history, if any: the
/// page's context, the sitemap and the feeds then all show the same date.
pub fn date_from_history(
    front_matter: &mut frontmatter::FrontMatter,
    dates: &BTreeMap<String, String>,
    path: &str,
) {
    if front_matter.updated.is_none() {
        front_matter.updated = dates.get(path).cloned();
    }
}

/// Site-wide files made from the whole site once its pages are rendered (feeds, sitemap,
/// search index, graph); `weft serve` makes them again after an incremental rebuild.
pub fn site_outputs(site: &Site, rendered: &[Rendered], graph: &Graph) -> Vec<Output> {
    let mut outputs = feeds::outputs(site);
    outputs.extend(search::outputs(site, rendered));
    outputs.extend(graph::outputs(site, graph));
    outputs
}

/// Every file a build writes besides pages and aliases, with what it is (for messages about
/// a page or alias claiming its path) and whether the site made it itself.
fn other_outputs(site: &Site, assets: &BTreeMap<String, Asset>) -> Vec<(String, String, bool)> {
    let mut files: Vec<(String, String, bool)> = [
        ("404.html", "the not-found page weft writes"),
        ("search/index.html", "the search page weft writes"),
        ("robots.txt", "the robots.txt weft writes"),
        (search::INDEX_FILE, "the search index weft writes"),
        (graph::GRAPH_FILE, "the reference graph weft writes"),
    ]
    .into_iter()
    .chain(
        site.config
            .has_absolute_base_url()
            .then_some([
                ("sitemap.xml", "the sitemap weft writes"),
                ("atom.xml", "the site's Atom feed"),
            ])
            .into_iter()
            .flatten(),
    )
    // A content page at 404.html or search/ replaces the theme's; that is no conflict.
    .filter(|(path, _)| !site.pages.iter().any(|p| p.is_written_at(path)))
    .filter(|(path, _)| assets.get(*path).is_none_or(|a| a.from_theme))
    .map(|(path, what)| (path.to_string(), what.to_string(), false))
    .collect();
    let sections = site.pages.iter().filter(|p| p.kind == model::Kind::Section);
    for page in sections.filter(|_| site.config.has_absolute_base_url()) {
        let feed = format!("{}atom.xml", page.url_path);
        if assets.get(&feed).is_none_or(|a| a.from_theme) {
            files.push((feed, format!("the Atom feed of {}", page.file()), false));
        }
    }
    for (dest, asset) in assets {
        let what = match (&asset.content_path, asset.from_theme) {
            (Some(path), _) => format!("the file content/{path}"),
            (None, false) => format!("the file static/{dest}"),
            (None, true) => "the file copied from the theme".to_string(),
        };
        files.push((dest.clone(), what, !asset.from_theme));
    }
    files
}

/// A sink that drops the files the site replaces with its own (a `static/robots.txt` wins
/// over the one weft would write, as the site's files win over the theme's).
struct SiteFilesWin<'a> {
    inner: &'a dyn Sink,
    assets: &'a BTreeMap<String, Asset>,
}

impl Sink for SiteFilesWin<'_> {
    fn put(&self, output: Output) -> Result<Option<Output>, Error> {
        match self.assets.get(&output.path) {
            Some(asset) if !asset.from_theme => Ok(None),
            _ => self.inner.put(output),
        }
    }
}

/// Splits and types every document's front matter, in parallel; drafts are dropped unless wanted.
fn parse_documents(
    documents: Vec<load::Document>,
    collections: &BTreeSet<String>,
    drafts: bool,
    errors: &mut Vec<Error>,
    draft_bundles: &mut Vec<String>,
) -> Vec<model::Parsed> {
    let results: Vec<(model::Parsed, Vec<Error>)> = documents
        .into_par_iter()
        .map(|doc| {
            let shown = format!("content/{}", doc.path);
            let (front_matter, body_offset, errors) =
                match frontmatter::parse(&shown, &doc.text, collections) {
                    Ok(parsed) => (parsed.front_matter, parsed.body_offset, Vec::new()),
                    Err(errors) => {
                        let (names, body_offset) = frontmatter::recover(&doc.text, collections);
                        (names, body_offset, errors)
                    }
                };
            let parsed = model::Parsed {
                path: doc.path,
                text: doc.text,
                front_matter,
                body_offset,
            };
            (parsed, errors)
        })
        .collect();
    // A file that cannot be read stands as a link target by its path, as one whose front
    // matter has errors does (with what could be read of it): the build reports the cause,
    // not every link to it.
    let unreadable = errors.iter().filter_map(unreadable_document);
    let placeholders: Vec<model::Parsed> = unreadable.collect();
    let mut parsed = Vec::with_capacity(results.len() + placeholders.len());
    parsed.extend(placeholders);
    for (p, e) in results {
        if p.front_matter.draft && !drafts {
            if let Some(dir) = p.path.strip_suffix("/index.md") {
                draft_bundles.push(format!("{dir}/"));
            }
        } else {
            parsed.push(p);
        }
        errors.extend(e);
    }
    parsed
}

/// An empty stand-in for a content file that could not be read (its load error names it).
fn unreadable_document(e: &Error) -> Option<model::Parsed> {
    if !matches!(e.kind, ErrorKind::Unreadable | ErrorKind::NotUtf8) {
        return None;
    }
    let path = e.location.as_ref()?.file.strip_prefix("content/")?;
    path.ends_with(".md").then(|| model::Parsed {
        path: path.to_string(),
        text: String::new(),
        front_matter: frontmatter::FrontMatter::default(),
        body_offset: 0,
    })
}

fn render_markdown(site: &Site, names: &Names, shortcodes: &Shortcodes<'_>) -> Vec<Rendered> {
    let linker = Linker { site, names };
    site.pages
        .par_iter()
        .map(|page| markdown::render(page.body(), &site.url(page.id), &linker, shortcodes))
        .collect()
}
