//! `racesim check FILE... [--baseline FILE] [--history FILE --label L]`:
//! exits 0 when every check passes, 1 when any fails or is inconclusive, 2
//! on bad input ([`racesim::pipeline::check`]).

use std::path::PathBuf;

use clap::Args;

use racesim::Error;
use racesim::pipeline::check::CheckOptions;
use racesim::report::check::{Verdict, lines_csv, lines_json, lines_markdown, lines_table};

use super::progress::Bar;
use super::{Common, Format, Ui, notes};

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
    /// Output on standard output
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

/// Runs the checks and prints their lines (with `-q` and the table format:
/// only the lines that did not pass, so a passing check prints nothing).
pub(crate) fn check(a: &CheckArgs, ui: &Ui) -> Result<(), Error> {
    let opts = a.common.options()?;
    let copts = CheckOptions {
        baseline: a.baseline.clone(),
        history: a.history.clone().zip(a.label.clone()),
        save: a.common.out.is_some(),
    };
    let bar = Bar::new(ui.quiet, "check");
    let outcome = racesim::pipeline::check::check(&a.files, &opts, &copts, &bar)?;
    notes(&outcome.notes, ui);
    let lines = &outcome.lines;
    match a.format {
        Format::Json => print!("{}", lines_json(lines)),
        Format::Markdown => print!("{}", lines_markdown(lines)),
        Format::Csv => print!("{}", lines_csv(lines)),
        Format::Table if ui.quiet => {
            let failed: Vec<_> = lines
                .iter()
                .filter(|l| l.verdict != Verdict::Pass)
                .cloned()
                .collect();
            if !failed.is_empty() {
                print!("{}", ui.verdicts(&lines_table(&failed)));
            }
        }
        Format::Table if lines.is_empty() => {
            eprintln!("no [[expect]] in the scenarios and no baseline: nothing to check");
        }
        Format::Table => print!("{}", ui.verdicts(&lines_table(lines))),
    }
    outcome.verdict()
}
