//! Reports: tables, CSV, JSON and the files they go to.
//!
//! Exporters are pure: they turn results into text or bytes. Writing a file is
//! a separate step ([`output`]: atomic files and result folders), and only
//! this layer writes files.

pub mod charts;
pub mod check;
pub mod csvout;
pub mod html;
pub mod json;
pub mod output;
pub mod page;
pub mod plot;
pub mod sensitivity;
pub mod shards;
pub mod table;

use crate::experiment::{MetricResult, Warning};
use crate::fmt::fmt_num;

/// A warning in words, for the table, the files and the report.
pub fn warning_text(w: &Warning) -> String {
    match w {
        Warning::Concentrated(c) => c.to_string(),
        Warning::FewReplications { n } => format!(
            "only {n} replications: their spread looks like independent events, but so few cannot tell them from events that cluster by replication, so the interval allows for clustering and may be wide; {} or more tell them apart",
            crate::stats::events::FEW_REPLICATIONS
        ),
        Warning::Disagrees {
            estimate,
            low,
            high,
        } => {
            let (side, found) = if estimate > high {
                ("above", "less")
            } else {
                ("below", "more")
            };
            format!(
                "the back-of-envelope {} lies {side} the simulated 95% interval [{}, {}] (the simulation found {found}): look at the assumptions of the back-of-envelope and of the scenario",
                fmt_num(*estimate),
                fmt_num(*low),
                fmt_num(*high)
            )
        }
    }
}

/// A metric's warnings in words, each prefixed with the metric's name.
pub fn metric_warnings(m: &MetricResult) -> Vec<String> {
    m.warnings
        .iter()
        .map(|w| format!("{}: {}", m.name, warning_text(w)))
        .collect()
}

/// The warnings of a point's metrics in words, one line each; a text shared
/// by several metrics (few replications) is said once, naming them all.
pub fn point_warnings(metrics: &[MetricResult]) -> Vec<String> {
    let mut grouped: Vec<(String, Vec<&str>)> = Vec::new();
    for m in metrics {
        for w in &m.warnings {
            let text = warning_text(w);
            match grouped.iter_mut().find(|(t, _)| *t == text) {
                Some((_, names)) => names.push(m.name),
                None => grouped.push((text, vec![m.name])),
            }
        }
    }
    grouped
        .into_iter()
        .map(|(text, names)| format!("{}: {text}", names.join(", ")))
        .collect()
}
