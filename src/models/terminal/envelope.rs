//! The terminal model's back-of-envelope as `racesim estimate` prints it,
//! and when its closed form is only a bound.

use super::closed_form::{ClosedForm, per_year};
use super::config::{MatchSet, TerminalConfig};
use super::values::{Overflow, Scope};
use crate::model::BackOfEnvelope;

/// Why the back-of-envelope is only a bound for this configuration, if it
/// is: with a `{ window }` duplicate check (or alert scan), the closed form
/// counts the pairs a day or a batch would hold and assumes the window holds
/// none of the same-counter purchases (hours apart on a busy day), so it is
/// not the value a solve can bisect on.
pub fn closed_form_is_a_bound(cfg: &TerminalConfig) -> Option<String> {
    let window = |s: Scope| matches!(s, Scope::Window(_));
    if window(cfg.dedup_scope) {
        Some("with a { window } duplicate check the terminal closed form is a bound (it assumes the window never holds two same-counter purchases), not the value".into())
    } else if cfg.alert.is_some_and(window) {
        Some("with a { window } alert scan the terminal closed form is a bound (it assumes the window never holds two same-counter purchases), not the value".into())
    } else {
        None
    }
}

/// The back-of-envelope of the scenario, as `racesim estimate` prints it.
pub fn back_of_envelope(cfg: &TerminalConfig, days: u32) -> BackOfEnvelope {
    let cf = ClosedForm::new(cfg);
    let year = per_year(cfg);
    let r = cfg.range;
    let mut rep = BackOfEnvelope::default();
    let mut fig =
        |name: &str, v: f64, unit: &str| rep.figures.push((name.to_string(), v, unit.to_string()));
    let fr = cf.false_reversals(cfg);
    if let Some((f, naive)) = fr {
        fig("false_reversals_per_year", f * year, "/year");
        fig("false_reversals_per_year_naive", naive * year, "/year");
        fig(
            "false_reversals",
            f * f64::from(cfg.terminals) * f64::from(days),
            &format!("per {days}-day replication"),
        );
    }
    if let Some((l, _)) = cf.lost_cents(cfg) {
        fig("lost_amount_per_year", l * year / 100.0, "/year");
    }
    fig("overflow_days_per_year", cf.p_overflow * year, "/year");
    if cfg.overflow == Overflow::NewBatch {
        fig("extra_batches_per_year", cf.extra_batches * year, "/year");
    }
    if let Some(a) = cf.alerts(cfg) {
        fig("alerts_per_year", a * year, "/year");
    }
    if let Some(a) = cf.false_alerts(cfg) {
        fig("false_alerts_per_year", a * year, "/year");
    }
    fig("counter_sharing_pairs_per_terminal_day", cf.excess, "");
    fig("q", cf.q, "");
    fig("q_naive", cf.q_naive, "");

    let (s, n_reg, rv, so) = cfg.customers();
    let notes = &mut rep.notes;
    notes.push(format!(
        "false reversals per terminal-day = E[max(0, N - {r})] * q, with N the day's count \
         (pairs sharing a counter value under rollover, exact for N <= {})",
        2 * u64::from(r)
    ));
    notes.push(format!(
        "E[N] = {:.1} per terminal-day, E[max(0, N - {r})] = {:.4e}, P(N > {r}) = {:.4}",
        cf.mean_n, cf.excess, cf.p_overflow
    ));
    notes.push(format!(
        "q = (s^2 / regulars) * (same_order^2 + (1 - same_order^2) * sum p_i^2) \
         = ({s}^2 / {n_reg}) * ({so}^2 + (1 - {so}^2) * {:.4}) = {:.4e}",
        cfg.menu.sum_p2(),
        cf.q
    ));
    notes.push(format!(
        "naive (card and amount independent): q = (s^2 / regulars) * sum p_i^2 = {:.4e}",
        cf.q_naive
    ));
    notes.push(format!(
        "fleet-year = {} terminals * 365 days",
        cfg.terminals
    ));
    if cf.p_beyond_pairs > 1e-3 {
        notes.push(format!(
            "P(N > {}) = {:.3}: on those days a counter value is used three times or more, \
             and max(0, N - {r}) undercounts the pairs sharing it",
            2 * u64::from(r),
            cf.p_beyond_pairs
        ));
    }
    if rv > 0.0 {
        notes.push(format!(
            "return visits ({rv}) make the same card far likelier than s^2 / regulars: \
             the closed form is a lower bound"
        ));
    }
    if cfg.resubmit_probability > 0.0
        && let Some(td) = cf.true_duplicates(cfg)
    {
        notes.push(format!(
            "resubmissions ({}) are true duplicates: they add {td:.4e} true duplicates per \
             terminal-day and do not change the false reversals (to first order)",
            cfg.resubmit_probability,
        ));
    }
    if cfg.dedup_follows_processor() {
        notes.push(
            "the processor's day follows its own clock: the closed form does not cover \
             reversals, true duplicates and alerts split by its day cut"
                .to_string(),
        );
    }
    if cfg.overflow == Overflow::NewBatch && cfg.dedup_scope == Scope::Batch {
        notes.push(
            "new_batch with a batch-scoped check: a counter value never repeats within a \
             batch, so no false reversal; the cost is the extra batches"
                .to_string(),
        );
    }
    if cfg.dedup_match != MatchSet::ALL {
        rep.not_applicable = Some(format!(
            "the processor's key is {:?}, not counter + card + amount: the closed form \
             does not cover it",
            cfg.dedup_match.fields()
        ));
    } else if let Scope::Window(w) = cfg.dedup_scope {
        rep.not_applicable = Some(format!(
            "the processor only pairs requests within {w}: two purchases that share a counter \
             are hours apart on a busy day, so it reverses almost none of them; the day-scope \
             figure E[max(0, N - {r})] * q = {:.4e} per year is an upper bound",
            cf.excess * cf.q * year
        ));
    }
    rep
}
