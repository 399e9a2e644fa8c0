//! Writes a built site into the output folder; the only module that writes there.
//!
//! It is called only after the whole site rendered without error, so a failed build never
//! touches the previous output. It writes only files whose bytes changed (each through a
//! temporary file and a rename, so a reader never sees half a file), removes files the new build
//! no longer has, and refuses to empty a non-empty folder that weft did not create.

use std::collections::{BTreeMap, HashSet};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use walkdir::WalkDir;

use crate::error::{Error, ErrorKind, Location};
use crate::load::{Asset, AssetSource};
use crate::render::Output;

/// Marks a folder as weft's output, so it may be cleaned on the next build.
pub const MARKER: &str = ".weft-output";

/// What a write did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WriteStats {
    pub written: usize,
    pub unchanged: usize,
    pub removed: usize,
}

/// Brings `out_dir` to exactly `outputs` plus `assets` (outputs win over assets on one path).
///
/// Into a folder that was missing or empty (a fresh build) nothing needs comparing or removing:
/// every file is written straight away. Folders are made once each, before the files, and the
/// files are written in parallel.
pub fn all(
    out_dir: &Path,
    outputs: &[Output],
    assets: &BTreeMap<String, Asset>,
) -> Result<WriteStats, Error> {
    let fresh = check_is_ours(out_dir)?;
    fs::create_dir_all(out_dir).map_err(|e| io_error(out_dir, e))?;
    let output_paths: HashSet<&str> = outputs.iter().map(|o| o.path.as_str()).collect();
    let copies: Vec<&Asset> = assets
        .values()
        .filter(|a| !output_paths.contains(a.dest.as_str()))
        .collect();
    let all_paths: Vec<&str> = outputs
        .iter()
        .map(|o| o.path.as_str())
        .chain(copies.iter().map(|a| a.dest.as_str()))
        .collect();
    let dirs = folders_of(&all_paths);
    make_folders(out_dir, &dirs)?;
    let results: Vec<Result<bool, Error>> = outputs
        .par_iter()
        .map(|o| write_file(&out_dir.join(&o.path), &o.bytes, fresh))
        .chain(copies.par_iter().map(|a| copy_asset(out_dir, a, fresh)))
        .collect();
    let mut stats = WriteStats::default();
    for r in results {
        if r? {
            stats.written += 1;
        } else {
            stats.unchanged += 1;
        }
    }
    if !fresh {
        let keep: HashSet<PathBuf> = all_paths.iter().map(|p| out_dir.join(p)).collect();
        let kept_dirs: HashSet<PathBuf> = dirs.iter().map(|d| out_dir.join(d)).collect();
        stats.removed = remove_stale(out_dir, &keep, &kept_dirs)?;
    }
    fs::write(
        out_dir.join(MARKER),
        "This folder is written by weft; it may be emptied by weft build.\n",
    )
    .map_err(|e| io_error(out_dir, e))?;
    Ok(stats)
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

/// Writes `bytes` to `path` unless it already holds them. Returns whether it wrote.
pub fn write_if_changed(path: &Path, bytes: &[u8]) -> Result<bool, Error> {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).map_err(|e| io_error(parent, e))?;
    }
    write_file(path, bytes, false)
}

/// Writes `bytes` to `path`, whose folder exists; unless `fresh`, only when it does not already
/// hold them. Returns whether it wrote.
fn write_file(path: &Path, bytes: &[u8], fresh: bool) -> Result<bool, Error> {
    if !fresh && holds(path, bytes) {
        return Ok(false);
    }
    let tmp = temp_path(path);
    fs::write(&tmp, bytes).map_err(|e| io_error(&tmp, e))?;
    fs::rename(&tmp, path).map_err(|e| io_error(path, e))?;
    Ok(true)
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

fn temp_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".weft-tmp-{}", std::process::id()));
    path.with_file_name(name)
}

fn copy_asset(out_dir: &Path, asset: &Asset, fresh: bool) -> Result<bool, Error> {
    let dest = out_dir.join(&asset.dest);
    match &asset.source {
        AssetSource::Embedded(bytes) => write_file(&dest, bytes, fresh),
        AssetSource::Disk(src) => {
            let bytes = fs::read(src).map_err(|e| io_error(src, e))?;
            write_file(&dest, &bytes, fresh)
        }
    }
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
}
