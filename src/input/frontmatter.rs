//! Splits a content file into `+++` TOML front matter and Markdown body, and types the front
//! matter, keeping the byte span of every reference so errors can point at it.
//!
//! TOML is parsed once into toml's spanned `DeTable`; each known key is then deserialized with
//! serde from its value, and keys named after a collection become [`RawReference`]s. Unknown
//! keys are errors (with a did-you-mean), never silently ignored. No IO here.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

use serde::de::DeserializeOwned;
use toml::de::{DeTable, DeValue};
use toml::Spanned;

use crate::config::SortBy;
use crate::error::{Error, ErrorKind, Location};
use crate::xref::did_you_mean;

/// Keys every page may use; anything else must be a collection name or go under `[extra]`.
pub const KNOWN_KEYS: &[&str] = &[
    "title",
    "description",
    "date",
    "updated",
    "weight",
    "draft",
    "slug",
    "template",
    "aliases",
    "also_known_as",
    "paginate_by",
    "sort_by",
    "sort_reverse",
    "extra",
    "translates",
];

/// The typed front matter of one page.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FrontMatter {
    pub title: String,
    pub description: Option<String>,
    /// `YYYY-MM-DD` (a real day, checked with jiff), possibly followed by a time.
    pub date: Option<String>,
    pub updated: Option<String>,
    pub weight: Option<i64>,
    pub draft: bool,
    pub slug: Option<String>,
    pub template: Option<String>,
    pub aliases: Vec<String>,
    pub also_known_as: Vec<String>,
    /// A section's listing page size (`0`: not paginated); site.toml's default otherwise.
    pub paginate_by: Option<usize>,
    /// A section's listing order; weight, date, title otherwise.
    pub sort_by: Option<SortBy>,
    pub sort_reverse: Option<bool>,
    pub extra: serde_json::Value,
    pub references: Vec<RawReference>,
    /// In a translation: the version of its source it translates (`languages::source_version`).
    pub translates: Option<String>,
}

/// A reference as written in front matter, before it is resolved.
#[derive(Clone, Debug, PartialEq)]
pub struct RawReference {
    /// The collection key it was written under (`countries`).
    pub collection: String,
    /// The name as written (`Kenya`).
    pub name: String,
    /// Relation attributes (`status = "MOU"`), without `ref`.
    pub attrs: BTreeMap<String, serde_json::Value>,
    /// Byte span of the name in the whole file.
    pub span: Range<usize>,
}

/// A file cut in two: where the body starts, and the front matter.
#[derive(Clone, Debug)]
pub struct Parsed<'a> {
    pub front_matter: FrontMatter,
    pub body: &'a str,
    /// Byte offset of `body` in the file, to turn body spans into file spans.
    pub body_offset: usize,
}

/// Splits and parses `text` (the file `file`); `collections` are the keys that hold references.
/// On failure returns every problem found, not only the first.
pub fn parse<'a>(
    file: &str,
    text: &'a str,
    collections: &BTreeSet<String>,
) -> Result<Parsed<'a>, Vec<Error>> {
    let (toml_range, body_offset) = split(file, text).map_err(|e| vec![e])?;
    let toml_text = &text[toml_range.clone()];
    let table = DeTable::parse(toml_text).map_err(|e| {
        let span = e.span().unwrap_or(0..0);
        let span = (span.start + toml_range.start)..(span.end + toml_range.start);
        vec![Error::new(ErrorKind::Toml, "invalid TOML in front matter")
            .at(Location::new(file, text, span))
            .label(e.message().to_string())
            .help("front matter is TOML: `key = \"value\"`, strings in quotes, arrays in [ ]")]
    })?;
    let mut reader = Reader {
        file,
        text,
        offset: toml_range.start,
        errors: Vec::new(),
    };
    let front_matter = reader.front_matter(table.get_ref(), collections, toml_range.start);
    if reader.errors.is_empty() {
        Ok(Parsed {
            front_matter,
            body: &text[body_offset..],
            body_offset,
        })
    } else {
        Err(reader.errors)
    }
}

/// What can be told of a file whose front matter has errors, so that it still stands as a
/// link target by its path and, as far as its front matter says, by its names: the links and
/// references to it are then not reported, only the cause. Returns the front matter with
/// `title`, `slug`, `also_known_as` and `draft` where they could be read (from the whole
/// TOML, else from the lines that parse on their own) and nothing else, and the body's offset
/// (the end of the file when the front matter does not end).
pub fn recover(text: &str, collections: &BTreeSet<String>) -> (FrontMatter, usize) {
    let Ok((toml_range, body_offset)) = split("", text) else {
        return (FrontMatter::default(), text.len());
    };
    let toml_text = &text[toml_range];
    let readable: String = match DeTable::parse(toml_text) {
        Ok(_) => toml_text.to_string(),
        Err(_) => toml_text
            .lines()
            .filter(|line| DeTable::parse(line).is_ok())
            .map(|line| format!("{line}\n"))
            .collect(),
    };
    let Ok(table) = DeTable::parse(&readable) else {
        return (FrontMatter::default(), body_offset);
    };
    let mut reader = Reader {
        file: "",
        text: &readable,
        offset: 0,
        errors: Vec::new(),
    };
    let read = reader.front_matter(table.get_ref(), collections, 0);
    let names = FrontMatter {
        title: read.title,
        slug: read.slug,
        also_known_as: read.also_known_as,
        draft: read.draft,
        ..FrontMatter::default()
    };
    (names, body_offset)
}

/// Finds the TOML between the opening `+++` line and the closing one.
/// Returns the TOML's byte range and the body's start offset.
fn split(file: &str, text: &str) -> Result<(Range<usize>, usize), Error> {
    let start = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let first_line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    if text[start..first_line_end].trim_end() != "+++" {
        return Err(Error::new(ErrorKind::FrontMatter, "missing front matter")
            .at(Location::new(file, text, start..first_line_end))
            .label("expected `+++` on the first line")
            .help("start the file with front matter:\n+++\ntitle = \"Page title\"\n+++"));
    }
    let toml_start = (first_line_end + 1).min(text.len());
    let mut line_start = toml_start;
    while line_start < text.len() {
        let line_end = text[line_start..]
            .find('\n')
            .map_or(text.len(), |i| line_start + i);
        if text[line_start..line_end].trim_end() == "+++" {
            return Ok((toml_start..line_start, (line_end + 1).min(text.len())));
        }
        line_start = line_end + 1;
    }
    Err(
        Error::new(ErrorKind::FrontMatter, "front matter is not closed")
            .at(Location::new(file, text, start..first_line_end))
            .label("this `+++` has no closing `+++`")
            .help("end the front matter with a line holding only `+++`"),
    )
}

struct Reader<'a> {
    file: &'a str,
    text: &'a str,
    /// Offset of the TOML text in the file.
    offset: usize,
    errors: Vec<Error>,
}

impl Reader<'_> {
    fn location(&self, span: Range<usize>) -> Location {
        Location::new(
            self.file,
            self.text,
            (span.start + self.offset)..(span.end + self.offset),
        )
    }

    fn front_matter(
        &mut self,
        table: &DeTable<'_>,
        collections: &BTreeSet<String>,
        toml_start: usize,
    ) -> FrontMatter {
        let mut fm = FrontMatter {
            extra: serde_json::Value::Object(Default::default()),
            ..FrontMatter::default()
        };
        let mut has_title = false;
        for (key, value) in table.iter() {
            let name = key.get_ref().as_ref();
            match name {
                "title" => {
                    has_title = true;
                    fm.title = self.typed(name, value).unwrap_or_default();
                    if fm.title.trim().is_empty() {
                        self.errors.push(
                            Error::new(ErrorKind::MissingTitle, "empty `title`")
                                .at(self.location(value.span()))
                                .label("a page needs a title"),
                        );
                    }
                }
                "description" => fm.description = self.typed(name, value),
                "date" => fm.date = self.date(name, value),
                "updated" => fm.updated = self.date(name, value),
                "weight" => fm.weight = self.typed(name, value),
                "draft" => fm.draft = self.typed(name, value).unwrap_or(false),
                "slug" => fm.slug = self.typed(name, value),
                "template" => fm.template = self.typed(name, value),
                "aliases" => fm.aliases = self.typed(name, value).unwrap_or_default(),
                "also_known_as" => fm.also_known_as = self.typed(name, value).unwrap_or_default(),
                "paginate_by" => fm.paginate_by = self.typed(name, value),
                "sort_by" => fm.sort_by = self.sort_by(value),
                "sort_reverse" => fm.sort_reverse = self.typed(name, value),
                "translates" => fm.translates = self.typed(name, value),
                "extra" => {
                    fm.extra = self
                        .typed::<serde_json::Value>(name, value)
                        .unwrap_or(fm.extra)
                }
                _ if collections.contains(name) => self.references(name, value, &mut fm),
                _ => self.unknown_key(name, key.span(), collections),
            }
        }
        if !has_title {
            // The opening `+++` (after a byte-order mark; the line may end in \r\n).
            let open = if self.text.starts_with('\u{feff}') {
                3
            } else {
                0
            };
            let span = open..(open + 3).min(toml_start);
            self.errors.push(
                Error::new(ErrorKind::MissingTitle, "missing `title` in front matter")
                    .at(Location::new(self.file, self.text, span))
                    .label("every page needs a title")
                    .help("add a line `title = \"...\"` between the `+++` lines"),
            );
        }
        fm
    }

    fn typed<T: DeserializeOwned>(&mut self, key: &str, value: &Spanned<DeValue<'_>>) -> Option<T> {
        let plain = to_toml(value.get_ref());
        match T::deserialize(plain) {
            Ok(v) => Some(v),
            Err(e) => {
                self.errors.push(
                    Error::new(
                        ErrorKind::InvalidValue,
                        format!("invalid value for `{key}`"),
                    )
                    .at(self.location(value.span()))
                    .label(e.message().to_string())
                    .help(expected_type(key)),
                );
                None
            }
        }
    }

    fn sort_by(&mut self, value: &Spanned<DeValue<'_>>) -> Option<SortBy> {
        let name: String = self.typed("sort_by", value)?;
        if let Some(order) = SortBy::parse(&name) {
            return Some(order);
        }
        let label = match did_you_mean(&name, SortBy::NAMES.iter().map(|n| n.to_string())) {
            Some(s) => format!("did you mean `{s}`?"),
            None => "not an order weft knows".to_string(),
        };
        self.errors.push(
            Error::new(
                ErrorKind::InvalidValue,
                format!("invalid value for `sort_by`: \"{name}\""),
            )
            .at(self.location(value.span()))
            .label(label)
            .help(expected_type("sort_by")),
        );
        None
    }

    fn date(&mut self, key: &str, value: &Spanned<DeValue<'_>>) -> Option<String> {
        let text = match value.get_ref() {
            DeValue::Datetime(d) => d.to_string(),
            DeValue::String(s) => s.to_string(),
            _ => String::new(),
        };
        let problem = match check_date(&text) {
            Ok(()) => return Some(text),
            Err(_) if text.is_empty() => "expected a date like 1999-03-01".to_string(),
            Err(reason) => format!("not a date: {reason}"),
        };
        self.errors.push(
            Error::new(ErrorKind::InvalidValue, format!("invalid date for `{key}`"))
                .at(self.location(value.span()))
                .label(problem)
                .help(expected_type(key)),
        );
        None
    }

    fn references(&mut self, key: &str, value: &Spanned<DeValue<'_>>, fm: &mut FrontMatter) {
        let items: Vec<&Spanned<DeValue<'_>>> = match value.get_ref() {
            DeValue::Array(items) => items.iter().collect(),
            _ => vec![value],
        };
        for item in items {
            match self.reference(key, item) {
                Some(r) => fm.references.push(r),
                None => self.errors.push(
                    Error::new(
                        ErrorKind::InvalidValue,
                        format!("invalid reference in `{key}`"),
                    )
                    .at(self.location(item.span()))
                    .label("expected a name or an inline table with `ref`")
                    .help(format!(
                        "write {key} = [\"Name\", {{ ref = \"Other\", status = \"MOU\" }}]"
                    )),
                ),
            }
        }
    }

    fn reference(&mut self, key: &str, item: &Spanned<DeValue<'_>>) -> Option<RawReference> {
        let span_of = |s: Range<usize>| (s.start + self.offset)..(s.end + self.offset);
        match item.get_ref() {
            DeValue::String(name) => Some(RawReference {
                collection: key.to_string(),
                name: name.to_string(),
                attrs: BTreeMap::new(),
                span: span_of(item.span()),
            }),
            DeValue::Table(table) => {
                let name = table.get("ref")?;
                let DeValue::String(text) = name.get_ref() else {
                    return None;
                };
                let attrs = table
                    .iter()
                    .filter(|(k, _)| k.get_ref().as_ref() != "ref")
                    .map(|(k, v)| (k.get_ref().to_string(), to_json(v.get_ref())))
                    .collect();
                Some(RawReference {
                    collection: key.to_string(),
                    name: text.to_string(),
                    attrs,
                    span: span_of(name.span()),
                })
            }
            _ => None,
        }
    }

    fn unknown_key(&mut self, name: &str, span: Range<usize>, collections: &BTreeSet<String>) {
        let candidates = KNOWN_KEYS
            .iter()
            .map(|k| k.to_string())
            .chain(collections.iter().cloned());
        let mut error = Error::new(
            ErrorKind::UnknownKey,
            format!("unknown front matter key `{name}`"),
        )
        .at(self.location(span));
        error = match did_you_mean(name, candidates) {
            Some(s) => error.label(format!("did you mean `{s}`?")),
            None => error.label("not a known key"),
        };
        self.errors.push(
            error.help("custom data goes under [extra]; references use a collection's name as key"),
        );
    }
}

fn expected_type(key: &str) -> String {
    let what = match key {
        "title" | "description" | "slug" | "template" => "a string",
        "translates" => "a string (the source version `weft check` names)",
        "weight" => "an integer",
        "paginate_by" => "a whole number of pages per listing page (0: no pagination)",
        "sort_by" => "one of \"weight\", \"date\" or \"title\"",
        "sort_reverse" => "true or false",
        "draft" => "true or false",
        "aliases" | "also_known_as" => "an array of strings",
        "date" | "updated" => "a date (1999-03-01) or a date-time",
        "extra" => "a table",
        _ => "another type",
    };
    format!("`{key}` takes {what}")
}

/// `Ok` for a calendar date (`1999-03-01`) or a date-time (`1999-03-01T10:00:00`, with an
/// optional offset); else jiff's reason (`1999-13-45`: the month is not in 1..=12). jiff knows
/// month lengths and leap years, so `1999-02-29` is refused and `2000-02-29` accepted.
fn check_date(text: &str) -> Result<(), String> {
    // The feeds and the sitemap take the first ten characters as the day.
    let day = text.get(..10).unwrap_or(text);
    day.parse::<jiff::civil::Date>()
        .map_err(|e| e.to_string())?;
    if text.len() == day.len() || text.parse::<jiff::Timestamp>().is_ok() {
        return Ok(());
    }
    // A date-time without offset (jiff refuses a `Z` there: the timestamp above took those).
    text.parse::<jiff::civil::DateTime>()
        .map(drop)
        .map_err(|e| e.to_string())
}

/// Spanned TOML value -> plain `toml::Value` (so serde can type it).
fn to_toml(value: &DeValue<'_>) -> toml::Value {
    match value {
        DeValue::String(s) => toml::Value::String(s.to_string()),
        DeValue::Integer(i) => i64::from_str_radix(i.as_str(), i.radix())
            .map(toml::Value::Integer)
            .unwrap_or_else(|_| toml::Value::String(i.as_str().to_string())),
        DeValue::Float(f) => toml::Value::Float(parse_float(f.as_str())),
        DeValue::Boolean(b) => toml::Value::Boolean(*b),
        DeValue::Datetime(d) => toml::Value::Datetime(*d),
        DeValue::Array(a) => toml::Value::Array(a.iter().map(|v| to_toml(v.get_ref())).collect()),
        DeValue::Table(t) => toml::Value::Table(
            t.iter()
                .map(|(k, v)| (k.get_ref().to_string(), to_toml(v.get_ref())))
                .collect(),
        ),
    }
}

fn parse_float(text: &str) -> f64 {
    match text.trim_start_matches('+') {
        "inf" => f64::INFINITY,
        "-inf" => f64::NEG_INFINITY,
        "nan" | "-nan" => f64::NAN,
        t => t.replace('_', "").parse().unwrap_or(0.0),
    }
}

fn to_json(value: &DeValue<'_>) -> serde_json::Value {
    match value {
        DeValue::Datetime(d) => serde_json::Value::String(d.to_string()),
        DeValue::Float(f) => serde_json::Number::from_f64(parse_float(f.as_str()))
            .map_or(serde_json::Value::Null, serde_json::Value::Number),
        other => serde_json::to_value(to_toml(other)).unwrap_or(serde_json::Value::Null),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collections() -> BTreeSet<String> {
        ["countries".to_string()].into_iter().collect()
    }

    #[test]
    fn splits_front_matter_and_body() {
        let text = "+++\ntitle = \"A\"\n+++\nHello\n";
        let parsed = parse("a.md", text, &collections()).unwrap();
        assert_eq!(parsed.front_matter.title, "A");
        assert_eq!(parsed.body, "Hello\n");
        assert_eq!(parsed.body_offset, text.find("Hello").unwrap());
    }

    #[test]
    fn reference_spans_point_at_the_name() {
        let text = "+++\ntitle = \"A\"\ncountries = [\"Kenya\", { ref = \"Uganda\", since = 1998 }]\n+++\n";
        let fm = parse("a.md", text, &collections()).unwrap().front_matter;
        let spans: Vec<&str> = fm
            .references
            .iter()
            .map(|r| &text[r.span.clone()])
            .collect();
        assert_eq!(spans, ["\"Kenya\"", "\"Uganda\""]);
        assert_eq!(fm.references[1].attrs["since"], serde_json::json!(1998));
    }

    #[test]
    fn unknown_key_suggests_the_known_one() {
        let text = "+++\ntitle = \"A\"\ndescripton = \"x\"\n+++\n";
        let errors = parse("a.md", text, &collections()).unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(
            errors[0].label.as_deref(),
            Some("did you mean `description`?")
        );
        assert_eq!(errors[0].location.as_ref().unwrap().line, 3);
    }

    #[test]
    fn missing_closing_delimiter_is_reported_on_the_opening_line() {
        let errors = parse("a.md", "+++\ntitle = \"A\"\nbody", &collections()).unwrap_err();
        assert_eq!(errors[0].kind, ErrorKind::FrontMatter);
        assert_eq!(errors[0].location.as_ref().unwrap().line, 1);
    }

    #[test]
    fn missing_title_points_at_the_opening_delimiter_even_with_crlf() {
        let errors = parse("a.md", "+++\r\ndraft = true\r\n+++\r\n", &collections()).unwrap_err();
        let loc = errors[0].location.as_ref().unwrap();
        assert_eq!((loc.line, loc.column, loc.line_span.clone()), (1, 1, 0..3));
    }

    #[test]
    fn several_problems_are_all_reported() {
        let text = "+++\nweight = \"x\"\ndraft = 3\n+++\n";
        let errors = parse("a.md", text, &collections()).unwrap_err();
        let kinds: Vec<ErrorKind> = errors.iter().map(|e| e.kind).collect();
        assert_eq!(
            kinds,
            [
                ErrorKind::InvalidValue,
                ErrorKind::InvalidValue,
                ErrorKind::MissingTitle
            ]
        );
    }

    fn date_label(text: &str) -> String {
        let errors = parse("a.md", text, &collections()).unwrap_err();
        assert_eq!(errors.len(), 1, "{errors:?}");
        errors[0].label.clone().unwrap()
    }

    #[test]
    fn impossible_dates_are_refused_with_the_reason() {
        assert_eq!(
            date_label("+++\ntitle = \"A\"\ndate = \"1999-13-45\"\n+++\n"),
            "not a date: failed to parse two digit integer as month: parameter 'month' is not in the required range of 1..=12"
        );
        assert_eq!(
            date_label("+++\ntitle = \"A\"\nupdated = \"1999-02-29\"\n+++\n"),
            "not a date: parsed date is not valid: parameter 'day' for `1999-02` is invalid, must be in range `1..=28`"
        );
        assert_eq!(
            date_label("+++\ntitle = \"A\"\ndate = \"1999-03-01 lunch\"\n+++\n"),
            "not a date: failed to parse two digit integer as hour: invalid digit, expected 0-9 but got l"
        );
        // A six-digit year parses, but the feeds need the day in the first ten characters.
        assert!(
            date_label("+++\ntitle = \"A\"\ndate = \"+001999-03-01\"\n+++\n")
                .starts_with("not a date: ")
        );
        assert_eq!(
            // Unquoted, it is TOML's own date-time, which the TOML parser checks.
            date_label("+++\ntitle = \"A\"\ndate = 1999-02-30\n+++\n"),
            "invalid date, expected day between 01 and 28"
        );
    }

    #[test]
    fn real_dates_and_date_times_pass() {
        for date in [
            "\"2000-02-29\"",
            "\"1999-03-01T10:00:00Z\"",
            "\"1999-03-01T10:00:00+02:00\"",
            "\"1999-03-01 10:00:00\"",
            "1999-03-01T10:00:00",
            "1999-03-01",
        ] {
            let text = format!("+++\ntitle = \"A\"\ndate = {date}\n+++\n");
            let fm = parse("a.md", &text, &collections()).unwrap().front_matter;
            assert!(fm.date.is_some(), "{date}");
        }
    }

    #[test]
    fn a_broken_front_matter_still_tells_the_names_it_can() {
        let text = "+++\ntitle = \"Kenya\"\nalso_known_as = [\"Republic of Kenya\"]\nweight = \nslug = \"ke\"\ncountries = [\"X\"]\n+++\nBody\n";
        assert!(parse("a.md", text, &collections()).is_err());
        let (fm, body_offset) = recover(text, &collections());
        assert_eq!(
            (fm.title.as_str(), fm.slug.as_deref(), &fm.also_known_as[..]),
            ("Kenya", Some("ke"), &["Republic of Kenya".to_string()][..])
        );
        assert!(fm.references.is_empty());
        assert_eq!(&text[body_offset..], "Body\n");
        let (fm, body_offset) = recover("+++\ntitle = \"A\"\n", &collections());
        assert_eq!((fm.title.as_str(), body_offset), ("", 16));
    }

    #[test]
    fn toml_dates_become_strings() {
        let text = "+++\ntitle = \"A\"\ndate = 1999-03-01\n+++\n";
        let fm = parse("a.md", text, &collections()).unwrap().front_matter;
        assert_eq!(fm.date.as_deref(), Some("1999-03-01"));
    }
}
