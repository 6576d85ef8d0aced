//! The validated race configuration ([`RaceConfig`]), built from the raw
//! `[race]` section ([`super::raw`]) against the scenario's hosts and
//! horizon: names resolved (an unknown one gets the closest valid name),
//! instants put in an order where each comes after everything it depends on
//! (a cycle is refused and spelt out), and every value checked.

use std::collections::BTreeMap;
use std::path::Path;

use toml::Spanned;

use super::raw::{RawDeadline, RawFailure, RawHosts, RawInstant, RawPoller, RawRace};
use crate::clock::ClockSpec;
use crate::dist::{DurationDist, RawDist};
use crate::field::FieldError;
use crate::models::checkout::{Arrivals, parse_arrivals};
use crate::time::{MAX_HORIZON, MIN_PERIOD, SimDuration, SimTime};
use crate::units::DurationValue;

/// The name of the item's arrival, instant 0 of every item.
pub(super) const ARRIVAL_NAME: &str = "arrival";
/// The index of the arrival among the instants.
pub(super) const ARRIVAL: usize = 0;
/// The metric that counts items (a failure may not take its name).
pub(super) const ITEMS: &str = "items";
/// The run-out when `run_out` is not given.
pub(super) const DEFAULT_RUN_OUT: SimDuration = SimDuration::from_hours(24);

/// How an instant's true time is found.
#[derive(Debug, Clone)]
pub enum InstantKind {
    /// The item's arrival.
    Arrival,
    /// A random delay after another instant.
    Delay {
        /// The instant it follows.
        after: usize,
        /// The delay.
        delay: DurationDist,
    },
    /// When `host`'s clock first reads the stamp of `stamp` plus `plus`, at
    /// or after the stamping instant (and `not_before`).
    Deadline {
        /// Whose clock.
        host: usize,
        /// The stamped instant.
        stamp: usize,
        /// Added to the stamp.
        plus: SimDuration,
        /// Not before this instant.
        not_before: Option<usize>,
    },
    /// Created by a poller when it selects the item.
    Polled {
        /// The poller.
        poller: usize,
    },
}

/// One named instant of every item.
#[derive(Debug, Clone)]
pub struct Instant {
    /// Its name.
    pub name: String,
    /// How its time is found.
    pub kind: InstantKind,
    /// Where it happens: one host, several (one chosen uniformly per item),
    /// or none (the arrival, an instant without `host`).
    pub hosts: Vec<usize>,
    /// It records its host's clock reading.
    pub stamp: bool,
    /// It depends on a poller (its time is known only when a poll selects
    /// the item).
    pub polled: bool,
}

/// A periodic actor that selects items by the age of a stamp on its clock.
#[derive(Debug, Clone)]
pub struct Poller {
    /// Its name.
    pub name: String,
    /// Whose clock decides.
    pub host: usize,
    /// Time between polls.
    pub every: SimDuration,
    /// Per-poll jitter.
    pub jitter: DurationDist,
    /// Per-poll delay from selection to the created instant.
    pub delay: DurationDist,
    /// Items per poll (0 = no limit).
    pub batch_limit: u32,
    /// The stamped instant an item must have passed.
    pub selects: usize,
    /// Its stamp must be at most the poller's reading minus this.
    pub older_than: SimDuration,
    /// The instant it creates.
    pub creates: usize,
}

/// What makes an item fail.
#[derive(Debug, Clone)]
pub enum FailureKind {
    /// `first` happens strictly before `before` (or `before` never does).
    Order {
        /// The instant that must not come first.
        first: usize,
        /// The instant it races.
        before: usize,
    },
    /// At `at`, a clock reads earlier (`after` false) or later than the
    /// stamp of `stamp` plus `plus`.
    Read {
        /// The instant of the reading.
        at: usize,
        /// Whose clock (`None`: the instant's host for the item).
        clock: Option<usize>,
        /// True for `reads_after`.
        after: bool,
        /// The stamped instant.
        stamp: usize,
        /// Added to the stamp.
        plus: SimDuration,
    },
}

/// A named failure.
#[derive(Debug, Clone)]
pub struct Failure {
    /// Its name.
    pub name: String,
    /// Its condition.
    pub kind: FailureKind,
}

/// A validated race scenario.
#[derive(Debug, Clone)]
pub struct RaceConfig {
    /// The hosts named by the race, in order of first mention.
    pub hosts: Vec<String>,
    /// Their clocks.
    pub clocks: Vec<ClockSpec>,
    /// How items arrive.
    pub arrivals: Arrivals,
    /// The instants, arrival first, each after everything it depends on.
    pub instants: Vec<Instant>,
    /// The pollers.
    pub pollers: Vec<Poller>,
    /// The failures, in the file's order.
    pub failures: Vec<Failure>,
    /// Items arriving before it are counted.
    pub horizon: SimDuration,
    /// Instants later than `horizon + run_out` count as never.
    pub run_out: SimDuration,
}

impl RaceConfig {
    /// The last true instant anything may happen at.
    pub fn end(&self) -> SimTime {
        SimTime::ZERO + self.horizon + self.run_out
    }
    /// The index of the instant named `name`.
    pub fn instant(&self, name: &str) -> Option<usize> {
        self.instants.iter().position(|i| i.name == name)
    }
}

fn is_identifier(s: &str) -> bool {
    let mut c = s.chars();
    c.next().is_some_and(|f| f.is_ascii_lowercase())
        && c.all(|x| x.is_ascii_lowercase() || x.is_ascii_digit() || x == '_')
}

fn identifier(name: &Spanned<String>, what: &str) -> Result<(), FieldError> {
    if !is_identifier(name.get_ref()) {
        return Err(FieldError::at(
            name,
            format!(
                "{what} name `{}` is not an identifier: a lowercase letter, then lowercase letters, digits or `_`",
                name.get_ref()
            ),
        ));
    }
    Ok(())
}

/// A non-negative duration distribution.
fn nonneg(
    s: &Spanned<RawDist<DurationValue>>,
    base: &Path,
    what: &str,
) -> Result<DurationDist, FieldError> {
    let d = s
        .get_ref()
        .build_duration(base)
        .map_err(|e| FieldError::at(s, e.to_string()))?;
    if d.can_be_negative() {
        return Err(FieldError::at(
            s,
            format!(
                "{what} must be non-negative, but this distribution can go below zero; use a lognormal, gamma, exponential or a uniform with low >= 0"
            ),
        ));
    }
    let beyond = d.0.survival(MAX_HORIZON.as_secs_f64());
    if beyond.is_nan() || beyond >= 0.5 {
        return Err(FieldError::at(
            s,
            format!(
                "{what}: half of this distribution's values are beyond {MAX_HORIZON} (100 years), the longest time racesim holds; check its parameters"
            ),
        ));
    }
    Ok(d)
}

fn optional_nonneg(
    s: &Option<Spanned<RawDist<DurationValue>>>,
    base: &Path,
    what: &str,
) -> Result<DurationDist, FieldError> {
    match s {
        None => Ok(DurationDist::constant(SimDuration::ZERO)),
        Some(s) => nonneg(s, base, what),
    }
}

/// Names resolved to indices, with suggestions.
struct Names<'a> {
    /// Declared instant names in declaration order (arrival first).
    instants: Vec<String>,
    hosts: &'a BTreeMap<String, ClockSpec>,
    used_hosts: Vec<String>,
}

impl Names<'_> {
    fn instant(&self, name: &Spanned<String>) -> Result<usize, FieldError> {
        let n = name.get_ref();
        if let Some(i) = self.instants.iter().position(|x| x == n) {
            return Ok(i);
        }
        let known: Vec<&str> = self.instants.iter().map(String::as_str).collect();
        let hint = crate::suggest::hint(n, &known, |k| {
            format!("; the instants are: {}", k.join(", "))
        });
        Err(FieldError::at(name, format!("unknown instant `{n}`{hint}")))
    }

    fn host_named(&mut self, n: &str) -> Result<usize, String> {
        if !self.hosts.contains_key(n) {
            let known: Vec<&str> = self.hosts.keys().map(String::as_str).collect();
            let hint = crate::suggest::hint(n, &known, |known| {
                if known.is_empty() {
                    format!("; declare it with a [hosts.{n}] table")
                } else {
                    format!("; the hosts are: {}", known.join(", "))
                }
            });
            return Err(format!("unknown host `{n}`{hint}"));
        }
        Ok(match self.used_hosts.iter().position(|x| x == n) {
            Some(i) => i,
            None => {
                self.used_hosts.push(n.to_string());
                self.used_hosts.len() - 1
            }
        })
    }

    fn host(&mut self, name: &Spanned<String>) -> Result<usize, FieldError> {
        self.host_named(name.get_ref())
            .map_err(|m| FieldError::at(name, m))
    }
}

/// An instant's dependencies and where each is written (for a cycle).
type Deps = Vec<(usize, std::ops::Range<usize>)>;

impl RaceConfig {
    /// Validates `[race]` against the hosts and horizon.
    pub fn from_raw(
        raw: &Spanned<RawRace>,
        hosts: &BTreeMap<String, ClockSpec>,
        horizon: SimDuration,
        base: &Path,
    ) -> Result<Self, FieldError> {
        let r = raw.get_ref();
        let arrivals = parse_arrivals(&r.arrivals, base, horizon)?;
        let run_out = match &r.run_out {
            None => DEFAULT_RUN_OUT,
            Some(s) => {
                let d = s.get_ref().0;
                if d.is_negative() {
                    return Err(FieldError::at(s, "run_out must be a duration >= 0"));
                }
                if d > MAX_HORIZON {
                    return Err(FieldError::at(
                        s,
                        format!(
                            "run_out {d} is beyond {MAX_HORIZON}, the longest time racesim holds"
                        ),
                    ));
                }
                d
            }
        };
        let raw_instants: &[Spanned<RawInstant>] = r.instant.as_deref().unwrap_or(&[]);
        let raw_pollers: &[Spanned<RawPoller>] = r.poller.as_deref().unwrap_or(&[]);
        let raw_failures: &[Spanned<RawFailure>] = r.failure.as_deref().unwrap_or(&[]);
        if raw_failures.is_empty() {
            return Err(FieldError::at(
                raw,
                "a race needs at least one [[race.failure]]: what makes an item fail",
            ));
        }

        // every instant name: the arrival, the declared ones, the pollers' ones
        let mut names = Names {
            instants: vec![ARRIVAL_NAME.to_string()],
            hosts,
            used_hosts: Vec::new(),
        };
        let declare = |name: &Spanned<String>, names: &mut Names| -> Result<(), FieldError> {
            identifier(name, "an instant")?;
            let n = name.get_ref();
            if n == ARRIVAL_NAME {
                return Err(FieldError::at(
                    name,
                    "`arrival` is reserved: it names every item's arrival (write `after = \"arrival\"` to follow it)",
                ));
            }
            if names.instants.contains(n) {
                return Err(FieldError::at(
                    name,
                    format!(
                        "instant `{n}` is declared twice (instant names, and the instants pollers create, are unique)"
                    ),
                ));
            }
            names.instants.push(n.clone());
            Ok(())
        };
        for i in raw_instants {
            declare(&i.get_ref().name, &mut names)?;
        }
        for p in raw_pollers {
            declare(&p.get_ref().creates, &mut names)?;
        }

        // instants in declaration order, with their dependencies
        let mut built: Vec<(Instant, Deps)> = vec![(
            Instant {
                name: ARRIVAL_NAME.into(),
                kind: InstantKind::Arrival,
                hosts: Vec::new(),
                stamp: false,
                polled: false,
            },
            Vec::new(),
        )];
        for s in raw_instants {
            built.push(instant(s, &mut names, base)?);
        }
        let mut pollers = Vec::new();
        let mut poller_names: Vec<&str> = Vec::new();
        for (k, s) in raw_pollers.iter().enumerate() {
            let p = s.get_ref();
            identifier(&p.name, "a poller")?;
            if poller_names.contains(&p.name.get_ref().as_str()) {
                return Err(FieldError::at(
                    &p.name,
                    format!("poller `{}` is declared twice", p.name.get_ref()),
                ));
            }
            poller_names.push(p.name.get_ref());
            let (poller, deps) = poller(s, &mut names, base)?;
            built.push((
                Instant {
                    name: p.creates.get_ref().clone(),
                    kind: InstantKind::Polled { poller: k },
                    hosts: vec![poller.host],
                    stamp: false,
                    polled: true,
                },
                deps,
            ));
            pollers.push(poller);
        }

        // an order in which each instant follows its dependencies
        let order = topological(&built, &names.instants)?;
        let mut position = vec![0; built.len()];
        for (pos, &i) in order.iter().enumerate() {
            position[i] = pos;
        }
        let remap = |i: usize| position[i];
        let mut instants: Vec<Instant> = Vec::with_capacity(built.len());
        for &i in &order {
            let mut inst = built[i].0.clone();
            inst.kind = match inst.kind {
                InstantKind::Delay { after, delay } => InstantKind::Delay {
                    after: remap(after),
                    delay,
                },
                InstantKind::Deadline {
                    host,
                    stamp,
                    plus,
                    not_before,
                } => InstantKind::Deadline {
                    host,
                    stamp: remap(stamp),
                    plus,
                    not_before: not_before.map(remap),
                },
                k => k,
            };
            let deps_polled = built[i].1.iter().any(|&(d, _)| instants[remap(d)].polled);
            inst.polled |= deps_polled;
            instants.push(inst);
        }
        for (p, s) in pollers.iter_mut().zip(raw_pollers) {
            p.selects = remap(p.selects);
            p.creates = remap(p.creates);
            let sel = &instants[p.selects];
            if !sel.stamp {
                return Err(FieldError::at(
                    &s.get_ref().selects,
                    format!(
                        "poller `{}` selects on instant `{}`, which does not stamp: add `stamp = true` to it",
                        p.name, sel.name
                    ),
                ));
            }
            if sel.polled {
                return Err(FieldError::at(
                    &s.get_ref().selects,
                    format!(
                        "poller `{}` selects on instant `{}`, which depends on a poller: a poller may only select on instants known when the item arrives",
                        p.name, sel.name
                    ),
                ));
            }
        }
        // the stamps deadlines count from
        for (inst, s) in instants.iter().zip(order.iter().copied()) {
            if let InstantKind::Deadline { stamp, .. } = inst.kind
                && !instants[stamp].stamp
            {
                let raw_inst = &raw_instants[s - 1];
                let dl = raw_inst
                    .get_ref()
                    .deadline
                    .as_ref()
                    .map(|d| &d.get_ref().stamp);
                let msg = format!(
                    "deadline `{}` counts from the stamp of `{}`, which does not stamp: add `stamp = true` to it",
                    inst.name, instants[stamp].name
                );
                return Err(match dl {
                    Some(d) => FieldError::at(d, msg),
                    None => FieldError::at(raw_inst, msg),
                });
            }
        }

        let mut failures = Vec::new();
        let mut metric_names: Vec<String> = vec![ITEMS.to_string()];
        for s in raw_failures {
            let f = failure(s, &mut names, &instants, &remap)?;
            for m in super::metrics::names_of(&f.name) {
                if metric_names.contains(&m) {
                    return Err(FieldError::at(
                        &s.get_ref().name,
                        format!(
                            "failure `{}` would report a metric `{m}`, a name already taken; rename the failure",
                            f.name
                        ),
                    ));
                }
                metric_names.push(m);
            }
            failures.push(f);
        }

        let clocks = names.used_hosts.iter().map(|n| hosts[n].clone()).collect();
        Ok(RaceConfig {
            hosts: names.used_hosts,
            clocks,
            arrivals,
            instants,
            pollers,
            failures,
            horizon,
            run_out,
        })
    }
}

fn instant(
    s: &Spanned<RawInstant>,
    names: &mut Names,
    base: &Path,
) -> Result<(Instant, Deps), FieldError> {
    let i = s.get_ref();
    let name = i.name.get_ref().clone();
    let mut deps: Deps = Vec::new();
    let mut hosts = match &i.host {
        None => Vec::new(),
        Some(h) => {
            let list: Vec<&str> = match h.get_ref() {
                RawHosts::One(n) => vec![n.as_str()],
                RawHosts::Many(v) => v.iter().map(String::as_str).collect(),
            };
            if list.is_empty() {
                return Err(FieldError::at(h, "give at least one host"));
            }
            let mut out = Vec::new();
            for n in list {
                let k = names.host_named(n).map_err(|m| FieldError::at(h, m))?;
                if out.contains(&k) {
                    return Err(FieldError::at(h, format!("host `{n}` is listed twice")));
                }
                out.push(k);
            }
            if out.len() > 255 {
                return Err(FieldError::at(h, "at most 255 hosts in a list"));
            }
            out
        }
    };
    let kind = match &i.deadline {
        Some(dl) => {
            for (key, given) in [
                ("after", i.after.is_some()),
                ("delay", i.delay.is_some()),
                ("host", i.host.is_some()),
            ] {
                if given {
                    return Err(FieldError::at(
                        s,
                        format!(
                            "instant `{name}` has a `deadline` and `{key}`: a deadline happens on its own host's clock (use `not_before` to keep it after an instant)"
                        ),
                    ));
                }
            }
            let RawDeadline { host, stamp, plus } = dl.get_ref();
            let h = names.host(host)?;
            hosts = vec![h];
            let st = names.instant(stamp)?;
            deps.push((st, stamp.span()));
            let not_before = match &i.not_before {
                None => None,
                Some(nb) => {
                    let k = names.instant(nb)?;
                    deps.push((k, nb.span()));
                    Some(k)
                }
            };
            InstantKind::Deadline {
                host: h,
                stamp: st,
                plus: plus.as_ref().map_or(SimDuration::ZERO, |p| p.get_ref().0),
                not_before,
            }
        }
        None => {
            if let Some(nb) = &i.not_before {
                return Err(FieldError::at(
                    nb,
                    "`not_before` goes with a `deadline`; a delayed instant already follows its `after`",
                ));
            }
            let after = match &i.after {
                None => ARRIVAL,
                Some(a) => {
                    let k = names.instant(a)?;
                    deps.push((k, a.span()));
                    k
                }
            };
            InstantKind::Delay {
                after,
                delay: optional_nonneg(&i.delay, base, "delay")?,
            }
        }
    };
    let stamp = i.stamp.as_ref().is_some_and(|b| *b.get_ref());
    if stamp && hosts.is_empty() {
        return Err(FieldError::at(
            i.stamp.as_ref().expect("given"),
            format!(
                "instant `{name}` stamps but has no host: give it `host = \"...\"`, whose clock it reads"
            ),
        ));
    }
    Ok((
        Instant {
            name,
            kind,
            hosts,
            stamp,
            polled: false,
        },
        deps,
    ))
}

fn poller(
    s: &Spanned<RawPoller>,
    names: &mut Names,
    base: &Path,
) -> Result<(Poller, Deps), FieldError> {
    let p = s.get_ref();
    let host = names.host(&p.host)?;
    let every = p.every.get_ref().0;
    if every < MIN_PERIOD {
        return Err(FieldError::at(
            &p.every,
            format!("every must be at least {MIN_PERIOD}, got {every}"),
        ));
    }
    let jitter = match &p.jitter {
        None => DurationDist::constant(SimDuration::ZERO),
        Some(j) => j
            .get_ref()
            .build_duration(base)
            .map_err(|e| FieldError::at(j, e.to_string()))?,
    };
    let batch_limit = match &p.batch_limit {
        None => 0,
        Some(b) if (0..=i64::from(u32::MAX)).contains(b.get_ref()) => *b.get_ref() as u32,
        Some(b) => {
            return Err(FieldError::at(
                b,
                "batch_limit must be an integer >= 0 (0 = no limit)",
            ));
        }
    };
    let older_than = match &p.older_than {
        None => SimDuration::ZERO,
        Some(o) if o.get_ref().0.is_negative() => {
            return Err(FieldError::at(o, "older_than must be a duration >= 0"));
        }
        Some(o) => o.get_ref().0,
    };
    let selects = names.instant(&p.selects)?;
    let creates = names.instant(&p.creates)?;
    Ok((
        Poller {
            name: p.name.get_ref().clone(),
            host,
            every,
            jitter,
            delay: optional_nonneg(&p.delay, base, "delay")?,
            batch_limit,
            selects,
            older_than,
            creates,
        },
        vec![(selects, p.selects.span())],
    ))
}

fn failure(
    s: &Spanned<RawFailure>,
    names: &mut Names,
    instants: &[Instant],
    remap: &dyn Fn(usize) -> usize,
) -> Result<Failure, FieldError> {
    let f = s.get_ref();
    identifier(&f.name, "a failure")?;
    let name = f.name.get_ref().clone();
    let ordering = f.first.is_some() || f.before.is_some();
    let reading = f.at.is_some() || f.reads_before.is_some() || f.reads_after.is_some();
    let shape = "a failure is either `first` + `before` (an ordering) or `at` + `reads_before` or `reads_after` (a clock reading)";
    if ordering == reading {
        return Err(FieldError::at(s, format!("failure `{name}`: {shape}")));
    }
    let kind = if ordering {
        let (Some(first), Some(before)) = (&f.first, &f.before) else {
            return Err(FieldError::at(
                s,
                format!("failure `{name}` needs both `first` and `before`"),
            ));
        };
        if f.clock.is_some() {
            return Err(FieldError::at(
                s,
                format!("failure `{name}`: `clock` goes with `at` (a clock reading)"),
            ));
        }
        let a = remap(names.instant(first)?);
        let b = remap(names.instant(before)?);
        if a == b {
            return Err(FieldError::at(
                before,
                "`first` and `before` name the same instant: it can never come before itself",
            ));
        }
        FailureKind::Order {
            first: a,
            before: b,
        }
    } else {
        let Some(at) = &f.at else {
            return Err(FieldError::at(
                s,
                format!("failure `{name}` needs `at`: the instant whose clock reading is checked"),
            ));
        };
        let (th, after) = match (&f.reads_before, &f.reads_after) {
            (Some(t), None) => (t, false),
            (None, Some(t)) => (t, true),
            _ => {
                return Err(FieldError::at(
                    s,
                    format!(
                        "failure `{name}` needs exactly one of `reads_before` and `reads_after`"
                    ),
                ));
            }
        };
        let at_i = remap(names.instant(at)?);
        let clock = match &f.clock {
            Some(c) => Some(names.host(c)?),
            None => {
                if instants[at_i].hosts.is_empty() {
                    return Err(FieldError::at(
                        at,
                        format!(
                            "failure `{name}` reads a clock at `{}`, which has no host: give the failure `clock = \"...\"` or the instant a `host`",
                            instants[at_i].name
                        ),
                    ));
                }
                None
            }
        };
        let t = th.get_ref();
        let stamp = remap(names.instant(&t.stamp)?);
        if !instants[stamp].stamp {
            return Err(FieldError::at(
                &t.stamp,
                format!(
                    "instant `{}` does not stamp: add `stamp = true` to it",
                    instants[stamp].name
                ),
            ));
        }
        FailureKind::Read {
            at: at_i,
            clock,
            after,
            stamp,
            plus: t.plus.as_ref().map_or(SimDuration::ZERO, |p| p.get_ref().0),
        }
    };
    Ok(Failure { name, kind })
}

/// The instants in an order where each follows its dependencies (the
/// declaration order where it allows); a cycle is an error at one of its
/// references, naming every instant in it.
fn topological(built: &[(Instant, Deps)], names: &[String]) -> Result<Vec<usize>, FieldError> {
    let n = built.len();
    let mut placed = vec![false; n];
    let mut order = Vec::with_capacity(n);
    while order.len() < n {
        let next = (0..n).find(|&i| !placed[i] && built[i].1.iter().all(|&(d, _)| placed[d]));
        match next {
            Some(i) => {
                placed[i] = true;
                order.push(i);
            }
            None => {
                // follow unplaced dependencies until one repeats: a cycle
                let mut path: Vec<usize> = Vec::new();
                let mut at = (0..n).find(|&i| !placed[i]).expect("some unplaced");
                let mut span = None;
                while !path.contains(&at) {
                    path.push(at);
                    let (d, sp) = built[at]
                        .1
                        .iter()
                        .find(|(d, _)| !placed[*d])
                        .cloned()
                        .expect("an unplaced instant waits on an unplaced one");
                    span = Some(sp);
                    at = d;
                }
                let start = path.iter().position(|&p| p == at).unwrap_or(0);
                let cycle: Vec<&str> = path[start..]
                    .iter()
                    .chain(std::iter::once(&at))
                    .map(|&i| names[i].as_str())
                    .collect();
                return Err(FieldError {
                    span,
                    key: None,
                    message: format!(
                        "the instants depend on each other in a cycle: {} (each waits for the next)",
                        cycle.join(" -> ")
                    ),
                });
            }
        }
    }
    Ok(order)
}
