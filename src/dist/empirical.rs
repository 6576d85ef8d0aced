//! `empirical` distributions: reading one column of a CSV file (the one
//! piece of I/O of the distributions, done once, at validation).

use std::path::Path;

use super::error::invalid;
use super::{DistError, Scalar};
use crate::time::parse_duration;

/// The duration units an empirical column's bare numbers can be given in,
/// with their length in seconds.
const DURATION_UNITS: [(&str, f64); 7] = [
    ("ns", 1e-9),
    ("us", 1e-6),
    ("ms", 1e-3),
    ("s", 1.0),
    ("m", 60.0),
    ("h", 3600.0),
    ("d", 86_400.0),
];

/// How the cells of an empirical column are read.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum CellUnit {
    /// Plain numbers (number distributions).
    Number,
    /// Bare numbers times this many seconds.
    Seconds(f64),
    /// Duration strings such as `250ms`.
    DurationText,
}

pub(super) fn cell_unit<S: Scalar>(unit: Option<&str>) -> Result<CellUnit, DistError> {
    match (S::IS_DURATION, unit) {
        (false, None) => Ok(CellUnit::Number),
        (false, Some(u)) => Err(invalid(format!(
            "empirical `unit = \"{u}\"` is only for durations; this distribution is of plain numbers, so remove it"
        ))),
        (true, None) => Ok(CellUnit::DurationText),
        (true, Some(u)) => DURATION_UNITS
            .iter()
            .find(|(name, _)| *name == u)
            .map(|&(_, secs)| CellUnit::Seconds(secs))
            .ok_or_else(|| {
                let names: Vec<&str> = DURATION_UNITS.iter().map(|(n, _)| *n).collect();
                invalid(format!(
                    "unknown empirical unit `{u}`, expected one of {}",
                    names.join(", ")
                ))
            }),
    }
}

/// Parses one cell as a value in the distribution's unit (seconds for
/// durations).
fn parse_cell(text: &str, unit: CellUnit) -> Result<f64, String> {
    let number = |t: &str| match t.parse::<f64>() {
        Ok(x) if x.is_finite() => Ok(x),
        _ => Err("not a finite number".to_string()),
    };
    match unit {
        CellUnit::Number => number(text),
        CellUnit::Seconds(secs) => number(text).map(|x| x * secs),
        CellUnit::DurationText => {
            if text.parse::<f64>().is_ok() && text.trim() != "0" {
                return Err(
                    "a bare number has no unit: give the column a unit in the scenario, e.g. `unit = \"ms\"`, or write durations such as \"250ms\""
                        .to_string(),
                );
            }
            parse_duration(text)
                .map(|d| d.as_secs_f64())
                .map_err(|e| e.to_string())
        }
    }
}

/// Reads column `column` of the CSV at `path`, as a stream (see
/// [`crate::input::Csv`]: a regular file, at most
/// [`crate::input::MAX_DATA_BYTES`] and [`crate::input::MAX_DATA_ROWS`]
/// rows). A file outside the scenario's folder `base` is named in messages
/// but none of its contents (its header, a bad cell) is printed.
pub(super) fn read_column(
    path: &Path,
    base: &Path,
    column: &str,
    unit: CellUnit,
) -> Result<Vec<f64>, DistError> {
    use crate::input::{Csv, MAX_DATA_BYTES, MAX_DATA_ROWS, is_inside, shorten};
    let shown = path.display();
    let fail = |message: String| DistError::Empirical(message);
    let inside = is_inside(path, base);
    let mut csv = Csv::open(path, "the empirical data", MAX_DATA_BYTES, MAX_DATA_ROWS)
        .map_err(|e| fail(e.replace("the empirical data ", "")))?;
    let Some(index) = csv.header().iter().position(|h| h == column) else {
        if !inside {
            return Err(fail(format!(
                "{shown}: no column `{column}` in its header row (a file outside the \
                 scenario's folder: its contents are not shown)"
            )));
        }
        let headers = csv.header();
        let available: Vec<String> = headers.iter().map(|h| format!("`{h}`")).collect();
        let names: Vec<&str> = headers.iter().map(String::as_str).collect();
        let hint = crate::suggest::closest(column, &names)
            .map(|c| format!("; did you mean `{c}`?"))
            .unwrap_or_default();
        let list = if available.is_empty() {
            "none".to_string()
        } else {
            available.join(", ")
        };
        return Err(fail(format!(
            "{shown}: no column `{column}`; the columns are {list}{hint}"
        )));
    };
    let mut values = Vec::new();
    let mut record = csv::StringRecord::new();
    while let Some(line) = csv.next_record(&mut record).map_err(fail)? {
        let cell = record.get(index).unwrap_or("");
        let value = parse_cell(cell, unit).map_err(|why| {
            if inside {
                fail(format!(
                    "{shown}: line {line}, column `{column}`: bad value `{}` ({why})",
                    shorten(cell)
                ))
            } else {
                fail(format!(
                    "{shown}: line {line}, column `{column}`: not a valid value"
                ))
            }
        })?;
        values.push(value);
    }
    if values.is_empty() {
        return Err(fail(format!("{shown}: column `{column}` has no values")));
    }
    Ok(values)
}

#[cfg(test)]
mod tests {
    use crate::dist::testing::{parse, parse_number};
    use crate::dist::{Dist, DistError};
    use std::path::Path;

    fn write_csv(dir: &Path, name: &str, text: &str) {
        std::fs::write(dir.join(name), text).unwrap();
    }

    #[track_caller]
    fn empirical_values(d: &Dist) -> Vec<f64> {
        match d {
            Dist::Empirical(e) => e.values().to_vec(),
            other => panic!("not empirical: {other:?}"),
        }
    }

    #[test]
    fn reads_an_empirical_column_with_a_unit() {
        let dir = tempfile::tempdir().unwrap();
        write_csv(
            dir.path(),
            "lat.csv",
            "ts,latency_ms\n1,250\n2, 500\n3,1000.5\n",
        );
        let raw = parse(
            r#"d = { empirical = { file = "lat.csv", column = "latency_ms", unit = "ms" } }"#,
        );
        let d = raw.build_duration(dir.path()).unwrap();
        assert_eq!(empirical_values(&d.0), [0.25, 0.5, 1.0005]);
        assert_eq!(d.min_value(), 0.25);
    }

    #[test]
    fn reads_an_empirical_column_of_duration_strings() {
        let dir = tempfile::tempdir().unwrap();
        write_csv(
            dir.path(),
            "lat.csv",
            "who,delay\na,250ms\nb,1m\nc,0\nd,-2s\n",
        );
        let raw = parse(r#"d = { empirical = { file = "lat.csv", column = "delay" } }"#);
        let d = raw.build_duration(dir.path()).unwrap();
        assert_eq!(empirical_values(&d.0), [0.25, 60.0, 0.0, -2.0]);
        assert!(d.can_be_negative());
    }

    #[test]
    fn reads_an_empirical_column_of_numbers() {
        let dir = tempfile::tempdir().unwrap();
        write_csv(
            dir.path(),
            "counts.csv",
            "day,count\n1,120\n2,80.5\n3,100\n",
        );
        let raw = parse_number(r#"d = { empirical = { file = "counts.csv", column = "count" } }"#);
        let d = raw.build(dir.path()).unwrap();
        assert_eq!(empirical_values(&d), [120.0, 80.5, 100.0]);
        assert_eq!(d.mean(), 300.5 / 3.0);
        // inside a mixture, relative to the same folder
        let raw = parse_number(
            r#"d = { mixture = [ { weight = 1, dist = { empirical = { file = "counts.csv", column = "count" } } }, { weight = 1, dist = 0 } ] }"#,
        );
        assert_eq!(raw.build(dir.path()).unwrap().mean(), 300.5 / 6.0);
    }

    #[test]
    fn suggests_the_closest_column() {
        let dir = tempfile::tempdir().unwrap();
        write_csv(dir.path(), "lat.csv", "ts,latency_ms\n1,250\n");
        let raw =
            parse(r#"d = { empirical = { file = "lat.csv", column = "latncy_ms", unit = "ms" } }"#);
        let err = raw.build(dir.path()).unwrap_err();
        assert!(matches!(err, DistError::Empirical(_)));
        let message = err.to_string();
        for needle in [
            "lat.csv",
            "no column `latncy_ms`",
            "the columns are `ts`, `latency_ms`",
            "did you mean `latency_ms`?",
        ] {
            assert!(message.contains(needle), "{needle:?} not in {message}");
        }
        // nothing close: the list alone
        let raw = parse(r#"d = { empirical = { file = "lat.csv", column = "zzz", unit = "ms" } }"#);
        let message = raw.build(dir.path()).unwrap_err().to_string();
        assert!(!message.contains("did you mean"), "{message}");
    }

    #[test]
    fn names_the_line_of_a_bad_value() {
        let dir = tempfile::tempdir().unwrap();
        write_csv(
            dir.path(),
            "lat.csv",
            "ts,latency_ms\n1,250\n2,abc\n3,100\n",
        );
        let raw = parse(
            r#"d = { empirical = { file = "lat.csv", column = "latency_ms", unit = "ms" } }"#,
        );
        let message = raw.build(dir.path()).unwrap_err().to_string();
        for needle in ["lat.csv", "line 3", "bad value `abc`"] {
            assert!(message.contains(needle), "{needle:?} not in {message}");
        }

        // a bare number where a duration string was expected
        write_csv(dir.path(), "bare.csv", "delay\n250ms\n250\n");
        let raw = parse(r#"d = { empirical = { file = "bare.csv", column = "delay" } }"#);
        let message = raw.build(dir.path()).unwrap_err().to_string();
        for needle in ["line 3", "bad value `250`", "unit = \"ms\""] {
            assert!(message.contains(needle), "{needle:?} not in {message}");
        }

        // an empty cell, a short row, a missing file, no rows
        write_csv(dir.path(), "gap.csv", "a,b\n1,2\n3,\n");
        let raw = parse_number(r#"d = { empirical = { file = "gap.csv", column = "b" } }"#);
        let message = raw.build(dir.path()).unwrap_err().to_string();
        assert!(
            message.contains("line 3") && message.contains("bad value ``"),
            "{message}"
        );

        write_csv(dir.path(), "short.csv", "a,b\n1,2\n3\n");
        let raw = parse_number(r#"d = { empirical = { file = "short.csv", column = "a" } }"#);
        let message = raw.build(dir.path()).unwrap_err().to_string();
        assert!(message.contains("line 3"), "{message}");

        let raw = parse_number(r#"d = { empirical = { file = "nope.csv", column = "a" } }"#);
        let message = raw.build(dir.path()).unwrap_err().to_string();
        assert!(message.contains("nope.csv"), "{message}");

        write_csv(dir.path(), "empty.csv", "a\n");
        let raw = parse_number(r#"d = { empirical = { file = "empty.csv", column = "a" } }"#);
        let message = raw.build(dir.path()).unwrap_err().to_string();
        assert!(message.contains("no values"), "{message}");
    }
}
