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
pub use output::{feeds, graph, i18n, render, search, templates, translations, write};
pub use resolve::{highlight, languages, markdown, model, shortcode, xref};
pub use serve::{incremental, session, watch};

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;
use std::sync::Arc;

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
    /// The default language's view of the site.
    pub site: Site,
    pub graph: Graph,
    /// The other languages' views (`[languages]` in site.toml), in code order.
    pub translations: Vec<View>,
    /// Rendered pages and extra files, sorted by path.
    pub outputs: Vec<Output>,
    /// Files copied as they are, by output path.
    pub assets: BTreeMap<String, Asset>,
    /// Problems that did not stop the build (a code block in an unknown language, a shallow
    /// clone's undated pages), sorted; shown as warnings.
    pub warnings: Vec<Error>,
    /// The data files each output's templates read (`weft serve` renders again only the
    /// outputs that read a changed one).
    pub data_readers: data::Readers,
}

/// One language's view of the site and its references.
pub struct View {
    pub site: Site,
    pub graph: Graph,
}

impl Build {
    /// Number of content pages (home and sections included), in every language.
    pub fn page_count(&self) -> usize {
        self.site.pages.len() * (1 + self.translations.len())
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
    let (split, split_errors) = languages::split(parsed, &files.config);
    errors.extend(split_errors);
    // Every language's model first (side by side): a page's context names its URL in every
    // language. Each other language's documents are its translations merged over the sources.
    let config = &files.config;
    let languages::Split {
        sources,
        translations,
    } = split;
    let views: Vec<(String, Vec<model::Parsed>)> = translations
        .par_iter()
        .map(|(code, translations)| {
            let docs = languages::view(&sources, translations, &format!("{code}/"));
            (code.clone(), docs)
        })
        .collect();
    // The sources are the default language's documents (moved, not copied); the translations,
    // merged into the views, are dropped meanwhile.
    let (default, others) = rayon::join(
        || Site::new(config.clone(), sources),
        || {
            let others = views
                .into_par_iter()
                .map(|(code, docs)| Site::in_language(config.clone(), docs, &code))
                .collect::<Vec<_>>();
            drop(translations);
            others
        },
    );
    let mut sites = Vec::with_capacity(1 + others.len());
    for (view, view_errors) in std::iter::once(default).chain(others) {
        errors.extend(view_errors);
        sites.push(view);
    }
    let conflicts: Vec<Vec<Error>> = sites
        .par_iter()
        .map(|view| view.output_conflicts(&other_outputs(view, &files.assets)))
        .collect();
    errors.extend(conflicts.into_iter().flatten());
    let (names, name_errors) = Names::new(&sites[0]);
    errors.extend(name_errors);
    // References are typed once, on the source, in the default language: resolved once, they
    // hold in every view (a `PageId` is the same page in all of them).
    let (front_refs, ref_errors) = xref::front_matter_references(&sites[0], &names);
    errors.extend(ref_errors);
    let mut warnings = std::mem::take(&mut files.warnings);
    // The theme's and the site's UI strings, for every language the site declares.
    let others: Vec<String> = files
        .config
        .other_languages()
        .map(|(code, _)| code.to_string())
        .collect();
    let (strings, string_errors, string_warnings) =
        i18n::Strings::new(&files.strings, &files.config.language, &others);
    errors.extend(string_errors);
    warnings.extend(string_warnings);
    warnings.extend(search::unstemmed_language_warnings(&files.config));
    let default_urls: Vec<String> = (0..sites[0].pages.len())
        .map(|id| sites[0].url(id))
        .collect();
    // The languages are cross-linked side by side: one's serial steps (its model's names, the
    // graph) overlap another's parallel ones (its Markdown).
    let per_view: Vec<(Resolved, Vec<Error>)> = sites
        .into_par_iter()
        .map(|view| {
            let mut view_errors = Vec::new();
            let own;
            let (view_names, fallback) = if view.lang_prefix.is_empty() {
                (&names, None)
            } else {
                let (view_names, name_errors) = Names::new(&view);
                view_errors.extend(name_errors);
                own = view_names;
                (&own, Some(&names))
            };
            let r = resolve_view(
                view,
                (view_names, fallback),
                (&front_refs, &default_urls),
                (&files.templates, &strings),
                &data,
                &mut view_errors,
            );
            (r, view_errors)
        })
        .collect();
    let mut resolved = Vec::with_capacity(per_view.len());
    for (r, view_errors) in per_view {
        errors.extend(view_errors);
        warnings.extend(r.warnings.iter().cloned());
        resolved.push(r);
    }
    if !errors.is_empty() {
        return Err(Errors::sorted(dedup(errors)));
    }
    let sites: Vec<&Site> = resolved.iter().map(|r| &r.site).collect();
    let languages = translations::Languages::new(&sites);
    let sink = &SiteFilesWin {
        inner: sink,
        assets: &files.assets,
    };
    // Every language renders at once, into the one sink; the sitemap of all of them meanwhile.
    let multilingual = resolved.len() > 1;
    let data_readers = data::Readers::default();
    let (per_view, sitemap) = rayon::join(
        || {
            resolved
                .par_iter()
                .enumerate()
                .map(|(index, r)| {
                    let inputs = render::Inputs {
                        site: &r.site,
                        graph: &r.graph,
                        rendered: &r.rendered,
                        env: &r.env,
                        sources: &files.templates,
                        serve: options.serve,
                        languages: languages.as_ref().map(|l| l.current(index)),
                        data_readers: &data_readers,
                    };
                    render_view(&inputs, sink)
                })
                .collect::<Vec<_>>()
        },
        || {
            // A site in one language has its sitemap among its site-wide files.
            let sites: Vec<&Site> = resolved.iter().map(|r| &r.site).collect();
            multilingual
                .then(|| feeds::sitemap(&sites).map(|o| sink.put(o)))
                .flatten()
        },
    );
    let mut outputs = Vec::new();
    let mut errors = Vec::new();
    for (kept, put_errors) in per_view {
        outputs.extend(kept);
        errors.extend(put_errors);
    }
    let (kept, put_errors) = render::gather(sitemap);
    outputs.extend(kept);
    errors.extend(put_errors);
    if !errors.is_empty() {
        return Err(Errors::sorted(errors));
    }
    outputs.sort_by(|a, b| a.path.cmp(&b.path));
    // Content strings shown without a term are known once every page has rendered.
    warnings.extend(strings.term_warnings());
    let warnings = dedup(Errors::sorted(warnings).0);
    // What only rendering needed (every page's HTML) is freed by all threads: freed in turn
    // by one, it was the last tenth of a second of a large build with the other thread idle.
    let views: Vec<View> = resolved
        .into_par_iter()
        .map(|r| {
            r.rendered.into_par_iter().for_each(drop);
            View {
                site: r.site,
                graph: r.graph,
            }
        })
        .collect();
    let mut views = views.into_iter();
    let default = views
        .next()
        .expect("the default language's view comes first");
    Ok(Build {
        site: default.site,
        graph: default.graph,
        translations: views.collect(),
        outputs,
        assets: files.assets,
        warnings,
        data_readers,
    })
}

/// One language's view of the site, cross-linked and with its Markdown rendered.
struct Resolved {
    site: Site,
    graph: Graph,
    rendered: Vec<Rendered>,
    env: minijinja::Environment<'static>,
    warnings: Vec<Error>,
}

/// Cross-links one language's view: names (the view's own first, then the default
/// language's, `fallback`), the template environment (its `url()` and the `lang` global),
/// shortcodes, Markdown, body references and the graph. Errors go to `errors`.
fn resolve_view(
    site: Site,
    (names, fallback): (&Names, Option<&Names>),
    (front_refs, default_urls): (&[xref::Reference], &[String]),
    (templates, strings): (&BTreeMap<String, load::TemplateSource>, &Arc<i18n::Strings>),
    data: &minijinja::Value,
    errors: &mut Vec<Error>,
) -> Resolved {
    let urls: HashMap<String, String> = site
        .pages
        .iter()
        .map(|p| (p.path.clone(), site.url(p.id)))
        .collect();
    let (mut env, template_errors) =
        templates::environment(templates, urls, site.base_path(), strings);
    env.add_global("data", data.clone());
    env.add_global("lang", site.lang.as_str());
    let (shortcodes, shortcode_errors) = Shortcodes::new(&env, templates);
    // Templates are the same in every language: their errors are reported once.
    if fallback.is_none() {
        errors.extend(template_errors);
        errors.extend(templates::missing_collection_templates(
            &site.config,
            templates,
        ));
        errors.extend(shortcode_errors);
    }
    let linker = Linker {
        site: &site,
        names,
        fallback,
    };
    let files_urls = fallback.is_some().then_some(default_urls);
    let rendered = render_markdown(&site, &linker, &shortcodes, files_urls);
    let (body_refs, link_errors) = xref::body_references(&site, &rendered);
    errors.extend(link_errors);
    let warnings = xref::body_warnings(&site, &rendered);
    drop(shortcodes);
    let graph = Graph::new(&site, front_refs.to_vec(), body_refs);
    Resolved {
        site,
        graph,
        rendered,
        env,
        warnings,
    }
}

/// Renders one language's pages and its site-wide files (search index, graph, feeds) into
/// `sink`; the latter need only the rendered Markdown, so they are made while the pages
/// render and their serial parts do not leave a thread idle.
fn render_view(inputs: &render::Inputs<'_>, sink: &dyn Sink) -> (Vec<Output>, Vec<Error>) {
    let ((mut outputs, mut errors), site_files) = rayon::join(
        || render::site(inputs, sink),
        || {
            let files = site_outputs(inputs.site, inputs.rendered, inputs.graph);
            files.into_iter().map(|o| sink.put(o)).collect::<Vec<_>>()
        },
    );
    let (kept, put_errors) = render::gather(site_files);
    outputs.extend(kept);
    errors.extend(put_errors);
    (outputs, errors)
}

/// Errors sorted as [`Errors::sorted`] leaves them, each reported once: a page without a
/// translation is checked in every language, with the same text and so the same errors.
fn dedup(mut errors: Vec<Error>) -> Vec<Error> {
    let mut seen = std::collections::HashSet::new();
    errors.retain(|e| {
        let at = e
            .location
            .as_ref()
            .map(|l| (l.file.clone(), l.line, l.column));
        seen.insert((e.message.clone(), at))
    });
    errors
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
/// A site in several languages has one sitemap for all of them, made once every view is built.
pub fn site_outputs(site: &Site, rendered: &[Rendered], graph: &Graph) -> Vec<Output> {
    // Independent, and each a long serial run for a large site: side by side, so the last one
    // to finish does not leave a thread idle at the end of the build.
    let (mut outputs, (search, graph)) = rayon::join(
        || {
            let mut outputs = feeds::outputs(site);
            if !site.config.is_multilingual() {
                outputs.extend(feeds::sitemap(&[site]));
            }
            outputs
        },
        || {
            rayon::join(
                || search::outputs(site, rendered),
                || graph::outputs(site, graph),
            )
        },
    );
    outputs.extend(search);
    outputs.extend(graph);
    outputs
}

/// Every file a build writes besides pages and aliases, with what it is (for messages about
/// a page or alias claiming its path) and whether the site made it itself.
fn other_outputs(site: &Site, assets: &BTreeMap<String, Asset>) -> Vec<(String, String, bool)> {
    let default_language = site.lang_prefix.is_empty();
    let absolute = site.config.has_absolute_base_url();
    let mut made = vec![
        ("404.html", "the not-found page weft writes"),
        ("search/index.html", "the search page weft writes"),
        (search::INDEX_FILE, "the search index weft writes"),
        (graph::GRAPH_FILE, "the reference graph weft writes"),
    ];
    if absolute {
        made.push(("atom.xml", "the site's Atom feed"));
    }
    // One robots.txt and one sitemap, at the root.
    if default_language {
        made.push(("robots.txt", "the robots.txt weft writes"));
        if absolute {
            made.push(("sitemap.xml", "the sitemap weft writes"));
        }
    }
    let mut files: Vec<(String, String, bool)> = made
        .into_iter()
        .map(|(path, what)| (format!("{}{path}", site.lang_prefix), what))
        // A content page at 404.html or search/ replaces the theme's; that is no conflict.
        .filter(|(path, _)| !site.pages.iter().any(|p| p.is_written_at(path)))
        .filter(|(path, _)| assets.get(path).is_none_or(|a| a.from_theme))
        .map(|(path, what)| (path, what.to_string(), false))
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
                origin: crate::model::Origin::Original,
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
        origin: crate::model::Origin::Original,
    })
}

/// Every page's Markdown; `files_urls` (per page) are where its relative URLs lead from, when
/// not from its own URL (a translation's: the original's, where its files are).
fn render_markdown(
    site: &Site,
    linker: &Linker<'_>,
    shortcodes: &Shortcodes<'_>,
    files_urls: Option<&[String]>,
) -> Vec<Rendered> {
    site.pages
        .par_iter()
        .map(|page| {
            let url = site.url(page.id);
            let files_url = files_urls.map_or(url.as_str(), |u| u[page.id].as_str());
            markdown::render_in(page.body(), (&url, files_url), linker, shortcodes)
        })
        .collect()
}
