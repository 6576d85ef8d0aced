//! [`FieldError`]: a problem with one value of a scenario, found by whoever
//! reads that value (the scenario loader, a model reading its own tables, a
//! distribution). It carries where the value is (a byte span of the scenario
//! text, or a dotted key when there is no span, e.g. a missing key) and what
//! is wrong; the scenario loader turns it into a file:line:column message.

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
