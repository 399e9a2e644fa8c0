//! Writes a built site into the output folder; the only module that writes there.
//!
//! A build writes as it renders, so that a large site is never held in memory whole: each file
//! goes into a staging folder inside the output folder ([`Staging`], a [`Sink`]) as soon as it
//! is made, and only once the whole site rendered without error are the staged files moved
//! into place ([`Staging::commit`]). A failed build removes the staging folder and so never
//! touches the previous output. Into a previous output, only files whose bytes changed are
//! staged (each compared with the file in place as soon as it is rendered).
//!
//! What weft may touch there is what it wrote: the manifest ([`MARKER`], kept in the output
//! folder) lists every file of the last build, and only those are ever replaced or removed. A
//! file weft did not write is refused, never overwritten; a symbolic link in the output folder
//! is never written through; and the output folder may never be, hold or lie inside one of the
//! site's own folders (its root, `content/`, `templates/`, `static/`, `data/`, `themes/`),
//! whatever marker it holds (docs/operators.md, "What weft will not do to your files").

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fs;
use std::io;
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use rayon::prelude::*;
use walkdir::WalkDir;

use crate::error::{Error, ErrorKind, Errors, Location};
use crate::load::{relative, Asset, AssetSource};
use crate::render::{Output, Sink};

/// The manifest: marks a folder as weft's output and lists the files weft wrote there.
pub const MARKER: &str = ".weft-output";

/// The manifest's first line; a marker without it is not a manifest.
const MANIFEST_HEADER: &str =
    "# weft output manifest: the files weft wrote in this folder, one a line.";

/// What weft 0.1's builds wrote into the marker before there was a manifest: such a folder was
/// emptied of everything else by every build, so its files are weft's to replace (not remove).
const LEGACY_MARKER: &str = "This folder is written by weft; it may be emptied by weft build.\n";

/// The staging folder's name inside the output folder, before the process id.
const STAGING_PREFIX: &str = ".weft-staging-";

/// The site's own folders, which an output folder may not be, hold, or lie inside.
const INPUT_FOLDERS: [&str; 5] = ["content", "templates", "static", "data", "themes"];

/// What a write did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WriteStats {
    pub written: usize,
    pub unchanged: usize,
    pub removed: usize,
}

/// Brings `out_dir` to `outputs` plus `assets` (outputs win over assets on one path), for the
/// site at `site_root`.
pub fn all(
    out_dir: &Path,
    site_root: &Path,
    outputs: &[Output],
    assets: &BTreeMap<String, Asset>,
) -> Result<WriteStats, Errors> {
    let staging = Staging::begin(out_dir, site_root).map_err(|e| Errors(vec![e]))?;
    outputs
        .par_iter()
        .try_for_each(|o| staging.stage(&o.path, &o.bytes))
        .map_err(|e| Errors(vec![e]))?;
    staging.commit(assets)
}

/// Which files already in the output folder weft may replace or remove.
#[derive(Debug)]
enum Previous {
    /// The folder was missing or empty.
    Nothing,
    /// The files listed in the manifest.
    Listed(HashSet<String>),
    /// A folder marked by an older weft: its files may be replaced, none is removed.
    Legacy,
}

/// An output folder being written: files are staged as they come, then moved into place by
/// [`Staging::commit`]. Dropped without a commit, it leaves the folder as it found it.
pub struct Staging {
    out_dir: PathBuf,
    /// `<out_dir>/.weft-staging-<pid>`: inside the output folder, so that moving a file into
    /// place is a rename on one file system even when the output folder is a mount point.
    dir: PathBuf,
    previous: Previous,
    /// Symbolic links found in the output folder (relative paths): never written through.
    links: Vec<String>,
    /// The output folder did not exist (a failed build removes it again).
    created: bool,
    /// Every path the build produced, staged or unchanged.
    produced: Mutex<Vec<String>>,
    /// The paths staged (new or changed).
    staged: Mutex<Vec<String>>,
    /// Files weft would have to replace but did not write, or reach through a link.
    refused: Mutex<Vec<Error>>,
    unchanged: AtomicUsize,
    committed: bool,
}

impl Sink for Staging {
    fn put(&self, output: Output) -> Result<Option<Output>, Error> {
        self.stage(&output.path, &output.bytes)?;
        Ok(None)
    }
}

impl Staging {
    /// Checks that `out_dir` may be written for the site at `site_root` (it is none of the
    /// site's folders, and is missing, empty, or weft's) and makes its staging folder. A
    /// staging folder left by a build that was killed is removed first.
    pub fn begin(out_dir: &Path, site_root: &Path) -> Result<Staging, Error> {
        refuse_site_folders(out_dir, site_root)?;
        if out_dir.exists() && !out_dir.is_dir() {
            return Err(Error::new(
                ErrorKind::Io,
                format!(
                    "refusing to write the site into {}: it is a file, not a folder",
                    out_dir.display()
                ),
            )
            .help("choose a folder with --output (a new one, or one weft wrote before)"));
        }
        let previous = previous_output(out_dir)?;
        remove_leftover_staging(out_dir)?;
        let links = match previous {
            Previous::Nothing => Vec::new(),
            _ => links_in(out_dir),
        };
        let created = !out_dir.exists();
        fs::create_dir_all(out_dir).map_err(|e| io_error(out_dir, e))?;
        let dir = out_dir.join(format!("{STAGING_PREFIX}{}", std::process::id()));
        fs::create_dir(&dir).map_err(|e| io_error(&dir, e))?;
        Ok(Staging {
            out_dir: out_dir.to_path_buf(),
            dir,
            previous,
            links,
            created,
            produced: Mutex::default(),
            staged: Mutex::default(),
            refused: Mutex::default(),
            unchanged: AtomicUsize::new(0),
            committed: false,
        })
    }

    /// Stages `bytes` for `path` (`/`-separated, relative), unless the output already holds
    /// them. A file in the way that weft did not write, or a link on the way, is refused (all
    /// refusals are reported by [`Staging::commit`]).
    pub fn stage(&self, path: &str, bytes: &[u8]) -> Result<(), Error> {
        self.produced.lock().expect("lock").push(path.to_string());
        if !matches!(self.previous, Previous::Nothing) {
            if let Some(refusal) = self.refusal(path) {
                self.refused.lock().expect("lock").push(refusal);
                return Ok(());
            }
            if holds(&self.out_dir.join(path), bytes) {
                self.unchanged.fetch_add(1, Ordering::Relaxed);
                return Ok(());
            }
        }
        let dest = self.dir.join(path);
        // Errors name the file in the output folder, never the staging folder.
        let shown = self.out_dir.join(path);
        // The staging folder starts empty and most pages are alone in their folder: make it
        // first (one `mkdir`) rather than after a failed write.
        if let Some(parent) = dest.parent() {
            fs::create_dir_all(parent).map_err(|e| io_error(&shown, e))?;
        }
        fs::write(&dest, bytes).map_err(|e| io_error(&shown, e))?;
        self.staged.lock().expect("lock").push(path.to_string());
        Ok(())
    }

    /// Why `path` may not be written in the previous output: a link on its way, or a file
    /// there that weft did not write.
    fn refusal(&self, path: &str) -> Option<Error> {
        if let Some(link) = self.links.iter().find(|l| is_at_or_under(path, l)) {
            return Some(link_refusal(&self.out_dir, link));
        }
        let owned = match &self.previous {
            Previous::Listed(files) => files.contains(path),
            Previous::Legacy | Previous::Nothing => true,
        };
        let target = self.out_dir.join(path);
        if owned || fs::symlink_metadata(&target).is_err() {
            return None;
        }
        Some(
            Error::new(
                ErrorKind::Io,
                format!(
                    "refusing to replace {}: weft did not write it",
                    target.display()
                ),
            )
            .at(Location::file_only(&target.display().to_string()))
            .help(format!(
                "the site makes a file at this path; move the one in the output folder away (into static/, if it should be published as it is), or choose another output folder. {MARKER} lists the files weft wrote"
            )),
        )
    }

    /// Copies the assets no output replaced, moves the staged files into place, removes the
    /// files of the previous output that this build did not make, and writes the manifest.
    pub fn commit(mut self, assets: &BTreeMap<String, Asset>) -> Result<WriteStats, Errors> {
        // The outputs are taken out while the copies stage (and list) themselves, then put back:
        // no copy of every path is made.
        let mut produced = std::mem::take(&mut *self.produced.lock().expect("lock"));
        let copies: Vec<&Asset> = {
            let outputs: HashSet<&str> = produced.iter().map(String::as_str).collect();
            assets
                .values()
                .filter(|a| !outputs.contains(a.dest.as_str()))
                .collect()
        };
        copies
            .par_iter()
            .try_for_each(|a| self.copy_asset(a))
            .map_err(|e| Errors(vec![e]))?;
        produced.append(&mut self.produced.lock().expect("lock"));
        *self.produced.lock().expect("lock") = produced;
        let refused = std::mem::take(&mut *self.refused.lock().expect("lock"));
        if !refused.is_empty() {
            return Err(Errors::sorted(refused));
        }
        self.move_into_place().map_err(|e| Errors(vec![e]))?;
        self.finish().map_err(|e| Errors(vec![e]))
    }

    /// Moves the staged files into place, after recording them in the manifest (so that a
    /// build killed half-way leaves a manifest listing every file it may have written).
    fn move_into_place(&mut self) -> Result<(), Error> {
        {
            let produced = self.produced.lock().expect("lock");
            let mut listed: BTreeSet<&str> = produced.iter().map(String::as_str).collect();
            if let Previous::Listed(before) = &self.previous {
                listed.extend(before.iter().map(String::as_str));
            }
            write_manifest(&self.out_dir, listed)?;
        }
        let staged = std::mem::take(&mut *self.staged.lock().expect("lock"));
        if matches!(self.previous, Previous::Nothing) {
            // Everything is staged: move the staging folder's top-level entries, a few renames.
            for entry in fs::read_dir(&self.dir).map_err(|e| io_error(&self.dir, e))? {
                let name = entry.map_err(|e| io_error(&self.dir, e))?.file_name();
                let to = self.out_dir.join(&name);
                fs::rename(self.dir.join(&name), &to).map_err(|e| io_error(&to, e))?;
            }
        } else {
            let staged: Vec<&str> = staged.iter().map(String::as_str).collect();
            make_folders(&self.out_dir, &folders_of(&staged))?;
            staged.par_iter().try_for_each(|p| {
                let to = self.out_dir.join(p);
                fs::rename(self.dir.join(p), &to).map_err(|e| io_error(&to, e))
            })?;
        }
        fs::remove_dir_all(&self.dir).map_err(|e| io_error(&self.dir, e))?;
        self.committed = true;
        Ok(())
    }

    /// Removes the files the previous build wrote and this one did not, and lists this
    /// build's files in the manifest.
    fn finish(&mut self) -> Result<WriteStats, Error> {
        let produced = std::mem::take(&mut *self.produced.lock().expect("lock"));
        let mut stats = WriteStats {
            written: produced.len() - self.unchanged.load(Ordering::Relaxed),
            unchanged: self.unchanged.load(Ordering::Relaxed),
            removed: 0,
        };
        let Previous::Listed(before) = &self.previous else {
            // Nothing listed before: the manifest written before the move lists exactly this
            // build's files already.
            return Ok(stats);
        };
        let produced_set: HashSet<&str> = produced.iter().map(String::as_str).collect();
        let stale: Vec<&str> = before
            .iter()
            .map(String::as_str)
            .filter(|p| !produced_set.contains(p))
            .filter(|p| !self.links.iter().any(|l| is_at_or_under(p, l)))
            .collect();
        stats.removed = remove_stale(&self.out_dir, &stale)?;
        write_manifest(&self.out_dir, produced_set.into_iter().collect())?;
        Ok(stats)
    }

    fn copy_asset(&self, asset: &Asset) -> Result<(), Error> {
        match &asset.source {
            AssetSource::Embedded(bytes) => self.stage(&asset.dest, bytes),
            AssetSource::Disk(src) => {
                let bytes = fs::read(src).map_err(|e| read_error(src, e))?;
                self.stage(&asset.dest, &bytes)
            }
        }
    }
}

impl Drop for Staging {
    /// Without a commit (an error, a panic), the staged files go and the folder is as it was.
    fn drop(&mut self) {
        if self.committed {
            return;
        }
        let _ = fs::remove_dir_all(&self.dir);
        if self.created {
            let _ = fs::remove_dir(&self.out_dir);
        }
    }
}

/// Refuses an output folder that is, holds, or lies inside one of the site's own folders:
/// cleaning or writing it could destroy the site's sources, whatever marker it carries.
fn refuse_site_folders(out_dir: &Path, site_root: &Path) -> Result<(), Error> {
    let out = resolve(out_dir);
    let root = resolve(site_root);
    let mut inputs: Vec<(String, PathBuf)> = vec![("the site's folder".into(), root.clone())];
    for name in INPUT_FOLDERS {
        inputs.push((
            format!("the site's {name}/ folder"),
            resolve(&root.join(name)),
        ));
    }
    // A theme may be a link to a folder elsewhere; that folder is an input too.
    if let Ok(entries) = fs::read_dir(root.join("themes")) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            inputs.push((format!("the theme themes/{name}/"), resolve(&entry.path())));
        }
    }
    for (what, input) in &inputs {
        let relation = if out == *input {
            "is"
        } else if input.starts_with(&out) {
            "holds"
        } else if *input != root && out.starts_with(input) {
            "lies inside"
        } else {
            continue;
        };
        return Err(Error::new(
            ErrorKind::Io,
            format!(
                "refusing to write the site into {}: that folder {relation} {what}",
                out_dir.display()
            ),
        )
        .help("choose an output folder of its own, such as public/ (the default): weft replaces and removes files there"));
    }
    Ok(())
}

/// `path` made absolute, with `.` and `..` applied and links resolved as far as it exists.
fn resolve(path: &Path) -> PathBuf {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut out = PathBuf::new();
    for component in absolute.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => {
                out.push(other);
                if let Ok(real) = out.canonicalize() {
                    out = real;
                }
            }
        }
    }
    out
}

/// What the folder holds already: nothing (missing, empty, or only a killed build's staging
/// folder), weft's previous output, or someone else's files (refused).
fn previous_output(out_dir: &Path) -> Result<Previous, Error> {
    let Ok(entries) = fs::read_dir(out_dir) else {
        return Ok(Previous::Nothing);
    };
    let has_files = entries
        .flatten()
        .any(|e| !is_staging_folder(&e.file_name().to_string_lossy()));
    if !has_files {
        return Ok(Previous::Nothing);
    }
    match fs::read_to_string(out_dir.join(MARKER)) {
        // Only plain relative paths are taken from it: a manifest is a file in a folder anyone
        // may write (a pull request, say), and `../../.ssh/id_rsa` must never be "stale".
        Ok(text) if text.starts_with(MANIFEST_HEADER) => Ok(Previous::Listed(
            text.lines()
                .filter(|l| !l.starts_with('#') && is_plain_relative(l))
                .map(str::to_string)
                .collect(),
        )),
        Ok(text) if text == LEGACY_MARKER => Ok(Previous::Legacy),
        _ => Err(Error::new(
            ErrorKind::Io,
            format!(
                "refusing to write into {}: it is not empty and weft did not make it",
                out_dir.display()
            ),
        )
        .help("choose an empty or new folder with --output (weft replaces and removes files in its output folder, so it only writes where it wrote before)")),
    }
}

/// Writes the manifest listing `files`, through a temporary file so it is never half-written.
fn write_manifest(out_dir: &Path, files: BTreeSet<&str>) -> Result<(), Error> {
    let mut text = String::with_capacity(files.len() * 32 + 256);
    text.push_str(MANIFEST_HEADER);
    text.push_str(
        "\n# weft build replaces or removes only these; anything else here is left alone.\n",
    );
    for file in files {
        text.push_str(file);
        text.push('\n');
    }
    let path = out_dir.join(MARKER);
    let temporary = out_dir.join(format!("{MARKER}.new"));
    fs::write(&temporary, text).map_err(|e| io_error(&path, e))?;
    fs::rename(&temporary, &path).map_err(|e| io_error(&path, e))
}

/// A path weft could have written: `/`-separated, relative, no empty, `.`, `..` or hidden
/// segment, no backslash or NUL.
fn is_plain_relative(path: &str) -> bool {
    !path.is_empty()
        && !path.contains(['\\', '\0'])
        && path
            .split('/')
            .all(|s| !s.is_empty() && !s.starts_with('.'))
}

fn is_staging_folder(name: &str) -> bool {
    name.strip_prefix(STAGING_PREFIX)
        .is_some_and(|pid| !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit()))
}

/// Removes `.weft-staging-<pid>` folders that a killed build left in `out_dir`.
fn remove_leftover_staging(out_dir: &Path) -> Result<(), Error> {
    let Ok(entries) = fs::read_dir(out_dir) else {
        return Ok(());
    };
    for entry in entries.flatten() {
        let is_folder = entry.file_type().is_ok_and(|t| t.is_dir());
        if is_folder && is_staging_folder(&entry.file_name().to_string_lossy()) {
            let path = entry.path();
            fs::remove_dir_all(&path).map_err(|e| io_error(&path, e))?;
        }
    }
    Ok(())
}

/// The symbolic links in `out_dir` (not followed), as relative `/`-separated paths.
fn links_in(out_dir: &Path) -> Vec<String> {
    WalkDir::new(out_dir)
        .min_depth(1)
        .into_iter()
        .filter_entry(|e| !is_staging_folder(&e.file_name().to_string_lossy()))
        .flatten()
        .filter(|e| e.path_is_symlink())
        .map(|e| relative(out_dir, e.path()))
        .collect()
}

/// Whether `path` is `folder` or lies under it (both relative, `/`-separated).
fn is_at_or_under(path: &str, folder: &str) -> bool {
    path.strip_prefix(folder)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

fn link_refusal(out_dir: &Path, link: &str) -> Error {
    let path = out_dir.join(link);
    let target = fs::read_link(&path).map_or_else(|_| "?".into(), |t| t.display().to_string());
    Error::new(
        ErrorKind::Io,
        format!(
            "refusing to write through {}: it is a symbolic link (to {target})",
            path.display()
        ),
    )
    .at(Location::file_only(&path.display().to_string()))
    .help("weft writes only real files and folders in its output folder, so it never changes a file elsewhere: remove the link, or choose another output folder")
}

/// Every folder that holds one of `paths` (`/`-separated, relative), parents before children.
fn folders_of(paths: &[&str]) -> Vec<String> {
    let mut dirs: HashSet<&str> = HashSet::new();
    for path in paths {
        let mut rest = *path;
        while let Some(i) = rest.rfind('/') {
            rest = &rest[..i];
            if !dirs.insert(rest) {
                break; // its parents are in already
            }
        }
    }
    let mut dirs: Vec<String> = dirs.into_iter().map(str::to_string).collect();
    dirs.sort_by(|a, b| {
        (a.matches('/').count(), a.as_str()).cmp(&(b.matches('/').count(), b.as_str()))
    });
    dirs
}

/// Makes `dirs` (sorted parents first) under `out_dir`, one depth at a time, in parallel.
fn make_folders(out_dir: &Path, dirs: &[String]) -> Result<(), Error> {
    for depth in dirs.chunk_by(|a, b| a.matches('/').count() == b.matches('/').count()) {
        depth.par_iter().try_for_each(|d| {
            let path = out_dir.join(d);
            match fs::create_dir(&path) {
                Ok(()) => Ok(()),
                Err(_) if path.is_dir() => Ok(()),
                Err(e) => Err(io_error(&path, e)),
            }
        })?;
    }
    Ok(())
}

/// Whether the file at `path` holds exactly `bytes`.
fn holds(path: &Path, bytes: &[u8]) -> bool {
    use std::io::Read;
    // Only a regular file is opened: opening a named pipe put there would wait forever.
    if !fs::symlink_metadata(path).is_ok_and(|m| m.is_file()) {
        return false;
    }
    let Ok(file) = fs::File::open(path) else {
        return false;
    };
    if !file.metadata().is_ok_and(|m| m.len() == bytes.len() as u64) {
        return false;
    }
    // One byte more than expected, to see a file that grew since its metadata was read.
    let mut old = Vec::with_capacity(bytes.len() + 1);
    file.take(bytes.len() as u64 + 1)
        .read_to_end(&mut old)
        .is_ok_and(|_| old == bytes)
}

/// Removes the regular files at `stale` (relative paths weft wrote), then the folders that
/// removing them left empty. A path that is now a link or a folder is left alone.
fn remove_stale(out_dir: &Path, stale: &[&str]) -> Result<usize, Error> {
    let mut removed = 0;
    for path in stale {
        let full = out_dir.join(path);
        if fs::symlink_metadata(&full).is_ok_and(|m| m.is_file()) {
            fs::remove_file(&full).map_err(|e| io_error(&full, e))?;
            removed += 1;
        }
    }
    for dir in folders_of(stale).iter().rev() {
        let _ = fs::remove_dir(out_dir.join(dir)); // fails, as it should, when not empty
    }
    Ok(removed)
}

fn io_error(path: &Path, e: io::Error) -> Error {
    let shown = path.display().to_string();
    Error::new(ErrorKind::Io, format!("cannot write {shown}: {e}")).at(Location::file_only(&shown))
}

fn read_error(path: &Path, e: io::Error) -> Error {
    let shown = path.display().to_string();
    Error::new(ErrorKind::Io, format!("cannot read {shown}: {e}")).at(Location::file_only(&shown))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A site folder that none of these tests' output folders touches.
    const SITE: &str = "/nonexistent/site";

    /// `write::all` of `outputs` (no assets) for a site none of these output folders touches.
    fn write_outputs(out: &Path, outputs: &[Output]) -> Result<WriteStats, Errors> {
        all(out, Path::new(SITE), outputs, &BTreeMap::new())
    }

    fn output(path: &str, text: &str) -> Output {
        Output {
            path: path.into(),
            bytes: text.as_bytes().to_vec(),
        }
    }

    #[test]
    fn rewrites_only_changed_files_and_removes_stale_ones() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        let first = write_outputs(
            &out,
            &[output("a/index.html", "A"), output("b/index.html", "B")],
        )
        .unwrap();
        assert_eq!(first.written, 2);
        let second = write_outputs(&out, &[output("a/index.html", "A2")]).unwrap();
        assert_eq!(
            (second.written, second.unchanged, second.removed),
            (1, 0, 1)
        );
        assert!(!out.join("b").exists());
        assert_eq!(fs::read_to_string(out.join("a/index.html")).unwrap(), "A2");
    }

    #[test]
    fn makes_nested_folders_and_removes_folders_left_empty() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        let first = write_outputs(
            &out,
            &[
                output("a/b/c/index.html", "C"),
                output("a/index.html", "A"),
                output("x/y/index.html", "Y"),
            ],
        )
        .unwrap();
        assert_eq!((first.written, first.unchanged), (3, 0));
        let second = write_outputs(
            &out,
            &[output("a/b/c/index.html", "C"), output("a/index.html", "A")],
        )
        .unwrap();
        assert_eq!(
            (second.written, second.unchanged, second.removed),
            (0, 2, 1)
        );
        assert!(!out.join("x").exists());
        assert_eq!(
            fs::read_to_string(out.join("a/b/c/index.html")).unwrap(),
            "C"
        );
    }

    #[test]
    fn refuses_a_foreign_non_empty_folder_even_with_a_marker_the_user_made() {
        for marker in [None, Some("")] {
            let dir = tempfile::tempdir().unwrap();
            fs::write(dir.path().join("precious.txt"), "x").unwrap();
            if let Some(text) = marker {
                fs::write(dir.path().join(MARKER), text).unwrap();
            }
            let err = write_outputs(dir.path(), &[output("index.html", "x")]).unwrap_err();
            let message = &err.0[0].message;
            assert!(
                message.ends_with("it is not empty and weft did not make it"),
                "{message}"
            );
            assert!(dir.path().join("precious.txt").exists());
        }
    }

    #[test]
    fn a_staging_dropped_without_commit_leaves_the_folder_as_it_was() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing");
        let staging = Staging::begin(&missing, Path::new(SITE)).unwrap();
        staging.stage("a/index.html", b"A").unwrap();
        drop(staging);
        assert!(!missing.exists());

        let out = dir.path().join("public");
        write_outputs(&out, &[output("a/index.html", "A")]).unwrap();
        let before = listing(&out);
        let staging = Staging::begin(&out, Path::new(SITE)).unwrap();
        staging.stage("a/index.html", b"A2").unwrap();
        staging.stage("b/index.html", b"B").unwrap();
        drop(staging);
        assert_eq!(listing(&out), before);
        assert_eq!(fs::read_to_string(out.join("a/index.html")).unwrap(), "A");
    }

    #[test]
    fn a_staging_folder_left_by_a_killed_build_is_cleared() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        fs::create_dir_all(out.join(".weft-staging-999999/a")).unwrap();
        fs::write(out.join(".weft-staging-999999/a/index.html"), "half").unwrap();
        let stats = write_outputs(&out, &[output("index.html", "x")]).unwrap();
        assert_eq!(stats.written, 1);
        assert_eq!(listing(&out), [".weft-output", "index.html"]);
    }

    #[test]
    fn files_weft_did_not_write_are_neither_removed_nor_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        write_outputs(&out, &[output("a/index.html", "A")]).unwrap();
        fs::write(out.join("CNAME"), "docs.example.org").unwrap();
        fs::write(out.join("a/notes.txt"), "mine").unwrap();
        let stats = write_outputs(&out, &[output("b/index.html", "B")]).unwrap();
        assert_eq!(stats.removed, 1, "only a/index.html, which weft wrote");
        assert_eq!(
            fs::read_to_string(out.join("CNAME")).unwrap(),
            "docs.example.org"
        );
        assert_eq!(fs::read_to_string(out.join("a/notes.txt")).unwrap(), "mine");

        fs::write(out.join("c.html"), "mine too").unwrap();
        let err = write_outputs(&out, &[output("c.html", "C")]).unwrap_err();
        let message = &err.0[0].message;
        assert!(
            message.starts_with("refusing to replace ")
                && message.ends_with("c.html: weft did not write it"),
            "{message}"
        );
        assert_eq!(fs::read_to_string(out.join("c.html")).unwrap(), "mine too");
        assert!(
            out.join("b/index.html").exists(),
            "a refused build changes nothing"
        );
    }

    #[test]
    fn a_manifest_naming_paths_outside_the_output_folder_removes_nothing_there() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        write_outputs(&out, &[output("index.html", "i")]).unwrap();
        let precious = dir.path().join("precious.txt");
        fs::write(&precious, "keep").unwrap();
        fs::create_dir_all(out.join(".git")).unwrap();
        fs::write(out.join(".git/config"), "keep").unwrap();
        let forged = format!(
            "{MANIFEST_HEADER}\nindex.html\n../precious.txt\n{}\n.git/config\na/../../precious.txt\n",
            precious.display()
        );
        fs::write(out.join(MARKER), forged).unwrap();
        write_outputs(&out, &[output("other.html", "o")]).unwrap();
        assert_eq!(fs::read_to_string(&precious).unwrap(), "keep");
        assert_eq!(fs::read_to_string(out.join(".git/config")).unwrap(), "keep");
        assert!(
            !out.join("index.html").exists(),
            "the plain entry was weft's and is stale"
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_named_pipe_where_an_output_goes_does_not_hang_the_build() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        write_outputs(&out, &[output("index.html", "i")]).unwrap();
        fs::remove_file(out.join("index.html")).unwrap();
        let status = std::process::Command::new("mkfifo")
            .arg(out.join("index.html"))
            .status()
            .unwrap();
        assert!(status.success());
        // Replaced by the regular file, without waiting for a writer to open the pipe.
        write_outputs(&out, &[output("index.html", "i")]).unwrap();
        assert_eq!(fs::read_to_string(out.join("index.html")).unwrap(), "i");
    }

    #[test]
    fn a_folder_marked_by_an_older_weft_is_written_but_not_emptied() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        fs::create_dir_all(&out).unwrap();
        fs::write(out.join(MARKER), LEGACY_MARKER).unwrap();
        fs::write(out.join("index.html"), "old").unwrap();
        fs::write(out.join("old.html"), "old").unwrap();
        write_outputs(&out, &[output("index.html", "new")]).unwrap();
        assert_eq!(fs::read_to_string(out.join("index.html")).unwrap(), "new");
        assert!(out.join("old.html").exists());
        let manifest = fs::read_to_string(out.join(MARKER)).unwrap();
        assert!(
            manifest.starts_with(MANIFEST_HEADER) && manifest.ends_with("\nindex.html\n"),
            "{manifest}"
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_link_in_the_output_folder_is_never_written_through() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        write_outputs(
            &out,
            &[output("css/site.css", "a{}"), output("old/x.html", "x")],
        )
        .unwrap();
        let elsewhere = dir.path().join("elsewhere");
        fs::create_dir_all(&elsewhere).unwrap();
        fs::write(elsewhere.join("site.css"), "foreign").unwrap();
        fs::write(elsewhere.join("x.html"), "foreign").unwrap();
        fs::remove_dir_all(out.join("css")).unwrap();
        fs::remove_dir_all(out.join("old")).unwrap();
        std::os::unix::fs::symlink(&elsewhere, out.join("css")).unwrap();
        std::os::unix::fs::symlink(&elsewhere, out.join("old")).unwrap();

        let err = write_outputs(&out, &[output("css/site.css", "b{}")]).unwrap_err();
        let message = &err.0[0].message;
        assert!(
            message.starts_with("refusing to write through ")
                && message.contains("css: it is a symbolic link (to "),
            "{message}"
        );
        assert_eq!(
            fs::read_to_string(elsewhere.join("site.css")).unwrap(),
            "foreign"
        );

        // A stale file weft once wrote, now behind a link, is not removed through it either.
        write_outputs(&out, &[output("index.html", "i")]).unwrap();
        assert_eq!(
            fs::read_to_string(elsewhere.join("x.html")).unwrap(),
            "foreign"
        );
        assert_eq!(
            fs::read_to_string(elsewhere.join("site.css")).unwrap(),
            "foreign"
        );
    }

    #[test]
    fn the_output_folder_may_not_be_hold_or_lie_inside_a_site_folder() {
        let dir = tempfile::tempdir().unwrap();
        let site = dir.path().join("site");
        fs::create_dir_all(site.join("content/notes")).unwrap();
        fs::create_dir_all(site.join("static")).unwrap();
        fs::write(site.join("site.toml"), "title = 'x'").unwrap();
        fs::write(site.join(MARKER), "").unwrap();
        for (out, relation) in [
            (site.clone(), "is the site's folder"),
            (site.join("content"), "is the site's content/ folder"),
            (
                site.join("content/../static/./"),
                "is the site's static/ folder",
            ),
            (site.join(".."), "holds the site's folder"),
            (
                site.join("content/notes/out"),
                "lies inside the site's content/ folder",
            ),
            (
                site.join("themes/mine"),
                "lies inside the site's themes/ folder",
            ),
        ] {
            let err = Staging::begin(&out, &site).err().unwrap();
            assert!(
                err.message.ends_with(&format!("that folder {relation}")),
                "{}: {}",
                out.display(),
                err.message
            );
        }
        assert!(site.join("site.toml").exists());
        assert!(Staging::begin(&site.join("public"), &site).is_ok());
    }

    /// Every file and folder under `dir`, relative, sorted.
    fn listing(dir: &Path) -> Vec<String> {
        let mut paths: Vec<String> = WalkDir::new(dir)
            .min_depth(1)
            .into_iter()
            .map(|e| {
                let e = e.unwrap();
                e.path().strip_prefix(dir).unwrap().display().to_string()
            })
            .collect();
        paths.sort();
        paths
    }
}
