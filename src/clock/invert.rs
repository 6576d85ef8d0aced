//! Inverting a clock: the first true instant at which it reads at least a
//! given value.
//!
//! # Definition
//!
//! [`Clock::first_reading_at_least(v, t0, until)`](Clock::first_reading_at_least)
//! is the smallest integer nanosecond `t` in `[t0, until]` with
//! `local(t) >= v`, where `local` is exactly [`Clock::local`] (the offset
//! rounded half away from zero), or `None` when there is none. So:
//!
//! * the clock reads at least `v` at the answer `t`, and (when `t > t0`) less
//!   than `v` one nanosecond earlier;
//! * a clock that steps (or slews faster than time) backwards may read `v`
//!   twice: the first time counts;
//! * a clock that steps forward past `v` reads at least `v` from the step's
//!   instant, which is then the answer although it never reads `v` itself;
//! * a clock that already reads at least `v` at `t0` answers `t0`.
//!
//! This is the deadline of a later model: "the true instant at which host
//! H's clock first reads stamp S plus X, not before t0".
//!
//! # Method and cost
//!
//! Within one linear segment of the offset (see the module documentation of
//! [`crate::clock`]) the local reading `t + round(off + rate * (t - s) / 1e6)`
//! is nondecreasing in `t` when local time does not run backwards (below), so
//! the first `t` of a segment that reads at least `v` is found by bisection,
//! started at the real solution of the linear equation and widened by
//! doubling: a handful of evaluations. A segment is rejected with one
//! evaluation, at its last nanosecond. A segment in which local time runs
//! backwards (rate below -1e6 ppm: a slew or drift faster than time itself)
//! reads its largest value at its start.
//!
//! The segments are visited in time order from the one containing `t0`:
//! first from the clock's record of its recent segments when `t0` is behind
//! its cursor, then ahead of the cursor with a *copy* of it. The clock's own
//! cursor therefore never moves past `t0`: queries near `t0` that follow stay
//! cheap, and since the segments never depend on the queries asked, neither
//! does any answer. Positioning at `t0` costs what a query at `t0` costs
//! (amortised O(1) in nondecreasing `t0`); the walk then costs O(1) per
//! breakpoint crossed between `t0` and the answer (or `until`), including one
//! normal draw per sync or wander step crossed, plus one bisection.
//!
//! # Exactness
//!
//! The answer always reads at least `v`, and the nanosecond before it (when
//! it is after `t0`) reads less. That it is the *first* such instant relies
//! on local time being nondecreasing within each segment, which holds
//! exactly whenever the segment's rate is >= 0 (the `f64` evaluation is
//! monotone), and for a negative rate whenever it is above -500 000 ppm and
//! the offset stays below 2^51 ns (26 days) in magnitude: the `f64` rounding
//! of the offset (at most a quarter of a nanosecond there) can then not make
//! it fall by a whole nanosecond more than the rate does. Realistic clocks
//! (rates of at most a few thousand ppm, offsets of minutes) are far inside.

use super::{Clock, Full, Kind, PPM, Segment};
use crate::time::{SimDuration, SimTime};

impl Clock {
    /// The first true instant `t` in `[t0, until]` at which this clock reads
    /// at least `v` (`local(t) >= v`), or `None` if it does not within
    /// `until`. See [the module documentation](crate::clock::invert) for the
    /// definition (a backward step: the first time counts; a forward step
    /// past `v`: the step's instant) and the cost.
    ///
    /// It does not disturb other queries: their answers and their cost near
    /// `t0` are as if it had not been asked.
    pub fn first_reading_at_least(
        &mut self,
        v: SimTime,
        t0: SimTime,
        until: SimTime,
    ) -> Option<SimTime> {
        if until < t0 {
            return None;
        }
        match &mut self.kind {
            Kind::Ideal => {
                let t = v.max(t0);
                (t <= until).then_some(t)
            }
            Kind::Linear(seg) => first_in_segment(seg, v, t0, until),
            Kind::Full(full) => full.first_reading_at_least(v, t0, until),
        }
    }
}

impl Full {
    fn first_reading_at_least(
        &mut self,
        v: SimTime,
        t0: SimTime,
        until: SimTime,
    ) -> Option<SimTime> {
        let one = SimDuration::from_nanos(1);
        let mut t = t0;
        if t < SimTime::ZERO {
            // Before t = 0 the initial segment is extrapolated (as `offset`
            // answers), and it holds until the first breakpoint (at >= 0).
            let end = self.initial.next.map(|(at, _)| at);
            let last = end.map_or(until, |e| until.min(e - one));
            if let Some(x) = first_in_segment(&self.initial.seg, v, t, last) {
                return Some(x);
            }
            match end {
                Some(e) if e <= until => t = e,
                _ => return None,
            }
        }
        self.segment_at(t);
        if t < self.cursor.seg.t {
            // Behind the cursor: the recorded segments up to the cursor's.
            let i = self.history.partition_point(|s| s.t <= t);
            for j in i.saturating_sub(1)..self.history.len() - 1 {
                let (seg, end) = (self.history[j], self.history[j + 1].t);
                if let Some(x) = first_in_segment(&seg, v, t.max(seg.t), until.min(end - one)) {
                    return Some(x);
                }
                if end > until {
                    return None;
                }
                t = t.max(end);
            }
        }
        let mut c = self.cursor.clone();
        loop {
            let last = c.next.map_or(until, |(at, _)| until.min(at - one));
            if let Some(x) = first_in_segment(&c.seg, v, t.max(c.seg.t), last) {
                return Some(x);
            }
            let (at, tag) = c.next?;
            if at > until {
                return None;
            }
            c.apply(&self.schedule, at, tag);
        }
    }
}

/// The first `t` in `[lo, hi]` with `t + seg.eval(t) >= v`, for `t` inside
/// the segment `seg`.
fn first_in_segment(seg: &Segment, v: SimTime, lo: SimTime, hi: SimTime) -> Option<SimTime> {
    if lo > hi {
        return None;
    }
    let reads = |t: i64| {
        let t = SimTime::from_nanos(t);
        t + seg.eval(t) >= v
    };
    let (lo, hi) = (lo.as_nanos(), hi.as_nanos());
    if reads(lo) {
        return Some(SimTime::from_nanos(lo));
    }
    if seg.rate < -PPM || !reads(hi) {
        // Local time runs backwards (its largest value is at `lo`), or it
        // never gets to `v` in this segment.
        return None;
    }
    // reads(lo) is false and reads(hi) true; local time is nondecreasing.
    let (mut bad, mut good) = (lo, hi);
    let s = seg.t.as_nanos() as f64;
    let guess = s + (v.as_nanos() as f64 - s - seg.off) / (1.0 + seg.rate / PPM);
    if guess.is_finite() {
        // Gallop from the real solution of t + off + rate (t - s) / 1e6 = v.
        let g = (guess.round() as i64).clamp(lo.saturating_add(1), hi);
        let mut d: i64 = 1;
        if reads(g) {
            good = g;
            while g.saturating_sub(d) > bad {
                let c = g - d;
                if reads(c) {
                    good = c;
                    d = d.saturating_mul(2);
                } else {
                    bad = c;
                    break;
                }
            }
        } else {
            bad = g;
            while g.saturating_add(d) < good {
                let c = g + d;
                if reads(c) {
                    good = c;
                    break;
                }
                bad = c;
                d = d.saturating_mul(2);
            }
        }
    }
    // In i128: the span of an i64 range can overflow an i64.
    while i128::from(good) - i128::from(bad) > 1 {
        let mid = (i128::from(bad) + (i128::from(good) - i128::from(bad)) / 2) as i64;
        if reads(mid) {
            good = mid;
        } else {
            bad = mid;
        }
    }
    Some(SimTime::from_nanos(good))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::{ClockEventKind, ClockSpec, Discipline, FrequencySpec, Start};
    use crate::clock::{SyncMode, SyncSpec};
    use crate::dist::{Dist, DurationDist};
    use crate::engine::Streams;
    use proptest::prelude::*;

    const NS_PER_SEC: i64 = 1_000_000_000;

    fn at(ns: i64) -> SimTime {
        SimTime::from_nanos(ns)
    }
    fn secs(s: i64) -> SimTime {
        at(s * NS_PER_SEC)
    }
    fn with(offset: SimDuration, drift_ppm: f64) -> ClockSpec {
        ClockSpec {
            offset: DurationDist::constant(offset),
            drift_ppm: Dist::Constant(drift_ppm),
            ..ClockSpec::ideal()
        }
    }
    fn clock(spec: &ClockSpec) -> Clock {
        Clock::new(spec, Streams::new(1, 0).stream("clock"))
    }
    /// `first_reading_at_least` with no limit.
    fn first(c: &mut Clock, v: SimTime, t0: SimTime) -> Option<SimTime> {
        c.first_reading_at_least(v, t0, SimTime::MAX)
    }

    #[test]
    fn an_ideal_clock_reads_true_time() {
        let mut c = Clock::ideal();
        assert_eq!(first(&mut c, secs(5), SimTime::ZERO), Some(secs(5)));
        assert_eq!(first(&mut c, secs(5), secs(10)), Some(secs(10)));
        assert_eq!(
            c.first_reading_at_least(secs(5), SimTime::ZERO, secs(4)),
            None
        );
        assert_eq!(c.first_reading_at_least(secs(5), secs(2), secs(1)), None);
    }

    #[test]
    fn a_constant_offset_shifts_the_answer() {
        // local(t) = t + offset, so t = v - offset (not before t0).
        for offset in [SimDuration::from_mins(6), -SimDuration::from_secs(2)] {
            let mut c = clock(&with(offset, 0.0));
            for v in [secs(3600), secs(400), at(123_456_789_012)] {
                assert_eq!(
                    first(&mut c, v, SimTime::ZERO - SimDuration::from_hours(1)),
                    Some(v - offset)
                );
                assert_eq!(first(&mut c, v, v), Some(v.max(v - offset)));
            }
        }
    }

    #[test]
    fn a_drifting_clock_solves_the_linear_equation() {
        // offset 5 s, +100 ppm: local(t) = t + round_half_away(5e9 + t / 1e4)
        // >= v  <=>  (1e6 + 100) t + 5e15 + 5e5 >= 1e6 v  (t >= 0), so
        // t = ceil((1e6 (v - 5e9) - 5e5) / 1000100).
        let mut fast = clock(&with(SimDuration::from_secs(5), 100.0));
        // offset 0, -78 ppm: local(t) = ceil((999922 t - 5e5) / 1e6) for
        // t >= 0 (half away from zero below zero), >= v  <=>
        // t = floor((1e6 v - 5e5) / 999922) + 1.
        let mut slow = clock(&with(SimDuration::ZERO, -78.0));
        let ceil_div = |a: i128, b: i128| (a + b - 1).div_euclid(b);
        for v in [
            5_000_000_001_i64,
            6 * NS_PER_SEC,
            3_600 * NS_PER_SEC + 7,
            86_399 * NS_PER_SEC + 999_999_999,
            86_400 * NS_PER_SEC,
        ] {
            let want = ceil_div(
                1_000_000 * (i128::from(v) - 5_000_000_000) - 500_000,
                1_000_100,
            );
            let got = first(&mut fast, at(v), SimTime::ZERO).unwrap();
            assert_eq!(i128::from(got.as_nanos()), want, "fast, v = {v}");
            assert!(
                fast.local(got) >= at(v) && fast.local(got - SimDuration::from_nanos(1)) < at(v)
            );
            let want = (1_000_000 * i128::from(v) - 500_000).div_euclid(999_922) + 1;
            let got = first(&mut slow, at(v), SimTime::ZERO).unwrap();
            assert_eq!(i128::from(got.as_nanos()), want, "slow, v = {v}");
        }
        // Before t = 0 the initial segment is extrapolated, as `offset` does.
        let v = at(4 * NS_PER_SEC);
        let got = first(&mut fast, v, SimTime::ZERO - SimDuration::from_hours(1)).unwrap();
        let want = ceil_div(
            1_000_000 * (4_000_000_000 - 5_000_000_000) - 500_000,
            1_000_100,
        );
        assert_eq!(i128::from(got.as_nanos()), want);
        assert!(got < SimTime::ZERO);
    }

    #[test]
    fn a_backward_step_reads_some_values_twice_and_the_first_time_counts() {
        // A step of -2 s at 1 h: local(t) = t before, t - 2 s from 1 h on.
        let mut spec = with(SimDuration::ZERO, 0.0);
        spec.steps = vec![(secs(3600), -SimDuration::from_secs(2))];
        let mut c = clock(&spec);
        let half = SimDuration::from_millis(500);
        // Read before the step (first time), and again from 1 h + 1.5 s.
        assert_eq!(
            first(&mut c, secs(3599) + half, SimTime::ZERO),
            Some(secs(3599) + half)
        );
        // 1 h is never read before the step (it reads 1 h - 1 ns at most).
        assert_eq!(first(&mut c, secs(3600), SimTime::ZERO), Some(secs(3602)));
        // From t0 after the step, the second time is the first.
        assert_eq!(first(&mut c, secs(3599), secs(3600)), Some(secs(3601)));
        assert_eq!(
            c.first_reading_at_least(secs(3600), SimTime::ZERO, secs(3601)),
            None
        );
    }

    #[test]
    fn a_forward_step_past_the_value_answers_the_step_instant() {
        let mut spec = with(SimDuration::ZERO, 0.0);
        spec.steps = vec![(secs(3600), SimDuration::from_secs(10))];
        let mut c = clock(&spec);
        for v in [secs(3600), secs(3605), secs(3610)] {
            assert_eq!(first(&mut c, v, SimTime::ZERO), Some(secs(3600)), "v = {v}");
        }
        assert_eq!(first(&mut c, secs(3611), SimTime::ZERO), Some(secs(3601)));
        assert_eq!(first(&mut c, secs(3599), SimTime::ZERO), Some(secs(3599)));
    }

    #[test]
    fn a_step_sync_that_sets_the_clock_back_is_read_twice() {
        // 5 s ahead and +100 ppm until the first sync at p sets it to 0: the
        // readings of [p, p + 5 s) come before p and again after.
        let mut spec = with(SimDuration::from_secs(5), 100.0);
        spec.sync = Some(SyncSpec {
            interval: SimDuration::from_secs(3600),
            accuracy: SimDuration::ZERO,
            mode: SyncMode::Step,
            max_slew_ppm: 500.0,
            discipline: Discipline::Offset,
        });
        let mut c = clock(&spec);
        let p = c.events().next().unwrap().at;
        let before = c.local(p - SimDuration::from_nanos(1));
        assert!(before > p + SimDuration::from_secs(5));
        assert_eq!(
            first(&mut c, p, SimTime::ZERO),
            first(&mut clock(&spec), p, SimTime::ZERO)
        );
        let t = first(&mut c, p, SimTime::ZERO).unwrap();
        assert!(t < p && c.local(t) >= p && c.local(t - SimDuration::from_nanos(1)) < p);
        assert_eq!(first(&mut c, p, p), Some(p), "after the sync local(p) = p");
        assert_eq!(
            first(&mut c, before, SimTime::ZERO),
            Some(p - SimDuration::from_nanos(1))
        );
        // `before` is read again after the sync, at before - 0 s of offset
        // plus what 100 ppm adds: solve t + (t - p) / 1e4 >= before.
        let again = first(&mut c, before, p).unwrap();
        let d = i128::from((before - p).as_nanos());
        let want = p.as_nanos() as i128 + (1_0000 * d - 5_000 + 10_000).div_euclid(10_001);
        assert_eq!(i128::from(again.as_nanos()), want);
    }

    /// Every clock feature, drawn at random, for the property test.
    fn arb_spec() -> impl Strategy<Value = ClockSpec> {
        let h = |x: i64| x * 3_600 * NS_PER_SEC;
        let sync = prop_oneof![
            Just(None),
            (
                10i64..4_000,
                0i64..50_000_000,
                any::<bool>(),
                50.0f64..5_000.0,
                prop_oneof![
                    Just(Discipline::Offset),
                    (0.0f64..2.0, 1i64..100_000, any::<bool>()).prop_map(|(r, tau, warm)| {
                        Discipline::Frequency(FrequencySpec {
                            residual_ppm: r,
                            time_constant: SimDuration::from_secs(tau),
                            start: if warm { Start::Warm } else { Start::Cold },
                        })
                    }),
                ],
            )
                .prop_map(|(iv, acc, slew, max, discipline)| {
                    Some(SyncSpec {
                        interval: SimDuration::from_secs(iv),
                        accuracy: SimDuration::from_nanos(acc),
                        mode: if slew { SyncMode::Slew } else { SyncMode::Step },
                        max_slew_ppm: max,
                        discipline,
                    })
                }),
        ];
        (
            -h(1)..h(1),
            -300.0f64..300.0,
            prop_oneof![Just(0.0), 0.0f64..20.0],
            sync,
            prop::collection::vec((0..h(24), 1..h(6)), 0..3),
            prop::collection::vec((0..h(24), -h(1)..h(1)), 0..4),
        )
            .prop_map(|(offset, drift, wander, sync, outages, steps)| ClockSpec {
                offset: DurationDist::constant(SimDuration::from_nanos(offset / 100)),
                drift_ppm: Dist::Constant(drift),
                wander_ppm: wander,
                sync,
                outages: outages
                    .into_iter()
                    .map(|(from, len)| (at(from), at(from + len)))
                    .collect(),
                steps: steps
                    .into_iter()
                    .map(|(t, by)| (at(t), SimDuration::from_nanos(by / 10)))
                    .collect(),
            })
    }

    proptest! {
        // a fixed seed: the same 256 cases on every run, so CI never flakes
        // and a failure reproduces
        #![proptest_config(ProptestConfig {
            cases: 256,
            rng_seed: proptest::test_runner::RngSeed::Fixed(0x1a2b_3c4d),
            ..ProptestConfig::default()
        })]

        /// The answer reads at least v, the nanosecond before it reads less,
        /// and no earlier instant from t0 on reads v: within a segment local
        /// time is nondecreasing, so it is enough to look at the last
        /// nanosecond of every segment that ends before the answer. The
        /// answer does not depend on earlier queries.
        #[test]
        fn the_answer_is_the_first_instant_that_reads_v(
            spec in arb_spec(),
            seed in 1u64..1_000,
            t0 in -3_600 * NS_PER_SEC..86_400 * NS_PER_SEC,
            ahead in -600 * NS_PER_SEC..86_400 * NS_PER_SEC,
            span in 0i64..86_400 * NS_PER_SEC,
            earlier in prop::collection::vec(0i64..172_800 * NS_PER_SEC, 0..4),
        ) {
            let (t0, until) = (at(t0), at(t0 + span));
            let v = t0 + SimDuration::from_nanos(ahead);
            let fresh = Clock::new(&spec, Streams::new(seed, 0).stream("clock"));
            let mut c = fresh.clone();
            for &q in &earlier {
                c.offset(at(q));
            }
            let got = c.first_reading_at_least(v, t0, until);
            prop_assert_eq!(got, fresh.clone().first_reading_at_least(v, t0, until));
            let one = SimDuration::from_nanos(1);
            let mut check = fresh.clone();
            let end = got.unwrap_or(until + one);
            for e in fresh.events().take_while(|e| e.at < end) {
                if e.at > t0 {
                    prop_assert!(check.local(e.at - one) < v, "reads v before {}", e.at);
                }
            }
            match got {
                Some(t) => {
                    prop_assert!(t >= t0 && t <= until);
                    prop_assert!(check.local(t) >= v);
                    if t > t0 {
                        prop_assert!(check.local(t - one) < v);
                    }
                }
                None => prop_assert!(check.local(until) < v),
            }
        }
    }

    #[test]
    fn the_cursor_stays_at_t0() {
        // A deadline a day ahead of a wandering clock crosses 1440 wander
        // steps; the clock's own cursor stays where a query at t0 left it,
        // so the next query near t0 is answered from the current segment.
        let mut spec = with(SimDuration::ZERO, 10.0);
        spec.wander_ppm = 5.0;
        let mut c = clock(&spec);
        let t0 = secs(7_200);
        let got = first(&mut c, t0 + SimDuration::from_hours(24), t0).unwrap();
        assert!(got > t0 + SimDuration::from_hours(23));
        let Kind::Full(full) = &c.kind else {
            panic!("a clock with breakpoints")
        };
        assert!(full.cursor.seg.t <= t0 && full.cursor.next.unwrap().0 > t0);
        assert_eq!(c.local(got), clock(&spec).local(got));
    }

    #[test]
    fn sync_events_show_the_frequency_learned() {
        let mut spec = with(SimDuration::ZERO, 20.0);
        spec.sync = Some(SyncSpec {
            interval: SimDuration::from_secs(64),
            accuracy: SimDuration::ZERO,
            mode: SyncMode::Step,
            max_slew_ppm: 500.0,
            discipline: Discipline::Frequency(FrequencySpec {
                residual_ppm: 0.0,
                time_constant: SimDuration::from_secs(128),
                start: Start::Cold,
            }),
        });
        let c = clock(&spec);
        let e = c.events().next().unwrap();
        assert!(
            matches!(e.kind, ClockEventKind::Sync { frequency_before: Some(f) , .. } if f == 20.0)
        );
        // 20 * exp(-1/2) = 12.130613194252668
        assert!(
            e.to_string()
                .ends_with(" -> 0s, frequency 20.000 -> 12.131 ppm"),
            "{e}"
        );
    }
}
