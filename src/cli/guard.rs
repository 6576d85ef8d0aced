//! Resource guards and output safety for the commands that run simulations.
//!
//! - `--max-events N`: before anything runs, the expected work (simulated
//!   users or transactions, over every replication and sweep point this
//!   invocation runs) is compared with `N`; beyond it the run is refused (exit
//!   2) with the estimate and the flag that allows it.
//! - `--time-limit D`: a timer thread sets a stop flag after `D`; no new
//!   replication starts, running ones stop at the engine's next check and are
//!   dropped, and the replications that finished (a prefix, in index order)
//!   are written and marked partial (see [`crate::experiment::run_replications`]).
//! - Result folders ([`ResultDir`]): a run writes into a hidden staging
//!   folder beside its result folder and moves the files into place only when
//!   all are written, so a run killed midway leaves no half-written result and
//!   never touches an earlier one. A folder that already holds a result (a
//!   `summary.csv` or `replications.csv`) is never overwritten without
//!   `--force`: the new result goes to the first free `NAME-2`, `NAME-3`...
//!   and a note says so.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::time::Duration;

use clap::Args;

use crate::Error;
use crate::experiment::{Point, shard_share};
use crate::report::files::WriteError;
use crate::report::fmt_num;
use crate::time::parse_duration;

/// The default of `--max-events`: 10^11 simulated users or transactions
/// (hours of work for the checkout model, over ten minutes for the terminal
/// model, on a laptop).
pub const DEFAULT_MAX_EVENTS: f64 = 1e11;

/// The guard options shared by the commands that run simulations.
#[derive(Debug, Clone, Default, Args)]
pub struct Guards {
    /// Stop after this long (e.g. 30s, 10m, 2h): write the replications that
    /// finished, marked partial
    #[arg(long, value_name = "DURATION", allow_negative_numbers = true)]
    pub time_limit: Option<String>,
    /// Refuse a run expected to simulate more than N users or transactions
    /// in all (default 1e11); raise it to run a bigger study
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub max_events: Option<String>,
    /// Replace an earlier result in the output folder (default: write to a
    /// new folder NAME-2, NAME-3, ... beside it)
    #[arg(long)]
    pub force: bool,
}

impl Guards {
    /// `--time-limit` parsed.
    pub fn time_limit(&self) -> Result<Option<Duration>, Error> {
        let Some(text) = &self.time_limit else {
            return Ok(None);
        };
        let bad = |why: String| {
            Error::Usage(format!(
                "--time-limit {text}: {why}; expected a positive duration such as 30s, 10m or 2h"
            ))
        };
        let d = parse_duration(text).map_err(|e| bad(e.to_string()))?;
        if d.as_nanos() <= 0 {
            return Err(bad("not positive".into()));
        }
        Ok(Some(Duration::from_nanos(d.as_nanos() as u64)))
    }

    /// `--max-events` parsed (the default when absent).
    pub fn max_events(&self) -> Result<f64, Error> {
        let Some(text) = &self.max_events else {
            return Ok(DEFAULT_MAX_EVENTS);
        };
        let n: f64 = text.trim().replace('_', "").parse().map_err(|_| {
            Error::Usage(format!(
                "--max-events {text}: expected a number of users or transactions, e.g. 1e12"
            ))
        })?;
        if !(n.is_finite() && n >= 0.0) {
            return Err(Error::Usage(format!(
                "--max-events {text}: expected a finite number at least 0, e.g. 1e12"
            )));
        }
        Ok(n)
    }
}

/// The expected simulated users or transactions of running `points` (this
/// shard's replications of each), and the unit's name.
pub fn expected_work(points: &[Point], shard: Option<(u64, u64)>) -> (f64, &'static str) {
    let mut total = 0.0;
    let mut unit = "users";
    for (_, sc) in points {
        let defs = sc.metrics();
        let Some(m) = defs
            .iter()
            .find(|m| m.name == "users" || m.name == "transactions")
        else {
            continue;
        };
        unit = if m.name == "users" {
            "users"
        } else {
            "transactions"
        };
        // the estimate is a total over the scenario's replications
        let per_rep = m.estimate.unwrap_or(0.0) / f64::from(sc.replications.max(1));
        let share = shard_share(sc, shard);
        let parts = share.part.map_or(1.0, |(_, n)| n as f64);
        total += per_rep * share.indices.len() as f64 / parts;
    }
    (total, unit)
}

/// Refuses a run whose expected work is beyond `max`.
pub fn check_work(points: &[Point], shard: Option<(u64, u64)>, max: f64) -> Result<(), Error> {
    let (work, unit) = expected_work(points, shard);
    if work > max {
        let reps: u32 = points
            .iter()
            .map(|(_, sc)| sc.replications)
            .max()
            .unwrap_or(0);
        return Err(Error::Usage(format!(
            "this run would simulate about {} {unit} ({} point(s), {reps} replication(s) each), \
             beyond --max-events {}; lower the replications, horizon or sweep, or pass \
             --max-events {} to run it anyway",
            sci(work),
            points.len(),
            sci(max),
            sci((work * 1.01).ceil())
        )));
    }
    Ok(())
}

/// A number for a message: plain below a million, else `1.23e9`.
fn sci(x: f64) -> String {
    if x < 1e6 {
        fmt_num(x.round())
    } else {
        format!("{x:.3e}")
    }
}

/// The error when a time limit ran out before any replication of
/// `scenario` finished.
pub fn nothing_finished(limit: Option<&TimeLimit>, scenario: &str) -> Error {
    Error::Incomplete(format!(
        "the time limit ({}) was reached before any replication of {scenario} finished: \
         nothing written; raise --time-limit, or lower the horizon",
        limit.map(TimeLimit::describe).unwrap_or_default()
    ))
}

/// A timer that sets a stop flag after a time limit; dropping it ends the
/// timer thread.
pub struct TimeLimit {
    flag: Arc<AtomicBool>,
    limit: Duration,
    _done: Sender<()>,
}

impl TimeLimit {
    /// Starts the timer.
    pub fn start(limit: Duration) -> Self {
        let flag = Arc::new(AtomicBool::new(false));
        let (tx, rx) = mpsc::channel::<()>();
        let f = flag.clone();
        std::thread::spawn(move || {
            if let Err(RecvTimeoutError::Timeout) = rx.recv_timeout(limit) {
                f.store(true, Ordering::Relaxed);
            }
        });
        TimeLimit {
            flag,
            limit,
            _done: tx,
        }
    }
    /// The flag the run watches.
    pub fn flag(&self) -> Arc<AtomicBool> {
        self.flag.clone()
    }
    /// True once the limit was reached.
    pub fn reached(&self) -> bool {
        self.flag.load(Ordering::Relaxed)
    }
    /// The limit as the user wrote it would read (`1s`, `2m 30s`...).
    pub fn describe(&self) -> String {
        humantime(self.limit)
    }
}

fn humantime(d: Duration) -> String {
    let ms = d.as_millis();
    if !ms.is_multiple_of(1000) || ms < 1000 {
        return format!("{:.3}s", d.as_secs_f64());
    }
    let s = ms / 1000;
    let (h, m, s) = (s / 3600, s / 60 % 60, s % 60);
    let mut parts = Vec::new();
    if h > 0 {
        parts.push(format!("{h}h"));
    }
    if m > 0 {
        parts.push(format!("{m}m"));
    }
    if s > 0 {
        parts.push(format!("{s}s"));
    }
    parts.join(" ")
}

/// This machine's name, as staging folders carry it (`localhost` if unknown).
fn host() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|h| {
            h.trim()
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '.')
                .collect::<String>()
        })
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".into())
}

/// Removes the staging folders beside `staging` left by killed runs: those
/// named `.NAME.partial-HOST-PID` made on this host whose process is gone
/// (checked in `/proc`; where there is no `/proc`, nothing is removed). Shards
/// writing to a shared file system from other machines are left alone.
fn remove_stale_staging(staging: &Path) {
    let proc = Path::new("/proc/self");
    let (Some(parent), true) = (staging.parent(), proc.exists()) else {
        return;
    };
    let parent = if parent.as_os_str().is_empty() {
        Path::new(".")
    } else {
        parent
    };
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    let me = host();
    for e in entries.filter_map(Result::ok) {
        let name = e.file_name().to_string_lossy().into_owned();
        let Some((host, pid)) = name
            .strip_prefix('.')
            .and_then(|n| n.rsplit_once(".partial-"))
            .and_then(|(_, tail)| tail.rsplit_once('-'))
            .and_then(|(h, pid)| Some((h, pid.parse::<u32>().ok()?)))
        else {
            continue;
        };
        if host == me && pid != std::process::id() && !Path::new(&format!("/proc/{pid}")).exists() {
            let _ = std::fs::remove_dir_all(e.path());
        }
    }
}

/// True when `dir` holds a racesim result.
pub fn holds_result(dir: &Path) -> bool {
    dir.join("summary.csv").exists() || dir.join("replications.csv").exists()
}

/// A result folder being written: files go to a hidden staging folder beside
/// the target and are moved into place by [`ResultDir::commit`]. Dropped
/// without a commit, the staging folder is removed.
pub struct ResultDir {
    target: PathBuf,
    staging: PathBuf,
    /// Why the target is not the folder asked for (an earlier result was there).
    pub note: Option<String>,
    committed: bool,
}

impl ResultDir {
    /// Prepares the result folder `wanted`: picks the folder (`wanted`, or the
    /// first free `wanted-2`, `wanted-3`... when `wanted` holds an earlier
    /// result and `force` is off) and creates the staging folder, so an
    /// unwritable place fails here, before anything runs.
    pub fn prepare(wanted: PathBuf, force: bool) -> Result<ResultDir, Error> {
        let mut target = wanted.clone();
        let mut note = None;
        if !force && holds_result(&wanted) {
            let name = wanted
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "result".into());
            let mut i = 2u32;
            loop {
                let candidate = wanted.with_file_name(format!("{name}-{i}"));
                if !holds_result(&candidate) {
                    target = candidate;
                    break;
                }
                i += 1;
            }
            note = Some(format!(
                "{} holds an earlier result, kept as it is; this one goes to {} (--force replaces it)",
                wanted.display(),
                target.display()
            ));
        }
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "result".into());
        let staging =
            target.with_file_name(format!(".{name}.partial-{}-{}", host(), std::process::id()));
        let err = |path: &Path, source| {
            Error::Write(WriteError {
                path: path.to_path_buf(),
                source,
            })
        };
        if let Some(parent) = staging.parent().filter(|p| !p.as_os_str().is_empty()) {
            // name the first part of the path that is in the way
            if let Some(file) = parent
                .ancestors()
                .find(|a| a.exists() && !a.is_dir() && !a.as_os_str().is_empty())
            {
                return Err(err(
                    &target,
                    std::io::Error::other(format!("{} is a file, not a folder", file.display())),
                ));
            }
            std::fs::create_dir_all(parent).map_err(|e| err(parent, e))?;
        }
        if staging.exists() {
            let _ = std::fs::remove_dir_all(&staging);
        }
        remove_stale_staging(&staging);
        std::fs::create_dir(&staging).map_err(|e| err(&target, e))?;
        Ok(ResultDir {
            target,
            staging,
            note,
            committed: false,
        })
    }

    /// Prints the note (on standard error) unless `quiet`.
    pub fn announce(&self, quiet: bool) {
        if let Some(note) = &self.note
            && !quiet
        {
            eprintln!("note: {note}");
        }
    }

    /// Where to write the files now.
    pub fn staging(&self) -> &Path {
        &self.staging
    }

    /// The folder the result will be in.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Moves the written files into the result folder. A new folder appears
    /// whole (one rename); into an existing folder each file is renamed over
    /// its old version, so every file is at all times either the old one or
    /// the new one, never a mix of both.
    pub fn commit(mut self) -> Result<PathBuf, Error> {
        let err = |path: &Path, source| {
            Error::Write(WriteError {
                path: path.to_path_buf(),
                source,
            })
        };
        if !self.target.exists() {
            std::fs::rename(&self.staging, &self.target).map_err(|e| err(&self.target, e))?;
        } else {
            let entries = std::fs::read_dir(&self.staging).map_err(|e| err(&self.staging, e))?;
            let mut names: Vec<_> = entries
                .filter_map(|e| e.ok())
                .map(|e| e.file_name())
                .collect();
            names.sort();
            for n in names {
                let to = self.target.join(&n);
                std::fs::rename(self.staging.join(&n), &to).map_err(|e| err(&to, e))?;
            }
            let _ = std::fs::remove_dir(&self.staging);
        }
        self.committed = true;
        Ok(self.target.clone())
    }
}

impl Drop for ResultDir {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_dir_all(&self.staging);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_earlier_result_is_kept_and_the_new_one_goes_beside_it() {
        let tmp = tempfile::tempdir().unwrap();
        let want = tmp.path().join("lisa");
        std::fs::create_dir_all(&want).unwrap();
        std::fs::write(want.join("summary.csv"), "old").unwrap();
        let d = ResultDir::prepare(want.clone(), false).unwrap();
        assert_eq!(d.target(), tmp.path().join("lisa-2"));
        assert!(d.note.as_deref().unwrap().contains("--force"));
        std::fs::write(d.staging().join("summary.csv"), "new").unwrap();
        let got = d.commit().unwrap();
        assert_eq!(
            std::fs::read_to_string(want.join("summary.csv")).unwrap(),
            "old"
        );
        assert_eq!(
            std::fs::read_to_string(got.join("summary.csv")).unwrap(),
            "new"
        );
        // and a third run goes to lisa-3
        let d = ResultDir::prepare(want.clone(), false).unwrap();
        assert_eq!(d.target(), tmp.path().join("lisa-3"));
    }

    #[test]
    fn force_replaces_files_in_place_and_keeps_others() {
        let tmp = tempfile::tempdir().unwrap();
        let want = tmp.path().join("lisa");
        std::fs::create_dir_all(want.join("shard-1-of-2")).unwrap();
        std::fs::write(want.join("summary.csv"), "old").unwrap();
        let d = ResultDir::prepare(want.clone(), true).unwrap();
        assert_eq!(d.target(), want);
        assert!(d.note.is_none());
        std::fs::write(d.staging().join("summary.csv"), "new").unwrap();
        d.commit().unwrap();
        assert_eq!(
            std::fs::read_to_string(want.join("summary.csv")).unwrap(),
            "new"
        );
        assert!(want.join("shard-1-of-2").is_dir());
        let left: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().collect();
        assert_eq!(left.len(), 1, "no staging folder is left behind");
    }

    #[test]
    fn a_dropped_result_leaves_nothing() {
        let tmp = tempfile::tempdir().unwrap();
        let d = ResultDir::prepare(tmp.path().join("x"), false).unwrap();
        std::fs::write(d.staging().join("summary.csv"), "new").unwrap();
        drop(d);
        assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 0);
    }

    #[test]
    fn limits_parse_and_bad_ones_are_refused() {
        let g = |t: Option<&str>, m: Option<&str>| Guards {
            time_limit: t.map(String::from),
            max_events: m.map(String::from),
            force: false,
        };
        assert_eq!(
            g(Some("1.5s"), None).time_limit().unwrap(),
            Some(Duration::from_millis(1500))
        );
        assert_eq!(g(None, Some("1e12")).max_events().unwrap(), 1e12);
        assert_eq!(g(None, None).max_events().unwrap(), DEFAULT_MAX_EVENTS);
        for bad in ["0s", "-1s", "soon"] {
            assert!(g(Some(bad), None).time_limit().is_err(), "{bad}");
        }
        for bad in ["lots", "-5", "inf", "NaN"] {
            assert!(g(None, Some(bad)).max_events().is_err(), "{bad}");
        }
        assert_eq!(humantime(Duration::from_secs(3725)), "1h 2m 5s");
        assert_eq!(humantime(Duration::from_millis(1500)), "1.500s");
    }
}
