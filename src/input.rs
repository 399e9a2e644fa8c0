//! Stage 1, reading the site: `site.toml`, content, templates, data files and static files
//! ([`load`], the only reader of site input, with the git history in `load::history`), each
//! content file's front matter ([`frontmatter`]) and the data files ([`data`]).

pub mod data;
pub mod frontmatter;
pub mod load;
