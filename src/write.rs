//! Writes a built site into the output folder; the only module that writes there.
//!
//! A build writes as it renders, so that a large site is never held in memory whole: each file
//! goes into a staging folder inside the output folder ([`Staging`], a [`Sink`]) as soon as it
//! is made, and only once the whole site rendered without error are the staged files moved
//! into place ([`Staging::commit`]). A failed build removes the staging folder and so never
//! touches the previous output. Into a previous output, only files whose bytes changed are
//! staged (each compared with the file in place as soon as it is rendered), files the new build
//! no longer has are removed, and a non-empty folder that weft did not create is refused.

use std::collections::{BTreeMap, HashSet};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use rayon::prelude::*;
use walkdir::WalkDir;

use crate::error::{Error, ErrorKind, Location};
use crate::load::{Asset, AssetSource};
use crate::render::{Output, Sink};

/// Marks a folder as weft's output, so it may be cleaned on the next build.
pub const MARKER: &str = ".weft-output";

/// The staging folder's name inside the output folder, before the process id.
const STAGING_PREFIX: &str = ".weft-staging-";

/// What a write did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WriteStats {
    pub written: usize,
    pub unchanged: usize,
    pub removed: usize,
}

/// Brings `out_dir` to exactly `outputs` plus `assets` (outputs win over assets on one path).
pub fn all(
    out_dir: &Path,
    outputs: &[Output],
    assets: &BTreeMap<String, Asset>,
) -> Result<WriteStats, Error> {
    let staging = Staging::begin(out_dir)?;
    outputs
        .par_iter()
        .try_for_each(|o| staging.stage(&o.path, &o.bytes))?;
    staging.commit(assets)
}

/// An output folder being written: files are staged as they come, then moved into place by
/// [`Staging::commit`]. Dropped without a commit, it leaves the folder as it found it.
pub struct Staging {
    out_dir: PathBuf,
    /// `<out_dir>/.weft-staging-<pid>`: inside the output folder, so that moving a file into
    /// place is a rename on one file system even when the output folder is a mount point.
    dir: PathBuf,
    /// The output folder was missing or empty: everything is new, nothing is compared.
    fresh: bool,
    /// The output folder did not exist (a failed build removes it again).
    created: bool,
    /// Every path the build produced, staged or unchanged.
    produced: Mutex<Vec<String>>,
    /// The paths staged (new or changed).
    staged: Mutex<Vec<String>>,
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
    /// Checks that `out_dir` may be written (missing, empty, or weft's) and makes its staging
    /// folder. A staging folder left by a build that was killed is removed first.
    pub fn begin(out_dir: &Path) -> Result<Staging, Error> {
        remove_leftover_staging(out_dir)?;
        let fresh = check_is_ours(out_dir)?;
        let created = !out_dir.exists();
        fs::create_dir_all(out_dir).map_err(|e| io_error(out_dir, e))?;
        let dir = out_dir.join(format!("{STAGING_PREFIX}{}", std::process::id()));
        fs::create_dir(&dir).map_err(|e| io_error(&dir, e))?;
        Ok(Staging {
            out_dir: out_dir.to_path_buf(),
            dir,
            fresh,
            created,
            produced: Mutex::default(),
            staged: Mutex::default(),
            unchanged: AtomicUsize::new(0),
            committed: false,
        })
    }

    /// Stages `bytes` for `path` (`/`-separated, relative), unless the output already holds them.
    pub fn stage(&self, path: &str, bytes: &[u8]) -> Result<(), Error> {
        self.produced.lock().expect("lock").push(path.to_string());
        if !self.fresh && holds(&self.out_dir.join(path), bytes) {
            self.unchanged.fetch_add(1, Ordering::Relaxed);
            return Ok(());
        }
        let dest = self.dir.join(path);
        // The staging folder starts empty and most pages are alone in their folder: make it
        // first (one `mkdir`) rather than after a failed write.
        if let Some(parent) = dest.parent() {
            fs::create_dir_all(parent).map_err(|e| io_error(parent, e))?;
        }
        fs::write(&dest, bytes).map_err(|e| io_error(&dest, e))?;
        self.staged.lock().expect("lock").push(path.to_string());
        Ok(())
    }

    /// Copies the assets no output replaced, moves the staged files into place, removes the
    /// files of the previous output that this build did not make, and marks the folder.
    pub fn commit(mut self, assets: &BTreeMap<String, Asset>) -> Result<WriteStats, Error> {
        let produced: HashSet<String> = self.produced.lock().expect("lock").drain(..).collect();
        let copies: Vec<&Asset> = assets
            .values()
            .filter(|a| !produced.contains(&a.dest))
            .collect();
        copies.par_iter().try_for_each(|a| self.copy_asset(a))?;
        let staged = std::mem::take(&mut *self.staged.lock().expect("lock"));
        let mut stats = WriteStats {
            written: staged.len(),
            unchanged: self.unchanged.load(Ordering::Relaxed),
            removed: 0,
        };
        if self.fresh {
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
        if !self.fresh {
            let all_paths: Vec<&str> = produced
                .iter()
                .map(String::as_str)
                .chain(copies.iter().map(|a| a.dest.as_str()))
                .collect();
            let keep: HashSet<PathBuf> = all_paths.iter().map(|p| self.out_dir.join(p)).collect();
            let kept_dirs: HashSet<PathBuf> = folders_of(&all_paths)
                .iter()
                .map(|d| self.out_dir.join(d))
                .collect();
            stats.removed = remove_stale(&self.out_dir, &keep, &kept_dirs)?;
        }
        fs::write(
            self.out_dir.join(MARKER),
            "This folder is written by weft; it may be emptied by weft build.\n",
        )
        .map_err(|e| io_error(&self.out_dir, e))?;
        Ok(stats)
    }

    fn copy_asset(&self, asset: &Asset) -> Result<(), Error> {
        match &asset.source {
            AssetSource::Embedded(bytes) => self.stage(&asset.dest, bytes),
            AssetSource::Disk(src) => {
                let bytes = fs::read(src).map_err(|e| io_error(src, e))?;
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

/// Removes `.weft-staging-<pid>` folders that a killed build left in `out_dir`.
fn remove_leftover_staging(out_dir: &Path) -> Result<(), Error> {
    let Ok(entries) = fs::read_dir(out_dir) else {
        return Ok(());
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let is_staging = name.to_str().is_some_and(|n| {
            n.strip_prefix(STAGING_PREFIX)
                .is_some_and(|pid| !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit()))
        });
        if is_staging && entry.file_type().is_ok_and(|t| t.is_dir()) {
            let path = entry.path();
            fs::remove_dir_all(&path).map_err(|e| io_error(&path, e))?;
        }
    }
    Ok(())
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

/// A folder is ours when it does not exist, is empty, or carries the marker. Returns whether it
/// is fresh (missing or empty).
fn check_is_ours(out_dir: &Path) -> Result<bool, Error> {
    let Ok(mut entries) = fs::read_dir(out_dir) else {
        return Ok(true);
    };
    if entries.next().is_none() {
        return Ok(true);
    }
    if out_dir.join(MARKER).exists() {
        return Ok(false);
    }
    Err(Error::new(
        ErrorKind::Io,
        format!(
            "refusing to write into {}: it is not empty and was not made by weft",
            out_dir.display()
        ),
    )
    .help(format!(
        "choose an empty or new folder with --output, or add an empty file named {MARKER} to it if weft may replace its contents"
    )))
}

/// Whether the file at `path` holds exactly `bytes`.
fn holds(path: &Path, bytes: &[u8]) -> bool {
    use std::io::Read;
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

/// Removes every file under `out_dir` not in `keep` (but the marker), then the folders left
/// empty (folders in `kept_dirs` hold kept files, so they are not tried).
fn remove_stale(
    out_dir: &Path,
    keep: &HashSet<PathBuf>,
    kept_dirs: &HashSet<PathBuf>,
) -> Result<usize, Error> {
    let mut removed = 0;
    let mut dirs = Vec::new();
    for entry in WalkDir::new(out_dir).min_depth(1).into_iter().flatten() {
        let path = entry.path();
        if entry.file_type().is_dir() {
            if !kept_dirs.contains(path) {
                dirs.push(path.to_path_buf());
            }
        } else if !keep.contains(path) && entry.file_name() != MARKER {
            fs::remove_file(path).map_err(|e| io_error(path, e))?;
            removed += 1;
        }
    }
    for dir in dirs.iter().rev() {
        let _ = fs::remove_dir(dir); // fails, as it should, when not empty
    }
    Ok(removed)
}

fn io_error(path: &Path, e: io::Error) -> Error {
    let shown = path.display().to_string();
    Error::new(ErrorKind::Io, format!("cannot write {shown}: {e}")).at(Location::file_only(&shown))
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let first = all(
            &out,
            &[output("a/index.html", "A"), output("b/index.html", "B")],
            &BTreeMap::new(),
        )
        .unwrap();
        assert_eq!(first.written, 2);
        let second = all(&out, &[output("a/index.html", "A2")], &BTreeMap::new()).unwrap();
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
        let first = all(
            &out,
            &[
                output("a/b/c/index.html", "C"),
                output("a/index.html", "A"),
                output("x/y/index.html", "Y"),
            ],
            &BTreeMap::new(),
        )
        .unwrap();
        assert_eq!((first.written, first.unchanged), (3, 0));
        let second = all(
            &out,
            &[output("a/b/c/index.html", "C"), output("a/index.html", "A")],
            &BTreeMap::new(),
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
    fn refuses_a_foreign_non_empty_folder() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("precious.txt"), "x").unwrap();
        let err = all(dir.path(), &[output("index.html", "x")], &BTreeMap::new()).unwrap_err();
        assert!(err.message.contains("refusing"), "{}", err.message);
        assert!(dir.path().join("precious.txt").exists());
    }

    #[test]
    fn a_staging_dropped_without_commit_leaves_the_folder_as_it_was() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing");
        let staging = Staging::begin(&missing).unwrap();
        staging.stage("a/index.html", b"A").unwrap();
        drop(staging);
        assert!(!missing.exists());

        let out = dir.path().join("public");
        all(&out, &[output("a/index.html", "A")], &BTreeMap::new()).unwrap();
        let before = listing(&out);
        let staging = Staging::begin(&out).unwrap();
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
        let stats = all(&out, &[output("index.html", "x")], &BTreeMap::new()).unwrap();
        assert_eq!(stats.written, 1);
        assert_eq!(listing(&out), [".weft-output", "index.html"]);
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
