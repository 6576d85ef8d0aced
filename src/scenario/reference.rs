//! Every table of the scenario format and the keys it accepts, from the raw
//! types themselves (each lists its keys in a `KEYS` constant that a test
//! checks against serde). `docs/scenario-reference.md` documents each of
//! these tables; a test compares the two both ways, so neither can drift.

use crate::clock::raw::{RawClock, RawOutage, RawStep, RawSync};
use crate::field::KeyTable;
use crate::model::Registry;

use super::raw::{RawCommon, RawExpect, RawHost};

/// The top level's common keys (every scenario, whatever its model).
pub const TOP_LEVEL: &str = "";

/// Every table of a scenario whose model is one of `registry`'s: the common
/// tables, each model's, and the distribution forms. The top level holds
/// the common keys and every model's sections, in the order a scenario
/// lists them.
pub fn key_tables(registry: &Registry) -> Vec<KeyTable> {
    let top: Vec<&'static str> = RawCommon::KEYS_BEFORE_MODEL
        .iter()
        .copied()
        .chain(registry.kinds().flat_map(|k| k.sections().iter().copied()))
        .chain(RawCommon::KEYS_AFTER_MODEL.iter().copied())
        .collect();
    let mut out = vec![
        KeyTable::owned(TOP_LEVEL, top),
        KeyTable::new("hosts.*", RawHost::KEYS),
        KeyTable::new("hosts.*.clock", RawClock::KEYS),
        KeyTable::new("hosts.*.clock.sync", RawSync::KEYS),
        KeyTable::new("hosts.*.clock.outages[]", RawOutage::KEYS),
        KeyTable::new("hosts.*.clock.steps[]", RawStep::KEYS),
        KeyTable::new("sweep.*", super::sweep::RANGE_KEYS),
        KeyTable::new("expect[]", RawExpect::KEYS),
    ];
    for kind in registry.kinds() {
        out.extend(kind.key_tables());
    }
    out.extend(
        crate::dist::KEYS
            .iter()
            .map(|(path, keys)| KeyTable::new(path, keys)),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::field::accepted_by;

    #[test]
    fn the_common_key_lists_are_what_serde_accepts() {
        let top: Vec<&str> = RawCommon::KEYS_BEFORE_MODEL
            .iter()
            .chain(RawCommon::KEYS_AFTER_MODEL)
            .copied()
            .collect();
        assert_eq!(accepted_by::<RawCommon>(|t| t.to_string()), top);
        assert_eq!(accepted_by::<RawHost>(|t| t.to_string()), RawHost::KEYS);
        assert_eq!(accepted_by::<RawExpect>(|t| t.to_string()), RawExpect::KEYS);
    }

    #[test]
    fn every_table_is_listed_once() {
        let tables = key_tables(&crate::models::builtin());
        for (i, t) in tables.iter().enumerate() {
            assert!(!t.keys.is_empty(), "{}", t.path);
            assert!(
                tables[..i].iter().all(|u| u.path != t.path),
                "{} twice",
                t.path
            );
        }
    }
}
