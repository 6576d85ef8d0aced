//! What one replication gives: raw per-replication values, daily rows, a
//! histogram, and (for a model that splits replications) exact sums.

/// Part `k` of `n` (1-based `k`) of a replication that splits (see
/// [`super::Model::replication_parts`]).
pub type Part = (u64, u64);

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
    /// up to exactly the whole (see [`super::Model::values_from_exact`]).
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
