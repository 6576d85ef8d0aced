//! `racesim solve FILE --vary PATH --target "METRIC<=X" [--range A..B]`: the
//! inverse question, e.g. the largest transfer-clock offset that keeps the
//! error-page rate at or below 1e-4 (see [`crate::experiment::solve`] for the
//! method).
//!
//! Exit codes (as `check`): 0 an answer was found and the simulation at the
//! answer confirms it (its 95% interval lies on the side of the bound the
//! target asks for, or holds the bound within ±10% of it); 1 the target is
//! not crossed over the range, or the simulation's interval lies entirely on
//! the wrong side of the bound, or it could not confirm the answer within
//! the cap on replications ("could not confirm", with the number of
//! replications that would decide it: `check`'s "inconclusive"); 2 bad input
//! or usage (including `--by closed-form` where the closed form does not
//! apply); 3 an internal error.

use std::path::PathBuf;

use clap::Args;
use serde_json::{Value as Json, json};

use crate::Error;
use crate::cli::guard;
use crate::cli::progress::Bar;
use crate::cli::{Common, Format};
use crate::experiment::Reporter;
use crate::experiment::solve::{
    self, Agreement, By, DEFAULT_SIM_STEPS, Method, Problem, Solution, SolveError, Target, Value,
    parse_range,
};
use crate::fmt::fmt_num;
use crate::report::{json, table};
use crate::scenario::Source;

/// `racesim solve`.
#[derive(Debug, Args)]
pub struct SolveArgs {
    /// Scenario file
    pub file: PathBuf,
    /// The key to solve for (dotted path), e.g. hosts.transfer.clock.offset
    #[arg(long, value_name = "PATH")]
    pub vary: String,
    /// The condition, METRIC<=X or METRIC>=X, e.g. "error_page_rate<=1e-4"
    #[arg(long, value_name = "METRIC<=X")]
    pub target: String,
    /// Where to look, A..B (durations or numbers), e.g. 0s..10m; default: the
    /// scenario's sweep of PATH
    #[arg(long, value_name = "A..B")]
    pub range: Option<String>,
    /// Stop when the bracket is this narrow (default: 1ms for durations, 1e-6
    /// of the range for numbers, 1 for whole numbers)
    #[arg(long, value_name = "T")]
    pub tolerance: Option<String>,
    /// Bisection steps when the closed form does not apply and each step is a
    /// simulation (with common random numbers)
    #[arg(long, value_name = "N", default_value_t = DEFAULT_SIM_STEPS)]
    pub iterations: u32,
    /// What to bisect on: the exact closed form where it applies (auto), the
    /// closed form only (refused where it does not apply, e.g. a terminal
    /// window check, whose closed form is a bound), or simulation with the
    /// rare-event estimator
    #[arg(long, value_name = "HOW", default_value = "auto", value_parser = ["auto", "closed-form", "simulation"])]
    pub by: String,
    /// The most replications the confirmation at the answer may run before
    /// it says it could not confirm (default: 16 times the scenario's)
    #[arg(long, value_name = "N")]
    pub max_replications: Option<u32>,
    /// Shared options.
    #[command(flatten)]
    pub common: Common,
}

impl SolveArgs {
    /// The problem the arguments state.
    pub fn problem(&self) -> Result<Problem, Error> {
        let target = Target::parse(&self.target).map_err(Error::Usage)?;
        let range = self
            .range
            .as_deref()
            .map(parse_range)
            .transpose()
            .map_err(Error::Usage)?;
        let tolerance = self
            .tolerance
            .as_deref()
            .map(Value::parse)
            .transpose()
            .map_err(|m| Error::Usage(format!("--tolerance: {m}")))?;
        if self.vary.trim().is_empty() || self.vary.contains('=') {
            return Err(Error::Usage(format!(
                "--vary {}: expected the key path alone, e.g. --vary hosts.transfer.clock.offset (the range goes in --range)",
                self.vary
            )));
        }
        if self.max_replications == Some(0) {
            return Err(Error::Usage("--max-replications must be at least 1".into()));
        }
        Ok(Problem {
            path: self.vary.trim().to_string(),
            target,
            range,
            tolerance,
            sim_steps: self.iterations,
            by: By::parse(&self.by).map_err(Error::Usage)?,
            max_replications: self.max_replications,
            max_work: f64::INFINITY,
        })
    }
}

/// Solves, prints the answer, and fails (exit 1) when there is none or the
/// simulation contradicts it.
pub fn solve(a: &SolveArgs) -> Result<(), Error> {
    let mut problem = a.problem()?;
    let common = &a.common;
    problem.max_work = common.guards.max_events()?;
    if common.shard.is_some() {
        return Err(Error::Usage(
            "solve runs whole simulations at each step; it cannot be split with --shard".into(),
        ));
    }
    if common.guards.time_limit.is_some() {
        return Err(Error::Usage(
            "solve needs each of its simulations whole; it does not take --time-limit (lower --iterations or the replications instead)".into(),
        ));
    }
    let overrides = common.overrides()?;
    let source = Source::read(&a.file)?;
    // the most work: every iteration a full run of the scenario
    let base = crate::scenario::load(&source, &overrides)?;
    let cost = crate::experiment::grid::cost_of(&[(Vec::new(), base.clone())]);
    guard::check_cost(
        &cost,
        f64::from(a.iterations.max(1)) * f64::from(base.replications),
        &common.guards,
        common.threads(),
    )?;
    let bar = Bar::new(common.quiet, &problem.path);
    let s = common.with_pool(|| solve::solve(&source, &overrides, &problem, &bar))?;
    bar.finish();
    let s = s.map_err(|e| match e {
        SolveError::Usage(m) => Error::Usage(m),
        SolveError::Scenario(e) => Error::Scenario(e),
        SolveError::Simulation(e) => Error::Simulation(e),
        SolveError::NoCrossing(m) => Error::NotFound(m),
    })?;
    match common.format {
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&document(&s)).unwrap_or_default()
        ),
        Format::Csv => print!("{}", csv(&s)),
        Format::Table | Format::Markdown if !common.quiet => print!("{}", text(&s)),
        Format::Table | Format::Markdown => {}
    }
    match s.agreement {
        Agreement::Contradicts => Err(Error::CheckFailed(format!(
            "the simulation at {} = {} contradicts {}: {}",
            s.path,
            s.answer,
            s.target,
            verdict(&s)
        ))),
        Agreement::Inconclusive | Agreement::Undefined => Err(Error::CheckFailed(verdict(&s))),
        Agreement::ContainsBound | Agreement::Satisfies => Ok(()),
    }
}

fn method_line(s: &Solution) -> String {
    let (lo, hi) = s.range;
    match &s.method {
        Method::ClosedForm => format!(
            "method: exact closed form scanned at {} points over [{lo}, {hi}], bisected to {} in {} steps; checked by simulation",
            s.scanned + 2,
            s.tolerance,
            s.steps
        ),
        Method::Simulation { why } => format!(
            "method: bisection on simulation (common random numbers) over [{lo}, {hi}], {} steps; {why}",
            s.steps
        ),
    }
}

fn verdict(s: &Solution) -> String {
    let Some(e) = s.estimate() else {
        return "no simulated figure".into();
    };
    let ci = format!("[{}, {}]", fmt_num(e.ci.low), fmt_num(e.ci.high));
    let x = s.target.bound_text();
    let n = s.point.reps.len();
    let est = s.estimator.name();
    match s.agreement {
        Agreement::ContainsBound => format!(
            "confirmed: the 95% interval {ci} ({est} estimator, {n} replications) holds the bound {x} within ±{}%",
            solve::DECIDE * 100.0
        ),
        Agreement::Satisfies => format!(
            "confirmed: the 95% interval {ci} ({est} estimator, {n} replications) satisfies the target entirely (the answer is conservative)"
        ),
        Agreement::Contradicts => format!(
            "the simulation disagrees: its 95% interval {ci} ({est} estimator, {n} replications) lies entirely on the wrong side of {x}"
        ),
        Agreement::Inconclusive | Agreement::Undefined => format!(
            "could not confirm: interval {ci} vs bound {x} after {n} replications ({est} estimator); {}",
            match s.needed {
                Some(usize::MAX) | None => {
                    "more replications would be needed to decide it".to_string()
                }
                Some(k) => format!(
                    "about {k} replications would decide it (raise --max-replications or --max-events)"
                ),
            }
        ),
    }
}

/// The report for people.
fn text(s: &Solution) -> String {
    let p = &s.point;
    let mut out = String::new();
    let mut line = |l: String| {
        out.push_str(&l);
        out.push('\n');
    };
    line(format!(
        "{} ({} model): solve {} for {}",
        p.scenario.name,
        p.scenario.model.name(),
        s.path,
        s.target
    ));
    line(method_line(s));
    line(format!(
        "answer: {} = {}, the {} value with {} ({} = {} does not)",
        s.path,
        s.answer,
        s.side.as_str(),
        s.target,
        s.path,
        s.beyond
    ));
    if let Some(cf) = s.closed_form {
        line(format!(
            "closed form at the answer: {} = {}",
            s.target.metric,
            fmt_num(cf)
        ));
    }
    line(String::new());
    line(format!("simulation at the answer: {}", table::heading(p)));
    out.push_str(&table::metrics(p));
    let mut line = |l: String| {
        out.push_str(&l);
        out.push('\n');
    };
    line(String::new());
    line(format!("verdict: {}", verdict(s)));
    for n in &s.notes {
        line(format!("note: {n}"));
    }
    out
}

/// One header line and one row: the answer and the confirmation.
fn csv(s: &Solution) -> String {
    let e = s.estimate();
    let f = |x: Option<f64>| x.map(crate::fmt::fmt_exact).unwrap_or_default();
    let mut w = ::csv::WriterBuilder::new().from_writer(Vec::new());
    let _ = w.write_record([
        "path",
        "metric",
        "relation",
        "bound",
        "method",
        "side",
        "answer",
        "beyond",
        "closed_form",
        "value",
        "ci_low",
        "ci_high",
        "agreement",
        "estimator",
        "replications",
    ]);
    let _ = w.write_record([
        s.path.clone(),
        s.target.metric.clone(),
        s.target.relation.as_str().into(),
        crate::fmt::fmt_exact(s.target.bound),
        s.method.as_str().into(),
        s.side.as_str().into(),
        s.answer.to_string(),
        s.beyond.to_string(),
        f(s.closed_form),
        f(e.map(|e| e.value)),
        f(e.map(|e| e.ci.low)),
        f(e.map(|e| e.ci.high)),
        s.agreement.as_str().into(),
        s.estimator.name().into(),
        s.point.reps.len().to_string(),
    ]);
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

fn value_json(v: Value) -> Json {
    json!(v.as_f64())
}

/// The JSON document: `run`'s document of the confirmation point (scenario,
/// seed, replications, estimator, generator, version, `metrics`) with a
/// `solve` object.
pub fn document(s: &Solution) -> Json {
    let mut doc = json::scenario(std::slice::from_ref(&s.point), false);
    let (why, method) = match &s.method {
        Method::ClosedForm => (Json::Null, "closed-form"),
        Method::Simulation { why } => (json!(why), "simulation"),
    };
    doc["solve"] = json!({
        "path": s.path,
        "target": {
            "metric": s.target.metric,
            "relation": s.target.relation.as_str(),
            "bound": s.target.bound,
        },
        "range": [s.range.0.to_string(), s.range.1.to_string()],
        "method": method,
        "closed_form_not_applicable": why,
        "tolerance": s.tolerance.to_string(),
        "scanned": s.scanned,
        "steps": s.steps,
        "side": s.side.as_str(),
        "answer": s.answer.to_string(),
        "answer_value": value_json(s.answer),
        "answer_unit": if matches!(s.answer, Value::Duration(_)) { "s" } else { "" },
        "beyond": s.beyond.to_string(),
        "closed_form": s.closed_form,
        "simulation": s.point.metric(&s.target.metric).map(json::metric),
        "agreement": s.agreement.as_str(),
        "agrees": s.agreement.agrees(),
        "replications_needed": s.needed.filter(|n| *n != usize::MAX),
        "by": match &s.method {
            Method::ClosedForm => "closed-form",
            Method::Simulation { .. } => "simulation",
        },
        "notes": s.notes,
    });
    doc
}
