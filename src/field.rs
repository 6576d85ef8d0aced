//! [`FieldError`]: a problem with one value of a scenario, found by whoever
//! reads that value (the scenario loader, a model reading its own tables, a
//! distribution). It carries where the value is (a byte span of the scenario
//! text, or a dotted key when there is no span, e.g. a missing key) and what
//! is wrong; the scenario loader turns it into a file:line:column message.
//!
//! Also here: [`KeyTable`], one table of the scenario format with the keys
//! it accepts, and [`accepted_by`], which asks serde for a raw type's keys
//! (how tests check each raw type's `KEYS` list).

use std::borrow::Cow;
use std::ops::Range;

/// A problem with one value: where it is (a span of the scenario source,
/// when known) and what is wrong.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldError {
    /// Byte span of the offending value in the source.
    pub span: Option<Range<usize>>,
    /// Dotted key path, when the span is not known (e.g. a missing key).
    pub key: Option<String>,
    /// What was expected, and the fix.
    pub message: String,
}

impl FieldError {
    /// An error about the value held by `spanned`.
    pub fn at<T>(spanned: &toml::Spanned<T>, message: impl Into<String>) -> Self {
        FieldError {
            span: Some(spanned.span()),
            key: None,
            message: message.into(),
        }
    }
    /// An error about the key `key` (dotted path), e.g. a missing one.
    pub fn key(key: impl Into<String>, message: impl Into<String>) -> Self {
        FieldError {
            span: None,
            key: Some(key.into()),
            message: message.into(),
        }
    }
    /// A parse error of the TOML reader or of serde (a wrong type, an
    /// unknown key, a missing one), at its span. The loader names the key
    /// of a missing field from the span of the table that lacks it.
    pub fn from_toml(e: &toml::de::Error) -> Self {
        FieldError {
            span: e.span(),
            key: None,
            message: e.message().to_string(),
        }
    }
}

/// One table of the scenario format and the keys it accepts.
///
/// `path` is the table's dotted path with `*` for a name the user chooses
/// (`hosts.*.clock`); items of an array of tables are written with `[]`
/// (`hosts.*.clock.outages[]`, `expect[]`). A path starting with
/// `distribution` names a value form rather than a place (the keys of a
/// distribution table wherever one is written).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyTable {
    /// Where the table is.
    pub path: &'static str,
    /// Its keys, in the raw type's field order.
    pub keys: Cow<'static, [&'static str]>,
}

impl KeyTable {
    /// `path` with `keys`.
    pub const fn new(path: &'static str, keys: &'static [&'static str]) -> Self {
        KeyTable {
            path,
            keys: Cow::Borrowed(keys),
        }
    }
    /// `path` with `keys` built at run time (the top level, whose keys
    /// include every registered model's sections).
    pub fn owned(path: &'static str, keys: Vec<&'static str>) -> Self {
        KeyTable {
            path,
            keys: Cow::Owned(keys),
        }
    }
}

/// The names serde lists in an "unknown field `x`, expected one of `a`,
/// `b`" (or "expected `a` or `b`", "expected `a`") or "unknown variant"
/// message: how the tests check a `KEYS` list against the raw type itself.
pub fn listed_in(message: &str) -> Option<Vec<String>> {
    let (_, rest) = message.split_once("`, expected ")?;
    Some(
        rest.split('`')
            .skip(1)
            .step_by(2)
            .map(str::to_string)
            .collect(),
    )
}

/// The keys serde accepts in a table of type `T`: the list its error names
/// when given the unknown key `zzz_not_a_key` (`T` refuses unknown keys).
/// `wrap` puts the table where `T` is read (e.g. `{ uniform = TABLE }`).
pub fn accepted_by<T: serde::de::DeserializeOwned>(wrap: impl Fn(&str) -> String) -> Vec<String> {
    #[derive(serde::Deserialize)]
    struct Holder<T> {
        #[allow(dead_code)]
        v: T,
    }
    let text = format!("v = {}", wrap("{ zzz_not_a_key = 0 }"));
    match toml::from_str::<Holder<T>>(&text) {
        Ok(_) => panic!("{text}: an unknown key was accepted"),
        Err(e) => listed_in(e.message())
            .unwrap_or_else(|| panic!("{text}: no list of keys in `{}`", e.message())),
    }
}
