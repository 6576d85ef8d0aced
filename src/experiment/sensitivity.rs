//! Sensitivity of a sweep (tornado style): how far each swept key alone moves
//! a metric.
//!
//! For each key, the metric is read at every value of that key with every
//! other key at its base value (its first value in the sweep, which is where
//! the grid starts), and the key's bar is the range [min, max] of those
//! values. Keys are sorted by the width of their range, widest first, so the
//! key that matters most is on top. This is the one-at-a-time view: it does
//! not show interactions (the grid itself does).

use crate::experiment::PointResult;
use crate::model::Name;

/// One key's bar: `(key, low, high)`.
pub type KeyRange = (String, f64, f64);

/// For each swept key of `points` (a sweep grid, as the experiment runner
/// makes it), `(key, low, high)`: the least and greatest value of `metric` over
/// that key's values with the other keys at their base (first) value, sorted
/// by `high - low`, widest first (ties keep the sweep's key order).
///
/// Points whose metric is missing or not a number are skipped; a key with no
/// usable point gets `(NaN, NaN)` and sorts last. Without points or swept keys
/// the result is empty.
pub fn sensitivity(points: &[PointResult], metric: &str) -> Vec<(String, f64, f64)> {
    let Some(first) = points.first() else {
        return Vec::new();
    };
    let base: Vec<&str> = first.params.iter().map(|(_, v)| v.as_str()).collect();
    let mut rows: Vec<(String, f64, f64)> = first
        .params
        .iter()
        .enumerate()
        .map(|(k, (key, _))| {
            let values = points
                .iter()
                .filter(|p| {
                    p.params.len() == base.len()
                        && p.params
                            .iter()
                            .enumerate()
                            .all(|(j, (_, v))| j == k || v == base[j])
                })
                .filter_map(|p| p.metric(metric).map(|m| m.figure.value))
                .filter(|v| !v.is_nan());
            let (low, high) =
                values.fold((f64::NAN, f64::NAN), |(lo, hi), v| (lo.min(v), hi.max(v)));
            (key.clone(), low, high)
        })
        .collect();
    let width = |r: &(String, f64, f64)| {
        let w = r.2 - r.1;
        if w.is_nan() { f64::NEG_INFINITY } else { w }
    };
    rows.sort_by(|a, b| width(b).total_cmp(&width(a)));
    rows
}

/// The sensitivity of the model's headline metric after a sweep over two or
/// more keys: `Some((metric, rows))`, or `None` for a single key or none (a
/// one-key sweep's curve says it all).
pub fn headline_sensitivity(points: &[PointResult]) -> Option<(Name, Vec<KeyRange>)> {
    let first = points.first()?;
    if first.params.len() < 2 {
        return None;
    }
    let metric = first.scenario.model.headline_metric();
    let rows = sensitivity(points, &metric);
    Some((metric, rows))
}
