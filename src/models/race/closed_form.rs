//! The race model's back-of-envelope, where a failure's structure has one.
//!
//! **Sums against a constant.** With clocks that only have an offset (no
//! drift, wander, sync or steps), every instant that no poller creates is
//! the arrival plus a sum of its delays and of constant deadline leads: a
//! deadline counting `plus` from a stamp of host S on host H's clock happens
//! `max(0, plus + o_S - o_H)` after the stamping instant (offsets constant
//! for this). A failure then compares such a sum with a constant:
//!
//! - "A before B" fails iff `Z = t_A - t_B < 0`; the delays both paths share
//!   cancel;
//! - "at A, H reads before S + X" fails iff `Z = (t_A + o_H) - (t_S + o_S) - X < 0`
//!   (and "after" iff `-Z < 0`); offsets drawn from a distribution enter as
//!   terms of the sum.
//!
//! With one random term `a X` left, `P(Z < 0)` is `X`'s distribution function
//! (`a > 0`) or survival function (`a < 0`) at `-c / a`, exact in the tail
//! ([`crate::dist::Dist::cdf`], [`crate::dist::Dist::survival`]); with only
//! normal terms, `Z` is normal and `P = Phi(-E[Z] / sd(Z))`. The ideal-clock
//! twin is the same with every offset 0.
//!
//! **A poller against a delay.** "The instant poller P creates, before B",
//! where P selects on instant S (arrival plus one delay, or a constant) and
//! B is S plus one delay: this is the checkout model's race, and its exact
//! stop-loss form applies (see the checkout closed form and
//! `docs/statistics.md`).
//!
//! Otherwise there is no closed form for the structure, and the estimate
//! says why.
//!
//! **The run-out.** Both forms leave out the run-out: in the simulation an
//! instant after `horizon + run_out` counts as never. An item arrives by
//! `horizon`, so none of its instants is cut off unless one of them comes
//! more than `run_out` after its arrival; the simulated rate differs from
//! the form by at most the probability of that, `B`. Each time after the
//! arrival is a constant `c` plus `m` delays, and a sum of `m` terms exceeds
//! `r - c` only if one of them exceeds `(r - c) / m`, so (union bound)
//! `B <= sum over the instants involved of sum over their delays of
//! P(delay > (run_out - c) / m)`. A poller's created instant comes at most
//! `older_than + |skew| + every + jitter + delay` after its selecting
//! instant (skew: the two hosts' constant offsets), so it adds its selecting
//! instant's time and the poll's jitter and delay to the bound, each given
//! a share of the slack. The form is given, with `B` said beside it, when
//! `B` is at most 1e-4 of the rate (or 0); otherwise the run-out matters and
//! there is no closed form (a longer `run_out` makes it negligible).

use super::config::{FailureKind, InstantKind, RaceConfig};
use crate::clock::ClockSpec;
use crate::dist::{Dist, DurationDist};
use crate::model::BackOfEnvelope;
use crate::models::checkout::{self, CheckoutConfig};
use crate::time::SimDuration;

/// A failure's closed form, or why it has none.
#[derive(Debug, Clone, PartialEq)]
pub enum Closed {
    /// The failure's probability per item with the clocks as given and with
    /// ideal clocks, and how it was found.
    Rate {
        /// With the scenario's clocks.
        real: f64,
        /// With every clock ideal.
        ideal: f64,
        /// The formula, in words.
        how: String,
    },
    /// Why not.
    None(String),
}

/// Expected items per replication.
pub fn expected_items(cfg: &RaceConfig) -> f64 {
    let h = cfg.horizon.as_secs_f64();
    match &cfg.arrivals {
        checkout::Arrivals::Poisson { rate, profile } => match profile {
            None => rate * h,
            Some(w) => {
                let full_days = (h / 86_400.0).floor();
                let mut total = full_days * 86_400.0;
                let mut rest = h - full_days * 86_400.0;
                let mut hour = 0;
                while rest > 0.0 && hour < 24 {
                    let span = rest.min(3600.0);
                    total += span * w[hour];
                    rest -= span;
                    hour += 1;
                }
                rate * total
            }
        },
        checkout::Arrivals::Trace { times } => {
            let end = crate::time::SimTime::ZERO + cfg.horizon;
            times.partition_point(|t| *t < end) as f64
        }
    }
}

/// A random term of a sum: an instant's delay or a host's clock offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Term {
    Delay(usize),
    Offset(usize),
}

/// `c + sum(a_i * X_i)`, seconds.
#[derive(Debug, Clone, Default)]
struct Lin {
    c: f64,
    terms: Vec<(Term, f64)>,
}

impl Lin {
    fn add(&mut self, other: &Lin, sign: f64) {
        self.c += sign * other.c;
        for &(t, a) in &other.terms {
            self.term(t, sign * a);
        }
    }
    fn term(&mut self, t: Term, a: f64) {
        match self.terms.iter_mut().find(|(x, _)| *x == t) {
            Some((_, b)) => *b += a,
            None => self.terms.push((t, a)),
        }
        self.terms.retain(|(_, b)| *b != 0.0);
    }
}

/// True when the clock has a (possibly random) offset and nothing else.
fn offset_only(spec: &ClockSpec) -> bool {
    spec.drift_ppm.as_constant() == Some(0.0)
        && spec.wander_ppm == 0.0
        && spec.sync.is_none()
        && spec.steps.iter().all(|&(_, by)| by == SimDuration::ZERO)
}

struct Analysis<'a> {
    cfg: &'a RaceConfig,
    ideal: bool,
}

impl Analysis<'_> {
    fn clock(&self, h: usize) -> Result<(), String> {
        if self.ideal || offset_only(&self.cfg.clocks[h]) {
            Ok(())
        } else {
            Err(format!(
                "host `{}`'s clock drifts, wanders, syncs or steps; the closed form needs clocks with an offset only",
                self.cfg.hosts[h]
            ))
        }
    }
    /// The offset of host `h` as a term (0 with ideal clocks).
    fn offset(&self, h: usize) -> Lin {
        let mut l = Lin::default();
        if self.ideal {
            return l;
        }
        match self.cfg.clocks[h].offset.as_constant() {
            Some(c) => l.c = c.as_secs_f64(),
            None => l.term(Term::Offset(h), 1.0),
        }
        l
    }
    fn single_host(&self, i: usize) -> Result<usize, String> {
        let inst = &self.cfg.instants[i];
        match inst.hosts.as_slice() {
            [h] => Ok(*h),
            _ => Err(format!(
                "instant `{}` happens on one of several hosts",
                inst.name
            )),
        }
    }
    /// Instant `i`'s time after the arrival.
    fn time(&self, i: usize) -> Result<Lin, String> {
        let inst = &self.cfg.instants[i];
        match &inst.kind {
            InstantKind::Arrival => Ok(Lin::default()),
            InstantKind::Delay { after, delay } => {
                let mut l = self.time(*after)?;
                match delay.as_constant() {
                    Some(c) => l.c += c.as_secs_f64(),
                    None => l.term(Term::Delay(i), 1.0),
                }
                Ok(l)
            }
            InstantKind::Deadline {
                host,
                stamp,
                plus,
                not_before,
            } => {
                if not_before.is_some_and(|n| n != *stamp) {
                    return Err(format!("deadline `{}` has `not_before`", inst.name));
                }
                let s_host = self.single_host(*stamp)?;
                self.clock(*host)?;
                self.clock(s_host)?;
                let mut lead = self.offset(s_host);
                lead.add(&self.offset(*host), -1.0);
                if !lead.terms.is_empty() {
                    return Err(format!(
                        "deadline `{}` counts on clocks whose offsets are drawn from distributions",
                        inst.name
                    ));
                }
                let mut l = self.time(*stamp)?;
                l.c += (plus.as_secs_f64() + lead.c).max(0.0);
                Ok(l)
            }
            InstantKind::Polled { poller } => Err(format!(
                "instant `{}` is created by poller `{}`",
                inst.name, self.cfg.pollers[*poller].name
            )),
        }
    }
    /// `Z` of failure `k`: it fails iff `Z < 0`.
    fn z(&self, k: usize) -> Result<Lin, String> {
        match self.cfg.failures[k].kind {
            FailureKind::Order { first, before } => {
                let mut z = self.time(first)?;
                z.add(&self.time(before)?, -1.0);
                Ok(z)
            }
            FailureKind::Read {
                at,
                clock,
                after,
                stamp,
                plus,
            } => {
                let h = match clock {
                    Some(h) => h,
                    None => self.single_host(at)?,
                };
                let hs = self.single_host(stamp)?;
                self.clock(h)?;
                self.clock(hs)?;
                let mut z = self.time(at)?;
                z.add(&self.offset(h), 1.0);
                z.add(&self.time(stamp)?, -1.0);
                z.add(&self.offset(hs), -1.0);
                z.c -= plus.as_secs_f64();
                if after {
                    let mut neg = Lin::default();
                    neg.add(&z, -1.0);
                    z = neg;
                }
                Ok(z)
            }
        }
    }
    fn dist(&self, t: Term) -> &Dist {
        match t {
            Term::Delay(i) => match &self.cfg.instants[i].kind {
                InstantKind::Delay { delay, .. } => &delay.0,
                _ => unreachable!("a delay term is a delayed instant's"),
            },
            Term::Offset(h) => &self.cfg.clocks[h].offset.0,
        }
    }
    /// A bound on `P(T > r)` for a time `T` after the arrival made of a
    /// constant and delays (a union bound over the delays: a sum of `m`
    /// terms above `r - c` has one above `(r - c) / m`); 1 when nothing
    /// better is known.
    fn tail_bound(&self, t: &Lin, r: f64) -> f64 {
        let slack = r - t.c;
        if t.terms.is_empty() {
            return f64::from(slack < 0.0);
        }
        if slack <= 0.0 {
            return 1.0;
        }
        let m = t.terms.len() as f64;
        t.terms
            .iter()
            .map(|&(term, a)| match term {
                Term::Delay(_) if a == 1.0 => self.dist(term).survival(slack / m),
                _ => 1.0,
            })
            .sum::<f64>()
            .min(1.0)
    }
    /// `P(Z < 0)`.
    fn below_zero(&self, z: &Lin) -> Result<(f64, String), String> {
        match z.terms.as_slice() {
            [] => Ok((
                if z.c < 0.0 { 1.0 } else { 0.0 },
                "every time involved is constant".into(),
            )),
            [(t, a)] => {
                let d = self.dist(*t);
                if d.is_discrete() {
                    return Err("the one random time is discrete".into());
                }
                let x = -z.c / a;
                Ok(if *a > 0.0 {
                    (
                        d.cdf(x),
                        format!(
                            "P({} < {x:.6} s), its distribution function",
                            name(self.cfg, *t)
                        ),
                    )
                } else {
                    (
                        d.survival(x),
                        format!(
                            "P({} > {x:.6} s), its survival function",
                            name(self.cfg, *t)
                        ),
                    )
                })
            }
            terms => {
                let mut mean = z.c;
                let mut var = 0.0;
                for (t, a) in terms {
                    match self.dist(*t) {
                        Dist::Normal(n) => {
                            mean += a * n.mean();
                            var += a * a * n.sd() * n.sd();
                        }
                        _ => {
                            return Err(format!(
                                "the failure compares a sum of {} random times, not all normal",
                                terms.len()
                            ));
                        }
                    }
                }
                let sd = var.sqrt();
                let p = Dist::normal(mean, sd).map_err(|e| e.to_string())?.cdf(0.0);
                Ok((
                    p,
                    format!("a sum of normal times: Phi(-{mean:.6} / {sd:.6})"),
                ))
            }
        }
    }
}

fn name(cfg: &RaceConfig, t: Term) -> String {
    match t {
        Term::Delay(i) => format!("the delay of `{}`", cfg.instants[i].name),
        Term::Offset(h) => format!("the offset of `{}`", cfg.hosts[h]),
    }
}

/// Failure `k`'s closed form.
pub(super) fn failure(cfg: &RaceConfig, k: usize) -> Closed {
    match sums(cfg, k) {
        Ok(c) => c,
        Err(why) if why.starts_with("the run-out") => {
            Closed::None(format!("no closed form: {why}"))
        }
        Err(why) => poller_race(cfg, k)
            .unwrap_or_else(|| Closed::None(format!("no closed form for this structure: {why}"))),
    }
}

fn sums(cfg: &RaceConfig, k: usize) -> Result<Closed, String> {
    let real = Analysis { cfg, ideal: false };
    let ideal = Analysis { cfg, ideal: true };
    let (p, how) = real.below_zero(&real.z(k)?)?;
    let (p0, _) = ideal.below_zero(&ideal.z(k)?)?;
    let involved = match cfg.failures[k].kind {
        FailureKind::Order { first, before } => [first, before],
        FailureKind::Read { at, stamp, .. } => [at, stamp],
    };
    let r = cfg.run_out.as_secs_f64();
    let mut bound = 0.0;
    for a in [&real, &ideal] {
        let mut b = 0.0;
        for &i in &involved {
            b += a.tail_bound(&a.time(i)?, r);
        }
        bound = f64::max(bound, b);
    }
    with_run_out(cfg, p, p0, how, bound)
}

/// The closed form `p` (`p0` with ideal clocks) with the run-out's bound
/// `bound` said beside it, or no closed form when the run-out matters.
fn with_run_out(
    cfg: &RaceConfig,
    p: f64,
    p0: f64,
    how: String,
    bound: f64,
) -> Result<Closed, String> {
    let bound = bound.min(1.0);
    if bound > 0.0 && bound > 1e-4 * p.max(p0) {
        return Err(format!(
            "the run-out (run_out = {}) may cut off the instants of up to {bound:.3e} of the items, not small beside the rate {p:.3e}: the closed form leaves it out (a longer run_out makes it negligible)",
            cfg.run_out
        ));
    }
    let note = if bound > 0.0 {
        format!(
            "; the run-out (run_out = {}) is left out: it changes the rate by at most {bound:.3e}",
            cfg.run_out
        )
    } else {
        format!("; the run-out (run_out = {}) cuts nothing off", cfg.run_out)
    };
    Ok(Closed::Rate {
        real: p,
        ideal: p0,
        how: how + &note,
    })
}

/// `c` alone, or one delay alone: the checkout model's latency.
fn latency(a: &Analysis<'_>, l: &Lin) -> Option<DurationDist> {
    match l.terms.as_slice() {
        [] => Some(DurationDist::constant(SimDuration::from_secs_f64(l.c))),
        [(t, c)] if *c == 1.0 && l.c == 0.0 => match t {
            Term::Delay(_) => Some(DurationDist(a.dist(*t).clone())),
            Term::Offset(_) => None,
        },
        _ => None,
    }
}

/// "Created by a poller, before B": the checkout model's closed form.
fn poller_race(cfg: &RaceConfig, k: usize) -> Option<Closed> {
    let FailureKind::Order { first, before } = cfg.failures[k].kind else {
        return None;
    };
    let InstantKind::Polled { poller } = cfg.instants[first].kind else {
        return None;
    };
    let p = &cfg.pollers[poller];
    let a = Analysis { cfg, ideal: true };
    let s = p.selects;
    let stamp = a.single_host(s).ok()?;
    let to_s = a.time(s).ok()?;
    let mut s_to_b = a.time(before).ok()?;
    s_to_b.add(&to_s, -1.0);
    let co = CheckoutConfig {
        hosts: cfg.hosts.clone(),
        clocks: cfg.clocks.clone(),
        stamp,
        transfer: p.host,
        arrivals: cfg.arrivals.clone(),
        payment_latency: latency(&a, &to_s)?,
        redirect_latency: latency(&a, &s_to_b)?,
        retries: 0,
        retry_delay: DurationDist::constant(SimDuration::ZERO),
        poll_interval: p.every,
        poll_jitter: p.jitter.clone(),
        grace: p.older_than,
        move_delay: p.delay.clone(),
        batch_limit: p.batch_limit,
        horizon: cfg.horizon,
    };
    // the run-out: the created instant comes at most older_than + |skew| +
    // every + jitter + delay after S; half the slack left goes to S's time,
    // a quarter each to the poll's jitter and delay
    let r = cfg.run_out.as_secs_f64();
    let skew = match (
        cfg.clocks[stamp].offset.as_constant(),
        cfg.clocks[p.host].offset.as_constant(),
    ) {
        (Some(a), Some(b))
            if offset_only(&cfg.clocks[stamp]) && offset_only(&cfg.clocks[p.host]) =>
        {
            (a.as_secs_f64() - b.as_secs_f64()).abs()
        }
        _ => f64::INFINITY,
    };
    let slack = r - p.older_than.as_secs_f64() - skew - p.every.as_secs_f64();
    let bound = if slack > 0.0 {
        let mut to_b = s_to_b.clone();
        to_b.add(&to_s, 1.0);
        a.tail_bound(&to_s, slack / 2.0)
            + p.jitter.0.survival(slack / 4.0)
            + p.delay.0.survival(slack / 4.0)
            + a.tail_bound(&to_b, r)
    } else {
        1.0
    };
    Some(match checkout::closed_form(&co) {
        Ok(e) => match with_run_out(
            cfg,
            e.error_rate,
            e.error_rate_ideal,
            "a poller against a delay: P(fail | wait w) = E_D[C_L(w + D) - C_L(w + D + P)] / P, w = max(0, older_than - skew), C_L the stop-loss transform of the delay L from the stamp to B (the checkout model's exact form)".into(),
            bound,
        ) {
            Ok(c) => c,
            Err(why) => Closed::None(format!("no closed form: {why}")),
        },
        Err(why) => Closed::None(format!("no closed form for this structure: {why}")),
    })
}

/// The back-of-envelope, as `racesim estimate` prints it.
pub fn back_of_envelope(cfg: &RaceConfig) -> BackOfEnvelope {
    let mut r = BackOfEnvelope::default();
    let items = expected_items(cfg);
    r.figures
        .push(("items".into(), items, "per replication".into()));
    let mut any = false;
    for (k, f) in cfg.failures.iter().enumerate() {
        match failure(cfg, k) {
            Closed::Rate { real, ideal, how } => {
                any = true;
                r.figures
                    .push((format!("{}_rate", f.name), real, String::new()));
                r.figures
                    .push((format!("{}_skew_rate", f.name), real - ideal, String::new()));
                r.notes.push(format!("{}: {how}", f.name));
            }
            Closed::None(why) => r.notes.push(format!("{}: {why}", f.name)),
        }
    }
    if !any {
        r.not_applicable = Some("no failure of this race has a closed form".into());
    }
    r
}
