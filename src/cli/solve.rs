//! `racesim solve FILE --vary PATH --target "METRIC<=X" [--range A..B]`:
//! the inverse question, e.g. the largest transfer-clock offset that keeps
//! the error-page rate at or below 1e-4 ([`racesim::pipeline::solve`]; the
//! method is [`racesim::experiment::solve`]'s).
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
//!
//! `solve` writes no result folder and draws no chart: it takes the
//! scenario inputs and the cost guards only (`--out`, `--force`,
//! `--no-charts`, `--shard`, `--time-limit` and `--max-points` are refused
//! by the parser).

use std::path::PathBuf;

use clap::Args;

use racesim::Error;
use racesim::experiment::solve::{By, DEFAULT_SIM_STEPS, Problem, Target, Value, parse_range};
use racesim::pipeline::Options;
use racesim::report::solve::{csv, document, text};

use super::guard::CostArgs;
use super::progress::Bar;
use super::{Inputs, Ui, print_json};

/// `racesim solve`.
#[derive(Debug, Args)]
pub(crate) struct SolveArgs {
    /// Scenario file
    file: PathBuf,
    /// The key to solve for (dotted path), e.g. hosts.transfer.clock.offset
    #[arg(long, value_name = "PATH")]
    vary: String,
    /// The condition, METRIC<=X or METRIC>=X, e.g. "error_page_rate<=1e-4"
    #[arg(long, value_name = "METRIC<=X")]
    target: String,
    /// Where to look, A..B (durations or numbers), e.g. 0s..10m; default: the
    /// scenario's sweep of PATH
    #[arg(long, value_name = "A..B")]
    range: Option<String>,
    /// Stop when the bracket is this narrow (default: 1ms for durations, 1e-6
    /// of the range for numbers, 1 for whole numbers)
    #[arg(long, value_name = "T")]
    tolerance: Option<String>,
    /// Bisection steps when the closed form does not apply and each step is a
    /// simulation (with common random numbers)
    #[arg(long, value_name = "N", default_value_t = DEFAULT_SIM_STEPS)]
    iterations: u32,
    /// What to bisect on: the exact closed form where it applies (auto), the
    /// closed form only (refused where it does not apply, e.g. a terminal
    /// window check, whose closed form is a bound), or simulation with the
    /// rare-event estimator
    #[arg(long, value_name = "HOW", default_value = "auto", value_parser = ["auto", "closed-form", "simulation"])]
    by: String,
    /// The most replications the confirmation at the answer may run before
    /// it says it could not confirm (default: 16 times the scenario's)
    #[arg(long, value_name = "N")]
    max_replications: Option<u32>,
    /// Scenario inputs.
    #[command(flatten)]
    inputs: Inputs,
    /// Cost limits.
    #[command(flatten)]
    cost: CostArgs,
    /// Output on standard output
    #[arg(long, value_enum, default_value_t = SolveFormat::Table)]
    format: SolveFormat,
}

/// How `solve` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum SolveFormat {
    /// The answer in words, for people
    Table,
    /// A header and one row
    Csv,
    /// run's document of the confirmation point, with a `solve` object
    Json,
}

impl SolveArgs {
    /// The problem the arguments state.
    fn problem(&self) -> Result<Problem, Error> {
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
pub(crate) fn solve(a: &SolveArgs, ui: &Ui) -> Result<(), Error> {
    let problem = a.problem()?;
    let opts = Options {
        overrides: a.inputs.overrides()?,
        threads: a.inputs.threads,
        guards: a.cost.parse()?,
        ..Options::default()
    };
    let bar = Bar::new(ui.quiet, &problem.path);
    let s = racesim::pipeline::solve::solve(&a.file, &opts, &problem, &bar)?;
    match a.format {
        SolveFormat::Json => print_json(&document(&s)),
        SolveFormat::Csv => print!("{}", csv(&s)),
        SolveFormat::Table if ui.quiet => {}
        SolveFormat::Table => print!("{}", ui.solve(&text(&s))),
    }
    racesim::pipeline::solve::outcome(&s)
}
