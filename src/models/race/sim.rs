//! One replication of a race, in a single pass without an event queue.
//!
//! Items arrive in time order. At its arrival an item draws every delay and
//! host choice it has (common random numbers: the same draws serve the real
//! clocks and their ideal twin), then resolves its instants in dependency
//! order, twice: once with the real clocks, once with every clock ideal
//! (stamps are true time, a deadline is the stamp plus its duration). An
//! instant a poller creates stays open until a poll selects the item;
//! everything after it waits with it. An item whose instants are all known,
//! in both twins, is scored against every failure and forgotten, so memory
//! holds only the items waiting for a poller.
//!
//! Pollers run on their own schedule, in true time: poll `k` at
//! `phase + k * every + jitter_k` (never before the previous poll), the
//! phase uniform in `[0, every)`. Arrivals and polls are merged by time; an
//! arrival at a poll's very instant is handled first, so a poll sees every
//! item whose selecting instant happened at or before it. A poll at `T`
//! draws its delay `d` and, in each twin, takes the items whose selecting
//! instant happened by `T` and whose stamp is at most the poller's reading
//! at `T` minus `older_than`, oldest stamp first (then item number), at most
//! `batch_limit` of them; each gets its created instant at `T + d`. The poll
//! schedule does not depend on any clock, so both twins see the same polls.
//!
//! An instant after `horizon + run_out` counts as never, and so does every
//! instant that follows it; pollers stop polling once every item has been
//! selected or that end is passed, and the items left unselected then never
//! get their created instant.

use rand::RngExt;

use super::conditional::Integrator;
use super::config::{ARRIVAL, FailureKind, InstantKind, RaceConfig};
use super::metrics::{N_FIXED, col};
use crate::clock::Clock;
use crate::engine::{SimRng, Streams, cancel};
use crate::model::RepOutput;
use crate::models::checkout::Arrivals;
use crate::time::{SimDuration, SimTime};

/// An instant that does not happen (within `horizon + run_out`).
pub(super) const NEVER: i64 = i64::MAX;
/// An instant not yet known (waiting for a poll).
const OPEN: i64 = i64::MIN;
/// One simulated day, ns.
const DAY_NS: i64 = 86_400_000_000_000;

/// The real clocks (twin 0) and the ideal ones (twin 1).
pub(super) const TWINS: usize = 2;

/// The names of the random streams (a replication's numbers depend on them).
pub(super) mod stream {
    /// Arrival times (the checkout model's stream of the same name).
    pub(crate) const ARRIVALS: &str = "arrivals";
    /// The delay of instant `name`.
    pub(crate) fn delay(name: &str) -> String {
        format!("race/delay/{name}")
    }
    /// The host chosen for instant `name`.
    pub(crate) fn host(name: &str) -> String {
        format!("race/host/{name}")
    }
    /// Poller `name`'s phase, jitter and delay.
    pub(crate) fn poller(name: &str, what: &str) -> String {
        format!("race/poller/{name}/{what}")
    }
}

/// The arrival process (Poisson thinned by the hourly profile, or a trace).
struct ArrivalGen {
    rng: SimRng,
    pos: usize,
    end: SimTime,
    peak: f64,
}

impl ArrivalGen {
    fn new(cfg: &RaceConfig, streams: &Streams) -> Self {
        let peak = match &cfg.arrivals {
            Arrivals::Poisson {
                profile: Some(w), ..
            } => w.iter().copied().fold(0.0, f64::max),
            _ => 0.0,
        };
        ArrivalGen {
            rng: streams.stream(stream::ARRIVALS),
            pos: 0,
            end: SimTime::ZERO + cfg.horizon,
            peak,
        }
    }

    /// The next arrival after `now`, if before the horizon (the checkout
    /// model's process, draw for draw).
    fn next(&mut self, cfg: &RaceConfig, now: SimTime) -> Option<SimTime> {
        let t = match &cfg.arrivals {
            Arrivals::Poisson { rate, profile } => {
                if *rate <= 0.0 {
                    return None;
                }
                let mut t = now;
                match profile {
                    None => {
                        let u: f64 = self.rng.random();
                        t += SimDuration::from_secs_f64(-(1.0 - u).ln() / rate);
                    }
                    Some(w) => loop {
                        // thinning (Lewis and Shedler 1979) against the peak hour
                        let u: f64 = self.rng.random();
                        t += SimDuration::from_secs_f64(-(1.0 - u).ln() / (rate * self.peak));
                        if t >= self.end {
                            break;
                        }
                        let hour = ((t.as_nanos() / 3_600_000_000_000) % 24) as usize;
                        let v: f64 = self.rng.random();
                        if v * self.peak < w[hour] {
                            break;
                        }
                    },
                }
                t
            }
            Arrivals::Trace { times } => {
                let t = *times.get(self.pos)?;
                self.pos += 1;
                t
            }
        };
        (t < self.end).then_some(t)
    }
}

/// The items in flight: one fixed-width row of `i64`s each, reused.
struct Slab {
    /// Instants.
    n: usize,
    rows: Vec<i64>,
    meta: Vec<(u64, u32)>,
    free: Vec<usize>,
}

/// Offsets within a row: delays, hosts, then per twin times and stamps.
impl Slab {
    fn width(n: usize) -> usize {
        n * (2 + 2 * TWINS)
    }
    fn alloc(&mut self, seq: u64, day: u32) -> usize {
        let w = Self::width(self.n);
        match self.free.pop() {
            Some(s) => {
                self.meta[s] = (seq, day);
                s
            }
            None => {
                self.rows.resize(self.rows.len() + w, 0);
                self.meta.push((seq, day));
                self.meta.len() - 1
            }
        }
    }
    fn row(&mut self, s: usize) -> Row<'_> {
        let w = Self::width(self.n);
        Row {
            n: self.n,
            r: &mut self.rows[s * w..(s + 1) * w],
        }
    }
}

/// One item's row.
pub(super) struct Row<'a> {
    n: usize,
    r: &'a mut [i64],
}

impl Row<'_> {
    pub(super) fn delay(&self, i: usize) -> i64 {
        self.r[i]
    }
    pub(super) fn host(&self, i: usize) -> usize {
        self.r[self.n + i] as usize
    }
    pub(super) fn t(&self, w: usize, i: usize) -> i64 {
        self.r[self.n * (2 + 2 * w) + i]
    }
    pub(super) fn stamp(&self, w: usize, i: usize) -> i64 {
        self.r[self.n * (3 + 2 * w) + i]
    }
    fn set_t(&mut self, w: usize, i: usize, v: i64) {
        self.r[self.n * (2 + 2 * w) + i] = v;
    }
    fn set_stamp(&mut self, w: usize, i: usize, v: i64) {
        self.r[self.n * (3 + 2 * w) + i] = v;
    }
}

/// An item waiting for a poll: ordered for a min-heap by `key`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Entry {
    key: (i64, u64),
    stamp: i64,
    slot: usize,
}
impl PartialOrd for Entry {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Entry {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        o.key.cmp(&self.key)
    }
}

/// One poller's state in one replication.
struct PollerRun {
    next: Option<SimTime>,
    k: i64,
    last: SimTime,
    phase: i64,
    r_jitter: SimRng,
    r_delay: SimRng,
    /// Per twin: items whose selecting instant is still ahead, by (its
    /// time, item); items selectable, by (stamp, item).
    waiting: [std::collections::BinaryHeap<Entry>; TWINS],
    ready: [std::collections::BinaryHeap<Entry>; TWINS],
}

impl PollerRun {
    fn held(&self) -> bool {
        self.waiting
            .iter()
            .chain(&self.ready)
            .any(|h| !h.is_empty())
    }
}

/// The first failing item of a replication, as `trace` shows it.
#[derive(Debug, Clone)]
pub(super) struct Snapshot {
    /// Item number.
    pub seq: u64,
    /// Per instant: true time (real clocks; `NEVER` when it did not
    /// happen), stamp (if it stamps and happened), host (if it has one).
    pub instants: Vec<(i64, Option<i64>, Option<usize>)>,
    /// The same instants' true times with ideal clocks.
    pub ideal: Vec<i64>,
    /// Per instant that happened, every host's reading then.
    pub readings: Vec<Vec<i64>>,
    /// The failures it suffered, with their margins (seconds, if known).
    pub failed: Vec<(usize, Option<f64>)>,
}

/// What a trace asks of a run: the first failing item, or item `seq`.
#[derive(Debug, Clone, Copy)]
pub(super) enum Watch {
    /// The lowest-numbered item with a failure.
    FirstFailure,
    /// This item.
    Item(u64),
    /// Every instant and poll, up to this many rows (`trace --events`).
    Log(usize),
}

/// One row of a replication's event log (real clocks): an item's instant
/// that happened, or a poll.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Logged {
    /// True time, ns.
    pub t: i64,
    /// 0 for an item's instant, 1 for a poll (after the items at a tie).
    pub poll: u8,
    /// Item number, or the poll's number (from 0) for its poller.
    pub id: u64,
    /// The instant's index, or the poller's.
    pub what: usize,
    /// The instant's host (index into the hosts), if it has one.
    pub host: Option<usize>,
    /// For a poll: the items it took.
    pub took: u32,
}

/// One replication's clocks, in copies by who asks: every copy of a host's
/// clock is the same clock (drawn from the same stream), but a clock answers
/// cheaply only near the times it was last asked about, so each kind of
/// query, whose times grow with the items' arrivals, keeps its own copy.
struct Clocks {
    /// `at[i][h]`: host `h`'s clock read at instant `i` (stamps, failures).
    at: Vec<Vec<Clock>>,
    /// `deadline[i]`: the clock instant `i`'s deadline inverts.
    deadline: Vec<Option<Clock>>,
    /// `poll[k]`: poller `k`'s clock.
    poll: Vec<Clock>,
    /// Every host's clock, for a trace's readings.
    trace: Vec<Clock>,
}

/// One replication's state.
struct Run<'a> {
    cfg: &'a RaceConfig,
    clocks: Clocks,
    slab: Slab,
    end: i64,
    values: Vec<f64>,
    daily: Vec<Vec<f64>>,
    watch: Option<Watch>,
    snapshot: Option<Snapshot>,
    /// Each failure's margin histogram (real clocks), `margin::edges_ns`
    /// bins per failure.
    hist: Vec<u64>,
    edges: Vec<i64>,
    /// The event log (`Watch::Log`); `None` once it passed its limit.
    log: Option<Vec<Logged>>,
    /// Per instant: a deadline's clock breakpoints per nanosecond (its
    /// syncs, wander steps, steps and outage bounds over the run, spread
    /// evenly), 0 for other instants.
    walk_rate: Vec<f64>,
    /// Clock breakpoints the deadlines' searches walked past (estimated
    /// from `walk_rate`): work the guards count as events.
    walked: u64,
    /// The conditional estimator, when it scores the failures.
    cond: Option<Integrator<'a>>,
}

impl Run<'_> {
    /// Resolves every instant of twin `w` whose inputs are known; true when
    /// none is left open.
    fn resolve(&mut self, slot: usize, w: usize) -> bool {
        let cfg = self.cfg;
        let end = self.end;
        let mut row = self.slab.row(slot);
        let mut complete = true;
        for (i, inst) in cfg.instants.iter().enumerate() {
            if row.t(w, i) != OPEN {
                continue;
            }
            let t = match &inst.kind {
                InstantKind::Arrival => unreachable!("the arrival is set when the item arrives"),
                InstantKind::Delay { after, .. } => match row.t(w, *after) {
                    OPEN => OPEN,
                    NEVER => NEVER,
                    a => a.saturating_add(row.delay(i)),
                },
                InstantKind::Deadline {
                    stamp,
                    plus,
                    not_before,
                    ..
                } => {
                    let ts = row.t(w, *stamp);
                    let nb = not_before.map_or(ts, |k| row.t(w, k));
                    if ts == OPEN || nb == OPEN {
                        OPEN
                    } else if ts == NEVER || nb == NEVER {
                        NEVER
                    } else {
                        let v = row.stamp(w, *stamp).saturating_add(plus.as_nanos());
                        let t0 = ts.max(nb);
                        if w == 0 {
                            let found = self.clocks.deadline[i]
                                .as_mut()
                                .expect("a deadline has its clock")
                                .first_reading_at_least(
                                    SimTime::from_nanos(v),
                                    SimTime::from_nanos(t0),
                                    SimTime::from_nanos(end),
                                )
                                .map_or(NEVER, SimTime::as_nanos);
                            // the clock's breakpoints the search walked past
                            let walked = found.min(end).saturating_sub(t0).max(0);
                            self.walked += (walked as f64 * self.walk_rate[i]) as u64;
                            found
                        } else {
                            v.max(t0)
                        }
                    }
                }
                InstantKind::Polled { .. } => OPEN,
            };
            if t == OPEN {
                complete = false;
                continue;
            }
            let t = if t > end { NEVER } else { t };
            row.set_t(w, i, t);
            if inst.stamp && t != NEVER {
                let s = if w == 0 {
                    let h = inst.hosts[row.host(i)];
                    self.clocks.at[i][h]
                        .local(SimTime::from_nanos(t))
                        .as_nanos()
                } else {
                    t
                };
                row.set_stamp(w, i, s);
            }
        }
        complete
    }

    /// The reading of the clock a read failure uses, at instant `at` of twin `w`.
    fn reading(&mut self, slot: usize, w: usize, at: usize, clock: Option<usize>) -> i64 {
        let row = self.slab.row(slot);
        let t = row.t(w, at);
        if w == 1 {
            return t;
        }
        let h = clock.unwrap_or_else(|| self.cfg.instants[at].hosts[row.host(at)]);
        self.clocks.at[at][h]
            .local(SimTime::from_nanos(t))
            .as_nanos()
    }

    /// Scores a complete item and frees its slot.
    fn finish(&mut self, slot: usize) {
        let (seq, day) = self.slab.meta[slot];
        let mut failed = Vec::new();
        for (k, f) in self.cfg.failures.iter().enumerate() {
            let c = col(k);
            for w in 0..TWINS {
                let (fails, margin) = self.score(slot, w, &f.kind);
                if w == 0 && self.cond.is_none() && (fails || margin.is_some()) {
                    // a failure without a margin (its `before` never
                    // happened) is minus infinity: the bottom bin; the
                    // conditional estimator writes no distribution of
                    // outcomes, as the checkout model's does not
                    let b = super::margin::bin_of(&self.edges, margin.unwrap_or(i64::MIN));
                    self.hist[k * (self.edges.len() + 1) + b] += 1;
                }
                let margin = margin.map(|ns| ns as f64 * 1e-9);
                if let Some(ci) = self.cond.as_mut() {
                    // the item's probability of the failure instead of its outcome
                    let x = ci.add(k, w, &self.slab.row(slot), fails);
                    if w == 0 {
                        self.daily[day as usize][1 + k] += x;
                        if fails {
                            failed.push((k, margin));
                        }
                    }
                } else if fails {
                    self.values[c + w] += 1.0;
                    if w == 0 {
                        self.daily[day as usize][1 + k] += 1.0;
                        failed.push((k, margin));
                    }
                }
                if w == 0
                    && let Some(m) = margin
                {
                    self.values[c + 2] += m;
                    self.values[c + 3] += 1.0;
                }
            }
        }
        match self.watch {
            Some(Watch::FirstFailure)
                if !failed.is_empty() && self.snapshot.as_ref().is_none_or(|s| seq < s.seq) =>
            {
                self.snapshot = Some(self.snap(slot, seq, failed));
            }
            Some(Watch::Item(n)) if n == seq => {
                self.snapshot = Some(self.snap(slot, seq, failed));
            }
            Some(Watch::Log(_)) => self.log_item(slot, seq),
            _ => {}
        }
        self.slab.free.push(slot);
    }

    /// Whether failure `kind` befalls the item in twin `w`, and its margin
    /// in nanoseconds (below 0 exactly when it fails) where both sides are
    /// known.
    fn score(&mut self, slot: usize, w: usize, kind: &FailureKind) -> (bool, Option<i64>) {
        match *kind {
            FailureKind::Order { first, before } => {
                let row = self.slab.row(slot);
                let (a, b) = (row.t(w, first), row.t(w, before));
                if a == NEVER {
                    (false, None)
                } else if b == NEVER {
                    (true, None)
                } else {
                    (a < b, Some(a - b))
                }
            }
            FailureKind::Read {
                at,
                clock,
                after,
                stamp,
                plus,
            } => {
                let row = self.slab.row(slot);
                if row.t(w, at) == NEVER || row.t(w, stamp) == NEVER {
                    return (false, None);
                }
                let threshold = row.stamp(w, stamp).saturating_add(plus.as_nanos());
                let reading = self.reading(slot, w, at, clock);
                let m = if after {
                    threshold - reading
                } else {
                    reading - threshold
                };
                (m < 0, Some(m))
            }
        }
    }

    /// Logs the instants of the item in `slot` that happened (real clocks).
    fn log_item(&mut self, slot: usize, seq: u64) {
        let cfg = self.cfg;
        for (i, inst) in cfg.instants.iter().enumerate() {
            let row = self.slab.row(slot);
            let t = row.t(0, i);
            if t == NEVER {
                continue;
            }
            let host = match inst.kind {
                InstantKind::Deadline { host, .. } => Some(host),
                _ => (!inst.hosts.is_empty()).then(|| inst.hosts[row.host(i)]),
            };
            self.log_push(Logged {
                t,
                poll: 0,
                id: seq,
                what: i,
                host,
                took: 0,
            });
        }
    }

    /// Adds a row to the event log, and drops the log past its limit.
    fn log_push(&mut self, e: Logged) {
        let Some(Watch::Log(limit)) = self.watch else {
            return;
        };
        if let Some(log) = &mut self.log {
            log.push(e);
            if log.len() > limit {
                self.log = None;
            }
        }
    }

    fn snap(&mut self, slot: usize, seq: u64, failed: Vec<(usize, Option<f64>)>) -> Snapshot {
        let cfg = self.cfg;
        let row = self.slab.row(slot);
        let mut instants = Vec::new();
        let mut ideal = Vec::new();
        let mut times = Vec::new();
        for (i, inst) in cfg.instants.iter().enumerate() {
            let t = row.t(0, i);
            let stamp = (inst.stamp && t != NEVER).then(|| row.stamp(0, i));
            let host = (!inst.hosts.is_empty()).then(|| inst.hosts[row.host(i)]);
            instants.push((t, stamp, host));
            ideal.push(row.t(1, i));
            times.push(t);
        }
        let readings = times
            .iter()
            .map(|&t| {
                if t == NEVER {
                    Vec::new()
                } else {
                    self.clocks
                        .trace
                        .iter_mut()
                        .map(|c| c.local(SimTime::from_nanos(t)).as_nanos())
                        .collect()
                }
            })
            .collect();
        Snapshot {
            seq,
            instants,
            ideal,
            readings,
            failed,
        }
    }
}

/// The outcome of one replication, and what a trace asked for.
pub(super) struct Outcome {
    pub output: RepOutput,
    pub snapshot: Option<Snapshot>,
    /// The event log (`Watch::Log`), unsorted; `None` past its limit.
    pub log: Option<Vec<Logged>>,
}

/// Runs one replication of `cfg` on `streams`.
pub(super) fn run(cfg: &RaceConfig, streams: &Streams, watch: Option<Watch>) -> Outcome {
    run_with(cfg, streams, watch, false)
}

/// Runs one replication of `cfg` on `streams`, with the conditional
/// estimator when `conditional` (see [`super::conditional`]).
pub(super) fn run_with(
    cfg: &RaceConfig,
    streams: &Streams,
    watch: Option<Watch>,
    conditional: bool,
) -> Outcome {
    let n = cfg.instants.len();
    let all = || -> Vec<Clock> {
        cfg.clocks
            .iter()
            .zip(&cfg.hosts)
            .map(|(spec, name)| Clock::of_host(spec, streams, name))
            .collect()
    };
    let one = |h: usize| Clock::of_host(&cfg.clocks[h], streams, &cfg.hosts[h]);
    let clocks = Clocks {
        at: cfg.instants.iter().map(|_| all()).collect(),
        deadline: cfg
            .instants
            .iter()
            .map(|i| match i.kind {
                InstantKind::Deadline { host, .. } => Some(one(host)),
                _ => None,
            })
            .collect(),
        poll: cfg.pollers.iter().map(|p| one(p.host)).collect(),
        trace: if watch.is_some() { all() } else { Vec::new() },
    };
    let days = super::days(cfg.horizon);
    let mut run = Run {
        cfg,
        clocks,
        slab: Slab {
            n,
            rows: Vec::new(),
            meta: Vec::new(),
            free: Vec::new(),
        },
        end: cfg.end().as_nanos(),
        values: vec![0.0; N_FIXED + super::metrics::PER_FAILURE * cfg.failures.len()],
        daily: vec![vec![0.0; 1 + cfg.failures.len()]; days],
        watch,
        snapshot: None,
        hist: vec![0; cfg.failures.len() * (super::margin::edges_ns().len() + 1)],
        edges: super::margin::edges_ns(),
        log: matches!(watch, Some(Watch::Log(_))).then(Vec::new),
        walk_rate: cfg
            .instants
            .iter()
            .map(|i| match i.kind {
                InstantKind::Deadline { host, .. } => {
                    let span = cfg.horizon + cfg.run_out;
                    cfg.clocks[host].breakpoints_over(span) / span.as_nanos().max(1) as f64
                }
                _ => 0.0,
            })
            .collect(),
        walked: 0,
        cond: conditional.then(|| Integrator::new(cfg, streams)),
    };
    // the streams of each instant's delay and host choice
    let mut r_delay: Vec<Option<SimRng>> = cfg
        .instants
        .iter()
        .map(|i| match &i.kind {
            InstantKind::Delay { delay, .. } if delay.as_constant().is_none() => {
                Some(streams.stream(&stream::delay(&i.name)))
            }
            _ => None,
        })
        .collect();
    let mut r_host: Vec<Option<SimRng>> = cfg
        .instants
        .iter()
        .map(|i| (i.hosts.len() > 1).then(|| streams.stream(&stream::host(&i.name))))
        .collect();
    let mut pollers: Vec<PollerRun> = cfg
        .pollers
        .iter()
        .map(|p| {
            let mut r_phase = streams.stream(&stream::poller(&p.name, "phase"));
            let phase = r_phase.random_range(0..p.every.as_nanos());
            PollerRun {
                next: None,
                k: 0,
                last: SimTime::ZERO,
                phase,
                r_jitter: streams.stream(&stream::poller(&p.name, "jitter")),
                r_delay: streams.stream(&stream::poller(&p.name, "delay")),
                waiting: Default::default(),
                ready: Default::default(),
            }
        })
        .collect();
    for (p, pr) in cfg.pollers.iter().zip(&mut pollers) {
        pr.next = schedule(p, pr);
    }
    let mut stop = cancel::Check::current();
    let mut arrivals = ArrivalGen::new(cfg, streams);
    let mut next_arrival = arrivals.next(cfg, SimTime::ZERO);
    let mut items = 0u64;
    let mut polls = 0u64;
    let mut ticked = 0u64;
    let end = cfg.end();
    loop {
        // one unit per arrival or poll, plus the clock breakpoints the
        // deadlines walked past since the last check
        let work = 1 + run.walked - ticked;
        ticked = run.walked;
        // the earliest poll, lowest poller first on a tie
        let poll = pollers
            .iter()
            .enumerate()
            .filter_map(|(k, p)| p.next.map(|t| (t, k)))
            .min();
        match (next_arrival, poll) {
            (Some(a), p) if p.is_none_or(|(t, _)| a <= t) => {
                if stop.tick(work) {
                    break;
                }
                arrive(&mut run, &mut pollers, &mut r_delay, &mut r_host, a, items);
                items += 1;
                next_arrival = arrivals.next(cfg, a);
            }
            (_, Some((t, k))) => {
                if stop.tick(work) {
                    break;
                }
                polls += 1;
                poll_at(&mut run, &mut pollers[k], k, t);
                let arrivals_done = next_arrival.is_none();
                let pr = &mut pollers[k];
                pr.next = if arrivals_done && !pr.held() {
                    None
                } else {
                    schedule(&cfg.pollers[k], pr).filter(|&t| t <= end)
                };
            }
            _ => break,
        }
    }
    // the items no poll took: their created instants never happen
    for (k, pr) in pollers.iter_mut().enumerate() {
        let creates = cfg.pollers[k].creates;
        for w in 0..TWINS {
            let mut left: Vec<Entry> = pr.waiting[w].drain().chain(pr.ready[w].drain()).collect();
            left.sort_by_key(|e| e.key.1);
            for e in left {
                run.slab.row(e.slot).set_t(w, creates, NEVER);
                settle(&mut run, e.slot, w);
            }
        }
    }
    let mut values = run.values;
    values[0] = items as f64;
    if let Some(ci) = &run.cond {
        for k in 0..cfg.failures.len() {
            for w in 0..TWINS {
                values[col(k) + w] = ci.total(k, w);
            }
        }
    }
    Outcome {
        output: RepOutput {
            values,
            daily: run.daily,
            histogram: if run.cond.is_some() {
                Vec::new()
            } else {
                run.hist
            },
            events: items + polls + run.walked,
            exact: None,
        },
        snapshot: run.snapshot,
        log: run.log,
    }
}

/// The next poll of `p` after its last one.
fn schedule(p: &super::config::Poller, pr: &mut PollerRun) -> Option<SimTime> {
    let base = pr
        .phase
        .checked_add(pr.k.checked_mul(p.every.as_nanos())?)?;
    pr.k += 1;
    let j = p.jitter.sample(&mut pr.r_jitter).as_nanos();
    let t = SimTime::from_nanos(base.saturating_add(j)).max(pr.last);
    Some(t)
}

/// Re-resolves twin `w` of the item in `slot` after an instant was set, and
/// scores it when both twins are complete.
fn settle(run: &mut Run<'_>, slot: usize, w: usize) {
    let done = run.resolve(slot, w);
    if done {
        let other = 1 - w;
        let row = run.slab.row(slot);
        let other_done = (0..run.cfg.instants.len()).all(|i| row.t(other, i) != OPEN);
        if other_done {
            run.finish(slot);
        }
    }
}

/// An item arrives at `a`.
fn arrive(
    run: &mut Run<'_>,
    pollers: &mut [PollerRun],
    r_delay: &mut [Option<SimRng>],
    r_host: &mut [Option<SimRng>],
    a: SimTime,
    seq: u64,
) {
    let cfg = run.cfg;
    let day = (a.as_nanos() / DAY_NS) as u32;
    run.daily[day as usize][0] += 1.0;
    let slot = run.slab.alloc(seq, day);
    {
        let mut row = run.slab.row(slot);
        for (i, inst) in cfg.instants.iter().enumerate() {
            let d = match (&inst.kind, &mut r_delay[i]) {
                (InstantKind::Delay { delay, .. }, Some(rng)) => delay.sample(rng).as_nanos(),
                (InstantKind::Delay { delay, .. }, None) => {
                    delay.as_constant().unwrap_or(SimDuration::ZERO).as_nanos()
                }
                _ => 0,
            };
            row.r[i] = d;
            row.r[row.n + i] = match &mut r_host[i] {
                Some(rng) => rng.random_range(0..inst.hosts.len()) as i64,
                None => 0,
            };
            for w in 0..TWINS {
                row.set_t(w, i, OPEN);
            }
        }
        for w in 0..TWINS {
            row.set_t(w, ARRIVAL, a.as_nanos());
        }
    }
    let mut done = [false; TWINS];
    for (w, d) in done.iter_mut().enumerate() {
        *d = run.resolve(slot, w);
    }
    if done.iter().all(|&d| d) {
        run.finish(slot);
        return;
    }
    // hand the item to the pollers whose instant it still waits for
    for (k, p) in cfg.pollers.iter().enumerate() {
        for w in 0..TWINS {
            let mut row = run.slab.row(slot);
            if row.t(w, p.creates) != OPEN {
                continue;
            }
            let ts = row.t(w, p.selects);
            if ts == NEVER {
                row.set_t(w, p.creates, NEVER);
                continue;
            }
            let stamp = row.stamp(w, p.selects);
            pollers[k].waiting[w].push(Entry {
                key: (ts, seq),
                stamp,
                slot,
            });
        }
    }
    for (w, &d) in done.iter().enumerate() {
        if !d {
            settle(run, slot, w);
        }
    }
}

/// Poller `k` polls at `t`.
fn poll_at(run: &mut Run<'_>, pr: &mut PollerRun, k: usize, t: SimTime) {
    let cfg = run.cfg;
    let p = &cfg.pollers[k];
    pr.last = t;
    let d = p.delay.sample(&mut pr.r_delay).as_nanos();
    let created = t.as_nanos().saturating_add(d);
    let created = if created > run.end { NEVER } else { created };
    for w in 0..TWINS {
        while let Some(e) = pr.waiting[w].peek()
            && e.key.0 <= t.as_nanos()
        {
            let e = *e;
            pr.waiting[w].pop();
            pr.ready[w].push(Entry {
                key: (e.stamp, e.key.1),
                ..e
            });
        }
        let now = if w == 0 {
            run.clocks.poll[k].local(t).as_nanos()
        } else {
            t.as_nanos()
        };
        let cutoff = now.saturating_sub(p.older_than.as_nanos());
        let mut taken = 0u32;
        while let Some(e) = pr.ready[w].peek()
            && e.key.0 <= cutoff
            && (p.batch_limit == 0 || taken < p.batch_limit)
        {
            let e = *e;
            pr.ready[w].pop();
            taken += 1;
            run.slab.row(e.slot).set_t(w, p.creates, created);
            settle(run, e.slot, w);
        }
        if w == 0 {
            run.log_push(Logged {
                t: t.as_nanos(),
                poll: 1,
                id: (pr.k - 1) as u64,
                what: k,
                host: Some(p.host),
                took: taken,
            });
        }
    }
}
