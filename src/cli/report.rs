//! `racesim report FILE`: runs a scenario and writes its review page as
//! HTML and Markdown under `OUT/NAME/` ([`racesim::pipeline::report`]);
//! `racesim report DIR` writes the page of a result folder into it, without
//! running anything; lists the paths written on standard error.

use std::path::PathBuf;

use clap::Args;

use racesim::Error;
use racesim::pipeline::Options;

use super::guard::GuardArgs;
use super::progress::Bar;
use super::{Ui, notes};

/// `racesim report`.
#[derive(Debug, Args)]
pub(crate) struct ReportArgs {
    /// Scenario file, or a result folder (of run, sweep or merge) to report on without rerunning
    file: PathBuf,
    /// Scenario seed (overrides the file's `seed`)
    #[arg(long)]
    seed: Option<u64>,
    /// Number of replications (overrides the file's `replications`)
    #[arg(long)]
    replications: Option<u32>,
    /// Override a key: PATH=VALUE, e.g. --set hosts.transfer.clock.offset=6m (repeatable)
    #[arg(long = "set", value_name = "PATH=VALUE")]
    set: Vec<String>,
    /// Worker threads (default: all cores); results do not depend on it
    #[arg(long)]
    threads: Option<usize>,
    /// Folder the NAME/ result folder goes in
    #[arg(long, value_name = "DIR", default_value = "output")]
    out: PathBuf,
    /// Resource guards and output safety.
    #[command(flatten)]
    guards: GuardArgs,
}

/// Runs the scenario (or reads the result folder), writes the report,
/// prints the paths written.
pub(crate) fn report(a: &ReportArgs, ui: &Ui) -> Result<(), Error> {
    if a.file.is_dir() {
        if a.seed.is_some() || a.replications.is_some() || !a.set.is_empty() {
            return Err(Error::Usage(format!(
                "{} is a result folder: its report shows the figures it holds; --seed, --replications and --set need the scenario file (racesim report FILE)",
                a.file.display()
            )));
        }
        let w = racesim::pipeline::report::report_folder(&racesim::models::builtin(), &a.file)?;
        print_written(&w, ui);
        return Ok(());
    }
    let common = super::Common {
        inputs: super::Inputs {
            seed: a.seed,
            replications: a.replications,
            set: a.set.clone(),
            threads: a.threads,
        },
        out: Some(a.out.clone()),
        shard: None,
        no_charts: true,
        guards: a.guards.clone(),
    };
    let opts: Options = common.options()?;
    let bar = Bar::new(ui.quiet, "report");
    let w = racesim::pipeline::report::report(&a.file, &opts, &bar)?;
    print_written(&w, ui);
    Ok(())
}

fn print_written(w: &racesim::pipeline::report::Written, ui: &Ui) {
    notes(&w.notes, ui);
    if !ui.quiet {
        eprintln!("wrote {}", w.dir.join("report.html").display());
        eprintln!("wrote {}", w.dir.join("report.md").display());
        for p in &w.charts {
            eprintln!("wrote {}", w.dir.join(p).display());
        }
    }
}
