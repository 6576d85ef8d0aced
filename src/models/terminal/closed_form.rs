//! The terminal model's back-of-envelope, computed properly.
//!
//! Per terminal-day, N is Poisson with the terminal's mean (or that mean,
//! rounded, under `fixed`), and the mean is drawn from `daily_transactions`.
//! Every figure is `E_mean[ g(mean) ]` by [`Dist::expect_with`] (adaptive
//! quadrature over the mean's density, split at its quantiles from 1e-300
//! up, so that the few very busy terminals in the tail of the mean's
//! distribution, which carry the collisions, are integrated as exactly as
//! the bulk) of an exact Poisson expectation `g`: tails are summed term by
//! term from the log-pmf, on the side where the sum cannot cancel, so
//! `E[max(0, N - 999)]` is accurate from means far below the counter's range
//! (values like 1e-30) up to 1e5 and more. Under `fixed`, the figures are
//! sums of the mean's survival function at the half-integers
//! ([`fixed_expect`]).
//!
//! With `q` the chance that two distinct purchases share card and amount,
//! `E[false reversals per terminal-day] = E[max(0, N - R)] * q` (pairs sharing
//! a counter, for N <= 2R), where
//! `q = (s^2 / regulars) * (same_order^2 + (1 - same_order^2) * sum p_i^2)`;
//! the naive figure treats card and amount as independent:
//! `q_naive = (s^2 / regulars) * sum p_i^2`.

use statrs::function::gamma::ln_gamma;

use super::config::{MAX_DAILY_MEAN, MatchSet, TerminalConfig};
use super::values::{DayToDay, Overflow, Scope};
use crate::dist::Dist;

/// Relative size below which a term of a decreasing tail is dropped.
const REL: f64 = 1e-17;
const DAYS_PER_YEAR: f64 = 365.0;

/// `ln P(N = n)` for `N ~ Poisson(m)`, `m > 0`.
fn ln_pmf(n: f64, m: f64) -> f64 {
    n * m.ln() - m - ln_gamma(n + 1.0)
}

/// `E[max(0, N - r)]` for `N ~ Poisson(m)`.
///
/// For `m <= r` the upper tail `sum_{n > r} (n - r) P(n)` is summed upward
/// (terms fall once the linear factor stops growing); for `m > r` the
/// identity `E[max(0, N - r)] = m - r + sum_{n <= r} (r - n) P(n)` sums a lower
/// tail downward. Neither side subtracts two large numbers.
pub(crate) fn poisson_excess(m: f64, r: u64) -> f64 {
    if m.is_nan() || m <= 0.0 {
        return 0.0;
    }
    let rf = r as f64;
    if m <= rf {
        let mut n = rf + 1.0;
        let mut p = ln_pmf(n, m).exp();
        let mut sum = 0.0;
        while p > 0.0 {
            let term = (n - rf) * p;
            sum += term;
            let next_p = p * m / (n + 1.0);
            let next = (n + 1.0 - rf) * next_p;
            if next < term && next <= sum * REL {
                break;
            }
            p = next_p;
            n += 1.0;
        }
        sum
    } else {
        let mut n = rf;
        let mut p = ln_pmf(n, m).exp();
        let mut sum = 0.0;
        let base = m - rf;
        while n > 0.0 && p > 0.0 {
            let prev_term = (rf - n) * p;
            p *= n / m;
            n -= 1.0;
            let term = (rf - n) * p;
            sum += term;
            if term < prev_term && term <= (base + sum) * REL {
                break;
            }
        }
        base + sum
    }
}

/// `P(N > x)` for `N ~ Poisson(m)`.
pub(crate) fn poisson_tail(m: f64, x: u64) -> f64 {
    if m.is_nan() || m <= 0.0 {
        return 0.0;
    }
    let xf = x as f64;
    if xf >= m {
        // Upper tail, decreasing terms.
        let mut n = xf + 1.0;
        let mut p = ln_pmf(n, m).exp();
        let mut sum = 0.0;
        while p > 0.0 {
            sum += p;
            p *= m / (n + 1.0);
            n += 1.0;
            if p <= sum * REL {
                break;
            }
        }
        sum
    } else {
        // 1 - P(N <= x), the lower tail summed downward (decreasing terms).
        let mut n = xf;
        let mut p = ln_pmf(n, m).exp();
        let mut sum = 0.0;
        while p > 0.0 {
            sum += p;
            if n == 0.0 {
                break;
            }
            p *= n / m;
            n -= 1.0;
            if p <= sum * REL {
                break;
            }
        }
        (1.0 - sum).max(0.0)
    }
}

/// `E[ceil(N / r) - 1]` for `N ~ Poisson(m)` (0 for N = 0): the batches a
/// `new_batch` terminal opens past the first.
///
/// `sum_{k >= 1} P(N > k r)`; far above the range the tail sums would be
/// many, so there the pmf is summed once over its effective support instead.
pub(crate) fn poisson_extra_batches(m: f64, r: u64) -> f64 {
    if m.is_nan() || m <= 0.0 {
        return 0.0;
    }
    if m <= r as f64 {
        let mut sum = 0.0;
        let mut k = 1u64;
        loop {
            let t = poisson_tail(m, k * r);
            sum += t;
            if t == 0.0 || t <= sum * REL {
                break;
            }
            k += 1;
        }
        sum
    } else {
        poisson_expect(m, |n| if n == 0 { 0.0 } else { ((n - 1) / r) as f64 })
    }
}

/// `E[f(N)]` for `N ~ Poisson(m)`, summed outward from the mode until the
/// pmf falls below 1e-20 of its peak on both sides.
fn poisson_expect(m: f64, f: impl Fn(u64) -> f64) -> f64 {
    let mode = m.floor();
    let p0 = ln_pmf(mode, m).exp();
    let cut = p0 * 1e-20;
    let mut sum = f(mode as u64) * p0;
    let (mut n, mut p) = (mode, p0);
    loop {
        p *= m / (n + 1.0);
        n += 1.0;
        if p <= cut {
            break;
        }
        sum += f(n as u64) * p;
    }
    let (mut n, mut p) = (mode, p0);
    while n > 0.0 {
        p *= n / m;
        n -= 1.0;
        if p <= cut {
            break;
        }
        sum += f(n as u64) * p;
    }
    sum
}

/// `(q, q_naive)`: the chance that two distinct purchases share card and
/// amount, and its naive version (card and amount independent). Cheap: no
/// expectation over the daily volume.
pub(crate) fn pair_probabilities(cfg: &TerminalConfig) -> (f64, f64) {
    let s = cfg.regular_share;
    let so = cfg.same_order;
    let card = s * s / f64::from(cfg.regulars);
    let sum_p2 = cfg.menu.sum_p2();
    (card * (so * so + (1.0 - so * so) * sum_p2), card * sum_p2)
}

/// A terminal's mean as the simulation uses it.
fn clamp_mean(m: f64) -> f64 {
    if m.is_nan() {
        0.0
    } else {
        m.clamp(0.0, MAX_DAILY_MEAN)
    }
}

/// The closed-form inputs of a configuration, per terminal-day.
#[derive(Debug, Clone)]
pub(crate) struct ClosedForm {
    /// `E[N]`.
    pub mean_n: f64,
    /// `E[max(0, N - R)]`: same-counter pairs per terminal-day (N <= 2R).
    pub excess: f64,
    /// `P(N > R)`.
    pub p_overflow: f64,
    /// `P(N > 2R)`: a counter value used three times or more, where the
    /// pair count `max(0, N - R)` undercounts.
    pub p_beyond_pairs: f64,
    /// `E[ceil(N / R) - 1]` under `new_batch`, else 0.
    pub extra_batches: f64,
    /// Chance that two distinct purchases share card and amount.
    pub q: f64,
    /// The naive `q` (card and amount independent).
    pub q_naive: f64,
    /// `sum_a price_a * P(both pay a, same card)` / `(s^2 / regulars)`, cents.
    pub lost_per_pair_cents: f64,
    /// The naive version of `lost_per_pair_cents`.
    pub lost_per_pair_cents_naive: f64,
    /// Expected resubmissions per terminal-day.
    pub resubmissions: f64,
}

impl ClosedForm {
    pub(crate) fn new(cfg: &TerminalConfig) -> Self {
        let r = u64::from(cfg.range);
        let d: &Dist = &cfg.daily;
        let (mean_n, excess, p_overflow, p_beyond_pairs, extra_batches) =
            if cfg.day_to_day == DayToDay::Fixed {
                // N = round(M): sums of the survival function of M at the
                // half-integers (see `fixed_expect`)
                (
                    fixed_expect(d, 0, 1),
                    fixed_expect(d, r, 1),
                    fixed_step(d, r),
                    fixed_step(d, 2 * r),
                    if cfg.overflow == Overflow::NewBatch {
                        fixed_expect(d, r, r)
                    } else {
                        0.0
                    },
                )
            } else {
                // E_M[g(M)] for the exact Poisson expectations g, by
                // adaptive quadrature over M's density (tail-exact: see
                // Dist::expect); the clamp's ends are kinks
                let ex = |g: &dyn Fn(f64) -> f64| {
                    d.expect_with(&|m| g(clamp_mean(m)), &[0.0, MAX_DAILY_MEAN])
                };
                (
                    ex(&|m| m),
                    ex(&|m| poisson_excess(m, r)),
                    ex(&|m| poisson_tail(m, r)),
                    ex(&|m| poisson_tail(m, 2 * r)),
                    if cfg.overflow == Overflow::NewBatch {
                        ex(&|m| poisson_extra_batches(m, r))
                    } else {
                        0.0
                    },
                )
            };
        let s = cfg.regular_share;
        let so = cfg.same_order;
        let card = s * s / f64::from(cfg.regulars);
        let (q, q_naive) = pair_probabilities(cfg);
        // P(both pay a | same regular, averaged over usual orders)
        //   = so^2 p_a + 2 so (1 - so) p_a^2 + (1 - so)^2 p_a^2
        //   = so^2 p_a + (1 - so^2) p_a^2.
        let (mut lost, mut lost_naive) = (0.0, 0.0);
        for (&c, &p) in cfg.menu.cents.iter().zip(&cfg.menu.probs) {
            lost += c as f64 * (so * so * p + (1.0 - so * so) * p * p);
            lost_naive += c as f64 * p * p;
        }
        ClosedForm {
            mean_n,
            excess,
            p_overflow,
            p_beyond_pairs,
            extra_batches,
            q,
            q_naive,
            lost_per_pair_cents: card * lost,
            lost_per_pair_cents_naive: card * lost_naive,
            resubmissions: mean_n * cfg.resubmit_probability,
        }
    }

    /// Expected same-counter purchase pairs per terminal-day that `scope`
    /// holds, where the closed form knows it: the day holds all
    /// `E[max(0, N - R)]`; a batch holds them under rollover and none under
    /// `new_batch`; a window is not covered.
    pub(crate) fn pairs_in(&self, cfg: &TerminalConfig, scope: Scope) -> Option<f64> {
        if !cfg.dedup_match.counter {
            return None;
        }
        match scope {
            Scope::Day => Some(self.excess),
            Scope::Batch => Some(if cfg.overflow == Overflow::NewBatch {
                0.0
            } else {
                self.excess
            }),
            Scope::Window(_) => None,
        }
    }

    /// Chance that a resubmission arrives in `scope` of its original.
    pub(crate) fn caught(cfg: &TerminalConfig, scope: Scope) -> f64 {
        match scope {
            Scope::Day | Scope::Batch => 1.0,
            Scope::Window(w) => cfg.resubmit_delay.0.cdf(w.as_secs_f64()),
        }
    }

    /// Expected false reversals per terminal-day `(closed form, naive)`, when
    /// the closed form covers the processor's rule (key counter + card +
    /// amount, scope day or batch).
    pub(crate) fn false_reversals(&self, cfg: &TerminalConfig) -> Option<(f64, f64)> {
        if cfg.dedup_match != MatchSet::ALL || cfg.dedup_follows_processor() {
            return None;
        }
        let pairs = self.pairs_in(cfg, cfg.dedup_scope)?;
        Some((pairs * self.q, pairs * self.q_naive))
    }

    /// Expected lost amount per terminal-day in cents `(closed form, naive)`.
    pub(crate) fn lost_cents(&self, cfg: &TerminalConfig) -> Option<(f64, f64)> {
        if cfg.dedup_match != MatchSet::ALL || cfg.dedup_follows_processor() {
            return None;
        }
        let pairs = self.pairs_in(cfg, cfg.dedup_scope)?;
        Some((
            pairs * self.lost_per_pair_cents,
            pairs * self.lost_per_pair_cents_naive,
        ))
    }

    /// Expected alerts per terminal-day (collisions plus resubmissions the
    /// scan's scope holds).
    pub(crate) fn alerts(&self, cfg: &TerminalConfig) -> Option<f64> {
        let scope = cfg.alert?;
        if cfg.dedup_match != MatchSet::ALL || cfg.alert_follows_processor() {
            return None;
        }
        let pairs = self.pairs_in(cfg, scope)?;
        Some(pairs * self.q + self.resubmissions * Self::caught(cfg, scope))
    }

    /// Expected false alerts per terminal-day: flagged pairs the processor did
    /// not reverse. With a processor window, this assumes the window is
    /// shorter than the time between two same-counter purchases (hours on a
    /// busy day), so that it reverses none of them.
    pub(crate) fn false_alerts(&self, cfg: &TerminalConfig) -> Option<f64> {
        let scope = cfg.alert?;
        if cfg.dedup_match != MatchSet::ALL
            || cfg.alert_follows_processor()
            || cfg.dedup_follows_processor()
        {
            return None;
        }
        let alert_pairs = self.pairs_in(cfg, scope)?;
        let dedup_pairs = self.pairs_in(cfg, cfg.dedup_scope).unwrap_or(0.0);
        let resub = self.resubmissions
            * (Self::caught(cfg, scope) - Self::caught(cfg, cfg.dedup_scope)).max(0.0);
        Some((alert_pairs - dedup_pairs).max(0.0) * self.q + resub)
    }

    /// Expected true duplicates per terminal-day (`None` when the processor's
    /// day follows its own clock: a resubmission across its day cut escapes).
    pub(crate) fn true_duplicates(&self, cfg: &TerminalConfig) -> Option<f64> {
        if cfg.dedup_follows_processor() {
            return None;
        }
        Some(self.resubmissions * Self::caught(cfg, cfg.dedup_scope))
    }
}

/// The share of purchases whose processor day is not the terminal's, when
/// both clocks only have a constant offset (no drift, wander, sync or
/// steps): then a purchase at the terminal's time of day `tau` reaches the
/// processor when it reads `tau + s` on the same day, with
/// `s = processor offset + zone - terminal offset`, so it lands on another
/// day exactly when `tau + s < 0` or `tau + s >= 24h`. The share is the
/// profile's mass there: `F(-s) + 1 - F(24h - s)`, `F` the opening hours'
/// distribution function of the time of day (`docs/clocks.md`, "Terminals
/// and the processor").
pub(crate) fn day_mismatch_share(cfg: &TerminalConfig) -> Option<f64> {
    let c = cfg.clocks.as_ref()?;
    if !c.steps.is_empty() {
        return None;
    }
    let fixed = |spec: &crate::clock::ClockSpec| {
        (spec.drift_ppm.as_constant() == Some(0.0)
            && spec.wander_ppm <= 0.0
            && spec.sync.is_none()
            && spec.steps.is_empty())
        .then(|| spec.offset.as_constant())
        .flatten()
    };
    let a = fixed(&c.terminal)?.as_nanos();
    let b = fixed(&c.processor)?.as_nanos();
    let s = b + c.zone.as_nanos() - a;
    let day = crate::time::SimDuration::from_hours(24).as_nanos();
    Some(profile_cdf(cfg, -s) + 1.0 - profile_cdf(cfg, day - s))
}

/// The share of the opening hours' purchases before time of day `x` (ns
/// since midnight; any value).
fn profile_cdf(cfg: &TerminalConfig, x: i64) -> f64 {
    let h = &cfg.hours;
    let (open, close) = (h.open_ns(), h.close_ns());
    let hour = crate::time::SimDuration::from_hours(1).as_nanos();
    let (mut below, mut total) = (0.0, 0.0);
    for (k, w) in h.weights.iter().enumerate() {
        let start = open + k as i64 * hour;
        let end = (start + hour).min(close);
        total += w * (end - start) as f64;
        below += w * (x.clamp(start, end) - start) as f64;
    }
    below / total
}

/// `E[(round(M') - first)^+ / step]`-like sums for `day_to_day = "fixed"`,
/// `M' = clamp(M, 0, MAX_DAILY_MEAN)`: by summation by parts,
/// `E[h(N)] = h(0) + Σ_{n >= 1} (h(n) - h(n - 1)) P(N >= n)` with
/// `P(round(M') >= n) = S_M(n - 1/2)` for `1 <= n <= MAX_DAILY_MEAN`. Here
/// `h(n)` grows by one at `n = first + step, first + 2 step, ...` (and at every
/// `n > first` when `step = 1`): `fixed_expect(d, 0, 1) = E[N]`,
/// `fixed_expect(d, r, 1) = E[(N - r)^+]`, `fixed_expect(d, r, r) =
/// E[ceil(N / r) - 1]` (the jumps of `floor((n - 1) / r)` are at `k r + 1`).
/// The sum stops when the terms left cannot reach 1e-16 of it. Discrete
/// distributions are summed over their values instead; mixtures component by
/// component.
fn fixed_expect(d: &Dist, first: u64, step: u64) -> f64 {
    if d.is_discrete() && !matches!(d, Dist::Mixture(_)) {
        let h = |m: f64| {
            let n = clamp_mean(m).round() as u64;
            if step == 1 {
                n.saturating_sub(first) as f64
            } else if n == 0 {
                0.0
            } else {
                ((n - 1) / step) as f64
            }
        };
        return d.expect(&h);
    }
    if let Dist::Mixture(m) = d {
        return m
            .components()
            .iter()
            .zip(m.probabilities())
            .filter(|(_, p)| **p > 0.0)
            .map(|(c, p)| p * fixed_expect(c, first, step))
            .sum();
    }
    let max = MAX_DAILY_MEAN as u64;
    let mut sum = 0.0;
    let mut n = first + 1;
    while n <= max {
        let s = d.survival(n as f64 - 0.5);
        sum += s;
        let left = ((max - n) / step) as f64;
        if s == 0.0 || s * left <= 1e-16 * sum {
            break;
        }
        n += step;
    }
    sum
}

/// `P(round(M') > x)` for `day_to_day = "fixed"` (see [`fixed_expect`]).
fn fixed_step(d: &Dist, x: u64) -> f64 {
    let n = x as f64 + 1.0;
    if n > MAX_DAILY_MEAN {
        return 0.0;
    }
    if d.is_discrete() && !matches!(d, Dist::Mixture(_)) {
        return d.expect(&|m| f64::from(clamp_mean(m).round() > x as f64));
    }
    if let Dist::Mixture(m) = d {
        return m
            .components()
            .iter()
            .zip(m.probabilities())
            .filter(|(_, p)| **p > 0.0)
            .map(|(c, p)| p * fixed_step(c, x))
            .sum();
    }
    d.survival(n - 0.5)
}

/// Fleet-year scale: terminals * 365.
pub(crate) fn per_year(cfg: &TerminalConfig) -> f64 {
    f64::from(cfg.terminals) * DAYS_PER_YEAR
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excess_over_a_lognormal_daily_mean_matches_mpmath() {
        // the tail of the daily mean above 999 carries the collisions: the
        // midpoint rule over quantiles used before missed part of it
        let m = Dist::lognormal_median_p99(280.0, 620.0).unwrap();
        let got = m.expect_with(
            &|x| poisson_excess(clamp_mean(x), 999),
            &[0.0, MAX_DAILY_MEAN],
        );
        let want = crate::dist::tail::reference::TERMINAL_EXCESS;
        assert!((got / want - 1.0).abs() < 1e-9, "{got:e} vs {want:e}");
    }

    #[test]
    fn fixed_counts_sum_the_survival_function_at_half_integers() {
        // M uniform on [900, 1100]: round(M) = n with probability 1/200 for
        // n = 901..=1099 and 0.5/200 for n = 900 and 1100
        let d = Dist::uniform(900.0, 1100.0).unwrap();
        let close = |got: f64, want: f64| {
            assert!((got - want).abs() < 1e-12 * want, "{got} vs {want}");
        };
        close(fixed_expect(&d, 0, 1), 1000.0);
        // Σ_{n=1000}^{1099} (n - 999) / 200 + 101 * 0.5 / 200
        close(fixed_expect(&d, 999, 1), (5050.0 + 50.5) / 200.0);
        close(fixed_step(&d, 999), 100.5 / 200.0);
        // floor((n - 1) / 999) is 1 from n = 1000 on
        close(fixed_expect(&d, 999, 999), 100.5 / 200.0);
        assert_eq!(fixed_step(&d, 2 * 999), 0.0);
        // a discrete mean: summed over its values
        let c = Dist::choice([(1000.4, 1.0), (1200.6, 1.0)]).unwrap();
        close(fixed_expect(&c, 999, 1), 0.5 * 1.0 + 0.5 * 202.0);
    }

    /// Brute-force Poisson sums in log space over a wide support.
    fn brute(m: f64, f: impl Fn(u64) -> f64) -> f64 {
        let hi = (m + 60.0 * m.sqrt() + 200.0) as u64;
        (0..=hi).map(|n| f(n) * ln_pmf(n as f64, m).exp()).sum()
    }

    #[test]
    fn excess_matches_brute_force_across_means() {
        for &m in &[
            5.0, 300.0, 700.0, 950.0, 999.0, 1000.5, 1100.0, 1500.0, 5000.0,
        ] {
            let exact = brute(m, |n| (n as f64 - 999.0).max(0.0));
            let got = poisson_excess(m, 999);
            let tol = 1e-10 * exact.max(1e-300);
            assert!(
                (got - exact).abs() <= tol.max(1e-13),
                "m {m}: {got} vs {exact}"
            );
        }
    }

    #[test]
    fn excess_is_accurate_far_in_the_tail_and_far_above() {
        // m = 600: the tail starts 16 sd above the mean, where P(n + 1) / P(n)
        // is about rho = m / 1001, so the sum of k P(999 + k) is close to
        // P(1000) / (1 - rho)^2.
        let m: f64 = 600.0;
        let first = ln_pmf(1000.0, m).exp();
        let rho = m / 1001.0;
        let approx = first / ((1.0 - rho) * (1.0 - rho));
        let got = poisson_excess(m, 999);
        assert!(
            got > 1e-60 && (got / approx - 1.0).abs() < 0.02,
            "{got} vs {approx}"
        );
        // m = 1e5: essentially m - 999.
        let big = poisson_excess(1e5, 999);
        assert!((big - (1e5 - 999.0)).abs() < 1e-6, "{big}");
        assert_eq!(poisson_excess(50.0, 999), 0.0, "below 1e-300");
    }

    #[test]
    fn tail_and_extra_batches_match_brute_force() {
        for &m in &[300.0, 900.0, 999.0, 1200.0, 2500.0, 4000.0] {
            let t = brute(m, |n| f64::from(n > 999));
            assert!((poisson_tail(m, 999) - t).abs() < 1e-12, "tail m {m}");
            let e = brute(m, |n| if n == 0 { 0.0 } else { ((n - 1) / 999) as f64 });
            let got = poisson_extra_batches(m, 999);
            assert!(
                (got - e).abs() < 1e-10 * e.max(1.0),
                "extra m {m}: {got} vs {e}"
            );
        }
        // Far above the range with a narrow counter: sum of the pmf.
        let got = poisson_extra_batches(1e5, 9);
        let approx = (1e5 - 1.0) / 9.0;
        assert!((got - approx).abs() < 1.0, "{got} vs {approx}");
    }
}
