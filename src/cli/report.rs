//! `racesim report FILE`: runs a scenario and writes its review page as
//! HTML and Markdown under `OUT/NAME/` ([`racesim::pipeline::report`]);
//! lists the paths written on standard error.

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
    /// Scenario file
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

/// Runs the scenario, writes the report, prints the paths written.
pub(crate) fn report(a: &ReportArgs, ui: &Ui) -> Result<(), Error> {
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
    notes(&w.notes, ui);
    if !ui.quiet {
        eprintln!("wrote {}", w.dir.join("report.html").display());
        eprintln!("wrote {}", w.dir.join("report.md").display());
        for p in &w.charts {
            eprintln!("wrote {}", w.dir.join(p).display());
        }
    }
    Ok(())
}
