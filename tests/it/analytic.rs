//! The simulated error-page rate against the closed form of the checkout model (`src/models/checkout/closed_form.rs`).

use racesim::models::checkout::closed_form;

use crate::util::{check_within, checkout_tables, edit, run_text};

/// A small checkout system: the shared checkout tables with 600 users an
/// hour, a payment latency, a slower redirect and a move delay, for 2 days,
/// 16 replications.
fn base() -> String {
    edit(
        concat!(
            "name = \"analytic\"\nmodel = \"checkout\"\nreplications = 16\nhorizon = \"2d\"\n",
            checkout_tables!()
        ),
        &[
            (
                "rate = \"120/h\" }",
                "rate = \"600/h\" }\npayment_latency = { exponential = { mean = \"1s\" } }",
            ),
            (
                "median = \"1s\", p99 = \"5s\"",
                "median = \"2s\", p99 = \"10s\"",
            ),
            (
                "grace = \"5m\"\n",
                "grace = \"5m\"\nmove_delay = \"200ms\"\n",
            ),
        ],
    )
}

fn agree(overrides: &[(&str, &str)]) -> f64 {
    let p = run_text(&base(), overrides);
    let cfg = racesim::models::checkout::Checkout::config_of(&*p.scenario.model)
        .expect("a checkout scenario");
    let cf = closed_form(cfg).expect("closed form applies");
    check_within(&p, "error_page_rate", cf.error_rate);
    check_within(&p, "skew_error_rate", cf.error_rate - cf.error_rate_ideal);
    // the metric carries the same estimate beside it
    let m = p.metric("error_page_rate").unwrap();
    assert_eq!(m.closed_form, Some(cf.error_rate));
    cf.error_rate
}

#[test]
fn skew_beyond_the_grace_period() {
    let rate = agree(&[]);
    assert!(rate > 0.004 && rate < 0.01, "closed form {rate}");
}

#[test]
fn skew_just_short_of_the_grace_period() {
    // c = g - s = 1 s: only page loads slower than 1.2 s can fail
    let rate = agree(&[("hosts.transfer.clock.offset", "\"4m59s\"")]);
    assert!(rate > 0.0005 && rate < 0.006, "closed form {rate}");
}

#[test]
fn no_skew_gives_no_error_page() {
    // only a page load slower than the 5-minute grace (plus the 200 ms move
    // delay) can fail: about 2.2e-14 for this lognormal, which has no upper
    // bound, so the exact closed form is tiny but not 0
    let rate = agree(&[("hosts.transfer.clock.offset", "\"0s\"")]);
    assert!(rate > 1e-14 && rate < 1e-13, "{rate:e}");
    let p = run_text(&base(), &[("hosts.transfer.clock.offset", "\"0s\"")]);
    let m = p.metric("error_page_rate").unwrap();
    assert_eq!(m.figure.value, 0.0);
    assert_eq!(m.figure.ci.low, 0.0);
    assert!(m.figure.ci.high > 0.0, "zero events give [0, upper]");
}

#[test]
fn drifting_clock_crosses_the_grace_period() {
    // skew goes from 290 s to 307.3 s over the 2 days: crosses g = 300 s at ~1.16 d
    let rate = agree(&[
        ("hosts.transfer.clock.offset", "\"4m50s\""),
        ("hosts.transfer.clock.drift_ppm", "100"),
    ]);
    assert!(rate > 0.001 && rate < 0.006, "closed form {rate}");
}

#[test]
fn agreement_holds_with_another_seed() {
    agree(&[("seed", "12345")]);
    agree(&[
        ("seed", "777"),
        ("hosts.transfer.clock.offset", "\"4m59s\""),
    ]);
    agree(&[
        ("seed", "9"),
        ("hosts.transfer.clock.offset", "\"4m50s\""),
        ("hosts.transfer.clock.drift_ppm", "100"),
    ]);
}

#[test]
fn conditional_estimator_agrees_with_the_closed_form() {
    let p = run_text(&base(), &[("estimator", "\"conditional\"")]);
    let cfg = racesim::models::checkout::Checkout::config_of(&*p.scenario.model)
        .expect("a checkout scenario");
    let cf = closed_form(cfg).unwrap();
    check_within(&p, "error_page_rate", cf.error_rate);
    check_within(&p, "skew_error_rate", cf.error_rate - cf.error_rate_ideal);
}
