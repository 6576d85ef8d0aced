//! The back-of-envelope of a scenario, as `racesim estimate` prints it.

/// A model's closed-form figures for one scenario, with the formula and
/// inputs in words. (The *simulated* figures are
/// [`crate::stats::Figure`]s; the `estimate` command prints this.)
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BackOfEnvelope {
    /// The headline figures: (name, value, unit).
    pub figures: Vec<(String, f64, String)>,
    /// Explanation lines: the formula, the inputs, why it may not apply.
    pub notes: Vec<String>,
    /// `Some(reason)` when the closed form does not apply to this scenario.
    pub not_applicable: Option<String>,
}
