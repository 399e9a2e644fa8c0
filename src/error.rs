//! Errors and diagnostics: what went wrong, where (file:line:col), and how to fix it.
//!
//! Every stage reports problems as [`Error`] values and keeps going; the spine collects them
//! into [`Errors`] and fails once, with all of them. Rendering a diagnostic (the source line,
//! a caret under the span, the hint) is delegated to `annotate-snippets`.
//! This module must not read files: callers hand it the text a span points into.

use std::fmt;
use std::ops::Range;

use annotate_snippets::{Level, Renderer, Snippet};

/// What kind of problem an [`Error`] is; tests and tools (`--format json`) match on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ErrorKind {
    Config,
    /// Output, config or usage problems: exit code 2.
    Io,
    /// A content, template or static file that cannot be read: a content error (exit code 1).
    Unreadable,
    NotUtf8,
    FrontMatter,
    Toml,
    MissingTitle,
    UnknownKey,
    InvalidValue,
    UnknownReference,
    AmbiguousReference,
    BrokenLink,
    BrokenAnchor,
    DuplicateUrl,
    DuplicateName,
    Template,
    Shortcode,
    /// A fenced code block's language or options (a warning).
    CodeBlock,
    /// A translation without a source, in an undeclared language, or setting references; a
    /// stale or missing translation (warnings of `weft check`).
    Translation,
    /// A UI string or term a language lacks (a warning).
    UiString,
}

impl ErrorKind {
    /// Whether an error of this kind is about a file itself (reading it, its front matter,
    /// the configuration), and so may be the cause of errors elsewhere.
    pub fn is_cause(self) -> bool {
        matches!(
            self,
            ErrorKind::Config
                | ErrorKind::Io
                | ErrorKind::Unreadable
                | ErrorKind::NotUtf8
                | ErrorKind::FrontMatter
                | ErrorKind::Toml
                | ErrorKind::MissingTitle
                | ErrorKind::UnknownKey
                | ErrorKind::InvalidValue
        )
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Config => "config",
            ErrorKind::Io => "io",
            ErrorKind::Unreadable => "unreadable",
            ErrorKind::NotUtf8 => "not-utf8",
            ErrorKind::FrontMatter => "front-matter",
            ErrorKind::Toml => "toml",
            ErrorKind::MissingTitle => "missing-title",
            ErrorKind::UnknownKey => "unknown-key",
            ErrorKind::InvalidValue => "invalid-value",
            ErrorKind::UnknownReference => "unknown-reference",
            ErrorKind::AmbiguousReference => "ambiguous-reference",
            ErrorKind::BrokenLink => "broken-link",
            ErrorKind::BrokenAnchor => "broken-anchor",
            ErrorKind::DuplicateUrl => "duplicate-url",
            ErrorKind::DuplicateName => "duplicate-name",
            ErrorKind::Template => "template",
            ErrorKind::Shortcode => "shortcode",
            ErrorKind::CodeBlock => "code-block",
            ErrorKind::Translation => "translation",
            ErrorKind::UiString => "ui-string",
        }
    }
}

/// A place in a source file, with the text of its line so a diagnostic can be shown
/// without reading the file again.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    /// Path as shown to the user, relative to the site root (`content/a/b.md`).
    pub file: String,
    /// 1-based line and column (column counted in characters).
    pub line: usize,
    pub column: usize,
    /// The whole source line the span starts on, without its line break.
    pub line_text: String,
    /// The span's byte range within `line_text` (clipped to that line).
    pub line_span: Range<usize>,
}

impl Location {
    /// Locates byte range `span` of `text` (the whole file) in `file`.
    pub fn new(file: &str, text: &str, span: Range<usize>) -> Location {
        let start = floor_char_boundary(text, span.start.min(text.len()));
        let (line, column) = line_col(text, start);
        let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
        let line_text = text[line_start..line_end]
            .trim_end_matches('\r')
            .to_string();
        // A span may start on the line's `\r`s, past the text kept for display: its caret
        // goes at the end of that text.
        let shown_end = line_start + line_text.len();
        let shown_start = start.min(shown_end);
        let mut end = span.end.clamp(shown_start, shown_end);
        while !text.is_char_boundary(end) {
            end += 1; // never past the line's end, which is a boundary
        }
        Location {
            file: file.to_string(),
            line,
            column,
            line_text,
            line_span: (shown_start - line_start)..(end - line_start),
        }
    }

    /// A location that names only a file (no line to show), e.g. for I/O errors.
    pub fn file_only(file: &str) -> Location {
        Location {
            file: file.to_string(),
            line: 0,
            column: 0,
            line_text: String::new(),
            line_span: 0..0,
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}", self.file)
        } else {
            write!(f, "{}:{}:{}", self.file, self.line, self.column)
        }
    }
}

/// 1-based (line, column) of byte `offset` in `text`; the column counts characters,
/// so text with accents before the offset still points at the right place.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = floor_char_boundary(text, offset.min(text.len()));
    let before = &text[..offset];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line_of(text, offset), column)
}

/// 1-based line of byte `offset` in `text`.
pub fn line_of(text: &str, offset: usize) -> usize {
    Lines::new(text).line_of(offset)
}

/// Line numbers of offsets in one text, asked mostly in increasing order (the references of a
/// page): counts newlines on from the previous offset instead of from the start each time,
/// which made line numbers 4 % of a large build.
pub struct Lines<'a> {
    text: &'a [u8],
    offset: usize,
    line: usize,
}

impl<'a> Lines<'a> {
    pub fn new(text: &'a str) -> Lines<'a> {
        Lines {
            text: text.as_bytes(),
            offset: 0,
            line: 1,
        }
    }

    /// 1-based line of byte `offset`.
    pub fn line_of(&mut self, offset: usize) -> usize {
        let offset = offset.min(self.text.len());
        if offset < self.offset {
            (self.offset, self.line) = (0, 1);
        }
        let newlines = self.text[self.offset..offset]
            .iter()
            .filter(|&&b| b == b'\n');
        self.line += newlines.count();
        self.offset = offset;
        self.line
    }
}

fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// One problem in the site, with enough context to fix it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    pub kind: ErrorKind,
    /// One line: `unknown country "Keyna"`.
    pub message: String,
    pub location: Option<Location>,
    /// Short text shown under the caret: `did you mean "Kenya"?`.
    pub label: Option<String>,
    /// A longer hint shown after the snippet.
    pub help: Option<String>,
    /// Another place involved (the first file claiming a URL, say).
    pub also: Option<Location>,
    /// The label under `also` (default: "also defined here").
    pub also_label: Option<String>,
}

impl Error {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error {
            kind,
            message: message.into(),
            location: None,
            label: None,
            help: None,
            also: None,
            also_label: None,
        }
    }

    pub fn at(mut self, location: Location) -> Error {
        self.location = Some(location);
        self
    }

    pub fn label(mut self, label: impl Into<String>) -> Error {
        self.label = Some(label.into());
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Error {
        self.help = Some(help.into());
        self
    }

    pub fn also(mut self, location: Location) -> Error {
        self.also = Some(location);
        self
    }

    /// Another place involved, with what happens there (a template line behind a page's error).
    pub fn also_labelled(mut self, location: Location, label: impl Into<String>) -> Error {
        self.also = Some(location);
        self.also_label = Some(label.into());
        self
    }

    /// The diagnostic as the compiler would print it; `color` for a terminal.
    pub fn render(&self, color: bool) -> String {
        self.render_as(false, color)
    }

    /// Like [`Error::render`], titled `warning:` when `warning` (for `weft check` findings).
    /// A location without a line (a whole file) is named in a `-->` line alone, its label
    /// becoming a note.
    pub fn render_as(&self, warning: bool, color: bool) -> String {
        let renderer = if color {
            Renderer::styled()
        } else {
            Renderer::plain()
        };
        let level = if warning {
            Level::Warning
        } else {
            Level::Error
        };
        let mut message = level.title(&self.message);
        let places = [
            (&self.location, self.label.as_deref()),
            (
                &self.also,
                Some(self.also_label.as_deref().unwrap_or("also defined here")),
            ),
        ];
        let mut bare = Vec::new();
        let mut notes = Vec::new();
        for (loc, label) in places {
            match loc {
                Some(loc) if loc.line > 0 => message = message.snippet(snippet(level, loc, label)),
                Some(loc) => {
                    bare.push(format!("--> {}", loc.file));
                    notes.extend(label);
                }
                None => {}
            }
        }
        for note in notes {
            message = message.footer(Level::Note.title(note));
        }
        if let Some(help) = &self.help {
            message = message.footer(Level::Help.title(help));
        }
        let rendered = renderer.render(message).to_string();
        if bare.is_empty() {
            return rendered;
        }
        match rendered.split_once('\n') {
            Some((title, rest)) => format!("{title}\n{}\n{rest}", bare.join("\n")),
            None => format!("{rendered}\n{}", bare.join("\n")),
        }
    }
}

fn snippet<'a>(level: Level, loc: &'a Location, label: Option<&'a str>) -> Snippet<'a> {
    // An empty span still deserves a visible caret.
    let span = if loc.line_span.is_empty() {
        let start = loc.line_span.start;
        let width = loc.line_text[start..]
            .chars()
            .next()
            .map_or(1, char::len_utf8);
        start..(start + width).min(loc.line_text.len().max(1))
    } else {
        loc.line_span.clone()
    };
    Snippet::source(&loc.line_text)
        .line_start(loc.line)
        .origin(&loc.file)
        .fold(false)
        .annotation(level.span(span).label(label.unwrap_or("")))
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.location {
            Some(loc) => write!(f, "{loc}: {}", self.message),
            None => write!(f, "{}", self.message),
        }
    }
}

impl std::error::Error for Error {}

/// Every error of one build, in a stable order: causes first, then by file, line, column,
/// message.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Errors(pub Vec<Error>);

impl Errors {
    pub fn sorted(mut errors: Vec<Error>) -> Errors {
        errors.sort_by_key(sort_key);
        errors.dedup();
        Errors(errors)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn iter(&self) -> std::slice::Iter<'_, Error> {
        self.0.iter()
    }

    /// All diagnostics, blank-line separated, followed by a count line.
    pub fn render(&self, color: bool) -> String {
        let mut out = String::new();
        for error in &self.0 {
            out.push_str(&error.render(color));
            out.push_str("\n\n");
        }
        let n = self.0.len();
        out.push_str(&format!(
            "error: build failed with {n} error{}",
            if n == 1 { "" } else { "s" }
        ));
        out
    }
}

/// Causes first (a file that cannot be read, a front matter with errors: what may make other
/// errors), then by file, line, column and message. The first error shown (`weft serve`'s
/// overlay shows it on top) is then one to fix first.
fn sort_key(e: &Error) -> (bool, String, usize, usize, String) {
    let not_a_cause = !e.kind.is_cause();
    match &e.location {
        Some(l) => (
            not_a_cause,
            l.file.clone(),
            l.line,
            l.column,
            e.message.clone(),
        ),
        None => (not_a_cause, String::new(), 0, 0, e.message.clone()),
    }
}

impl fmt::Display for Errors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.render(false))
    }
}

impl std::error::Error for Errors {}

impl From<Error> for Errors {
    fn from(e: Error) -> Errors {
        Errors(vec![e])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_in_any_order_are_counted_from_the_start() {
        let text = "a\nb\n\nc";
        let mut lines = Lines::new(text);
        let asked = [0, 2, 5, 1, 6, 100, 4];
        let got: Vec<usize> = asked.iter().map(|&o| lines.line_of(o)).collect();
        let expected: Vec<usize> = asked.iter().map(|&o| line_col(text, o).0).collect();
        assert_eq!(got, expected);
        assert_eq!(got, [1, 2, 4, 1, 4, 4, 3]);
    }

    #[test]
    fn a_span_starting_on_a_lines_carriage_return_is_located_not_a_panic() {
        // Found by props::front_matter_parsing_returns_errors_never_panics: a CRLF line's kept
        // text ends before the `\r`, so the span's end was clamped below its start.
        let location = Location::new("a.md", "key = 1\r\nnext", 7..9);
        assert_eq!((location.line, location.column), (1, 8));
        assert_eq!(location.line_span, 7..7);
        let location = Location::new("a.md", "key = 1\r\r\nnext", 8..9);
        assert_eq!((location.line, location.column), (1, 9));
        assert_eq!(location.line_span, 7..7);
        let shown = Error::new(ErrorKind::FrontMatter, "bad")
            .at(location)
            .to_string();
        assert!(shown.contains("a.md:1:9"), "{shown}");
    }

    #[test]
    fn offset_zero_is_line_one_column_one() {
        assert_eq!(line_col("abc", 0), (1, 1));
    }

    #[test]
    fn columns_count_characters_not_bytes() {
        let text = "ti = 'Côte'\nx = \"é\" y";
        let offset = text.find('y').unwrap();
        assert_eq!(line_col(text, offset), (2, 9));
        assert_eq!(line_col(text, text.find("te'").unwrap()), (1, 9));
    }

    #[test]
    fn offset_inside_a_multibyte_char_is_clamped() {
        let text = "é";
        assert_eq!(line_col(text, 1), (1, 1));
    }

    #[test]
    fn location_keeps_the_line_and_the_span_within_it() {
        let text = "a = 1\ncountries = [\"Keyna\"]\n";
        let start = text.find("\"Keyna\"").unwrap();
        let loc = Location::new("x.md", text, start..start + 7);
        assert_eq!((loc.line, loc.column), (2, 14));
        assert_eq!(loc.line_text, "countries = [\"Keyna\"]");
        assert_eq!(&loc.line_text[loc.line_span.clone()], "\"Keyna\"");
    }

    #[test]
    fn rendered_error_shows_path_line_and_label() {
        let text = "countries = [\"Keyna\"]\n";
        let loc = Location::new("content/a.md", text, 13..20);
        let e = Error::new(ErrorKind::UnknownReference, "unknown country \"Keyna\"")
            .at(loc)
            .label("did you mean \"Kenya\"?");
        let out = e.render(false);
        assert!(out.contains("error: unknown country \"Keyna\""), "{out}");
        assert!(out.contains("--> content/a.md:1:14"), "{out}");
        assert!(out.contains("^^^^^^^ did you mean \"Kenya\"?"), "{out}");
    }
}
