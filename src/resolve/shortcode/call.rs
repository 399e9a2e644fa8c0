//! A shortcode call as written: `{{ name(key=value) }}`, the opening `{% name(...) %}` of a
//! body and its `{% end %}`. The arguments are a TOML inline table, parsed with `toml`.

use std::ops::Range;

use crate::error::{Error, ErrorKind};
use crate::markdown::Problem;

/// One argument of a call.
#[derive(Clone, Debug)]
pub(crate) struct Arg {
    pub(crate) name: String,
    pub(crate) value: toml::Value,
    /// The name's span in the page's Markdown.
    pub(crate) span: Range<usize>,
}

/// A call as written: `{{ name(args) }}` or the opening `{% name(args) %}` of a body.
#[derive(Clone, Debug)]
pub(crate) struct Call {
    pub(crate) name: String,
    pub(crate) name_span: Range<usize>,
    pub(crate) args: Vec<Arg>,
    /// The whole tag.
    pub(crate) span: Range<usize>,
    pub(crate) has_body: bool,
}

/// The call whose tag starts at `at` in `text` (`{{` or `{%`): `None` when it is no call
/// (`{{ x }}` in prose), an error when it is one but malformed.
pub(crate) fn parse_call(text: &str, at: usize) -> Option<Result<Call, Problem>> {
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
pub(crate) fn end_tag(text: &str) -> Option<usize> {
    let inner = text.strip_prefix("{%")?;
    let rest = inner.trim_start().strip_prefix("end")?.trim_start();
    rest.starts_with("%}").then(|| text.len() - rest.len() + 2)
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
}
