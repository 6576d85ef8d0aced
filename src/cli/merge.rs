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
    let text = std::fs::read_to_string(&path)
        .map_err(|e| Error::Usage(format!("cannot read {}: {e}", path.display())))?;
    let (meta, _, rows) =
        shards::parse(&text).map_err(|m| Error::Usage(format!("{}: {m}", path.display())))?;
    Ok(Shard { path, meta, rows })
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
    let text = std::fs::read_to_string(&path).map_err(|e| {
        Error::Usage(format!(
            "cannot merge: {} is a shard of the terminals but {} cannot be read: {e}",
            s.path.display(),
            path.display()
        ))
    })?;
    shards::parse_parts(&text).map_err(|m| Error::Usage(format!("{}: {m}", path.display())))
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

    // the scenario must still be the one the shards ran
    let source = Source::read(Path::new(&meta.file))?;
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
    // daily series, margin histograms, volume bins: sums of the shards' sums
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
    // (a split of the fleet has whole daily series already: summed exactly)
    let summed: &[&str] = if parts.is_some() {
        &["margin.csv", "volume.csv"]
    } else {
        &["daily.csv", "margin.csv", "volume.csv"]
    };
    for name in summed.iter().copied() {
        let texts: Vec<String> = shards
            .iter()
            .filter_map(|s| std::fs::read_to_string(s.path.with_file_name(name)).ok())
            .collect();
        if texts.len() == shards.len() {
            let merged = csvout::sum_tables(&texts);
            crate::report::output::write_atomic(&dir.join(name), merged.as_bytes())?;
            if !a.no_charts {
                crate::cli::run::write_charts(&dir, &meta.scenario, &merged)?;
            }
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
