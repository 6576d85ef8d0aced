//! racesim: a discrete-event race simulator.
#![warn(missing_docs)]

pub mod clock;
pub mod dist;
pub mod engine;
pub mod models;
pub mod scenario;
pub mod stats;
pub mod time;
