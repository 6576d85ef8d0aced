//! racesim: a discrete-event race simulator.
#![warn(missing_docs)]
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
