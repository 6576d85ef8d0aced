//! Shards and merge: any split of the replications merges into exactly the
//! single-run result.

use crate::util::racesim;

const ARGS: [&str; 6] = [
    "--replications",
    "7",
    "--set",
    "horizon=\"6h\"",
    "--no-charts",
    "--quiet",
];

fn whole(dir: &std::path::Path) -> (Vec<u8>, Vec<u8>) {
    let json = racesim()
        .args(["run", "scenarios/lisa.toml", "--format", "json", "--out"])
        .arg(dir)
        .args(ARGS)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    (json, std::fs::read(dir.join("lisa/summary.csv")).unwrap())
}

fn shard(dir: &std::path::Path, k: u64, n: u64, extra: &[&str]) {
    racesim()
        .args([
            "run",
            "scenarios/lisa.toml",
            "--shard",
            &format!("{k}/{n}"),
            "--out",
        ])
        .arg(dir)
        .args(ARGS)
        .args(extra)
        .assert()
        .success();
}

#[test]
fn merged_shards_equal_a_single_run() {
    let base = tempfile::tempdir().unwrap();
    let (json, summary) = whole(base.path());
    let doc: serde_json::Value = serde_json::from_slice(&json).unwrap();
    for n in [1u64, 2, 3, 7] {
        let dir = tempfile::tempdir().unwrap();
        for k in 1..=n {
            shard(dir.path(), k, n, &[]);
        }
        let out = tempfile::tempdir().unwrap();
        let mut cmd = racesim();
        cmd.args(["merge", "--format", "json", "--no-charts", "--out"])
            .arg(out.path());
        for k in 1..=n {
            cmd.arg(dir.path().join(format!("lisa/shard-{k}-of-{n}")));
        }
        let merged = cmd.assert().success().get_output().stdout.clone();
        let mdoc: serde_json::Value = serde_json::from_slice(&merged).unwrap();
        assert_eq!(
            mdoc["metrics"], doc["metrics"],
            "{n} shards: metrics differ"
        );
        assert_eq!(merged, json, "{n} shards: JSON differs");
        assert_eq!(
            std::fs::read(out.path().join("lisa/summary.csv")).unwrap(),
            summary,
            "{n} shards: summary.csv differs"
        );
    }
}

/// Runs `merge` on `shards` and returns its stderr, asserting exit code 2.
fn merge_refused(shards: &[std::path::PathBuf], out: &std::path::Path) -> String {
    let err = racesim()
        .arg("merge")
        .args(shards)
        .arg("--out")
        .arg(out)
        .assert()
        .code(2)
        .get_output()
        .stderr
        .clone();
    String::from_utf8(err).unwrap()
}

#[test]
fn merge_refuses_mismatched_or_incomplete_shards() {
    let dir = tempfile::tempdir().unwrap();
    shard(dir.path(), 1, 2, &[]);
    let other = tempfile::tempdir().unwrap();
    shard(other.path(), 2, 2, &["--seed", "9"]);
    let one = dir.path().join("lisa/shard-1-of-2");
    let two_other_seed = other.path().join("lisa/shard-2-of-2");

    let err = merge_refused(&[one.clone(), two_other_seed], dir.path());
    assert!(err.contains("different seeds"), "{err}");

    let err = merge_refused(std::slice::from_ref(&one), dir.path());
    assert!(err.contains("shard(s) 2/2 missing"), "{err}");

    let err = merge_refused(&[one.clone(), one.join("replications.csv")], dir.path());
    assert!(err.contains("given twice"), "{err}");
}

/// Runs the terminal scenario whole, then as `n` shards of its fleet (more
/// shards than replications), merges, and compares every output byte.
fn terminal_split_merges_exactly(estimator: &str, n: u64) {
    let args = [
        "--replications",
        "2",
        "--set",
        "horizon=\"3d\"",
        "--set",
        estimator,
        "--no-charts",
        "--quiet",
    ];
    let base = tempfile::tempdir().unwrap();
    let run = |extra: &[&str], out: &std::path::Path| {
        racesim()
            .args(["run", "scenarios/cinnamon-twist.toml", "--out"])
            .arg(out)
            .args(args)
            .args(extra)
            .assert()
            .success()
            .get_output()
            .stdout
            .clone()
    };
    let json = run(&["--format", "json"], &base.path().join("whole"));
    let shards = base.path().join("shards");
    for k in 1..=n {
        run(&["--shard", &format!("{k}/{n}")], &shards);
        let dir = shards.join(format!("cinnamon-twist/shard-{k}-of-{n}"));
        let meta = std::fs::read_to_string(dir.join("replications.csv")).unwrap();
        assert!(
            meta.lines()
                .next()
                .unwrap()
                .contains("\"split\":\"terminals\"")
        );
        assert!(dir.join("parts.csv").is_file());
    }
    let mut cmd = racesim();
    cmd.args(["merge", "--format", "json", "--no-charts", "--out"])
        .arg(base.path().join("merged"));
    for k in 1..=n {
        cmd.arg(shards.join(format!("cinnamon-twist/shard-{k}-of-{n}")));
    }
    let merged = cmd.assert().success().get_output().stdout.clone();
    assert_eq!(merged, json, "{estimator}, {n} shards: JSON differs");
    for f in [
        "summary.csv",
        "replications.csv",
        "daily.csv",
        "summary.json",
    ] {
        assert_eq!(
            std::fs::read(base.path().join("merged/cinnamon-twist").join(f)).unwrap(),
            std::fs::read(base.path().join("whole/cinnamon-twist").join(f)).unwrap(),
            "{estimator}, {n} shards: {f} differs"
        );
    }
    // a missing part of the fleet is refused
    let err = merge_refused(
        &(1..n)
            .map(|k| shards.join(format!("cinnamon-twist/shard-{k}-of-{n}")))
            .collect::<Vec<_>>(),
        base.path(),
    );
    assert!(err.contains(&format!("shard(s) {n}/{n} missing")), "{err}");
}

#[test]
fn one_terminal_replication_split_by_terminals_merges_exactly() {
    terminal_split_merges_exactly("estimator=\"sample\"", 3);
}

#[test]
fn conditional_sums_of_a_split_fleet_merge_exactly() {
    // fractional expected counts, kept in fixed point, still add up exactly
    terminal_split_merges_exactly("estimator=\"conditional\"", 7);
}
