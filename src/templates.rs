//! The minijinja environment: the theme's templates overridden by the site's, the `url()`
//! function and a few filters, and the mapping of minijinja errors to diagnostics that name the
//! template file and line. Built once per build and shared by every render thread.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use minijinja::{Environment, UndefinedBehavior, Value};

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

    #[test]
    fn thousands_groups_digits() {
        assert_eq!(thousands(Value::from(29_500_000)), "29,500,000");
        assert_eq!(thousands(Value::from(999)), "999");
    }
}
