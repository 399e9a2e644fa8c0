//! Shortcode calls found in a page's parse and replaced by their HTML in its events (see the
//! parent module): a call keeps its container, a call alone in its paragraph replaces it, and
//! a body's Markdown is rendered as the page's, its spans mapped back to the page.

use std::ops::Range;

use minijinja::Value;
use pulldown_cmark::{CodeBlockKind, Event, Tag, TagEnd};

use super::call::{end_tag, parse_call, Call};
use super::{BodyKind, Late, OutputKind, Shortcode, Shortcodes};
use crate::error::{Error, ErrorKind};
use crate::markdown::{self, LinkResolver, Problem, Rendered};

type Events<'e> = Vec<(Event<'e>, Range<usize>)>;

/// What the expansion of one page needs besides its events.
pub(crate) struct Page<'p> {
    pub body: &'p str,
    pub url: &'p str,
    pub links: &'p dyn LinkResolver,
    pub shortcodes: &'p Shortcodes<'p>,
}

/// Replaces every shortcode call in `events` (the parse of `page.body`) with its HTML; errors
/// and whatever a Markdown body links to go into `out`.
pub(crate) fn expand<'e>(events: Events<'e>, page: &Page<'_>, out: &mut Rendered) -> Events<'e> {
    if !Shortcodes::may_call(page.body) {
        return events;
    }
    let mut events = events;
    let mut result: Events<'e> = Vec::with_capacity(events.len());
    let mut code_depth = 0usize;
    let mut i = 0;
    // Where in the current text event to look for the next call.
    let mut from = 0;
    while i < events.len() {
        match &events[i].0 {
            Event::Start(Tag::CodeBlock(_)) => code_depth += 1,
            Event::End(TagEnd::CodeBlock) => code_depth -= 1,
            Event::Text(_) if code_depth == 0 => {
                if let Some(next) = expand_in_text(&mut events, i, from, page, &mut result, out) {
                    (i, from) = next;
                    continue;
                }
            }
            _ => {}
        }
        result.push(std::mem::replace(&mut events[i], (Event::SoftBreak, 0..0)));
        i += 1;
        from = 0;
    }
    result
}

/// The start of the first `{{` or `{%` at or after `from` in text event `i`, when the event
/// holds its text as written (an escaped `\{{` is not a call).
fn call_start(events: &Events<'_>, i: usize, from: usize, body: &str) -> Option<usize> {
    let (Event::Text(text), span) = &events[i] else {
        return None;
    };
    if body.get(span.clone()) != Some(text.as_ref()) {
        return None;
    }
    let search = span.start + from;
    let found = ["{{", "{%"]
        .iter()
        .filter_map(|tag| body[search..span.end].find(tag))
        .min()?;
    Some(search + found)
}

/// Whether the tag at `at` is written after a backslash, to be shown as it is.
fn escaped(body: &str, at: usize) -> bool {
    body[..at].ends_with('\\')
}

/// Expands the first call in text event `i` (from offset `from` in it): pushes the events it
/// keeps onto `result` and says where to go on, or `None` when the event holds no call.
fn expand_in_text<'e>(
    events: &mut Events<'e>,
    i: usize,
    from: usize,
    page: &Page<'_>,
    result: &mut Events<'e>,
    out: &mut Rendered,
) -> Option<(usize, usize)> {
    let body = page.body;
    let mut from = from;
    loop {
        let at = call_start(events, i, from, body)?;
        let span = events[i].1.clone();
        let call = match parse_call(body, at) {
            // `\{{` shows the braces (pulldown-cmark drops the backslash from the text).
            _ if escaped(body, at) => {
                from = at + 2 - span.start;
                continue;
            }
            None => {
                from = at + 2 - span.start;
                continue;
            }
            Some(Err(problem)) => {
                out.problems.push(problem);
                from = at + 2 - span.start;
                continue;
            }
            Some(Ok(call)) if page.shortcodes.broken.contains(&call.name) => {
                from = at + 2 - span.start;
                continue;
            }
            Some(Ok(call)) => call,
        };
        if !out.shortcodes.contains(&call.name) {
            out.shortcodes.push(call.name.clone());
        }
        let replaced = if call.has_body {
            expand_body_call(events, i, &call, page, result, out)
        } else {
            expand_inline_call(events, i, &call, page, result, out)
        };
        match replaced {
            Ok(next) => return Some(next),
            Err(problem) => {
                out.problems.push(problem);
                from = call.span.end.min(span.end) - span.start;
            }
        }
    }
}

/// The index of the event holding byte `offset - 1` (the last of a tag ending at `offset`),
/// searching on from event `i`.
fn event_ending(events: &Events<'_>, i: usize, offset: usize) -> usize {
    let mut j = i;
    while j + 1 < events.len() && events[j].1.end < offset && events[j + 1].1.start < offset {
        j += 1;
    }
    j
}

/// Splits text event `i` at `offset`: the text before it (kept as an event when not empty).
fn text_before<'e>(
    events: &Events<'e>,
    i: usize,
    offset: usize,
    body: &str,
) -> Option<(Event<'e>, Range<usize>)> {
    let span = &events[i].1;
    (offset > span.start).then(|| {
        let text = body[span.start..offset].to_string();
        (Event::Text(text.into()), span.start..offset)
    })
}

fn crossing(call: &Call, what: &str) -> Problem {
    Problem::new(
        call.span.clone(),
        Error::new(
            ErrorKind::Shortcode,
            format!("the call of shortcode `{}` {what}", call.name),
        )
        .label("here"),
    )
}

/// `{{ name(...) }}`: its HTML in place of the call; a call alone in its paragraph replaces the
/// paragraph (so block HTML is not put inside a `<p>`).
fn expand_inline_call<'e>(
    events: &mut Events<'e>,
    i: usize,
    call: &Call,
    page: &Page<'_>,
    result: &mut Events<'e>,
    out: &mut Rendered,
) -> Result<(usize, usize), Problem> {
    let shortcode = page.shortcodes.find(call)?;
    page.shortcodes.check(call, shortcode)?;
    let end = call.span.end;
    let j = event_ending(events, i, end);
    if events[i + 1..=j]
        .iter()
        .any(|(e, s)| !matches!(e, Event::Text(_)) && s.end > end)
    {
        return Err(crossing(call, "runs across Markdown markup"));
    }
    let before = text_before(events, i, call.span.start, page.body);
    let last = &events[j].1;
    let rest = (last.end > end).then_some(end..last.end);
    let alone = before.is_none()
        && rest
            .as_ref()
            .is_none_or(|r| page.body[r.clone()].trim().is_empty())
        && matches!(result.last(), Some((Event::Start(Tag::Paragraph), _)))
        && matches!(events.get(j + 1), Some((Event::End(TagEnd::Paragraph), _)));
    if shortcode.output == OutputKind::Markdown && !alone {
        return Err(crossing(
            call,
            "writes Markdown blocks: it must be a paragraph of its own (blank lines around it)",
        ));
    }
    let html = output(call, shortcode, None, page, out)?;
    if alone {
        let (_, start) = result.pop().expect("the paragraph's start");
        let html = html + "\n";
        result.push((Event::Html(html.into()), start.start..events[j + 1].1.end));
        return Ok((j + 2, 0));
    }
    result.extend(before);
    result.push((Event::InlineHtml(html.into()), call.span.clone()));
    match rest {
        Some(rest) => {
            events[j] = (
                Event::Text(page.body[rest.clone()].to_string().into()),
                rest,
            );
            Ok((j, 0))
        }
        None => Ok((j + 1, 0)),
    }
}

/// `{% name(...) %} body {% end %}`: the tags must start and end blocks at one level (the
/// first in a paragraph or list item of its own, `{% end %}` last in its own); the body's
/// HTML replaces them.
fn expand_body_call<'e>(
    events: &mut Events<'e>,
    i: usize,
    call: &Call,
    page: &Page<'_>,
    result: &mut Events<'e>,
    out: &mut Rendered,
) -> Result<(usize, usize), Problem> {
    let shortcode = page.shortcodes.find(call)?;
    page.shortcodes.check(call, shortcode)?;
    let body = page.body;
    let starts_block =
        events[i].1.start == call.span.start && matches!(result.last(), Some((Event::Start(_), _)));
    if !starts_block {
        return Err(crossing(
            call,
            "must start a paragraph of its own: leave a blank line before it",
        ));
    }
    let Some((k, end_tag_span)) = find_end(events, i, call.span.end, body) else {
        return Err(Problem::new(
            call.span.clone(),
            Error::new(
                ErrorKind::Shortcode,
                format!("the body of shortcode `{}` is not closed", call.name),
            )
            .label("opened here")
            .help("end the body with {% end %} on a line of its own"),
        ));
    };
    let closes_block = events[k].1.end == end_tag_span.end
        && matches!(events.get(k + 1), Some((Event::End(_), _)));
    if !closes_block {
        return Err(crossing(
            call,
            "must end with `{% end %}` closing its paragraph: leave a blank line after `{% end %}`",
        ));
    }
    let (mut depth, mut lowest) = (0i32, 0i32);
    for (e, _) in &events[i..=k] {
        match e {
            Event::Start(_) => depth += 1,
            Event::End(_) => depth -= 1,
            _ => {}
        }
        lowest = lowest.min(depth);
    }
    let in_paragraph = matches!(result.last(), Some((Event::Start(Tag::Paragraph), _)))
        && matches!(events[k + 1].0, Event::End(TagEnd::Paragraph));
    if depth != 0 || lowest < -1 || (lowest == -1 && !in_paragraph) {
        let mut problem = crossing(
            call,
            "and its `{% end %}` must be at the same level (both in the same list item or blockquote)",
        );
        problem.error = problem.error.help(
            "a line right after a list item continues that item: leave a blank line before `{% end %}`",
        );
        return Err(problem);
    }
    let inner = body_text(body, call.span.clone(), end_tag_span.start);
    let value = match shortcode.body {
        BodyKind::Markdown => Value::from_safe_string(render_body(&inner, page, out)),
        _ => Value::from(inner.text.strip_suffix('\n').unwrap_or(&inner.text)),
    };
    let html = output(call, shortcode, Some(value), page, out)?;
    let span = call.span.start..end_tag_span.end;
    let html = html + "\n";
    if in_paragraph {
        result.pop();
        result.push((Event::Html(html.into()), span));
        Ok((k + 2, 0))
    } else {
        result.push((Event::Html(html.into()), span));
        Ok((k + 1, 0))
    }
}

/// The `{% end %}` closing the body opened before `from`: the event holding it and its span.
/// Nested bodies are counted; tags in code are not seen.
fn find_end(
    events: &Events<'_>,
    i: usize,
    from: usize,
    body: &str,
) -> Option<(usize, Range<usize>)> {
    let mut depth = 1;
    let mut code = 0usize;
    for (k, (event, span)) in events.iter().enumerate().skip(i) {
        match event {
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(_) | CodeBlockKind::Indented)) => {
                code += 1
            }
            Event::End(TagEnd::CodeBlock) => code = code.saturating_sub(1),
            Event::Text(t)
                if code == 0 && span.end > from && body.get(span.clone()) == Some(t.as_ref()) =>
            {
                let mut at = span.start.max(from);
                while let Some(found) = body[at..span.end].find("{%") {
                    let tag = at + found;
                    if escaped(body, tag) {
                        at = tag + 2;
                        continue;
                    }
                    if let Some(len) = end_tag(&body[tag..span.end]) {
                        depth -= 1;
                        if depth == 0 {
                            return Some((k, tag..tag + len));
                        }
                        at = tag + len;
                    } else {
                        if let Some(Ok(nested)) = parse_call(body, tag) {
                            depth += 1;
                            at = nested.span.end.min(span.end);
                            continue;
                        }
                        at = tag + 2;
                    }
                }
            }
            _ => {}
        }
    }
    None
}

/// A body's text with the container's prefix taken off each line, and where each of its
/// lines starts in the page.
struct BodyText {
    text: String,
    /// (offset in `text`, offset in the page) of each line's start.
    lines: Vec<(usize, usize)>,
}

impl BodyText {
    /// An offset in the body's text -> the same place in the page.
    fn in_page(&self, offset: usize) -> usize {
        let line = self
            .lines
            .partition_point(|&(at, _)| at <= offset)
            .saturating_sub(1);
        let (text_start, page_start) = self.lines.get(line).copied().unwrap_or((0, 0));
        page_start + (offset - text_start)
    }
}

/// The lines between the opening tag and `{% end %}` (at `end`), without the prefix the
/// opening tag's line has before it (`> ` in a blockquote, the indent of a list item).
fn body_text(body: &str, open: Range<usize>, end: usize) -> BodyText {
    let line_start = body[..open.start].rfind('\n').map_or(0, |i| i + 1);
    let prefix = &body[line_start..open.start];
    let mut out = BodyText {
        text: String::new(),
        lines: Vec::new(),
    };
    let first_break = body[open.end..end].find('\n').map(|i| open.end + i + 1);
    let mut at = match first_break {
        Some(next) if body[open.end..next].trim().is_empty() => next,
        _ => open.end,
    };
    while at < end {
        let line_end = body[at..end].find('\n').map_or(end, |i| at + i + 1);
        let line = &body[at..line_end];
        let strip = if line.starts_with(prefix) {
            prefix.len()
        } else if !prefix.trim().is_empty() && line.starts_with(prefix.trim_end()) {
            prefix.trim_end().len()
        } else if prefix.trim().is_empty() {
            (line.len() - line.trim_start_matches([' ', '\t']).len()).min(prefix.len())
        } else {
            0 // a lazy continuation line of the blockquote
        };
        let kept = &line[strip..];
        // The last line holds only the prefix of `{% end %}`'s line.
        if line_end == end && kept.trim().is_empty() {
            break;
        }
        out.lines.push((out.text.len(), at + strip));
        out.text.push_str(kept);
        at = line_end;
    }
    out
}

/// What a call of `shortcode` puts in the page: its HTML; for a shortcode writing Markdown,
/// that Markdown rendered as the page's own (what it links to and its errors are the page's,
/// at the call); for a late one, a placeholder, its call kept in `out.late`.
fn output(
    call: &Call,
    shortcode: &Shortcode,
    body: Option<Value>,
    page: &Page<'_>,
    out: &mut Rendered,
) -> Result<String, Problem> {
    if shortcode.late {
        let nth = 1 + out.late.iter().filter(|l| l.name == call.name).count();
        out.late.push(Late {
            name: call.name.clone(),
            template: shortcode.template.clone(),
            args: call
                .args
                .iter()
                .map(|a| (a.name.clone(), a.value.clone()))
                .collect(),
            span: call.span.clone(),
            nth,
        });
        return Ok(Late::placeholder(out.late.len() - 1));
    }
    let written = page.shortcodes.render(call, shortcode, body)?;
    Ok(match shortcode.output {
        OutputKind::Html => written,
        OutputKind::Markdown => {
            let nested = markdown::render(&written, page.url, page.links, page.shortcodes);
            // Generated text has no place in the page: everything in it is at the call.
            merge(nested, &|_| call.span.clone(), out)
                .trim_end()
                .to_string()
        }
    })
}

/// Renders a Markdown body as the page's own Markdown; what it links to and its errors are
/// the page's, at their places in the page.
fn render_body(inner: &BodyText, page: &Page<'_>, out: &mut Rendered) -> String {
    let nested = markdown::render(&inner.text, page.url, page.links, page.shortcodes);
    let to_page = |span: &Range<usize>| inner.in_page(span.start)..inner.in_page(span.end);
    merge(nested, &to_page, out)
}

/// Adds what nested Markdown found to the page's `out` (spans mapped by `to_page`) and gives
/// its HTML, whose late calls' placeholders are renumbered as the page's.
fn merge(
    nested: Rendered,
    to_page: &dyn Fn(&Range<usize>) -> Range<usize>,
    out: &mut Rendered,
) -> String {
    for mut link in nested.links {
        link.span = to_page(&link.span);
        out.links.push(link);
    }
    for mut broken in nested.broken {
        broken.span = to_page(&broken.span);
        out.broken.push(broken);
    }
    for mut problem in nested.problems {
        problem.span = to_page(&problem.span);
        out.problems.push(problem);
    }
    for mut warning in nested.warnings {
        warning.span = to_page(&warning.span);
        out.warnings.push(warning);
    }
    out.ids.extend(nested.ids);
    for name in nested.shortcodes {
        if !out.shortcodes.contains(&name) {
            out.shortcodes.push(name);
        }
    }
    out.word_count += nested.word_count;
    let mut html = nested.html;
    let base = out.late.len();
    for (index, mut late) in nested.late.into_iter().enumerate().rev() {
        html = html.replace(&Late::placeholder(index), &Late::placeholder(base + index));
        late.span = to_page(&late.span);
        out.late.push(late);
    }
    out.late[base..].reverse();
    for k in base..out.late.len() {
        let name = &out.late[k].name;
        out.late[k].nth = 1 + out.late[..k].iter().filter(|l| &l.name == name).count();
    }
    html
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_loses_its_blockquote_prefix_and_maps_back() {
        let page = "> {% n() %}\n> Body *x*\n>\n> more\n> {% end %}\n";
        let open = 2..11;
        let end = page.find("{% end").unwrap();
        let inner = body_text(page, open, end);
        assert_eq!(inner.text, "Body *x*\n\nmore\n");
        let x = inner.text.find('x').unwrap();
        assert_eq!(&page[inner.in_page(x)..inner.in_page(x) + 1], "x");
    }
}
