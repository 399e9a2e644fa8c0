//! Shortcodes: `{{ name(key=value) }}` and `{% name(key=value) %} body {% end %}` in a page's
//! Markdown, rendered by the site's or theme's template `shortcodes/NAME.html`.
//!
//! Calls are found in the Markdown's *events*, not in its text: only in text pulldown-cmark
//! parsed as prose (never in code spans, fenced or indented code, or raw HTML), and a call
//! replaces the events it spans, so it keeps its place in a list item or a blockquote, and a
//! call that is a paragraph on its own is not wrapped in a `<p>`. A body is the text between
//! the tags, with the container's prefix (`> `, a list item's indent) taken off each line;
//! a Markdown body is rendered as a page's Markdown is (links, wikilinks, nested shortcodes),
//! a raw body is handed over as written.
//!
//! A template declares its body in a comment at its very start (`{# shortcode body = "markdown" #}`,
//! see docs/templates.md); its arguments are the variables it uses (minijinja's undeclared
//! variables), all required unless listed in `optional = [...]`.
//! No IO.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

use minijinja::{Environment, Value};
use pulldown_cmark::{CodeBlockKind, Event, Tag, TagEnd};
use serde::Deserialize;

use crate::error::{Error, ErrorKind, Location};
use crate::load::TemplateSource;
use crate::markdown::{self, LinkResolver, Problem, Rendered};
use crate::templates::template_error;
use crate::xref::did_you_mean;

/// Where a shortcode's templates live among the templates.
const FOLDER: &str = "shortcodes/";

/// What a shortcode does with a body.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BodyKind {
    /// Called `{{ name() }}`, without a body.
    None,
    /// Rendered as Markdown, given to the template as HTML.
    Markdown,
    /// Given to the template as written (escaped unless the template says `| safe`).
    Raw,
}

/// The header comment of a shortcode template.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Header {
    body: Option<BodyKind>,
    #[serde(default)]
    optional: Vec<String>,
}

/// One shortcode the site can call.
#[derive(Clone, Debug)]
struct Shortcode {
    template: String,
    body: BodyKind,
    /// Every argument the template reads.
    arguments: BTreeSet<String>,
    optional: BTreeSet<String>,
}

/// The shortcodes of one build, rendered with its template environment.
pub struct Shortcodes<'a> {
    env: Option<&'a Environment<'static>>,
    sources: Option<&'a BTreeMap<String, TemplateSource>>,
    known: BTreeMap<String, Shortcode>,
    /// Shortcodes whose header has errors (reported once, at the header; calls are left alone).
    broken: BTreeSet<String>,
}

impl<'a> Shortcodes<'a> {
    /// No shortcodes at all (every call is unknown).
    pub fn none() -> Shortcodes<'static> {
        Shortcodes {
            env: None,
            sources: None,
            known: BTreeMap::new(),
            broken: BTreeSet::new(),
        }
    }

    /// The templates under `shortcodes/`, with their header comments read; a bad header is an
    /// error located in the template.
    pub fn new(
        env: &'a Environment<'static>,
        sources: &'a BTreeMap<String, TemplateSource>,
    ) -> (Shortcodes<'a>, Vec<Error>) {
        let globals: BTreeSet<&str> = env.globals().map(|(name, _)| name).collect();
        let mut known = BTreeMap::new();
        let mut broken = BTreeSet::new();
        let mut errors = Vec::new();
        for (template, source) in sources {
            let Some(name) = template
                .strip_prefix(FOLDER)
                .and_then(|n| n.strip_suffix(".html"))
            else {
                continue;
            };
            let header = match header(source) {
                Ok(h) => h,
                Err(e) => {
                    errors.push(e);
                    broken.insert(name.to_string());
                    continue;
                }
            };
            // A template that does not compile is reported by the environment already.
            let Ok(compiled) = env.get_template(template) else {
                continue;
            };
            let arguments = compiled
                .undeclared_variables(false)
                .into_iter()
                .filter(|v| !globals.contains(v.as_str()) && v != "body")
                .collect();
            let body = header.body.unwrap_or(BodyKind::None);
            known.insert(
                name.to_string(),
                Shortcode {
                    template: template.clone(),
                    body,
                    arguments,
                    optional: header.optional.into_iter().collect(),
                },
            );
        }
        let shortcodes = Shortcodes {
            env: Some(env),
            sources: Some(sources),
            known,
            broken,
        };
        (shortcodes, errors)
    }

    /// Whether a page's Markdown may hold a call at all (a cheap test before the event scan).
    fn may_call(body: &str) -> bool {
        body.contains("{{") || body.contains("{%")
    }

    fn find(&self, call: &Call) -> Result<&Shortcode, Problem> {
        if let Some(found) = self.known.get(&call.name) {
            return Ok(found);
        }
        let mut error = Error::new(
            ErrorKind::Shortcode,
            format!("unknown shortcode `{}`", call.name),
        );
        error = match did_you_mean(&call.name, self.known.keys().cloned()) {
            Some(near) => error.label(format!("did you mean `{near}`?")),
            None => error.label("no template shortcodes/".to_string() + &call.name + ".html"),
        };
        let help = if self.known.is_empty() {
            "a shortcode is a template templates/shortcodes/NAME.html; this site has none".into()
        } else {
            let names: Vec<&str> = self.known.keys().map(String::as_str).collect();
            format!(
                "a shortcode is a template templates/shortcodes/NAME.html; this site has: {}",
                names.join(", ")
            )
        };
        Err(Problem::new(call.name_span.clone(), error.help(help)))
    }

    /// Checks the call's arguments and body against the template.
    fn check(&self, call: &Call, shortcode: &Shortcode) -> Result<(), Problem> {
        let name = &call.name;
        match (call.has_body, shortcode.body) {
            (true, BodyKind::None) => {
                return Err(Problem::new(
                    call.span.clone(),
                    Error::new(ErrorKind::Shortcode, format!("shortcode `{name}` takes no body"))
                        .label("called with a body")
                        .help(format!(
                            "call it inline: {{{{ {name}(...) }}}}, or declare a body in its template: {{# shortcode body = \"markdown\" #}}"
                        )),
                ))
            }
            (false, BodyKind::Markdown | BodyKind::Raw) => {
                return Err(Problem::new(
                    call.span.clone(),
                    Error::new(ErrorKind::Shortcode, format!("shortcode `{name}` takes a body"))
                        .label("called without one")
                        .help(format!("write {{% {name}(...) %}} on a line, the body, then {{% end %}} on a line")),
                ))
            }
            _ => {}
        }
        for arg in &call.args {
            if !shortcode.arguments.contains(&arg.name) {
                let near = did_you_mean(&arg.name, shortcode.arguments.iter().cloned());
                let known: Vec<&str> = shortcode.arguments.iter().map(String::as_str).collect();
                let error = Error::new(
                    ErrorKind::Shortcode,
                    format!("unknown argument `{}` of shortcode `{name}`", arg.name),
                )
                .label(match near {
                    Some(near) => format!("did you mean `{near}`?"),
                    None => "not read by the template".to_string(),
                })
                .help(if known.is_empty() {
                    format!("shortcode `{name}` takes no arguments")
                } else {
                    format!("shortcode `{name}` takes: {}", known.join(", "))
                });
                return Err(Problem::new(arg.span.clone(), error));
            }
        }
        let missing: Vec<&str> = shortcode
            .arguments
            .iter()
            .filter(|a| {
                !shortcode.optional.contains(*a) && !call.args.iter().any(|g| &g.name == *a)
            })
            .map(String::as_str)
            .collect();
        if let Some(first) = missing.first() {
            let error = Error::new(
                ErrorKind::Shortcode,
                format!("shortcode `{name}` needs the argument `{first}`"),
            )
            .label(format!("missing {}", missing.join(", ")))
            .help(format!(
                "pass it: {name}({first}=...), or list it in the template's header: {{# shortcode optional = [\"{first}\"] #}}"
            ));
            return Err(Problem::new(call.span.clone(), error));
        }
        Ok(())
    }

    /// The shortcode's HTML for `call` with `body` (HTML for a Markdown body, text for a raw one).
    fn render(
        &self,
        call: &Call,
        shortcode: &Shortcode,
        body: Option<Value>,
    ) -> Result<String, Problem> {
        let (Some(env), Some(sources)) = (self.env, self.sources) else {
            unreachable!("a known shortcode comes with its environment")
        };
        let mut values: BTreeMap<String, Value> = call
            .args
            .iter()
            .map(|a| (a.name.clone(), Value::from_serialize(&a.value)))
            .collect();
        if let Some(body) = body {
            values.insert("body".into(), body);
        }
        // The file's last line break is no part of the output (it would be a space inline).
        let rendered = env
            .get_template(&shortcode.template)
            .and_then(|t| t.render(Value::from(values)))
            .map(|html| html.trim_end_matches('\n').to_string());
        rendered.map_err(|e| {
            let in_template = template_error(&e, sources);
            let mut error = Error::new(
                ErrorKind::Shortcode,
                format!(
                    "shortcode `{}` failed: {}",
                    call.name,
                    e.detail().unwrap_or(&e.kind().to_string())
                ),
            )
            .label("in this call");
            if let Some(location) = in_template.location {
                error = error.also_labelled(location, in_template.label.unwrap_or_default());
            }
            Problem::new(call.span.clone(), error)
        })
    }
}

/// Reads the `{# shortcode ... #}` comment a template may start with (TOML after the word).
fn header(source: &TemplateSource) -> Result<Header, Error> {
    let text = &source.text;
    let start = text.len() - text.trim_start().len();
    let Some(inner) = text[start..].strip_prefix("{#") else {
        return Ok(Header::default());
    };
    let Some(end) = inner.find("#}") else {
        return Ok(Header::default());
    };
    let comment = inner[..end].trim_start_matches('-').trim_end_matches('-');
    let lead = comment.len() - comment.trim_start().len();
    let Some(toml_text) = comment.trim_start().strip_prefix("shortcode") else {
        return Ok(Header::default());
    };
    let toml_start =
        start + 2 + (inner.len() - inner.trim_start_matches('-').len()) + lead + "shortcode".len();
    toml::from_str(toml_text).map_err(|e| {
        let span = e
            .span()
            .map_or(toml_start..toml_start, |s| (toml_start + s.start)..(toml_start + s.end));
        Error::new(
            ErrorKind::Shortcode,
            format!("bad shortcode header: {}", e.message()),
        )
        .at(Location::new(&source.file, text, span))
        .help("a shortcode template may start with a comment `{# shortcode` followed by TOML lines: `body = \"markdown\"` (or \"raw\"), `optional = [\"name\"]`, then `#}`")
    })
}

/// One argument of a call.
#[derive(Clone, Debug)]
struct Arg {
    name: String,
    value: toml::Value,
    /// The name's span in the page's Markdown.
    span: Range<usize>,
}

/// A call as written: `{{ name(args) }}` or the opening `{% name(args) %}` of a body.
#[derive(Clone, Debug)]
struct Call {
    name: String,
    name_span: Range<usize>,
    args: Vec<Arg>,
    /// The whole tag.
    span: Range<usize>,
    has_body: bool,
}

/// The call whose tag starts at `at` in `text` (`{{` or `{%`): `None` when it is no call
/// (`{{ x }}` in prose), an error when it is one but malformed.
fn parse_call(text: &str, at: usize) -> Option<Result<Call, Problem>> {
    let has_body = text[at..].starts_with("{%");
    let close = if has_body { "%}" } else { "}}" };
    let after_open = at + 2;
    let name_start =
        after_open + (text[after_open..].len() - text[after_open..].trim_start().len());
    let name_len = text[name_start..]
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(text.len() - name_start);
    let name = &text[name_start..name_start + name_len];
    if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let paren = name_start + name_len;
    let paren = paren + (text[paren..].len() - text[paren..].trim_start().len());
    if !text[paren..].starts_with('(') {
        return None;
    }
    let name_span = name_start..name_start + name_len;
    let unclosed = |what: &str| {
        Some(Err(Problem::new(
            name_span.clone(),
            Error::new(
                ErrorKind::Shortcode,
                format!("unclosed call of shortcode `{name}`"),
            )
            .label(format!("no {what} after this"))
            .help(format!(
                "write the call on one line: {}{{ {name}(key=\"value\") {close}",
                &text[at..at + 1]
            )),
        )))
    };
    let Some(args_end) = closing_paren(text, paren + 1) else {
        return unclosed("`)`");
    };
    let after = args_end + 1;
    let after = after + (text[after..].len() - text[after..].trim_start_matches([' ', '\t']).len());
    if !text[after..].starts_with(close) {
        return unclosed(&format!("`{close}`"));
    }
    let args = match parse_args(text, paren + 1..args_end, name) {
        Ok(args) => args,
        Err(problem) => return Some(Err(problem)),
    };
    Some(Ok(Call {
        name: name.to_string(),
        name_span,
        args,
        span: at..after + 2,
        has_body,
    }))
}

/// The offset of the `)` closing the arguments that start at `from`, skipping quoted strings
/// and brackets; `None` at the end of the paragraph.
fn closing_paren(text: &str, from: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    let mut escaped = false;
    let mut previous = ' ';
    for (i, c) in text[from..].char_indices() {
        if c == '\n' && previous == '\n' {
            return None;
        }
        if c != '\r' && c != ' ' && c != '\t' {
            previous = c;
        }
        match quote {
            Some(q) => {
                if escaped {
                    escaped = false;
                } else if c == '\\' && q == '"' {
                    escaped = true;
                } else if c == q {
                    quote = None;
                }
            }
            None => match c {
                '"' | '\'' => quote = Some(c),
                '(' | '[' | '{' => depth += 1,
                ')' if depth == 0 => return Some(from + i),
                ')' | ']' | '}' => depth = depth.saturating_sub(1),
                _ => {}
            },
        }
    }
    None
}

/// `kind="gap", n=3` as a TOML inline table (the same syntax: strings, numbers, booleans,
/// arrays), each argument with the span of its name.
fn parse_args(text: &str, span: Range<usize>, name: &str) -> Result<Vec<Arg>, Problem> {
    const LEAD: &str = "a = {";
    // An inline table stays on one line; a line break becomes a space, so offsets hold.
    let args = text[span.clone()].replace(['\n', '\r'], " ");
    let table: toml::Table = toml::from_str(&format!("{LEAD}{args}}}")).map_err(|e| {
        let at = e.span().map_or(span.clone(), |s| {
            let start = (span.start + s.start.saturating_sub(LEAD.len())).min(span.end);
            let end = (span.start + s.end.saturating_sub(LEAD.len())).clamp(start, span.end);
            start..end
        });
        Problem::new(
            at,
            Error::new(
                ErrorKind::Shortcode,
                format!("bad arguments in the call of shortcode `{name}`"),
            )
            .label(e.message().to_string())
            .help(
                "arguments are key = value, separated by commas: kind=\"gap\", count=3, show=true",
            ),
        )
    })?;
    let Some(toml::Value::Table(values)) = table.get("a") else {
        unreachable!("parsed as `a = {{...}}`")
    };
    Ok(values
        .iter()
        .map(|(key, value)| Arg {
            name: key.clone(),
            value: value.clone(),
            span: key_span(&args, key).map_or(span.clone(), |r| {
                (span.start + r.start)..(span.start + r.end)
            }),
        })
        .collect())
}

/// Where argument `key` is written in `args` (its first occurrence followed by `=`).
fn key_span(args: &str, key: &str) -> Option<Range<usize>> {
    args.match_indices(key)
        .find(|(i, _)| {
            let before = args[..*i].trim_end();
            let after = args[i + key.len()..].trim_start();
            (before.is_empty() || before.ends_with(',')) && after.starts_with('=')
        })
        .map(|(i, _)| i..i + key.len())
}

/// The length of the `{% end %}` tag at the start of `text`, if there is one.
fn end_tag(text: &str) -> Option<usize> {
    let inner = text.strip_prefix("{%")?;
    let rest = inner.trim_start().strip_prefix("end")?.trim_start();
    rest.starts_with("%}").then(|| text.len() - rest.len() + 2)
}

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
            expand_inline_call(events, i, &call, page, result)
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
    let html = page.shortcodes.render(call, shortcode, None)?;
    let before = text_before(events, i, call.span.start, page.body);
    let last = &events[j].1;
    let rest = (last.end > end).then_some(end..last.end);
    let alone = before.is_none()
        && rest
            .as_ref()
            .is_none_or(|r| page.body[r.clone()].trim().is_empty())
        && matches!(result.last(), Some((Event::Start(Tag::Paragraph), _)))
        && matches!(events.get(j + 1), Some((Event::End(TagEnd::Paragraph), _)));
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
    let html = page.shortcodes.render(call, shortcode, Some(value))?;
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

/// Renders a Markdown body as the page's own Markdown; what it links to and its errors are
/// the page's, at their places in the page.
fn render_body(inner: &BodyText, page: &Page<'_>, out: &mut Rendered) -> String {
    let nested = markdown::render(&inner.text, page.url, page.links, page.shortcodes);
    let to_page = |span: &Range<usize>| inner.in_page(span.start)..inner.in_page(span.end);
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
    nested.html
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_call_is_parsed_with_its_arguments_and_spans() {
        let text = "x {{ chart(data=\"donors\", n = 3, tags=['a']) }} y";
        let call = parse_call(text, 2).unwrap().unwrap();
        assert_eq!(call.name, "chart");
        assert_eq!(
            &text[call.span.clone()],
            "{{ chart(data=\"donors\", n = 3, tags=['a']) }}"
        );
        let args: Vec<(&str, &str)> = call
            .args
            .iter()
            .map(|a| (a.name.as_str(), &text[a.span.clone()]))
            .collect();
        assert_eq!(args, [("data", "data"), ("n", "n"), ("tags", "tags")]);
        assert!(!call.has_body);
    }

    #[test]
    fn braces_that_are_no_call_are_left_alone() {
        assert!(parse_call("{{ x }}", 0).is_none());
        assert!(parse_call("{% end %}", 0).is_none());
        assert!(parse_call("{{", 0).is_none());
    }

    #[test]
    fn an_unclosed_call_stops_at_the_paragraph() {
        let Some(Err(p)) = parse_call("{{ x(a=1\n\n) }}", 0) else {
            panic!("expected an error")
        };
        assert_eq!(p.error.message, "unclosed call of shortcode `x`");
    }

    #[test]
    fn the_end_tag_allows_spaces() {
        assert_eq!(end_tag("{%end%}x"), Some(7));
        assert_eq!(end_tag("{%  end  %}"), Some(11));
        assert_eq!(end_tag("{% ending %}"), None);
    }

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
