//! The theme's words and their languages: the UI strings of `i18n/LANG.toml` files (the
//! theme's, overridden key by key by the site's), the `[terms]` that translate content strings,
//! and locale formatting of numbers and dates through ICU4X's compiled data. Gives templates
//! `t(key, **args)`, `|term`, `|format_number(places)` and `|format_date`.
//!
//! A string is looked up in the language being rendered (the template variable `lang`, else
//! `site.language`), then the site's default language, then English (the theme's reference
//! file). A key in no file is a template error with did-you-mean; a key of the default language
//! (or of English) that a declared language lacks is a warning, found when the files are read;
//! a content string with no term in a language other than the default is a warning, once per
//! string and language, found while the pages render ([`Strings::term_warnings`]).
//!
//! Does no IO: `load` reads the files.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use std::str::FromStr;
use std::sync::{Arc, RwLock};

use fixed_decimal::Decimal;
use icu_calendar::cal::Gregorian;
use icu_calendar::Date;
use icu_datetime::fieldsets::YMD;
use icu_datetime::FixedCalendarDateTimeFormatter;
use icu_decimal::DecimalFormatter;
use icu_locale_core::Locale;
use icu_plurals::{PluralCategory, PluralRules};
use minijinja::value::{Kwargs, ViaDeserialize};
use minijinja::{Environment, State, Value};

use crate::config::CONFIG_FILE;
use crate::error::{Error, ErrorKind, Location};
use crate::load::StringsFile;

/// The folder of UI strings, in a site and in a theme.
pub const I18N_DIR: &str = "i18n";

/// The language of the theme's reference file, which has every key.
const REFERENCE: &str = "en";

/// Top-level keys of an i18n file that are not UI strings.
const TERMS: &str = "terms";
const LOCALE: &str = "locale";

/// The CLDR plural categories, as keys of a plural string (`{ one = "...", other = "..." }`).
const CATEGORIES: &[&str] = &["zero", "one", "two", "few", "many", "other"];

/// A UI string: text with `{name}` placeholders, or one text per plural category.
#[derive(Clone, Debug, PartialEq)]
enum Message {
    Text(String),
    Plural(BTreeMap<String, String>),
}

/// One language's strings, terms and formatters, with the files they came from.
struct Language {
    messages: BTreeMap<String, Message>,
    terms: BTreeMap<String, String>,
    /// The locale written in a file (`locale = "en-GB"`), with where it was written.
    locale: Option<(String, Location)>,
    /// Whether any file gives this language strings.
    has_files: bool,
}

/// A language's ICU4X formatters.
struct Formats {
    decimal: DecimalFormatter,
    date: FixedCalendarDateTimeFormatter<Gregorian, YMD>,
    plurals: PluralRules,
}

/// Every language's UI strings, terms and formatters, shared by the render threads.
pub struct Strings {
    default: String,
    languages: BTreeMap<String, Language>,
    formats: BTreeMap<String, Formats>,
    /// Every key of every file (for did-you-mean).
    keys: BTreeSet<String>,
    /// The site's own file for each language, to name in messages.
    site_files: BTreeMap<String, String>,
    /// Language -> content strings shown without a term, noted while rendering (read far more
    /// often than written: every relation of every panel of a translated page asks).
    missing_terms: RwLock<BTreeMap<String, BTreeSet<String>>>,
}

impl Strings {
    /// Reads `files` (the theme's first, then the site's, which win key by key) for a site whose
    /// default language is `default` and which declares `others` besides. Gives the strings,
    /// the errors (a file that is no `LANG.toml`, bad TOML, a value that is no string) and the
    /// warnings (a declared language lacking a key).
    pub fn new(
        files: &[StringsFile],
        default: &str,
        others: &[String],
    ) -> (Arc<Strings>, Vec<Error>, Vec<Error>) {
        let mut errors = Vec::new();
        let mut languages: BTreeMap<String, Language> = BTreeMap::new();
        let mut site_files = BTreeMap::new();
        for file in files {
            let Some(lang) = language_of(file, &mut errors) else {
                continue;
            };
            if !file.from_theme {
                site_files.insert(lang.clone(), file.file.clone());
            }
            let language = languages.entry(lang).or_insert_with(Language::empty);
            read_file(file, language, &mut errors);
        }
        let declared: Vec<&str> = std::iter::once(default)
            .chain(others.iter().map(String::as_str))
            .collect();
        for lang in &declared {
            languages
                .entry(lang.to_string())
                .or_insert_with(Language::empty);
        }
        let mut formats = BTreeMap::new();
        for (lang, language) in &languages {
            match Formats::new(lang, language) {
                Ok(f) => {
                    formats.insert(lang.clone(), f);
                }
                Err(e) => errors.push(e),
            }
        }
        let keys = languages
            .values()
            .flat_map(|l| l.messages.keys().cloned())
            .collect();
        let strings = Strings {
            default: default.to_string(),
            languages,
            formats,
            keys,
            site_files,
            missing_terms: RwLock::default(),
        };
        let warnings = strings.missing_keys(&declared);
        (Arc::new(strings), errors, warnings)
    }

    /// Adds `t`, `term`, `format_number` and `format_date` to `env`.
    pub fn register(self: &Arc<Self>, env: &mut Environment<'static>) {
        let strings = self.clone();
        env.add_function("t", move |state: &State, key: &str, args: Kwargs| {
            let lang = current_language(state, &strings.default);
            strings.translate(as_language(&lang), key, &args)
        });
        let strings = self.clone();
        env.add_filter("term", move |state: &State, value: Value| {
            let lang = current_language(state, &strings.default);
            strings.term(as_language(&lang), value)
        });
        let strings = self.clone();
        env.add_filter(
            "format_number",
            move |state: &State, value: Value, places: Option<i16>| {
                let lang = current_language(state, &strings.default);
                let decimal = decimal_of(&value, places)?;
                Ok(strings
                    .formats(as_language(&lang))
                    .decimal
                    .format(&decimal)
                    .to_string())
            },
        );
        let strings = self.clone();
        env.add_filter(
            "format_date",
            move |state: &State, value: ViaDeserialize<String>| {
                let lang = current_language(state, &strings.default);
                let date = date_of(&value)?;
                Ok(strings
                    .formats(as_language(&lang))
                    .date
                    .format(&date)
                    .to_string())
            },
        );
    }

    /// The content strings shown without a term, once per string and language, as warnings.
    pub fn term_warnings(&self) -> Vec<Error> {
        let missing = self.missing_terms.read().expect("missing terms");
        missing
            .iter()
            .flat_map(|(lang, texts)| texts.iter().map(move |text| (lang, text)))
            .map(|(lang, text)| {
                let file = self.file_for(lang);
                Error::new(
                    ErrorKind::UiString,
                    format!("no {lang} term for \"{text}\": it is shown as written"),
                )
                .help(format!(
                    "add {} = \"...\" under [terms] in {file}",
                    toml_key(text)
                ))
            })
            .collect()
    }

    /// `t(key, **args)` in `lang`; with `raw=true`, the text as written (a plural's forms as a
    /// map), for a script to fill in.
    fn translate(&self, lang: &str, key: &str, args: &Kwargs) -> Result<Value, minijinja::Error> {
        let Some(message) = self.message(lang, key) else {
            return Err(self.unknown_key(key));
        };
        if args.get::<Option<bool>>("raw")? == Some(true) {
            return Ok(match message {
                Message::Text(text) => Value::from(text.as_str()),
                Message::Plural(forms) => Value::from_serialize(forms),
            });
        }
        let text = match message {
            Message::Text(text) => text,
            Message::Plural(forms) => {
                let count: Option<Value> = args.get("count")?;
                let Some(count) = count else {
                    return Err(template_error(format!(
                        "t(\"{key}\") has plural forms: give it count=..."
                    )));
                };
                let operands = decimal_of(&count, None)?;
                let category = self.formats(lang).plurals.category_for(&operands);
                forms
                    .get(category_name(category))
                    .or_else(|| forms.get("other"))
                    .expect("a plural string has an `other` form")
            }
        };
        self.fill(lang, key, text, args)
    }

    /// `text` with each `{name}` replaced by the argument `name` (numbers in the language's
    /// format); `{{` and `}}` are braces. Plain text, escaped where it is written; when an
    /// argument is markup (`{% set link %}<a ...>...</a>{% endset %}`), the text and the other
    /// arguments are escaped here and the whole is markup.
    fn fill(
        &self,
        lang: &str,
        key: &str,
        text: &str,
        args: &Kwargs,
    ) -> Result<Value, minijinja::Error> {
        if !text.contains(['{', '}']) {
            return Ok(Value::from(text)); // most strings: nothing to fill in
        }
        let mut pieces: Vec<(String, bool)> = Vec::new();
        let mut rest = text;
        while let Some(i) = rest.find(['{', '}']) {
            let brace = &rest[i..i + 1];
            pieces.push((rest[..i].to_string(), false));
            let after = &rest[i + 1..];
            if after.starts_with(brace) {
                pieces.push((brace.to_string(), false));
                rest = &after[1..];
                continue;
            }
            let Some(end) = after.find('}').filter(|_| brace == "{") else {
                pieces.push((brace.to_string(), false));
                rest = after;
                continue;
            };
            let name = &after[..end];
            let value: Option<Value> = args.get(name)?;
            let Some(value) = value else {
                return Err(template_error(format!(
                    "t(\"{key}\") needs {name}=... (its {lang} text has {{{name}}})"
                )));
            };
            let shown = if value.kind() == minijinja::value::ValueKind::Number {
                let decimal = decimal_of(&value, None)?;
                self.formats(lang).decimal.format(&decimal).to_string()
            } else {
                value.to_string()
            };
            pieces.push((shown, value.is_safe()));
            rest = &after[end + 1..];
        }
        pieces.push((rest.to_string(), false));
        if !pieces.iter().any(|(_, safe)| *safe) {
            return Ok(Value::from(
                pieces.into_iter().map(|(p, _)| p).collect::<String>(),
            ));
        }
        let mut html = String::with_capacity(text.len() * 2);
        for (piece, safe) in pieces {
            if safe {
                html.push_str(&piece);
            } else {
                html.push_str(&crate::render::escape_xml(&piece));
            }
        }
        Ok(Value::from_safe_string(html))
    }

    /// `value|term` in `lang`: its term, else the value as it is (noted when `lang` is not the
    /// default language).
    fn term(&self, lang: &str, value: Value) -> Value {
        let Some(text) = value.as_str() else {
            return value;
        };
        if let Some(term) = self.languages.get(lang).and_then(|l| l.terms.get(text)) {
            return Value::from(term.as_str());
        }
        if lang != self.default && !text.is_empty() && !self.noted_missing(lang, text) {
            self.missing_terms
                .write()
                .expect("missing terms")
                .entry(lang.to_string())
                .or_default()
                .insert(text.to_string());
        }
        value
    }

    /// Whether `text` is noted already as shown without a term in `lang`.
    fn noted_missing(&self, lang: &str, text: &str) -> bool {
        let missing = self.missing_terms.read().expect("missing terms");
        missing.get(lang).is_some_and(|texts| texts.contains(text))
    }

    /// The string for `key` in `lang`, else the default language, else the reference, else
    /// any language that has it.
    fn message(&self, lang: &str, key: &str) -> Option<&Message> {
        [lang, self.default.as_str(), REFERENCE]
            .into_iter()
            .filter_map(|l| self.languages.get(l))
            .chain(self.languages.values())
            .find_map(|l| l.messages.get(key))
    }

    fn formats(&self, lang: &str) -> &Formats {
        self.formats
            .get(lang)
            .or_else(|| self.formats.get(&self.default))
            .or_else(|| self.formats.values().next())
            .expect("the default language has formatters")
    }

    /// The error for a key no file defines, with the closest key that exists.
    fn unknown_key(&self, key: &str) -> minijinja::Error {
        let close = crate::xref::did_you_mean(key, self.keys.iter().cloned());
        let hint = match close {
            Some(close) => format!("; did you mean \"{close}\"?"),
            None => String::new(),
        };
        template_error(format!(
            "t(): no UI string \"{key}\" in any i18n file{hint} (a site adds its own in {}/{}.toml)",
            I18N_DIR, self.default
        ))
    }

    /// The file to add a language's strings or terms to: the site's, existing or not.
    fn file_for(&self, lang: &str) -> String {
        self.site_files
            .get(lang)
            .cloned()
            .unwrap_or_else(|| format!("{I18N_DIR}/{lang}.toml"))
    }

    /// A warning for each key of the default language or the reference that a declared
    /// language lacks; one for a declared language no file gives strings.
    fn missing_keys(&self, declared: &[&str]) -> Vec<Error> {
        let reference: BTreeSet<&String> = [self.default.as_str(), REFERENCE]
            .iter()
            .filter_map(|l| self.languages.get(*l))
            .flat_map(|l| l.messages.keys())
            .collect();
        let mut warnings = Vec::new();
        for lang in declared {
            let language = &self.languages[*lang];
            let file = self.file_for(lang);
            if !language.has_files {
                if *lang != REFERENCE {
                    warnings.push(
                        Error::new(
                            ErrorKind::UiString,
                            format!("no UI strings in language {lang}: the theme's words are shown in {REFERENCE}"),
                        )
                        .help(format!(
                            "add {file} with the theme's keys (see the theme's {I18N_DIR}/{REFERENCE}.toml)"
                        )),
                    );
                }
                continue;
            }
            for key in &reference {
                if !language.messages.contains_key(*key) {
                    warnings.push(
                        Error::new(
                            ErrorKind::UiString,
                            format!(
                                "UI string \"{key}\" has no {lang} text: it is shown in {}",
                                self.fallback_language(lang, key)
                            ),
                        )
                        .help(format!("add {} = \"...\" to {file}", toml_key(key))),
                    );
                }
            }
        }
        warnings
    }

    /// The language whose text is shown for `key` when `lang` lacks it.
    fn fallback_language(&self, lang: &str, key: &str) -> String {
        [self.default.as_str(), REFERENCE]
            .into_iter()
            .chain(self.languages.keys().map(String::as_str))
            .filter(|l| *l != lang)
            .find(|l| {
                self.languages
                    .get(*l)
                    .is_some_and(|x| x.messages.contains_key(key))
            })
            .unwrap_or(REFERENCE)
            .to_string()
    }
}

impl Language {
    fn empty() -> Language {
        Language {
            messages: BTreeMap::new(),
            terms: BTreeMap::new(),
            locale: None,
            has_files: false,
        }
    }
}

impl Formats {
    /// The formatters of `lang`, in its file's `locale` if one is written.
    fn new(lang: &str, language: &Language) -> Result<Formats, Error> {
        let locale = match &language.locale {
            Some((tag, at)) => Locale::from_str(tag).map_err(|e| {
                Error::new(
                    ErrorKind::InvalidValue,
                    format!("locale \"{tag}\" is not a BCP 47 language tag ({e})"),
                )
                .at(at.clone())
                .help("write a tag such as \"en-GB\", \"fr\" or \"es-419\"")
            })?,
            None => Locale::from_str(lang).map_err(|e| {
                Error::new(
                    ErrorKind::Config,
                    format!("language \"{lang}\" is not a BCP 47 language tag ({e})"),
                )
                .at(Location::file_only(CONFIG_FILE))
                .help("use a language code such as \"en\", \"fr\" or \"es\"")
            })?,
        };
        let load_error = |what: &str, e: String| {
            Error::new(
                ErrorKind::Config,
                format!("cannot format {what} in locale {locale}: {e}"),
            )
        };
        Ok(Formats {
            decimal: DecimalFormatter::try_new((&locale).into(), Default::default())
                .map_err(|e| load_error("numbers", e.to_string()))?,
            date: FixedCalendarDateTimeFormatter::try_new((&locale).into(), YMD::long())
                .map_err(|e| load_error("dates", e.to_string()))?,
            plurals: PluralRules::try_new_cardinal((&locale).into())
                .map_err(|e| load_error("plurals", e.to_string()))?,
        })
    }
}

/// The language of a file named `LANG.toml`; an error for any other file.
fn language_of(file: &StringsFile, errors: &mut Vec<Error>) -> Option<String> {
    let lang = file
        .name
        .strip_suffix(".toml")
        .filter(|l| !l.is_empty() && !l.contains('/') && Locale::from_str(l).is_ok());
    if lang.is_none() {
        errors.push(
            Error::new(
                ErrorKind::InvalidValue,
                format!("{} is not a file of UI strings", file.file),
            )
            .at(Location::file_only(&file.file))
            .help(format!(
                "files under {I18N_DIR}/ are named by their language: en.toml, fr.toml, es.toml"
            )),
        );
    }
    lang.map(str::to_string)
}

/// Reads one file into `language`, its keys replacing those read before.
fn read_file(file: &StringsFile, language: &mut Language, errors: &mut Vec<Error>) {
    let table: toml::Table = match toml::from_str(&file.text) {
        Ok(t) => t,
        Err(e) => {
            let span = e.span().unwrap_or(0..0);
            errors.push(
                Error::new(ErrorKind::Toml, format!("invalid TOML in {}", file.file))
                    .at(Location::new(&file.file, &file.text, span))
                    .label(e.message().to_string()),
            );
            return;
        }
    };
    language.has_files = true;
    for (key, value) in table {
        match (key.as_str(), value) {
            (TERMS, toml::Value::Table(terms)) => {
                for (text, term) in terms {
                    match term {
                        toml::Value::String(term) => {
                            language.terms.insert(text, term);
                        }
                        other => errors.push(not_a_string(file, &text, &other)),
                    }
                }
            }
            (LOCALE, toml::Value::String(tag)) => {
                let at = Location::new(&file.file, &file.text, key_span(&file.text, LOCALE));
                language.locale = Some((tag, at));
            }
            (TERMS | LOCALE, other) => errors.push(not_a_string(file, &key, &other)),
            (_, value) => read_message(file, key, value, language, errors),
        }
    }
}

/// A string, a plural table or a table of further keys (`[nav] home = ...` is `nav.home`).
fn read_message(
    file: &StringsFile,
    key: String,
    value: toml::Value,
    language: &mut Language,
    errors: &mut Vec<Error>,
) {
    match value {
        toml::Value::String(text) => {
            language.messages.insert(key, Message::Text(text));
        }
        toml::Value::Table(table) if is_plural(&table) => {
            let mut forms = BTreeMap::new();
            for (category, text) in table {
                match text {
                    toml::Value::String(text) => {
                        forms.insert(category, text);
                    }
                    other => errors.push(not_a_string(file, &format!("{key}.{category}"), &other)),
                }
            }
            language.messages.insert(key, Message::Plural(forms));
        }
        toml::Value::Table(table) => {
            for (sub, value) in table {
                read_message(file, format!("{key}.{sub}"), value, language, errors);
            }
        }
        other => errors.push(not_a_string(file, &key, &other)),
    }
}

/// A table whose keys are all plural categories, `other` among them.
fn is_plural(table: &toml::Table) -> bool {
    table.contains_key("other") && table.keys().all(|k| CATEGORIES.contains(&k.as_str()))
}

fn not_a_string(file: &StringsFile, key: &str, value: &toml::Value) -> Error {
    let last = key.rsplit('.').next().unwrap_or(key);
    Error::new(
        ErrorKind::InvalidValue,
        format!(
            "UI string \"{key}\" in {} is {}, not a string",
            file.file,
            value.type_str()
        ),
    )
    .at(Location::new(
        &file.file,
        &file.text,
        key_span(&file.text, last),
    ))
    .help(
        "write the text in quotes; plural forms are a table of zero, one, two, few, many and other",
    )
}

/// Where `key` is first written as a key (`key =` or `"key" =`) in `text`, for messages.
fn key_span(text: &str, key: &str) -> Range<usize> {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        let unquoted = trimmed.trim_start_matches('"');
        if unquoted.starts_with(key)
            && unquoted[key.len()..]
                .trim_start_matches('"')
                .trim_start()
                .starts_with('=')
        {
            let start = offset + indent;
            return start..start + key.len() + (trimmed.len() - unquoted.len()) * 2;
        }
        offset += line.len();
    }
    0..0
}

/// `key` as a TOML key: bare when it can be.
fn toml_key(key: &str) -> String {
    let bare = key
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.');
    if bare {
        key.to_string()
    } else {
        format!("{:?}", key)
    }
}

/// The language being rendered: `lang`, else `site.language`, else the default.
fn current_language(state: &State, default: &str) -> Value {
    // A string value, not a copy of it: this runs for every t() and term of every page.
    if let Some(lang) = state.lookup("lang").filter(|v| v.as_str().is_some()) {
        return lang;
    }
    state
        .lookup("site")
        .and_then(|site| site.get_attr("language").ok())
        .filter(|l| l.as_str().is_some())
        .unwrap_or_else(|| Value::from(default))
}

/// The code in a value from [`current_language`] (always a string).
fn as_language(lang: &Value) -> &str {
    lang.as_str().unwrap_or_default()
}

/// A number (or a string of one) as a decimal, rounded to `places` digits after the point and
/// padded to them when given.
fn decimal_of(value: &Value, places: Option<i16>) -> Result<Decimal, minijinja::Error> {
    let number = value.kind() == minijinja::value::ValueKind::Number;
    let text = match value.as_str() {
        Some(s) => s.trim().to_string(),
        None if number => value.to_string(),
        None => String::new(),
    };
    let mut decimal = Decimal::from_str(&text).map_err(|_| {
        template_error(format!(
            "format_number: {} is not a number",
            if text.is_empty() {
                value.to_string()
            } else {
                format!("\"{text}\"")
            }
        ))
    })?;
    // A float prints as `8.0`; its value has no such digit (a string keeps what it wrote).
    if number {
        decimal.absolute.trim_end();
    }
    if let Some(places) = places {
        decimal.round(-places);
        decimal.pad_end(-places);
    }
    Ok(decimal)
}

/// `YYYY-MM-DD`, or a date-time that starts with one (`1998-06-01T10:00:00Z`): its date as
/// written.
fn date_of(text: &str) -> Result<Date<Gregorian>, minijinja::Error> {
    let bad = || {
        template_error(format!(
            "format_date: \"{text}\" is not a date (write YYYY-MM-DD, or a date-time such as 1998-06-01T10:00:00Z)"
        ))
    };
    let (day, rest) = text.split_at_checked(10).ok_or_else(bad)?;
    if !(rest.is_empty() || rest.starts_with(['T', 't', ' '])) {
        return Err(bad());
    }
    let date = jiff::civil::Date::from_str(day).map_err(|_| bad())?;
    Date::try_new_gregorian(i32::from(date.year()), date.month() as u8, date.day() as u8)
        .map_err(|_| bad())
}

fn category_name(category: PluralCategory) -> &'static str {
    match category {
        PluralCategory::Zero => "zero",
        PluralCategory::One => "one",
        PluralCategory::Two => "two",
        PluralCategory::Few => "few",
        PluralCategory::Many => "many",
        PluralCategory::Other => "other",
    }
}

fn template_error(message: String) -> minijinja::Error {
    minijinja::Error::new(minijinja::ErrorKind::InvalidOperation, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(file: &str, text: &str, from_theme: bool) -> StringsFile {
        StringsFile {
            file: file.to_string(),
            name: file.rsplit('/').next().unwrap().to_string(),
            text: text.to_string(),
            from_theme,
        }
    }

    fn render(strings: &Arc<Strings>, template: &str, lang: &str) -> Result<String, String> {
        let mut env = Environment::new();
        strings.register(&mut env);
        env.render_str(template, minijinja::context! { lang => lang })
            .map_err(|e| e.detail().unwrap_or_default().to_string())
    }

    #[test]
    fn numbers_follow_the_language() {
        let (strings, errors, _) = Strings::new(&[], "en", &["fr".into(), "es".into()]);
        assert!(errors.is_empty());
        let t = "{{ 29.5|format_number }} {{ 12000|format_number }} {{ 1234567.891|format_number(2) }} {{ '8.2'|format_number(1) }}";
        assert_eq!(
            render(&strings, t, "en").unwrap(),
            "29.5 12,000 1,234,567.89 8.2"
        );
        assert_eq!(
            render(&strings, t, "fr").unwrap(),
            "29,5 12\u{202f}000 1\u{202f}234\u{202f}567,89 8,2"
        );
        assert_eq!(
            render(&strings, t, "es").unwrap(),
            "29,5 12.000 1.234.567,89 8,2"
        );
    }

    #[test]
    fn dates_follow_the_language_and_its_locale() {
        let en = file("themes/default/i18n/en.toml", "locale = \"en-GB\"\n", true);
        let (strings, errors, _) = Strings::new(&[en], "en", &["fr".into(), "es".into()]);
        assert!(errors.is_empty(), "{errors:?}");
        let t = "{{ '1998-06-01'|format_date }} | {{ '1999-11-16T10:00:00Z'|format_date }}";
        assert_eq!(
            render(&strings, t, "en").unwrap(),
            "1 June 1998 | 16 November 1999"
        );
        assert_eq!(
            render(&strings, t, "fr").unwrap(),
            "1 juin 1998 | 16 novembre 1999"
        );
        assert_eq!(
            render(&strings, t, "es").unwrap(),
            "1 de junio de 1998 | 16 de noviembre de 1999"
        );
        assert_eq!(
            render(&strings, "{{ '1998-13-01'|format_date }}", "en").unwrap_err(),
            "format_date: \"1998-13-01\" is not a date (write YYYY-MM-DD, or a date-time such as 1998-06-01T10:00:00Z)"
        );
    }

    #[test]
    fn strings_fall_back_fill_placeholders_and_choose_plural_forms() {
        let en = file(
            "themes/t/i18n/en.toml",
            "greeting = \"Hello {name}\"\nonly_en = \"English\"\n[count]\nitems = { one = \"{count} item\", other = \"{count} items\" }\n",
            true,
        );
        let fr = file(
            "themes/t/i18n/fr.toml",
            "greeting = \"Bonjour {name}\"\n[count]\nitems = { one = \"{count} élément\", other = \"{count} éléments\" }\n",
            true,
        );
        let (strings, errors, _) = Strings::new(&[en, fr], "en", &["fr".into()]);
        assert!(errors.is_empty(), "{errors:?}");
        let t = "{{ t('greeting', name='Ada') }}/{{ t('only_en') }}/{{ t('count.items', count=0) }}/{{ t('count.items', count=1.5) }}/{{ t('count.items', count=12000) }}";
        assert_eq!(
            render(&strings, t, "fr").unwrap(),
            "Bonjour Ada/English/0 élément/1,5 élément/12\u{202f}000 éléments"
        );
        assert_eq!(
            render(&strings, t, "en").unwrap(),
            "Hello Ada/English/0 items/1.5 items/12,000 items"
        );
        assert_eq!(
            render(&strings, "{{ t('greeting') }}", "en").unwrap_err(),
            "t(\"greeting\") needs name=... (its en text has {name})"
        );
    }

    #[test]
    fn terms_translate_content_strings_and_a_missing_one_warns_once() {
        let fr = file("i18n/fr.toml", "[terms]\nAfrica = \"Afrique\"\n", false);
        let (strings, errors, _) = Strings::new(&[fr], "en", &["fr".into()]);
        assert!(errors.is_empty(), "{errors:?}");
        let t = "{{ 'Africa'|term }}/{{ 'Asia'|term }}/{{ 'Asia'|term }}/{{ none|term }}";
        assert_eq!(render(&strings, t, "en").unwrap(), "Africa/Asia/Asia/None");
        assert!(strings.term_warnings().is_empty());
        assert_eq!(render(&strings, t, "fr").unwrap(), "Afrique/Asia/Asia/None");
        let warnings: Vec<String> = strings
            .term_warnings()
            .iter()
            .map(|w| format!("{} | {}", w.message, w.help.as_deref().unwrap_or("")))
            .collect();
        assert_eq!(
            warnings,
            ["no fr term for \"Asia\": it is shown as written | add Asia = \"...\" under [terms] in i18n/fr.toml"]
        );
    }

    #[test]
    fn key_spans_find_bare_and_quoted_keys() {
        let text = "a = 1\n  \"b c\" = 2\nlocale = \"x\"\n";
        assert_eq!(&text[key_span(text, "b c")], "\"b c\"");
        assert_eq!(&text[key_span(text, "locale")], "locale");
    }
}
