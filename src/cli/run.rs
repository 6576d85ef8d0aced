//! `racesim run FILE...` and `racesim sweep FILE`: run, print, write outputs.
//!
//! Each scenario's files are written (atomically) before the next scenario
//! starts, so a later failure never loses an earlier result.

use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::Error;
use crate::cli::guard::{self, TimeLimit};
use crate::cli::progress::Bar;
use crate::cli::{Common, Format};
use crate::experiment::grid::{self, EXACT_COST_POINTS, Grid};
use crate::experiment::{self, Plan, PointResult, Reporter};
use crate::fmt::fmt_num;
use crate::models::checkout::margin_edges;
use crate::report::output::write_atomic;
use crate::report::{csvout, json, plot, sensitivity, shards, table};
use crate::scenario::{self, ModelConfig, Source, SweepAxis};

/// Parses `--vary PATH=A..B/STEPS` or `PATH=V1,V2,...`.
pub fn parse_vary(specs: &[String]) -> Result<Vec<SweepAxis>, Error> {
    specs
        .iter()
        .map(|s| {
            let bad = |why: &str| {
                Error::Usage(format!(
                    "--vary {s}: {why}; expected PATH=A..B/STEPS (e.g. hosts.transfer.clock.offset=0m..10m/10) or PATH=V1,V2,..."
                ))
            };
            let (path, spec) = s.split_once('=').ok_or_else(|| bad("no `=`"))?;
            let path = path.trim().to_string();
            if let Some((range, steps)) = spec.split_once('/').filter(|(r, _)| r.contains("..")) {
                let (a, b) = range.split_once("..").ok_or_else(|| bad("no `..`"))?;
                let steps: i64 = steps.trim().parse().map_err(|_| bad("STEPS is not a whole number"))?;
                let values = scenario::range_values(&scalar(a), &scalar(b), steps).map_err(|m| bad(&m))?;
                Ok(SweepAxis { path, values })
            } else {
                let values: Vec<String> = spec.split(',').map(|v| toml_value_text(v.trim())).collect();
                if values.iter().any(|v| v.is_empty() || v == "\"\"") {
                    return Err(bad("an empty value"));
                }
                Ok(SweepAxis { path, values })
            }
        })
        .collect()
}

/// `racesim sweep FILE` without `--vary` runs the file's `[sweep]`: refuses
/// a scenario that has none, saying how to give one.
pub fn require_sweep(file: &Path, common: &Common) -> Result<(), Error> {
    let source = Source::read(file)?;
    let sc = scenario::load(&source, &common.overrides()?)?;
    if sc.sweep.is_empty() {
        return Err(Error::Usage(format!(
            "{}: nothing to sweep: the scenario has no [sweep] table; give the keys to vary \
             with --vary PATH=A..B/STEPS (e.g. --vary transfer.grace=0m..10m/10), or use \
             `racesim run`",
            file.display()
        )));
    }
    Ok(())
}

fn scalar(text: &str) -> toml::Value {
    let t = text.trim();
    if let Ok(i) = t.parse::<i64>() {
        toml::Value::Integer(i)
    } else if let Ok(f) = t.parse::<f64>() {
        toml::Value::Float(f)
    } else {
        toml::Value::String(t.trim_matches('"').to_string())
    }
}

/// A value for an override: TOML as written when it parses, else a string.
fn toml_value_text(v: &str) -> String {
    let as_toml = format!("v = {v}");
    if toml::from_str::<toml::Table>(&as_toml).is_ok() {
        v.to_string()
    } else {
        toml::Value::String(v.to_string()).to_string()
    }
}

/// One scenario file's results.
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
/// writes its outputs as `save` says.
///
/// Before anything is built it counts the sweep points, checks the expected
/// work against the guards (`--max-points`, `--max-events`,
/// `--max-memory`) and prepares the output folder (so an unwritable `--out`
/// fails at once). Points are loaded one at a time for large grids. With
/// `--time-limit`, the points and replications that finished in time are
/// written, marked partial; if none finished, nothing is written and the
/// error says so.
pub fn run_file(
    file: &Path,
    common: &Common,
    vary: Option<Vec<SweepAxis>>,
    save: Save<'_>,
) -> Result<FileRun, Error> {
    let overrides = common.overrides()?;
    let shard = common.shard()?;
    let time_limit = common.guards.time_limit()?;
    let source = Source::read(file)?;
    let base = scenario::load(&source, &overrides)?;
    let plan = Plan {
        overrides,
        vary,
        no_sweep: false,
        shard,
    };
    let grid = Grid::new(&source, &base, &plan);
    guard::check_points(grid.len(), &common.guards)?;
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
    // small grids are loaded whole first: every bad point is reported
    // before anything runs, and the cost is exact
    let (eager, cost) = if npoints <= EXACT_COST_POINTS {
        let points = grid.points()?;
        let cost = grid::cost_of(&points);
        (Some(points), cost)
    } else {
        (None, grid.cost()?)
    };
    let parts = share.part.map_or(1.0, |(_, n)| n as f64);
    guard::check_cost(
        &cost,
        share.indices.len() as f64 / parts,
        &common.guards,
        common.threads(),
    )?;
    let swept = grid.is_swept();
    // a shard writes beside its siblings: output/NAME/shard-K-of-N/
    let out = match save {
        Save::Nothing => None,
        Save::Folder | Save::FolderWith(_) => {
            let root = common.out_dir().join(&base.name);
            let wanted = match shard {
                None => root,
                Some((k, n)) => root.join(format!("shard-{k}-of-{n}")),
            };
            Some(guard::result_dir(wanted, &common.guards)?)
        }
    };
    let limit = time_limit.map(TimeLimit::start);
    let bar = Bar::new(common.quiet, &base.name).with_stop(limit.as_ref().map(TimeLimit::flag));
    let per_point = share.indices.len() as u64;
    bar.start(per_point.saturating_mul(npoints));
    let start = Instant::now();
    let results = common.with_pool(|| -> Result<Vec<PointResult>, Error> {
        let mut eager = eager.map(Vec::into_iter);
        let mut results = Vec::new();
        for i in 0..npoints {
            let (params, sc) = match eager.as_mut().and_then(Iterator::next) {
                Some(p) => p,
                None => grid.point(i)?,
            };
            results.push(experiment::run_point(params, sc, shard, &bar)?);
            if limit.as_ref().is_some_and(TimeLimit::reached) {
                break;
            }
        }
        Ok(results)
    })??;
    bar.finish();
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
    let dir = match out {
        None => None,
        Some(out) => {
            let mut meta = shards::meta(&results, &shards::text_hash(&source.text), shard);
            meta.partial = partial.as_ref().map(Partial::line);
            if share.part.is_some() {
                // each shard ran its part of the fleet in every replication:
                // the exact sums let merge add the parts up
                meta.split = Some(shards::SPLIT_TERMINALS.to_string());
                write_atomic(
                    &out.staging().join(shards::PARTS_FILE),
                    shards::parts_csv(&results).as_bytes(),
                )?;
            }
            write_outputs(
                out.staging(),
                &results,
                swept,
                !common.no_charts,
                &meta,
                partial.as_ref(),
            )?;
            if let Save::FolderWith(extra) = save {
                extra(out.staging(), &results, swept)?;
            }
            let c = out.commit()?;
            guard::announce(&c, common.quiet);
            Some(c.dir)
        }
    };
    if let Some(p) = &partial {
        eprintln!("{}", p.line());
    }
    Ok(FileRun {
        results,
        swept,
        elapsed,
        dir,
        partial,
    })
}

/// Runs each file and prints the results in the chosen format.
pub fn run(files: &[PathBuf], common: &Common, vary: Option<Vec<SweepAxis>>) -> Result<(), Error> {
    let mut docs = Vec::new();
    for file in files {
        let r = run_file(file, common, vary.clone(), Save::Folder)?;
        match common.format {
            Format::Table | Format::Markdown if !common.quiet => print_table(
                &r.results,
                r.swept,
                r.elapsed,
                common.threads,
                r.dir.as_deref(),
            ),
            Format::Table | Format::Markdown => {}
            Format::Csv => print!("{}", csvout::summary(&r.results)),
            Format::Json => {
                let mut doc = json::scenario(&r.results, r.swept);
                if let Some(p) = &r.partial {
                    doc["partial"] = p.json();
                }
                docs.push(doc);
            }
        }
    }
    if common.format == Format::Json {
        crate::cli::print_json_docs(docs);
    }
    Ok(())
}

/// Writes summary.csv, replications.csv, daily.csv, margin.csv (checkout),
/// volume.csv (terminal), sensitivity.csv (a sweep over several keys), summary.json and (with
/// `charts`) the SVG and PNG charts under `dir`.
pub fn write_outputs(
    dir: &Path,
    results: &[PointResult],
    swept: bool,
    charts: bool,
    meta: &shards::ShardMeta,
    partial: Option<&Partial>,
) -> Result<(), Error> {
    let mut csvs = vec![
        ("summary.csv", csvout::summary(results)),
        ("replications.csv", csvout::replications(results, meta)),
        ("daily.csv", csvout::daily(results)),
    ];
    match results[0].scenario.model {
        ModelConfig::Checkout(_) => {
            csvs.push(("margin.csv", csvout::histogram(results, &margin_edges())))
        }
        ModelConfig::Terminal(_) => csvs.push(("volume.csv", csvout::volume(results))),
    }
    for (name, text) in &csvs {
        write_atomic(&dir.join(name), text.as_bytes())?;
    }
    if charts {
        let title = &results[0].scenario.name;
        let sc = &results[0].scenario;
        if !sc.hosts.is_empty() && sc.hosts.values().any(|h| !h.is_ideal()) {
            let chart = plot::clock_chart(title, &sc.hosts, sc.seed, 0, sc.horizon)
                .map_err(|e| Error::Usage(e.to_string()))?;
            write_atomic(&dir.join("clocks.svg"), chart.svg.as_bytes())?;
            write_atomic(&dir.join("clocks.png"), &chart.png)?;
        }
        for (name, text) in &csvs {
            if *name != "replications.csv" {
                write_charts(dir, title, text)?;
            }
        }
    }
    if let Some((metric, rows)) = experiment::sensitivity::headline_sensitivity(results) {
        write_atomic(
            &dir.join("sensitivity.csv"),
            sensitivity::csv(&rows, metric).as_bytes(),
        )?;
    }
    let mut doc = json::scenario(results, swept);
    if let Some(p) = partial {
        doc["partial"] = p.json();
    }
    write_atomic(
        &dir.join("summary.json"),
        format!(
            "{}\n",
            serde_json::to_string_pretty(&doc).unwrap_or_default()
        )
        .as_bytes(),
    )?;
    Ok(())
}

/// Prints the summary table of a run (throughput only when `elapsed` is known).
pub fn print_table(
    results: &[PointResult],
    swept: bool,
    elapsed: f64,
    threads: Option<usize>,
    dir: Option<&Path>,
) {
    let first = &results[0];
    println!("{}", table::heading(first));
    if !first.scenario.description.is_empty() {
        println!("{}", first.scenario.description.trim());
    }
    for p in results {
        println!();
        if swept {
            let params: Vec<String> = p.params.iter().map(|(k, v)| format!("{k} = {v}")).collect();
            println!("{}", params.join(", "));
        }
        print!("{}", table::metrics(p));
    }
    if let Some((metric, rows)) = experiment::sensitivity::headline_sensitivity(results) {
        println!();
        print!("{}", sensitivity::table(&rows, metric));
    }
    if let ModelConfig::Checkout(c) = &first.scenario.model
        && let Err(why) = crate::models::checkout::closed_form(c)
    {
        println!("\nestimate: the closed form does not apply: {why}");
    }
    if elapsed.is_finite() {
        let units: f64 = results
            .iter()
            .filter_map(|p| p.metric("users").or_else(|| p.metric("transactions")))
            .map(|m| m.estimate.value)
            .sum();
        let what = if first.metric("users").is_some() {
            "users"
        } else {
            "transactions"
        };
        let events: u64 = results.iter().map(PointResult::events).sum();
        let threads = threads.unwrap_or_else(rayon::current_num_threads);
        println!(
            "\nthroughput: {} {what}/s, {} events/s ({} {what} in {:.2} s, {threads} threads)",
            fmt_num((units / elapsed.max(1e-9)).round()),
            fmt_num((events as f64 / elapsed.max(1e-9)).round()),
            fmt_num(units),
            elapsed
        );
    }
    if let Some(dir) = dir {
        println!("wrote {}", dir.join("summary.csv").display());
    }
}

/// Draws the charts of one CSV text into `dir` (SVG and PNG each).
pub fn write_charts(dir: &Path, title: &str, csv_text: &str) -> Result<Vec<PathBuf>, Error> {
    write_charts_named(dir, title, csv_text, "the CSV")
}

/// [`write_charts`] of the file `name` (named in messages).
pub fn write_charts_named(
    dir: &Path,
    title: &str,
    csv_text: &str,
    name: &str,
) -> Result<Vec<PathBuf>, Error> {
    let charts = plot::charts_named(title, csv_text, name).map_err(|e| match e {
        plot::PlotError::Unknown(_) => Error::Usage(format!("{name}: {e}")),
        _ => Error::Usage(e.to_string()),
    })?;
    let mut written = Vec::new();
    for (stem, chart) in charts {
        let svg = dir.join(format!("{stem}.svg"));
        let png = dir.join(format!("{stem}.png"));
        write_atomic(&svg, chart.svg.as_bytes())?;
        write_atomic(&png, &chart.png)?;
        written.push(svg);
        written.push(png);
    }
    Ok(written)
}
