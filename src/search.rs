//! The client-side search index: one elasticlunr document per page (its title, the titles of
//! the sections above it, its description and body text), written as `search_index.js`, a
//! script that sets `window.weftSearchIndex`. The theme's search page loads it with
//! elasticlunr.js (`themes/default/static/js/`), so search works on any static host, under any
//! base path, and from disk (a `<script>` loads from `file://` where `fetch()` may not).
//!
//! Documents are keyed by number; each stores its URL path relative to the site root (`./` for
//! the home page, not indexed), so the index does not depend on the base URL. Text comes from
//! the rendered HTML through an HTML tokenizer (html5gum). The body is indexed in full until the
//! site's text passes [`WORD_BUDGET`]; beyond it, each page's first words (never fewer than
//! [`MIN_WORDS`]), so the index of a very large site stays loadable. No IO here.

use elasticlunr::{Index, IndexBuilder};
use html5gum::{Token, Tokenizer};
use rayon::prelude::*;
use serde::Serialize;

use crate::markdown::Rendered;
use crate::model::Site;
use crate::render::{escape_xml, Output};

/// The index's file, at the root of the output.
pub const INDEX_FILE: &str = "search_index.js";

/// Words of body text the whole index may hold before each page's share is cut.
pub const WORD_BUDGET: usize = 300_000;

/// Words of body text every page keeps, whatever the site's size.
pub const MIN_WORDS: usize = 40;

/// Searched fields, in `add_doc` order; `url` is stored, not searched.
const FIELDS: [&str; 3] = ["title", "section", "body"];

/// `search_index.js` for the whole site; `rendered[i]` belongs to page `i`.
pub fn outputs(site: &Site, rendered: &[Rendered]) -> Vec<Output> {
    let index = index(site, rendered);
    let mut js = b"window.weftSearchIndex = ".to_vec();
    let mut serializer = serde_json::Serializer::with_formatter(&mut js, ShortFloats);
    index
        .serialize(&mut serializer)
        .expect("the index serializes");
    js.extend_from_slice(b";\n");
    vec![Output {
        path: INDEX_FILE.to_string(),
        bytes: js,
    }]
}

/// Writes floats (elasticlunr's term frequencies) with three decimals at most: a quarter of the
/// index's size goes otherwise to digits no ranking needs.
struct ShortFloats;

impl serde_json::ser::Formatter for ShortFloats {
    fn write_f64<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        value: f64,
    ) -> std::io::Result<()> {
        let text = format!("{value:.3}");
        let text = text.trim_end_matches('0').trim_end_matches('.');
        w.write_all(text.as_bytes())
    }
}

/// The elasticlunr index of every page (documents are stored, for titles and snippets).
pub fn index(site: &Site, rendered: &[Rendered]) -> Index {
    index_within(site, rendered, WORD_BUDGET)
}

/// [`index`] with `budget` words of body text for the whole site.
fn index_within(site: &Site, rendered: &[Rendered], budget: usize) -> Index {
    let mut index = IndexBuilder::new()
        .add_fields(FIELDS)
        .add_field_with_tokenizer("url", Box::new(not_searched))
        .set_ref("id")
        .save_docs(true)
        .build();
    let words = (budget / site.pages.len().max(1)).max(MIN_WORDS);
    // Text extraction is the slow part: in parallel; the index itself is built in page order.
    let docs: Vec<[String; 4]> = site
        .pages
        .par_iter()
        .zip(rendered)
        .map(|(page, out)| {
            let section: Vec<&str> = site
                .ancestors(page.id)
                .into_iter()
                .filter(|&a| a != site.home)
                .map(|a| site.page(a).title())
                .collect();
            let url = if page.url_path.is_empty() {
                "./"
            } else {
                page.url_path.as_str()
            };
            let description = page.front_matter.description.as_deref().unwrap_or("");
            let html = format!("<p>{}</p>{}", escape_xml(description), out.html);
            let body = html_text_upto(&html, words);
            [
                page.title().to_string(),
                section.join(" › "),
                body,
                url.to_string(),
            ]
        })
        .collect();
    for (id, doc) in docs.iter().enumerate() {
        index.add_doc(&id.to_string(), doc);
    }
    index
}

fn not_searched(_: &str) -> Vec<String> {
    Vec::new()
}

/// The text of an HTML fragment: tags dropped, entities decoded, block boundaries and runs of
/// whitespace turned into one space.
pub fn html_text(html: &str) -> String {
    html_text_upto(html, usize::MAX)
}

/// [`html_text`] cut after `limit` words.
fn html_text_upto(html: &str, limit: usize) -> String {
    let mut text = Text {
        text: String::with_capacity(html.len().min(limit.saturating_mul(8))),
        words: 0,
        limit,
    };
    // Inside <script>, <style> or <sup> (footnote marks), up to its end tag: no text.
    let mut skip: Option<Vec<u8>> = None;
    for token in Tokenizer::new(html).flatten() {
        match token {
            Token::String(s) if skip.is_none() => text.push_words(&String::from_utf8_lossy(&s)),
            Token::StartTag(tag) => {
                if skip.is_none()
                    && matches!(&tag.name[..], b"script" | b"style" | b"sup")
                    && !tag.self_closing
                {
                    skip = Some(tag.name.to_vec());
                }
                if !is_inline(&tag.name) {
                    text.push_space();
                }
            }
            Token::EndTag(tag) => {
                if skip.as_deref() == Some(&tag.name[..]) {
                    skip = None;
                }
                if !is_inline(&tag.name) {
                    text.push_space();
                }
            }
            _ => {}
        }
        if text.words >= limit {
            break;
        }
    }
    text.text.trim_end().to_string()
}

/// Text being collected: words joined by single spaces, at most `limit` of them.
struct Text {
    text: String,
    words: usize,
    limit: usize,
}

impl Text {
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

/// `search index: 48.2 KB (search_index.js)`, for the build summary; `None` without an index.
pub fn summary(outputs: &[Output]) -> Option<String> {
    let index = outputs.iter().find(|o| o.path == INDEX_FILE)?;
    Some(format!(
        "search index: {} ({INDEX_FILE})",
        human_size(index.bytes.len())
    ))
}

fn human_size(bytes: usize) -> String {
    match bytes {
        b if b < 1024 => format!("{b} B"),
        b if b < 1024 * 1024 => format!("{:.1} KB", b as f64 / 1024.0),
        b => format!("{:.1} MB", b as f64 / (1024.0 * 1024.0)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_text_drops_tags_and_decodes_entities() {
        let html = "<h2 id=\"x\">Bonded&nbsp;labour</h2>\n<p>In <a href=\"/p/\">Pakistan</a>, 1998 &amp; after.<sup class=\"footnote-reference\"><a href=\"#1\">1</a></sup></p><ul><li>one</li><li>two</li></ul>";
        assert_eq!(
            html_text(html),
            "Bonded labour In Pakistan, 1998 & after. one two"
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

    fn stored(index: &Index) -> serde_json::Value {
        serde_json::from_str::<serde_json::Value>(&index.to_json()).unwrap()["documentStore"]
            ["docs"]
            .clone()
    }

    #[test]
    fn documents_store_title_section_text_and_url() {
        let (site, rendered) = site_with_long_page();
        let docs = stored(&index(&site, &rendered));
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
        let docs = stored(&index_within(&site, &rendered, 0));
        let body = docs[site.by_path["a/long.md"].to_string()]["body"]
            .as_str()
            .unwrap()
            .to_string();
        assert_eq!(body.split(' ').count(), MIN_WORDS);
        assert!(body.ends_with(&format!(" w{MIN_WORDS}")), "{body}");
    }

    #[test]
    fn floats_are_written_with_three_decimals_at_most() {
        let mut out = Vec::new();
        let mut ser = serde_json::Serializer::with_formatter(&mut out, ShortFloats);
        [2f64.sqrt(), 1.0, 0.5].serialize(&mut ser).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "[1.414,1,0.5]");
    }

    #[test]
    fn summary_reports_the_index_size() {
        let outputs = vec![Output {
            path: INDEX_FILE.into(),
            bytes: vec![b'x'; 2048],
        }];
        assert_eq!(
            summary(&outputs).unwrap(),
            "search index: 2.0 KB (search_index.js)"
        );
        assert_eq!(summary(&[]), None);
    }
}
