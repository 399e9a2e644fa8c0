//! The minijinja environment: the theme's templates overridden by the site's, the `url()`
//! function, a few filters, the UI strings and locale formatters of [`crate::i18n`], and the mapping of minijinja errors to diagnostics that name the
//! template file and line. Built once per build and shared by every render thread.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::ops::Range;
use std::sync::{Arc, Mutex};

use minijinja::value::Kwargs;
use minijinja::{context, Environment, State, UndefinedBehavior, Value};

use crate::config::Config;
use crate::data;
use crate::error::{Error, ErrorKind, Location};
use crate::i18n::Strings;
use crate::load::TemplateSource;

/// Builds the environment. `urls` maps content paths (`countries/kenya.md`) to page URLs, for
/// `url("@/countries/kenya.md")`; `base_path` prefixes every other `url()`; `strings` gives
/// `t()`, `term` and the formatters.
pub fn environment(
    sources: &BTreeMap<String, TemplateSource>,
    urls: HashMap<String, String>,
    base_path: &str,
    strings: &Arc<Strings>,
) -> (Environment<'static>, Vec<Error>) {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::SemiStrict);
    env.set_keep_trailing_newline(true);
    // A shortcode writing Markdown is not escaped as HTML: its text is parsed as the page's
    // Markdown, which escapes what it shows (and `[[Côte d'Ivoire]]` must stay a name).
    let markdown: HashSet<String> = sources
        .iter()
        .filter(|(name, source)| crate::shortcode::writes_markdown(name, source))
        .map(|(name, _)| name.clone())
        .collect();
    env.set_auto_escape_callback(move |name| {
        if markdown.contains(name) {
            minijinja::AutoEscape::None
        } else if name.ends_with(".html") || name.ends_with(".xml") || name.ends_with(".svg") {
            minijinja::AutoEscape::Html
        } else {
            minijinja::AutoEscape::None
        }
    });
    env.set_formatter(escape_without_slashes);
    let mut errors = Vec::new();
    for (name, source) in sources {
        if let Err(e) = env.add_template_owned(name.clone(), source.text.clone()) {
            errors.push(template_error(&e, sources));
        }
    }
    let urls = Arc::new(urls);
    let base = base_path.to_string();
    env.add_function("url", move |path: &str| site_url(&urls, &base, path));
    env.add_filter("thousands", thousands);
    env.add_filter("index_by", index_by);
    strings.register(&mut env);
    (env, errors)
}

/// Like minijinja's default, but leaves `/` alone so URLs in attributes stay readable
/// (`href="/a/b/"`, not `href="&#x2f;a&#x2f;b&#x2f;"`); `& < > " '` are still escaped.
fn escape_without_slashes(
    out: &mut minijinja::Output,
    state: &minijinja::State,
    value: &Value,
) -> Result<(), minijinja::Error> {
    match (state.auto_escape(), value.as_str()) {
        (minijinja::AutoEscape::Html, Some(text)) if !value.is_safe() => {
            crate::render::write_escaped(out, text).map_err(|e| {
                minijinja::Error::new(minijinja::ErrorKind::WriteFailure, e.to_string())
            })
        }
        _ => minijinja::escape_formatter(out, state, value),
    }
}

/// `url("css/site.css")` and `url("@/countries/kenya.md#x")`.
fn site_url(
    urls: &HashMap<String, String>,
    base: &str,
    path: &str,
) -> Result<String, minijinja::Error> {
    let Some(content) = path.strip_prefix("@/") else {
        return Ok(format!("{base}{}", path.trim_start_matches('/')));
    };
    let (file, anchor) = match content.split_once('#') {
        Some((f, a)) => (f, format!("#{a}")),
        None => (content, String::new()),
    };
    match urls.get(file) {
        Some(url) => Ok(format!("{url}{anchor}")),
        None => Err(minijinja::Error::new(
            minijinja::ErrorKind::InvalidOperation,
            format!("url(): no page at @/{file}"),
        )),
    }
}

/// The `partial_cached(name, key=value, ...)` function of one build: renders template `name`
/// with `site`, `lang`, `collections` and the keyword arguments (nothing else: no `page`),
/// once per language and distinct set of arguments, and gives back the same HTML for every later call. A header
/// that differs only by the menu entry marked current is then rendered once per entry instead
/// of once per page (Hugo's `partialCached`; here the arguments are the whole key, so a cached
/// partial cannot show another page's values). Made afresh with the build's shared values, so
/// an edit seen by `weft serve` never meets a partial rendered before it.
///
/// Each entry keeps the data files the partial read (`crate::data::Reads`): every page showing
/// it counts them as its own, whether it rendered the partial or reused it.
pub fn partial_cached() -> Value {
    let cache: Arc<Mutex<HashMap<String, (Value, data::Reads)>>> = Arc::default();
    Value::from_function(move |state: &State, name: &str, args: Kwargs| {
        let key = partial_key(state, name, &args)?;
        if let Some((html, reads)) = cache.lock().expect("partial cache").get(&key) {
            data::note(reads);
            return Ok(html.clone());
        }
        // Rendered without the lock held: a partial may call partial_cached itself.
        let (html, reads) = data::tracked(|| render_partial(state, name, args));
        data::note(&reads);
        let html = html?;
        cache
            .lock()
            .expect("partial cache")
            .insert(key, (html.clone(), reads));
        Ok(html)
    })
}

/// `name`, the language being rendered (`lang`; a header in French is not the English one)
/// and every keyword argument with its value, in key order.
fn partial_key(state: &State, name: &str, args: &Kwargs) -> Result<String, minijinja::Error> {
    let mut keys: Vec<&str> = args.args().collect();
    keys.sort_unstable();
    let lang = state.lookup("lang").unwrap_or_default();
    let mut key = format!("{name}\0{lang}");
    for k in keys {
        let value: Value = args.get(k)?;
        key.push_str(&format!("\0{k}={value:?}"));
    }
    Ok(key)
}

fn render_partial(state: &State, name: &str, args: Kwargs) -> Result<Value, minijinja::Error> {
    let template = state.env().get_template(name)?;
    let html = template.render(context! {
        site => state.lookup("site"),
        lang => state.lookup("lang"),
        collections => state.lookup("collections"),
        partial_cached => state.lookup("partial_cached"),
        ..Value::from(args)
    })?;
    Ok(Value::from_safe_string(html))
}

/// `collections.countries | index_by("extra.iso_numeric")`: a map from each item's value at the
/// dotted path (as a string) to the item; items without it are left out, the first of equal
/// keys kept. Lets a template look entities up by a key (the world map, by ISO code).
fn index_by(items: Value, path: &str) -> Result<Value, minijinja::Error> {
    let mut map = std::collections::BTreeMap::new();
    for item in items.try_iter()? {
        let mut key = item.clone();
        for part in path.split('.') {
            key = key.get_attr(part).unwrap_or(Value::UNDEFINED);
        }
        if !key.is_undefined() && !key.is_none() {
            map.entry(key.to_string()).or_insert(item);
        }
    }
    Ok(Value::from(map))
}

/// `29500000 | thousands` -> `29,500,000`.
fn thousands(value: Value) -> String {
    let Some(n) = value
        .as_i64()
        .or_else(|| f64::try_from(value.clone()).ok().map(|f| f.round() as i64))
    else {
        return value.to_string();
    };
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 {
        out.insert(0, '-');
    }
    out
}

/// A minijinja error as a diagnostic at the template's file and line.
pub fn template_error(e: &minijinja::Error, sources: &BTreeMap<String, TemplateSource>) -> Error {
    let detail = e
        .detail()
        .map(str::to_string)
        .unwrap_or_else(|| e.kind().to_string());
    let name = e.name().unwrap_or("?").to_string();
    let mut error = Error::new(
        ErrorKind::Template,
        format!("template error in {name}: {detail}"),
    );
    if let Some(source) = sources.get(&name) {
        let location = match (e.range(), e.line()) {
            (Some(range), _) => Location::new(&source.file, &source.text, range),
            (None, Some(line)) => Location::new(
                &source.file,
                &source.text,
                line_start(&source.text, line)..line_start(&source.text, line),
            ),
            _ => Location::file_only(&source.file),
        };
        error = error.at(location).label(e.kind().to_string());
    }
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        error = error.help(format!("caused by: {c}"));
        cause = c.source();
    }
    error
}

/// The last key a record was asked for and did not have, and the keys it has (see
/// `render::Record`): the object behind a loop variable or a macro argument, which no context
/// holds.
#[derive(Clone, Debug, Default)]
pub struct Missed {
    pub key: String,
    pub keys: Vec<String>,
}

/// A render error as a diagnostic ([`template_error`]). An undefined value is named by its
/// expression up to the missing name, with the closest name the object has (looked up in
/// `context`, or in `missed` for objects only a loop or a macro holds).
pub fn render_error(
    e: &minijinja::Error,
    sources: &BTreeMap<String, TemplateSource>,
    context: &Value,
    missed: &Missed,
) -> Error {
    let mut error = template_error(e, sources);
    // An undefined error that says what is missing (a data file's strict lookup) is shown as
    // it is; minijinja's own carry no detail.
    if e.kind() != minijinja::ErrorKind::UndefinedError || e.detail().is_some() {
        return error;
    }
    let (Some(name), Some(range)) = (e.name(), e.range()) else {
        return error;
    };
    let Some(source) = sources.get(name) else {
        return error;
    };
    let Some((undefined, span)) = find_undefined(&source.text, range, context, missed) else {
        return error;
    };
    error.location = Some(Location::new(&source.file, &source.text, span));
    let path = &undefined.path;
    error.message = format!("template error in {name}: `{path}` is undefined");
    error.label = Some(match (&undefined.suggestion, &undefined.none) {
        (Some(s), _) => format!("did you mean `{s}`?"),
        (None, Some(parent)) => format!("`{parent}` is none here"),
        (None, None) => "undefined value".to_string(),
    });
    error.help = Some(format!(
        "if it may be missing, test it (`{{% if {path} %}}`, `{path} is defined`) or give a \
         default (`{path} | default(\"\")`)"
    ));
    error
}

/// An undefined name in a template: `page.titel`, and `page.title` when that exists.
#[derive(Debug, PartialEq)]
struct Undefined {
    path: String,
    suggestion: Option<String>,
    /// The object that is none, when a name was looked up in none (`page.parent`).
    none: Option<String>,
}

/// Finds the undefined name of an error at `range` of a template's `text`. minijinja's range
/// is the expression that was undefined (`page.titel`), a part of it (`.titel.x`: the
/// attribute of an undefined value), or the name of a filter given one (`upper`): the
/// variable paths of the tag around it (`a.b.c`, `a['b']`) that overlap the range, else all of
/// them, are looked up in `context` until one has a missing name. Gives that path's range.
fn find_undefined(
    text: &str,
    range: Range<usize>,
    context: &Value,
    missed: &Missed,
) -> Option<(Undefined, Range<usize>)> {
    let tag = enclosing_tag(text, &range);
    let all: Vec<(Vec<String>, Range<usize>)> = paths(&text[tag.clone()])
        .into_iter()
        .map(|(path, r)| (path, r.start + tag.start..r.end + tag.start))
        .collect();
    let overlapping: Vec<_> = all
        .iter()
        .filter(|(_, r)| r.start < range.end && range.start < r.end)
        .collect();
    let candidates = if overlapping.is_empty() {
        all.iter().collect()
    } else {
        overlapping
    };
    candidates
        .into_iter()
        .find_map(|(path, r)| Some((look_up(path, context, missed)?, r.clone())))
}

/// The inside of the `{{ ... }}` or `{% ... %}` holding `range` (the range itself if none).
fn enclosing_tag(text: &str, range: &Range<usize>) -> Range<usize> {
    let (start, end) = (range.start.min(text.len()), range.end.min(text.len()));
    let before = &text[..start];
    let open = [before.rfind("{{"), before.rfind("{%")]
        .into_iter()
        .flatten()
        .max();
    let after = &text[end..];
    let close = [after.find("}}"), after.find("%}")]
        .into_iter()
        .flatten()
        .min();
    match (open, close) {
        (Some(open), Some(close)) => open + 2..end + close,
        _ => start..end,
    }
}

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Words of the template language, never variables.
const KEYWORDS: &[&str] = &[
    "and",
    "or",
    "not",
    "in",
    "is",
    "if",
    "elif",
    "else",
    "endif",
    "for",
    "endfor",
    "set",
    "endset",
    "macro",
    "endmacro",
    "call",
    "endcall",
    "filter",
    "endfilter",
    "with",
    "endwith",
    "block",
    "endblock",
    "extends",
    "include",
    "import",
    "from",
    "as",
    "ignore",
    "missing",
    "recursive",
    "true",
    "false",
    "none",
    "True",
    "False",
    "None",
];

/// The variable paths of an expression, with their ranges in it: `page.title ~ p['x'] |
/// upper` -> `[page, title]`, `[p, x]`. Names of filters, tests and functions, keywords and
/// string literals are not variables.
fn paths(expression: &str) -> Vec<(Vec<String>, Range<usize>)> {
    let bytes = expression.as_bytes();
    let name_end = |from: usize| {
        from + bytes[from..]
            .iter()
            .position(|b| !is_name_byte(*b))
            .unwrap_or(bytes.len() - from)
    };
    let mut paths = Vec::new();
    let mut i = 0;
    // The last byte before this one that is not a space.
    let mut previous = b' ';
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'"' || b == b'\'' {
            let rest = &expression[i + 1..];
            i += 2 + rest.find(b as char).unwrap_or(rest.len());
            previous = b;
            continue;
        }
        if !(b.is_ascii_alphabetic() || b == b'_') || previous == b'.' || previous == b'|' {
            if b.is_ascii_alphanumeric() || b == b'_' {
                i = name_end(i); // a number, or a filter's or an attribute's name
                previous = b'x';
                continue;
            }
            if !b.is_ascii_whitespace() {
                previous = b;
            }
            i += 1;
            continue;
        }
        let start = i;
        let before = expression[..i].trim_end();
        let after_is = before.ends_with(" is") || before.ends_with(" is not");
        let end = name_end(i);
        let mut path = vec![expression[i..end].to_string()];
        i = end;
        loop {
            if bytes.get(i) == Some(&b'.') && bytes.get(i + 1).is_some_and(|b| is_name_byte(*b)) {
                let end = name_end(i + 1);
                path.push(expression[i + 1..end].to_string());
                i = end;
            } else if let Some(key) = subscript(&expression[i..]) {
                i += key.len() + 4;
                path.push(key.to_string());
            } else {
                break;
            }
        }
        let called = expression[i..].trim_start().starts_with('(');
        if !after_is && !called && !KEYWORDS.contains(&path[0].as_str()) {
            paths.push((path, start..i));
        }
        previous = b'x';
    }
    paths
}

/// `['key']` or `["key"]` at the start of `text`: `key`.
fn subscript(text: &str) -> Option<&str> {
    let rest = text.strip_prefix('[')?;
    let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let end = rest[1..].find(quote)?;
    rest[1 + end + 1..]
        .starts_with(']')
        .then(|| &rest[1..1 + end])
}

/// Looks `path` up in `context`; the first missing name, with the closest one its object has.
fn look_up(path: &[String], context: &Value, missed: &Missed) -> Option<Undefined> {
    let names = |v: &Value| -> Vec<String> {
        let keys = v.try_iter().into_iter().flatten();
        keys.filter_map(|k| k.as_str().map(str::to_string))
            .collect()
    };
    let mut value = context.get_attr(&path[0]).ok()?;
    if value.is_undefined() {
        // A loop variable or a macro's argument (which no context holds) without the key a
        // record was last asked for.
        if let Some(i) = path[1..].iter().position(|k| *k == missed.key) {
            return Some(undefined_at(path, i + 1, missed.keys.iter().cloned()));
        }
        let known = names(context);
        let close = crate::xref::did_you_mean(&path[0], known.iter().cloned()).is_some();
        // Else a variable that does not exist (likely, if it is close to one that does), or
        // a local variable's path, whatever is missing in it.
        return Some(if path.len() == 1 || close {
            undefined_at(path, 0, known.into_iter())
        } else {
            undefined_at(path, path.len() - 1, std::iter::empty())
        });
    }
    for (i, key) in path.iter().enumerate().skip(1) {
        let next = value.get_attr(key).ok()?;
        if next.is_undefined() {
            let mut found = undefined_at(path, i, names(&value).into_iter());
            if value.is_none() {
                found.none = Some(path[..i].join("."));
            }
            return Some(found);
        }
        value = next;
    }
    None
}

/// `path` up to its `i`-th name, which is missing, and the closest of `known` in its place.
fn undefined_at(path: &[String], i: usize, known: impl Iterator<Item = String>) -> Undefined {
    let joined = |last: &str| {
        let mut names: Vec<&str> = path[..i].iter().map(String::as_str).collect();
        names.push(last);
        names.join(".")
    };
    let suggestion = crate::xref::did_you_mean(&path[i], known.filter(|k| *k != path[i]));
    Undefined {
        path: joined(&path[i]),
        suggestion: suggestion.map(|s| joined(&s)),
        none: None,
    }
}

/// What to say about a template `name` that does not exist: a label (with the closest
/// existing template's name) and a help.
pub fn missing_template(
    name: &str,
    sources: &BTreeMap<String, TemplateSource>,
) -> (String, String) {
    let label = match crate::xref::did_you_mean(name, sources.keys().cloned()) {
        Some(close) => format!("no such template; did you mean \"{close}\"?"),
        None => "no such template in the theme or the site's templates/".to_string(),
    };
    let help =
        format!("add templates/{name} to the site (or to the theme), or name an existing template");
    (label, help)
}

/// A collection's `template` in site.toml that names no template: an error at that value,
/// found before any page renders (a collection without entities would never render it).
pub fn missing_collection_templates(
    config: &Config,
    sources: &BTreeMap<String, TemplateSource>,
) -> Vec<Error> {
    let mut errors = Vec::new();
    for (collection, c) in &config.collections {
        let Some(template) = &c.template else {
            continue;
        };
        let name = template.get_ref();
        if sources.contains_key(name) {
            continue;
        }
        let (label, help) = missing_template(name, sources);
        let mut error = Error::new(
            ErrorKind::Template,
            format!("template {name} of collection {collection} not found"),
        )
        .label(label)
        .help(help);
        if let Some(at) = &c.template_at {
            error = error.at(at.clone());
        }
        errors.push(error);
    }
    errors
}

fn line_start(text: &str, line: usize) -> usize {
    text.split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_strings() -> Arc<Strings> {
        Strings::new(&[], "en", &[]).0
    }

    fn sources(text: &str) -> BTreeMap<String, TemplateSource> {
        [(
            "page.html".to_string(),
            TemplateSource {
                file: "themes/t/templates/page.html".into(),
                text: text.into(),
            },
        )]
        .into_iter()
        .collect()
    }

    #[test]
    fn syntax_errors_name_the_template_file_and_line() {
        let (_, errors) = environment(
            &sources("a\n{% if %}\n"),
            HashMap::new(),
            "/",
            &no_strings(),
        );
        assert_eq!(errors.len(), 1);
        let loc = errors[0].location.as_ref().unwrap();
        assert_eq!(
            (loc.file.as_str(), loc.line),
            ("themes/t/templates/page.html", 2)
        );
    }

    #[test]
    fn url_prefixes_the_base_path_and_resolves_content_paths() {
        let urls = [("a/b.md".to_string(), "/sub/a/b/".to_string())]
            .into_iter()
            .collect();
        let (env, _) = environment(
            &sources("{{ url('css/x.css') }} {{ url('@/a/b.md#h') }}"),
            urls,
            "/sub/",
            &no_strings(),
        );
        let out = env.get_template("page.html").unwrap().render(()).unwrap();
        assert_eq!(out, "/sub/css/x.css /sub/a/b/#h");
    }

    fn two_templates(page: &str, partial: &str) -> BTreeMap<String, TemplateSource> {
        let mut all = sources(page);
        all.insert(
            "p.html".to_string(),
            TemplateSource {
                file: "themes/t/templates/p.html".into(),
                text: partial.into(),
            },
        );
        all
    }

    #[test]
    fn a_page_reusing_a_cached_partial_counts_the_data_files_it_read() {
        let (mut env, errors) = environment(
            &two_templates("{{ partial_cached('p.html') }}", "{{ data.donors|length }}"),
            HashMap::new(),
            "/",
            &no_strings(),
        );
        assert!(errors.is_empty());
        let file = crate::load::DataFile {
            path: "donors.csv".into(),
            text: "name\nBelgium\n".into(),
        };
        env.add_global("data", data::parse(&[file]).0);
        let cached = partial_cached();
        let render = || {
            let template = env.get_template("page.html").unwrap();
            let context = context! { partial_cached => cached.clone() };
            data::tracked(|| template.render(&context).unwrap())
        };
        let donors = ["donors".to_string()].into();
        // Rendered by the first page, reused by the second: both read data.donors.
        for _ in 0..2 {
            let (html, reads) = render();
            assert_eq!(html, "1");
            assert!(reads.any_of(&donors));
        }
    }

    #[test]
    fn partial_cached_renders_once_per_set_of_arguments_and_sees_no_page() {
        let (mut env, errors) = environment(
            &two_templates(
                "{{ partial_cached('p.html', x=1) }}|{{ partial_cached('p.html', x=1) }}|\
                 {{ partial_cached('p.html', x=2) }}|{{ partial_cached('p.html', x=1, y='') }}",
                "{{ runs() }}:{{ x }}:{{ site.title }}:{{ page is defined }}",
            ),
            HashMap::new(),
            "/",
            &no_strings(),
        );
        assert!(errors.is_empty());
        let runs = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counter = runs.clone();
        env.add_function("runs", move || {
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1
        });
        let render = |cached: Value| {
            env.get_template("page.html")
                .unwrap()
                .render(context! {
                    site => context! { title => "S" },
                    page => context! { title => "P" },
                    partial_cached => cached,
                })
                .unwrap()
        };
        let cached = partial_cached();
        assert_eq!(
            render(cached.clone()),
            "1:1:S:False|1:1:S:False|2:2:S:False|3:1:S:False"
        );
        // The same cache keeps its renderings; a new one (a new build) starts empty.
        assert_eq!(render(cached).split('|').next(), Some("1:1:S:False"));
        assert_eq!(
            render(partial_cached()).split('|').next(),
            Some("4:1:S:False")
        );
    }

    #[test]
    fn errors_inside_a_cached_partial_name_the_partial_and_its_line() {
        let all = two_templates("{{ partial_cached('p.html') }}", "ok\n{{ nope() }}");
        let (env, _) = environment(&all, HashMap::new(), "/", &no_strings());
        let e = env
            .get_template("page.html")
            .unwrap()
            .render(context! { partial_cached => partial_cached() })
            .unwrap_err();
        let error = template_error(&e, &all);
        let loc = error.location.as_ref().unwrap();
        assert_eq!(
            (loc.file.as_str(), loc.line),
            ("themes/t/templates/p.html", 2)
        );
    }

    #[test]
    fn paths_are_the_variables_of_an_expression() {
        let names = |e: &str| -> Vec<String> {
            paths(e)
                .into_iter()
                .map(|(p, r)| format!("{}@{}", p.join("."), &e[r]))
                .collect()
        };
        assert_eq!(
            names(" page.title ~ p['x'] | upper | default(s.y) "),
            ["page.title@page.title", "p.x@p['x']", "s.y@s.y"]
        );
        assert_eq!(
            names(" for s in site.sections if s.a is not defined "),
            ["s@s", "site.sections@site.sections", "s.a@s.a"]
        );
        assert_eq!(names(" url('a.b') ~ \"c.d\" ~ 2.5 ~ x.0 "), ["x.0@x.0"]);
    }

    #[test]
    fn an_undefined_name_is_found_with_the_closest_one() {
        let context = context! {
            page => context! { title => "T", parent => (), extra => context! { color => 1 } },
        };
        let find = |e: &str, missed: &Missed| {
            let (found, range) = find_undefined(e, 3..e.len() - 3, &context, missed)?;
            Some((
                found.path,
                found.suggestion,
                found.none,
                e[range].to_string(),
            ))
        };
        let none = Missed::default();
        assert_eq!(
            find("{{ page.extra.colour }}", &none),
            Some((
                "page.extra.colour".into(),
                Some("page.extra.color".into()),
                None,
                "page.extra.colour".into()
            ))
        );
        assert_eq!(
            find("{{ page.parent.title }}", &none),
            Some((
                "page.parent.title".into(),
                None,
                Some("page.parent".into()),
                "page.parent.title".into()
            ))
        );
        // A loop variable: the object is the record last asked for the missing key.
        let missed = Missed {
            key: "titel".into(),
            keys: vec!["title".into(), "url".into()],
        };
        assert_eq!(
            find("{{ item.titel }}", &missed).map(|f| f.1),
            Some(Some("item.title".into()))
        );
        assert_eq!(find("{{ page.title }}", &none), None);
    }

    #[test]
    fn index_by_maps_items_by_a_dotted_key() {
        let items = Value::from_serialize(serde_json::json!([
            {"title": "Kenya", "extra": {"iso": "404"}},
            {"title": "Nowhere", "extra": {}},
            {"title": "Kenya again", "extra": {"iso": "404"}}
        ]));
        let map = index_by(items, "extra.iso").unwrap();
        assert_eq!(map.len(), Some(1));
        let kenya = map.get_item(&Value::from("404")).unwrap();
        assert_eq!(kenya.get_attr("title").unwrap().as_str(), Some("Kenya"));
    }

    #[test]
    fn thousands_groups_digits() {
        assert_eq!(thousands(Value::from(29_500_000)), "29,500,000");
        assert_eq!(thousands(Value::from(999)), "999");
    }
}
