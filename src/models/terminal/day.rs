//! One terminal-day being played ([`DayPlay`]): the purchases' cards and
//! amounts by positional draws, the processor's requests and its duplicate
//! check, the alert scan, and the conditional estimator's integration.

use super::config::TerminalConfig;
use super::requests::{
    Card, CollisionTrace, Failure, LogState, LoggedRequest, Readings, RequestKind, RequestRef,
    TracedRequest,
};
use super::state::{
    Buffers, Derived, GOLDEN, NONE, NS_PER_DAY, Req, TWO_POW_53, TerminalState, in_scope, wide_key,
};
use super::tally::Tally;
use super::values::Scope;
use crate::engine::cancel;
use crate::engine::rng::splitmix64;
use crate::time::{SimDuration, SimTime};

/// A request's arrival at the processor: purchase `p` (0-based position;
/// its resubmission if `resub`) at time of day `t` of the terminal's day.
#[derive(Debug, Clone, Copy)]
pub(super) struct Arrival {
    pub(super) p: u32,
    pub(super) resub: bool,
    pub(super) t: i64,
}

/// One terminal-day being played.
pub(super) struct DayPlay<'a> {
    pub(super) cfg: &'a TerminalConfig,
    pub(super) d: &'a Derived,
    pub(super) w: &'a mut Buffers,
    pub(super) term: &'a TerminalState,
    pub(super) tally: &'a mut Tally,
    pub(super) trace: bool,
    pub(super) first: Option<CollisionTrace>,
    pub(super) log: Option<&'a mut LogState>,
    pub(super) terminal: u32,
    pub(super) day: u32,
    /// Keys of the positional draws (SplitMix64 sequences).
    pub(super) card_key: u64,
    pub(super) amount_key: u64,
    pub(super) menu_key: u64,
    /// Find duplicate keys through `Buffers::cmap` (see [`LONG_CHAINS`]).
    pub(super) long_chains: bool,
    pub(super) stop: &'a mut cancel::Check,
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
    pub(super) fn usual(&self, r: u32) -> u16 {
        usual_order(self.cfg, self.term.usual_key, r)
    }

    /// Marks regular `r` as having paid today.
    #[inline]
    pub(super) fn paid(&mut self, r: u32) {
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
    pub(super) fn card_at(&mut self, i: u32) -> (u32, bool) {
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
    pub(super) fn track_paid(&mut self, from: u32, to: u32) {
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
    pub(super) fn draw(&mut self, i: u32) {
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
    pub(super) fn p_card(&self, r: u32) -> f64 {
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
    pub(super) fn p_amount_given(&self, r: u32, a: u16) -> f64 {
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
    pub(super) fn p_key(&self, c: u32, a: u16) -> f64 {
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
    pub(super) fn conditional_purchase(&mut self, i: u32, c: u32, ti: i64, pday: i16) {
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
                    let in_d = in_scope(self.cfg.dedup_scope, d.dedup_proc, d, &q, ti, i, pday);
                    if in_d {
                        self.tally.false_reversals.add_f64(p);
                        self.tally
                            .lost_cents
                            .add_f64(p * self.cfg.menu.cents[am as usize] as f64);
                    }
                    if let Some(a) = self.cfg.alert
                        && in_scope(a, d.alert_proc, d, &q, ti, i, pday)
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
    pub(super) fn scope_unbounded(&self) -> bool {
        !matches!(self.cfg.dedup_scope, Scope::Window(_))
            || matches!(self.cfg.alert, Some(Scope::Batch | Scope::Day))
    }

    /// The request for purchase `p` (counter `c`) arrives at `t`: finds the
    /// most recent earlier request with the same key, accounts for the
    /// processor's reversal and the alert (if `account`), and records it.
    #[inline(always)]
    pub(super) fn request(
        &mut self,
        p: u32,
        c: u32,
        t: i64,
        pday: i16,
        resub: bool,
        account: bool,
    ) {
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
            self.log_row(Arrival { p, resub, t }, kind, p, resub, original);
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
                pday,
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
                pday,
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
                pday,
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
        let in_d = in_scope(
            self.cfg.dedup_scope,
            self.d.dedup_proc,
            self.d,
            &q,
            t,
            p,
            pday,
        );
        let arriving = Some(RequestRef {
            position: p + 1,
            resubmission: resub,
        });
        let arrival = Arrival { p, resub, t };
        if in_d {
            if q.purchase == p {
                self.tally.true_duplicates += 1;
                self.log_row(
                    arrival,
                    RequestKind::TrueDuplicate,
                    q.purchase,
                    q.resub,
                    arriving,
                );
            } else {
                self.log_row(
                    arrival,
                    RequestKind::FalseReversal,
                    q.purchase,
                    q.resub,
                    arriving,
                );
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
            && in_scope(a, self.d.alert_proc, self.d, &q, t, p, pday)
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
            self.log_row(arrival, kind, q.purchase, q.resub, arriving);
        }
    }

    /// Request log: the purchases at positions `from..to`, which share no
    /// key with any other request (their counter value is used once that
    /// day, and they are not resubmitted). Draws their cards as
    /// [`Self::track_paid`] would (the same draws, the same regulars marked
    /// as paid, in the same order) and their amounts.
    pub(super) fn unkeyed(&mut self, from: u32, to: u32) {
        for j in from..to {
            self.draw(j);
            let t = self.w.all_time[j as usize];
            let arrival = Arrival {
                p: j,
                resub: false,
                t,
            };
            self.log_row(arrival, RequestKind::Purchase, j, false, None);
        }
    }

    /// Request log: resubmission `p` arriving at `t` was not caught. With
    /// clocks, the first such double charge is also traced.
    pub(super) fn log_missed(&mut self, p: u32, t: i64) {
        if self.trace && self.first.is_none() && self.d.clocked {
            let delay = self
                .w
                .resub_pos
                .binary_search_by_key(&p, |r| r.0)
                .map_or(0, |k| self.w.resub_pos[k].1);
            self.first = Some(CollisionTrace {
                failure: Failure::MissedDuplicate,
                reversed: self.traced(p, t - delay, false),
                by: self.traced(p, t, true),
                ..self.collision_base()
            });
        }
        let original = Some(RequestRef {
            position: p + 1,
            resubmission: false,
        });
        let arrival = Arrival { p, resub: true, t };
        self.log_row(arrival, RequestKind::MissedDuplicate, p, true, original);
    }

    /// Request log: a row about the request of purchase `p` (its
    /// resubmission if `resub`), made when the request `arrival` reached
    /// the processor.
    #[inline]
    pub(super) fn log_row(
        &mut self,
        arrival: Arrival,
        kind: RequestKind,
        p: u32,
        resub: bool,
        related: Option<RequestRef>,
    ) {
        if self.log.is_none() {
            return;
        }
        let (at, clocks) = self.when(arrival);
        let d = self.d;
        let row = LoggedRequest {
            at: SimTime::from_nanos(at),
            clocks,
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
        };
        if let Some(log) = self.log.as_deref_mut() {
            log.made += 1;
            log.rows.push(row);
        }
    }

    /// When request `a` reached the processor: its true time (ns since the
    /// start) and, with clocks that are not ideal, what the terminal's and
    /// the processor's clocks read then. Without them the terminal's time
    /// of day is the true time of day.
    pub(super) fn when(&self, a: Arrival) -> (i64, Option<Readings>) {
        let terminal = i64::from(self.day) * NS_PER_DAY + a.t;
        if !self.d.clocked {
            return (terminal, None);
        }
        let (at, reading, processor, pday) = if a.resub {
            let k = self
                .w
                .resub_pos
                .binary_search_by_key(&a.p, |r| r.0)
                .unwrap_or(0);
            let r = self.w.resub_clock[k];
            (r.at, r.terminal, r.processor, r.pday)
        } else {
            let i = a.p as usize;
            (
                self.w.true_all[i],
                self.w.term_all.get(i).copied().unwrap_or(terminal),
                self.w.proc_all[i],
                self.w.pday_all[i],
            )
        };
        let readings = Readings {
            terminal: SimTime::from_nanos(reading),
            processor: SimTime::from_nanos(processor),
            processor_day: i64::from(self.day) + i64::from(pday),
        };
        (at, Some(readings))
    }

    pub(super) fn traced(&self, p: u32, t: i64, resub: bool) -> TracedRequest {
        let d = self.d;
        let card = self.w.card[p as usize];
        let (at, clocks) = self.when(Arrival { p, resub, t });
        TracedRequest {
            at: SimTime::from_nanos(at),
            time_of_day: SimDuration::from_nanos(t),
            clocks,
            counter: p % d.range + 1,
            position: p + 1,
            card: card_of(d, card),
            amount_cents: self.cfg.menu.cents[self.w.amount[p as usize] as usize],
            batch: if d.new_batch { p / d.range + 1 } else { 1 },
            resubmission: resub,
        }
    }

    /// A trace of this terminal-day with placeholder requests.
    fn collision_base(&self) -> CollisionTrace {
        let none = TracedRequest {
            at: SimTime::ZERO,
            time_of_day: SimDuration::ZERO,
            clocks: None,
            counter: 0,
            position: 0,
            card: Card::OneOff(0),
            amount_cents: 0,
            batch: 0,
            resubmission: false,
        };
        CollisionTrace {
            failure: Failure::FalseReversal,
            terminal: self.terminal,
            day: self.day,
            reversed: none.clone(),
            by: none,
            matched_on: self.cfg.dedup_match.fields(),
            scope: self.cfg.dedup_scope,
            scope_clock: self.cfg.dedup_clock,
            counter_range: self.d.range,
        }
    }

    pub(super) fn collision(&self, q: &Req, p: u32, t: i64, resub: bool) -> CollisionTrace {
        CollisionTrace {
            failure: Failure::FalseReversal,
            terminal: self.terminal,
            day: self.day,
            reversed: self.traced(q.purchase, q.time, q.resub),
            by: self.traced(p, t, resub),
            matched_on: self.cfg.dedup_match.fields(),
            scope: self.cfg.dedup_scope,
            scope_clock: self.cfg.dedup_clock,
            counter_range: self.d.range,
        }
    }
}

/// A card as the processor sees it, from its index (regulars first).
#[inline]
pub(super) fn card_of(d: &Derived, card: u32) -> Card {
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
pub(super) fn usual_order(cfg: &TerminalConfig, key: u64, r: u32) -> u16 {
    cfg.menu.alias.pick(splitmix64(
        key.wrapping_add(u64::from(r).wrapping_mul(GOLDEN)),
    ))
}
