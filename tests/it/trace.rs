//! `racesim trace`: the incident timeline, pinned by snapshots.

use crate::util::racesim;

fn stdout(args: &[&str]) -> String {
    let out = racesim()
        .args(args)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    String::from_utf8(out).unwrap()
}

#[test]
fn lisa_first_error_reads_like_the_incident() {
    let text = stdout(&["trace", "scenarios/lisa.toml", "--first-error"]);
    // the six steps of the incident, in order
    let steps = [
        "card entered",
        "payment accepted; record marked paid",
        "redirect sent",
        "transfer service polls",
        "moves the record",
        "record not found, the user sees an error page",
    ];
    let mut at = 0;
    for s in steps {
        let i = text[at..]
            .find(s)
            .unwrap_or_else(|| panic!("{s:?} missing or out of order in:\n{text}"));
        at += i;
    }
    assert!(
        text.contains("web (local)") && text.contains("transfer (local)"),
        "both clocks"
    );
    assert!(
        text.contains("why: the `transfer` clock was 6m ahead of `web`"),
        "{text}"
    );
    insta::assert_snapshot!("lisa_first_error", text);
}

#[test]
fn trace_of_a_user_without_error_and_json() {
    let text = stdout(&["trace", "scenarios/lisa.toml", "--user", "0"]);
    assert!(text.contains("record found, confirmation shown"), "{text}");
    let json = stdout(&["trace", "scenarios/lisa.toml", "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(doc["error_page"], true);
    assert!(doc["steps"].as_array().unwrap().len() >= 6);
}

#[test]
fn no_error_to_trace_exits_1() {
    racesim()
        .args(["trace", "scenarios/lisa-ntp.toml", "--replication", "0"])
        .assert()
        .code(1);
}

#[test]
fn terminal_trace_shows_a_rollover_collision() {
    let text = stdout(&["trace", "scenarios/cinnamon-twist.toml"]);
    insta::assert_snapshot!("cinnamon_first_false_reversal", text);
    let json = stdout(&["trace", "scenarios/cinnamon-twist.toml", "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    let (a, b) = (&doc["reversed"], &doc["by"]);
    assert_eq!(a["counter"], b["counter"], "equal counters");
    let gap = b["position"].as_u64().unwrap() - a["position"].as_u64().unwrap();
    assert!(
        gap > 0 && gap % 999 == 0,
        "positions differ by a multiple of 999: {gap}"
    );
    assert_eq!(a["card"], b["card"]);
    assert_eq!(a["amount"], b["amount"]);
}

#[test]
fn events_csv_holds_every_deletion_of_the_replication() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("events.csv");
    racesim()
        .args(["trace", "scenarios/lisa.toml", "--events"])
        .arg(&path)
        .assert()
        .success();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.starts_with("true_time_ns,true_time,web_local,transfer_local,kind,id,note\n"));
    let errors = text
        .lines()
        .filter(|l| l.contains(",delete,") && l.ends_with("error page"))
        .count();
    // the same replication run on its own reports the same number of error pages
    let out = racesim()
        .args([
            "run",
            "scenarios/lisa.toml",
            "--replications",
            "1",
            "--format",
            "json",
            "--no-charts",
            "--out",
        ])
        .arg(dir.path())
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let doc: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(
        doc["metrics"]["error_pages"]["value"].as_f64(),
        Some(errors as f64)
    );
    let arrivals = text.lines().filter(|l| l.contains(",arrival,")).count();
    assert_eq!(
        doc["metrics"]["users"]["value"].as_f64(),
        Some(arrivals as f64)
    );
}

#[test]
fn terminal_events_csv_is_the_replication_run_simulates() {
    // A small, busy fleet: some false reversals, resubmissions, the scan.
    let sets = [
        "--set",
        "terminal.terminals=6",
        "--set",
        "horizon=\"3d\"",
        "--set",
        "terminal.daily_transactions={ uniform = { low = 1000, high = 1400 } }",
        "--set",
        "terminal.customers.regulars=15",
        "--set",
        "terminal.resubmit.probability=0.01",
    ];
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("requests.csv");
    let out = racesim()
        .args([
            "trace",
            "scenarios/cinnamon-twist.toml",
            "--replication",
            "1",
            "--events",
        ])
        .arg(&path)
        .args(sets)
        .assert()
        .success()
        .get_output()
        .clone();
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("of replication 1 to"), "{err}");
    let mut r = csv::Reader::from_path(&path).unwrap();
    let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(
        header.join(","),
        "true_time_ns,true_time,terminal,day,kind,request,position,counter,batch,card,amount,related"
    );
    let rows: Vec<csv::StringRecord> = r.records().map(|x| x.unwrap()).collect();
    let count = |k: &str| rows.iter().filter(|r| &r[4] == k).count() as f64;
    let times: Vec<i64> = rows.iter().map(|r| r[0].parse().unwrap()).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "rows in time order");

    // replications.csv of a run of the same scenario: replication 1.
    racesim()
        .args([
            "run",
            "scenarios/cinnamon-twist.toml",
            "--replications",
            "2",
        ])
        .args(sets)
        .args(["--no-charts", "--quiet", "--out"])
        .arg(dir.path())
        .assert()
        .success();
    let text = std::fs::read_to_string(dir.path().join("cinnamon-twist/replications.csv")).unwrap();
    let mut rr = csv::ReaderBuilder::new()
        .comment(Some(b'#'))
        .from_reader(text.as_bytes());
    let h: Vec<String> = rr.headers().unwrap().iter().map(String::from).collect();
    let rep = rr
        .records()
        .map(|x| x.unwrap())
        .find(|x| &x[1] == "1")
        .expect("replication 1");
    let value = |name: &str| -> f64 {
        rep[h.iter().position(|c| c == name).unwrap()]
            .parse()
            .unwrap()
    };
    assert!(
        value("false_reversals") > 0.0,
        "the case has false reversals"
    );
    assert_eq!(count("false_reversal"), value("false_reversals"));
    assert_eq!(count("purchase"), value("transactions"));
    assert_eq!(count("resubmission"), value("resubmissions"));
    assert_eq!(count("reversal_true_duplicate"), value("true_duplicates"));
    assert_eq!(count("missed_duplicate"), value("missed_duplicates"));
    assert_eq!(count("alert") + count("false_alert"), value("alerts"));
    // A false reversal names the request it reversed, logged before it.
    let fr = rows.iter().find(|r| &r[4] == "false_reversal").unwrap();
    let reversed = rows
        .iter()
        .position(|r| &r[4] == "purchase" && r[5] == fr[5])
        .expect("the reversed purchase");
    let by = rows
        .iter()
        .position(|r| &r[4] == "purchase" && r[5] == fr[11])
        .expect("the later purchase");
    assert!(reversed < by);
    assert_eq!(rows[reversed][7], rows[by][7], "same counter");
    assert_eq!(rows[reversed][9], rows[by][9], "same card");
}
