//! racesim: a discrete-event race simulator.
#![warn(missing_docs)]

pub mod cli;
pub mod clock;
pub mod dist;
pub mod engine;
mod error;
pub mod experiment;
pub mod models;
pub mod report;
pub mod scenario;
pub mod stats;
pub mod time;

pub use error::Error;
