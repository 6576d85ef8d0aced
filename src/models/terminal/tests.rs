//! Tests of the terminal model: simulated figures against the closed form,
//! the policies, the duplicate check, the estimators, determinism and the
//! configuration errors.

use std::path::Path;

use super::closed_form::ClosedForm;
use super::*;
use crate::engine::Streams;
use crate::model::Estimator;
use crate::time::SimDuration;

/// How many standard errors a simulated mean may be from its closed form.
const Z: f64 = 3.3;

#[derive(serde::Deserialize)]
struct Doc {
    terminal: RawTerminal,
}

fn parse(text: &str) -> Result<TerminalConfig, String> {
    let doc: Doc = toml::from_str(text).map_err(|e| e.to_string())?;
    TerminalConfig::from_raw(&doc.terminal, Path::new(".")).map_err(|e| e.message)
}

#[track_caller]
fn config(text: &str) -> TerminalConfig {
    match parse(text) {
        Ok(c) => c,
        Err(e) => panic!("config refused: {e}"),
    }
}

#[track_caller]
fn refused(text: &str, expect: &str) {
    match parse(text) {
        Ok(_) => panic!("accepted, expected an error containing {expect:?}"),
        Err(e) => assert!(e.contains(expect), "error {e:?} lacks {expect:?}"),
    }
}

fn run(cfg: &TerminalConfig, days: u32, reps: u64, seed: u64, est: Estimator) -> Vec<RepOutput> {
    (0..reps)
        .map(|k| run_replication(cfg, days, Streams::new(seed, k), est).expect("runs"))
        .collect()
}

/// Mean and standard error over replications of `num / den`.
fn rate(outs: &[RepOutput], num: usize, den: usize) -> (f64, f64) {
    let x: Vec<f64> = outs.iter().map(|o| o.values[num] / o.values[den]).collect();
    let n = x.len() as f64;
    let mean = x.iter().sum::<f64>() / n;
    let var = x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, (var / n).sqrt())
}

fn total(outs: &[RepOutput], c: usize) -> f64 {
    outs.iter().map(|o| o.values[c]).sum()
}

/// `sim` (mean, standard error) agrees with `expected` within `Z` standard
/// errors (exactly, if every replication gave the same value).
#[track_caller]
fn agrees(what: &str, sim: (f64, f64), expected: f64) {
    let (mean, se) = sim;
    let tol = if se > 0.0 {
        Z * se
    } else {
        1e-9 * expected.abs().max(1.0)
    };
    assert!(
        (mean - expected).abs() <= tol,
        "{what}: simulated {mean:.6} +/- {se:.6} (se), closed form {expected:.6}"
    );
}

const MENU2: &str = r#"
[terminal.menu]
prices = [{ price = "3.00", weight = 1 }, { price = "4.50", weight = 1 }]
"#;

const MENU4: &str = r#"
[terminal.menu]
prices = [
  { price = "2.80", weight = 4 },
  { price = "3.20", weight = 3 },
  { price = "4.50", weight = 2 },
  { price = "2.10", weight = 1 },
]
"#;

fn fleet(head: &str, customers: &str, menu: &str, tail: &str) -> TerminalConfig {
    config(&format!(
        "[terminal]\n{head}\n[terminal.customers]\n{customers}\n{menu}\n{tail}"
    ))
}

/// Closed-form false reversals per terminal-day.
fn fr_closed(cfg: &TerminalConfig) -> (f64, f64) {
    ClosedForm::new(cfg)
        .false_reversals(cfg)
        .expect("closed form applies")
}

// "Done when": with return visits off and no resubmissions, simulated false
// reversals per fleet-year agree with E[max(0, N - 999)] * q on three fleets,
// one of which never overflows (zero, and a closed form that is zero too).

#[test]
fn a_fleet_that_never_overflows_has_no_false_reversal() {
    let cfg = fleet(
        "terminals = 20\ndaily_transactions = 300\n[terminal.dedup]\nscope = \"day\"",
        "regular_share = 0.5\nregulars = 20\nsame_order = 0.5",
        MENU2,
        "",
    );
    let outs = run(&cfg, 30, 8, 11, Estimator::Sample);
    assert_eq!(total(&outs, col::FALSE_REVERSALS), 0.0);
    assert_eq!(total(&outs, col::OVERFLOW_DAYS), 0.0);
    let m = metrics(&cfg, 30);
    let per_year = m
        .iter()
        .find(|d| d.name == "false_reversals_per_year")
        .unwrap();
    assert!(
        per_year.closed_form.unwrap() < 1e-100,
        "{:?}",
        per_year.closed_form
    );
    assert!(per_year.closed_form_naive.unwrap() < 1e-100);
}

#[test]
fn busy_fleet_agrees_with_closed_form() {
    // Every terminal at 1100 a day: E[max(0, N - 999)] = 101.8.
    let cfg = fleet(
        "terminals = 10\ndaily_transactions = 1100",
        "regular_share = 0.5\nregulars = 20",
        MENU2,
        "",
    );
    let outs = run(&cfg, 30, 20, 21, Estimator::Sample);
    let (q_closed, naive) = fr_closed(&cfg);
    assert_eq!(q_closed, naive, "without usual orders both forms agree");
    agrees(
        "false reversals per terminal-day",
        rate(&outs, col::FALSE_REVERSALS, col::TERMINAL_DAYS),
        q_closed,
    );
    agrees(
        "counter excess per terminal-day",
        rate(&outs, col::COUNTER_EXCESS, col::TERMINAL_DAYS),
        ClosedForm::new(&cfg).excess,
    );
}

#[test]
fn mixed_fleet_with_usual_orders_agrees_with_closed_form() {
    // Three quiet terminals in four, one busy; regulars order their usual
    // 60% of the time, so the naive form is too low.
    let cfg = fleet(
        "terminals = 20\ndaily_transactions = { choice = [{ value = 600, weight = 3 }, { value = 1050, weight = 1 }] }",
        "regular_share = 0.5\nregulars = 20\nsame_order = 0.6",
        MENU4,
        "",
    );
    let outs = run(&cfg, 30, 24, 31, Estimator::Sample);
    let (closed, naive) = fr_closed(&cfg);
    assert!(
        closed > 1.5 * naive,
        "usual orders matter: {closed} vs {naive}"
    );
    agrees(
        "false reversals per terminal-day",
        rate(&outs, col::FALSE_REVERSALS, col::TERMINAL_DAYS),
        closed,
    );
    // The lost amount follows the amounts that collide.
    let lost = ClosedForm::new(&cfg).lost_cents(&cfg).unwrap().0 / 100.0;
    agrees(
        "lost amount per terminal-day",
        rate(&outs, col::LOST_AMOUNT, col::TERMINAL_DAYS),
        lost,
    );
    // The per-year metric is the same rate scaled to the fleet.
    let m = metrics(&cfg, 30);
    let py = m
        .iter()
        .find(|d| d.name == "false_reversals_per_year")
        .unwrap();
    assert!((py.closed_form.unwrap() - closed * 20.0 * 365.0).abs() < 1e-9);
}

#[test]
fn fixed_counts_agree_with_closed_form() {
    // `fixed`: every terminal-day has exactly 1200 purchases, 201 pairs.
    let cfg = fleet(
        "terminals = 10\ndaily_transactions = 1200\nday_to_day = \"fixed\"",
        "regular_share = 0.4\nregulars = 10\nsame_order = 0.3",
        MENU4,
        "",
    );
    assert_eq!(ClosedForm::new(&cfg).excess, 201.0);
    let outs = run(&cfg, 20, 20, 41, Estimator::Sample);
    assert_eq!(
        total(&outs, col::COUNTER_EXCESS),
        201.0 * 10.0 * 20.0 * 20.0
    );
    agrees(
        "false reversals per terminal-day",
        rate(&outs, col::FALSE_REVERSALS, col::TERMINAL_DAYS),
        fr_closed(&cfg).0,
    );
}

// "Done when": new_batch with batch scope gives zero false reversals and the
// expected extra batches.

#[test]
fn new_batch_with_batch_scope_reverses_nothing_and_opens_extra_batches() {
    let cfg = fleet(
        "terminals = 10\noverflow = \"new_batch\"\ndaily_transactions = { choice = [{ value = 900, weight = 1 }, { value = 1100, weight = 1 }, { value = 2100, weight = 1 }] }",
        "regular_share = 0.5\nregulars = 20",
        MENU2,
        "[terminal.dedup]\nscope = \"batch\"",
    );
    let outs = run(&cfg, 30, 20, 51, Estimator::Sample);
    assert_eq!(total(&outs, col::FALSE_REVERSALS), 0.0);
    let cf = ClosedForm::new(&cfg);
    assert!(cf.extra_batches > 1.0 / 3.0 && cf.extra_batches < 1.0);
    agrees(
        "extra batches per terminal-day",
        rate(&outs, col::EXTRA_BATCHES, col::TERMINAL_DAYS),
        cf.extra_batches,
    );
    agrees(
        "overflow days per terminal-day",
        rate(&outs, col::OVERFLOW_DAYS, col::TERMINAL_DAYS),
        cf.p_overflow,
    );
    let m = metrics(&cfg, 30);
    let fr = m
        .iter()
        .find(|d| d.name == "false_reversals_per_year")
        .unwrap();
    assert_eq!(fr.closed_form, Some(0.0));
}

#[test]
fn new_batch_with_day_scope_reverses_exactly_like_rollover() {
    // Counter values restart in each batch, so a day-scoped check pairs the
    // same purchases as under rollover: same streams, same reversals.
    let body = |overflow: &str| {
        fleet(
            &format!("terminals = 5\ndaily_transactions = 1150\noverflow = \"{overflow}\""),
            "regular_share = 0.5\nregulars = 15\nsame_order = 0.5",
            MENU2,
            "[terminal.dedup]\nscope = \"day\"",
        )
    };
    let (a, b) = (body("rollover"), body("new_batch"));
    let (ra, rb) = (
        run(&a, 10, 4, 61, Estimator::Sample),
        run(&b, 10, 4, 61, Estimator::Sample),
    );
    assert!(total(&ra, col::FALSE_REVERSALS) > 0.0);
    for (x, y) in ra.iter().zip(&rb) {
        assert_eq!(
            x.values[col::FALSE_REVERSALS],
            y.values[col::FALSE_REVERSALS]
        );
        assert_eq!(x.values[col::LOST_AMOUNT], y.values[col::LOST_AMOUNT]);
        assert_eq!(x.values[col::EXTRA_BATCHES], 0.0);
        assert!(y.values[col::EXTRA_BATCHES] > 0.0);
    }
}

// "Done when": resubmissions are true duplicates, never false reversals.

#[test]
fn resubmissions_are_true_duplicates_never_false_reversals() {
    let cfg = fleet(
        "terminals = 10\ndaily_transactions = 400",
        "regular_share = 0.5\nregulars = 5\nsame_order = 0.9\nreturn_visit = 0.2",
        MENU2,
        "[terminal.resubmit]\nprobability = 0.05\ndelay = \"20s\"\n[terminal.dedup]\nscope = \"day\"\n[terminal.alert]",
    );
    let outs = run(&cfg, 20, 4, 71, Estimator::Sample);
    let resub = total(&outs, col::RESUBMISSIONS);
    assert!(resub > 1000.0, "{resub}");
    assert_eq!(total(&outs, col::TRUE_DUPLICATES), resub);
    assert_eq!(total(&outs, col::MISSED_DUPLICATES), 0.0);
    assert_eq!(total(&outs, col::FALSE_REVERSALS), 0.0);
    // The scan flags each of them, and each matches a reversal.
    assert_eq!(total(&outs, col::ALERTS), resub);
    assert_eq!(total(&outs, col::FALSE_ALERTS), 0.0);
    let cf = ClosedForm::new(&cfg);
    agrees(
        "resubmissions per terminal-day",
        rate(&outs, col::RESUBMISSIONS, col::TERMINAL_DAYS),
        cf.resubmissions,
    );
}

#[test]
fn a_window_shorter_than_the_resubmission_delay_misses_them() {
    let cfg = fleet(
        "terminals = 4\ndaily_transactions = 400",
        "regular_share = 0.5\nregulars = 5",
        MENU2,
        "[terminal.resubmit]\nprobability = 0.05\ndelay = \"20s\"\n[terminal.dedup]\nscope = { window = \"10s\" }",
    );
    let outs = run(&cfg, 10, 2, 81, Estimator::Sample);
    let resub = total(&outs, col::RESUBMISSIONS);
    assert!(resub > 0.0);
    assert_eq!(total(&outs, col::MISSED_DUPLICATES), resub);
    assert_eq!(total(&outs, col::TRUE_DUPLICATES), 0.0);
}

#[test]
fn resubmissions_on_busy_days_leave_false_reversals_to_the_closed_form() {
    let cfg = fleet(
        "terminals = 10\ndaily_transactions = 1100",
        "regular_share = 0.5\nregulars = 20",
        MENU2,
        "[terminal.resubmit]\nprobability = 0.02\ndelay = { uniform = { low = \"5s\", high = \"60s\" } }\n[terminal.dedup]\nscope = \"day\"",
    );
    let outs = run(&cfg, 30, 20, 91, Estimator::Sample);
    agrees(
        "false reversals per terminal-day",
        rate(&outs, col::FALSE_REVERSALS, col::TERMINAL_DAYS),
        fr_closed(&cfg).0,
    );
    // A resubmission is caught unless a distinct purchase with its key came
    // in between (a false reversal, rare).
    let (resub, dup) = (
        total(&outs, col::RESUBMISSIONS),
        total(&outs, col::TRUE_DUPLICATES),
    );
    assert!(dup <= resub && dup >= resub - 5.0, "{dup} of {resub}");
}

// "Done when": a window narrower than the gap between same-counter
// transactions gives zero reversals while the day-scope alert still fires.

#[test]
fn a_short_window_reverses_nothing_while_the_day_alert_fires() {
    let cfg = fleet(
        "terminals = 10\ndaily_transactions = 1100",
        "regular_share = 0.5\nregulars = 20\nsame_order = 0.5",
        MENU2,
        "[terminal.dedup]\nscope = { window = \"10m\" }\n[terminal.alert]\nscope = \"day\"",
    );
    let outs = run(&cfg, 30, 20, 101, Estimator::Sample);
    assert_eq!(total(&outs, col::FALSE_REVERSALS), 0.0);
    let alerts = total(&outs, col::ALERTS);
    assert!(alerts > 100.0, "{alerts}");
    assert_eq!(total(&outs, col::FALSE_ALERTS), alerts);
    let cf = ClosedForm::new(&cfg);
    agrees(
        "alerts per terminal-day",
        rate(&outs, col::ALERTS, col::TERMINAL_DAYS),
        cf.alerts(&cfg).unwrap(),
    );
    assert_eq!(cf.alerts(&cfg), cf.false_alerts(&cfg));
    assert!(back_of_envelope(&cfg, 30).not_applicable.is_some());
}

#[test]
fn alerts_match_reversals_when_scopes_agree() {
    let cfg = fleet(
        "terminals = 10\ndaily_transactions = 1100",
        "regular_share = 0.5\nregulars = 20",
        MENU2,
        "[terminal.dedup]\nscope = \"day\"\n[terminal.alert]",
    );
    let outs = run(&cfg, 10, 4, 111, Estimator::Sample);
    assert!(total(&outs, col::FALSE_REVERSALS) > 0.0);
    assert_eq!(
        total(&outs, col::ALERTS),
        total(&outs, col::FALSE_REVERSALS)
    );
    assert_eq!(total(&outs, col::FALSE_ALERTS), 0.0);
}

// Estimators.

/// Both estimators agree within their intervals on `cols`; on `rare` (rare
/// events, whose variance the conditional estimator removes) the conditional
/// one is also the more precise.
#[track_caller]
fn estimators_agree(
    cfg: &TerminalConfig,
    days: u32,
    reps: u64,
    seed: u64,
    cols: &[usize],
    rare: &[usize],
) {
    let s = run(cfg, days, reps, seed, Estimator::Sample);
    let c = run(cfg, days, reps, seed, Estimator::Conditional);
    for &k in cols {
        let (ms, ss) = rate(&s, k, col::TERMINAL_DAYS);
        let (mc, sc) = rate(&c, k, col::TERMINAL_DAYS);
        let tol = Z * (ss * ss + sc * sc).sqrt();
        assert!(
            (ms - mc).abs() <= tol,
            "{}: sample {ms:.6} +/- {ss:.6}, conditional {mc:.6} +/- {sc:.6}",
            COLUMNS[k]
        );
        if rare.contains(&k) {
            assert!(
                sc < ss,
                "{}: conditional se {sc} not below sample {ss}",
                COLUMNS[k]
            );
        }
    }
    // Counts the estimator does not touch are identical.
    for k in [
        col::TRANSACTIONS,
        col::COUNTER_EXCESS,
        col::RESUBMISSIONS,
        col::TRUE_DUPLICATES,
    ] {
        assert_eq!(total(&s, k), total(&c, k), "{}", COLUMNS[k]);
    }
}

#[test]
fn conditional_and_sample_estimators_agree_with_return_visits() {
    let cfg = fleet(
        "terminals = 10\ndaily_transactions = { choice = [{ value = 700, weight = 1 }, { value = 1150, weight = 1 }] }",
        "regular_share = 0.4\nregulars = 30\nsame_order = 0.6\nreturn_visit = 0.05",
        MENU4,
        "[terminal.resubmit]\nprobability = 0.01\n[terminal.dedup]\nscope = \"day\"\n[terminal.alert]",
    );
    estimators_agree(
        &cfg,
        20,
        24,
        121,
        &[col::FALSE_REVERSALS, col::LOST_AMOUNT, col::ALERTS],
        // Alerts also count resubmissions, which are sampled in both.
        &[col::FALSE_REVERSALS, col::LOST_AMOUNT],
    );
}

#[test]
fn conditional_and_sample_estimators_agree_on_other_keys_and_windows() {
    // Amount and counter only (card not matched), a window about as long as
    // the gap between same-counter purchases (7.4 h at 1900 a day), and a
    // day-scope alert: exercises the amount-only probability and the window.
    let cfg = fleet(
        "terminals = 4\ndaily_transactions = 1900",
        "regular_share = 0.5\nregulars = 10\nsame_order = 0.7\nreturn_visit = 0.1",
        MENU4,
        "[terminal.dedup]\nmatch = [\"counter\", \"amount\"]\nscope = { window = \"7h30m\" }\n[terminal.alert]",
    );
    estimators_agree(
        &cfg,
        10,
        20,
        131,
        &[col::FALSE_REVERSALS, col::ALERTS, col::FALSE_ALERTS],
        // A shared amount is not rare: no variance to remove.
        &[],
    );
    // Counter and card only.
    let cfg = fleet(
        "terminals = 4\ndaily_transactions = 1100",
        "regular_share = 0.5\nregulars = 20\nreturn_visit = 0.1",
        MENU4,
        "[terminal.dedup]\nmatch = [\"counter\", \"card\"]\nscope = \"day\"",
    );
    estimators_agree(
        &cfg,
        10,
        20,
        141,
        &[col::FALSE_REVERSALS],
        &[col::FALSE_REVERSALS],
    );
}

// Determinism and outputs.

#[test]
fn same_seed_same_output_other_seed_other_output() {
    let cfg = fleet(
        "terminals = 6\ndaily_transactions = { uniform = { low = 800, high = 1300 } }",
        "regular_share = 0.5\nregulars = 20\nsame_order = 0.5\nreturn_visit = 0.05",
        MENU4,
        "[terminal.resubmit]\nprobability = 0.01\n[terminal.dedup]\nscope = \"day\"\n[terminal.alert]",
    );
    for est in [Estimator::Sample, Estimator::Conditional] {
        let a = run_replication(&cfg, 10, Streams::new(7, 3), est).unwrap();
        let b = run_replication(&cfg, 10, Streams::new(7, 3), est).unwrap();
        assert_eq!(a, b);
        let c = run_replication(&cfg, 10, Streams::new(8, 3), est).unwrap();
        assert_ne!(a.values, c.values);
    }
}

#[test]
fn columns_and_daily_series_add_up() {
    let cfg = fleet(
        "terminals = 5\ndaily_transactions = 1100\noverflow = \"new_batch\"",
        "regular_share = 0.5\nregulars = 20",
        MENU2,
        "[terminal.dedup]\nscope = \"day\"\n[terminal.alert]",
    );
    let out = run_replication(&cfg, 12, Streams::new(1, 0), Estimator::Sample).unwrap();
    assert_eq!(out.values.len(), COLUMNS.len());
    assert_eq!(out.daily.len(), 12);
    assert_eq!(out.events, 5 * 12, "one event per terminal-day");
    for (k, name) in DAILY_COLUMNS.iter().enumerate() {
        let c = COLUMNS.iter().position(|n| n == name).unwrap();
        let sum: f64 = out.daily.iter().map(|d| d[k]).sum();
        assert!((sum - out.values[c]).abs() < 1e-9, "{name}");
    }
    assert_eq!(out.values[col::TERMINAL_DAYS], 60.0);
    // the names-only list (used by validation) is the metrics' names in order
    let names: Vec<_> = metrics(&cfg, 12)
        .iter()
        .map(|m| m.name.to_string())
        .collect();
    assert_eq!(names, super::METRIC_NAMES);
}

#[test]
fn the_first_false_reversal_is_traced() {
    let cfg = fleet(
        "terminals = 5\ndaily_transactions = 1100\nopen = \"07:00\"\nclose = \"19:30\"",
        "regular_share = 0.5\nregulars = 20\nsame_order = 0.5",
        MENU2,
        "[terminal.dedup]\nscope = \"day\"",
    );
    let t = find_false_reversal(&cfg, 10, Streams::new(1, 0)).expect("a false reversal");
    let (a, b) = (&t.reversed, &t.by);
    assert_eq!(a.counter, b.counter);
    assert_eq!(a.card, b.card);
    assert!(matches!(a.card, Card::Regular(_)));
    assert_eq!(a.amount_cents, b.amount_cents);
    assert!(b.position > a.position);
    assert_eq!((b.position - a.position) % 999, 0);
    assert_eq!((a.position - 1) % 999 + 1, a.counter);
    assert!(a.time_of_day < b.time_of_day);
    let (open, close) = (mins(7 * 60), mins(19 * 60 + 30));
    assert!(a.time_of_day >= open && b.time_of_day <= close);
    assert_eq!(
        b.at.as_nanos() % (86_400 * 1_000_000_000),
        b.time_of_day.as_nanos()
    );
    assert_eq!(
        t.matched_on,
        [MatchField::Counter, MatchField::Card, MatchField::Amount]
    );
    // It is the first: the days before it have none.
    let before = run_replication(&cfg, t.day, Streams::new(1, 0), Estimator::Sample).unwrap();
    assert_eq!(before.values[col::FALSE_REVERSALS], 0.0);
    // A fleet that never overflows has none to trace.
    let quiet = fleet(
        "terminals = 5\ndaily_transactions = 300",
        "regular_share = 0.5\nregulars = 20",
        MENU2,
        "",
    );
    assert!(find_false_reversal(&quiet, 10, Streams::new(1, 0)).is_none());
}

fn mins(m: i64) -> SimDuration {
    SimDuration::from_mins(m)
}

#[test]
fn the_hourly_profile_shapes_the_day() {
    // All the trade between 08:00 and 10:00: every traced time falls there.
    let cfg = fleet(
        "terminals = 3\ndaily_transactions = 1200\nopen = \"06:00\"\nclose = \"12:00\"\nhourly_profile = [0, 0, 1, 1, 0, 0]",
        "regular_share = 0.5\nregulars = 10",
        MENU2,
        "[terminal.dedup]\nscope = \"day\"",
    );
    let t = find_false_reversal(&cfg, 10, Streams::new(3, 0)).expect("a false reversal");
    for r in [&t.reversed, &t.by] {
        assert!(r.time_of_day >= mins(8 * 60) && r.time_of_day < mins(10 * 60));
    }
}

#[test]
fn estimate_reports_both_forms_and_caveats() {
    let cfg = fleet(
        "terminals = 50\ndaily_transactions = 1000",
        "regular_share = 0.3\nregulars = 100\nsame_order = 0.6\nreturn_visit = 0.05",
        MENU4,
        "[terminal.dedup]\nscope = \"day\"",
    );
    let rep = back_of_envelope(&cfg, 30);
    let get = |n: &str| rep.figures.iter().find(|f| f.0 == n).map(|f| f.1);
    let (f, naive) = (
        get("false_reversals_per_year").unwrap(),
        get("false_reversals_per_year_naive").unwrap(),
    );
    assert!(f > naive && naive > 0.0);
    assert!(rep.not_applicable.is_none());
    assert!(rep.notes.iter().any(|n| n.contains("lower bound")));
}

// Configuration.

const MIN: &str = "[terminal]\nterminals = 1\ndaily_transactions = 300\n[terminal.menu]\nprices = [{ price = \"4.50\" }]\n";

#[test]
fn defaults_follow_the_key_reference() {
    let c = config(MIN);
    assert_eq!(c.counter_range(), 999);
    assert_eq!(c.overflow(), Overflow::Rollover);
    assert_eq!(c.dedup_scope(), Scope::Batch);
    assert_eq!(c.dedup_match(), MatchSet::ALL);
    assert_eq!(c.alert_scope(), None);
    assert_eq!(c.customers(), (0.0, 100, 0.0, 0.0));
    assert_eq!(c.hours().weights.len(), 14);
    assert_eq!(c.menu().cents, [450]);
    let a = config(&format!("{MIN}[terminal.alert]\n"));
    assert_eq!(a.alert_scope(), Some(Scope::Day));
}

#[test]
fn money_is_parsed_to_cents() {
    assert_eq!(Money::parse("4.50").unwrap().cents, 450);
    assert_eq!(Money::parse("4.5").unwrap().cents, 450);
    assert_eq!(Money::parse("12").unwrap().cents, 1200);
    assert_eq!(Money::parse("0.05").unwrap().cents, 5);
    for bad in [
        "4.505",
        "-4.50",
        "4.",
        ".5",
        "4,50",
        "",
        "0",
        "0.00",
        "1e3",
        "99999999999999",
    ] {
        assert!(Money::parse(bad).is_err(), "{bad}");
    }
}

#[test]
fn bad_values_are_refused_with_clear_messages() {
    let with = |k: &str, v: &str| {
        MIN.replace(
            "daily_transactions = 300",
            &format!("daily_transactions = 300\n{k} = {v}"),
        )
    };
    refused(&with("counter_digits", "0"), "1 to 9 digits");
    refused(&with("counter_digits", "10"), "1 to 9 digits");
    refused(&MIN.replace("terminals = 1", "terminals = 0"), "fleet of 1");
    refused(&with("open", "\"20:00\""), "earlier than `close`");
    refused(&with("close", "\"25:00\""), "HH:MM");
    refused(
        &with("hourly_profile", "[1, 2, 3]"),
        "one weight per opening hour",
    );
    refused(
        &with("hourly_profile", "[0,0,0,0,0,0,0,0,0,0,0,0,0,0]"),
        "above zero",
    );
    refused(
        &with("hourly_profile", "[1,1,1,1,1,1,1,1,1,1,1,1,1,nan]"),
        "finite",
    );
    refused(&with("day_to_day", "\"fixd\""), "unknown variant");
    refused(&with("overflow", "\"new-batch\""), "new_batch");
    refused(&with("colour", "1"), "unknown field");
    refused(
        &format!("{MIN}[terminal.customers]\nregular_share = 1.5\n"),
        "from 0 to 1",
    );
    refused(
        &format!("{MIN}[terminal.customers]\nreturn_visit = nan\n"),
        "from 0 to 1",
    );
    refused(
        &format!("{MIN}[terminal.customers]\nregulars = 0\n"),
        "regular cards",
    );
    refused(&MIN.replace("\"4.50\"", "4.50"), "decimal string");
    refused(&MIN.replace("\"4.50\"", "\"4.505\""), "one or two digits");
    refused(
        &MIN.replace("[{ price = \"4.50\" }]", "[]"),
        "at least one price",
    );
    refused(
        &format!("{MIN}[terminal.dedup]\nscope = \"dya\"\n"),
        "unknown variant",
    );
    refused(
        &format!("{MIN}[terminal.dedup]\nscope = {{ window = \"0s\" }}\n"),
        "longer than zero",
    );
    refused(
        &format!("{MIN}[terminal.dedup]\nmatch = []\n"),
        "at least one",
    );
    refused(
        &format!("{MIN}[terminal.dedup]\nmatch = [\"cards\"]\n"),
        "unknown variant",
    );
    refused(
        &format!("{MIN}[terminal.resubmit]\nprobability = -0.1\n"),
        "from 0 to 1",
    );
    refused(
        &format!("{MIN}[terminal.alert]\nscope = \"week\"\n"),
        "unknown variant",
    );
    refused(
        "[terminal]\nterminals = 1\ndaily_transactions = 300\n",
        "menu",
    );
}

#[test]
fn errors_point_at_the_value() {
    let text = format!("{MIN}[terminal.customers]\nregular_share = 1.5\n");
    let doc: Doc = toml::from_str(&text).unwrap();
    let err = TerminalConfig::from_raw(&doc.terminal, Path::new(".")).unwrap_err();
    let span = err.span.expect("a span");
    assert_eq!(&text[span], "1.5");
}

// The shipped scenarios show what their comments claim (few replications).

/// The top level of a scenario file, as far as this model's tests need it
/// (the loader proper lives in `scenario`).
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct ScenarioFile {
    name: String,
    description: String,
    model: String,
    seed: u64,
    replications: u64,
    horizon: String,
    terminal: RawTerminal,
    #[serde(default)]
    expect: Vec<toml::Table>,
}

fn shipped(text: &str) -> (TerminalConfig, u64) {
    let f: ScenarioFile = toml::from_str(text).expect("the scenario parses");
    assert_eq!(f.model, "terminal");
    assert!(
        text.starts_with("# "),
        "opens with a comment saying what it shows"
    );
    let cfg = TerminalConfig::from_raw(&f.terminal, Path::new(".")).expect("valid");
    (cfg, f.seed)
}

const TWIST: &str = include_str!("../../../scenarios/cinnamon-twist.toml");
const NEW_BATCH: &str = include_str!("../../../scenarios/cinnamon-new-batch.toml");
const WINDOW: &str = include_str!("../../../scenarios/cinnamon-window.toml");

#[test]
fn cinnamon_twist_loses_sales_above_the_naive_estimate() {
    let (cfg, seed) = shipped(TWIST);
    let outs = run(&cfg, 30, 6, seed, Estimator::Sample);
    let fr = total(&outs, col::FALSE_REVERSALS);
    assert!(fr > 0.0);
    let per_year = fr / total(&outs, col::TERMINAL_DAYS) * f64::from(cfg.terminals()) * 365.0;
    let m = metrics(&cfg, 30);
    let py = m
        .iter()
        .find(|d| d.name == "false_reversals_per_year")
        .unwrap();
    let naive = py.closed_form_naive.unwrap();
    assert!(per_year > 2.0 * naive, "{per_year} vs naive {naive}");
    assert!(py.closed_form.unwrap() > naive);
    // Resubmissions are all caught as true duplicates; the scan, with the
    // processor's scope, flags exactly what the processor reversed.
    let resub = total(&outs, col::RESUBMISSIONS);
    assert!(resub > 0.0);
    assert_eq!(total(&outs, col::TRUE_DUPLICATES), resub);
    assert_eq!(total(&outs, col::ALERTS), resub + fr);
    assert_eq!(total(&outs, col::FALSE_ALERTS), 0.0);
}

#[test]
fn cinnamon_new_batch_trades_reversals_for_extra_batches() {
    let (cfg, seed) = shipped(NEW_BATCH);
    let outs = run(&cfg, 30, 6, seed, Estimator::Sample);
    assert_eq!(total(&outs, col::FALSE_REVERSALS), 0.0);
    let extra = total(&outs, col::EXTRA_BATCHES);
    assert!(extra > 0.0);
    assert_eq!(
        extra,
        total(&outs, col::OVERFLOW_DAYS),
        "no day reaches 1999"
    );
    assert_eq!(
        total(&outs, col::TRUE_DUPLICATES),
        total(&outs, col::RESUBMISSIONS)
    );
}

#[test]
fn cinnamon_window_alerts_are_all_false() {
    let (cfg, seed) = shipped(WINDOW);
    let outs = run(&cfg, 30, 6, seed, Estimator::Sample);
    assert_eq!(total(&outs, col::FALSE_REVERSALS), 0.0);
    let alerts = total(&outs, col::ALERTS);
    assert!(alerts > 0.0);
    assert_eq!(total(&outs, col::FALSE_ALERTS), alerts);
    // The same purchases as cinnamon-twist: its false reversals are exactly
    // these alerts (common random numbers).
    let (twist, _) = shipped(TWIST);
    let t = run(&twist, 30, 6, seed, Estimator::Sample);
    let twist_fr = total(&t, col::FALSE_REVERSALS);
    assert!(
        (alerts - twist_fr).abs() <= 0.1 * twist_fr + 2.0,
        "{alerts} vs {twist_fr}"
    );
}

#[test]
fn a_key_without_the_counter_is_sampled_by_both_estimators() {
    // The processor keys on card and amount only: a regular's second flat
    // white of the day is reversed, counter or not. The conditional
    // estimator integrates only same-counter pairs, so here it samples.
    let cfg = fleet(
        "terminals = 3\ndaily_transactions = 300",
        "regular_share = 0.5\nregulars = 50\nsame_order = 0.8",
        MENU2,
        "[terminal.dedup]\nmatch = [\"card\", \"amount\"]\nscope = \"day\"",
    );
    let s = run_replication(&cfg, 5, Streams::new(2, 0), Estimator::Sample).unwrap();
    let c = run_replication(&cfg, 5, Streams::new(2, 0), Estimator::Conditional).unwrap();
    assert_eq!(s, c);
    assert!(s.values[col::FALSE_REVERSALS] > 50.0, "{:?}", s.values);
    let rep = back_of_envelope(&cfg, 5);
    assert!(rep.not_applicable.is_some());
    let m = metrics(&cfg, 5);
    assert!(
        m.iter()
            .all(|d| d.name != "false_reversals" || d.closed_form.is_none())
    );
}

#[test]
fn menu_lines_at_the_same_price_are_one_amount() {
    let cfg = config(&MIN.replace(
        "[{ price = \"4.50\" }]",
        "[{ price = \"3.40\", weight = 1 }, { price = \"4.50\", weight = 2 }, { price = \"3.4\", weight = 1 }]",
    ));
    assert_eq!(cfg.menu().cents, [340, 450]);
    assert_eq!(cfg.menu().probs, [0.5, 0.5]);
}

#[test]
fn every_combination_runs_and_keeps_its_invariants() {
    // A one-digit counter (9 values) makes long same-counter chains, so the
    // rare paths (triples, windows, batches) all run.
    let scopes = ["\"batch\"", "\"day\"", "{ window = \"30m\" }"];
    let matches = [
        "[\"counter\", \"card\", \"amount\"]",
        "[\"counter\", \"amount\"]",
        "[\"card\", \"amount\"]",
        "[\"counter\"]",
    ];
    for overflow in ["rollover", "new_batch"] {
        for dedup in scopes {
            for alert in scopes {
                for key in matches {
                    for (resub, rv) in [(0.0, 0.0), (0.05, 0.2)] {
                        let cfg = fleet(
                            &format!(
                                "terminals = 2\ndaily_transactions = 60\ncounter_digits = 1\noverflow = \"{overflow}\""
                            ),
                            &format!(
                                "regular_share = 0.6\nregulars = 8\nsame_order = 0.5\nreturn_visit = {rv}"
                            ),
                            MENU2,
                            &format!(
                                "[terminal.resubmit]\nprobability = {resub}\n[terminal.dedup]\nmatch = {key}\nscope = {dedup}\n[terminal.alert]\nscope = {alert}"
                            ),
                        );
                        let case = format!("{overflow} {dedup} {alert} {key} {resub}");
                        for est in [Estimator::Sample, Estimator::Conditional] {
                            let o = run_replication(&cfg, 3, Streams::new(1, 0), est).unwrap();
                            let v = &o.values;
                            assert!(v[col::FALSE_ALERTS] <= v[col::ALERTS] + 1e-9, "{case}");
                            assert!(
                                v[col::TRUE_DUPLICATES] + v[col::MISSED_DUPLICATES]
                                    <= v[col::RESUBMISSIONS],
                                "{case}"
                            );
                            assert!(v[col::LOST_AMOUNT] <= 4.5 * v[col::FALSE_REVERSALS] + 1e-9);
                            if dedup == alert {
                                assert!(v[col::FALSE_ALERTS] < 1e-9, "{case}");
                            }
                            if overflow == "new_batch"
                                && dedup == "\"batch\""
                                && resub == 0.0
                                && key.contains("counter")
                            {
                                assert_eq!(v[col::FALSE_REVERSALS], 0.0, "{case}");
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Days of long counter chains (a one-digit counter, about 17 purchases per
/// counter value) find duplicate keys through a map; the results are those
/// of walking every chain, for every scope, key and resubmission setting.
#[test]
fn long_counter_chains_give_the_same_results_as_walking_them() {
    use crate::engine::Simulation;
    let scopes = ["\"batch\"", "\"day\"", "{ window = \"30m\" }"];
    let matches = [
        "[\"counter\", \"card\", \"amount\"]",
        "[\"counter\", \"amount\"]",
        "[\"counter\"]",
    ];
    let run_with = |cfg: &TerminalConfig, walk: bool| {
        let mut model = sim::TerminalSim::new(cfg, 3, Estimator::Sample, false);
        if walk {
            model = model.walking_chains();
        }
        let mut sim = Simulation::new(model, Streams::new(5, 0));
        sim.run().unwrap();
        let m = sim.into_model();
        (m.total.values(false), m.total.raw(false))
    };
    let mut reversals = 0.0;
    for overflow in ["rollover", "new_batch"] {
        for dedup in scopes {
            for alert in scopes {
                for key in matches {
                    for (resub, rv) in [(0.0, 0.0), (0.05, 0.2)] {
                        let cfg = fleet(
                            &format!(
                                "terminals = 2\ndaily_transactions = 150\ncounter_digits = 1\noverflow = \"{overflow}\""
                            ),
                            &format!(
                                "regular_share = 0.6\nregulars = 8\nsame_order = 0.5\nreturn_visit = {rv}"
                            ),
                            MENU2,
                            &format!(
                                "[terminal.resubmit]\nprobability = {resub}\n[terminal.dedup]\nmatch = {key}\nscope = {dedup}\n[terminal.alert]\nscope = {alert}"
                            ),
                        );
                        let case = format!("{overflow} {dedup} {alert} {key} {resub}");
                        let mapped = run_with(&cfg, false);
                        assert_eq!(mapped, run_with(&cfg, true), "{case}");
                        reversals += mapped.0[col::FALSE_REVERSALS];
                    }
                }
            }
        }
    }
    assert!(reversals > 1000.0, "the cases do reverse: {reversals}");
}

// Names without the closed form (scenario validation).

#[test]
fn metric_names_are_the_metrics_in_order() {
    let cfg = fleet("terminals = 2\ndaily_transactions = 100", "", MENU2, "");
    let names: Vec<String> = metrics(&cfg, 3)
        .iter()
        .map(|m| m.name.to_string())
        .collect();
    assert_eq!(names, METRIC_NAMES);
}

// False reversals against daily volume (`volume.csv`).

fn volume_of(cfg: &TerminalConfig, outs: &[RepOutput]) -> Vec<VolumeBin> {
    let h: Vec<&[u64]> = outs.iter().map(|o| o.histogram.as_slice()).collect();
    volume_bins(cfg, &h)
}

#[test]
fn volume_bins_add_up_to_the_columns() {
    let cfg = fleet(
        "terminals = 12\ndaily_transactions = { uniform = { low = 200, high = 1500 } }",
        "regular_share = 0.4\nregulars = 30\nreturn_visit = 0.05\nsame_order = 0.5",
        MENU4,
        "[terminal.resubmit]\nprobability = 0.01\n[terminal.dedup]\nscope = \"day\"",
    );
    for est in [Estimator::Sample, Estimator::Conditional] {
        let outs = run(&cfg, 5, 3, 41, est);
        let bins = volume_of(&cfg, &outs);
        let sum = |f: fn(&VolumeBin) -> f64| bins.iter().map(f).sum::<f64>();
        assert_eq!(
            sum(|b| b.terminal_days as f64),
            total(&outs, col::TERMINAL_DAYS)
        );
        assert_eq!(
            sum(|b| b.transactions as f64),
            total(&outs, col::TRANSACTIONS)
        );
        let fr = total(&outs, col::FALSE_REVERSALS);
        assert!(fr > 0.0, "{est:?}: some false reversals");
        assert!(
            (sum(|b| b.false_reversals) - fr).abs() <= 1e-9 * fr,
            "{est:?}: {} vs {fr}",
            sum(|b| b.false_reversals)
        );
        for b in &bins {
            let high = b.high.expect("no day reaches the open bin");
            assert!(b.low * b.terminal_days <= b.transactions);
            assert!(b.transactions <= high * b.terminal_days);
            if high <= 999 {
                assert_eq!(b.false_reversals, 0.0, "no reversal below the range");
            }
        }
    }
}

#[test]
fn volume_bins_agree_with_the_closed_form_above_the_range() {
    // No return visits, no resubmissions: per terminal-day of N purchases,
    // E[false reversals] = (N - 999) * q for 999 < N <= 1998, so a bin above
    // the range expects (mean N of its days - 999) * q per terminal-day.
    let cfg = fleet(
        "terminals = 20\ndaily_transactions = { uniform = { low = 950, high = 1350 } }",
        "regular_share = 0.5\nregulars = 10\nsame_order = 0.5",
        MENU2,
        "[terminal.dedup]\nscope = \"day\"",
    );
    let outs = run(&cfg, 20, 4, 7, Estimator::Sample);
    let bins = volume_of(&cfg, &outs);
    let q = ClosedForm::new(&cfg).q;
    let mut checked = 0;
    for b in bins.iter().filter(|b| b.low > 999) {
        let days = b.terminal_days as f64;
        let mean_n = b.transactions as f64 / days;
        let expected = (mean_n - 999.0) * q * days;
        if expected < 10.0 {
            continue;
        }
        // Poisson counts: standard error sqrt(expected).
        assert!(
            (b.false_reversals - expected).abs() <= Z * expected.sqrt(),
            "bin {}..{:?}: {} false reversals, closed form {expected:.1}",
            b.low,
            b.high,
            b.false_reversals
        );
        // The CSV's estimate is the closed form at the bin's midpoint.
        let mid = (b.low + b.high.unwrap()) as f64 / 2.0;
        assert!((b.closed_form.unwrap() - (mid - 999.0) * q).abs() < 1e-12);
        checked += 1;
    }
    assert!(checked >= 8, "only {checked} bins checked");
    for b in bins.iter().filter(|b| b.high.is_some_and(|h| h <= 999)) {
        assert_eq!(b.closed_form, Some(0.0));
    }
}

// The request log of `trace --events`.

/// Reads the whole log of replication `rep`: rows and the run's columns.
fn read_log(cfg: &TerminalConfig, days: u32, rep: u64) -> (Vec<LoggedRequest>, Vec<f64>) {
    let mut log = RequestLog::new(cfg, days, Streams::new(3, rep), MAX_LOG_ROWS);
    let mut rows = Vec::new();
    while let Some(b) = log.next_rows().expect("within the limit") {
        rows.extend(b);
    }
    (rows, log.values())
}

#[test]
fn the_request_log_is_the_replication_run_simulates() {
    let cases = [
        // Return visits, usual orders, resubmissions, a day scan.
        (
            "terminals = 6\ndaily_transactions = { uniform = { low = 300, high = 1400 } }",
            "regular_share = 0.4\nregulars = 15\nreturn_visit = 0.05\nsame_order = 0.6",
            "[terminal.resubmit]\nprobability = 0.01\ndelay = { uniform = { low = \"5s\", high = \"8h\" } }\n\
             [terminal.dedup]\nscope = \"day\"\n[terminal.alert]",
        ),
        // A window scope and a day scan (false alerts), new batches.
        (
            "terminals = 4\ndaily_transactions = 1200\noverflow = \"new_batch\"",
            "regular_share = 0.5\nregulars = 10\nsame_order = 0.5",
            "[terminal.resubmit]\nprobability = 0.005\n[terminal.dedup]\nscope = { window = \"2h\" }\n\
             [terminal.alert]\nscope = \"day\"",
        ),
        // A key without the counter: every position is keyed.
        (
            "terminals = 3\ndaily_transactions = 200",
            "regular_share = 0.6\nregulars = 40\nreturn_visit = 0.1",
            "[terminal.dedup]\nmatch = [\"card\", \"amount\"]\nscope = { window = \"30m\" }",
        ),
    ];
    for (head, customers, tail) in cases {
        let cfg = fleet(head, customers, MENU4, tail);
        let days = 4;
        for rep in 0..2 {
            let run = run_replication(&cfg, days, Streams::new(3, rep), Estimator::Sample)
                .expect("runs")
                .values;
            let (rows, logged) = read_log(&cfg, days, rep);
            assert_eq!(logged, run, "{head}: the log replays the run's counts");
            let count = |k: RequestKind| rows.iter().filter(|r| r.kind == k).count() as f64;
            assert_eq!(
                count(RequestKind::Purchase),
                run[col::TRANSACTIONS],
                "{head}"
            );
            assert_eq!(count(RequestKind::Resubmission), run[col::RESUBMISSIONS]);
            assert_eq!(count(RequestKind::TrueDuplicate), run[col::TRUE_DUPLICATES]);
            assert_eq!(
                count(RequestKind::MissedDuplicate),
                run[col::MISSED_DUPLICATES]
            );
            assert_eq!(count(RequestKind::FalseReversal), run[col::FALSE_REVERSALS]);
            assert_eq!(
                count(RequestKind::Alert) + count(RequestKind::FalseAlert),
                run[col::ALERTS]
            );
            assert_eq!(count(RequestKind::FalseAlert), run[col::FALSE_ALERTS]);
            assert!(rows.windows(2).all(|w| w[0].at <= w[1].at), "time order");
            // Each purchase once, at its position; a reversal names both sides.
            for r in &rows {
                if let Some(rel) = r.related {
                    assert!(rel.position >= 1);
                }
                if r.kind == RequestKind::FalseReversal {
                    let by = r.related.expect("the later request");
                    assert!(by.position > r.request.position || by.resubmission);
                }
            }
        }
    }
}

#[test]
fn the_request_log_times_follow_the_profile_and_keep_the_keyed_times() {
    // The false reversal `trace` finds is in the log, at the same times: the
    // keyed positions keep the run's times.
    let cfg = fleet(
        "terminals = 5\ndaily_transactions = 1150\nhourly_profile = [1, 4, 2, 1, 1, 1, 1, 2, 3, 1, 1, 1, 1, 1]",
        "regular_share = 0.5\nregulars = 10\nsame_order = 0.5",
        MENU2,
        "[terminal.dedup]\nscope = \"day\"",
    );
    let first = find_false_reversal(&cfg, 3, Streams::new(3, 0)).expect("a false reversal");
    let (rows, _) = read_log(&cfg, 3, 0);
    let fr = rows
        .iter()
        .find(|r| {
            r.kind == RequestKind::FalseReversal
                && (r.terminal, r.day, r.request.position)
                    == (first.terminal, first.day, first.reversed.position)
        })
        .expect("logged");
    assert_eq!(fr.at, first.by.at);
    assert_eq!(fr.related.map(|r| r.position), Some(first.by.position));
    let reversed = rows
        .iter()
        .find(|r| {
            r.kind == RequestKind::Purchase
                && (r.terminal, r.day, r.request) == (fr.terminal, fr.day, fr.request)
        })
        .expect("the reversed purchase is logged");
    assert_eq!(reversed.at, first.reversed.at);
    // Within each terminal-day purchases are in position order.
    let mut last = std::collections::BTreeMap::new();
    for r in rows.iter().filter(|r| r.kind == RequestKind::Purchase) {
        let prev = last.insert((r.terminal, r.day), r.request.position);
        assert_eq!(prev.unwrap_or(0) + 1, r.request.position, "position order");
    }
}

#[test]
fn the_request_log_refuses_beyond_its_limit() {
    let cfg = fleet("terminals = 10\ndaily_transactions = 500", "", MENU2, "");
    let mut log = RequestLog::new(&cfg, 5, Streams::new(1, 0), 2000);
    let err = loop {
        match log.next_rows() {
            Ok(Some(_)) => continue,
            Ok(None) => panic!("not refused"),
            Err(e) => break e,
        }
    };
    assert!(
        matches!(
            err,
            LogError::TooManyRows {
                limit: 2000,
                day: 1,
                days: 5
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("2000 rows"), "{err}");
}

// Terminal and processor clocks (`[terminal.clock]`, `[terminal.processor]`).

const MIDNIGHT: &str = include_str!("../../../scenarios/cinnamon-midnight.toml");

/// The share of cinnamon-midnight's purchases that the processor puts on
/// another day than the terminal: terminals 4 min fast, processor ideal an
/// hour behind, so a purchase at the terminal's time of day `tau` reaches the
/// processor at its `tau - 64 min`, the previous day for `tau < 64 min`. The
/// share is the profile's mass before 01:04, computed exactly with Python's
/// fractions (weights as in the scenario):
///
/// ```python
/// from fractions import Fraction as Fr
/// w = [4, 3, 1, 1, 1, 2, 6, 9, 10, 8, 7, 8, 9, 8, 7, 7, 8, 10, 10, 9, 8, 7, 6, 5]
/// def F(x):  # minutes since the terminal's midnight
///     return sum(wk * (min(max(x, 60*k), 60*k + 60) - 60*k) for k, wk in enumerate(w)) / Fr(60 * sum(w))
/// F(64)  # = 3/110
/// ```
const MIDNIGHT_SHARE: f64 = 3.0 / 110.0;

/// The chance that a resubmission of cinnamon-midnight lands on the
/// processor's next day: the original at `tau` in `[64 min - delta, 64 min)`
/// with `delta ~ Uniform(0.5 min, 10 min)`: `E[F(64) - F(64 - delta)]`,
/// integrated exactly (the integrand is linear in `delta` on `[0.5, 4]` and
/// `[4, 10]`, so the trapezoid rule on each piece is exact), with `F` above:
///
/// ```python
/// c, lo, hi = Fr(64), Fr(1, 2), Fr(10)
/// g = lambda d: F(c) - F(c - d)
/// ((4 - lo) * (g(lo) + g(Fr(4))) / 2 + (hi - 4) * (g(Fr(4)) + g(hi)) / 2) / (hi - lo)
/// # = 447/234080 = 0.0019096...
/// ```
const MIDNIGHT_STRADDLE: f64 = 447.0 / 234_080.0;

/// `k` successes out of `n` agree with probability `p` within `Z` binomial
/// standard errors.
#[track_caller]
fn binomial_agrees(what: &str, k: f64, n: f64, p: f64) {
    let se = (n * p * (1.0 - p)).sqrt();
    assert!(
        (k - n * p).abs() <= Z * se,
        "{what}: {k} of {n}, expected {:.2} +/- {se:.2} (se)",
        n * p
    );
}

#[test]
fn day_mismatches_agree_with_the_closed_form_of_the_profile() {
    // Given the day's count, the purchases' times are independent draws from
    // the profile, so the mismatches are Binomial(transactions, share).
    let (cfg, seed) = shipped(MIDNIGHT);
    let share = super::closed_form::day_mismatch_share(&cfg).expect("constant offsets");
    assert!((share - MIDNIGHT_SHARE).abs() < 1e-12, "{share}");
    let outs = run(&cfg, 10, 4, seed, Estimator::Sample);
    assert!(outs.iter().all(|o| o.values.len() == COLUMNS.len() + 1));
    let n = total(&outs, col::TRANSACTIONS);
    let m = total(&outs, col::DAY_MISMATCHES);
    binomial_agrees("day mismatches", m, n, MIDNIGHT_SHARE);
}

#[test]
fn resubmissions_across_the_processor_day_cut_are_charged_twice() {
    let (cfg, seed) = shipped(MIDNIGHT);
    let outs = run(&cfg, 30, 6, seed, Estimator::Sample);
    let resub = total(&outs, col::RESUBMISSIONS);
    let missed = total(&outs, col::MISSED_DUPLICATES);
    assert_eq!(total(&outs, col::TRUE_DUPLICATES) + missed, resub);
    binomial_agrees(
        "resubmissions across the cut",
        missed,
        resub,
        MIDNIGHT_STRADDLE,
    );
    // The same fleet with the check on the terminals' day catches them all:
    // both requests carry the terminal's day.
    let terminal_day = MIDNIGHT.replace("clock = \"processor\"", "clock = \"terminal\"");
    let (cfg, _) = shipped(&terminal_day);
    let outs = run(&cfg, 30, 2, seed, Estimator::Sample);
    assert_eq!(total(&outs, col::MISSED_DUPLICATES), 0.0);
    assert!(total(&outs, col::DAY_MISMATCHES) > 0.0);
    assert_eq!(
        total(&outs, col::TRUE_DUPLICATES),
        total(&outs, col::RESUBMISSIONS)
    );
}

#[test]
fn a_terminal_clock_that_steps_moves_the_day_from_the_step_on() {
    // Round the clock, flat, 500 purchases a day on each of 20 terminals;
    // processor ideal in the same zone. At the start of day 1 every
    // terminal's clock jumps 4 minutes ahead: on day 1 the purchases of its
    // first 4 minutes happen at the jump itself (the processor's day 1), and
    // from day 2 on each day's first 4 minutes are the processor's previous
    // day: Binomial(purchases of days 2 and 3, 4 / 1440).
    let head = "terminals = 20\ndaily_transactions = 500\nday_to_day = \"fixed\"\n\
                open = \"00:00\"\nclose = \"24:00\"";
    let tail = "[terminal.clock]\nsteps = [{ at = \"1d\", by = \"4m\" }]\n\
                [terminal.dedup]\nscope = \"day\"\nclock = \"processor\"";
    let cfg = fleet(head, "", MENU2, tail);
    assert_eq!(super::closed_form::day_mismatch_share(&cfg), None);
    let two = run(&cfg, 2, 3, 7, Estimator::Sample);
    assert_eq!(total(&two, col::DAY_MISMATCHES), 0.0);
    let four = run(&cfg, 4, 3, 7, Estimator::Sample);
    let n = 3.0 * 2.0 * 20.0 * 500.0;
    binomial_agrees(
        "mismatches after the step",
        total(&four, col::DAY_MISMATCHES),
        n,
        4.0 / 1440.0,
    );
}

#[test]
fn ideal_clocks_change_no_figure() {
    // A `[terminal.clock]` that is ideal only adds the mismatch column (0).
    let plain = fleet(
        "terminals = 30\ndaily_transactions = 1100",
        "regular_share = 0.5\nregulars = 20\nsame_order = 0.5",
        MENU2,
        "[terminal.resubmit]\nprobability = 0.01\n[terminal.dedup]\nscope = \"day\"",
    );
    let clocked = fleet(
        "terminals = 30\ndaily_transactions = 1100",
        "regular_share = 0.5\nregulars = 20\nsame_order = 0.5",
        MENU2,
        "[terminal.resubmit]\nprobability = 0.01\n[terminal.dedup]\nscope = \"day\"\n\
         clock = \"processor\"\n[terminal.clock]\noffset = \"0s\"\n[terminal.processor]\n",
    );
    for est in [Estimator::Sample, Estimator::Conditional] {
        let a = run(&plain, 5, 2, 3, est);
        let b = run(&clocked, 5, 2, 3, est);
        for (x, y) in a.iter().zip(&b) {
            assert_eq!(x.values[..], y.values[..COLUMNS.len()]);
            assert_eq!(y.values[col::DAY_MISMATCHES], 0.0);
        }
    }
}

#[test]
fn the_double_charge_is_traced_with_both_clocks() {
    let (cfg, _) = shipped(MIDNIGHT);
    let t = find_false_reversal(&cfg, 30, Streams::new(1, 0)).expect("a double charge");
    assert_eq!(t.failure, Failure::MissedDuplicate);
    let (a, b) = (&t.reversed, &t.by);
    assert!(!a.resubmission && b.resubmission);
    assert_eq!(
        (a.position, a.counter, a.card),
        (b.position, b.counter, b.card)
    );
    let (ca, cb) = (a.clocks.expect("readings"), b.clocks.expect("readings"));
    let day = 86_400_000_000_000i64;
    // Both on the terminal's day, on two processor days.
    assert_eq!(ca.terminal.as_nanos().div_euclid(day), i64::from(t.day));
    assert_eq!(cb.terminal.as_nanos().div_euclid(day), i64::from(t.day));
    assert_eq!(cb.processor_day, ca.processor_day + 1);
    // The terminal reads 4 minutes ahead of true time, the processor an hour
    // behind it.
    for (r, c) in [(a, ca), (b, cb)] {
        assert_eq!(c.terminal.as_nanos() - r.at.as_nanos(), 240_000_000_000);
        assert_eq!(r.at.as_nanos() - c.processor.as_nanos(), 3_600_000_000_000);
    }
    let text = trace::render_collision("m", 0, &t);
    assert!(text.contains("double charge"), "{text}");
    assert!(text.contains("processor clock"), "{text}");
}

#[test]
fn clock_settings_that_cannot_work_are_refused() {
    let base = "[terminal]\nterminals = 1\ndaily_transactions = 10\n\
                [terminal.menu]\nprices = [{ price = \"1\" }]\n";
    refused(
        &format!("{base}[terminal.dedup]\nscope = {{ window = \"10m\" }}\nclock = \"processor\"\n"),
        "a window is",
    );
    refused(
        &format!("{base}[terminal.alert]\nscope = {{ window = \"10m\" }}\nclock = \"processor\"\n"),
        "`alert.clock`",
    );
    refused(
        &format!("{base}[terminal.processor]\nzone = \"25h\"\n"),
        "shorter than a day",
    );
    refused(
        &format!("{base}[terminal.processor]\nclock = {{ drift = 3 }}\n"),
        "unknown field",
    );
    refused(
        &format!("{base}[terminal.dedup]\nclock = \"server\"\n"),
        "unknown variant",
    );
}

#[test]
fn hosts_are_refused_in_a_terminal_scenario() {
    // The terminal model's clocks are [terminal.clock] and
    // [terminal.processor]; a [hosts] table would be silently unused.
    let text = "name = \"t\"\nmodel = \"terminal\"\nhorizon = \"1d\"\n\
                [hosts.till]\nclock = { offset = \"2m\" }\n\
                [terminal]\nterminals = 1\ndaily_transactions = 10\n\
                [terminal.menu]\nprices = [{ price = \"1\" }]\n";
    let src = crate::scenario::Source::from_text("t.toml", text);
    let e = crate::scenario::load(&src, &[]).expect_err("refused");
    assert_eq!(e.key.as_deref(), Some("hosts.till"));
    assert!(e.message.contains("[terminal.clock]"), "{}", e.message);
    let ok = text.replace("[hosts.till]\nclock = { offset = \"2m\" }\n", "");
    let src = crate::scenario::Source::from_text("t.toml", ok);
    assert!(crate::scenario::load(&src, &[]).is_ok());
}

// Clocks that jump for some terminals only (`steps` with `terminals` or
// `share`), and what the processor never compares.

/// Two terminals, 5 purchases a day each between 23:00 and 23:30 on their
/// clocks, every purchase resubmitted 30 minutes later, the processor's
/// check on its own day (an ideal clock in the terminals' zone). `steps`
/// is the terminals' clock's.
fn step_fleet(terminals: u32, steps: &str, dedup_clock: &str) -> TerminalConfig {
    config(&format!(
        "[terminal]\nterminals = {terminals}\ndaily_transactions = 5\nday_to_day = \"fixed\"\n\
         open = \"23:00\"\nclose = \"23:30\"\n\
         [terminal.menu]\nprices = [{{ price = \"2.50\" }}]\n\
         [terminal.resubmit]\nprobability = 1\ndelay = \"30m\"\n\
         [terminal.dedup]\nscope = \"day\"\nclock = \"{dedup_clock}\"\n\
         [terminal.clock]\nsteps = [{steps}]\n"
    ))
}

/// Terminal 1's clock jumps back 30 minutes at 22:55 on day 0, and forward
/// again on day 1 at noon.
const ONE_STEPS_BACK: &str = "{ at = \"22h55m\", by = \"-30m\", terminals = [1] }, { at = \"1d12h\", by = \"30m\", terminals = [1] }";

#[test]
fn a_backward_step_of_one_terminal_near_midnight_double_charges_its_resubmissions() {
    // Terminal 0 (no step): purchases at true 23:00 to 23:30, resubmissions
    // 23:30 to 24:00, the same processor day: every one caught. Terminal 1
    // reads 30 minutes behind from 22:55 on day 0: its day-0 purchases at
    // its 23:00 to 23:30 happen at true 23:30 to 24:00 (still the
    // processor's day 0: no day mismatch), and every resubmission arrives
    // at true 00:00 to 00:30, the processor's day 1: all 5 missed, on day 0
    // only. Exact, whatever the draws: 3 days x 2 terminals x 5 purchases,
    // 5 double charges.
    let cfg = step_fleet(2, ONE_STEPS_BACK, "processor");
    assert_eq!(super::closed_form::day_mismatch_share(&cfg), None);
    for o in run(&cfg, 3, 4, 11, Estimator::Sample) {
        assert_eq!(o.values[col::TRANSACTIONS], 30.0);
        assert_eq!(o.values[col::RESUBMISSIONS], 30.0);
        assert_eq!(o.values[col::MISSED_DUPLICATES], 5.0);
        assert_eq!(o.values[col::TRUE_DUPLICATES], 25.0);
        assert_eq!(o.values[col::DAY_MISMATCHES], 0.0);
        assert_eq!(o.values[col::FALSE_REVERSALS], 0.0);
    }
    // The same fleet with the check on the terminals' day: all caught.
    let cfg = step_fleet(2, ONE_STEPS_BACK, "terminal");
    for o in run(&cfg, 3, 2, 11, Estimator::Sample) {
        assert_eq!(o.values[col::MISSED_DUPLICATES], 0.0);
        assert_eq!(o.values[col::TRUE_DUPLICATES], 30.0);
    }
    // Both terminals listed, or no `terminals` at all (every terminal):
    // 10 double charges.
    let both = ONE_STEPS_BACK.replace("[1]", "[1, 0, 1]");
    let all = ONE_STEPS_BACK.replace(", terminals = [1]", "");
    for steps in [both, all] {
        let cfg = step_fleet(2, &steps, "processor");
        for o in run(&cfg, 3, 2, 11, Estimator::Sample) {
            assert_eq!(o.values[col::MISSED_DUPLICATES], 10.0, "{steps}");
        }
    }
    // The trace shows terminal 1's clock half an hour behind true time.
    let cfg = step_fleet(2, ONE_STEPS_BACK, "processor");
    let t = find_false_reversal(&cfg, 3, Streams::new(11, 0)).expect("a double charge");
    assert_eq!(
        (t.failure, t.terminal, t.day),
        (Failure::MissedDuplicate, 1, 0)
    );
    let c = t.reversed.clocks.expect("readings");
    assert_eq!(
        t.reversed.at.as_nanos() - c.terminal.as_nanos(),
        1_800_000_000_000
    );
    assert_eq!(c.processor, t.reversed.at);
}

#[test]
fn a_share_of_the_fleet_jumps_each_terminal_independently() {
    // 40 terminals, one day; the backward step with `share = 0.5`: in each
    // replication the terminals that jump each lose their 5 resubmissions,
    // so the double charges are 5 k, k ~ Binomial(40, 1/2) independently
    // per replication. `share = 1` is every terminal, `share = 0` none.
    let share = |p: &str| format!("{{ at = \"22h55m\", by = \"-30m\", share = {p} }}");
    let reps = 30;
    let outs = run(
        &step_fleet(40, &share("0.5"), "processor"),
        1,
        reps,
        5,
        Estimator::Sample,
    );
    let mut k = 0.0;
    for o in &outs {
        let m = o.values[col::MISSED_DUPLICATES];
        assert_eq!(m % 5.0, 0.0, "whole terminals: {m}");
        k += m / 5.0;
    }
    binomial_agrees("terminals that jump", k, 40.0 * reps as f64, 0.5);
    let all = run(
        &step_fleet(40, &share("1"), "processor"),
        1,
        2,
        5,
        Estimator::Sample,
    );
    assert!(
        all.iter()
            .all(|o| o.values[col::MISSED_DUPLICATES] == 200.0)
    );
    let none = run(
        &step_fleet(40, &share("0"), "processor"),
        1,
        2,
        5,
        Estimator::Sample,
    );
    assert!(none.iter().all(|o| o.values[col::MISSED_DUPLICATES] == 0.0));
    // The same terminals jump whatever the fleet is split into: the draw is
    // per terminal (stream `clock/steps`).
    let cfg = step_fleet(40, &share("0.5"), "processor");
    let clocks = cfg.clocks().expect("clocks");
    let jumpers: Vec<u32> = (0..40)
        .filter(|&t| !clocks.steps_of(t, &Streams::new(5, 0)).is_empty())
        .collect();
    assert_eq!(
        outs[0].values[col::MISSED_DUPLICATES],
        5.0 * jumpers.len() as f64
    );
}

#[test]
fn terminal_steps_that_cannot_work_are_refused() {
    let base = |step: &str| {
        format!(
            "[terminal]\nterminals = 3\ndaily_transactions = 10\n\
             [terminal.menu]\nprices = [{{ price = \"1\" }}]\n\
             [terminal.clock]\nsteps = [{step}]\n"
        )
    };
    refused(
        &base("{ at = \"1d\", by = \"1h\", terminals = [3] }"),
        "terminal 3 is not in the fleet: terminals are numbered 0 to 2",
    );
    refused(
        &base("{ at = \"1d\", by = \"1h\", terminals = [] }"),
        "list at least one terminal",
    );
    refused(
        &base("{ at = \"1d\", by = \"1h\", share = 1.5 }"),
        "0 to 1, got 1.5",
    );
    refused(
        &base("{ at = \"1d\", by = \"1h\", share = 0.5, terminals = [0] }"),
        "give one of them",
    );
    refused(
        &base("{ at = \"-1d\", by = \"1h\", terminals = [0] }"),
        "`at` must be >= 0",
    );
    refused(
        &base("{ at = \"1d\", by = \"1h\", terminal = [0] }"),
        "unknown field",
    );
}

#[test]
fn the_processor_never_compares_requests_of_two_terminal_days() {
    // One terminal, 4 purchases a day between 00:00 and 01:00 on its clock,
    // every one with the same card and amount (one regular, one price), so
    // two purchases share the processor's key exactly when their counters
    // match. At 23:00 on day 0 the terminal's clock jumps an hour ahead:
    // its day 1 (and every later day) then happens at true 23:00 to 24:00
    // of the day before. So the processor's day 0 holds all of the
    // terminal's days 0 and 1: counters 1 to 4 twice each, 4 pairs with the
    // same key. The processor's day 1 holds day 2 only. As documented
    // (`docs/clocks.md`, "What is not modelled"), the model compares only
    // requests of one terminal-day: no false reversal, although each of the
    // 4 pairs is on one processor day; 8 day mismatches (days 1 and 2).
    let cfg = config(
        "[terminal]\nterminals = 1\ndaily_transactions = 4\nday_to_day = \"fixed\"\n\
         open = \"00:00\"\nclose = \"01:00\"\n\
         [terminal.customers]\nregular_share = 1\nregulars = 1\n\
         [terminal.menu]\nprices = [{ price = \"2.50\" }]\n\
         [terminal.dedup]\nscope = \"day\"\nclock = \"processor\"\n\
         [terminal.alert]\nscope = \"day\"\nclock = \"processor\"\n\
         [terminal.clock]\nsteps = [{ at = \"23h\", by = \"1h\" }]\n",
    );
    for rep in 0..3 {
        let (rows, values) = read_log(&cfg, 3, rep);
        assert_eq!(values[col::TRANSACTIONS], 12.0);
        assert_eq!(values[col::FALSE_REVERSALS], 0.0);
        assert_eq!(values[col::ALERTS], 0.0);
        assert_eq!(values[col::DAY_MISMATCHES], 8.0);
        // The pairs a processor that compared across terminal-days would
        // see, counted from the log: same counter (card and amount are
        // always the same), same processor day, two terminal-days.
        let purchases: Vec<(i64, u32, u32)> = rows
            .iter()
            .filter(|r| r.kind == RequestKind::Purchase)
            .map(|r| (r.clocks.expect("readings").processor_day, r.counter, r.day))
            .collect();
        assert_eq!(purchases.len(), 12);
        let mut pairs = 0;
        for (i, a) in purchases.iter().enumerate() {
            for b in &purchases[i + 1..] {
                pairs += usize::from(a.0 == b.0 && a.1 == b.1 && a.2 != b.2);
            }
        }
        assert_eq!(pairs, 4);
        assert!(
            rows.iter().all(|r| matches!(r.kind, RequestKind::Purchase)),
            "no outcome row"
        );
    }
}
