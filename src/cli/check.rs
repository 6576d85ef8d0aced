//! `racesim check FILE... [--baseline FILE] [--history FILE --label L]`:
//! exits 0 when every check passes, 1 when any fails or is inconclusive, 2
//! on bad input ([`racesim::pipeline::check`]).

use std::path::PathBuf;

use clap::Args;

use racesim::Error;
use racesim::pipeline::check::CheckOptions;
use racesim::report::check::{lines_json, lines_markdown, lines_table};

use super::progress::Bar;
use super::{Common, Format, notes};

/// `racesim check`.
#[derive(Debug, Args)]
pub(crate) struct CheckArgs {
    /// Scenario files
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// A summary.json of an earlier run: fail when a metric got significantly worse
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// Append one row per metric to this CSV history (never loses earlier rows)
    #[arg(long, value_name = "FILE", requires = "label")]
    history: Option<PathBuf>,
    /// The label of this run in the history (a commit, a build number)
    #[arg(long, value_name = "L", requires = "history")]
    label: Option<String>,
    /// Shared options.
    #[command(flatten)]
    common: Common,
}

/// Runs the checks and prints their lines.
pub(crate) fn check(a: &CheckArgs) -> Result<(), Error> {
    let opts = a.common.options()?;
    let copts = CheckOptions {
        baseline: a.baseline.clone(),
        history: a.history.clone().zip(a.label.clone()),
        save: a.common.out.is_some(),
    };
    // progress and notes only for people reading a table
    let quiet = a.common.quiet || a.common.format != Format::Table;
    let bar = Bar::new(quiet, "check");
    let outcome = racesim::pipeline::check::check(&a.files, &opts, &copts, &bar)?;
    notes(&outcome.notes, quiet);
    let lines = &outcome.lines;
    print!(
        "{}",
        match a.common.format {
            Format::Json => lines_json(lines),
            Format::Markdown => lines_markdown(lines),
            Format::Table | Format::Csv => lines_table(lines),
        }
    );
    if lines.is_empty() && a.common.format == Format::Table {
        println!("no [[expect]] in the scenarios and no baseline: nothing to check");
    }
    outcome.verdict()
}
