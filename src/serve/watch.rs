//! Watches a site's inputs for `weft serve`: notify (native events, or polling with `--poll`)
//! behind notify-debouncer-full, reduced to a [`ChangeSet`] of small [`ChangeKind`]s.
//!
//! Watched: `content/`, `templates/`, `static/`, `themes/`, `data/`, `i18n/` (recursively) and
//! `site.toml` (through a non-recursive watch of the root, so an editor's save-by-rename is
//! seen). Editor temp files (`.#x`, `x~`, `4913`, `.swp`, hidden files) and everything else
//! under the root — the output folder included — are ignored. The pure part ([`classify`], [`ChangeSet::add`]) is what tests
//! call; this module never builds anything.
//!
//! A watched folder can itself go away: `rm -rf content; cp -r backup content`, a move away
//! and back, a link put in its place. notify then drops its watch and never watches the new
//! folder, so after every batch [`Watcher`] compares each watched path with what it watched
//! (its file id, and the batch's remove and rename events naming it) and watches again what
//! changed, reporting the folder as created so that the whole site is read afresh, and says
//! so on the terminal. A moved or removed site folder is reported, and its parent watched
//! until it is back.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component, Path, PathBuf};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};

use notify_debouncer_full::file_id::{self, FileId};
use notify_debouncer_full::notify::{
    self, EventKind, PollWatcher, RecommendedWatcher, RecursiveMode,
};
use notify_debouncer_full::{
    new_debouncer_opt, DebounceEventResult, DebouncedEvent, Debouncer, NoCache, RecommendedCache,
};

use crate::config::CONFIG_FILE;
use crate::i18n::I18N_DIR;
use crate::load::is_ignored;

/// Folders watched recursively, relative to the site root.
pub const WATCHED_DIRS: &[&str] = &["content", "templates", "static", "themes", "data", I18N_DIR];

/// How long a path must be quiet before its events are handed on.
const DEBOUNCE: Duration = Duration::from_millis(5);
/// How often the debouncer looks at its queue.
const TICK: Duration = Duration::from_millis(2);
/// After a batch, further batches arriving within this time join it (a `git checkout`
/// writing hundreds of files spans several debouncer ticks but is one rebuild).
const SETTLE: Duration = Duration::from_millis(6);
/// Polling interval of `--poll`.
const POLL_INTERVAL: Duration = Duration::from_millis(300);

/// What one changed path means for the site.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChangeKind {
    /// A Markdown file under `content/` (its path under `content/`).
    Content(String),
    /// Anything else under `content/`: a bundle's file, or a folder (its path under the site).
    ContentOther(String),
    /// A file under `static/` or a theme's `static/` (its path under that folder).
    Static(String),
    /// A template of the site or of a theme.
    Template,
    /// `site.toml`.
    Config,
    /// Anything under `data/`, or UI strings (`i18n/`, a theme's `i18n/`).
    Data,
}

/// Classifies `path` (absolute, or relative to `root`); `None` for paths that do not matter:
/// editor temp files, hidden files, the output folder, anything outside the watched inputs.
pub fn classify(root: &Path, path: &Path) -> Option<ChangeKind> {
    let rel = path.strip_prefix(root).unwrap_or(path);
    let parts: Vec<String> = rel
        .components()
        .map(|c| match c {
            Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect::<Option<Vec<_>>>()?;
    // Like `load`, only a file's own name makes it ignored.
    if parts.last().is_none_or(|p| is_ignored(p.as_ref())) {
        return None;
    }
    let under = |n: usize| parts[n..].join("/");
    match parts[0].as_str() {
        CONFIG_FILE if parts.len() == 1 => Some(ChangeKind::Config),
        "content" if parts.len() > 1 && parts[parts.len() - 1].ends_with(".md") => {
            Some(ChangeKind::Content(under(1)))
        }
        "content" => Some(ChangeKind::ContentOther(under(0))),
        "templates" => Some(ChangeKind::Template),
        "static" if parts.len() > 1 => Some(ChangeKind::Static(under(1))),
        "static" => Some(ChangeKind::ContentOther(under(0))),
        // themes/<name>/templates/... and themes/<name>/static/...
        "themes" if parts.len() > 2 && parts[2] == "templates" => Some(ChangeKind::Template),
        "themes" if parts.len() > 3 && parts[2] == "static" => Some(ChangeKind::Static(under(3))),
        // UI strings are a `Data` change too: the session reads them again with the data files
        // (a change of strings builds everything again).
        "themes" if parts.len() > 2 && parts[2] == I18N_DIR => Some(ChangeKind::Data),
        "themes" => Some(ChangeKind::Template),
        "data" | I18N_DIR => Some(ChangeKind::Data),
        _ => None,
    }
}

/// Everything that changed since the last rebuild, merged.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ChangeSet {
    /// Markdown files (paths under `content/`) written, created or removed.
    pub content: BTreeSet<String>,
    /// The content tree must be listed again (a folder or a non-Markdown file changed).
    pub content_tree: bool,
    /// Static files (output paths) changed; `static_created` when one may be new or gone.
    pub statics: BTreeSet<String>,
    pub static_created: bool,
    pub templates: bool,
    pub config: bool,
    /// A data file changed, came or went.
    pub data: bool,
}

impl ChangeSet {
    /// Adds one event's paths.
    pub fn add(&mut self, root: &Path, kind: &EventKind, paths: &[PathBuf]) {
        if matches!(kind, EventKind::Access(_)) {
            return;
        }
        let created_or_removed = matches!(
            kind,
            EventKind::Create(_)
                | EventKind::Remove(_)
                | EventKind::Modify(notify::event::ModifyKind::Name(_))
                | EventKind::Any
                | EventKind::Other
        );
        for path in paths {
            match classify(root, path) {
                None => {}
                Some(ChangeKind::Content(p)) => {
                    self.content.insert(p);
                }
                // A file or folder came or went: list the content again. A bundle file's
                // bytes are read when served, so an edit only reloads the pages.
                Some(ChangeKind::ContentOther(_)) if created_or_removed => self.content_tree = true,
                Some(ChangeKind::ContentOther(p)) if !path.is_dir() => {
                    self.statics.insert(p);
                }
                Some(ChangeKind::ContentOther(_)) => {}
                Some(ChangeKind::Static(p)) => {
                    self.statics.insert(p);
                    self.static_created |= created_or_removed;
                }
                Some(ChangeKind::Template) => self.templates = true,
                Some(ChangeKind::Config) => self.config = true,
                Some(ChangeKind::Data) => self.data = true,
            }
        }
    }

    pub fn merge(&mut self, other: ChangeSet) {
        self.content.extend(other.content);
        self.content_tree |= other.content_tree;
        self.statics.extend(other.statics);
        self.static_created |= other.static_created;
        self.templates |= other.templates;
        self.config |= other.config;
        self.data |= other.data;
    }

    pub fn is_empty(&self) -> bool {
        *self == ChangeSet::default()
    }

    /// Only existing stylesheets changed: the browser can swap them without a reload.
    pub fn is_css_only(&self) -> bool {
        !self.statics.is_empty()
            && !self.static_created
            && self.statics.iter().all(|p| p.ends_with(".css"))
            && ChangeSet {
                statics: BTreeSet::new(),
                static_created: false,
                ..self.clone()
            }
            .is_empty()
    }

    /// Whether the site must be rendered again (static files are served from disk as they are).
    pub fn needs_build(&self) -> bool {
        !self.content.is_empty()
            || self.content_tree
            || self.static_created
            || self.templates
            || self.config
            || self.data
    }
}

/// Reduces debounced events to one change set.
pub fn change_set(root: &Path, events: &[DebouncedEvent]) -> ChangeSet {
    let mut set = ChangeSet::default();
    for e in events {
        set.add(root, &e.event.kind, &e.event.paths);
    }
    set
}

enum AnyDebouncer {
    Native(Debouncer<RecommendedWatcher, RecommendedCache>),
    Poll(Debouncer<PollWatcher, NoCache>),
}

impl AnyDebouncer {
    fn watch(&mut self, path: &Path, mode: RecursiveMode) -> notify::Result<()> {
        match self {
            AnyDebouncer::Native(d) => d.watch(path, mode),
            AnyDebouncer::Poll(d) => d.watch(path, mode),
        }
    }

    /// Stops watching `path`. notify drops the watch of a folder that was removed or moved
    /// away by itself, and then has none to stop: that is no error here.
    fn unwatch(&mut self, path: &Path) {
        let _ = match self {
            AnyDebouncer::Native(d) => d.unwatch(path),
            AnyDebouncer::Poll(d) => d.unwatch(path),
        };
    }
}

/// What a watched path (the site root, its own files only, or a folder of [`WATCHED_DIRS`])
/// named when its watch began.
struct Watched {
    id: FileId,
    link: bool,
    /// Events older than the watch say nothing about it.
    since: Instant,
}

/// How a watched folder went away, as far as its events said (the strongest word wins).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Left {
    Unknown,
    Renamed,
    Removed,
}

/// A folder that was watched and went away (or was replaced).
struct Lost {
    id: FileId,
    link: bool,
    how: Left,
}

/// A running watcher; dropping it stops watching.
pub struct Watcher {
    debouncer: AnyDebouncer,
    /// The root and the folders of [`WATCHED_DIRS`] being watched.
    watched: BTreeMap<PathBuf, Watched>,
    /// Folders that were watched and went away: one that comes back is watched again, and the
    /// terminal told so.
    lost: BTreeMap<PathBuf, Lost>,
    /// The root's parent, watched while the root is gone so that its return is seen.
    parent_watched: bool,
    root: PathBuf,
    events: Receiver<DebounceEventResult>,
    waker: Sender<DebounceEventResult>,
}

/// Wakes a thread blocked in [`Watcher::next`] (which then returns an empty change set).
#[derive(Clone)]
pub struct Waker(Sender<DebounceEventResult>);

impl Waker {
    pub fn wake(&self) {
        let _ = self.0.send(Ok(Vec::new()));
    }
}

impl Watcher {
    /// Starts watching the site at `root`; `poll` selects notify's polling watcher.
    pub fn start(root: &Path, poll: bool) -> notify::Result<Watcher> {
        let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
        let (tx, rx) = mpsc::channel();
        let debouncer = if poll {
            // notify's poller keeps modification times in whole seconds: two saves within a
            // second would look alike, so it compares contents too.
            let config = notify::Config::default()
                .with_poll_interval(POLL_INTERVAL)
                .with_compare_contents(true);
            AnyDebouncer::Poll(new_debouncer_opt(
                DEBOUNCE,
                Some(TICK),
                tx.clone(),
                NoCache,
                config,
            )?)
        } else {
            AnyDebouncer::Native(new_debouncer_opt(
                DEBOUNCE,
                Some(TICK),
                tx.clone(),
                RecommendedCache::new(),
                notify::Config::default(),
            )?)
        };
        let mut watcher = Watcher {
            debouncer,
            watched: BTreeMap::new(),
            lost: BTreeMap::new(),
            parent_watched: false,
            root,
            events: rx,
            waker: tx,
        };
        watcher
            .refresh(&BTreeMap::new())
            .map_err(|e| notify::Error::generic(&explain(&e)))?;
        Ok(watcher)
    }

    fn watch(&mut self, path: &Path, mode: RecursiveMode) -> notify::Result<()> {
        let id =
            file_id::get_file_id(path).map_err(|e| notify::Error::io(e).add_path(path.into()))?;
        let since = Instant::now();
        self.debouncer.watch(path, mode)?;
        let link = path.symlink_metadata().is_ok_and(|m| m.is_symlink());
        let watched = Watched { id, link, since };
        self.watched.insert(path.to_path_buf(), watched);
        Ok(())
    }

    /// The root, then the folders of [`WATCHED_DIRS`].
    fn watchable(&self) -> Vec<PathBuf> {
        let dirs = WATCHED_DIRS.iter().map(|d| self.root.join(d));
        std::iter::once(self.root.clone()).chain(dirs).collect()
    }

    /// Makes the watches match the folders on disk. A watched folder is watched again when it
    /// is now another folder, or when `seen` says it was removed or renamed since its watch
    /// began (moved away and back, or removed and made again with the same inode number, it
    /// looks the same, but notify dropped its watch when it left); folders that appeared are
    /// watched. Returns the paths newly watched: everything under them must be read afresh,
    /// since files written there before the watch began were seen by no one.
    fn refresh(&mut self, seen: &BTreeMap<PathBuf, Left>) -> notify::Result<Vec<PathBuf>> {
        if !self.root.is_dir() {
            self.root_gone()?;
            // Back before its parent was watched (a quick `mv` there and back): no event will
            // say so, so it is taken up now.
            if !self.root.is_dir() {
                return Ok(Vec::new());
            }
        }
        let mut again = Vec::new();
        for path in self.watchable() {
            let now = path
                .is_dir()
                .then(|| file_id::get_file_id(&path).ok())
                .flatten();
            let how = seen.get(&path).copied();
            if let Some(watched) = self.watched.get(&path) {
                if now == Some(watched.id) && how.is_none() {
                    continue;
                }
                let lost = Lost {
                    id: watched.id,
                    link: watched.link,
                    how: Left::Unknown,
                };
                self.debouncer.unwatch(&path);
                self.watched.remove(&path);
                self.lost.insert(path.clone(), lost);
            }
            if let (Some(lost), Some(how)) = (self.lost.get_mut(&path), how) {
                lost.how = lost.how.max(how);
            }
            if now.is_some() {
                let mode = if path == self.root {
                    RecursiveMode::NonRecursive
                } else {
                    RecursiveMode::Recursive
                };
                self.watch(&path, mode)?;
                again.push(path);
            }
        }
        if self.parent_watched {
            if let Some(parent) = self.root.parent() {
                self.debouncer.unwatch(parent);
            }
            self.parent_watched = false;
        }
        // The site folder back says it all; otherwise each folder back says so.
        let root_back = again.contains(&self.root);
        for path in &again {
            if let Some(lost) = self.lost.remove(path) {
                if !root_back || *path == self.root {
                    // The serve loop's terminal: printed between its rebuild lines.
                    eprintln!("{}", self.note_again(path, &lost));
                }
            }
        }
        Ok(again)
    }

    /// The root itself was moved or removed: say so once, and watch its parent so that its
    /// return is seen (a site moved elsewhere cannot be followed: its files are read by path).
    fn root_gone(&mut self) -> notify::Result<()> {
        if self.parent_watched {
            return Ok(());
        }
        for (path, watched) in std::mem::take(&mut self.watched) {
            self.debouncer.unwatch(&path);
            let lost = Lost {
                id: watched.id,
                link: watched.link,
                how: Left::Unknown,
            };
            self.lost.insert(path, lost);
        }
        if let Some(parent) = self.root.parent().filter(|p| p.is_dir()) {
            self.debouncer.watch(parent, RecursiveMode::NonRecursive)?;
            self.parent_watched = true;
        }
        // Said once the parent is watched, so that a return from then on is seen.
        eprintln!(
            "warning: the site folder {} was moved or removed: the last good build is still \
             served; put the folder back, or restart weft serve where it is now",
            self.root.display()
        );
        Ok(())
    }

    /// "note: watching content/ again (it was removed and recreated)".
    fn note_again(&self, path: &Path, lost: &Lost) -> String {
        let name = match path.strip_prefix(&self.root) {
            Ok(rel) if rel.as_os_str().is_empty() => "the site folder".to_string(),
            Ok(rel) => format!("{}/", rel.display()),
            Err(_) => path.display().to_string(),
        };
        let now = &self.watched[path];
        let why = if now.link && !lost.link {
            let target = std::fs::read_link(path).unwrap_or_default();
            format!("it is now a link to {}", target.display())
        } else if lost.how == Left::Removed {
            "it was removed and recreated".to_string()
        } else if now.id == lost.id {
            "it was moved away and back".to_string()
        } else {
            "it was replaced".to_string()
        };
        format!("note: watching {name} again ({why})")
    }

    pub fn waker(&self) -> Waker {
        Waker(self.waker.clone())
    }

    /// Blocks until something relevant changed; batches arriving close together are merged.
    /// Watcher errors are returned as text (the caller prints them and goes on); a [`Waker`]
    /// makes it return an empty set. `None` when the watcher stopped.
    #[allow(clippy::should_implement_trait)] // blocking, fallible: not an Iterator
    pub fn next(&mut self) -> Option<Result<ChangeSet, String>> {
        loop {
            let mut seen = BTreeMap::new();
            let mut set = match self.events.recv().ok()? {
                Ok(events) if events.is_empty() => return Some(Ok(ChangeSet::default())),
                Ok(events) => self.take(&events, &mut seen),
                Err(errors) => return Some(Err(describe(&errors))),
            };
            // A wake that arrives while a batch settles must not be lost if the batch turns
            // out to hold nothing relevant: a request may be waiting on it.
            let mut woken = false;
            loop {
                match self.events.recv_timeout(SETTLE) {
                    Ok(Ok(events)) if events.is_empty() => woken = true,
                    Ok(Ok(events)) => set.merge(self.take(&events, &mut seen)),
                    Ok(Err(errors)) => return Some(Err(describe(&errors))),
                    Err(RecvTimeoutError::Timeout) => break,
                    Err(RecvTimeoutError::Disconnected) => break,
                }
            }
            match self.refresh(&seen) {
                Ok(again) => {
                    // Read everything under a folder watched again, as if it had just appeared.
                    let created = EventKind::Create(notify::event::CreateKind::Folder);
                    set.add(&self.root.clone(), &created, &again);
                    if again.contains(&self.root) {
                        set.config = true;
                        set.templates = true;
                    }
                }
                Err(e) => return Some(Err(explain(&e))),
            }
            if !set.is_empty() || woken {
                return Some(Ok(set));
            }
        }
    }

    /// One batch's change set; what it says of the watched folders themselves (removed or
    /// renamed since their watch began) goes into `seen`.
    fn take(&self, events: &[DebouncedEvent], seen: &mut BTreeMap<PathBuf, Left>) -> ChangeSet {
        let watchable = self.watchable();
        for e in events {
            let how = match e.event.kind {
                EventKind::Remove(_) => Left::Removed,
                EventKind::Modify(notify::event::ModifyKind::Name(_)) => Left::Renamed,
                _ => continue,
            };
            for path in e.event.paths.iter().filter(|p| watchable.contains(p)) {
                let stale = self.watched.get(path).is_some_and(|w| e.time < w.since);
                if !stale {
                    let was = seen.entry(path.clone()).or_insert(how);
                    *was = (*was).max(how);
                }
            }
        }
        change_set(&self.root, events)
    }
}

fn describe(errors: &[notify::Error]) -> String {
    errors.iter().map(explain).collect::<Vec<_>>().join("; ")
}

/// notify's message, and what to do when the system's table of watches is full (files added
/// then would go unseen: a silent stale preview).
fn explain(e: &notify::Error) -> String {
    let mut text = e.to_string();
    if matches!(e.kind, notify::ErrorKind::MaxFilesWatch) {
        text.push_str(
            " Changes in some folders would go unseen: raise the limit \
             (sudo sysctl fs.inotify.max_user_watches=524288), or run weft serve --poll",
        );
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use notify::event::{CreateKind, DataChange, ModifyKind, RemoveKind, RenameMode};

    fn kind(path: &str) -> Option<ChangeKind> {
        classify(Path::new("/site"), &Path::new("/site").join(path))
    }

    #[test]
    fn inputs_are_classified_by_folder() {
        assert_eq!(
            kind("content/a/b.md"),
            Some(ChangeKind::Content("a/b.md".into()))
        );
        assert_eq!(
            kind("content/a/map.png"),
            Some(ChangeKind::ContentOther("content/a/map.png".into()))
        );
        assert_eq!(
            kind("content/a"),
            Some(ChangeKind::ContentOther("content/a".into()))
        );
        assert_eq!(kind("site.toml"), Some(ChangeKind::Config));
        assert_eq!(kind("templates/page.html"), Some(ChangeKind::Template));
        // UI strings are a `Data` change: the session tells them from data files.
        assert_eq!(kind("i18n/fr.toml"), Some(ChangeKind::Data));
        assert_eq!(kind("themes/default/i18n/es.toml"), Some(ChangeKind::Data));
        assert_eq!(
            kind("themes/default/templates/base.html"),
            Some(ChangeKind::Template)
        );
        assert_eq!(
            kind("static/css/x.css"),
            Some(ChangeKind::Static("css/x.css".into()))
        );
        assert_eq!(
            kind("themes/default/static/css/site.css"),
            Some(ChangeKind::Static("css/site.css".into()))
        );
    }

    #[test]
    fn editor_temp_files_and_the_output_folder_are_ignored() {
        for path in [
            "content/.#a.md",
            "content/a.md~",
            "content/.a.md.swp",
            "content/4913",
            "content/#a.md#",
            "content/.a.md.tmp",
            "public/index.html",
            "public",
            "target/x",
            "README.md",
            "content/a/b.md/../../../etc/passwd",
        ] {
            assert_eq!(kind(path), None, "{path}");
        }
    }

    fn event(kind: EventKind, path: &str) -> (EventKind, Vec<PathBuf>) {
        (kind, vec![Path::new("/site").join(path)])
    }

    fn set_of(events: &[(EventKind, Vec<PathBuf>)]) -> ChangeSet {
        let mut set = ChangeSet::default();
        for (k, p) in events {
            set.add(Path::new("/site"), k, p);
        }
        set
    }

    /// `weft serve` wakes the loop blocked in `next` when a request waits for stale files; a
    /// wake that came while a batch of ignored events settled used to vanish with the batch.
    #[test]
    fn a_wake_during_a_batch_of_ignored_events_is_not_lost() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("content")).unwrap();
        let mut watcher = Watcher::start(dir.path(), false).unwrap();
        let lock_file = notify::Event::new(EventKind::Create(CreateKind::File))
            .add_path(watcher.root.join("content/.#a.md"));
        let batch = vec![DebouncedEvent::new(lock_file, std::time::Instant::now())];
        watcher.waker.send(Ok(batch)).unwrap();
        watcher.waker().wake();
        // Without the wake this would block until the next relevant change.
        let set = watcher
            .next()
            .expect("a change set")
            .expect("no watcher error");
        assert!(set.is_empty(), "{set:?}");
    }

    #[test]
    fn a_checkout_of_500_files_is_one_change_set() {
        let events: Vec<_> = (0..500)
            .map(|i| {
                event(
                    EventKind::Modify(ModifyKind::Data(DataChange::Content)),
                    &format!("content/p/{i}.md"),
                )
            })
            .collect();
        let set = set_of(&events);
        assert_eq!(set.content.len(), 500);
        assert!(set.needs_build() && !set.templates && !set.config);
    }

    #[test]
    fn an_atomic_save_by_rename_is_a_change_of_the_file_only() {
        // vim: writes 4913, removes it, renames a.md to a.md~, writes a.md; others write
        // .a.md.tmp and rename it over a.md.
        let set = set_of(&[
            event(EventKind::Create(CreateKind::File), "content/4913"),
            event(EventKind::Remove(RemoveKind::File), "content/4913"),
            event(
                EventKind::Modify(ModifyKind::Name(RenameMode::Both)),
                "content/a.md~",
            ),
            event(EventKind::Create(CreateKind::File), "content/.a.md.tmp"),
            event(EventKind::Create(CreateKind::File), "content/a.md"),
            event(EventKind::Create(CreateKind::File), "content/.a.md.swp"),
        ]);
        assert_eq!(set.content.iter().collect::<Vec<_>>(), ["a.md"]);
        assert!(!set.content_tree);
    }

    #[test]
    fn editor_temp_files_alone_need_no_rebuild() {
        let set = set_of(&[
            event(EventKind::Create(CreateKind::File), "content/.#a.md"),
            event(
                EventKind::Modify(ModifyKind::Data(DataChange::Any)),
                "content/.a.md.swp",
            ),
            event(EventKind::Remove(RemoveKind::File), "content/a.md~"),
        ]);
        assert!(set.is_empty() && !set.needs_build());
    }

    #[test]
    fn a_stylesheet_edit_is_css_only_but_a_new_file_is_not() {
        let edit = set_of(&[event(
            EventKind::Modify(ModifyKind::Data(DataChange::Content)),
            "static/css/site.css",
        )]);
        assert!(edit.is_css_only() && !edit.needs_build());
        let created = set_of(&[event(
            EventKind::Create(CreateKind::File),
            "static/css/new.css",
        )]);
        assert!(!created.is_css_only() && created.needs_build());
        let mixed = set_of(&[
            event(
                EventKind::Modify(ModifyKind::Data(DataChange::Content)),
                "static/css/site.css",
            ),
            event(
                EventKind::Modify(ModifyKind::Data(DataChange::Content)),
                "content/a.md",
            ),
        ]);
        assert!(!mixed.is_css_only());
    }

    #[test]
    fn created_and_removed_folders_relist_the_content() {
        let set = set_of(&[event(EventKind::Remove(RemoveKind::Folder), "content/old")]);
        assert!(set.content_tree && set.needs_build());
    }

    #[test]
    fn a_folder_whose_metadata_changed_is_no_change() {
        // Polling reports a folder as modified when a file in it is created or renamed.
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("content")).unwrap();
        let mut set = ChangeSet::default();
        set.add(
            dir.path(),
            &EventKind::Modify(ModifyKind::Metadata(notify::event::MetadataKind::WriteTime)),
            &[dir.path().join("content")],
        );
        assert!(set.is_empty());
    }

    #[test]
    fn a_full_table_of_watches_says_what_to_do() {
        let full = notify::Error::new(notify::ErrorKind::MaxFilesWatch);
        assert_eq!(
            describe(&[full]),
            "OS file watch limit reached. Changes in some folders would go unseen: raise the \
             limit (sudo sysctl fs.inotify.max_user_watches=524288), or run weft serve --poll"
        );
    }

    #[test]
    fn reads_are_not_changes() {
        let set = set_of(&[event(
            EventKind::Access(notify::event::AccessKind::Read),
            "content/a.md",
        )]);
        assert!(set.is_empty());
    }
}
