//! `racesim estimate FILE...`: the back-of-envelope only.

use std::path::PathBuf;

use clap::Args;

use racesim::Error;
use racesim::report::{envelope, json};

use super::{Ui, print_json};

/// `racesim estimate`.
#[derive(Debug, Args)]
pub(crate) struct EstimateArgs {
    /// Scenario files
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Override a key: PATH=VALUE (repeatable)
    #[arg(long = "set", value_name = "PATH=VALUE")]
    set: Vec<String>,
    /// Output on standard output
    #[arg(long, value_enum, default_value_t = EstimateFormat::Table)]
    format: EstimateFormat,
}

/// How `estimate` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum EstimateFormat {
    /// The formula, its inputs and each figure, for people
    Table,
    /// scenario,metric,value,unit: one row per figure
    Csv,
    /// One JSON document
    Json,
}

/// Prints the back-of-envelope of each file.
pub(crate) fn estimate(a: &EstimateArgs, ui: &Ui) -> Result<(), Error> {
    let overrides = super::parse_sets(&a.set)?;
    let registry = racesim::models::builtin();
    let mut docs = Vec::new();
    for (i, f) in a.files.iter().enumerate() {
        let (sc, r) = racesim::pipeline::estimate::estimate(&registry, f, &overrides)?;
        match a.format {
            EstimateFormat::Json => docs.push(envelope::json(&sc, &r)),
            EstimateFormat::Csv => print!("{}", envelope::csv(&sc, &r, i == 0)),
            EstimateFormat::Table if ui.quiet => {}
            EstimateFormat::Table => print!("{}", envelope::text(&sc, &r)),
        }
    }
    if a.format == EstimateFormat::Json {
        print_json(&json::documents(docs));
    }
    Ok(())
}
