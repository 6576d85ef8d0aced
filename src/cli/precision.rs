//! `racesim run --target-precision R [--max-replications M]`: replications
//! in doubling batches until the headline metric is known to a relative
//! precision ([`racesim::pipeline::precision`]). After the table, a line per
//! point says what stopped the run (on standard error for csv, json and
//! markdown, so that standard output stays one document).

use std::path::PathBuf;

use clap::Args;

use racesim::Error;
use racesim::experiment::precision::{DEFAULT_MAX_REPLICATIONS, Goal};
use racesim::report::summary::SummaryTable;
use racesim::report::{json, table};

use super::progress::Bar;
use super::{Common, Format, Ui, notes, print_json, status};

/// The precision options of `run`.
#[derive(Debug, Clone, Args)]
pub(crate) struct PrecisionArgs {
    /// Add replications (doubling) until the headline metric's 95% interval has
    /// this relative half-width, e.g. 0.05 for ±5% (error_page_rate for checkout,
    /// false_reversals_per_year for terminal)
    #[arg(long, value_name = "R")]
    target_precision: Option<f64>,
    /// The most replications --target-precision may run
    #[arg(long, value_name = "M", default_value_t = DEFAULT_MAX_REPLICATIONS, requires = "target_precision")]
    max_replications: u32,
}

impl PrecisionArgs {
    /// The goal, when `--target-precision` was given.
    pub(crate) fn goal(&self) -> Result<Option<Goal>, Error> {
        self.target_precision
            .map(|r| Goal::new(r, self.max_replications).map_err(Error::Usage))
            .transpose()
    }
}

/// Runs each file to the goal and prints the results in the chosen format.
pub(crate) fn run(
    files: &[PathBuf],
    common: &Common,
    format: Format,
    goal: &Goal,
    ui: &Ui,
) -> Result<(), Error> {
    let opts = common.options()?;
    let mut docs = Vec::new();
    for file in files {
        let label = file
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let bar = Bar::new(ui.quiet, &label);
        let r = racesim::pipeline::precision::run(file, &opts, goal, &bar)?;
        notes(&r.notes, ui);
        if let Some(p) = &r.partial {
            eprintln!("{}", ui.status(&p.line()));
        }
        match format {
            Format::Table if !ui.quiet => {
                print!("{}", ui.table(&table::run_text(&r.results, r.swept)));
                println!();
                for l in &r.lines {
                    println!("{l}");
                }
            }
            Format::Table => {}
            Format::Csv | Format::Json | Format::Markdown => {
                if !ui.quiet {
                    for l in &r.lines {
                        eprintln!("{l}");
                    }
                }
                match format {
                    Format::Csv => print!("{}", SummaryTable::of(&r.results).csv()),
                    Format::Markdown => print!("{}", table::run_markdown(&r.results, r.swept)),
                    _ => docs.push(r.doc),
                }
            }
        }
        status(
            &table::run_status(&r.results, Some(r.elapsed), opts.threads(), Some(&r.dir)),
            ui,
        );
    }
    if format == Format::Json {
        print_json(&json::documents(docs));
    }
    Ok(())
}
