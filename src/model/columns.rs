//! Per-replication columns: their names, what each may hold, and the check
//! `merge` applies to every row it reads back.

use std::borrow::Cow;

use super::Estimator;

/// A column or metric name. The crate's models name theirs with static
/// strings; a model whose names depend on the scenario (one set per named
/// failure) builds them.
pub type Name = Cow<'static, str>;

/// One per-replication column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// Its name in `replications.csv`.
    pub name: Name,
    /// What it may hold.
    pub rule: ColumnRule,
}

impl Column {
    /// A column named `name` under `rule`.
    pub fn new(name: impl Into<Name>, rule: ColumnRule) -> Self {
        Column {
            name: name.into(),
            rule,
        }
    }
}

/// What a per-replication column may hold, checked when rows are read back
/// (`merge`): every value is finite; these add more.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnRule {
    /// A count: a whole number (with the `sample` estimator, or always for
    /// counts no estimator makes fractional), at least 0 and at most 2^53.
    pub count: Whole,
    /// At least 0 (counts and amounts).
    pub non_negative: bool,
    /// At most the value of this column (a numerator and its denominator).
    pub at_most: Option<Name>,
}

/// When a column holds whole numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Whole {
    /// Always (users, transactions...).
    Always,
    /// With the `sample` estimator; the rare-event ones write expected or
    /// weighted counts, which are fractional.
    Sample,
    /// Never required (amounts, sums).
    Never,
}

impl ColumnRule {
    /// A whole count.
    pub const fn count() -> Self {
        ColumnRule {
            count: Whole::Always,
            non_negative: true,
            at_most: None,
        }
    }
    /// A count of at most `of`.
    pub const fn count_of(of: &'static str) -> Self {
        ColumnRule {
            count: Whole::Always,
            non_negative: true,
            at_most: Some(Cow::Borrowed(of)),
        }
    }
    /// A count a rare-event estimator makes an expectation, at most `of`
    /// when given.
    pub const fn expected(of: Option<&'static str>) -> Self {
        ColumnRule {
            count: Whole::Sample,
            non_negative: true,
            at_most: match of {
                Some(o) => Some(Cow::Borrowed(o)),
                None => None,
            },
        }
    }
    /// A non-negative amount.
    pub const fn amount() -> Self {
        ColumnRule {
            count: Whole::Never,
            non_negative: true,
            at_most: None,
        }
    }
    /// A sum of either sign.
    pub const fn sum() -> Self {
        ColumnRule {
            count: Whole::Never,
            non_negative: false,
            at_most: None,
        }
    }
}

/// The largest count a row may hold: 2^53, where whole `f64`s stop being
/// exact (no run counts that far).
pub const MAX_COUNT: f64 = 9_007_199_254_740_992.0;

/// Checks one row of per-replication `values` (in the order of `columns`)
/// written under `estimator`; the error names the column and the value.
pub fn check_row(columns: &[Column], values: &[f64], estimator: Estimator) -> Result<(), String> {
    if values.len() != columns.len() {
        return Err(format!(
            "{} value(s) where the model has {} column(s)",
            values.len(),
            columns.len()
        ));
    }
    for (Column { name, rule }, &v) in columns.iter().zip(values) {
        if !v.is_finite() {
            return Err(format!("`{name}` is {v}, not a finite number"));
        }
        if rule.non_negative && v < 0.0 {
            return Err(format!("`{name}` is {v}, below 0"));
        }
        let whole = match rule.count {
            Whole::Always => true,
            Whole::Sample => estimator == Estimator::Sample,
            Whole::Never => false,
        };
        if whole && v.fract() != 0.0 {
            return Err(format!("`{name}` is {v}, not a whole number"));
        }
        if rule.count != Whole::Never && v > MAX_COUNT {
            return Err(format!("`{name}` is {v}, beyond any count a run makes"));
        }
        if let Some(of) = &rule.at_most
            && let Some(i) = columns.iter().position(|c| c.name == *of)
            && v > values[i]
        {
            return Err(format!(
                "`{name}` is {v}, more than `{of}` ({}), which counts it",
                values[i]
            ));
        }
    }
    Ok(())
}
