//! `volume.csv` (terminal model): false reversals by daily volume, its
//! totals, its agreement with the closed form, its chart and its merge.

use crate::util::racesim;

/// Reads a CSV into (header, rows).
fn table(path: &std::path::Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_path(path).unwrap();
    let header = r.headers().unwrap().iter().map(String::from).collect();
    let rows = r
        .records()
        .map(|x| x.unwrap().iter().map(String::from).collect())
        .collect();
    (header, rows)
}

fn column(header: &[String], rows: &[Vec<String>], name: &str) -> Vec<f64> {
    let i = header
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column {name}"));
    rows.iter()
        .map(|r| r[i].parse().unwrap_or(f64::NAN))
        .collect()
}

#[test]
fn run_writes_volume_csv_that_adds_up_to_the_summary() {
    let dir = tempfile::tempdir().unwrap();
    racesim()
        .args([
            "run",
            "scenarios/cinnamon-twist.toml",
            "--replications",
            "2",
            "--set",
            "horizon=\"10d\"",
            "--quiet",
            "--out",
        ])
        .arg(dir.path())
        .assert()
        .success();
    let out = dir.path().join("cinnamon-twist");
    let (h, rows) = table(&out.join("volume.csv"));
    assert_eq!(
        h,
        [
            "point",
            "low_n",
            "high_n",
            "counter_range",
            "terminal_days",
            "transactions",
            "false_reversals",
            "false_reversals_per_terminal_day_estimate"
        ]
    );
    let days: f64 = column(&h, &rows, "terminal_days").iter().sum();
    assert_eq!(days, 200.0 * 10.0 * 2.0, "terminals * days * replications");
    let (sh, srows) = table(&out.join("summary.csv"));
    let fr: f64 = column(&h, &rows, "false_reversals").iter().sum();
    assert_eq!(fr, column(&sh, &srows, "false_reversals")[0]);
    let sales: f64 = column(&h, &rows, "transactions").iter().sum();
    assert_eq!(sales, column(&sh, &srows, "transactions")[0]);
    // Bins of 25 purchases, the range on an edge.
    let lows = column(&h, &rows, "low_n");
    assert!(lows.iter().all(|l| l % 25.0 == 0.0));
    assert!(lows.windows(2).all(|w| w[0] < w[1]));
    assert!(out.join("volume.svg").exists() && out.join("volume.png").exists());
    let svg = std::fs::read_to_string(out.join("volume.svg")).unwrap();
    assert!(svg.contains("cinnamon-twist: false reversals against daily volume"));

    // `plot` redraws it from the file alone.
    let again = tempfile::tempdir().unwrap();
    racesim()
        .arg("plot")
        .arg(out.join("volume.csv"))
        .arg("--out")
        .arg(again.path())
        .assert()
        .success();
    assert!(again.path().join("volume.svg").exists());
}

#[test]
fn volume_bins_agree_with_the_closed_form_where_it_applies() {
    // Without return visits (and with resubmissions, which are never false
    // reversals) a terminal-day of N purchases, 999 < N <= 1998, expects
    // (N - 999) * q false reversals; above the range each bin is linear in N,
    // so its expected count is (mean N of its days - 999) * q * days, and its
    // midpoint estimate is (midpoint - 999) * q.
    let dir = tempfile::tempdir().unwrap();
    racesim()
        .args([
            "run",
            "scenarios/cinnamon-twist.toml",
            "--replications",
            "3",
            "--seed",
            "5",
            "--set",
            "horizon=\"20d\"",
            "--set",
            "terminal.customers.return_visit=0",
            "--set",
            "terminal.customers.regulars=20",
            "--set",
            "terminal.daily_transactions={ uniform = { low = 950, high = 1350 } }",
            "--set",
            "terminal.terminals=30",
            "--no-charts",
            "--quiet",
            "--out",
        ])
        .arg(dir.path())
        .assert()
        .success();
    let (h, rows) = table(&dir.path().join("cinnamon-twist/volume.csv"));
    let (low, high) = (column(&h, &rows, "low_n"), column(&h, &rows, "high_n"));
    let days = column(&h, &rows, "terminal_days");
    let sales = column(&h, &rows, "transactions");
    let fr = column(&h, &rows, "false_reversals");
    let est = column(&h, &rows, "false_reversals_per_terminal_day_estimate");
    // q from the estimate of the first bin above the range.
    let first = low.iter().position(|&l| l == 1000.0).unwrap();
    let q = est[first] / ((low[first] + high[first]) / 2.0 - 999.0);
    let mut checked = 0;
    for i in 0..rows.len() {
        if low[i] <= 999.0 {
            assert_eq!(fr[i], 0.0, "no false reversal at or below the range");
            assert_eq!(est[i], 0.0);
            continue;
        }
        let expected = (sales[i] / days[i] - 999.0) * q * days[i];
        if expected < 10.0 {
            continue;
        }
        let se = expected.sqrt();
        assert!(
            (fr[i] - expected).abs() <= 3.3 * se,
            "bin {}..{}: {} false reversals, closed form {expected:.1} (se {se:.1})",
            low[i],
            high[i],
            fr[i]
        );
        checked += 1;
    }
    assert!(checked >= 8, "only {checked} bins compared");
}

#[test]
fn merged_shards_sum_volume_csv_like_a_single_run() {
    let args = [
        "--replications",
        "3",
        "--set",
        "horizon=\"4d\"",
        "--no-charts",
        "--quiet",
    ];
    let whole = tempfile::tempdir().unwrap();
    racesim()
        .args(["run", "scenarios/cinnamon-twist.toml", "--out"])
        .arg(whole.path())
        .args(args)
        .assert()
        .success();
    let parts = tempfile::tempdir().unwrap();
    for k in 1..=2 {
        racesim()
            .args(["run", "scenarios/cinnamon-twist.toml", "--shard"])
            .arg(format!("{k}/2"))
            .arg("--out")
            .arg(parts.path())
            .args(args)
            .assert()
            .success();
    }
    let merged = tempfile::tempdir().unwrap();
    racesim()
        .args(["merge", "--no-charts", "--out"])
        .arg(merged.path())
        .arg(parts.path().join("cinnamon-twist/shard-1-of-2"))
        .arg(parts.path().join("cinnamon-twist/shard-2-of-2"))
        .assert()
        .success();
    let read =
        |d: &std::path::Path| std::fs::read_to_string(d.join("cinnamon-twist/volume.csv")).unwrap();
    assert_eq!(read(merged.path()), read(whole.path()));
}
