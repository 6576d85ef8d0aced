//! `racesim validate FILE...`: parse and validate, run nothing.
//!
//! A file is "ok" when `racesim run FILE` with the same `--set` would start:
//! the scenario and every swept value load, and the run is within the
//! guards' defaults (`--max-points`, `--max-events`, `--max-memory`),
//! counted without building the sweep.

use crate::Error;
use crate::cli::ValidateArgs;
use crate::cli::guard::{self, Guards};
use crate::experiment::Plan;
use crate::experiment::grid::Grid;
use crate::scenario::{self, Source};

/// Checks one file; returns its "ok" line.
fn validate_one(f: &std::path::Path, overrides: &[scenario::Override]) -> Result<String, Error> {
    let sc = scenario::load_file_checked(f, overrides)?;
    let source = Source::read(f)?;
    let plan = Plan {
        overrides: overrides.to_vec(),
        ..Plan::default()
    };
    let grid = Grid::new(&source, &sc, &plan);
    let guards = Guards::default();
    guard::check_points(grid.len(), &guards)?;
    let cost = grid.cost()?;
    guard::check_cost(
        &cost,
        f64::from(sc.replications),
        &guards,
        rayon::current_num_threads(),
    )?;
    Ok(format!(
        "{}: ok ({} model, {} replications of {}{})",
        f.display(),
        sc.model.name(),
        sc.replications,
        sc.horizon,
        if grid.is_swept() {
            format!(", sweep of {} points", cost.points)
        } else {
            String::new()
        }
    ))
}

/// Validates every file; the first bad one is the error (all are reported).
pub fn validate(a: &ValidateArgs) -> Result<(), Error> {
    let overrides = crate::cli::parse_sets(&a.set)?;
    let mut first_err = None;
    for f in &a.files {
        match validate_one(f, &overrides) {
            Ok(line) => println!("{line}"),
            Err(e) => {
                if first_err.is_some() {
                    eprintln!("error: {e}");
                } else {
                    first_err = Some(e);
                }
            }
        }
    }
    match first_err {
        Some(e) => Err(e),
        None => Ok(()),
    }
}
