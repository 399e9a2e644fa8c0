//! The client-side search index: one elasticlunr document per page (its title, the titles of
//! the sections above it, its description and body text), written as `search_index.js`, a
//! script that sets `window.weftSearchIndex`. The theme's search page loads it with
//! elasticlunr.js (`themes/default/static/js/`), so search works on any static host, under any
//! base path, and from disk (a `<script>` loads from `file://` where `fetch()` may not).
//!
//! Documents are keyed by number; each stores its URL path relative to its language's root (`./` for
//! the home page, not indexed), so the index does not depend on the base URL. Text comes from
//! the rendered HTML through an HTML tokenizer (html5gum). The body is indexed in full until the
//! site's text passes [`WORD_BUDGET`]; beyond it, each page's first words (never fewer than
//! [`MIN_WORDS`]), so the index of a very large site stays loadable. Terms are made by the
//! rules of the view's language ([`language`]), which the index names for the search page.
//! No IO here.

use std::collections::HashMap;

use elasticlunr::Pipeline;
use html5gum::{Token, Tokenizer};
use rayon::prelude::*;

use crate::markdown::Rendered;
use crate::model::{Page, Site};
use crate::render::Output;

mod language;

pub use language::{unstemmed_language_warnings, Analysis};

/// The index's file, at the root of its language (`search_index.js`, `fr/search_index.js`).
pub const INDEX_FILE: &str = "search_index.js";

/// Words of body text the whole index may hold before each page's share is cut.
pub const WORD_BUDGET: usize = 300_000;

/// Words of body text every page keeps, whatever the site's size.
pub const MIN_WORDS: usize = 40;

/// Searched fields, in the order elasticlunr.js lists them; `url` is stored, not searched.
const FIELDS: [&str; 3] = ["title", "section", "body"];

/// `search_index.js` for one language's view of the site, by that language's rules;
/// `rendered[i]` belongs to page `i`.
pub fn outputs(site: &Site, rendered: &[Rendered]) -> Vec<Output> {
    let analysis = Analysis::of(&site.lang);
    let mut js = b"window.weftSearchIndex = ".to_vec();
    write_index(
        &mut js,
        &documents(site, rendered, WORD_BUDGET, analysis),
        analysis,
    );
    js.extend_from_slice(b";\n");
    vec![Output {
        path: format!("{}{INDEX_FILE}", site.lang_prefix),
        bytes: js,
    }]
}

/// One page as the index sees it.
struct Document {
    /// The stored values: title, section, body, url.
    values: [String; 4],
    /// For each of [`FIELDS`]: its terms after its language's pipeline, sorted, with how often
    /// each occurs.
    terms: [Vec<(String, u32)>; 3],
    /// For each of [`FIELDS`]: its number of terms, repeats included (elasticlunr's field length).
    lengths: [usize; 3],
}

/// Every page's document, in parallel; `budget` words of body text for the whole site.
fn documents(
    site: &Site,
    rendered: &[Rendered],
    budget: usize,
    analysis: Analysis,
) -> Vec<Document> {
    let words = (budget / site.pages.len().max(1)).max(MIN_WORDS);
    site.pages
        .par_iter()
        .zip(rendered)
        .map_init(
            || Analyzer::new(analysis),
            |analyzer, (page, out)| {
                let values = stored_values(site, page, out, words);
                let mut terms: [Vec<(String, u32)>; 3] = Default::default();
                let mut lengths = [0; 3];
                for field in 0..FIELDS.len() {
                    (terms[field], lengths[field]) = analyzer.terms(&values[field]);
                }
                Document {
                    values,
                    terms,
                    lengths,
                }
            },
        )
        .collect()
}

/// elasticlunr's analysis of text: its tokenizer, then the language's pipeline (for English:
/// trimmer, stop words, Porter stemmer) on each token. A token's term depends on the token alone, and a site
/// repeats its words, so each distinct token goes through the pipeline once per worker (the
/// pipeline is not `Send`): at 10 000 pages the index took 2.1 G instructions before, 1.4 G after.
struct Analyzer {
    pipeline: Pipeline,
    /// Token as written -> its term's number in `terms`; `None` when the pipeline drops it.
    seen: HashMap<String, Option<u32>>,
    /// Term -> its number.
    numbers: HashMap<String, u32>,
    terms: Vec<String>,
}

impl Analyzer {
    fn new(analysis: Analysis) -> Analyzer {
        Analyzer {
            pipeline: analysis.pipeline(),
            seen: HashMap::new(),
            numbers: HashMap::new(),
            terms: Vec::new(),
        }
    }

    /// The terms of `text` as elasticlunr's `Index::add_doc` makes them: sorted, each with its
    /// number of occurrences; and their number, repeats included.
    fn terms(&mut self, text: &str) -> (Vec<(String, u32)>, usize) {
        // The pieces elasticlunr's `tokenize_whitespace` splits text into (it then trims and
        // lower-cases each, which `term_of` leaves to it).
        let pieces = text
            .split(|c: char| c.is_whitespace() || c == '-')
            .filter(|s| !s.is_empty());
        let mut numbers: Vec<u32> = pieces.filter_map(|piece| self.term_of(piece)).collect();
        let length = numbers.len();
        numbers.sort_unstable_by(|&a, &b| self.terms[a as usize].cmp(&self.terms[b as usize]));
        let mut counted: Vec<(String, u32)> = Vec::new();
        let mut last = None;
        for n in numbers {
            match counted.last_mut() {
                Some((_, count)) if last == Some(n) => *count += 1,
                _ => counted.push((self.terms[n as usize].clone(), 1)),
            }
            last = Some(n);
        }
        (counted, length)
    }

    fn term_of(&mut self, piece: &str) -> Option<u32> {
        if let Some(&known) = self.seen.get(piece) {
            return known;
        }
        // One piece tokenizes to one token: elasticlunr's own tokenizer (the same for every
        // language weft stems), then the pipeline.
        let term = self
            .pipeline
            .run(elasticlunr::lang::tokenize_whitespace(piece))
            .into_iter()
            .next();
        let number = term.map(|term| {
            let next = self.terms.len() as u32;
            *self.numbers.entry(term.clone()).or_insert_with(|| {
                self.terms.push(term);
                next
            })
        });
        self.seen.insert(piece.to_string(), number);
        number
    }
}

/// Title, section path, text (description then body, cut after `words` words) and URL path.
fn stored_values(site: &Site, page: &Page, out: &Rendered, words: usize) -> [String; 4] {
    let section: Vec<&str> = site
        .ancestors(page.id)
        .into_iter()
        .filter(|&a| a != site.home)
        .map(|a| site.page(a).title())
        .collect();
    // Relative to the search page's parent: the language's root (`fr/` for French).
    let path = page
        .url_path
        .strip_prefix(site.lang_prefix.as_str())
        .unwrap_or(&page.url_path);
    let url = if path.is_empty() { "./" } else { path };
    let mut text = Text::new(words);
    if let Some(description) = &page.front_matter.description {
        text.push_block(description);
    }
    text.push_html(&out.html);
    [
        page.title().to_string(),
        section.join(" › "),
        text.finish(),
        url.to_string(),
    ]
}

/// Writes the index as the JSON elasticlunr.js loads, byte for byte what elasticlunr-rs's
/// `Index` serializes for the same documents (a test holds it so). elasticlunr-rs adds
/// documents one at a time, in one thread, into a trie of `BTreeMap`s that serde then walks:
/// that was a sixth of a 10 000-page build. Here the terms come from every page in parallel
/// and the trie is written straight from the sorted terms.
fn write_index(out: &mut Vec<u8>, docs: &[Document], analysis: Analysis) {
    let refs = Refs::new(docs.len());
    out.extend_from_slice(br#"{"fields":["title","section","body","url"],"pipeline":"#);
    serde_json::to_writer(&mut *out, &analysis.pipeline()).expect("JSON to memory");
    out.extend_from_slice(br#","ref":"id","version":""#);
    out.extend_from_slice(elasticlunr::ELASTICLUNR_VERSION.as_bytes());
    out.extend_from_slice(br#"","index":{"#);
    // Keys in the order of elasticlunr-rs's BTreeMap: body, section, title, url (no terms).
    let fields: Vec<Vec<u8>> = [2, 1, 0]
        .into_par_iter()
        .map(|field| field_trie(docs, field, &refs))
        .collect();
    for (name, trie) in ["body", "section", "title"].iter().zip(&fields) {
        out.extend_from_slice(format!(r#""{name}":{{"root":"#).as_bytes());
        out.extend_from_slice(trie);
        out.extend_from_slice(b"},");
    }
    out.extend_from_slice(
        br#""url":{"root":{"docs":{},"df":0}}},"documentStore":{"save":true,"docs":{"#,
    );
    for (k, &doc) in refs.in_key_order.iter().enumerate() {
        if k > 0 {
            out.push(b',');
        }
        let [title, section, body, url] = &docs[doc].values;
        let id = &refs.text[doc];
        // The stored fields, in key order, as elasticlunr-rs stores them (the ref included).
        let stored = [
            ("body", body),
            ("id", id),
            ("section", section),
            ("title", title),
            ("url", url),
        ];
        write_json_str(out, id);
        out.push(b':');
        for (i, (key, value)) in stored.iter().enumerate() {
            out.push(if i == 0 { b'{' } else { b',' });
            write_json_str(out, key);
            out.push(b':');
            write_json_str(out, value);
        }
        out.push(b'}');
    }
    out.extend_from_slice(br#"},"docInfo":{"#);
    for (k, &doc) in refs.in_key_order.iter().enumerate() {
        if k > 0 {
            out.push(b',');
        }
        let [title, section, body] = docs[doc].lengths;
        write_json_str(out, &refs.text[doc]);
        out.extend_from_slice(
            format!(r#":{{"body":{body},"section":{section},"title":{title},"url":0}}"#).as_bytes(),
        );
    }
    out.extend_from_slice(
        format!(
            r#"}},"length":{}}},"lang":"{}"}}"#,
            docs.len(),
            analysis.name()
        )
        .as_bytes(),
    );
}

/// Document refs (their numbers as text) and the order elasticlunr-rs's string keys sort them
/// in ("10" before "9").
struct Refs {
    text: Vec<String>,
    in_key_order: Vec<usize>,
    /// `rank[doc]`: the position of `doc` in `in_key_order`.
    rank: Vec<usize>,
}

impl Refs {
    fn new(count: usize) -> Refs {
        let text: Vec<String> = (0..count).map(|i| i.to_string()).collect();
        let mut in_key_order: Vec<usize> = (0..count).collect();
        in_key_order.sort_by(|&a, &b| text[a].cmp(&text[b]));
        let mut rank = vec![0; count];
        for (position, &doc) in in_key_order.iter().enumerate() {
            rank[doc] = position;
        }
        Refs {
            text,
            in_key_order,
            rank,
        }
    }
}

/// The trie of one field below its `root` key: a node per character, each with the documents
/// whose term ends there (`{"<ref>":{"tf":<sqrt of count>}}`), their number (`df`), then its
/// children by character. Written in one pass over the sorted terms, with no recursion (a
/// term can be as long as its page's longest word).
fn field_trie(docs: &[Document], field: usize, refs: &Refs) -> Vec<u8> {
    let mut postings: HashMap<&str, Vec<(usize, u32)>> = HashMap::new();
    for (doc, document) in docs.iter().enumerate() {
        for (term, count) in &document.terms[field] {
            // elasticlunr-rs skips an empty term (it has no character to hang in the trie).
            if !term.is_empty() {
                postings.entry(term).or_default().push((doc, *count));
            }
        }
    }
    let mut terms: Vec<(&str, Vec<(usize, u32)>)> = postings.into_iter().collect();
    terms.sort_unstable_by(|a, b| a.0.cmp(b.0));
    let mut tf = TermFrequencies::default();
    let mut out = br#"{"docs":{},"df":0"#.to_vec();
    // The characters of the nodes open below the root, outermost first.
    let mut open: Vec<char> = Vec::new();
    for (term, mut docs) in terms {
        let chars: Vec<char> = term.chars().collect();
        let shared = open.iter().zip(&chars).take_while(|(a, b)| a == b).count();
        out.extend(std::iter::repeat_n(b'}', open.len() - shared));
        open.truncate(shared);
        // Sorted terms never revisit a closed node, and a term comes before those it prefixes:
        // every node opened here is new, and only the last one holds documents.
        for (depth, &c) in chars.iter().enumerate().skip(shared) {
            out.push(b',');
            write_json_str(&mut out, c.encode_utf8(&mut [0; 4]));
            if depth + 1 < chars.len() {
                out.extend_from_slice(br#":{"docs":{},"df":0"#);
            } else {
                docs.sort_unstable_by_key(|&(doc, _)| refs.rank[doc]);
                out.extend_from_slice(br#":{"docs":{"#);
                for (k, &(doc, count)) in docs.iter().enumerate() {
                    if k > 0 {
                        out.push(b',');
                    }
                    write_json_str(&mut out, &refs.text[doc]);
                    out.extend_from_slice(br#":{"tf":"#);
                    out.extend_from_slice(tf.text(count).as_bytes());
                    out.push(b'}');
                }
                out.extend_from_slice(format!(r#"}},"df":{}"#, docs.len()).as_bytes());
            }
            open.push(c);
        }
    }
    // The open nodes, then the root.
    out.extend(std::iter::repeat_n(b'}', open.len() + 1));
    out
}

/// elasticlunr's term frequency, the square root of the count, as written in the index; made
/// once per count.
#[derive(Default)]
struct TermFrequencies(Vec<String>);

impl TermFrequencies {
    fn text(&mut self, count: u32) -> &str {
        let count = count as usize;
        while self.0.len() <= count {
            let n = self.0.len();
            self.0.push(short_float((n as f64).sqrt()));
        }
        &self.0[count]
    }
}

/// A float with three decimals at most, trailing zeros dropped ("1.414", "1", "0.5"): a quarter
/// of the index went otherwise to digits no ranking needs.
fn short_float(value: f64) -> String {
    let text = format!("{value:.3}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// `s` as a JSON string, escaped as serde_json escapes it.
fn write_json_str(out: &mut Vec<u8>, s: &str) {
    serde_json::to_writer(out, s).expect("JSON to memory");
}

/// Text being collected from HTML (tags dropped, entities decoded, block boundaries and runs of
/// whitespace turned into one space): words joined by single spaces, at most `limit` of them.
struct Text {
    text: String,
    words: usize,
    limit: usize,
}

fn is_footnote_backref<S: html5gum::SpanBound>(tag: &html5gum::StartTag<S>) -> bool {
    &tag.name[..] == b"a"
        && tag
            .attributes
            .iter()
            .any(|(k, v)| &k[..] == b"class" && &v[..] == b"footnote-backref")
}

impl Text {
    fn new(limit: usize) -> Text {
        Text {
            text: String::new(),
            words: 0,
            limit,
        }
    }

    /// Appends the text of an HTML fragment, until the word limit.
    fn push_html(&mut self, html: &str) {
        // Inside <script>, <style>, <sup> (footnote marks) or a footnote's back-link (an
        // arrow), up to its end tag: no text.
        let mut skip: Option<Vec<u8>> = None;
        for token in Tokenizer::new(html).flatten() {
            if self.words >= self.limit {
                break;
            }
            match token {
                Token::String(s) if skip.is_none() => self.push_words(&String::from_utf8_lossy(&s)),
                Token::StartTag(tag) => {
                    if skip.is_none()
                        && (matches!(&tag.name[..], b"script" | b"style" | b"sup")
                            || is_footnote_backref(&tag))
                        && !tag.self_closing
                    {
                        skip = Some(tag.name.to_vec());
                    }
                    if !is_inline(&tag.name) {
                        self.push_space();
                    }
                }
                Token::EndTag(tag) => {
                    if skip.as_deref() == Some(&tag.name[..]) {
                        skip = None;
                    }
                    if !is_inline(&tag.name) {
                        self.push_space();
                    }
                }
                _ => {}
            }
        }
    }

    /// Appends plain text as a paragraph of its own: what `push_html` makes of
    /// `<p>{escaped text}</p>`, without running the tokenizer over it.
    fn push_block(&mut self, text: &str) {
        if self.words >= self.limit {
            return;
        }
        self.push_space();
        self.push_words(text);
        if self.words < self.limit {
            self.push_space();
        }
    }

    /// The text, without its trailing space.
    fn finish(mut self) -> String {
        self.text.truncate(self.text.trim_end().len());
        self.text
    }

    /// Appends `s`; its whitespace (at the ends too) becomes single spaces between words.
    fn push_words(&mut self, s: &str) {
        if s.starts_with(char::is_whitespace) {
            self.push_space();
        }
        for (i, word) in s.split_whitespace().enumerate() {
            if self.words >= self.limit {
                return;
            }
            if i > 0 {
                self.push_space();
            }
            self.text.push_str(word);
            self.words += 1;
        }
        if s.ends_with(char::is_whitespace) {
            self.push_space();
        }
    }

    fn push_space(&mut self) {
        if !self.text.is_empty() && !self.text.ends_with(' ') {
            self.text.push(' ');
        }
    }
}

fn is_inline(name: &[u8]) -> bool {
    matches!(
        name,
        b"a" | b"abbr"
            | b"b"
            | b"cite"
            | b"code"
            | b"del"
            | b"em"
            | b"i"
            | b"kbd"
            | b"mark"
            | b"q"
            | b"s"
            | b"small"
            | b"span"
            | b"strong"
            | b"sub"
            | b"sup"
            | b"time"
            | b"u"
    )
}

/// `search index: 48.2 KB (search_index.js)`, for the build summary, from the index's size.
pub fn summary(index_bytes: u64) -> String {
    format!("search index: {} ({INDEX_FILE})", human_size(index_bytes))
}

fn human_size(bytes: u64) -> String {
    match bytes {
        b if b < 1024 => format!("{b} B"),
        b if b < 1024 * 1024 => format!("{:.1} KB", b as f64 / 1024.0),
        b => format!("{:.1} MB", b as f64 / (1024.0 * 1024.0)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn html_text(html: &str) -> String {
        let mut text = Text::new(usize::MAX);
        text.push_html(html);
        text.finish()
    }

    #[test]
    fn a_description_is_pushed_as_its_escaped_paragraph_would_be() {
        let body = "<p>Body <em>text</em> here.</p>";
        for description in [
            "Plain words.",
            "  R&D <b>not a tag</b> \"quoted\" it's  ",
            "tab\tand\r\nnew line",
            "",
        ] {
            for limit in [0, 1, 2, 3, 5, usize::MAX] {
                let mut direct = Text::new(limit);
                direct.push_block(description);
                direct.push_html(body);
                let mut tokenized = Text::new(limit);
                let escaped = crate::render::escape_xml(description);
                tokenized.push_html(&format!("<p>{escaped}</p>"));
                tokenized.push_html(body);
                assert_eq!(
                    direct.finish(),
                    tokenized.finish(),
                    "{description:?}, limit {limit}"
                );
            }
        }
    }

    #[test]
    fn html_text_drops_tags_and_decodes_entities() {
        let html = "<h2 id=\"x\">Bonded&nbsp;labour</h2>\n<p>In <a href=\"/p/\">Pakistan</a>, 1998 &amp; after.<sup class=\"footnote-reference\"><a href=\"#1\">1</a></sup></p><ul><li>one</li><li>two</li></ul><p>A note. <a href=\"#fnref-1\" class=\"footnote-backref\" aria-label=\"Back to reference 1\">\u{21a9}\u{fe0e}</a></p>";
        assert_eq!(
            html_text(html),
            "Bonded labour In Pakistan, 1998 & after. one two A note."
        );
    }

    fn site_with_long_page() -> (Site, Vec<Rendered>) {
        use crate::frontmatter::FrontMatter;
        let config = crate::config::Config::parse("title = 'T'").unwrap();
        let doc = |path: &str, title: &str| crate::model::Parsed {
            path: path.into(),
            text: String::new(),
            front_matter: FrontMatter {
                title: title.into(),
                ..FrontMatter::default()
            },
            body_offset: 0,
            origin: crate::model::Origin::Original,
        };
        let docs = vec![
            doc("_index.md", "Home"),
            doc("a/_index.md", "A"),
            doc("a/long.md", "Long"),
        ];
        let (site, _) = Site::new(config, docs);
        let words: Vec<String> = (1..=150).map(|i| format!("w{i}")).collect();
        let mut rendered = vec![Rendered::default(); 3];
        rendered[site.by_path["a/long.md"]].html = format!("<p>{}</p>", words.join(" "));
        (site, rendered)
    }

    /// The index of `documents(site, rendered, budget)`, parsed.
    fn index_json(site: &Site, rendered: &[Rendered], budget: usize) -> serde_json::Value {
        let mut out = Vec::new();
        let analysis = Analysis::English;
        write_index(
            &mut out,
            &documents(site, rendered, budget, analysis),
            analysis,
        );
        serde_json::from_slice(&out).unwrap()
    }

    fn stored(index: serde_json::Value) -> serde_json::Value {
        index["documentStore"]["docs"].clone()
    }

    #[test]
    fn documents_store_title_section_text_and_url() {
        let (site, rendered) = site_with_long_page();
        let docs = stored(index_json(&site, &rendered, WORD_BUDGET));
        let long = &docs[site.by_path["a/long.md"].to_string()];
        assert_eq!(
            (&long["title"], &long["section"], &long["url"]),
            (&"Long".into(), &"A".into(), &"a/long/".into())
        );
        assert!(long["body"].as_str().unwrap().ends_with("w149 w150"));
        assert_eq!(docs[site.home.to_string()]["url"], "./");
    }

    #[test]
    fn past_the_budget_each_page_keeps_its_first_words() {
        let (site, rendered) = site_with_long_page();
        let docs = stored(index_json(&site, &rendered, 0));
        let body = docs[site.by_path["a/long.md"].to_string()]["body"]
            .as_str()
            .unwrap()
            .to_string();
        assert_eq!(body.split(' ').count(), MIN_WORDS);
        assert!(body.ends_with(&format!(" w{MIN_WORDS}")), "{body}");
    }

    /// elasticlunr-rs's own serialization, with the short floats weft writes.
    struct ShortFloats;

    impl serde_json::ser::Formatter for ShortFloats {
        fn write_f64<W: ?Sized + std::io::Write>(
            &mut self,
            w: &mut W,
            value: f64,
        ) -> std::io::Result<()> {
            w.write_all(short_float(value).as_bytes())
        }
    }

    /// An [`Analysis`] as elasticlunr-rs's `Language`, for its own index to be built by it.
    struct AsLanguage(Analysis);

    impl elasticlunr::Language for AsLanguage {
        fn name(&self) -> String {
            self.0.name().to_string()
        }

        fn code(&self) -> String {
            String::new()
        }

        fn tokenize(&self, text: &str) -> Vec<String> {
            elasticlunr::lang::tokenize_whitespace(text)
        }

        fn make_pipeline(&self) -> Pipeline {
            self.0.pipeline()
        }
    }

    /// Asserts that weft writes for `texts` what elasticlunr-rs writes (with the short floats).
    fn assert_written_as_elasticlunr_rs_writes(analysis: Analysis, texts: &[&str]) {
        use elasticlunr::IndexBuilder;
        use serde::Serialize;
        let builder = match analysis {
            // elasticlunr-rs's own English, as the index was always checked against.
            Analysis::English => IndexBuilder::new(),
            _ => IndexBuilder::with_language(Box::new(AsLanguage(analysis))),
        };
        let mut oracle = builder
            .add_fields(FIELDS)
            .add_field_with_tokenizer("url", Box::new(|_: &str| Vec::new()))
            .set_ref("id")
            .save_docs(true)
            .build();
        let mut analyzer = Analyzer::new(analysis);
        let mut docs = Vec::new();
        for (i, text) in texts.iter().enumerate() {
            let values = [
                format!("Title {i} {text}"),
                "Programmes › IPEC".to_string(),
                text.to_string(),
                format!("p/{i}/"),
            ];
            oracle.add_doc(&i.to_string(), &values);
            let mut terms: [Vec<(String, u32)>; 3] = Default::default();
            let mut lengths = [0; 3];
            for field in 0..3 {
                (terms[field], lengths[field]) = analyzer.terms(&values[field]);
            }
            docs.push(Document {
                values,
                terms,
                lengths,
            });
        }
        let mut expected = Vec::new();
        oracle
            .serialize(&mut serde_json::Serializer::with_formatter(
                &mut expected,
                ShortFloats,
            ))
            .unwrap();
        let mut ours = Vec::new();
        write_index(&mut ours, &docs, analysis);
        assert_eq!(
            String::from_utf8(ours).unwrap(),
            String::from_utf8(expected).unwrap(),
            "{analysis:?}"
        );
    }

    /// Twelve and more documents, so "10" sorts before "2"; repeated, stemmed, stop and
    /// empty-after-trimming words; prefixes of other terms; quotes, backslashes, accents, a
    /// control character and a character outside the BMP; elisions and apostrophes.
    const TEXTS: [&str; 17] = [
        "Child labour in Kenya — the running runner runs",
        "labour labour LABOUR: child-labour \\ \"quoted\" words",
        "Élan café naïve 𝔘nicode \u{1} tab\there",
        "a the of and ... --- !!! (1998) 1998 19",
        "run running runs ran rune runes",
        "programme programmes programming",
        "",
        "x",
        "xy xyz xyzw",
        "Kenya Kenyan Kenyans",
        "donor donors USD 29.5 million",
        "the end",
        "ILO IPEC IPEC-wide",
        "Les enfants de l'OIT, qu'il travaille aujourd\u{2019}hui : 29,5 millions",
        "l' d\u{2019} ' \u{2019}\u{2019} « travail » travaux travailleurs",
        "Los niños trabajadores de las Américas; el trabajo infantil",
        "Die Kinder und die Kinderarbeit",
    ];

    #[test]
    fn the_index_is_byte_for_byte_what_elasticlunr_rs_writes() {
        for analysis in [
            Analysis::English,
            Analysis::French,
            Analysis::Spanish,
            Analysis::Unstemmed,
        ] {
            assert_written_as_elasticlunr_rs_writes(analysis, &TEXTS);
        }
    }

    #[test]
    fn floats_are_written_with_three_decimals_at_most() {
        let written: Vec<String> = [2f64.sqrt(), 1.0, 0.5].map(short_float).to_vec();
        assert_eq!(written, ["1.414", "1", "0.5"]);
    }

    #[test]
    fn summary_reports_the_index_size() {
        assert_eq!(summary(2048), "search index: 2.0 KB (search_index.js)");
        assert_eq!(summary(100), "search index: 100 B (search_index.js)");
    }
}
