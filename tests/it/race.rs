//! The race model: its shipped scenarios against closed forms computed
//! independently, lisa's race written as a race file against the checkout
//! model, validation errors, determinism across threads and the trace.

use crate::util::{check_within, racesim, run_text};

fn shipped(file: &str) -> String {
    std::fs::read_to_string(format!("scenarios/{file}")).unwrap()
}

/// The figure's value and the half-width of its 95% interval turned into a
/// standard error (half-width / 1.96, the wider side).
fn value_se(p: &racesim::experiment::PointResult, metric: &str) -> (f64, f64) {
    let m = p
        .metric(metric)
        .unwrap_or_else(|| panic!("no metric {metric}"));
    let f = &m.figure;
    let half = (f.value - f.ci.low).max(f.ci.high - f.value);
    (f.value, half / 1.96)
}

// Closed forms below were computed with mpmath (30 digits), independently
// of racesim: a lognormal given by its median m and 99th percentile q has
// sigma = ln(q / m) / z99, z99 = sqrt(2) * erfinv(0.98) = 2.3263478740408411,
// and P(D < x) = ncdf(ln(x / m) / sigma).

/// jwt-not-yet-valid: refused iff the use delay D < 1.2 s - 1 s = 0.2 s,
/// D lognormal (median 300 ms, p99 3 s): ncdf(ln(0.2 / 0.3) / (ln(10) / z99)).
const JWT: f64 = 0.341_031_530_390_408_3;
/// queue-redelivery: redelivered iff the processing time D > 30 s (the
/// timeout is stamped and read on the broker's clock: its offset cancels),
/// D lognormal (median 8 s, p99 40 s): 1 - ncdf(ln(30 / 8) / (ln(5) / z99)).
const QUEUE: f64 = 0.028_033_124_201_993_73;
/// replica-lag: stale iff the lag D > 10 ms, D lognormal (median 3 ms, p99
/// 60 ms): 1 - ncdf(ln(0.01 / 0.003) / (ln(20) / z99)).
const REPLICA: f64 = 0.174_907_060_961_989_47;
/// lease-double-holder: a lease fails iff it was requested in the 10 s
/// before the holder's clock steps back 30 s (its expiry then waits 30 s
/// more on the holder's clock; the grant takes milliseconds, far below 30 s),
/// and Poisson arrivals are uniform over the day: 10 / 86400.
const LEASE: f64 = 10.0 / 86_400.0;
/// A normal offset against a fixed margin: the API clock's offset O is
/// normal (mean -1 s, sd 300 ms), the use is 100 ms after the issue, the
/// leeway 1 s: refused iff 0.1 + O + 1 < 0, P = ncdf(-0.1 / 0.3) = ncdf(-1/3)
/// (mpmath).
const NORMAL_OFFSET: f64 = 0.369_441_340_181_763_64;
/// The checkout model's closed form for lisa (error_page_rate), which the
/// race model's estimate must reproduce: the same exact stop-loss form.
const LISA_EXACT_MIN: f64 = 0.0052;
const LISA_EXACT_MAX: f64 = 0.0054;

#[test]
fn jwt_matches_the_delay_distribution_function() {
    let p = run_text(&shipped("jwt-not-yet-valid.toml"), &[("replications", "4")]);
    let m = p.metric("not_yet_valid_rate").unwrap();
    assert!(
        (m.closed_form.unwrap() - JWT).abs() < 1e-9,
        "{:?}",
        m.closed_form
    );
    check_within(&p, "not_yet_valid_rate", JWT);
    check_within(&p, "not_yet_valid_skew_rate", JWT);
}

#[test]
fn queue_redelivery_matches_the_survival_function_and_no_clock_share() {
    let p = run_text(&shipped("queue-redelivery.toml"), &[("replications", "4")]);
    let m = p.metric("processed_twice_rate").unwrap();
    assert!((m.closed_form.unwrap() - QUEUE).abs() < 1e-9);
    check_within(&p, "processed_twice_rate", QUEUE);
    assert_eq!(
        p.metric("processed_twice_skew_rate").unwrap().figure.value,
        0.0
    );
}

#[test]
fn replica_lag_matches_the_survival_function() {
    let p = run_text(&shipped("replica-lag.toml"), &[("replications", "2")]);
    let m = p.metric("stale_read_rate").unwrap();
    assert!((m.closed_form.unwrap() - REPLICA).abs() < 1e-9);
    check_within(&p, "stale_read_rate", REPLICA);
    assert_eq!(p.metric("stale_read_skew_rate").unwrap().figure.value, 0.0);
}

#[test]
fn lease_double_holder_comes_from_the_vm_pause_alone() {
    let p = run_text(
        &shipped("lease-double-holder.toml"),
        &[("replications", "16")],
    );
    check_within(&p, "double_holder_rate", LEASE);
    let rate = p.metric("double_holder_rate").unwrap().figure.value;
    let skew = p.metric("double_holder_skew_rate").unwrap().figure.value;
    assert_eq!(
        rate, skew,
        "with ideal clocks the holder always lets go first"
    );
    assert!(
        p.metric("double_holder_rate")
            .unwrap()
            .closed_form
            .is_none()
    );
}

#[test]
fn a_normal_offset_against_a_fixed_margin_is_phi() {
    // one offset per replication: many short replications
    let text = r#"
name = "normal-offset"
model = "race"
seed = 3
replications = 1200
horizon = "1h"
[hosts.auth]
[hosts.api]
clock = { offset = { normal = { mean = "-1s", sd = "300ms" } } }
[race]
arrivals = { rate = "20/h" }
[[race.instant]]
name = "issued"
host = "auth"
stamp = true
[[race.instant]]
name = "used"
after = "issued"
delay = "100ms"
host = "api"
[[race.failure]]
name = "early"
at = "used"
reads_before = { stamp = "issued", plus = "-1s" }
"#;
    let p = run_text(text, &[]);
    let m = p.metric("early_rate").unwrap();
    assert!(
        (m.closed_form.unwrap() - NORMAL_OFFSET).abs() < 1e-9,
        "{:?}",
        m.closed_form
    );
    check_within(&p, "early_rate", NORMAL_OFFSET);
}

/// lisa's race as a race file agrees with the checkout model: both with the
/// checkout model's exact closed form, and with each other within 3.3
/// standard errors of the difference.
#[test]
fn race_checkout_agrees_with_lisa() {
    let race = run_text(&shipped("race-checkout.toml"), &[("replications", "16")]);
    let lisa = run_text(&shipped("lisa.toml"), &[("replications", "16")]);
    let exact = lisa.metric("error_page_rate").unwrap().closed_form.unwrap();
    assert!((LISA_EXACT_MIN..LISA_EXACT_MAX).contains(&exact), "{exact}");
    let race_cf = race.metric("error_page_rate").unwrap().closed_form.unwrap();
    assert!(
        (race_cf - exact).abs() <= 1e-12 * exact,
        "the race estimate {race_cf} is the checkout closed form {exact}"
    );
    check_within(&race, "error_page_rate", exact);
    check_within(&race, "error_page_skew_rate", exact);
    check_within(&lisa, "error_page_rate", exact);
    let (a, sa) = value_se(&race, "error_page_rate");
    let (b, sb) = value_se(&lisa, "error_page_rate");
    assert!(
        (a - b).abs() <= 3.3 * (sa * sa + sb * sb).sqrt(),
        "race {a} +- {sa} vs checkout {b} +- {sb}"
    );
    // the same arrivals (the same stream): the same users
    assert_eq!(
        race.metric("items").unwrap().figure.value,
        lisa.metric("users").unwrap().figure.value
    );
}

fn load_error(text: &str) -> String {
    let source = racesim::scenario::Source::from_text("bad.toml", text);
    match racesim::scenario::load(&source, &[]) {
        Ok(_) => panic!("the scenario loads"),
        Err(e) => e.to_string(),
    }
}

const BASE: &str = r#"
name = "v"
model = "race"
horizon = "1h"
[hosts.auth]
[hosts.api]
[race]
arrivals = { rate = "20/h" }
[[race.instant]]
name = "issued"
host = "auth"
stamp = true
[[race.instant]]
name = "used"
after = "issued"
delay = "100ms"
host = "api"
"#;

#[test]
fn validation_names_the_line_and_the_closest_name() {
    let e = load_error(&format!(
        "{BASE}[[race.failure]]\nname = \"f\"\nfirst = \"usde\"\nbefore = \"issued\"\n"
    ));
    assert!(e.contains("bad.toml:20:9"), "{e}");
    assert!(
        e.contains("unknown instant `usde` (did you mean `used`?)"),
        "{e}"
    );

    let e = load_error(&format!(
        "{BASE}[[race.instant]]\nname = \"a\"\nafter = \"b\"\n[[race.instant]]\nname = \"b\"\nafter = \"a\"\n[[race.failure]]\nname = \"f\"\nfirst = \"a\"\nbefore = \"b\"\n"
    ));
    assert!(
        e.contains("cycle: a -> b -> a") || e.contains("cycle: b -> a -> b"),
        "{e}"
    );

    let e = load_error(&format!(
        "{BASE}[[race.instant]]\nname = \"arrival\"\n[[race.failure]]\nname = \"f\"\nfirst = \"used\"\nbefore = \"issued\"\n"
    ));
    assert!(e.contains("`arrival` is reserved"), "{e}");

    let e = load_error(&format!(
        "{BASE}[[race.failure]]\nname = \"items\"\nfirst = \"used\"\nbefore = \"issued\"\n"
    ));
    assert!(e.contains("a name already taken"), "{e}");

    let e = load_error(&format!(
        "{BASE}[[race.failure]]\nname = \"f\"\nat = \"used\"\nreads_before = {{ stamp = \"used\" }}\n"
    ));
    assert!(e.contains("`used` does not stamp"), "{e}");

    let e = load_error(&format!(
        "{BASE}[[race.failure]]\nname = \"f\"\nfirst = \"used\"\nbefroe = \"issued\"\n"
    ));
    assert!(e.contains("bad.toml:21:1"), "{e}");
    assert!(e.contains("unknown field `befroe`"), "{e}");
    assert!(e.contains("did you mean `before`?"), "{e}");

    let e = load_error(&format!(
        "{}[[race.failure]]\nname = \"f\"\nfirst = \"used\"\nbefore = \"issued\"\n",
        BASE.replace("host = \"api\"", "host = \"apj\"")
    ));
    assert!(
        e.contains("unknown host `apj` (did you mean `api`?)"),
        "{e}"
    );

    let e = load_error(BASE);
    assert!(e.contains("at least one [[race.failure]]"), "{e}");
}

#[test]
fn every_race_scenario_validates_and_its_expectations_hold() {
    for f in [
        "race-checkout.toml",
        "jwt-not-yet-valid.toml",
        "lease-double-holder.toml",
        "queue-redelivery.toml",
        "replica-lag.toml",
        "three-frontends.toml",
    ] {
        let path = format!("scenarios/{f}");
        racesim().args(["validate", &path]).assert().success();
        let dir = tempfile::tempdir().unwrap();
        racesim()
            .args(["check", &path, "--out"])
            .arg(dir.path())
            .assert()
            .success();
    }
}

#[test]
fn race_outputs_do_not_depend_on_the_thread_count() {
    let run = |threads: &str| {
        let dir = tempfile::tempdir().unwrap();
        let out = racesim()
            .args([
                "run",
                "scenarios/three-frontends.toml",
                "--replications",
                "5",
                "--set",
                "horizon=\"1d\"",
                "--format",
                "json",
                "--threads",
                threads,
                "--out",
            ])
            .arg(dir.path())
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        let reps = std::fs::read(dir.path().join("three-frontends/replications.csv")).unwrap();
        (out, reps)
    };
    assert_eq!(run("1"), run("2"));
}

#[test]
fn trace_shows_the_first_failing_lease_with_both_clocks() {
    let out = racesim()
        .args([
            "trace",
            "scenarios/lease-double-holder.toml",
            "--first-error",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains("failed double_holder"), "{text}");
    for want in [
        "requested",
        "granted",
        "holder_expiry",
        "server_expiry",
        "holder (local)",
        "lock (local)",
        "clock events",
    ] {
        assert!(text.contains(want), "no `{want}` in:\n{text}");
    }
}
