//! The site's data files (`data/NAME.toml`, `data/NAME.json`, `data/NAME.csv`) as the `data`
//! value templates read: `data.NAME`. A CSV file's first row names its columns and every other
//! row becomes a record (`{column: text}`, cells kept as text); TOML and JSON keep their types.
//!
//! Lookups are strict where a typo would otherwise print nothing: `data.donrs`, `row.amunt` or
//! `data.site.titel` fail the render with the template's file and line and a did-you-mean over
//! the names that exist. Testing whether something exists is `"name" in data` (and
//! `data["name"]` gives undefined), so a theme can read a file a site may not have.
//!
//! Parse errors name the file, line and column. This module parses text it is given; `load`
//! reads the files (through its `Boundary`, like every other input).
//!
//! Every lookup of a file in `data` (`data.NAME`, `data["NAME"]`, `"NAME" in data`; listing or
//! counting `data` reads them all) is noted for the render under way ([`tracked`]), so that
//! `weft serve` renders again only what read a data file that changed ([`Readers`]).

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex};

use minijinja::value::{Enumerator, Object, ObjectRepr};
use minijinja::Value;

use crate::error::{Error, ErrorKind, Location};
use crate::load::DataFile;
use crate::xref::did_you_mean;

/// The folder data files are read from, under the site root.
pub const DATA_DIR: &str = "data";

/// Parses every data file into the `data` value; a file that cannot be parsed is left out and
/// its error returned.
pub fn parse(files: &[DataFile]) -> (Value, Vec<Error>) {
    let mut errors = Vec::new();
    let mut named: BTreeMap<String, (&DataFile, Value)> = BTreeMap::new();
    for file in files {
        let shown = format!("{DATA_DIR}/{}", file.path);
        let Some((name, format)) = name_and_format(&file.path, &shown, &mut errors) else {
            continue;
        };
        if let Some((first, _)) = named.get(name) {
            errors.push(
                Error::new(
                    ErrorKind::DuplicateName,
                    format!(
                        "two data files are named \"{name}\": data/{} and {shown}",
                        first.path
                    ),
                )
                .at(Location::file_only(&shown))
                .help(format!(
                    "rename one of them: templates read each as data.{name}"
                )),
            );
            continue;
        }
        let what: Arc<str> = Arc::from(format!("data.{name}"));
        let parsed = match format {
            Format::Toml => parse_toml(&shown, &file.text, &what),
            Format::Json => parse_json(&shown, &file.text, &what),
            Format::Csv => parse_csv(&shown, &file.text, &what),
        };
        match parsed {
            Ok(value) => {
                named.insert(name.to_string(), (file, value));
            }
            Err(e) => errors.push(e),
        }
    }
    let (keys, values): (Vec<String>, Vec<Value>) =
        named.into_iter().map(|(k, (_, v))| (k, v)).unzip();
    let root = Strict::value(Arc::from("data"), Noun::File, keys.into(), values);
    (root, errors)
}

#[derive(Clone, Copy)]
enum Format {
    Toml,
    Json,
    Csv,
}

/// `donors.csv` -> `("donors", Csv)`; anything else in `data/` is an error, never skipped.
fn name_and_format<'a>(
    path: &'a str,
    shown: &str,
    errors: &mut Vec<Error>,
) -> Option<(&'a str, Format)> {
    if path.contains('/') {
        errors.push(
            Error::new(
                ErrorKind::Unreadable,
                format!("{shown} is in a folder under {DATA_DIR}/"),
            )
            .at(Location::file_only(shown))
            .help(format!(
                "data files sit directly in {DATA_DIR}/ (each is data.NAME in templates): move it up"
            )),
        );
        return None;
    }
    let format = match path.rsplit_once('.') {
        Some((name, "toml")) if !name.is_empty() => (name, Format::Toml),
        Some((name, "json")) if !name.is_empty() => (name, Format::Json),
        Some((name, "csv")) if !name.is_empty() => (name, Format::Csv),
        _ => {
            errors.push(
                Error::new(
                    ErrorKind::Unreadable,
                    format!("{shown} is not a data file weft reads"),
                )
                .at(Location::file_only(shown))
                .help(format!(
                    "{DATA_DIR}/ holds TOML (.toml), JSON (.json) and CSV (.csv) files; move anything else out of it"
                )),
            );
            return None;
        }
    };
    Some(format)
}

fn parse_error(shown: &str, location: Location, detail: impl Into<String>) -> Error {
    Error::new(
        ErrorKind::InvalidValue,
        format!("invalid data file {shown}"),
    )
    .at(location)
    .label(detail.into())
}

fn parse_toml(shown: &str, text: &str, what: &Arc<str>) -> Result<Value, Error> {
    let table: toml::Table = toml::from_str(text).map_err(|e| {
        let location = match e.span() {
            Some(span) => Location::new(shown, text, span),
            None => Location::file_only(shown),
        };
        parse_error(shown, location, e.message().trim())
    })?;
    Ok(toml_value(toml::Value::Table(table), what))
}

/// A TOML value as a template value, tables made strict and dates kept as written
/// (`1999-03-01`), as front matter dates are.
fn toml_value(value: toml::Value, what: &Arc<str>) -> Value {
    match value {
        toml::Value::Table(table) => {
            let mut keys = Vec::with_capacity(table.len());
            let mut values = Vec::with_capacity(table.len());
            for (k, v) in table {
                let inner: Arc<str> = Arc::from(format!("{what}.{k}"));
                values.push(toml_value(v, &inner));
                keys.push(k);
            }
            Strict::value(what.clone(), Noun::Key, keys.into(), values)
        }
        toml::Value::Array(items) => {
            let inner: Arc<str> = Arc::from(format!("an item of {what}"));
            Value::from(
                items
                    .into_iter()
                    .map(|v| toml_value(v, &inner))
                    .collect::<Vec<_>>(),
            )
        }
        toml::Value::Datetime(d) => Value::from(d.to_string()),
        toml::Value::String(s) => Value::from(s),
        toml::Value::Integer(i) => Value::from(i),
        toml::Value::Float(f) => Value::from(f),
        toml::Value::Boolean(b) => Value::from(b),
    }
}

fn parse_json(shown: &str, text: &str, what: &Arc<str>) -> Result<Value, Error> {
    let json: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        let location = at_line_col(shown, text, e.line(), e.column());
        // serde_json's message ends with " at line L column C", which the location shows.
        let message = e.to_string();
        let detail = message
            .rsplit_once(" at line ")
            .map_or(message.as_str(), |(d, _)| d);
        parse_error(shown, location, detail)
    })?;
    Ok(strict_value(json, what))
}

/// The location of 1-based `line` and `column` (serde_json counts columns in bytes; `0` when
/// the error is at the line's start).
fn at_line_col(shown: &str, text: &str, line: usize, column: usize) -> Location {
    let start: usize = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    let offset = (start + column.saturating_sub(1)).min(text.len());
    Location::new(shown, text, offset..offset + 1)
}

/// A JSON value as a template value, maps made strict.
fn strict_value(json: serde_json::Value, what: &Arc<str>) -> Value {
    match json {
        serde_json::Value::Object(map) => {
            let mut keys = Vec::with_capacity(map.len());
            let mut values = Vec::with_capacity(map.len());
            for (k, v) in map {
                let inner: Arc<str> = Arc::from(format!("{what}.{k}"));
                values.push(strict_value(v, &inner));
                keys.push(k);
            }
            Strict::value(what.clone(), Noun::Key, keys.into(), values)
        }
        serde_json::Value::Array(items) => {
            let inner: Arc<str> = Arc::from(format!("an item of {what}"));
            Value::from(
                items
                    .into_iter()
                    .map(|v| strict_value(v, &inner))
                    .collect::<Vec<_>>(),
            )
        }
        other => Value::from_serialize(other),
    }
}

/// A CSV file with a header row: a list of records keyed by the header's names.
fn parse_csv(shown: &str, text: &str, what: &Arc<str>) -> Result<Value, Error> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(text.as_bytes());
    let csv_error = |e: csv::Error| {
        let offset = e.position().map_or(0, |p| p.byte() as usize);
        let detail = match e.kind() {
            csv::ErrorKind::UnequalLengths {
                expected_len, len, ..
            } => format!("this row has {len} cells; the header row has {expected_len}"),
            _ => e.to_string(),
        };
        parse_error(
            shown,
            Location::new(shown, text, offset..offset + 1),
            detail,
        )
    };
    let header = reader.headers().map_err(csv_error)?.clone();
    if header.is_empty() {
        return Err(
            parse_error(shown, Location::file_only(shown), "the file is empty")
                .help("a CSV data file starts with a header row naming its columns"),
        );
    }
    let columns: Vec<String> = header.iter().map(|c| c.trim().to_string()).collect();
    check_columns(shown, text, &columns)?;
    let columns: Arc<[String]> = columns.into();
    let row_what: Arc<str> = Arc::from(format!("a row of {what}"));
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(csv_error)?;
        let values = record.iter().map(Value::from).collect();
        rows.push(Strict::value(
            row_what.clone(),
            Noun::Column,
            columns.clone(),
            values,
        ));
    }
    Ok(Value::from(rows))
}

/// Every column has a name, and no two the same one (a record could not hold both).
fn check_columns(shown: &str, text: &str, columns: &[String]) -> Result<(), Error> {
    let header_line = Location::new(shown, text, 0..text.find('\n').unwrap_or(text.len()));
    for (i, column) in columns.iter().enumerate() {
        if column.is_empty() {
            return Err(parse_error(
                shown,
                header_line,
                format!("column {} of the header row has no name", i + 1),
            )
            .help("the first row names the columns; records are read by those names"));
        }
        if columns[..i].contains(column) {
            return Err(parse_error(
                shown,
                header_line,
                format!("two columns are named \"{column}\""),
            )
            .help("give each column of the header row its own name"));
        }
    }
    Ok(())
}

/// `donors.csv` -> `donors`: the name templates read a data file by.
pub fn name_of(path: &str) -> &str {
    path.rsplit_once('.').map_or(path, |(name, _)| name)
}

/// The names of the data files that differ between `old` and `new`: changed, added or removed
/// (a file that is an error in either is named too; the parse reports it).
pub fn changed_names(old: &[DataFile], new: &[DataFile]) -> BTreeSet<String> {
    let texts = |files: &[DataFile]| -> HashMap<String, String> {
        files
            .iter()
            .map(|f| (f.path.clone(), f.text.clone()))
            .collect()
    };
    let (old, new) = (texts(old), texts(new));
    let differ = |path: &String| old.get(path) != new.get(path);
    old.keys()
        .chain(new.keys())
        .filter(|p| differ(p))
        .map(|p| name_of(p).to_string())
        .collect()
}

/// Which data files one render read: by name (a name no file has too, when a template tested
/// for it), or every one (it listed or counted `data`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Reads {
    names: BTreeSet<String>,
    every: bool,
}

impl Reads {
    pub fn is_empty(&self) -> bool {
        !self.every && self.names.is_empty()
    }

    /// Whether a render that read these shows any of the data files `names`.
    pub fn any_of(&self, names: &BTreeSet<String>) -> bool {
        !names.is_empty() && (self.every || names.iter().any(|n| self.names.contains(n)))
    }

    fn add(&mut self, other: &Reads) {
        self.every |= other.every;
        self.names.extend(other.names.iter().cloned());
    }
}

thread_local! {
    /// The reads of the renders under way on this thread, innermost last. A render runs on one
    /// thread from start to end; one started inside another (a job rayon gave this thread while
    /// it waited) has its own entry, so reads never leak between pages.
    static READING: RefCell<Vec<Reads>> = const { RefCell::new(Vec::new()) };
}

/// Runs `render` and returns, with its result, the data files it read. Not counted in an
/// enclosing render: [`note`] adds them there when they belong to it (a cached partial).
pub fn tracked<R>(render: impl FnOnce() -> R) -> (R, Reads) {
    /// Pops the entry even when `render` panics, so the stack stays balanced.
    struct Entry;
    impl Drop for Entry {
        fn drop(&mut self) {
            READING.with(|r| r.borrow_mut().pop());
        }
    }
    READING.with(|r| r.borrow_mut().push(Reads::default()));
    let entry = Entry;
    let result = render();
    let reads = READING.with(|r| r.borrow_mut().last_mut().map(std::mem::take));
    drop(entry);
    (result, reads.unwrap_or_default())
}

/// Counts `reads` in the render under way (a partial rendered once and reused: each page
/// showing it read what it read).
pub fn note(reads: &Reads) {
    if reads.is_empty() {
        return;
    }
    READING.with(|r| {
        if let Some(current) = r.borrow_mut().last_mut() {
            current.add(reads);
        }
    });
}

fn note_read(name: &str) {
    READING.with(|r| {
        if let Some(current) = r.borrow_mut().last_mut() {
            if !current.names.contains(name) {
                current.names.insert(name.to_string());
            }
        }
    });
}

fn note_every() {
    READING.with(|r| {
        if let Some(current) = r.borrow_mut().last_mut() {
            current.every = true;
        }
    });
}

/// Per output, the data files its render read (outputs that read none are not listed), filled
/// by renders on any thread. An output is named by the path of its first file (a paginated
/// section's listing pages are one render).
#[derive(Debug, Default)]
pub struct Readers(Mutex<BTreeMap<String, Reads>>);

impl Readers {
    /// Sets what the output at `path` read (forgets it when nothing).
    pub fn set(&self, path: &str, reads: Reads) {
        let mut map = self.0.lock().expect("data readers");
        if reads.is_empty() {
            map.remove(path);
        } else {
            map.insert(path.to_string(), reads);
        }
    }

    /// What the output at `path` read.
    pub fn get(&self, path: &str) -> Option<Reads> {
        self.0.lock().expect("data readers").get(path).cloned()
    }

    /// The outputs that read any of the data files `names`.
    pub fn reading(&self, names: &BTreeSet<String>) -> Vec<String> {
        let map = self.0.lock().expect("data readers");
        let reading = map.iter().filter(|(_, reads)| reads.any_of(names));
        reading.map(|(path, _)| path.clone()).collect()
    }
}

/// What the names of a [`Strict`] map are, in messages.
#[derive(Clone, Copy, Debug)]
enum Noun {
    File,
    Column,
    Key,
}

/// A map whose dotted lookups of a missing name are errors naming the closest name.
#[derive(Debug)]
struct Strict {
    /// Shown in messages: `data`, `data.site`, `a row of data.contributions`.
    what: Arc<str>,
    noun: Noun,
    /// Shared by every row of a CSV file.
    keys: Arc<[String]>,
    /// `values[i]` belongs to `keys[i]`.
    values: Vec<Value>,
}

impl Strict {
    fn value(what: Arc<str>, noun: Noun, keys: Arc<[String]>, values: Vec<Value>) -> Value {
        Value::from_object(Strict {
            what,
            noun,
            keys,
            values,
        })
    }

    fn get(&self, key: &str) -> Option<Value> {
        if let Noun::File = self.noun {
            // Read, or tested for: either way the render shows what the file holds, or that
            // there is none.
            note_read(key);
        }
        let i = self.keys.iter().position(|k| k == key)?;
        Some(self.values[i].clone())
    }

    /// The error a template gets for `.key` when there is no such name.
    fn missing(&self, key: &str) -> minijinja::Error {
        let what = &self.what;
        let problem = match self.noun {
            Noun::File => {
                format!("there is no data file \"{key}\" (data/{key}.toml, .json or .csv)")
            }
            Noun::Column => format!("{what} has no column \"{key}\""),
            Noun::Key => format!("{what} has no key \"{key}\""),
        };
        let hint = match did_you_mean(key, self.keys.iter().cloned()) {
            Some(s) => match self.noun {
                Noun::File => format!("did you mean data.{s}?"),
                _ => format!("did you mean \"{s}\"?"),
            },
            None if self.keys.is_empty() => match self.noun {
                Noun::File => "the site has no data files".to_string(),
                _ => format!("{what} is empty"),
            },
            None => format!("{}: {}", self.plural(), self.keys.join(", ")),
        };
        minijinja::Error::new(
            minijinja::ErrorKind::UndefinedError,
            format!("{problem}; {hint}"),
        )
    }

    /// `data` listed or counted: the render depends on every file.
    fn note_listed(&self) {
        if let Noun::File = self.noun {
            note_every();
        }
    }

    fn plural(&self) -> &'static str {
        match self.noun {
            Noun::File => "data files",
            Noun::Column => "columns",
            Noun::Key => "keys",
        }
    }
}

impl Object for Strict {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Map
    }

    /// Item lookups (`data["x"]`) and `"x" in data`: missing is undefined, so a theme can test.
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        self.get(key.as_str()?)
    }

    /// Dotted lookups (`data.x`): missing is an error with a did-you-mean.
    fn get_value_by_str(self: &Arc<Self>, key: &str) -> Option<Value> {
        Some(
            self.get(key)
                .unwrap_or_else(|| Value::from(self.missing(key))),
        )
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        self.note_listed();
        Enumerator::Values(self.keys.iter().map(|k| Value::from(k.as_str())).collect())
    }

    fn enumerator_len(self: &Arc<Self>) -> Option<usize> {
        self.note_listed();
        Some(self.keys.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use minijinja::{context, Environment};

    fn files(list: &[(&str, &str)]) -> Vec<DataFile> {
        list.iter()
            .map(|(path, text)| DataFile {
                path: path.to_string(),
                text: text.to_string(),
            })
            .collect()
    }

    fn render(data: &Value, template: &str) -> Result<String, String> {
        let mut env = Environment::new();
        env.add_template("t.txt", template).unwrap();
        env.get_template("t.txt")
            .unwrap()
            .render(context! { data => data.clone() })
            .map_err(|e| e.detail().unwrap_or_default().to_string())
    }

    #[test]
    fn csv_rows_are_records_by_column_and_toml_and_json_keep_their_types() {
        let (data, errors) = parse(&files(&[
            ("people.csv", "name,age\nAda,36\n\"Lovelace, A.\",\"3\"\n"),
            (
                "site.toml",
                "title = \"T\"\nyears = [1998, 1999]\nsince = 1999-03-01\n[owner]\nname = \"ILO\"\n",
            ),
            ("list.json", "[{\"a\": 1}, {\"a\": 2.5}]"),
        ]));
        assert!(errors.is_empty(), "{errors:?}");
        let out = render(
            &data,
            "{% for p in data.people %}{{ p.name }}={{ p.age }};{% endfor %}\
             {{ data.site.title }} {{ data.site.years|sum }} {{ data.site.owner.name }} {{ data.site.since }} \
             {{ data.list|map(attribute='a')|join(',') }} {{ 'people' in data }} \
             {{ 'nope' in data }} {{ data['nope'] is undefined }} {{ data.people[0]|list }}",
        );
        assert_eq!(
            out.unwrap(),
            "Ada=36;Lovelace, A.=3;T 3997 ILO 1999-03-01 1,2.5 True False True [\"name\", \"age\"]"
        );
    }

    #[test]
    fn a_missing_file_column_or_key_is_an_error_naming_the_closest() {
        let (data, _) = parse(&files(&[
            ("donors.csv", "name,amount_usd\nBelgium,8200000\n"),
            ("site.toml", "title = \"T\"\n"),
        ]));
        assert_eq!(
            render(&data, "{{ data.donrs }}").unwrap_err(),
            "there is no data file \"donrs\" (data/donrs.toml, .json or .csv); did you mean data.donors?"
        );
        assert_eq!(
            render(
                &data,
                "{% for d in data.donors %}{{ d.amunt_usd }}{% endfor %}"
            )
            .unwrap_err(),
            "a row of data.donors has no column \"amunt_usd\"; did you mean \"amount_usd\"?"
        );
        assert_eq!(
            render(&data, "{{ data.site.zzz }}").unwrap_err(),
            "data.site has no key \"zzz\"; keys: title"
        );
        let (empty, _) = parse(&[]);
        assert_eq!(
            render(&empty, "{{ data.x }}").unwrap_err(),
            "there is no data file \"x\" (data/x.toml, .json or .csv); the site has no data files"
        );
    }

    fn one_error(path: &str, text: &str) -> String {
        let (_, errors) = parse(&files(&[(path, text)]));
        assert_eq!(errors.len(), 1, "{errors:?}");
        errors[0].render(false)
    }

    #[test]
    fn parse_errors_are_located() {
        assert_eq!(
            one_error("a.toml", "x = 1\ny = \n"),
            "error: invalid data file data/a.toml\n --> data/a.toml:2:5\n  |\n2 | y = \n  |     ^ string values must be quoted, expected literal string\n  |"
        );
        assert_eq!(
            one_error("a.json", "{\n  \"a\": 1,\n  \"b\" 2\n}"),
            "error: invalid data file data/a.json\n --> data/a.json:3:7\n  |\n3 |   \"b\" 2\n  |       ^ expected `:`\n  |"
        );
        assert_eq!(
            one_error("a.csv", "a,b\n1,2\n3,4,5\n"),
            "error: invalid data file data/a.csv\n --> data/a.csv:3:1\n  |\n3 | 3,4,5\n  | ^ this row has 3 cells; the header row has 2\n  |"
        );
        assert_eq!(
            one_error("a.csv", "a,,c\n1,2,3\n"),
            "error: invalid data file data/a.csv\n --> data/a.csv:1:1\n  |\n1 | a,,c\n  | ^^^^ column 2 of the header row has no name\n  |\n  = help: the first row names the columns; records are read by those names"
        );
    }

    fn reads(data: &Value, template: &str) -> Reads {
        let (out, reads) = tracked(|| render(data, template));
        out.unwrap();
        reads
    }

    fn names(list: &[&str]) -> BTreeSet<String> {
        list.iter().map(|n| n.to_string()).collect()
    }

    #[test]
    fn lookups_and_tests_of_a_file_are_noted_for_the_render_under_way() {
        let (data, _) = parse(&files(&[("a.toml", "x = 1\n"), ("b.csv", "n\n1\n")]));
        let r = reads(
            &data,
            "{{ data.a.x }}{{ 'nope' in data }}{{ data['b'] is defined }}",
        );
        assert_eq!((r.names, r.every), (names(&["a", "b", "nope"]), false));
        // Reading inside a file (a row, a key) is no read of another file.
        let r = reads(&data, "{% for row in data.b %}{{ row.n }}{% endfor %}");
        assert!(r.any_of(&names(&["b"])) && !r.any_of(&names(&["a"])));
        // Listing or counting `data` reads every file, even one added later.
        for template in [
            "{{ data|length }}",
            "{% for f in data %}{{ f }}{% endfor %}",
        ] {
            assert!(
                reads(&data, template).any_of(&names(&["new"])),
                "{template}"
            );
        }
        assert!(reads(&data, "{{ 1 }}").is_empty());
        // Nothing is noted outside a tracked render, nor leaks into the next one.
        render(&data, "{{ data.a.x }}").unwrap();
        assert!(reads(&data, "{{ 2 }}").is_empty());
    }

    #[test]
    fn a_render_inside_another_keeps_its_own_reads_until_noted() {
        let (data, _) = parse(&files(&[("a.toml", "x = 1\n"), ("b.toml", "y = 2\n")]));
        let ((inner, _), outer) = tracked(|| {
            render(&data, "{{ data.a.x }}").unwrap();
            let inner = tracked(|| render(&data, "{{ data.b.y }}").unwrap());
            (inner.1, ())
        });
        assert_eq!(inner.names, names(&["b"]));
        assert_eq!(outer.names, names(&["a"]));
        let (_, outer) = tracked(|| note(&inner));
        assert_eq!(outer.names, names(&["b"]));
    }

    #[test]
    fn changed_names_are_the_files_changed_added_or_removed() {
        let old = files(&[("a.toml", "x = 1"), ("b.csv", "n\n1\n"), ("c.json", "[]")]);
        let new = files(&[("a.toml", "x = 1"), ("b.csv", "n\n2\n"), ("d.json", "{}")]);
        assert_eq!(changed_names(&old, &new), names(&["b", "c", "d"]));
        assert!(changed_names(&old, &old).is_empty());
    }

    #[test]
    fn other_files_and_clashing_names_are_errors() {
        let (_, errors) = parse(&files(&[
            ("a.csv", "x\n1\n"),
            ("a.json", "{}"),
            ("notes.md", "# hi"),
            ("sub/b.toml", ""),
        ]));
        let messages: Vec<&str> = errors.iter().map(|e| e.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "two data files are named \"a\": data/a.csv and data/a.json",
                "data/notes.md is not a data file weft reads",
                "data/sub/b.toml is in a folder under data/",
            ]
        );
    }
}
