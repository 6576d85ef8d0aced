//! A scenario built in code: run it, read a metric and its interval, compare
//! with the back-of-envelope, then print the timeline of the first failure.
//!
//! Run: `cargo run --release --example scenario_in_code`

use racesim::engine::Streams;
use racesim::experiment::{self, Silent};
use racesim::models::checkout::{self, TraceTarget};
use racesim::scenario::{self, Override, Source};

const SCENARIO: &str = r#"
name = "in-code"
model = "checkout"
replications = 8
horizon = "1d"
[hosts.web]
[hosts.transfer]
clock = { offset = "5m30s" }
[checkout]
stamp_host = "web"
arrivals = { rate = "300/h" }
redirect_latency = { lognormal = { median = "2s", p99 = "12s" } }
[transfer]
host = "transfer"
poll_interval = "5m"
grace = "5m"
"#;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let source = Source::from_text("in-code.toml", SCENARIO);
    // a sweep in code: the same path mechanism as --set and [sweep]
    for offset in ["4m", "5m", "5m30s", "6m"] {
        let ovs = [Override {
            path: "hosts.transfer.clock.offset".into(),
            value: format!("\"{offset}\""),
        }];
        let sc = scenario::load(&source, &ovs)?;
        let point = experiment::run_point(Vec::new(), sc, None, &Silent)?;
        let m = point
            .metric("error_page_rate")
            .expect("checkout reports it");
        println!(
            "offset {offset:>6}: error_page_rate {:.5} [{:.5}, {:.5}], back-of-envelope {:.5}",
            m.figure.value,
            m.figure.ci.low,
            m.figure.ci.high,
            m.closed_form.unwrap_or(f64::NAN)
        );
    }
    let sc = scenario::load(&source, &[])?;
    let model = checkout::Checkout::of(&*sc.model).expect("a checkout scenario");
    if let Some(t) = checkout::trace(model, Streams::new(sc.seed, 0), TraceTarget::FirstError)? {
        println!("\nfirst error page, user {}:", t.user);
        for s in &t.steps {
            println!("  {}  {}", s.at, s.detail);
        }
        println!("why: {}", t.explanation);
    }
    Ok(())
}
