//! The terminal model on the engine.
//!
//! The engine runs at terminal-day granularity: one event per terminal-day, at
//! the day's closing time (when the batch settles and the alert scan runs).
//! The handler plays the whole terminal-day in a tight loop over preallocated
//! buffers that are reused from one terminal-day to the next, with
//! counter-indexed arrays instead of hash maps, and no allocation per
//! transaction.
//!
//! Randomness: the terminal's mean daily count and its regulars' usual orders
//! come from streams indexed by terminal (`volume`, `usual`); each terminal-day
//! has its own streams (`counts`, `times`, `cards`, `amounts`, `resubmit`),
//! indexed by `terminal << 32 | day`. Cards and amounts are drawn by position
//! in the day: the draw for position `i` is the `i`-th output of SplitMix64
//! seeded by the first output of the `cards` (or `amounts`) stream, so a
//! position can be drawn or skipped without moving any other draw. Results
//! therefore do not depend on the order in which terminal-days are played, a
//! split of the fleet into shards replays the same days, and a terminal-day
//! that cannot produce a duplicate key (no counter value used twice, no
//! resubmission) is counted without being played.
//!
//! Within a day only the *keyed* positions (those whose counter value is used
//! more than once, and resubmitted ones) get an amount, a time and a
//! processor request: on a day of 1100 purchases, 202 of them. The others
//! only draw a card when return visits are on, since who has paid so far
//! decides who can come back.
//!
//! Tallies that the conditional estimator makes fractional are kept in fixed
//! point (2^-64 units, `u128`), so sums are exact and do not depend on the
//! order they are added in. Each terminal-day's tally is also added to the
//! bin of its purchase count ([`VolumeTally`], `volume.csv`).
//!
//! The request log of `trace --events` ([`TerminalSim::with_log`]) plays
//! every terminal-day and every position: the positions that need no key get
//! their card and amount from the same positional draws, and their times from
//! a stream of their own (`log_times`), as uniforms between the keyed
//! positions' times, so every count and every keyed time stays the run's.

use rand::Rng;
use rand_distr::{Distribution, Poisson};

use super::config::{MAX_DAILY_MEAN, TerminalConfig};
use super::day::{DayPlay, usual_order};
use super::requests::{CollisionTrace, LogState};
use super::state::{
    Buffers, Counts, Derived, LONG_CHAINS, NONE, NS_PER_DAY, Pick, ResubClock, TWO_POW_53,
    TerminalState, threshold,
};
use super::streams as stream;
use super::tally::Tally;
use super::times::{all_times, keyed_times, segments};
use super::values::ClockOwner;
use super::values::{DayToDay, Overflow, Scope};
use super::volume::VolumeTally;
use crate::clock::Clock;
use crate::engine::{self, Context, ScheduleError, Streams, cancel};
use crate::model::Estimator;
use crate::time::SimTime;

/// One terminal's clock and its own copy of the processor's clock (the same
/// draws for every terminal: a copy per terminal keeps each copy's queries
/// in time order), and the true time of the terminal's last purchase, from
/// which the next one is looked for.
#[derive(Debug, Clone)]
pub(crate) struct TermClocks {
    terminal: Clock,
    processor: Clock,
    last: SimTime,
}

/// A terminal-day to play.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TerminalDay {
    terminal: u32,
    day: u32,
}

/// The model: the fleet's state, the buffers, the running tallies.
pub(crate) struct TerminalSim<'c> {
    cfg: &'c TerminalConfig,
    d: Derived,
    days: u32,
    trace: bool,
    /// `Some((k, n))`: play only the terminals `t` with `t % n == k - 1`.
    part: Option<(u64, u64)>,
    terminals: Vec<TerminalState>,
    work: Buffers,
    pub(crate) total: Tally,
    pub(crate) daily: Vec<Tally>,
    pub(crate) first: Option<CollisionTrace>,
    /// Terminal-days, purchases and false reversals by daily volume.
    pub(crate) volume: VolumeTally,
    /// The request log (`trace --events`), when asked for.
    pub(crate) log: Option<LogState>,
    /// A stop requested while a terminal-day plays (checked per request).
    stop: cancel::Check,
    /// Each terminal's clocks, when some clock is not ideal.
    clocks: Vec<TermClocks>,
}

impl<'c> TerminalSim<'c> {
    pub(crate) fn new(
        cfg: &'c TerminalConfig,
        days: u32,
        estimator: Estimator,
        trace: bool,
    ) -> Self {
        let m = cfg.dedup_match;
        let conditional = estimator == Estimator::Conditional && m.counter && !trace;
        let window = |s: Option<Scope>| match s {
            Some(Scope::Window(w)) => Some(w.as_nanos()),
            _ => None,
        };
        let clocked = cfg.clocks.as_ref().is_some_and(|c| !c.is_ideal());
        let d = Derived {
            range: cfg.range,
            new_batch: cfg.overflow == Overflow::NewBatch,
            regulars: cfg.regulars,
            regular_share: cfg.regular_share,
            return_visit: cfg.return_visit,
            same_order: cfg.same_order,
            t_return: threshold(cfg.return_visit),
            first: Pick::new((1.0 - cfg.return_visit) * cfg.regular_share, cfg.regulars),
            first_empty: Pick::new(cfg.regular_share, cfg.regulars),
            track_paid: cfg.return_visit > 0.0 && cfg.regular_share > 0.0,
            p_given_regular: cfg.regular_share / f64::from(cfg.regulars),
            needs_times: trace
                || clocked
                || cfg.resubmit_probability > 0.0
                || window(Some(cfg.dedup_scope)).is_some()
                || window(cfg.alert).is_some(),
            conditional,
            track_usual: conditional && m.amount && !m.card && cfg.same_order > 0.0,
            window_ns: window(Some(cfg.dedup_scope))
                .unwrap_or(0)
                .max(window(cfg.alert).unwrap_or(0)),
            segments: segments(&cfg.hours),
            long_chains: LONG_CHAINS,
            clocked,
            dedup_proc: clocked && cfg.dedup_clock == ClockOwner::Processor,
            alert_proc: clocked && cfg.alert_clock == ClockOwner::Processor,
        };
        TerminalSim {
            cfg,
            d,
            days,
            trace,
            part: None,
            terminals: Vec::new(),
            work: Buffers::default(),
            total: Tally::default(),
            daily: vec![Tally::default(); days as usize],
            first: None,
            volume: VolumeTally::new(cfg.range),
            log: None,
            stop: cancel::Check::current(),
            clocks: Vec::new(),
        }
    }

    /// Plays only part `k` of `n` of the fleet: the terminals `t` with
    /// `t % n == k - 1` (a shard of one replication). Each terminal's draws
    /// come from its own streams, so the parts' tallies add up exactly to the
    /// whole fleet's.
    pub(crate) fn with_part(mut self, part: Option<(u64, u64)>) -> Self {
        self.part = part;
        self
    }

    /// Walks the counter chains on every day, however long (tests compare
    /// the two ways of finding a duplicate key).
    #[cfg(test)]
    pub(crate) fn walking_chains(mut self) -> Self {
        self.d.long_chains = u64::MAX;
        self
    }

    /// Turns on the request log of `trace --events`: every request and
    /// outcome of the replication, every terminal-day played (those that
    /// cannot produce a duplicate too, which changes no count). The run
    /// stops once `limit` rows were made. Use with the `sample` estimator.
    pub(crate) fn with_log(mut self, limit: u64) -> Self {
        self.d.needs_times = true;
        self.d.conditional = false;
        self.d.track_usual = false;
        self.log = Some(LogState {
            rows: Vec::new(),
            made: 0,
            limit,
            overflow: false,
        });
        self
    }

    /// Request log with clocks that are not ideal: a true time before which
    /// no request of terminal-day `day` or later can arrive (`None` without
    /// such clocks: then none arrives before the day opens). A terminal's
    /// purchases come one after another in true time, each the first
    /// instant after its previous one at which its clock reads the
    /// purchase's time, so its next one is no earlier than the first
    /// instant, after its last purchase, at which its clock reads the day's
    /// opening; resubmissions come later still. Asked of copies of the
    /// clocks, so the run's own clocks are not moved.
    pub(crate) fn arrivals_from(&self, day: u32) -> Option<SimTime> {
        if !self.d.clocked {
            return None;
        }
        let open = i64::from(day) * NS_PER_DAY + self.cfg.hours.open_ns();
        let v = SimTime::from_nanos(open);
        let until = SimTime::from_nanos(open + 2 * NS_PER_DAY);
        self.clocks
            .iter()
            .map(|c| {
                c.terminal
                    .clone()
                    .first_reading_at_least(v, c.last, until)
                    .unwrap_or(until)
            })
            .min()
    }

    /// True if two requests of a terminal-day of `n` purchases can share a key
    /// in some scope that matters; otherwise the day is counted, not played.
    fn can_match(&self, n: u32) -> bool {
        let cfg = self.cfg;
        if cfg.resubmit_probability > 0.0 {
            return n > 0;
        }
        if n < 2 {
            return false;
        }
        let m = cfg.dedup_match;
        if m.card && cfg.regular_share == 0.0 {
            // Every card is a one-off, and one-off cards never come back.
            return false;
        }
        if m.counter {
            if n <= cfg.range {
                return false;
            }
            if self.d.new_batch
                && cfg.dedup_scope == Scope::Batch
                && matches!(cfg.alert, None | Some(Scope::Batch))
            {
                return false;
            }
        }
        true
    }

    fn play(&mut self, terminal: u32, day: u32, streams: &Streams) -> Tally {
        let idx = (u64::from(terminal) << 32) | u64::from(day);
        let n = match &self.terminals[terminal as usize].counts {
            Counts::Zero => 0,
            Counts::Fixed(n) => *n,
            Counts::Poisson(p) => {
                let x: f64 = p.sample(&mut streams.indexed(stream::COUNTS, idx));
                x.min(f64::from(u32::MAX - 1)) as u32
            }
        };
        let r = self.d.range;
        let mut tally = Tally {
            transactions: u64::from(n),
            terminal_days: 1,
            overflow_days: u64::from(n > r),
            extra_batches: if self.d.new_batch && n > 0 {
                u64::from((n - 1) / r)
            } else {
                0
            },
            counter_excess: u64::from(n.saturating_sub(r)),
            ..Tally::default()
        };
        if (!self.can_match(n) && (self.log.is_none() || n == 0) && !(self.d.clocked && n > 0))
            || self.stop.stopped()
        {
            return tally;
        }
        self.play_requests(terminal, day, idx, n, streams, &mut tally);
        tally
    }

    /// Plays the requests of a terminal-day of `n` purchases.
    ///
    /// Only *keyed* positions (a counter value used more than once that day,
    /// or a purchase that is resubmitted; every position when the counter is
    /// not in the key) can share a key with another request: they get an
    /// amount, a time and a request. The other positions matter only through
    /// the set of regulars who have paid (for return visits), so they get a
    /// card draw when return visits are on, and nothing otherwise. Cards and
    /// amounts are drawn by position (SplitMix64 of the terminal-day's key and
    /// the position), so skipping a position shifts no other draw.
    fn play_requests(
        &mut self,
        terminal: u32,
        day: u32,
        idx: u64,
        n: u32,
        streams: &Streams,
        tally: &mut Tally,
    ) {
        let cfg = self.cfg;
        let d = &self.d;
        let w = &mut self.work;
        let r = d.range;
        let term = &self.terminals[terminal as usize];

        // Resubmissions: the purchases that hit a communication error, by
        // geometric skips (one logarithm per resubmission, not per purchase).
        w.resub_pos.clear();
        if cfg.resubmit_probability > 0.0 {
            let mut rng = streams.indexed(stream::RESUBMIT, idx);
            let p = cfg.resubmit_probability;
            let ln_q = (-p).ln_1p();
            let mut i: u64 = 0;
            loop {
                let skip = if p >= 1.0 {
                    0.0
                } else {
                    let u = ((rng.next_u64() >> 11) + 1) as f64 / TWO_POW_53;
                    (u.ln() / ln_q).floor()
                };
                if skip >= f64::from(n) {
                    break;
                }
                i += skip as u64;
                if i >= u64::from(n) {
                    break;
                }
                let delay = cfg.resubmit_delay.sample(&mut rng).as_nanos();
                w.resub_pos.push((i as u32, delay));
                i += 1;
            }
            tally.resubmissions = w.resub_pos.len() as u64;
        }

        // Keyed positions, ascending.
        w.keyed.clear();
        if !cfg.dedup_match.counter || n >= 2 * r {
            w.keyed.extend(0..n);
        } else {
            let (a_end, b_start) = if n > r { (n - r, r) } else { (0, n) };
            let mut rs = w.resub_pos.iter().map(|x| x.0).peekable();
            for (lo, hi) in [(0, a_end), (b_start, n)] {
                while let Some(p) = rs.next_if(|&p| p < lo) {
                    w.keyed.push(p);
                }
                w.keyed.extend(lo..hi);
                while rs.next_if(|&p| p < hi).is_some() {}
            }
            w.keyed.extend(rs);
        }

        // Times of day at the keyed positions (only when something depends
        // on them).
        if d.needs_times {
            keyed_times(w, &d.segments, n, &mut streams.indexed(stream::TIMES, idx));
        }
        let logging = self.log.is_some();
        if logging || d.clocked {
            all_times(
                w,
                &d.segments,
                n,
                &mut streams.indexed(stream::LOG_TIMES, idx),
            );
        }
        if d.clocked {
            let zone = cfg.clocks.as_ref().map_or(0, |c| c.zone.as_nanos());
            tally.day_mismatches = read_clocks(
                w,
                &mut self.clocks[terminal as usize],
                day,
                zone,
                logging || self.trace,
            );
        }
        // Resubmissions in arrival order.
        w.resubs.clear();
        if !w.resub_pos.is_empty() {
            let mut k = 0usize;
            for &(p, delay) in &w.resub_pos {
                while w.keyed[k] != p {
                    k += 1;
                }
                w.resubs.push((w.time[k].saturating_add(delay), p));
            }
            w.resubs.sort_unstable();
        }

        let nu = n as usize;
        if w.card.len() < nu {
            w.card.resize(nu, 0);
            w.amount.resize(nu, 0);
        }
        if cfg.dedup_match.counter {
            // Every entry of `head` is NONE but those the last day's requests
            // set: reset those, not the whole array.
            for q in &w.reqs {
                w.head[q.counter as usize] = NONE;
            }
            let len = r.min(n) as usize + 1;
            if w.head.len() < len {
                w.head.resize(len, NONE);
            }
        }
        w.reqs.clear();
        if !cfg.dedup_match.counter {
            w.keymap.clear();
        }
        let long_chains = cfg.dedup_match.counter
            && !d.conditional
            && u64::from(n) > d.long_chains.saturating_mul(u64::from(r));
        if long_chains {
            w.cmap.clear();
        }
        // Regulars who paid today: a stamp per regular, no clearing.
        if d.regular_share > 0.0 && w.paid_stamp.len() < d.regulars as usize {
            w.paid_stamp = vec![0; d.regulars as usize];
            w.stamp = 0;
        }
        w.stamp = w.stamp.wrapping_add(1);
        if w.stamp == 0 {
            w.paid_stamp.iter_mut().for_each(|s| *s = 0);
            w.stamp = 1;
        }
        let cap = (d.regulars.min(n) as usize) + 1;
        if d.regular_share > 0.0 && w.paid.len() < cap {
            w.paid.resize(cap, 0);
        }
        w.n_paid = 0;
        if d.track_usual {
            w.paid_by_usual.clear();
            w.paid_by_usual.resize(cfg.menu.cents.len(), 0);
        }

        let mut amounts = streams.indexed(stream::AMOUNTS, idx);
        let mut play = DayPlay {
            cfg,
            d,
            w,
            term,
            tally,
            trace: self.trace && self.first.is_none(),
            first: None,
            log: self.log.as_mut(),
            terminal,
            day,
            card_key: streams.indexed(stream::CARDS, idx).next_u64(),
            amount_key: amounts.next_u64(),
            menu_key: amounts.next_u64(),
            long_chains,
            stop: &mut self.stop,
        };
        let mut next_resub = 0usize;
        let mut next_pos = 0u32;
        let mut c = 0u32;
        for k in 0..play.w.keyed.len() {
            if play.stop.tick(1) {
                // the replication is being stopped and will be dropped
                return;
            }
            let i = play.w.keyed[k];
            // The counter, without a division on runs of positions.
            c = if i == next_pos && k > 0 {
                if c == r { 1 } else { c + 1 }
            } else {
                i % r + 1
            };
            if logging {
                play.unkeyed(next_pos, i);
            } else if d.track_paid {
                play.track_paid(next_pos, i);
            }
            next_pos = i + 1;
            let ti = if d.needs_times { play.w.time[k] } else { 0 };
            while next_resub < play.w.resubs.len() && play.w.resubs[next_resub].0 < ti {
                let (t, p) = play.w.resubs[next_resub];
                let pday = resub_pday(play.w, d, p);
                play.request(p, p % r + 1, t, pday, true, true);
                next_resub += 1;
            }
            let pday = if d.clocked {
                play.w.pday_all[i as usize]
            } else {
                0
            };
            if d.conditional {
                play.conditional_purchase(i, c, ti, pday);
            }
            play.draw(i);
            play.request(i, c, ti, pday, false, !d.conditional);
        }
        if logging {
            play.unkeyed(next_pos, n);
        }
        while next_resub < play.w.resubs.len() {
            let (t, p) = play.w.resubs[next_resub];
            let pday = resub_pday(play.w, d, p);
            play.request(p, p % r + 1, t, pday, true, true);
            next_resub += 1;
        }
        if let Some(f) = play.first.take() {
            self.first = Some(f);
        }
    }
}

/// The processor's day minus the terminal's for the resubmission of
/// purchase `p` (0 without clocks).
#[inline]
fn resub_pday(w: &Buffers, d: &Derived, p: u32) -> i16 {
    if !d.clocked {
        return 0;
    }
    w.resub_pos
        .binary_search_by_key(&p, |r| r.0)
        .map_or(0, |k| w.resub_clock[k].pday)
}

/// The processor's reading at true time `t` (in its zone) and its day minus
/// `day`, clamped to the `i16` range.
fn processor_day(processor: &mut Clock, t: i64, zone: i64, day: u32) -> (i64, i16) {
    let reading = processor.local(SimTime::from_nanos(t)).as_nanos() + zone;
    let diff = reading.div_euclid(NS_PER_DAY) - i64::from(day);
    (
        reading,
        diff.clamp(i64::from(i16::MIN), i64::from(i16::MAX)) as i16,
    )
}

/// Clocks: the true time of every purchase of terminal-day `day` (the first
/// instant, after the terminal's previous purchase, at which its clock reads
/// the purchase's time of day on that day), the processor's reading and day
/// then, and the same for each resubmission (`resub_pos`), which arrives its
/// delay after its original in true time. With `readings` (request log and
/// trace), also the terminal's reading at each of these instants. Returns
/// the purchases whose processor day is not the terminal's.
fn read_clocks(w: &mut Buffers, clk: &mut TermClocks, day: u32, zone: i64, readings: bool) -> u64 {
    let base = i64::from(day) * NS_PER_DAY;
    w.true_all.clear();
    w.proc_all.clear();
    w.pday_all.clear();
    w.term_all.clear();
    w.resub_clock.clear();
    let mut mismatches = 0u64;
    let mut next = 0usize;
    for (i, &tod) in w.all_time.iter().enumerate() {
        let v = SimTime::from_nanos(base + tod);
        // A clock more than two days behind never reads `v` in time: the
        // purchase is put at the end of that search (no realistic clock).
        let until = SimTime::from_nanos(base + tod + 2 * NS_PER_DAY);
        let t = clk
            .terminal
            .first_reading_at_least(v, clk.last, until)
            .unwrap_or(until);
        clk.last = t;
        let (reading, pday) = processor_day(&mut clk.processor, t.as_nanos(), zone, day);
        mismatches += u64::from(pday != 0);
        w.true_all.push(t.as_nanos());
        w.proc_all.push(reading);
        w.pday_all.push(pday);
        if readings {
            w.term_all.push(clk.terminal.local(t).as_nanos());
        }
        while next < w.resub_pos.len() && w.resub_pos[next].0 as usize == i {
            let tr = t.as_nanos().saturating_add(w.resub_pos[next].1);
            let (processor, pday) = processor_day(&mut clk.processor, tr, zone, day);
            let terminal = if readings {
                clk.terminal.local(SimTime::from_nanos(tr)).as_nanos()
            } else {
                0
            };
            w.resub_clock.push(ResubClock {
                at: tr,
                terminal,
                processor,
                pday,
            });
            next += 1;
        }
    }
    mismatches
}

impl engine::Model for TerminalSim<'_> {
    type Event = TerminalDay;

    fn start(&mut self, ctx: &mut Context<TerminalDay>) -> Result<(), ScheduleError> {
        let cfg = self.cfg;
        self.terminals.reserve(cfg.terminals as usize);
        for t in 0..cfg.terminals {
            let mean = cfg
                .daily
                .sample(&mut ctx.rng_indexed(stream::VOLUME, u64::from(t)))
                .clamp(0.0, MAX_DAILY_MEAN);
            // NaN (never from a validated distribution) would clamp to NaN.
            let mean = if mean.is_nan() { 0.0 } else { mean };
            let counts = match cfg.day_to_day {
                DayToDay::Fixed => Counts::Fixed(mean.round() as u32),
                DayToDay::Poisson => match Poisson::new(mean) {
                    Ok(p) => Counts::Poisson(p),
                    Err(_) => Counts::Zero,
                },
            };
            let usual_key = ctx.rng_indexed(stream::USUAL, u64::from(t)).next_u64();
            let usual_count = if self.d.track_usual {
                let mut v = vec![0u32; cfg.menu.cents.len()];
                for r in 0..cfg.regulars {
                    if self.stop.tick(1) {
                        return Ok(());
                    }
                    v[usual_order(cfg, usual_key, r) as usize] += 1;
                }
                v
            } else {
                Vec::new()
            };
            self.terminals.push(TerminalState {
                counts,
                usual_key,
                usual_count,
            });
        }
        if self.d.clocked
            && let Some(c) = &cfg.clocks
        {
            let streams = *ctx.streams();
            let processor = c.processor_clock(&streams);
            // Before the first purchase of any clock within two days of true
            // time.
            let last = SimTime::from_nanos(-2 * NS_PER_DAY);
            self.clocks = (0..cfg.terminals)
                .map(|t| TermClocks {
                    terminal: c.terminal_clock(t, &streams),
                    processor: processor.clone(),
                    last,
                })
                .collect();
        }
        if self.days > 0 {
            let close = cfg.hours.close_ns();
            for t in 0..cfg.terminals {
                if let Some((k, n)) = self.part
                    && u64::from(t) % n != k - 1
                {
                    continue;
                }
                ctx.schedule_at(
                    SimTime::from_nanos(close),
                    TerminalDay {
                        terminal: t,
                        day: 0,
                    },
                )?;
            }
        }
        Ok(())
    }

    fn handle(
        &mut self,
        ev: TerminalDay,
        ctx: &mut Context<TerminalDay>,
    ) -> Result<(), ScheduleError> {
        let streams = *ctx.streams();
        let tally = self.play(ev.terminal, ev.day, &streams);
        self.total.merge(&tally);
        self.daily[ev.day as usize].merge(&tally);
        self.volume.add(&tally);
        if let Some(log) = &mut self.log
            && log.made > log.limit
        {
            log.overflow = true;
            ctx.stop();
            return Ok(());
        }
        if self.trace && self.first.is_some() {
            ctx.stop();
            return Ok(());
        }
        if ev.day + 1 < self.days {
            let at = i64::from(ev.day + 1) * NS_PER_DAY + self.cfg.hours.close_ns();
            ctx.schedule_at(
                SimTime::from_nanos(at),
                TerminalDay {
                    terminal: ev.terminal,
                    day: ev.day + 1,
                },
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Streams;
    use crate::models::terminal::RawTerminal;
    use crate::models::terminal::state::Buffers as Work;
    use crate::models::terminal::tally::Fixed;

    fn config(text: &str) -> TerminalConfig {
        #[derive(serde::Deserialize)]
        struct Doc {
            terminal: RawTerminal,
        }
        let doc: Doc = toml::from_str(text).expect("parses");
        TerminalConfig::from_raw(&doc.terminal, std::path::Path::new(".")).expect("valid")
    }

    #[test]
    fn keyed_times_are_the_order_statistics_of_the_day() {
        // Flat profile over 10 hours: the time of position k, as a share of
        // the opening hours, has mean (k + 1) / (n + 1) and variance
        // mean * (1 - mean) / (n + 2).
        const N: u32 = 1000;
        const RUNS: u64 = 4000;
        let cfg = config(
            "[terminal]\nterminals = 1\ndaily_transactions = 1\nopen = \"08:00\"\nclose = \"18:00\"\n\
             [terminal.menu]\nprices = [{ price = \"1\" }]\n",
        );
        let keyed = [0u32, 1, 500, 998, 999];
        let mut w = Work::default();
        w.keyed.extend_from_slice(&keyed);
        let mut sums = [0.0f64; 5];
        let open = 8.0 * 3600e9;
        let span = 10.0 * 3600e9;
        for run in 0..RUNS {
            keyed_times(
                &mut w,
                &segments(&cfg.hours),
                N,
                &mut Streams::new(5, run).stream("times"),
            );
            assert!(w.time.windows(2).all(|p| p[0] <= p[1]), "sorted");
            for (s, &t) in sums.iter_mut().zip(&w.time) {
                let u = (t as f64 - open) / span;
                assert!((0.0..1.0).contains(&u));
                *s += u;
            }
        }
        for (k, s) in keyed.iter().zip(sums) {
            let mean = f64::from(k + 1) / f64::from(N + 1);
            let se = (mean * (1.0 - mean) / f64::from(N + 2) / RUNS as f64).sqrt();
            let got = s / RUNS as f64;
            assert!(
                (got - mean).abs() < 4.0 * se,
                "position {k}: {got} vs {mean}"
            );
        }
    }

    #[test]
    fn fixed_point_sums_are_exact_and_order_free() {
        let xs = [0.1, 0.25, 1e-9, 3.0, 0.7];
        let (mut a, mut b) = (Fixed::default(), Fixed::default());
        for x in xs {
            a.add_f64(x);
        }
        for x in xs.iter().rev() {
            b.add_f64(*x);
        }
        assert_eq!(a, b);
        let mut c = Fixed::default();
        c.add_count(3);
        assert_eq!(c.to_f64(), 3.0);
    }
}
