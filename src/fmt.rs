//! Numbers and cells as racesim writes them: for people ([`fmt_num`]: four
//! significant digits, thousands separators; [`fmt_clean`] for values a
//! person typed, such as limits), for files ([`fmt_exact`]: shortest
//! round-trip text), and text cells made safe for spreadsheets
//! ([`escape_cell`]).

/// Formats a number for people, one format everywhere (tables, summaries,
/// messages): whole numbers exactly, with thousands separators
/// (`40,327,362`); others to 4 significant digits without trailing zeros
/// (`0.005349`, `148.7`, `0.06`), with thousands separators from 1,000
/// (`4,031,000`), and in scientific notation below 0.001 or from 10^15
/// (`5.722e-6`, `1e-4`).
pub fn fmt_num(x: f64) -> String {
    fmt_sig(x, 4)
}

/// The two ends of an interval for people, as [`fmt_num`] but with as many
/// more significant digits (up to 12) as it takes for ends that differ to
/// read differently: a narrow interval such as `[9.9991e-8, 9.9994e-8]`
/// never prints as `[9.999e-8, 9.999e-8]`, which would claim a width of zero.
pub fn fmt_interval(low: f64, high: f64) -> (String, String) {
    let mut sig = 4;
    loop {
        let (l, h) = (fmt_sig(low, sig), fmt_sig(high, sig));
        if l != h || low == high || sig >= 12 {
            return (l, h);
        }
        sig += 1;
    }
}

/// [`fmt_num`] with `sig` significant digits (at least 1).
fn fmt_sig(x: f64, sig: usize) -> String {
    let sig = sig.max(1);
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
    let sign = if x < 0.0 { "-" } else { "" };
    if !(1e-3..1e15).contains(&a) {
        return sci(x, sig);
    }
    if x.fract() == 0.0 {
        return format!("{sign}{}", grouped(a as u64));
    }
    // `sig` significant digits: round in decimal text, then read the text back
    let rounded: f64 = format!("{a:.prec$e}", prec = sig - 1).parse().unwrap_or(a);
    let digits = (sig as i32 - 1 - rounded.log10().floor() as i32).max(0) as usize;
    let text = trim_zeros(&format!("{rounded:.digits$}"));
    let (int, frac) = text.split_once('.').unwrap_or((&text, ""));
    let int = int
        .parse::<u64>()
        .map(grouped)
        .unwrap_or_else(|_| int.to_string());
    if frac.is_empty() {
        format!("{sign}{int}")
    } else {
        format!("{sign}{int}.{frac}")
    }
}

/// Formats a value a person wrote (a limit, a swept value) without the noise
/// of binary arithmetic: 12 significant digits, then the shortest text
/// (`0.06000000000000001` reads `0.06`, `1e-4` reads `0.0001`).
pub fn fmt_clean(x: f64) -> String {
    if !x.is_finite() {
        return fmt_num(x);
    }
    let cleaned: f64 = format!("{x:.11e}").parse().unwrap_or(x);
    format!("{cleaned}")
}

/// Scientific notation with `sig` significant digits, trailing zeros
/// trimmed: `5.722e-6`, `1e-4`, `-2.5e15` (4 digits).
fn sci(x: f64, sig: usize) -> String {
    let t = format!("{x:.prec$e}", prec = sig - 1);
    match t.split_once('e') {
        Some((mantissa, exp)) => format!("{}e{exp}", trim_zeros(mantissa)),
        None => t,
    }
}

/// `1.500` -> `1.5`, `2.000` -> `2`; text without a point is kept.
fn trim_zeros(t: &str) -> String {
    if t.contains('.') {
        t.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        t.to_string()
    }
}

/// A whole number with thousands separators: `40327362` -> `40,327,362`.
fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
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
    fn interval_ends_that_differ_read_differently() {
        // four digits would print [9.999e-8, 9.999e-8]: a width of zero
        assert_eq!(
            fmt_interval(9.99912e-8, 9.99941e-8),
            ("9.9991e-8".to_string(), "9.9994e-8".to_string())
        );
        assert_eq!(
            fmt_interval(0.0012345, 0.0056),
            ("0.001234".to_string(), "0.0056".to_string())
        );
        assert_eq!(
            fmt_interval(642_812.4, 642_814.9),
            ("642,812".to_string(), "642,815".to_string())
        );
        assert_eq!(
            fmt_interval(0.5, 0.5),
            ("0.5".to_string(), "0.5".to_string())
        );
    }

    #[test]
    fn numbers_for_people() {
        assert_eq!(fmt_num(0.0), "0");
        assert_eq!(fmt_num(40312.0), "40,312");
        assert_eq!(fmt_num(40327362.0), "40,327,362");
        assert_eq!(fmt_num(-1234.0), "-1,234");
        assert_eq!(fmt_num(999.0), "999");
        assert_eq!(fmt_num(4.03123456e7), "40,310,000");
        assert_eq!(fmt_num(80640.3), "80,640");
        assert_eq!(fmt_num(9999.7), "10,000");
        assert_eq!(fmt_num(999.97), "1,000");
        assert_eq!(fmt_num(0.0041234), "0.004123");
        assert_eq!(fmt_num(0.00041234), "4.123e-4");
        assert_eq!(fmt_num(0.000005721676780396812), "5.722e-6");
        assert_eq!(fmt_num(1e-4), "1e-4");
        assert_eq!(fmt_num(12.3456), "12.35");
        assert_eq!(fmt_num(148.0001), "148");
        assert_eq!(fmt_num(0.06000000000000001), "0.06");
        assert_eq!(fmt_num(-0.5), "-0.5");
        assert_eq!(fmt_num(2.5e15), "2.5e15");
        assert_eq!(fmt_num(f64::NAN), "n/a");
        assert_eq!(fmt_num(f64::INFINITY), "inf");
    }

    #[test]
    fn values_people_wrote() {
        assert_eq!(fmt_clean(0.06000000000000001), "0.06");
        assert_eq!(fmt_clean(0.02 * 3.0), "0.06");
        assert_eq!(fmt_clean(1e-4), "0.0001");
        assert_eq!(fmt_clean(0.01), "0.01");
        assert_eq!(fmt_clean(0.012345), "0.012345");
        assert_eq!(fmt_clean(250.0), "250");
    }
}
