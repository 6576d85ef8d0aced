//! Sweeps: the `[sweep]` table (and `--vary`) as axes of values, each value
//! applied to the scenario as an override of its key.

use crate::time::SimDuration;

/// The keys of a range, `{ from, to, steps }`.
pub const RANGE_KEYS: &[&str] = &["from", "to", "steps"];

/// One swept key and its values (each in TOML syntax, applied as an override).
#[derive(Debug, Clone, PartialEq)]
pub struct SweepAxis {
    /// Dotted key path.
    pub path: String,
    /// Values in TOML syntax.
    pub values: Vec<String>,
}

impl SweepAxis {
    /// Parses `--vary PATH=A..B/STEPS` (`STEPS` intervals, numbers or
    /// durations) or `PATH=V1,V2,...`; the error names the flag.
    pub fn parse_vary(s: &str) -> Result<SweepAxis, String> {
        let bad = |why: &str| {
            format!(
                "--vary {s}: {why}; expected PATH=A..B/STEPS (e.g. hosts.transfer.clock.offset=0m..10m/10) or PATH=V1,V2,..."
            )
        };
        let (path, spec) = s.split_once('=').ok_or_else(|| bad("no `=`"))?;
        let path = path.trim().to_string();
        if let Some((range, steps)) = spec.split_once('/').filter(|(r, _)| r.contains("..")) {
            let (a, b) = range.split_once("..").ok_or_else(|| bad("no `..`"))?;
            let steps: i64 = steps
                .trim()
                .parse()
                .map_err(|_| bad("STEPS is not a whole number"))?;
            let values = range_values(&scalar(a), &scalar(b), steps).map_err(|m| bad(&m))?;
            Ok(SweepAxis { path, values })
        } else {
            let values: Vec<String> = spec.split(',').map(|v| toml_value_text(v.trim())).collect();
            if values.iter().any(|v| v.is_empty() || v == "\"\"") {
                return Err(bad("an empty value"));
            }
            Ok(SweepAxis { path, values })
        }
    }
}

/// A bound of a `--vary` range as TOML: an integer, a number, or a string.
fn scalar(text: &str) -> toml::Value {
    let t = text.trim();
    if let Ok(i) = t.parse::<i64>() {
        toml::Value::Integer(i)
    } else if let Ok(f) = t.parse::<f64>() {
        toml::Value::Float(f)
    } else {
        toml::Value::String(t.trim_matches('"').to_string())
    }
}

/// A value for an override: TOML as written when it parses, else a string.
fn toml_value_text(v: &str) -> String {
    let as_toml = format!("v = {v}");
    if toml::from_str::<toml::Table>(&as_toml).is_ok() {
        v.to_string()
    } else {
        toml::Value::String(v.to_string()).to_string()
    }
}

/// A malformed `[sweep]` entry.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepError {
    /// The swept key's dotted path.
    pub path: String,
    /// What is wrong, naming the path.
    pub message: String,
}

/// Flattens `[sweep]` into axes: a key whose value is a list is an axis of
/// those values; a table with `from`, `to`, `steps` is an axis of `steps + 1`
/// evenly spaced values (numbers or durations); any other table nests.
pub fn flatten_sweep(
    t: &toml::Table,
    prefix: &str,
    out: &mut Vec<SweepAxis>,
) -> Result<(), SweepError> {
    for (k, v) in t {
        let path = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        let fail = |message: String| SweepError {
            path: path.clone(),
            message,
        };
        match v {
            toml::Value::Array(a) => {
                if a.is_empty() {
                    return Err(fail(format!(
                        "sweep `{path}` has no values: list at least one"
                    )));
                }
                out.push(SweepAxis {
                    path,
                    values: a.iter().map(toml_text).collect(),
                });
            }
            toml::Value::Table(sub)
                if sub.contains_key("from")
                    || sub.contains_key("to")
                    || sub.contains_key("steps") =>
            {
                let from = sub
                    .get("from")
                    .ok_or_else(|| fail(format!("sweep `{path}` needs `from`")))?;
                let to = sub
                    .get("to")
                    .ok_or_else(|| fail(format!("sweep `{path}` needs `to`")))?;
                let steps = sub
                    .get("steps")
                    .and_then(toml::Value::as_integer)
                    .ok_or_else(|| {
                        fail(format!("sweep `{path}` needs `steps`, a whole number >= 1"))
                    })?;
                if let Some(extra) = sub.keys().find(|k| !RANGE_KEYS.contains(&k.as_str())) {
                    return Err(fail(format!(
                        "sweep `{path}`: unknown key `{extra}`, expected `from`, `to`, `steps`"
                    )));
                }
                let values = range_values(from, to, steps)
                    .map_err(|m| fail(format!("sweep `{path}`: {m}")))?;
                out.push(SweepAxis { values, path });
            }
            toml::Value::Table(sub) => flatten_sweep(sub, &path, out)?,
            other => {
                return Err(fail(format!(
                    "sweep `{path}` = {other}: expected a list of values or {{ from, to, steps }}"
                )));
            }
        }
    }
    Ok(())
}

/// `steps + 1` evenly spaced values from `from` to `to`, in TOML syntax.
pub fn range_values(
    from: &toml::Value,
    to: &toml::Value,
    steps: i64,
) -> Result<Vec<String>, String> {
    if !(1..=100_000).contains(&steps) {
        return Err(format!("steps must be from 1 to 100000, got {steps}"));
    }
    let n = steps as f64;
    match (from, to) {
        (toml::Value::String(a), toml::Value::String(b)) => {
            let a = crate::time::parse_duration(a).map_err(|e| e.to_string())?;
            let b = crate::time::parse_duration(b).map_err(|e| e.to_string())?;
            Ok((0..=steps)
                .map(|i| {
                    let ns =
                        a.as_nanos() as f64 + (b.as_nanos() - a.as_nanos()) as f64 * i as f64 / n;
                    format!("\"{}\"", SimDuration::from_nanos(ns.round() as i64))
                })
                .collect())
        }
        _ => {
            let num = |v: &toml::Value| {
                v.as_float()
                    .or_else(|| v.as_integer().map(|i| i as f64))
                    .ok_or_else(|| format!("`{v}` is neither a number nor a duration"))
            };
            let (a, b) = (num(from)?, num(to)?);
            let ints = from.is_integer() && to.is_integer() && ((b - a) / n).fract() == 0.0;
            Ok((0..=steps)
                .map(|i| {
                    let v = a + (b - a) * i as f64 / n;
                    if ints {
                        format!("{}", v as i64)
                    } else {
                        // 0.02 * 3 is written 0.06, not 0.06000000000000001
                        crate::fmt::fmt_clean(v)
                    }
                })
                .collect())
        }
    }
}

/// A TOML value written back in TOML syntax (inline).
pub fn toml_text(v: &toml::Value) -> String {
    v.to_string()
}
