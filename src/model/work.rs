//! What one replication costs, for the guards.

/// What one replication of a model costs, counted from its validated
/// configuration before anything is built: the guards (`--max-events`,
/// `--max-memory`) compare these with their limits. Expected values, not
/// bounds: a Poisson count varies around them.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Work {
    /// Simulated units: users (checkout), transactions (terminal).
    pub units: f64,
    /// What a unit is, plural (`"users"`); also the name of the metric that
    /// counts them, when the model reports one.
    pub unit: &'static str,
    /// Polls (checkout's transfer service).
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
