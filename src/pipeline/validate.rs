//! `racesim validate FILE...` as a library function: parse and validate,
//! run nothing.
//!
//! A file is "ok" when `racesim run FILE` with the same `--set` would start:
//! the scenario and every sweep point validate (a grid of more than
//! [`EXACT_COST_POINTS`] points: each swept value on its own), and the run
//! is within the guards' defaults (`--max-points`, `--max-events`,
//! `--max-memory`).
//!
//! Below the "ok" line comes one line for each distribution given by
//! percentiles in a form that fits parameters (two named percentiles other
//! than `{ median, p99 }`, a 90% range `"1s to 8s"`, a fit through three
//! or more percentiles): its key path, the fitted parameters and the implied
//! mean and p99.9, so that a reviewer sees the tail assumption.

use std::path::Path;

use toml::Spanned;
use toml::de::{DeTable, DeValue, ValueDeserializer};

use crate::Error;
use crate::dist::RawDist;
use crate::experiment::cost::{self, EXACT_COST_POINTS};
use crate::model::Registry;
use crate::scenario::grid::Grid;
use crate::scenario::{self, Override, Source};
use crate::units::DurationValue;

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
    let fitted = fitted_lines(&source, overrides)?;
    // what the model says of itself (a request log looped to the horizon)
    let notes: String = sc
        .model
        .notes()
        .iter()
        .map(|n| format!("\n  note: {n}"))
        .collect();
    Ok(format!(
        "{}: ok ({} model, {} replications of {}{}){fitted}{notes}",
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

/// The lines for the distributions given by percentiles (see the module
/// docs), each `"\n  path: summary"`, in the document's order.
fn fitted_lines(source: &Source, overrides: &[Override]) -> Result<String, Error> {
    let mut padded = Vec::new();
    let (doc, _) = scenario::source::parse(source, overrides, &mut padded)?;
    let mut out = String::new();
    walk(doc.get_ref(), "", &source.base_dir(), &mut out);
    Ok(out)
}

fn walk(table: &DeTable<'_>, prefix: &str, base_dir: &Path, out: &mut String) {
    for (key, value) in table {
        let path = if prefix.is_empty() {
            key.get_ref().to_string()
        } else {
            format!("{prefix}.{}", key.get_ref())
        };
        if prefix.is_empty() && matches!(key.get_ref().as_ref(), "name" | "description") {
            continue;
        }
        visit(value, &path, base_dir, out);
    }
}

fn visit(value: &Spanned<DeValue<'_>>, path: &str, base_dir: &Path, out: &mut String) {
    let candidate = match value.get_ref() {
        DeValue::String(s) => s.contains(" to "),
        DeValue::Table(t) => {
            t.len() == 1
                && t.keys()
                    .all(|k| matches!(k.get_ref().as_ref(), "lognormal" | "percentiles"))
        }
        _ => false,
    };
    if candidate && let Some(line) = summary(value, base_dir) {
        out.push_str(&format!("\n  {path}: {line}"));
        return;
    }
    match value.get_ref() {
        DeValue::Table(t) => walk(t, path, base_dir, out),
        DeValue::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                visit(item, &format!("{path}.{i}"), base_dir, out);
            }
        }
        _ => {}
    }
}

/// The summary of a fitted distribution, read as durations, else as
/// numbers; `None` when it is neither (or not a fitted form).
fn summary(value: &Spanned<DeValue<'_>>, base_dir: &Path) -> Option<String> {
    fn read<S: crate::dist::Scalar>(
        value: &Spanned<DeValue<'_>>,
        base_dir: &Path,
    ) -> Option<String> {
        let raw: RawDist<S> =
            serde::Deserialize::deserialize(ValueDeserializer::from(value.clone())).ok()?;
        let dist = raw.build(base_dir).ok()?;
        raw.fitted_summary(&dist)
    }
    read::<DurationValue>(value, base_dir).or_else(|| read::<f64>(value, base_dir))
}
