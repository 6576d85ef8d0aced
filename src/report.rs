//! Reports: the terminal's tables, the CSV and JSON files, the review page,
//! charts of the figures, and `check`'s verdicts.
//!
//! Exporters are pure: they turn results in memory into text, bytes or
//! typed tables (and `plot` reads files back into the same typed tables).
//! Writing a file is a separate step, in [`crate::output`].

pub mod check;
pub mod clocks;
pub mod csvout;
pub mod daily;
pub mod envelope;
pub mod html;
pub mod json;
pub mod page;
pub mod plot;
pub mod sensitivity;
pub mod shards;
pub mod solve;
pub mod summary;
pub mod sweepchart;
pub mod table;
pub mod verdict;

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
            closed_form: estimate,
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
                Some((_, names)) => names.push(&m.name),
                None => grouped.push((text, vec![&m.name])),
            }
        }
    }
    grouped
        .into_iter()
        .map(|(text, names)| format!("{}: {text}", names.join(", ")))
        .collect()
}

/// A swept value as a number for a chart's axis: plain numbers as they are,
/// durations in seconds (the flag says which); `None` for other text.
pub fn axis_value(s: &str) -> Option<(f64, bool)> {
    let t = s.trim().trim_matches('"');
    if let Ok(v) = t.parse::<f64>() {
        return Some((v, false));
    }
    crate::time::parse_duration(t)
        .ok()
        .map(|d| (d.as_secs_f64(), true))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axis_values_are_numbers_or_seconds() {
        assert_eq!(axis_value("\"4m\""), Some((240.0, true)));
        assert_eq!(axis_value("0.5"), Some((0.5, false)));
        assert_eq!(axis_value("rollover"), None);
    }
}
