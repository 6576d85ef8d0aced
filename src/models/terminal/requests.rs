//! The requests a terminal replication makes, as a trace shows them (the
//! two requests of a false reversal) and as the request log lists them
//! (`trace --events`).

use super::values::{ClockOwner, MatchField, Scope};
use crate::time::{SimDuration, SimTime};

/// A card as the processor sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Card {
    /// Regular card number `n` of the terminal (0-based).
    Regular(u32),
    /// A one-off card, never seen again; numbered by the position of its
    /// purchase in the day.
    OneOff(u32),
}

/// What the clocks read when a request reached the processor (terminal
/// clocks only).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Readings {
    /// The terminal's clock (since the start of its day 0).
    pub terminal: SimTime,
    /// The processor's clock, in its own time zone.
    pub processor: SimTime,
    /// The processor's day of the request (0-based, in its zone).
    pub processor_day: i64,
}

/// One request in a [`CollisionTrace`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TracedRequest {
    /// True time since the start of the replication.
    pub at: SimTime,
    /// Time of day on the terminal's clock (since its midnight; the true
    /// time of day without terminal clocks).
    pub time_of_day: SimDuration,
    /// Both clocks' readings, when the scenario has clocks that are not
    /// ideal.
    pub clocks: Option<Readings>,
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

/// What went wrong in a [`CollisionTrace`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// The processor reversed a distinct purchase: the merchant loses it.
    FalseReversal,
    /// The processor did not catch a resubmission: the customer paid twice
    /// (traced only with terminal clocks, where the processor's day cut
    /// splits a request from its resubmission).
    MissedDuplicate,
}

/// The first failure of a replication: the processor reversed `reversed`
/// when `by` arrived, although they were distinct purchases (or, under
/// [`Failure::MissedDuplicate`], kept both `reversed`, the original, and
/// `by`, its resubmission).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CollisionTrace {
    /// What went wrong.
    pub failure: Failure,
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
    /// Whose clock decides the processor's day and batch.
    pub scope_clock: ClockOwner,
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
    /// What the terminal's and the processor's clocks read at `at`, when
    /// the scenario has clocks that are not ideal.
    pub clocks: Option<Readings>,
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
