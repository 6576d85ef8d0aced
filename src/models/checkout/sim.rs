//! The checkout model on the engine ([`Sim`]): the reference semantics.
//! It runs the conditional and importance estimators, traces and event
//! logs; plain-sampling replications run in [`super::single_pass`], which
//! reproduces this model's event order exactly (tested against it,
//! ideal-clock rerun included).

use rand::RngExt;

use super::closed_form::kernel;
use super::config::{Arrivals, CheckoutConfig};
use super::log::{LogRow, Replay, RequestLog};
use super::margin::margin_edges;
use super::metrics::{
    C_EARLY, C_ERRORS, C_ERRORS_IDEAL, C_LOST, C_MARGIN_N, C_MARGIN_SUM, C_USERS, N_COLUMNS,
};
use super::streams as stream;
use super::trace::{LoggedEvent, StepKind, TraceStep};
use super::{conditional, importance, single_pass};
use crate::clock::{Clock, ClockSpec};
use crate::engine::{self, Context, ScheduleError, SimRng, Simulation, Streams};
use crate::model::{Estimator, RepOutput};
use crate::time::{SimDuration, SimTime};

/// One simulated day.
pub(super) const DAY: SimDuration = SimDuration::from_hours(24);

/// A record on the front-end, not yet selected.
#[derive(Debug, Clone, Copy)]
pub(super) struct Pending {
    paid_at: i64,
    seq: u64,
    t_paid: SimTime,
    t_read: SimTime,
    day: u32,
    /// The likelihood ratio of its redirect latency (1 but under importance
    /// sampling).
    weight: f64,
}

impl single_pass::Stamped for Pending {
    #[inline]
    fn key(&self) -> (i64, u64) {
        (self.paid_at, self.seq)
    }
}

/// The events of the checkout model.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Event {
    /// The next user arrives.
    Arrival,
    /// A user's record is marked paid.
    Paid(PaidUser),
    /// A poll fires (first phase: lets same-instant events go first).
    Poll,
    /// A poll selects and deletes.
    PollSelect,
}

/// A user between arrival and payment.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PaidUser {
    seq: u64,
    t_read: SimTime,
    day: u32,
    weight: f64,
}

/// The arrival process of one replication: the `arrivals` stream (Poisson,
/// optionally thinned by the hourly profile), the position in a trace, or
/// the rows of a request log this replication replays (whose logged
/// latencies [`ArrivalGen::logged`] hands out).
pub(super) struct ArrivalGen {
    rng: SimRng,
    trace_pos: usize,
    /// The request log's rows for this replication, if the scenario has one.
    replay: Option<Replay>,
    /// The log row of the arrival last returned.
    row: Option<LogRow>,
    /// Which latencies the log gives: payment, redirect.
    logged: (bool, bool),
    /// The horizon: arrivals at or after it are not counted.
    end: SimTime,
    /// The largest hourly weight (the thinning envelope), 0 without a profile.
    peak: f64,
}

impl ArrivalGen {
    pub(super) fn new(cfg: &CheckoutConfig, log: Option<&RequestLog>, streams: &Streams) -> Self {
        let peak = match &cfg.arrivals {
            Arrivals::Poisson {
                profile: Some(w), ..
            } => w.iter().cloned().fold(0.0, f64::max),
            _ => 0.0,
        };
        ArrivalGen {
            rng: streams.stream(stream::ARRIVALS),
            trace_pos: 0,
            replay: log.map(|l| l.replay(streams)),
            row: None,
            logged: log.map_or((false, false), |l| (l.payment, l.redirect)),
            end: SimTime::ZERO + cfg.horizon,
            peak,
        }
    }

    /// The next arrival strictly after `now` (or at it for a trace), if before the horizon.
    #[inline]
    pub(super) fn next(&mut self, cfg: &CheckoutConfig, now: SimTime) -> Option<SimTime> {
        let end = self.end;
        if let Some(replay) = &mut self.replay {
            let row = replay.next()?;
            self.row = Some(row);
            return (row.at < end).then_some(row.at);
        }
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
                    Some(w) => {
                        // thinning (Lewis and Shedler 1979) against the peak hour
                        let peak = self.peak;
                        loop {
                            let u: f64 = self.rng.random();
                            t += SimDuration::from_secs_f64(-(1.0 - u).ln() / (rate * peak));
                            if t >= end {
                                break;
                            }
                            let hour = ((t.as_nanos() / 3_600_000_000_000) % 24) as usize;
                            let v: f64 = self.rng.random();
                            if v * peak < w[hour] {
                                break;
                            }
                        }
                    }
                }
                t
            }
            Arrivals::Trace { times } => {
                let t = *times.get(self.trace_pos)?;
                self.trace_pos += 1;
                t
            }
        };
        (t < end).then_some(t)
    }
}

impl ArrivalGen {
    /// The logged payment and redirect latencies of the arrival last
    /// returned (`None` for a latency the log does not give).
    #[inline]
    pub(super) fn logged(&self) -> (Option<SimDuration>, Option<SimDuration>) {
        match self.row {
            None => (None, None),
            Some(r) => (
                self.logged.0.then_some(r.payment),
                self.logged.1.then_some(r.redirect),
            ),
        }
    }

    /// The log line of the arrival last returned, if it is a log row.
    pub(super) fn line(&self) -> Option<u64> {
        self.row.map(|r| r.line)
    }
}

/// The model on the engine: the reference semantics. It runs the
/// conditional estimator, traces and event logs; plain-sampling replications
/// run in [`single_pass`], which reproduces this model's event order exactly
/// (tested against it, ideal-clock rerun included).
pub(super) struct Sim<'a> {
    pub(super) cfg: &'a CheckoutConfig,
    pub(super) conditional: bool,
    /// The conditional estimator's per-user integration.
    pub(super) outcomes: Option<conditional::Outcomes<'a>>,
    /// The conditional estimator's sums, per column (compensated).
    pub(super) sums: [conditional::Sum; N_COLUMNS],
    /// Importance sampling of the redirect latency.
    pub(super) importance: Option<importance::Sampler>,
    pub(super) clocks: Vec<Clock>,
    pub(super) arrivals: ArrivalGen,
    pub(super) r_payment: SimRng,
    pub(super) r_redirect: SimRng,
    pub(super) r_retry: SimRng,
    pub(super) r_jitter: SimRng,
    pub(super) r_move: SimRng,
    pub(super) next_seq: u64,
    pub(super) phase: SimDuration,
    pub(super) poll_k: i64,
    pub(super) last_poll: SimTime,
    pub(super) arrivals_done: bool,
    pub(super) end_marker: SimTime,
    pub(super) pending: single_pass::PendingSet<Pending>,
    pub(super) values: [f64; N_COLUMNS],
    pub(super) daily: Vec<[f64; 2]>,
    pub(super) hist: Vec<u64>,
    pub(super) edges: Vec<f64>,
    /// The user whose timeline is recorded (trace), if any.
    pub(super) watch: Option<u64>,
    /// The lowest user number that saw an error page.
    pub(super) first_error: Option<u64>,
    /// Timeline of the watched user.
    pub(super) timeline: Vec<TraceStep>,
    /// The request log's line of the watched user, if the log gave it.
    pub(super) watch_line: Option<u64>,
    /// Every event of the run, when asked for (`trace --events`).
    pub(super) log: Option<Vec<LoggedEvent>>,
}

impl<'a> Sim<'a> {
    pub(super) fn new(
        cfg: &'a CheckoutConfig,
        log: Option<&RequestLog>,
        streams: &Streams,
        conditional: bool,
        ideal_clocks: bool,
    ) -> Self {
        let clocks = cfg
            .clocks
            .iter()
            .zip(&cfg.hosts)
            .map(|(spec, name)| {
                if ideal_clocks {
                    Clock::ideal()
                } else {
                    Clock::of_host(spec, streams, name)
                }
            })
            .collect();
        let mut r_phase = streams.stream(stream::POLL_PHASE);
        let p = cfg.poll_interval.as_nanos();
        let phase = SimDuration::from_nanos(r_phase.random_range(0..p));
        let edges = margin_edges();
        Sim {
            cfg,
            conditional,
            outcomes: conditional
                .then(|| conditional::Outcomes::new(kernel(cfg), cfg.poll_interval, cfg.grace)),
            importance: None,
            sums: Default::default(),
            clocks,
            arrivals: ArrivalGen::new(cfg, log, streams),
            r_payment: streams.stream(stream::PAYMENT_LATENCY),
            r_redirect: streams.stream(stream::REDIRECT_LATENCY),
            r_retry: streams.stream(stream::RETRY_DELAY),
            r_jitter: streams.stream(stream::POLL_JITTER),
            r_move: streams.stream(stream::MOVE_DELAY),
            next_seq: 0,
            phase,
            poll_k: 0,
            last_poll: SimTime::ZERO,
            arrivals_done: false,
            end_marker: SimTime::ZERO,
            pending: single_pass::PendingSet::new(),
            values: [0.0; N_COLUMNS],
            daily: Vec::new(),
            hist: vec![0; edges.len() + 1],
            edges,
            watch: None,
            first_error: None,
            timeline: Vec::new(),
            watch_line: None,
            log: None,
        }
    }

    /// Draws the redirect latencies by importance sampling (see
    /// [`importance`]).
    fn with_importance(mut self, streams: &Streams) -> Self {
        self.importance = Some(importance::Sampler::new(self.cfg, streams));
        self
    }

    /// The next arrival strictly after `now` (or at it for a trace), if before the horizon.
    fn next_arrival(&mut self, now: SimTime) -> Option<SimTime> {
        self.arrivals.next(self.cfg, now)
    }

    fn mark_paid(&mut self, u: PaidUser, now: SimTime) {
        let paid_at = self.clocks[self.cfg.stamp].local(now).as_nanos();
        if self.watch == Some(u.seq) {
            self.step(
                now,
                StepKind::Paid,
                format!(
                    "payment accepted; record marked paid, stamped paid_at = {} by `{}`",
                    crate::time::format_clock_reading(paid_at),
                    self.cfg.hosts[self.cfg.stamp]
                ),
            );
            self.step(
                now,
                StepKind::Redirect,
                "redirect sent to the browser".into(),
            );
        }
        if self.conditional {
            self.conditional_outcome(u, now, paid_at);
            return;
        }
        let rec = Pending {
            paid_at,
            seq: u.seq,
            t_paid: now,
            t_read: u.t_read,
            day: u.day,
            weight: u.weight,
        };
        // later Paid events are later: their stamps are not below this one
        // (unless the clock steps back)
        self.pending.insert(rec, paid_at);
    }

    fn conditional_outcome(&mut self, u: PaidUser, t_paid: SimTime, paid_at: i64) {
        let Some(outcomes) = self.outcomes.as_mut() else {
            return;
        };
        let o = outcomes.user(
            &mut self.clocks[self.cfg.transfer],
            t_paid,
            paid_at,
            self.cfg.grace,
        );
        // the margin keeps this user's sampled move delay and page load
        let d = self.cfg.move_delay.sample(&mut self.r_move);
        self.sums[C_ERRORS].add(o.error);
        self.sums[C_LOST].add(o.error);
        self.sums[C_ERRORS_IDEAL].add(o.error_ideal);
        self.sums[C_EARLY].add(o.early);
        self.sums[C_MARGIN_SUM]
            .add(o.first_poll + d.as_secs_f64() - (u.t_read - t_paid).as_secs_f64());
        self.values[C_MARGIN_N] += 1.0;
        self.daily[u.day as usize][1] += o.error;
    }

    fn select(&mut self, now: SimTime) {
        let cutoff =
            self.clocks[self.cfg.transfer].local(now).as_nanos() - self.cfg.grace.as_nanos();
        let d = self.cfg.move_delay.sample(&mut self.r_move);
        let t_del = now + d;
        if let Some(w) = self.watch {
            self.watch_poll(w, now, cutoff, t_del);
        }
        let mut pending = std::mem::take(&mut self.pending);
        pending.select(cutoff, self.cfg.batch_limit, |&rec| {
            if let Some(log) = &mut self.log {
                let fate = if t_del < rec.t_read {
                    "error page"
                } else {
                    "read before"
                };
                log.push(LoggedEvent {
                    at: t_del,
                    kind: "delete",
                    id: rec.seq,
                    note: fate.into(),
                });
            }
            if t_del < rec.t_read {
                self.first_error = Some(self.first_error.map_or(rec.seq, |f| f.min(rec.seq)));
                self.values[C_ERRORS] += rec.weight;
                self.values[C_LOST] += rec.weight;
                self.daily[rec.day as usize][1] += rec.weight;
                if let Some(imp) = &mut self.importance {
                    imp.error_weight_sq += rec.weight * rec.weight;
                }
            }
            if t_del < rec.t_paid + self.cfg.grace {
                self.values[C_EARLY] += 1.0;
            }
            let margin = (t_del - rec.t_read).as_secs_f64();
            if self.importance.is_some() {
                // weighted: the margin of the latency's own law
                self.values[C_MARGIN_SUM] += rec.weight * margin;
                self.values[C_MARGIN_N] += rec.weight;
            } else {
                self.values[C_MARGIN_SUM] += margin;
                self.values[C_MARGIN_N] += 1.0;
                let bin = self.edges.partition_point(|e| *e <= margin);
                self.hist[bin] += 1;
            }
        });
        self.pending = pending;
    }

    fn schedule_poll(&mut self, ctx: &mut Context<Event>) -> Result<(), ScheduleError> {
        let base = SimTime::ZERO + self.phase + self.cfg.poll_interval.saturating_mul(self.poll_k);
        let jitter = self.cfg.poll_jitter.sample(&mut self.r_jitter);
        let at = (base + jitter).max(self.last_poll).max(ctx.now());
        self.poll_k += 1;
        ctx.schedule_at(at, Event::Poll)
    }
}

impl engine::Model for Sim<'_> {
    type Event = Event;

    fn start(&mut self, ctx: &mut Context<Event>) -> Result<(), ScheduleError> {
        let days = (self.cfg.horizon.as_nanos() + DAY.as_nanos() - 1) / DAY.as_nanos();
        self.daily = vec![[0.0; 2]; days.max(1) as usize];
        match self.next_arrival(SimTime::ZERO) {
            Some(t) => ctx.schedule_at(t, Event::Arrival)?,
            None => self.arrivals_done = true,
        }
        if !self.conditional {
            self.schedule_poll(ctx)?;
        }
        Ok(())
    }

    fn handle(&mut self, ev: Event, ctx: &mut Context<Event>) -> Result<(), ScheduleError> {
        let now = ctx.now();
        if let Some(log) = &mut self.log {
            let (kind, id) = match ev {
                Event::Arrival => ("arrival", self.next_seq),
                Event::Paid(u) => ("paid", u.seq),
                Event::Poll => ("poll", self.poll_k.saturating_sub(1) as u64),
                Event::PollSelect => ("poll_select", self.poll_k.saturating_sub(1) as u64),
            };
            log.push(LoggedEvent {
                at: now,
                kind,
                id,
                note: String::new(),
            });
        }
        match ev {
            Event::Arrival => {
                let cfg = self.cfg;
                let (logged_pay, logged_redirect) = self.arrivals.logged();
                let pay = match logged_pay {
                    Some(d) => d,
                    None => cfg.payment_latency.sample(&mut self.r_payment),
                };
                let (redirect, weight) = match (logged_redirect, &mut self.importance) {
                    (Some(d), _) => (d, 1.0),
                    (None, None) => (cfg.redirect_latency.sample(&mut self.r_redirect), 1.0),
                    (None, Some(imp)) => {
                        imp.draw(&cfg.redirect_latency.0, now + pay, &mut self.r_redirect)
                    }
                };
                let mut last_read = now + pay + redirect;
                for _ in 0..cfg.retries {
                    last_read += cfg.retry_delay.sample(&mut self.r_retry);
                }
                let t_paid = now + pay;
                let day = (now.as_nanos() / DAY.as_nanos()) as u32;
                self.values[C_USERS] += 1.0;
                self.daily[day as usize][0] += 1.0;
                self.end_marker = self.end_marker.max(last_read).max(t_paid + cfg.grace);
                let user = PaidUser {
                    seq: self.next_seq,
                    t_read: t_paid + redirect,
                    day,
                    weight,
                };
                self.next_seq += 1;
                if self.watch == Some(user.seq) {
                    self.watch_line = self.arrivals.line();
                    self.watch_arrival(now, t_paid, redirect, last_read);
                }
                if pay == SimDuration::ZERO {
                    self.mark_paid(user, now);
                } else {
                    ctx.schedule_at(t_paid, Event::Paid(user))?;
                }
                match self.next_arrival(now) {
                    Some(t) => ctx.schedule_at(t, Event::Arrival)?,
                    None => self.arrivals_done = true,
                }
            }
            Event::Paid(u) => self.mark_paid(u, now),
            Event::Poll => ctx.schedule_at(now, Event::PollSelect)?,
            Event::PollSelect => {
                self.last_poll = now;
                self.select(now);
                if !(self.arrivals_done && now > self.end_marker) {
                    self.schedule_poll(ctx)?;
                }
            }
        }
        Ok(())
    }
}

/// Runs one replication. Plain sampling runs in one pass (the `single_pass`
/// module), which also gives `error_pages_ideal`: the error pages of the same
/// replication with every clock ideal (same users, latencies and
/// polls by common random numbers). The conditional estimator gets both on
/// the engine, in one pass too.
pub(super) fn run_replication(
    cfg: &CheckoutConfig,
    log: Option<&RequestLog>,
    streams: Streams,
    estimator: Estimator,
) -> Result<RepOutput, ScheduleError> {
    match estimator {
        Estimator::Sample => return Ok(single_pass::run(cfg, log, &streams)),
        Estimator::Importance => return run_importance(cfg, log, streams),
        Estimator::Conditional => {}
    }
    let mut sim = Simulation::new(Sim::new(cfg, log, &streams, true, false), streams);
    let stats = sim.run()?;
    let model = sim.into_model();
    let mut values = model.values;
    for c in [C_ERRORS, C_LOST, C_ERRORS_IDEAL, C_EARLY, C_MARGIN_SUM] {
        values[c] = model.sums[c].total();
    }
    Ok(RepOutput {
        values: values.to_vec(),
        daily: model.daily.iter().map(|d| d.to_vec()).collect(),
        histogram: Vec::new(),
        events: stats.events,
        exact: None,
    })
}

/// One replication by importance sampling (see [`importance`]): the engine
/// with the real clocks, then with ideal clocks (the same weighted
/// latencies) for `error_pages_ideal`.
fn run_importance(
    cfg: &CheckoutConfig,
    log: Option<&RequestLog>,
    streams: Streams,
) -> Result<RepOutput, ScheduleError> {
    let real = Sim::new(cfg, log, &streams, false, false).with_importance(&streams);
    let mut sim = Simulation::new(real, streams);
    let mut events = sim.run()?.events;
    let model = sim.into_model();
    let mut values = model.values.to_vec();
    if cfg.clocks.iter().all(ClockSpec::is_ideal) {
        values[C_ERRORS_IDEAL] = values[C_ERRORS];
    } else {
        let ideal = Sim::new(cfg, log, &streams, false, true).with_importance(&streams);
        let mut sim = Simulation::new(ideal, streams);
        events += sim.run()?.events;
        values[C_ERRORS_IDEAL] = sim.model().values[C_ERRORS];
    }
    let sq = model.importance.map_or(0.0, |i| i.error_weight_sq);
    let w = values[C_ERRORS];
    values.push(if sq > 0.0 { w * w / sq } else { 0.0 });
    Ok(RepOutput {
        values,
        daily: model.daily.iter().map(|d| d.to_vec()).collect(),
        histogram: Vec::new(),
        events,
        exact: None,
    })
}

impl Sim<'_> {
    fn step(&mut self, at: SimTime, kind: StepKind, detail: String) {
        self.timeline.push(TraceStep { at, kind, detail });
    }

    fn watch_arrival(
        &mut self,
        now: SimTime,
        t_paid: SimTime,
        redirect: SimDuration,
        last_read: SimTime,
    ) {
        self.step(
            now,
            StepKind::Arrival,
            "card entered; payment submitted".into(),
        );
        let t_read = t_paid + redirect;
        self.step(
            t_read,
            StepKind::Read,
            format!(
                "confirmation page reads the record ({:.3} s after payment)",
                redirect.as_secs_f64()
            ),
        );
        if self.cfg.retries > 0 {
            self.step(
                last_read,
                StepKind::Read,
                format!(
                    "last of {} reloads of the confirmation page",
                    self.cfg.retries
                ),
            );
        }
    }

    fn watch_poll(&mut self, seq: u64, now: SimTime, cutoff: i64, t_del: SimTime) {
        const MAX_POLL_STEPS: usize = 20;
        let Some((pos, rec)) = self.pending.find(|p| p.seq == seq) else {
            return;
        };
        let eligible = rec.paid_at <= cutoff;
        // is it within the batch limit? records before it in key order go first
        let selected =
            eligible && (self.cfg.batch_limit == 0 || (pos as u32) < self.cfg.batch_limit);
        let polls = self
            .timeline
            .iter()
            .filter(|s| s.kind == StepKind::Poll)
            .count();
        if polls < MAX_POLL_STEPS || selected {
            let detail = format!(
                "transfer service polls: cutoff = local {} - grace {} = {}; paid_at {} cutoff: {}",
                crate::time::format_clock_reading(cutoff + self.cfg.grace.as_nanos()),
                self.cfg.grace,
                crate::time::format_clock_reading(cutoff),
                if eligible { "<=" } else { ">" },
                if selected {
                    "selected"
                } else if eligible {
                    "eligible, over the batch limit"
                } else {
                    "not eligible yet"
                }
            );
            self.step(now, StepKind::Poll, detail);
        }
        if selected {
            self.step(t_del, StepKind::Move, format!("transfer service moves the record to the back-end and deletes it from the front-end ({} after the poll)", t_del - now));
        }
    }
}
