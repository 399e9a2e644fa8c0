//! The minijinja environment: the theme's templates overridden by the site's, the `url()`
//! function and a few filters, and the mapping of minijinja errors to diagnostics that name the
//! template file and line. Built once per build and shared by every render thread.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use minijinja::value::Kwargs;
use minijinja::{context, Environment, State, UndefinedBehavior, Value};

use crate::error::{Error, ErrorKind, Location};
use crate::load::TemplateSource;

/// Builds the environment. `urls` maps content paths (`countries/kenya.md`) to page URLs, for
/// `url("@/countries/kenya.md")`; `base_path` prefixes every other `url()`.
pub fn environment(
    sources: &BTreeMap<String, TemplateSource>,
    urls: HashMap<String, String>,
    base_path: &str,
) -> (Environment<'static>, Vec<Error>) {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Chainable);
    env.set_keep_trailing_newline(true);
    env.set_auto_escape_callback(|name| {
        if name.ends_with(".html") || name.ends_with(".xml") || name.ends_with(".svg") {
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
/// with `site`, `collections` and the keyword arguments (nothing else: no `page`), once per
/// distinct set of arguments, and gives back the same HTML for every later call. A header
/// that differs only by the menu entry marked current is then rendered once per entry instead
/// of once per page (Hugo's `partialCached`; here the arguments are the whole key, so a cached
/// partial cannot show another page's values). Made afresh with the build's shared values, so
/// an edit seen by `weft serve` never meets a partial rendered before it.
pub fn partial_cached() -> Value {
    let cache: Arc<Mutex<HashMap<String, Value>>> = Arc::default();
    Value::from_function(move |state: &State, name: &str, args: Kwargs| {
        let key = partial_key(name, &args)?;
        if let Some(html) = cache.lock().expect("partial cache").get(&key) {
            return Ok(html.clone());
        }
        // Rendered without the lock held: a partial may call partial_cached itself.
        let html = render_partial(state, name, args)?;
        cache
            .lock()
            .expect("partial cache")
            .insert(key, html.clone());
        Ok(html)
    })
}

/// `name` and every keyword argument with its value, in key order.
fn partial_key(name: &str, args: &Kwargs) -> Result<String, minijinja::Error> {
    let mut keys: Vec<&str> = args.args().collect();
    keys.sort_unstable();
    let mut key = name.to_string();
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
        collections => state.lookup("collections"),
        partial_cached => state.lookup("partial_cached"),
        ..Value::from(args)
    })?;
    Ok(Value::from_safe_string(html))
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

fn line_start(text: &str, line: usize) -> usize {
    text.split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let (_, errors) = environment(&sources("a\n{% if %}\n"), HashMap::new(), "/");
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
    fn partial_cached_renders_once_per_set_of_arguments_and_sees_no_page() {
        let (mut env, errors) = environment(
            &two_templates(
                "{{ partial_cached('p.html', x=1) }}|{{ partial_cached('p.html', x=1) }}|\
                 {{ partial_cached('p.html', x=2) }}|{{ partial_cached('p.html', x=1, y='') }}",
                "{{ runs() }}:{{ x }}:{{ site.title }}:{{ page is defined }}",
            ),
            HashMap::new(),
            "/",
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
        let (env, _) = environment(&all, HashMap::new(), "/");
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
    fn thousands_groups_digits() {
        assert_eq!(thousands(Value::from(29_500_000)), "29,500,000");
        assert_eq!(thousands(Value::from(999)), "999");
    }
}
