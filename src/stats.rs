//! Accumulators and confidence intervals.
//!
//! INTERFACE FILE (being implemented).

/// How an interval was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Method {
    /// Student t over per-replication values.
    StudentT,
}

/// A two-sided interval.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Interval {
    /// Lower bound.
    pub low: f64,
    /// Upper bound.
    pub high: f64,
    /// How it was made.
    pub method: Method,
}
