//! Importance sampling of the redirect latency (`estimator = "importance"`)
//! for the checkout configurations the conditional estimator cannot
//! integrate: poll jitter, batch limits (and any other, for comparison).
//!
//! A user can only see an error page if its page load outlasts the wait
//! until its record becomes eligible plus the move delay: `L > c` with
//! `c = max(0, g - s) + min D`, `s` the skew (transfer minus stamp clock)
//! at its payment. Plain sampling almost never draws such an `L` when the
//! rate is 1e-9. So each user's latency is drawn instead from the
//! *defensive mixture* (Hesterberg 1995, "Weighted average importance
//! sampling and defensive mixture distributions", *Technometrics* 37(2):
//! 185-194)
//!
//! ```text
//! g(x) = α f(x) + (1 - α) f(x) 1{x > c} / S(c),     α = DEFENSIVE = 0.1
//! ```
//!
//! half plain, half the latency's own law conditioned on its tail beyond `c`
//! (drawn exactly by inverting the survival function, [`Dist::sample_beyond`]),
//! and weighted by the likelihood ratio
//!
//! ```text
//! w(x) = f(x) / g(x) = 1 / (α + (1 - α) 1{x > c} / S(c))
//! ```
//!
//! which needs only `S(c)`: `w ≈ S(c)` in the tail, `1/α` outside it. The
//! estimate `Σ w 1{error} / users` is unbiased whatever `c` is (the mixture
//! covers every latency), and its variance is small when `c` is close to the
//! real threshold: the conditional draw makes almost every tail user a
//! candidate, and the weights of those users are all about `S(c)`. With jitter
//! or a batch limit the deletion can come later than the first poll after
//! eligibility, never earlier, so `c` stays a lower bound of the threshold.
//!
//! The skew at payment is read from the replication's real clocks, also in
//! the ideal-clock pass behind `skew_error_rate`, so both passes draw the
//! same latencies with the same weights (common random numbers).
//!
//! Every figure that depends on the latency is weighted: error pages (real
//! and ideal), lost confirmations, the margin's sum and count. Users and
//! early moves do not depend on it and are counted as drawn. The margin
//! histogram is not kept. Per replication, Kish's effective sample size of
//! the weighted error pages, `(Σ w)² / Σ w²` over them (Kish 1965, *Survey
//! Sampling*, Wiley, section 11.7), is the column `effective_error_pages`;
//! its total over replications is the metric `effective_sample_size`: the
//! number of plain-sampling error pages the weighted ones are worth (with
//! equal weights, the relative precision of a count of that many events).

use rand::RngExt;

use super::CheckoutConfig;
use crate::clock::Clock;
use crate::dist::Dist;
use crate::engine::{SimRng, Streams};
use crate::time::{SimDuration, SimTime};

/// The weight of the plain latency in the proposal mixture.
pub const DEFENSIVE: f64 = 0.1;

/// A replication's importance sampler.
#[derive(Debug, Clone)]
pub struct Sampler {
    /// The real clocks, read for each user's threshold.
    clocks: Vec<Clock>,
    stamp: usize,
    transfer: usize,
    grace: f64,
    /// The smallest move delay (0 if it can be negative or is unbounded).
    delay_min: f64,
    /// Σ w² over the weighted error pages.
    pub error_weight_sq: f64,
}

impl Sampler {
    /// The sampler of one replication (its own copy of the real clocks,
    /// drawn from the replication's clock streams).
    pub fn new(cfg: &CheckoutConfig, streams: &Streams) -> Self {
        Sampler {
            clocks: cfg
                .clocks
                .iter()
                .zip(&cfg.hosts)
                .map(|(spec, name)| Clock::of_host(spec, streams, name))
                .collect(),
            stamp: cfg.stamp,
            transfer: cfg.transfer,
            grace: cfg.grace.as_secs_f64(),
            delay_min: cfg.move_delay.min_value().max(0.0),
            error_weight_sq: 0.0,
        }
    }

    /// The threshold `c` for a user paid at `t_paid`: the wait the skew
    /// then allows plus the smallest move delay.
    pub fn threshold(&mut self, t_paid: SimTime) -> f64 {
        let skew =
            self.clocks[self.transfer].offset(t_paid) - self.clocks[self.stamp].offset(t_paid);
        (self.grace - skew.as_secs_f64()).max(0.0) + self.delay_min
    }

    /// Draws a redirect latency for a user paid at `t_paid`, with its
    /// likelihood ratio.
    pub fn draw(
        &mut self,
        latency: &Dist,
        t_paid: SimTime,
        rng: &mut SimRng,
    ) -> (SimDuration, f64) {
        let c = self.threshold(t_paid);
        let (x, w) = draw(latency, c, rng);
        (SimDuration::from_secs_f64(x), w)
    }
}

/// One draw from the defensive mixture beyond `c` and its weight (a plain
/// draw of weight 1 when `S(c)` is 0: nothing lies beyond).
pub fn draw(latency: &Dist, c: f64, rng: &mut SimRng) -> (f64, f64) {
    let s = latency.survival(c);
    if s.is_nan() || s <= 0.0 {
        return (latency.sample(rng), 1.0);
    }
    let u: f64 = rng.random();
    let x = if u < DEFENSIVE {
        latency.sample(rng)
    } else {
        latency.sample_beyond(c, rng)
    };
    let w = if x > c {
        1.0 / (DEFENSIVE + (1.0 - DEFENSIVE) / s)
    } else {
        1.0 / DEFENSIVE
    };
    (x, w)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn weighted_tail_draws_estimate_a_tail_probability_without_bias() {
        // P(L > 30 s) for lisa's latency is 2.35e-7: plain sampling would
        // need ~1e9 draws for 10%; 20 000 weighted draws get within 1%
        let l = Dist::lognormal_median_p99(1.5, 6.0).unwrap();
        let want = l.survival(30.0);
        let mut rng = SimRng::seed_from_u64(3);
        let n = 20_000;
        let (mut sum, mut sq) = (0.0, 0.0);
        for _ in 0..n {
            let (x, w) = draw(&l, 29.0, &mut rng);
            let y = if x > 30.0 { w } else { 0.0 };
            sum += y;
            sq += y * y;
        }
        let mean = sum / n as f64;
        let se = ((sq / n as f64 - mean * mean) / n as f64).sqrt();
        assert!(
            (mean - want).abs() < 3.3 * se && se < 0.01 * want,
            "{mean:e} +/- {se:e} vs {want:e}"
        );
        // and the weights average 1 over everything (a likelihood ratio)
        let mut total = 0.0;
        for _ in 0..n {
            total += draw(&l, 29.0, &mut rng).1;
        }
        // (weights 10 with probability 0.1, else about 0: sd 3, se 0.021)
        assert!(
            (total / n as f64 - 1.0).abs() < 0.07,
            "{}",
            total / n as f64
        );
    }
}
