//! `racesim report FILE`: runs a scenario and writes the page a
//! back-of-envelope risk review wants, as one self-contained HTML file and as
//! Markdown with its charts beside it, under `OUT/NAME/`:
//!
//! - `report.html`: charts inline as SVG, styles inline, no external
//!   reference (it opens offline);
//! - `report.md` and the `report-*.svg` charts it links to;
//! - the usual CSV and JSON outputs of `run` (without their charts).
//!
//! The report is written into the run's staging folder, so the result
//! folder appears with its report, whole, in one step.

use std::path::{Path, PathBuf};

use clap::Args;

use crate::Error;
use crate::cli::run::{Save, run_file};
use crate::cli::{Common, Format};
use crate::experiment::PointResult;
use crate::report::output::write_atomic;
use crate::report::{html, page};
use crate::scenario::Source;

/// `racesim report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Scenario file
    pub file: PathBuf,
    /// Scenario seed (overrides the file's `seed`)
    #[arg(long)]
    pub seed: Option<u64>,
    /// Number of replications (overrides the file's `replications`)
    #[arg(long)]
    pub replications: Option<u32>,
    /// Override a key: PATH=VALUE, e.g. --set hosts.transfer.clock.offset=6m (repeatable)
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub set: Vec<String>,
    /// Worker threads (default: all cores); results do not depend on it
    #[arg(long)]
    pub threads: Option<usize>,
    /// Folder the NAME/ result folder goes in
    #[arg(long, value_name = "DIR", default_value = "output")]
    pub out: PathBuf,
    /// No progress bar and no list of the files written
    #[arg(long, short)]
    pub quiet: bool,
    /// Resource guards and output safety.
    #[command(flatten)]
    pub guards: crate::cli::guard::Guards,
}

impl ReportArgs {
    /// The shared options `run_file` takes: no shard (a report covers every
    /// replication), no run charts (the report draws its own).
    fn common(&self) -> Common {
        Common {
            seed: self.seed,
            replications: self.replications,
            set: self.set.clone(),
            threads: self.threads,
            out: Some(self.out.clone()),
            format: Format::Table,
            shard: None,
            quiet: self.quiet,
            no_charts: true,
            guards: self.guards.clone(),
        }
    }
}

/// Runs the scenario and writes the report into its result folder (before
/// the folder is committed, so the report and the figures it shows appear
/// together); prints the paths written.
pub fn report(a: &ReportArgs) -> Result<(), Error> {
    let common = a.common();
    let overrides = common.overrides()?;
    // Read before the run: the page shows the text the run was made from
    // (run_file reads the file again; both reads happen within one command).
    let source = Source::read(&a.file)?;
    let written = std::cell::RefCell::new(Vec::new());
    let extra = |dir: &Path, results: &[PointResult], swept: bool| -> Result<(), Error> {
        let page = page::build(&source, results, swept, &overrides)
            .map_err(|e| Error::Usage(format!("cannot draw the report's charts: {e}")))?;
        let mut names = Vec::new();
        for c in &page.charts {
            write_atomic(&dir.join(&c.file), c.svg.as_bytes())?;
            names.push(PathBuf::from(&c.file));
        }
        write_atomic(&dir.join("report.md"), html::to_markdown(&page).as_bytes())?;
        write_atomic(&dir.join("report.html"), html::to_html(&page).as_bytes())?;
        *written.borrow_mut() = names;
        Ok(())
    };
    let run = run_file(&a.file, &common, None, Save::FolderWith(&extra))?;
    let dir = run.dir.unwrap_or_default();
    if !a.quiet {
        println!("wrote {}", dir.join("report.html").display());
        println!("wrote {}", dir.join("report.md").display());
        for p in written.borrow().iter() {
            println!("wrote {}", dir.join(p).display());
        }
    }
    Ok(())
}
