//! How many replications an interval needs to reach a target precision.

/// How many replications would shrink an interval's half-width from
/// `half_width` (measured with `current_n` replications) to
/// `target_half_width`: `ceil(current_n * (half_width / target)²)`, since the
/// half-width falls as `1 / sqrt(n)`. Used by `check` to say how many
/// replications would decide an inconclusive check; the t quantile also shrinks
/// as `n` grows, so the figure errs on the side of too many.
///
/// Never less than `current_n` nor 2. When no finite number can be promised (a
/// non-finite `half_width`, e.g. from a single replication, or a target that is
/// not positive) it returns `usize::MAX`; the caller then says "more".
pub fn replications_needed(current_n: usize, half_width: f64, target_half_width: f64) -> usize {
    if !half_width.is_finite() || target_half_width.is_nan() || target_half_width <= 0.0 {
        return usize::MAX;
    }
    let ratio = half_width / target_half_width;
    // `as` saturates, so a huge ratio gives usize::MAX rather than wrapping.
    let needed = (current_n as f64 * ratio * ratio).ceil() as usize;
    needed.max(current_n).max(2)
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replications_needed_scales_quadratically() {
        assert_eq!(replications_needed(10, 2.0, 1.0), 40);
        assert_eq!(replications_needed(10, 1.0, 2.0), 10);
        assert_eq!(replications_needed(10, 3.0, 2.0), 23);
        assert_eq!(replications_needed(1, 0.0, 1.0), 2);
        assert_eq!(replications_needed(1, f64::NAN, 1.0), usize::MAX);
        assert_eq!(replications_needed(10, 1.0, 0.0), usize::MAX);
        assert_eq!(replications_needed(10, 1e200, 1e-200), usize::MAX);
    }
}
