//! `racesim estimate FILE...`: the back-of-envelope only.

use crate::Error;
use crate::cli::{EstimateArgs, Format};
use crate::fmt::fmt_num;
use crate::models::EstimateReport;
use crate::scenario::{self, ModelConfig};

/// The back-of-envelope of a scenario.
pub fn report(sc: &scenario::Scenario) -> EstimateReport {
    match &sc.model {
        ModelConfig::Checkout(c) => crate::models::checkout::estimate(c),
        ModelConfig::Terminal(t) => crate::models::terminal::estimate(t, sc.days()),
    }
}

/// Prints the estimate of each file.
pub fn estimate(a: &EstimateArgs) -> Result<(), Error> {
    let overrides = crate::cli::parse_sets(&a.set)?;
    let mut docs = Vec::new();
    for f in &a.files {
        let sc = scenario::load_file(f, &overrides)?;
        let r = report(&sc);
        match a.format {
            Format::Json | Format::Csv => {
                let figures: serde_json::Map<String, serde_json::Value> = r
                    .figures
                    .iter()
                    .map(|(k, v, _)| (k.clone(), serde_json::json!(v)))
                    .collect();
                docs.push(serde_json::json!({
                    "scenario": sc.name,
                    "figures": figures,
                    "notes": r.notes,
                    "not_applicable": r.not_applicable,
                }));
            }
            Format::Table | Format::Markdown => {
                println!("{} ({} model): back-of-envelope", sc.name, sc.model.name());
                for n in &r.notes {
                    println!("  {n}");
                }
                if let Some(why) = &r.not_applicable {
                    println!("  the closed form does not apply: {why}");
                }
                for (k, v, unit) in &r.figures {
                    println!(
                        "  {k} = {}{}",
                        fmt_num(*v),
                        if unit.is_empty() {
                            String::new()
                        } else {
                            format!(" {unit}")
                        }
                    );
                }
            }
        }
    }
    if matches!(a.format, Format::Json | Format::Csv) {
        crate::cli::print_json_docs(docs);
    }
    Ok(())
}
