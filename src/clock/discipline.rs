//! What a sync does to the clock's frequency error: nothing (an offset-only
//! tool such as `ntpdate` run from cron), or what a daemon such as ntpd or
//! chronyd does: learn the frequency and correct it, converging to a small
//! residual (see the module documentation of [`crate::clock`] and
//! `docs/clocks.md`).
//!
//! # The model
//!
//! With `discipline = "frequency"`, every sync (the same instants as the
//! offset corrections, none during an outage) replaces the clock's frequency
//! error `e` (drift plus wander minus what the daemon has learned) by
//!
//! ```text
//! e' = rho + a * (e - rho),    a = exp(-interval / time_constant)
//! ```
//!
//! where `rho ~ Normal(0, residual_ppm)` is drawn once per replication: the
//! error the daemon's estimate settles at. Without wander and from a cold
//! start (`e = drift` at `t = 0`) the error after `k` syncs is therefore
//! `rho + a^k * (drift - rho)`, which decays with time constant
//! `time_constant` when the syncs are `interval` apart; from a warm start
//! (the default) it is `rho` from `t = 0`. Wander moves `e` between syncs and
//! the daemon follows it with the same lag. The learned correction is kept
//! through an outage (the kernel keeps the last frequency adjustment), so a
//! disciplined clock runs at its residual error plus the wander since the last
//! sync, not at its full drift.
//!
//! This is a first-order (exponential) tracking loop, a deliberate
//! simplification of ntpd's type-2 phase/frequency-lock loop (which overshoots
//! by a few percent) and of chrony's regression over its recent samples: it
//! keeps the offset piecewise linear and every figure exactly computable.
//!
//! # Defaults and their sources
//!
//! * `time_constant` = 32 x `interval`: the NTP reference implementation ties
//!   the loop's time constant to the poll interval: "the default poll exponent
//!   of 6 corresponds to a poll interval of 64 s and a time constant of 2048
//!   s. A change in the poll interval changes the time constant by a
//!   corresponding amount" (NTP documentation, "Clock Discipline Algorithm",
//!   section "Loop Dynamics"). So a = exp(-1/32) = 0.9692 per sync.
//! * `residual_ppm` = 0.1: chronyc(1), command `tracking`, field `Skew` ("the
//!   estimated error bound on the frequency") reads 0.129 ppm in the manual's
//!   example (64 s updates from a server over the network); the NTP
//!   documentation ("Clock Discipline Algorithm", section "Clock
//!   Initialization and Management") states that on a LAN the frequency is
//!   disciplined "to within one part per million (PPM), even when the clock
//!   oscillator native frequency offset is 100 PPM or more", an upper bound.
//! * `start` = `"warm"`: both daemons keep their learned frequency in a drift
//!   file (ntpd's `driftfile`, chrony.conf(5) `driftfile`) and read it at
//!   start ("In a warm start, the frequency is initialized from this file",
//!   NTP documentation, "Clock Discipline Algorithm"). `"cold"` starts from
//!   the full drift: a daemon whose drift file is missing or stale, such as a
//!   virtual machine restored on another host. (ntpd's own cold start first
//!   measures the frequency for five minutes, to "less than 0.5 ppm" per its
//!   "Clock State Machine" page; `"warm"` is the closer model of that.)

use rand_distr::StandardNormal;

use crate::engine::SimRng;
use crate::time::SimDuration;
use rand::RngExt;

/// The default time constant, in sync intervals (ntpd: 2048 s at 64 s polls).
pub const TIME_CONSTANT_INTERVALS: i64 = 32;

/// The default standard deviation of the residual frequency error, ppm.
pub const DEFAULT_RESIDUAL_PPM: f64 = 0.1;

/// What a sync does to the clock's frequency error.
#[derive(Debug, Clone, PartialEq)]
pub enum Discipline {
    /// Offset only: the frequency error is left as it is (`ntpdate` from
    /// cron, a manual `date -s`). The default.
    Offset,
    /// The daemon learns the frequency (ntpd, chronyd).
    Frequency(FrequencySpec),
}

impl Discipline {
    /// True if this discipline never makes an exact clock inexact: offset
    /// only, or a frequency discipline with a zero residual.
    pub fn is_exact(&self) -> bool {
        match self {
            Discipline::Offset => true,
            Discipline::Frequency(f) => f.residual_ppm == 0.0,
        }
    }
}

/// A daemon's frequency discipline (`discipline = "frequency"`).
#[derive(Debug, Clone, PartialEq)]
pub struct FrequencySpec {
    /// Standard deviation of the residual frequency error the daemon
    /// converges to, ppm (drawn once per replication).
    pub residual_ppm: f64,
    /// How fast it converges: after each sync the distance to the residual
    /// is multiplied by `exp(-interval / time_constant)`. Positive.
    pub time_constant: SimDuration,
    /// Whether the frequency is already learned at `t = 0`.
    pub start: Start,
}

impl FrequencySpec {
    /// The defaults for syncs `interval` apart (see the module documentation
    /// for their sources).
    pub fn daemon(interval: SimDuration) -> Self {
        FrequencySpec {
            residual_ppm: DEFAULT_RESIDUAL_PPM,
            time_constant: interval.saturating_mul(TIME_CONSTANT_INTERVALS),
            start: Start::Warm,
        }
    }
}

/// The state of a daemon's frequency estimate at `t = 0`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Start {
    /// Learned (from a drift file): the frequency error is the residual.
    Warm,
    /// Not learned: the frequency error is the full drift.
    Cold,
}

/// One replication's frequency discipline: the residual drawn and the factor
/// applied at each sync.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Learning {
    /// The residual frequency error `rho`, ppm.
    pub(super) residual: f64,
    /// `a = exp(-interval / time_constant)`, in [0, 1].
    pub(super) keep: f64,
    /// Whether the residual is the error at `t = 0`.
    pub(super) warm: bool,
}

impl Learning {
    /// Draws the residual (one standard normal from `rng`, the clock's fifth
    /// sub-stream, always exactly one draw).
    pub(super) fn new(spec: &FrequencySpec, interval: SimDuration, rng: &mut SimRng) -> Self {
        let z: f64 = rng.sample(StandardNormal);
        let tau = spec.time_constant.as_nanos() as f64;
        let keep = if tau > 0.0 {
            (-(interval.as_nanos() as f64) / tau).exp()
        } else {
            0.0
        };
        Learning {
            residual: spec.residual_ppm.max(0.0) * z,
            keep,
            warm: spec.start == Start::Warm,
        }
    }

    /// The frequency error at `t = 0` of a clock whose drift is `drift`.
    pub(super) fn initial(&self, drift: f64) -> f64 {
        if self.warm { self.residual } else { drift }
    }

    /// The frequency error after a sync, from the error `e` before it.
    #[inline]
    pub(super) fn update(&self, e: f64) -> f64 {
        self.residual + self.keep * (e - self.residual)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::{Clock, ClockEventKind, ClockSpec, SyncMode, SyncSpec};
    use crate::dist::{Dist, DurationDist};
    use crate::engine::Streams;
    use crate::time::SimTime;

    const S: i64 = 1_000_000_000;

    fn spec(drift: f64, interval_s: i64, f: FrequencySpec) -> ClockSpec {
        ClockSpec {
            offset: DurationDist::constant(SimDuration::ZERO),
            drift_ppm: Dist::Constant(drift),
            sync: Some(SyncSpec {
                interval: SimDuration::from_secs(interval_s),
                accuracy: SimDuration::ZERO,
                mode: SyncMode::Step,
                max_slew_ppm: 500.0,
                discipline: Discipline::Frequency(f),
            }),
            ..ClockSpec::ideal()
        }
    }
    fn clock(spec: &ClockSpec, seed: u64) -> Clock {
        Clock::new(spec, Streams::new(seed, 0).stream("clock"))
    }
    /// (instant, frequency before, frequency after) of the first `n` syncs.
    fn syncs(c: &Clock, n: usize) -> Vec<(SimTime, f64, f64)> {
        c.events()
            .filter_map(|e| match e.kind {
                ClockEventKind::Sync {
                    frequency_before: Some(f0),
                    ..
                } => Some((e.at, f0, e.frequency_ppm)),
                _ => None,
            })
            .take(n)
            .collect()
    }

    #[test]
    fn the_defaults_follow_ntpd() {
        let f = FrequencySpec::daemon(SimDuration::from_secs(64));
        assert_eq!(f.time_constant, SimDuration::from_secs(2048));
        assert_eq!(f.residual_ppm, 0.1);
        assert_eq!(f.start, Start::Warm);
        let l = Learning::new(
            &f,
            SimDuration::from_secs(64),
            &mut Streams::new(1, 0).stream("x"),
        );
        // exp(-1/32) = 0.969233234476344081848... (mpmath, 30 digits)
        assert!(
            (l.keep - 0.969_233_234_476_344_1).abs() < 1e-15,
            "{}",
            l.keep
        );
    }

    #[test]
    fn a_cold_start_converges_geometrically_and_the_offset_between_syncs_follows() {
        // drift 50 ppm, no residual, syncs every 1000 s, time constant 4000 s:
        // e_k = 50 * a^k with a = exp(-1/4) after the k-th sync (k >= 1).
        let f = FrequencySpec {
            residual_ppm: 0.0,
            time_constant: SimDuration::from_secs(4000),
            start: Start::Cold,
        };
        let mut c = clock(&spec(50.0, 1000, f), 1);
        let a = (-0.25f64).exp();
        let list = syncs(&c, 40);
        assert_eq!(list.len(), 40);
        let mut e = 50.0;
        for (k, &(at, f0, f1)) in list.iter().enumerate() {
            assert_eq!(f0, e, "error before sync {k}");
            e *= a; // the recurrence rho + a (e - rho) with rho = 0, exactly
            assert_eq!(f1, e, "error after sync {k}");
            let closed = 50.0 * (-0.25 * (k as f64 + 1.0)).exp();
            assert!(
                (f1 - closed).abs() <= 1e-12 * 50.0,
                "sync {k}: {f1} vs {closed}"
            );
            // accuracy 0, step mode: the offset is 0 at the sync and grows at
            // the learned rate until the next one, 1000 s later, where it
            // peaks at e_k * 1000 s (the nanosecond before: the same formula
            // the clock evaluates, then the closed form to within rounding).
            assert_eq!(c.offset(at), SimDuration::ZERO);
            let last = at + SimDuration::from_secs(1000) - SimDuration::from_nanos(1);
            let peak = c.offset(last).as_nanos();
            assert_eq!(peak, (e * (1000.0 * S as f64 - 1.0) / 1e6).round() as i64);
            assert!((peak as f64 - closed * 1000.0 * 1e3).abs() <= 1.0, "{peak}");
            assert_eq!(c.frequency_ppm(last), e);
        }
        // Before the first sync the clock runs at its full drift.
        let p = list[0].0;
        assert_eq!(c.frequency_ppm(p - SimDuration::from_nanos(1)), 50.0);
    }

    /// The discipline drawn for a clock.
    fn learning(c: &Clock) -> Learning {
        match &c.kind {
            crate::clock::Kind::Full(f) => f.schedule.sync.as_ref().unwrap().learning.unwrap(),
            _ => panic!("a clock with breakpoints"),
        }
    }

    #[test]
    fn every_sync_applies_the_law_with_wander_slews_and_outages() {
        let h = |x: i64| SimTime::ZERO + SimDuration::from_hours(x);
        let f = FrequencySpec {
            residual_ppm: 0.5,
            time_constant: SimDuration::from_secs(20_000),
            start: Start::Cold,
        };
        let mut s = spec(40.0, 1000, f);
        s.sync.as_mut().unwrap().mode = SyncMode::Slew;
        s.sync.as_mut().unwrap().accuracy = SimDuration::from_millis(2);
        s.outages = vec![(h(10), h(20))];
        for wander in [0.0, 3.0] {
            s.wander_ppm = wander;
            let mut c = clock(&s, 5);
            let l = learning(&c);
            assert_eq!(l.keep, (-0.05f64).exp());
            let mut n = 0;
            let mut last = f64::NAN;
            for e in c.events().take_while(|e| e.at < h(40)) {
                if let ClockEventKind::Sync {
                    frequency_before: Some(f0),
                    ..
                } = e.kind
                {
                    assert_eq!(e.frequency_ppm, l.residual + l.keep * (f0 - l.residual));
                    assert!(!(h(10)..h(20)).contains(&e.at), "no sync in the outage");
                    if e.at < h(10) {
                        last = e.frequency_ppm;
                    }
                    n += 1;
                }
            }
            assert!(n > 100, "{n} syncs");
            if wander == 0.0 {
                // The learned correction is kept through the outage.
                for t in [h(10), h(15), h(20) - SimDuration::from_nanos(1)] {
                    assert_eq!(c.frequency_ppm(t), last);
                }
                // ... and after 36 syncs the 40 ppm is down to 40 a^36 + ...
                let rho = l.residual;
                let want = rho + (40.0 - rho) * (-0.05f64 * 36.0).exp();
                assert!((last - want).abs() < 1e-12, "{last} vs {want}");
            }
        }
    }

    #[test]
    fn a_warm_start_runs_at_the_residual_from_the_start() {
        let f = FrequencySpec::daemon(SimDuration::from_secs(1024));
        let mut c = clock(&spec(-80.0, 1024, f), 7);
        let rho = c.frequency_ppm(SimTime::ZERO);
        assert!(rho != 0.0 && rho.abs() < 0.5, "rho = {rho}");
        for (_, f0, f1) in syncs(&c, 20) {
            assert_eq!((f0, f1), (rho, rho), "nothing left to learn");
        }
        // The offset between syncs is bounded by |rho| * interval (plus the
        // nanosecond of rounding), against 80 ppm * 1024 s = 82 ms offset-only.
        let bound = rho.abs() * 1024.0 * 1e3 + 1.0;
        for i in 0..2000 {
            let t = SimTime::from_nanos(i * 3_333_333_333);
            assert!((c.offset(t).as_nanos() as f64).abs() <= bound, "at {t}");
        }
    }

    #[test]
    fn the_residual_is_normal_with_the_given_sd() {
        // 4000 replications of rho ~ Normal(0, 0.1): sample sd within 3.3
        // standard errors (sd * sqrt(1 / (2n)) = 0.00112) of 0.1, mean within
        // 3.3 * 0.1 / sqrt(n) = 0.0052 of 0.
        const N: u64 = 4000;
        let f = FrequencySpec::daemon(SimDuration::from_secs(64));
        let s = spec(30.0, 64, f);
        let rho: Vec<f64> = (1..=N)
            .map(|seed| clock(&s, seed).frequency_ppm(SimTime::ZERO))
            .collect();
        let n = N as f64;
        let mean = rho.iter().sum::<f64>() / n;
        let sd = (rho.iter().map(|x| x * x).sum::<f64>() / n).sqrt();
        assert!(mean.abs() < 3.3 * 0.1 / n.sqrt(), "mean {mean}");
        assert!((sd - 0.1).abs() < 3.3 * 0.1 / (2.0 * n).sqrt(), "sd {sd}");
    }

    #[test]
    fn a_fixed_stream_gives_fixed_values() {
        // Pinned (from this implementation): changing these changes every
        // result of a scenario with discipline = "frequency".
        let f = FrequencySpec {
            residual_ppm: 0.5,
            time_constant: SimDuration::from_secs(4096),
            start: Start::Cold,
        };
        let mut s = spec(57.3, 512, f);
        s.wander_ppm = 2.0;
        s.sync.as_mut().unwrap().accuracy = SimDuration::from_millis(1);
        let mut c = clock(&s, 1);
        let got: Vec<i64> = [1, 3_600, 36_000, 86_400]
            .iter()
            .map(|&t| {
                c.offset(SimTime::ZERO + SimDuration::from_secs(t))
                    .as_nanos()
            })
            .collect();
        assert_eq!(
            got,
            [57_300, 11_358_240, -1_236_400, 3_046_359],
            "got {got:?}"
        );
        assert_eq!(learning(&c).residual, 0.400_089_498_024_619_85);
    }

    #[test]
    fn the_discipline_draws_from_its_own_stream() {
        // Same seed: the sync phase, the offset and drift draws are those of
        // the offset-only clock (common random numbers across disciplines).
        let f = FrequencySpec::daemon(SimDuration::from_secs(64));
        let mut learned = spec(30.0, 64, f);
        learned.offset = DurationDist::constant(SimDuration::from_millis(3));
        let mut offset_only = learned.clone();
        offset_only.sync.as_mut().unwrap().discipline = Discipline::Offset;
        if let Some(SyncSpec {
            discipline: Discipline::Frequency(f),
            ..
        }) = &mut learned.sync
        {
            f.start = Start::Cold;
        }
        let (a, b) = (clock(&learned, 3), clock(&offset_only, 3));
        let first = |c: &Clock| c.events().next().map(|e| (e.at, e.offset_before));
        assert_eq!(first(&a), first(&b));
    }
}
