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

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use rand::Rng;
use rand_distr::{Distribution, Exp1, Gamma, Poisson};

use super::config::{
    DayToDay, MAX_DAILY_MEAN, MatchField, MatchSet, Overflow, Scope, TerminalConfig,
};
use super::volume::VolumeTally;
use crate::engine::{Context, Model, ScheduleError, SimRng, Streams, cancel, rng::splitmix64};
use crate::models::Estimator;
use crate::time::{SimDuration, SimTime};

const NONE: u32 = u32::MAX;
const NS_PER_DAY: i64 = 86_400 * 1_000_000_000;
const TWO_POW_64: f64 = 18_446_744_073_709_551_616.0;
const TWO_POW_53: f64 = 9_007_199_254_740_992.0;
const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

/// A non-negative fixed-point sum in units of 2^-64: exact and associative, so
/// the conditional estimator's fractional counts add up to the same bits
/// whatever the order (terminals, shards).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Fixed(u128);

impl Fixed {
    #[inline]
    fn add_count(&mut self, n: u64) {
        self.0 += u128::from(n) << 64;
    }
    #[inline]
    fn add_f64(&mut self, x: f64) {
        // x >= 0 and far below 2^64; the cast rounds toward zero.
        self.0 += (x * TWO_POW_64) as u128;
    }
    pub(crate) fn merge(&mut self, o: Fixed) {
        self.0 += o.0;
    }
    pub(crate) fn to_f64(self) -> f64 {
        self.0 as f64 / TWO_POW_64
    }
    /// The raw sum in units of 2^-64 (whole part in the high 64 bits).
    pub(crate) fn to_bits(self) -> u128 {
        self.0
    }
    /// A sum from [`Self::to_bits`].
    pub(crate) fn from_bits(bits: u128) -> Fixed {
        Fixed(bits)
    }
}

/// The raw counts of a terminal-day, a day of the fleet or a replication.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Tally {
    pub transactions: u64,
    pub terminal_days: u64,
    pub overflow_days: u64,
    pub extra_batches: u64,
    pub counter_excess: u64,
    pub resubmissions: u64,
    pub true_duplicates: u64,
    pub missed_duplicates: u64,
    pub false_reversals: Fixed,
    pub lost_cents: Fixed,
    pub alerts: Fixed,
    pub false_alerts: Fixed,
}

impl Tally {
    fn merge(&mut self, o: &Tally) {
        self.transactions += o.transactions;
        self.terminal_days += o.terminal_days;
        self.overflow_days += o.overflow_days;
        self.extra_batches += o.extra_batches;
        self.counter_excess += o.counter_excess;
        self.resubmissions += o.resubmissions;
        self.true_duplicates += o.true_duplicates;
        self.missed_duplicates += o.missed_duplicates;
        self.false_reversals.merge(o.false_reversals);
        self.lost_cents.merge(o.lost_cents);
        self.alerts.merge(o.alerts);
        self.false_alerts.merge(o.false_alerts);
    }

    /// Values in the order of [`super::COLUMNS`].
    pub(crate) fn values(&self) -> Vec<f64> {
        vec![
            self.transactions as f64,
            self.terminal_days as f64,
            self.overflow_days as f64,
            self.extra_batches as f64,
            self.counter_excess as f64,
            self.resubmissions as f64,
            self.true_duplicates as f64,
            self.missed_duplicates as f64,
            self.false_reversals.to_f64(),
            self.lost_cents.to_f64() / 100.0,
            self.alerts.to_f64(),
            self.false_alerts.to_f64(),
        ]
    }

    /// Exact sums in the order of [`super::COLUMNS`]: counts as they are,
    /// fractional sums in their fixed-point units (2^-64; cents for
    /// `lost_amount`). Partial tallies of disjoint sets of terminals add up,
    /// field by field, to the whole one.
    pub(crate) fn raw(&self) -> Vec<u128> {
        vec![
            u128::from(self.transactions),
            u128::from(self.terminal_days),
            u128::from(self.overflow_days),
            u128::from(self.extra_batches),
            u128::from(self.counter_excess),
            u128::from(self.resubmissions),
            u128::from(self.true_duplicates),
            u128::from(self.missed_duplicates),
            self.false_reversals.0,
            self.lost_cents.0,
            self.alerts.0,
            self.false_alerts.0,
        ]
    }

    /// The tally whose [`Tally::raw`] is `raw` (`None` unless it has one
    /// entry per column and every count fits).
    pub(crate) fn from_raw(raw: &[u128]) -> Option<Tally> {
        let [t, td, od, eb, ce, rs, tdup, md, fr, lc, al, fa] = raw else {
            return None;
        };
        let c = |v: &u128| u64::try_from(*v).ok();
        Some(Tally {
            transactions: c(t)?,
            terminal_days: c(td)?,
            overflow_days: c(od)?,
            extra_batches: c(eb)?,
            counter_excess: c(ce)?,
            resubmissions: c(rs)?,
            true_duplicates: c(tdup)?,
            missed_duplicates: c(md)?,
            false_reversals: Fixed(*fr),
            lost_cents: Fixed(*lc),
            alerts: Fixed(*al),
            false_alerts: Fixed(*fa),
        })
    }

    /// Values in the order of [`super::DAILY_COLUMNS`].
    pub(crate) fn daily_values(&self) -> Vec<f64> {
        vec![
            self.transactions as f64,
            self.overflow_days as f64,
            self.extra_batches as f64,
            self.true_duplicates as f64,
            self.false_reversals.to_f64(),
            self.lost_cents.to_f64() / 100.0,
            self.alerts.to_f64(),
            self.false_alerts.to_f64(),
        ]
    }
}

/// A card as the processor sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Card {
    /// Regular card number `n` of the terminal (0-based).
    Regular(u32),
    /// A one-off card, never seen again; numbered by the position of its
    /// purchase in the day.
    OneOff(u32),
}

/// One request in a [`CollisionTrace`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TracedRequest {
    /// True time since the start of the replication.
    pub at: SimTime,
    /// True time of day (since midnight).
    pub time_of_day: SimDuration,
    /// The sequence counter sent, 1..=10^digits - 1.
    pub counter: u32,
    /// Position of the purchase in the terminal-day's sequence, 1-based.
    /// Under rollover, two purchases with the same counter are a multiple of
    /// `10^digits - 1` positions apart.
    pub position: u32,
    /// The card.
    pub card: Card,
    /// The amount in cents.
    pub amount_cents: u64,
    /// The batch of the day, 1-based (always 1 under rollover).
    pub batch: u32,
    /// True if this request is a resubmission after a communication error.
    pub resubmission: bool,
}

/// The first false reversal of a replication: the processor reversed
/// `reversed` when `by` arrived, although they were distinct purchases.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CollisionTrace {
    /// Terminal index, 0-based.
    pub terminal: u32,
    /// Day index, 0-based.
    pub day: u32,
    /// The earlier request, reversed (the merchant loses this sale).
    pub reversed: TracedRequest,
    /// The later request, whose arrival made the processor reverse the earlier.
    pub by: TracedRequest,
    /// The key fields that matched (the processor's `match`).
    pub matched_on: Vec<MatchField>,
    /// The processor's scope, which held both requests.
    pub scope: Scope,
    /// Largest counter value (999 for 3 digits).
    pub counter_range: u32,
}

/// What a row of the request log (`trace --events`) records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestKind {
    /// A purchase's request reached the processor.
    Purchase,
    /// A resubmission after a communication error reached the processor.
    Resubmission,
    /// The processor reversed the row's request because the same purchase
    /// arrived again (a true duplicate: correct, nothing lost).
    TrueDuplicate,
    /// The processor reversed the row's request although the later one was
    /// another purchase: the merchant loses this sale.
    FalseReversal,
    /// The row's resubmission was not caught: the customer paid twice.
    MissedDuplicate,
    /// The daily scan flagged the row's request and the later one as a
    /// same-key pair, and the processor had reversed it.
    Alert,
    /// As `Alert`, but the processor had not reversed it: a false alert.
    FalseAlert,
}

impl RequestKind {
    /// The name written in the log.
    pub fn name(self) -> &'static str {
        match self {
            RequestKind::Purchase => "purchase",
            RequestKind::Resubmission => "resubmission",
            RequestKind::TrueDuplicate => "reversal_true_duplicate",
            RequestKind::FalseReversal => "false_reversal",
            RequestKind::MissedDuplicate => "missed_duplicate",
            RequestKind::Alert => "alert",
            RequestKind::FalseAlert => "false_alert",
        }
    }
}

/// A request of a terminal-day: the purchase's position in the day
/// (1-based) and whether it is that purchase's resubmission (a purchase is
/// resubmitted at most once, so the pair names a request).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestRef {
    /// Position of the purchase in the day, 1-based.
    pub position: u32,
    /// True for the resubmission, false for the original request.
    pub resubmission: bool,
}

/// One row of the request log of a replication: a request as it reached
/// the processor, or an outcome (a reversal, a missed duplicate, a flag of
/// the daily scan) at the arrival of the request that caused it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoggedRequest {
    /// True time of the row: the request's arrival, or for an outcome the
    /// arrival of the later request that caused it.
    pub at: SimTime,
    /// Terminal index, 0-based.
    pub terminal: u32,
    /// Day index, 0-based.
    pub day: u32,
    /// What happened.
    pub kind: RequestKind,
    /// The request the row is about: the arriving request, or for an
    /// outcome the earlier request reversed or flagged (for a missed
    /// duplicate, the resubmission).
    pub request: RequestRef,
    /// The other request: for a resubmission its original; for a reversal
    /// or a flag the later request that caused it; for a missed duplicate
    /// the original; none for a purchase.
    pub related: Option<RequestRef>,
    /// The row's request's counter, 1..=10^digits - 1.
    pub counter: u32,
    /// Its batch, 1-based.
    pub batch: u32,
    /// Its card.
    pub card: Card,
    /// Its amount in cents.
    pub amount_cents: u64,
}

/// The request log being filled in `trace --events` mode.
pub(crate) struct LogState {
    /// Rows not yet taken by the reader, in the order they were made.
    pub(crate) rows: Vec<LoggedRequest>,
    /// Rows made so far, taken or not.
    pub(crate) made: u64,
    /// Most rows the log may make; beyond, the run stops.
    pub(crate) limit: u64,
    /// True once the limit was passed.
    pub(crate) overflow: bool,
}

/// A terminal-day to play.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TerminalDay {
    terminal: u32,
    day: u32,
}

/// What a terminal keeps for a whole replication.
struct TerminalState {
    counts: Counts,
    /// Key of the function "regular -> usual order" (drawn once per
    /// replication, evaluated lazily so no per-regular table is needed).
    usual_key: u64,
    /// Regulars per menu item whose usual order it is (only kept when the
    /// conditional estimator needs it: amount matched, card not).
    usual_count: Vec<u32>,
}

enum Counts {
    Zero,
    Fixed(u32),
    Poisson(Poisson<f64>),
}

/// A processor request, in arrival order.
#[derive(Debug, Clone, Copy)]
struct Req {
    /// Arrival time, ns since midnight (0 when times are not needed).
    time: i64,
    /// The purchase (index in the day's time order) this request is for.
    purchase: u32,
    /// The previous request with the same key bucket (same counter), or NONE.
    prev: u32,
    /// The counter it was filed under in `head` (0 when the counter is not
    /// in the key).
    counter: u32,
    /// A resubmission after a communication error.
    resub: bool,
}

/// A `Hasher` for the rare counter-less keys: SplitMix64 of a `u64`.
#[derive(Default)]
struct KeyHasher(u64);
impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        splitmix64(self.0)
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 << 8) ^ u64::from(*b);
        }
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = v;
    }
}

/// A `Hasher` for the (counter, card, amount) keys of long counter chains:
/// SplitMix64 of the key folded to 64 bits.
#[derive(Default)]
struct WideHasher(u64);
impl Hasher for WideHasher {
    fn finish(&self) -> u64 {
        splitmix64(self.0)
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*b);
        }
    }
    fn write_u128(&mut self, v: u128) {
        self.0 = (v as u64) ^ ((v >> 64) as u64).wrapping_mul(GOLDEN);
    }
}

/// The key of a request in the map of long counter chains: the counter, and
/// the card and amount where the processor matches them.
#[inline]
fn wide_key(m: MatchSet, c: u32, card: u32, amount: u16) -> u128 {
    let card = if m.card { card } else { u32::MAX };
    let amount = if m.amount { amount } else { u16::MAX };
    (u128::from(c) << 64) | (u128::from(card) << 16) | u128::from(amount)
}

/// Days with more than this many purchases per counter value on average
/// find duplicate keys through a map instead of walking the counter's chain
/// of earlier requests (the walk costs the chain's length per request, so a
/// day of n purchases would cost n^2 / range).
const LONG_CHAINS: u64 = 8;

/// Settings derived once from the configuration.
struct Derived {
    range: u32,
    new_batch: bool,
    regulars: u32,
    regular_share: f64,
    return_visit: f64,
    same_order: f64,
    /// The card draw on 53-bit integers: `return_visit` as a threshold out
    /// of 2^53; once some regular has paid today, a regular drawn from the
    /// whole pool with probability `(1 - return_visit) * regular_share`
    /// (`first`), before that with `regular_share` (`first_empty`).
    t_return: u64,
    first: Pick,
    first_empty: Pick,
    /// `s / regulars`: chance that a first visit is by a given regular.
    p_given_regular: f64,
    /// Positions that need no key still need a card draw: who has paid today
    /// decides return visits.
    track_paid: bool,
    needs_times: bool,
    /// The conditional estimator integrates the card and amount of fresh
    /// purchases (only when the counter is in the key: the candidates are
    /// then the few same-counter requests).
    conditional: bool,
    track_usual: bool,
    window_ns: i64,
    /// Days with more purchases than this many per counter value use the
    /// map of keys ([`LONG_CHAINS`]; tests raise it to compare both ways).
    long_chains: u64,
    /// The opening hours' segments, for times of day.
    segments: Vec<Segment>,
}

/// Buffers of one terminal-day, reused across days and terminals.
#[derive(Default)]
struct Work {
    /// Card and amount by position in the day (only keyed ones are read).
    card: Vec<u32>,
    amount: Vec<u16>,
    /// Keyed positions, ascending, and their times of day (same index).
    keyed: Vec<u32>,
    time: Vec<i64>,
    /// The keyed positions' shares of the day's profile mass, `U_(k)`.
    cum: Vec<f64>,
    /// Request log only: the time of day of every position, and scratch.
    all_time: Vec<i64>,
    spacing: Vec<f64>,
    /// Resubmitted positions, ascending, with their delays in ns.
    resub_pos: Vec<(u32, i64)>,
    reqs: Vec<Req>,
    head: Vec<u32>,
    resubs: Vec<(i64, u32)>,
    keymap: HashMap<u64, u32, BuildHasherDefault<KeyHasher>>,
    /// Days of long counter chains: the latest request of each key.
    cmap: HashMap<u128, u32, BuildHasherDefault<WideHasher>>,
    paid_stamp: Vec<u32>,
    stamp: u32,
    /// Regulars who paid today: the first `n_paid` entries (a buffer sized
    /// for the most distinct regulars a day can have).
    paid: Vec<u32>,
    n_paid: usize,
    /// Scratch: regulars drawn on a run of positions that need no key.
    hits: Vec<u32>,
    paid_by_usual: Vec<u32>,
    seen: Vec<(u32, u16)>,
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
    work: Work,
    pub(crate) total: Tally,
    pub(crate) daily: Vec<Tally>,
    pub(crate) first: Option<CollisionTrace>,
    /// Terminal-days, purchases and false reversals by daily volume.
    pub(crate) volume: VolumeTally,
    /// The request log (`trace --events`), when asked for.
    pub(crate) log: Option<LogState>,
    /// A stop requested while a terminal-day plays (checked per request).
    stop: cancel::Check,
}

/// A probability as a threshold out of 2^53 (1 gives 2^53: always).
fn threshold(p: f64) -> u64 {
    (p * TWO_POW_53) as u64
}

/// "With probability `p`, one of `n` uniformly" from a 53-bit uniform `y`:
/// a hit when `y < t`, and then `floor(y * n / t)`, by a multiply-high with
/// `k = floor(2^64 n / t)` (a division only when `k` does not fit, i.e. for
/// `p` below about 1e-9).
#[derive(Debug, Clone, Copy)]
struct Pick {
    t: u64,
    k: Option<u64>,
    n: u32,
}

impl Pick {
    fn new(p: f64, n: u32) -> Self {
        let t = threshold(p);
        let k = if t == 0 {
            None
        } else {
            u64::try_from((u128::from(n) << 64) / u128::from(t)).ok()
        };
        Pick { t, k, n }
    }
    /// The index picked by `y`, assuming `y < self.t`.
    #[inline]
    fn index(self, y: u64) -> u32 {
        match self.k {
            Some(k) => ((u128::from(y) * u128::from(k)) >> 64) as u32,
            None => (u128::from(y) * u128::from(self.n) / u128::from(self.t)) as u32,
        }
    }
}

/// The scope test between an earlier request `m` and the request `j` arriving.
#[inline]
fn in_scope(scope: Scope, d: &Derived, m: &Req, j_time: i64, j_purchase: u32) -> bool {
    match scope {
        Scope::Day => true,
        Scope::Batch => !d.new_batch || m.purchase / d.range == j_purchase / d.range,
        Scope::Window(w) => j_time - m.time <= w.as_nanos(),
    }
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
        };
        TerminalSim {
            cfg,
            d,
            days,
            trace,
            part: None,
            terminals: Vec::new(),
            work: Work::default(),
            total: Tally::default(),
            daily: vec![Tally::default(); days as usize],
            first: None,
            volume: VolumeTally::new(cfg.range),
            log: None,
            stop: cancel::Check::current(),
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
                let x: f64 = p.sample(&mut streams.indexed("counts", idx));
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
        if (!self.can_match(n) && (self.log.is_none() || n == 0)) || self.stop.stopped() {
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
            let mut rng = streams.indexed("resubmit", idx);
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
            keyed_times(w, &d.segments, n, &mut streams.indexed("times", idx));
        }
        let logging = self.log.is_some();
        if logging {
            all_times(w, &d.segments, n, &mut streams.indexed("log_times", idx));
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

        let mut amounts = streams.indexed("amounts", idx);
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
            card_key: streams.indexed("cards", idx).next_u64(),
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
                play.request(p, p % r + 1, t, true, true);
                next_resub += 1;
            }
            if d.conditional {
                play.conditional_purchase(i, c, ti);
            }
            play.draw(i);
            play.request(i, c, ti, false, !d.conditional);
        }
        if logging {
            play.unkeyed(next_pos, n);
        }
        while next_resub < play.w.resubs.len() {
            let (t, p) = play.w.resubs[next_resub];
            play.request(p, p % r + 1, t, true, true);
            next_resub += 1;
        }
        if let Some(f) = play.first.take() {
            self.first = Some(f);
        }
    }
}

/// `Gamma(len, 1)`: the sum of `len` standard exponentials.
#[inline(always)]
fn exp_sum(len: u32, rng: &mut SimRng) -> f64 {
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
fn exp_sum_other(len: u32, rng: &mut SimRng) -> f64 {
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
struct Segment {
    cum: f64,
    next: f64,
    start_ns: f64,
    ns_per_mass: f64,
}

/// The segments of `h`, in order.
fn segments(h: &super::config::Hours) -> Vec<Segment> {
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
fn keyed_times(w: &mut Work, segs: &[Segment], n: u32, rng: &mut SimRng) {
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
fn time_at(segs: &[Segment], x: f64, seg: &mut usize) -> i64 {
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
fn all_times(w: &mut Work, segs: &[Segment], n: u32, rng: &mut SimRng) {
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

/// One terminal-day being played.
struct DayPlay<'a> {
    cfg: &'a TerminalConfig,
    d: &'a Derived,
    w: &'a mut Work,
    term: &'a TerminalState,
    tally: &'a mut Tally,
    trace: bool,
    first: Option<CollisionTrace>,
    log: Option<&'a mut LogState>,
    terminal: u32,
    day: u32,
    /// Keys of the positional draws (SplitMix64 sequences).
    card_key: u64,
    amount_key: u64,
    menu_key: u64,
    /// Find duplicate keys through `Work::cmap` (see [`LONG_CHAINS`]).
    long_chains: bool,
    stop: &'a mut cancel::Check,
}

/// The `i`-th output of the SplitMix64 sequence seeded with `key`.
#[inline]
fn positional(key: u64, i: u32) -> u64 {
    splitmix64(key.wrapping_add(u64::from(i).wrapping_mul(GOLDEN)))
}

/// A uniform in [0, 1) from the high 53 bits.
#[inline]
fn unit(u: u64) -> f64 {
    (u >> 11) as f64 * (1.0 / TWO_POW_53)
}

impl DayPlay<'_> {
    /// The usual order of regular `r` (a pure function of the terminal's key).
    #[inline]
    fn usual(&self, r: u32) -> u16 {
        usual_order(self.cfg, self.term.usual_key, r)
    }

    /// Marks regular `r` as having paid today.
    #[inline]
    fn paid(&mut self, r: u32) {
        let stamp = self.w.stamp;
        if self.w.paid_stamp[r as usize] != stamp {
            self.w.paid_stamp[r as usize] = stamp;
            self.w.paid[self.w.n_paid] = r;
            self.w.n_paid += 1;
            if self.d.track_usual {
                let u = self.usual(r) as usize;
                self.w.paid_by_usual[u] += 1;
            }
        }
    }

    /// The card of the purchase at position `i`, from one positional draw:
    /// a return visit of a regular who already paid today (probability
    /// `return_visit`, if any has), else a regular (`regular_share`), else a
    /// one-off card. Returns the card and whether it is a regular's.
    #[inline(always)]
    fn card_at(&mut self, i: u32) -> (u32, bool) {
        let d = self.d;
        let x = positional(self.card_key, i) >> 11;
        let n_paid = self.w.n_paid as u32;
        if n_paid > 0 {
            if x < d.t_return {
                let k = u128::from(x) * u128::from(n_paid) / u128::from(d.t_return);
                return (self.w.paid[k as usize], true);
            }
            let y = x - d.t_return;
            if y < d.first.t {
                let r = d.first.index(y);
                self.paid(r);
                return (r, true);
            }
        } else if x < d.first_empty.t {
            let r = d.first_empty.index(x);
            self.paid(r);
            return (r, true);
        }
        (d.regulars + i, false)
    }

    /// The cards of positions `from..to`, which need no key: only who has
    /// paid matters. The same draws as [`Self::card_at`]; once some regular
    /// has paid, a branch-free first pass lists the regulars drawn (the
    /// positions are independent, so it pipelines instead of stalling on an
    /// unpredictable branch per position) and a second pass marks them.
    fn track_paid(&mut self, from: u32, to: u32) {
        let d = self.d;
        let mut j = from;
        while j < to && (self.w.n_paid == 0 || d.track_usual) {
            self.card_at(j);
            j += 1;
        }
        let (t_return, first) = (d.t_return, d.first);
        let Some(k) = first.k else {
            // `first` too small for a multiply-high: one position at a time.
            for p in j..to {
                self.card_at(p);
            }
            return;
        };
        let key = self.card_key;
        let len = (to - j) as usize;
        if self.w.hits.len() < len {
            self.w.hits.resize(len, 0);
        }
        let hits = &mut self.w.hits[..len];
        let mut m = 0usize;
        for p in j..to {
            // Below the return-visit threshold, `y` wraps around to a huge
            // value: not a hit, like everything at or above `first.t`.
            let y = (positional(key, p) >> 11).wrapping_sub(t_return);
            // `first.index(y)`, read only if a hit
            hits[m] = ((u128::from(y) * u128::from(k)) >> 64) as u32;
            m += usize::from(y < first.t);
            if m == len {
                break;
            }
        }
        for k in 0..m {
            let r = self.w.hits[k];
            self.paid(r);
        }
    }

    /// Draws purchase `i`'s card and amount: a regular orders their usual
    /// with probability `same_order`, otherwise the menu decides.
    #[inline(always)]
    fn draw(&mut self, i: u32) {
        let d = self.d;
        let (card, regular) = self.card_at(i);
        let amount =
            if regular && d.same_order > 0.0 && unit(positional(self.amount_key, i)) < d.same_order
            {
                self.usual(card)
            } else {
                self.cfg.menu.alias.pick(positional(self.menu_key, i))
            };
        self.w.card[i as usize] = card;
        self.w.amount[i as usize] = amount;
    }

    /// Chance that the next fresh purchase is by regular `r`, given who paid
    /// today so far.
    #[inline]
    fn p_card(&self, r: u32) -> f64 {
        let d = self.d;
        let n_paid = self.w.n_paid;
        if n_paid == 0 {
            d.p_given_regular
        } else {
            let ret = if self.w.paid_stamp[r as usize] == self.w.stamp {
                d.return_visit / n_paid as f64
            } else {
                0.0
            };
            ret + (1.0 - d.return_visit) * d.p_given_regular
        }
    }

    /// Chance that regular `r` pays amount `a`.
    #[inline]
    fn p_amount_given(&self, r: u32, a: u16) -> f64 {
        let d = self.d;
        let usual = if d.same_order > 0.0 && self.usual(r) == a {
            d.same_order
        } else {
            0.0
        };
        usual + (1.0 - d.same_order) * self.cfg.menu.probs[a as usize]
    }

    /// Chance that the next fresh purchase has the key of an earlier request
    /// with card `c` and amount `a` (the counter is already the same).
    fn p_key(&self, c: u32, a: u16) -> f64 {
        let d = self.d;
        let m = self.cfg.dedup_match;
        let regular = c < d.regulars;
        match (m.card, m.amount) {
            (true, true) => {
                if regular {
                    self.p_card(c) * self.p_amount_given(c, a)
                } else {
                    0.0
                }
            }
            (true, false) => {
                if regular {
                    self.p_card(c)
                } else {
                    0.0
                }
            }
            (false, true) => {
                let n_paid = self.w.n_paid;
                let p_ret = if n_paid > 0 { d.return_visit } else { 0.0 };
                let p_reg = p_ret + (1.0 - p_ret) * d.regular_share;
                let pa = self.cfg.menu.probs[a as usize];
                let mut p = (1.0 - p_reg) * pa + p_reg * (1.0 - d.same_order) * pa;
                if d.same_order > 0.0 {
                    let in_paid = if n_paid > 0 {
                        p_ret * f64::from(self.w.paid_by_usual[a as usize]) / n_paid as f64
                    } else {
                        0.0
                    };
                    let all = (1.0 - p_ret)
                        * d.p_given_regular
                        * f64::from(self.term.usual_count[a as usize]);
                    p += d.same_order * (in_paid + all);
                }
                p
            }
            (false, false) => 1.0,
        }
    }

    /// Conditional estimator: before purchase `i` (counter `c`) is drawn, adds
    /// the probability that it repeats the key of each distinct key among the
    /// earlier requests with the same counter (most recent occurrence), in the
    /// processor's and in the alert's scope.
    fn conditional_purchase(&mut self, i: u32, c: u32, ti: i64) {
        let d = self.d;
        let m = self.cfg.dedup_match;
        let mut at = self.w.head[c as usize];
        if at == NONE {
            return;
        }
        self.w.seen.clear();
        while at != NONE {
            if self.stop.tick(1) {
                return;
            }
            let q = self.w.reqs[at as usize];
            let pm = q.purchase as usize;
            let (cm, am) = (self.w.card[pm], self.w.amount[pm]);
            let key = (if m.card { cm } else { 0 }, if m.amount { am } else { 0 });
            if !self.w.seen.contains(&key) {
                self.w.seen.push(key);
                let p = self.p_key(cm, am);
                if p > 0.0 {
                    let in_d = in_scope(self.cfg.dedup_scope, d, &q, ti, i);
                    if in_d {
                        self.tally.false_reversals.add_f64(p);
                        self.tally
                            .lost_cents
                            .add_f64(p * self.cfg.menu.cents[am as usize] as f64);
                    }
                    if let Some(a) = self.cfg.alert
                        && in_scope(a, d, &q, ti, i)
                    {
                        self.tally.alerts.add_f64(p);
                        if !in_d {
                            self.tally.false_alerts.add_f64(p);
                        }
                    }
                }
            }
            if d.window_ns > 0 && ti - q.time > d.window_ns && !self.scope_unbounded() {
                break;
            }
            at = q.prev;
        }
    }

    /// True if a scope in use reaches back over the whole day or batch.
    #[inline]
    fn scope_unbounded(&self) -> bool {
        !matches!(self.cfg.dedup_scope, Scope::Window(_))
            || matches!(self.cfg.alert, Some(Scope::Batch | Scope::Day))
    }

    /// The request for purchase `p` (counter `c`) arrives at `t`: finds the
    /// most recent earlier request with the same key, accounts for the
    /// processor's reversal and the alert (if `account`), and records it.
    #[inline(always)]
    fn request(&mut self, p: u32, c: u32, t: i64, resub: bool, account: bool) {
        if self.log.is_some() {
            let original = resub.then_some(RequestRef {
                position: p + 1,
                resubmission: false,
            });
            let kind = if resub {
                RequestKind::Resubmission
            } else {
                RequestKind::Purchase
            };
            self.log_row(t, kind, p, resub, original);
        }
        let m = self.cfg.dedup_match;
        let (card, amount) = (self.w.card[p as usize], self.w.amount[p as usize]);
        let id = self.w.reqs.len() as u32;
        let found = if m.counter && self.long_chains {
            // The same request the walk below finds: the latest with this
            // key. (Requests come in time order, so when the walk stops at
            // an earlier request beyond the window, the latest match is
            // beyond it too, and either way nothing is in scope.) A one-off
            // card is used by its purchase and that purchase's resubmission
            // only: a purchase that is not resubmitted shares its key with
            // no request, so it stays out of the map, which then holds the
            // regulars' keys, not one per purchase.
            let one_off = m.card
                && card >= self.d.regulars
                && !resub
                && self.w.resub_pos.binary_search_by_key(&p, |r| r.0).is_err();
            let at = if one_off {
                NONE
            } else {
                self.w
                    .cmap
                    .insert(wide_key(m, c, card, amount), id)
                    .unwrap_or(NONE)
            };
            self.w.reqs.push(Req {
                time: t,
                purchase: p,
                prev: self.w.head[c as usize],
                counter: c,
                resub,
            });
            self.w.head[c as usize] = id;
            at
        } else if m.counter {
            let mut at = self.w.head[c as usize];
            let bounded = self.d.window_ns > 0 && !self.scope_unbounded();
            while at != NONE {
                let q = &self.w.reqs[at as usize];
                let pq = q.purchase as usize;
                if (!m.card || self.w.card[pq] == card)
                    && (!m.amount || self.w.amount[pq] == amount)
                {
                    break;
                }
                if bounded && t - q.time > self.d.window_ns {
                    at = NONE;
                    break;
                }
                at = q.prev;
            }
            self.w.reqs.push(Req {
                time: t,
                purchase: p,
                prev: self.w.head[c as usize],
                counter: c,
                resub,
            });
            self.w.head[c as usize] = id;
            at
        } else {
            let key = (if m.card {
                u64::from(card)
            } else {
                u64::from(u32::MAX)
            }) << 16
                | if m.amount { u64::from(amount) } else { 0xFFFF };
            self.w.reqs.push(Req {
                time: t,
                purchase: p,
                prev: NONE,
                counter: 0,
                resub,
            });
            self.w.keymap.insert(key, id).unwrap_or(NONE)
        };
        if !account {
            return;
        }
        if found == NONE {
            if resub {
                self.tally.missed_duplicates += 1;
                self.log_missed(p, t);
            }
            return;
        }
        let q = self.w.reqs[found as usize];
        let in_d = in_scope(self.cfg.dedup_scope, self.d, &q, t, p);
        let arriving = Some(RequestRef {
            position: p + 1,
            resubmission: resub,
        });
        if in_d {
            if q.purchase == p {
                self.tally.true_duplicates += 1;
                self.log_row(t, RequestKind::TrueDuplicate, q.purchase, q.resub, arriving);
            } else {
                self.log_row(t, RequestKind::FalseReversal, q.purchase, q.resub, arriving);
                self.tally.false_reversals.add_count(1);
                let lost = self.cfg.menu.cents[self.w.amount[q.purchase as usize] as usize];
                self.tally.lost_cents.add_count(lost);
                if self.trace && self.first.is_none() {
                    self.first = Some(self.collision(&q, p, t, resub));
                }
            }
        } else if resub {
            self.tally.missed_duplicates += 1;
            self.log_missed(p, t);
        }
        if let Some(a) = self.cfg.alert
            && in_scope(a, self.d, &q, t, p)
        {
            self.tally.alerts.add_count(1);
            if !in_d {
                self.tally.false_alerts.add_count(1);
            }
            let kind = if in_d {
                RequestKind::Alert
            } else {
                RequestKind::FalseAlert
            };
            self.log_row(t, kind, q.purchase, q.resub, arriving);
        }
    }

    /// Request log: the purchases at positions `from..to`, which share no
    /// key with any other request (their counter value is used once that
    /// day, and they are not resubmitted). Draws their cards as
    /// [`Self::track_paid`] would (the same draws, the same regulars marked
    /// as paid, in the same order) and their amounts.
    fn unkeyed(&mut self, from: u32, to: u32) {
        for j in from..to {
            self.draw(j);
            let t = self.w.all_time[j as usize];
            self.log_row(t, RequestKind::Purchase, j, false, None);
        }
    }

    /// Request log: resubmission `p` arriving at `t` was not caught.
    fn log_missed(&mut self, p: u32, t: i64) {
        let original = Some(RequestRef {
            position: p + 1,
            resubmission: false,
        });
        self.log_row(t, RequestKind::MissedDuplicate, p, true, original);
    }

    /// Request log: a row about the request of purchase `p` (its
    /// resubmission if `resub`), at time of day `t`.
    #[inline]
    fn log_row(
        &mut self,
        t: i64,
        kind: RequestKind,
        p: u32,
        resub: bool,
        related: Option<RequestRef>,
    ) {
        let Some(log) = self.log.as_deref_mut() else {
            return;
        };
        let d = self.d;
        log.made += 1;
        log.rows.push(LoggedRequest {
            at: SimTime::from_nanos(i64::from(self.day) * NS_PER_DAY + t),
            terminal: self.terminal,
            day: self.day,
            kind,
            request: RequestRef {
                position: p + 1,
                resubmission: resub,
            },
            related,
            counter: p % d.range + 1,
            batch: if d.new_batch { p / d.range + 1 } else { 1 },
            card: card_of(d, self.w.card[p as usize]),
            amount_cents: self.cfg.menu.cents[self.w.amount[p as usize] as usize],
        });
    }

    fn traced(&self, p: u32, t: i64, resub: bool) -> TracedRequest {
        let d = self.d;
        let card = self.w.card[p as usize];
        TracedRequest {
            at: SimTime::from_nanos(i64::from(self.day) * NS_PER_DAY + t),
            time_of_day: SimDuration::from_nanos(t),
            counter: p % d.range + 1,
            position: p + 1,
            card: card_of(d, card),
            amount_cents: self.cfg.menu.cents[self.w.amount[p as usize] as usize],
            batch: if d.new_batch { p / d.range + 1 } else { 1 },
            resubmission: resub,
        }
    }

    fn collision(&self, q: &Req, p: u32, t: i64, resub: bool) -> CollisionTrace {
        CollisionTrace {
            terminal: self.terminal,
            day: self.day,
            reversed: self.traced(q.purchase, q.time, q.resub),
            by: self.traced(p, t, resub),
            matched_on: self.cfg.dedup_match.fields(),
            scope: self.cfg.dedup_scope,
            counter_range: self.d.range,
        }
    }
}

/// A card as the processor sees it, from its index (regulars first).
#[inline]
fn card_of(d: &Derived, card: u32) -> Card {
    if card < d.regulars {
        Card::Regular(card)
    } else {
        Card::OneOff(card - d.regulars)
    }
}

/// The usual order of regular `r` of the terminal whose key is `key`: the
/// r-th output of SplitMix64 from the key, mapped through the menu's alias
/// table (the same as a draw per regular, without a table per terminal).
#[inline]
fn usual_order(cfg: &TerminalConfig, key: u64, r: u32) -> u16 {
    cfg.menu.alias.pick(splitmix64(
        key.wrapping_add(u64::from(r).wrapping_mul(GOLDEN)),
    ))
}

impl Model for TerminalSim<'_> {
    type Event = TerminalDay;

    fn start(&mut self, ctx: &mut Context<TerminalDay>) -> Result<(), ScheduleError> {
        let cfg = self.cfg;
        self.terminals.reserve(cfg.terminals as usize);
        for t in 0..cfg.terminals {
            let mean = cfg
                .daily
                .sample(&mut ctx.rng_indexed("volume", u64::from(t)))
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
            let usual_key = ctx.rng_indexed("usual", u64::from(t)).next_u64();
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
