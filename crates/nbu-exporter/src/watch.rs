//! Which files a configuration is made of, whether their content changed, and a watcher that
//! says so without reacting to the exporter's own reads or log writes.
//!
//! Reading a file is itself a file-system event (open, access, close), so a watcher that reloads on
//! any event reloads forever once the reload reads the file. Only events that can change content
//! count, and even those only lead to a reload when the content [`Fingerprint`] differs from the
//! one last loaded.

use std::collections::BTreeSet;
use std::hash::{Hash as _, Hasher as _};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use notify_debouncer_full::notify::event::{AccessKind, AccessMode, ModifyKind};
use notify_debouncer_full::notify::{Event, EventKind, RecommendedWatcher, RecursiveMode};
use notify_debouncer_full::{DebounceEventResult, Debouncer, RecommendedCache, new_debouncer};
use tokio::sync::mpsc;
use tracing::warn;

use crate::config::Config;

/// The name of the link a Kubernetes ConfigMap volume swaps on update; the files a pod sees are
/// links through it, so their own names never appear in the events of an update.
const CONFIGMAP_LINK: &str = "..data";

/// A digest of the bytes of a set of files (a missing or unreadable file counts as such), to tell
/// an edit from an event that changed nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Fingerprint(u64);

impl Fingerprint {
    /// Reads every file in `files` and digests their paths and contents.
    pub(crate) fn of(files: &[PathBuf]) -> Self {
        let mut hasher = std::hash::DefaultHasher::new();
        for file in files {
            file.hash(&mut hasher);
            std::fs::read(file).ok().hash(&mut hasher);
        }
        Self(hasher.finish())
    }
}

/// The digest of one file's bytes, `None` when it cannot be read; sites keep it in their shape so
/// that a CA bundle rotated in place rebuilds their client.
pub(crate) fn file_digest(path: &Path) -> Option<u64> {
    let bytes = std::fs::read(path).ok()?;
    let mut hasher = std::hash::DefaultHasher::new();
    bytes.hash(&mut hasher);
    Some(hasher.finish())
}

/// The files a configuration is read from: the file itself, the `.env` beside it, and every file
/// it references (each site's `caFile`). Paths are absolute but not canonical: symlinks stay as
/// written, because a ConfigMap update replaces the directory they point into.
pub(crate) fn input_files(config_path: &Path, config: Option<&Config>) -> Vec<PathBuf> {
    let config_path = absolute(config_path);
    let mut files = vec![config_path.clone()];
    if let Some(directory) = config_path.parent() {
        files.push(directory.join(".env"));
    }
    for site in config.iter().flat_map(|config| &config.sites) {
        if let Some(ca_file) = &site.ca_file {
            files.push(absolute(ca_file));
        }
    }
    let mut seen = BTreeSet::new();
    files.retain(|file| seen.insert(file.clone()));
    files
}

/// The exporter's own log file, if it writes one: its writes must never count as a change.
pub(crate) fn log_file(config: &Config) -> Option<PathBuf> {
    let name = config.server.log_name.as_str();
    (!matches!(name, "" | "-" | "stdout" | "stderr")).then(|| absolute(Path::new(name)))
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

/// What the watcher reports: the files whose events count, and the files whose events never do.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Interest {
    files: BTreeSet<PathBuf>,
    directories: BTreeSet<PathBuf>,
    ignored: BTreeSet<PathBuf>,
}

impl Interest {
    /// Interest in `files`, never in `ignored` (the log file).
    pub(crate) fn new(files: &[PathBuf], ignored: Option<PathBuf>) -> Self {
        Self {
            files: files.iter().cloned().collect(),
            directories: files
                .iter()
                .filter_map(|file| file.parent().map(Path::to_path_buf))
                .collect(),
            ignored: ignored.into_iter().collect(),
        }
    }

    /// Whether `event` may have changed the content of a file of interest. Opening, reading and
    /// closing a file without writing change nothing, nor do metadata changes (access times).
    pub(crate) fn is_relevant(&self, event: &Event) -> bool {
        let may_change_content = match event.kind {
            EventKind::Access(AccessKind::Close(AccessMode::Write)) => true,
            EventKind::Access(_) => false,
            EventKind::Modify(ModifyKind::Metadata(_)) => false,
            EventKind::Any
            | EventKind::Create(_)
            | EventKind::Modify(_)
            | EventKind::Remove(_)
            | EventKind::Other => true,
        };
        may_change_content
            && event.paths.iter().any(|path| {
                !self.ignored.contains(path)
                    && (self.files.contains(path)
                        || (path.file_name().is_some_and(|name| name == CONFIGMAP_LINK)
                            && path
                                .parent()
                                .is_some_and(|dir| self.directories.contains(dir))))
            })
    }
}

/// Watches the directories of the configuration's files (editors replace files on save, which a
/// watch on the file itself would lose) and sends `()` when an event may have changed one of them.
/// It never logs per event: with the log file in a watched directory, that would feed itself.
pub(crate) struct ConfigWatcher {
    debouncer: Debouncer<RecommendedWatcher, RecommendedCache>,
    interest: Arc<Mutex<Interest>>,
    watched: BTreeSet<PathBuf>,
}

impl ConfigWatcher {
    /// Starts watching; `None` (with a warning) where the platform cannot watch.
    pub(crate) fn start(interest: Interest, changed: mpsc::Sender<()>) -> Option<Self> {
        let shared = Arc::new(Mutex::new(Interest::default()));
        let filter = Arc::clone(&shared);
        let debouncer = new_debouncer(
            Duration::from_millis(500),
            None,
            move |result: DebounceEventResult| {
                let Ok(events) = result else { return };
                let interest = filter.lock().unwrap_or_else(PoisonError::into_inner);
                if events.iter().any(|event| interest.is_relevant(event)) {
                    let _ = changed.try_send(());
                }
            },
        )
        .map_err(|e| {
            warn!(error = %e, "cannot watch the configuration file; reload with SIGHUP or POST /-/reload");
        })
        .ok()?;
        let mut watcher = Self {
            debouncer,
            interest: shared,
            watched: BTreeSet::new(),
        };
        watcher.update(interest);
        Some(watcher)
    }

    /// Follows a new set of files, e.g. after a reload added a `caFile` in another directory.
    pub(crate) fn update(&mut self, interest: Interest) {
        let wanted = interest.directories.clone();
        *self.interest.lock().unwrap_or_else(PoisonError::into_inner) = interest;
        for gone in self.watched.difference(&wanted) {
            let _ = self.debouncer.unwatch(gone);
        }
        for directory in wanted.difference(&self.watched) {
            if let Err(e) = self.debouncer.watch(directory, RecursiveMode::NonRecursive) {
                warn!(error = %e, dir = %directory.display(), "cannot watch a configuration directory; reload with SIGHUP after changing files in it");
            }
        }
        self.watched = wanted;
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "a failed expectation is a test failure")]

    use notify_debouncer_full::notify::event::{
        AccessKind, AccessMode, CreateKind, DataChange, MetadataKind, ModifyKind, RenameMode,
    };
    use notify_debouncer_full::notify::{Event, EventKind};

    use super::*;

    fn event(kind: EventKind, paths: &[&Path]) -> Event {
        paths.iter().fold(Event::new(kind), |event, path| {
            event.add_path(path.to_path_buf())
        })
    }

    #[test]
    fn reading_a_file_is_not_a_change() {
        let dir = Path::new("/etc/nbu");
        let config = dir.join("config.yaml");
        let interest = Interest::new(&[config.clone(), dir.join(".env")], None);
        for kind in [
            EventKind::Access(AccessKind::Open(AccessMode::Any)),
            EventKind::Access(AccessKind::Read),
            EventKind::Access(AccessKind::Close(AccessMode::Read)),
            EventKind::Access(AccessKind::Any),
            EventKind::Modify(ModifyKind::Metadata(MetadataKind::AccessTime)),
        ] {
            assert!(
                !interest.is_relevant(&event(kind, &[&config])),
                "{kind:?} is not a change"
            );
        }
        for kind in [
            EventKind::Access(AccessKind::Close(AccessMode::Write)),
            EventKind::Modify(ModifyKind::Data(DataChange::Content)),
            EventKind::Modify(ModifyKind::Name(RenameMode::To)),
            EventKind::Create(CreateKind::File),
            EventKind::Remove(notify_debouncer_full::notify::event::RemoveKind::File),
        ] {
            assert!(
                interest.is_relevant(&event(kind, &[&config])),
                "{kind:?} may be a change"
            );
        }
    }

    #[test]
    fn only_files_of_the_configuration_count_and_never_the_log() {
        let dir = Path::new("/etc/nbu");
        let ca = Path::new("/etc/pki/nbu-ca.pem");
        let log = dir.join("exporter.log");
        let files = [dir.join("config.yaml"), dir.join(".env"), ca.to_path_buf()];
        let interest = Interest::new(&files, Some(log.clone()));
        let write = EventKind::Modify(ModifyKind::Data(DataChange::Any));
        assert!(interest.is_relevant(&event(write, &[&dir.join(".env")])));
        assert!(
            interest.is_relevant(&event(write, &[ca])),
            "the caFile counts"
        );
        assert!(
            !interest.is_relevant(&event(write, &[&log])),
            "the log never counts"
        );
        assert!(!interest.is_relevant(&event(write, &[&dir.join("other.yaml")])));
        assert!(!interest.is_relevant(&event(write, &[Path::new("/etc/pki/other.pem")])));
        // A ConfigMap update: `..data_tmp` renamed over `..data`, in a watched directory only.
        let swap = EventKind::Modify(ModifyKind::Name(RenameMode::Both));
        assert!(interest.is_relevant(&event(
            swap,
            &[&dir.join("..data_tmp"), &dir.join("..data")]
        )));
        assert!(!interest.is_relevant(&event(swap, &[Path::new("/var/..data")])));
        // The log file is ignored even if it were named like an input.
        let odd = Interest::new(&files, Some(dir.join(".env")));
        assert!(!odd.is_relevant(&event(write, &[&dir.join(".env")])));
    }

    #[test]
    fn the_fingerprint_follows_content_not_access() {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("config.yaml");
        let ca = dir.path().join("ca.pem");
        std::fs::write(&config, "a: 1\n").unwrap();
        std::fs::write(&ca, "CA one").unwrap();
        let files = [config.clone(), dir.path().join(".env"), ca.clone()];
        let first = Fingerprint::of(&files);
        let _ = std::fs::read(&config).unwrap();
        assert_eq!(Fingerprint::of(&files), first, "reading changes nothing");
        std::fs::write(&ca, "CA two").unwrap();
        let rotated = Fingerprint::of(&files);
        assert_ne!(rotated, first, "a rotated CA is a change");
        std::fs::write(dir.path().join(".env"), "X=1\n").unwrap();
        assert_ne!(Fingerprint::of(&files), rotated, "a new .env is a change");
        assert_ne!(file_digest(&ca), None);
        assert_eq!(file_digest(&dir.path().join("missing.pem")), None);
    }

    #[test]
    fn inputs_are_the_file_the_env_and_each_ca_file_once() {
        let files = input_files(Path::new("/etc/nbu/config.yaml"), None);
        assert_eq!(
            files,
            [
                PathBuf::from("/etc/nbu/config.yaml"),
                PathBuf::from("/etc/nbu/.env")
            ]
        );
    }
}
