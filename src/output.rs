//! Output files and result folders: the one place that stages, locks and
//! commits what racesim writes.
//!
//! - [`write_atomic`] and [`AtomicFile`]: a single file is written to a
//!   temporary file beside it, flushed to disk and renamed over the target,
//!   so a reader sees the old file or the new one, never half of one.
//! - [`ResultDir`]: a result folder (`output/NAME/`) is written whole into a
//!   hidden staging folder beside it and put in place by one atomic rename.
//!   The result it replaces becomes `NAME.previous/` (replacing an older
//!   one), or is deleted with [`Replace::Discard`] (`--force`).
//!
//! # Locking and commit
//!
//! Two locks, both advisory file locks (`flock`, through `std::fs::File::lock`)
//! that the kernel releases when the process dies, so no PID file can go
//! stale:
//!
//! - the **folder lock**, on the parent folder itself (`output/`), held only
//!   while a run creates its staging folder and while it commits: two commits
//!   into the same parent never interleave;
//! - the **staging lock**, on the run's own staging folder
//!   (`.NAME.staging-ID`), held from [`ResultDir::prepare`] to the end of the
//!   commit: it is the proof that the run is alive. Staging folders whose
//!   lock can be taken belong to runs that died; the next run into the same
//!   folder removes them (under the folder lock, so it never races with a
//!   run that is creating or committing one).
//!
//! A commit, under the folder lock: every staged file is already flushed
//! ([`AtomicFile`]); on Linux `renameat2(RENAME_EXCHANGE)` swaps the staging
//! folder and `NAME` in one step (elsewhere, or where the file system does
//! not support it, `NAME` is renamed aside first); the old result, now at
//! the staging path, is renamed to `.NAME.old-ID` and then to
//! `NAME.previous` (an older `NAME.previous` goes to `.NAME.trash-ID` first,
//! then is deleted). Nested results (`shard-K-of-N/`, written by `--shard`
//! runs into `NAME/`) are separate results, not files of the one replaced:
//! they are moved into the new folder, so a merge into `NAME/` does not
//! move its own shards away.
//!
//! Whatever moment a process dies at, `NAME` holds the old result or the new
//! one, whole. The next run into the same folder finishes what a dead one
//! left: a stale `.NAME.old-ID` (the old result, renamed aside) becomes
//! `NAME.previous` (or `NAME` again if `NAME` is missing), and stale staging
//! and trash folders are deleted.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// The current bytes of a file, if any (or why they cannot be read).
pub type Current = Option<Result<Vec<u8>, String>>;

/// What [`update_file`] calls: the new bytes from the current ones.
pub type Update<'a> = &'a mut dyn FnMut(Current) -> Option<Vec<u8>>;

/// Updates the file `path` under its folder's lock: `f` gets its current
/// bytes (`None` when there is no file; an error when it is not a regular
/// file of at most `max` bytes) and returns the new bytes, written
/// atomically, or `None` to leave the file as it is. Two processes updating
/// the same file one after the other each see the other's update, so an
/// append never loses rows.
pub fn update_file(path: &Path, max: u64, f: Update<'_>) -> Result<(), WriteError> {
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    create_dirs(&parent).map_err(|e| WriteError::new(path, e))?;
    let lock = FolderLock::take(&parent).map_err(|e| WriteError::new(path, e))?;
    let current = match std::fs::symlink_metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        _ => Some(crate::input::read_bytes_why(path, max)),
    };
    if let Some(bytes) = f(current) {
        write_atomic(path, &bytes)?;
    }
    drop(lock);
    Ok(())
}

/// A file or folder that could not be written.
#[derive(Debug, thiserror::Error)]
#[error("cannot write {}: {source}", path.display())]
pub struct WriteError {
    /// The target path.
    pub path: PathBuf,
    /// The cause.
    #[source]
    pub source: std::io::Error,
}

impl WriteError {
    fn new(path: &Path, source: std::io::Error) -> Self {
        WriteError {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// The suffix of a result's previous version: `NAME.previous`.
pub const PREVIOUS_SUFFIX: &str = ".previous";

/// A name no other temporary file of this process or any other has: the
/// process id, then a counter.
fn unique_id() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    format!(
        "{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// Writes `bytes` to `path` atomically, creating parent folders.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    let mut f = AtomicFile::create(path)?;
    f.write_all(bytes)
        .map_err(|source| WriteError::new(path, source))?;
    f.commit()
}

/// A file written as a stream and put in place atomically: it is written to
/// a temporary file beside the target, which [`AtomicFile::commit`] renames
/// over the target; dropped without a commit (an error on the way), the
/// temporary file is removed and the target left as it was.
///
/// The target is replaced, not written through: if it is a symbolic link,
/// the link is replaced by the file. Callers that must not do that (a
/// history file) check first.
pub struct AtomicFile {
    path: PathBuf,
    tmp: PathBuf,
    out: Option<std::io::BufWriter<File>>,
}

impl AtomicFile {
    /// Starts writing `path` (creating parent folders).
    pub fn create(path: &Path) -> Result<AtomicFile, WriteError> {
        let err = |source| WriteError::new(path, source);
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            create_dirs(dir).map_err(err)?;
        }
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let tmp = path.with_file_name(format!(".{name}.{}.tmp", unique_id()));
        let file = File::create(&tmp).map_err(err)?;
        Ok(AtomicFile {
            path: path.to_path_buf(),
            tmp,
            out: Some(std::io::BufWriter::new(file)),
        })
    }

    /// Flushes, syncs and renames the file over the target.
    pub fn commit(mut self) -> Result<(), WriteError> {
        let result = match self.out.take() {
            Some(out) => out
                .into_inner()
                .map_err(|e| e.into_error())
                .and_then(|f| f.sync_all())
                .and_then(|()| std::fs::rename(&self.tmp, &self.path)),
            None => Ok(()),
        };
        result.map_err(|source| WriteError::new(&self.path, source))
    }

    /// The target path.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match &mut self.out {
            Some(o) => o.write(buf),
            None => Err(std::io::Error::other("file already committed")),
        }
    }
    fn flush(&mut self) -> std::io::Result<()> {
        match &mut self.out {
            Some(o) => o.flush(),
            None => Ok(()),
        }
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        // Not committed (or the rename failed): leave no temporary file.
        self.out.take();
        let _ = std::fs::remove_file(&self.tmp);
    }
}

/// `create_dir_all`, with a clear message when a part of the path is a file
/// or a symbolic link to nowhere.
fn create_dirs(dir: &Path) -> std::io::Result<()> {
    for a in dir.ancestors().filter(|a| !a.as_os_str().is_empty()) {
        let Ok(meta) = std::fs::symlink_metadata(a) else {
            continue;
        };
        if meta.file_type().is_symlink() {
            match std::fs::metadata(a) {
                Err(_) => {
                    let to = std::fs::read_link(a)
                        .map(|t| t.display().to_string())
                        .unwrap_or_else(|_| "?".into());
                    return Err(std::io::Error::other(format!(
                        "{} is a symbolic link to {to}, which does not exist",
                        a.display()
                    )));
                }
                Ok(m) if !m.is_dir() => {
                    return Err(std::io::Error::other(format!(
                        "{} is a link to a file, not a folder",
                        a.display()
                    )));
                }
                Ok(_) => {}
            }
        } else if !meta.is_dir() {
            return Err(std::io::Error::other(format!(
                "{} is a file, not a folder",
                a.display()
            )));
        }
        break;
    }
    std::fs::create_dir_all(dir)
}

/// What a commit does with the result it replaces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Replace {
    /// Keep it as `NAME.previous` (replacing an older one).
    KeepPrevious,
    /// Delete it (`--force`); an existing `NAME.previous` is left as it is.
    Discard,
}

/// The steps of a commit, for tests that inject a failure at each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Step {
    /// Before anything moves.
    Start,
    /// The new result is in place; the old one is at the staging path.
    Swapped,
    /// The old result is at `.NAME.old-ID`.
    Aside,
    /// Nested shard results were moved into the new folder.
    Carried,
    /// An older `NAME.previous` went to the trash.
    Trashed,
}

/// A result folder being written: files go to [`ResultDir::staging`] and
/// are put in place by [`ResultDir::commit`]. Dropped without a commit, the
/// staging folder is removed.
#[derive(Debug)]
pub struct ResultDir {
    target: PathBuf,
    parent: PathBuf,
    name: String,
    id: String,
    staging: PathBuf,
    /// Holds the staging lock (on the staging folder) while the run lives.
    staging_lock: Option<File>,
    replace: Replace,
    committed: bool,
}

/// What a commit did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Committed {
    /// The result folder.
    pub dir: PathBuf,
    /// Where the result it replaced went (`NAME.previous`), if it kept one.
    pub previous: Option<PathBuf>,
}

/// The folder lock: an exclusive lock on the folder `parent` itself, released
/// when dropped.
struct FolderLock(File);

impl FolderLock {
    fn take(parent: &Path) -> std::io::Result<FolderLock> {
        let f = File::open(parent)?;
        f.lock()?;
        Ok(FolderLock(f))
    }
}

impl Drop for FolderLock {
    fn drop(&mut self) {
        let _ = self.0.unlock();
    }
}

impl ResultDir {
    /// Prepares the result folder `target`: creates its parent, removes what
    /// dead runs left beside it, and creates and locks this run's staging
    /// folder, so an unwritable place fails here, before anything runs.
    pub fn prepare(target: PathBuf, replace: Replace) -> Result<ResultDir, WriteError> {
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .filter(|n| !n.is_empty() && n != "." && n != "..")
            .ok_or_else(|| {
                WriteError::new(
                    &target,
                    std::io::Error::other("a result folder needs a name"),
                )
            })?;
        let parent = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        if let Ok(meta) = std::fs::symlink_metadata(&target)
            && !meta.is_dir()
        {
            let why = if meta.file_type().is_symlink() {
                "is a symbolic link: give a folder, or remove the link"
            } else {
                "is a file, not a folder"
            };
            return Err(WriteError::new(
                &target,
                std::io::Error::other(format!("{} {why}", target.display())),
            ));
        }
        create_dirs(&parent).map_err(|e| WriteError::new(&target, e))?;
        let id = unique_id();
        let staging = parent.join(format!(".{name}.staging-{id}"));
        let err = |e| WriteError::new(&target, e);
        let lock = FolderLock::take(&parent).map_err(err)?;
        recover(&parent, &name);
        std::fs::create_dir(&staging).map_err(err)?;
        let staging_lock = File::open(&staging)
            .and_then(|f| f.try_lock().map_err(std::io::Error::from).map(|()| f))
            .inspect_err(|_| {
                let _ = std::fs::remove_dir_all(&staging);
            })
            .map_err(err)?;
        drop(lock);
        Ok(ResultDir {
            target,
            parent,
            name,
            id,
            staging,
            staging_lock: Some(staging_lock),
            replace,
            committed: false,
        })
    }

    /// Where to write the files now.
    pub fn staging(&self) -> &Path {
        &self.staging
    }

    /// The folder the result will be in.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// `NAME.previous`, where the result this one replaces goes.
    pub fn previous(&self) -> PathBuf {
        self.parent.join(format!("{}{PREVIOUS_SUFFIX}", self.name))
    }

    fn aside(&self) -> PathBuf {
        self.parent.join(format!(".{}.old-{}", self.name, self.id))
    }

    fn trash(&self) -> PathBuf {
        self.parent
            .join(format!(".{}.trash-{}", self.name, self.id))
    }

    /// Puts the staged result in place (see the module documentation).
    pub fn commit(self) -> Result<Committed, WriteError> {
        self.commit_with(&mut |_| Ok(()))
    }

    /// [`Self::commit`], calling `fault` at each step: an error it returns
    /// stops the commit there, as a failing disk would.
    pub(crate) fn commit_with(
        mut self,
        fault: &mut dyn FnMut(Step) -> std::io::Result<()>,
    ) -> Result<Committed, WriteError> {
        let target = self.target.clone();
        let err = |e| WriteError::new(&target, e);
        let lock = FolderLock::take(&self.parent).map_err(err)?;
        fault(Step::Start).map_err(err)?;
        let had_old = match std::fs::symlink_metadata(&self.target) {
            Ok(_) => {
                swap(&self.staging, &self.target, &self.aside()).map_err(err)?;
                true
            }
            Err(_) => {
                std::fs::rename(&self.staging, &self.target).map_err(err)?;
                false
            }
        };
        // the new result is in place: from here on, nothing is deleted by
        // dropping this value
        self.committed = true;
        fault(Step::Swapped).map_err(err)?;
        let mut previous = None;
        if had_old {
            let aside = self.aside();
            if self.staging.exists() {
                std::fs::rename(&self.staging, &aside).map_err(err)?;
            }
            fault(Step::Aside).map_err(err)?;
            carry_nested(&aside, &self.target).map_err(err)?;
            fault(Step::Carried).map_err(err)?;
            match self.replace {
                Replace::KeepPrevious => {
                    let prev = self.previous();
                    if std::fs::symlink_metadata(&prev).is_ok() {
                        std::fs::rename(&prev, self.trash()).map_err(err)?;
                    }
                    fault(Step::Trashed).map_err(err)?;
                    std::fs::rename(&aside, &prev).map_err(err)?;
                    let _ = std::fs::remove_dir_all(self.trash());
                    previous = Some(prev);
                }
                Replace::Discard => {
                    std::fs::rename(&aside, self.trash()).map_err(err)?;
                    fault(Step::Trashed).map_err(err)?;
                    let _ = std::fs::remove_dir_all(self.trash());
                }
            }
        }
        if let Ok(d) = File::open(&self.parent) {
            let _ = d.sync_all();
        }
        drop(lock);
        Ok(Committed {
            dir: self.target.clone(),
            previous,
        })
    }
}

impl Drop for ResultDir {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_dir_all(&self.staging);
        }
        if let Some(l) = self.staging_lock.take() {
            let _ = l.unlock();
        }
    }
}

/// Moves `staging` to `target` and the old `target` to `staging`, in one
/// step where the system can (Linux `renameat2(RENAME_EXCHANGE)`); else
/// renames the old `target` to `aside` first (a dead process leaves it there,
/// and [`recover`] puts it back).
fn swap(staging: &Path, target: &Path, aside: &Path) -> std::io::Result<()> {
    #[cfg(target_os = "linux")]
    {
        match exchange(staging, target) {
            Ok(()) => return Ok(()),
            // not supported by this kernel or file system: the fallback
            Err(e) if matches!(e.raw_os_error(), Some(libc::EINVAL | libc::ENOSYS)) => {}
            Err(e) => return Err(e),
        }
    }
    std::fs::rename(target, aside)?;
    std::fs::rename(staging, target)
}

/// `renameat2(a, b, RENAME_EXCHANGE)`: swaps two paths atomically.
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let c = |p: &Path| {
        CString::new(p.as_os_str().as_bytes())
            .map_err(|_| std::io::Error::other("a path with a NUL byte"))
    };
    let (a, b) = (c(a)?, c(b)?);
    // SAFETY: both are valid NUL-terminated strings that outlive the call;
    // the syscall reads them and writes nothing.
    let r = unsafe {
        libc::syscall(
            libc::SYS_renameat2,
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if r == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

/// True for the names of nested results and of their staging entries:
/// `shard-K-of-N`, `.shard-K-of-N.staging-ID`...
fn is_nested(name: &str) -> bool {
    let n = name.strip_prefix('.').unwrap_or(name);
    n.starts_with("shard-") && n.contains("-of-")
}

/// Moves the nested results of the old folder `old` into the new one, `new`
/// (those the new one does not have itself).
fn carry_nested(old: &Path, new: &Path) -> std::io::Result<()> {
    let Ok(entries) = std::fs::read_dir(old) else {
        return Ok(());
    };
    let mut names: Vec<_> = entries
        .filter_map(Result::ok)
        .map(|e| e.file_name())
        .filter(|n| is_nested(&n.to_string_lossy()))
        .collect();
    names.sort();
    for n in names {
        let to = new.join(&n);
        if std::fs::symlink_metadata(&to).is_err() {
            std::fs::rename(old.join(&n), to)?;
        }
    }
    Ok(())
}

/// What dead runs left beside the result folder `parent/name`, finished or
/// removed (call with the folder lock held): staging folders whose lock is
/// free are deleted; an old result left aside (`.NAME.old-ID`) goes back to
/// `NAME` if `NAME` is missing, else becomes `NAME.previous`; trash is
/// deleted.
fn recover(parent: &Path, name: &str) {
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    let prefix = format!(".{name}.");
    let mut found: Vec<(String, PathBuf)> = entries
        .filter_map(Result::ok)
        .filter_map(|e| {
            let n = e.file_name().to_string_lossy().into_owned();
            let kind = n.strip_prefix(&prefix)?.split('-').next()?.to_string();
            Some((kind, e.path()))
        })
        .collect();
    found.sort();
    let target = parent.join(name);
    for (kind, path) in found {
        match kind.as_str() {
            "staging" => {
                let alive = File::open(&path).is_ok_and(|f| match f.try_lock() {
                    Ok(()) => {
                        let _ = f.unlock();
                        false
                    }
                    Err(_) => true,
                });
                if !alive {
                    let _ = std::fs::remove_dir_all(&path);
                }
            }
            "old" => {
                if std::fs::symlink_metadata(&target).is_err() {
                    let _ = std::fs::rename(&path, &target);
                } else {
                    let _ = carry_nested(&path, &target);
                    let prev = parent.join(format!("{name}{PREVIOUS_SUFFIX}"));
                    let trash = parent.join(format!(".{name}.trash-{}", unique_id()));
                    if std::fs::symlink_metadata(&prev).is_ok() {
                        let _ = std::fs::rename(&prev, &trash);
                    }
                    let _ = std::fs::rename(&path, &prev);
                    let _ = std::fs::remove_dir_all(&trash);
                }
            }
            "trash" => {
                let _ = std::fs::remove_dir_all(&path);
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_whole_files() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a/b/summary.csv");
        write_atomic(&p, b"one").unwrap();
        write_atomic(&p, b"two").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"two");
        let left: Vec<_> = std::fs::read_dir(p.parent().unwrap()).unwrap().collect();
        assert_eq!(left.len(), 1, "no temporary file is left behind");
    }

    #[test]
    fn streamed_files_appear_whole_or_not_at_all() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("events.csv");
        write_atomic(&p, b"old").unwrap();
        let mut f = AtomicFile::create(&p).unwrap();
        f.write_all(b"half").unwrap();
        drop(f);
        assert_eq!(
            std::fs::read(&p).unwrap(),
            b"old",
            "an abandoned write changes nothing"
        );
        let mut f = AtomicFile::create(&p).unwrap();
        f.write_all(b"new ").unwrap();
        f.write_all(b"file").unwrap();
        f.commit().unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"new file");
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(left.len(), 1, "no temporary file is left behind");
    }

    /// The names in `dir`, sorted.
    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    /// The files of a result folder as `name=content` (nested folders as
    /// `name/`).
    fn content(dir: &Path) -> Vec<String> {
        names(dir)
            .into_iter()
            .map(|n| {
                let p = dir.join(&n);
                if p.is_dir() {
                    format!("{n}/")
                } else {
                    format!("{n}={}", std::fs::read_to_string(p).unwrap())
                }
            })
            .collect()
    }

    /// Commits a result of `files` (name, content) into `target`.
    fn result(target: &Path, replace: Replace, files: &[(&str, &str)]) -> Committed {
        let d = ResultDir::prepare(target.to_path_buf(), replace).unwrap();
        for (n, c) in files {
            write_atomic(&d.staging().join(n), c.as_bytes()).unwrap();
        }
        d.commit().unwrap()
    }

    #[test]
    fn a_rerun_replaces_the_folder_and_keeps_one_previous() {
        let tmp = tempfile::tempdir().unwrap();
        let want = tmp.path().join("lisa");
        let c = result(&want, Replace::KeepPrevious, &[("summary.csv", "1")]);
        assert_eq!(c.previous, None);
        result(
            &want,
            Replace::KeepPrevious,
            &[("summary.csv", "2"), ("a.svg", "2")],
        );
        let c = result(&want, Replace::KeepPrevious, &[("summary.csv", "3")]);
        assert_eq!(c.previous, Some(tmp.path().join("lisa.previous")));
        // the newest whole, the one before it whole, nothing older
        assert_eq!(content(&want), ["summary.csv=3"]);
        assert_eq!(
            content(&tmp.path().join("lisa.previous")),
            ["a.svg=2", "summary.csv=2"]
        );
        assert_eq!(names(tmp.path()), ["lisa", "lisa.previous"]);
    }

    #[test]
    fn discard_replaces_the_folder_without_a_previous_copy() {
        let tmp = tempfile::tempdir().unwrap();
        let want = tmp.path().join("lisa");
        result(
            &want,
            Replace::KeepPrevious,
            &[("summary.csv", "1"), ("old.svg", "1")],
        );
        let c = result(&want, Replace::Discard, &[("summary.csv", "2")]);
        assert_eq!(c.previous, None);
        // no chart of the old result beside the new files
        assert_eq!(content(&want), ["summary.csv=2"]);
        assert_eq!(names(tmp.path()), ["lisa"]);
    }

    #[test]
    fn nested_shard_results_survive_a_new_result() {
        let tmp = tempfile::tempdir().unwrap();
        let want = tmp.path().join("lisa");
        result(
            &want.join("shard-1-of-2"),
            Replace::KeepPrevious,
            &[("replications.csv", "s1")],
        );
        result(&want, Replace::KeepPrevious, &[("summary.csv", "merged")]);
        assert_eq!(content(&want), ["shard-1-of-2/", "summary.csv=merged"]);
        assert_eq!(content(&want.join("shard-1-of-2")), ["replications.csv=s1"]);
        assert_eq!(
            content(&tmp.path().join("lisa.previous")),
            Vec::<String>::new()
        );
    }

    #[test]
    fn a_dropped_result_leaves_nothing() {
        let tmp = tempfile::tempdir().unwrap();
        let d = ResultDir::prepare(tmp.path().join("x"), Replace::KeepPrevious).unwrap();
        std::fs::write(d.staging().join("summary.csv"), "new").unwrap();
        drop(d);
        assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 0);
    }

    #[test]
    fn a_file_or_a_dangling_link_in_the_way_is_named() {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("f");
        std::fs::write(&file, "x").unwrap();
        let e = ResultDir::prepare(file.join("out/lisa"), Replace::KeepPrevious).unwrap_err();
        assert!(e.to_string().contains("is a file, not a folder"), "{e}");
        #[cfg(unix)]
        {
            let link = tmp.path().join("link");
            std::os::unix::fs::symlink(tmp.path().join("nowhere"), &link).unwrap();
            let e = ResultDir::prepare(link.join("lisa"), Replace::KeepPrevious).unwrap_err();
            assert!(e.to_string().contains("symbolic link"), "{e}");
            assert!(e.to_string().contains("does not exist"), "{e}");
        }
    }

    /// A stale staging folder (its run died) is removed by the next run; a
    /// live one (its lock held) is not.
    #[test]
    fn stale_staging_is_removed_and_live_staging_is_not() {
        let tmp = tempfile::tempdir().unwrap();
        let want = tmp.path().join("lisa");
        let stale = tmp.path().join(".lisa.staging-1-1");
        std::fs::create_dir(&stale).unwrap();
        std::fs::write(stale.join("summary.csv"), "dead").unwrap();
        let live = ResultDir::prepare(want.clone(), Replace::KeepPrevious).unwrap();
        assert!(!stale.exists(), "stale staging removed");
        let other = ResultDir::prepare(want.clone(), Replace::KeepPrevious).unwrap();
        assert!(live.staging().exists(), "a live run's staging is kept");
        drop(other);
        drop(live);
        assert_eq!(names(tmp.path()), Vec::<String>::new());
    }

    /// Every step of a commit failing (a full disk, a dying process) leaves
    /// the old or the new result whole at `NAME`, and the next run finishes
    /// the job: one result, one previous, no leftovers.
    #[test]
    fn a_commit_failing_at_any_step_leaves_a_whole_result() {
        let steps = [
            Step::Start,
            Step::Swapped,
            Step::Aside,
            Step::Carried,
            Step::Trashed,
        ];
        for replace in [Replace::KeepPrevious, Replace::Discard] {
            for step in steps {
                let tmp = tempfile::tempdir().unwrap();
                let want = tmp.path().join("lisa");
                result(&want, Replace::KeepPrevious, &[("summary.csv", "1")]);
                result(&want, Replace::KeepPrevious, &[("summary.csv", "2")]);
                let d = ResultDir::prepare(want.clone(), replace).unwrap();
                write_atomic(&d.staging().join("summary.csv"), b"3").unwrap();
                write_atomic(&d.staging().join("x.svg"), b"3").unwrap();
                let e = d
                    .commit_with(&mut |s| {
                        if s == step {
                            Err(std::io::Error::other("injected"))
                        } else {
                            Ok(())
                        }
                    })
                    .unwrap_err();
                assert!(e.to_string().contains("injected"), "{e}");
                let now = content(&want);
                let whole = now == ["summary.csv=2"] || now == ["summary.csv=3", "x.svg=3"];
                assert!(whole, "{replace:?} at {step:?}: {now:?}");
                // the next run recovers what the failed one left
                result(&want, Replace::KeepPrevious, &[("summary.csv", "4")]);
                assert_eq!(content(&want), ["summary.csv=4"]);
                let prev = content(&tmp.path().join("lisa.previous"));
                assert!(
                    prev == ["summary.csv=3", "x.svg=3"] || prev == ["summary.csv=2"],
                    "{replace:?} at {step:?}: previous {prev:?}"
                );
                assert_eq!(
                    names(tmp.path()),
                    ["lisa", "lisa.previous"],
                    "{replace:?} at {step:?}"
                );
            }
        }
    }
}
