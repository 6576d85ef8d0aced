//! Units written as strings in scenario files: durations (`"250ms"`,
//! `"-6m"`) and rates (`"120/h"`).

use std::fmt;

use serde::Deserialize;
use serde::de::{self, Visitor};

use crate::time::{SimDuration, parse_duration};

/// A duration written in a scenario: a string with units (`"250ms"`, `"-6m"`)
/// or the integer `0`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DurationValue(pub SimDuration);

impl<'de> Deserialize<'de> for DurationValue {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        fn bare<E: de::Error>(n: impl fmt::Display) -> E {
            E::custom(format!(
                "the bare number {n} is not a duration: a unit is needed, e.g. \"{n}s\" or \"5m\""
            ))
        }
        impl Visitor<'_> for V {
            type Value = DurationValue;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a duration with a unit, like \"250ms\" or \"5m\"")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<DurationValue, E> {
                parse_duration(s).map(DurationValue).map_err(E::custom)
            }
            fn visit_i64<E: de::Error>(self, n: i64) -> Result<DurationValue, E> {
                if n == 0 {
                    Ok(DurationValue(SimDuration::ZERO))
                } else {
                    Err(bare(n))
                }
            }
            fn visit_u64<E: de::Error>(self, n: u64) -> Result<DurationValue, E> {
                if n == 0 {
                    Ok(DurationValue(SimDuration::ZERO))
                } else {
                    Err(bare(n))
                }
            }
            fn visit_f64<E: de::Error>(self, x: f64) -> Result<DurationValue, E> {
                Err(bare(x))
            }
        }
        d.deserialize_any(V)
    }
}

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
