//! Host clocks in words and pictures. `racesim trace FILE --clocks
//! [--replication R]` ([`render`], [`render_json`]): every host's clock in one
//! replication (default 0, the one `run` simulates first), breakpoint by
//! breakpoint over the horizon: syncs (offset before and after, the slew
//! target, and under a frequency discipline the frequency error before and
//! after), slew ends, scheduled steps and outages. Wander steps (one a
//! minute) are counted, not listed. Each host ends with the largest offset
//! the clock reaches (exact: the offset is piecewise linear, so it peaks at a
//! breakpoint or at an end of the horizon). A model's own clocks (the
//! terminal model's terminals and processor, `Model::own_clocks`) follow
//! the hosts'. [`clock_chart`]: each host's
//! offset against true time, the `clocks.svg` of a run.

use serde_json::{Value, json};

use crate::charts::{self, Chart, ChartError, Series};
use crate::clock::{Clock, ClockEvent, ClockEventKind, ClockSpec, Discipline, Start, SyncMode};
use crate::engine::Streams;
use crate::scenario::Scenario;
use crate::time::{SimDuration, SimTime};

/// One host's clock (or one of the model's own) over the horizon of one
/// replication.
struct HostClock<'a> {
    name: String,
    spec: &'a ClockSpec,
    clock: Clock,
    /// Breakpoints up to the horizon, wander steps excluded.
    events: Vec<ClockEvent>,
    wander_steps: usize,
    /// The largest |offset| and the instant it is reached (or approached,
    /// as a left limit just before a breakpoint).
    largest: (SimDuration, SimTime),
}

fn host_clock<'a>(
    name: &str,
    spec: &'a ClockSpec,
    mut clock: Clock,
    end: SimTime,
) -> HostClock<'a> {
    let (mut events, mut wander_steps) = (Vec::new(), 0);
    let mut largest = (SimDuration::ZERO, SimTime::ZERO);
    let mut consider = |off: SimDuration, at: SimTime| {
        if off.abs() > largest.0.abs() {
            largest = (off, at);
        }
    };
    consider(clock.offset(SimTime::ZERO), SimTime::ZERO);
    consider(clock.offset(end), end);
    for e in clock.events().take_while(|e| e.at <= end) {
        consider(e.offset_before, e.at);
        consider(e.offset_after, e.at);
        if e.kind == ClockEventKind::Wander {
            wander_steps += 1;
        } else {
            events.push(e);
        }
    }
    HostClock {
        name: name.to_string(),
        spec,
        clock,
        events,
        wander_steps,
        largest,
    }
}

/// What the spec says, in one line: `drift 12.3 ppm; sync every 1024s
/// (slew, at most 500 ppm), frequency learned (...)`.
fn describe(h: &HostClock<'_>) -> String {
    if h.clock.is_ideal() {
        return "ideal (reads true time)".into();
    }
    let mut parts = vec![
        format!("offset {} at t = 0", h.clock.initial_offset()),
        format!("frequency error {:.3} ppm at t = 0", h.clock.drift_ppm()),
    ];
    if h.spec.wander_ppm > 0.0 {
        parts.push(format!("wander {} ppm per hour", h.spec.wander_ppm));
    }
    if let Some(s) = &h.spec.sync {
        let mode = match s.mode {
            SyncMode::Step => "step".to_string(),
            SyncMode::Slew => format!("slew at most {} ppm", s.max_slew_ppm),
        };
        let discipline = match &s.discipline {
            Discipline::Offset => "offset only".to_string(),
            Discipline::Frequency(f) => format!(
                "frequency learned: residual sd {} ppm, time constant {}, {} start",
                f.residual_ppm,
                f.time_constant,
                match f.start {
                    Start::Warm => "warm",
                    Start::Cold => "cold",
                }
            ),
        };
        parts.push(format!(
            "sync every {} ({mode}, accuracy {}, {discipline})",
            s.interval, s.accuracy
        ));
    }
    parts.join("; ")
}

/// The text listing.
pub fn render(sc: &Scenario, replication: u64) -> String {
    let streams = Streams::new(sc.seed, replication);
    let end = SimTime::ZERO + sc.horizon;
    let mut out = format!(
        "{}: clocks of replication {replication} (seed {}) over {}\n",
        sc.name, sc.seed, sc.horizon
    );
    let own = sc.model.own_clocks(&streams);
    if sc.hosts.is_empty() && own.is_empty() {
        out.push_str("\nno hosts: every clock reads true time\n");
    }
    let clocks = sc
        .hosts
        .iter()
        .map(|(name, spec)| host_clock(name, spec, Clock::of_host(spec, &streams, name), end))
        .chain(
            own.iter()
                .map(|(name, spec, clock)| host_clock(name, spec, clock.clone(), end)),
        );
    for h in clocks {
        out.push_str(&format!("\n{}: {}\n", h.name, describe(&h)));
        for e in &h.events {
            out.push_str(&format!("  {e}\n"));
        }
        if h.wander_steps > 0 {
            out.push_str(&format!(
                "  ({} wander steps, one a minute, not listed)\n",
                h.wander_steps
            ));
        }
        out.push_str(&format!(
            "  largest offset: {} at {}\n",
            h.largest.0, h.largest.1
        ));
    }
    out
}

fn event_json(e: &ClockEvent) -> Value {
    let mut v = json!({
        "at_ns": e.at.as_nanos(),
        "at": e.at.to_string(),
        "offset_before_ns": e.offset_before.as_nanos(),
        "offset_after_ns": e.offset_after.as_nanos(),
        "frequency_ppm": e.frequency_ppm,
        "text": e.to_string(),
    });
    let (kind, extra) = match e.kind {
        ClockEventKind::OutageStart => ("outage_start", json!({})),
        ClockEventKind::OutageEnd => ("outage_end", json!({})),
        ClockEventKind::SlewEnd => ("slew_end", json!({})),
        ClockEventKind::Sync {
            target,
            frequency_before,
        } => (
            "sync",
            json!({ "target_ns": target.as_nanos(), "frequency_before_ppm": frequency_before }),
        ),
        ClockEventKind::Step { by } => ("step", json!({ "by_ns": by.as_nanos() })),
        ClockEventKind::Wander => ("wander", json!({})),
    };
    v["kind"] = json!(kind);
    if let (Some(o), Some(x)) = (v.as_object_mut(), extra.as_object()) {
        for (k, x) in x {
            o.insert(k.clone(), x.clone());
        }
    }
    v
}

/// The same as one JSON document.
pub fn render_json(sc: &Scenario, replication: u64) -> Value {
    let streams = Streams::new(sc.seed, replication);
    let end = SimTime::ZERO + sc.horizon;
    let own = sc.model.own_clocks(&streams);
    let hosts: Vec<Value> = sc
        .hosts
        .iter()
        .map(|(name, spec)| host_clock(name, spec, Clock::of_host(spec, &streams, name), end))
        .chain(
            own.iter()
                .map(|(name, spec, clock)| host_clock(name, spec, clock.clone(), end)),
        )
        .map(|h| {
            json!({
                "host": h.name,
                "clock": describe(&h),
                "events": h.events.iter().map(event_json).collect::<Vec<_>>(),
                "wander_steps": h.wander_steps,
                "largest_offset_ns": h.largest.0.as_nanos(),
                "largest_offset_at_ns": h.largest.1.as_nanos(),
            })
        })
        .collect();
    json!({
        "scenario": sc.name,
        "seed": sc.seed,
        "replication": replication,
        "horizon_ns": sc.horizon.as_nanos(),
        "hosts": hosts,
    })
}

/// The clock picture of replication `replication`: each host's offset (s)
/// against true time (h) over `horizon`, sampled at the clock's breakpoints
/// (syncs, steps, wander steps, slew ends) and on an even grid, with outages
/// and steps marked.
pub fn clock_chart(
    title: &str,
    hosts: &std::collections::BTreeMap<String, crate::clock::ClockSpec>,
    seed: u64,
    replication: u64,
    horizon: crate::time::SimDuration,
) -> Result<Chart, ChartError> {
    const GRID: i64 = 400;
    const MAX_BREAKPOINTS: usize = 20_000;
    let streams = crate::engine::Streams::new(seed, replication);
    let end = SimTime::ZERO + horizon;
    let mut lines = Vec::new();
    let mut marks = Vec::new();
    for (name, spec) in hosts {
        let clock = Clock::of_host(spec, &streams, name);
        let mut times: Vec<SimTime> = (0..=GRID)
            .map(|i| SimTime::from_nanos(horizon.as_nanos() / GRID * i))
            .collect();
        for e in clock
            .events()
            .take_while(|e| e.at <= end)
            .take(MAX_BREAKPOINTS)
        {
            // both sides of a jump
            times.push(SimTime::from_nanos((e.at.as_nanos() - 1).max(0)));
            times.push(e.at);
            match e.kind {
                ClockEventKind::OutageStart => {
                    marks.push((e.at.as_secs_f64() / 3600.0, format!("{name}: sync off")))
                }
                ClockEventKind::OutageEnd => {
                    marks.push((e.at.as_secs_f64() / 3600.0, format!("{name}: sync on")))
                }
                ClockEventKind::Step { by } => {
                    marks.push((e.at.as_secs_f64() / 3600.0, format!("{name}: step {by}")))
                }
                _ => {}
            }
        }
        times.sort();
        times.dedup();
        let mut c = clock.clone();
        let points = times
            .iter()
            .map(|t| (t.as_secs_f64() / 3600.0, c.offset(*t).as_secs_f64()))
            .collect();
        lines.push(Series {
            name: name.clone(),
            points,
        });
    }
    charts::clocks(
        &format!("{title}: clock offsets, replication {replication}"),
        &lines,
        &marks,
    )
}
