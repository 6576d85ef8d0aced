//! The race model's per-replication columns, daily columns and metrics, with
//! names derived from each failure `F`.
//!
//! Columns: `items` (items that arrived before the horizon), then for each
//! failure `F`: `F` (items that failed), `F_ideal` (the same items with
//! every clock ideal: same arrivals, delays and polls), `F_margin_sum_s` and
//! `F_margin_count` (the sum and count of the margins, seconds, where both
//! of its instants happened).
//!
//! Metrics: `items`; for each failure `F`: `F` (count), `F_rate` (per item),
//! `F_skew_rate` (`F_rate` minus its ideal-clock twin, paired: the share
//! caused by the clocks) and `F_margin` (mean margin; below 0 is a failure).

use std::borrow::Cow;

use super::closed_form::{self, Closed};
use super::config::{ITEMS, RaceConfig};
use crate::model::{Column, ColumnRule as R, Direction, MetricDef, MetricKind, Name};

/// Columns before the first failure's (`items`).
pub(super) const N_FIXED: usize = 1;

/// Columns per failure.
pub(super) const PER_FAILURE: usize = 4;

/// Index of the first column of failure `f`.
pub(super) fn col(f: usize) -> usize {
    1 + PER_FAILURE * f
}

/// The names a failure named `f` takes, columns and metrics (none may be
/// taken twice).
pub(super) fn names_of(f: &str) -> Vec<String> {
    vec![
        f.to_string(),
        format!("{f}_ideal"),
        format!("{f}_margin_sum_s"),
        format!("{f}_margin_count"),
        format!("{f}_rate"),
        format!("{f}_skew_rate"),
        format!("{f}_margin"),
    ]
}

/// The per-replication columns.
pub(super) fn columns(cfg: &RaceConfig) -> Vec<Column> {
    let mut out = vec![Column::new(ITEMS, R::count())];
    for f in &cfg.failures {
        let items = Some(Cow::Borrowed(ITEMS));
        // whole under plain sampling; sums of probabilities under the
        // conditional estimator
        out.push(Column::new(
            f.name.clone(),
            R {
                at_most: items.clone(),
                ..R::expected(None)
            },
        ));
        out.push(Column::new(
            format!("{}_ideal", f.name),
            R {
                at_most: items,
                ..R::expected(None)
            },
        ));
        out.push(Column::new(format!("{}_margin_sum_s", f.name), R::sum()));
        out.push(Column::new(
            format!("{}_margin_count", f.name),
            R::count_of(ITEMS),
        ));
    }
    out
}

/// Per-day columns: items, then each failure's count.
pub(super) fn daily_columns(cfg: &RaceConfig) -> Vec<Name> {
    std::iter::once(Cow::Borrowed(ITEMS))
        .chain(cfg.failures.iter().map(|f| Cow::Owned(f.name.clone())))
        .collect()
}

/// The metric names, in [`metrics`] order.
pub(super) fn metric_names(cfg: &RaceConfig) -> Vec<Name> {
    let mut out: Vec<Name> = vec![Cow::Borrowed(ITEMS)];
    for f in &cfg.failures {
        for suffix in ["", "_rate", "_skew_rate", "_margin"] {
            out.push(Cow::Owned(format!("{}{suffix}", f.name)));
        }
    }
    out
}

/// The metrics with their back-of-envelope figures; counts are totals over
/// `replications` replications. `sampled`, under the conditional
/// estimator: per failure, true when it is scored by plain sampling (its
/// metrics are then computed as plain sampling's).
pub(super) fn metrics(
    cfg: &RaceConfig,
    replications: u32,
    sampled: Option<&[bool]>,
) -> Vec<MetricDef> {
    let items = closed_form::expected_items(cfg) * f64::from(replications);
    let mut defs = vec![
        MetricDef::new(ITEMS, MetricKind::Count { col: 0 }, "")
            .with_closed_form(Some(items))
            .with_direction(Direction::Neither),
    ];
    for (k, f) in cfg.failures.iter().enumerate() {
        let c = col(k);
        let by_sampling = sampled.is_some_and(|s| s[k]);
        let first = defs.len();
        let closed = closed_form::failure(cfg, k);
        let (rate, ideal) = match closed {
            Closed::Rate { real, ideal, .. } => (Some(real), Some(ideal)),
            Closed::None(_) => (None, None),
        };
        defs.push(
            MetricDef::new(f.name.clone(), MetricKind::Count { col: c }, "")
                .with_closed_form(rate.map(|r| r * items)),
        );
        defs.push(
            MetricDef::new(
                format!("{}_rate", f.name),
                MetricKind::Ratio {
                    num: c,
                    den: 0,
                    scale: 1.0,
                    proportion: true,
                },
                "",
            )
            .with_closed_form(rate),
        );
        defs.push(
            MetricDef::new(
                format!("{}_skew_rate", f.name),
                MetricKind::RatioDiff {
                    a: c,
                    b: c + 1,
                    den: 0,
                },
                "",
            )
            .with_closed_form(rate.zip(ideal).map(|(a, b)| a - b)),
        );
        defs.push(
            MetricDef::new(
                format!("{}_margin", f.name),
                MetricKind::Mean {
                    sum: c + 2,
                    count: c + 3,
                },
                "s",
            )
            .with_direction(Direction::LowerIsWorse),
        );
        for d in &mut defs[first..] {
            d.sampled = by_sampling;
        }
    }
    defs
}
