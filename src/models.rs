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

/// What a per-replication column may hold, checked when rows are read back
/// (`merge`): every value is finite; these add more.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ColumnRule {
    /// A count: a whole number (with the `sample` estimator, or always for
    /// counts no estimator makes fractional), at least 0 and at most 2^53.
    pub count: Whole,
    /// At least 0 (counts and amounts).
    pub non_negative: bool,
    /// At most the value of this column (a numerator and its denominator).
    pub at_most: Option<&'static str>,
}

/// When a column holds whole numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Whole {
    /// Always (users, transactions...).
    Always,
    /// With the `sample` estimator; the `conditional` one writes expected
    /// counts, which are fractional.
    Sample,
    /// Never required (amounts, sums).
    Never,
}

impl ColumnRule {
    /// A whole count.
    pub const fn count() -> Self {
        ColumnRule {
            count: Whole::Always,
            non_negative: true,
            at_most: None,
        }
    }
    /// A count of at most `of`.
    pub const fn count_of(of: &'static str) -> Self {
        ColumnRule {
            count: Whole::Always,
            non_negative: true,
            at_most: Some(of),
        }
    }
    /// A count the conditional estimator makes an expectation, at most `of`
    /// when given.
    pub const fn expected(of: Option<&'static str>) -> Self {
        ColumnRule {
            count: Whole::Sample,
            non_negative: true,
            at_most: of,
        }
    }
    /// A non-negative amount.
    pub const fn amount() -> Self {
        ColumnRule {
            count: Whole::Never,
            non_negative: true,
            at_most: None,
        }
    }
    /// A sum of either sign.
    pub const fn sum() -> Self {
        ColumnRule {
            count: Whole::Never,
            non_negative: false,
            at_most: None,
        }
    }
}

/// The largest count a row may hold: 2^53, where whole `f64`s stop being
/// exact (no run counts that far).
pub const MAX_COUNT: f64 = 9_007_199_254_740_992.0;

/// Checks one row of per-replication `values` (in the order of `columns`,
/// with their `rules`) written under `estimator`; the error names the column
/// and the value.
pub fn check_row(
    columns: &[&str],
    rules: &[ColumnRule],
    values: &[f64],
    estimator: Estimator,
) -> Result<(), String> {
    if values.len() != columns.len() {
        return Err(format!(
            "{} value(s) where the model has {} column(s)",
            values.len(),
            columns.len()
        ));
    }
    for ((name, rule), &v) in columns.iter().zip(rules).zip(values) {
        if !v.is_finite() {
            return Err(format!("`{name}` is {v}, not a finite number"));
        }
        if rule.non_negative && v < 0.0 {
            return Err(format!("`{name}` is {v}, below 0"));
        }
        let whole = match rule.count {
            Whole::Always => true,
            Whole::Sample => estimator == Estimator::Sample,
            Whole::Never => false,
        };
        if whole && v.fract() != 0.0 {
            return Err(format!("`{name}` is {v}, not a whole number"));
        }
        if rule.count != Whole::Never && v > MAX_COUNT {
            return Err(format!("`{name}` is {v}, beyond any count a run makes"));
        }
        if let Some(of) = rule.at_most
            && let Some(i) = columns.iter().position(|c| *c == of)
            && v > values[i]
        {
            return Err(format!(
                "`{name}` is {v}, more than `{of}` ({}), which counts it",
                values[i]
            ));
        }
    }
    Ok(())
}

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

/// Which estimator produced the figures (see `docs/statistics.md`).
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

/// What one replication of a model costs, counted from its validated
/// configuration before anything is built: the guards (`--max-events`,
/// `--max-memory`) compare these with their limits. Expected values, not
/// bounds: a Poisson count varies around them.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Work {
    /// Simulated users (checkout) or transactions (terminal).
    pub units: f64,
    /// `"users"` or `"transactions"`.
    pub unit: &'static str,
    /// Transfer polls (checkout).
    pub polls: f64,
    /// Clock breakpoints the clocks pass (syncs, wander steps, scheduled
    /// steps, outage bounds).
    pub clock_steps: f64,
    /// The most records held in memory at once: pending records of the
    /// checkout model, the largest terminal-day of the terminal model.
    pub held: f64,
    /// Bytes each held record takes (with the room a growing buffer keeps).
    pub bytes_per_held: f64,
}

impl Work {
    /// Everything the run steps through: units, polls and clock steps.
    pub fn events(&self) -> f64 {
        self.units + self.polls + self.clock_steps
    }
    /// The memory the held records take, in bytes.
    pub fn held_bytes(&self) -> f64 {
        self.held * self.bytes_per_held
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
