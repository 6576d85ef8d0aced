//! `racesim merge FILE...`: merges shard outputs into exactly the result a
//! single run gives. Each FILE is a shard's `replications.csv` (or its
//! folder). Shards must come from the same scenario text, overrides, seed,
//! replications, estimator, generator and version, and together hold every
//! shard 1..N once; otherwise the merge is refused (exit 2) with the mismatch
//! named. Daily series, margin histograms and volume bins are summed from the
//! shards' `daily.csv`, `margin.csv` and `volume.csv`, which hold sums (whole
//! numbers, except the conditional estimator's expected counts, whose sum
//! may differ from a single run's in the last digits).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::Error;
use crate::cli::run::{print_table, write_outputs};
use crate::cli::{Format, MergeArgs};
use crate::experiment::{self, PointResult};
use crate::input::{self, Table};
use crate::models::check_row;
use crate::models::{ExactSums, RepOutput, terminal};
use crate::report::shards::{self, Parts, Row, ShardMeta};
use crate::report::{csvout, json};
use crate::scenario::{self, Override, Source};

struct Shard {
    path: PathBuf,
    meta: ShardMeta,
    rows: Vec<Row>,
}

fn read_shard(arg: &Path) -> Result<Shard, Error> {
    let path = if arg.is_dir() {
        arg.join("replications.csv")
    } else {
        arg.to_path_buf()
    };
    let text = input::read_text(&path, "the shard", input::MAX_RESULT_BYTES)
        .map_err(|m| Error::Usage(format!("cannot merge: {m}")))?;
    let (meta, _, rows) = shards::parse(&text, &path.display().to_string())
        .map_err(|m| Error::Usage(format!("cannot merge: {m}")))?;
    Ok(Shard { path, meta, rows })
}

/// Checks every row of `s` against the model's columns: finite, whole where
/// whole, non-negative, numerators at most their denominators.
fn check_rows(s: &Shard, sc: &scenario::Scenario) -> Result<(), Error> {
    let columns = experiment::columns(sc);
    let rules = experiment::column_rules(sc);
    for r in &s.rows {
        check_row(columns, rules, &r.values, sc.estimator).map_err(|why| {
            Error::Usage(format!(
                "cannot merge: {}: line {}: {why}: not a value racesim writes (edited?)",
                s.path.display(),
                r.line
            ))
        })?;
    }
    Ok(())
}

/// A shard's `daily.csv`, `margin.csv` or `volume.csv`, read back and
/// checked: the header of the first shard's, every row whole, every cell a
/// number (or empty where racesim leaves an open end or an undefined
/// estimate), counts at least 0. `None` when the file is not there.
fn read_table(
    s: &Shard,
    name: &str,
    header: Option<&[String]>,
) -> Result<Option<(String, Table)>, Error> {
    let path = s.path.with_file_name(name);
    if !path.exists() {
        return Ok(None);
    }
    let bad = |m: String| Error::Usage(format!("cannot merge: {m}"));
    let text =
        input::read_text(&path, "the shard's table", input::MAX_RESULT_BYTES).map_err(bad)?;
    let t = Table::parse(&text, &path.display().to_string(), "the shard's table").map_err(bad)?;
    if let Some(h) = header
        && h != t.header.as_slice()
    {
        return Err(bad(format!(
            "{}: its columns differ from the other shards' {name}",
            path.display()
        )));
    }
    // point, the swept values (text: durations, names), then numbers
    let numbers_from = t
        .column("day")
        .or(t.column("low_s"))
        .or(t.column("low_n"))
        .unwrap_or(1);
    for r in 0..t.rows.len() {
        for (c, col) in t.header.iter().enumerate() {
            if c > 0 && c < numbers_from {
                continue;
            }
            let v = t.number(r, c).map_err(bad)?;
            if v < 0.0 && !col.ends_with("_s") && !col.ends_with("_estimate") {
                return Err(bad(format!(
                    "{}: line {}, column `{col}`: {v} is below 0 (edited?)",
                    path.display(),
                    t.rows[r].0
                )));
            }
        }
    }
    Ok(Some((text, t)))
}

/// Checks that each shard's `daily.csv` adds up, per point and column, to
/// its replications (a daily series edited apart from its rows is refused).
fn check_daily(s: &Shard, t: &Table, columns: &[&str]) -> Result<(), Error> {
    let Some(point) = t.column("point") else {
        return Ok(());
    };
    for (ci, col) in columns.iter().enumerate() {
        let Some(dc) = t.column(col) else { continue };
        let mut by_point: BTreeMap<usize, (f64, f64)> = BTreeMap::new();
        for (r, (_, cells)) in t.rows.iter().enumerate() {
            let p: usize = cells[point].trim().parse().unwrap_or(usize::MAX);
            let v = t.number(r, dc).unwrap_or(f64::NAN);
            by_point.entry(p).or_default().0 += v;
        }
        for row in &s.rows {
            by_point.entry(row.point).or_default().1 += row.values[ci];
        }
        for (p, (daily, rows)) in by_point {
            let tol = 1e-9 * rows.abs().max(1.0);
            if (daily - rows).abs().is_nan() || (daily - rows).abs() > tol {
                return Err(Error::Usage(format!(
                    "cannot merge: {}: `{col}` of point {p} adds up to {daily} over the days but \
                     to {rows} over the replications of {}: the files do not belong together \
                     (edited?)",
                    t.name,
                    s.path.display()
                )));
            }
        }
    }
    Ok(())
}

fn same(shards: &[Shard], what: &str, f: impl Fn(&ShardMeta) -> String) -> Result<(), Error> {
    let first = f(&shards[0].meta);
    for s in &shards[1..] {
        let v = f(&s.meta);
        if v != first {
            return Err(Error::Usage(format!(
                "cannot merge: the shards have different {what}: {} has {first}, {} has {v}",
                shards[0].path.display(),
                s.path.display()
            )));
        }
    }
    Ok(())
}

fn read_parts(s: &Shard) -> Result<Parts, Error> {
    let path = s.path.with_file_name(shards::PARTS_FILE);
    let text = input::read_text(&path, "the parts file", input::MAX_RESULT_BYTES).map_err(|e| {
        Error::Usage(format!(
            "cannot merge: {} is a shard of the terminals but its parts cannot be read: {e}",
            s.path.display()
        ))
    })?;
    shards::parse_parts(&text)
        .map_err(|m| Error::Usage(format!("cannot merge: {}: {m}", path.display())))
}

/// Point `pi`'s replications, each the exact sum of the shards' parts.
fn sum_parts(
    shards: &[Shard],
    parts: &[Parts],
    pi: usize,
    replications: u32,
) -> Result<Vec<(u64, RepOutput)>, Error> {
    let mut reps = Vec::new();
    for i in 0..u64::from(replications) {
        let mut sum = ExactSums::default();
        let mut events = 0u64;
        for (s, p) in shards.iter().zip(parts) {
            let (ev, ex) = p.get(&(pi, i)).ok_or_else(|| {
                Error::Usage(format!(
                    "cannot merge: {} has no part of replication {i} of point {pi}",
                    s.path.display()
                ))
            })?;
            shards::add_parts(&mut sum, ex).ok_or_else(|| {
                Error::Usage(format!(
                    "cannot merge: the parts of replication {i} in {} do not fit the others",
                    s.path.display()
                ))
            })?;
            events += ev;
        }
        let bad = || {
            Error::Usage(format!(
                "cannot merge: replication {i}'s sums are not a terminal tally"
            ))
        };
        let values = terminal::values_from_exact(&sum.total).ok_or_else(bad)?;
        let daily = sum
            .daily
            .iter()
            .map(|d| terminal::daily_values_from_exact(d))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(bad)?;
        reps.push((
            i,
            RepOutput {
                values,
                daily,
                histogram: Vec::new(),
                events,
                exact: Some(sum),
            },
        ));
    }
    Ok(reps)
}

/// Merges the shards and writes/prints the result like `run`.
pub fn merge(a: &MergeArgs) -> Result<(), Error> {
    let shards: Vec<Shard> = a
        .files
        .iter()
        .map(|f| read_shard(f))
        .collect::<Result<_, _>>()?;
    if shards.is_empty() {
        return Err(Error::Usage(
            "merge needs at least one replications.csv".into(),
        ));
    }
    let quoted = |s: &str| format!("`{s}`");
    same(&shards, "scenarios", |m| quoted(&m.scenario))?;
    same(&shards, "scenario file contents (hash)", |m| {
        quoted(&m.hash)
    })?;
    same(&shards, "seeds", |m| m.seed.to_string())?;
    same(&shards, "replication counts", |m| {
        m.replications.to_string()
    })?;
    same(&shards, "overrides or sweep points", |m| {
        let points: Vec<String> = m
            .points
            .iter()
            .map(|p| format!("[{}]", p.join(", ")))
            .collect();
        points.join(" ")
    })?;
    same(&shards, "estimators", |m| quoted(&m.estimator))?;
    same(&shards, "generators", |m| quoted(&m.generator))?;
    same(&shards, "racesim versions", |m| quoted(&m.version))?;
    same(&shards, "shard counts", |m| match m.shard {
        Some((_, n)) => format!("{n} shards"),
        None => "a whole run (no --shard)".into(),
    })?;
    if let Some(s) = shards.iter().find(|s| s.meta.partial.is_some()) {
        return Err(Error::Usage(format!(
            "cannot merge: {} is a partial result ({}); run that shard again without --time-limit",
            s.path.display(),
            s.meta.partial.as_deref().unwrap_or_default()
        )));
    }
    same(&shards, "splits (replications or terminals)", |m| {
        m.split.clone().unwrap_or_else(|| "replications".into())
    })?;
    let meta = &shards[0].meta;
    if meta.version != env!("CARGO_PKG_VERSION") {
        return Err(Error::Usage(format!(
            "cannot merge: the shards were made by racesim {}, this is {}",
            meta.version,
            env!("CARGO_PKG_VERSION")
        )));
    }
    let n = meta.shard.map_or(1, |s| s.1);
    let mut seen: BTreeMap<u64, &Path> = BTreeMap::new();
    for s in &shards {
        let k = s.meta.shard.map_or(1, |s| s.0);
        if let Some(prev) = seen.insert(k, &s.path) {
            return Err(Error::Usage(format!(
                "cannot merge: shard {k}/{n} is given twice ({} and {})",
                prev.display(),
                s.path.display()
            )));
        }
    }
    let missing: Vec<String> = (1..=n)
        .filter(|k| !seen.contains_key(k))
        .map(|k| format!("{k}/{n}"))
        .collect();
    if !missing.is_empty() {
        return Err(Error::Usage(format!(
            "cannot merge: shard(s) {} missing",
            missing.join(", ")
        )));
    }

    // the scenario must still be the one the shards ran; its path is the
    // one the shards were given, relative to the folder they ran in
    let scenario_path = Path::new(&meta.file);
    if !scenario_path.exists() {
        let here = std::env::current_dir()
            .map(|d| d.display().to_string())
            .unwrap_or_else(|_| ".".into());
        return Err(Error::Usage(format!(
            "cannot merge: the shards ran scenario file {} (the path as they were given it, \
             relative to the folder they ran in), which is not there from {here}: run merge \
             from that folder",
            meta.file
        )));
    }
    let source = Source::read(scenario_path)?;
    if shards::text_hash(&source.text) != meta.hash {
        return Err(Error::Usage(format!(
            "cannot merge: {} has changed since the shards ran (its hash differs)",
            meta.file
        )));
    }
    // a split of the fleet: every shard holds its part of every replication
    let parts = match meta.split.as_deref() {
        None => None,
        Some(shards::SPLIT_TERMINALS) => Some(
            shards
                .iter()
                .map(read_parts)
                .collect::<Result<Vec<Parts>, Error>>()?,
        ),
        Some(other) => {
            return Err(Error::Usage(format!(
                "cannot merge: {} is split by `{other}`, which this racesim does not know",
                shards[0].path.display()
            )));
        }
    };
    // every row holds values racesim writes, under the model's columns
    let first_point: Vec<Override> = meta
        .points
        .first()
        .map(|o| {
            o.iter()
                .map(|o| Override::parse(o))
                .collect::<Result<_, _>>()
        })
        .transpose()
        .map_err(Error::Usage)?
        .unwrap_or_default();
    let model_sc = scenario::load(&source, &first_point)?;
    let columns = experiment::columns(&model_sc);
    for s in &shards {
        if s.rows
            .first()
            .is_some_and(|r| r.values.len() != columns.len())
        {
            return Err(Error::Usage(format!(
                "cannot merge: {} does not have the columns of a {} scenario ({})",
                s.path.display(),
                model_sc.model.name(),
                columns.join(", ")
            )));
        }
        check_rows(s, &model_sc)?;
    }
    let mut results = Vec::new();
    for (pi, ovs) in meta.points.iter().enumerate() {
        let overrides: Vec<Override> = ovs
            .iter()
            .map(|o| Override::parse(o))
            .collect::<Result<_, _>>()
            .map_err(Error::Usage)?;
        let sc = scenario::load(&source, &overrides)?;
        let mut reps: Vec<(u64, RepOutput)> = match &parts {
            Some(parts) => sum_parts(&shards, parts, pi, sc.replications)?,
            None => shards
                .iter()
                .flat_map(|s| s.rows.iter())
                .filter(|r| r.point == pi)
                .map(|r| {
                    (
                        r.replication,
                        RepOutput {
                            values: r.values.clone(),
                            events: r.events,
                            ..RepOutput::default()
                        },
                    )
                })
                .collect(),
        };
        reps.sort_by_key(|(i, _)| *i);
        let expected: Vec<u64> = (0..u64::from(sc.replications)).collect();
        let got: Vec<u64> = reps.iter().map(|(i, _)| *i).collect();
        if got != expected {
            return Err(Error::Usage(format!(
                "cannot merge: point {pi} has replications {} of 0..{}; some are missing or duplicated",
                got.len(),
                sc.replications
            )));
        }
        let metrics = experiment::compute_metrics(&sc.metrics(), &reps, sc.estimator);
        let params = meta.params.get(pi).cloned().unwrap_or_default();
        results.push(PointResult {
            params,
            scenario: sc,
            reps,
            metrics,
        });
    }
    let swept = !results[0].params.is_empty();
    // daily series, margin histograms, volume bins: sums of the shards'
    // sums, read and checked before anything is written (a split of the
    // fleet has whole daily series already: summed exactly)
    let summed: &[&str] = if parts.is_some() {
        &["margin.csv", "volume.csv"]
    } else {
        &["daily.csv", "margin.csv", "volume.csv"]
    };
    let mut tables: Vec<(&str, String)> = Vec::new();
    for name in summed.iter().copied() {
        let mut texts: Vec<String> = Vec::new();
        let mut header: Option<Vec<String>> = None;
        for s in &shards {
            if let Some((text, t)) = read_table(s, name, header.as_deref())? {
                if name == "daily.csv" {
                    check_daily(s, &t, columns)?;
                }
                header = Some(t.header);
                texts.push(text);
            }
        }
        if texts.len() == shards.len() {
            tables.push((name, csvout::sum_tables(&texts)));
        }
    }
    let guards = crate::cli::guard::Guards {
        force: a.force,
        ..Default::default()
    };
    let out = crate::cli::guard::result_dir(a.out.join(&meta.scenario), &guards)?;
    let dir = out.staging().to_path_buf();
    let meta_all = ShardMeta {
        shard: None,
        split: None,
        ..meta.clone()
    };
    write_outputs(&dir, &results, swept, !a.no_charts, &meta_all, None)?;
    for (name, merged) in &tables {
        crate::report::output::write_atomic(&dir.join(name), merged.as_bytes())?;
        if !a.no_charts {
            crate::cli::run::write_charts(&dir, &meta.scenario, merged)?;
        }
    }
    let committed = out.commit()?;
    crate::cli::guard::announce(&committed, a.quiet);
    let dir = committed.dir;
    match a.format {
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&json::scenario(&results, swept)).unwrap_or_default()
        ),
        Format::Csv => print!("{}", csvout::summary(&results)),
        Format::Table | Format::Markdown if !a.quiet => {
            println!("merged {} shard(s) of {}", shards.len(), meta.scenario);
            print_table(&results, swept, f64::NAN, None, Some(&dir));
        }
        Format::Table | Format::Markdown => {}
    }
    Ok(())
}
