//! Same scenario and seed: the same bytes out, whatever the thread count.

use crate::util::racesim;

fn run(threads: &str, dir: &std::path::Path) -> (Vec<u8>, Vec<u8>, Vec<u8>) {
    let out = racesim()
        .args([
            "run",
            "scenarios/lisa.toml",
            "--replications",
            "6",
            "--set",
            "horizon=\"1d\"",
            "--format",
            "json",
        ])
        .args(["--threads", threads, "--out"])
        .arg(dir)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let summary = std::fs::read(dir.join("lisa/summary.csv")).unwrap();
    let reps = std::fs::read(dir.join("lisa/replications.csv")).unwrap();
    (out, summary, reps)
}

#[test]
fn outputs_do_not_depend_on_the_thread_count() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let one = run("1", a.path());
    let two = run("2", b.path());
    assert_eq!(one.0, two.0, "JSON differs between 1 and 2 threads");
    assert_eq!(one.1, two.1, "summary.csv differs");
    assert_eq!(one.2, two.2, "replications.csv differs");
    let json: serde_json::Value = serde_json::from_slice(&one.0).unwrap();
    assert!(
        json["metrics"]["error_page_rate"]["value"]
            .as_f64()
            .unwrap()
            > 0.0
    );
}

#[test]
fn a_different_seed_gives_different_numbers() {
    let a = tempfile::tempdir().unwrap();
    let one = run("2", a.path());
    let other = racesim()
        .args([
            "run",
            "scenarios/lisa.toml",
            "--replications",
            "6",
            "--set",
            "horizon=\"1d\"",
            "--format",
            "json",
            "--seed",
            "2",
        ])
        .arg("--out")
        .arg(a.path())
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert_ne!(one.0, other);
}
