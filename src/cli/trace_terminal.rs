//! `racesim trace` for the terminal model: the two transactions of the first
//! false reversal, with their counters, masked cards, amounts and positions,
//! and the duplicate rule that matched; with `--events FILE.csv`, every
//! processor request and outcome of one replication (see [`write_events`]).

use serde_json::json;

use crate::Error;
use crate::cli::{Format, TraceArgs};
use crate::engine::Streams;
use crate::models::terminal::{
    self, Card, CollisionTrace, LogError, LoggedRequest, MatchField, RequestLog, RequestRef, Scope,
    TerminalConfig, TracedRequest,
};
use crate::report::output::AtomicFile;
use crate::report::table::render;
use crate::scenario::{ModelConfig, Scenario};
use crate::time::format_clock_reading;

/// A card shown as a receipt would: masked, with the last four digits
/// derived from the card's identity (simulated cards have no real number).
pub fn masked(terminal: u32, card: Card) -> String {
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
    vec![
        label.into(),
        format_clock_reading(r.at.as_nanos()),
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
    ]
}

/// Renders the collision as an incident report.
pub fn render_collision(name: &str, replication: u64, t: &CollisionTrace) -> String {
    let mut out = format!(
        "{name}: replication {replication}, terminal {}, day {}: false reversal\n\n",
        t.terminal, t.day
    );
    let rows = vec![
        vec![
            "".into(),
            "true time".into(),
            "counter".into(),
            "position".into(),
            "batch".into(),
            "card".into(),
            "amount".into(),
            "kind".into(),
        ],
        row("reversed (sale lost)", t, &t.reversed),
        row("later request", t, &t.by),
    ];
    out.push_str(&render(&rows));
    let matched: Vec<&str> = t.matched_on.iter().map(|m| field(*m)).collect();
    let gap = t.by.position.abs_diff(t.reversed.position);
    out.push_str(&format!(
        "\nrule: the processor treats two requests with the same ({}) within {} as a resubmission and reverses the earlier one\n",
        matched.join(", "),
        scope(t.scope)
    ));
    out.push_str(&format!(
        "why: the counter rolled over past {}: positions {} and {} are {gap} apart ({} x {}), so both carry counter {:03}; the same card bought the same item twice, and the processor took the second purchase for a resubmission of the first\n",
        t.counter_range,
        t.reversed.position,
        t.by.position,
        gap / t.counter_range.max(1),
        t.counter_range,
        t.by.counter
    ));
    out
}

fn request_json(t: &CollisionTrace, r: &TracedRequest) -> serde_json::Value {
    json!({
        "at_ns": r.at.as_nanos(),
        "time": format_clock_reading(r.at.as_nanos()),
        "counter": r.counter,
        "position": r.position,
        "batch": r.batch,
        "card": masked(t.terminal, r.card),
        "amount": money(r.amount_cents),
        "resubmission": r.resubmission,
    })
}

/// The columns of the request log.
pub const EVENT_COLUMNS: &[&str] = &[
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
    vec![
        e.at.as_nanos().to_string(),
        format_clock_reading(e.at.as_nanos()),
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
    ]
}

/// Writes the request log of replication `replication` to `path` (CSV,
/// atomically, a day of the fleet at a time): every processor request and
/// outcome in true-time order, the same replication `run` simulates (with
/// the `sample` estimator). Returns (rows, false reversals).
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
/// cannot produce a duplicate). Refused (exit 2) beyond
/// [`terminal::MAX_LOG_ROWS`] rows; memory holds one day of the fleet.
pub fn write_events(
    sc: &Scenario,
    cfg: &TerminalConfig,
    replication: u64,
    path: &std::path::Path,
) -> Result<(u64, u64), Error> {
    let file = AtomicFile::create(path)?;
    let mut w = csv::Writer::from_writer(file);
    let io = |e: csv::Error| Error::Usage(format!("cannot write {}: {e}", path.display()));
    w.write_record(EVENT_COLUMNS).map_err(io)?;
    let mut log = RequestLog::new(
        cfg,
        sc.days(),
        Streams::new(sc.seed, replication),
        terminal::MAX_LOG_ROWS,
    );
    let (mut rows, mut false_reversals) = (0u64, 0u64);
    loop {
        let batch = match log.next_rows() {
            Ok(Some(b)) => b,
            Ok(None) => break,
            Err(LogError::Schedule(e)) => return Err(e.into()),
            Err(e @ LogError::TooManyRows { .. }) => {
                return Err(Error::Usage(format!("trace --events: {e}")));
            }
        };
        for e in &batch {
            w.write_record(event_row(cfg, e)).map_err(io)?;
            rows += 1;
            false_reversals += u64::from(e.kind == terminal::RequestKind::FalseReversal);
        }
    }
    let file = w
        .into_inner()
        .map_err(|e| Error::Usage(format!("cannot write {}: {}", path.display(), e.error())))?;
    file.commit()?;
    Ok((rows, false_reversals))
}

/// Prints the first false reversal of the first replication that has one
/// (and, with `--events`, writes the request log of one replication).
pub fn trace(sc: &Scenario, a: &TraceArgs) -> Result<(), Error> {
    let ModelConfig::Terminal(cfg) = &sc.model else {
        return Err(Error::Usage("not a terminal scenario".into()));
    };
    if a.user.is_some() {
        return Err(Error::Usage(
            "--user applies to the checkout model; the terminal trace shows the first false reversal".into(),
        ));
    }
    if let Some(path) = &a.events {
        let r = a.replication.unwrap_or(0);
        let (rows, fr) = write_events(sc, cfg, r, path)?;
        eprintln!(
            "wrote {rows} requests and outcomes ({fr} false reversals) of replication {r} to {}",
            path.display()
        );
    }
    let reps: Vec<u64> = match a.replication {
        Some(r) => vec![r],
        None => (0..u64::from(sc.replications)).collect(),
    };
    for r in reps {
        if let Some(t) = terminal::find_false_reversal(cfg, sc.days(), Streams::new(sc.seed, r)) {
            match a.format {
                Format::Json => {
                    let doc = json!({
                        "scenario": sc.name,
                        "replication": r,
                        "terminal": t.terminal,
                        "day": t.day,
                        "matched_on": t.matched_on.iter().map(|m| field(*m)).collect::<Vec<_>>(),
                        "scope": scope(t.scope),
                        "counter_range": t.counter_range,
                        "reversed": request_json(&t, &t.reversed),
                        "by": request_json(&t, &t.by),
                    });
                    println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
                }
                _ => print!("{}", render_collision(&sc.name, r, &t)),
            }
            return Ok(());
        }
    }
    Err(Error::NotFound(format!(
        "{}: no false reversal in {} replication(s)",
        sc.name,
        if a.replication.is_some() {
            1
        } else {
            sc.replications
        }
    )))
}
