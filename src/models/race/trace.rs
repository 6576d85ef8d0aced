//! `racesim trace` for a race: the timeline of the first failing item (or
//! of item `--user N`): each instant in true time, its host and stamp, every
//! host's clock reading then, the same instant with ideal clocks, the
//! failures it suffered with their margins, and the clock events (syncs,
//! steps, outage bounds) of the hosts involved during the item's life.

use serde::Serialize;

use super::config::RaceConfig;
use super::sim::{self, NEVER, Snapshot, Watch};
use crate::clock::Clock;
use crate::model::{TraceError, TraceOutcome, TraceQuery};
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
