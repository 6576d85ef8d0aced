//! The checkout model's per-replication columns, daily columns and metrics.
//!
//! Columns (raw sums; every metric derives from them):
//!
//! - `users`: users who arrived before the horizon;
//! - `error_pages`: first reads that found the record deleted;
//! - `error_pages_ideal`: the same replication's error pages with every
//!   clock ideal (same users, latencies and polls);
//! - `lost_confirmations`: users who never saw their confirmation (equals
//!   `error_pages`: a deletion is permanent, so every reload fails too);
//! - `early_moves`: records moved before `paid + grace` in true time;
//! - `margin_sum_s`, `margin_count`: the sum and count of (deletion minus
//!   first read), seconds, over records deleted during the run;
//! - under importance sampling, `effective_error_pages`: the effective
//!   sample size of the weighted error pages.

use std::borrow::Cow;

use super::closed_form::{closed_form, kernel};
use super::config::CheckoutConfig;
use crate::model::{Column, ColumnRule as R, Direction, Estimator, MetricDef, MetricKind, Name};

/// The columns of plain sampling and the conditional estimator.
const COLUMNS: [&str; 7] = [
    "users",
    "error_pages",
    "error_pages_ideal",
    "lost_confirmations",
    "early_moves",
    "margin_sum_s",
    "margin_count",
];
/// Index of `users`.
pub(super) const C_USERS: usize = 0;
/// Index of `error_pages`.
pub(super) const C_ERRORS: usize = 1;
/// Index of `error_pages_ideal`.
pub(super) const C_ERRORS_IDEAL: usize = 2;
/// Index of `lost_confirmations`.
pub(super) const C_LOST: usize = 3;
/// Index of `early_moves`.
pub(super) const C_EARLY: usize = 4;
/// Index of `margin_sum_s`.
pub(super) const C_MARGIN_SUM: usize = 5;
/// Index of `margin_count`.
pub(super) const C_MARGIN_N: usize = 6;
/// Index of `effective_error_pages` (importance sampling).
pub(super) const C_ESS: usize = 7;
/// The columns every estimator has.
pub(super) const N_COLUMNS: usize = COLUMNS.len();

/// The per-replication columns under `estimator`, with what each may hold.
/// Under importance sampling the counts of error pages and of margins are
/// sums of likelihood ratios (not whole, and not bounded by the users: one
/// weight may exceed 1), and the effective sample size is added.
pub(super) fn columns(estimator: Estimator) -> Vec<Column> {
    let rules = match estimator {
        Estimator::Importance => vec![
            R::count(),
            R::amount(),
            R::amount(),
            R::amount(),
            R::expected(Some("users")),
            R::sum(),
            R::amount(),
            R::amount(),
        ],
        Estimator::Sample | Estimator::Conditional => vec![
            R::count(),
            R::expected(Some("users")),
            R::expected(Some("users")),
            R::expected(Some("error_pages")),
            R::expected(Some("users")),
            R::sum(),
            R::count_of("users"),
        ],
    };
    let names = COLUMNS
        .iter()
        .copied()
        .chain((estimator == Estimator::Importance).then_some("effective_error_pages"));
    names.zip(rules).map(|(n, r)| Column::new(n, r)).collect()
}

/// Per-day series columns.
pub(super) fn daily_columns() -> Vec<Name> {
    vec![Cow::Borrowed("users"), Cow::Borrowed("error_pages")]
}

/// The metric names, in [`metrics`] order.
pub(super) fn metric_names(estimator: Estimator) -> Vec<Name> {
    let mut names: Vec<Name> = [
        "users",
        "error_pages",
        "error_page_rate",
        "skew_error_rate",
        "lost_confirmations",
        "early_moves",
        "margin",
    ]
    .into_iter()
    .map(Cow::Borrowed)
    .collect();
    if estimator == Estimator::Importance {
        names.push(Cow::Borrowed("effective_sample_size"));
    }
    names
}

/// The metrics of the checkout model with their back-of-envelope figures
/// (and, under importance sampling, `effective_sample_size`); counts are
/// totals over `replications` replications of `users` expected users each.
pub(super) fn metrics(
    cfg: &CheckoutConfig,
    users: f64,
    replications: u32,
    estimator: Estimator,
) -> Vec<MetricDef> {
    let est = closed_form(cfg);
    // error pages provably impossible, with the real clocks and with ideal ones
    let k = kernel(cfg);
    let impossible = match &est {
        Ok(e) => e.impossible,
        Err(_) => k.impossible_beyond(0.0),
    };
    let impossible_ideal = k.impossible_beyond(cfg.grace.as_secs_f64());
    let users = users * replications as f64;
    let (rate, rate0, early) = match &est {
        Ok(e) => (
            Some(e.error_rate),
            Some(e.error_rate_ideal),
            Some(e.early_rate),
        ),
        Err(_) => (None, None, None),
    };
    let m = |name: &'static str, kind, unit: &'static str, closed: Option<f64>| {
        MetricDef::new(name, kind, unit).with_closed_form(closed)
    };
    // a skew that stays at or above zero only brings eligibility forward
    let skew_never_negative = est
        .as_ref()
        .is_ok_and(|e| e.skew0 >= 0.0 && e.skew0 + e.skew_slope * cfg.horizon.as_secs_f64() >= 0.0);
    let errors = |name, kind, closed| MetricDef {
        impossible,
        ..m(name, kind, "", closed)
    };
    let mut defs = vec![
        m("users", MetricKind::Count { col: C_USERS }, "", Some(users))
            .with_direction(Direction::Neither),
        errors(
            "error_pages",
            MetricKind::Count { col: C_ERRORS },
            rate.map(|r| r * users),
        ),
        errors(
            "error_page_rate",
            MetricKind::Ratio {
                num: C_ERRORS,
                den: C_USERS,
                scale: 1.0,
                proportion: true,
            },
            rate,
        ),
        MetricDef {
            impossible: impossible && impossible_ideal,
            non_negative: skew_never_negative,
            ..m(
                "skew_error_rate",
                MetricKind::RatioDiff {
                    a: C_ERRORS,
                    b: C_ERRORS_IDEAL,
                    den: C_USERS,
                },
                "",
                rate.zip(rate0).map(|(a, b)| a - b),
            )
        },
        errors(
            "lost_confirmations",
            MetricKind::Count { col: C_LOST },
            rate.map(|r| r * users),
        ),
        m(
            "early_moves",
            MetricKind::Count { col: C_EARLY },
            "",
            early.map(|r| r * users),
        ),
        m(
            "margin",
            MetricKind::Mean {
                sum: C_MARGIN_SUM,
                count: C_MARGIN_N,
            },
            "s",
            None,
        )
        .with_direction(Direction::LowerIsWorse),
    ];
    if estimator == Estimator::Importance {
        defs.push(m(
            "effective_sample_size",
            MetricKind::Count { col: C_ESS },
            "",
            None,
        ));
    }
    defs
}
