//! The exact error probability of one record, given when it becomes
//! eligible: what the back-of-envelope and the conditional estimator share.
//!
//! With periodic polls of interval `P` and a phase uniform over `[0, P)`, a
//! record that becomes eligible `w` after payment is selected at `w + U`,
//! `U ~ Uniform[0, P)`, and deleted at `w + U + D`. The user, who reads it
//! `L` after payment, sees an error page iff `w + U + D < L`, so
//!
//! ```text
//! P(error | w) = E[clamp((L - D - w) / P, 0, 1)]
//!              = E_D[ ∫_{w+D}^{w+D+P} S_L(x) dx ] / P
//!              = E_D[ C_L(w + D) - C_L(w + D + P) ] / P
//! ```
//!
//! with `S_L` and `C_L` the survival function and stop-loss transform of the
//! redirect latency ([`Dist::band`] computes the integral without
//! cancellation). The same holds for any window: a record whose first poll
//! falls uniformly in `[t_paid + a, t_paid + b)` is deleted before the read
//! with probability `E[clamp(L - D - a, 0, b - a)] / (b - a)` ([`Kernel::band`]),
//! and before `t_paid + grace` (an early move) with
//! `E[clamp(g - D - a, 0, b - a)] / (b - a) = ∫_{g-b}^{g-a} F_D / (b - a)`.
//!
//! How `E` over `L` and `D` is taken:
//!
//! - `D` constant or discrete (a choice, an empirical sample, a mixture of
//!   those): an exact sum of bands of `L`;
//! - otherwise `L` constant or discrete: an exact sum of bands of `D`
//!   (`E[clamp(l - a - D, 0, b - a)] = ∫_{l-b}^{l-a} F_D`);
//! - both continuous: adaptive Gauss-Kronrod quadrature over `D`'s density
//!   of the exact band of `L` ([`Dist::expect`]: relative error below
//!   1e-11, split at `D`'s quantiles from 1e-300 up, so the tail of `D` that
//!   carries a rare error is integrated like its bulk). [`Kernel::quadrature`]
//!   says so, and the estimate's notes repeat it.

use crate::dist::Dist;

/// How the expectation over the two latencies is taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum How {
    /// Sum over the atoms of `D` (a constant included).
    OverDelay,
    /// Sum over the atoms of `L`.
    OverLatency,
    /// Quadrature over the density of `D`.
    Quadrature,
}

/// The per-record error and early-move probabilities of a configuration.
#[derive(Debug, Clone, Copy)]
pub struct Kernel<'a> {
    latency: &'a Dist,
    delay: &'a Dist,
    interval: f64,
    grace: f64,
    how: How,
}

impl<'a> Kernel<'a> {
    /// The kernel of redirect latency `latency`, move delay `delay`, poll
    /// interval `interval` and grace `grace` (seconds).
    pub fn new(latency: &'a Dist, delay: &'a Dist, interval: f64, grace: f64) -> Self {
        let how = if delay.is_discrete() {
            How::OverDelay
        } else if latency.is_discrete() {
            How::OverLatency
        } else {
            How::Quadrature
        };
        Kernel {
            latency,
            delay,
            interval,
            grace,
            how,
        }
    }

    /// True when the expectation over the move delay is a quadrature (both
    /// latencies continuous), not a closed form.
    pub fn quadrature(&self) -> bool {
        self.how == How::Quadrature
    }

    /// The poll interval `P`, seconds.
    pub fn interval(&self) -> f64 {
        self.interval
    }

    /// `E[clamp(L - D - a, 0, b - a)]`: `(b - a)` times the chance that a
    /// deletion whose poll falls uniformly in `[a, b)` after payment comes
    /// before the read.
    pub fn band(&self, a: f64, b: f64) -> f64 {
        if b <= a {
            return 0.0;
        }
        let (l, d) = (self.latency, self.delay);
        match self.how {
            How::OverDelay | How::Quadrature => d.expect(&|x| l.band(a + x, b + x)),
            How::OverLatency => l.expect(&|v| d.band_below(v - b, v - a)),
        }
    }

    /// `P(error | w)`: a record eligible `w` seconds after payment.
    pub fn error(&self, w: f64) -> f64 {
        (self.band(w, w + self.interval) / self.interval).min(1.0)
    }

    /// `E[clamp(g - D - a, 0, b - a)]`: `(b - a)` times the chance that a
    /// deletion whose poll falls uniformly in `[a, b)` after payment comes
    /// before `grace` after payment.
    pub fn early_band(&self, a: f64, b: f64) -> f64 {
        if b <= a {
            return 0.0;
        }
        self.delay.band_below(self.grace - b, self.grace - a)
    }

    /// `P(early move | w)`.
    pub fn early(&self, w: f64) -> f64 {
        (self.early_band(w, w + self.interval) / self.interval).min(1.0)
    }

    /// True when no error page can happen for any wait of at least `w`:
    /// the redirect latency's support ends at or before `w` plus the move
    /// delay's smallest value.
    pub fn impossible_beyond(&self, w: f64) -> bool {
        self.latency.max_value() <= w + self.delay.min_value().max(0.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dist::tail::reference;

    #[test]
    fn the_four_ways_agree_with_each_other_and_with_mpmath() {
        let l = Dist::lognormal_median_p99(1.5, 6.0).unwrap();
        let d = Dist::exponential(2.0).unwrap();
        let k = Kernel::new(&l, &d, 300.0, 300.0);
        assert!(k.quadrature());
        let got = k.error(15.0);
        assert!(
            (got / reference::BOTH_RANDOM - 1.0).abs() < 1e-9,
            "{got:e} vs {:e}",
            reference::BOTH_RANDOM
        );
        // a constant latency against a random delay, both ways round
        let l1 = Dist::Constant(20.0);
        let d1 = Dist::exponential(2.0).unwrap();
        let a = Kernel::new(&l1, &d1, 300.0, 300.0);
        // E[clamp((20 - D - 15) / 300, 0, 1)] = E[(5 - D)^+] / 300
        let want = 2.0 * (5.0 / 2.0 - 1.0 + (-2.5f64).exp()) / 300.0;
        assert!((a.error(15.0) / want - 1.0).abs() < 1e-12);
        // a discrete delay: an exact sum
        let d2 = Dist::choice([(0.0, 1.0), (1.0, 3.0)]).unwrap();
        let b = Kernel::new(&l, &d2, 300.0, 300.0);
        let want = 0.25 * l.band(15.0, 315.0) / 300.0 + 0.75 * l.band(16.0, 316.0) / 300.0;
        assert!((b.error(15.0) / want - 1.0).abs() < 1e-14);
    }

    #[test]
    fn early_moves_integrate_the_move_delay_exactly() {
        // D exponential (mean 2), g = 300, P = 300, eligible 299.999 s after
        // payment: early iff U + D < 0.001, P = E[(0.001 - D)^+] / 300
        let l = Dist::Constant(1.0);
        let d = Dist::exponential(2.0).unwrap();
        let k = Kernel::new(&l, &d, 300.0, 300.0);
        let x: f64 = 0.001 / 2.0;
        let want = 2.0 * (x - 1.0 + (-x).exp()) / 300.0;
        let got = k.early(299.999);
        assert!((got / want - 1.0).abs() < 1e-9, "{got:e} vs {want:e}");
    }

    #[test]
    fn a_bounded_latency_makes_errors_impossible_beyond_its_support() {
        let l = Dist::uniform(1.0, 3.0).unwrap();
        let d = Dist::Constant(0.5);
        let k = Kernel::new(&l, &d, 300.0, 300.0);
        assert!(k.impossible_beyond(2.5));
        assert_eq!(k.error(2.5), 0.0);
        assert!(!k.impossible_beyond(2.4));
        assert!(k.error(2.4) > 0.0);
    }
}
