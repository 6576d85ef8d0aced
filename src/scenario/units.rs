//! Units written as strings in scenario files: rates (`"120/h"`).

/// Parses a rate like `"120/h"`, `"2/s"`, `"3000/d"`, `"0.5/m"` into events
/// per second.
pub fn parse_rate(text: &str) -> Result<f64, String> {
    let bad = || {
        format!(
            "`{text}` is not a rate: expected a number per unit, like \"120/h\", \"2/s\", \"3000/d\""
        )
    };
    let (num, unit) = text.split_once('/').ok_or_else(bad)?;
    let n: f64 = num.trim().parse().map_err(|_| bad())?;
    let per = match unit.trim() {
        "s" | "sec" | "second" => 1.0,
        "m" | "min" | "minute" => 60.0,
        "h" | "hour" => 3600.0,
        "d" | "day" => 86_400.0,
        _ => return Err(bad()),
    };
    if !n.is_finite() || n < 0.0 {
        return Err(format!("`{text}`: a rate must be a finite number >= 0"));
    }
    Ok(n / per)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates() {
        assert_eq!(parse_rate("120/h").unwrap(), 120.0 / 3600.0);
        assert_eq!(parse_rate("2/s").unwrap(), 2.0);
        assert_eq!(parse_rate("3000/d").unwrap(), 3000.0 / 86400.0);
        assert!(parse_rate("120").is_err());
        assert!(parse_rate("-1/h").is_err());
        assert!(parse_rate("5/fortnight").is_err());
    }
}
