//! The files of a run's result folder, written from the results in memory:
//! `summary.csv`, `replications.csv`, `daily.csv`, the model's own tables
//! (`margin.csv`, `volume.csv`), `sensitivity.csv` (a sweep over several
//! keys), `summary.json`, and (with charts) each table's charts and the
//! clocks' picture as SVG and PNG.

use std::path::{Path, PathBuf};

use crate::Error;
use crate::charts::NamedChart;
use crate::experiment::PointResult;
use crate::model::PointView;
use crate::output::write_atomic;
use crate::report::daily::DailyTable;
use crate::report::shards::ShardMeta;
use crate::report::summary::SummaryTable;
use crate::report::{clocks, csvout, json, sensitivity};

use super::Partial;

/// Writes every file of `results` (a run's points, in sweep order) into
/// `dir`; `swept` when the scenario was swept, `charts` to draw them, `meta`
/// the first line of `replications.csv`, `partial` when a time limit cut
/// the run short.
pub fn write_outputs(
    dir: &Path,
    results: &[PointResult],
    swept: bool,
    charts: bool,
    meta: &ShardMeta,
    partial: Option<&Partial>,
) -> Result<(), Error> {
    let Some(first) = results.first() else {
        return Ok(());
    };
    let summary = SummaryTable::of(results);
    let daily = DailyTable::of(results);
    let views: Vec<PointView<'_>> = results.iter().map(PointResult::view).collect();
    let tables = first.scenario.model.tables(&views);
    write_atomic(&dir.join("summary.csv"), summary.csv().as_bytes())?;
    write_atomic(
        &dir.join("replications.csv"),
        csvout::replications(results, meta).as_bytes(),
    )?;
    write_atomic(&dir.join("daily.csv"), daily.csv().as_bytes())?;
    for t in &tables {
        write_atomic(&dir.join(t.file()), t.csv().as_bytes())?;
    }
    if charts {
        let sc = &first.scenario;
        let title = &sc.name;
        if !sc.hosts.is_empty() && sc.hosts.values().any(|h| !h.is_ideal()) {
            let chart = clocks::clock_chart(title, &sc.hosts, sc.seed, 0, sc.horizon)?;
            write_charts(dir, vec![("clocks".into(), chart)])?;
        } else if let Some(chart) = sc.model.clock_chart(title, sc.seed, 0)? {
            write_charts(dir, vec![("clocks".into(), chart)])?;
        }
        write_charts(dir, summary.charts(title)?)?;
        write_charts(dir, daily.charts(title)?)?;
        for t in &tables {
            write_charts(dir, t.charts(title)?)?;
        }
    }
    if let Some((metric, rows)) = crate::experiment::sensitivity::headline_sensitivity(results) {
        write_atomic(
            &dir.join("sensitivity.csv"),
            sensitivity::csv(&rows, &metric).as_bytes(),
        )?;
    }
    let mut doc = json::scenario(results, swept);
    if let Some(p) = partial {
        doc["partial"] = p.json();
    }
    write_json(&dir.join("summary.json"), &doc)
}

/// Writes a JSON document, pretty, with a final newline.
pub fn write_json(path: &Path, doc: &serde_json::Value) -> Result<(), Error> {
    write_atomic(
        path,
        format!(
            "{}\n",
            serde_json::to_string_pretty(doc).unwrap_or_default()
        )
        .as_bytes(),
    )?;
    Ok(())
}

/// Writes each chart as STEM.svg and STEM.png in `dir`; returns the paths.
pub fn write_charts(dir: &Path, charts: Vec<NamedChart>) -> Result<Vec<PathBuf>, Error> {
    let mut written = Vec::new();
    for (stem, chart) in charts {
        let svg = dir.join(format!("{stem}.svg"));
        let png = dir.join(format!("{stem}.png"));
        write_atomic(&svg, chart.svg.as_bytes())?;
        write_atomic(&png, &chart.png)?;
        written.push(svg);
        written.push(png);
    }
    Ok(written)
}
