//! Shared helpers: run a scenario from text, compare with a closed form.

use racesim::experiment::{self, PointResult, Silent};
use racesim::scenario::{self, Override, Source};

/// Loads `text` as a scenario (with `overrides`) and runs all its replications.
pub fn run_text(text: &str, overrides: &[(&str, &str)]) -> PointResult {
    let source = Source::from_text("test.toml", text);
    let ovs: Vec<Override> = overrides
        .iter()
        .map(|(p, v)| Override {
            path: p.to_string(),
            value: v.to_string(),
        })
        .collect();
    let sc =
        scenario::load(&source, &ovs).unwrap_or_else(|e| panic!("scenario does not load: {e}"));
    experiment::run_point(Vec::new(), sc, None, &Silent).expect("simulation runs")
}

/// Asserts `truth` lies within the metric's 95% interval widened to 3.3
/// standard errors (half-width * 3.3 / 1.96). Zero-width exact intervals
/// ([0, upper] for zero events) are used as they are.
#[track_caller]
pub fn check_within(p: &PointResult, metric: &str, truth: f64) {
    let m = p
        .metric(metric)
        .unwrap_or_else(|| panic!("no metric {metric}"));
    let (lo, hi, v) = (m.estimate.ci.low, m.estimate.ci.high, m.estimate.value);
    let widen = 3.3 / 1.96;
    let lo_w = v - (v - lo) * widen;
    let hi_w = v + (hi - v) * widen;
    assert!(
        lo_w <= truth && truth <= hi_w,
        "{metric}: closed form {truth} outside the widened interval [{lo_w}, {hi_w}] (value {v}, 95% [{lo}, {hi}], {:?})",
        m.estimate.ci.method
    );
}

/// The racesim binary.
pub fn racesim() -> assert_cmd::Command {
    let mut c = assert_cmd::Command::cargo_bin("racesim").expect("binary builds");
    c.env("NO_COLOR", "1");
    c
}

/// A small valid checkout scenario; tests break one thing in it, and their
/// expected line numbers refer to this text (grace is on line 14).
pub const CHECKOUT_BASE: &str = r#"name = "t"
model = "checkout"
horizon = "1d"
[hosts.web]
[hosts.transfer]
clock = { offset = "6m" }
[checkout]
stamp_host = "web"
arrivals = { rate = "120/h" }
redirect_latency = { lognormal = { median = "1s", p99 = "5s" } }
[transfer]
host = "transfer"
poll_interval = "5m"
grace = "5m"
"#;
