//! The `terminal` model (placeholder until the model lands).
#![allow(missing_docs)]

use crate::engine::{ScheduleError, Streams};
use crate::models::{EstimateReport, Estimator, MetricDef, RepOutput};
use crate::scenario::FieldError;

#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTerminal {
    pub terminals: toml::Spanned<i64>,
}

#[derive(Debug, Clone)]
pub struct TerminalConfig {
    pub terminals: u32,
}

impl TerminalConfig {
    pub fn from_raw(raw: &RawTerminal, _base_dir: &std::path::Path) -> Result<Self, FieldError> {
        Ok(TerminalConfig {
            terminals: *raw.terminals.get_ref() as u32,
        })
    }
}

pub const COLUMNS: &[&str] = &["transactions"];
pub const DAILY_COLUMNS: &[&str] = &["transactions"];

pub fn metrics(_cfg: &TerminalConfig, _days: u32) -> Vec<MetricDef> {
    Vec::new()
}

pub fn run_replication(
    _cfg: &TerminalConfig,
    _days: u32,
    _streams: Streams,
    _estimator: Estimator,
) -> Result<RepOutput, ScheduleError> {
    Ok(RepOutput::default())
}

pub fn estimate(_cfg: &TerminalConfig, _days: u32) -> EstimateReport {
    EstimateReport::default()
}
