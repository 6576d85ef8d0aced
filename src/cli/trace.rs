//! `racesim trace FILE [--first-error | --user N] [--replication R]
//! [--events FILE.csv]`: the timeline of one case in true time and in every
//! host's local time, like the log reconstruction of an incident. With
//! `--events`, also every event of one replication (`--replication R`,
//! default 0, the same replication `run` simulates): for checkout each engine
//! event with every host's local time; for the terminal model every
//! processor request and outcome in true-time order
//! ([`crate::cli::trace_terminal::write_events`] lists the rows; every
//! terminal-day is included; refused, exit 2, beyond 10 million rows). With
//! `--clocks`, every host's clock breakpoints instead
//! ([`crate::cli::trace_clocks`]).

use crate::Error;
use crate::cli::{Format, TraceArgs};
use crate::engine::Streams;
use crate::models::checkout::{self, TraceTarget, UserTrace};
use crate::report::table::render;
use crate::scenario::{self, ModelConfig};
use crate::time::format_clock_reading;

/// Renders a checkout trace as text.
pub fn render_checkout(name: &str, t: &UserTrace) -> String {
    let mut out = format!(
        "{name}: replication {}, user {}{}\n\n",
        t.replication,
        t.user,
        if t.error_page { " (error page)" } else { "" }
    );
    let mut rows = vec![{
        let mut h = vec!["true time".to_string()];
        h.extend(t.hosts.iter().map(|h| format!("{h} (local)")));
        h.push("event".into());
        h
    }];
    for (s, local) in t.steps.iter().zip(&t.local) {
        let mut r = vec![format_clock_reading(s.at.as_nanos())];
        r.extend(local.iter().map(|l| format_clock_reading(l.as_nanos())));
        r.push(s.detail.clone());
        rows.push(r);
    }
    out.push_str(&render(&rows));
    out.push_str(&format!("\nwhy: {}\n", t.explanation));
    out
}

/// Prints the trace.
pub fn trace(a: &TraceArgs) -> Result<(), Error> {
    let overrides = crate::cli::parse_sets(&a.set)?;
    let sc = scenario::load_file(&a.file, &overrides)?;
    if a.clocks {
        let r = a.replication.unwrap_or(0);
        match a.format {
            Format::Json => println!(
                "{}",
                serde_json::to_string_pretty(&crate::cli::trace_clocks::render_json(&sc, r))
                    .unwrap_or_default()
            ),
            _ => print!("{}", crate::cli::trace_clocks::render(&sc, r)),
        }
        return Ok(());
    }
    let target = match a.user {
        Some(n) => TraceTarget::User(n),
        None => TraceTarget::FirstError,
    };
    match &sc.model {
        ModelConfig::Checkout(cfg) => {
            if let Some(path) = &a.events {
                let r = a.replication.unwrap_or(0);
                let log = checkout::event_log(cfg, Streams::new(sc.seed, r))?;
                let mut w = csv::Writer::from_writer(Vec::new());
                let mut header = vec!["true_time_ns".to_string(), "true_time".into()];
                header.extend(cfg.hosts.iter().map(|h| format!("{h}_local")));
                header.extend(["kind".to_string(), "id".into(), "note".into()]);
                let _ = w.write_record(&header);
                for (e, local) in &log {
                    let mut row = vec![
                        e.at.as_nanos().to_string(),
                        format_clock_reading(e.at.as_nanos()),
                    ];
                    row.extend(local.iter().map(|l| format_clock_reading(l.as_nanos())));
                    row.extend([e.kind.to_string(), e.id.to_string(), e.note.clone()]);
                    let _ = w.write_record(&row);
                }
                let bytes = w.into_inner().unwrap_or_default();
                crate::report::output::write_atomic(path, &bytes)?;
                eprintln!(
                    "wrote {} events of replication {r} to {}",
                    log.len(),
                    path.display()
                );
            }
            let reps: Vec<u64> = match a.replication {
                Some(r) => vec![r],
                None => (0..u64::from(sc.replications)).collect(),
            };
            for r in reps {
                if let Some(t) = checkout::trace(cfg, Streams::new(sc.seed, r), target)? {
                    match a.format {
                        Format::Json => {
                            println!("{}", serde_json::to_string_pretty(&t).unwrap_or_default())
                        }
                        _ => print!("{}", render_checkout(&sc.name, &t)),
                    }
                    return Ok(());
                }
                if a.replication.is_some() || matches!(target, TraceTarget::User(_)) {
                    break;
                }
            }
            Err(Error::NotFound(match target {
                TraceTarget::FirstError => format!(
                    "{}: no error page in {} replication(s)",
                    sc.name, sc.replications
                ),
                TraceTarget::User(n) => {
                    format!("{}: there is no user {n} in that replication", sc.name)
                }
            }))
        }
        ModelConfig::Terminal(_) => crate::cli::trace_terminal::trace(&sc, a),
    }
}
