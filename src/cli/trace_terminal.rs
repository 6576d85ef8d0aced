//! `racesim trace` for the terminal model: the two transactions of the first
//! false reversal, with their counters, masked cards, amounts and positions,
//! and the duplicate rule that matched.

use serde_json::json;

use crate::Error;
use crate::cli::{Format, TraceArgs};
use crate::engine::Streams;
use crate::models::terminal::{self, Card, CollisionTrace, MatchField, Scope, TracedRequest};
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

/// Prints the first false reversal of the first replication that has one.
pub fn trace(sc: &Scenario, a: &TraceArgs) -> Result<(), Error> {
    let ModelConfig::Terminal(cfg) = &sc.model else {
        return Err(Error::Usage("not a terminal scenario".into()));
    };
    if a.user.is_some() {
        return Err(Error::Usage(
            "--user applies to the checkout model; the terminal trace shows the first false reversal".into(),
        ));
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
