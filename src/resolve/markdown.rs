//! Markdown -> HTML with pulldown-cmark: one options function, and event maps that give
//! headings stable ids, build the table of contents, cut the summary, and turn `[[Wikilinks]]`
//! and `@/path.md#anchor` links into site URLs through a [`LinkResolver`].
//!
//! No IO, no knowledge of the site's model: links are resolved by the caller's resolver, and
//! anchors are only recorded here (they are checked once every page's ids are known).

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::ops::Range;

use pulldown_cmark::{
    html, CodeBlockKind, CowStr, Event, HeadingLevel, LinkType, Options, Parser, Tag, TagEnd,
};
use serde::Serialize;

use crate::error::{Error, ErrorKind};
use crate::highlight::{self, Fence};
use crate::shortcode::{self, Shortcodes};

/// The Markdown dialect of every page.
pub fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES
        | Options::ENABLE_SMART_PUNCTUATION
        | Options::ENABLE_WIKILINKS
}

/// Where a link points once resolved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    /// Index of the target page in the site.
    pub page: usize,
    /// Its URL (with the base path, without anchor).
    pub url: String,
}

/// Why a link could not be resolved: a message and a short label for under the caret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unresolved {
    pub message: String,
    pub label: String,
    pub ambiguous: bool,
}

/// Resolves the two kinds of internal links; implemented by `xref`.
pub trait LinkResolver {
    /// `[[Kenya]]`: an entity by title, slug or alternative name.
    fn wikilink(&self, name: &str) -> Result<Target, Unresolved>;
    /// `@/countries/kenya.md`: a page by content path (without `@/` and anchor).
    fn path(&self, path: &str) -> Result<Target, Unresolved>;
}

/// A resolved internal link found in the body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BodyLink {
    pub target: usize,
    pub anchor: Option<String>,
    /// Byte span of the link in the body.
    pub span: Range<usize>,
}

/// A link that did not resolve.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BrokenLink {
    pub span: Range<usize>,
    pub reason: Unresolved,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct TocEntry {
    pub level: u8,
    pub id: String,
    pub title: String,
    pub children: Vec<TocEntry>,
}

/// Everything the rest of the build needs from one page's Markdown.
#[derive(Clone, Debug, Default)]
pub struct Rendered {
    pub html: String,
    pub summary: String,
    pub toc: Vec<TocEntry>,
    /// Every id a `#anchor` may target: headings and footnote definitions.
    pub ids: HashSet<String>,
    pub links: Vec<BodyLink>,
    pub broken: Vec<BrokenLink>,
    /// Errors found in the body besides links (shortcode calls).
    pub problems: Vec<Problem>,
    /// What the build reports without failing (a code block in an unknown language).
    pub warnings: Vec<Problem>,
    /// The shortcodes the body calls (in bodies too), for `weft serve` to know which pages
    /// a change to a shortcode's template touches.
    pub shortcodes: Vec<String>,
    /// The calls of late shortcodes, rendered with the page (`html` holds a placeholder for
    /// each, [`shortcode::Late::placeholder`] of its index here).
    pub late: Vec<shortcode::Late>,
    pub word_count: usize,
}

/// A problem at a place in a page's body: an error without its location, which the caller
/// adds (it knows the file and where the body starts in it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub span: Range<usize>,
    pub error: Error,
}

impl Problem {
    pub fn new(span: Range<usize>, error: Error) -> Problem {
        Problem { span, error }
    }
}

const MORE_MARKER: &str = "<!-- more -->";

/// Renders `body`, the Markdown of the page at `page_url` (its URL with the base path); links
/// are resolved with `resolver`, and relative link and image URLs are made absolute from
/// `page_url`, so a summary shown on another page still points at the page's files.
/// Shortcode calls are expanded with `shortcodes`, and fenced code is highlighted.
pub fn render(
    body: &str,
    page_url: &str,
    resolver: &dyn LinkResolver,
    shortcodes: &Shortcodes<'_>,
) -> Rendered {
    render_in(body, (page_url, page_url), resolver, shortcodes)
}

/// [`render`] for a page whose relative URLs lead from another URL than its own, `files_url`:
/// a translation at `/fr/pays/kenya/` points at the files beside the original,
/// `/countries/kenya/` (its bundle's images, the site's static files).
pub fn render_in(
    body: &str,
    (page_url, files_url): (&str, &str),
    resolver: &dyn LinkResolver,
    shortcodes: &Shortcodes<'_>,
) -> Rendered {
    let source = Source::new(body);
    let mut out = Rendered::default();
    let page = shortcode::Page {
        body,
        url: page_url,
        links: resolver,
        shortcodes,
    };
    let mut events = shortcode::expand(source.events(), &page, &mut out);
    highlight_code_blocks(&mut events, body, &mut out);
    let footnotes = Footnotes::new(&events, &mut out.ids);
    let headings = assign_heading_ids(&mut events, &mut out.ids);
    out.toc = nest_toc(headings);
    resolve_links(&mut events, resolver, &mut out);
    out.broken.extend(undefined_footnotes(&events, body));
    absolutize_relative_urls(&mut events, files_url);
    out.word_count = count_words(&events);
    let summary_end = summary_end(&events);
    if let Some(end) = summary_end {
        let summary = events[..end].iter().map(|(e, _)| e.clone());
        html::push_html(&mut out.summary, footnotes.in_summary(summary, page_url));
    }
    out.html.reserve(body.len() * 3 / 2);
    html::push_html(&mut out.html, footnotes.in_page(events));
    // Every page's HTML is kept until the build ends: drop the growth slack.
    out.html.shrink_to_fit();
    out.summary.shrink_to_fit();
    out
}

/// A page's Markdown as pulldown-cmark is given it. GFM splits a table row at every `|`
/// before it reads the cells' text, so `| [[University of Heidelberg|Heidelberg]] |` would
/// become two cells and ship `[[University of Heidelberg` as text. In table rows, the `|` of a
/// `[[name|label]]` is escaped here (`\|`, GFM's way to write a `|` inside a cell) before the
/// real parse, so the label form works in tables as it does in paragraphs; event spans are
/// mapped back to the text as written, so errors still point at the author's file.
struct Source<'a> {
    text: Cow<'a, str>,
    /// Offsets, in `text`, of the backslashes added (ascending).
    added: Vec<usize>,
}

impl<'a> Source<'a> {
    fn new(body: &'a str) -> Source<'a> {
        let added_before = if may_split_a_wikilink(body) {
            pipes_in_table_wikilinks(body)
        } else {
            Vec::new()
        };
        if added_before.is_empty() {
            return Source {
                text: Cow::Borrowed(body),
                added: Vec::new(),
            };
        }
        let mut text = String::with_capacity(body.len() + added_before.len());
        let mut from = 0;
        let mut added = Vec::with_capacity(added_before.len());
        for &pipe in &added_before {
            text.push_str(&body[from..pipe]);
            added.push(text.len());
            text.push('\\');
            from = pipe;
        }
        text.push_str(&body[from..]);
        Source {
            text: Cow::Owned(text),
            added,
        }
    }

    /// The parse, with spans in the text as written.
    fn events(&self) -> Vec<(Event<'_>, Range<usize>)> {
        Parser::new_ext(&self.text, options())
            .into_offset_iter()
            .map(|(event, span)| (event, self.written(span.start)..self.written(span.end)))
            .collect()
    }

    /// An offset in the parsed text -> the same place in the text as written.
    fn written(&self, offset: usize) -> usize {
        offset - self.added.partition_point(|&at| at < offset)
    }
}

/// Replaces each fenced code block with its highlighted `<pre>` (see [`highlight`]); an unknown
/// language or option is a warning at the fence's first line.
fn highlight_code_blocks(
    events: &mut Vec<(Event<'_>, Range<usize>)>,
    body: &str,
    out: &mut Rendered,
) {
    let is_fence =
        |e: &Event<'_>| matches!(e, Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(_))));
    if !events.iter().any(|(e, _)| is_fence(e)) {
        return;
    }
    let mut kept = Vec::with_capacity(events.len());
    let mut drained = std::mem::take(events).into_iter();
    while let Some((event, span)) = drained.next() {
        let Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info))) = &event else {
            kept.push((event, span));
            continue;
        };
        let mut code = String::new();
        let mut end = span.end;
        for (inner, inner_span) in drained.by_ref() {
            match inner {
                Event::Text(text) => code.push_str(&text),
                Event::End(TagEnd::CodeBlock) => {
                    end = inner_span.end;
                    break;
                }
                _ => {}
            }
        }
        let (fence, unknown_options) = Fence::parse(info);
        let block = highlight::block(&fence, &code);
        let first_line = span.start
            ..body[span.clone()]
                .find('\n')
                .map_or(span.end, |i| span.start + i);
        if block.unknown_language {
            out.warnings
                .push(unknown_language(&fence, first_line.clone()));
        }
        for option in unknown_options {
            out.warnings.push(Problem::new(
                first_line.clone(),
                Error::new(
                    ErrorKind::CodeBlock,
                    format!("unknown code block option `{option}`"),
                )
                .label("ignored")
                .help("options after the language: linenos, hl_lines=3-5 8"),
            ));
        }
        kept.push((
            Event::Html(CowStr::from(block.html.to_string())),
            span.start..end,
        ));
    }
    *events = kept;
}

fn unknown_language(fence: &Fence, span: Range<usize>) -> Problem {
    let lang = fence.lang.as_deref().unwrap_or_default();
    Problem::new(
        span,
        Error::new(
            ErrorKind::CodeBlock,
            format!("no highlighting for the language `{lang}`"),
        )
        .label("shown as plain text")
        .help(format!(
            "languages weft highlights: {}",
            highlight::LANGUAGES
        )),
    )
}

/// A cheap test before the table scan (a parse): some line looks like a table row holding a
/// `[[name|label]]` (a `|` inside the brackets and one outside them).
fn may_split_a_wikilink(body: &str) -> bool {
    body.contains("[[")
        && body.lines().any(|line| {
            let inside = pipes_in_wikilinks(line).len();
            inside > 0 && line.matches('|').count() > inside
        })
}

/// Offsets of each unescaped `|` inside a `[[...]]` on one line of a table.
fn pipes_in_table_wikilinks(body: &str) -> Vec<usize> {
    let tables = Parser::new_ext(body, options())
        .into_offset_iter()
        .filter_map(|(event, span)| matches!(event, Event::Start(Tag::Table(_))).then_some(span));
    let mut pipes = Vec::new();
    for table in tables {
        let mut line_start = table.start;
        for line in body[table.clone()].split_inclusive('\n') {
            pipes.extend(pipes_in_wikilinks(line).into_iter().map(|i| line_start + i));
            line_start += line.len();
        }
    }
    pipes
}

/// Offsets in `line` of each `|` between a `[[` and the next `]]`, not already escaped.
fn pipes_in_wikilinks(line: &str) -> Vec<usize> {
    let mut pipes = Vec::new();
    let mut from = 0;
    while let Some(open) = line[from..].find("[[").map(|i| from + i) {
        let Some(close) = line[open..].find("]]").map(|i| open + i) else {
            break;
        };
        let inside = &line[open + 2..close];
        for (i, _) in inside.match_indices('|') {
            if !inside[..i].ends_with('\\') {
                pipes.push(open + 2 + i);
            }
        }
        from = close + 2;
    }
    pipes
}

/// Gives every heading an id (its own `{#id}` or one made from its text, unique in the page)
/// and returns the flat list of (level, id, title) for the table of contents.
fn assign_heading_ids(
    events: &mut [(Event<'_>, Range<usize>)],
    ids: &mut HashSet<String>,
) -> Vec<(u8, String, String)> {
    let mut headings = Vec::new();
    let mut i = 0;
    while i < events.len() {
        if let Event::Start(Tag::Heading { level, id, .. }) = &events[i].0 {
            let level = heading_level(*level);
            let explicit = id.as_ref().map(|s| s.to_string());
            let title = heading_text(&events[i + 1..]);
            let wanted = explicit.unwrap_or_else(|| slugify_id(&title));
            let unique = unique_id(wanted, ids);
            if let Event::Start(Tag::Heading { id, .. }) = &mut events[i].0 {
                *id = Some(CowStr::from(unique.clone()));
            }
            headings.push((level, unique, title));
        }
        i += 1;
    }
    headings
}

fn heading_level(level: HeadingLevel) -> u8 {
    level as u8
}

fn heading_text(events: &[(Event<'_>, Range<usize>)]) -> String {
    let mut text = String::new();
    for (e, _) in events {
        match e {
            Event::End(TagEnd::Heading(_)) => break,
            Event::Text(t) | Event::Code(t) => text.push_str(t),
            _ => {}
        }
    }
    text.trim().to_string()
}

/// `Child labour surveys (SIMPOC)` -> `child-labour-surveys-simpoc`.
pub fn slugify_id(text: &str) -> String {
    let mut id = String::with_capacity(text.len());
    for c in deunicode::deunicode(text).chars() {
        if c.is_ascii_alphanumeric() {
            id.push(c.to_ascii_lowercase());
        } else if !id.ends_with('-') && !id.is_empty() {
            id.push('-');
        }
    }
    let id = id.trim_end_matches('-').to_string();
    if id.is_empty() {
        "section".to_string()
    } else {
        id
    }
}

fn unique_id(wanted: String, ids: &mut HashSet<String>) -> String {
    let mut candidate = wanted.clone();
    let mut n = 1;
    while ids.contains(&candidate) {
        candidate = format!("{wanted}-{n}");
        n += 1;
    }
    ids.insert(candidate.clone());
    candidate
}

/// Footnotes as the page shows them: numbered in the order they first appear, with ids that
/// cannot collide with heading ids (`fn-1` for the note, `fnref-1`, `fnref-1-2`, ... for its
/// references), and a back-link (↩) from the note to each of its references.
/// pulldown-cmark's own writer uses the bare name as id (`id="1"`) and links one way only.
#[derive(Default)]
struct Footnotes {
    /// Per footnote name: its number and its id stem (`1` for `fn-1`).
    notes: HashMap<String, (usize, String)>,
    /// Per footnote name: how many times the text refers to it.
    references: HashMap<String, usize>,
}

impl Footnotes {
    /// Numbers the footnotes of `events` and records their ids in `ids`.
    fn new(events: &[(Event<'_>, Range<usize>)], ids: &mut HashSet<String>) -> Footnotes {
        let mut footnotes = Footnotes::default();
        let mut stems = HashSet::new();
        for (event, _) in events {
            let name = match event {
                Event::FootnoteReference(name) => {
                    *footnotes.references.entry(name.to_string()).or_default() += 1;
                    name
                }
                Event::Start(Tag::FootnoteDefinition(name)) => name,
                _ => continue,
            };
            if !footnotes.notes.contains_key(name.as_ref()) {
                let number = footnotes.notes.len() + 1;
                let stem = unique_id(slugify_id(name), &mut stems);
                footnotes.notes.insert(name.to_string(), (number, stem));
            }
        }
        for (name, (_, stem)) in &footnotes.notes {
            ids.insert(format!("fn-{stem}"));
            for n in 1..=footnotes.references.get(name).copied().unwrap_or(0) {
                ids.insert(reference_id(stem, n));
            }
        }
        footnotes
    }

    /// The page's events with footnotes written out as HTML.
    fn in_page<'a>(
        &self,
        events: Vec<(Event<'a>, Range<usize>)>,
    ) -> impl Iterator<Item = Event<'a>> + use<'a, '_> {
        let mut seen: HashMap<String, usize> = HashMap::new();
        // The note being written, and whether its back-links are written yet.
        let mut open: Option<(&str, bool)> = None;
        let mut events = events.into_iter().map(|(e, _)| e).peekable();
        std::iter::from_fn(move || {
            let event = events.next()?;
            Some(match event {
                Event::FootnoteReference(name) => {
                    let n = seen.entry(name.to_string()).or_default();
                    *n += 1;
                    let (number, stem) = &self.notes[name.as_ref()];
                    Event::InlineHtml(CowStr::from(format!(
                        "<sup class=\"footnote-reference\" id=\"{}\"><a href=\"#fn-{stem}\">{number}</a></sup>",
                        reference_id(stem, *n)
                    )))
                }
                Event::Start(Tag::FootnoteDefinition(name)) => {
                    let (key, (number, stem)) = self
                        .notes
                        .get_key_value(name.as_ref())
                        .expect("every note is numbered");
                    open = Some((key.as_str(), false));
                    Event::Html(CowStr::from(format!(
                        "<div class=\"footnote-definition\" id=\"fn-{stem}\"><sup class=\"footnote-definition-label\">{number}</sup>\n"
                    )))
                }
                // The back-links end the note's last paragraph, else the note itself.
                Event::End(TagEnd::Paragraph)
                    if matches!(events.peek(), Some(Event::End(TagEnd::FootnoteDefinition))) =>
                {
                    let Some((name, linked)) = &mut open else {
                        return Some(Event::End(TagEnd::Paragraph));
                    };
                    *linked = true;
                    Event::Html(CowStr::from(format!("{}</p>\n", self.back_links(name))))
                }
                Event::End(TagEnd::FootnoteDefinition) => {
                    let links = match open.take() {
                        Some((name, false)) => self.back_links(name),
                        _ => String::new(),
                    };
                    Event::Html(CowStr::from(format!("{links}</div>\n")))
                }
                other => other,
            })
        })
    }

    /// A summary's events: a reference links to the note on the page (a list shows many
    /// summaries, so it carries no id), and notes are left out.
    fn in_summary<'a, I: Iterator<Item = Event<'a>>>(
        &self,
        events: I,
        page_url: &str,
    ) -> impl Iterator<Item = Event<'a>> + use<'a, '_, I> {
        let mut depth = 0usize;
        let notes = &self.notes;
        let page_url = page_url.to_string();
        events.filter_map(move |event| {
            match &event {
                Event::Start(Tag::FootnoteDefinition(_)) => depth += 1,
                Event::End(TagEnd::FootnoteDefinition) => {
                    depth = depth.saturating_sub(1);
                    return None;
                }
                _ => {}
            }
            if depth > 0 {
                return None;
            }
            Some(match event {
                Event::FootnoteReference(name) => match notes.get(name.as_ref()) {
                    Some((number, stem)) => Event::InlineHtml(CowStr::from(format!(
                        "<sup class=\"footnote-reference\"><a href=\"{page_url}#fn-{stem}\">{number}</a></sup>"
                    ))),
                    None => Event::FootnoteReference(name),
                },
                other => other,
            })
        })
    }

    /// ` <a ...>↩</a>` once per reference to the note `name` (none when nothing refers to it).
    fn back_links(&self, name: &str) -> String {
        let (number, stem) = &self.notes[name];
        let count = self.references.get(name).copied().unwrap_or(0);
        (1..=count)
            .map(|n| {
                // The label says which reference; the visible text is only the arrow (a
                // visible number absent from the label would contradict it for speech users).
                let label = if n == 1 {
                    format!("Back to reference {number}")
                } else {
                    format!("Back to reference {number} ({n})")
                };
                format!(
                    " <a href=\"#{}\" class=\"footnote-backref\" aria-label=\"{label}\">\u{21a9}\u{fe0e}</a>",
                    reference_id(stem, n)
                )
            })
            .collect()
    }
}

/// `[^name]` with no `[^name]: ...` note anywhere on the page: pulldown-cmark leaves it as the
/// text `[`, `^name`, `]`, which would reach readers as is.
fn undefined_footnotes(events: &[(Event<'_>, Range<usize>)], body: &str) -> Vec<BrokenLink> {
    let text = |i: usize| match events.get(i) {
        Some((Event::Text(t), span)) => Some((t.as_ref(), span.clone())),
        _ => None,
    };
    (0..events.len())
        .filter_map(|i| {
            let (_, open) = text(i).filter(|(t, span)| *t == "[" && &body[span.clone()] == "[")?;
            let (name, _) = text(i + 1).filter(|(t, _)| t.len() > 1 && t.starts_with('^'))?;
            let (_, close) = text(i + 2).filter(|(t, _)| *t == "]")?;
            let name = &name[1..];
            Some(BrokenLink {
                span: open.start..close.end,
                reason: Unresolved {
                    message: format!("footnote [^{name}] has no note"),
                    label: format!("add its note on a line of its own: [^{name}]: The note."),
                    ambiguous: false,
                },
            })
        })
        .collect()
}

/// `fnref-1` for the first reference to note `1`, `fnref-1-2` for the second.
fn reference_id(stem: &str, n: usize) -> String {
    if n == 1 {
        format!("fnref-{stem}")
    } else {
        format!("fnref-{stem}-{n}")
    }
}

/// Flat headings -> a tree: each heading holds the deeper ones that follow it.
fn nest_toc(headings: Vec<(u8, String, String)>) -> Vec<TocEntry> {
    let mut root: Vec<TocEntry> = Vec::new();
    for (level, id, title) in headings {
        let entry = TocEntry {
            level,
            id,
            title,
            children: Vec::new(),
        };
        insert_toc(&mut root, entry);
    }
    root
}

fn insert_toc(siblings: &mut Vec<TocEntry>, entry: TocEntry) {
    match siblings.last_mut() {
        Some(last) if last.level < entry.level => insert_toc(&mut last.children, entry),
        _ => siblings.push(entry),
    }
}

fn resolve_links(
    events: &mut [(Event<'_>, Range<usize>)],
    resolver: &dyn LinkResolver,
    out: &mut Rendered,
) {
    hide_wikilink_anchors(events);
    for (event, span) in events.iter_mut() {
        let Event::Start(Tag::Link {
            link_type,
            dest_url,
            ..
        }) = event
        else {
            continue;
        };
        let is_wiki = matches!(link_type, LinkType::WikiLink { .. });
        if !is_wiki && !dest_url.starts_with("@/") {
            continue;
        }
        // `[[name\|label]]` (a `|` escaped in a table) leaves its backslash on the name.
        if is_wiki && dest_url.trim_end().ends_with('\\') {
            let name = dest_url.trim_end().trim_end_matches('\\').to_string();
            *dest_url = CowStr::from(name);
        }
        let (target, anchor) = split_anchor(dest_url);
        let resolved = if is_wiki {
            resolver.wikilink(target)
        } else {
            resolver.path(&target[2..])
        };
        match resolved {
            Ok(found) => {
                let href = match &anchor {
                    Some(a) => format!("{}#{a}", found.url),
                    None => found.url.clone(),
                };
                out.links.push(BodyLink {
                    target: found.page,
                    anchor,
                    span: span.clone(),
                });
                *dest_url = CowStr::from(href);
            }
            Err(reason) => out.broken.push(BrokenLink {
                span: span.clone(),
                reason,
            }),
        }
    }
}

/// `[[Kenya#labour-law]]` shows as "Kenya", not "Kenya#labour-law" (a `[[a#b|text]]` keeps
/// its text).
fn hide_wikilink_anchors(events: &mut [(Event<'_>, Range<usize>)]) {
    for i in 0..events.len().saturating_sub(1) {
        let Event::Start(Tag::Link {
            link_type: LinkType::WikiLink { has_pothole: false },
            dest_url,
            ..
        }) = &events[i].0
        else {
            continue;
        };
        let Some((name, _)) = dest_url.split_once('#') else {
            continue;
        };
        let name = name.trim().to_string();
        if let Event::Text(text) = &mut events[i + 1].0 {
            if text.contains('#') {
                *text = CowStr::from(name);
            }
        }
    }
}

/// Makes relative link and image URLs absolute from the page's own URL.
fn absolutize_relative_urls(events: &mut [(Event<'_>, Range<usize>)], page_url: &str) {
    for (event, _) in events.iter_mut() {
        let Some(dest) = link_or_image_url(event) else {
            continue;
        };
        if is_relative_url(dest) {
            *dest = CowStr::from(format!("{page_url}{dest}"));
        }
    }
}

/// The URL a link (not a wikilink) or an image starting at `event` points to.
fn link_or_image_url<'e, 'a>(event: &'e mut Event<'a>) -> Option<&'e mut CowStr<'a>> {
    match event {
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            ..
        }) if !matches!(link_type, LinkType::WikiLink { .. }) => Some(dest_url),
        Event::Start(Tag::Image { dest_url, .. }) => Some(dest_url),
        _ => None,
    }
}

/// A link or image URL as written in a page's Markdown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WrittenUrl {
    /// The URL as the page's HTML carries it (relative URLs made absolute as [`render`] makes
    /// them), percent-decoded so it compares with a URL read back from the HTML.
    pub url: String,
    /// Byte span in the body of the URL as written, or of the whole link when the URL is
    /// written elsewhere (a reference link's definition).
    pub span: Range<usize>,
}

/// Every link and image URL written in `body` (the Markdown of the page at `page_url`), except
/// wikilinks and `@/` links, which the build resolves and checks itself. `weft check` uses it
/// to point at the Markdown behind a URL found in the built HTML.
pub fn written_urls(body: &str, page_url: &str) -> Vec<WrittenUrl> {
    let mut found = Vec::new();
    let source = Source::new(body);
    for (mut event, span) in source.events() {
        let Some(dest) = link_or_image_url(&mut event) else {
            continue;
        };
        if dest.starts_with("@/") {
            continue;
        }
        let url = if is_relative_url(dest) {
            format!("{page_url}{dest}")
        } else {
            dest.to_string()
        };
        let span = match body[span.clone()]
            .rfind(dest.as_ref())
            .filter(|_| !dest.is_empty())
        {
            Some(at) => (span.start + at)..(span.start + at + dest.len()),
            None => span,
        };
        found.push(WrittenUrl {
            url: percent_encoding::percent_decode_str(&url)
                .decode_utf8_lossy()
                .into_owned(),
            span,
        });
    }
    found
}

/// `map.png`, `../x/` are relative; `/a`, `#id`, `?q`, `https://…`, `mailto:…` are not.
fn is_relative_url(url: &str) -> bool {
    if url.is_empty() || url.starts_with(['/', '#', '?']) {
        return false;
    }
    let head_end = url.find(['/', '?', '#']).unwrap_or(url.len());
    !url[..head_end].contains(':')
}

fn split_anchor(dest: &str) -> (&str, Option<String>) {
    match dest.split_once('#') {
        Some((target, anchor)) => (target.trim(), Some(anchor.to_string())),
        None => (dest.trim(), None),
    }
}

fn count_words(events: &[(Event<'_>, Range<usize>)]) -> usize {
    events
        .iter()
        .map(|(e, _)| match e {
            Event::Text(t) => words_in(t),
            _ => 0,
        })
        .sum()
}

/// `text.split_whitespace().count()`, a byte at a time when the text is ASCII (most is): the
/// char-by-char count was 2 % of a large build. (A 64-byte mask per block was tried: the
/// compiler did not vectorize it, and it ran more instructions.)
fn words_in(text: &str) -> usize {
    if !text.is_ascii() {
        return text.split_whitespace().count();
    }
    // ASCII's Unicode whitespace: tab, line feed, vertical tab, form feed, carriage return, space.
    let space = |b: u8| matches!(b, b'\t'..=b'\r' | b' ');
    let mut words = 0;
    let mut in_space = true;
    for &b in text.as_bytes() {
        let is_space = space(b);
        words += usize::from(in_space && !is_space);
        in_space = is_space;
    }
    words
}

/// Index of the event that ends the summary: the `<!-- more -->` marker, else the end of
/// the first paragraph (inclusive).
fn summary_end(events: &[(Event<'_>, Range<usize>)]) -> Option<usize> {
    let marker = events.iter().position(|(e, _)| match e {
        Event::Html(h) | Event::InlineHtml(h) => h.trim() == MORE_MARKER,
        _ => false,
    });
    marker.or_else(|| {
        events
            .iter()
            .position(|(e, _)| matches!(e, Event::End(TagEnd::Paragraph)))
            .map(|i| i + 1)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_counted_as_split_whitespace_counts_them() {
        for text in [
            "",
            " ",
            "one",
            "  two words ",
            "tab\tline\nfeed\u{b}vt\u{c}ff\rcr",
            "x\u{1c}y",
            "caf\u{e9} au\u{a0}lait \u{2003} em",
        ] {
            assert_eq!(words_in(text), text.split_whitespace().count(), "{text:?}");
        }
        // Generated texts: words and runs of spaces of every length up to 70, cut anywhere.
        let mut seed = 3u32;
        for _ in 0..500 {
            let mut text = String::new();
            while text.len() < 300 {
                seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                let run = (seed >> 16) as usize % 71;
                let c = [' ', 'w', '\n', 'x', '\t'][(seed >> 8) as usize % 5];
                text.extend(std::iter::repeat_n(c, run));
            }
            for end in [0, 1, 63, 64, 65, 127, 128, 129, text.len()] {
                let t = &text[..end.min(text.len())];
                assert_eq!(words_in(t), t.split_whitespace().count(), "{t:?}");
            }
        }
    }

    struct Fixed;
    impl LinkResolver for Fixed {
        fn wikilink(&self, name: &str) -> Result<Target, Unresolved> {
            match name {
                "Kenya" => Ok(Target {
                    page: 1,
                    url: "/countries/kenya/".into(),
                }),
                _ => Err(Unresolved {
                    message: format!("unknown entity \"{name}\""),
                    label: "not found".into(),
                    ambiguous: false,
                }),
            }
        }
        fn path(&self, path: &str) -> Result<Target, Unresolved> {
            self.wikilink(if path == "countries/kenya.md" {
                "Kenya"
            } else {
                path
            })
        }
    }

    fn render_at(body: &str, resolver: &dyn LinkResolver) -> Rendered {
        render(body, "/sub/page/", resolver, &Shortcodes::none())
    }

    #[test]
    fn relative_links_and_images_become_absolute_from_the_page_url() {
        let r = render_at(
            "![map](map.png) [a](../b/) [x](https://x.org/) [m](mailto:a@b) [h](#h)",
            &Fixed,
        );
        assert!(r.html.contains("src=\"/sub/page/map.png\""), "{}", r.html);
        assert!(r.html.contains("href=\"/sub/page/../b/\""), "{}", r.html);
        assert!(r.html.contains("href=\"https://x.org/\""), "{}", r.html);
        assert!(r.html.contains("href=\"mailto:a@b\""), "{}", r.html);
        assert!(r.html.contains("href=\"#h\""), "{}", r.html);
    }

    #[test]
    fn written_urls_are_found_as_the_html_has_them_with_their_span() {
        let body = "![](x.png) [a](../maps/chart%20one.svg) [b][r] [[Kenya]] [c](@/a.md)\n\n[r]: https://x.org/\n";
        let found: Vec<(String, &str)> = written_urls(body, "/sub/page/")
            .into_iter()
            .map(|w| (w.url, &body[w.span]))
            .collect();
        assert_eq!(
            found,
            [
                ("/sub/page/x.png".into(), "x.png"),
                (
                    "/sub/page/../maps/chart one.svg".into(),
                    "../maps/chart%20one.svg"
                ),
                ("https://x.org/".into(), "[b][r]"),
            ]
        );
    }

    #[test]
    fn footnotes_have_prefixed_ids_and_link_back_to_each_reference() {
        let body =
            "# 1\n\nText[^1] and[^note] again[^1].\n\n[^1]: One.\n\n    More.\n[^note]: - a list\n";
        let r = render_at(body, &Fixed);
        assert_eq!(
            r.html,
            "<h1 id=\"1\">1</h1>\n\
             <p>Text<sup class=\"footnote-reference\" id=\"fnref-1\"><a href=\"#fn-1\">1</a></sup> \
             and<sup class=\"footnote-reference\" id=\"fnref-note\"><a href=\"#fn-note\">2</a></sup> \
             again<sup class=\"footnote-reference\" id=\"fnref-1-2\"><a href=\"#fn-1\">1</a></sup>.</p>\n\
             <div class=\"footnote-definition\" id=\"fn-1\"><sup class=\"footnote-definition-label\">1</sup>\n\
             <p>One.</p>\n\
             <p>More. \
             <a href=\"#fnref-1\" class=\"footnote-backref\" aria-label=\"Back to reference 1\">\u{21a9}\u{fe0e}</a> \
             <a href=\"#fnref-1-2\" class=\"footnote-backref\" aria-label=\"Back to reference 1 (2)\">\u{21a9}\u{fe0e}</a></p>\n\
             </div>\n\
             <div class=\"footnote-definition\" id=\"fn-note\"><sup class=\"footnote-definition-label\">2</sup>\n\
             <ul>\n<li>a list</li>\n</ul>\n \
             <a href=\"#fnref-note\" class=\"footnote-backref\" aria-label=\"Back to reference 2\">\u{21a9}\u{fe0e}</a></div>\n"
        );
        let mut ids: Vec<&str> = r.ids.iter().map(String::as_str).collect();
        ids.sort();
        assert_eq!(
            ids,
            ["1", "fn-1", "fn-note", "fnref-1", "fnref-1-2", "fnref-note"]
        );
    }

    #[test]
    fn a_footnote_without_its_note_is_broken_but_escaped_brackets_are_text() {
        let body = "Text[^missing] and \\[^not a note] and `[^code]`[^1].\n\n[^1]: One.\n";
        let r = render_at(body, &Fixed);
        let broken: Vec<(&str, &str, &str)> = r
            .broken
            .iter()
            .map(|b| {
                (
                    &body[b.span.clone()],
                    b.reason.message.as_str(),
                    b.reason.label.as_str(),
                )
            })
            .collect();
        assert_eq!(
            broken,
            [(
                "[^missing]",
                "footnote [^missing] has no note",
                "add its note on a line of its own: [^missing]: The note."
            )]
        );
    }

    #[test]
    fn a_summary_links_its_footnotes_to_the_page_without_ids() {
        let r = render_at("Text[^1].\n\n[^1]: One.\n", &Fixed);
        assert_eq!(
            r.summary,
            "<p>Text<sup class=\"footnote-reference\"><a href=\"/sub/page/#fn-1\">1</a></sup>.</p>\n"
        );
    }

    #[test]
    fn a_labelled_wikilink_in_a_table_cell_stays_in_its_cell() {
        let body = "| who | where |\n|---|---|\n| [[Kenya|the country]] `[[a|b]]` | [[Keyna|x]] [[Kenya\\|y]] |\n";
        let r = render_at(body, &Fixed);
        assert_eq!(
            r.html,
            "<table><thead><tr><th>who</th><th>where</th></tr></thead><tbody>\n\
             <tr><td><a href=\"/countries/kenya/\">the country</a> <code>[[a|b]]</code></td>\
             <td><a href=\"Keyna\">x</a> <a href=\"/countries/kenya/\">y</a></td></tr>\n\
             </tbody></table>\n"
        );
        // Spans are those of the text as written.
        assert_eq!(r.broken.len(), 1);
        assert_eq!(&body[r.broken[0].span.clone()], "[[Keyna|x]]");
        let spans: Vec<&str> = r.links.iter().map(|l| &body[l.span.clone()]).collect();
        assert_eq!(spans, ["[[Kenya|the country]]", "[[Kenya\\|y]]"]);
    }

    #[test]
    fn an_escaped_pipe_works_outside_tables_too() {
        let r = render_at("See [[Kenya\\|the country]] and `a|b`.", &Fixed);
        assert_eq!(
            r.html,
            "<p>See <a href=\"/countries/kenya/\">the country</a> and <code>a|b</code>.</p>\n"
        );
    }

    #[test]
    fn a_wikilink_anchor_is_not_shown_in_its_text() {
        let r = render_at("[[Kenya#x]] and [[Kenya#x|the labour law]]", &Fixed);
        assert!(r.html.contains(">Kenya</a>"), "{}", r.html);
        assert!(r.html.contains(">the labour law</a>"), "{}", r.html);
    }

    #[test]
    fn headings_get_unique_ids_and_a_nested_toc() {
        let r = render_at("# Intro\n## Funding\n## Funding\n# Côte d'Ivoire", &Fixed);
        assert!(r.html.contains("<h2 id=\"funding-1\">"), "{}", r.html);
        assert!(r.html.contains("id=\"cote-d-ivoire\""), "{}", r.html);
        assert_eq!(r.toc.len(), 2);
        assert_eq!(r.toc[0].children.len(), 2);
    }

    #[test]
    fn explicit_heading_ids_win() {
        let r = render_at("## Funding {#money}\n", &Fixed);
        assert!(r.html.contains("<h2 id=\"money\">"), "{}", r.html);
    }

    #[test]
    fn wikilinks_and_at_links_become_urls() {
        let r = render_at("See [[Kenya]] and [it](@/countries/kenya.md#x).", &Fixed);
        assert!(
            r.html.contains("<a href=\"/countries/kenya/\">Kenya</a>"),
            "{}",
            r.html
        );
        assert!(
            r.html.contains("href=\"/countries/kenya/#x\""),
            "{}",
            r.html
        );
        assert_eq!(r.links.len(), 2);
        assert_eq!(r.links[1].anchor.as_deref(), Some("x"));
    }

    #[test]
    fn broken_links_keep_their_span() {
        let body = "Text [[Keyna]].";
        let r = render_at(body, &Fixed);
        assert_eq!(r.broken.len(), 1);
        assert_eq!(&body[r.broken[0].span.clone()], "[[Keyna]]");
    }

    #[test]
    fn summary_is_first_paragraph_or_text_before_more() {
        let r = render_at("One.\n\nTwo.", &Fixed);
        assert_eq!(r.summary.trim(), "<p>One.</p>");
        let r = render_at("One.\n\nTwo.\n\n<!-- more -->\n\nThree.", &Fixed);
        assert!(r.summary.contains("Two.") && !r.summary.contains("Three"));
    }
}
