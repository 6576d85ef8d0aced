//! The validated, immutable [`TerminalConfig`], built from the raw
//! `[terminal]` table ([`super::raw`]).

use std::path::Path;

use toml::Spanned;

use super::raw::{RawScope, RawTerminal, RawTerminalClock};
use super::values::{ClockOwner, DayToDay, MatchField, Overflow, Scope, TimeOfDay};
use crate::clock::raw::{RawClock, clock_spec};
use crate::clock::{Clock, ClockSpec};
use crate::dist::{Dist, DurationDist};
use crate::engine::Streams;
use crate::field::FieldError;
use crate::time::{SimDuration, SimTime};
use crate::units::DurationValue;

/// The largest mean daily count a terminal may have. Sampled means above it
/// are clamped: a terminal-day is held in memory, and a scenario asking for
/// more than ten million card payments a day on one counter is a mistake.
pub const MAX_DAILY_MEAN: f64 = 1e7;
/// The largest pool of regular cards per terminal (one stamp per card is kept
/// while a terminal-day runs).
pub(crate) const MAX_REGULARS: i64 = 10_000_000;
/// The largest fleet.
pub(crate) const MAX_TERMINALS: i64 = 10_000_000;
/// The most prices on a menu (amounts are stored as a 16-bit menu index).
pub(crate) const MAX_MENU_ITEMS: usize = u16::MAX as usize;

const DEFAULT_OPEN_MIN: u32 = 6 * 60;
const DEFAULT_CLOSE_MIN: u32 = 20 * 60;
const DEFAULT_DIGITS: u32 = 3;
const DEFAULT_REGULARS: u32 = 100;
const DEFAULT_RESUBMIT_DELAY: SimDuration = SimDuration::from_secs(20);

/// Which fields the duplicate key holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MatchSet {
    /// The sequence counter.
    pub counter: bool,
    /// The card.
    pub card: bool,
    /// The amount.
    pub amount: bool,
}

impl MatchSet {
    /// The documented key: counter, card and amount.
    pub const ALL: MatchSet = MatchSet {
        counter: true,
        card: true,
        amount: true,
    };
    /// The fields, in the canonical order.
    pub fn fields(&self) -> Vec<MatchField> {
        let mut v = Vec::new();
        if self.counter {
            v.push(MatchField::Counter);
        }
        if self.card {
            v.push(MatchField::Card);
        }
        if self.amount {
            v.push(MatchField::Amount);
        }
        v
    }
}

/// Walker's alias table over the menu: one `u64` draws an item.
#[derive(Debug, Clone)]
pub(crate) struct Alias {
    /// Acceptance threshold of each column, out of 2^32.
    threshold: Vec<u64>,
    alias: Vec<u16>,
}

impl Alias {
    /// Vose's construction from probabilities summing to 1.
    fn new(probs: &[f64]) -> Self {
        let n = probs.len();
        let mut scaled: Vec<f64> = probs.iter().map(|p| p * n as f64).collect();
        let mut threshold = vec![1u64 << 32; n];
        let mut alias: Vec<u16> = (0..n as u16).collect();
        let (mut small, mut large): (Vec<usize>, Vec<usize>) =
            (0..n).partition(|&i| scaled[i] < 1.0);
        while let (Some(s), Some(&l)) = (small.pop(), large.last()) {
            threshold[s] = (scaled[s] * 4_294_967_296.0) as u64;
            alias[s] = l as u16;
            scaled[l] -= 1.0 - scaled[s];
            if scaled[l] < 1.0 {
                large.pop();
                small.push(l);
            }
        }
        // Leftovers (rounding) keep their own column with certainty.
        Alias { threshold, alias }
    }

    /// The item drawn by `u`: the high 32 bits pick a column, the low 32 bits
    /// decide between the column and its alias.
    #[inline]
    pub(crate) fn pick(&self, u: u64) -> u16 {
        let col = (((u >> 32) * self.threshold.len() as u64) >> 32) as usize;
        if (u & 0xFFFF_FFFF) < self.threshold[col] {
            col as u16
        } else {
            self.alias[col]
        }
    }
}

/// The menu: prices and their probabilities.
#[derive(Debug, Clone)]
pub struct Menu {
    /// Price of each item in cents.
    pub cents: Vec<u64>,
    /// Probability of each item in a fresh draw.
    pub probs: Vec<f64>,
    pub(crate) alias: Alias,
}

impl Menu {
    /// `sum(p_i^2)`: the chance that two fresh draws give the same item.
    pub fn sum_p2(&self) -> f64 {
        self.probs.iter().map(|p| p * p).sum()
    }
    /// Mean price in cents.
    pub fn mean_cents(&self) -> f64 {
        self.cents
            .iter()
            .zip(&self.probs)
            .map(|(&c, p)| c as f64 * p)
            .sum()
    }
}

/// The opening hours and their profile, ready to map a uniform to a time of
/// day (true time: the terminal model has no host clocks).
#[derive(Debug, Clone)]
pub struct Hours {
    /// Opening time, minutes since midnight.
    pub open: TimeOfDay,
    /// Closing time, minutes since midnight.
    pub close: TimeOfDay,
    /// Weight of each opening hour (the last may be a partial hour).
    pub weights: Vec<f64>,
    /// Start of each segment, ns since midnight.
    pub(crate) seg_start_ns: Vec<f64>,
    /// Cumulative mass at the start of each segment, normalised to end at 1;
    /// one more entry than segments.
    pub(crate) cum: Vec<f64>,
    /// Nanoseconds per unit of normalised mass in each segment (0 for a
    /// segment of zero weight).
    pub(crate) ns_per_mass: Vec<f64>,
}

impl Hours {
    fn new(open: TimeOfDay, close: TimeOfDay, weights: Vec<f64>) -> Self {
        const NS_PER_MIN: f64 = 60e9;
        let mut seg_start_ns = Vec::with_capacity(weights.len());
        let mut mass = Vec::with_capacity(weights.len());
        let mut len_ns = Vec::with_capacity(weights.len());
        for (k, w) in weights.iter().enumerate() {
            let start = open.minutes + 60 * k as u32;
            let end = (start + 60).min(close.minutes);
            seg_start_ns.push(start as f64 * NS_PER_MIN);
            len_ns.push((end - start) as f64 * NS_PER_MIN);
            mass.push(w * (end - start) as f64);
        }
        let total: f64 = mass.iter().sum();
        let mut cum = Vec::with_capacity(weights.len() + 1);
        let mut acc = 0.0;
        cum.push(0.0);
        let mut ns_per_mass = Vec::with_capacity(weights.len());
        for (m, l) in mass.iter().zip(&len_ns) {
            let share = m / total;
            acc += share;
            cum.push(acc);
            ns_per_mass.push(if share > 0.0 { l / share } else { 0.0 });
        }
        if let Some(last) = cum.last_mut() {
            *last = 1.0;
        }
        Hours {
            open,
            close,
            weights,
            seg_start_ns,
            cum,
            ns_per_mass,
        }
    }

    /// Opening time in ns since midnight: no purchase is earlier.
    pub fn open_ns(&self) -> i64 {
        i64::from(self.open.minutes) * 60_000_000_000
    }

    /// Closing time in ns since midnight.
    pub fn close_ns(&self) -> i64 {
        i64::from(self.close.minutes) * 60_000_000_000
    }
}

/// The terminals' and the processor's clocks (`[terminal.clock]`,
/// `[terminal.processor]`); see `docs/clocks.md`, "Terminals and the
/// processor".
#[derive(Debug, Clone)]
pub struct Clocks {
    /// Every terminal's clock, drawn per terminal where distributions are
    /// given, with the steps that apply to every terminal.
    pub terminal: ClockSpec,
    /// The steps of some terminals' clocks only, in the order given.
    pub steps: Vec<TerminalStep>,
    /// The processor's clock.
    pub processor: ClockSpec,
    /// The processor's civil time minus the terminals' (its time zone).
    pub zone: SimDuration,
}

/// A step of some terminals' clocks (an item of `[terminal.clock]`'s
/// `steps` with `terminals` or `share`).
#[derive(Debug, Clone, PartialEq)]
pub struct TerminalStep {
    /// True time of the jump.
    pub at: SimTime,
    /// The jump (negative = backwards).
    pub by: SimDuration,
    /// Which terminals jump.
    pub who: Jumpers,
}

/// Which terminals a [`TerminalStep`] moves.
#[derive(Debug, Clone, PartialEq)]
pub enum Jumpers {
    /// These terminals (0-based, ascending, each once).
    Listed(Vec<u32>),
    /// Each terminal with this probability, drawn independently per
    /// terminal and replication (stream `clock/steps`, indexed by
    /// terminal: one uniform per such step, in the order given).
    Share(f64),
}

impl Clocks {
    /// True when every terminal and the processor always read the same time
    /// in the same zone: no day can differ.
    pub fn is_ideal(&self) -> bool {
        self.terminal.is_ideal()
            && self.steps.iter().all(|s| s.by == SimDuration::ZERO)
            && self.processor.is_ideal()
            && self.zone == SimDuration::ZERO
    }

    /// The steps of terminal `t`'s clock beyond the fleet's, in replication
    /// `streams`: those that list it, and those with a `share` whose draw
    /// picks it.
    pub fn steps_of(&self, t: u32, streams: &Streams) -> Vec<(SimTime, SimDuration)> {
        let mut rng = None;
        let mut out = Vec::new();
        for s in &self.steps {
            let jumps = match &s.who {
                Jumpers::Listed(v) => v.binary_search(&t).is_ok(),
                Jumpers::Share(p) => {
                    let r = rng.get_or_insert_with(|| {
                        streams.indexed(super::streams::CLOCK_STEPS, u64::from(t))
                    });
                    // A uniform in [0, 1) from the high 53 bits.
                    let u = (rand::Rng::next_u64(r) >> 11) as f64 / 9_007_199_254_740_992.0;
                    u < *p
                }
            };
            if jumps {
                out.push((s.at, s.by));
            }
        }
        out
    }

    /// Terminal `t`'s clock in replication `streams`: the fleet's clock
    /// drawn from its own stream, with its own steps (the same clock the
    /// run reads).
    pub fn terminal_clock(&self, t: u32, streams: &Streams) -> Clock {
        let rng = streams.indexed(super::streams::TERMINAL_CLOCK, u64::from(t));
        let own = self.steps_of(t, streams);
        if own.is_empty() {
            return Clock::new(&self.terminal, rng);
        }
        let mut spec = self.terminal.clone();
        spec.steps.extend(own);
        Clock::new(&spec, rng)
    }

    /// The processor's clock in replication `streams`.
    pub fn processor_clock(&self, streams: &Streams) -> Clock {
        Clock::new(
            &self.processor,
            streams.indexed(super::streams::PROCESSOR_CLOCK, 0),
        )
    }
}

/// Validates `[terminal.clock]`: the host form (every key, the steps of
/// every terminal) as a host's clock, then the steps of some terminals of
/// a fleet of `fleet`.
fn terminal_clocks(
    c: &RawTerminalClock,
    fleet: u32,
    base_dir: &Path,
) -> Result<(ClockSpec, Vec<TerminalStep>), FieldError> {
    let spec = clock_spec(&c.host_form(), base_dir)?;
    let mut steps = Vec::new();
    for s in &c.steps {
        let r = s.get_ref();
        // The step's own checks are a host step's.
        let one = RawClock {
            steps: vec![super::raw::RawTerminalStep::host_step(s)],
            ..RawClock::default()
        };
        let (at, by) = clock_spec(&one, base_dir)?.steps[0];
        let who = match (&r.terminals, &r.share) {
            (Some(_), Some(_)) => {
                return Err(FieldError::at(
                    s,
                    "a step applies to the `terminals` listed or to a `share` of the fleet:                      give one of them (neither: every terminal)",
                ));
            }
            (Some(list), None) => {
                let mut v = Vec::with_capacity(list.get_ref().len());
                for &i in list.get_ref() {
                    if i < 0 || i >= i64::from(fleet) {
                        return Err(FieldError::at(
                            list,
                            format!(
                                "terminal {i} is not in the fleet: terminals are numbered 0 to {}",
                                fleet - 1
                            ),
                        ));
                    }
                    v.push(i as u32);
                }
                if v.is_empty() {
                    return Err(FieldError::at(
                        list,
                        "list at least one terminal (0-based), or remove `terminals` for every terminal",
                    ));
                }
                v.sort_unstable();
                v.dedup();
                Jumpers::Listed(v)
            }
            (None, Some(p)) => {
                let x = *p.get_ref();
                if !(0.0..=1.0).contains(&x) {
                    return Err(FieldError::at(
                        p,
                        format!("share is the chance that a terminal jumps, 0 to 1, got {x}"),
                    ));
                }
                Jumpers::Share(x)
            }
            // fleet-wide: in the host form
            (None, None) => continue,
        };
        steps.push(TerminalStep { at, by, who });
    }
    Ok((spec, steps))
}

/// The validated `[terminal]` configuration. Immutable; built only by
/// [`TerminalConfig::from_raw`], after which nothing re-checks it.
#[derive(Debug, Clone)]
pub struct TerminalConfig {
    pub(crate) terminals: u32,
    pub(crate) daily: Dist,
    pub(crate) day_to_day: DayToDay,
    pub(crate) hours: Hours,
    pub(crate) digits: u32,
    pub(crate) range: u32,
    pub(crate) overflow: Overflow,
    pub(crate) regular_share: f64,
    pub(crate) regulars: u32,
    pub(crate) return_visit: f64,
    pub(crate) same_order: f64,
    pub(crate) menu: Menu,
    pub(crate) resubmit_probability: f64,
    pub(crate) resubmit_delay: DurationDist,
    pub(crate) dedup_match: MatchSet,
    pub(crate) dedup_scope: Scope,
    pub(crate) alert: Option<Scope>,
    pub(crate) clocks: Option<Clocks>,
    pub(crate) dedup_clock: ClockOwner,
    pub(crate) alert_clock: ClockOwner,
}

/// The longest time-zone difference between the processor and the
/// terminals.
const MAX_ZONE: SimDuration = SimDuration::from_hours(24);

/// `clock = "terminal" | "processor"` of the dedup check or the alert scan,
/// which only means something for a day or a batch.
fn owner(
    raw: &Option<Spanned<ClockOwner>>,
    scope: Scope,
    table: &str,
) -> Result<ClockOwner, FieldError> {
    let Some(c) = raw else {
        return Ok(ClockOwner::Terminal);
    };
    if *c.get_ref() == ClockOwner::Processor && matches!(scope, Scope::Window(_)) {
        return Err(FieldError::at(
            c,
            format!(
                "`{table}.clock` chooses whose clock decides the day or the batch; a window is \
                 the time between two requests, the same on either clock: use it with \
                 scope = \"day\" or \"batch\", or remove `clock`"
            ),
        ));
    }
    Ok(*c.get_ref())
}

fn probability(v: &Option<Spanned<f64>>, default: f64, what: &str) -> Result<f64, FieldError> {
    match v {
        None => Ok(default),
        Some(s) => {
            let p = *s.get_ref();
            if p.is_finite() && (0.0..=1.0).contains(&p) {
                Ok(p)
            } else {
                Err(FieldError::at(
                    s,
                    format!("{what} is a probability: expected a number from 0 to 1, got {p}"),
                ))
            }
        }
    }
}

fn scope(raw: &Spanned<RawScope>) -> Result<Scope, FieldError> {
    Ok(match raw.get_ref() {
        RawScope::Batch => Scope::Batch,
        RawScope::Day => Scope::Day,
        RawScope::Window(DurationValue(w)) => {
            if *w <= SimDuration::ZERO {
                return Err(FieldError::at(
                    raw,
                    format!("a window must be longer than zero, got {w}"),
                ));
            }
            Scope::Window(*w)
        }
    })
}

impl TerminalConfig {
    /// Validates `raw`; relative `empirical` files resolve against `base_dir`.
    pub fn from_raw(raw: &RawTerminal, base_dir: &Path) -> Result<Self, FieldError> {
        let t = *raw.terminals.get_ref();
        if !(1..=MAX_TERMINALS).contains(&t) {
            return Err(FieldError::at(
                &raw.terminals,
                format!("expected a fleet of 1 to {MAX_TERMINALS} terminals, got {t}"),
            ));
        }

        let daily = raw
            .daily_transactions
            .get_ref()
            .build(base_dir)
            .map_err(|e| FieldError::at(&raw.daily_transactions, e.to_string()))?;
        let mean = daily.mean();
        if daily.min_value() < 0.0 || daily.min_value().is_nan() {
            return Err(FieldError::at(
                &raw.daily_transactions,
                "a daily count cannot be negative, and this distribution can draw negative values: \
                 use one that stays at or above 0 (lognormal, gamma, uniform with low >= 0, choice...)",
            ));
        }
        if !mean.is_finite() || mean > MAX_DAILY_MEAN {
            return Err(FieldError::at(
                &raw.daily_transactions,
                format!(
                    "the mean daily count must be finite and at most {MAX_DAILY_MEAN:e} per terminal, got {mean}"
                ),
            ));
        }

        let open = raw
            .open
            .as_ref()
            .map(|s| *s.get_ref())
            .unwrap_or(TimeOfDay {
                minutes: DEFAULT_OPEN_MIN,
            });
        let close = raw
            .close
            .as_ref()
            .map(|s| *s.get_ref())
            .unwrap_or(TimeOfDay {
                minutes: DEFAULT_CLOSE_MIN,
            });
        if open >= close {
            let msg = format!("`open` ({open}) must be earlier than `close` ({close})");
            return Err(match (&raw.close, &raw.open) {
                (Some(c), _) => FieldError::at(c, msg),
                (None, Some(o)) => FieldError::at(o, msg),
                (None, None) => FieldError::key("terminal.close", msg),
            });
        }
        let hours_open = (close.minutes - open.minutes).div_ceil(60) as usize;
        let weights = match &raw.hourly_profile {
            None => vec![1.0; hours_open],
            Some(p) => {
                let w = p.get_ref();
                if w.len() != hours_open {
                    return Err(FieldError::at(
                        p,
                        format!(
                            "expected one weight per opening hour: {hours_open} from {open} to {close}, got {}",
                            w.len()
                        ),
                    ));
                }
                if let Some(bad) = w.iter().find(|x| !x.is_finite() || **x < 0.0) {
                    return Err(FieldError::at(
                        p,
                        format!("weights must be finite and not negative, got {bad}"),
                    ));
                }
                if w.iter().all(|x| *x == 0.0) {
                    return Err(FieldError::at(
                        p,
                        "at least one hour needs a weight above zero",
                    ));
                }
                w.clone()
            }
        };

        let digits = match &raw.counter_digits {
            None => DEFAULT_DIGITS,
            Some(s) => {
                let d = *s.get_ref();
                if !(1..=9).contains(&d) {
                    return Err(FieldError::at(
                        s,
                        format!("expected a counter width of 1 to 9 digits, got {d}"),
                    ));
                }
                d as u32
            }
        };
        let range = 10u32.pow(digits) - 1;

        let c = &raw.customers;
        let regular_share = probability(&c.regular_share, 0.0, "`regular_share`")?;
        let return_visit = probability(&c.return_visit, 0.0, "`return_visit`")?;
        let same_order = probability(&c.same_order, 0.0, "`same_order`")?;
        let regulars = match &c.regulars {
            None => DEFAULT_REGULARS,
            Some(s) => {
                let r = *s.get_ref();
                if !(1..=MAX_REGULARS).contains(&r) {
                    return Err(FieldError::at(
                        s,
                        format!("expected 1 to {MAX_REGULARS} regular cards per terminal, got {r}"),
                    ));
                }
                r as u32
            }
        };

        let prices = raw.menu.prices.get_ref();
        if prices.is_empty() {
            return Err(FieldError::at(
                &raw.menu.prices,
                "the menu needs at least one price, like [{ price = \"4.50\", weight = 1 }]",
            ));
        }
        if prices.len() > MAX_MENU_ITEMS {
            return Err(FieldError::at(
                &raw.menu.prices,
                format!("at most {MAX_MENU_ITEMS} prices, got {}", prices.len()),
            ));
        }
        let mut cents = Vec::with_capacity(prices.len());
        let mut weights_menu = Vec::with_capacity(prices.len());
        for p in prices {
            cents.push(p.price.get_ref().cents);
            let w = match &p.weight {
                None => 1.0,
                Some(w) => {
                    let x = *w.get_ref();
                    if !x.is_finite() || x < 0.0 {
                        return Err(FieldError::at(
                            w,
                            format!("a weight must be finite and not negative, got {x}"),
                        ));
                    }
                    x
                }
            };
            weights_menu.push(w);
        }
        // The processor compares amounts, not menu lines: two lines at the
        // same price are one amount.
        let mut merged: Vec<(u64, f64)> = Vec::with_capacity(cents.len());
        for (&c, &w) in cents.iter().zip(&weights_menu) {
            match merged.iter_mut().find(|m| m.0 == c) {
                Some(m) => m.1 += w,
                None => merged.push((c, w)),
            }
        }
        let cents: Vec<u64> = merged.iter().map(|m| m.0).collect();
        let weights_menu: Vec<f64> = merged.iter().map(|m| m.1).collect();
        let total: f64 = weights_menu.iter().sum();
        if total <= 0.0 {
            return Err(FieldError::at(
                &raw.menu.prices,
                "at least one price needs a weight above zero",
            ));
        }
        let probs: Vec<f64> = weights_menu.iter().map(|w| w / total).collect();
        let menu = Menu {
            cents,
            alias: Alias::new(&probs),
            probs,
        };

        let resubmit_probability =
            probability(&raw.resubmit.probability, 0.0, "`resubmit.probability`")?;
        let resubmit_delay = match &raw.resubmit.delay {
            None => DurationDist::constant(DEFAULT_RESUBMIT_DELAY),
            Some(d) => {
                let built = d
                    .get_ref()
                    .build_duration(base_dir)
                    .map_err(|e| FieldError::at(d, e.to_string()))?;
                if built.can_be_negative() {
                    return Err(FieldError::at(
                        d,
                        "a resubmission delay cannot be negative, and this distribution can draw \
                         negative values: use one that stays at or above 0",
                    ));
                }
                built
            }
        };

        let dedup_match = match &raw.dedup.match_fields {
            None => MatchSet::ALL,
            Some(m) => {
                let f = m.get_ref();
                if f.is_empty() {
                    return Err(FieldError::at(
                        m,
                        "the duplicate key needs at least one of \"counter\", \"card\", \"amount\"",
                    ));
                }
                MatchSet {
                    counter: f.contains(&MatchField::Counter),
                    card: f.contains(&MatchField::Card),
                    amount: f.contains(&MatchField::Amount),
                }
            }
        };
        let dedup_scope = match &raw.dedup.scope {
            None => Scope::Batch,
            Some(s) => scope(s)?,
        };
        let dedup_clock = owner(&raw.dedup.clock, dedup_scope, "dedup")?;
        let alert = match &raw.alert {
            None => None,
            Some(a) => Some(match &a.scope {
                None => Scope::Day,
                Some(s) => scope(s)?,
            }),
        };
        let alert_clock = match (&raw.alert, alert) {
            (Some(a), Some(s)) => owner(&a.clock, s, "alert")?,
            _ => ClockOwner::Terminal,
        };
        let clocks = if raw.clock.is_none() && raw.processor.is_none() {
            None
        } else {
            let (terminal, steps) = match &raw.clock {
                None => (ClockSpec::ideal(), Vec::new()),
                Some(c) => terminal_clocks(c, t as u32, base_dir)?,
            };
            let p = raw.processor.clone().unwrap_or_default();
            let processor = match &p.clock {
                None => ClockSpec::ideal(),
                Some(c) => clock_spec(c, base_dir)?,
            };
            let zone = match &p.zone {
                None => SimDuration::ZERO,
                Some(z) => {
                    let v = z.get_ref().0;
                    if v.abs() >= MAX_ZONE {
                        return Err(FieldError::at(
                            z,
                            format!(
                                "a time-zone difference must be shorter than a day, got {v}; \
                                 write the processor's civil time minus the terminals', e.g. \"-1h\""
                            ),
                        ));
                    }
                    v
                }
            };
            Some(Clocks {
                terminal,
                steps,
                processor,
                zone,
            })
        };

        Ok(TerminalConfig {
            terminals: t as u32,
            daily,
            day_to_day: raw.day_to_day,
            hours: Hours::new(open, close, weights),
            digits,
            range,
            overflow: raw.overflow,
            regular_share,
            regulars,
            return_visit,
            same_order,
            menu,
            resubmit_probability,
            resubmit_delay,
            dedup_match,
            dedup_scope,
            alert,
            clocks,
            dedup_clock,
            alert_clock,
        })
    }

    /// Fleet size.
    pub fn terminals(&self) -> u32 {
        self.terminals
    }
    /// Counter width in digits.
    pub fn counter_digits(&self) -> u32 {
        self.digits
    }
    /// Largest counter value, `10^digits - 1` (999 for 3 digits).
    pub fn counter_range(&self) -> u32 {
        self.range
    }
    /// Overflow policy.
    pub fn overflow(&self) -> Overflow {
        self.overflow
    }
    /// The processor's key fields.
    pub fn dedup_match(&self) -> MatchSet {
        self.dedup_match
    }
    /// The processor's scope.
    pub fn dedup_scope(&self) -> Scope {
        self.dedup_scope
    }
    /// The alert scan's scope, if the scan runs.
    pub fn alert_scope(&self) -> Option<Scope> {
        self.alert
    }
    /// The terminals' and the processor's clocks, when the scenario gives
    /// any (`[terminal.clock]` or `[terminal.processor]`).
    pub fn clocks(&self) -> Option<&Clocks> {
        self.clocks.as_ref()
    }
    /// True when the processor's duplicate check takes its day from the
    /// processor's clock and some clock is not ideal (the closed forms of
    /// reversals no longer hold).
    pub fn dedup_follows_processor(&self) -> bool {
        self.dedup_clock == ClockOwner::Processor
            && self.clocks.as_ref().is_some_and(|c| !c.is_ideal())
    }
    /// As [`Self::dedup_follows_processor`], for the alert scan.
    pub fn alert_follows_processor(&self) -> bool {
        self.alert_clock == ClockOwner::Processor
            && self.clocks.as_ref().is_some_and(|c| !c.is_ideal())
    }
    /// Whose clock decides the processor's day and batch.
    pub fn dedup_clock(&self) -> ClockOwner {
        self.dedup_clock
    }
    /// Whose clock decides the alert scan's day and batch.
    pub fn alert_clock(&self) -> ClockOwner {
        self.alert_clock
    }
    /// Opening hours and profile.
    pub fn hours(&self) -> &Hours {
        &self.hours
    }
    /// The menu.
    pub fn menu(&self) -> &Menu {
        &self.menu
    }
    /// Day-to-day variation.
    pub fn day_to_day(&self) -> DayToDay {
        self.day_to_day
    }
    /// The distribution of each terminal's mean daily count.
    pub fn daily_transactions(&self) -> &Dist {
        &self.daily
    }
    /// `(regular_share, regulars, return_visit, same_order)`.
    pub fn customers(&self) -> (f64, u32, f64, f64) {
        (
            self.regular_share,
            self.regulars,
            self.return_visit,
            self.same_order,
        )
    }
    /// Resubmission probability and delay.
    pub fn resubmit(&self) -> (f64, &DurationDist) {
        (self.resubmit_probability, &self.resubmit_delay)
    }
}
