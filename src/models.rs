//! The models racesim simulates, and what the experiment layer needs of them.
//!
//! A model reports each replication as a row of raw per-replication values
//! (counts and sums, in the order of its column names), plus a daily series and
//! optionally a histogram. Every metric is a function of those rows
//! ([`MetricKind`]), so `replications.csv` holds enough to merge shards and
//! recompute every figure.

pub mod checkout;
pub mod terminal;

/// The raw per-replication output of one model run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RepOutput {
    /// One value per column of the model's `columns()`, in that order.
    /// Counts are whole numbers stored as `f64`.
    pub values: Vec<f64>,
    /// Per simulated day: one value per column of `daily_columns()`.
    pub daily: Vec<Vec<f64>>,
    /// Counts per bin of the model's histogram (empty if it has none).
    pub histogram: Vec<u64>,
    /// Engine events handled (for throughput reports).
    pub events: u64,
    /// Exact integer sums behind `values` and `daily`, for a model whose
    /// replication is a sum over independent parts (the terminal model's
    /// terminals): the parts of one replication run by different shards add
    /// up to exactly the whole (see [`terminal::values_from_exact`]).
    pub exact: Option<ExactSums>,
}

/// The exact sums of a replication (or of a part of one): `total` in the
/// order of the model's columns, and one row per day in the same order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExactSums {
    /// Sums over the horizon.
    pub total: Vec<u128>,
    /// Sums per simulated day.
    pub daily: Vec<Vec<u128>>,
}

/// How a metric is computed from the per-replication columns (indices into
/// the model's columns).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum MetricKind {
    /// A total over replications of column `col` (events: rare counts get an
    /// exact Poisson interval).
    Count {
        /// Column index.
        col: usize,
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

/// One reported metric: its name (part of the output contract), how to compute
/// it, its unit, and the back-of-envelope beside it.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricDef {
    /// Contract name (`error_page_rate`, `false_reversals_per_year`...).
    pub name: &'static str,
    /// How it is computed.
    pub kind: MetricKind,
    /// Unit for tables (`""`, `"s"`, `"/year"`...).
    pub unit: &'static str,
    /// The closed-form estimate in the same unit, where defined.
    pub estimate: Option<f64>,
    /// The naive closed form (terminal model), where defined.
    pub estimate_naive: Option<f64>,
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
}

/// Which estimator produced the figures (see the project's
/// `docs/statistics.md`, "Rare-event estimators").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase", deny_unknown_fields)]
pub enum Estimator {
    /// Plain sampling.
    #[default]
    Sample,
    /// Conditional Monte Carlo: part of the randomness integrated exactly.
    Conditional,
    /// Importance sampling of the redirect latency's tail (checkout), each
    /// draw weighted by its likelihood ratio.
    Importance,
}

impl Estimator {
    /// The name written in outputs.
    pub fn name(self) -> &'static str {
        match self {
            Estimator::Sample => "sample",
            Estimator::Conditional => "conditional",
            Estimator::Importance => "importance",
        }
    }
}

/// The back-of-envelope of a scenario, as `racesim estimate` prints it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EstimateReport {
    /// The headline figures: (metric name, value, unit).
    pub figures: Vec<(String, f64, String)>,
    /// Explanation lines: the formula, the inputs, why it may not apply.
    pub notes: Vec<String>,
    /// `Some(reason)` when the closed form does not apply to this scenario.
    pub not_applicable: Option<String>,
}
