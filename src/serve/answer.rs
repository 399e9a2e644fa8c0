//! What a request for a path gets from a [`Snapshot`]: the output or listed asset it names,
//! a redirect for a folder asked for without its slash, or the site's 404 page. No IO but
//! copying a listed asset, and only one whose real path is inside the site; no HTTP (the
//! caller turns a [`Reply`] into a response).
//!
//! Every 200 answer carries an ETag, a hash of the bytes sent (for a page, with the script
//! stamped into it), so a browser revalidating an unchanged file gets a 304 and no body.

use std::hash::{DefaultHasher, Hasher};

use bytes::Bytes;

use super::SCRIPT_PATH;
use crate::load::{AssetSource, Boundary};
use crate::session::Snapshot;

pub(super) const LIVE_JS: &str = include_str!("live.js");

/// An answer, before it becomes an HTTP response.
#[derive(Debug)]
pub(super) struct Reply {
    pub status: u16,
    pub content_type: &'static str,
    /// Where a redirect points.
    pub location: Option<String>,
    pub body: Bytes,
}

impl Reply {
    pub fn new(status: u16, content_type: &'static str, body: impl Into<Bytes>) -> Reply {
        Reply {
            status,
            content_type,
            location: None,
            body: body.into(),
        }
    }

    /// A short plain-text answer (errors).
    pub fn text(status: u16, text: impl Into<Bytes>) -> Reply {
        Reply::new(status, "text/plain; charset=utf-8", text)
    }

    /// A page may only be kept for the moment it is shown: its bytes change with each
    /// generation anyway, and a page the browser restores from its back-forward cache would
    /// miss the reloads announced meanwhile. Every other file is kept and revalidated.
    pub fn cache_control(&self) -> &'static str {
        if self.content_type.starts_with("text/html") {
            "no-store"
        } else {
            "no-cache"
        }
    }

    /// The entity tag of a 200 answer.
    pub fn etag(&self) -> Option<String> {
        (self.status == 200).then(|| etag(&self.body))
    }
}

/// A strong entity tag for `bytes`: a 64-bit hash and the length.
pub(super) fn etag(bytes: &[u8]) -> String {
    let mut hasher = DefaultHasher::new();
    hasher.write(bytes);
    format!("\"{:016x}-{:x}\"", hasher.finish(), bytes.len())
}

/// Whether an `If-None-Match` value names `etag` (weak comparison, as RFC 9110 asks for it).
pub(super) fn none_match(if_none_match: &str, etag: &str) -> bool {
    if_none_match
        .split(',')
        .map(str::trim)
        .any(|tag| tag == "*" || tag.strip_prefix("W/").unwrap_or(tag) == etag)
}

/// The output path a URL path names: percent-decoded segment by segment; `..`, `.`, empty
/// inner segments, encoded `/`, backslashes and NUL are refused (400).
pub fn resolve(path: &str) -> Result<String, u16> {
    let rest = path.strip_prefix('/').ok_or(400u16)?;
    let segments: Vec<&str> = rest.split('/').collect();
    let mut out = Vec::with_capacity(segments.len());
    for (i, raw) in segments.iter().enumerate() {
        let last = i + 1 == segments.len();
        if raw.is_empty() {
            if last {
                continue;
            }
            return Err(400);
        }
        let seg = percent_decode(raw).ok_or(400u16)?;
        if seg == "."
            || seg == ".."
            || seg.contains(['/', '\\', '\0'])
            || seg.chars().any(char::is_control)
        {
            return Err(400);
        }
        out.push(seg);
    }
    let mut key = out.join("/");
    if rest.is_empty() || rest.ends_with('/') {
        if !key.is_empty() {
            key.push('/');
        }
        key.push_str("index.html");
    }
    Ok(key)
}

/// Strict, unlike `percent_encoding::percent_decode_str`: a malformed escape or bytes that are
/// not UTF-8 make the request a 400 instead of being passed through.
fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// How pages served now are stamped: the server and the snapshot's generation.
pub(super) struct Stamp<'a> {
    pub server_id: &'a str,
    pub generation: u64,
}

/// The answer for output path `key` (asked for as URL `path`); `asset` holds the bytes of the
/// asset listed under `key`, already read (see [`read_asset`]).
pub(super) fn lookup(
    snapshot: &Snapshot,
    stamp: &Stamp,
    key: &str,
    path: &str,
    asset: Option<Bytes>,
) -> Reply {
    // Given only when it wins (see `http::from_snapshot`): the site's own file over one weft
    // makes, as in `weft build`.
    if let Some(bytes) = asset {
        return Reply::new(200, content_type(key), bytes);
    }
    if let Some(bytes) = snapshot.outputs.get(key) {
        return page(200, key, bytes, stamp);
    }
    // A folder asked for without its trailing slash.
    let folder = format!("{key}/index.html");
    if !key.ends_with("index.html") && snapshot.outputs.contains_key(&folder) {
        let mut reply = Reply::text(301, "");
        reply.location = Some(format!("{path}/"));
        return reply;
    }
    match snapshot.outputs.get("404.html") {
        Some(bytes) => page(404, "404.html", bytes, stamp),
        None if snapshot.outputs.is_empty() => page(
            503,
            "index.html",
            b"<!DOCTYPE html><title>weft: build failed</title><body><p>The site has not built yet.</p></body>",
            stamp,
        ),
        None => Reply::text(404, "not found\n"),
    }
}

/// An asset's bytes: built-in, or a regular file that passes the rule `weft build` lists files
/// by (`load::Boundary`: no link out of the site unless site.toml allows it, nothing but
/// regular files), checked again as it is read. May block on the disk.
pub(super) fn read_asset(source: &AssetSource, boundary: &Boundary) -> Option<Bytes> {
    match source {
        AssetSource::Embedded(bytes) => Some(Bytes::from_static(bytes)),
        AssetSource::Disk(path) => {
            boundary.check_file(path, "").ok()?;
            std::fs::read(path).ok().map(Bytes::from)
        }
    }
}

/// A response from the snapshot; HTML gets the live-reload script.
fn page(status: u16, key: &str, bytes: &[u8], stamp: &Stamp) -> Reply {
    let ct = content_type(key);
    if ct.starts_with("text/html") {
        Reply::new(status, ct, inject(bytes, stamp.server_id, stamp.generation))
    } else {
        Reply::new(status, ct, bytes.to_vec())
    }
}

/// Inserts the live-reload script before `</body>` (or at the end), stamped with the server
/// and the generation of the snapshot the page comes from.
pub fn inject(html: &[u8], server_id: &str, generation: u64) -> Vec<u8> {
    let tag = format!(
        "<script src=\"{SCRIPT_PATH}\" data-server=\"{server_id}\" data-generation=\"{generation}\"></script>"
    );
    let at = html
        .windows(7)
        .rposition(|w| w.eq_ignore_ascii_case(b"</body>"))
        .unwrap_or(html.len());
    let mut out = Vec::with_capacity(html.len() + tag.len());
    out.extend_from_slice(&html[..at]);
    out.extend_from_slice(tag.as_bytes());
    out.extend_from_slice(&html[at..]);
    out
}

/// The content type of an output path, by extension.
pub fn content_type(path: &str) -> &'static str {
    let ext = path.rsplit_once('.').map_or("", |(_, e)| e);
    match ext.to_ascii_lowercase().as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "xml" => "application/xml",
        "txt" => "text/plain; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "avif" => "image/avif",
        "ico" => "image/x-icon",
        "pdf" => "application/pdf",
        "woff" => "font/woff",
        "woff2" => "font/woff2",
        "ttf" => "font/ttf",
        "otf" => "font/otf",
        "wasm" => "application/wasm",
        "map" => "application/json",
        "csv" => "text/csv; charset=utf-8",
        "md" => "text/markdown; charset=utf-8",
        "mp4" => "video/mp4",
        "webm" => "video/webm",
        "mp3" => "audio/mpeg",
        "zip" => "application/zip",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_resolve_to_their_index() {
        assert_eq!(resolve("/").unwrap(), "index.html");
        assert_eq!(resolve("/a/b/").unwrap(), "a/b/index.html");
        assert_eq!(resolve("/a/b").unwrap(), "a/b");
        assert_eq!(resolve("/c%C3%B4te/").unwrap(), "côte/index.html");
    }

    #[test]
    fn traversal_is_refused() {
        for bad in [
            "/../etc/passwd",
            "/a/../../etc/passwd",
            "/%2e%2e/etc/passwd",
            "/%2E%2E%2fetc%2fpasswd",
            "/a%2f..%2f..%2fetc/passwd",
            "/..%5c..%5cetc%5cpasswd",
            "/a\\..\\b",
            "/a%00.html",
            "//etc/passwd",
            "/./a",
            "etc/passwd",
            "http://example.org/etc/passwd",
            "/%zz",
        ] {
            assert!(resolve(bad).is_err(), "{bad} was accepted");
        }
    }

    #[test]
    fn the_script_goes_before_the_last_body_end() {
        let html = b"<html><body><p>x</p></BODY></html>";
        let out = String::from_utf8(inject(html, "id", 7)).unwrap();
        assert!(out.contains(
            "<p>x</p><script src=\"/__weft/live.js\" data-server=\"id\" data-generation=\"7\"></script></BODY>"
        ));
        let bare = String::from_utf8(inject(b"<p>no body", "id", 0)).unwrap();
        assert!(bare.ends_with("</script>"));
    }

    #[test]
    fn entity_tags_follow_the_bytes_and_match_weakly() {
        let tag = etag(b"body {}");
        assert_eq!(tag, etag(b"body {}"));
        assert_ne!(tag, etag(b"body { }"));
        assert!(tag.starts_with('"') && tag.ends_with("-7\""), "{tag}");
        assert!(none_match(&tag, &tag));
        assert!(none_match(&format!("W/{tag}"), &tag));
        assert!(none_match(&format!("\"other\", {tag}"), &tag));
        assert!(none_match("*", &tag));
        assert!(!none_match("\"other\"", &tag));
        assert!(!none_match("", &tag));
    }

    #[test]
    fn only_pages_are_never_stored() {
        let page = Reply::new(200, "text/html; charset=utf-8", "x");
        assert_eq!(page.cache_control(), "no-store");
        let css = Reply::new(200, "text/css; charset=utf-8", "x");
        assert_eq!(css.cache_control(), "no-cache");
        assert_eq!(css.etag(), Some(etag(b"x")));
        assert_eq!(Reply::text(404, "x").etag(), None);
    }

    #[test]
    fn content_types_follow_the_extension() {
        assert_eq!(content_type("a/index.html"), "text/html; charset=utf-8");
        assert_eq!(content_type("css/site.css"), "text/css; charset=utf-8");
        assert_eq!(content_type("x.SVG"), "image/svg+xml");
        assert_eq!(content_type("blob"), "application/octet-stream");
    }
}
