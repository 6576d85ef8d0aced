//! Tail questions: the rare-event estimators against plain sampling where
//! plain sampling is feasible, against the exact closed form where it is
//! not, on clock paths with drift, wander, steps, syncs and outages; and the
//! intervals they print (never `[0, 0]`, never below zero, "impossible"
//! when the distributions rule the event out).
//!
//! Every run uses lisa.toml with a fixed seed, shortened unless said
//! otherwise.

use predicates::prelude::*;
use racesim::experiment::{self, PointResult, Silent};
use racesim::scenario::{self, Override, Source};
use racesim::stats::Method;

use crate::util::{check_within, racesim};

const OFFSET: &str = "hosts.transfer.clock.offset";

/// lisa's error-page rate with the transfer clock 4m30s ahead, computed with
/// mpmath at 60 digits (`tests/data/tail_reference.py`, `LISA_RATES`).
const RATE_4M30S: f64 = 2.921_823_366_014_290_4e-9;

fn run(sets: &[(&str, &str)]) -> PointResult {
    let source = Source::read(std::path::Path::new("scenarios/lisa.toml")).expect("lisa reads");
    let ovs: Vec<Override> = sets
        .iter()
        .map(|(p, v)| Override {
            path: p.to_string(),
            value: v.to_string(),
        })
        .collect();
    let sc = scenario::load(&source, &ovs).expect("lisa loads");
    experiment::run_point(Vec::new(), sc, None, &Silent).expect("runs")
}

/// The small runs: 12 replications of 2 days at 600 users an hour.
fn small(extra: &[(&'static str, &'static str)]) -> Vec<(&'static str, &'static str)> {
    let mut v = vec![
        ("replications", "12"),
        ("horizon", "\"2d\""),
        ("checkout.arrivals.rate", "\"600/h\""),
    ];
    v.extend_from_slice(extra);
    v
}

/// Two estimates of one quantity agree: their difference within 3.3
/// combined standard errors (each from its 95% interval).
#[track_caller]
fn agree(a: &PointResult, b: &PointResult, metric: &str) {
    let (x, y) = (
        a.metric(metric).unwrap().figure,
        b.metric(metric).unwrap().figure,
    );
    let se = |e: &racesim::stats::Figure| e.ci.half_width() / 1.96;
    let diff = (x.value - y.value).abs();
    let tol = 3.3 * (se(&x).powi(2) + se(&y).powi(2)).sqrt();
    assert!(
        diff <= tol,
        "{metric}: {} {x:?} vs {} {y:?}",
        a.scenario.estimator.name(),
        b.scenario.estimator.name()
    );
}

fn with(
    est: &'static str,
    extra: &[(&'static str, &'static str)],
) -> Vec<(&'static str, &'static str)> {
    let mut v = small(extra);
    v.push(("estimator", est));
    v
}

#[test]
fn the_three_estimators_agree_where_plain_sampling_is_feasible() {
    // 4m58s ahead: a wait of 2 s, an error-page rate near 1.4e-3
    let base = [(OFFSET, "\"4m58s\"")];
    let s = run(&with("\"sample\"", &base));
    let c = run(&with("\"conditional\"", &base));
    let i = run(&with("\"importance\"", &base));
    let errors = s.metric("error_pages").unwrap().figure.value;
    assert!(errors > 100.0, "plain sampling sees {errors} error pages");
    for m in ["error_page_rate", "skew_error_rate", "early_moves"] {
        agree(&s, &c, m);
        agree(&s, &i, m);
    }
    let cf = s.metric("error_page_rate").unwrap().closed_form.unwrap();
    for p in [&s, &c, &i] {
        check_within(p, "error_page_rate", cf);
    }
    // the same users: the conditional interval is far narrower
    let hw = |p: &PointResult| p.metric("error_page_rate").unwrap().figure.ci.half_width();
    assert!(hw(&c) * 20.0 < hw(&s), "{} vs {}", hw(&c), hw(&s));
}

#[test]
fn the_conditional_estimator_follows_clock_steps_syncs_and_outages() {
    // NTP keeps the transfer clock within milliseconds, except during an
    // outage from 6 h to 12 h each run, in which a restored snapshot steps
    // it 5m10s ahead at 7 h (and drift, wander): for five hours every record
    // is eligible at once; the sync at the end of the outage corrects it.
    // Then a step back at 30 h leaves it 2 min behind until the next sync.
    let clock = r#"{ offset = "0s", drift_ppm = 40, wander_ppm = 5, sync = { interval = "1024s", accuracy = "4ms" }, outages = [{ from = "6h", to = "12h" }], steps = [{ at = "7h", by = "5m10s" }, { at = "30h", by = "-2m" }] }"#;
    let base = [("hosts.transfer.clock", clock)];
    let s = run(&with("\"sample\"", &base));
    let c = run(&with("\"conditional\"", &base));
    assert!(s.metric("error_pages").unwrap().figure.value > 100.0);
    for m in [
        "error_page_rate",
        "skew_error_rate",
        "early_moves",
        "margin",
    ] {
        agree(&s, &c, m);
    }
}

#[test]
fn the_conditional_estimator_follows_a_clock_stepping_back_behind_the_grace() {
    // 6 min ahead with a heavy tail of late page loads (5% take minutes);
    // a step back by 10 min every few hours leaves records eligible, then
    // not, then again: the eligible set is a union of intervals
    let base = [
        (
            "hosts.transfer.clock",
            r#"{ offset = "6m", drift_ppm = 300, steps = [{ at = "5h", by = "-10m" }, { at = "5h20m", by = "10m" }, { at = "20h", by = "-7m" }, { at = "26h", by = "7m" }] }"#,
        ),
        (
            "checkout.redirect_latency",
            r#"{ mixture = [ { weight = 95, dist = { lognormal = { median = "1500ms", p99 = "6s" } } }, { weight = 5, dist = { exponential = { mean = "4m" } } } ] }"#,
        ),
    ];
    let s = run(&with("\"sample\"", &base));
    let c = run(&with("\"conditional\"", &base));
    assert!(s.metric("error_pages").unwrap().figure.value > 100.0);
    for m in ["error_page_rate", "skew_error_rate", "early_moves"] {
        agree(&s, &c, m);
    }
}

#[test]
fn importance_sampling_agrees_with_plain_sampling_under_jitter_and_a_batch_limit() {
    // the conditional estimator does not apply here
    let base = [
        (OFFSET, "\"4m58s\""),
        (
            "transfer.poll_jitter",
            r#"{ uniform = { low = "-20s", high = "20s" } }"#,
        ),
        // 50 records a poll on average: now and then some wait
        ("transfer.batch_limit", "60"),
        (
            "transfer.move_delay",
            r#"{ exponential = { mean = "1s" } }"#,
        ),
    ];
    let s = run(&with("\"sample\"", &base));
    let i = run(&with("\"importance\"", &base));
    assert!(s.metric("error_pages").unwrap().figure.value > 100.0);
    for m in ["error_page_rate", "skew_error_rate", "early_moves"] {
        agree(&s, &i, m);
    }
    let ess = i.metric("effective_sample_size").unwrap().figure.value;
    assert!(ess > 300.0, "effective sample size {ess}");
}

#[test]
fn a_one_in_a_billion_rate_within_ten_percent_in_one_run() {
    // 4m30s ahead: 2.92e-9, of which plain sampling of the shipped run's
    // 645 000 users would see nothing. 8 replications of the shipped week.
    let base = [(OFFSET, "\"4m30s\""), ("replications", "8")];
    let mut c = base.to_vec();
    c.push(("estimator", "\"conditional\""));
    let c = run(&c);
    let e = c.metric("error_page_rate").unwrap().figure;
    // constant clocks: every user's probability is the closed form
    assert!((e.value / RATE_4M30S - 1.0).abs() < 1e-9, "{e:?}");
    assert!(e.ci.low < RATE_4M30S && RATE_4M30S < e.ci.high, "{e:?}");
    let mut i = base.to_vec();
    i.push(("estimator", "\"importance\""));
    let i = run(&i);
    let e = i.metric("error_page_rate").unwrap().figure;
    assert!(e.ci.half_width() < 0.1 * e.value, "{e:?}");
    check_within(&i, "error_page_rate", RATE_4M30S);
}

#[test]
fn zero_is_never_certain_unless_the_distributions_rule_it_out() {
    // lisa-ntp: an error needs a page load of 5 minutes (about 1e-19): the
    // conditional estimator gives that, with an interval of positive width
    let source = Source::read(std::path::Path::new("scenarios/lisa-ntp.toml")).unwrap();
    let ovs = vec![
        Override {
            path: "estimator".into(),
            value: "\"conditional\"".into(),
        },
        Override {
            path: "replications".into(),
            value: "4".into(),
        },
    ];
    let sc = scenario::load(&source, &ovs).unwrap();
    let p = experiment::run_point(Vec::new(), sc, None, &Silent).unwrap();
    for m in ["error_page_rate", "skew_error_rate"] {
        let e = p.metric(m).unwrap().figure;
        assert!(e.ci.high > e.ci.low, "{m}: {e:?}");
        assert!(e.ci.high > 0.0, "{m}: {e:?}");
    }
    let e = p.metric("error_page_rate").unwrap().figure;
    assert!(e.value > 0.0 && e.value < 1e-15 && e.ci.low >= 0.0, "{e:?}");

    // page loads of 1 to 3 s against a wait of 10 s: impossible
    let bounded = [
        (OFFSET, "\"4m50s\""),
        (
            "checkout.redirect_latency",
            r#"{ uniform = { low = "1s", high = "3s" } }"#,
        ),
    ];
    let c = run(&with("\"conditional\"", &bounded));
    let e = c.metric("error_page_rate").unwrap().figure;
    assert_eq!(e.ci.method, Method::Impossible, "{e:?}");
    assert_eq!((e.value, e.ci.low, e.ci.high), (0.0, 0.0, 0.0));
    // plain sampling says [0, upper]: it cannot prove anything
    let s = run(&with("\"sample\"", &bounded));
    let e = s.metric("error_page_rate").unwrap().figure;
    assert!(e.value == 0.0 && e.ci.high > 0.0, "{e:?}");
}

#[test]
fn the_table_and_json_say_impossible_in_words() {
    let args = [
        "run",
        "scenarios/lisa.toml",
        "--set",
        "hosts.transfer.clock.offset=4m50s",
        "--set",
        r#"checkout.redirect_latency={ uniform = { low = "1s", high = "3s" } }"#,
        "--set",
        "estimator=conditional",
        "--replications",
        "2",
        "--set",
        "horizon=1d",
        "--no-charts",
    ];
    let dir = tempfile::tempdir().unwrap();
    racesim()
        .args(args)
        .arg("--out")
        .arg(dir.path())
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "impossible under these distributions",
        ))
        .stdout(predicate::str::contains("[0, 0]").not());
    let out = racesim()
        .args(args)
        .arg("--out")
        .arg(dir.path())
        .args(["--format", "json", "--force"])
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["metrics"]["error_page_rate"]["method"], "impossible");
}

#[test]
fn importance_sampling_is_refused_for_the_terminal_model() {
    racesim()
        .args([
            "validate",
            "scenarios/cinnamon-twist.toml",
            "--set",
            "estimator=importance",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "the terminal model supports \"sample\" and \"conditional\"",
        ));
}

/// lisa's transfer-clock skew with an error-page rate of exactly 1e-7,
/// seconds (mpmath at 60 digits, `LISA_SKEW_1E7` in
/// `tests/data/tail_reference.py`): 4m 41.377s.
const SKEW_1E7: f64 = 281.377_150_668_196_1;

#[test]
fn solve_answers_the_issue_question_exactly_and_confirms_it() {
    // "how large may the skew be for fewer than 1 error page in 10
    // million?": the exact crossing, to the 1 ms tolerance
    let out = racesim()
        .args([
            "solve",
            "scenarios/lisa.toml",
            "--vary",
            OFFSET,
            "--target",
            "error_page_rate<=1e-7",
            "--range",
            "0m..6m",
            "--replications",
            "4",
            "--format",
            "json",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let doc: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let s = &doc["solve"];
    let answer = s["answer_value"].as_f64().unwrap();
    assert!(
        answer <= SKEW_1E7 && answer > SKEW_1E7 - 1e-3,
        "answer {answer} s, exact {SKEW_1E7} s"
    );
    assert_eq!(s["answer"], "4m 41s 377ms");
    assert_eq!(s["method"], "closed-form");
    // confirmed by the conditional estimator, not by an interval that
    // holds 0 and 80 times the bound
    assert_eq!(doc["estimator"], "conditional");
    assert_eq!(s["agrees"], true);
    let lo = s["simulation"]["ci_low"].as_f64().unwrap();
    let hi = s["simulation"]["ci_high"].as_f64().unwrap();
    assert!(lo > 0.9e-7 && hi <= 1.1e-7, "[{lo}, {hi}]");
}

#[test]
fn solve_says_plainly_when_it_cannot_confirm() {
    // importance sampling over 2 hours and at most 4 replications cannot
    // pin 1e-7 to ±10%: exit 1, with the replications that would
    racesim()
        .args([
            "solve",
            "scenarios/lisa.toml",
            "--vary",
            OFFSET,
            "--target",
            "error_page_rate<=1e-7",
            "--range",
            "0m..6m",
            "--set",
            "estimator=importance",
            "--set",
            "horizon=2h",
            "--replications",
            "2",
            "--max-replications",
            "4",
        ])
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "verdict: could not confirm: interval [",
        ))
        .stdout(predicate::str::contains(
            "vs bound 1e-7 after 4 replications",
        ))
        .stdout(predicate::str::contains("replications would decide it"))
        .stdout(predicate::str::contains("agrees").not());
}

#[test]
fn solve_bisects_on_the_rare_event_estimator_by_simulation() {
    let out = racesim()
        .args([
            "solve",
            "scenarios/lisa.toml",
            "--vary",
            OFFSET,
            "--target",
            "error_page_rate<=1e-7",
            "--range",
            "4m..5m",
            "--by",
            "simulation",
            "--iterations",
            "16",
            "--replications",
            "2",
            "--set",
            "horizon=1d",
            "--format",
            "json",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let doc: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let s = &doc["solve"];
    assert_eq!(s["method"], "simulation");
    // 60 s / 2^16 is 1 ms: with constant clocks the conditional estimator
    // is the closed form, so bisection on it lands on the exact crossing
    let answer = s["answer_value"].as_f64().unwrap();
    assert!((answer - SKEW_1E7).abs() < 2e-3, "answer {answer}");
}

#[test]
fn solve_refuses_the_closed_form_where_it_is_only_a_bound() {
    racesim()
        .args([
            "solve",
            "scenarios/cinnamon-window.toml",
            "--vary",
            "terminal.customers.regular_share",
            "--target",
            "false_alerts<=2000",
            "--range",
            "0.05..0.5",
            "--by",
            "closed-form",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("is a bound"))
        .stderr(predicate::str::contains("--by simulation"));
}

/// `racesim estimate`'s error_page_rate for lisa with `sets` applied.
fn estimated_rate(sets: &[&str]) -> f64 {
    let mut cmd = racesim();
    cmd.args(["estimate", "scenarios/lisa.toml", "--format", "json"]);
    for s in sets {
        cmd.args(["--set", s]);
    }
    let out = cmd.assert().success().get_output().stdout.clone();
    let doc: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let doc = if doc.is_array() { doc[0].clone() } else { doc };
    doc["figures"]["error_page_rate"].as_f64().unwrap()
}

#[test]
fn estimate_is_exact_for_exponential_gamma_and_weibull_latencies_in_the_far_tail() {
    // the midpoint rule over quantiles printed 0 for all three
    let close = |got: f64, want: f64| {
        assert!((got / want - 1.0).abs() < 1e-9, "{got:e} vs {want:e}");
    };
    // exponential (mean 1 s), wait 20 s + 200 ms: e^-20.2 (1 - e^-300) / 300
    let got = estimated_rate(&[
        "hosts.transfer.clock.offset=4m40s",
        r#"checkout.redirect_latency={ exponential = { mean = "1s" } }"#,
    ]);
    close(got, (-20.2f64).exp() * -(-300.0f64).exp_m1() / 300.0);
    assert!(got < 1e-11);
    // gamma (2.5, 800 ms), wait 20 s, no move delay: C(20) / 300, with
    // C(20) = 1.1737588244116244e-9 by mpmath (tests/data/tail_reference.py)
    let got = estimated_rate(&[
        "hosts.transfer.clock.offset=4m40s",
        "transfer.move_delay=0s",
        r#"checkout.redirect_latency={ gamma = { shape = 2.5, scale = "800ms" } }"#,
    ]);
    close(got, 1.173_758_824_411_624_4e-9 / 300.0);
    // Weibull (1.7, 2 s), wait 12 s: C(12) = 2.4222752374437457e-10 (mpmath)
    let got = estimated_rate(&[
        "hosts.transfer.clock.offset=4m48s",
        "transfer.move_delay=0s",
        r#"checkout.redirect_latency={ weibull = { shape = 1.7, scale = "2s" } }"#,
    ]);
    close(got, 2.422_275_237_443_745_7e-10 / 300.0);
}
