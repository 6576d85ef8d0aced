//! racesim: a discrete-event race simulator. It answers "how often does
//! this timing race hurt users?" with a figure and an honest interval.
//!
//! # A guided tour: scenario -> experiment -> figures
//!
//! **1. A scenario** is a TOML file (every key: `docs/scenario-reference.md`)
//! that names a model and its parameters. [`scenario::load`] parses and
//! validates it once, with every error at a file, line, column and key;
//! the result, a [`scenario::Scenario`], holds a validated
//! [`model::Model`] and nothing downstream re-reads the text. Overrides
//! (`--set`, sweep points) are applied by the same loader.
//!
//! **2. An experiment** runs the scenario's replications, each on its own
//! random streams derived from (seed, replication, stream name), so results
//! do not depend on the thread count: [`experiment::run_point`] runs one
//! point; [`pipeline::run_file`] does what `racesim run` does (a whole
//! sweep, the guards, the result folder).
//!
//! **3. Figures**: each metric of the model, computed from the
//! per-replication columns, with its 95% interval over replications
//! (methods and citations: `docs/statistics.md`; what each metric counts:
//! `docs/metrics.md`) and the model's closed-form back-of-envelope beside it.
//! The [`report`] exporters turn them into tables, CSV, JSON and charts.
//!
//! ```
//! use racesim::experiment::{run_point, Silent};
//! use racesim::scenario::{self, Override, Source};
//!
//! let text = r#"
//! name = "tour"
//! model = "checkout"
//! replications = 4
//! horizon = "6h"
//! [hosts.web]
//! [hosts.transfer]
//! clock = { offset = "6m" }          # the transfer host runs 6 minutes ahead
//! [checkout]
//! stamp_host = "web"
//! arrivals = { rate = "300/h" }
//! redirect_latency = { lognormal = { median = "2s", p99 = "12s" } }
//! [transfer]
//! host = "transfer"
//! poll_interval = "5m"
//! grace = "5m"                       # shorter than the skew: records move early
//! "#;
//! let source = Source::from_text("tour.toml", text);
//!
//! // 1. scenario: parsed and validated once
//! let sc = scenario::load(&source, &[])?;
//! assert_eq!(sc.model_name(), "checkout");
//!
//! // 2. experiment: 4 replications of 6 hours
//! let point = run_point(Vec::new(), sc, None, &Silent)?;
//! assert_eq!(point.reps.len(), 4);
//!
//! // 3. figures: the value, its 95% interval, the closed form
//! let users = point.metric("users").expect("checkout counts users");
//! assert!(users.figure.value > 0.0);
//! let rate = point.metric("error_page_rate").expect("and error pages");
//! assert!(rate.figure.value > 0.0, "a poll within the redirect deletes the record");
//! assert!(rate.figure.ci.low <= rate.figure.value);
//! assert!(rate.figure.value <= rate.figure.ci.high);
//! assert!(rate.closed_form.is_some());
//!
//! // a sweep point is the same scenario with an override: a grace 4 minutes
//! // longer than the skew outlasts every redirect of this run
//! let longer = [Override { path: "transfer.grace".into(), value: "\"10m\"".into() }];
//! let calm = run_point(Vec::new(), scenario::load(&source, &longer)?, None, &Silent)?;
//! assert_eq!(calm.metric("error_pages").unwrap().figure.value, 0.0);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Where things are
//!
//! - [`scenario`]: the format's common keys, the loader, sweeps;
//!   [`model`]: what the pipeline needs of a model, and the [`model::Registry`];
//!   [`models`]: the crate's own models, one folder each.
//! - [`engine`]: the event queue and named random streams; [`clock`],
//!   [`dist`], [`time`]: host clocks, distributions, integer-nanosecond time.
//! - [`experiment`]: replications in parallel, metrics; [`stats`]: the
//!   intervals.
//! - [`pipeline`]: the commands as library functions; [`output`]: every
//!   result file is written there (staging, locks, atomic commit);
//!   [`report`] and [`charts`]: the exporters.
//! - [`field`], [`suggest`], [`units`], [`fmt`], [`input`]: the bottom layer
//!   (value errors, the one typo-suggestion function, units, number
//!   formatting, bounded file reading).
//!
//! A model written outside the crate registers with
//! [`model::Registry::register`] and gets the whole pipeline: see the
//! `mm1_queue` example. `ARCHITECTURE.md` has the code map and the
//! invariants.
#![warn(missing_docs)]
#![warn(unreachable_pub)]
// Scenario errors carry the file, line, column, key, source line and hint:
// they are built once per invocation, on the way out, so boxing them would buy
// nothing but noise.
#![allow(clippy::result_large_err)]

pub mod charts;
pub mod clock;
pub mod dist;
pub mod engine;
mod error;
pub mod experiment;
pub mod field;
pub mod fmt;
pub mod input;
pub mod model;
pub mod models;
pub mod output;
pub mod pipeline;
pub mod report;
pub mod scenario;
pub mod stats;
pub mod suggest;
pub mod time;
pub mod units;

pub use error::Error;
