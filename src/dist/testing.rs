//! Helpers shared by the distributions' unit tests.

use serde::Deserialize;

use super::RawDist;
use crate::engine::{SimRng, Streams};
use crate::time::parse_duration;
use crate::units::DurationValue;

/// The stream every value-stability test draws from.
pub(crate) fn test_rng() -> SimRng {
    Streams::new(1, 0).stream("test")
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Doc {
    pub(crate) d: RawDist<DurationValue>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NumberDoc {
    pub(crate) d: RawDist<f64>,
}

#[track_caller]
pub(crate) fn parse(src: &str) -> RawDist<DurationValue> {
    match toml::from_str::<Doc>(src) {
        Ok(doc) => doc.d,
        Err(e) => panic!("{src}\n{e}"),
    }
}

#[track_caller]
pub(crate) fn parse_number(src: &str) -> RawDist<f64> {
    match toml::from_str::<NumberDoc>(src) {
        Ok(doc) => doc.d,
        Err(e) => panic!("{src}\n{e}"),
    }
}

pub(crate) fn dv(text: &str) -> DurationValue {
    DurationValue(parse_duration(text).unwrap())
}
