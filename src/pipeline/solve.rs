//! `racesim solve FILE --vary PATH --target "METRIC<=X" [--range A..B]` as a
//! library function: the inverse question (see [`crate::experiment::solve`]
//! for the method), within the guards.
//!
//! Outcomes (as `check`'s): an answer the simulation at it confirms;
//! [`Error::NotFound`] when the target is not crossed over the range;
//! [`Error::CheckFailed`] when the simulation's interval lies on the wrong
//! side of the bound or cannot decide it within the cap on replications
//! ([`outcome`]).

use std::path::Path;

use crate::Error;
use crate::experiment::Reporter;
use crate::experiment::solve::{self, Agreement, Problem, Solution, SolveError};
use crate::scenario::{self, Source};

use super::{Options, guard};

/// Solves `problem` on the scenario at `file`; the work of every iteration
/// is guarded as a full run of the scenario (`--max-events`).
pub fn solve(
    file: &Path,
    opts: &Options,
    problem: &Problem,
    reporter: &dyn Reporter,
) -> Result<Solution, Error> {
    if opts.shard.is_some() {
        return Err(Error::Usage(
            "solve runs whole simulations at each step; it cannot be split with --shard".into(),
        ));
    }
    if opts.guards.time_limit.is_some() {
        return Err(Error::Usage(
            "solve needs each of its simulations whole; it does not take --time-limit (lower --iterations or the replications instead)".into(),
        ));
    }
    let mut problem = problem.clone();
    problem.max_work = opts.guards.max_events;
    let source = Source::read(file)?;
    // the most work: every iteration a full run of the scenario
    let base = scenario::load_with(&opts.registry, &source, &opts.overrides)?;
    let cost = crate::experiment::cost::cost_of(&[(Vec::new(), base.clone())]);
    guard::check_cost(
        &cost,
        f64::from(problem.sim_steps.max(1)) * f64::from(base.replications),
        &opts.guards,
        opts.threads(),
    )?;
    let s = opts
        .with_pool(|| solve::solve(&opts.registry, &source, &opts.overrides, &problem, reporter))?;
    reporter.finish();
    s.map_err(|e| match e {
        SolveError::Usage(m) => Error::Usage(m),
        SolveError::Scenario(e) => Error::from(e),
        SolveError::Simulation(e) => Error::Simulation(e),
        SolveError::NoCrossing(m) => Error::NotFound(m),
    })
}

/// `Ok` when the simulation at the answer confirms it, else the failure
/// (exit 1) in words.
pub fn outcome(s: &Solution) -> Result<(), Error> {
    use crate::report::solve::verdict;
    match s.agreement {
        Agreement::Contradicts => Err(Error::CheckFailed(format!(
            "the simulation at {} = {} contradicts {}: {}",
            s.path,
            s.answer,
            s.target,
            verdict(s)
        ))),
        Agreement::Inconclusive | Agreement::Undefined => Err(Error::CheckFailed(verdict(s))),
        Agreement::ContainsBound | Agreement::Satisfies => Ok(()),
    }
}
