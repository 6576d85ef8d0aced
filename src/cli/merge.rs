//! `racesim merge FILE...`: merges shard outputs into exactly the result a
//! single run gives ([`racesim::pipeline::merge`]), and prints it like
//! `run` (the table or document on standard output, status on standard
//! error).

use std::path::PathBuf;

use clap::Args;

use racesim::Error;
use racesim::pipeline::DEFAULT_OUT;
use racesim::report::summary::SummaryTable;
use racesim::report::{json, table};

use super::guard::GuardArgs;
use super::{Format, Ui, notes, print_json, status};

/// `racesim merge`.
#[derive(Debug, Args)]
pub(crate) struct MergeArgs {
    /// The shards' replications.csv files (or their folders)
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Folder the merged NAME/ result folder goes in (a path relative to the
    /// current folder, like every path given on the command line)
    #[arg(long, value_name = "DIR", default_value = DEFAULT_OUT)]
    out: PathBuf,
    /// Replace the earlier result without keeping it (default: it is kept
    /// as NAME.previous)
    #[arg(long)]
    force: bool,
    /// Output on standard output
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// Do not draw charts
    #[arg(long)]
    no_charts: bool,
}

/// Merges the shards and prints the result.
pub(crate) fn merge(a: &MergeArgs, ui: &Ui) -> Result<(), Error> {
    let replace = GuardArgs::forced(a.force).parse()?.replace;
    let m = racesim::pipeline::merge::merge(
        &racesim::models::builtin(),
        &a.files,
        &a.out,
        replace,
        !a.no_charts,
    )?;
    notes(&m.notes, ui);
    match a.format {
        Format::Json => print_json(&json::scenario(&m.results, m.swept)),
        Format::Csv => print!("{}", SummaryTable::of(&m.results).csv()),
        Format::Markdown => print!("{}", table::run_markdown(&m.results, m.swept)),
        Format::Table if !ui.quiet => print!("{}", ui.table(&table::run_text(&m.results, m.swept))),
        Format::Table => {}
    }
    status(
        &format!(
            "merged {} shard(s) of {}\n{}",
            m.shards,
            m.scenario,
            table::run_status(&m.results, None, 1, Some(&m.dir))
        ),
        ui,
    );
    Ok(())
}
