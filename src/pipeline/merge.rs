//! `racesim merge FILE...` as a library function: merges shard outputs into
//! exactly the result a single run gives. Each FILE is a shard's
//! `replications.csv` (or its folder). Shards must come from the same
//! scenario text, overrides, seed, replications, estimator, generator and
//! version, and together hold every shard 1..N once; otherwise the merge is
//! refused (exit 2) with the mismatch named. Daily series and the model's
//! own tables (margin histograms, volume bins) are summed from the shards'
//! files, which hold sums (whole numbers, except the conditional
//! estimator's expected counts, whose sum may differ from a single run's in
//! the last digits). Every file is read and checked before anything is
//! written.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::Error;
use crate::experiment::{self, PointResult};
use crate::input::{self, Table};
use crate::model::{Column, ExactSums, Model, Registry, RepOutput, TableShape, check_row};
use crate::output::{Replace, write_atomic};
use crate::report::shards::{self, Parts, Row, ShardMeta};
use crate::report::{csvout, daily, plot};
use crate::scenario::{self, Override, Source};

use super::{Guards, guard, outputs};

/// What a merge made.
#[derive(Debug)]
pub struct Merged {
    /// The scenario's name.
    pub scenario: String,
    /// The shards merged.
    pub shards: usize,
    /// The points, as a single run gives them.
    pub results: Vec<PointResult>,
    /// True when the scenario was swept.
    pub swept: bool,
    /// The merged result folder.
    pub dir: PathBuf,
    /// What the user should know (an earlier result kept aside).
    pub notes: Vec<String>,
}

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
    let columns = sc.model.columns();
    for r in &s.rows {
        check_row(&columns, &r.values, sc.estimator).map_err(|why| {
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
    shape: &TableShape,
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
    let numbers_from = t.column(shape.order_by).unwrap_or(1);
    for r in 0..t.rows.len() {
        for (c, col) in t.header.iter().enumerate() {
            if c > 0 && c < numbers_from {
                continue;
            }
            let v = t.number(r, c).map_err(bad)?;
            if v < 0.0 && !(shape.signed)(col) {
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
fn check_daily(s: &Shard, t: &Table, columns: &[Column]) -> Result<(), Error> {
    let Some(point) = t.column("point") else {
        return Ok(());
    };
    for (ci, col) in columns.iter().map(|c| &c.name).enumerate() {
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
    model: &dyn Model,
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
        let (values, daily) = model.values_from_exact(&sum).ok_or_else(|| {
            Error::Usage(format!(
                "cannot merge: replication {i}'s sums are not a {} tally",
                model.kind()
            ))
        })?;
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

/// Checks that the shards belong together: the same scenario, text, seed,
/// replications, overrides, estimator, generator, version and shard count,
/// none partial, every shard 1..N once.
fn belong_together(shards: &[Shard]) -> Result<(), Error> {
    let quoted = |s: &str| format!("`{s}`");
    same(shards, "scenarios", |m| quoted(&m.scenario))?;
    same(shards, "scenario file contents (hash)", |m| quoted(&m.hash))?;
    same(shards, "seeds", |m| m.seed.to_string())?;
    same(shards, "replication counts", |m| m.replications.to_string())?;
    same(shards, "overrides or sweep points", |m| {
        let points: Vec<String> = m
            .points
            .iter()
            .map(|p| format!("[{}]", p.join(", ")))
            .collect();
        points.join(" ")
    })?;
    same(shards, "estimators", |m| quoted(&m.estimator))?;
    same(shards, "generators", |m| quoted(&m.generator))?;
    same(shards, "racesim versions", |m| quoted(&m.version))?;
    same(shards, "shard counts", |m| match m.shard {
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
    same(shards, "splits (replications or terminals)", |m| {
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
    for s in shards {
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
    Ok(())
}

/// The scenario the shards ran, as it still reads: its path is the one the
/// shards were given, relative to the folder they ran in.
fn scenario_source(meta: &ShardMeta) -> Result<Source, Error> {
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
    Ok(source)
}

/// The overrides of point `pi` as the metadata records them.
fn point_overrides(meta: &ShardMeta, pi: usize) -> Result<Vec<Override>, Error> {
    meta.points
        .get(pi)
        .map(|o| {
            o.iter()
                .map(|o| Override::parse(o))
                .collect::<Result<Vec<_>, _>>()
        })
        .transpose()
        .map_err(Error::Usage)
        .map(Option::unwrap_or_default)
}

/// The shards `files`, read and checked, and the points they make.
struct Loaded {
    shards: Vec<Shard>,
    source: Source,
    parts: Option<Vec<Parts>>,
    results: Vec<PointResult>,
}

fn load(registry: &Registry, files: &[PathBuf]) -> Result<Loaded, Error> {
    let shards: Vec<Shard> = files
        .iter()
        .map(|f| read_shard(f))
        .collect::<Result<_, _>>()?;
    if shards.is_empty() {
        return Err(Error::Usage(
            "merge needs at least one replications.csv".into(),
        ));
    }
    belong_together(&shards)?;
    let meta = &shards[0].meta;
    let source = scenario_source(meta)?;
    // every row holds values racesim writes, under the model's columns
    let model_sc = scenario::load_with(registry, &source, &point_overrides(meta, 0)?)?;
    let model = &*model_sc.model;
    // a split of replications: every shard holds its part of every one
    let parts = match meta.split.as_deref() {
        None => None,
        Some(split) if model.replication_parts() == Some(split) => Some(
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
    let columns = model.columns();
    for s in &shards {
        if s.rows
            .first()
            .is_some_and(|r| r.values.len() != columns.len())
        {
            let names: Vec<&str> = columns.iter().map(|c| c.name.as_ref()).collect();
            return Err(Error::Usage(format!(
                "cannot merge: {} does not have the columns of a {} scenario ({})",
                s.path.display(),
                model.kind(),
                names.join(", ")
            )));
        }
        check_rows(s, &model_sc)?;
    }
    let mut results = Vec::new();
    for pi in 0..meta.points.len() {
        let sc = scenario::load_with(registry, &source, &point_overrides(meta, pi)?)?;
        let mut reps: Vec<(u64, RepOutput)> = match &parts {
            Some(parts) => sum_parts(&*sc.model, &shards, parts, pi, sc.replications)?,
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
    Ok(Loaded {
        shards,
        source,
        parts,
        results,
    })
}

/// A whole result folder (of `run`, `sweep` or `merge`) read back without
/// running anything: its scenario (the file it ran, which must still be
/// there unchanged, relative to the current folder), the metadata of its
/// `replications.csv`, and its points with every figure recomputed from the
/// replications, as `merge` does. A shard's folder is refused (merge the
/// shards first), and so is a partial result.
pub fn read_result(
    registry: &Registry,
    dir: &Path,
) -> Result<(Source, ShardMeta, Vec<PointResult>), Error> {
    let retitle = |e: Error| match e {
        Error::Usage(m) => Error::Usage(
            m.replacen(
                "cannot merge:",
                &format!("cannot report on {}:", dir.display()),
                1,
            )
            .replace("run merge from that folder", "run report from that folder")
            .replace("the shards ran", "it ran"),
        ),
        other => other,
    };
    let shard = read_shard(dir).map_err(retitle)?;
    if let Some((k, n)) = shard.meta.shard {
        return Err(Error::Usage(format!(
            "cannot report on {}: it is shard {k} of {n}, not a whole result; merge the shards first (racesim merge) and report on the merged folder",
            dir.display()
        )));
    }
    let loaded = load(registry, &[dir.to_path_buf()]).map_err(retitle)?;
    let meta = loaded.shards[0].meta.clone();
    Ok((loaded.source, meta, loaded.results))
}

/// Merges the shards `files` and writes the result folder under `out`
/// (`replace` says what happens to an earlier one), with charts when
/// `charts`; `registry` knows the models.
pub fn merge(
    registry: &Registry,
    files: &[PathBuf],
    out: &Path,
    replace: Replace,
    charts: bool,
) -> Result<Merged, Error> {
    let Loaded {
        shards,
        source: _,
        parts,
        results,
    } = load(registry, files)?;
    let meta = &shards[0].meta;
    let model = &*results[0].scenario.model;
    let columns = model.columns();
    let swept = !results[0].params.is_empty();
    // daily series and the model's tables: sums of the shards' sums, read
    // and checked before anything is written (a split of replications has
    // whole daily series already: summed exactly)
    let mut summed: Vec<(&str, TableShape)> = Vec::new();
    if parts.is_none() {
        summed.push(("daily.csv", daily::SHAPE));
    }
    let kind = registry.get(model.kind());
    for t in kind.map(|k| k.tables()).unwrap_or_default() {
        summed.push((t.file(), t.shape()));
    }
    let mut tables: Vec<(&str, String)> = Vec::new();
    for (name, shape) in &summed {
        let mut texts: Vec<String> = Vec::new();
        let mut header: Option<Vec<String>> = None;
        for s in &shards {
            if let Some((text, t)) = read_table(s, name, shape, header.as_deref())? {
                if *name == "daily.csv" {
                    check_daily(s, &t, &columns)?;
                }
                header = Some(t.header);
                texts.push(text);
            }
        }
        if texts.len() == shards.len() {
            tables.push((name, csvout::sum_tables(&texts, shape)));
        }
    }
    let guards = Guards {
        replace,
        ..Guards::default()
    };
    let out = guard::result_dir(out.join(&meta.scenario), &guards)?;
    let dir = out.staging().to_path_buf();
    let meta_all = ShardMeta {
        shard: None,
        split: None,
        ..meta.clone()
    };
    outputs::write_outputs(&dir, &results, swept, charts, &meta_all, None)?;
    for (name, merged) in &tables {
        write_atomic(&dir.join(name), merged.as_bytes())?;
        if charts {
            let drawn = plot::charts(registry, &meta.scenario, merged, "the CSV", None).map_err(
                |e| match e {
                    plot::PlotError::Chart(c) => Error::Chart(c),
                    other => Error::Usage(other.to_string()),
                },
            )?;
            outputs::write_charts(&dir, drawn)?;
        }
    }
    let committed = out.commit()?;
    Ok(Merged {
        scenario: meta.scenario.clone(),
        shards: shards.len(),
        results,
        swept,
        notes: guard::kept_previous(&committed).into_iter().collect(),
        dir: committed.dir,
    })
}
