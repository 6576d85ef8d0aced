//! Traces of the terminal model: the two requests of the first false
//! reversal, with their counters, masked cards, amounts and positions, and
//! the duplicate rule that matched (`racesim trace`); and every processor
//! request and outcome of one replication (`trace --events`, see
//! [`Requests`]).

use serde_json::json;

use super::config::TerminalConfig;
use super::log::{LogError, MAX_LOG_ROWS, RequestLog};
use super::requests::{
    Card, CollisionTrace, Failure, LoggedRequest, RequestKind, RequestRef, TracedRequest,
};
use super::values::{ClockOwner, MatchField, Scope};
use crate::model::{EventLog, TraceError, TraceOutcome, TraceQuery};
use crate::time::format_clock_reading;

/// A card shown as a receipt would: masked, with the last four digits
/// derived from the card's identity (simulated cards have no real number).
pub(crate) fn masked(terminal: u32, card: Card) -> String {
    let (kind, n) = match card {
        Card::Regular(n) => ("regular", n),
        Card::OneOff(n) => ("one-off", n),
    };
    let last4 = (u64::from(n) * 7919
        + u64::from(terminal) * 104_729
        + if kind == "regular" { 0 } else { 5003 })
        % 10_000;
    format!("**** **** **** {last4:04} ({kind} #{n})")
}

fn money(cents: u64) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}

fn field(m: MatchField) -> &'static str {
    match m {
        MatchField::Counter => "counter",
        MatchField::Card => "card",
        MatchField::Amount => "amount",
    }
}

fn scope(s: Scope) -> String {
    match s {
        Scope::Batch => "the same batch".into(),
        Scope::Day => "the same day".into(),
        Scope::Window(w) => format!("a {w} window"),
    }
}

fn row(label: &str, t: &CollisionTrace, r: &TracedRequest) -> Vec<String> {
    let mut v = vec![label.into(), format_clock_reading(r.at.as_nanos())];
    if let Some(c) = &r.clocks {
        v.push(format_clock_reading(c.terminal.as_nanos()));
        v.push(format_clock_reading(c.processor.as_nanos()));
    }
    v.extend([
        format!("{:03}", r.counter),
        r.position.to_string(),
        r.batch.to_string(),
        masked(t.terminal, r.card),
        money(r.amount_cents),
        if r.resubmission {
            "resubmission".into()
        } else {
            "purchase".into()
        },
    ]);
    v
}

/// Renders the collision as an incident report.
pub(crate) fn render_collision(name: &str, replication: u64, t: &CollisionTrace) -> String {
    let missed = t.failure == Failure::MissedDuplicate;
    let mut out = format!(
        "{name}: replication {replication}, terminal {}, day {}: {}\n\n",
        t.terminal,
        t.day,
        if missed {
            "double charge (a resubmission not caught)"
        } else {
            "false reversal"
        }
    );
    let clocks = t.reversed.clocks.is_some();
    let mut header: Vec<String> = vec!["".into(), "true time".into()];
    if clocks {
        header.push("terminal clock".into());
        header.push("processor clock".into());
    }
    header.extend(
        ["counter", "position", "batch", "card", "amount", "kind"]
            .iter()
            .map(|h| h.to_string()),
    );
    let (first, second) = if missed {
        ("original (charged)", "resubmission (charged again)")
    } else {
        ("reversed (sale lost)", "later request")
    };
    let rows = vec![header, row(first, t, &t.reversed), row(second, t, &t.by)];
    out.push_str(&crate::fmt::columns(&rows));
    let matched: Vec<&str> = t.matched_on.iter().map(|m| field(*m)).collect();
    let gap = t.by.position.abs_diff(t.reversed.position);
    out.push_str(&format!(
        "\nrule: the processor treats two requests with the same ({}) within {}{} as a resubmission and reverses the earlier one\n",
        matched.join(", "),
        scope(t.scope),
        if t.scope_clock == ClockOwner::Processor && clocks {
            " on the processor's clock"
        } else {
            ""
        }
    ));
    let days = match (&t.reversed.clocks, &t.by.clocks) {
        (Some(a), Some(b)) => Some((a.processor_day, b.processor_day)),
        _ => None,
    };
    if missed {
        if let Some((a, b)) = days {
            out.push_str(&format!(
                "why: the terminal's clock put both requests on its day {}, but the processor's clock put the original on its day {a} and the resubmission on its day {b}; the processor's check takes the day from its own clock, so it never compared the two and the customer paid twice\n",
                t.day
            ));
        }
        return out;
    }
    out.push_str(&format!(
        "why: the counter rolled over past {}: positions {} and {} are {gap} apart ({} x {}), so both carry counter {:03}; the same card bought the same item twice, and the processor took the second purchase for a resubmission of the first\n",
        t.counter_range,
        t.reversed.position,
        t.by.position,
        gap / t.counter_range.max(1),
        t.counter_range,
        t.by.counter
    ));
    if let Some((a, b)) = days {
        out.push_str(&format!(
            "clocks: both on the terminal's day {}; on the processor's days {a} and {b}\n",
            t.day
        ));
    }
    out
}

fn request_json(t: &CollisionTrace, r: &TracedRequest) -> serde_json::Value {
    let mut v = json!({
        "at_ns": r.at.as_nanos(),
        "time": format_clock_reading(r.at.as_nanos()),
        "counter": r.counter,
        "position": r.position,
        "batch": r.batch,
        "card": masked(t.terminal, r.card),
        "amount": money(r.amount_cents),
        "resubmission": r.resubmission,
    });
    if let (Some(c), Some(o)) = (&r.clocks, v.as_object_mut()) {
        o.insert(
            "clocks".into(),
            json!({
                "terminal_ns": c.terminal.as_nanos(),
                "terminal": format_clock_reading(c.terminal.as_nanos()),
                "processor_ns": c.processor.as_nanos(),
                "processor": format_clock_reading(c.processor.as_nanos()),
                "processor_day": c.processor_day,
            }),
        );
    }
    v
}

/// The columns of the request log. A scenario with terminal clocks adds
/// [`CLOCK_EVENT_COLUMNS`] after `true_time`.
pub(crate) const EVENT_COLUMNS: &[&str] = &[
    "true_time_ns",
    "true_time",
    "terminal",
    "day",
    "kind",
    "request",
    "position",
    "counter",
    "batch",
    "card",
    "amount",
    "related",
];

/// The columns a scenario with terminal clocks adds to the request log,
/// after `true_time`: what the terminal's clock and the processor's (in its
/// zone) read at the row's true time.
pub(crate) const CLOCK_EVENT_COLUMNS: &[&str] = &["terminal_clock", "processor_clock"];

/// The request log's header: [`EVENT_COLUMNS`], with [`CLOCK_EVENT_COLUMNS`]
/// after `true_time` when the scenario has terminal clocks.
pub(crate) fn event_columns(cfg: &TerminalConfig) -> Vec<&'static str> {
    let mut v = EVENT_COLUMNS.to_vec();
    if cfg.clocks.is_some() {
        v.splice(2..2, CLOCK_EVENT_COLUMNS.iter().copied());
    }
    v
}

/// A request's id in the log: `TERMINAL-DAY-POSITION`, with an `r` after a
/// resubmission (a purchase is resubmitted at most once).
fn request_id(terminal: u32, day: u32, r: RequestRef) -> String {
    format!(
        "{terminal}-{day}-{}{}",
        r.position,
        if r.resubmission { "r" } else { "" }
    )
}

fn event_row(cfg: &TerminalConfig, e: &LoggedRequest) -> Vec<String> {
    let digits = cfg.digits as usize;
    let mut row = vec![
        e.at.as_nanos().to_string(),
        format_clock_reading(e.at.as_nanos()),
    ];
    if cfg.clocks.is_some() {
        // Ideal clocks (and no zone) read true time.
        let (terminal, processor) = e.clocks.map_or((e.at, e.at), |c| (c.terminal, c.processor));
        row.push(format_clock_reading(terminal.as_nanos()));
        row.push(format_clock_reading(processor.as_nanos()));
    }
    row.extend([
        e.terminal.to_string(),
        e.day.to_string(),
        e.kind.name().to_string(),
        request_id(e.terminal, e.day, e.request),
        e.request.position.to_string(),
        format!("{:0digits$}", e.counter),
        e.batch.to_string(),
        masked(e.terminal, e.card),
        money(e.amount_cents),
        e.related
            .map(|r| request_id(e.terminal, e.day, r))
            .unwrap_or_default(),
    ]);
    row
}

/// The request log of one replication as CSV rows, a day of the fleet at a
/// time: every processor request and outcome in true-time order, the same
/// replication `run` simulates (with the `sample` estimator).
///
/// With terminal clocks, `true_time` is the true time of the row and
/// `terminal_clock` and `processor_clock` are the two clocks' readings then
/// (see [`CLOCK_EVENT_COLUMNS`]).
///
/// Rows (`kind`):
/// - `purchase`, `resubmission`: a request reaching the processor; for a
///   resubmission `related` is the original request;
/// - `reversal_true_duplicate`, `false_reversal`: the processor reversed the
///   row's `request` (an earlier one) when `related` arrived, at its time; a
///   false reversal loses the row's amount;
/// - `missed_duplicate`: the row's resubmission was not caught (`related`:
///   the original), a double charge;
/// - `alert`, `false_alert`: the daily scan flagged the row's request with
///   the later `related` (a false alert: one the processor did not reverse).
///
/// Ids are `TERMINAL-DAY-POSITION`, with `r` for a resubmission. Every
/// terminal-day is included, also those `run` counts without playing (they
/// cannot produce a duplicate). Refused beyond [`MAX_LOG_ROWS`] rows; memory
/// holds one day of the fleet.
pub(super) struct Requests<'c> {
    cfg: &'c TerminalConfig,
    log: RequestLog<'c>,
    false_reversals: u64,
}

impl<'c> Requests<'c> {
    /// The log of replication `--replication R` (default 0).
    pub(super) fn new(cfg: &'c TerminalConfig, days: u32, q: &TraceQuery<'_>) -> Self {
        let streams = q.streams(q.replication.unwrap_or(0));
        Requests {
            cfg,
            log: RequestLog::new(cfg, days, streams, MAX_LOG_ROWS),
            false_reversals: 0,
        }
    }
}

impl EventLog for Requests<'_> {
    fn header(&self) -> Vec<String> {
        event_columns(self.cfg)
            .iter()
            .map(|c| c.to_string())
            .collect()
    }
    fn next_rows(&mut self) -> Result<Option<Vec<Vec<String>>>, TraceError> {
        let batch = match self.log.next_rows() {
            Ok(Some(b)) => b,
            Ok(None) => return Ok(None),
            Err(LogError::Schedule(e)) => return Err(e.into()),
            Err(e @ LogError::TooManyRows { .. }) => {
                return Err(TraceError::Refused(format!("trace --events: {e}")));
            }
        };
        self.false_reversals += batch
            .iter()
            .filter(|e| e.kind == RequestKind::FalseReversal)
            .count() as u64;
        Ok(Some(batch.iter().map(|e| event_row(self.cfg, e)).collect()))
    }
    fn summary(&self, rows: u64) -> String {
        format!(
            "{rows} requests and outcomes ({} false reversals)",
            self.false_reversals
        )
    }
}

/// `--user` does not apply: the terminal trace shows the first false
/// reversal.
pub(super) fn refuse_user(q: &TraceQuery<'_>) -> Result<(), TraceError> {
    if q.user.is_some() {
        return Err(TraceError::Refused(
            "--user applies to the checkout model; the terminal trace shows the first false reversal".into(),
        ));
    }
    Ok(())
}

/// The first false reversal of the first replication that has one (or of
/// `--replication R`).
pub(super) fn find(
    cfg: &TerminalConfig,
    days: u32,
    q: &TraceQuery<'_>,
) -> Result<TraceOutcome, TraceError> {
    refuse_user(q)?;
    for r in q.search() {
        if let Some(t) = super::find_false_reversal(cfg, days, q.streams(r)) {
            let json = json!({
                "scenario": q.scenario,
                "replication": r,
                "terminal": t.terminal,
                "day": t.day,
                "matched_on": t.matched_on.iter().map(|m| field(*m)).collect::<Vec<_>>(),
                "scope": scope(t.scope),
                "counter_range": t.counter_range,
                "reversed": request_json(&t, &t.reversed),
                "by": request_json(&t, &t.by),
            });
            return Ok(TraceOutcome::Found {
                text: render_collision(q.scenario, r, &t),
                json: serde_json::to_string_pretty(&json).unwrap_or_default(),
            });
        }
    }
    Ok(TraceOutcome::NotFound(format!(
        "{}: no false reversal{} in {} replication(s)",
        q.scenario,
        if cfg.clocks.is_some() {
            " or double charge"
        } else {
            ""
        },
        if q.replication.is_some() {
            1
        } else {
            q.replications
        }
    )))
}
