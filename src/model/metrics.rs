//! Metrics: how each is computed from the per-replication columns, its unit,
//! its back-of-envelope, and which way is worse.

use super::Name;

/// How a metric is computed from the per-replication columns (indices into
/// the model's columns).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum MetricKind {
    /// A total over replications of column `col`, a count of events (an
    /// exact Poisson interval when the replications spread like independent
    /// events, quasi-Poisson when they cluster).
    Count {
        /// Column index.
        col: usize,
    },
    /// A total over replications of column `col` that is not a count of
    /// random events (terminal-days): Student t over replications, which is
    /// zero-width for a constant.
    Total {
        /// Column index.
        col: usize,
    },
    /// A total of money over replications: column `col` holds each
    /// replication's sum of the amounts of the `events` column's events. Not
    /// a count: its interval is compound Poisson.
    Money {
        /// Column of amounts.
        col: usize,
        /// Column of the events the amounts belong to.
        events: usize,
        /// The largest amount one event can carry (the dearest item on the
        /// menu): with no event at all, the total is at most this times the
        /// upper bound of the count. 0 when unknown.
        max_per_event: f64,
    },
    /// `scale * sum(num) / sum(den)`, a rate per unit of `den`.
    Ratio {
        /// Numerator column.
        num: usize,
        /// Denominator column.
        den: usize,
        /// Multiplier (e.g. terminals * 365 for a per-year fleet figure).
        scale: f64,
        /// True when each unit of `den` can contribute at most one to `num`
        /// (a proportion: exact binomial interval when rare).
        proportion: bool,
    },
    /// `(sum(a) - sum(b)) / sum(den)`: a paired difference of two rates
    /// measured on the same units by common random numbers.
    RatioDiff {
        /// First numerator.
        a: usize,
        /// Second numerator (subtracted).
        b: usize,
        /// Shared denominator.
        den: usize,
    },
    /// `sum(sum) / sum(count)`: a mean over events (not a rate; can be negative).
    Mean {
        /// Column holding the per-replication sum.
        sum: usize,
        /// Column holding the per-replication count.
        count: usize,
    },
}

/// Which way a metric gets worse, for `check --baseline` and for the point a
/// report draws its detail charts at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Direction {
    /// Higher is worse (error rates, losses).
    #[default]
    HigherIsWorse,
    /// Lower is worse (a safety margin).
    LowerIsWorse,
    /// Neither: a volume (users, transactions).
    Neither,
}

/// One reported metric: its name (part of the output contract), how to compute
/// it, its unit, and the back-of-envelope beside it.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricDef {
    /// Contract name (`error_page_rate`, `false_reversals_per_year`...).
    pub name: Name,
    /// How it is computed.
    pub kind: MetricKind,
    /// Unit for tables (`""`, `"s"`, `"/year"`...).
    pub unit: Name,
    /// Which way is worse.
    pub direction: Direction,
    /// The closed-form (back-of-envelope) value in the same unit, where
    /// defined (the `estimate` field of the outputs).
    pub closed_form: Option<f64>,
    /// The naive closed form (terminal model), where defined.
    pub closed_form_naive: Option<f64>,
    /// True when the model proves this metric's events impossible under the
    /// scenario's distributions (a bounded redirect latency that never
    /// outlasts the shortest wait plus the move delay): a rare-event
    /// estimator then reports "0, impossible under these distributions"
    /// instead of an interval.
    pub impossible: bool,
    /// True when the model proves a difference metric cannot be negative (a
    /// skew that never falls below zero can only add error pages): a
    /// rare-event estimator's interval is then clamped at 0.
    pub non_negative: bool,
    /// True when this metric's columns hold plain sampling's whole counts
    /// even under a rare-event estimator (a race failure the conditional
    /// estimator has nothing to integrate in): it is then computed as
    /// under plain sampling.
    pub sampled: bool,
}

impl MetricDef {
    /// A metric with no back-of-envelope, worse when higher, nothing proved.
    pub fn new(name: impl Into<Name>, kind: MetricKind, unit: impl Into<Name>) -> Self {
        MetricDef {
            name: name.into(),
            kind,
            unit: unit.into(),
            direction: Direction::HigherIsWorse,
            closed_form: None,
            closed_form_naive: None,
            impossible: false,
            non_negative: false,
            sampled: false,
        }
    }
    /// The same with its back-of-envelope.
    pub fn with_closed_form(mut self, value: Option<f64>) -> Self {
        self.closed_form = value;
        self
    }
    /// The same, worse in direction `d`.
    pub fn with_direction(mut self, d: Direction) -> Self {
        self.direction = d;
        self
    }
}
