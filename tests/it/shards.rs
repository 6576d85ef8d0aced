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
