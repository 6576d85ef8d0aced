//! `racesim trace` for a race: the timeline of the first failing item (or
//! of item `--user N`): each instant in true time, its host and stamp, every
//! host's clock reading then, the same instant with ideal clocks, the
//! failures it suffered with their margins, and the clock events (syncs,
//! steps, outage bounds) of the hosts involved during the item's life.
//! With `--events`, every instant of every item and every poll of one
//! replication ([`Events`]).

use serde::Serialize;

use super::config::{InstantKind, RaceConfig};
use super::sim::{self, Logged, NEVER, Snapshot, Watch};
use crate::clock::Clock;
use crate::model::{EventLog, TraceError, TraceOutcome, TraceQuery};
use crate::time::{SimTime, format_clock_reading};

/// One instant of a traced item.
#[derive(Debug, Clone, Serialize)]
pub struct TracedInstant {
    /// Its name.
    pub name: String,
    /// True time, ns (`None`: it never happened).
    pub true_time_ns: Option<i64>,
    /// Its host, if it has one.
    pub host: Option<String>,
    /// Its stamp (its host's reading), ns, if it stamps.
    pub stamp_ns: Option<i64>,
    /// Every host's reading at it, ns, in the order of `hosts`.
    pub readings_ns: Vec<i64>,
    /// Its true time with every clock ideal, ns.
    pub ideal_time_ns: Option<i64>,
}

/// One failure of a traced item.
#[derive(Debug, Clone, Serialize)]
pub struct TracedFailure {
    /// The failure's name.
    pub name: String,
    /// Its margin, seconds (below 0: failed), when both sides happened.
    pub margin_s: Option<f64>,
}

/// A traced item.
#[derive(Debug, Clone, Serialize)]
pub struct ItemTrace {
    /// Replication.
    pub replication: u64,
    /// Item number (0 for the first arrival).
    pub item: u64,
    /// The hosts, in the order of `readings_ns`.
    pub hosts: Vec<String>,
    /// Its instants in dependency order.
    pub instants: Vec<TracedInstant>,
    /// The failures it suffered.
    pub failures: Vec<TracedFailure>,
    /// Clock events of the hosts during its life (host, description).
    pub clock_events: Vec<(String, String)>,
}

fn build(cfg: &RaceConfig, q: &TraceQuery<'_>, r: u64, s: Snapshot) -> ItemTrace {
    let known = |t: i64| (t != NEVER).then_some(t);
    let instants: Vec<TracedInstant> = cfg
        .instants
        .iter()
        .zip(&s.instants)
        .zip(s.ideal.iter().zip(&s.readings))
        .map(
            |((inst, &(t, stamp, host)), (&ideal, readings))| TracedInstant {
                name: inst.name.clone(),
                true_time_ns: known(t),
                host: host.map(|h| cfg.hosts[h].clone()),
                stamp_ns: stamp,
                readings_ns: readings.clone(),
                ideal_time_ns: known(ideal),
            },
        )
        .collect();
    let times: Vec<i64> = instants.iter().filter_map(|i| i.true_time_ns).collect();
    let from = times.iter().copied().min().unwrap_or(0);
    let to = times.iter().copied().max().unwrap_or(0);
    let streams = q.streams(r);
    let mut clock_events = Vec::new();
    for (spec, host) in cfg.clocks.iter().zip(&cfg.hosts) {
        let clock = Clock::of_host(spec, &streams, host);
        for e in clock
            .events()
            .take_while(|e| e.at <= SimTime::from_nanos(to))
            .filter(|e| e.at >= SimTime::from_nanos(from))
        {
            clock_events.push((host.clone(), e.to_string()));
        }
    }
    ItemTrace {
        replication: r,
        item: s.seq,
        hosts: cfg.hosts.clone(),
        instants,
        failures: s
            .failed
            .iter()
            .map(|&(k, m)| TracedFailure {
                name: cfg.failures[k].name.clone(),
                margin_s: m,
            })
            .collect(),
        clock_events,
    }
}

/// Renders a traced item as an incident report.
pub(super) fn render(name: &str, t: &ItemTrace) -> String {
    let failed: Vec<String> = t
        .failures
        .iter()
        .map(|f| match f.margin_s {
            Some(m) => format!("{} (margin {m:.6} s)", f.name),
            None => format!("{} (the other instant never happened)", f.name),
        })
        .collect();
    let mut out = format!(
        "{name}: replication {}, item {}{}\n\n",
        t.replication,
        t.item,
        if failed.is_empty() {
            String::new()
        } else {
            format!(": failed {}", failed.join(", "))
        }
    );
    let fmt = |t: Option<i64>| t.map_or("never".to_string(), format_clock_reading);
    let mut rows = vec![{
        let mut h = vec![
            "instant".to_string(),
            "true time".into(),
            "host".into(),
            "stamp".into(),
        ];
        h.extend(t.hosts.iter().map(|h| format!("{h} (local)")));
        h.push("ideal clocks".into());
        h
    }];
    // in true time order (never last), ties in dependency order
    let mut order: Vec<&TracedInstant> = t.instants.iter().collect();
    order.sort_by_key(|i| i.true_time_ns.unwrap_or(i64::MAX));
    for i in order {
        let mut r = vec![
            i.name.clone(),
            fmt(i.true_time_ns),
            i.host.clone().unwrap_or_default(),
            i.stamp_ns.map(format_clock_reading).unwrap_or_default(),
        ];
        if i.readings_ns.is_empty() {
            r.extend(t.hosts.iter().map(|_| String::new()));
        } else {
            r.extend(i.readings_ns.iter().map(|&l| format_clock_reading(l)));
        }
        r.push(fmt(i.ideal_time_ns));
        rows.push(r);
    }
    out.push_str(&crate::fmt::columns(&rows));
    if !t.clock_events.is_empty() {
        out.push_str("\nclock events during the item's life:\n");
        for (h, e) in &t.clock_events {
            out.push_str(&format!("  {h}: {e}\n"));
        }
    }
    out
}

/// The first failing item (or `--user N`) of the first replication that has
/// one (or of `--replication R`).
pub(super) fn find(cfg: &RaceConfig, q: &TraceQuery<'_>) -> Result<TraceOutcome, TraceError> {
    let watch = match q.user {
        Some(n) => Watch::Item(n),
        None => Watch::FirstFailure,
    };
    for r in q.search() {
        let out = sim::run(cfg, &q.streams(r), Some(watch));
        if let Some(s) = out.snapshot {
            let t = build(cfg, q, r, s);
            return Ok(TraceOutcome::Found {
                text: render(q.scenario, &t),
                json: serde_json::to_string_pretty(&t).unwrap_or_default(),
            });
        }
        if q.replication.is_some() || q.user.is_some() {
            break;
        }
    }
    Ok(TraceOutcome::NotFound(match q.user {
        None => format!(
            "{}: no failing item in {} replication(s)",
            q.scenario, q.replications
        ),
        Some(n) => format!("{}: there is no item {n} in that replication", q.scenario),
    }))
}

/// Most rows `trace --events` writes before it refuses (about a gigabyte of
/// CSV, as for the terminal model's request log).
pub(super) const MAX_EVENT_ROWS: usize = 10_000_000;

/// Rows converted to text at a time.
const BATCH: usize = 65_536;

/// The event log of one replication (`trace --events`), real clocks: every
/// instant of every item that happened (the arrival included) and every
/// poll, in true-time order (at a tie: items' instants by item number and
/// dependency order, then polls by poller). Columns: `true_time_ns`,
/// `true_time`, `HOST_local` per host (every host's reading then), `kind`
/// (`arrival`, `instant`, `deadline`, `created`, `poll`), `id` (the item's
/// number, or the poll's for its poller, from 0), `name` (the instant's or
/// the poller's), `host` (the instant's host, a deadline's clock host, or
/// the poller's host; empty for the arrival), `host_local` (that host's
/// reading) and `note` (`stamp` for an instant that stamps its host's
/// reading, `took N` for a poll selecting N items). An instant that never
/// happens has no row. Refused beyond [`MAX_EVENT_ROWS`] rows.
pub(super) struct Events<'c> {
    cfg: &'c RaceConfig,
    log: Vec<Logged>,
    pos: usize,
    clocks: Vec<Clock>,
    items: u64,
    polls: u64,
}

impl<'c> Events<'c> {
    /// The log of replication `--replication R` (default 0).
    pub(super) fn new(cfg: &'c RaceConfig, q: &TraceQuery<'_>) -> Result<Self, TraceError> {
        let streams = q.streams(q.replication.unwrap_or(0));
        let out = sim::run(cfg, &streams, Some(Watch::Log(MAX_EVENT_ROWS)));
        let Some(mut log) = out.log else {
            return Err(TraceError::Refused(format!(
                "trace --events: the event log would exceed {MAX_EVENT_ROWS} rows; use a lower rate or a shorter horizon (e.g. --set horizon=\"1h\")"
            )));
        };
        log.sort_unstable();
        let clocks = cfg
            .clocks
            .iter()
            .zip(&cfg.hosts)
            .map(|(spec, name)| Clock::of_host(spec, &streams, name))
            .collect();
        Ok(Events {
            cfg,
            log,
            pos: 0,
            clocks,
            items: out.output.values.first().copied().unwrap_or(0.0) as u64,
            polls: 0,
        })
    }

    fn row(&mut self, e: &Logged) -> Vec<String> {
        let cfg = self.cfg;
        let at = SimTime::from_nanos(e.t);
        let local: Vec<i64> = self
            .clocks
            .iter_mut()
            .map(|c| c.local(at).as_nanos())
            .collect();
        let mut row = vec![e.t.to_string(), format_clock_reading(e.t)];
        row.extend(local.iter().map(|&l| format_clock_reading(l)));
        let (kind, name, note) = if e.poll == 1 {
            self.polls += 1;
            (
                "poll",
                cfg.pollers[e.what].name.as_str(),
                format!("took {}", e.took),
            )
        } else {
            let inst = &cfg.instants[e.what];
            let kind = match inst.kind {
                InstantKind::Arrival => "arrival",
                InstantKind::Delay { .. } => "instant",
                InstantKind::Deadline { .. } => "deadline",
                InstantKind::Polled { .. } => "created",
            };
            let note = if inst.stamp { "stamp" } else { "" };
            (kind, inst.name.as_str(), note.to_string())
        };
        row.extend([kind.to_string(), e.id.to_string(), name.to_string()]);
        match e.host {
            Some(h) => row.extend([cfg.hosts[h].clone(), format_clock_reading(local[h])]),
            None => row.extend([String::new(), String::new()]),
        }
        row.push(note);
        row
    }
}

impl EventLog for Events<'_> {
    fn header(&self) -> Vec<String> {
        let mut h = vec!["true_time_ns".to_string(), "true_time".into()];
        h.extend(self.cfg.hosts.iter().map(|h| format!("{h}_local")));
        h.extend(["kind", "id", "name", "host", "host_local", "note"].map(String::from));
        h
    }
    fn next_rows(&mut self) -> Result<Option<Vec<Vec<String>>>, TraceError> {
        if self.pos >= self.log.len() {
            return Ok(None);
        }
        let end = (self.pos + BATCH).min(self.log.len());
        let batch: Vec<Logged> = self.log[self.pos..end].to_vec();
        self.pos = end;
        Ok(Some(batch.iter().map(|e| self.row(e)).collect()))
    }
    fn summary(&self, rows: u64) -> String {
        format!("{rows} events ({} items, {} polls)", self.items, self.polls)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Streams;
    use crate::scenario::{self, Source};

    fn config(text: &str) -> RaceConfig {
        let sc = scenario::load(&Source::from_text("t.toml", text), &[]).expect("valid scenario");
        super::super::Race::config_of(&*sc.model)
            .expect("a race")
            .clone()
    }

    const TEXT: &str = r#"
name = "t"
model = "race"
horizon = "1h"
[hosts.a]
[race]
arrivals = { rate = "600/h" }
[[race.instant]]
name = "s"
host = "a"
stamp = true
[[race.instant]]
name = "u"
after = "s"
delay = { exponential = { mean = "1s" } }
host = "a"
[[race.poller]]
name = "p"
host = "a"
every = "1m"
selects = "s"
older_than = "30s"
creates = "m"
[[race.failure]]
name = "f"
first = "m"
before = "u"
"#;

    /// The log holds every instant of every item and every poll, and is
    /// dropped (refused) past its limit; logging changes no figure.
    #[test]
    fn the_log_counts_every_row_and_stops_at_its_limit() {
        let cfg = config(TEXT);
        let streams = Streams::new(4, 0);
        let plain = sim::run(&cfg, &streams, None).output;
        let logged = sim::run(&cfg, &streams, Some(Watch::Log(usize::MAX)));
        assert_eq!(logged.output, plain, "the log changes nothing");
        let log = logged.log.expect("a log");
        let items = plain.values[0] as usize;
        let polls = log.iter().filter(|e| e.poll == 1).count();
        // arrival, s, u and m per item: nothing here runs past the end
        assert_eq!(log.len() - polls, 4 * items);
        assert!(items > 400 && polls > 50, "{items} items, {polls} polls");
        let took: u64 = log.iter().map(|e| u64::from(e.took)).sum();
        assert_eq!(took as usize, items, "every item is taken once");
        let cut = sim::run(&cfg, &streams, Some(Watch::Log(log.len() - 1)));
        assert!(cut.log.is_none(), "past the limit the log is dropped");
        assert!(
            sim::run(&cfg, &streams, Some(Watch::Log(log.len())))
                .log
                .is_some()
        );
    }
}
