//! `racesim report FILE`: runs a scenario and writes the page a
//! back-of-envelope risk review wants, as one self-contained HTML file and as
//! Markdown with its charts beside it, under `OUT/NAME/`:
//!
//! - `report.html`: charts inline as SVG, styles inline, no external
//!   reference (it opens offline);
//! - `report.md` and the `report-*.svg` charts it links to;
//! - the usual CSV and JSON outputs of `run` (without their charts).
//!
//! Every file is written atomically; the charts go first, so `report.md`
//! never links to a file that is not there yet.

use std::path::PathBuf;

use clap::Args;

use crate::Error;
use crate::cli::run::run_file;
use crate::cli::{Common, Format};
use crate::report::files::write_atomic;
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
            out: self.out.clone(),
            format: Format::Table,
            shard: None,
            quiet: self.quiet,
            no_charts: true,
            guards: self.guards.clone(),
        }
    }
}

/// Runs the scenario and writes the report; prints the paths written.
pub fn report(a: &ReportArgs) -> Result<(), Error> {
    let common = a.common();
    let overrides = common.overrides()?;
    // Read before the run: the page shows the text the run was made from
    // (run_file reads the file again; both reads happen within one command).
    let source = Source::read(&a.file)?;
    let run = run_file(&a.file, &common, None)?;
    let page = page::build(&source, &run.results, run.swept, &overrides)
        .map_err(|e| Error::Usage(format!("cannot draw the report's charts: {e}")))?;
    let mut written = Vec::new();
    for c in &page.charts {
        let path = run.dir.join(&c.file);
        write_atomic(&path, c.svg.as_bytes())?;
        written.push(path);
    }
    let md = run.dir.join("report.md");
    write_atomic(&md, html::to_markdown(&page).as_bytes())?;
    let html_path = run.dir.join("report.html");
    write_atomic(&html_path, html::to_html(&page).as_bytes())?;
    if !a.quiet {
        println!("wrote {}", html_path.display());
        println!("wrote {}", md.display());
        for p in written {
            println!("wrote {}", p.display());
        }
    }
    Ok(())
}
