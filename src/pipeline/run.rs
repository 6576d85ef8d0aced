//! `racesim run FILE` and `racesim sweep FILE` as a library function:
//! [`run_file`] validates the scenario and every sweep point, counts the
//! work against the guards, runs the points, and writes the result folder.
//!
//! Each file's result folder is committed before the next file starts (the
//! caller loops), so a later failure never loses an earlier result.

use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::Error;
use crate::experiment::cost::{self, EXACT_COST_POINTS};
use crate::experiment::time_limit::TimeLimit;
use crate::experiment::{self, PointResult, Reporter, WithStop};
use crate::output::write_atomic;
use crate::report::shards;
use crate::scenario::grid::Grid;
use crate::scenario::{self, Source, SweepAxis};

use super::{Options, guard, outputs};

/// One scenario file's results.
#[derive(Debug)]
pub struct FileRun {
    /// The points in sweep order (one without a sweep), each with at least
    /// one replication.
    pub results: Vec<PointResult>,
    /// True when the scenario was swept.
    pub swept: bool,
    /// Wall-clock seconds.
    pub elapsed: f64,
    /// The result folder, when the run saved one.
    pub dir: Option<PathBuf>,
    /// Set when `--time-limit` stopped the run before it finished.
    pub partial: Option<Partial>,
    /// What the user should know (an earlier result kept aside).
    pub notes: Vec<String>,
}

/// What a run stopped by `--time-limit` holds.
#[derive(Debug, Clone, PartialEq)]
pub struct Partial {
    /// The limit, as a duration (`1s`, `2m`).
    pub limit: String,
    /// Replications asked for, per point.
    pub requested: u64,
    /// Replications finished, per point that ran (points that finished none
    /// are left out of the results).
    pub finished: Vec<u64>,
    /// Sweep points asked for.
    pub points: u64,
}

impl Partial {
    /// The one-line statement printed with the results.
    pub fn line(&self) -> String {
        let done: u64 = self.finished.iter().sum();
        let asked = self.requested.saturating_mul(self.points);
        let points = if self.points > 1 {
            format!(
                ", {} of {} sweep points have results",
                self.finished.len(),
                self.points
            )
        } else {
            String::new()
        };
        let same = match self.finished.as_slice() {
            [n] if self.points == 1 => format!(" (the figures are those of --replications {n})"),
            _ => String::new(),
        };
        format!(
            "PARTIAL: the time limit ({}) stopped the run: {done} of {asked} replications finished{points}{same}",
            self.limit
        )
    }

    /// The `partial` object of summary.json.
    pub fn json(&self) -> serde_json::Value {
        serde_json::json!({
            "reason": format!("time limit {}", self.limit),
            "replications_requested": self.requested,
            "replications_finished": self.finished,
            "points_requested": self.points,
            "points_finished": self.finished.len(),
        })
    }
}

/// Files a command adds to a run's result folder before it is committed
/// (the report's pages): called with the staging folder and the results.
pub type Extra<'a> = &'a dyn Fn(&Path, &[PointResult], bool) -> Result<(), Error>;

/// What a run writes.
#[derive(Clone, Copy)]
pub enum Save<'a> {
    /// Nothing: the results are only printed (`check` without `--out`).
    Nothing,
    /// The result folder `OUT/NAME/` (and, with `--shard`,
    /// `OUT/NAME/shard-K-of-N/`).
    Folder,
    /// The result folder, plus the files `Extra` writes into it.
    FolderWith(Extra<'a>),
}

/// Runs one file (a sweep when the scenario has one or `vary` is given) and
/// writes its outputs as `save` says; progress goes to `reporter`.
///
/// Before anything is built it counts the sweep points and refuses a grid
/// beyond `--max-points`; then it validates every point (a grid of more
/// than [`EXACT_COST_POINTS`] points is first costed from its axes and
/// checked against the other guards, so a huge grid is refused before any
/// point is built), checks the expected work against `--max-events` and
/// `--max-memory`, and prepares the output folder (so an unwritable `--out`
/// fails before anything runs). Every error in a point is reported before
/// the first replication. With `--time-limit`, the points and replications
/// that finished in time are written, marked partial; if none finished,
/// nothing is written and the error says so.
pub fn run_file(
    file: &Path,
    opts: &Options,
    vary: Option<Vec<SweepAxis>>,
    save: Save<'_>,
    reporter: &dyn Reporter,
) -> Result<FileRun, Error> {
    let shard = opts.shard;
    let source = Source::read(file)?;
    let base = scenario::load_with(&opts.registry, &source, &opts.overrides)?;
    let grid = Grid::new(&opts.registry, &source, &base, &opts.overrides, vary);
    guard::check_points(grid.len(), &opts.guards)?;
    let share = experiment::shard_share(&base, shard);
    if share.indices.is_empty()
        && let Some((k, n)) = shard
    {
        return Err(Error::Usage(format!(
            "shard {k}/{n} of {} has no replication to run: the scenario has {} \
             replication(s), so use at most {} shards (or more replications)",
            base.name, base.replications, base.replications
        )));
    }
    let npoints = grid.len().unwrap_or(u64::MAX);
    let parts = share.part.map_or(1.0, |(_, n)| n as f64);
    let per_point = share.indices.len() as f64 / parts;
    let guard_cost =
        |c: &cost::GridCost| guard::check_cost(c, per_point, &opts.guards, opts.threads());
    // every point validated once, before any replication runs; a large
    // grid is costed (and refused) before any point is built
    let points = if npoints <= EXACT_COST_POINTS {
        let points = grid.points()?;
        guard_cost(&cost::cost_of(&points))?;
        points
    } else {
        guard_cost(&cost::approximate(&grid)?)?;
        grid.points()?
    };
    let swept = grid.is_swept();
    // a shard writes beside its siblings: output/NAME/shard-K-of-N/
    let out = match save {
        Save::Nothing => None,
        Save::Folder | Save::FolderWith(_) => {
            let root = opts.out.join(&base.name);
            let wanted = match shard {
                None => root,
                Some((k, n)) => root.join(format!("shard-{k}-of-{n}")),
            };
            Some(guard::result_dir(wanted, &opts.guards)?)
        }
    };
    let limit = opts.guards.time_limit.map(TimeLimit::start);
    let reporter = WithStop {
        reporter,
        flag: limit.as_ref().map(TimeLimit::flag),
    };
    let per_point = share.indices.len() as u64;
    reporter.start(per_point.saturating_mul(npoints));
    let start = Instant::now();
    let results = opts.with_pool(|| -> Result<Vec<PointResult>, Error> {
        let mut results = Vec::new();
        for (params, sc) in points {
            results.push(experiment::run_point(params, sc, shard, &reporter)?);
            if limit.as_ref().is_some_and(TimeLimit::reached) {
                break;
            }
        }
        Ok(results)
    })??;
    reporter.finish();
    let elapsed = start.elapsed().as_secs_f64();
    let partial = match &limit {
        Some(l)
            if l.reached()
                && ((results.len() as u64) < npoints
                    || results.iter().any(|p| p.reps.len() as u64 != per_point)) =>
        {
            Some(Partial {
                limit: l.describe(),
                requested: per_point,
                finished: results
                    .iter()
                    .map(|p| p.reps.len() as u64)
                    .filter(|&n| n > 0)
                    .collect(),
                points: npoints,
            })
        }
        _ => None,
    };
    let results: Vec<PointResult> = results.into_iter().filter(|p| !p.reps.is_empty()).collect();
    if results.is_empty() {
        return Err(match &limit {
            Some(l) => guard::nothing_finished(l, &base.name),
            None => Error::Usage(format!("{}: no replication ran", base.name)),
        });
    }
    // what the model says of itself (a request log replayed in a loop)
    let mut notes: Vec<String> = base
        .model
        .notes()
        .into_iter()
        .map(|n| format!("note: {n}"))
        .collect();
    let dir = match out {
        None => None,
        Some(out) => {
            let mut meta = shards::meta(&results, &shards::text_hash(&source.text), shard);
            meta.partial = partial.as_ref().map(Partial::line);
            if share.part.is_some() {
                // each shard ran its part of every replication: the exact
                // sums let merge add the parts up
                meta.split = base.model.replication_parts().map(str::to_string);
                write_atomic(
                    &out.staging().join(shards::PARTS_FILE),
                    shards::parts_csv(&results).as_bytes(),
                )?;
            }
            outputs::write_outputs(
                out.staging(),
                &results,
                swept,
                opts.charts,
                &meta,
                partial.as_ref(),
            )?;
            if let Save::FolderWith(extra) = save {
                extra(out.staging(), &results, swept)?;
            }
            let c = out.commit()?;
            notes.extend(guard::kept_previous(&c));
            Some(c.dir)
        }
    };
    Ok(FileRun {
        results,
        swept,
        elapsed,
        dir,
        partial,
        notes,
    })
}
