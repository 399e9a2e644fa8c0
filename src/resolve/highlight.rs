//! Fenced code blocks highlighted at build time with arborium (tree-sitter grammars), as
//! `<span class="hl-keyword">` and the like, so the theme's CSS colours them for light and dark
//! alike. The fence's info string carries the language and the options:
//! ```` ```rust,linenos,hl_lines=3-5 8 ````.
//!
//! Each block's HTML is cached for the whole process, keyed by language, options and code, so a
//! rebuild in `weft serve` (or a page repeating a block) does not highlight it again. An unknown
//! language is no error: the block is shown as plain text and the caller reports a warning.
//! No IO.

use std::cell::RefCell;
use std::collections::HashMap;
use std::ops::RangeInclusive;
use std::sync::{Arc, LazyLock, Mutex};

use arborium::{Config, GrammarStore, Highlighter, HtmlFormat};

/// The languages with a grammar (Cargo.toml's arborium features), for messages; arborium also
/// takes their usual aliases (`js`, `sh`, `py`, `yml`).
pub const LANGUAGES: &str = "bash, css, html, javascript, json, markdown, python, rust, toml, yaml";

/// What a fence's info string asks for.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Fence {
    /// The language as written (`rust`, `js`, ...); `None` for a bare fence.
    pub lang: Option<String>,
    /// Number the lines.
    pub linenos: bool,
    /// 1-based line ranges to mark.
    pub hl_lines: Vec<RangeInclusive<usize>>,
}

impl Fence {
    /// `rust,linenos,hl_lines=3-5 8`: the language first, then comma-separated options.
    /// Returns the options it does not know, for a warning.
    pub fn parse(info: &str) -> (Fence, Vec<String>) {
        let mut fence = Fence::default();
        let mut unknown = Vec::new();
        let mut parts = info.split(',').map(str::trim);
        fence.lang = parts
            .next()
            .filter(|l| !l.is_empty() && !l.contains('='))
            .map(str::to_string);
        for option in parts.filter(|p| !p.is_empty()) {
            match option.split_once('=') {
                None if option == "linenos" => fence.linenos = true,
                Some(("hl_lines", lines)) => match parse_lines(lines) {
                    Some(ranges) => fence.hl_lines.extend(ranges),
                    None => unknown.push(option.to_string()),
                },
                _ => unknown.push(option.to_string()),
            }
        }
        (fence, unknown)
    }

    fn marks(&self, line: usize) -> bool {
        self.hl_lines.iter().any(|r| r.contains(&line))
    }
}

/// `3-5 8` -> [3..=5, 8..=8]; `None` when a part is not a line number or range.
fn parse_lines(text: &str) -> Option<Vec<RangeInclusive<usize>>> {
    text.split_whitespace()
        .map(|part| {
            let (from, to) = part.split_once('-').unwrap_or((part, part));
            let (from, to) = (from.parse().ok()?, to.parse().ok()?);
            (from >= 1 && from <= to).then_some(from..=to)
        })
        .collect()
}

/// A highlighted block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Block {
    pub html: Arc<str>,
    /// The language had no grammar: the code is shown as plain text.
    pub unknown_language: bool,
}

type Key = (Fence, String);

static CACHE: LazyLock<Mutex<HashMap<Key, Block>>> = LazyLock::new(Mutex::default);

/// Grammars compiled once for every thread's highlighter.
static GRAMMARS: LazyLock<Arc<GrammarStore>> = LazyLock::new(|| Arc::new(GrammarStore::new()));

thread_local! {
    static HIGHLIGHTER: RefCell<Highlighter> = RefCell::new(Highlighter::with_store_and_config(
        GRAMMARS.clone(),
        Config {
            html_format: HtmlFormat::ClassNamesWithPrefix("hl".to_string()),
            ..Config::default()
        },
    ));
}

/// The `<pre>` of a fenced block, from the cache when this block was seen before.
pub fn block(fence: &Fence, code: &str) -> Block {
    let key = (fence.clone(), code.to_string());
    if let Some(found) = CACHE.lock().expect("highlight cache").get(&key) {
        return found.clone();
    }
    // Highlighted without the lock held, so threads highlight different blocks in parallel.
    let made = make_block(fence, code);
    CACHE
        .lock()
        .expect("highlight cache")
        .insert(key, made.clone());
    made
}

/// Names arborium does not take itself: `yml`, and the plain-text names (no highlighting, no
/// warning).
fn grammar_name(lang: &str) -> Option<&str> {
    match lang {
        "text" | "txt" | "plain" | "plaintext" => None,
        "yml" => Some("yaml"),
        other => Some(other),
    }
}

fn make_block(fence: &Fence, code: &str) -> Block {
    let highlighted = fence
        .lang
        .as_deref()
        .and_then(grammar_name)
        .map(|lang| HIGHLIGHTER.with(|h| h.borrow_mut().highlight(lang, code).map_err(|_| ())));
    let unknown_language = matches!(highlighted, Some(Err(())));
    let inner = match highlighted {
        Some(Ok(html)) => html,
        _ => escape(code.trim_end_matches('\n')),
    };
    // Wrapped lines are blocks, each ending with its line break: nothing may follow the last.
    let wrapped = fence.linenos || !fence.hl_lines.is_empty();
    let lines = if wrapped {
        wrap_lines(&inner, fence)
    } else {
        inner + "\n"
    };
    let mut html = String::with_capacity(lines.len() + 80);
    html.push_str("<pre class=\"code");
    if fence.linenos {
        html.push_str(" linenos");
    }
    // Focusable, so a keyboard can scroll a block wider than the page (WCAG 2.1.1).
    html.push_str("\" tabindex=\"0\"");
    let lang = fence.lang.as_deref().map(escape);
    if let Some(lang) = &lang {
        html.push_str(&format!(
            " data-lang=\"{lang}\"><code class=\"language-{lang}\">"
        ));
    } else {
        html.push_str("><code>");
    }
    html.push_str(&lines);
    html.push_str("</code></pre>\n");
    Block {
        html: html.into(),
        unknown_language,
    }
}

/// Puts each line in `<span class="line">` (`line hl` when marked). A highlight span that
/// runs over a line break (a block comment) is closed at the end of the line and opened again
/// on the next, so every line's element holds well-nested HTML.
fn wrap_lines(html: &str, fence: &Fence) -> String {
    let mut out = String::with_capacity(html.len() + html.len() / 4);
    let mut open: Vec<&str> = Vec::new();
    let mut number = 1;
    let start_line = |out: &mut String, number: usize, open: &[&str]| {
        let class = if fence.marks(number) {
            "line hl"
        } else {
            "line"
        };
        out.push_str(&format!("<span class=\"{class}\">"));
        open.iter().for_each(|tag| out.push_str(tag));
    };
    start_line(&mut out, number, &open);
    let mut rest = html;
    while let Some(at) = rest.find(['<', '\n']) {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        if rest.starts_with('\n') {
            open.iter().for_each(|_| out.push_str("</span>"));
            out.push_str("\n</span>");
            number += 1;
            start_line(&mut out, number, &open);
            rest = &rest[1..];
            continue;
        }
        let end = rest.find('>').map_or(rest.len(), |i| i + 1);
        let tag = &rest[..end];
        if tag.starts_with("</") {
            open.pop();
        } else {
            open.push(tag);
        }
        out.push_str(tag);
        rest = &rest[end..];
    }
    out.push_str(rest);
    out.push_str("</span>");
    out
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_info_string_gives_language_line_numbers_and_marked_lines() {
        let (fence, unknown) = Fence::parse("rust, linenos ,hl_lines=3-5 8,wrap");
        assert_eq!(fence.lang.as_deref(), Some("rust"));
        assert!(fence.linenos);
        assert_eq!(fence.hl_lines, [3..=5, 8..=8]);
        assert_eq!(unknown, ["wrap"]);
        assert_eq!(Fence::parse("x,hl_lines=5-3").1, ["hl_lines=5-3"]);
        assert_eq!(Fence::parse("").0, Fence::default());
    }

    #[test]
    fn a_known_language_is_highlighted_with_classes() {
        let b = block(&Fence::parse("rust").0, "fn main() {}\n");
        assert!(!b.unknown_language);
        assert!(
            b.html.starts_with(
                "<pre class=\"code\" tabindex=\"0\" data-lang=\"rust\"><code class=\"language-rust\"><span class=\"hl-keyword\">fn</span>"
            ),
            "{}",
            b.html
        );
    }

    #[test]
    fn aliases_and_plain_text_names_are_no_unknown_language() {
        for lang in ["yml", "js", "sh", "rs", "md", "py", "text"] {
            let b = block(&Fence::parse(lang).0, "x: 1\n");
            assert!(!b.unknown_language, "{lang}");
        }
        let yaml = block(&Fence::parse("yml").0, "x: 1\n");
        assert!(yaml.html.contains("hl-"), "{}", yaml.html);
    }

    #[test]
    fn an_unknown_language_is_plain_escaped_text() {
        let b = block(&Fence::parse("klingon").0, "a < b\n");
        assert!(b.unknown_language);
        assert_eq!(
            &*b.html,
            "<pre class=\"code\" tabindex=\"0\" data-lang=\"klingon\"><code class=\"language-klingon\">a &lt; b\n</code></pre>\n"
        );
    }

    #[test]
    fn lines_are_wrapped_marked_and_spans_reopened_across_breaks() {
        let fence = Fence::parse("x,linenos,hl_lines=2").0;
        let html = wrap_lines("a<span class=\"c\">/* b\nc */</span>\nd", &fence);
        assert_eq!(
            html,
            "<span class=\"line\">a<span class=\"c\">/* b</span>\n</span>\
             <span class=\"line hl\"><span class=\"c\">c */</span>\n</span>\
             <span class=\"line\">d</span>"
        );
    }

    #[test]
    fn a_block_is_highlighted_once() {
        let fence = Fence::parse("toml").0;
        let code = "cached = true # a_block_is_highlighted_once\n";
        let first = block(&fence, code);
        let second = block(&fence, code);
        assert!(Arc::ptr_eq(&first.html, &second.html));
    }
}
