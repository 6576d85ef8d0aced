//! The back-of-envelope of a scenario as `racesim estimate` prints it: as
//! text, as CSV (`scenario,metric,value,unit`, one row per figure) and as
//! one JSON document (`figures`, `notes`, `not_applicable`).

use crate::fmt::{escape_cell, fmt_exact, fmt_num};
use crate::model::BackOfEnvelope;
use crate::scenario::Scenario;

/// The text: a heading, the notes, why the closed form does not apply (if
/// it does not), then each figure with its unit.
pub fn text(sc: &Scenario, r: &BackOfEnvelope) -> String {
    let mut out = format!(
        "{} ({} model): back-of-envelope\n",
        sc.name,
        sc.model_name()
    );
    for n in &r.notes {
        out.push_str(&format!("  {n}\n"));
    }
    if let Some(why) = &r.not_applicable {
        out.push_str(&format!("  the closed form does not apply: {why}\n"));
    }
    for (k, v, unit) in &r.figures {
        let unit = if unit.is_empty() {
            String::new()
        } else {
            format!(" {unit}")
        };
        out.push_str(&format!("  {k} = {}{unit}\n", fmt_num(*v)));
    }
    out
}

/// The JSON document of one scenario.
pub fn json(sc: &Scenario, r: &BackOfEnvelope) -> serde_json::Value {
    let figures: serde_json::Map<String, serde_json::Value> = r
        .figures
        .iter()
        .map(|(k, v, _)| (k.clone(), serde_json::json!(v)))
        .collect();
    serde_json::json!({
        "scenario": sc.name,
        "figures": figures,
        "notes": r.notes,
        "not_applicable": r.not_applicable,
    })
}

/// The CSV rows of one scenario, `scenario,metric,value,unit` (the header
/// first when `header`); values exact. A scenario whose closed form does
/// not apply has no rows.
pub fn csv(sc: &Scenario, r: &BackOfEnvelope, header: bool) -> String {
    let mut w = crate::fmt::csv_writer();
    if header {
        let _ = w.write_record(["scenario", "metric", "value", "unit"]);
    }
    for (k, v, unit) in &r.figures {
        let _ = w.write_record([
            escape_cell(&sc.name),
            k.clone(),
            fmt_exact(*v),
            unit.to_string(),
        ]);
    }
    crate::fmt::csv_text(w)
}
