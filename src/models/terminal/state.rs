//! What a terminal replication keeps: each terminal's state for the whole
//! replication, settings derived once from the configuration, the buffers
//! of one terminal-day (reused from day to day), the processor's requests
//! and the hashers of its key maps.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use rand_distr::Poisson;

use super::config::MatchSet;
use super::times::Segment;
use super::values::Scope;
use crate::engine::rng::splitmix64;

/// No request (an empty link of a chain).
pub(super) const NONE: u32 = u32::MAX;
/// Nanoseconds in a day.
pub(super) const NS_PER_DAY: i64 = 86_400 * 1_000_000_000;
/// 2^53: uniforms in [0, 1) from the high 53 bits of a draw.
pub(super) const TWO_POW_53: f64 = 9_007_199_254_740_992.0;
/// The golden-ratio increment of SplitMix64.
pub(super) const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

/// What a terminal keeps for a whole replication.
pub(super) struct TerminalState {
    pub(super) counts: Counts,
    /// Key of the function "regular -> usual order" (drawn once per
    /// replication, evaluated lazily so no per-regular table is needed).
    pub(super) usual_key: u64,
    /// Regulars per menu item whose usual order it is (only kept when the
    /// conditional estimator needs it: amount matched, card not).
    pub(super) usual_count: Vec<u32>,
}

pub(super) enum Counts {
    Zero,
    Fixed(u32),
    Poisson(Poisson<f64>),
}

/// A processor request, in arrival order.
#[derive(Debug, Clone, Copy)]
pub(super) struct Req {
    /// Arrival time, ns since midnight (0 when times are not needed).
    pub(super) time: i64,
    /// The purchase (index in the day's time order) this request is for.
    pub(super) purchase: u32,
    /// The previous request with the same key bucket (same counter), or NONE.
    pub(super) prev: u32,
    /// The counter it was filed under in `head` (0 when the counter is not
    /// in the key).
    pub(super) counter: u32,
    /// A resubmission after a communication error.
    pub(super) resub: bool,
    /// The processor's day minus the terminal's (0 without clocks).
    pub(super) pday: i16,
}

/// A `Hasher` for the rare counter-less keys: SplitMix64 of a `u64`.
#[derive(Default)]
pub(super) struct KeyHasher(u64);
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
pub(super) struct WideHasher(u64);
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
pub(super) fn wide_key(m: MatchSet, c: u32, card: u32, amount: u16) -> u128 {
    let card = if m.card { card } else { u32::MAX };
    let amount = if m.amount { amount } else { u16::MAX };
    (u128::from(c) << 64) | (u128::from(card) << 16) | u128::from(amount)
}

/// Days with more than this many purchases per counter value on average
/// find duplicate keys through a map instead of walking the counter's chain
/// of earlier requests (the walk costs the chain's length per request, so a
/// day of n purchases would cost n^2 / range).
pub(super) const LONG_CHAINS: u64 = 8;

/// Settings derived once from the configuration.
pub(super) struct Derived {
    pub(super) range: u32,
    pub(super) new_batch: bool,
    pub(super) regulars: u32,
    pub(super) regular_share: f64,
    pub(super) return_visit: f64,
    pub(super) same_order: f64,
    /// The card draw on 53-bit integers: `return_visit` as a threshold out
    /// of 2^53; once some regular has paid today, a regular drawn from the
    /// whole pool with probability `(1 - return_visit) * regular_share`
    /// (`first`), before that with `regular_share` (`first_empty`).
    pub(super) t_return: u64,
    pub(super) first: Pick,
    pub(super) first_empty: Pick,
    /// `s / regulars`: chance that a first visit is by a given regular.
    pub(super) p_given_regular: f64,
    /// Positions that need no key still need a card draw: who has paid today
    /// decides return visits.
    pub(super) track_paid: bool,
    pub(super) needs_times: bool,
    /// The conditional estimator integrates the card and amount of fresh
    /// purchases (only when the counter is in the key: the candidates are
    /// then the few same-counter requests).
    pub(super) conditional: bool,
    pub(super) track_usual: bool,
    pub(super) window_ns: i64,
    /// Days with more purchases than this many per counter value use the
    /// map of keys ([`LONG_CHAINS`]; tests raise it to compare both ways).
    pub(super) long_chains: u64,
    /// The opening hours' segments, for times of day.
    pub(super) segments: Vec<Segment>,
    /// Some clock is not ideal: every purchase's true time and processor
    /// day are computed (and every terminal-day is played).
    pub(super) clocked: bool,
    /// The processor's duplicate check and the alert scan take the day from
    /// the processor's clock (only when `clocked`).
    pub(super) dedup_proc: bool,
    pub(super) alert_proc: bool,
}

/// What the clocks read when a resubmission arrives (clocks only).
#[derive(Debug, Clone, Copy)]
pub(super) struct ResubClock {
    /// True time of the arrival, ns since the start.
    pub(super) at: i64,
    /// The terminal's reading then (0 unless readings are kept: request
    /// log and trace).
    pub(super) terminal: i64,
    /// The processor's reading then, in its zone.
    pub(super) processor: i64,
    /// The processor's day minus the terminal's.
    pub(super) pday: i16,
}

/// Buffers of one terminal-day, reused across days and terminals.
#[derive(Default)]
pub(super) struct Buffers {
    /// Card and amount by position in the day (only keyed ones are read).
    pub(super) card: Vec<u32>,
    pub(super) amount: Vec<u16>,
    /// Keyed positions, ascending, and their times of day (same index).
    pub(super) keyed: Vec<u32>,
    pub(super) time: Vec<i64>,
    /// The keyed positions' shares of the day's profile mass, `U_(k)`.
    pub(super) cum: Vec<f64>,
    /// Request log and clocks only: the time of day of every position (on
    /// the terminal's clock), and scratch.
    pub(super) all_time: Vec<i64>,
    /// Clocks only, by position: the true time of the purchase (ns since
    /// the start), the processor's reading then (in its zone) and its day
    /// minus the terminal's.
    pub(super) true_all: Vec<i64>,
    pub(super) proc_all: Vec<i64>,
    pub(super) pday_all: Vec<i16>,
    /// Clocks, request log and trace only, by position: the terminal's
    /// reading at the purchase's true time (ns since the start of its day
    /// 0).
    pub(super) term_all: Vec<i64>,
    /// Clocks only: the same for each resubmission of `resub_pos` (same
    /// index).
    pub(super) resub_clock: Vec<ResubClock>,
    pub(super) spacing: Vec<f64>,
    /// Resubmitted positions, ascending, with their delays in ns.
    pub(super) resub_pos: Vec<(u32, i64)>,
    pub(super) reqs: Vec<Req>,
    pub(super) head: Vec<u32>,
    pub(super) resubs: Vec<(i64, u32)>,
    pub(super) keymap: HashMap<u64, u32, BuildHasherDefault<KeyHasher>>,
    /// Days of long counter chains: the latest request of each key.
    pub(super) cmap: HashMap<u128, u32, BuildHasherDefault<WideHasher>>,
    pub(super) paid_stamp: Vec<u32>,
    pub(super) stamp: u32,
    /// Regulars who paid today: the first `n_paid` entries (a buffer sized
    /// for the most distinct regulars a day can have).
    pub(super) paid: Vec<u32>,
    pub(super) n_paid: usize,
    /// Scratch: regulars drawn on a run of positions that need no key.
    pub(super) hits: Vec<u32>,
    pub(super) paid_by_usual: Vec<u32>,
    pub(super) seen: Vec<(u32, u16)>,
}

/// A probability as a threshold out of 2^53 (1 gives 2^53: always).
pub(super) fn threshold(p: f64) -> u64 {
    (p * TWO_POW_53) as u64
}

/// "With probability `p`, one of `n` uniformly" from a 53-bit uniform `y`:
/// a hit when `y < t`, and then `floor(y * n / t)`, by a multiply-high with
/// `k = floor(2^64 n / t)` (a division only when `k` does not fit, i.e. for
/// `p` below about 1e-9).
#[derive(Debug, Clone, Copy)]
pub(super) struct Pick {
    pub(super) t: u64,
    pub(super) k: Option<u64>,
    pub(super) n: u32,
}

impl Pick {
    pub(super) fn new(p: f64, n: u32) -> Self {
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
    pub(super) fn index(self, y: u64) -> u32 {
        match self.k {
            Some(k) => ((u128::from(y) * u128::from(k)) >> 64) as u32,
            None => (u128::from(y) * u128::from(self.n) / u128::from(self.t)) as u32,
        }
    }
}

/// The scope test between an earlier request `m` and the request `j` arriving.
///
/// With `proc` (the scope follows the processor's clock), the two requests
/// must also fall on the same processor day (`pday`).
#[inline]
pub(super) fn in_scope(
    scope: Scope,
    proc: bool,
    d: &Derived,
    m: &Req,
    j_time: i64,
    j_purchase: u32,
    j_pday: i16,
) -> bool {
    if proc && m.pday != j_pday {
        return false;
    }
    match scope {
        Scope::Day => true,
        Scope::Batch => !d.new_batch || m.purchase / d.range == j_purchase / d.range,
        Scope::Window(w) => j_time - m.time <= w.as_nanos(),
    }
}
