//! Helpers shared by the statistics' unit tests.

/// Relative tolerance for comparisons with published values (printed to
/// 5-7 significant digits).
pub(crate) const PUBLISHED: f64 = 1e-4;

#[track_caller]
pub(crate) fn close(actual: f64, expected: f64, rel: f64) {
    let scale = expected.abs().max(1e-300);
    assert!(
        (actual - expected).abs() <= rel * scale,
        "{actual} is not within {rel} (relative) of {expected}"
    );
}

#[track_caller]
pub(crate) fn close_pair(actual: (f64, f64), expected: (f64, f64), rel: f64) {
    close(actual.0, expected.0, rel);
    close(actual.1, expected.1, rel);
}
