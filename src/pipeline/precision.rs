//! `racesim run --target-precision R [--max-replications M]` as a library
//! function: replications in doubling batches until the headline metric is
//! known to a relative precision (see [`crate::experiment::precision`]).
//!
//! The outputs are those of `run` with the final number of replications,
//! plus what stopped the run: a `stopped` field with a `precision` object in
//! the JSON (per point for a sweep) and in summary.json, and one line per
//! point for people ([`FileRun::lines`]).

use std::path::{Path, PathBuf};
use std::time::Instant;

use serde_json::{Value, json};

use crate::Error;
use crate::experiment::precision::{Goal, PrecisionError, PrecisionRun, Stop, run_to_precision};
use crate::experiment::time_limit::TimeLimit;
use crate::experiment::{PointResult, Reporter, WithStop, cost};
use crate::report::{json, shards};
use crate::scenario::grid::Grid;
use crate::scenario::{self, Source};

use super::{Options, Partial, guard, outputs};

/// One scenario file run to a precision.
#[derive(Debug)]
pub struct FileRun {
    /// Each point's run, in sweep order.
    pub runs: Vec<PrecisionRun>,
    /// The points as results (what `run` prints).
    pub results: Vec<PointResult>,
    /// True when the scenario was swept.
    pub swept: bool,
    /// Wall-clock seconds.
    pub elapsed: f64,
    /// The result folder.
    pub dir: PathBuf,
    /// Set when `--time-limit` stopped the run before it finished.
    pub partial: Option<Partial>,
    /// The JSON document (as summary.json holds it).
    pub doc: Value,
    /// "precision: ..." for each point.
    pub lines: Vec<String>,
    /// What the user should know (an earlier result kept aside).
    pub notes: Vec<String>,
}

/// Runs `file` to `goal` and writes its result folder.
pub fn run(
    file: &Path,
    opts: &Options,
    goal: &Goal,
    reporter: &dyn Reporter,
) -> Result<FileRun, Error> {
    if opts.shard.is_some() {
        return Err(Error::Usage(
            "--target-precision decides the number of replications as it goes, so it cannot be split with --shard; run without --shard".into(),
        ));
    }
    let start = Instant::now();
    let source = Source::read(file)?;
    let base = scenario::load_with(&opts.registry, &source, &opts.overrides)?;
    let grid = Grid::new(&opts.registry, &source, &base, &opts.overrides, None);
    guard::check_points(grid.len(), &opts.guards)?;
    let points = grid.points()?;
    // the work of the cap: the most this run can take
    let cost = cost::cost_of(&points);
    let most = points
        .iter()
        .map(|(_, sc)| goal.max_replications().max(sc.replications))
        .max()
        .unwrap_or(1);
    guard::check_cost(&cost, f64::from(most), &opts.guards, opts.threads())?;
    let swept = grid.is_swept();
    let npoints = points.len();
    let out = guard::result_dir(opts.out.join(&base.name), &opts.guards)?;
    let limit = opts.guards.time_limit.map(TimeLimit::start);
    let reporter = WithStop {
        reporter,
        flag: limit.as_ref().map(TimeLimit::flag),
    };
    let runs = opts.with_pool(|| {
        points
            .into_iter()
            .map(|(params, sc)| run_to_precision(params, sc, goal, &reporter))
            .collect::<Result<Vec<PrecisionRun>, _>>()
    })?;
    reporter.finish();
    let runs = runs.map_err(|e| match e {
        PrecisionError::Simulation(s) => Error::Simulation(s),
        e @ PrecisionError::NoHeadline { .. } => Error::Usage(e.to_string()),
    })?;
    let elapsed = start.elapsed().as_secs_f64();
    let runs: Vec<PrecisionRun> = runs
        .into_iter()
        .filter(|r| !r.point.reps.is_empty())
        .collect();
    if runs.is_empty() {
        return Err(match &limit {
            Some(l) => guard::nothing_finished(l, &base.name),
            None => Error::Usage(format!("{}: no replication ran", base.name)),
        });
    }
    let partial = limit
        .as_ref()
        .filter(|_| runs.len() < npoints || runs.iter().any(|r| r.stopped == Stop::TimeLimit))
        .map(|l| Partial {
            limit: l.describe(),
            requested: u64::from(goal.max_replications()),
            finished: runs.iter().map(|r| r.point.reps.len() as u64).collect(),
            points: npoints as u64,
        });
    let results: Vec<PointResult> = runs.iter().map(|r| r.point.clone()).collect();
    let mut meta = shards::meta(&results, &shards::text_hash(&source.text), None);
    meta.partial = partial.as_ref().map(Partial::line);
    outputs::write_outputs(
        out.staging(),
        &results,
        swept,
        opts.charts,
        &meta,
        partial.as_ref(),
    )?;
    let mut doc = document(&runs, &results, swept);
    if let Some(p) = &partial {
        doc["partial"] = p.json();
    }
    // summary.json again, now with what stopped the run
    outputs::write_json(&out.staging().join("summary.json"), &doc)?;
    let committed = out.commit()?;
    let lines = runs.iter().map(|r| line(r, swept)).collect();
    Ok(FileRun {
        runs,
        results,
        swept,
        elapsed,
        notes: guard::kept_previous(&committed).into_iter().collect(),
        dir: committed.dir,
        partial,
        doc,
        lines,
    })
}

/// "precision: ..." with the point's parameters for a sweep.
fn line(r: &PrecisionRun, swept: bool) -> String {
    let at = if swept {
        let params: Vec<String> = r
            .point
            .params
            .iter()
            .map(|(k, v)| format!("{k} = {v}"))
            .collect();
        format!(" at {}", params.join(", "))
    } else {
        String::new()
    };
    format!("precision{at}: {}", r.summary())
}

/// The `precision` object of one point.
fn precision(r: &PrecisionRun) -> Value {
    json!({
        "metric": r.metric,
        "target": r.goal.target(),
        "achieved": r.achieved,
        "replications": r.point.reps.len(),
        "max_replications": r.goal.max_replications(),
        "stopped": r.stopped.as_str(),
        "zero_events": r.zero_events,
        "batches": r.batches.iter().map(|b| json!({
            "replications": b.replications,
            "relative_half_width": b.relative_half_width,
        })).collect::<Vec<_>>(),
    })
}

/// The JSON document of `run` with `stopped` and `precision` added (at the
/// top for a single point, in each point for a sweep).
fn document(runs: &[PrecisionRun], results: &[PointResult], swept: bool) -> Value {
    let mut doc = json::scenario(results, swept);
    if swept {
        if let Some(points) = doc.get_mut("points").and_then(Value::as_array_mut) {
            for (p, r) in points.iter_mut().zip(runs) {
                p["stopped"] = json!(r.stopped.as_str());
                p["replications"] = json!(r.point.reps.len());
                p["precision"] = precision(r);
            }
        }
    } else if let Some(r) = runs.first() {
        doc["stopped"] = json!(r.stopped.as_str());
        doc["precision"] = precision(r);
    }
    doc
}
