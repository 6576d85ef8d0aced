//! The checkout model's conditional estimator (`estimator = "conditional"`):
//! each user contributes the exact probability of an error page given its
//! payment time and its replication's clocks.
//!
//! Simulated per replication: the arrivals, the payment latencies and the
//! clock paths (offsets, drift, wander, syncs, outages, steps). Integrated
//! exactly per user: the poll phase, the redirect latency and the move
//! delay. So with constant clocks the only variance left is the arrivals',
//! and with moving clocks it comes from the clock paths, which is what
//! simulation is for.
//!
//! # The eligible set
//!
//! A record stamped `paid_at` at true time `t_paid` is eligible at a poll at
//! `T >= t_paid` iff the transfer clock then reads at least `paid_at + g`.
//! The transfer clock's local time is piecewise linear and non-decreasing
//! inside each piece, but may jump back at a piece's start (a sync step, a
//! scheduled step), so the eligible set `E` is a union of intervals, found
//! by walking the clock's pieces from `t_paid` ([`crate::clock::ClockPiece`]).
//!
//! Polls fall at `φ + kP` with the phase `φ` uniform on `[0, P)`. The first
//! poll in `E` comes before `t_paid + x` with probability
//! `m(x) / P`, where `m(x)` is the length of the projection of
//! `E ∩ [t_paid, t_paid + x)` onto the circle of circumference `P` (each
//! point of the circle is one phase, and a phase is caught by `E` iff one of
//! its polls falls in it). `m` grows with slope 1 where `x` is in `E` and
//! its phase is not yet covered, and is flat elsewhere: it is a sum of
//! ramps over *windows* `[a_i, b_i)` of total length `P`. The walk stops
//! once the circle is covered (a stretch of `E` as long as `P` covers it at
//! once), or after [`SCAN_LIMIT`] of true time, beyond which the record is
//! taken as eligible (an error then needs a page load of more than 30 days).
//!
//! With a deletion `D` after the poll and the read `L` after payment,
//!
//! ```text
//! P(error)      = Σ_i E[clamp(L - D - a_i, 0, b_i - a_i)] / P
//! P(early move) = Σ_i E[clamp(g - D - a_i, 0, b_i - a_i)] / P
//! E[first poll] = t_paid + Σ_i (b_i - a_i) / P * (a_i + b_i) / 2
//! ```
//!
//! each term exact ([`super::exact::Kernel`]). For a constant skew, `E` is
//! `[t_paid + w, ∞)`, one window `[w, w + P)`, and `P(error)` is the closed
//! form. With every clock ideal the window is `[g, g + P)`: the ideal-clock
//! probability behind `skew_error_rate`, for the same users.
//!
//! The margin column keeps the sampled move delay and redirect latency of
//! each user (as before): `E[first poll] + D - L`.

use std::collections::HashMap;

use super::exact::Kernel;
use crate::clock::Clock;
use crate::time::{SimDuration, SimTime};

/// How far after a payment the transfer clock is searched for eligibility.
pub const SCAN_LIMIT: SimDuration = SimDuration::from_hours(24 * 30);

/// How far ahead of a payment the walk uses the replication's clock itself
/// (beyond, a copy of it: see [`windows`]).
const LOOKAHEAD: SimDuration = SimDuration::from_hours(1);

/// Windows `[a, b)` of the first poll's phase, in nanoseconds after the
/// payment, with total length `P` (see the module docs).
///
/// `reading` is the transfer clock's reading that makes the record eligible
/// (`paid_at + g`); `p` the poll interval in nanoseconds. `out` is cleared
/// and filled.
pub fn windows(
    clock: &mut Clock,
    t_paid: SimTime,
    reading: SimTime,
    p: i64,
    out: &mut Vec<(i64, i64)>,
) {
    out.clear();
    let mut cover = Cover::new(p);
    let limit = t_paid + SCAN_LIMIT;
    let mut cur = t_paid;
    let mut run: Option<SimTime> = None;
    // Scanning far ahead would move the clock's cursor past what its
    // record of recent pieces covers, and the next user's queries (paid
    // later, but not that much later) would replay the clock from t = 0.
    // Beyond an hour the walk goes on with a copy.
    let mut ahead: Option<Clock> = None;
    while !cover.full() && cur < limit {
        if ahead.is_none() && cur > t_paid + LOOKAHEAD {
            ahead = Some(clock.clone());
        }
        let piece = match ahead.as_mut() {
            Some(c) => c.piece_at(cur),
            None => clock.piece_at(cur),
        };
        let end = piece
            .end
            .unwrap_or(SimTime::MAX)
            .max(cur + SimDuration::from_nanos(1));
        match piece.first_reading_at_least(cur, reading) {
            Some(x) => {
                if x > cur
                    && let Some(s) = run.take()
                {
                    cover.add(s, cur, t_paid, out);
                }
                let s = *run.get_or_insert(x);
                if piece.end.is_none() || end.as_nanos() - s.as_nanos() >= p {
                    // a stretch of a whole interval: every phase is caught
                    cover.add(s, s + SimDuration::from_nanos(p), t_paid, out);
                    run = None;
                }
            }
            None => {
                if let Some(s) = run.take() {
                    cover.add(s, cur, t_paid, out);
                }
            }
        }
        cur = end;
    }
    if !cover.full() {
        if let Some(s) = run.take() {
            cover.add(s, cur.min(limit), t_paid, out);
        }
        // beyond the scan: eligible from there on
        let from = cur.min(limit);
        cover.add(from, from + SimDuration::from_nanos(p), t_paid, out);
    }
}

/// The phases already caught: disjoint arcs of `[0, p)`, sorted.
struct Cover {
    p: i64,
    arcs: Vec<(i64, i64)>,
    total: i64,
}

impl Cover {
    fn new(p: i64) -> Self {
        Cover {
            p,
            arcs: Vec::new(),
            total: 0,
        }
    }

    fn full(&self) -> bool {
        self.total >= self.p
    }

    /// Adds the eligible stretch `[s, e)`: pushes onto `out` (relative to
    /// `origin`) the parts whose phases were not yet caught, in time order,
    /// and marks their phases caught.
    fn add(&mut self, s: SimTime, e: SimTime, origin: SimTime, out: &mut Vec<(i64, i64)>) {
        let p = self.p;
        let len = (e.as_nanos() - s.as_nanos()).min(p);
        if len <= 0 || self.full() {
            return;
        }
        let r = s.as_nanos().rem_euclid(p);
        let base = s.as_nanos() - origin.as_nanos();
        // the stretch on the circle: [r, r + len), wrapping at p
        let mut parts = vec![(r, (r + len).min(p), base)];
        if r + len > p {
            parts.push((0, r + len - p, base + (p - r)));
        }
        for (c0, c1, x0) in parts {
            // the uncovered sub-arcs of [c0, c1)
            let mut at = c0;
            let mut gaps = Vec::new();
            for &(a, b) in &self.arcs {
                if b <= at || a >= c1 {
                    continue;
                }
                if a > at {
                    gaps.push((at, a));
                }
                at = at.max(b);
            }
            if at < c1 {
                gaps.push((at, c1));
            }
            for (u0, u1) in gaps {
                let (a, b) = (x0 + (u0 - c0), x0 + (u1 - c0));
                // windows that touch are one (a stretch that wraps round
                // the circle is split in two above)
                match out.last_mut() {
                    Some(last) if last.1 == a => last.1 = b,
                    _ => out.push((a, b)),
                }
                self.total += u1 - u0;
            }
            self.arcs.push((c0, c1));
            self.arcs.sort_unstable();
            let mut merged: Vec<(i64, i64)> = Vec::with_capacity(self.arcs.len());
            for &(a, b) in &self.arcs {
                match merged.last_mut() {
                    Some(last) if a <= last.1 => last.1 = last.1.max(b),
                    _ => merged.push((a, b)),
                }
            }
            self.arcs = merged;
        }
    }
}

/// The per-user probabilities of one replication, with the kernel's values
/// kept for windows already seen (with constant clocks every user has the
/// same window).
pub struct Outcomes<'a> {
    kernel: Kernel<'a>,
    p_ns: i64,
    ideal: f64,
    seen: HashMap<(i64, i64), (f64, f64)>,
    buf: Vec<(i64, i64)>,
}

/// A compensated sum (Neumaier 1974, "Rundungsfehleranalyse einiger
/// Verfahren zur Summation endlicher Summen", *ZAMM* 54: 39-51): the
/// per-user probabilities of a replication add up to within a few ulps, so
/// that with constant clocks, where every user has the same probability,
/// the replication's rate is the closed form to the last digits.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Sum {
    s: f64,
    c: f64,
}

impl Sum {
    /// Adds `x`.
    #[inline]
    pub fn add(&mut self, x: f64) {
        let t = self.s + x;
        if self.s.abs() >= x.abs() {
            self.c += (self.s - t) + x;
        } else {
            self.c += (x - t) + self.s;
        }
        self.s = t;
    }
    /// The total.
    pub fn total(&self) -> f64 {
        self.s + self.c
    }
}

/// One user's exact figures.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Outcome {
    /// Probability of an error page.
    pub error: f64,
    /// The same with every clock ideal.
    pub error_ideal: f64,
    /// Probability that the record is deleted before `t_paid + grace`.
    pub early: f64,
    /// Expected time from payment to the first poll that selects the record,
    /// seconds.
    pub first_poll: f64,
}

/// Entries kept in the cache before it is cleared (a drifting clock gives
/// every user its own window).
const CACHE: usize = 4096;

impl<'a> Outcomes<'a> {
    /// For the kernel of a configuration with poll interval `p` and grace `g`.
    pub fn new(kernel: Kernel<'a>, p: SimDuration, g: SimDuration) -> Self {
        let gs = g.as_secs_f64();
        let ideal = kernel.error(gs);
        Outcomes {
            kernel,
            p_ns: p.as_nanos(),
            ideal,
            seen: HashMap::new(),
            buf: Vec::new(),
        }
    }

    /// The figures of a user paid at `t_paid` and stamped `paid_at` (local
    /// nanoseconds), given the transfer clock of its replication.
    pub fn user(
        &mut self,
        transfer: &mut Clock,
        t_paid: SimTime,
        paid_at: i64,
        grace: SimDuration,
    ) -> Outcome {
        let reading = SimTime::from_nanos(paid_at.saturating_add(grace.as_nanos()));
        windows(transfer, t_paid, reading, self.p_ns, &mut self.buf);
        let p = self.p_ns as f64 / 1e9;
        let (mut error, mut early, mut first) = (0.0, 0.0, 0.0);
        if self.seen.len() > CACHE {
            self.seen.clear();
        }
        for &(a, b) in &self.buf {
            let kernel = &self.kernel;
            let (x, y) = (a as f64 / 1e9, b as f64 / 1e9);
            let (err, ear) = *self
                .seen
                .entry((a, b))
                .or_insert_with(|| (kernel.band(x, y), kernel.early_band(x, y)));
            error += err;
            early += ear;
            first += (y - x) / p * (x + y) / 2.0;
        }
        Outcome {
            error: (error / p).min(1.0),
            error_ideal: self.ideal,
            early: (early / p).min(1.0),
            first_poll: first,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ClockSpec;
    use crate::dist::{Dist, DurationDist};
    use crate::engine::Streams;

    const P: i64 = 300_000_000_000;
    const G: i64 = 300_000_000_000;

    fn t(s: f64) -> SimTime {
        SimTime::from_nanos((s * 1e9) as i64)
    }

    fn spec(offset_s: f64, steps: &[(f64, f64)]) -> ClockSpec {
        ClockSpec {
            offset: DurationDist::constant(SimDuration::from_secs_f64(offset_s)),
            steps: steps
                .iter()
                .map(|&(at, by)| (t(at), SimDuration::from_secs_f64(by)))
                .collect(),
            ..ClockSpec::ideal()
        }
    }

    fn win(spec: &ClockSpec, paid: f64) -> Vec<(f64, f64)> {
        let mut c = Clock::new(spec, Streams::new(1, 0).stream("clock"));
        let mut out = Vec::new();
        windows(
            &mut c,
            t(paid),
            t(paid) + SimDuration::from_nanos(G),
            P,
            &mut out,
        );
        out.iter()
            .map(|&(a, b)| (a as f64 / 1e9, b as f64 / 1e9))
            .collect()
    }

    #[test]
    fn a_constant_skew_gives_one_window_at_the_wait() {
        // 4m45s ahead: eligible 15 s after payment
        assert_eq!(win(&spec(285.0, &[]), 1000.0), vec![(15.0, 315.0)]);
        // ahead by more than the grace: eligible at once
        assert_eq!(win(&spec(360.0, &[]), 1000.0), vec![(0.0, 300.0)]);
        assert_eq!(
            win(&ClockSpec::ideal(), 1000.0),
            vec![(300.0, 600.0)],
            "ideal clocks: the grace"
        );
        // 2 h behind: eligible 2h 5m after payment, found on a copy of the
        // clock beyond the first hour (with a step, so the clock has pieces)
        assert_eq!(
            win(&spec(-7200.0, &[(50_000.0, 1.0)]), 1000.0),
            vec![(7500.0, 7800.0)]
        );
    }

    #[test]
    fn a_backward_step_splits_the_eligible_set() {
        // 6 min ahead, paid at 1000 s (needs the reading 1300 s); 100 s after
        // payment the clock steps back 10 min. Eligible over [1000, 1100),
        // then again from 1540 (1540 - 240 = 1300). Phases (time mod 300):
        // the first stretch catches [100, 200); from 1540 the new phases
        // are [40, 100) at 1540..1600, [200, 300) at 1700..1800 and [0, 40)
        // at 1800..1840.
        let w = win(&spec(360.0, &[(1100.0, -600.0)]), 1000.0);
        assert_eq!(w, vec![(0.0, 100.0), (540.0, 600.0), (700.0, 840.0)]);
        let total: f64 = w.iter().map(|(a, b)| b - a).sum();
        assert_eq!(total, 300.0);
    }

    #[test]
    fn the_probability_is_the_closed_form_for_a_constant_skew() {
        let l = Dist::lognormal_median_p99(1.5, 6.0).unwrap();
        let d = Dist::Constant(0.2);
        let k = Kernel::new(&l, &d, 300.0, 300.0);
        let mut o = Outcomes::new(k, SimDuration::from_secs(300), SimDuration::from_secs(300));
        let mut c = Clock::new(&spec(285.0, &[]), Streams::new(1, 0).stream("clock"));
        let paid = t(1000.0);
        let u = o.user(&mut c, paid, paid.as_nanos(), SimDuration::from_nanos(G));
        let want = crate::dist::tail::reference::LISA_RATES[0][1];
        assert!((u.error / want - 1.0).abs() < 1e-9, "{u:?}");
        // eligible at 15 s, polled uniformly over [15, 315): mean 165 s
        assert!((u.first_poll - 165.0).abs() < 1e-9);
        // deleted before the grace unless the poll falls in [284.8, 315)
        assert!((u.early - 284.8 / 300.0).abs() < 1e-12, "{}", u.early);
    }
}
