//! A terminal replication's tallies: the raw columns as exact sums
//! ([`Tally`]), fractional ones in fixed point ([`Fixed`]), so the parts of
//! a replication run by different shards add up to the same bits.

const TWO_POW_64: f64 = 18_446_744_073_709_551_616.0;

/// A non-negative fixed-point sum in units of 2^-64: exact and associative, so
/// the conditional estimator's fractional counts add up to the same bits
/// whatever the order (terminals, shards).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Fixed(u128);

impl Fixed {
    #[inline]
    pub(super) fn add_count(&mut self, n: u64) {
        self.0 += u128::from(n) << 64;
    }
    #[inline]
    pub(super) fn add_f64(&mut self, x: f64) {
        // x >= 0 and far below 2^64; the cast rounds toward zero.
        self.0 += (x * TWO_POW_64) as u128;
    }
    pub(super) fn merge(&mut self, o: Fixed) {
        self.0 += o.0;
    }
    pub(super) fn to_f64(self) -> f64 {
        self.0 as f64 / TWO_POW_64
    }
    /// The raw sum in units of 2^-64 (whole part in the high 64 bits).
    pub(super) fn to_bits(self) -> u128 {
        self.0
    }
    /// A sum from [`Self::to_bits`].
    pub(super) fn from_bits(bits: u128) -> Fixed {
        Fixed(bits)
    }
}

/// The raw counts of a terminal-day, a day of the fleet or a replication.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Tally {
    pub transactions: u64,
    pub terminal_days: u64,
    pub overflow_days: u64,
    pub extra_batches: u64,
    pub counter_excess: u64,
    pub resubmissions: u64,
    pub true_duplicates: u64,
    pub missed_duplicates: u64,
    pub false_reversals: Fixed,
    pub lost_cents: Fixed,
    pub alerts: Fixed,
    pub false_alerts: Fixed,
    /// Purchases whose processor day is not the terminal's (clocks only).
    pub day_mismatches: u64,
}

impl Tally {
    pub(super) fn merge(&mut self, o: &Tally) {
        self.transactions += o.transactions;
        self.terminal_days += o.terminal_days;
        self.overflow_days += o.overflow_days;
        self.extra_batches += o.extra_batches;
        self.counter_excess += o.counter_excess;
        self.resubmissions += o.resubmissions;
        self.true_duplicates += o.true_duplicates;
        self.missed_duplicates += o.missed_duplicates;
        self.false_reversals.merge(o.false_reversals);
        self.lost_cents.merge(o.lost_cents);
        self.alerts.merge(o.alerts);
        self.false_alerts.merge(o.false_alerts);
        self.day_mismatches += o.day_mismatches;
    }

    /// Values in the order of [`super::metrics::COLUMNS`], then
    /// `day_mismatches` if `clocks` (a scenario with terminal clocks).
    pub(super) fn values(&self, clocks: bool) -> Vec<f64> {
        let mut v = vec![
            self.transactions as f64,
            self.terminal_days as f64,
            self.overflow_days as f64,
            self.extra_batches as f64,
            self.counter_excess as f64,
            self.resubmissions as f64,
            self.true_duplicates as f64,
            self.missed_duplicates as f64,
            self.false_reversals.to_f64(),
            self.lost_cents.to_f64() / 100.0,
            self.alerts.to_f64(),
            self.false_alerts.to_f64(),
        ];
        if clocks {
            v.push(self.day_mismatches as f64);
        }
        v
    }

    /// Exact sums in the order of [`super::metrics::COLUMNS`]: counts as they are,
    /// fractional sums in their fixed-point units (2^-64; cents for
    /// `lost_amount`). Partial tallies of disjoint sets of terminals add up,
    /// field by field, to the whole one. `day_mismatches` last if `clocks`.
    pub(super) fn raw(&self, clocks: bool) -> Vec<u128> {
        let mut v = vec![
            u128::from(self.transactions),
            u128::from(self.terminal_days),
            u128::from(self.overflow_days),
            u128::from(self.extra_batches),
            u128::from(self.counter_excess),
            u128::from(self.resubmissions),
            u128::from(self.true_duplicates),
            u128::from(self.missed_duplicates),
            self.false_reversals.0,
            self.lost_cents.0,
            self.alerts.0,
            self.false_alerts.0,
        ];
        if clocks {
            v.push(u128::from(self.day_mismatches));
        }
        v
    }

    /// The tally whose [`Tally::raw`] is `raw` (`None` unless it has one
    /// entry per column, `day_mismatches` included or not, and every count
    /// fits).
    pub(super) fn from_raw(raw: &[u128]) -> Option<Tally> {
        let c = |v: &u128| u64::try_from(*v).ok();
        let (raw, day_mismatches) = match raw {
            [base @ .., m] if raw.len() == super::metrics::COLUMNS.len() + 1 => (base, c(m)?),
            _ => (raw, 0),
        };
        let [t, td, od, eb, ce, rs, tdup, md, fr, lc, al, fa] = raw else {
            return None;
        };
        Some(Tally {
            transactions: c(t)?,
            terminal_days: c(td)?,
            overflow_days: c(od)?,
            extra_batches: c(eb)?,
            counter_excess: c(ce)?,
            resubmissions: c(rs)?,
            true_duplicates: c(tdup)?,
            missed_duplicates: c(md)?,
            false_reversals: Fixed(*fr),
            lost_cents: Fixed(*lc),
            alerts: Fixed(*al),
            false_alerts: Fixed(*fa),
            day_mismatches,
        })
    }

    /// Values in the order of [`super::metrics::DAILY_COLUMNS`].
    pub(super) fn daily_values(&self) -> Vec<f64> {
        vec![
            self.transactions as f64,
            self.overflow_days as f64,
            self.extra_batches as f64,
            self.true_duplicates as f64,
            self.false_reversals.to_f64(),
            self.lost_cents.to_f64() / 100.0,
            self.alerts.to_f64(),
            self.false_alerts.to_f64(),
        ]
    }
}
