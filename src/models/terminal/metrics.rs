//! The terminal model's per-replication columns, daily columns and
//! metrics.

use super::closed_form::{ClosedForm, day_mismatch_share, per_year};
use super::config::TerminalConfig;
use crate::model::{Column, Direction, MetricDef, MetricKind};

/// The raw per-replication columns, in [`RepOutput::values`](crate::model::RepOutput::values) order.
///
/// - `transactions`: purchases (resubmissions not counted);
/// - `terminal_days`: terminals * days;
/// - `overflow_days`: terminal-days with more purchases than counter values;
/// - `extra_batches`: batches opened past the first (`new_batch` only);
/// - `counter_excess`: sum of `max(0, N - R)`, the same-counter pairs of the
///   back-of-envelope (for N <= 2R);
/// - `resubmissions`: requests resubmitted after a communication error;
/// - `true_duplicates`: resubmissions the processor caught (reversing the
///   earlier copy, correctly);
/// - `missed_duplicates`: resubmissions it did not catch (double charges);
/// - `false_reversals`: reversals of a distinct purchase;
/// - `lost_amount`: the amounts of those sales, in currency units;
/// - `alerts`, `false_alerts`: pairs the daily scan flagged, and those the
///   processor did not reverse.
///
/// With `estimator = "conditional"`, `false_reversals`, `lost_amount`,
/// `alerts` and `false_alerts` are expected values (not whole numbers).
pub const COLUMNS: &[&str] = &[
    "transactions",
    "terminal_days",
    "overflow_days",
    "extra_batches",
    "counter_excess",
    "resubmissions",
    "true_duplicates",
    "missed_duplicates",
    "false_reversals",
    "lost_amount",
    "alerts",
    "false_alerts",
];

/// The column a scenario with terminal clocks adds after [`COLUMNS`]:
/// purchases whose processor day is not the terminal's.
pub(super) const CLOCK_COLUMN: &str = "day_mismatches";

/// The metrics a scenario with terminal clocks adds after [`METRIC_NAMES`].
pub(super) const CLOCK_METRIC_NAMES: &[&str] =
    &["day_mismatches", "day_mismatch_share", "missed_duplicates"];

/// The per-replication columns with what each may hold (checked when
/// `merge` reads rows); `clocks` adds [`CLOCK_COLUMN`].
pub(crate) fn columns(clocks: bool) -> Vec<Column> {
    use crate::model::ColumnRule as R;
    let rules = [
        R::count(),
        R::count(),
        R::count_of("terminal_days"),
        R::count(),
        R::count_of("transactions"),
        R::count_of("transactions"),
        R::count_of("resubmissions"),
        R::count_of("resubmissions"),
        R::expected(Some("transactions")),
        R::amount(),
        R::expected(None),
        R::expected(Some("alerts")),
    ];
    let mut out: Vec<Column> = COLUMNS
        .iter()
        .zip(rules)
        .map(|(n, r)| Column::new(*n, r))
        .collect();
    if clocks {
        out.push(Column::new(CLOCK_COLUMN, R::count_of("transactions")));
    }
    out
}

/// Indices into [`COLUMNS`].
pub mod col {
    /// `transactions`.
    pub const TRANSACTIONS: usize = 0;
    /// `terminal_days`.
    pub const TERMINAL_DAYS: usize = 1;
    /// `overflow_days`.
    pub const OVERFLOW_DAYS: usize = 2;
    /// `extra_batches`.
    pub const EXTRA_BATCHES: usize = 3;
    /// `counter_excess`.
    pub const COUNTER_EXCESS: usize = 4;
    /// `resubmissions`.
    pub const RESUBMISSIONS: usize = 5;
    /// `true_duplicates`.
    pub const TRUE_DUPLICATES: usize = 6;
    /// `missed_duplicates`.
    pub const MISSED_DUPLICATES: usize = 7;
    /// `false_reversals`.
    pub const FALSE_REVERSALS: usize = 8;
    /// `lost_amount`.
    pub const LOST_AMOUNT: usize = 9;
    /// `alerts`.
    pub const ALERTS: usize = 10;
    /// `false_alerts`.
    pub const FALSE_ALERTS: usize = 11;
    /// `day_mismatches`, after the others, only with terminal clocks.
    pub const DAY_MISMATCHES: usize = 12;
}

/// The per-day series, in [`RepOutput::daily`](crate::model::RepOutput::daily) row order (sums over the
/// fleet for that day).
pub const DAILY_COLUMNS: &[&str] = &[
    "transactions",
    "overflow_days",
    "extra_batches",
    "true_duplicates",
    "false_reversals",
    "lost_amount",
    "alerts",
    "false_alerts",
];

/// The names of the metrics [`metrics`] reports, in its order, without
/// computing the closed form (scenario validation checks `[[expect]]`
/// metric names against them).
pub const METRIC_NAMES: &[&str] = &[
    "transactions",
    "terminal_days",
    "overflow_days",
    "extra_batches",
    "true_duplicates",
    "false_reversals",
    "false_reversals_per_year",
    "lost_amount",
    "alerts",
    "false_alerts",
];

/// The metrics, computed from [`COLUMNS`].
///
/// For `Count` metrics (totals over replications) the `estimate` is the
/// expected count **per replication** of `days` days; [`metrics_over`] gives
/// totals over a number of replications, to put beside the reported totals.
/// `false_reversals_per_year` is a fleet-wide rate and its estimate is in the
/// same unit. `lost_amount` is in currency units (a sum of amounts, not a
/// count of events).
pub fn metrics(cfg: &TerminalConfig, days: u32) -> Vec<MetricDef> {
    let cf = ClosedForm::new(cfg);
    let td = f64::from(cfg.terminals) * f64::from(days);
    let fr = cf.false_reversals(cfg);
    let lost = cf.lost_cents(cfg);
    let count = |name: &'static str, c, closed: Option<f64>, naive: Option<f64>| MetricDef {
        closed_form_naive: naive,
        ..MetricDef::new(name, MetricKind::Count { col: c }, "").with_closed_form(closed)
    };
    let mut out = vec![
        count(
            "transactions",
            col::TRANSACTIONS,
            Some(td * cf.mean_n),
            None,
        )
        .with_direction(Direction::Neither),
        MetricDef::new(
            "terminal_days",
            MetricKind::Total {
                col: col::TERMINAL_DAYS,
            },
            "",
        )
        .with_closed_form(Some(td))
        .with_direction(Direction::Neither),
        count(
            "overflow_days",
            col::OVERFLOW_DAYS,
            Some(td * cf.p_overflow),
            None,
        ),
        count(
            "extra_batches",
            col::EXTRA_BATCHES,
            Some(td * cf.extra_batches),
            None,
        ),
        count(
            "true_duplicates",
            col::TRUE_DUPLICATES,
            cf.true_duplicates(cfg).map(|x| td * x),
            None,
        ),
        count(
            "false_reversals",
            col::FALSE_REVERSALS,
            fr.map(|f| td * f.0),
            fr.map(|f| td * f.1),
        ),
        MetricDef {
            closed_form_naive: fr.map(|f| f.1 * per_year(cfg)),
            ..MetricDef::new(
                "false_reversals_per_year",
                MetricKind::Ratio {
                    num: col::FALSE_REVERSALS,
                    den: col::TERMINAL_DAYS,
                    scale: per_year(cfg),
                    proportion: false,
                },
                "/year",
            )
            .with_closed_form(fr.map(|f| f.0 * per_year(cfg)))
        },
        MetricDef {
            closed_form_naive: lost.map(|l| td * l.1 / 100.0),
            ..MetricDef::new(
                "lost_amount",
                MetricKind::Money {
                    col: col::LOST_AMOUNT,
                    events: col::FALSE_REVERSALS,
                    max_per_event: cfg.menu.cents.iter().copied().max().unwrap_or(0) as f64 / 100.0,
                },
                "",
            )
            .with_closed_form(lost.map(|l| td * l.0 / 100.0))
        },
        count("alerts", col::ALERTS, cf.alerts(cfg).map(|a| td * a), None)
            .with_direction(Direction::Neither),
        count(
            "false_alerts",
            col::FALSE_ALERTS,
            cf.false_alerts(cfg).map(|a| td * a),
            None,
        ),
    ];
    if cfg.clocks.is_some() {
        let share = day_mismatch_share(cfg);
        out.push(
            count(
                "day_mismatches",
                col::DAY_MISMATCHES,
                share.map(|p| td * cf.mean_n * p),
                None,
            )
            .with_direction(Direction::Neither),
        );
        out.push(
            MetricDef::new(
                "day_mismatch_share",
                MetricKind::Ratio {
                    num: col::DAY_MISMATCHES,
                    den: col::TRANSACTIONS,
                    scale: 1.0,
                    proportion: true,
                },
                "",
            )
            .with_closed_form(share)
            .with_direction(Direction::Neither),
        );
        // Double charges: with the processor's day on its own clock, a
        // resubmission across its day cut is not caught.
        out.push(count(
            "missed_duplicates",
            col::MISSED_DUPLICATES,
            (!cfg.dedup_follows_processor()).then(|| {
                let caught = cf.true_duplicates(cfg).unwrap_or(0.0);
                td * (cf.resubmissions - caught).max(0.0)
            }),
            None,
        ));
    }
    out
}

/// [`metrics`] with the `Count` estimates scaled to totals over
/// `replications` replications, as the experiment layer reports counts.
pub fn metrics_over(cfg: &TerminalConfig, days: u32, replications: u32) -> Vec<MetricDef> {
    let k = f64::from(replications);
    metrics(cfg, days)
        .into_iter()
        .map(|mut m| {
            if matches!(
                m.kind,
                MetricKind::Count { .. } | MetricKind::Total { .. } | MetricKind::Money { .. }
            ) {
                m.closed_form = m.closed_form.map(|e| e * k);
                m.closed_form_naive = m.closed_form_naive.map(|e| e * k);
            }
            m
        })
        .collect()
}
