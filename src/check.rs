//! `weft check`: builds the site in memory and reads the built HTML the way a visitor's browser
//! would, reporting what the build itself cannot see: links and anchors that no output file
//! answers (template links, raw Markdown URLs), pages no other page links to, images without
//! alt text, and wikilink brackets left as text; with `--external`, links to other sites (HEAD,
//! then GET; a timeout; a bounded number of requests at once; definitive answers kept for a day
//! in `.weft-cache/external-links.json`). Each finding points at the Markdown that wrote it
//! when a page's text did.
//!
//! Build errors are findings too, so one run reports everything. Exit codes follow DESIGN.md:
//! 0 clean (warnings allowed), 1 content errors (or any warning under `--strict`), 2 usage or I/O
//! errors. This module never writes the output folder; its only write is the link cache.

use std::cell::OnceCell;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

use html5gum::{Token, Tokenizer};
use rayon::prelude::*;
use serde::Serialize;
use url::Url;

use crate::error::{Error, ErrorKind, Location};
use crate::markdown::{self, WrittenUrl};
use crate::model::{Origin, PageId, Site};
use crate::{Build, Options};

mod external;
pub use external::{check_external, Cache, Outcome, CACHE_TTL};

/// The folder, under the site root, where `weft check --external` keeps its cache.
pub const CACHE_DIR: &str = ".weft-cache";
pub const CACHE_FILE: &str = "external-links.json";

/// `weft check` flags.
#[derive(clap::Args, Clone, Debug)]
pub struct CheckArgs {
    /// Include draft pages.
    #[arg(long)]
    pub drafts: bool,
    /// Also check links to other sites (network access; results cached for a day).
    #[arg(long)]
    pub external: bool,
    /// Fail (exit 1) on warnings too: orphan pages, images without alt, unreachable sites.
    #[arg(long)]
    pub strict: bool,
    /// `text` (diagnostics on stderr) or `json` (findings on stdout, for CI annotations).
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Seconds to wait for one external site.
    #[arg(long, default_value_t = 10)]
    pub timeout: u64,
    /// External requests in flight at once.
    #[arg(long, default_value_t = 8)]
    pub concurrency: usize,
}

impl Default for CheckArgs {
    fn default() -> CheckArgs {
        CheckArgs {
            drafts: false,
            external: false,
            strict: false,
            format: Format::Text,
            timeout: 10,
            concurrency: 8,
        }
    }
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// One problem found: a build error, or one of the checker's own.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub severity: Severity,
    /// Stable name for tools: a build error's kind (`unknown-reference`) or one of `broken-link`,
    /// `broken-anchor`, `raw-wikilink`, `orphan-page`, `missing-alt`, `broken-external-link`,
    /// `unreachable-external-link`.
    pub kind: &'static str,
    /// Message, location, label and help, as for any diagnostic.
    pub detail: Error,
}

/// Everything one check found.
#[derive(Clone, Debug, Default)]
pub struct Report {
    pub findings: Vec<Finding>,
    pub pages: usize,
    /// Internal links followed (distinct per page).
    pub links: usize,
    /// Distinct external URLs checked (0 without `--external`).
    pub external: usize,
    /// Whether the build itself failed (then only its errors are reported).
    pub build_failed: bool,
}

impl Report {
    pub fn errors(&self) -> usize {
        self.count(Severity::Error)
    }

    pub fn warnings(&self) -> usize {
        self.count(Severity::Warning)
    }

    fn count(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == severity)
            .count()
    }

    /// 2 for I/O and usage errors, 1 for content errors (or warnings under `strict`), else 0.
    pub fn exit_code(&self, strict: bool) -> u8 {
        let io = |f: &Finding| f.severity == Severity::Error && f.detail.kind == ErrorKind::Io;
        if self.findings.iter().any(io) {
            2
        } else if self.errors() > 0 || (strict && self.warnings() > 0) {
            1
        } else {
            0
        }
    }

    /// Diagnostics as the compiler prints them, then one summary line.
    pub fn render_text(&self, color: bool) -> String {
        let mut out = String::new();
        for f in &self.findings {
            out.push_str(&render_finding(f, color));
            out.push_str("\n\n");
        }
        out.push_str(&self.summary());
        out
    }

    pub fn summary(&self) -> String {
        let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
        if self.build_failed {
            return format!(
                "check failed: the build has {}",
                plural(self.errors(), "error")
            );
        }
        let external = if self.external > 0 {
            format!(", {}", plural(self.external, "external link"))
        } else {
            String::new()
        };
        format!(
            "checked {}, {}{external}: {}, {}",
            plural(self.pages, "page"),
            plural(self.links, "link"),
            plural(self.errors(), "error"),
            plural(self.warnings(), "warning"),
        )
    }

    /// The findings as one JSON document (see docs/operators.md).
    pub fn to_json(&self) -> String {
        #[derive(Serialize)]
        struct Json<'a> {
            ok: bool,
            pages: usize,
            links: usize,
            external: usize,
            errors: usize,
            warnings: usize,
            findings: Vec<JsonFinding<'a>>,
        }
        #[derive(Serialize)]
        struct JsonFinding<'a> {
            severity: Severity,
            kind: &'a str,
            message: &'a str,
            file: Option<&'a str>,
            line: Option<usize>,
            column: Option<usize>,
            label: Option<&'a str>,
            help: Option<&'a str>,
        }
        let findings = self
            .findings
            .iter()
            .map(|f| {
                let loc = f.detail.location.as_ref();
                let line = loc.map(|l| l.line).filter(|&l| l > 0);
                JsonFinding {
                    severity: f.severity,
                    kind: f.kind,
                    message: &f.detail.message,
                    file: loc.map(|l| l.file.as_str()),
                    line,
                    column: line.and(loc.map(|l| l.column)),
                    label: f.detail.label.as_deref(),
                    help: f.detail.help.as_deref(),
                }
            })
            .collect();
        let json = Json {
            ok: self.errors() == 0,
            pages: self.pages,
            links: self.links,
            external: self.external,
            errors: self.errors(),
            warnings: self.warnings(),
            findings,
        };
        serde_json::to_string_pretty(&json).expect("findings serialize")
    }
}

/// Runs `weft check` for the command line: prints the report, returns the exit code.
pub fn run(root: &Path, args: &CheckArgs, color: bool) -> u8 {
    let report = check(root, args);
    match args.format {
        Format::Text => eprintln!("{}", report.render_text(color)),
        Format::Json => println!("{}", report.to_json()),
    }
    report.exit_code(args.strict)
}

/// Builds the site at `root` in memory and checks it.
pub fn check(root: &Path, args: &CheckArgs) -> Report {
    let options = Options {
        drafts: args.drafts,
        ..Options::default()
    };
    let built = match crate::build(root, &options) {
        Ok(b) => b,
        Err(errors) => {
            return Report {
                findings: errors.iter().map(build_finding).collect(),
                build_failed: true,
                ..Report::default()
            }
        }
    };
    let (mut report, external) = check_build(&built);
    // What the build itself warns about (a code block in an unknown language).
    report
        .findings
        .extend(built.warnings.iter().map(|w| Finding {
            severity: Severity::Warning,
            kind: w.kind.as_str(),
            detail: w.clone(),
        }));
    if args.external {
        let cache_path = root.join(CACHE_DIR).join(CACHE_FILE);
        let mut cache = Cache::read(&cache_path);
        let results = check_external(&external, &mut cache, args);
        report.external = external.len();
        report.findings.extend(results);
        if let Err(e) = cache.write(&cache_path) {
            report.findings.push(Finding {
                severity: Severity::Warning,
                kind: "cache",
                detail: Error::new(
                    ErrorKind::Io,
                    format!("cannot write {}: {e}", cache_path.display()),
                ),
            });
        }
    }
    report.findings.sort_by_key(sort_key);
    report
}

fn build_finding(e: &Error) -> Finding {
    Finding {
        severity: Severity::Error,
        kind: e.kind.as_str(),
        detail: e.clone(),
    }
}

fn sort_key(f: &Finding) -> (Severity, String, usize, usize, String) {
    let (file, line, col) = f
        .detail
        .location
        .as_ref()
        .map_or((String::new(), 0, 0), |l| {
            (l.file.clone(), l.line, l.column)
        });
    (f.severity, file, line, col, f.detail.message.clone())
}

/// A link or image as found in one output file.
#[derive(Clone, Debug)]
struct Reference {
    tag: String,
    url: String,
    /// `<img>` only: the alt attribute, `None` when missing.
    alt: Option<Option<String>>,
}

/// What one output HTML file holds: ids and the URLs it points to.
#[derive(Debug, Default)]
struct Scan {
    ids: HashSet<String>,
    refs: Vec<Reference>,
    /// Text readers see holding `[[` or `]]`: a wikilink Markdown did not turn into a link
    /// (outside code, where brackets are meant).
    raw_wikilinks: Vec<String>,
}

/// Where an external URL was first seen, to report it there.
pub struct ExternalLink {
    pub url: String,
    pub location: Location,
}

/// Checks a built site's HTML; returns the findings and the external links to check.
pub fn check_build(built: &Build) -> (Report, Vec<ExternalLink>) {
    let site = &built.site;
    let scans: BTreeMap<&str, Scan> = built
        .outputs
        .par_iter()
        .filter(|o| o.path.ends_with(".html"))
        .map(|o| (o.path.as_str(), scan(&String::from_utf8_lossy(&o.bytes))))
        .collect();
    let files: HashSet<&str> = built
        .outputs
        .iter()
        .map(|o| o.path.as_str())
        .chain(built.assets.keys().map(String::as_str))
        .collect();
    // Every language's view: a page is found by its output path in whichever it is.
    let views: Vec<&Site> = std::iter::once(site)
        .chain(built.translations.iter().map(|v| &v.site))
        .collect();
    let pages_by_output: HashMap<String, (usize, PageId)> = views
        .iter()
        .enumerate()
        .flat_map(|(v, view)| view.pages.iter().map(move |p| (p.output_path(), (v, p.id))))
        .collect();
    // Other files (a language's search page, aliases) belong to the view of their prefix.
    let view_of = |output: &str| match pages_by_output.get(output) {
        Some(&(v, id)) => (v, Some(id)),
        None => {
            let prefixed =
                |v: &&Site| !v.lang_prefix.is_empty() && output.starts_with(&v.lang_prefix);
            (views.iter().position(prefixed).unwrap_or(0), None)
        }
    };
    let resolver = Resolver::new(&site.config.base_url, site.base_path(), &files);
    let all_sources: Vec<Sources> = views.iter().map(|v| Sources::new(v)).collect();
    let mut findings = Vec::new();
    let mut template_links: BTreeMap<String, (Finding, usize)> = BTreeMap::new();
    let mut linked: HashSet<PageId> = HashSet::new();
    let mut external: BTreeMap<String, Location> = BTreeMap::new();
    let mut links = 0;
    for (output, scan) in &scans {
        let (view, page) = view_of(output);
        let page = page.map(|id| views[view].page(id));
        let sources = &all_sources[view];
        let mut seen = HashSet::new();
        for r in &scan.refs {
            if let Some(alt) = &r.alt {
                if let Some(f) = missing_alt(sources, page.map(|p| p.id), output, &r.url, alt) {
                    findings.push(f);
                }
            }
            if !seen.insert(r.url.as_str()) {
                continue;
            }
            // Locating a URL in the sources is slow: only for what gets reported.
            let locate_it = || sources.locate(page.map(|p| p.id), output, &r.url);
            match resolver.resolve(output, &r.url) {
                Target::Ignored => {}
                Target::External(url) => {
                    if let std::collections::btree_map::Entry::Vacant(e) = external.entry(url) {
                        e.insert(locate_it().0);
                    }
                }
                Target::Internal { path, anchor } => {
                    links += 1;
                    if let Some(&(target_view, target)) = pages_by_output.get(&path) {
                        let itself = page.is_some_and(|p| p.id == target) && target_view == view;
                        if !itself && r.tag == "a" && target_view == 0 {
                            linked.insert(target);
                        }
                    }
                    let problem = if !files.contains(path.as_str()) {
                        Some((
                            "broken-link",
                            format!("broken link {}", r.url),
                            "no file of the built site has this path",
                        ))
                    } else {
                        anchor
                            .filter(|a| {
                                scans.get(path.as_str()).is_some_and(|s| !s.ids.contains(a))
                            })
                            .map(|a| {
                                (
                                    "broken-anchor",
                                    format!("broken anchor #{a} in link {}", r.url),
                                    "the target page has no element with this id",
                                )
                            })
                    };
                    let Some((kind, message, label)) = problem else {
                        continue;
                    };
                    let (place, from_source) = locate_it();
                    let finding = Finding {
                        severity: Severity::Error,
                        kind,
                        detail: Error::new(ErrorKind::BrokenLink, message)
                            .at(place)
                            .label(label),
                    };
                    if from_source {
                        findings.push(finding);
                    } else {
                        // A template link: one finding, however many pages carry it.
                        template_links
                            .entry(format!("{kind} {}", r.url))
                            .or_insert((finding, 0))
                            .1 += 1;
                    }
                }
            }
        }
    }
    for (output, scan) in &scans {
        let (view, page) = view_of(output);
        for snippet in &scan.raw_wikilinks {
            findings.push(raw_wikilink(&all_sources[view], page, output, snippet));
        }
    }
    for (_, (mut finding, n)) in template_links {
        finding.detail = finding.detail.help(format!(
            "the link is made by a template (found on {n} page{}); fix it in the theme or the site's templates/",
            if n == 1 { "" } else { "s" }
        ));
        findings.push(finding);
    }
    findings.sort_by_key(sort_key);
    findings.dedup();
    for page in &site.pages {
        if page.id != site.home && !linked.contains(&page.id) {
            findings.push(orphan(site, page.id));
        }
    }
    for view in &views[1..] {
        findings.extend(translation_findings(site, view));
    }
    let report = Report {
        findings,
        pages: site.pages.len() * views.len(),
        links,
        ..Report::default()
    };
    let external = external
        .into_iter()
        .map(|(url, location)| ExternalLink { url, location })
        .collect();
    (report, external)
}

/// The pages of `view`'s language that show the default language's text (no translation),
/// and the translations of an older version of their source, as warnings.
fn translation_findings(site: &Site, view: &Site) -> Vec<Finding> {
    let language = format!("{} ({})", site.config.language_name(&view.lang), view.lang);
    view.pages
        .iter()
        .filter_map(|page| {
            let source = site.page(page.id);
            let version = || crate::languages::version_of(&source.front_matter, source.body());
            let (kind, detail) = match &page.origin {
                Origin::Fallback if source.text.is_empty() => return None,
                Origin::Fallback => (
                    "missing-translation",
                    Error::new(
                        ErrorKind::Translation,
                        format!("{} has no {language} translation", source.file()),
                    )
                    .at(Location::file_only(&source.file()))
                    .help(format!(
                        "until it has one, its text is shown in {language} pages with a notice; translate it in {}, with translates = \"{}\"",
                        translation_file(&source.path, &view.lang),
                        version()
                    )),
                ),
                Origin::Translation { stale: true, file } => (
                    "stale-translation",
                    Error::new(
                        ErrorKind::Translation,
                        format!(
                            "content/{file} translates another version of {}",
                            source.file()
                        ),
                    )
                    .at(Location::file_only(&format!("content/{file}")))
                    .label("the source's title, description or text changed since")
                    .help(format!(
                        "bring the translation up to date, then set translates = \"{}\" in its front matter",
                        version()
                    )),
                ),
                _ => return None,
            };
            Some(Finding {
                severity: Severity::Warning,
                kind,
                detail,
            })
        })
        .collect()
}

/// `countries/kenya.md` -> `content/countries/kenya.fr.md`.
fn translation_file(path: &str, lang: &str) -> String {
    let stem = path.strip_suffix(".md").unwrap_or(path);
    format!("content/{stem}.{lang}.md")
}

fn orphan(site: &Site, id: PageId) -> Finding {
    let page = site.page(id);
    Finding {
        severity: Severity::Warning,
        kind: "orphan-page",
        detail: Error::new(
            ErrorKind::BrokenLink,
            format!("no page links to {}", page.file()),
        )
        .at(Location::file_only(&page.file()))
        .help("link to it from another page or its section, or mark it `draft = true`"),
    }
}

fn raw_wikilink(sources: &Sources, page: Option<PageId>, output: &str, snippet: &str) -> Finding {
    // Smart punctuation changes quotes and dashes: the Markdown has what comes before them.
    let written = snippet
        .split([
            '\u{2018}', '\u{2019}', '\u{201c}', '\u{201d}', '\u{2013}', '\u{2014}', '\u{2026}',
        ])
        .next()
        .unwrap_or(snippet);
    let (place, _) = sources.locate(page, output, written);
    Finding {
        severity: Severity::Error,
        kind: "raw-wikilink",
        detail: Error::new(
            ErrorKind::BrokenLink,
            format!("wikilink brackets left as text: {snippet}"),
        )
        .at(place)
        .label("readers see this as text, not as a link")
        .help("write a wikilink on one line as [[Name]] or [[Name|label]] (in a table cell too); to show double brackets as text, put them in `code`"),
    }
}

fn missing_alt(
    sources: &Sources,
    page: Option<PageId>,
    output: &str,
    src: &str,
    alt: &Option<String>,
) -> Option<Finding> {
    if alt.as_ref().is_some_and(|text| !text.trim().is_empty()) {
        return None;
    }
    let (place, from_source) = sources.locate(page, output, src);
    // An empty alt marks a decorative image in a template; in Markdown it is a forgotten one.
    let missing = alt.is_none() || from_source;
    missing.then(|| Finding {
        severity: Severity::Warning,
        kind: "missing-alt",
        detail: Error::new(
            ErrorKind::InvalidValue,
            format!("image without alt text: {src}"),
        )
        .at(place)
        .label("describe the image for readers who cannot see it")
        .help("in Markdown, put the description in the brackets: ![A map of Kenya](kenya.png)"),
    })
}

/// The pages' Markdown, read back to find where a URL of the built HTML is written. Each
/// page's URLs are gathered once, when first needed: most checks never need any.
struct Sources<'a> {
    site: &'a Site,
    written: Vec<OnceCell<Vec<WrittenUrl>>>,
}

impl<'a> Sources<'a> {
    fn new(site: &'a Site) -> Sources<'a> {
        Sources {
            site,
            written: site.pages.iter().map(|_| OnceCell::new()).collect(),
        }
    }

    /// Where a URL appears: in a page's source file when it is written there (`true`) — the
    /// page itself, else the first page (by path) whose body has it, as when a section shows
    /// a child's summary — else the page's file alone, or the output file for pages that are
    /// not content.
    fn locate(&self, page: Option<PageId>, output: &str, url: &str) -> (Location, bool) {
        if url.is_empty() {
            return (self.file_of(page, output), false);
        }
        let decoded = percent_decode(url);
        let in_body = |id: PageId| self.in_body(id, url, &decoded);
        if let Some(place) = page.and_then(in_body) {
            return (place, true);
        }
        if let Some(place) = (0..self.site.pages.len()).find_map(in_body) {
            return (place, true);
        }
        (self.file_of(page, output), false)
    }

    /// `url` in page `id`'s Markdown: a Markdown link or image (relative URLs were made
    /// absolute in the HTML), else the text itself (raw HTML in the Markdown).
    fn in_body(&self, id: PageId, url: &str, decoded: &str) -> Option<Location> {
        let page = self.site.page(id);
        let written = self.written[id]
            .get_or_init(|| markdown::written_urls(page.body(), &self.site.url(id)));
        let span = match written.iter().find(|w| w.url == decoded) {
            Some(w) => w.span.clone(),
            None => {
                let at = page.body().find(url)?;
                at..at + url.len()
            }
        };
        let span = (span.start + page.body_offset)..(span.end + page.body_offset);
        Some(Location::new(&page.file(), &page.text, span))
    }

    fn file_of(&self, page: Option<PageId>, output: &str) -> Location {
        match page {
            Some(id) => Location::file_only(&self.site.page(id).file()),
            None => Location::file_only(output),
        }
    }
}

/// Elements whose text is shown as written: brackets there are meant.
const VERBATIM: &[&str] = &["code", "pre", "kbd", "samp", "script", "style", "textarea"];

/// Every id, every `<a name>`, every URL in `href`/`src`, and raw wikilink text of one HTML
/// file.
fn scan(html: &str) -> Scan {
    let mut out = Scan::default();
    let mut emitter = html5gum::DefaultEmitter::default();
    emitter.naively_switch_states(true);
    let mut verbatim = 0usize;
    let mut text = String::new();
    for token in Tokenizer::new_with_emitter(html, emitter).flatten() {
        match token {
            Token::String(chars) => {
                if verbatim == 0 {
                    text.push_str(&String::from_utf8_lossy(&chars));
                }
                continue;
            }
            Token::EndTag(tag)
                if VERBATIM.contains(&String::from_utf8_lossy(&tag.name).as_ref()) =>
            {
                verbatim = verbatim.saturating_sub(1);
            }
            Token::StartTag(tag) => {
                let name = String::from_utf8_lossy(&tag.name).into_owned();
                if VERBATIM.contains(&name.as_str()) && !tag.self_closing {
                    verbatim += 1;
                }
                let attr = |key: &str| {
                    tag.attributes
                        .get(key.as_bytes())
                        .map(|v| String::from_utf8_lossy(&v.value).into_owned())
                };
                scan_tag(&name, attr, &mut out);
            }
            _ => {}
        }
        out.raw_wikilinks.extend(raw_wikilinks(&text));
        text.clear();
    }
    out.raw_wikilinks.extend(raw_wikilinks(&text));
    out
}

/// The ids and the URL of one start tag.
fn scan_tag(name: &str, attr: impl Fn(&str) -> Option<String>, out: &mut Scan) {
    if let Some(id) = attr("id") {
        out.ids.insert(id);
    }
    if name == "a" {
        if let Some(n) = attr("name") {
            out.ids.insert(n);
        }
    }
    let url_attr = match name {
        "a" | "link" | "area" => "href",
        "img" | "script" | "iframe" | "source" | "audio" | "video" | "embed" => "src",
        _ => return,
    };
    if let Some(url) = attr(url_attr) {
        let alt = (name == "img").then(|| attr("alt"));
        out.refs.push(Reference {
            tag: name.to_string(),
            url: url.trim().to_string(),
            alt,
        });
    }
}

/// Each `[[` (with what follows it, up to its `]]` or 60 characters) and each `]]` without
/// its `[[` (with up to 40 characters before it) in one run of text.
fn raw_wikilinks(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut at = 0;
    while let Some(i) = text[at..].find(['[', ']']).map(|i| at + i) {
        let rest = &text[i..];
        if rest.starts_with("[[") {
            let end = rest.find("]]").map_or(rest.len(), |j| j + 2);
            let end = rest.char_indices().nth(60).map_or(end, |(j, _)| end.min(j));
            let snippet = rest[..end].lines().next().unwrap_or_default();
            found.push(snippet.trim_end().to_string());
            at = i + end.max(2);
        } else if rest.starts_with("]]") {
            let before = &text[..i];
            let start = before
                .char_indices()
                .rev()
                .nth(39)
                .map_or(0, |(j, _)| j)
                .max(before.rfind('\n').map_or(0, |j| j + 1));
            found.push(text[start..i + 2].trim_start().to_string());
            at = i + 2;
        } else {
            at = i + 1;
        }
    }
    found
}

enum Target {
    /// Not checked: `mailto:`, `javascript:`, data URLs, and the like.
    Ignored,
    External(String),
    /// A file of the built site (`countries/kenya/index.html`) and the anchor, if any.
    Internal {
        path: String,
        anchor: Option<String>,
    },
}

/// Turns a URL found in an output file into a file of the built site: the URL is resolved
/// against the page's own URL as a browser resolves it (WHATWG URL rules: `..` and `.`
/// segments, `//host`, queries), then looked up as a static host would look it up.
struct Resolver<'a> {
    /// The site's root URL; a placeholder host when `base_url` is only a path.
    root: Url,
    base_path: String,
    files: &'a HashSet<&'a str>,
}

impl<'a> Resolver<'a> {
    fn new(base_url: &str, base_path: &str, files: &'a HashSet<&'a str>) -> Resolver<'a> {
        // The root is the base path on the base URL's host (with its final `/`, which makes
        // it a folder that relative URLs resolve in).
        let root = Url::parse(base_url)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https") && u.has_host())
            .map(|mut u| {
                u.set_path(base_path);
                u
            })
            .or_else(|| Url::parse(&format!("http://site.invalid{base_path}")).ok())
            .unwrap_or_else(|| Url::parse("http://site.invalid/").expect("a valid URL"));
        Resolver {
            root,
            base_path: base_path.to_string(),
            files,
        }
    }

    fn resolve(&self, from: &str, url: &str) -> Target {
        if url.is_empty() {
            return Target::Ignored;
        }
        let page = self.root.join(from).unwrap_or_else(|_| self.root.clone());
        let Ok(absolute) = page.join(url) else {
            // Not a URL at all (`http://[x`): no file answers it.
            return Target::Internal {
                path: format!("../{url}"),
                anchor: None,
            };
        };
        if !matches!(absolute.scheme(), "http" | "https") {
            return Target::Ignored; // mailto:, tel:, javascript:, data:, ...
        }
        let path = absolute.path();
        let inside = path.strip_prefix(self.base_path.as_str());
        let written_with_host = url.starts_with("//") || Url::parse(url).is_ok();
        if absolute.origin() != self.root.origin() || (inside.is_none() && written_with_host) {
            return Target::External(absolute.to_string());
        }
        let anchor = absolute
            .fragment()
            .map(percent_decode)
            .filter(|a| !a.is_empty());
        let mut path = match inside {
            Some(inside) => percent_decode(inside),
            None => format!("..{}", percent_decode(path)), // outside the site: never a file of it
        };
        if path.is_empty() || path.ends_with('/') {
            path.push_str("index.html");
        } else if !self.files.contains(path.as_str())
            && self.files.contains(format!("{path}/index.html").as_str())
        {
            path.push_str("/index.html");
        }
        Target::Internal { path, anchor }
    }
}

/// `c%C3%B4te` -> `côte`; malformed escapes are kept as written.
fn percent_decode(text: &str) -> String {
    percent_encoding::percent_decode_str(text)
        .decode_utf8_lossy()
        .into_owned()
}

/// A finding as the compiler prints a diagnostic (`warning:` for warnings).
fn render_finding(f: &Finding, color: bool) -> String {
    f.detail.render_as(f.severity == Severity::Warning, color)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolver<'a>(files: &'a HashSet<&'a str>) -> Resolver<'a> {
        Resolver::new("https://example.org/sub/", "/sub/", files)
    }

    fn internal(t: Target) -> (String, Option<String>) {
        match t {
            Target::Internal { path, anchor } => (path, anchor),
            _ => panic!("not internal"),
        }
    }

    #[test]
    fn urls_resolve_to_files_as_a_static_host_would() {
        let files: HashSet<&str> = ["a/index.html", "a/b/index.html", "css/x.css"].into();
        let r = resolver(&files);
        let from = "a/b/index.html";
        assert_eq!(
            internal(r.resolve(from, "/sub/a/")),
            ("a/index.html".into(), None)
        );
        assert_eq!(internal(r.resolve(from, "../")).0, "a/index.html");
        assert_eq!(internal(r.resolve(from, "/sub/a/b")).0, "a/b/index.html");
        assert_eq!(
            internal(r.resolve(from, "https://example.org/sub/css/x.css?v=1")).0,
            "css/x.css"
        );
        assert_eq!(
            internal(r.resolve(from, "#top")),
            ("a/b/index.html".into(), Some("top".into()))
        );
        assert_eq!(
            internal(r.resolve(from, "/elsewhere/")).0,
            "../elsewhere/index.html"
        );
        assert!(matches!(
            r.resolve(from, "https://ilo.org/"),
            Target::External(_)
        ));
        assert!(matches!(r.resolve(from, "mailto:a@b.c"), Target::Ignored));
    }

    #[test]
    fn relative_urls_resolve_as_a_browser_resolves_them() {
        let files: HashSet<&str> = ["a/index.html", "maps/chart.svg"].into();
        let r = resolver(&files);
        let from = "a/b/index.html";
        // What the Markdown renderer makes of `../../maps/chart.svg` on page /sub/a/b/.
        assert_eq!(
            internal(r.resolve(from, "/sub/a/b/../../maps/chart.svg")).0,
            "maps/chart.svg"
        );
        assert_eq!(internal(r.resolve(from, "./../../a/./")).0, "a/index.html");
        assert_eq!(
            internal(r.resolve(from, "../../../../x/")).0,
            "../x/index.html"
        );
        assert!(matches!(
            r.resolve(from, "//other.org/x"),
            Target::External(u) if u == "https://other.org/x"
        ));
        assert!(matches!(
            r.resolve(from, "https://example.org/elsewhere/"),
            Target::External(_)
        ));
        assert!(matches!(
            r.resolve(from, "javascript:void(0)"),
            Target::Ignored
        ));
    }

    #[test]
    fn a_base_url_without_its_final_slash_is_still_a_folder() {
        let files: HashSet<&str> = ["a/index.html"].into();
        let r = Resolver::new("https://example.org/sub", "/sub/", &files);
        assert_eq!(
            internal(r.resolve("b/index.html", "../a/")).0,
            "a/index.html"
        );
    }

    #[test]
    fn a_site_without_a_host_resolves_from_its_path() {
        let files: HashSet<&str> = ["maps/chart.svg"].into();
        let r = Resolver::new("/", "/", &files);
        assert_eq!(
            internal(r.resolve("a/index.html", "/a/../maps/chart.svg")).0,
            "maps/chart.svg"
        );
    }

    #[test]
    fn percent_escapes_are_decoded() {
        assert_eq!(percent_decode("c%C3%B4te%20d"), "côte d");
        assert_eq!(percent_decode("100%"), "100%");
    }

    #[test]
    fn scan_finds_ids_links_and_images_with_their_alt() {
        let s = scan("<h2 id=\"x\">X</h2><a name=\"y\"></a><a href=\"/a/\">a</a><img src=\"i.png\"><img src=\"j.png\" alt=\"J\"><script>var s = '<a href=\"/no/\">';</script>");
        assert!(s.ids.contains("x") && s.ids.contains("y"));
        let urls: Vec<&str> = s.refs.iter().map(|r| r.url.as_str()).collect();
        assert_eq!(urls, ["/a/", "i.png", "j.png"]);
        assert_eq!(s.refs[1].alt, Some(None));
        assert_eq!(s.refs[2].alt, Some(Some("J".into())));
    }

    #[test]
    fn raw_wikilink_text_is_found_outside_code() {
        let s = scan("<td>[[University of Heidelberg</td><td>Heidelberg]] and [[B]]</td><p><code>[[a]]</code> <pre>x]]</pre> a [b]</p>");
        assert_eq!(
            s.raw_wikilinks,
            ["[[University of Heidelberg", "Heidelberg]]", "[[B]]"]
        );
        let long = format!("[[{}", "x".repeat(100));
        assert_eq!(raw_wikilinks(&long), [&long[..60]]);
        assert_eq!(
            raw_wikilinks("line\nand a long text before the brackets ]]"),
            ["and a long text before the brackets ]]"]
        );
    }

    #[test]
    fn exit_codes_follow_the_design() {
        let warning = Finding {
            severity: Severity::Warning,
            kind: "orphan-page",
            detail: Error::new(ErrorKind::BrokenLink, "no page links to x"),
        };
        let mut report = Report {
            findings: vec![warning.clone()],
            ..Report::default()
        };
        assert_eq!((report.exit_code(false), report.exit_code(true)), (0, 1));
        report.findings.push(Finding {
            severity: Severity::Error,
            ..warning.clone()
        });
        assert_eq!(report.exit_code(false), 1);
        report.findings.push(Finding {
            severity: Severity::Error,
            kind: "io",
            detail: Error::new(ErrorKind::Io, "cannot read site.toml"),
        });
        assert_eq!(report.exit_code(false), 2);
    }
}
