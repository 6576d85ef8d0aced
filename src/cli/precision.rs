//! `racesim run --target-precision R [--max-replications M]`: replications
//! in doubling batches until the headline metric is known to a relative
//! precision ([`racesim::pipeline::precision`]). After the table, a line per
//! point says what stopped the run (on standard error for csv and json, so
//! that standard output stays one document).

use std::path::PathBuf;

use clap::Args;

use racesim::Error;
use racesim::experiment::precision::{DEFAULT_MAX_REPLICATIONS, Goal};
use racesim::report::summary::SummaryTable;
use racesim::report::{json, table};

use super::progress::Bar;
use super::{Common, Format, notes, print_json};

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
pub(crate) fn run(files: &[PathBuf], common: &Common, goal: &Goal) -> Result<(), Error> {
    let opts = common.options()?;
    let mut docs = Vec::new();
    for file in files {
        let label = file
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let bar = Bar::new(common.quiet, &label);
        let r = racesim::pipeline::precision::run(file, &opts, goal, &bar)?;
        notes(&r.notes, common.quiet);
        if let Some(p) = &r.partial {
            eprintln!("{}", p.line());
        }
        match common.format {
            Format::Table | Format::Markdown if !common.quiet => {
                print!(
                    "{}",
                    table::run_text(
                        &r.results,
                        r.swept,
                        Some(r.elapsed),
                        opts.threads(),
                        Some(&r.dir)
                    )
                );
                println!();
                for l in &r.lines {
                    println!("{l}");
                }
            }
            Format::Table | Format::Markdown => {}
            Format::Csv | Format::Json => {
                if !common.quiet {
                    for l in &r.lines {
                        eprintln!("{l}");
                    }
                }
                if common.format == Format::Csv {
                    print!("{}", SummaryTable::of(&r.results).csv());
                } else {
                    docs.push(r.doc);
                }
            }
        }
    }
    if common.format == Format::Json {
        print_json(&json::documents(docs));
    }
    Ok(())
}
