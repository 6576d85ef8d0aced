//! A model written outside the crate (the `mm1_queue` example: the same
//! files, compiled here) runs through the whole pipeline by library calls,
//! and its figures agree with queueing theory.

#[path = "../../examples/mm1_queue/model.rs"]
#[allow(dead_code)]
mod model;
#[path = "../../examples/mm1_queue/tour.rs"]
mod tour;

use racesim::report::check::Verdict;
use statrs::distribution::{ContinuousCDF, StudentsT};

/// The standard error behind a 95% ratio-t interval over `n` replications:
/// its half-width over the Student t quantile at 0.975 with `n - 1` degrees
/// of freedom (the interval `docs/statistics.md` gives for a mean).
fn standard_error(w: &tour::Wait) -> f64 {
    let t = StudentsT::new(0.0, 1.0, (w.replications - 1) as f64)
        .unwrap()
        .inverse_cdf(0.975);
    (w.high - w.low) / 2.0 / t
}

/// The simulated mean wait is within 3.3 standard errors of the closed form
/// `Wq = rho / (mu - lambda)`, computed here independently of the model.
fn agrees(w: &tour::Wait, lambda: f64, mu: f64) {
    let wq = (lambda / mu) / (mu - lambda);
    assert_eq!(w.closed_form, wq, "{:?}: the model's closed form", w.params);
    let se = standard_error(w);
    assert!(se > 0.0 && se < 0.05 * wq, "{:?}: SE {se}", w.params);
    assert!(
        (w.value - wq).abs() <= 3.3 * se,
        "{:?}: mean wait {} vs rho/(mu - lambda) = {wq}, SE {se}",
        w.params,
        w.value
    );
}

#[test]
fn an_external_model_runs_through_the_whole_pipeline() {
    let out = tempfile::tempdir().unwrap();
    let f = tour::tour(
        std::path::Path::new("examples/mm1_queue/mm1.toml"),
        out.path(),
    )
    .unwrap();

    // replications with an interval: mm1.toml has lambda 0.5/s, mu 1/s
    assert_eq!(f.single.replications, 20);
    assert!(f.single.params.is_empty());
    agrees(&f.single, 0.5, 1.0);

    // the sweep: one point per arrival rate, each against its closed form
    assert_eq!(f.sweep.len(), tour::SWEEP.len());
    for (w, rate) in f.sweep.iter().zip(tour::SWEEP) {
        assert_eq!(
            w.params,
            [("queue.arrival_rate".to_string(), rate.to_string())]
        );
        let lambda: f64 = rate.trim_end_matches("/s").parse().unwrap();
        agrees(w, lambda, 1.0);
    }
    // common random numbers: the sweep's 0.5/s point is the single run
    assert_eq!(f.sweep[1].value, f.single.value);

    // two shards merge into exactly the single run
    assert_eq!(f.merged, f.single);
    assert!(f.merged_summary_identical);

    // the scenario's [[expect]] min 0.9 and max 1.1 both pass
    assert_eq!(
        f.checks,
        [
            ("mean_wait".to_string(), Verdict::Pass),
            ("mean_wait".to_string(), Verdict::Pass)
        ]
    );

    // the report names the model's metric and its closed form
    let html = std::fs::read_to_string(&f.report).unwrap();
    assert!(html.contains("mean_wait"), "report without mean_wait");
    assert!(html.contains("mm1"), "report without the model's name");
}

/// The kind refuses what it does not accept, with the key and position.
#[test]
fn the_external_model_validates_its_table() {
    let base = std::fs::read_to_string("examples/mm1_queue/mm1.toml").unwrap();
    let load = |text: &str| {
        let source = racesim::scenario::Source::from_text("mm1.toml", text);
        racesim::scenario::load_with(&tour::registry(), &source, &[])
            .map(|_| ())
            .map_err(|e| e.to_string())
    };
    load(&base).unwrap();
    let unstable = base.replace("\"0.5/s\"", "\"2/s\"");
    let e = load(&unstable).unwrap_err();
    assert!(e.contains("the queue is unstable"), "{e}");
    assert!(e.contains("mm1.toml:14"), "{e}");
    let typo = base.replace("service_rate", "servise_rate");
    let e = load(&typo).unwrap_err();
    assert!(e.contains("servise_rate"), "{e}");
    assert!(e.contains("service_rate"), "{e}");
    // the crate's own registry does not know the model
    let e = racesim::scenario::load(
        &racesim::scenario::Source::from_text("mm1.toml", &base),
        &[],
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("mm1"), "{e}");
}
