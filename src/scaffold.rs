//! `weft new DIR`: writes a small working site — `site.toml` with one collection, two entities,
//! a page referencing them both ways (front matter with relation attributes, and a wikilink in
//! the body) — that builds and serves at once with the built-in default theme.
//!
//! It writes only into a folder that is new or empty, and never overwrites a file; it knows the
//! site only as text (building it is the caller's business).

use std::fs;
use std::path::{Path, PathBuf};

use crate::error::{Error, ErrorKind, Location};

/// The files of a new site: path under the site folder, text.
pub const FILES: &[(&str, &str)] = &[
    (
        "site.toml",
        r#"title = "My weft site"
description = "A small site made by weft new: pages, a collection of entities, and the references between them."
# Where the site will live. A path ("/") is enough to preview; sitemap.xml and the Atom feeds
# need the absolute URL (https://example.org/docs/), set here or with `weft build --base-url`.
base_url = "/"
language = "en"

# A collection: every page directly under content/topics/ is an entity other pages may reference
# by title, slug or `also_known_as`, under the front-matter key `topics`.
[collections.topics]
singular = "topic"
"#,
    ),
    (
        "content/_index.md",
        r#"+++
title = "My weft site"
description = "A small site made by weft new."
+++
Welcome. This site has one collection, [topics](@/topics/_index.md), with two entities,
[[Warp]] and [[Weft]], and a [first note](@/notes/first-note.md) that references both.

Edit the files under `content/`, then run `weft serve` to see the changes live, and
`weft check` before publishing.
"#,
    ),
    (
        "content/topics/_index.md",
        r#"+++
title = "Topics"
description = "The entities of the topics collection."
weight = 1
+++
Each page in this folder is a topic. Pages that reference a topic are listed on its page.
"#,
    ),
    (
        "content/topics/warp.md",
        r#"+++
title = "Warp"
description = "The threads held lengthwise on the loom."
also_known_as = ["Warp threads"]
+++
The warp is held still while the weft passes through it.
"#,
    ),
    (
        "content/topics/weft.md",
        r#"+++
title = "Weft"
description = "The thread drawn across the warp."
+++
The weft crosses the [[Warp]] over and under, row after row.
"#,
    ),
    (
        "content/notes/_index.md",
        r#"+++
title = "Notes"
description = "Dated notes."
weight = 2
+++
"#,
    ),
    (
        "content/notes/first-note.md",
        r#"+++
title = "A first note"
description = "A page that references both topics, one with attributes."
date = 2026-01-01
topics = ["Warp", { ref = "Weft", role = "example", since = 2026 }]
+++
This note references two topics in its front matter; their pages list it among their backlinks.

## In the body

A body link to an entity: [[Warp threads]] (an alternative name of [[Warp]]).
"#,
    ),
    (".gitignore", "/public/\n/.weft-cache/\n"),
];

/// Writes [`FILES`] under `dir`, which must not exist or be empty. Returns the paths written.
pub fn create(dir: &Path) -> Result<Vec<PathBuf>, Error> {
    let shown = dir.display().to_string();
    if fs::read_dir(dir).is_ok_and(|mut entries| entries.next().is_some()) {
        return Err(Error::new(
            ErrorKind::Io,
            format!("refusing to create a site in {shown}: the folder is not empty"),
        )
        .at(Location::file_only(&shown))
        .help("give weft new a new folder name, e.g. `weft new my-site`"));
    }
    let mut written = Vec::new();
    for (rel, text) in FILES {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(|e| io_error(parent, e))?;
        }
        // `create_new`: a file that appeared meanwhile is an error, never overwritten.
        let mut file = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|e| io_error(&path, e))?;
        std::io::Write::write_all(&mut file, text.as_bytes()).map_err(|e| io_error(&path, e))?;
        written.push(path);
    }
    Ok(written)
}

fn io_error(path: &Path, e: std::io::Error) -> Error {
    let shown = path.display().to_string();
    Error::new(ErrorKind::Io, format!("cannot write {shown}: {e}")).at(Location::file_only(&shown))
}
