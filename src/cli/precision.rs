//! `racesim run --target-precision R [--max-replications M]`: replications in
//! doubling batches until the headline metric is known to a relative
//! precision (see [`crate::experiment::precision`]).
//!
//! The outputs are those of `run` with the final number of replications, plus
//! what stopped the run: a line after the table (on standard error for csv and
//! json, so that standard output stays one document), and a `stopped` field
//! with a `precision` object in the JSON (per point for a sweep) and in
//! summary.json.

use std::path::PathBuf;
use std::time::Instant;

use clap::Args;
use serde_json::{Value, json};

use crate::Error;
use crate::cli::guard::{self, TimeLimit};
use crate::cli::progress::Bar;
use crate::cli::run::{Partial, print_table, write_outputs};
use crate::cli::{Common, Format};
use crate::experiment::precision::{
    DEFAULT_MAX_REPLICATIONS, Goal, PrecisionError, PrecisionRun, Stop, run_to_precision,
};
use crate::experiment::{self, Plan, PointResult, Reporter};
use crate::report::output::write_atomic;
use crate::report::{csvout, json, shards};
use crate::scenario::{self, Source};

/// The precision options of `run`.
#[derive(Debug, Clone, Args)]
pub struct PrecisionArgs {
    /// Add replications (doubling) until the headline metric's 95% interval has
    /// this relative half-width, e.g. 0.05 for ±5% (error_page_rate for checkout,
    /// false_reversals_per_year for terminal)
    #[arg(long, value_name = "R")]
    pub target_precision: Option<f64>,
    /// The most replications --target-precision may run
    #[arg(long, value_name = "M", default_value_t = DEFAULT_MAX_REPLICATIONS, requires = "target_precision")]
    pub max_replications: u32,
}

impl PrecisionArgs {
    /// The goal, when `--target-precision` was given.
    pub fn goal(&self) -> Result<Option<Goal>, Error> {
        self.target_precision
            .map(|r| Goal::new(r, self.max_replications).map_err(Error::Usage))
            .transpose()
    }
}

/// Runs each file to the goal and prints the results in the chosen format.
pub fn run(files: &[PathBuf], common: &Common, goal: &Goal) -> Result<(), Error> {
    if common.shard.is_some() {
        return Err(Error::Usage(
            "--target-precision decides the number of replications as it goes, so it cannot be split with --shard; run without --shard".into(),
        ));
    }
    let mut docs = Vec::new();
    for file in files {
        let start = Instant::now();
        let overrides = common.overrides()?;
        let source = Source::read(file)?;
        let base = scenario::load(&source, &overrides)?;
        let plan = Plan {
            overrides,
            vary: None,
            no_sweep: false,
            shard: None,
        };
        let grid = experiment::grid::Grid::new(&source, &base, &plan);
        guard::check_points(grid.len(), &common.guards)?;
        let points = grid.points()?;
        // the work of the cap: the most this run can take
        let cost = experiment::grid::cost_of(&points);
        let most = points
            .iter()
            .map(|(_, sc)| goal.max_replications().max(sc.replications))
            .max()
            .unwrap_or(1);
        guard::check_cost(&cost, f64::from(most), &common.guards, common.threads())?;
        let swept = grid.is_swept();
        let npoints = points.len();
        let out = guard::result_dir(common.out_dir().join(&base.name), &common.guards)?;
        let limit = common.guards.time_limit()?.map(TimeLimit::start);
        let bar = Bar::new(common.quiet, &base.name).with_stop(limit.as_ref().map(TimeLimit::flag));
        let runs = common.with_pool(|| {
            points
                .into_iter()
                .map(|(params, sc)| run_to_precision(params, sc, goal, &bar))
                .collect::<Result<Vec<PrecisionRun>, _>>()
        })?;
        bar.finish();
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
        write_outputs(
            out.staging(),
            &results,
            swept,
            !common.no_charts,
            &meta,
            partial.as_ref(),
        )?;
        let mut doc = document(&runs, &results, swept);
        if let Some(p) = &partial {
            doc["partial"] = p.json();
        }
        // summary.json again, now with what stopped the run
        write_atomic(
            &out.staging().join("summary.json"),
            format!(
                "{}\n",
                serde_json::to_string_pretty(&doc).unwrap_or_default()
            )
            .as_bytes(),
        )?;
        let committed = out.commit()?;
        guard::announce(&committed, common.quiet);
        let dir = committed.dir;
        if let Some(p) = &partial {
            eprintln!("{}", p.line());
        }
        let lines: Vec<String> = runs.iter().map(|r| line(r, swept)).collect();
        match common.format {
            Format::Table | Format::Markdown if !common.quiet => {
                print_table(&results, swept, elapsed, common.threads, Some(&dir));
                println!();
                for l in &lines {
                    println!("{l}");
                }
            }
            Format::Table | Format::Markdown => {}
            Format::Csv | Format::Json => {
                if !common.quiet {
                    for l in &lines {
                        eprintln!("{l}");
                    }
                }
                if common.format == Format::Csv {
                    print!("{}", csvout::summary(&results));
                } else {
                    docs.push(doc);
                }
            }
        }
    }
    if common.format == Format::Json {
        let doc = if docs.len() == 1 {
            docs.remove(0)
        } else {
            json!({ "scenarios": docs })
        };
        println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
    }
    Ok(())
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
