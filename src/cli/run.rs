//! `racesim run FILE...` and `racesim sweep FILE`: run, print, and write
//! the result folders (through [`racesim::pipeline::run_file`]). The
//! table, CSV, JSON or Markdown goes to standard output; progress, notes,
//! the throughput and the folder written to standard error.

use std::path::PathBuf;

use clap::Args;

use racesim::Error;
use racesim::pipeline::{Save, run_file};
use racesim::report::summary::SummaryTable;
use racesim::report::{json, table};
use racesim::scenario::{self, Source, SweepAxis};

use super::progress::Bar;
use super::{Common, Format, Ui, notes, print_json, status};

/// `racesim run`.
#[derive(Debug, Args)]
pub(crate) struct RunArgs {
    /// Scenario files
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Shared options.
    #[command(flatten)]
    common: Common,
    /// Output on standard output
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// Sequential replications to a target precision.
    #[command(flatten)]
    precision: super::precision::PrecisionArgs,
}

/// `racesim sweep`.
#[derive(Debug, Args)]
pub(crate) struct SweepArgs {
    /// Scenario file
    file: PathBuf,
    /// Vary a key: PATH=A..B/STEPS (STEPS intervals) or PATH=V1,V2,...; repeat for a grid
    #[arg(long, value_name = "SPEC")]
    vary: Vec<String>,
    /// Shared options.
    #[command(flatten)]
    common: Common,
    /// Output on standard output
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

/// `racesim run FILE...`.
pub(crate) fn run(a: &RunArgs, ui: &Ui) -> Result<(), Error> {
    match a.precision.goal()? {
        Some(goal) => super::precision::run(&a.files, &a.common, a.format, &goal, ui),
        None => run_files(&a.files, &a.common, a.format, None, ui),
    }
}

/// `racesim sweep FILE`: the file's own `[sweep]`, or `--vary`.
pub(crate) fn sweep(a: &SweepArgs, ui: &Ui) -> Result<(), Error> {
    let vary = if a.vary.is_empty() {
        require_sweep(a)?;
        None
    } else {
        Some(
            a.vary
                .iter()
                .map(|s| SweepAxis::parse_vary(s).map_err(Error::Usage))
                .collect::<Result<Vec<_>, _>>()?,
        )
    };
    run_files(std::slice::from_ref(&a.file), &a.common, a.format, vary, ui)
}

/// `racesim sweep FILE` without `--vary` runs the file's `[sweep]`: refuses
/// a scenario that has none, saying how to give one.
fn require_sweep(a: &SweepArgs) -> Result<(), Error> {
    let source = Source::read(&a.file)?;
    let sc = scenario::load(&source, &a.common.inputs.overrides()?)?;
    if sc.sweep.is_empty() {
        return Err(Error::Usage(format!(
            "{}: nothing to sweep: the scenario has no [sweep] table; give the keys to vary \
             with --vary PATH=A..B/STEPS (e.g. --vary transfer.grace=0m..10m/10), or use \
             `racesim run`",
            a.file.display()
        )));
    }
    Ok(())
}

/// Runs each file and prints the results in the chosen format.
fn run_files(
    files: &[PathBuf],
    common: &Common,
    format: Format,
    vary: Option<Vec<SweepAxis>>,
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
        let r = run_file(file, &opts, vary.clone(), Save::Folder, &bar)?;
        notes(&r.notes, ui);
        if let Some(p) = &r.partial {
            eprintln!("{}", ui.status(&p.line()));
        }
        match format {
            Format::Table if !ui.quiet => {
                print!("{}", ui.table(&table::run_text(&r.results, r.swept)));
            }
            Format::Table => {}
            Format::Markdown => print!("{}", table::run_markdown(&r.results, r.swept)),
            Format::Csv => print!("{}", SummaryTable::of(&r.results).csv()),
            Format::Json => {
                let mut doc = json::scenario(&r.results, r.swept);
                if let Some(p) = &r.partial {
                    doc["partial"] = p.json();
                }
                docs.push(doc);
            }
        }
        status(
            &table::run_status(
                &r.results,
                Some(r.elapsed),
                opts.threads(),
                r.dir.as_deref(),
            ),
            ui,
        );
    }
    if format == Format::Json {
        print_json(&json::documents(docs));
    }
    Ok(())
}
