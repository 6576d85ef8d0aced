//! Plain sampling of one checkout replication in a single pass, without the
//! event queue (issue #7).
//!
//! The event-driven [`Sim`](super::Sim) is the model's reference semantics
//! and still produces traces and event logs. A plain-sampling replication
//! only needs its outcome, and that depends on the order of events in a few
//! places only:
//!
//! - which records a poll sees: those marked paid before the poll's selection
//!   in the engine's (time, insertion sequence) order;
//! - the order records are selected in (oldest `paid_at` first, then user
//!   number), which decides the batch limit and the order of the float sum of
//!   margins;
//! - the order draws are taken from each stream (arrival order for the user
//!   streams, poll order for jitter and move delay).
//!
//! Everything else is integer counting. So this runner replays the two event
//! chains the engine would hold, arrivals (`Arrival`, one pending at a time)
//! and polls (`Poll`, then `PollSelect` at the same instant), merging them by
//! the very keys the engine would give them: their time and the insertion
//! sequence number the engine would have assigned, counted the same way
//! (every `schedule_at` of the model, including each `Paid` event, takes the
//! next number). Arrivals between two polls are handled in a tight loop.
//!
//! A `Paid` event needs no queue: a record is in the pending set at a
//! selection at `T` iff its user arrived before the selection (in the merged
//! order) and `t_paid <= T`. A `Paid` event at `T` itself was queued at its
//! arrival, before `T`, so before the selection, which is queued at `T`; a
//! zero payment latency marks the record within the arrival. Users paid after
//! the next selection's instant wait in a short buffer.
//!
//! **Ideal clocks in the same pass.** `skew_error_rate` needs the error pages
//! of the same replication with every clock ideal: the same users, latencies,
//! polls and move delays (none of them depends on a clock, including when the
//! polls stop), only the stamps (`paid_at = t_paid`) and the cutoffs
//! (`T - grace`) differ. So each record also enters a second pending set with
//! its ideal stamp, and each poll selects from both sets with the same
//! deletion time. The result is exactly the rerun's `error_pages`.
//!
//! The `events` column keeps its meaning: the events the engine handles for
//! the replication (arrivals, payments with a non-zero latency, two per poll),
//! twice when the ideal-clock outcome is a second replay (some clock is not
//! ideal), as the two-pass runner counted them.

use super::{
    ArrivalGen, C_EARLY, C_ERRORS, C_ERRORS_IDEAL, C_LOST, C_MARGIN_N, C_MARGIN_SUM, C_USERS,
    COLUMNS, CheckoutConfig, DAY, margin_edges,
};
use crate::clock::{Clock, ClockSpec};
use crate::engine::{Streams, cancel};
use crate::models::RepOutput;
use crate::time::{SimDuration, SimTime};

use rand::RngExt;

/// An engine key: (time, insertion sequence).
type Key = (SimTime, u64);

/// A record in the pending set of the real clocks.
#[derive(Debug, Clone, Copy)]
struct Rec {
    /// The stamp, `stamp.local(t_paid)`.
    paid_at: i64,
    /// User number.
    seq: u64,
    /// `t_paid + grace`: deleted before it, the move was early.
    early_by: SimTime,
    t_read: SimTime,
    day: u32,
}

/// A record in the pending set of the ideal clocks: stamped `t_paid`.
#[derive(Debug, Clone, Copy)]
struct IdealRec {
    paid_at: i64,
    seq: u64,
    t_read: SimTime,
}

/// What a pending set orders its records by.
trait Stamped: Copy {
    /// (`paid_at`, user number): unique, the order polls select in.
    fn key(&self) -> (i64, u64);
}
impl Stamped for Rec {
    #[inline]
    fn key(&self) -> (i64, u64) {
        (self.paid_at, self.seq)
    }
}
impl Stamped for IdealRec {
    #[inline]
    fn key(&self) -> (i64, u64) {
        (self.paid_at, self.seq)
    }
}

/// Records not yet selected, sorted by (`paid_at`, `seq`): a vector used as
/// a queue (selection takes from the front), compacted as it drains.
#[derive(Debug)]
struct PendingSet<R> {
    recs: Vec<R>,
    head: usize,
}

impl<R: Stamped> PendingSet<R> {
    fn new() -> Self {
        PendingSet {
            recs: Vec::new(),
            head: 0,
        }
    }

    /// Inserts `rec` in order; records almost always go last.
    #[inline]
    fn insert(&mut self, rec: R) {
        match self.recs.last() {
            Some(b) if self.recs.len() > self.head && b.key() > rec.key() => {
                let live = &self.recs[self.head..];
                let i = live.partition_point(|p| p.key() < rec.key());
                self.recs.insert(self.head + i, rec);
            }
            _ => self.recs.push(rec),
        }
    }

    /// Removes and passes to `f` the records a poll selects: in order, while
    /// `paid_at <= cutoff`, at most `limit` of them (0 = no limit).
    #[inline]
    fn select(&mut self, cutoff: i64, limit: u32, mut f: impl FnMut(&R)) {
        let live = &self.recs[self.head..];
        let max = if limit == 0 {
            live.len()
        } else {
            live.len().min(limit as usize)
        };
        let mut n = 0;
        for r in &live[..max] {
            if r.key().0 > cutoff {
                break;
            }
            f(r);
            n += 1;
        }
        self.head += n;
        if self.head == self.recs.len() {
            self.recs.clear();
            self.head = 0;
        } else if self.head >= 1024 && self.head * 2 >= self.recs.len() {
            self.recs.drain(..self.head);
            self.head = 0;
        }
    }
}

/// The margin histogram's edges, padded with `+inf` to 64 entries for a
/// branch-free search.
struct MarginBins {
    padded: [f64; 64],
}

impl MarginBins {
    fn new(edges: &[f64]) -> Self {
        assert!(edges.len() < 64, "margin_edges() fits the padded table");
        let mut padded = [f64::INFINITY; 64];
        padded[..edges.len()].copy_from_slice(edges);
        MarginBins { padded }
    }

    /// The bin of a finite `margin` (seconds): the number of edges at or
    /// below it, as `edges.partition_point(|e| *e <= margin)`.
    #[inline]
    fn bin(&self, margin: f64) -> usize {
        let mut i = 0;
        for step in [32, 16, 8, 4, 2, 1] {
            if self.padded[i + step - 1] <= margin {
                i += step;
            }
        }
        i
    }
}

/// The state of one replication.
struct Run<'a> {
    cfg: &'a CheckoutConfig,
    clocks: Vec<Clock>,
    /// Some clock is not ideal: keep the ideal-clock set too.
    with_ideal: bool,
    pending: PendingSet<Rec>,
    pending_ideal: PendingSet<IdealRec>,
    bins: MarginBins,
    hist: Vec<u64>,
    /// Per day: users, error pages.
    daily: Vec<[u64; 2]>,
    errors: u64,
    errors_ideal: u64,
    early: u64,
    margin_sum: f64,
    margin_n: u64,
}

impl Run<'_> {
    /// The record is marked paid (before the next selection).
    #[inline]
    fn mark(&mut self, u: &Unmarked) {
        self.pending.insert(Rec {
            paid_at: self.clocks[self.cfg.stamp].local(u.t_paid).as_nanos(),
            seq: u.seq,
            early_by: u.early_by,
            t_read: u.t_read,
            day: u.day,
        });
        if self.with_ideal {
            self.pending_ideal.insert(IdealRec {
                paid_at: u.t_paid.as_nanos(),
                seq: u.seq,
                t_read: u.t_read,
            });
        }
    }

    /// A poll selects at `now`; its records are deleted at `t_del`.
    #[inline]
    fn select(&mut self, now: SimTime, t_del: SimTime) {
        let grace = self.cfg.grace;
        let limit = self.cfg.batch_limit;
        let cutoff = self.clocks[self.cfg.transfer].local(now).as_nanos() - grace.as_nanos();
        let (errors, early, daily) = (&mut self.errors, &mut self.early, &mut self.daily);
        let (sum, n, hist, bins) = (
            &mut self.margin_sum,
            &mut self.margin_n,
            &mut self.hist,
            &self.bins,
        );
        self.pending.select(cutoff, limit, |rec| {
            if t_del < rec.t_read {
                *errors += 1;
                daily[rec.day as usize][1] += 1;
            }
            if t_del < rec.early_by {
                *early += 1;
            }
            let margin = (t_del - rec.t_read).as_secs_f64();
            *sum += margin;
            *n += 1;
            hist[bins.bin(margin)] += 1;
        });
        if self.with_ideal {
            let errors = &mut self.errors_ideal;
            self.pending_ideal
                .select(now.as_nanos() - grace.as_nanos(), limit, |rec| {
                    if t_del < rec.t_read {
                        *errors += 1;
                    }
                });
        }
    }
}

/// A user between arrival and the first selection at or after `t_paid`.
#[derive(Debug, Clone, Copy)]
struct Unmarked {
    /// User number.
    seq: u64,
    t_paid: SimTime,
    /// `t_paid + grace`.
    early_by: SimTime,
    t_read: SimTime,
    day: u32,
}

/// Runs one plain-sampling replication; the same output as two engine runs
/// (real clocks, then ideal clocks) of [`Sim`](super::Sim).
pub(super) fn run(cfg: &CheckoutConfig, streams: &Streams) -> RepOutput {
    let clocks: Vec<Clock> = cfg
        .clocks
        .iter()
        .zip(&cfg.hosts)
        .map(|(spec, name)| Clock::new(spec, streams.stream(&format!("clock/{name}"))))
        .collect();
    let all_ideal = cfg.clocks.iter().all(ClockSpec::is_ideal);
    let mut r_phase = streams.stream("poll_phase");
    let phase = SimDuration::from_nanos(r_phase.random_range(0..cfg.poll_interval.as_nanos()));
    let mut arrivals = ArrivalGen::new(cfg, streams);
    let mut r_payment = streams.stream("payment_latency");
    let mut r_redirect = streams.stream("redirect_latency");
    let mut r_retry = streams.stream("retry_delay");
    let mut r_jitter = streams.stream("poll_jitter");
    let mut r_move = streams.stream("move_delay");

    let edges = margin_edges();
    let days = (cfg.horizon.as_nanos() + DAY.as_nanos() - 1) / DAY.as_nanos();
    let mut st = Run {
        cfg,
        clocks,
        with_ideal: !all_ideal,
        pending: PendingSet::new(),
        pending_ideal: PendingSet::new(),
        hist: vec![0; edges.len() + 1],
        bins: MarginBins::new(&edges),
        daily: vec![[0; 2]; days.max(1) as usize],
        errors: 0,
        errors_ideal: 0,
        early: 0,
        margin_sum: 0.0,
        margin_n: 0,
    };
    let mut unmarked: Vec<Unmarked> = Vec::new();

    // counts of the engine's events: arrivals, payments, polls
    let mut users = 0u64;
    let mut paid_events = 0u64;
    let mut polls = 0u64;

    let grace = cfg.grace;
    let retries = cfg.retries;
    let payment = &cfg.payment_latency;
    let redirect_latency = &cfg.redirect_latency;

    // a stop requested through `engine::cancel` ends the run early, as it
    // ends the engine's loop (the caller discards the partial output)
    let stop = cancel::current();
    let stopped = || {
        stop.as_ref()
            .is_some_and(|f| f.load(std::sync::atomic::Ordering::Relaxed))
    };

    // the engine's insertion counter; start() schedules the first arrival,
    // then the first poll
    let mut seq = 0u64;
    let mut next_arrival: Option<Key> = arrivals.next(cfg, SimTime::ZERO).map(|t| {
        seq += 1;
        (t, seq - 1)
    });
    let mut arrivals_done = next_arrival.is_none();
    let mut end_marker = SimTime::ZERO;
    let mut day = 0u32;
    let mut day_end = SimTime::ZERO + DAY;
    let mut poll_k = 0i64;
    let mut last_poll = SimTime::ZERO;
    let mut schedule_poll = |now: SimTime, last_poll: SimTime, seq: &mut u64| -> Key {
        let base = SimTime::ZERO + phase + cfg.poll_interval.saturating_mul(poll_k);
        let jitter = cfg.poll_jitter.sample(&mut r_jitter);
        let at = (base + jitter).max(last_poll).max(now);
        poll_k += 1;
        *seq += 1;
        (at, *seq - 1)
    };
    // the poll chain: its next event's key, and whether it is the selection
    // (`PollSelect`) or the poll (`Poll`)
    let mut poll: Option<(Key, bool)> =
        Some((schedule_poll(SimTime::ZERO, last_poll, &mut seq), false));

    'run: loop {
        // arrivals before the poll chain's next event, in a tight loop
        let until = poll.map(|(k, _)| k);
        // the instant of the next selection
        let select_at = until.map_or(SimTime::MAX, |k| k.0);
        while let Some(key) = next_arrival
            && until.is_none_or(|u| key < u)
        {
            if users.is_multiple_of(cancel::CHECK_EVERY) && stopped() {
                break 'run;
            }
            let now = key.0;
            let pay = payment.sample(&mut r_payment);
            let redirect = redirect_latency.sample(&mut r_redirect);
            let t_paid = now + pay;
            let t_read = t_paid + redirect;
            let mut last_read = t_read;
            for _ in 0..retries {
                last_read += cfg.retry_delay.sample(&mut r_retry);
            }
            // now / DAY, without a division per user (arrivals are in order)
            while now >= day_end {
                day += 1;
                day_end += DAY;
            }
            st.daily[day as usize][0] += 1;
            let early_by = t_paid + grace;
            end_marker = end_marker.max(last_read).max(early_by);
            if pay != SimDuration::ZERO {
                // the engine queues a `Paid` event
                paid_events += 1;
                seq += 1;
            }
            let u = Unmarked {
                seq: users,
                t_paid,
                early_by,
                t_read,
                day,
            };
            if t_paid <= select_at {
                st.mark(&u);
            } else {
                unmarked.push(u);
            }
            users += 1;
            next_arrival = arrivals.next(cfg, now).map(|t| {
                seq += 1;
                (t, seq - 1)
            });
            if next_arrival.is_none() {
                arrivals_done = true;
            }
        }
        let Some((key, selecting)) = poll else {
            break;
        };
        if !selecting {
            // Poll: the selection goes after every event already queued for
            // this instant
            seq += 1;
            poll = Some(((key.0, seq - 1), true));
            continue;
        }
        // PollSelect: the records marked paid by now join the pending sets
        let now = key.0;
        if polls.is_multiple_of(cancel::CHECK_EVERY) && stopped() {
            break;
        }
        polls += 1;
        last_poll = now;
        if !unmarked.is_empty() {
            unmarked.retain(|u| {
                if u.t_paid <= now {
                    st.mark(u);
                    false
                } else {
                    true
                }
            });
        }
        let d = cfg.move_delay.sample(&mut r_move);
        st.select(now, now + d);
        poll = if !(arrivals_done && now > end_marker) {
            Some((schedule_poll(now, last_poll, &mut seq), false))
        } else {
            None
        };
    }

    let mut values = vec![0.0; COLUMNS.len()];
    values[C_USERS] = users as f64;
    values[C_ERRORS] = st.errors as f64;
    values[C_ERRORS_IDEAL] = if all_ideal {
        st.errors
    } else {
        st.errors_ideal
    } as f64;
    values[C_LOST] = st.errors as f64;
    values[C_EARLY] = st.early as f64;
    values[C_MARGIN_SUM] = st.margin_sum;
    values[C_MARGIN_N] = st.margin_n as f64;
    let passes = if all_ideal { 1 } else { 2 };
    RepOutput {
        values,
        daily: st
            .daily
            .iter()
            .map(|d| vec![d[0] as f64, d[1] as f64])
            .collect(),
        histogram: st.hist,
        events: passes * (users + paid_events + 2 * polls),
        exact: None,
    }
}
