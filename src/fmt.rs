//! Numbers and cells as racesim writes them: for people ([`fmt_num`]), for
//! files ([`fmt_exact`]: shortest round-trip text), and text cells made safe
//! for spreadsheets ([`escape_cell`]).

/// Formats a number for people: 4 significant digits, scientific notation for
/// very small or large magnitudes, thousands kept readable.
pub fn fmt_num(x: f64) -> String {
    if x.is_nan() {
        return "n/a".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf".into() } else { "-inf".into() };
    }
    if x == 0.0 {
        return "0".into();
    }
    let a = x.abs();
    if x.fract() == 0.0 && a < 1e12 {
        return format!("{}", x as i64);
    }
    if !(1e-3..1e7).contains(&a) {
        return format!("{x:.3e}");
    }
    let digits = 4 - (a.log10().floor() as i32 + 1);
    format!("{x:.prec$}", prec = digits.max(0) as usize)
}

/// Formats a number exactly enough for files: shortest round-trip text.
pub fn fmt_exact(x: f64) -> String {
    if x.is_nan() {
        String::new()
    } else {
        format!("{x}")
    }
}

/// A text cell as it is written into a CSV file: a cell that does not read
/// as a number and starts with `=`, `+`, `-`, `@`, a tab or a carriage
/// return gets a `'` in front, so a spreadsheet shows it as text instead of
/// running it as a formula (OWASP, "CSV Injection"). Numbers, negative ones
/// included, are written as they are. [`unescape_cell`] undoes it.
pub fn escape_cell(s: &str) -> String {
    let risky = s.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if risky && s.trim().parse::<f64>().is_err() {
        format!("'{s}")
    } else {
        s.to_string()
    }
}

/// The text of a cell [`escape_cell`] wrote.
pub fn unescape_cell(s: &str) -> &str {
    match s.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@', '\t', '\r']) => rest,
        _ => s,
    }
}

/// A CSV writer into memory (exporters are pure: they return text).
pub fn csv_writer() -> csv::Writer<Vec<u8>> {
    csv::WriterBuilder::new().from_writer(Vec::new())
}

/// The text a [`csv_writer`] wrote.
pub fn csv_text(w: csv::Writer<Vec<u8>>) -> String {
    // writing to a Vec cannot fail
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// Renders rows as aligned columns (first column left-aligned, others right).
pub fn columns(rows: &[Vec<String>]) -> String {
    let ncol = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..ncol)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|s| s.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for r in rows {
        let mut line = String::new();
        for (c, cell) in r.iter().enumerate() {
            if c > 0 {
                line.push_str("  ");
            }
            let pad = widths[c] - cell.chars().count();
            if c == 0 || c == ncol - 1 {
                line.push_str(cell);
                if c != ncol - 1 {
                    line.push_str(&" ".repeat(pad));
                }
            } else {
                line.push_str(&" ".repeat(pad));
                line.push_str(cell);
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_for_people() {
        assert_eq!(fmt_num(0.0), "0");
        assert_eq!(fmt_num(40312.0), "40312");
        assert_eq!(fmt_num(0.0041234), "0.004123");
        assert_eq!(fmt_num(0.00041234), "4.123e-4");
        assert_eq!(fmt_num(12.3456), "12.35");
        assert_eq!(fmt_num(f64::NAN), "n/a");
    }
}
