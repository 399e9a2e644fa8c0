//! Stage 2, the site as data and its cross-references: the page tree and URLs ([`model`]),
//! names, references and links resolved both ways ([`xref`]), and each page's Markdown rendered
//! with its links, shortcodes and highlighted code ([`markdown`], [`shortcode`], [`highlight`]).
//! No IO.

pub mod highlight;
pub mod languages;
pub mod markdown;
pub mod model;
pub mod shortcode;
pub mod xref;
