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

mod call;
mod expand;

use std::collections::{BTreeMap, BTreeSet};

use minijinja::{Environment, Value};
use serde::Deserialize;

use crate::error::{Error, ErrorKind, Location};
use crate::load::TemplateSource;
use crate::markdown::Problem;
use crate::templates::template_error;
use crate::xref::did_you_mean;
use call::Call;
pub(crate) use expand::{expand, Page};

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

/// What a shortcode's template writes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OutputKind {
    /// HTML, put in place of the call.
    #[default]
    Html,
    /// Markdown, rendered in place of the call as the page's own Markdown: its wikilinks are
    /// the page's references, its errors are located at the call.
    Markdown,
}

/// The header comment of a shortcode template.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Header {
    body: Option<BodyKind>,
    #[serde(default)]
    optional: Vec<String>,
    #[serde(default)]
    output: OutputKind,
    /// Rendered with the page, not with its Markdown: it sees the whole site.
    #[serde(default)]
    late: bool,
}

/// The names a late shortcode's template reads from the page's context, not from its call.
const LATE_CONTEXT: [&str; 5] = ["page", "site", "collections", "partial_cached", "nth"];

/// Whether the template `source` is a shortcode whose header says it writes Markdown (the
/// template environment does not escape its output: Markdown is not HTML).
pub fn writes_markdown(name: &str, source: &TemplateSource) -> bool {
    name.starts_with(FOLDER) && header(source).is_ok_and(|h| h.output == OutputKind::Markdown)
}

/// A late shortcode's call, left in a page's HTML as a placeholder ([`Late::placeholder`]) and
/// rendered with the page (`render::render_page`), once the whole site is known.
#[derive(Clone, Debug, PartialEq)]
pub struct Late {
    pub name: String,
    pub template: String,
    pub args: Vec<(String, toml::Value)>,
    /// The call in the page's body.
    pub span: std::ops::Range<usize>,
    /// This call's number among the page's calls of the same shortcode (1, 2, ...), for ids.
    pub nth: usize,
}

impl Late {
    /// The HTML comment standing for call `index` of a page's late calls until it is rendered.
    pub fn placeholder(index: usize) -> String {
        format!("<!--weft:late:{index}-->")
    }
}

/// One shortcode the site can call.
#[derive(Clone, Debug)]
struct Shortcode {
    template: String,
    body: BodyKind,
    /// Every argument the template reads.
    arguments: BTreeSet<String>,
    optional: BTreeSet<String>,
    output: OutputKind,
    late: bool,
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
            let context = |v: &str| header.late && LATE_CONTEXT.contains(&v);
            let arguments = compiled
                .undeclared_variables(false)
                .into_iter()
                .filter(|v| !globals.contains(v.as_str()) && v != "body" && !context(v))
                .collect();
            let body = header.body.unwrap_or(BodyKind::None);
            known.insert(
                name.to_string(),
                Shortcode {
                    template: template.clone(),
                    body,
                    arguments,
                    optional: header.optional.into_iter().collect(),
                    output: header.output,
                    late: header.late,
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
        rendered.map_err(|e| Problem::new(call.span.clone(), failed(&call.name, &e, sources)))
    }
}

/// The error of a call of shortcode `name` whose template failed with `e`: at the call (the
/// caller locates it), and at the template's line.
pub(crate) fn failed(
    name: &str,
    e: &minijinja::Error,
    sources: &BTreeMap<String, TemplateSource>,
) -> Error {
    let in_template = template_error(e, sources);
    let mut error = Error::new(
        ErrorKind::Shortcode,
        format!(
            "shortcode `{name}` failed: {}",
            e.detail().unwrap_or(&e.kind().to_string())
        ),
    )
    .label("in this call");
    if let Some(location) = in_template.location {
        error = error.also_labelled(location, in_template.label.unwrap_or_default());
    }
    error
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
    let bad = |message: &str, span: Option<std::ops::Range<usize>>| {
        let span = span.map_or(toml_start..toml_start, |s| {
            (toml_start + s.start)..(toml_start + s.end)
        });
        Error::new(ErrorKind::Shortcode, format!("bad shortcode header: {message}"))
            .at(Location::new(&source.file, text, span))
            .help("a shortcode template may start with a comment `{# shortcode` followed by TOML lines: `body = \"markdown\"` (or \"raw\"), `optional = [\"name\"]`, `output = \"markdown\"`, `late = true`, then `#}`")
    };
    let parsed: Header = toml::from_str(toml_text).map_err(|e| bad(e.message(), e.span()))?;
    // A late call is rendered after the references are known: it can neither take a body
    // (rendered with the Markdown) nor write Markdown (whose links would be references).
    let late_conflict = parsed.late
        && (parsed.body.unwrap_or(BodyKind::None) != BodyKind::None
            || parsed.output == OutputKind::Markdown);
    if late_conflict {
        let at = toml_text.find("late").map(|i| i..i + "late".len());
        return Err(bad("a late shortcode takes no body and writes HTML", at));
    }
    Ok(parsed)
}
