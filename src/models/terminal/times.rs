//! Times of day within a terminal-day: the opening hours' segments and the
//! draws that place purchases in them (by the hourly profile).

use rand_distr::{Distribution, Exp1, Gamma};

use super::config::Hours;
use super::state::Buffers;
use crate::engine::SimRng;

/// `Gamma(len, 1)`: the sum of `len` standard exponentials.
#[inline(always)]
pub(super) fn exp_sum(len: u32, rng: &mut SimRng) -> f64 {
    // One exponential (consecutive keyed positions) is by far the most
    // common case: inline it, keep the rest out of line.
    if len == 1 {
        <Exp1 as Distribution<f64>>::sample(&Exp1, rng)
    } else {
        exp_sum_other(len, rng)
    }
}

/// [`exp_sum`] for `len != 1`.
#[inline(never)]
pub(super) fn exp_sum_other(len: u32, rng: &mut SimRng) -> f64 {
    match len {
        0 => 0.0,
        1 => <Exp1 as Distribution<f64>>::sample(&Exp1, rng),
        l => match Gamma::new(f64::from(l), 1.0) {
            Ok(g) => g.sample(rng),
            Err(_) => f64::from(l),
        },
    }
}

/// A segment of the opening hours, for [`time_at`]: its share of the
/// profile's mass starts at `cum` and the next segment's at `next` (infinite
/// for the last segment, so the search stops there).
#[derive(Debug, Clone, Copy)]
pub(super) struct Segment {
    pub(super) cum: f64,
    pub(super) next: f64,
    pub(super) start_ns: f64,
    pub(super) ns_per_mass: f64,
}

/// The segments of `h`, in order.
pub(super) fn segments(h: &Hours) -> Vec<Segment> {
    let last = h.ns_per_mass.len() - 1;
    (0..=last)
        .map(|k| Segment {
            cum: h.cum[k],
            next: if k < last {
                h.cum[k + 1]
            } else {
                f64::INFINITY
            },
            start_ns: h.seg_start_ns[k],
            ns_per_mass: h.ns_per_mass[k],
        })
        .collect()
}

/// Times of day of the keyed positions of a day of `n` purchases: the
/// order statistics `U_(k) = S_k / S_n` of `n` uniforms, where `S_k` is a sum
/// of `k + 1` standard exponentials (Gamma jumps over the positions that need
/// no time), mapped through the profile's inverse CDF. No sort.
pub(super) fn keyed_times(w: &mut Buffers, segs: &[Segment], n: u32, rng: &mut SimRng) {
    let mut acc = 0.0f64;
    let mut next = 0u32;
    w.cum.clear();
    w.cum.extend(w.keyed.iter().map(|&k| {
        acc += exp_sum(k + 1 - next, rng);
        next = k + 1;
        acc
    }));
    acc += exp_sum(n + 1 - next, rng);
    let inv = 1.0 / acc;
    let mut seg = 0usize;
    w.time.clear();
    w.time.extend(w.cum.iter_mut().map(|c| {
        let x = *c * inv;
        *c = x;
        time_at(segs, x, &mut seg)
    }));
}

/// The time of day at share `x` of the profile's mass; `seg` is the segment
/// of the previous, smaller `x` (the search only moves forward).
#[inline]
pub(super) fn time_at(segs: &[Segment], x: f64, seg: &mut usize) -> i64 {
    let mut s = &segs[*seg];
    while x >= s.next {
        *seg += 1;
        s = &segs[*seg];
    }
    let t = s.start_ns + (x - s.cum) * s.ns_per_mass;
    t as i64
}

/// Request log only: the times of day of all `n` positions, given the keyed
/// positions' (from [`keyed_times`]). Between two keyed positions, the
/// others are the order statistics of uniforms between their shares of the
/// mass (the conditional law of the rest given those), drawn from a stream
/// of their own, so the keyed times, and every count, stay those of the run.
pub(super) fn all_times(w: &mut Buffers, segs: &[Segment], n: u32, rng: &mut SimRng) {
    w.all_time.clear();
    let mut seg = 0usize;
    let mut from = (0u32, 0.0f64);
    let bounds = w
        .keyed
        .iter()
        .zip(&w.cum)
        .map(|(&k, &x)| (k, x))
        .chain(std::iter::once((n, 1.0)));
    for (k, (pos, x)) in bounds.enumerate() {
        // The positions strictly between: uniforms on (from.1, x), as the
        // spacings of m + 1 exponentials.
        w.spacing.clear();
        let mut acc = 0.0f64;
        for _ in from.0..pos {
            acc += <Exp1 as Distribution<f64>>::sample(&Exp1, rng);
            w.spacing.push(acc);
        }
        if !w.spacing.is_empty() {
            acc += <Exp1 as Distribution<f64>>::sample(&Exp1, rng);
            let scale = (x - from.1) / acc;
            for &e in &w.spacing {
                w.all_time.push(time_at(segs, from.1 + e * scale, &mut seg));
            }
        }
        if pos < n {
            // The keyed position keeps the time the run gives it.
            w.all_time.push(w.time[k]);
        }
        from = (pos + 1, x);
    }
}
