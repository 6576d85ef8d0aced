//! `racesim estimate FILE...`: the back-of-envelope only.

use std::path::PathBuf;

use clap::Args;

use racesim::Error;
use racesim::report::{envelope, json};

use super::{Format, print_json};

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
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

/// Prints the back-of-envelope of each file.
pub(crate) fn estimate(a: &EstimateArgs) -> Result<(), Error> {
    let overrides = super::parse_sets(&a.set)?;
    let registry = racesim::models::builtin();
    let mut docs = Vec::new();
    for f in &a.files {
        let (sc, r) = racesim::pipeline::estimate::estimate(&registry, f, &overrides)?;
        match a.format {
            Format::Json | Format::Csv => docs.push(envelope::json(&sc, &r)),
            Format::Table | Format::Markdown => print!("{}", envelope::text(&sc, &r)),
        }
    }
    if matches!(a.format, Format::Json | Format::Csv) {
        print_json(&json::documents(docs));
    }
    Ok(())
}
