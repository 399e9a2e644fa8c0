//! Feeds and the sitemap: `atom.xml` for the whole site, `<section>/atom.xml` for every section,
//! and `sitemap.xml` with each page's `lastmod` taken from `updated`, else `date`.
//!
//! A feed lists the dated pages (site-wide, or under one section), newest first, at most
//! [`FEED_LIMIT`] of them. Output is a pure function of the site: no clock, no IO, so two builds
//! of the same content give the same bytes.

use crate::model::{Kind, Page, PageId, Site};
use crate::render::{escape_xml, Output};

/// Entries per feed.
pub const FEED_LIMIT: usize = 50;

/// One language's `atom.xml` (at the root, or under `fr/`) and one `atom.xml` per section;
/// none when `base_url` is only a path, since Atom requires absolute URLs (`weft build` warns).
/// The sitemap, one for all languages, is [`sitemap`]'s.
pub fn outputs(site: &Site) -> Vec<Output> {
    if !site.config.has_absolute_base_url() {
        return Vec::new();
    }
    let mut out = vec![Output {
        path: format!("{}atom.xml", site.lang_prefix),
        bytes: atom(site, None).into_bytes(),
    }];
    for page in site.pages.iter().filter(|p| p.kind == Kind::Section) {
        out.push(Output {
            path: format!("{}atom.xml", page.url_path),
            bytes: atom(site, Some(page.id)).into_bytes(),
        });
    }
    out
}

/// `sitemap.xml` of every language's view (`sites`, the default first), when `base_url` is
/// absolute (the format requires absolute URLs).
pub fn sitemap(sites: &[&Site]) -> Option<Output> {
    let first = sites.first()?;
    first.config.has_absolute_base_url().then(|| Output {
        path: "sitemap.xml".into(),
        bytes: sitemap_xml(sites).into_bytes(),
    })
}

/// Every page's permalink in every language, with `lastmod` (the date part of `updated`, else
/// `date`) when known; in a site of several languages, each URL lists the page in all of them
/// (`xhtml:link rel="alternate" hreflang`, and `x-default`: the default language's).
pub fn sitemap_xml(sites: &[&Site]) -> String {
    let multilingual = sites.len() > 1;
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\"",
    );
    if multilingual {
        xml.push_str(" xmlns:xhtml=\"http://www.w3.org/1999/xhtml\"");
    }
    xml.push_str(">\n");
    for site in sites {
        for page in &site.pages {
            xml.push_str("  <url><loc>");
            xml.push_str(&escape_xml(&site.permalink(page.id)));
            xml.push_str("</loc>");
            if let Some(date) = last_modified(page) {
                xml.push_str(&format!("<lastmod>{}</lastmod>", &date[..10]));
            }
            if multilingual {
                for other in sites {
                    push_alternate(&mut xml, &other.lang, &other.permalink(page.id));
                }
                push_alternate(&mut xml, "x-default", &sites[0].permalink(page.id));
            }
            xml.push_str("</url>\n");
        }
    }
    xml.push_str("</urlset>\n");
    xml
}

fn push_alternate(xml: &mut String, hreflang: &str, href: &str) {
    xml.push_str(&format!(
        "<xhtml:link rel=\"alternate\" hreflang=\"{}\" href=\"{}\"/>",
        escape_xml(hreflang),
        escape_xml(href)
    ));
}

fn last_modified(page: &Page) -> Option<&String> {
    let fm = &page.front_matter;
    fm.updated.as_ref().or(fm.date.as_ref())
}

/// Whether `id` is `section` or lies below it.
fn is_under(site: &Site, id: PageId, section: PageId) -> bool {
    let mut current = site.page(id).parent;
    while let Some(p) = current {
        if p == section {
            return true;
        }
        current = site.page(p).parent;
    }
    false
}

/// The Atom feed of the dated pages of the site (`section` = `None`) or of one section.
pub fn atom(site: &Site, section: Option<PageId>) -> String {
    let mut dated: Vec<&Page> = site
        .pages
        .iter()
        .filter(|p| p.front_matter.date.is_some())
        .filter(|p| section.is_none_or(|s| is_under(site, p.id, s)))
        .collect();
    dated.sort_by(|a, b| {
        b.front_matter
            .date
            .cmp(&a.front_matter.date)
            .then(a.path.cmp(&b.path))
    });
    dated.truncate(FEED_LIMIT);
    let updated = dated
        .iter()
        .filter_map(|p| last_modified(p))
        .max()
        .cloned()
        .unwrap_or_else(|| "1970-01-01".to_string());
    let config = &site.config;
    let (title, home, self_url) = match section {
        Some(s) => (
            format!("{} — {}", site.page(s).title(), config.title),
            site.permalink(s),
            format!("{}atom.xml", site.permalink(s)),
        ),
        None => (
            config.title.clone(),
            format!("{}{}", config.base_url, site.lang_prefix),
            format!("{}{}atom.xml", config.base_url, site.lang_prefix),
        ),
    };
    let mut xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"{}\">\n  <title>{}</title>\n  <link rel=\"self\" href=\"{}\"/>\n  <link href=\"{}\"/>\n  <id>{}</id>\n  <updated>{}</updated>\n  <author><name>{}</name></author>\n",
        escape_xml(&site.lang),
        escape_xml(&title),
        escape_xml(&self_url),
        escape_xml(&home),
        escape_xml(&home),
        rfc3339(&updated),
        escape_xml(&config.title),
    );
    for page in dated {
        let fm = &page.front_matter;
        let link = escape_xml(&site.permalink(page.id));
        let published = fm.date.as_deref().unwrap_or_default();
        xml.push_str(&format!(
            "  <entry>\n    <title>{}</title>\n    <link href=\"{link}\"/>\n    <id>{link}</id>\n    <published>{}</published>\n    <updated>{}</updated>\n",
            escape_xml(&fm.title),
            rfc3339(published),
            rfc3339(last_modified(page).map_or(published, String::as_str)),
        ));
        if let Some(d) = &fm.description {
            xml.push_str(&format!("    <summary>{}</summary>\n", escape_xml(d)));
        }
        xml.push_str("  </entry>\n");
    }
    xml.push_str("</feed>\n");
    xml
}

/// `1999-03-01` -> `1999-03-01T00:00:00Z`; date-times are kept (`T` between date and time).
pub fn rfc3339(date: &str) -> String {
    if date.len() == 10 {
        format!("{date}T00:00:00Z")
    } else {
        date.replacen(' ', "T", 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::frontmatter::FrontMatter;
    use crate::model::Parsed;

    fn doc(path: &str, title: &str, date: Option<&str>, updated: Option<&str>) -> Parsed {
        Parsed {
            path: path.into(),
            text: String::new(),
            front_matter: FrontMatter {
                title: title.into(),
                date: date.map(str::to_string),
                updated: updated.map(str::to_string),
                ..FrontMatter::default()
            },
            body_offset: 0,
            origin: crate::model::Origin::Original,
        }
    }

    fn site() -> Site {
        let config = Config::parse("title='T'\nbase_url='https://example.org/sub/'").unwrap();
        let docs = vec![
            doc("_index.md", "Home", None, None),
            doc("news/_index.md", "News", None, None),
            doc("news/a.md", "A", Some("1999-03-01"), Some("1999-04-02")),
            doc("news/b.md", "B", Some("1999-05-01"), None),
            doc("about.md", "About", Some("1998-01-01"), None),
            doc("undated/_index.md", "Undated", None, None),
        ];
        Site::new(config, docs).0
    }

    #[test]
    fn dates_become_rfc3339() {
        assert_eq!(rfc3339("1999-03-01"), "1999-03-01T00:00:00Z");
        assert_eq!(rfc3339("1999-03-01 10:00:00Z"), "1999-03-01T10:00:00Z");
    }

    #[test]
    fn sitemap_lastmod_comes_from_updated_else_date() {
        let xml = sitemap_xml(&[&site()]);
        assert!(
            xml.contains("<loc>https://example.org/sub/news/a/</loc><lastmod>1999-04-02</lastmod>"),
            "{xml}"
        );
        assert!(
            xml.contains("<loc>https://example.org/sub/news/b/</loc><lastmod>1999-05-01</lastmod>"),
            "{xml}"
        );
        assert!(
            xml.contains("<loc>https://example.org/sub/news/</loc></url>"),
            "{xml}"
        );
    }

    #[test]
    fn a_section_feed_holds_only_its_pages_newest_first() {
        let site = site();
        let news = site.by_path["news/_index.md"];
        let xml = atom(&site, Some(news));
        assert!(xml.contains("<title>News — T</title>"), "{xml}");
        assert!(xml.contains("<link rel=\"self\" href=\"https://example.org/sub/news/atom.xml\"/>"));
        assert!(!xml.contains("About"), "{xml}");
        let (b, a) = (xml.find("<title>B</title>"), xml.find("<title>A</title>"));
        assert!(b.unwrap() < a.unwrap(), "{xml}");
        assert!(
            xml.contains("<updated>1999-05-01T00:00:00Z</updated>\n  <author>"),
            "{xml}"
        );
    }

    #[test]
    fn the_site_feed_holds_every_dated_page_and_every_section_gets_a_feed() {
        let site = site();
        let out = outputs(&site);
        let paths: Vec<&str> = out.iter().map(|o| o.path.as_str()).collect();
        assert_eq!(paths, ["atom.xml", "news/atom.xml", "undated/atom.xml"]);
        let xml = String::from_utf8(out[0].bytes.clone()).unwrap();
        assert_eq!(xml.matches("<entry>").count(), 3, "{xml}");
        assert!(
            xml.contains("<updated>1999-04-02T00:00:00Z</updated>"),
            "{xml}"
        );
    }
}
