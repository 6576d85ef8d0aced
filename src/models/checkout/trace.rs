//! Traces of the checkout model: the timeline of one user in true time and
//! every host's local time (`racesim trace`), and every event of one
//! replication (`trace --events`). Each reruns the replication on the
//! engine with the same streams, so it shows exactly the case the run
//! simulated.

use super::Checkout;
use super::sim::Sim;
use crate::clock::Clock;
use crate::engine::{ScheduleError, Simulation, Streams};
use crate::model::{EventLog, TraceError, TraceOutcome, TraceQuery};
use crate::time::{SimTime, format_clock_reading};

/// What a step of a user's timeline is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StepKind {
    /// The user enters their card.
    Arrival,
    /// Payment accepted, record marked paid and stamped.
    Paid,
    /// The application redirects the browser.
    Redirect,
    /// A poll considered the record.
    Poll,
    /// The record is deleted from the front-end.
    Move,
    /// The confirmation page reads the record (first read or a reload).
    Read,
}

/// One step of a traced user's timeline.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TraceStep {
    /// True time.
    pub at: SimTime,
    /// What happened.
    pub kind: StepKind,
    /// Details, in words.
    pub detail: String,
}

/// The timeline of one user, as an incident report would reconstruct it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct UserTrace {
    /// Replication index.
    pub replication: u64,
    /// User number within the replication (0 = first arrival).
    pub user: u64,
    /// Steps in time order.
    pub steps: Vec<TraceStep>,
    /// Host names, stamp host first.
    pub hosts: Vec<String>,
    /// For each step, each host's local reading (same order as `hosts`).
    pub local: Vec<Vec<SimTime>>,
    /// Whether the first read failed.
    pub error_page: bool,
    /// One line: why it failed (or why it did not).
    pub explanation: String,
    /// The request log's row this user replays, if the scenario has a log.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_row: Option<LogRef>,
}

/// Where a replayed user's request is in the request log.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LogRef {
    /// The file as the scenario names it.
    pub file: String,
    /// The row's line (the header is line 1).
    pub line: u64,
}

/// Which user to trace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TraceTarget {
    /// The lowest-numbered user whose first read failed.
    FirstError,
    /// User number `n` (0 = the first arrival).
    User(u64),
}

/// Runs replication `streams` of `model` and returns the timeline of the
/// chosen user (`None` if there is no such user, e.g. no error page at all).
/// The run is repeated with the same streams, so the trace is the exact case
/// the replication simulated; a user replayed from a request log names its
/// row.
pub fn trace(
    model: &Checkout,
    streams: Streams,
    target: TraceTarget,
) -> Result<Option<UserTrace>, ScheduleError> {
    let (cfg, log) = (&model.config, model.log());
    let seq = match target {
        TraceTarget::User(n) => n,
        TraceTarget::FirstError => {
            let mut sim = Simulation::new(Sim::new(cfg, log, &streams, false, false), streams);
            sim.run()?;
            match sim.model().first_error {
                Some(s) => s,
                None => return Ok(None),
            }
        }
    };
    let mut sim = Sim::new(cfg, log, &streams, false, false);
    sim.watch = Some(seq);
    let mut sim = Simulation::new(sim, streams);
    sim.run()?;
    let sim = sim.into_model();
    let log_row = log.zip(sim.watch_line).map(|(l, line)| LogRef {
        file: l.file.clone(),
        line,
    });
    let mut steps = sim.timeline;
    if steps.is_empty() {
        return Ok(None);
    }
    steps.sort_by_key(|s| s.at);
    let t_read = steps
        .iter()
        .find(|s| s.kind == StepKind::Read)
        .map(|s| s.at)
        .unwrap_or(SimTime::MAX);
    let t_paid = steps
        .iter()
        .find(|s| s.kind == StepKind::Paid)
        .map(|s| s.at);
    let t_del = steps
        .iter()
        .find(|s| s.kind == StepKind::Move)
        .map(|s| s.at);
    let error_page = t_del.is_some_and(|d| d < t_read);
    for s in steps.iter_mut().filter(|s| s.kind == StepKind::Read) {
        let failed = t_del.is_some_and(|d| d < s.at);
        s.detail.push_str(if failed {
            ": record not found, the user sees an error page"
        } else {
            ": record found, confirmation shown"
        });
    }
    // every host's reading at every step, from fresh clocks queried in time order
    let mut clocks: Vec<Clock> = cfg
        .clocks
        .iter()
        .zip(&cfg.hosts)
        .map(|(spec, name)| Clock::of_host(spec, &streams, name))
        .collect();
    let local: Vec<Vec<SimTime>> = steps
        .iter()
        .map(|s| clocks.iter_mut().map(|c| c.local(s.at)).collect())
        .collect();
    let explanation = match (t_paid, error_page) {
        (Some(tp), true) => {
            let skew = clocks[cfg.transfer].offset(tp) - clocks[cfg.stamp].offset(tp);
            let (st, tr) = (&cfg.hosts[cfg.stamp], &cfg.hosts[cfg.transfer]);
            if skew >= cfg.grace {
                format!(
                    "the `{tr}` clock was {skew} ahead of `{st}`, more than the {} grace, so the record was eligible {} before it was paid; a poll landed before the confirmation page read it",
                    cfg.grace,
                    skew - cfg.grace
                )
            } else {
                format!(
                    "the confirmation page read the record {} after payment, later than the grace {} minus the skew {skew}, and a poll landed in between",
                    t_read - tp,
                    cfg.grace
                )
            }
        }
        (_, false) => {
            "the record was still on the front-end when the confirmation page read it".into()
        }
        (None, true) => String::new(),
    };
    Ok(Some(UserTrace {
        replication: streams.replication(),
        user: seq,
        steps,
        hosts: cfg.hosts.clone(),
        local,
        error_page,
        explanation,
        log_row,
    }))
}

/// One logged event of a replication (`trace --events`).
#[derive(Debug, Clone, PartialEq)]
pub struct LoggedEvent {
    /// True time.
    pub at: SimTime,
    /// `arrival`, `paid`, `poll`, `poll_select` (engine events) or `delete`
    /// (a record's deletion, decided at its poll).
    pub kind: &'static str,
    /// User number (arrival, paid, delete) or poll number.
    pub id: u64,
    /// For deletions: whether the user had read the record already.
    pub note: String,
}

/// Every event of one replication in time order, with each host's local
/// reading: (event, readings in the order of `cfg.hosts`).
pub fn event_log(
    model: &Checkout,
    streams: Streams,
) -> Result<Vec<(LoggedEvent, Vec<SimTime>)>, ScheduleError> {
    let cfg = &model.config;
    let mut model = Sim::new(cfg, model.log(), &streams, false, false);
    model.log = Some(Vec::new());
    let mut sim = Simulation::new(model, streams);
    sim.run()?;
    let mut log = sim.into_model().log.unwrap_or_default();
    log.sort_by_key(|e| e.at);
    let mut clocks: Vec<Clock> = cfg
        .clocks
        .iter()
        .zip(&cfg.hosts)
        .map(|(spec, name)| Clock::of_host(spec, &streams, name))
        .collect();
    Ok(log
        .into_iter()
        .map(|e| {
            let local = clocks.iter_mut().map(|c| c.local(e.at)).collect();
            (e, local)
        })
        .collect())
}

/// Renders a user's timeline as an incident report.
pub(crate) fn render(name: &str, t: &UserTrace) -> String {
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
    if let Some(r) = &t.log_row {
        out.push_str(&format!(
            "request log: {} line {} (this user replays that row)\n\n",
            r.file, r.line
        ));
    }
    out.push_str(&crate::fmt::columns(&rows));
    out.push_str(&format!("\nwhy: {}\n", t.explanation));
    out
}

/// `racesim trace` for checkout: the first error page (or user `--user N`)
/// of the first replication that has one (or of `--replication R`).
pub(super) fn find(model: &Checkout, q: &TraceQuery<'_>) -> Result<TraceOutcome, TraceError> {
    let target = match q.user {
        Some(n) => TraceTarget::User(n),
        None => TraceTarget::FirstError,
    };
    for r in q.search() {
        if let Some(t) = trace(model, q.streams(r), target)? {
            return Ok(TraceOutcome::Found {
                text: render(q.scenario, &t),
                json: serde_json::to_string_pretty(&t).unwrap_or_default(),
            });
        }
        if q.replication.is_some() || matches!(target, TraceTarget::User(_)) {
            break;
        }
    }
    Ok(TraceOutcome::NotFound(match target {
        TraceTarget::FirstError => format!(
            "{}: no error page in {} replication(s)",
            q.scenario, q.replications
        ),
        TraceTarget::User(n) => {
            format!("{}: there is no user {n} in that replication", q.scenario)
        }
    }))
}

/// The event log of one replication as CSV rows: true time (ns and as a
/// reading), every host's local time, kind, id and note.
pub(super) struct Events {
    header: Vec<String>,
    rows: Option<Vec<Vec<String>>>,
}

impl Events {
    /// The log of replication `--replication R` (default 0).
    pub(super) fn new(model: &Checkout, q: &TraceQuery<'_>) -> Result<Self, ScheduleError> {
        let cfg = &model.config;
        let log = event_log(model, q.streams(q.replication.unwrap_or(0)))?;
        let mut header = vec!["true_time_ns".to_string(), "true_time".into()];
        header.extend(cfg.hosts.iter().map(|h| format!("{h}_local")));
        header.extend(["kind".to_string(), "id".into(), "note".into()]);
        let rows = log
            .iter()
            .map(|(e, local)| {
                let mut row = vec![
                    e.at.as_nanos().to_string(),
                    format_clock_reading(e.at.as_nanos()),
                ];
                row.extend(local.iter().map(|l| format_clock_reading(l.as_nanos())));
                row.extend([e.kind.to_string(), e.id.to_string(), e.note.clone()]);
                row
            })
            .collect();
        Ok(Events {
            header,
            rows: Some(rows),
        })
    }
}

impl EventLog for Events {
    fn header(&self) -> Vec<String> {
        self.header.clone()
    }
    fn next_rows(&mut self) -> Result<Option<Vec<Vec<String>>>, TraceError> {
        Ok(self.rows.take())
    }
    fn summary(&self, rows: u64) -> String {
        format!("{rows} events")
    }
}
