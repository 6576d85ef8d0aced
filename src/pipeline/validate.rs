//! `racesim validate FILE...` as a library function: parse and validate,
//! run nothing.
//!
//! A file is "ok" when `racesim run FILE` with the same `--set` would start:
//! the scenario and every sweep point validate (a grid of more than
//! [`EXACT_COST_POINTS`] points: each swept value on its own), and the run
//! is within the guards' defaults (`--max-points`, `--max-events`,
//! `--max-memory`).

use std::path::Path;

use crate::Error;
use crate::experiment::cost::{self, EXACT_COST_POINTS};
use crate::model::Registry;
use crate::scenario::grid::Grid;
use crate::scenario::{self, Override, Source};

use super::{Guards, guard};

/// Checks one file; returns its "ok" line.
pub fn validate(registry: &Registry, file: &Path, overrides: &[Override]) -> Result<String, Error> {
    let source = Source::read(file)?;
    let sc = scenario::load_with(registry, &source, overrides)?;
    let grid = Grid::new(registry, &source, &sc, overrides, None);
    let guards = Guards::default();
    guard::check_points(grid.len(), &guards)?;
    let cost = if grid.len().unwrap_or(u64::MAX) <= EXACT_COST_POINTS {
        cost::cost_of(&grid.points()?)
    } else {
        cost::approximate(&grid)?
    };
    guard::check_cost(
        &cost,
        f64::from(sc.replications),
        &guards,
        rayon::current_num_threads(),
    )?;
    Ok(format!(
        "{}: ok ({} model, {} replications of {}{})",
        file.display(),
        sc.model_name(),
        sc.replications,
        sc.horizon,
        if grid.is_swept() {
            format!(", sweep of {} points", cost.points)
        } else {
            String::new()
        }
    ))
}
