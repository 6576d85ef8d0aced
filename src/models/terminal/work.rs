//! What one terminal replication costs, counted from the configuration.

use super::config::{MAX_DAILY_MEAN, TerminalConfig};
use crate::model::Work;

/// What one replication of `days` days costs (see [`crate::model::Work`]):
/// the expected transactions, and the largest terminal-day, which is held in
/// memory while it is played (about 96 bytes a purchase: card, amount,
/// position, time and request). A terminal's mean daily count is drawn from
/// a distribution; its largest value is taken as ten times the mean (at
/// most `MAX_DAILY_MEAN`), a constant's as the constant plus five standard
/// deviations of the day-to-day Poisson count.
pub fn work(cfg: &TerminalConfig, days: u32) -> Work {
    let mean = cfg.daily_transactions().mean();
    let largest = match cfg.daily_transactions().as_constant() {
        Some(c) => c + 5.0 * c.sqrt(),
        None => (10.0 * mean).min(MAX_DAILY_MEAN),
    };
    Work {
        units: f64::from(cfg.terminals) * mean * f64::from(days),
        unit: "transactions",
        polls: 0.0,
        clock_steps: 0.0,
        held: largest,
        bytes_per_held: 96.0,
    }
}
