//! What every figure is reported as: [`Figure`] (a value and its interval),
//! [`Interval`] and the [`Method`] that made it.

/// How an interval was made.
///
/// Serialised in kebab-case (`"student-t"`, `"ratio-t"`, `"garwood"`, ...);
/// [`Method::description`] gives the phrase a report prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Method {
    /// Student t over per-replication values.
    StudentT,
    /// Student t over replications, ratio estimator (Cochran 1977, 6.4).
    RatioT,
    /// Exact Poisson interval for a small count (Garwood 1936).
    Garwood,
    /// Exact binomial interval for a small proportion (Clopper-Pearson 1934).
    ClopperPearson,
    /// Garwood's interval on the effective count `K / φ`, scaled by the
    /// dispersion `φ` the replications show (quasi-Poisson; see
    /// [`events`](super::events)).
    QuasiPoisson,
    /// Clopper-Pearson on effective counts, scaled by the dispersion
    /// (quasi-binomial; see [`events`](super::events)).
    QuasiBinomial,
    /// A sum of amounts (money): quasi-Poisson in units of the mean amount,
    /// with the spread of the amounts as a floor (see
    /// [`events::amount_interval`](super::events::amount_interval)).
    CompoundPoisson,
    /// An amount with no (non-zero) event in any replication: at most the
    /// largest amount one event can carry times the upper bound of the
    /// event count (see [`money_figure`](super::money_figure)).
    AmountBound,
    /// An amount with no event in any replication and no known bound on the
    /// amount per event: the interval is undefined.
    NoEvents,
    /// Only one replication: no spread to measure, the interval is undefined.
    SingleReplication,
    /// No replications or a zero denominator: the interval is undefined.
    NoData,
    /// A rare-event estimator proved the event impossible (the latency's
    /// support ends before the margin): `0, impossible under these
    /// distributions`, interval `[0, 0]` (see [`rare`](super::rare)).
    Impossible,
}

impl Method {
    /// The kebab-case name, as serialised.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::StudentT => "student-t",
            Method::RatioT => "ratio-t",
            Method::Garwood => "garwood",
            Method::ClopperPearson => "clopper-pearson",
            Method::QuasiPoisson => "quasi-poisson",
            Method::QuasiBinomial => "quasi-binomial",
            Method::CompoundPoisson => "compound-poisson",
            Method::AmountBound => "amount-bound",
            Method::NoEvents => "no-events",
            Method::SingleReplication => "single-replication",
            Method::NoData => "no-data",
            Method::Impossible => "impossible",
        }
    }

    /// A short phrase for a report's footnote.
    pub fn description(self) -> &'static str {
        match self {
            Method::StudentT => "Student t over replications",
            Method::RatioT => "Student t over replications, ratio estimator",
            Method::Garwood => {
                "exact Poisson (Garwood) on the pooled total: replications spread no more than independent events"
            }
            Method::ClopperPearson => {
                "exact binomial (Clopper-Pearson) on the pooled total: replications spread no more than independent events"
            }
            Method::QuasiPoisson => {
                "quasi-Poisson: Garwood on the pooled total, widened by the spread between replications"
            }
            Method::QuasiBinomial => {
                "quasi-binomial: Clopper-Pearson on the pooled total, widened by the spread between replications"
            }
            Method::CompoundPoisson => {
                "compound Poisson: a sum of amounts, widened by the spread between replications"
            }
            Method::AmountBound => {
                "no amount lost: at most the largest amount per event times the upper bound of the event count"
            }
            Method::NoEvents => "n/a: no events, so no amount per event to bound the total by",
            Method::SingleReplication => "n/a: a single replication has no spread",
            Method::NoData => "n/a: no data",
            Method::Impossible => "0, impossible under these distributions",
        }
    }
}

impl std::fmt::Display for Method {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A two-sided interval.
///
/// Invariant: either `low <= high`, both not NaN (a defined interval), or both
/// NaN with `method` [`Method::SingleReplication`] or [`Method::NoData`].
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Interval {
    /// Lower bound.
    pub low: f64,
    /// Upper bound.
    pub high: f64,
    /// How it was made.
    pub method: Method,
}

impl Interval {
    /// An interval that could not be computed (both bounds NaN).
    pub fn undefined(method: Method) -> Interval {
        Interval {
            low: f64::NAN,
            high: f64::NAN,
            method,
        }
    }

    /// Whether the bounds are numbers (false for an "n/a" interval).
    pub fn is_defined(&self) -> bool {
        !self.low.is_nan() && !self.high.is_nan()
    }

    /// Half the width, `(high - low) / 2`; NaN when undefined.
    pub fn half_width(&self) -> f64 {
        (self.high - self.low) / 2.0
    }

    pub(super) fn scaled(self, factor: f64) -> Interval {
        Interval {
            low: self.low * factor,
            high: self.high * factor,
            method: self.method,
        }
    }

    /// Raises both bounds to at least `floor`, for quantities that cannot be
    /// lower. An undefined interval stays undefined (`f64::max` would turn NaN
    /// into `floor`).
    pub(super) fn clamp_low(self, floor: f64) -> Interval {
        if !self.is_defined() {
            return self;
        }
        Interval {
            low: self.low.max(floor),
            high: self.high.max(floor),
            ..self
        }
    }

    /// Lowers both bounds to at most `ceiling`; undefined stays undefined.
    pub(super) fn clamp_high(self, ceiling: f64) -> Interval {
        if !self.is_defined() {
            return self;
        }
        Interval {
            low: self.low.min(ceiling),
            high: self.high.min(ceiling),
            ..self
        }
    }
}

/// A simulated figure: a point estimate from the replications with its
/// confidence interval (at [`CONFIDENCE`](super::CONFIDENCE)). Not a back-of-envelope (a
/// model's closed form), nor an estimator (how replications are sampled).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Figure {
    /// The pooled value (a total, a rate, a mean).
    pub value: f64,
    /// The interval around it.
    pub ci: Interval,
}

impl Figure {
    pub(super) fn undefined(value: f64, method: Method) -> Figure {
        Figure {
            value,
            ci: Interval::undefined(method),
        }
    }
}
#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::count_figure;

    #[test]
    fn method_serialises_kebab_case() {
        for m in [
            Method::StudentT,
            Method::RatioT,
            Method::Garwood,
            Method::ClopperPearson,
            Method::QuasiPoisson,
            Method::QuasiBinomial,
            Method::CompoundPoisson,
            Method::NoEvents,
            Method::SingleReplication,
            Method::NoData,
        ] {
            let json = serde_json::to_string(&m).unwrap();
            assert_eq!(json, format!("\"{m}\""));
            assert_eq!(serde_json::from_str::<Method>(&json).unwrap(), m);
        }
    }

    #[test]
    fn undefined_interval_serialises_as_null() {
        let e = count_figure(&[100.0]);
        let json = serde_json::to_string(&e).unwrap();
        assert_eq!(
            json,
            r#"{"value":100.0,"ci":{"low":null,"high":null,"method":"single-replication"}}"#
        );
    }
}
