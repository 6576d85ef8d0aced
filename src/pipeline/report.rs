//! `racesim report FILE` as a library function: runs a scenario and writes
//! the page a back-of-envelope risk review wants, as one self-contained HTML
//! file and as Markdown with its charts beside it, under `OUT/NAME/`:
//!
//! - `report.html`: charts inline as SVG, styles inline, no external
//!   reference (it opens offline);
//! - `report.md` and the `report-*.svg` charts it links to;
//! - the usual CSV and JSON outputs of `run` (without their charts).
//!
//! The report is written into the run's staging folder, so the result
//! folder appears with its report, whole, in one step.

use std::path::{Path, PathBuf};

use crate::Error;
use crate::experiment::{PointResult, Reporter};
use crate::output::write_atomic;
use crate::report::{html, page};
use crate::scenario::Source;

use super::{Options, Save, run_file};

/// What a report wrote.
#[derive(Debug)]
pub struct Written {
    /// The result folder.
    pub dir: PathBuf,
    /// The chart files beside `report.md`, relative to `dir`.
    pub charts: Vec<PathBuf>,
    /// What the user should know (an earlier result kept aside).
    pub notes: Vec<String>,
}

/// Runs the scenario at `file` (every replication: no shard; no run charts:
/// the report draws its own) and writes the report into its result folder,
/// before the folder is committed, so the report and the figures it shows
/// appear together.
pub fn report(file: &Path, opts: &Options, reporter: &dyn Reporter) -> Result<Written, Error> {
    let opts = Options {
        shard: None,
        charts: false,
        ..opts.clone()
    };
    // Read before the run: the page shows the text the run was made from
    // (run_file reads the file again; both reads happen within one command).
    let source = Source::read(file)?;
    let written = std::cell::RefCell::new(Vec::new());
    let extra = |dir: &Path, results: &[PointResult], swept: bool| -> Result<(), Error> {
        let page = page::build(&source, results, swept, &opts.overrides)?;
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
    let run = run_file(file, &opts, None, Save::FolderWith(&extra), reporter)?;
    Ok(Written {
        dir: run.dir.unwrap_or_default(),
        charts: written.into_inner(),
        notes: run.notes,
    })
}
