//! Coverage of the 95% intervals, measured: for each case, run the scenario
//! with many seeds and count how often the interval holds the exact value.
//!
//! The cases are the ones that broke the old intervals (events clustered by a
//! clock offset or a terminal's mean drawn per replication; three
//! replications of cinnamon-twist) beside plain sampling of rare events and
//! the conditional estimator. Each exact value is computed independently of
//! racesim (closed form with mpmath or scipy, or a long run of another
//! estimator with a different seed), and written beside its constant with
//! how.
//!
//! By default each case runs [`FAST_SEEDS`] seeds and accepts at most
//! [`FAST_MISSES`] misses: a binomial test that a true coverage of 80% fails
//! with probability 0.92, and 95% passes with probability 0.986. With
//! `RACESIM_SLOW_TESTS=1` each runs [`SLOW_SEEDS`] seeds and requires a
//! coverage between 92% and 98.5%; the figures go to stderr and into
//! `docs/statistics.md`.
//!
//! The rare-event estimators (conditional and importance sampling) each have
//! a rare case and a clustered one.

use racesim::experiment::{PointResult, Warning};

use crate::util::{checkout_tables, edit, run_text, terminal_tables};

/// Seeds per case in the default test run.
const FAST_SEEDS: u64 = 40;
/// Misses allowed among [`FAST_SEEDS`] (see the module docs).
const FAST_MISSES: u64 = 5;
/// Seeds per case in the slow study.
const SLOW_SEEDS: u64 = 400;
/// The slow study's acceptance band.
const SLOW_BAND: (f64, f64) = (0.92, 0.985);
/// Seeds of the slow study start here, apart from the fast ones.
const SLOW_FIRST_SEED: u64 = 1000;

fn slow() -> bool {
    std::env::var("RACESIM_SLOW_TESTS").as_deref() == Ok("1")
}

/// What one case measured.
#[derive(Debug, Default)]
struct Tally {
    seeds: u64,
    covered: u64,
    /// Misses where the run said something was off (a concentration or
    /// disagreement warning on the metric).
    flagged_misses: u64,
    /// Runs with a warning on the metric.
    warned: u64,
    /// Sum of relative half-widths, for the mean.
    relative_half_width: f64,
    /// Runs whose interval used each method, by name.
    methods: std::collections::BTreeMap<&'static str, u64>,
}

impl Tally {
    fn coverage(&self) -> f64 {
        self.covered as f64 / self.seeds as f64
    }

    fn misses(&self) -> u64 {
        self.seeds - self.covered
    }

    fn report(&self, name: &str) -> String {
        let methods: Vec<String> = self
            .methods
            .iter()
            .map(|(m, k)| format!("{m} {k}"))
            .collect();
        format!(
            "coverage {name}: {}/{} = {:.3}; {} misses ({} flagged by a warning); warned in {} runs; mean relative half-width {:.2}; methods: {}",
            self.covered,
            self.seeds,
            self.coverage(),
            self.misses(),
            self.flagged_misses,
            self.warned,
            self.relative_half_width / self.seeds as f64,
            methods.join(", ")
        )
    }
}

/// Runs `text` with each seed and tallies whether `metric`'s interval holds
/// `truth`.
fn measure(
    text: &str,
    overrides: &[(&str, &str)],
    metric: &str,
    truth: f64,
    seeds: std::ops::Range<u64>,
) -> Tally {
    let mut t = Tally::default();
    for seed in seeds {
        let seed_text = seed.to_string();
        let mut ovs = overrides.to_vec();
        ovs.push(("seed", &seed_text));
        let p: PointResult = run_text(text, &ovs);
        let m = p
            .metric(metric)
            .unwrap_or_else(|| panic!("no metric {metric}"));
        let ci = m.figure.ci;
        t.seeds += 1;
        *t.methods.entry(ci.method.as_str()).or_default() += 1;
        let warned = m
            .warnings
            .iter()
            .any(|w| matches!(w, Warning::Concentrated(_) | Warning::Disagrees { .. }));
        t.warned += u64::from(warned);
        if ci.is_defined() && ci.low <= truth && truth <= ci.high {
            t.covered += 1;
        } else if warned {
            t.flagged_misses += 1;
        }
        if ci.is_defined() && truth != 0.0 {
            t.relative_half_width += ci.half_width() / truth;
        }
    }
    t
}

/// Measures a case with the fast or the slow seeds and checks it.
#[track_caller]
fn check_case(name: &str, text: &str, overrides: &[(&str, &str)], metric: &str, truth: f64) {
    let t = if slow() {
        measure(
            text,
            overrides,
            metric,
            truth,
            SLOW_FIRST_SEED..SLOW_FIRST_SEED + SLOW_SEEDS,
        )
    } else {
        measure(text, overrides, metric, truth, 1..1 + FAST_SEEDS)
    };
    eprintln!("{}", t.report(name));
    if slow() {
        let c = t.coverage();
        assert!(
            (SLOW_BAND.0..=SLOW_BAND.1).contains(&c),
            "{}: coverage {c} outside {SLOW_BAND:?}",
            t.report(name)
        );
    } else {
        assert!(
            t.misses() <= FAST_MISSES,
            "{}: more than {FAST_MISSES} misses",
            t.report(name)
        );
    }
}

/// A checkout where a poll lands in the race window `L - D - c` with
/// `c = grace - skew`: the shared checkout tables with Poisson arrivals at
/// 600 an hour, lognormal redirect latency (median 1.5 s, p99 6 s), the
/// transfer clock 4m55s ahead, polls every 5 minutes, grace 5 minutes, move
/// delay 0.2 s.
pub(crate) fn checkout() -> String {
    edit(
        concat!(
            "name = \"coverage\"\nmodel = \"checkout\"\nreplications = 10\nhorizon = \"24h\"\n",
            checkout_tables!()
        ),
        &[
            ("offset = \"6m\"", "offset = \"4m55s\""),
            ("rate = \"120/h\"", "rate = \"600/h\""),
            (
                "median = \"1s\", p99 = \"5s\"",
                "median = \"1500ms\", p99 = \"6s\"",
            ),
            (
                "grace = \"5m\"\n",
                "grace = \"5m\"\nmove_delay = \"200ms\"\n",
            ),
        ],
    )
}

/// The checkout error rate with the transfer clock 4m55s ahead (c = 5 s):
/// `(SL(D + c) - SL(D + c + P)) / P` with `SL(k) = E[(L - k)^+]` the
/// lognormal's stop-loss transform `e^(mu + sigma²/2) Phi(d1) - k Phi(d1 -
/// sigma)`, `d1 = (mu + sigma² - ln k) / sigma`, `mu = ln 1.5`, `sigma = ln 4 /
/// z(0.99)`, `D = 0.2`, `P = 300`: mpmath at 30 digits.
const PLAIN_RATE: f64 = 8.617_725_887_112_634e-5;

/// The same with the transfer offset drawn uniform on [280 s, 320 s] per
/// replication: `c = max(0, 300 - s)`, so the rate is `err(0) / 2 + (1/40)
/// ∫_0^20 err(c) dc` (mpmath `quad`, 30 digits).
const OFFSET_RATE: f64 = 0.002_814_948_311_744_977_8;

/// Plain sampling of a rare error page: about 1e-4 of 144,000 users, 12
/// events per run.
#[test]
fn rare_events_plain_sampling_coverage() {
    check_case(
        "rare events, plain sampling (10 replications, ~12 events)",
        &checkout(),
        &[],
        "error_page_rate",
        PLAIN_RATE,
    );
}

/// Events clustered by a clock offset drawn per replication: half the
/// replications have the skew past the grace and many errors, the others
/// few (the issue's case: nominal 95% intervals covered in 80% of seeds).
#[test]
fn clock_offset_per_replication_coverage() {
    check_case(
        "clock offset drawn per replication (8 replications, ~16 events)",
        &checkout(),
        &[
            (
                "hosts.transfer.clock.offset",
                r#"{ uniform = { low = "280s", high = "320s" } }"#,
            ),
            ("checkout.arrivals.rate", "\"60/h\""),
            ("horizon", "\"12h\""),
            ("replications", "8"),
        ],
        "error_page_rate",
        OFFSET_RATE,
    );
}

/// The conditional estimator on the rare case (expected counts, Student t).
#[test]
fn conditional_estimator_coverage() {
    check_case(
        "conditional estimator, rare events (10 replications)",
        &checkout(),
        &[("estimator", "\"conditional\""), ("horizon", "\"6h\"")],
        "error_page_rate",
        PLAIN_RATE,
    );
}

/// The conditional estimator where the offset is drawn per replication: the
/// poll phase and latency are integrated, the clustering by offset is not.
#[test]
fn conditional_estimator_clustered_coverage() {
    check_case(
        "conditional estimator, clock offset per replication (8 replications)",
        &checkout(),
        &[
            ("estimator", "\"conditional\""),
            (
                "hosts.transfer.clock.offset",
                r#"{ uniform = { low = "280s", high = "320s" } }"#,
            ),
            ("checkout.arrivals.rate", "\"60/h\""),
            ("horizon", "\"12h\""),
            ("replications", "8"),
        ],
        "error_page_rate",
        OFFSET_RATE,
    );
}

/// lisa's race written as a race file ([`CHECKOUT`] in the race model's
/// words: the same race, so the same exact values).
const RACE: &str = r#"
name = "coverage-race"
model = "race"
replications = 10
horizon = "24h"
[hosts.web]
[hosts.transfer]
clock = { offset = "4m55s" }
[race]
arrivals = { rate = "600/h" }
[[race.instant]]
name = "paid"
host = "web"
stamp = true
[[race.instant]]
name = "read"
after = "paid"
delay = { lognormal = { median = "1500ms", p99 = "6s" } }
host = "web"
[[race.poller]]
name = "transfer"
host = "transfer"
every = "5m"
delay = "200ms"
selects = "paid"
older_than = "5m"
creates = "moved"
[[race.failure]]
name = "error_page"
first = "moved"
before = "read"
"#;

/// The race model's conditional estimator where the offset is drawn per
/// replication (as [`conditional_estimator_clustered_coverage`]): the poll
/// phase, the poller's delay and the read's delay are integrated per item,
/// the offset is not.
#[test]
fn race_conditional_estimator_clustered_coverage() {
    check_case(
        "race model, conditional estimator, clock offset per replication (8 replications)",
        RACE,
        &[
            ("estimator", "\"conditional\""),
            (
                "hosts.transfer.clock.offset",
                r#"{ uniform = { low = "280s", high = "320s" } }"#,
            ),
            ("race.arrivals.rate", "\"60/h\""),
            ("horizon", "\"12h\""),
            ("replications", "8"),
        ],
        "error_page_rate",
        OFFSET_RATE,
    );
}

/// Importance sampling of the redirect latency's tail on the rare case: each
/// draw weighted by its likelihood ratio, the interval from the weighted
/// per-replication rates.
#[test]
fn importance_estimator_coverage() {
    check_case(
        "importance estimator, rare events (10 replications)",
        &checkout(),
        &[("estimator", "\"importance\""), ("horizon", "\"6h\"")],
        "error_page_rate",
        PLAIN_RATE,
    );
}

/// Importance sampling where the offset is drawn per replication: the
/// clustering by offset remains, as for the conditional estimator.
#[test]
fn importance_estimator_clustered_coverage() {
    check_case(
        "importance estimator, clock offset per replication (8 replications)",
        &checkout(),
        &[
            ("estimator", "\"importance\""),
            (
                "hosts.transfer.clock.offset",
                r#"{ uniform = { low = "280s", high = "320s" } }"#,
            ),
            ("checkout.arrivals.rate", "\"60/h\""),
            ("horizon", "\"12h\""),
            ("replications", "8"),
        ],
        "error_page_rate",
        OFFSET_RATE,
    );
}

/// A fleet whose terminals draw their mean daily volume once per
/// replication: overflow days come from the few busy terminals, in clusters
/// of up to 20 days. The shared terminal tables with 30 terminals, means
/// lognormal (median 850, p99 1100), Poisson days and a 3-digit counter.
fn fleet() -> String {
    edit(
        concat!(
            "name = \"fleet\"\nmodel = \"terminal\"\nreplications = 8\nhorizon = \"20d\"\n",
            terminal_tables!()
        ),
        &[
            ("terminals = 2", "terminals = 30"),
            (
                "daily_transactions = 300\n",
                "daily_transactions = { lognormal = { median = 850, p99 = 1100 } }\nday_to_day = \"poisson\"\ncounter_digits = 3\n",
            ),
        ],
    )
}

/// `P(N > 999)` per terminal-day with `N ~ Poisson(m)`, `m ~ lognormal(median
/// 850, p99 1100)`: `∫ phi(z) P(Poisson(e^(mu + sigma z)) > 999) dz` by scipy
/// `integrate.quad` (relative tolerance 1e-13) with `stats.poisson.sf`.
const FLEET_OVERFLOW_PER_TERMINAL_DAY: f64 = 0.079_916_565_097_139_47;

/// Terminal means drawn per replication: overflow days cluster by terminal.
/// The metric is the total over 8 replications of 30 terminals for 20 days.
#[test]
fn terminal_means_per_replication_coverage() {
    let truth = FLEET_OVERFLOW_PER_TERMINAL_DAY * 30.0 * 20.0 * 8.0;
    check_case(
        "terminal means drawn per replication (8 replications, overflow_days)",
        &fleet(),
        &[],
        "overflow_days",
        truth,
    );
}

/// The issue's fleet (200 terminals, means lognormal with median 500 and p99
/// 800, 8 replications of a year: 24 overflow days, expectation 206), made
/// small enough to run often with the same shape: 10 terminals for 100 days,
/// means lognormal with median 600 and p99 1000, so a terminal past 999 a day
/// is a 1-in-100 draw, and most runs of 8 replications draw one or none. No
/// interval over 8 replications can see a cluster the run never drew; what
/// the run can do is say so: the back-of-envelope lies above the interval.
/// So every miss must be flagged by a warning.
#[test]
fn unseen_clusters_are_flagged() {
    // 0.010716713759503999 per terminal-day: scipy, as for
    // FLEET_OVERFLOW_PER_TERMINAL_DAY with median 600 and p99 1000.
    let truth = 0.010_716_713_759_503_999 * 10.0 * 100.0 * 8.0;
    let t = measure(
        &fleet(),
        &[
            (
                "terminal.daily_transactions",
                "{ lognormal = { median = 600, p99 = 1000 } }",
            ),
            ("terminal.terminals", "10"),
            ("horizon", "\"100d\""),
        ],
        "overflow_days",
        truth,
        1..1 + if slow() { SLOW_SEEDS } else { FAST_SEEDS },
    );
    eprintln!(
        "{}",
        t.report("unseen clusters (10 terminals, means lognormal 600, p99 1000)")
    );
    assert!(
        t.misses() > 0,
        "{}: the case no longer shows the problem",
        t.report("unseen clusters")
    );
    assert_eq!(
        t.misses(),
        t.flagged_misses,
        "{}: a miss without a warning",
        t.report("unseen clusters")
    );
}

/// cinnamon-twist with 3 replications (the issue's case: 82-89%). Its false
/// reversals come from the 3% busy terminals, whose number is drawn per
/// replication. The rate per terminal-day does not depend on the horizon,
/// so the fast version runs 10 days.
#[test]
fn cinnamon_twist_three_replications_coverage() {
    let text = std::fs::read_to_string("scenarios/cinnamon-twist.toml").expect("reads");
    let horizon: &[(&str, &str)] = if slow() {
        &[]
    } else {
        &[("horizon", "\"10d\"")]
    };
    let mut ovs = vec![("replications", "3")];
    ovs.extend_from_slice(horizon);
    check_case(
        "cinnamon-twist, 3 replications (false_reversals_per_year)",
        &text,
        &ovs,
        "false_reversals_per_year",
        CINNAMON_FALSE_REVERSALS_PER_YEAR,
    );
}

/// cinnamon-twist's false reversals per fleet-year: the conditional
/// estimator over 4000 replications of 30 days, seed 1000 (`racesim run
/// scenarios/cinnamon-twist.toml --replications 4000 --seed 1000 --set
/// estimator="conditional"`), whose seeds the study does not use: 76.32
/// with 95% interval [75.22, 77.43], within 1.5%, where the 3-replication
/// intervals are +/-100% wide. Plain sampling agrees: 4000 replications
/// (1000 with seed 2000, 3000 with seed 3000) give 76.9 with 95% interval
/// about [75.5, 78.3]. The closed form (57.0) leaves out return visits, so it
/// cannot serve.
const CINNAMON_FALSE_REVERSALS_PER_YEAR: f64 = 76.324_015_884_000_27;

/// Sanity of the exact values: the model's own closed form agrees with the
/// independent computation where it applies.
#[test]
fn exact_values_agree_with_the_closed_form() {
    let p = run_text(&checkout(), &[("replications", "2"), ("horizon", "\"1h\"")]);
    let cf = p.metric("error_page_rate").unwrap().closed_form.unwrap();
    // racesim's closed form integrates the latency by quadrature, 0.2% from
    // the exact stop-loss transform here
    assert!((cf / PLAIN_RATE - 1.0).abs() < 5e-3, "{cf} vs {PLAIN_RATE}");
    let p = run_text(&fleet(), &[("replications", "2"), ("horizon", "\"1d\"")]);
    let cf = p.metric("overflow_days").unwrap().closed_form.unwrap();
    let exact = FLEET_OVERFLOW_PER_TERMINAL_DAY * 30.0 * 2.0;
    assert!((cf / exact - 1.0).abs() < 1e-6, "{cf} vs {exact}");
}
