//! Clock query costs: in-order queries, late queries (answered from the
//! clock's record of its last 512 segments, or by a replay from t = 0 when
//! they fall before it), and inversions (`first_reading_at_least`) with
//! deadlines 5 minutes and 1 day ahead. The clock is the `web` host of
//! scenarios/lisa-ntp.toml (a daemon polling every 1024 s, slewing, learning
//! the frequency), alone and with 5 ppm/h of wander (a breakpoint a minute).
//!
//! `cargo bench --bench clock` runs a 7-day horizon and prints the median of
//! five runs in nanoseconds per operation; under `cargo test --all-targets`
//! (no `--bench` argument) it runs a 2-hour horizon once as a smoke test.
//! Timings are printed, never asserted.

use std::hint::black_box;
use std::path::Path;
use std::time::Instant;

use racesim::clock::{Clock, ClockSpec};
use racesim::engine::Streams;
use racesim::scenario::{self, Override};
use racesim::time::{SimDuration, SimTime};
use rand::RngExt;

fn spec(wander: bool) -> ClockSpec {
    let overrides: Vec<Override> = if wander {
        vec![Override::parse("hosts.web.clock.wander_ppm=5").expect("override")]
    } else {
        Vec::new()
    };
    let sc = scenario::load_file(Path::new("scenarios/lisa-ntp.toml"), &overrides)
        .expect("scenarios/lisa-ntp.toml loads");
    sc.hosts["web"].clone()
}

fn clock(spec: &ClockSpec) -> Clock {
    Clock::new(spec, Streams::new(1, 0).stream("clock/web"))
}

/// Nanoseconds per call of `op` over `n` calls.
fn per_op(n: usize, mut op: impl FnMut(usize)) -> f64 {
    let start = Instant::now();
    for i in 0..n {
        op(i);
    }
    start.elapsed().as_nanos() as f64 / n as f64
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// The 1-minute load average (Linux), to judge the timings by.
fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().map(str::to_string))
        .unwrap_or_else(|| "n/a".into())
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    println!("load average at start: {}", loadavg());
    let runs = if full { 5 } else { 1 };
    let horizon = if full {
        SimDuration::from_hours(7 * 24)
    } else {
        SimDuration::from_hours(2)
    };
    let step = SimDuration::from_secs(1);
    let n = (horizon.as_nanos() / step.as_nanos()) as usize;
    let at = |i: usize| SimTime::ZERO + step.saturating_mul(i as i64);
    for wander in [false, true] {
        let s = spec(wander);
        let label = if wander {
            "lisa-ntp web + 5 ppm/h wander"
        } else {
            "lisa-ntp web"
        };
        let mut rng = Streams::new(9, 0).stream("bench");
        let late_hour: Vec<i64> = (0..n)
            .map(|_| rng.random_range(0..3_600_000_000_000))
            .collect();
        let late_day: Vec<i64> = (0..n / 100)
            .map(|_| rng.random_range(0..86_400_000_000_000))
            .collect();
        let in_order = median(
            (0..runs)
                .map(|_| {
                    let mut c = clock(&s);
                    per_op(n, |i| {
                        black_box(c.local(at(i)));
                    })
                })
                .collect(),
        );
        // each query at t is followed by one up to an hour earlier
        let late = median(
            (0..runs)
                .map(|_| {
                    let mut c = clock(&s);
                    per_op(n, |i| {
                        let t = at(i);
                        black_box(c.local(t));
                        black_box(c.local(t - SimDuration::from_nanos(late_hour[i])));
                    }) / 2.0
                })
                .collect(),
        );
        // one query in 100 steps, then one up to a day earlier
        let very_late = median(
            (0..runs)
                .map(|_| {
                    let mut c = clock(&s);
                    per_op(n / 100, |i| {
                        let t = at(i * 100);
                        black_box(c.local(t));
                        black_box(c.local(t - SimDuration::from_nanos(late_day[i])));
                    }) / 2.0
                })
                .collect(),
        );
        let invert = |ahead: SimDuration, every: usize| {
            median(
                (0..runs)
                    .map(|_| {
                        let mut c = clock(&s);
                        per_op(n / every, |i| {
                            let t0 = at(i * every);
                            let v = c.local(t0) + ahead;
                            black_box(c.first_reading_at_least(v, t0, SimTime::MAX));
                        })
                    })
                    .collect(),
            )
        };
        let five_min = invert(SimDuration::from_mins(5), 10);
        let one_day = invert(SimDuration::from_hours(24), 100);
        println!(
            "{label}: in order {in_order:.0} ns/query; up to 1 h late {late:.0} ns/query; up to 1 day late {very_late:.0} ns/query; inversion 5 min ahead {five_min:.0} ns, 1 day ahead {one_day:.0} ns"
        );
    }
}
