//! Host clocks: `local(t) = t + offset(t)`, evaluated lazily.
//!
//! INTERFACE FILE (being implemented).

use crate::dist::{Dist, DurationDist};
use crate::engine::SimRng;
use crate::time::{SimDuration, SimTime};

/// How a sync corrects the clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncMode {
    /// Jump to the target residual offset.
    Step,
    /// Converge to it at most at `max_slew_ppm`.
    Slew,
}

/// Periodic time synchronisation.
#[derive(Debug, Clone)]
pub struct SyncSpec {
    /// Time between syncs.
    pub interval: SimDuration,
    /// Standard deviation of the residual offset aimed for at each sync.
    pub accuracy: SimDuration,
    /// Step or slew.
    pub mode: SyncMode,
    /// Largest slew rate in ppm (500 as ntpd).
    pub max_slew_ppm: f64,
}

/// A validated clock specification (section 3 of DESIGN.md).
#[derive(Debug, Clone)]
pub struct ClockSpec {
    /// Offset at t = 0 (drawn once per replication); positive = ahead.
    pub offset: DurationDist,
    /// Frequency error in ppm (drawn once per replication); positive = fast.
    pub drift_ppm: Dist,
    /// Random-walk standard deviation of the frequency error per hour, ppm.
    pub wander_ppm: f64,
    /// Optional synchronisation.
    pub sync: Option<SyncSpec>,
    /// True-time intervals `[from, to)` during which sync is off.
    pub outages: Vec<(SimTime, SimTime)>,
    /// Scheduled jumps: at true time `.0` the clock jumps by `.1`.
    pub steps: Vec<(SimTime, SimDuration)>,
}

impl ClockSpec {
    /// A perfect clock.
    pub fn ideal() -> Self {
        ClockSpec {
            offset: DurationDist::constant(SimDuration::ZERO),
            drift_ppm: Dist::Constant(0.0),
            wander_ppm: 0.0,
            sync: None,
            outages: Vec::new(),
            steps: Vec::new(),
        }
    }
    /// True if the clock is always exact.
    pub fn is_ideal(&self) -> bool {
        todo!()
    }
}

/// One replication's clock of one host.
#[derive(Debug, Clone)]
pub struct Clock {}

impl Clock {
    /// The clock of `spec` for one replication, drawing from `rng`.
    pub fn new(spec: &ClockSpec, rng: SimRng) -> Self {
        let _ = (spec, rng);
        todo!()
    }
    /// An ideal clock.
    pub fn ideal() -> Self {
        todo!()
    }
    /// The offset at true time `t` (queries are cheapest in nondecreasing `t`).
    pub fn offset(&mut self, t: SimTime) -> SimDuration {
        let _ = t;
        todo!()
    }
    /// The local reading at true time `t`.
    pub fn local(&mut self, t: SimTime) -> SimTime {
        t + self.offset(t)
    }
}
