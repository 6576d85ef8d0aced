//! What one checkout replication costs, counted from the configuration (see
//! [`crate::model::Work`]): users, polls, clock breakpoints and the most
//! records held at once.

use super::config::{Arrivals, CheckoutConfig, expected_users};
use crate::dist::DurationDist;
use crate::model::Work;
use crate::time::{MAX_HORIZON, SimDuration};

/// Bytes a pending record takes: the real-clock record (40 bytes) and its
/// ideal-clock twin (24 bytes), doubled for the room a growing buffer keeps.
const BYTES_PER_RECORD: f64 = 2.0 * (40.0 + 24.0);

/// A duration distribution's mean in seconds, as a bounded cost (an infinite
/// mean, a Pareto tail, counts as racesim's longest time).
fn mean_s(d: &DurationDist) -> f64 {
    let m = d.mean();
    if m.is_finite() {
        m.max(0.0)
    } else {
        MAX_HORIZON.as_secs_f64()
    }
}

/// The cost of one replication of `cfg`.
///
/// - users: the expected arrivals before the horizon;
/// - polls: the run goes on past the horizon until every counted user has
///   read the page and every record could have been moved, so polls are
///   counted over the horizon plus the grace, one poll interval, the mean
///   latencies and the gap between the stamping and transfer clocks;
/// - clock breakpoints over the same span ([`crate::clock::ClockSpec::breakpoints_over`]);
/// - held records: a record waits in the pending set from payment until a
///   poll selects it, about the grace plus a poll interval plus the clock
///   gap, so at the peak hour's rate about that many are held; with a batch
///   limit below the arrivals per poll, or a wait longer than the horizon,
///   every user's record may be held.
pub fn work(cfg: &CheckoutConfig) -> Work {
    work_for(cfg, expected_users(cfg))
}

/// [`work`] with `users` expected users per replication (a request log
/// replayed by days says how many).
pub(super) fn work_for(cfg: &CheckoutConfig, users: f64) -> Work {
    let s = |d: SimDuration| d.as_secs_f64();
    let offset = |i: usize| mean_s_signed(&cfg.clocks[i].offset);
    // records become eligible late by the stamping clock's lead on the
    // transfer clock (and early by its lag)
    let gap = (offset(cfg.stamp) - offset(cfg.transfer)).abs();
    let latency = mean_s(&cfg.payment_latency)
        + mean_s(&cfg.redirect_latency)
        + f64::from(cfg.retries) * mean_s(&cfg.retry_delay)
        + mean_s(&cfg.move_delay)
        + mean_s(&cfg.poll_jitter);
    let wait = s(cfg.grace) + s(cfg.poll_interval) + gap;
    let horizon = s(cfg.horizon);
    let span_s = (horizon + wait + latency).min(2.0 * MAX_HORIZON.as_secs_f64());
    let span = SimDuration::from_secs_f64(span_s);
    let polls = span_s / s(cfg.poll_interval);
    let mut hosts: Vec<usize> = vec![cfg.stamp, cfg.transfer];
    hosts.dedup();
    let clock_steps = hosts
        .iter()
        .map(|&h| cfg.clocks[h].breakpoints_over(span))
        .sum();
    let peak_rate = match &cfg.arrivals {
        Arrivals::Poisson { rate, profile } => {
            rate * profile.map_or(1.0, |w| w.iter().copied().fold(0.0, f64::max))
        }
        Arrivals::Trace { .. } => users / horizon.max(1e-9),
    };
    let per_poll = peak_rate * s(cfg.poll_interval);
    let backs_up = cfg.batch_limit > 0 && per_poll > f64::from(cfg.batch_limit);
    let held = if backs_up {
        users
    } else {
        users.min(peak_rate * (wait + mean_s(&cfg.payment_latency)))
    };
    Work {
        units: users,
        unit: "users",
        polls,
        clock_steps,
        held,
        bytes_per_held: BYTES_PER_RECORD,
    }
}

/// A duration distribution's mean in seconds, sign kept (offsets), 0 when
/// not finite.
fn mean_s_signed(d: &DurationDist) -> f64 {
    let m = d.mean();
    if m.is_finite() { m } else { 0.0 }
}
