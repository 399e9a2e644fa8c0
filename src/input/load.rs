//! Reads a site from disk: `site.toml`, every file under `content/`, the theme's and the site's
//! templates, the data files, and the list of static files to copy. The only module that reads site input.
//!
//! Loading never stops at the first bad file: unreadable or non-UTF-8 files become errors and
//! the rest is still read, so one build reports everything.
//!
//! Nothing from outside the site is read ([`Boundary`]): a symbolic link under `content/`,
//! `static/`, `templates/` or the theme is followed only when it resolves inside the site's
//! folder and not into a hidden file or folder there (`.env`, `.git/`), unless `site.toml` sets
//! `allow_links_outside = true`; special files (FIFOs, sockets, devices) are errors, not content.
//! The same rule covers `data/` and the UI strings of `i18n/`. With `dates_from_git`, [`history`] reads each page's
//! last-updated date from the repository's history.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use walkdir::WalkDir;

use crate::config::{Config, CONFIG_FILE};
use crate::error::{Error, ErrorKind, Location};
use crate::model::slugify_segment;

/// A content file's text.
#[derive(Clone, Debug)]
pub struct Document {
    /// Path under `content/`, `/`-separated: `countries/kenya.md`.
    pub path: String,
    pub text: String,
}

/// A file copied into the output as it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Asset {
    /// Output path, `/`-separated: `css/site.css`.
    pub dest: String,
    pub source: AssetSource,
    /// For a file beside pages under `content/`, its path there (`news/post/photo.png`): a
    /// draft bundle's files are left out by it.
    pub content_path: Option<String>,
    /// A theme's file (a file the site made itself wins over anything the theme makes).
    pub from_theme: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AssetSource {
    Disk(PathBuf),
    Embedded(&'static [u8]),
}

/// A template's text and the path shown in its errors.
#[derive(Clone, Debug)]
pub struct TemplateSource {
    pub file: String,
    pub text: String,
}

/// A file under `data/`: its path there (`donors.csv`) and its text (parsed by `crate::data`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DataFile {
    pub path: String,
    pub text: String,
}

/// A file of UI strings (`i18n/fr.toml`, the theme's or the site's; parsed by `crate::i18n`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StringsFile {
    /// The path shown in messages: `i18n/fr.toml`, `themes/default/i18n/fr.toml (built in)`.
    pub file: String,
    /// Its name under `i18n/`: `fr.toml`.
    pub name: String,
    pub text: String,
    pub from_theme: bool,
}

/// Everything a build reads.
#[derive(Clone, Debug)]
pub struct SiteFiles {
    pub config: Config,
    pub documents: Vec<Document>,
    /// Template name (`page.html`) -> source; the site's `templates/` wins over the theme.
    pub templates: BTreeMap<String, TemplateSource>,
    /// Output path -> asset; content files win over `static/`, which wins over the theme.
    pub assets: BTreeMap<String, Asset>,
    /// The files under `data/`, sorted by path.
    pub data: Vec<DataFile>,
    /// The theme's UI strings, then the site's (which override them key by key).
    pub strings: Vec<StringsFile>,
    /// Content path -> last-updated date from the repository's history (`dates_from_git`).
    pub dates: BTreeMap<String, String>,
    /// Problems that do not stop the build (a shallow clone's missing history).
    pub warnings: Vec<Error>,
}

pub mod history;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/default_theme.rs"));
}

/// Reads `site.toml`; a missing or invalid config stops the build at once (nothing else can be
/// understood without it).
pub fn config(root: &Path) -> Result<Config, Error> {
    let path = root.join(CONFIG_FILE);
    let text = fs::read_to_string(&path).map_err(|e| {
        Error::new(ErrorKind::Io, format!("cannot read {CONFIG_FILE}: {e}"))
            .at(Location::file_only(CONFIG_FILE))
            .help(format!(
                "run weft in a site folder (one with {CONFIG_FILE} and content/), or pass --root DIR"
            ))
    })?;
    Config::parse(&text)
}

/// Reads the whole site. Errors are every file that could not be read.
pub fn site(root: &Path, config: Config) -> (SiteFiles, Vec<Error>) {
    let mut errors = Vec::new();
    let boundary = Boundary::new(root, &config);
    let (documents, content_assets) = content(root, &boundary, &mut errors);
    let templates = templates(root, &config.theme, &boundary, &mut errors);
    let mut assets = theme_static(root, &config.theme, &boundary, &mut errors);
    assets.extend(disk_assets(
        &root.join("static"),
        "static/",
        false,
        &boundary,
        &mut errors,
    ));
    assets.extend(content_assets.into_iter().map(|a| (a.dest.clone(), a)));
    let data = data_files(root, &boundary, &mut errors);
    let strings = strings_files(root, &config.theme, &boundary, &mut errors);
    let history = if config.dates_from_git {
        let paths: Vec<String> = documents.iter().map(|d| d.path.clone()).collect();
        history::dates(root, &paths)
    } else {
        history::Dates::default()
    };
    (
        SiteFiles {
            config,
            documents,
            templates,
            assets,
            data,
            strings,
            dates: history.dates,
            warnings: history.warning.into_iter().collect(),
        },
        errors,
    )
}

/// Reads every `.md` under `content/` (in parallel) and lists the other files as assets.
fn content(
    root: &Path,
    boundary: &Boundary,
    errors: &mut Vec<Error>,
) -> (Vec<Document>, Vec<Asset>) {
    let dir = root.join("content");
    let mut markdown = Vec::new();
    let mut assets = Vec::new();
    // Links inside the site are followed, so a symlinked page is content and a dangling link
    // is an error; hidden folders (.git, .obsidian) are not content.
    for entry in boundary.files(&dir, "content/", errors) {
        let rel = relative(&dir, entry.path());
        if rel.ends_with(".md") {
            markdown.push(rel);
        } else {
            assets.push(Asset {
                dest: content_asset_dest(&rel),
                source: AssetSource::Disk(entry.path().to_path_buf()),
                content_path: Some(rel),
                from_theme: false,
            });
        }
    }
    let read: Vec<Result<Document, Error>> = markdown
        .into_par_iter()
        .map(|rel| read_document(&dir, rel))
        .collect();
    let mut documents = Vec::with_capacity(read.len());
    for r in read {
        match r {
            Ok(d) => documents.push(d),
            Err(e) => errors.push(e),
        }
    }
    (documents, assets)
}

/// Reads every file under `data/` (what each may be is `crate::data`'s rule, so a stray file is
/// reported there, not skipped here).
pub fn data_files(root: &Path, boundary: &Boundary, errors: &mut Vec<Error>) -> Vec<DataFile> {
    let dir = root.join(crate::data::DATA_DIR);
    if !dir.is_dir() {
        return Vec::new();
    }
    let shown = format!("{}/", crate::data::DATA_DIR);
    let mut files = Vec::new();
    for entry in boundary.files(&dir, &shown, errors) {
        let path = relative(&dir, entry.path());
        let file = format!("{shown}{path}");
        if let Some(text) = read_text(entry.path(), &file, errors) {
            files.push(DataFile { path, text });
        }
    }
    files
}

/// The text of the file at `path` (shown as `file` in messages); an unreadable file or one that
/// is not UTF-8 is an error.
fn read_text(path: &Path, file: &str, errors: &mut Vec<Error>) -> Option<String> {
    match fs::read(path).map(String::from_utf8) {
        Ok(Ok(text)) => Some(text),
        Ok(Err(_)) => {
            errors.push(
                Error::new(ErrorKind::NotUtf8, format!("{file} is not valid UTF-8"))
                    .at(Location::file_only(file))
                    .help("save the file as UTF-8"),
            );
            None
        }
        Err(e) => {
            errors.push(
                Error::new(ErrorKind::Unreadable, format!("cannot read {file}: {e}"))
                    .at(Location::file_only(file)),
            );
            None
        }
    }
}

/// The UI strings of the theme (from disk, else the built-in default theme's), then the site's
/// under `i18n/`.
pub fn strings_files(
    root: &Path,
    theme: &str,
    boundary: &Boundary,
    errors: &mut Vec<Error>,
) -> Vec<StringsFile> {
    let dir = crate::i18n::I18N_DIR;
    let mut files = match theme_dir(root, theme) {
        Some(theme_dir) => read_strings(
            &theme_dir.join(dir),
            &format!("themes/{theme}/{dir}/"),
            true,
            boundary,
            errors,
        ),
        None => embedded::FILES
            .iter()
            .filter_map(|(path, bytes)| {
                let name = path.strip_prefix(dir)?.strip_prefix('/')?;
                Some(StringsFile {
                    file: format!("themes/default/{path} (built in)"),
                    name: name.to_string(),
                    text: String::from_utf8_lossy(bytes).into_owned(),
                    from_theme: true,
                })
            })
            .collect(),
    };
    files.extend(read_strings(
        &root.join(dir),
        &format!("{dir}/"),
        false,
        boundary,
        errors,
    ));
    files
}

fn read_strings(
    dir: &Path,
    shown: &str,
    from_theme: bool,
    boundary: &Boundary,
    errors: &mut Vec<Error>,
) -> Vec<StringsFile> {
    if !dir.is_dir() {
        return Vec::new();
    }
    let mut files = Vec::new();
    for entry in boundary.files(dir, shown, errors) {
        let name = relative(dir, entry.path());
        let file = format!("{shown}{name}");
        if let Some(text) = read_text(entry.path(), &file, errors) {
            files.push(StringsFile {
                file,
                name,
                text,
                from_theme,
            });
        }
    }
    files
}

/// Reads one content file; the path in errors is `content/<rel>`.
pub fn read_document(content_dir: &Path, rel: String) -> Result<Document, Error> {
    let shown = format!("content/{rel}");
    let bytes = fs::read(content_dir.join(&rel)).map_err(|e| {
        Error::new(ErrorKind::Unreadable, format!("cannot read {shown}: {e}"))
            .at(Location::file_only(&shown))
    })?;
    match String::from_utf8(bytes) {
        Ok(text) => Ok(Document { path: rel, text }),
        Err(e) => {
            let valid = e.utf8_error().valid_up_to();
            let bytes = e.into_bytes();
            let prefix = String::from_utf8_lossy(&bytes[..valid]).into_owned();
            let lossy = String::from_utf8_lossy(&bytes).into_owned();
            let mut location = Location::new(&shown, &lossy, valid..valid + 1);
            location.column = prefix[prefix.rfind('\n').map_or(0, |i| i + 1)..]
                .chars()
                .count()
                + 1;
            Err(
                Error::new(ErrorKind::NotUtf8, format!("{shown} is not valid UTF-8"))
                    .at(location)
                    .label(format!("invalid byte at offset {valid}"))
                    .help("save the file as UTF-8"),
            )
        }
    }
}

/// Editor backups, swap files and hidden files are never content.
pub fn is_ignored(name: &std::ffi::OsStr) -> bool {
    let name = name.to_string_lossy();
    name.starts_with('.')
        || name.starts_with('#')
        || name.ends_with('~')
        || name.ends_with(".swp")
        || name.ends_with(".swx")
        || name.ends_with(".tmp")
        || name == "4913"
}

/// `path` under `base`, `/`-separated (`path` as it is when not under `base`).
pub(crate) fn relative(base: &Path, path: &Path) -> String {
    // A walked path is `base` + `/` + names: on Unix it is `/`-separated already, and taking
    // the prefix off its bytes skips parsing both paths into components (a tenth of the
    // serial walk of a 30 000-file site).
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let rest = path
            .as_os_str()
            .as_bytes()
            .strip_prefix(base.as_os_str().as_bytes());
        if let Some(Ok(rel)) = rest
            .and_then(|r| r.strip_prefix(b"/"))
            .map(std::str::from_utf8)
        {
            if !base.as_os_str().is_empty() && is_plain(rel) {
                return rel.to_string();
            }
        }
    }
    relative_by_components(base, path)
}

/// [`relative`] the long way, for any path on any platform.
fn relative_by_components(base: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(base).unwrap_or(path);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// Whether `rel` is `/`-separated names with nothing for components() to normalise (no empty,
/// `.` or `..` segment).
#[cfg(unix)]
fn is_plain(rel: &str) -> bool {
    !rel.is_empty() && rel.split('/').all(|s| !matches!(s, "" | "." | ".."))
}

/// A file beside content keeps its name; its folders are slugified like page URLs, so a bundle's
/// images land beside its `index.html`.
fn content_asset_dest(rel: &str) -> String {
    let (dir, name) = rel.rsplit_once('/').unwrap_or(("", rel));
    let mut parts: Vec<String> = dir
        .split('/')
        .filter(|s| !s.is_empty())
        .map(slugify_segment)
        .collect();
    parts.push(name.to_string());
    parts.join("/")
}

/// A file or folder under `dir` that cannot be read (a dangling or looping link, say), shown
/// as `shown` + its path under `dir` (`shown` without its final `/` for `dir` itself).
fn walk_error(dir: &Path, shown: &str, e: &walkdir::Error) -> Error {
    let file = match e.path() {
        Some(p) if p != dir => format!("{shown}{}", relative(dir, p)),
        _ => shown.trim_end_matches('/').to_string(),
    };
    let cause = e.io_error().map_or(e.to_string(), |io| io.to_string());
    Error::new(
        ErrorKind::Unreadable,
        format!("cannot read {file}: {cause}"),
    )
    .at(Location::file_only(&file))
}

fn not_ignored(entry: &walkdir::DirEntry) -> bool {
    entry.depth() == 0 || !is_ignored(entry.file_name())
}

/// Files under `dir` (shown in errors as `shown` + path), by output path; links are followed
/// and a dangling one is an error.
fn disk_assets(
    dir: &Path,
    shown: &str,
    from_theme: bool,
    boundary: &Boundary,
    errors: &mut Vec<Error>,
) -> BTreeMap<String, Asset> {
    let mut out = BTreeMap::new();
    if !dir.is_dir() {
        return out;
    }
    for entry in boundary.files(dir, shown, errors) {
        let dest = relative(dir, entry.path());
        out.insert(
            dest.clone(),
            Asset {
                dest,
                source: AssetSource::Disk(entry.path().to_path_buf()),
                content_path: None,
                from_theme,
            },
        );
    }
    out
}

/// Where site input may come from: the rule for symbolic links and special files, the same
/// for `weft build` and `weft serve`.
#[derive(Clone, Debug)]
pub struct Boundary {
    /// The site's folder, links resolved.
    root: PathBuf,
    /// `allow_links_outside = true` in site.toml.
    allow_outside: bool,
}

impl Boundary {
    pub fn new(root: &Path, config: &Config) -> Boundary {
        Boundary::with(root, config.allow_links_outside)
    }

    /// The rule for the site at `root`, links outside it followed when `allow_outside`.
    pub fn with(root: &Path, allow_outside: bool) -> Boundary {
        Boundary {
            root: root.canonicalize().unwrap_or_else(|_| root.to_path_buf()),
            allow_outside,
        }
    }

    /// The regular files under `dir` (shown in errors as `shown` + path), sorted by name,
    /// links inside the site followed, hidden and editor files skipped. Everything else (a
    /// dangling link, a link leaving the site, a FIFO or device) is an error in `errors`.
    fn files(&self, dir: &Path, shown: &str, errors: &mut Vec<Error>) -> Vec<walkdir::DirEntry> {
        let mut files = Vec::new();
        let mut walk = WalkDir::new(dir)
            .sort_by_file_name()
            .follow_links(true)
            .into_iter()
            .filter_entry(not_ignored);
        while let Some(entry) = walk.next() {
            let entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    errors.push(walk_error(dir, shown, &e));
                    continue;
                }
            };
            // Only errors show the path: made for them, not for each of 30 000 files.
            let file = || shown_path(dir, shown, entry.path());
            if entry.path_is_symlink() {
                if let Err(e) = self.check_link(entry.path(), &file()) {
                    errors.push(e);
                    if entry.file_type().is_dir() {
                        walk.skip_current_dir();
                    }
                    continue;
                }
            }
            let kind = entry.file_type();
            if kind.is_file() {
                files.push(entry);
            } else if !kind.is_dir() {
                errors.push(special_file_error(&file(), kind));
            }
        }
        files
    }

    /// Checks that `path` (shown as `shown`), links resolved, lies inside the site and not in a
    /// hidden file or folder there, unless links outside are allowed.
    pub fn check_link(&self, path: &Path, shown: &str) -> Result<(), Error> {
        let real = path.canonicalize().map_err(|e| {
            Error::new(ErrorKind::Unreadable, format!("cannot read {shown}: {e}"))
                .at(Location::file_only(shown))
        })?;
        if self.allow_outside {
            return Ok(());
        }
        let problem = match real.strip_prefix(&self.root) {
            Err(_) => "outside the site's folder",
            Ok(inside) if inside.components().any(|c| is_hidden(c.as_os_str())) => {
                "to a hidden file or folder of the site"
            }
            Ok(_) => return Ok(()),
        };
        // The link as written is what its author recognises; a link further up shows the
        // path it leads to.
        let target = fs::read_link(path).unwrap_or(real);
        Err(Error::new(
            ErrorKind::Unreadable,
            format!(
                "{shown} is a symbolic link {problem} (to {}), so weft will not publish it",
                target.display()
            ),
        )
        .at(Location::file_only(shown))
        .help(format!(
            "copy the file into the site instead; if publishing what the link points to is meant, set allow_links_outside = true in {CONFIG_FILE}"
        )))
    }

    /// Checks one file of the site by its path, whatever links lie on the way (the serve
    /// loop re-reads single files): the same rule as a walk, and a regular file.
    pub fn check_file(&self, path: &Path, shown: &str) -> Result<(), Error> {
        self.check_link(path, shown)?;
        let kind = fs::metadata(path)
            .map_err(|e| {
                Error::new(ErrorKind::Unreadable, format!("cannot read {shown}: {e}"))
                    .at(Location::file_only(shown))
            })?
            .file_type();
        if kind.is_file() {
            Ok(())
        } else {
            Err(special_file_error(shown, kind))
        }
    }
}

fn is_hidden(name: &std::ffi::OsStr) -> bool {
    name.to_string_lossy().starts_with('.')
}

/// `shown` + the path of `path` under `dir` (`shown` without its final `/` for `dir`).
fn shown_path(dir: &Path, shown: &str, path: &Path) -> String {
    if path == dir {
        shown.trim_end_matches('/').to_string()
    } else {
        format!("{shown}{}", relative(dir, path))
    }
}

/// A FIFO, socket or device where a file was expected: reading it could hang the build or
/// publish a device's bytes.
fn special_file_error(shown: &str, kind: fs::FileType) -> Error {
    Error::new(
        ErrorKind::Unreadable,
        format!("{shown} is {}, not a regular file", special_kind(kind)),
    )
    .at(Location::file_only(shown))
    .help("remove it from the site's folders: weft publishes regular files only")
}

#[cfg(unix)]
fn special_kind(kind: fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if kind.is_fifo() {
        "a named pipe (FIFO)"
    } else if kind.is_socket() {
        "a socket"
    } else if kind.is_block_device() || kind.is_char_device() {
        "a device"
    } else {
        "a special file"
    }
}

#[cfg(not(unix))]
fn special_kind(_kind: fs::FileType) -> &'static str {
    "a special file"
}

/// The theme folder on disk, when the site has one.
fn theme_dir(root: &Path, theme: &str) -> Option<PathBuf> {
    let dir = root.join("themes").join(theme);
    dir.is_dir().then_some(dir)
}

fn theme_static(
    root: &Path,
    theme: &str,
    boundary: &Boundary,
    errors: &mut Vec<Error>,
) -> BTreeMap<String, Asset> {
    match theme_dir(root, theme) {
        Some(dir) => disk_assets(
            &dir.join("static"),
            &format!("themes/{theme}/static/"),
            true,
            boundary,
            errors,
        ),
        None => embedded::FILES
            .iter()
            .filter_map(|(path, bytes)| {
                let dest = path.strip_prefix("static/")?.to_string();
                Some((
                    dest.clone(),
                    Asset {
                        dest,
                        source: AssetSource::Embedded(bytes),
                        content_path: None,
                        from_theme: true,
                    },
                ))
            })
            .collect(),
    }
}

/// Theme templates (from disk, else the built-in default theme), overridden by `templates/`.
fn templates(
    root: &Path,
    theme: &str,
    boundary: &Boundary,
    errors: &mut Vec<Error>,
) -> BTreeMap<String, TemplateSource> {
    let mut out = BTreeMap::new();
    match theme_dir(root, theme) {
        Some(dir) => read_templates(
            &dir.join("templates"),
            &format!("themes/{theme}/templates/"),
            boundary,
            &mut out,
            errors,
        ),
        None if theme == "default" => {
            for (path, bytes) in embedded::FILES {
                if let Some(name) = path.strip_prefix("templates/") {
                    out.insert(
                        name.to_string(),
                        TemplateSource {
                            file: format!("themes/default/{path} (built in)"),
                            text: String::from_utf8_lossy(bytes).into_owned(),
                        },
                    );
                }
            }
        }
        None => errors.push(
            Error::new(ErrorKind::Config, format!("theme \"{theme}\" not found"))
                .at(Location::file_only(CONFIG_FILE))
                .help(format!("add themes/{theme}/ or set theme = \"default\"")),
        ),
    }
    read_templates(
        &root.join("templates"),
        "templates/",
        boundary,
        &mut out,
        errors,
    );
    out
}

fn read_templates(
    dir: &Path,
    shown_prefix: &str,
    boundary: &Boundary,
    out: &mut BTreeMap<String, TemplateSource>,
    errors: &mut Vec<Error>,
) {
    if !dir.is_dir() {
        return;
    }
    // A template linked from inside the site is read like any other (it used to be skipped
    // without a word); one linked from outside is refused like a content file.
    for entry in boundary.files(dir, shown_prefix, errors) {
        let name = relative(dir, entry.path());
        let file = format!("{shown_prefix}{name}");
        match fs::read_to_string(entry.path()) {
            Ok(text) => {
                out.insert(name, TemplateSource { file, text });
            }
            Err(e) => errors.push(
                Error::new(
                    ErrorKind::Unreadable,
                    format!("cannot read template {file}: {e}"),
                )
                .at(Location::file_only(&file)),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_are_what_components_make_of_them() {
        let base = Path::new("/site/content");
        for path in [
            "/site/content/a.md",
            "/site/content/countries/kenya.fr.md",
            "/site/content//countries/./kenya.md",
            "/site/content/../x.md",
            "/site/content/",
            "/site/contents/a.md", // a name's prefix is no parent folder
            "/elsewhere/a.md",
        ] {
            let path = Path::new(path);
            assert_eq!(
                relative(base, path),
                relative_by_components(base, path),
                "{path:?}"
            );
        }
        assert_eq!(relative(base, Path::new("/site/content/a/b.md")), "a/b.md");
        assert_eq!(
            relative(Path::new("content/"), Path::new("content/a/b.md")),
            "a/b.md"
        );
        assert_eq!(relative(Path::new(""), Path::new("a/b.md")), "a/b.md");
    }

    #[test]
    fn editor_temp_files_are_ignored() {
        for name in [".#a.md", "a.md~", ".a.md.swp", "4913", "#a.md#"] {
            assert!(is_ignored(std::ffi::OsStr::new(name)), "{name}");
        }
        assert!(!is_ignored(std::ffi::OsStr::new("a.md")));
    }

    #[test]
    fn bundle_assets_follow_the_page_url() {
        assert_eq!(
            content_asset_dest("Pro Grammes/ipec/map.png"),
            "pro-grammes/ipec/map.png"
        );
        assert_eq!(content_asset_dest("logo.svg"), "logo.svg");
    }

    #[test]
    fn the_built_in_theme_has_the_base_templates() {
        let names: Vec<&str> = embedded::FILES.iter().map(|(p, _)| *p).collect();
        for t in [
            "templates/base.html",
            "templates/page.html",
            "templates/section.html",
        ] {
            assert!(names.contains(&t), "{t} missing from {names:?}");
        }
    }
}
