//! Throughput benchmarks (issue 7): the engine against a bare binary-heap loop,
//! the checkout model on scenarios/lisa.toml, the race model on
//! scenarios/race-checkout.toml (lisa's race as a race file) against it, the
//! terminal model on 200
//! terminals x 1100 transactions a day, and 1-thread vs 2-thread scaling;
//! and growth (issue 14): one replication at 1x, 2x, 4x and 8x the work
//! (checkout at millions of users an hour with a lognormal payment latency,
//! one terminal with millions of purchases a day), with the ratio of each
//! time to the one before (2.0 for cost linear in the work, 4.0 for
//! quadratic).
//!
//! `cargo bench --bench throughput` runs full sizes and prints the median of
//! several runs; under `cargo test --all-targets` (no `--bench` argument) it
//! runs tiny sizes once as a smoke test. Timings are printed, never asserted.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::time::Instant;

use racesim::engine::{Context, Model, ScheduleError, SimRng, Simulation, Streams};
use racesim::experiment::{self, Silent};
use racesim::scenario::{self, Override};
use racesim::time::{SimDuration, SimTime};
use rand::RngExt;

fn exp_ns(rng: &mut SimRng, mean_ns: f64) -> i64 {
    let u: f64 = rng.random();
    (-(1.0 - u).ln() * mean_ns) as i64
}

/// M/M/1 on the engine: arrivals and departures, 0.8 load.
struct Mm1 {
    rng: SimRng,
    queue: u64,
    left: u64,
}

#[derive(Clone, Copy)]
enum Ev {
    Arrive,
    Depart,
}

impl Model for Mm1 {
    type Event = Ev;
    fn start(&mut self, ctx: &mut Context<Ev>) -> Result<(), ScheduleError> {
        let d = exp_ns(&mut self.rng, 1.25e9);
        ctx.schedule_in(SimDuration::from_nanos(d), Ev::Arrive)
    }
    fn handle(&mut self, e: Ev, ctx: &mut Context<Ev>) -> Result<(), ScheduleError> {
        match e {
            Ev::Arrive => {
                self.queue += 1;
                if self.queue == 1 {
                    let d = exp_ns(&mut self.rng, 1e9);
                    ctx.schedule_in(SimDuration::from_nanos(d), Ev::Depart)?;
                }
                if self.left > 0 {
                    self.left -= 1;
                    let d = exp_ns(&mut self.rng, 1.25e9);
                    ctx.schedule_in(SimDuration::from_nanos(d), Ev::Arrive)?;
                }
            }
            Ev::Depart => {
                self.queue -= 1;
                if self.queue > 0 {
                    let d = exp_ns(&mut self.rng, 1e9);
                    ctx.schedule_in(SimDuration::from_nanos(d), Ev::Depart)?;
                }
            }
        }
        Ok(())
    }
}

/// Events per second of the engine's M/M/1.
fn engine_mm1(customers: u64) -> f64 {
    let streams = Streams::new(1, 0);
    let m = Mm1 {
        rng: streams.stream("mm1"),
        queue: 0,
        left: customers,
    };
    let t = Instant::now();
    let mut sim = Simulation::new(m, streams);
    let stats = sim.run().expect("runs");
    stats.events as f64 / t.elapsed().as_secs_f64()
}

/// Events per second of the same M/M/1 as a bare BinaryHeap loop of
/// (time, seq, kind) tuples.
fn bare_mm1(customers: u64) -> f64 {
    let mut rng = Streams::new(1, 0).stream("mm1");
    let t = Instant::now();
    let mut heap = BinaryHeap::new();
    let mut seq = 0u64;
    let (mut queue, mut left, mut events) = (0u64, customers, 0u64);
    heap.push(Reverse((exp_ns(&mut rng, 1.25e9), seq, 0u8)));
    while let Some(Reverse((now, _, kind))) = heap.pop() {
        events += 1;
        if kind == 0 {
            queue += 1;
            if queue == 1 {
                seq += 1;
                heap.push(Reverse((now + exp_ns(&mut rng, 1e9), seq, 1)));
            }
            if left > 0 {
                left -= 1;
                seq += 1;
                heap.push(Reverse((now + exp_ns(&mut rng, 1.25e9), seq, 0)));
            }
        } else {
            queue -= 1;
            if queue > 0 {
                seq += 1;
                heap.push(Reverse((now + exp_ns(&mut rng, 1e9), seq, 1)));
            }
        }
    }
    std::hint::black_box(SimTime::ZERO);
    events as f64 / t.elapsed().as_secs_f64()
}

/// CPU time (user + system) used so far by this process, all its threads
/// including finished ones, in nanoseconds (Linux `/proc/self/stat`, in
/// clock ticks of 10 ms), or `None` where it cannot be read. On a machine
/// shared with other builds, units per CPU-second is the figure that does
/// not depend on how much of the cores the benchmark got.
fn cpu_ns() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let rest = &stat[stat.rfind(')')? + 1..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?;
    // USER_HZ is 100 on every Linux platform the project targets
    Some(ticks * 10_000_000)
}

/// (units per second, events per second, units per CPU-second) of a scenario
/// run on `threads`.
fn scenario_rate(
    file: &str,
    overrides: &[(&str, &str)],
    threads: usize,
    unit: &str,
) -> (f64, f64, f64) {
    let ovs: Vec<Override> = overrides
        .iter()
        .map(|(p, v)| Override {
            path: p.to_string(),
            value: v.to_string(),
        })
        .collect();
    let sc = scenario::load_file(std::path::Path::new(file), &ovs).expect("scenario loads");
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("pool");
    let cpu0 = cpu_ns();
    let t = Instant::now();
    let p = pool
        .install(|| experiment::run_point(Vec::new(), sc, None, &Silent))
        .expect("runs");
    let secs = t.elapsed().as_secs_f64();
    let cpu = cpu0
        .zip(cpu_ns())
        .map_or(f64::NAN, |(a, b)| b.saturating_sub(a) as f64 * 1e-9);
    let units = p.metric(unit).map(|m| m.figure.value).unwrap_or(0.0);
    // CPU time comes in 10 ms ticks: too coarse for a run this short
    let per_cpu = if cpu >= 0.05 { units / cpu } else { f64::NAN };
    (units / secs, p.events() as f64 / secs, per_cpu)
}

/// Millions with `digits` decimals, or `n/a` when not measurable.
fn millions(x: f64, digits: usize) -> String {
    if x.is_finite() {
        format!("{:.digits$} M", x / 1e6)
    } else {
        "n/a".to_string()
    }
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_string))
        .unwrap_or_else(|| "?".into())
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Seconds to run one replication of `file` with `overrides` on one thread.
fn one_replication_secs(file: &str, overrides: &[(&str, String)]) -> f64 {
    let ovs: Vec<Override> = overrides
        .iter()
        .map(|(p, v)| Override {
            path: p.to_string(),
            value: v.clone(),
        })
        .collect();
    let sc = scenario::load_file(std::path::Path::new(file), &ovs).expect("scenario loads");
    let t = Instant::now();
    let out = experiment::run_replication(&sc, 0).expect("runs");
    std::hint::black_box(out);
    t.elapsed().as_secs_f64()
}

/// Times one replication at 1x, 2x, 4x and 8x `base` units of work (the
/// value `key` is set to by `value`) and prints each time with its ratio to
/// the one before.
fn growth(
    label: &str,
    file: &str,
    fixed: &[(&str, &str)],
    key: &str,
    base: f64,
    value: fn(f64) -> String,
) {
    let mut line = format!("growth, {label}:");
    let mut before = f64::NAN;
    for k in [1.0, 2.0, 4.0, 8.0] {
        let mut ovs: Vec<(&str, String)> = fixed.iter().map(|(p, v)| (*p, v.to_string())).collect();
        ovs.push((key, value(base * k)));
        let secs = one_replication_secs(file, &ovs);
        let ratio = if before.is_finite() {
            format!(" (x{:.2})", secs / before)
        } else {
            String::new()
        };
        line.push_str(&format!(" {k}x {:.3} s{ratio};", secs));
        before = secs;
    }
    println!("{line} ratios near 2 are linear, near 4 quadratic");
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    // `cargo bench --bench throughput -- growth`: the growth lines only
    let only_growth = std::env::args().any(|a| a == "growth");
    println!("load average at start: {}", loadavg());
    if !only_growth {
        throughput(full);
    }
    growth_lines(full);
}

/// The engine, checkout and terminal throughput lines.
fn throughput(full: bool) {
    let runs = if full { 5 } else { 1 };
    let (customers, reps, days) = if full {
        (2_000_000, "16", "\"7d\"")
    } else {
        (2_000, "2", "\"1d\"")
    };
    // the checkout runs take a few tens of milliseconds at 16 replications:
    // 128 (2.6 million users) for steadier timings and CPU times
    let lisa_reps = if full { "128" } else { "2" };
    let fleet_days = if full { "\"20d\"" } else { "\"1d\"" };
    let eng = median((0..runs).map(|_| engine_mm1(customers)).collect());
    let bare = median((0..runs).map(|_| bare_mm1(customers)).collect());
    println!(
        "engine M/M/1: {:.1} M events/s; bare BinaryHeap: {:.1} M events/s; ratio {:.0}% (target >= 70%)",
        eng / 1e6,
        bare / 1e6,
        100.0 * eng / bare
    );

    let lisa = [("replications", lisa_reps), ("horizon", days)];
    for threads in [1, 2] {
        let load = loadavg();
        let r: Vec<(f64, f64, f64)> = (0..runs)
            .map(|_| scenario_rate("scenarios/lisa.toml", &lisa, threads, "users"))
            .collect();
        let users = median(r.iter().map(|x| x.0).collect());
        let events = median(r.iter().map(|x| x.1).collect());
        let per_cpu = median(r.iter().map(|x| x.2).collect());
        println!(
            "checkout lisa, {threads} thread(s): {:.2} M users/s, {:.2} M events/s, {} users per CPU-second; load average {load} (target 12 M users/s with 2 threads)",
            users / 1e6,
            events / 1e6,
            millions(per_cpu, 2)
        );
    }
    // the race model on lisa's race written as a race file, beside checkout
    // on lisa (same arrivals): target at least a third of checkout's users/s
    for threads in [1, 2] {
        let load = loadavg();
        let pair: Vec<(f64, f64)> = (0..runs)
            .map(|_| {
                let race = scenario_rate("scenarios/race-checkout.toml", &lisa, threads, "items");
                let lisa = scenario_rate("scenarios/lisa.toml", &lisa, threads, "users");
                (race.0, lisa.0)
            })
            .collect();
        let race = median(pair.iter().map(|x| x.0).collect());
        let checkout = median(pair.iter().map(|x| x.1).collect());
        println!(
            "race race-checkout, {threads} thread(s): {:.2} M items/s; checkout lisa {:.2} M users/s; ratio {:.0}% (target >= 33%); load average {load}",
            race / 1e6,
            checkout / 1e6,
            100.0 * race / checkout
        );
    }
    let fleet = [
        ("replications", reps),
        ("horizon", fleet_days),
        ("terminal.terminals", "200"),
        ("terminal.daily_transactions", "1100"),
    ];
    for threads in [1, 2] {
        let load = loadavg();
        let r: Vec<(f64, f64, f64)> = (0..runs)
            .map(|_| {
                scenario_rate(
                    "scenarios/cinnamon-twist.toml",
                    &fleet,
                    threads,
                    "transactions",
                )
            })
            .collect();
        let tx = median(r.iter().map(|x| x.0).collect());
        let per_cpu = median(r.iter().map(|x| x.2).collect());
        println!(
            "terminal 200 x 1100/day, {threads} thread(s): {:.1} M transactions/s, {} per CPU-second; load average {load} (target 150 M with 2 threads)",
            tx / 1e6,
            millions(per_cpu, 1)
        );
    }
}

/// The growth lines: the reproducers, at 1x to 8x the work.
fn growth_lines(full: bool) {
    let scale = if full { 1.0 } else { 0.01 };
    growth(
        "checkout, 1 hour, lognormal payment latency, users per hour",
        "scenarios/lisa.toml",
        &[("horizon", "\"1h\"")],
        "checkout.arrivals.rate",
        1e6 * scale,
        |r| format!("\"{r}/h\""),
    );
    growth(
        "terminal, 1 terminal, 1 day, purchases per day",
        "scenarios/cinnamon-twist.toml",
        &[("horizon", "\"1d\""), ("terminal.terminals", "1")],
        "terminal.daily_transactions",
        4e5 * scale,
        |n| format!("{n}"),
    );
    growth(
        "terminal, 1 terminal, 1 day, one-digit counter, purchases per day",
        "scenarios/cinnamon-twist.toml",
        &[
            ("horizon", "\"1d\""),
            ("terminal.terminals", "1"),
            ("terminal.counter_digits", "1"),
        ],
        "terminal.daily_transactions",
        1e6 * scale,
        |n| format!("{n}"),
    );
}
