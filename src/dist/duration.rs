//! [`DurationDist`], a distribution of durations: a [`Dist`] in seconds.

use rand::Rng;

use super::Dist;
use crate::time::SimDuration;

/// A distribution of durations (a [`Dist`] in seconds).
#[derive(Debug, Clone)]
pub struct DurationDist(pub Dist);

impl DurationDist {
    /// A constant duration.
    pub fn constant(d: SimDuration) -> Self {
        DurationDist(Dist::Constant(d.as_secs_f64()))
    }
    /// Draws one duration (rounded to the nanosecond, clamped).
    #[inline]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> SimDuration {
        SimDuration::from_secs_f64(self.0.sample(rng))
    }
    /// `Some(d)` if constant.
    pub fn as_constant(&self) -> Option<SimDuration> {
        self.0.as_constant().map(SimDuration::from_secs_f64)
    }
    /// True if a sample can be negative (refused for latencies).
    pub fn can_be_negative(&self) -> bool {
        self.0.min_value() < 0.0
    }
    /// The mean in seconds (may be infinite).
    pub fn mean(&self) -> f64 {
        self.0.mean()
    }
    /// The lower end of the support in seconds.
    pub fn min_value(&self) -> f64 {
        self.0.min_value()
    }
    /// `E[f(X)]` with `X` in seconds (see [`Dist::expect`]).
    pub fn expect(&self, f: &dyn Fn(f64) -> f64) -> f64 {
        self.0.expect(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dist::testing::test_rng;

    #[test]
    fn duration_dist_speaks_seconds() {
        let d = DurationDist(Dist::exponential(2.0).unwrap());
        assert_eq!(d.mean(), 2.0);
        assert_eq!(d.min_value(), 0.0);
        assert!(!d.can_be_negative());
        assert!(DurationDist(Dist::normal(5.0, 1.0).unwrap()).can_be_negative());
        let c = DurationDist::constant(SimDuration::from_millis(250));
        assert_eq!(c.as_constant(), Some(SimDuration::from_millis(250)));
        assert_eq!(c.sample(&mut test_rng()), SimDuration::from_millis(250));
    }
}
