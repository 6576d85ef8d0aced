//! The `terminal` model (DESIGN.md section 5): payment terminals number each
//! transaction of a batch with a short sequence counter, and a processor that
//! treats a repeated (counter, card, amount) as a resubmission reverses the
//! earlier one. Under `rollover`, two distinct purchases can share all three
//! and the merchant silently loses a sale: a **false reversal**.
//!
//! - `config`: the `[terminal]` table ([`RawTerminal`]) and its validated
//!   form ([`TerminalConfig`]).
//! - `sim`: the model on the engine, one event per terminal-day, the day
//!   played in a tight loop over reused buffers.
//! - `closed_form`: the back-of-envelope, `E[max(0, N - R)] * q`, and the
//!   naive version that treats card and amount as independent.
//! - `volume`: terminal-days, purchases and false reversals binned by the
//!   day's purchase count (`volume.csv`), with the closed form per bin.
//!
//! [`RequestLog`] replays one replication as every processor request and
//! outcome, for `trace --events`.
//!
//! Semantics decided here (DESIGN.md is silent):
//! - Transactions are numbered in time order; counter = `(position - 1) %
//!   (10^digits - 1) + 1`, and under `new_batch` the batch is
//!   `(position - 1) / (10^digits - 1) + 1`.
//! - A resubmission carries its original's counter, card, amount and batch,
//!   and arrives `resubmit.delay` after it (after closing time if need be: it
//!   still belongs to that terminal-day). One resubmission per failed request.
//! - The processor keeps, per key, the most recent request; when a request
//!   arrives and the most recent earlier one with its key is in scope, that
//!   one is reversed. (Any earlier one was already reversed by it.) A
//!   reversal is a true duplicate when both requests are for the same
//!   purchase, a false reversal otherwise; a resubmission whose original is
//!   not caught is a `missed_duplicates` (a double charge).
//! - Every scope stays within the terminal-day (the batch settles at close).
//! - The alert scan uses the processor's `match` fields with its own scope and
//!   flags each request whose most recent same-key request is in the scan's
//!   scope (consecutive same-key pairs). A flagged pair the processor did not
//!   reverse is a false alert.
//! - A terminal's mean is clamped to `[0, 1e7]`; `fixed` day-to-day counts are
//!   the mean rounded to the nearest integer.
//! - Opening hours are hour-long segments from `open`, the last one cut at
//!   `close`; `hourly_profile` has one weight per segment, a weight per hour
//!   (a half-hour segment gets half the mass of a full one at equal weight).
//! - Menu lines at the same price are one amount: the processor compares
//!   amounts, not items.
//!
//! The `conditional` estimator (DESIGN.md section 8): for each fresh purchase,
//! before its card and amount are drawn, it adds the probability, given
//! everything drawn so far (who has paid today, the earlier requests' cards
//! and amounts, the regulars' usual orders), that the purchase repeats the key
//! of each distinct key among the earlier same-counter requests in scope; then
//! it draws them as the `sample` estimator does. A sum of conditional
//! expectations, it is unbiased with return visits and usual orders, and
//! replaces the rare card-and-amount coincidence by its probability.
//! Resubmissions are sampled in both. When the counter is not part of the key
//! the candidates are no longer a handful, and it samples.

mod closed_form;
mod config;
mod sim;
mod volume;

#[cfg(test)]
mod tests;

pub use config::{
    DayToDay, Hours, MatchField, MatchSet, Menu, Money, Overflow, RawAlert, RawCustomers, RawDedup,
    RawMenu, RawPrice, RawResubmit, RawScope, RawTerminal, Scope, TerminalConfig, TimeOfDay,
};
pub use sim::{Card, CollisionTrace, LoggedRequest, RequestKind, RequestRef, TracedRequest};
pub use volume::{VolumeBin, VolumeLayout, volume_bins, volume_estimate};

use closed_form::{ClosedForm, per_year};
use sim::TerminalSim;

use crate::engine::{ScheduleError, Simulation, Streams};
use crate::models::{EstimateReport, Estimator, MetricDef, MetricKind, RepOutput};
use crate::time::SimTime;

/// The raw per-replication columns, in [`RepOutput::values`] order.
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

/// What each of [`COLUMNS`] may hold (checked when `merge` reads rows).
pub const COLUMN_RULES: &[crate::models::ColumnRule] = {
    use crate::models::ColumnRule as R;
    &[
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
    ]
};

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
}

/// The per-day series, in [`RepOutput::daily`] row order (sums over the
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

/// The metrics of DESIGN.md section 5, computed from [`COLUMNS`].
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
    let count = |name, c, estimate: Option<f64>, naive: Option<f64>| MetricDef {
        name,
        kind: MetricKind::Count { col: c },
        unit: "",
        estimate,
        estimate_naive: naive,
        impossible: false,
        non_negative: false,
    };
    vec![
        count(
            "transactions",
            col::TRANSACTIONS,
            Some(td * cf.mean_n),
            None,
        ),
        MetricDef {
            name: "terminal_days",
            kind: MetricKind::Total {
                col: col::TERMINAL_DAYS,
            },
            unit: "",
            estimate: Some(td),
            estimate_naive: None,
            impossible: false,
            non_negative: false,
        },
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
            Some(td * cf.true_duplicates(cfg)),
            None,
        ),
        count(
            "false_reversals",
            col::FALSE_REVERSALS,
            fr.map(|f| td * f.0),
            fr.map(|f| td * f.1),
        ),
        MetricDef {
            name: "false_reversals_per_year",
            kind: MetricKind::Ratio {
                num: col::FALSE_REVERSALS,
                den: col::TERMINAL_DAYS,
                scale: per_year(cfg),
                proportion: false,
            },
            unit: "/year",
            estimate: fr.map(|f| f.0 * per_year(cfg)),
            estimate_naive: fr.map(|f| f.1 * per_year(cfg)),
            impossible: false,
            non_negative: false,
        },
        MetricDef {
            name: "lost_amount",
            kind: MetricKind::Money {
                col: col::LOST_AMOUNT,
                events: col::FALSE_REVERSALS,
                max_per_event: cfg.menu.cents.iter().copied().max().unwrap_or(0) as f64 / 100.0,
            },
            unit: "",
            estimate: lost.map(|l| td * l.0 / 100.0),
            estimate_naive: lost.map(|l| td * l.1 / 100.0),
            impossible: false,
            non_negative: false,
        },
        count("alerts", col::ALERTS, cf.alerts(cfg).map(|a| td * a), None),
        count(
            "false_alerts",
            col::FALSE_ALERTS,
            cf.false_alerts(cfg).map(|a| td * a),
            None,
        ),
    ]
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
                m.estimate = m.estimate.map(|e| e * k);
                m.estimate_naive = m.estimate_naive.map(|e| e * k);
            }
            m
        })
        .collect()
}

/// What one replication of `days` days costs (see [`crate::models::Work`]):
/// the expected transactions, and the largest terminal-day, which is held in
/// memory while it is played (about 96 bytes a purchase: card, amount,
/// position, time and request). A terminal's mean daily count is drawn from
/// a distribution; its largest value is taken as ten times the mean (at
/// most `MAX_DAILY_MEAN`), a constant's as the constant plus five standard
/// deviations of the day-to-day Poisson count.
pub fn work(cfg: &TerminalConfig, days: u32) -> crate::models::Work {
    let mean = cfg.daily_transactions().mean();
    let largest = match cfg.daily_transactions().as_constant() {
        Some(c) => c + 5.0 * c.sqrt(),
        None => (10.0 * mean).min(config::MAX_DAILY_MEAN),
    };
    crate::models::Work {
        units: f64::from(cfg.terminals) * mean * f64::from(days),
        unit: "transactions",
        polls: 0.0,
        clock_steps: 0.0,
        held: largest,
        bytes_per_held: 96.0,
    }
}

/// Runs one replication of `days` whole days on the engine.
pub fn run_replication(
    cfg: &TerminalConfig,
    days: u32,
    streams: Streams,
    estimator: Estimator,
) -> Result<RepOutput, ScheduleError> {
    run_part(cfg, days, streams, estimator, None)
}

/// Runs part `k` of `n` of one replication: the terminals `t` with
/// `t % n == k - 1` (all of them with `None`). The parts' [`RepOutput::exact`]
/// sums add up to exactly the whole replication's; [`values_from_exact`] and
/// [`daily_values_from_exact`] turn the sum into the replication's values.
pub fn run_part(
    cfg: &TerminalConfig,
    days: u32,
    streams: Streams,
    estimator: Estimator,
    part: Option<(u64, u64)>,
) -> Result<RepOutput, ScheduleError> {
    let model = TerminalSim::new(cfg, days, estimator, false).with_part(part);
    let mut sim = Simulation::new(model, streams);
    let stats = sim.run()?;
    let model = sim.into_model();
    Ok(RepOutput {
        values: model.total.values(),
        daily: model.daily.iter().map(|t| t.daily_values()).collect(),
        histogram: model.volume.words(),
        events: stats.events,
        exact: Some(crate::models::ExactSums {
            total: model.total.raw(),
            daily: model.daily.iter().map(|t| t.raw()).collect(),
        }),
    })
}

/// The replication's [`COLUMNS`] values from its exact sums (`None` if the
/// sums are not a terminal tally).
pub fn values_from_exact(raw: &[u128]) -> Option<Vec<f64>> {
    sim::Tally::from_raw(raw).map(|t| t.values())
}

/// One day's [`DAILY_COLUMNS`] values from its exact sums.
pub fn daily_values_from_exact(raw: &[u128]) -> Option<Vec<f64>> {
    sim::Tally::from_raw(raw).map(|t| t.daily_values())
}

/// The first false reversal of the replication `streams` (earliest day, then
/// lowest terminal), with both requests, or `None` if there is none within
/// `days`. The replication is the same as [`run_replication`]'s with the
/// `sample` estimator (times of day come from their own streams).
pub fn find_false_reversal(
    cfg: &TerminalConfig,
    days: u32,
    streams: Streams,
) -> Option<CollisionTrace> {
    let mut sim = Simulation::new(
        TerminalSim::new(cfg, days, Estimator::Sample, true),
        streams,
    );
    sim.run().ok()?;
    sim.into_model().first
}

/// Most rows [`RequestLog`] makes by default before it gives up (about a
/// gigabyte of CSV).
pub const MAX_LOG_ROWS: u64 = 10_000_000;

/// The request log of `trace --events` could not be made.
#[derive(Debug, thiserror::Error)]
pub enum LogError {
    /// The replication has more rows than the limit.
    #[error(
        "the request log would exceed {limit} rows (passed it on day {day} of {days}); \
         use fewer terminals or a shorter horizon (e.g. --set terminal.terminals=N or --set horizon=\"7d\")"
    )]
    TooManyRows {
        /// The limit.
        limit: u64,
        /// Day (1-based) on which it was passed.
        day: u32,
        /// Days of the replication.
        days: u32,
    },
    /// A bug: a model scheduled into the past.
    #[error(transparent)]
    Schedule(#[from] ScheduleError),
}

/// Every processor request and outcome of one replication, in true-time
/// order, day by day (`trace --events`).
///
/// The replication is the one [`run_replication`] simulates with the
/// `sample` estimator: the same streams, the same counts. Every purchase of
/// every terminal-day is a request, including the terminal-days the run
/// counts without playing (no counter value used twice, nothing
/// resubmitted), which cannot produce a reversal. The times of purchases
/// that share no key with another request (their counter value is used once
/// that day) come from a stream of their own, drawn given the others' times,
/// so they do not move any other draw.
///
/// Memory: the rows of one day of the fleet (and the resubmissions that
/// arrive after the next day opens), at most about `limit` rows of 64 bytes.
pub struct RequestLog<'c> {
    sim: Simulation<TerminalSim<'c>>,
    cfg: &'c TerminalConfig,
    days: u32,
    next_day: u32,
    pending: Vec<LoggedRequest>,
}

impl<'c> RequestLog<'c> {
    /// The log of replication `streams`, over `days` days, refusing to make
    /// more than `limit` rows.
    pub fn new(cfg: &'c TerminalConfig, days: u32, streams: Streams, limit: u64) -> Self {
        let model = TerminalSim::new(cfg, days, Estimator::Sample, false).with_log(limit);
        RequestLog {
            sim: Simulation::new(model, streams),
            cfg,
            days,
            next_day: 0,
            pending: Vec::new(),
        }
    }

    /// The next rows in true-time order (ties: terminal, then the order the
    /// processor saw them), one day at a time; `None` at the end.
    pub fn next_rows(&mut self) -> Result<Option<Vec<LoggedRequest>>, LogError> {
        if self.next_day > self.days {
            return Ok(None);
        }
        let d = self.next_day;
        self.next_day += 1;
        let day_ns = 86_400 * 1_000_000_000i64;
        let close = self.cfg.hours.close_ns();
        if d < self.days {
            // Every terminal-day of day `d` is one event at its close.
            self.sim
                .run_until(SimTime::from_nanos(i64::from(d) * day_ns + close))?;
        }
        let log = self.sim.model_mut().log.as_mut();
        let Some(log) = log else {
            return Ok(None);
        };
        if log.overflow {
            return Err(LogError::TooManyRows {
                limit: log.limit,
                day: d + 1,
                days: self.days,
            });
        }
        self.pending.append(&mut log.rows);
        self.pending.sort_by_key(|r| r.at);
        // No later terminal-day has a request before the next day opens.
        let split = if d + 1 < self.days {
            let next_open = i64::from(d + 1) * day_ns + self.cfg.hours.open_ns();
            self.pending
                .partition_point(|r| r.at < SimTime::from_nanos(next_open))
        } else {
            self.pending.len()
        };
        let rest = self.pending.split_off(split);
        Ok(Some(std::mem::replace(&mut self.pending, rest)))
    }

    /// The replication's raw columns (as [`RepOutput::values`]) once the
    /// log is read to its end.
    pub fn values(&self) -> Vec<f64> {
        self.sim.model().total.values()
    }
}

/// Why the back-of-envelope is only a bound for this configuration, if it
/// is: with a `{ window }` duplicate check (or alert scan), the closed form
/// counts the pairs a day or a batch would hold and assumes the window holds
/// none of the same-counter purchases (hours apart on a busy day), so it is
/// not the value a solve can bisect on.
pub fn closed_form_is_a_bound(cfg: &TerminalConfig) -> Option<String> {
    let window = |s: Scope| matches!(s, Scope::Window(_));
    if window(cfg.dedup_scope) {
        Some("with a { window } duplicate check the terminal closed form is a bound (it assumes the window never holds two same-counter purchases), not the value".into())
    } else if cfg.alert.is_some_and(window) {
        Some("with a { window } alert scan the terminal closed form is a bound (it assumes the window never holds two same-counter purchases), not the value".into())
    } else {
        None
    }
}

/// The back-of-envelope of the scenario, as `racesim estimate` prints it.
pub fn estimate(cfg: &TerminalConfig, days: u32) -> EstimateReport {
    let cf = ClosedForm::new(cfg);
    let year = per_year(cfg);
    let r = cfg.range;
    let mut rep = EstimateReport::default();
    let mut fig =
        |name: &str, v: f64, unit: &str| rep.figures.push((name.to_string(), v, unit.to_string()));
    let fr = cf.false_reversals(cfg);
    if let Some((f, naive)) = fr {
        fig("false_reversals_per_year", f * year, "/year");
        fig("false_reversals_per_year_naive", naive * year, "/year");
        fig(
            "false_reversals",
            f * f64::from(cfg.terminals) * f64::from(days),
            &format!("per {days}-day replication"),
        );
    }
    if let Some((l, _)) = cf.lost_cents(cfg) {
        fig("lost_amount_per_year", l * year / 100.0, "/year");
    }
    fig("overflow_days_per_year", cf.p_overflow * year, "/year");
    if cfg.overflow == Overflow::NewBatch {
        fig("extra_batches_per_year", cf.extra_batches * year, "/year");
    }
    if let Some(a) = cf.alerts(cfg) {
        fig("alerts_per_year", a * year, "/year");
    }
    if let Some(a) = cf.false_alerts(cfg) {
        fig("false_alerts_per_year", a * year, "/year");
    }
    fig("counter_sharing_pairs_per_terminal_day", cf.excess, "");
    fig("q", cf.q, "");
    fig("q_naive", cf.q_naive, "");

    let (s, n_reg, rv, so) = cfg.customers();
    let notes = &mut rep.notes;
    notes.push(format!(
        "false reversals per terminal-day = E[max(0, N - {r})] * q, with N the day's count \
         (pairs sharing a counter value under rollover, exact for N <= {})",
        2 * u64::from(r)
    ));
    notes.push(format!(
        "E[N] = {:.1} per terminal-day, E[max(0, N - {r})] = {:.4e}, P(N > {r}) = {:.4}",
        cf.mean_n, cf.excess, cf.p_overflow
    ));
    notes.push(format!(
        "q = (s^2 / regulars) * (same_order^2 + (1 - same_order^2) * sum p_i^2) \
         = ({s}^2 / {n_reg}) * ({so}^2 + (1 - {so}^2) * {:.4}) = {:.4e}",
        cfg.menu.sum_p2(),
        cf.q
    ));
    notes.push(format!(
        "naive (card and amount independent): q = (s^2 / regulars) * sum p_i^2 = {:.4e}",
        cf.q_naive
    ));
    notes.push(format!(
        "fleet-year = {} terminals * 365 days",
        cfg.terminals
    ));
    if cf.p_beyond_pairs > 1e-3 {
        notes.push(format!(
            "P(N > {}) = {:.3}: on those days a counter value is used three times or more, \
             and max(0, N - {r}) undercounts the pairs sharing it",
            2 * u64::from(r),
            cf.p_beyond_pairs
        ));
    }
    if rv > 0.0 {
        notes.push(format!(
            "return visits ({rv}) make the same card far likelier than s^2 / regulars: \
             the closed form is a lower bound"
        ));
    }
    if cfg.resubmit_probability > 0.0 {
        notes.push(format!(
            "resubmissions ({}) are true duplicates: they add {:.4e} true duplicates per \
             terminal-day and do not change the false reversals (to first order)",
            cfg.resubmit_probability,
            cf.true_duplicates(cfg)
        ));
    }
    if cfg.overflow == Overflow::NewBatch && cfg.dedup_scope == Scope::Batch {
        notes.push(
            "new_batch with a batch-scoped check: a counter value never repeats within a \
             batch, so no false reversal; the cost is the extra batches"
                .to_string(),
        );
    }
    if cfg.dedup_match != MatchSet::ALL {
        rep.not_applicable = Some(format!(
            "the processor's key is {:?}, not counter + card + amount: the closed form \
             does not cover it",
            cfg.dedup_match.fields()
        ));
    } else if let Scope::Window(w) = cfg.dedup_scope {
        rep.not_applicable = Some(format!(
            "the processor only pairs requests within {w}: two purchases that share a counter \
             are hours apart on a busy day, so it reverses almost none of them; the day-scope \
             figure E[max(0, N - {r})] * q = {:.4e} per year is an upper bound",
            cf.excess * cf.q * year
        ));
    }
    rep
}
