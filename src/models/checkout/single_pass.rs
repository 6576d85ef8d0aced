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

use super::config::CheckoutConfig;
use super::log::RequestLog;
use super::margin::margin_edges;
use super::metrics::{
    C_EARLY, C_ERRORS, C_ERRORS_IDEAL, C_LOST, C_MARGIN_N, C_MARGIN_SUM, C_USERS, N_COLUMNS,
};
use super::sim::{ArrivalGen, DAY};
use super::streams as stream;
use crate::clock::{Clock, ClockSpec};
use crate::engine::{Streams, cancel};
use crate::model::RepOutput;
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
pub(super) trait Stamped: Copy {
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

/// A record in the out-of-order heap, ordered so that `BinaryHeap` (a
/// max-heap) pops the smallest key first.
#[derive(Debug, Clone, Copy)]
struct Late<R>(R);
impl<R: Stamped> PartialEq for Late<R> {
    fn eq(&self, o: &Self) -> bool {
        self.0.key() == o.0.key()
    }
}
impl<R: Stamped> Eq for Late<R> {}
impl<R: Stamped> PartialOrd for Late<R> {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl<R: Stamped> Ord for Late<R> {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        o.0.key().cmp(&self.0.key())
    }
}

/// How far back from the end of the sorted run a record may be inserted
/// (a short move); a record that goes further back waits in the heap.
const SHORT_INSERT: usize = 32;

/// Records not yet selected, in (`paid_at`, `seq`) order.
///
/// Three parts, merged by key when a poll selects, so the order is exactly
/// the sorted order:
/// - `fresh`, a small min-heap of the records that a later one may still
///   undercut: a record is inserted with the stamp no later record can go
///   below (`settled`, the stamping clock's reading now: later users are
///   paid later), and records at or below it leave the heap, in order;
/// - `recs`, a sorted vector used as a queue (selection takes from the
///   front, compacted as it drains), which the records leaving `fresh` are
///   appended to;
/// - `late`, a min-heap for the few records that come after the vector has
///   moved past their stamp (a clock stepping back, a user marked paid at a
///   poll after later ones).
///
/// Every operation is O(log n), and the heaps stay small in the common
/// case (`fresh` holds about the arrivals of one payment latency). Before,
/// a record out of order was inserted into the vector, moving everything
/// after it: quadratic at millions of users an hour.
#[derive(Debug)]
pub(super) struct PendingSet<R> {
    recs: Vec<R>,
    head: usize,
    fresh: std::collections::BinaryHeap<Late<R>>,
    late: std::collections::BinaryHeap<Late<R>>,
}

impl<R: Stamped> Default for PendingSet<R> {
    fn default() -> Self {
        PendingSet {
            recs: Vec::new(),
            head: 0,
            fresh: std::collections::BinaryHeap::new(),
            late: std::collections::BinaryHeap::new(),
        }
    }
}

impl<R: Stamped> PendingSet<R> {
    pub(super) fn new() -> Self {
        Self::default()
    }

    /// The records held.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.recs.len() - self.head + self.late.len() + self.fresh.len()
    }

    /// Inserts `rec`; no record inserted later will have a stamp below
    /// `settled` (else it is still placed right, only more slowly).
    #[inline(always)]
    pub(super) fn insert(&mut self, rec: R, settled: i64) {
        if self.fresh.is_empty() && (rec.key().0 <= settled || self.fits(&rec)) {
            // in order, or nearly (a few users an hour, a short latency):
            // straight into the vector
            self.place(rec);
            return;
        }
        self.fresh.push(Late(rec));
        while let Some(top) = self.fresh.peek()
            && top.0.key().0 <= settled
        {
            let r = top.0;
            self.fresh.pop();
            self.place(r);
        }
    }

    /// True when `rec` goes at the end of the vector or a short way back.
    #[inline(always)]
    fn fits(&self, rec: &R) -> bool {
        let live = &self.recs[self.head..];
        let from = live.len().saturating_sub(SHORT_INSERT);
        live.get(from).is_none_or(|r| r.key() < rec.key())
    }

    /// Puts `rec` into the vector when in order (or a short way back), else
    /// into the late heap.
    #[inline(always)]
    fn place(&mut self, rec: R) {
        let k = rec.key();
        match self.recs.last() {
            Some(b) if self.recs.len() > self.head && b.key() > k => {
                let live = &self.recs[self.head..];
                let from = live.len().saturating_sub(SHORT_INSERT);
                if live[from].key() < k {
                    let i = from + live[from..].partition_point(|p| p.key() < k);
                    self.recs.insert(self.head + i, rec);
                } else {
                    self.late.push(Late(rec));
                }
            }
            _ => self.recs.push(rec),
        }
    }

    /// The first record `is` accepts, with the number of records before it
    /// in key order (a linear scan: for traces of one user).
    pub(super) fn find(&self, is: impl Fn(&R) -> bool) -> Option<(usize, R)> {
        let live = &self.recs[self.head..];
        let rec = live
            .iter()
            .chain(self.late.iter().map(|l| &l.0))
            .chain(self.fresh.iter().map(|l| &l.0))
            .find(|r| is(r))
            .copied()?;
        let k = rec.key();
        let before = live.iter().filter(|r| r.key() < k).count()
            + self.late.iter().filter(|l| l.0.key() < k).count()
            + self.fresh.iter().filter(|l| l.0.key() < k).count();
        Some((before, rec))
    }

    /// Removes and passes to `f` the records a poll selects: in key order,
    /// while `paid_at <= cutoff`, at most `limit` of them (0 = no limit).
    /// Returns how many.
    #[inline]
    pub(super) fn select(&mut self, cutoff: i64, limit: u32, mut f: impl FnMut(&R)) -> usize {
        if !self.fresh.is_empty() || !self.late.is_empty() {
            return self.select_merged(cutoff, limit, f);
        }
        let max = if limit == 0 {
            usize::MAX
        } else {
            limit as usize
        };
        let live = &self.recs[self.head..];
        let mut n = 0;
        for r in &live[..live.len().min(max)] {
            if r.key().0 > cutoff {
                break;
            }
            f(r);
            n += 1;
        }
        self.head += n;
        self.compact();
        n
    }

    /// [`Self::select`] when the heaps hold records: merged by key.
    #[inline(never)]
    fn select_merged(&mut self, cutoff: i64, limit: u32, mut f: impl FnMut(&R)) -> usize {
        while let Some(l) = self.fresh.pop() {
            self.place(l.0);
        }
        let max = if limit == 0 {
            usize::MAX
        } else {
            limit as usize
        };
        let mut n = 0;
        while n < max {
            let front = self.recs.get(self.head);
            let from_heap = match (front, self.late.peek()) {
                (Some(a), Some(b)) => b.0.key() < a.key(),
                (None, Some(_)) => true,
                (Some(_), None) => false,
                (None, None) => break,
            };
            let r = if from_heap {
                match self.late.peek() {
                    Some(b) if b.0.key().0 <= cutoff => self.late.pop().map(|l| l.0),
                    _ => None,
                }
            } else {
                match front {
                    Some(a) if a.key().0 <= cutoff => {
                        self.head += 1;
                        Some(*a)
                    }
                    _ => None,
                }
            };
            let Some(r) = r else { break };
            f(&r);
            n += 1;
        }
        self.compact();
        n
    }

    /// Drops the selected records from the front of the vector now and then.
    #[inline]
    fn compact(&mut self) {
        if self.head == self.recs.len() {
            self.recs.clear();
            self.head = 0;
        } else if self.head >= 1024 && self.head * 2 >= self.recs.len() {
            self.recs.drain(..self.head);
            self.head = 0;
        }
    }
}

/// A user waiting to be marked paid, in the heap of [`Unmarked`] users
/// (smallest `t_paid`, then user number, first).
#[derive(Debug, Clone, Copy)]
struct Waiting(Unmarked);
impl PartialEq for Waiting {
    fn eq(&self, o: &Self) -> bool {
        (self.0.t_paid, self.0.seq) == (o.0.t_paid, o.0.seq)
    }
}
impl Eq for Waiting {}
impl PartialOrd for Waiting {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Waiting {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        (o.0.t_paid, o.0.seq).cmp(&(self.0.t_paid, self.0.seq))
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
    /// The record is marked paid (before the next selection); `now` is the
    /// current instant: users marked later are paid no earlier than it.
    #[inline(always)]
    fn mark(&mut self, u: &Unmarked, now: SimTime) {
        let stamp = &mut self.clocks[self.cfg.stamp];
        let paid_at = stamp.local(u.t_paid).as_nanos();
        let settled = stamp.local(now).as_nanos();
        self.pending.insert(
            Rec {
                paid_at,
                seq: u.seq,
                early_by: u.early_by,
                t_read: u.t_read,
                day: u.day,
            },
            settled,
        );
        if self.with_ideal {
            self.pending_ideal.insert(
                IdealRec {
                    paid_at: u.t_paid.as_nanos(),
                    seq: u.seq,
                    t_read: u.t_read,
                },
                now.as_nanos(),
            );
        }
    }

    /// A poll selects at `now`; its records are deleted at `t_del`. Returns
    /// how many records both selections took.
    #[inline]
    fn select(&mut self, now: SimTime, t_del: SimTime) -> usize {
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
        let mut n = self.pending.select(cutoff, limit, |rec| {
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
            n += self
                .pending_ideal
                .select(now.as_nanos() - grace.as_nanos(), limit, |rec| {
                    if t_del < rec.t_read {
                        *errors += 1;
                    }
                });
        }
        n
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
pub(super) fn run(cfg: &CheckoutConfig, log: Option<&RequestLog>, streams: &Streams) -> RepOutput {
    let clocks: Vec<Clock> = cfg
        .clocks
        .iter()
        .zip(&cfg.hosts)
        .map(|(spec, name)| Clock::of_host(spec, streams, name))
        .collect();
    let all_ideal = cfg.clocks.iter().all(ClockSpec::is_ideal);
    let mut r_phase = streams.stream(stream::POLL_PHASE);
    let phase = SimDuration::from_nanos(r_phase.random_range(0..cfg.poll_interval.as_nanos()));
    let mut arrivals = ArrivalGen::new(cfg, log, streams);
    let mut r_payment = streams.stream(stream::PAYMENT_LATENCY);
    let mut r_redirect = streams.stream(stream::REDIRECT_LATENCY);
    let mut r_retry = streams.stream(stream::RETRY_DELAY);
    let mut r_jitter = streams.stream(stream::POLL_JITTER);
    let mut r_move = streams.stream(stream::MOVE_DELAY);

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
    // users paid after the next selection's instant, by t_paid (marking
    // order does not change any result: a pending set is ordered by key,
    // and a clock answers the same whatever the order of queries)
    let mut unmarked: std::collections::BinaryHeap<Waiting> = std::collections::BinaryHeap::new();

    // counts of the engine's events: arrivals, payments, polls
    let mut users = 0u64;
    let mut paid_events = 0u64;
    let mut polls = 0u64;

    let grace = cfg.grace;
    let retries = cfg.retries;
    let payment = &cfg.payment_latency;
    let redirect_latency = &cfg.redirect_latency;

    // a stop requested through `engine::cancel` ends the run early, as it
    // ends the engine's loop (the caller discards the partial output); it
    // is checked by work done: users, polls and records selected
    let mut stop = cancel::Check::current();

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
            if stop.tick(1) {
                break 'run;
            }
            let now = key.0;
            // a request log's row keeps its own latencies together
            let (logged_pay, logged_redirect) = arrivals.logged();
            let pay = match logged_pay {
                Some(d) => d,
                None => payment.sample(&mut r_payment),
            };
            let redirect = match logged_redirect {
                Some(d) => d,
                None => redirect_latency.sample(&mut r_redirect),
            };
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
                st.mark(&u, now);
            } else {
                unmarked.push(Waiting(u));
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
        if stop.tick(1) {
            break;
        }
        polls += 1;
        last_poll = now;
        while let Some(w) = unmarked.peek()
            && w.0.t_paid <= now
        {
            let u = w.0;
            unmarked.pop();
            st.mark(&u, now);
            if stop.tick(1) {
                break 'run;
            }
        }
        let d = cfg.move_delay.sample(&mut r_move);
        let taken = st.select(now, now + d);
        if stop.tick(taken as u64) {
            break;
        }
        poll = if !(arrivals_done && now > end_marker) {
            Some((schedule_poll(now, last_poll, &mut seq), false))
        } else {
            None
        };
    }

    let mut values = vec![0.0; N_COLUMNS];
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

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    /// The pending set gives exactly the records of a sorted reference, in
    /// its order, whatever the disorder of the inserts (in order, nearly in
    /// order, far back) and the cutoffs and limits of the selections.
    #[test]
    fn pending_set_selects_in_key_order_whatever_the_insert_order() {
        let mut rng = crate::engine::SimRng::seed_from_u64(7);
        for case in 0..200 {
            let mut set: PendingSet<IdealRec> = PendingSet::new();
            let mut reference = std::collections::BTreeSet::new();
            let mut now = 0i64;
            let mut seq = 0u64;
            let spread = [0i64, 5, 100, 10_000][case % 4];
            for _ in 0..40 {
                for _ in 0..rng.random_range(0..60) {
                    now += rng.random_range(0..10);
                    let paid_at = now - rng.random_range(0..=spread);
                    set.insert(
                        IdealRec {
                            paid_at,
                            seq,
                            t_read: SimTime::ZERO,
                        },
                        now - rng.random_range(0..=spread / 2),
                    );
                    reference.insert((paid_at, seq));
                    seq += 1;
                }
                let cutoff = now - rng.random_range(0..=spread.max(1) * 2);
                let limit = if rng.random_bool(0.3) {
                    rng.random_range(1..20)
                } else {
                    0
                };
                let mut got = Vec::new();
                let n = set.select(cutoff, limit, |r| got.push(r.key()));
                let mut want = Vec::new();
                while let Some(&k) = reference.first() {
                    if k.0 > cutoff || (limit != 0 && want.len() == limit as usize) {
                        break;
                    }
                    want.push(k);
                    reference.pop_first();
                }
                assert_eq!(got, want, "case {case}");
                assert_eq!(n, want.len());
                assert_eq!(set.len(), reference.len());
            }
        }
    }
}
