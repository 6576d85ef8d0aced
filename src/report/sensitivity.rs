//! The sensitivity table (tornado style) and `sensitivity.csv`: one row per
//! swept key, widest range first. Pure: they return text.

use serde::Serialize;

use crate::fmt::{fmt_exact, fmt_num};

/// The widest bar of the printed tornado, in characters.
const BAR_WIDTH: f64 = 30.0;

/// One row of `sensitivity.csv`.
#[derive(Debug, Serialize)]
struct Row<'a> {
    metric: &'a str,
    key: &'a str,
    low: String,
    high: String,
    range: String,
}

/// `sensitivity.csv`: metric, key, low, high, range (= high - low), one row
/// per key in the order given (widest first).
pub fn csv(rows: &[(String, f64, f64)], metric: &str) -> String {
    let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
    if rows.is_empty() {
        let _ = w.write_record(["metric", "key", "low", "high", "range"]);
    }
    for (key, low, high) in rows {
        let _ = w.serialize(Row {
            metric,
            key,
            low: fmt_exact(*low),
            high: fmt_exact(*high),
            range: fmt_exact(high - low),
        });
    }
    // writing to a Vec cannot fail
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// The printed table: a heading, then key, low, high, range and a bar whose
/// length is the range relative to the widest.
pub fn table(rows: &[(String, f64, f64)], metric: &str) -> String {
    let widest = rows
        .iter()
        .map(|(_, lo, hi)| hi - lo)
        .filter(|w| w.is_finite())
        .fold(0.0, f64::max);
    let mut cells = vec![vec![
        "key".to_string(),
        "low".into(),
        "high".into(),
        "range".into(),
        String::new(),
    ]];
    for (key, low, high) in rows {
        let range = high - low;
        let bar = if widest > 0.0 && range.is_finite() {
            "#".repeat((range / widest * BAR_WIDTH).round() as usize)
        } else {
            String::new()
        };
        cells.push(vec![
            key.clone(),
            fmt_num(*low),
            fmt_num(*high),
            fmt_num(range),
            bar,
        ]);
    }
    format!(
        "sensitivity of {metric}: each key over its values, the other keys at their first value\n{}",
        crate::fmt::columns(&cells)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_has_a_header_and_one_row_per_key() {
        let rows = vec![("a.b".to_string(), 0.0, 0.5), ("c".to_string(), 0.1, 0.2)];
        let text = csv(&rows, "error_page_rate");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "metric,key,low,high,range");
        assert_eq!(lines[1], "error_page_rate,a.b,0,0.5,0.5");
        assert_eq!(lines.len(), 3);
        assert!(csv(&[], "m").starts_with("metric,key,low,high,range"));
    }

    #[test]
    fn the_widest_key_gets_the_full_bar() {
        let rows = vec![("a".to_string(), 0.0, 2.0), ("b".to_string(), 1.0, 2.0)];
        let t = table(&rows, "m");
        assert!(t.contains(&"#".repeat(30)), "{t}");
        assert!(
            t.contains(&format!("{} ", "#".repeat(15)))
                || t.ends_with(&format!("{}\n", "#".repeat(15))),
            "{t}"
        );
    }
}
