//! The race model's conditional estimator (`estimator = "conditional"`):
//! each item contributes, for each failure "A before B", the exact
//! probability of the failure given the rest of its history, instead of
//! its 0/1 outcome (conditional Monte Carlo, a Rao-Blackwellisation: the
//! expectation is the same, the variance never larger; see
//! `docs/statistics.md`).
//!
//! # What is integrated
//!
//! Each side of a failure is, per failure, one of:
//!
//! - **polled**: the instant a poller creates, when the poller polls
//!   periodically (no jitter) with no batch limit. Its poll phase is
//!   uniform over `[0, every)` and the poller's delay `D` is drawn per poll,
//!   so given the item's selecting instant `t_s`, its stamp and the
//!   poller's clock path, the first poll that takes the item falls
//!   uniformly over *windows* `[t_s + a_i, t_s + b_i)` of total length
//!   `every` (the checkout model's walk of the eligible set over the
//!   clock's pieces, [`windows`]; one window with a clock that does not step
//!   back). Both the phase and `D` are integrated.
//! - **a last delay**: an instant `t_Q + L` a random delay `L` after its
//!   parent `Q`, where the other side does not depend on it: `L` is
//!   integrated with its exact distribution and survival functions.
//! - **known**: any other instant, taken as simulated.
//!
//! With `U` the first poll's offset after `t_s` (uniform over the windows)
//! and `P = every`:
//!
//! ```text
//! polled A, delay B:  P(t_s + U + D < t_Q + L) = Σ_i E[clamp(L - D - δ - a_i, 0, b_i - a_i)] / P,  δ = t_s - t_Q
//! polled A, known b:  P(t_s + U + D < b)       = Σ_i ∫_{c-b_i}^{c-a_i} F_D(x) dx / P,            c = b - t_s
//! known a, polled B:  1 - P(t_s + U + D < a)   (the same sum with c = a - t_s)
//! delay A, polled B:  1 - the first line with L the delay of A
//! known a, delay B:   P(t_Q + L > a) = S_L(a - t_Q)
//! delay A, known b:   P(t_Q + L < b) = F_L(b - t_Q)
//! ```
//!
//! (the first line is the checkout model's kernel, [`Kernel::band`]; the
//! others are [`crate::dist::Dist::band_below`], `survival` and `cdf`,
//! exact in the tails). The integrals take time as continuous, as the
//! closed forms do (the simulation draws delays to the nanosecond: a
//! difference of the order of a density times half a nanosecond, below
//! 1e-7 of the figure); a tie, which fails nothing, has probability 0
//! except for a discrete delay, whose atom at the boundary is left out of
//! `F_L` (evaluated half a nanosecond below it).
//!
//! Which side is integrated, in order of preference: a polled side (with
//! the other side's last delay when it has one), else the "before" side's
//! last delay, else the "first" side's. A side is only integrated when the
//! other does not depend on it (through delays, deadlines, stamps or
//! polls); the ideal-clock twin is integrated the same way with every clock
//! ideal (for a poller: one window `[older_than, older_than + P)`).
//!
//! # Where it falls back
//!
//! - **Per failure** ([`Plan::Sampled`]): a clock-reading failure, or an
//!   ordering with no side to integrate (two instants known at arrival, a
//!   jittered or batch-limited poller against a constant delay...). Its
//!   columns keep the 0/1 indicators of plain sampling and its metrics are
//!   computed as plain sampling's ([`crate::model::MetricDef::sampled`]);
//!   the estimate's notes say so. A scenario where no failure can be
//!   integrated is refused.
//! - **Per item**: the end of the run (`horizon + run_out`, after which an
//!   instant never happens) is exact in every form but one: a polled side
//!   against a delay, where the failure also needs the first of the two
//!   instants to happen by the end. An item for which both can fall past
//!   the end with a chance (bounded by the smaller of the poller delay's
//!   survival function beyond the last window and the delay's beyond the
//!   end) above 1e-15 of its probability, or whose eligibility walk hit its
//!   scan limit, contributes its 0/1 outcome instead (unbiased either way:
//!   which items do depends only on what is conditioned on). With a day of
//!   run-out this concerns only items with delays of about a day.

use std::collections::HashMap;

use super::config::{FailureKind, InstantKind, RaceConfig};
use super::sim::{NEVER, Row};
use crate::clock::Clock;
use crate::dist::Dist;
use crate::engine::Streams;
use crate::models::checkout::conditional::{SCAN_LIMIT, Sum, windows};
use crate::models::checkout::exact::Kernel;
use crate::time::{SimDuration, SimTime};

/// Half a nanosecond, in seconds: `P(L < x)` of a discrete delay is its
/// distribution function just below `x` (its values are whole nanoseconds).
const HALF_NS: f64 = 0.5e-9;

/// One side of an ordering failure, as the estimator treats it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// Its time as simulated.
    Known(usize),
    /// The random delay of `instant` after `after`, integrated.
    Delay {
        /// The instant.
        instant: usize,
        /// Its parent.
        after: usize,
    },
    /// Created by `poller`: its phase and delay integrated.
    Polled {
        /// The poller.
        poller: usize,
    },
}

/// How the estimator scores one failure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Plan {
    /// "first before before", with the sides as given.
    Integrated {
        /// The side that must not come first.
        first: Side,
        /// The side it races.
        before: Side,
    },
    /// By plain sampling, and why.
    Sampled(String),
}

impl Plan {
    /// What it integrates, in words, for the estimate's notes.
    pub fn describe(&self, cfg: &RaceConfig) -> String {
        let side = |s: &Side| match *s {
            Side::Known(_) => None,
            Side::Delay { instant, .. } => {
                Some(format!("the delay of `{}`", cfg.instants[instant].name))
            }
            Side::Polled { poller } => Some(format!(
                "the phase and delay of poller `{}`",
                cfg.pollers[poller].name
            )),
        };
        match self {
            Plan::Integrated { first, before } => {
                let parts: Vec<String> = [first, before].into_iter().filter_map(side).collect();
                format!(
                    "conditional estimator: integrates {} exactly per item",
                    parts.join(" and ")
                )
            }
            Plan::Sampled(why) => format!(
                "conditional estimator: scored by plain sampling (0/1 per item; its metrics are computed as plain sampling's): {why}"
            ),
        }
    }
}

/// `deps[i][j]`: instant `i`'s time depends on instant `j`'s.
fn dependencies(cfg: &RaceConfig) -> Vec<Vec<bool>> {
    let n = cfg.instants.len();
    let mut deps = vec![vec![false; n]; n];
    // instants come after everything they depend on
    for i in 0..n {
        let parents: Vec<usize> = match &cfg.instants[i].kind {
            InstantKind::Arrival => Vec::new(),
            InstantKind::Delay { after, .. } => vec![*after],
            InstantKind::Deadline {
                stamp, not_before, ..
            } => std::iter::once(*stamp).chain(*not_before).collect(),
            InstantKind::Polled { poller } => vec![cfg.pollers[*poller].selects],
        };
        for p in parents {
            let inherited = deps[p].clone();
            for (d, via) in deps[i].iter_mut().zip(inherited) {
                *d |= via;
            }
            deps[i][p] = true;
        }
    }
    deps
}

/// Why instant `i` cannot be integrated as a polled side, if it cannot (or
/// `Err(None)` when no poller creates it).
fn polled(cfg: &RaceConfig, i: usize) -> Result<usize, Option<String>> {
    let InstantKind::Polled { poller } = cfg.instants[i].kind else {
        return Err(None);
    };
    let p = &cfg.pollers[poller];
    if p.jitter.as_constant() != Some(SimDuration::ZERO) {
        return Err(Some(format!(
            "poller `{}` jitters (the phase is integrated for periodic polls only)",
            p.name
        )));
    }
    if p.batch_limit != 0 {
        return Err(Some(format!(
            "poller `{}` has a batch limit (a poll's batch depends on other items)",
            p.name
        )));
    }
    Ok(poller)
}

/// The last delay of instant `i`, if it is a random one.
fn delay(cfg: &RaceConfig, i: usize) -> Option<Side> {
    match &cfg.instants[i].kind {
        InstantKind::Delay { after, delay } if delay.as_constant().is_none() => Some(Side::Delay {
            instant: i,
            after: *after,
        }),
        _ => None,
    }
}

/// How each failure of `cfg` is scored, in the failures' order.
pub fn plans(cfg: &RaceConfig) -> Vec<Plan> {
    let deps = dependencies(cfg);
    cfg.failures
        .iter()
        .map(|f| match f.kind {
            FailureKind::Read { .. } => {
                Plan::Sampled("a clock reading (the clocks are simulated, not integrated)".into())
            }
            FailureKind::Order { first, before } => plan(cfg, &deps, first, before),
        })
        .collect()
}

fn plan(cfg: &RaceConfig, deps: &[Vec<bool>], a: usize, b: usize) -> Plan {
    let (a_on_b, b_on_a) = (deps[a][b], deps[b][a]);
    let mut why = Vec::new();
    match polled(cfg, a) {
        Ok(poller) if !b_on_a => {
            let before = delay(cfg, b).filter(|_| !a_on_b).unwrap_or(Side::Known(b));
            return Plan::Integrated {
                first: Side::Polled { poller },
                before,
            };
        }
        Err(Some(w)) => why.push(w),
        _ => {}
    }
    match polled(cfg, b) {
        Ok(poller) if !a_on_b => {
            let first = delay(cfg, a).filter(|_| !b_on_a).unwrap_or(Side::Known(a));
            return Plan::Integrated {
                first,
                before: Side::Polled { poller },
            };
        }
        Err(Some(w)) => why.push(w),
        _ => {}
    }
    if let Some(before) = delay(cfg, b).filter(|_| !a_on_b) {
        return Plan::Integrated {
            first: Side::Known(a),
            before,
        };
    }
    if let Some(first) = delay(cfg, a).filter(|_| !b_on_a) {
        return Plan::Integrated {
            first,
            before: Side::Known(b),
        };
    }
    why.push(format!(
        "neither `{}` nor `{}` is a poller's instant or a random delay the other side does not depend on",
        cfg.instants[a].name, cfg.instants[b].name
    ));
    Plan::Sampled(why.join("; "))
}

/// Nanoseconds to seconds.
fn secs(ns: i64) -> f64 {
    ns as f64 * 1e-9
}

/// The conditional estimator's state in one replication.
pub(super) struct Integrator<'a> {
    cfg: &'a RaceConfig,
    plans: Vec<Plan>,
    /// Per failure: the kernel of a polled side against a last delay.
    kernels: Vec<Option<Kernel<'a>>>,
    /// Per poller: a copy of its host's clock (the same path as the
    /// simulation's), for the eligibility walk.
    clocks: Vec<Clock>,
    ideal: Clock,
    buf: Vec<(i64, i64)>,
    end: i64,
    /// Per failure, per twin: the sum of the items' probabilities.
    sums: Vec<[Sum; 2]>,
    /// Values of single windows already seen: (failure, window, what the
    /// created instant races, in bits; against a delay).
    seen: HashMap<(usize, i64, i64, u64, bool), f64>,
}

/// Entries kept in the cache before it is cleared.
const CACHE: usize = 4096;

impl<'a> Integrator<'a> {
    /// For one replication of `cfg` on `streams`.
    pub(super) fn new(cfg: &'a RaceConfig, streams: &Streams) -> Self {
        let plans = plans(cfg);
        let kernels = plans
            .iter()
            .map(|p| {
                let (poller, other) = match *p {
                    Plan::Integrated {
                        first: Side::Polled { poller },
                        before: Side::Delay { instant, .. },
                    }
                    | Plan::Integrated {
                        first: Side::Delay { instant, .. },
                        before: Side::Polled { poller },
                    } => (poller, instant),
                    _ => return None,
                };
                let InstantKind::Delay { delay, .. } = &cfg.instants[other].kind else {
                    return None;
                };
                let p = &cfg.pollers[poller];
                Some(Kernel::new(
                    &delay.0,
                    &p.delay.0,
                    p.every.as_secs_f64(),
                    0.0,
                ))
            })
            .collect();
        let clocks = cfg
            .pollers
            .iter()
            .map(|p| Clock::of_host(&cfg.clocks[p.host], streams, &cfg.hosts[p.host]))
            .collect();
        Integrator {
            cfg,
            sums: vec![[Sum::default(); 2]; plans.len()],
            plans,
            kernels,
            clocks,
            ideal: Clock::ideal(),
            buf: Vec::new(),
            end: cfg.end().as_nanos(),
            seen: HashMap::new(),
        }
    }

    /// Adds item `row`'s contribution to failure `k` in twin `w` (its
    /// probability, or `fails` where it falls back) and returns it.
    pub(super) fn add(&mut self, k: usize, w: usize, row: &Row<'_>, fails: bool) -> f64 {
        let x = match self.plans[k].clone() {
            Plan::Integrated { first, before } => self.probability(k, w, row, first, before),
            Plan::Sampled(_) => None,
        }
        .unwrap_or(if fails { 1.0 } else { 0.0 });
        self.sums[k][w].add(x);
        x
    }

    /// The sum of failure `k`'s contributions in twin `w`.
    pub(super) fn total(&self, k: usize, w: usize) -> f64 {
        self.sums[k][w].total()
    }

    /// Walks poller `poller`'s eligibility for the item in twin `w`: fills
    /// the windows of its first poll (nanoseconds after the selecting
    /// instant) and returns the end of the last one. `None` when the walk
    /// hit its scan limit (see the module docs).
    fn walk(&mut self, poller: usize, w: usize, row: &Row<'_>) -> Option<i64> {
        let p = &self.cfg.pollers[poller];
        let ts = row.t(w, p.selects);
        let stamp = row.stamp(w, p.selects);
        let reading = SimTime::from_nanos(stamp.saturating_add(p.older_than.as_nanos()));
        let clock = if w == 0 {
            &mut self.clocks[poller]
        } else {
            &mut self.ideal
        };
        let every = p.every.as_nanos();
        windows(
            clock,
            SimTime::from_nanos(ts),
            reading,
            every,
            &mut self.buf,
        );
        let last = self.buf.iter().map(|&(_, b)| b).max()?;
        (last <= SCAN_LIMIT.as_nanos()).then_some(last)
    }

    /// True when the run's end may matter to a polled side against a
    /// delay: both the created instant and the delayed one can fall past
    /// the end, with a chance (at most the smaller of their survival
    /// functions there) above 1e-15 of the probability `p` found without
    /// the end.
    fn end_matters(&self, poller: usize, ts: i64, last: i64, l: &Dist, tq: i64, p: f64) -> bool {
        let d = &self.cfg.pollers[poller].delay.0;
        let past = d
            .survival(secs(self.end - ts - last))
            .min(l.survival(secs(self.end - tq)));
        past > 1e-15 * p
    }

    /// After [`Self::walk`]: the chance that the created instant comes
    /// before `against`, `Σ_i ∫_{c-b_i}^{c-a_i} F_D / P` for a time `c`
    /// seconds after the selecting instant, `Σ_i kernel.band(a_i + δ, b_i + δ) / P`
    /// for a random delay after a parent `δ` seconds before it.
    fn created_before(
        &mut self,
        k: usize,
        poller: usize,
        against: Against,
        kernel: Option<Kernel<'_>>,
    ) -> f64 {
        // with clocks that do not move every item has the same window: the
        // value of one window is kept (the cache changes no number)
        let key = match (self.buf.as_slice(), against) {
            (&[(a, b)], Against::Time { c }) => Some((k, a, b, c.to_bits(), false)),
            (&[(a, b)], Against::Delay { delta }) => Some((k, a, b, delta.to_bits(), true)),
            _ => None,
        };
        if let Some(v) = key.and_then(|key| self.seen.get(&key)) {
            return *v;
        }
        let p = &self.cfg.pollers[poller];
        let sum: f64 = match (against, kernel) {
            (Against::Delay { delta }, Some(k)) => self
                .buf
                .iter()
                .map(|&(a, b)| k.band(secs(a) + delta, secs(b) + delta))
                .sum(),
            (Against::Time { c }, _) => self
                .buf
                .iter()
                .map(|&(a, b)| p.delay.0.band_below(c - secs(b), c - secs(a)))
                .sum(),
            (Against::Delay { .. }, None) => {
                unreachable!("a polled side against a delay has its kernel")
            }
        };
        let v = (sum / secs(p.every.as_nanos())).clamp(0.0, 1.0);
        if let Some(key) = key {
            if self.seen.len() >= CACHE {
                self.seen.clear();
            }
            self.seen.insert(key, v);
        }
        v
    }

    fn probability(
        &mut self,
        k: usize,
        w: usize,
        row: &Row<'_>,
        first: Side,
        before: Side,
    ) -> Option<f64> {
        let cfg = self.cfg;
        let end = self.end;
        let kernel = self.kernels[k];
        let dist = |i: usize| -> &'a Dist {
            match &cfg.instants[i].kind {
                InstantKind::Delay { delay, .. } => &delay.0,
                _ => unreachable!("an integrated delay is a delay"),
            }
        };
        let selects = |poller: usize| cfg.pollers[poller].selects;
        match (first, before) {
            (Side::Polled { poller }, other) => {
                let ts = row.t(w, selects(poller));
                if ts == NEVER {
                    // never selected: the created instant never happens
                    return Some(0.0);
                }
                let last = self.walk(poller, w, row)?;
                // against an instant that never happens: fails iff the
                // created one happens, by the end of the run
                let by_end = Against::Time { c: secs(end - ts) };
                match other {
                    // b happens: created before it is created by the end
                    Side::Known(j) => Some(match row.t(w, j) {
                        NEVER => self.created_before(k, poller, by_end, kernel),
                        tb => self.created_before(
                            k,
                            poller,
                            Against::Time { c: secs(tb - ts) },
                            kernel,
                        ),
                    }),
                    Side::Delay { instant, after } => {
                        let tq = row.t(w, after);
                        if tq == NEVER {
                            return Some(self.created_before(k, poller, by_end, kernel));
                        }
                        let against = Against::Delay {
                            delta: secs(ts - tq),
                        };
                        let p = self.created_before(k, poller, against, kernel);
                        (!self.end_matters(poller, ts, last, dist(instant), tq, p)).then_some(p)
                    }
                    Side::Polled { .. } => unreachable!("one polled side per failure"),
                }
            }
            (other, Side::Polled { poller }) => {
                let ts = row.t(w, selects(poller));
                match other {
                    Side::Known(i) => {
                        let ta = row.t(w, i);
                        if ta == NEVER {
                            return Some(0.0);
                        }
                        if ts == NEVER {
                            return Some(1.0);
                        }
                        self.walk(poller, w, row)?;
                        // a happens: it fails unless the created instant
                        // comes first (one that never happens does not)
                        let c = secs(ta - ts);
                        Some(1.0 - self.created_before(k, poller, Against::Time { c }, kernel))
                    }
                    Side::Delay { instant, after } => {
                        let tq = row.t(w, after);
                        if tq == NEVER {
                            return Some(0.0);
                        }
                        let l = dist(instant);
                        if ts == NEVER {
                            // fails iff the delayed instant happens at all
                            return Some(l.cdf(secs(end - tq)));
                        }
                        let last = self.walk(poller, w, row)?;
                        let against = Against::Delay {
                            delta: secs(ts - tq),
                        };
                        let p = 1.0 - self.created_before(k, poller, against, kernel);
                        (!self.end_matters(poller, ts, last, l, tq, p)).then_some(p)
                    }
                    Side::Polled { .. } => unreachable!("one polled side per failure"),
                }
            }
            (Side::Known(i), Side::Delay { instant, after }) => {
                let ta = row.t(w, i);
                if ta == NEVER {
                    return Some(0.0);
                }
                let tq = row.t(w, after);
                if tq == NEVER {
                    return Some(1.0);
                }
                Some(dist(instant).survival(secs(ta - tq)))
            }
            (Side::Delay { instant, after }, Side::Known(j)) => {
                let tq = row.t(w, after);
                if tq == NEVER {
                    return Some(0.0);
                }
                let tb = row.t(w, j);
                let l = dist(instant);
                Some(if tb == NEVER {
                    // fails iff it happens at all
                    l.cdf(secs(end - tq))
                } else if l.is_discrete() {
                    // strictly before: not the atom at the boundary
                    l.cdf(secs(tb - tq) - HALF_NS)
                } else {
                    l.cdf(secs(tb - tq))
                })
            }
            _ => None,
        }
    }
}

/// What a polled side is compared with.
#[derive(Debug, Clone, Copy)]
enum Against {
    /// `c` seconds after the selecting instant.
    Time { c: f64 },
    /// A random delay after a parent `delta` seconds before the selecting
    /// instant.
    Delay { delta: f64 },
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::race::Race;
    use crate::scenario::{self, Source};

    fn plans_of(file: &str) -> (RaceConfig, Vec<Plan>) {
        let text = std::fs::read_to_string(format!("scenarios/{file}")).unwrap();
        let sc = scenario::load(&Source::from_text(file, &text), &[]).expect("valid scenario");
        let cfg = Race::config_of(&*sc.model).expect("a race").clone();
        let p = plans(&cfg);
        (cfg, p)
    }

    #[test]
    fn the_shipped_races_integrate_what_their_structure_allows() {
        let (cfg, p) = plans_of("race-checkout.toml");
        let read = cfg.instant("read").unwrap();
        let paid = cfg.instant("paid").unwrap();
        assert_eq!(
            p,
            [Plan::Integrated {
                first: Side::Polled { poller: 0 },
                before: Side::Delay {
                    instant: read,
                    after: paid
                },
            }]
        );
        // a deadline against a last delay
        let (cfg, p) = plans_of("queue-redelivery.toml");
        let acked = cfg.instant("acked").unwrap();
        assert_eq!(
            p,
            [Plan::Integrated {
                first: Side::Known(cfg.instant("visible_again").unwrap()),
                before: Side::Delay {
                    instant: acked,
                    after: cfg.instant("delivered").unwrap()
                },
            }]
        );
        // two deadlines: nothing to integrate
        let (_, p) = plans_of("lease-double-holder.toml");
        assert!(matches!(&p[0], Plan::Sampled(w) if w.contains("neither")));
        // a clock reading falls back, the poller's race does not
        let (_, p) = plans_of("three-frontends.toml");
        assert!(matches!(p[0], Plan::Integrated { .. }));
        assert!(matches!(&p[1], Plan::Sampled(w) if w.contains("clock reading")));
    }

    #[test]
    fn a_side_the_other_depends_on_is_not_integrated() {
        // B = A + delay: B depends on A, so A's delay is not integrated,
        // B's is (given A's time)
        let text = r#"
name = "t"
model = "race"
horizon = "1h"
[hosts.a]
[race]
arrivals = { rate = "60/h" }
[[race.instant]]
name = "x"
after = "arrival"
delay = { exponential = { mean = "1s" } }
[[race.instant]]
name = "y"
after = "x"
delay = { exponential = { mean = "1s" } }
[[race.failure]]
name = "f"
first = "y"
before = "x"
[[race.failure]]
name = "g"
first = "x"
before = "y"
"#;
        let sc = scenario::load(&Source::from_text("t.toml", text), &[]).unwrap();
        let cfg = Race::config_of(&*sc.model).unwrap().clone();
        let (x, y) = (cfg.instant("x").unwrap(), cfg.instant("y").unwrap());
        let p = plans(&cfg);
        // "y before x": x is y's ancestor, so only y's delay (first side)
        assert_eq!(
            p[0],
            Plan::Integrated {
                first: Side::Delay {
                    instant: y,
                    after: x
                },
                before: Side::Known(x),
            }
        );
        assert_eq!(
            p[1],
            Plan::Integrated {
                first: Side::Known(x),
                before: Side::Delay {
                    instant: y,
                    after: x
                },
            }
        );
    }
}
