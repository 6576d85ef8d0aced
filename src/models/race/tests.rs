//! Tests of the race model: its key lists against serde, the order of
//! instants, the semantics of never-happening instants and of deadlines on a
//! clock that steps back, and the replication's independence from anything
//! but its streams.

use super::sim::{self, Watch};
use super::*;
use crate::field::accepted_by;
use crate::scenario::{self, Source};

#[test]
fn the_key_lists_are_what_serde_accepts() {
    assert_eq!(accepted_by::<RawRace>(|t| t.to_string()), RawRace::KEYS);
    assert_eq!(
        accepted_by::<RawInstant>(|t| t.to_string()),
        RawInstant::KEYS
    );
    assert_eq!(
        accepted_by::<RawDeadline>(|t| t.to_string()),
        RawDeadline::KEYS
    );
    assert_eq!(accepted_by::<RawPoller>(|t| t.to_string()), RawPoller::KEYS);
    assert_eq!(
        accepted_by::<RawFailure>(|t| t.to_string()),
        RawFailure::KEYS
    );
    assert_eq!(
        accepted_by::<RawThreshold>(|t| t.to_string()),
        RawThreshold::KEYS
    );
}

fn config(text: &str) -> RaceConfig {
    let sc = scenario::load(&Source::from_text("t.toml", text), &[]).expect("valid scenario");
    Race::config_of(&*sc.model).expect("a race").clone()
}

/// Instants written before what they depend on are put after it.
#[test]
fn instants_follow_what_they_depend_on_whatever_the_file_order() {
    let cfg = config(
        r#"
name = "t"
model = "race"
horizon = "1h"
[hosts.a]
[race]
arrivals = { rate = "60/h" }
[[race.instant]]
name = "late"
deadline = { host = "a", stamp = "mid", plus = "1s" }
not_before = "early"
[[race.instant]]
name = "mid"
after = "early"
host = "a"
stamp = true
[[race.instant]]
name = "early"
delay = "1s"
[[race.failure]]
name = "f"
first = "late"
before = "mid"
"#,
    );
    let names: Vec<&str> = cfg.instants.iter().map(|i| i.name.as_str()).collect();
    assert_eq!(names, ["arrival", "early", "mid", "late"]);
}

const STEP_BACK: &str = r#"
name = "t"
model = "race"
horizon = "1h"
[hosts.a]
clock = { steps = [{ at = "30m", by = "-10s" }] }
[race]
arrivals = { rate = "6000/h" }
run_out = "1m"
[[race.instant]]
name = "stamped"
host = "a"
stamp = true
[[race.instant]]
name = "due"
deadline = { host = "a", stamp = "stamped", plus = "5s" }
[[race.instant]]
name = "check"
after = "stamped"
delay = "5s"
[[race.failure]]
name = "late"
first = "check"
before = "due"
"#;

/// A deadline on a clock that steps back 10 s at 30 min: an item stamped in
/// the 5 s before the step reads its target only 10 s later in true time
/// (the first reading counts, and the clock never read it before the step),
/// so "check (5 s after) before due" fails exactly for those items; every
/// other item's deadline is its stamp plus 5 s, a tie with the check, which
/// is no failure. With ideal clocks nothing fails.
#[test]
fn a_deadline_on_a_clock_that_steps_back_fails_only_across_the_step() {
    let cfg = config(STEP_BACK);
    let streams = crate::engine::Streams::new(5, 0);
    let out = sim::run(&cfg, &streams, None).output;
    let items = out.values[0];
    assert!(items > 5000.0, "{items}");
    let first = sim::run(&cfg, &streams, Some(Watch::FirstFailure))
        .snapshot
        .expect("an item fails");
    let t = first.instants[cfg.instant("stamped").unwrap()].0;
    let step = 30 * 60 * 1_000_000_000i64;
    assert!((step - 5_000_000_000..step).contains(&t), "stamped at {t}");
    let due = first.instants[cfg.instant("due").unwrap()].0;
    assert_eq!(due, t + 15_000_000_000, "the target is read 10 s late");
    // the failures are the arrivals in [30m - 5s, 30m): about 8 expected
    assert!(
        out.values[1] >= 1.0 && out.values[1] < 30.0,
        "{}",
        out.values[1]
    );
    assert_eq!(out.values[2], 0.0, "no failure with ideal clocks");
    // ties are no failure: the margin of every item but those is 0
    assert_eq!(out.values[4], items, "every item has a margin");
}

/// A delayed instant after one that never happens never happens, and an
/// ordering whose `before` never happens fails.
#[test]
fn never_propagates_and_a_missing_before_is_a_failure() {
    let cfg = config(
        r#"
name = "t"
model = "race"
horizon = "1h"
[race]
arrivals = { rate = "600/h" }
run_out = "10m"
[[race.instant]]
name = "far"
delay = "2h"
[[race.instant]]
name = "after_far"
after = "far"
[[race.instant]]
name = "soon"
delay = "1s"
[[race.failure]]
name = "soon_first"
first = "soon"
before = "after_far"
[[race.failure]]
name = "never_first"
first = "after_far"
before = "soon"
"#,
    );
    let out = sim::run(&cfg, &crate::engine::Streams::new(1, 0), None).output;
    let items = out.values[0];
    assert!(items > 0.0);
    // soon_first: every item (its `before` never happens), no margin
    assert_eq!(out.values[1], items);
    assert_eq!(out.values[4], 0.0);
    // never_first: none (its `first` never happens)
    assert_eq!(out.values[5], 0.0);
}

/// A replication depends only on its streams: the same numbers run twice,
/// in either order with another replication.
#[test]
fn a_replication_depends_only_on_its_streams() {
    let text = std::fs::read_to_string("scenarios/three-frontends.toml").unwrap();
    let sc = scenario::load(
        &Source::from_text("t.toml", &text),
        &[scenario::Override {
            path: "horizon".into(),
            value: "\"1d\"".into(),
        }],
    )
    .unwrap();
    let m = &*sc.model;
    let a = m.run(crate::engine::Streams::new(9, 1), None).unwrap();
    let _ = m.run(crate::engine::Streams::new(9, 0), None).unwrap();
    let b = m.run(crate::engine::Streams::new(9, 1), None).unwrap();
    assert_eq!(a, b);
    assert!(a.values[1] > 0.0, "some error pages in a day");
}
