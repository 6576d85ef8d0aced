//! Reading a [`RawDist`] from the scenario's TOML: the serde visitor. Each
//! kind's parameters are checked while they are deserialized, so a bad value
//! is reported with its line and column.

use std::fmt;
use std::marker::PhantomData;
use std::path::PathBuf;

use serde::Deserialize;
use serde::de::{self, MapAccess, SeqAccess, Visitor};

use super::error::{Unit, invalid, probabilities};
use super::fit::{self, Level, Percentile};
use super::{ChoiceEntry, Dist, DistError, MixtureComponent, RawDist, Scalar};

/// Parameter checks run inside deserialization, on the parameters' own table
/// or array, so that toml reports their position.
trait Check {
    /// What the value should look like, for type errors.
    const EXPECTING: &'static str;
    fn check(&self) -> Result<(), DistError>;
}

/// `T`, deserialized from a table or an array and then checked.
struct Checked<T>(T);

impl<'de, T: Deserialize<'de> + Check> Deserialize<'de> for Checked<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de> + Check> Visitor<'de> for V<T> {
            type Value = T;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(T::EXPECTING)
            }
            // The check runs inside the visitor, so that the error passes back
            // through toml's value deserializer, which attaches the span.
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
                let t = T::deserialize(de::value::MapAccessDeserializer::new(map))?;
                t.check().map_err(de::Error::custom)?;
                Ok(t)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<T, A::Error> {
                let t = T::deserialize(de::value::SeqAccessDeserializer::new(seq))?;
                t.check().map_err(de::Error::custom)?;
                Ok(t)
            }
        }
        d.deserialize_any(V(PhantomData)).map(Checked)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UniformFields<S> {
    low: S,
    high: S,
}
impl<S: Scalar> Check for UniformFields<S> {
    const EXPECTING: &'static str = "a table { low, high }";
    fn check(&self) -> Result<(), DistError> {
        Dist::uniform_in(self.low.to_f64(), self.high.to_f64(), Unit::of::<S>()).map(drop)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NormalFields<S> {
    mean: S,
    sd: S,
}
impl<S: Scalar> Check for NormalFields<S> {
    const EXPECTING: &'static str = "a table { mean, sd }";
    fn check(&self) -> Result<(), DistError> {
        Dist::normal_in(self.mean.to_f64(), self.sd.to_f64(), Unit::of::<S>()).map(drop)
    }
}

/// The keys of a lognormal table: two percentiles (`median` is `p50`; the
/// historical `{ median, p99 }` is listed on its own), or `mu` and `sigma`.
pub(super) const LOGNORMAL_KEYS: &[&str] = &["median", "p99", "mu", "sigma", fit::PERCENTILE_KEY];
/// The keys of a `percentiles` table.
pub(super) const PERCENTILES_KEYS: &[&str] = &["median", fit::PERCENTILE_KEY];

/// A table of percentiles (`p50 = "200ms"`, `median = ..`), with `mu` and
/// `sigma` when `params` is true (a lognormal), read key by key: a key names
/// its level, so serde's derive cannot list them.
struct PercentileTable<S> {
    points: Vec<Percentile<S>>,
    /// Every key as written, in order (for messages).
    written: Vec<String>,
    mu: Option<f64>,
    sigma: Option<f64>,
}

impl<S: Scalar> PercentileTable<S> {
    fn read<'de, A: MapAccess<'de>>(mut map: A, params: bool) -> Result<Self, A::Error> {
        let expected = if params {
            LOGNORMAL_KEYS
        } else {
            PERCENTILES_KEYS
        };
        let mut table = PercentileTable {
            points: Vec::new(),
            written: Vec::new(),
            mu: None,
            sigma: None,
        };
        while let Some(key) = map.next_key::<String>()? {
            table.written.push(key.clone());
            match key.as_str() {
                "mu" if params => table.mu = Some(map.next_value()?),
                "sigma" if params => table.sigma = Some(map.next_value()?),
                k => match Level::parse(k) {
                    Some(level) => {
                        let PercentileValue(value) = map.next_value()?;
                        table.points.push(Percentile { level, value });
                    }
                    None => return Err(de::Error::unknown_field(k, expected)),
                },
            }
        }
        table
            .points
            .sort_by(|a, b| a.level.p().total_cmp(&b.level.p()));
        Ok(table)
    }

    fn values(&self) -> Vec<(Level, f64)> {
        self.points
            .iter()
            .map(|p| (p.level.clone(), p.value.to_f64()))
            .collect()
    }
}

/// A percentile's value: an `S`, with a clear message for TOML's dotted
/// key (`p99.9 = "2s"` unquoted is the key `9` inside a table `p99`).
struct PercentileValue<S>(S);

impl<'de, S: Scalar> Deserialize<'de> for PercentileValue<S> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<S>(PhantomData<S>);
        impl<'de, S: Scalar> Visitor<'de> for V<S> {
            type Value = S;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                if S::IS_DURATION {
                    f.write_str("a duration like \"200ms\"")
                } else {
                    f.write_str("a number")
                }
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<S, E> {
                S::deserialize(de::value::StrDeserializer::<E>::new(s))
            }
            fn visit_i64<E: de::Error>(self, n: i64) -> Result<S, E> {
                S::deserialize(de::value::I64Deserializer::<E>::new(n))
            }
            fn visit_u64<E: de::Error>(self, n: u64) -> Result<S, E> {
                S::deserialize(de::value::U64Deserializer::<E>::new(n))
            }
            fn visit_f64<E: de::Error>(self, x: f64) -> Result<S, E> {
                S::deserialize(de::value::F64Deserializer::<E>::new(x))
            }
            fn visit_map<A: MapAccess<'de>>(self, _: A) -> Result<S, A::Error> {
                Err(de::Error::custom(
                    "a table where a value was expected: a level with a decimal point must be quoted in TOML (`\"p99.9\" = ..`), or written with an underscore (`p99_9 = ..`)",
                ))
            }
        }
        d.deserialize_any(V(PhantomData)).map(PercentileValue)
    }
}

/// Both lognormal forms in one table, so a misspelled key lists them all.
struct LogNormalFields<S>(PercentileTable<S>);

impl<'de, S: Scalar> Deserialize<'de> for LogNormalFields<S> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<S>(PhantomData<S>);
        impl<'de, S: Scalar> Visitor<'de> for V<S> {
            type Value = LogNormalFields<S>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(LogNormalFields::<S>::EXPECTING)
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                PercentileTable::read(map, true).map(LogNormalFields)
            }
        }
        d.deserialize_map(V(PhantomData))
    }
}

impl<S: Scalar> LogNormalFields<S> {
    fn to_raw(&self) -> Result<RawDist<S>, DistError> {
        let t = &self.0;
        match (t.points.as_slice(), t.mu, t.sigma) {
            ([low, high], None, None) => {
                // `{ median, p99 }` as written keeps its historical form
                let written_median = t.written.iter().any(|k| k == "median");
                if written_median && high.level.label() == "p99" {
                    Ok(RawDist::LogNormal {
                        median: low.value.clone(),
                        p99: high.value.clone(),
                    })
                } else {
                    Ok(RawDist::LogNormalPercentiles {
                        low: low.clone(),
                        high: high.clone(),
                        range: false,
                    })
                }
            }
            ([], Some(mu), Some(sigma)) => Ok(RawDist::LogNormalMuSigma { mu, sigma }),
            _ => {
                let given = &t.written;
                let more = if t.points.len() > 2 && t.mu.is_none() && t.sigma.is_none() {
                    "; through three or more percentiles, write { percentiles = { .. } }"
                } else {
                    ""
                };
                Err(invalid(format!(
                    "lognormal takes two percentiles ({{ median, p99 }}, {{ p90, p99 }}, {{ p5, p95 }}..., `median` is p50) or {{ mu, sigma }}, got {{ {} }}{more}",
                    given.join(", ")
                )))
            }
        }
    }
}
impl<S: Scalar> Check for LogNormalFields<S> {
    const EXPECTING: &'static str =
        "a table of two percentiles { median, p99 }, { p90, p99 }... or { mu, sigma }";
    fn check(&self) -> Result<(), DistError> {
        match self.to_raw()? {
            RawDist::LogNormal { median, p99 } => {
                Dist::lognormal_median_p99_in(median.to_f64(), p99.to_f64(), Unit::of::<S>())
                    .map(drop)
            }
            RawDist::LogNormalMuSigma { mu, sigma } => Dist::lognormal(mu, sigma).map(drop),
            _ => {
                let [a, b]: [(Level, f64); 2] =
                    self.0.values().try_into().expect("two percentiles");
                Dist::lognormal_percentiles_in(a, b, Unit::of::<S>()).map(drop)
            }
        }
    }
}

/// `{ percentiles = { p50 = .., p90 = .., p99 = .. } }`.
struct PercentilesFields<S>(PercentileTable<S>);

impl<'de, S: Scalar> Deserialize<'de> for PercentilesFields<S> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<S>(PhantomData<S>);
        impl<'de, S: Scalar> Visitor<'de> for V<S> {
            type Value = PercentilesFields<S>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(PercentilesFields::<S>::EXPECTING)
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                PercentileTable::read(map, false).map(PercentilesFields)
            }
        }
        d.deserialize_map(V(PhantomData))
    }
}
impl<S: Scalar> Check for PercentilesFields<S> {
    const EXPECTING: &'static str = "a table of three or more percentiles { p50, p90, p99, .. }";
    fn check(&self) -> Result<(), DistError> {
        Dist::percentiles_in(self.0.values(), Unit::of::<S>()).map(drop)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExponentialFields<S> {
    mean: S,
}
impl<S: Scalar> Check for ExponentialFields<S> {
    const EXPECTING: &'static str = "a table { mean }";
    fn check(&self) -> Result<(), DistError> {
        Dist::exponential_in(self.mean.to_f64(), Unit::of::<S>()).map(drop)
    }
}

/// Gamma and Weibull share their parameters' names.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ShapeScaleFields<S> {
    shape: f64,
    scale: S,
}
struct GammaFields<S>(ShapeScaleFields<S>);
struct WeibullFields<S>(ShapeScaleFields<S>);
impl<'de, S: Scalar> Deserialize<'de> for GammaFields<S> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        ShapeScaleFields::deserialize(d).map(GammaFields)
    }
}
impl<'de, S: Scalar> Deserialize<'de> for WeibullFields<S> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        ShapeScaleFields::deserialize(d).map(WeibullFields)
    }
}
impl<S: Scalar> Check for GammaFields<S> {
    const EXPECTING: &'static str = "a table { shape, scale }";
    fn check(&self) -> Result<(), DistError> {
        Dist::gamma_in(self.0.shape, self.0.scale.to_f64(), Unit::of::<S>()).map(drop)
    }
}
impl<S: Scalar> Check for WeibullFields<S> {
    const EXPECTING: &'static str = "a table { shape, scale }";
    fn check(&self) -> Result<(), DistError> {
        Dist::weibull_in(self.0.shape, self.0.scale.to_f64(), Unit::of::<S>()).map(drop)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ParetoFields<S> {
    scale: S,
    shape: f64,
}
impl<S: Scalar> Check for ParetoFields<S> {
    const EXPECTING: &'static str = "a table { scale, shape }";
    fn check(&self) -> Result<(), DistError> {
        Dist::pareto_in(self.scale.to_f64(), self.shape, Unit::of::<S>()).map(drop)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EmpiricalFields<S> {
    file: PathBuf,
    column: String,
    unit: Option<String>,
    #[serde(skip)]
    scalar: PhantomData<S>,
}
impl<S: Scalar> Check for EmpiricalFields<S> {
    const EXPECTING: &'static str = "a table { file, column, unit }";
    fn check(&self) -> Result<(), DistError> {
        super::empirical::cell_unit::<S>(self.unit.as_deref()).map(drop)
    }
}

impl<S: Scalar> Check for Vec<ChoiceEntry<S>> {
    const EXPECTING: &'static str = "an array of { value, weight }";
    fn check(&self) -> Result<(), DistError> {
        Dist::choice_in(
            self.iter().map(|e| (e.value.to_f64(), e.weight)),
            Unit::of::<S>(),
        )
        .map(drop)
    }
}

impl<S: Scalar> Check for Vec<MixtureComponent<S>> {
    const EXPECTING: &'static str = "an array of { weight, dist }";
    fn check(&self) -> Result<(), DistError> {
        // The components checked themselves while they were deserialized.
        let weights: Vec<f64> = self.iter().map(|c| c.weight).collect();
        probabilities(&weights, "mixture").map(drop)
    }
}

/// The key of a distribution table.
#[derive(Deserialize)]
#[serde(variant_identifier, rename_all = "lowercase")]
enum Kind {
    Uniform,
    Normal,
    LogNormal,
    Percentiles,
    Exponential,
    Gamma,
    Weibull,
    Pareto,
    Empirical,
    Choice,
    Mixture,
}

struct RawDistVisitor<S>(PhantomData<S>);

impl<S: Scalar> RawDistVisitor<S> {
    fn scalar<'de, D: serde::Deserializer<'de>>(d: D) -> Result<RawDist<S>, D::Error> {
        S::deserialize(d).map(RawDist::Constant)
    }
}

impl<'de, S: Scalar> Visitor<'de> for RawDistVisitor<S> {
    type Value = RawDist<S>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        if S::IS_DURATION {
            f.write_str(
                "a duration like \"5m\" or a distribution like { exponential = { mean = \"5m\" } }",
            )
        } else {
            f.write_str("a number or a distribution like { normal = { mean = 10, sd = 2 } }")
        }
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<RawDist<S>, E> {
        if let Some((low, high)) = s.split_once(" to ") {
            return range90::<S, E>(s, low.trim(), high.trim());
        }
        if !S::IS_DURATION {
            // f64's own message would say "expected f64"; say what a scenario takes.
            return Err(E::invalid_type(de::Unexpected::Str(s), &self));
        }
        Self::scalar(de::value::StrDeserializer::<E>::new(s))
    }
    fn visit_i64<E: de::Error>(self, n: i64) -> Result<RawDist<S>, E> {
        Self::scalar(de::value::I64Deserializer::<E>::new(n))
    }
    fn visit_u64<E: de::Error>(self, n: u64) -> Result<RawDist<S>, E> {
        Self::scalar(de::value::U64Deserializer::<E>::new(n))
    }
    fn visit_f64<E: de::Error>(self, x: f64) -> Result<RawDist<S>, E> {
        if !x.is_finite() {
            return Err(E::custom(format!(
                "the constant must be a finite number, got {x}"
            )));
        }
        Self::scalar(de::value::F64Deserializer::<E>::new(x))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawDist<S>, A::Error> {
        let Some(kind) = map.next_key::<Kind>()? else {
            return Err(de::Error::custom(
                "an empty table is not a distribution: write one key, the kind, e.g. { exponential = { mean = ... } }",
            ));
        };
        let dist = match kind {
            Kind::Uniform => {
                let Checked(UniformFields { low, high }) = map.next_value()?;
                RawDist::Uniform { low, high }
            }
            Kind::Normal => {
                let Checked(NormalFields { mean, sd }) = map.next_value()?;
                RawDist::Normal { mean, sd }
            }
            Kind::LogNormal => {
                let Checked(fields): Checked<LogNormalFields<S>> = map.next_value()?;
                fields.to_raw().map_err(de::Error::custom)?
            }
            Kind::Percentiles => {
                let Checked(PercentilesFields(table)) = map.next_value()?;
                RawDist::Percentiles(table.points)
            }
            Kind::Exponential => {
                let Checked(ExponentialFields { mean }) = map.next_value()?;
                RawDist::Exponential { mean }
            }
            Kind::Gamma => {
                let Checked(GammaFields(ShapeScaleFields { shape, scale })) = map.next_value()?;
                RawDist::Gamma { shape, scale }
            }
            Kind::Weibull => {
                let Checked(WeibullFields(ShapeScaleFields { shape, scale })) = map.next_value()?;
                RawDist::Weibull { shape, scale }
            }
            Kind::Pareto => {
                let Checked(ParetoFields { scale, shape }) = map.next_value()?;
                RawDist::Pareto { scale, shape }
            }
            Kind::Empirical => {
                let Checked(EmpiricalFields::<S> {
                    file, column, unit, ..
                }) = map.next_value()?;
                RawDist::Empirical { file, column, unit }
            }
            Kind::Choice => RawDist::Choice(map.next_value::<Checked<_>>()?.0),
            Kind::Mixture => RawDist::Mixture(map.next_value::<Checked<_>>()?.0),
        };
        if let Some(extra) = map.next_key::<String>()? {
            return Err(de::Error::custom(format!(
                "a distribution table has exactly one key, its kind; `{extra}` is one too many"
            )));
        }
        Ok(dist)
    }
}

/// A 90% range `"LOW to HIGH"`: the lognormal whose 5th and 95th
/// percentiles are `LOW` and `HIGH`.
fn range90<S: Scalar, E: de::Error>(text: &str, low: &str, high: &str) -> Result<RawDist<S>, E> {
    let end = |t: &str| -> Result<S, E> {
        if S::IS_DURATION {
            S::deserialize(de::value::StrDeserializer::<E>::new(t))
        } else {
            let x: f64 = t.parse().map_err(|_| {
                E::custom(format!(
                    "a 90% range \"{text}\": `{t}` is not a number (write \"LOW to HIGH\", e.g. \"2 to 40\")"
                ))
            })?;
            S::deserialize(de::value::F64Deserializer::<E>::new(x))
        }
    };
    let (low, high) = (end(low)?, end(high)?);
    let (p5, p95) = Level::range_ends();
    let (a, b) = (low.to_f64(), high.to_f64());
    let unit = Unit::of::<S>();
    if a >= b && a > 0.0 {
        return Err(E::custom(format!(
            "a 90% range \"{text}\" is written low to high, and its ends must differ ({} is not below {})",
            unit.show(a),
            unit.show(b)
        )));
    }
    Dist::lognormal_percentiles_in((p5.clone(), a), (p95.clone(), b), unit)
        .map_err(|e| E::custom(format!("a 90% range \"{text}\" (a lognormal): {e}")))?;
    Ok(RawDist::LogNormalPercentiles {
        low: Percentile {
            level: p5,
            value: low,
        },
        high: Percentile {
            level: p95,
            value: high,
        },
        range: true,
    })
}

impl<'de, S: Scalar> Deserialize<'de> for RawDist<S> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(RawDistVisitor(PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dist::Z_99;
    use crate::dist::testing::{Doc, NumberDoc, dv, parse, parse_number};
    use crate::time::SimDuration;
    use crate::units::DurationValue;
    use std::path::Path;

    /// The error for `src` contains every needle (and toml's caret).
    #[track_caller]
    fn parse_error(src: &str, needles: &[&str]) -> String {
        let message = match toml::from_str::<Doc>(src) {
            Ok(doc) => panic!("accepted {src}: {doc:?}"),
            Err(e) => e.to_string(),
        };
        check_message(&message, needles);
        message
    }

    #[track_caller]
    fn parse_number_error(src: &str, needles: &[&str]) -> String {
        let message = match toml::from_str::<NumberDoc>(src) {
            Ok(doc) => panic!("accepted {src}: {doc:?}"),
            Err(e) => e.to_string(),
        };
        check_message(&message, needles);
        message
    }

    #[track_caller]
    fn check_message(message: &str, needles: &[&str]) {
        assert!(message.contains('^'), "no caret in:\n{message}");
        for needle in needles {
            assert!(message.contains(needle), "{needle:?} not in:\n{message}");
        }
    }
    #[test]
    fn parses_constants() {
        assert_eq!(parse(r#"d = "5m""#), RawDist::Constant(dv("5m")));
        assert_eq!(parse(r#"d = "-6m""#), RawDist::Constant(dv("-6m")));
        assert_eq!(parse("d = 0"), RawDist::Constant(dv("0s")));
        assert_eq!(parse_number("d = 5"), RawDist::Constant(5.0));
        assert_eq!(parse_number("d = 5.5"), RawDist::Constant(5.5));
        let built = parse(r#"d = "250ms""#)
            .build_duration(Path::new("."))
            .unwrap();
        assert_eq!(built.as_constant(), Some(SimDuration::from_millis(250)));
    }

    #[test]
    fn parses_every_kind() {
        assert_eq!(
            parse(r#"d = { uniform = { low = "1s", high = "3s" } }"#),
            RawDist::Uniform {
                low: dv("1s"),
                high: dv("3s")
            }
        );
        assert_eq!(
            parse(r#"d = { normal = { mean = "5s", sd = "500ms" } }"#),
            RawDist::Normal {
                mean: dv("5s"),
                sd: dv("500ms")
            }
        );
        assert_eq!(
            parse(r#"d = { lognormal = { median = "2s", p99 = "30s" } }"#),
            RawDist::LogNormal {
                median: dv("2s"),
                p99: dv("30s")
            }
        );
        assert_eq!(
            parse("d = { lognormal = { mu = 0.5, sigma = 1 } }"),
            RawDist::LogNormalMuSigma {
                mu: 0.5,
                sigma: 1.0
            }
        );
        assert_eq!(
            parse(r#"d = { exponential = { mean = "5m" } }"#),
            RawDist::Exponential { mean: dv("5m") }
        );
        assert_eq!(
            parse(r#"d = { gamma = { shape = 2, scale = "3s" } }"#),
            RawDist::Gamma {
                shape: 2.0,
                scale: dv("3s")
            }
        );
        assert_eq!(
            parse(r#"d = { weibull = { shape = 1.5, scale = "10s" } }"#),
            RawDist::Weibull {
                shape: 1.5,
                scale: dv("10s")
            }
        );
        assert_eq!(
            parse(r#"d = { pareto = { scale = "1s", shape = 2.5 } }"#),
            RawDist::Pareto {
                scale: dv("1s"),
                shape: 2.5
            }
        );
        assert_eq!(
            parse(r#"d = { empirical = { file = "lat.csv", column = "latency", unit = "ms" } }"#),
            RawDist::Empirical {
                file: "lat.csv".into(),
                column: "latency".into(),
                unit: Some("ms".into())
            }
        );
        assert_eq!(
            parse(
                r#"d = { choice = [ { value = "1s", weight = 3 }, { value = "5s", weight = 1 } ] }"#
            ),
            RawDist::Choice(vec![
                ChoiceEntry {
                    value: dv("1s"),
                    weight: 3.0
                },
                ChoiceEntry {
                    value: dv("5s"),
                    weight: 1.0
                },
            ])
        );
        let mixture = parse(
            r#"
            [d]
            mixture = [
                { weight = 99, dist = { lognormal = { median = "2s", p99 = "20s" } } },
                { weight = 1, dist = { mixture = [
                    { weight = 1, dist = "5m" },
                    { weight = 1, dist = { uniform = { low = "1m", high = "10m" } } },
                ] } },
            ]
            "#,
        );
        let RawDist::Mixture(components) = &mixture else {
            panic!("{mixture:?}")
        };
        assert_eq!(components.len(), 2);
        assert_eq!(components[0].weight, 99.0);
        assert!(matches!(components[1].dist, RawDist::Mixture(ref inner) if inner.len() == 2));
        let built = mixture.build(Path::new(".")).unwrap();
        let slow_mean = (300.0 + 330.0) / 2.0;
        let fast_mean = (2f64.ln() + (10f64.ln() / Z_99).powi(2) / 2.0).exp();
        assert!((built.mean() - (0.99 * fast_mean + 0.01 * slow_mean)).abs() < 1e-9);
        assert_eq!(built.min_value(), 0.0);
    }

    #[test]
    fn parses_number_distributions() {
        assert_eq!(
            parse_number("d = { normal = { mean = 10, sd = 2.5 } }"),
            RawDist::Normal {
                mean: 10.0,
                sd: 2.5
            }
        );
        assert_eq!(
            parse_number(
                "d = { choice = [ { value = 4.5, weight = 30 }, { value = 3, weight = 50 } ] }"
            ),
            RawDist::Choice(vec![
                ChoiceEntry {
                    value: 4.5,
                    weight: 30.0
                },
                ChoiceEntry {
                    value: 3.0,
                    weight: 50.0
                },
            ])
        );
        let gamma = parse_number("d = { gamma = { shape = 2, scale = 60 } }");
        assert_eq!(gamma.build(Path::new(".")).unwrap().mean(), 120.0);
    }

    #[test]
    fn builds_what_was_parsed() {
        let lognormal = parse(r#"d = { lognormal = { median = "5s", p99 = "60s" } }"#)
            .build(Path::new("."))
            .unwrap();
        let Dist::LogNormal(l) = &lognormal else {
            panic!("{lognormal:?}")
        };
        assert_eq!(l.mu(), 5f64.ln());
        assert_eq!(l.sigma(), (60f64.ln() - 5f64.ln()) / Z_99);
        assert_eq!(l.median(), 5.0);
        let mu_sigma = parse("d = { lognormal = { mu = 0, sigma = 0 } }")
            .build_duration(Path::new("."))
            .unwrap();
        assert_eq!(mu_sigma.as_constant(), Some(SimDuration::from_secs(1)));
        let exp = parse(r#"d = { exponential = { mean = "5m" } }"#)
            .build(Path::new("."))
            .unwrap();
        assert_eq!(exp.mean(), 300.0);
    }

    #[test]
    fn names_a_misspelled_kind() {
        parse_error(
            "# latency\nd = { lognormall = { median = \"5s\", p99 = \"2s\" } }",
            &[
                "line 2",
                "unknown variant `lognormall`",
                "expected one of",
                "`lognormal`",
            ],
        );
    }

    #[test]
    fn names_a_misspelled_parameter() {
        parse_error(
            r#"d = { lognormal = { median = "5s", p99s = "20s" } }"#,
            &["unknown field `p99s`", "`p<level>`"],
        );
        parse_error(
            r#"d = { normal = { mean = "5s", stdev = "1s" } }"#,
            &["unknown field `stdev`", "expected `mean` or `sd`"],
        );
        parse_error(
            r#"d = { choice = [ { value = "1s", wieght = 1 } ] }"#,
            &["unknown field `wieght`"],
        );
        parse_error(
            r#"d = { normal = { mean = "5s" } }"#,
            &["missing field `sd`"],
        );
    }

    #[test]
    fn refuses_p99_below_the_median_at_its_position() {
        let message = parse_error(
            "\n\nd = { lognormal = { median = \"5s\", p99 = \"2s\" } }",
            &["line 3", "p99 (2s) must be at least the median (5s)"],
        );
        // the caret underlines the parameter table, from its column
        assert!(message.contains("column 19"), "{message}");
    }

    #[test]
    fn refuses_bad_parameters_at_parse_time() {
        parse_error(
            r#"d = { normal = { mean = "5s", sd = "-1s" } }"#,
            &["sd (-1s) must not be negative"],
        );
        parse_error(
            r#"d = { uniform = { low = "5s", high = "1s" } }"#,
            &["low (5s) must not be above high (1s)"],
        );
        parse_error(
            r#"d = { exponential = { mean = "0s" } }"#,
            &["exponential mean (0s) must be positive"],
        );
        parse_error(
            r#"d = { gamma = { shape = 0, scale = "1s" } }"#,
            &["gamma shape (0) must be positive"],
        );
        parse_error(
            r#"d = { pareto = { scale = "1s", shape = -2 } }"#,
            &["pareto shape (-2) must be positive"],
        );
        parse_error(
            r#"d = { lognormal = { median = "5s", sigma = 1 } }"#,
            &["or { mu, sigma }, got { median, sigma }"],
        );
        parse_error(
            r#"d = { choice = [ { value = "1s", weight = 0 }, { value = "2s", weight = 0 } ] }"#,
            &["all weights of choice are zero"],
        );
        parse_error(
            r#"d = { mixture = [ { weight = 0, dist = "1s" } ] }"#,
            &["all weights of mixture are zero"],
        );
        parse_error(
            r#"d = { choice = [ { value = "1s", weight = -1 } ] }"#,
            &["weight -1 of choice entry 1"],
        );
        // a nested component is reported at its own position
        parse_error(
            r#"d = { mixture = [ { weight = 1, dist = { normal = { mean = "5s", sd = "-1s" } } } ] }"#,
            &["column 51", "sd (-1s) must not be negative"],
        );
    }

    #[test]
    fn refuses_malformed_tables() {
        parse_error("d = {}", &["empty table is not a distribution"]);
        parse_error(
            r#"d = { normal = { mean = "5s", sd = "1s" }, uniform = { low = "1s", high = "2s" } }"#,
            &["exactly one key", "`uniform`"],
        );
        parse_error("d = { normal = 5 }", &["expected a table { mean, sd }"]);
        parse_error("d = true", &["expected a duration like \"5m\""]);
    }

    #[test]
    fn refuses_durations_without_units() {
        parse_error("d = 5", &["bare number 5", "a unit is needed", "\"5m\""]);
        parse_error("d = 1.5", &["bare number 1.5", "a unit is needed"]);
        parse_error(
            r#"d = { uniform = { low = 0, high = 30 } }"#,
            &["bare number 30", "a unit is needed"],
        );
        parse_error(r#"d = "5 parsecs""#, &["`5 parsecs` is not a duration"]);
        parse_error(r#"d = "90""#, &["`90` is not a duration"]);
        parse_error(r#"d = "400y""#, &["too long"]);
    }

    #[test]
    fn refuses_non_finite_and_misplaced_numbers() {
        parse_number_error("d = nan", &["finite number"]);
        parse_number_error("d = inf", &["finite number"]);
        parse_number_error(
            "d = { normal = { mean = nan, sd = 1 } }",
            &["normal mean must be a finite number"],
        );
        parse_number_error(
            "d = { choice = [ { value = 1, weight = inf } ] }",
            &["weight inf"],
        );
        parse_number_error(r#"d = "5""#, &["string \"5\"", "expected a number"]);
        parse_number_error(
            r#"d = { empirical = { file = "x.csv", column = "n", unit = "ms" } }"#,
            &["only for durations"],
        );
        parse_error(
            r#"d = { empirical = { file = "x.csv", column = "n", unit = "sec" } }"#,
            &["unknown empirical unit `sec`", "ns, us, ms, s, m, h, d"],
        );
    }

    #[test]
    fn works_inside_toml_spanned() {
        // The scenario layer wraps values in `toml::Spanned` to report
        // semantic errors found later at the value's position.
        #[derive(Debug, Deserialize)]
        struct SpannedDoc {
            d: toml::Spanned<RawDist<DurationValue>>,
            h: toml::Spanned<DurationValue>,
        }
        let src = "h = \"1d\"\nd = { exponential = { mean = \"5m\" } }";
        let doc: SpannedDoc = toml::from_str(src).unwrap();
        assert_eq!(doc.h.get_ref(), &dv("1d"));
        assert_eq!(&src[doc.d.span()], "{ exponential = { mean = \"5m\" } }");
        assert_eq!(doc.d.get_ref(), &RawDist::Exponential { mean: dv("5m") });
        let err =
            toml::from_str::<SpannedDoc>("h = \"1d\"\nd = { exponential = { mean = \"0s\" } }")
                .unwrap_err()
                .to_string();
        check_message(&err, &["line 2", "exponential mean (0s) must be positive"]);
    }
}
