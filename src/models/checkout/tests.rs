//! Tests of the checkout model: the single pass against the engine.

use rand::RngExt;

use super::metrics::{C_ERRORS, C_ERRORS_IDEAL, C_USERS};
use super::sim::{Sim, run_replication};
use super::*;
use crate::clock::ClockSpec;
use crate::engine::Simulation;
use crate::scenario::{self, Source};
use crate::time::SimTime;

/// The two-pass runner that plain sampling used before the single pass
/// (issue #7): the replication on the engine, then again on the engine
/// with every clock ideal for `error_pages_ideal`.
fn two_pass(cfg: &CheckoutConfig, streams: Streams) -> RepOutput {
    two_pass_with(cfg, None, streams)
}

/// [`two_pass`] replaying a request log.
fn two_pass_with(cfg: &CheckoutConfig, log: Option<&RequestLog>, streams: Streams) -> RepOutput {
    let mut sim = Simulation::new(Sim::new(cfg, log, &streams, false, false), streams);
    let mut events = sim.run().expect("runs").events;
    let model = sim.into_model();
    let mut values = model.values;
    if cfg.clocks.iter().all(ClockSpec::is_ideal) {
        values[C_ERRORS_IDEAL] = values[C_ERRORS];
    } else {
        let mut ideal = Simulation::new(Sim::new(cfg, log, &streams, false, true), streams);
        events += ideal.run().expect("runs").events;
        values[C_ERRORS_IDEAL] = ideal.model().values[C_ERRORS];
    }
    RepOutput {
        values: values.to_vec(),
        daily: model.daily.iter().map(|d| d.to_vec()).collect(),
        histogram: model.hist,
        events,
        exact: None,
    }
}

const BASE: &str = r#"
name = "t"
model = "checkout"
horizon = "1d"
[hosts.web]
[hosts.transfer]
clock = { offset = "6m" }
[checkout]
stamp_host = "web"
arrivals = { rate = "900/h" }
payment_latency = { lognormal = { median = "800ms", p99 = "4s" } }
redirect_latency = { lognormal = { median = "1500ms", p99 = "6s" } }
[transfer]
host = "transfer"
poll_interval = "5m"
grace = "5m"
move_delay = "200ms"
"#;

fn config(sets: &[(&str, &str)]) -> CheckoutConfig {
    let source = Source {
        path: "t.toml".into(),
        text: BASE.into(),
    };
    let ovs: Vec<scenario::Override> = sets
        .iter()
        .map(|(p, v)| scenario::Override {
            path: p.to_string(),
            value: v.to_string(),
        })
        .collect();
    let sc = scenario::load(&source, &ovs).expect("valid test scenario");
    Checkout::config_of(&*sc.model)
        .expect("a checkout scenario")
        .clone()
}

/// Configurations that exercise the clocks (drift, sync steps and slews,
/// outages, scheduled steps both ways, wander, a shared host), jitter,
/// random move delays, batch limits, retries and zero payment latency.
fn configs() -> Vec<(&'static str, CheckoutConfig)> {
    let ntp = r#"{ offset = { normal = { mean = "0s", sd = "3ms" } }, drift_ppm = { normal = { mean = 0, sd = 30 } }, sync = { interval = "1024s", accuracy = "4ms" }, outages = [{ from = "6h", to = "12h" }], steps = [{ at = "3h", by = "7m" }, { at = "8h", by = "6m" }, { at = "14h", by = "-8m" }] }"#;
    let slew = r#"{ offset = "1s", drift_ppm = 200, wander_ppm = 20, sync = { interval = "64s", accuracy = "1ms", mode = "slew" }, outages = [{ from = "2h", to = "5h" }], steps = [{ at = "1h", by = "-6m" }, { at = "10h", by = "9m" }] }"#;
    vec![
        ("lisa", config(&[])),
        (
            "ntp, sync steps and outages",
            config(&[("hosts.transfer.clock", ntp)]),
        ),
        (
            "slewing stamp clock with wander and steps",
            config(&[("hosts.web.clock", slew), ("hosts.transfer.clock", ntp)]),
        ),
        (
            "one host stamps and transfers, with steps",
            config(&[
                ("transfer.host", "\"web\""),
                ("hosts.web.clock", ntp),
                (
                    "checkout.redirect_latency",
                    "{ exponential = { mean = \"3m\" } }",
                ),
            ]),
        ),
        (
            "jitter, random move delay, retries, drift",
            config(&[
                (
                    "transfer.poll_jitter",
                    "{ uniform = { low = \"-8m\", high = \"30s\" } }",
                ),
                ("transfer.move_delay", "{ exponential = { mean = \"2s\" } }"),
                ("checkout.retries", "2"),
                (
                    "hosts.transfer.clock",
                    "{ offset = \"4m\", drift_ppm = 3000 }",
                ),
            ]),
        ),
        (
            "batch limit and a heavy tail of page loads",
            config(&[
                ("transfer.batch_limit", "60"),
                ("checkout.arrivals", "{ rate = \"720/m\" }"),
                ("horizon", "\"6h\""),
                (
                    "checkout.redirect_latency",
                    "{ mixture = [ { weight = 95, dist = \"1s\" }, { weight = 5, dist = { exponential = { mean = \"10m\" } } } ] }",
                ),
            ]),
        ),
        (
            "no payment latency, no move delay, hourly profile",
            config(&[
                ("checkout.payment_latency", "\"0s\""),
                ("transfer.move_delay", "\"0s\""),
                (
                    "checkout.arrivals",
                    "{ rate = \"2000/h\", profile = [1,1,1,1,1,1,2,3,4,5,5,5,5,5,5,5,4,4,3,3,2,2,1,1] }",
                ),
            ]),
        ),
        (
            "all clocks ideal",
            config(&[("hosts.transfer.clock", "{}")]),
        ),
    ]
}

fn assert_same(what: &str, rep: u64, got: &RepOutput, want: &RepOutput) {
    let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    assert_eq!(
        bits(&got.values),
        bits(&want.values),
        "{what}, rep {rep}: values"
    );
    assert_eq!(got.daily, want.daily, "{what}, rep {rep}: daily");
    assert_eq!(
        got.histogram, want.histogram,
        "{what}, rep {rep}: histogram"
    );
    assert_eq!(got.events, want.events, "{what}, rep {rep}: events");
}

#[test]
fn single_pass_equals_the_two_engine_passes() {
    let mut ideal_seen = false;
    for (what, cfg) in configs() {
        for rep in 0..3 {
            let streams = Streams::new(7, rep);
            let got = run_replication(&cfg, None, streams, Estimator::Sample).unwrap();
            let want = two_pass(&cfg, streams);
            assert_same(what, rep, &got, &want);
            ideal_seen |= got.values[C_ERRORS_IDEAL] > 0.0;
        }
    }
    assert!(
        ideal_seen,
        "some configuration has error pages with ideal clocks"
    );
}

#[test]
fn single_pass_equals_the_engine_on_a_request_log() {
    // the shipped log, its payment and redirect latencies paired, replayed
    // as it is, by rows and by days, with a drifting, wandering transfer
    // clock so the ideal-clock pass is a second replay
    let source = Source::read(std::path::Path::new("scenarios/lisa-replay.toml")).unwrap();
    for resample in ["none", "rows", "days"] {
        let ovs = [
            scenario::Override {
                path: "checkout.log.resample".into(),
                value: format!("\"{resample}\""),
            },
            scenario::Override {
                path: "hosts.transfer.clock".into(),
                value: "{ offset = \"5m50s\", drift_ppm = 30, wander_ppm = 1 }".into(),
            },
        ];
        let sc = scenario::load(&source, &ovs).expect("valid");
        let model = Checkout::of(&*sc.model).expect("checkout");
        let log = model.log();
        assert!(log.is_some_and(|l| l.payment && l.redirect));
        let mut errors = 0.0;
        for rep in 0..3 {
            let streams = Streams::new(5, rep);
            let got = run_replication(&model.config, log, streams, Estimator::Sample).unwrap();
            let want = two_pass_with(&model.config, log, streams);
            assert_same(resample, rep, &got, &want);
            errors += got.values[C_ERRORS];
        }
        assert!(errors > 0.0, "{resample}: some error pages to compare");
    }
}

#[test]
fn single_pass_ideal_count_equals_an_ideal_clock_run() {
    // independent of the engine: the same scenario with every host's
    // clock ideal, where error_pages is the ideal count by definition
    for (what, cfg) in configs() {
        let mut ideal = cfg.clone();
        for c in &mut ideal.clocks {
            *c = ClockSpec::ideal();
        }
        for rep in 0..3 {
            let streams = Streams::new(11, rep);
            let got = run_replication(&cfg, None, streams, Estimator::Sample).unwrap();
            let base = run_replication(&ideal, None, streams, Estimator::Sample).unwrap();
            assert_eq!(
                got.values[C_ERRORS_IDEAL], base.values[C_ERRORS],
                "{what}, rep {rep}"
            );
            assert_eq!(
                got.values[C_USERS], base.values[C_USERS],
                "{what}, rep {rep}"
            );
        }
    }
}

/// Polls, payments and arrivals at the same nanosecond: the single pass
/// must see exactly the records the engine's (time, insertion order)
/// puts before each selection.
#[test]
fn ties_at_poll_instants_follow_the_engine_order() {
    // half the polls fall back onto the previous poll's instant
    let repeat = r#"{ choice = [ { value = "0s", weight = 1 }, { value = "-5m", weight = 1 } ] }"#;
    for (pay, jitter) in [
        ("0s", "\"0s\""),
        ("1s", "\"0s\""),
        ("0s", repeat),
        ("1s", repeat),
    ] {
        let mut cfg = config(&[
            ("checkout.payment_latency", &format!("\"{pay}\"")),
            ("checkout.redirect_latency", "\"1ms\""),
            ("transfer.move_delay", "\"0s\""),
            ("transfer.grace", "\"0s\""),
            ("transfer.poll_jitter", jitter),
            (
                "hosts.transfer.clock",
                "{ offset = \"1ms\", drift_ppm = 0.001 }",
            ),
        ]);
        for rep in 0..4 {
            let streams = Streams::new(3, rep);
            // arrivals at (and one payment latency before) the poll
            // instants, several at the same nanosecond
            let p = cfg.poll_interval.as_nanos();
            let phase = streams.stream(streams::POLL_PHASE).random_range(0..p);
            let pay_ns = if pay == "1s" { 1_000_000_000 } else { 0 };
            let mut times = Vec::new();
            for k in 0..200i64 {
                let t = phase + k * p - pay_ns;
                for d in [0, 0, 0, -1, 1, 7] {
                    if t + d >= 0 {
                        times.push(SimTime::from_nanos(t + d));
                    }
                }
            }
            times.sort();
            cfg.arrivals = Arrivals::Trace {
                times: times.into(),
            };
            let got = run_replication(&cfg, None, streams, Estimator::Sample).unwrap();
            let want = two_pass(&cfg, streams);
            assert!(want.values[C_ERRORS] > 0.0, "the test makes error pages");
            assert_same(
                &format!("ties, pay {pay}, jitter {jitter}"),
                rep,
                &got,
                &want,
            );
        }
    }
}
