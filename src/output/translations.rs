//! What ties a page to its other languages in the template context: `site.languages`,
//! `site.lang_path`, `page.translations` (its URL and title in every language, for hreflang
//! alternates and a language switcher), `page.original`. Made once from every language's view
//! of the site (the views have the same pages in the same order). No IO.

use minijinja::Value;
use rayon::prelude::*;

use crate::model::{Origin, PageId, Site};

/// The site's languages, for the contexts of every language's pages.
pub struct Languages {
    /// `site.languages`: `{code, name, url}` per language, the default first.
    list: Value,
    /// Per language: the root URL of its pages (`site.lang_path`).
    lang_paths: Vec<String>,
    /// Per page: `page.translations`, one `{lang, name, url, permalink, title, translated}`
    /// per language.
    translations: Vec<Value>,
    /// Per page: `page.original`, `{url, permalink, title}` of the default language's page.
    originals: Vec<Value>,
}

/// One language's view of [`Languages`].
#[derive(Clone, Copy)]
pub struct Current<'a> {
    languages: &'a Languages,
    index: usize,
}

impl Languages {
    /// From every language's view, the default first; `None` for a site in one language.
    pub fn new(sites: &[&Site]) -> Option<Languages> {
        let default = *sites.first()?;
        if sites.len() < 2 {
            return None;
        }
        let config = &default.config;
        let home_url = |site: &Site| site.url(site.home);
        let list = sites
            .iter()
            .map(|site| {
                Value::from_iter([
                    ("code", Value::from(site.lang.as_str())),
                    ("name", Value::from(config.language_name(&site.lang))),
                    ("url", Value::from(home_url(site))),
                ])
            })
            .collect::<Vec<_>>();
        // Made before any page renders, while nothing else runs: in parallel.
        let pages = 0..default.pages.len();
        let (translations, originals) = rayon::join(
            || {
                pages
                    .clone()
                    .into_par_iter()
                    .map(|id| translations(sites, id))
                    .collect()
            },
            || {
                pages
                    .clone()
                    .into_par_iter()
                    .map(|id| original(default, id))
                    .collect()
            },
        );
        Some(Languages {
            list: Value::from(list),
            lang_paths: sites.iter().map(|s| home_url(s)).collect(),
            translations,
            originals,
        })
    }

    /// Makes page `id`'s values again from every language's view, after an edit (`weft
    /// serve`); whether they changed, which every language's page `id` shows.
    pub fn update(&mut self, sites: &[&Site], id: PageId) -> bool {
        let (translations, original) = (translations(sites, id), original(sites[0], id));
        let changed = translations != self.translations[id] || original != self.originals[id];
        self.translations[id] = translations;
        self.originals[id] = original;
        changed
    }

    /// The view of language `index` (the order [`Languages::new`] was given).
    pub fn current(&self, index: usize) -> Current<'_> {
        Current {
            languages: self,
            index,
        }
    }
}

impl Current<'_> {
    pub fn list(&self) -> Value {
        self.languages.list.clone()
    }

    /// The root URL of this language's pages.
    pub fn lang_path(&self) -> &str {
        &self.languages.lang_paths[self.index]
    }

    pub fn translations(&self, id: PageId) -> Value {
        self.languages.translations[id].clone()
    }

    /// The default language's page, or none on the default language.
    pub fn original(&self, id: PageId) -> Value {
        if self.index == 0 {
            Value::from(())
        } else {
            self.languages.originals[id].clone()
        }
    }
}

/// `page.translations` of page `id`.
fn translations(sites: &[&Site], id: PageId) -> Value {
    Value::from(sites.iter().map(|s| translation(s, id)).collect::<Vec<_>>())
}

/// `page.original` of page `id`, from the default language's view.
fn original(default: &Site, id: PageId) -> Value {
    Value::from_iter([
        ("url", Value::from(default.url(id))),
        ("permalink", Value::from(default.permalink(id))),
        ("title", Value::from(default.page(id).title())),
    ])
}

fn translation(site: &Site, id: PageId) -> Value {
    Value::from_iter([
        ("lang", Value::from(site.lang.as_str())),
        ("name", Value::from(site.config.language_name(&site.lang))),
        ("url", Value::from(site.url(id))),
        ("permalink", Value::from(site.permalink(id))),
        ("title", Value::from(site.page(id).title())),
        (
            "translated",
            Value::from(site.page(id).origin != Origin::Fallback),
        ),
    ])
}
