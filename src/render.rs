//! Site + templates -> output files (path, bytes), in memory. Builds each page's template
//! context (documented in docs/templates.md) from shared, precomputed summaries, renders pages
//! in parallel, and adds the extras: 404 page, sitemap, robots.txt, Atom feed, alias redirects.
//! No IO.

use std::collections::BTreeMap;

use minijinja::{context, Environment, Value};
use rayon::prelude::*;

use crate::error::Error;
use crate::load::TemplateSource;
use crate::markdown::Rendered;
use crate::model::{Kind, PageId, Site};
use crate::templates::template_error;
use crate::xref::{Graph, Reference};

/// One file of the built site.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Output {
    /// `/`-separated path under the output folder: `countries/kenya/index.html`.
    pub path: String,
    pub bytes: Vec<u8>,
}

/// What the renderer needs besides the site.
pub struct Inputs<'a> {
    pub site: &'a Site,
    pub graph: &'a Graph,
    pub rendered: &'a [Rendered],
    pub env: &'a Environment<'static>,
    pub sources: &'a BTreeMap<String, TemplateSource>,
    /// `true` under `weft serve` (templates see `site.serve`).
    pub serve: bool,
}

/// Renders every page and extra file. Outputs are sorted by path.
pub fn site(inputs: &Inputs<'_>) -> (Vec<Output>, Vec<Error>) {
    let shared = Shared::new(inputs);
    let results: Vec<Result<Output, Error>> = (0..inputs.site.pages.len())
        .into_par_iter()
        .map(|id| render_page(inputs, &shared, id))
        .collect();
    let mut outputs = Vec::with_capacity(results.len() + 8);
    let mut errors = Vec::new();
    for r in results {
        match r {
            Ok(o) => outputs.push(o),
            Err(e) => errors.push(e),
        }
    }
    match not_found_page(inputs, &shared) {
        Ok(Some(o)) => outputs.push(o),
        Ok(None) => {}
        Err(e) => errors.push(e),
    }
    outputs.extend(extras(inputs.site));
    outputs.sort_by(|a, b| a.path.cmp(&b.path));
    (outputs, errors)
}

/// Values every page's context shares: one summary per page, the site, the collections.
pub struct Shared {
    summaries: Vec<Value>,
    site: Value,
    collections: Value,
}

impl Shared {
    pub fn new(inputs: &Inputs<'_>) -> Shared {
        let site = inputs.site;
        let summaries: Vec<Value> = (0..site.pages.len())
            .into_par_iter()
            .map(|id| summary(inputs, id))
            .collect();
        let mut shared = Shared {
            summaries,
            site: Value::UNDEFINED,
            collections: Value::UNDEFINED,
        };
        shared.site = site_value(inputs, &shared.summaries);
        let collections: Vec<(String, Value)> = site
            .collections
            .iter()
            .map(|(name, members)| {
                let entities: Vec<Value> = members
                    .iter()
                    .map(|&id| entity_value(inputs, &shared, id))
                    .collect();
                (name.clone(), Value::from(entities))
            })
            .collect();
        shared.collections = Value::from_iter(collections);
        shared
    }
}

fn site_value(inputs: &Inputs<'_>, summaries: &[Value]) -> Value {
    let site = inputs.site;
    let config = &site.config;
    let home = &site.pages[site.home];
    let sections: Vec<Value> = home
        .subsections
        .iter()
        .map(|&s| summaries[s].clone())
        .collect();
    Value::from_iter([
        ("title", Value::from(config.title.as_str())),
        ("description", Value::from(config.description.as_str())),
        ("language", Value::from(config.language.as_str())),
        ("base_url", Value::from(config.base_url.as_str())),
        ("base_path", Value::from(config.base_path())),
        ("extra", Value::from_serialize(&config.extra)),
        ("home", summaries[site.home].clone()),
        ("sections", Value::from(sections)),
        ("serve", Value::from(inputs.serve)),
    ])
}

fn opt(value: &Option<String>) -> Value {
    value.as_deref().map_or(Value::from(()), Value::from)
}

fn link_value(site: &Site, id: PageId) -> Value {
    let page = site.page(id);
    Value::from_iter([
        ("title", Value::from(page.title())),
        ("url", Value::from(site.url(id))),
        ("extra", Value::from_serialize(&page.front_matter.extra)),
    ])
}

/// The light view of a page used in every list.
fn summary(inputs: &Inputs<'_>, id: PageId) -> Value {
    let site = inputs.site;
    let page = site.page(id);
    let fm = &page.front_matter;
    Value::from_iter(summary_fields(inputs, id).into_iter().chain([
        ("description", opt(&fm.description)),
        (
            "summary",
            Value::from_safe_string(inputs.rendered[id].summary.clone()),
        ),
        (
            "backlink_count",
            Value::from(inputs.graph.incoming[id].len()),
        ),
        (
            "entity",
            page.entity.map_or(Value::from(()), |e| link_value(site, e)),
        ),
        (
            "parent",
            page.parent.map_or(Value::from(()), |p| link_value(site, p)),
        ),
    ]))
}

fn summary_fields(inputs: &Inputs<'_>, id: PageId) -> Vec<(&'static str, Value)> {
    let site = inputs.site;
    let page = site.page(id);
    let fm = &page.front_matter;
    let url = site.url(id);
    vec![
        ("kind", Value::from(page.kind.as_str())),
        ("title", Value::from(page.title())),
        ("date", opt(&fm.date)),
        ("updated", opt(&fm.updated)),
        ("permalink", Value::from(permalink(site, id))),
        ("url", Value::from(url)),
        ("path", Value::from(page.path.as_str())),
        ("slug", Value::from(page.slug())),
        ("weight", fm.weight.map_or(Value::from(()), Value::from)),
        ("extra", Value::from_serialize(&fm.extra)),
        ("collection", opt(&page.collection)),
    ]
}

fn permalink(site: &Site, id: PageId) -> String {
    format!("{}{}", site.config.base_url, site.page(id).url_path)
}

/// An entity as listed in `collections`: its summary plus its references and backlinks.
fn entity_value(inputs: &Inputs<'_>, shared: &Shared, id: PageId) -> Value {
    let mut fields: Vec<(&'static str, Value)> = Vec::new();
    if let Ok(map) = shared.summaries[id].try_iter() {
        for key in map {
            if let Some(k) = key.as_str() {
                let leaked = field_name(k);
                fields.push((leaked, shared.summaries[id].get_attr(k).unwrap_or_default()));
            }
        }
    }
    fields.push(("references", references(inputs, shared, id)));
    fields.push(("backlinks", backlinks(inputs, shared, id)));
    Value::from_iter(fields)
}

/// Summary field names are a fixed set; map them back to static strings.
fn field_name(k: &str) -> &'static str {
    const NAMES: &[&str] = &[
        "kind",
        "title",
        "date",
        "updated",
        "permalink",
        "url",
        "path",
        "slug",
        "weight",
        "extra",
        "collection",
        "description",
        "summary",
        "backlink_count",
        "entity",
        "parent",
    ];
    NAMES.iter().find(|n| **n == k).copied().unwrap_or("other")
}

fn reference_item(shared: &Shared, r: &Reference, outgoing: bool) -> Value {
    let other = if outgoing { r.target } else { r.source };
    Value::from_iter([
        (
            if outgoing { "target" } else { "source" },
            shared.summaries[other].clone(),
        ),
        ("key", Value::from(r.key.as_str())),
        ("attrs", Value::from_serialize(&r.attrs)),
        ("relation", Value::from(r.relation())),
        ("line", Value::from(r.line)),
        ("anchor", opt(&r.anchor)),
    ])
}

/// Outgoing references grouped by collection key (`body` last), as `{collection, title, items}`.
fn references(inputs: &Inputs<'_>, shared: &Shared, id: PageId) -> Value {
    let mut groups: BTreeMap<(bool, String), Vec<Value>> = BTreeMap::new();
    for &i in &inputs.graph.outgoing[id] {
        let r = &inputs.graph.references[i];
        let key = inputs
            .site
            .page(r.target)
            .collection
            .clone()
            .unwrap_or_else(|| r.key.clone());
        groups
            .entry((r.key == "body", key))
            .or_default()
            .push(reference_item(shared, r, true));
    }
    let values: Vec<Value> = groups
        .into_iter()
        .map(|((_, collection), items)| {
            let title = section_title(inputs.site, &collection);
            Value::from_iter([
                ("collection", Value::from(collection)),
                ("title", Value::from(title)),
                ("items", Value::from(items)),
            ])
        })
        .collect();
    Value::from(values)
}

fn section_title(site: &Site, name: &str) -> String {
    site.by_path
        .get(&format!("{name}/_index.md"))
        .map(|&id| site.page(id).title().to_string())
        .unwrap_or_else(|| name.to_string())
}

/// Incoming references grouped by the source's top-level section, ordered like the sections.
fn backlinks(inputs: &Inputs<'_>, shared: &Shared, id: PageId) -> Value {
    let site = inputs.site;
    let mut groups: BTreeMap<(i64, String, String), Vec<Value>> = BTreeMap::new();
    for &i in &inputs.graph.incoming[id] {
        let r = &inputs.graph.references[i];
        let (weight, name, title) = match site.top_section(r.source) {
            Some(top) => {
                let p = site.page(top);
                let name = p.url_path.trim_end_matches('/').to_string();
                (
                    p.front_matter.weight.unwrap_or(i64::MAX),
                    name,
                    p.title().to_string(),
                )
            }
            None => (i64::MIN, String::new(), site.config.title.clone()),
        };
        groups
            .entry((weight, title, name))
            .or_default()
            .push(reference_item(shared, r, false));
    }
    let values: Vec<Value> = groups
        .into_iter()
        .map(|((_, title, name), items)| {
            Value::from_iter([
                ("name", Value::from(name)),
                ("title", Value::from(title)),
                ("items", Value::from(items)),
            ])
        })
        .collect();
    Value::from(values)
}

/// The full context value of the page being rendered.
fn page_value(inputs: &Inputs<'_>, shared: &Shared, id: PageId) -> Value {
    let site = inputs.site;
    let page = site.page(id);
    let fm = &page.front_matter;
    let rendered = &inputs.rendered[id];
    let list = |ids: &[PageId]| {
        Value::from(
            ids.iter()
                .map(|&i| shared.summaries[i].clone())
                .collect::<Vec<_>>(),
        )
    };
    let mut fields = summary_fields(inputs, id);
    fields.extend([
        ("description", opt(&fm.description)),
        ("summary", Value::from_safe_string(rendered.summary.clone())),
        ("content", Value::from_safe_string(rendered.html.clone())),
        ("toc", Value::from_serialize(&rendered.toc)),
        ("word_count", Value::from(rendered.word_count)),
        (
            "reading_time",
            Value::from(rendered.word_count.div_ceil(200).max(1)),
        ),
        ("aliases", Value::from_serialize(&fm.aliases)),
        ("also_known_as", Value::from_serialize(&fm.also_known_as)),
        (
            "entity",
            page.entity
                .map_or(Value::from(()), |e| shared.summaries[e].clone()),
        ),
        (
            "parent",
            page.parent
                .map_or(Value::from(()), |p| shared.summaries[p].clone()),
        ),
        ("ancestors", list(&site.ancestors(id))),
        ("pages", list(&page.pages)),
        ("subsections", list(&page.subsections)),
        ("references", references(inputs, shared, id)),
        ("backlinks", backlinks(inputs, shared, id)),
        (
            "backlink_count",
            Value::from(inputs.graph.incoming[id].len()),
        ),
    ]);
    Value::from_iter(fields)
}

/// The template a page is rendered with: its own, else its collection's, else by kind.
pub fn template_name(site: &Site, id: PageId) -> String {
    let page = site.page(id);
    if let Some(t) = &page.front_matter.template {
        return t.clone();
    }
    if let Some(t) = page
        .collection
        .as_ref()
        .and_then(|c| site.config.collections.get(c))
        .and_then(|c| c.template.clone())
    {
        return t;
    }
    match page.kind {
        Kind::Home => "index.html",
        Kind::Section => "section.html",
        Kind::Page => "page.html",
    }
    .to_string()
}

fn render_page(inputs: &Inputs<'_>, shared: &Shared, id: PageId) -> Result<Output, Error> {
    let site = inputs.site;
    let name = template_name(site, id);
    let page = site.page(id);
    let template = inputs.env.get_template(&name).map_err(|e| {
        let loc = crate::error::Location::new(&page.file(), &page.text, 0..0);
        Error::new(
            crate::error::ErrorKind::Template,
            format!("template {name} not found"),
        )
        .at(loc)
        .label(e.to_string())
        .help("add the template to the theme or the site's templates/ folder, or change `template`")
    })?;
    let html = template
        .render(context! {
            site => shared.site.clone(),
            page => page_value(inputs, shared, id),
            section => Value::UNDEFINED,
            collections => shared.collections.clone(),
        })
        .map_err(|e| template_error(&e, inputs.sources))?;
    Ok(Output {
        path: format!("{}index.html", page.url_path),
        bytes: html.into_bytes(),
    })
}

fn not_found_page(inputs: &Inputs<'_>, shared: &Shared) -> Result<Option<Output>, Error> {
    let Ok(template) = inputs.env.get_template("404.html") else {
        return Ok(None);
    };
    let html = template
        .render(context! { site => shared.site.clone(), collections => shared.collections.clone() })
        .map_err(|e| template_error(&e, inputs.sources))?;
    Ok(Some(Output {
        path: "404.html".to_string(),
        bytes: html.into_bytes(),
    }))
}

/// sitemap.xml, robots.txt, atom.xml and redirect pages for aliases.
fn extras(site: &Site) -> Vec<Output> {
    let mut out = vec![
        Output {
            path: "sitemap.xml".into(),
            bytes: sitemap(site).into_bytes(),
        },
        Output {
            path: "robots.txt".into(),
            bytes: format!(
                "User-agent: *\nAllow: /\nSitemap: {}sitemap.xml\n",
                site.config.base_url
            )
            .into_bytes(),
        },
        Output {
            path: "atom.xml".into(),
            bytes: atom(site).into_bytes(),
        },
    ];
    for page in &site.pages {
        for alias in &page.front_matter.aliases {
            let path = alias.trim_matches('/');
            let path = if path.ends_with(".html") {
                path.to_string()
            } else if path.is_empty() {
                "index.html".to_string()
            } else {
                format!("{path}/index.html")
            };
            out.push(Output {
                path,
                bytes: redirect(&site.url(page.id)).into_bytes(),
            });
        }
    }
    out
}

pub fn escape_xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn sitemap(site: &Site) -> String {
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for page in &site.pages {
        xml.push_str("  <url><loc>");
        xml.push_str(&escape_xml(&permalink(site, page.id)));
        xml.push_str("</loc>");
        let fm = &page.front_matter;
        if let Some(date) = fm.updated.as_ref().or(fm.date.as_ref()) {
            xml.push_str(&format!("<lastmod>{}</lastmod>", &date[..10]));
        }
        xml.push_str("</url>\n");
    }
    xml.push_str("</urlset>\n");
    xml
}

fn atom(site: &Site) -> String {
    let mut dated: Vec<&crate::model::Page> = site
        .pages
        .iter()
        .filter(|p| p.front_matter.date.is_some())
        .collect();
    dated.sort_by(|a, b| {
        b.front_matter
            .date
            .cmp(&a.front_matter.date)
            .then(a.path.cmp(&b.path))
    });
    let updated = dated
        .first()
        .and_then(|p| {
            p.front_matter
                .updated
                .clone()
                .or(p.front_matter.date.clone())
        })
        .unwrap_or_else(|| "1970-01-01".to_string());
    let config = &site.config;
    let mut xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"{}\">\n  <title>{}</title>\n  <link rel=\"self\" href=\"{}atom.xml\"/>\n  <link href=\"{}\"/>\n  <id>{}</id>\n  <updated>{}</updated>\n",
        escape_xml(&config.language),
        escape_xml(&config.title),
        escape_xml(&config.base_url),
        escape_xml(&config.base_url),
        escape_xml(&config.base_url),
        rfc3339(&updated),
    );
    for page in dated.iter().take(50) {
        let fm = &page.front_matter;
        let link = escape_xml(&permalink(site, page.id));
        xml.push_str(&format!(
            "  <entry>\n    <title>{}</title>\n    <link href=\"{link}\"/>\n    <id>{link}</id>\n    <updated>{}</updated>\n",
            escape_xml(&fm.title),
            rfc3339(fm.updated.as_ref().or(fm.date.as_ref()).unwrap()),
        ));
        if let Some(d) = &fm.description {
            xml.push_str(&format!("    <summary>{}</summary>\n", escape_xml(d)));
        }
        xml.push_str("  </entry>\n");
    }
    xml.push_str("</feed>\n");
    xml
}

/// `1999-03-01` -> `1999-03-01T00:00:00Z`; date-times are kept.
fn rfc3339(date: &str) -> String {
    if date.len() == 10 {
        format!("{date}T00:00:00Z")
    } else {
        date.replace(' ', "T")
    }
}

fn redirect(url: &str) -> String {
    let url = escape_xml(url);
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Moved</title><link rel=\"canonical\" href=\"{url}\"><meta http-equiv=\"refresh\" content=\"0; url={url}\"></head><body><p>This page has moved to <a href=\"{url}\">{url}</a>.</p></body></html>\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_become_rfc3339() {
        assert_eq!(rfc3339("1999-03-01"), "1999-03-01T00:00:00Z");
    }

    #[test]
    fn xml_is_escaped() {
        assert_eq!(escape_xml("a<b & \"c\""), "a&lt;b &amp; &quot;c&quot;");
    }
}
