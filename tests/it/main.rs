//! racesim's integration tests: one binary, a module per behaviour.

mod analytic;
mod check_report;
mod ci_examples;
mod ci_scripts;
mod cli;
mod clocks;
mod conventions;
mod coverage;
mod determinism;
mod docs;
mod errors;
mod experiments;
mod external_model;
mod fuzz;
mod golden;
mod guards;
mod hostile;
mod race;
mod robustness;
mod scenarios;
mod shards;
mod tails;
mod trace;
mod util;
mod volume;
mod warnings;
