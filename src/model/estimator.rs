//! The estimators a scenario can ask for (`estimator = "..."`).

/// How the figures are estimated from replications (see
/// `docs/statistics.md`). Not to be confused with the back-of-envelope (a
/// model's closed form) or the `estimate` command, which prints it.
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
