//! Last-updated dates of content files from the repository's history, read with gix (no
//! `git` process): one walk of the commits reachable from `HEAD`, newest first, comparing each
//! commit's `content/` tree with its parents' (a subtree whose id did not change is skipped
//! whole), until every page has its date. A file's date is the commit time of the newest
//! commit that changed it (for a merge: changed against every parent, as `git log` counts it),
//! in UTC.
//!
//! A site outside a repository, or in one without commits, gets no dates and no warning. In a
//! shallow clone the history ends early: a file last changed before the clone's first commit
//! would get that commit's date, so such files get none, with one warning.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

use gix::bstr::ByteSlice;
use gix::diff::tree::recorder::Change;
use gix::objs::FindExt;
use gix::ObjectId;

use crate::config::CONFIG_FILE;
use crate::error::{Error, ErrorKind, Location};

/// Room for recently read objects during the walk.
const OBJECT_CACHE_BYTES: usize = 64 * 1024 * 1024;

/// What the history says.
#[derive(Debug, Default)]
pub struct Dates {
    /// Content path (`countries/kenya.md`) -> date-time of its last commit
    /// (`2024-05-01T09:30:00+00:00`).
    pub dates: BTreeMap<String, String>,
    /// At most one: the history could not be read whole (a shallow clone, a damaged repository).
    pub warning: Option<Error>,
}

/// The dates of `wanted` (paths under `root/content/`) from the repository holding `root`.
pub fn dates(root: &Path, wanted: &[String]) -> Dates {
    let Ok(mut repo) = gix::discover(root) else {
        return Dates::default(); // not in a repository
    };
    // Each tree is read twice (as a commit's and as its child's parent's): keep recent ones
    // decoded rather than undeltify them again from the pack.
    repo.object_cache_size_if_unset(OBJECT_CACHE_BYTES);
    let Some(prefix) = content_prefix(&repo, root) else {
        return Dates::default(); // a bare repository, or the site is not in its work tree
    };
    let Ok(head) = repo.head_id() else {
        return Dates::default(); // no commits yet
    };
    let mut walk = Walk {
        repo: &repo,
        prefix,
        wanted: wanted.iter().map(String::as_str).collect(),
        dates: BTreeMap::new(),
        content_trees: HashMap::new(),
        state: gix::diff::tree::State::default(),
    };
    match walk.run(head.detach()) {
        Ok(complete) => {
            let undated = wanted.len() - walk.dates.len();
            let warning = (!complete && undated > 0).then(|| shallow_warning(undated));
            Dates {
                dates: walk.dates,
                warning,
            }
        }
        Err(e) => Dates {
            dates: BTreeMap::new(),
            warning: Some(
                Error::new(
                    ErrorKind::Io,
                    format!("cannot read the repository's history for last-updated dates: {e}"),
                )
                .at(Location::file_only(CONFIG_FILE))
                .help("pages get no date from the history; set dates_from_git = false to stop reading it"),
            ),
        },
    }
}

fn shallow_warning(undated: usize) -> Error {
    let files = if undated == 1 {
        "content file"
    } else {
        "content files"
    };
    Error::new(
        ErrorKind::Io,
        format!(
            "the repository is a shallow clone: {undated} {files} not changed since its first commit get no date from the history"
        ),
    )
    .at(Location::file_only(CONFIG_FILE))
    .help("fetch the whole history (`git fetch --unshallow`; with actions/checkout, `fetch-depth: 0`), or set dates_from_git = false")
}

/// `content` under the repository's work tree, `/`-separated (`docs/site/content`).
fn content_prefix(repo: &gix::Repository, root: &Path) -> Option<String> {
    let workdir = repo.workdir()?.canonicalize().ok()?;
    let root = root.canonicalize().ok()?;
    let inside = root.strip_prefix(&workdir).ok()?;
    let mut parts: Vec<String> = inside
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    parts.push("content".to_string());
    Some(parts.join("/"))
}

struct Walk<'a> {
    repo: &'a gix::Repository,
    prefix: String,
    wanted: HashSet<&'a str>,
    dates: BTreeMap<String, String>,
    /// Commit -> its `content/` tree (`None`: the commit has no such folder). Each commit is
    /// looked up as a child and again as a parent.
    content_trees: HashMap<ObjectId, Option<ObjectId>>,
    state: gix::diff::tree::State,
}

type WalkResult<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

impl Walk<'_> {
    /// Walks from `head`; `Ok(false)` when the history ended at a shallow boundary.
    fn run(&mut self, head: ObjectId) -> WalkResult<bool> {
        let boundary: HashSet<ObjectId> = self
            .repo
            .shallow_commits()?
            .map(|commits| commits.iter().copied().collect())
            .unwrap_or_default();
        let commits = self
            .repo
            .rev_walk([head])
            .sorting(gix::revision::walk::Sorting::ByCommitTime(
                gix::traverse::commit::simple::CommitTimeOrder::NewestFirst,
            ))
            .all()?;
        let mut complete = true;
        for info in commits {
            if self.dates.len() == self.wanted.len() {
                break;
            }
            let info = info?;
            let parents: Vec<ObjectId> = info.parent_ids.iter().copied().collect();
            if parents.is_empty() && boundary.contains(&info.id) {
                complete = false; // its parents are missing: what it "adds" may be older
                continue;
            }
            let changed = self.changed_paths(info.id, &parents)?;
            if changed.is_empty() {
                continue;
            }
            let time = gix::date::Time::new(info.commit_time(), 0)
                .format(gix::date::time::format::ISO8601_STRICT)?;
            for path in changed {
                self.dates.entry(path).or_insert_with(|| time.clone());
            }
        }
        Ok(complete)
    }

    /// The wanted paths `commit` changed against every one of its parents (all of its files
    /// for a first commit).
    fn changed_paths(&mut self, commit: ObjectId, parents: &[ObjectId]) -> WalkResult<Vec<String>> {
        let tree = self.content_tree(commit)?;
        let mut common: Option<HashSet<String>> = None;
        let no_parent = [None];
        let parent_trees: Vec<Option<ObjectId>> = if parents.is_empty() {
            no_parent.to_vec()
        } else {
            parents
                .iter()
                .map(|&p| self.content_tree(p))
                .collect::<WalkResult<_>>()?
        };
        for parent in parent_trees {
            let changed = if parent == tree {
                HashSet::new()
            } else {
                self.diff(parent, tree)?
            };
            common = Some(match common {
                None => changed,
                Some(before) => before.intersection(&changed).cloned().collect(),
            });
            if common.as_ref().is_some_and(HashSet::is_empty) {
                break;
            }
        }
        Ok(common.unwrap_or_default().into_iter().collect())
    }

    fn content_tree(&mut self, commit: ObjectId) -> WalkResult<Option<ObjectId>> {
        if let Some(tree) = self.content_trees.get(&commit) {
            return Ok(*tree);
        }
        let root = self.repo.find_commit(commit)?.tree()?;
        let tree = root
            .lookup_entry_by_path(&self.prefix)?
            .filter(|e| e.mode().is_tree())
            .map(|e| e.object_id());
        self.content_trees.insert(commit, tree);
        Ok(tree)
    }

    /// The wanted paths that differ between two `content/` trees (`None`: no folder).
    fn diff(
        &mut self,
        old: Option<ObjectId>,
        new: Option<ObjectId>,
    ) -> WalkResult<HashSet<String>> {
        let (mut old_buf, mut new_buf) = (Vec::new(), Vec::new());
        let old = self.tree_iter(old, &mut old_buf)?;
        let new = self.tree_iter(new, &mut new_buf)?;
        let mut recorder = gix::diff::tree::Recorder::default();
        gix::diff::tree(old, new, &mut self.state, &self.repo.objects, &mut recorder)?;
        let mut changed = HashSet::new();
        for change in recorder.records {
            let path = match &change {
                Change::Addition { path, .. }
                | Change::Modification { path, .. }
                | Change::Deletion { path, .. } => path,
            };
            if let Ok(path) = path.to_str() {
                if self.wanted.contains(path) && !self.dates.contains_key(path) {
                    changed.insert(path.to_string());
                }
            }
        }
        Ok(changed)
    }

    fn tree_iter<'b>(
        &self,
        tree: Option<ObjectId>,
        buf: &'b mut Vec<u8>,
    ) -> WalkResult<gix::objs::TreeRefIter<'b>> {
        match tree {
            None => Ok(gix::objs::TreeRefIter::from_bytes(
                &[],
                self.repo.object_hash(),
            )),
            // Decoded straight into `buf`, not copied out of an owned object.
            Some(id) => Ok(self.repo.objects.find_tree_iter(&id, buf)?),
        }
    }
}
