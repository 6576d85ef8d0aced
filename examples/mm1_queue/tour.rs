//! The M/M/1 model through racesim's whole pipeline, by library calls:
//! replications with intervals, a sweep, shards and their merge, the
//! scenario's `[[expect]]` checks, and the review report.

use std::error::Error;
use std::path::{Path, PathBuf};

use racesim::experiment::{PointResult, Silent};
use racesim::model::Registry;
use racesim::output::Replace;
use racesim::pipeline::check::{CheckOptions, check};
use racesim::pipeline::merge::merge;
use racesim::pipeline::report::report;
use racesim::pipeline::{Guards, Options, Save, run_file};
use racesim::report::check::Verdict;
use racesim::scenario::SweepAxis;

use super::model::Mm1Kind;

/// One figure of one point: the simulated value, its 95% interval, the
/// closed form, and the replications behind it.
#[derive(Debug, Clone, PartialEq)]
pub struct Wait {
    /// The point's swept values (empty without a sweep).
    pub params: Vec<(String, String)>,
    /// Simulated mean wait, seconds.
    pub value: f64,
    /// Its 95% interval.
    pub low: f64,
    /// Its 95% interval.
    pub high: f64,
    /// `rho / (mu - lambda)`.
    pub closed_form: f64,
    /// Replications.
    pub replications: usize,
}

/// What the tour found.
#[derive(Debug)]
pub struct Findings {
    /// The scenario as written.
    pub single: Wait,
    /// The sweep over `queue.arrival_rate`.
    pub sweep: Vec<Wait>,
    /// The merge of two shards.
    pub merged: Wait,
    /// True when the merged `summary.csv` is byte-identical to the single
    /// run's.
    pub merged_summary_identical: bool,
    /// The `[[expect]]` lines: (metric, verdict).
    pub checks: Vec<(String, Verdict)>,
    /// The report page.
    pub report: PathBuf,
}

/// The registry the tour uses: the crate's models and `mm1`.
pub fn registry() -> Registry {
    racesim::models::builtin().with(Mm1Kind)
}

/// The arrival rates the sweep visits.
pub const SWEEP: [&str; 3] = ["0.3/s", "0.5/s", "0.7/s"];

fn wait_of(p: &PointResult) -> Result<Wait, Box<dyn Error>> {
    let m = p.metric("mean_wait").ok_or("no mean_wait")?;
    Ok(Wait {
        params: p.params.clone(),
        value: m.figure.value,
        low: m.figure.ci.low,
        high: m.figure.ci.high,
        closed_form: m.closed_form.ok_or("no closed form")?,
        replications: p.reps.len(),
    })
}

/// Runs `scenario` (an `mm1` scenario file) through the pipeline, writing
/// result folders under `out`.
pub fn tour(scenario: &Path, out: &Path) -> Result<Findings, Box<dyn Error>> {
    let opts = |dir: &str| Options {
        registry: registry(),
        out: out.join(dir),
        charts: true,
        guards: Guards {
            replace: Replace::Discard,
            ..Guards::default()
        },
        ..Options::default()
    };
    let file = scenario.to_path_buf();

    // 1. the scenario as written: replications, intervals, result folder
    let single = run_file(&file, &opts("single"), None, Save::Folder, &Silent)?;
    let single_dir = single.dir.clone().ok_or("no result folder")?;
    let single_wait = wait_of(&single.results[0])?;

    // 2. a sweep of the arrival rate (as `--vary` gives it)
    let axis = SweepAxis {
        path: "queue.arrival_rate".into(),
        values: SWEEP.iter().map(|r| format!("\"{r}\"")).collect(),
    };
    let swept = run_file(
        &file,
        &opts("sweep"),
        Some(vec![axis]),
        Save::Folder,
        &Silent,
    )?;
    let sweep = swept
        .results
        .iter()
        .map(wait_of)
        .collect::<Result<Vec<_>, _>>()?;

    // 3. two shards, each a share of the replications, then their merge
    let mut shard_dirs = Vec::new();
    for k in 1..=2 {
        let o = Options {
            shard: Some((k, 2)),
            ..opts("shards")
        };
        let run = run_file(&file, &o, None, Save::Folder, &Silent)?;
        shard_dirs.push(run.dir.ok_or("no shard folder")?);
    }
    let merged = merge(
        &registry(),
        &shard_dirs,
        &out.join("merged"),
        Replace::Discard,
        true,
    )?;
    let merged_wait = wait_of(&merged.results[0])?;
    let merged_summary_identical = std::fs::read(merged.dir.join("summary.csv"))?
        == std::fs::read(single_dir.join("summary.csv"))?;

    // 4. the scenario's [[expect]] checks (nothing saved)
    let outcome = check(
        std::slice::from_ref(&file),
        &opts("check"),
        &CheckOptions::default(),
        &Silent,
    )?;
    let checks = outcome
        .lines
        .iter()
        .map(|l| (l.metric.clone(), l.verdict))
        .collect();

    // 5. the review report
    let written = report(&file, &opts("report"), &Silent)?;

    Ok(Findings {
        single: single_wait,
        sweep,
        merged: merged_wait,
        merged_summary_identical,
        checks,
        report: written.dir.join("report.html"),
    })
}
