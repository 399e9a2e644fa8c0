//! Stage 3, the files of the built site: pages through the templates ([`render`],
//! [`templates`], with the theme's words in each language from [`i18n`]), the feeds and
//! sitemap ([`feeds`]), the search index ([`search`]) and the reference graph ([`graph`]);
//! and [`write`], the only writer of the output folder.

pub mod feeds;
pub mod graph;
pub mod i18n;
pub mod render;
pub mod search;
pub mod templates;
pub mod translations;
pub mod write;
