//! A model written outside racesim, run through its whole pipeline: an
//! M/M/1 queue.
//!
//! - `model.rs`: the queue on racesim's engine (events, the current time,
//!   named random streams) and the model as the pipeline sees it (the
//!   `[queue]` table, its validation, columns, metrics with closed forms);
//! - `tour.rs`: registers it beside the crate's models and runs
//!   `mm1.toml` by library calls: replications with intervals, a sweep of
//!   the arrival rate, two shards and their merge, the `[[expect]]` checks,
//!   and the review report.
//!
//! The simulated mean wait in the queue is compared with the closed form
//! `rho / (mu - lambda)`; `tests/it/external_model.rs` runs the same code
//! and asserts the numbers.
//!
//! Run: `cargo run --release --example mm1_queue [OUT]` (results under
//! `OUT`, by default `output/mm1-example`).

mod model;
mod tour;

use std::path::{Path, PathBuf};

fn line(w: &tour::Wait) -> String {
    let at: Vec<String> = w.params.iter().map(|(k, v)| format!("{k}={v}")).collect();
    format!(
        "{:<26} mean wait {:.4} s [{:.4}, {:.4}] over {} replications; closed form {:.4} s",
        if at.is_empty() {
            "as written:".to_string()
        } else {
            format!("{}:", at.join(", "))
        },
        w.value,
        w.low,
        w.high,
        w.replications,
        w.closed_form
    )
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let scenario = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/mm1_queue/mm1.toml");
    let out = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("output/mm1-example"));
    let f = tour::tour(&scenario, &out)?;
    println!("{}", line(&f.single));
    for w in &f.sweep {
        println!("{}", line(w));
    }
    println!("{}", line(&f.merged));
    println!(
        "two shards merged: summary.csv {} the single run's",
        if f.merged_summary_identical {
            "identical to"
        } else {
            "DIFFERS from"
        }
    );
    for (metric, verdict) in &f.checks {
        println!("check {metric}: {verdict:?}");
    }
    println!("report: {}", f.report.display());
    Ok(())
}
