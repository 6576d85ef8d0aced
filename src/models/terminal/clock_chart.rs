//! The terminal model's clock picture (`clocks.svg` of a run, the report
//! page's clock chart): the offsets of a sample of terminals' clocks and of
//! the processor's over the horizon of replication 0, with every step
//! marked; the same clocks are what `trace --clocks` lists. Drawn only
//! when some clock is not ideal.

use super::config::{Clocks, Jumpers};
use crate::charts::{self, Chart, ChartError, Series};
use crate::clock::{Clock, ClockEventKind, ClockSpec};
use crate::engine::Streams;
use crate::time::{SimDuration, SimTime};

/// Most terminals drawn: those with steps of their own first, then the
/// lowest-numbered ones.
pub(crate) const MAX_TERMINALS: usize = 6;
/// Points of the even grid each clock is sampled on, besides both sides of
/// every breakpoint.
const GRID: i64 = 400;
/// Most breakpoints sampled per clock (a minute's wander over a long
/// horizon would be hundreds of thousands).
const MAX_BREAKPOINTS: usize = 20_000;

/// The terminals drawn for a fleet of `fleet`: those a step names (in
/// `replication`, for a `share`), up to half of [`MAX_TERMINALS`], then
/// the lowest-numbered others, in ascending order.
pub(crate) fn sample(c: &Clocks, fleet: u32, streams: &Streams) -> Vec<u32> {
    let mut picked: Vec<u32> = Vec::new();
    let named_max = MAX_TERMINALS / 2;
    let listed = c.steps.iter().any(|s| matches!(s.who, Jumpers::Listed(_)));
    let shared = c.steps.iter().any(|s| matches!(s.who, Jumpers::Share(_)));
    if listed || shared {
        // Listed ones first (no draw); a share's are found by scanning the
        // fleet in order, at most a few thousand terminals.
        for s in &c.steps {
            if let Jumpers::Listed(v) = &s.who {
                for &t in v {
                    if picked.len() < named_max && !picked.contains(&t) {
                        picked.push(t);
                    }
                }
            }
        }
        if shared {
            for t in 0..fleet.min(4096) {
                if picked.len() >= named_max {
                    break;
                }
                if !picked.contains(&t) && !c.steps_of(t, streams).is_empty() {
                    picked.push(t);
                }
            }
        }
    }
    let mut t = 0;
    while picked.len() < MAX_TERMINALS.min(fleet as usize) {
        if !picked.contains(&t) {
            picked.push(t);
        }
        t += 1;
    }
    picked.sort_unstable();
    picked
}

/// The clocks of the sampled terminals ([`sample`]) and the processor's in
/// replication `streams` (empty when every clock is ideal), named as the
/// chart names them, with the spec each was drawn from.
pub(crate) fn own_clocks(
    c: &Clocks,
    fleet: u32,
    streams: &Streams,
) -> Vec<(String, ClockSpec, Clock)> {
    if c.is_ideal() {
        return Vec::new();
    }
    let mut out: Vec<(String, ClockSpec, Clock)> = sample(c, fleet, streams)
        .into_iter()
        .map(|t| {
            let mut spec = c.terminal.clone();
            spec.steps.extend(c.steps_of(t, streams));
            (format!("terminal {t}"), spec, c.terminal_clock(t, streams))
        })
        .collect();
    out.push((
        processor_name(c),
        c.processor.clone(),
        c.processor_clock(streams),
    ));
    out
}

/// The processor's name in the chart and the listing, with its zone.
fn processor_name(c: &Clocks) -> String {
    if c.zone == SimDuration::ZERO {
        "processor".to_string()
    } else {
        format!("processor (zone {})", c.zone)
    }
}

/// One clock's offset (s) against true time (h) over `[0, end]`: an even
/// grid and both sides of each breakpoint; its steps and sync outages
/// added to `marks` (`step -30m`, `sync off`).
fn offsets(clock: &Clock, name: &str, end: SimTime, marks: &mut Vec<(f64, String)>) -> Series {
    let hours = |t: SimTime| t.as_secs_f64() / 3600.0;
    let span = end.as_nanos().max(0);
    let mut times: Vec<SimTime> = (0..=GRID)
        .map(|i| SimTime::from_nanos(span / GRID * i))
        .collect();
    times.push(end);
    for e in clock
        .events()
        .take_while(|e| e.at <= end)
        .take(MAX_BREAKPOINTS)
    {
        times.push(SimTime::from_nanos((e.at.as_nanos() - 1).max(0)));
        times.push(e.at);
        match e.kind {
            ClockEventKind::Step { by } => marks.push((hours(e.at), format!("step {by}"))),
            ClockEventKind::OutageStart => marks.push((hours(e.at), "sync off".to_string())),
            ClockEventKind::OutageEnd => marks.push((hours(e.at), "sync on".to_string())),
            _ => {}
        }
    }
    times.sort();
    times.dedup();
    let mut c = clock.clone();
    Series {
        name: name.to_string(),
        points: times
            .iter()
            .map(|&t| (hours(t), c.offset(t).as_secs_f64()))
            .collect(),
    }
}

/// A chart's marks: true time (h) and label.
type Marks = Vec<(f64, String)>;

/// Ascending terminal numbers as `0 to 5` or `0, 2, 7 to 9` (runs of
/// three or more as a range).
fn ranges(ids: &[u32]) -> String {
    let mut parts = Vec::new();
    let mut i = 0;
    while i < ids.len() {
        let mut j = i;
        while j + 1 < ids.len() && ids[j + 1] == ids[j] + 1 {
            j += 1;
        }
        if j >= i + 2 {
            parts.push(format!("{} to {}", ids[i], ids[j]));
        } else {
            parts.extend(ids[i..=j].iter().map(u32::to_string));
        }
        i = j + 1;
    }
    parts.join(", ")
}

/// The clock picture of replication `replication` of a fleet of `fleet`
/// terminals over `horizon`, or `None` when every clock is ideal: the
/// offset of each sampled terminal's clock and of the processor's (its
/// time zone is not an offset and is not drawn; the legend gives it).
pub(crate) fn clock_chart(
    title: &str,
    c: &Clocks,
    fleet: u32,
    seed: u64,
    replication: u64,
    horizon: SimDuration,
) -> Result<Option<Chart>, ChartError> {
    if c.is_ideal() {
        return Ok(None);
    }
    let streams = Streams::new(seed, replication);
    let end = SimTime::ZERO + horizon;
    // Terminals whose clocks are alike (the same offsets and marks: a
    // constant offset for the whole fleet) are one line.
    let mut groups: Vec<(Vec<String>, Series, Marks)> = Vec::new();
    let clocks = own_clocks(c, fleet, &streams);
    let terminals = clocks.len().saturating_sub(1);
    for (i, (name, _, clock)) in clocks.iter().enumerate() {
        let mut m = Vec::new();
        let line = offsets(clock, name, end, &mut m);
        match groups
            .iter_mut()
            .find(|g| i < terminals && g.1.points == line.points && g.2 == m)
        {
            Some(g) => g.0.push(name.clone()),
            None => groups.push((vec![name.clone()], line, m)),
        }
    }
    let mut lines = Vec::new();
    let mut marks = Vec::new();
    for (names, mut line, m) in groups {
        if names.len() > 1 {
            let ids: Vec<u32> = names
                .iter()
                .filter_map(|n| n.trim_start_matches("terminal ").parse().ok())
                .collect();
            line.name = format!("terminals {}", ranges(&ids));
        }
        marks.extend(
            m.into_iter()
                .map(|(x, l)| (x, format!("{}: {l}", line.name))),
        );
        lines.push(line);
    }
    charts::clocks(
        &format!("{title}: terminal clock offsets, replication {replication}"),
        &lines,
        &marks,
    )
    .map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dist::DurationDist;
    use crate::models::terminal::{Jumpers, TerminalStep};

    fn clocks(offset: SimDuration, steps: Vec<TerminalStep>) -> Clocks {
        let mut terminal = ClockSpec::ideal();
        terminal.offset = DurationDist::constant(offset);
        Clocks {
            terminal,
            steps,
            processor: ClockSpec::ideal(),
            zone: SimDuration::ZERO,
        }
    }

    #[test]
    fn alike_terminals_are_named_by_ranges() {
        assert_eq!(ranges(&[0, 1, 2, 3, 4, 5]), "0 to 5");
        assert_eq!(ranges(&[0, 2]), "0, 2");
        assert_eq!(ranges(&[0, 1, 4, 5, 6, 9]), "0, 1, 4 to 6, 9");
    }

    #[test]
    fn ideal_clocks_have_no_chart() {
        let c = clocks(SimDuration::ZERO, Vec::new());
        let chart = clock_chart("t", &c, 10, 1, 0, SimDuration::from_hours(48)).expect("draws");
        assert!(chart.is_none());
    }

    #[test]
    fn the_sample_puts_the_terminals_that_jump_first() {
        let step = |who| TerminalStep {
            at: SimTime::ZERO + SimDuration::from_hours(5),
            by: SimDuration::from_secs(-60),
            who,
        };
        let c = clocks(
            SimDuration::ZERO,
            vec![step(Jumpers::Listed(vec![40, 70, 90, 95]))],
        );
        let s = Streams::new(1, 0);
        // Three named (half of 6), then 0, 1, 2.
        assert_eq!(sample(&c, 100, &s), vec![0, 1, 2, 40, 70, 90]);
        // A fleet smaller than the sample: every terminal.
        let c = clocks(SimDuration::from_secs(240), Vec::new());
        assert_eq!(sample(&c, 4, &s), vec![0, 1, 2, 3]);
        // A share: the terminals its draws pick, as the run's clocks do.
        let c = clocks(SimDuration::ZERO, vec![step(Jumpers::Share(0.05))]);
        let picked = sample(&c, 1000, &s);
        let jumpers: Vec<u32> = (0..1000)
            .filter(|&t| !c.steps_of(t, &s).is_empty())
            .take(3)
            .collect();
        assert_eq!(jumpers.len(), 3);
        assert!(jumpers.iter().all(|t| picked.contains(t)), "{picked:?}");
    }

    #[test]
    fn the_chart_draws_each_sampled_clock_and_marks_each_step() {
        let step = TerminalStep {
            at: SimTime::ZERO + SimDuration::from_hours(23),
            by: SimDuration::from_secs(-1800),
            who: Jumpers::Listed(vec![1]),
        };
        let c = clocks(SimDuration::from_secs(240), vec![step]);
        let s = Streams::new(1, 0);
        let mut marks = Vec::new();
        let clock = c.terminal_clock(1, &s);
        let line = offsets(
            &clock,
            "terminal 1",
            SimTime::ZERO + SimDuration::from_hours(48),
            &mut marks,
        );
        // 4 minutes ahead until the step, then 26 minutes behind.
        let before = line.points.iter().filter(|p| p.0 < 23.0);
        assert!(before.clone().count() > 100);
        assert!(before.clone().all(|p| p.1 == 240.0));
        assert!(
            line.points
                .iter()
                .filter(|p| p.0 >= 23.0)
                .all(|p| p.1 == -1560.0)
        );
        assert_eq!(marks, vec![(23.0, "step -30m".to_string())]);
        // Terminals 0 and 2 are alike (4 minutes ahead throughout): one
        // line.
        let chart = clock_chart("t", &c, 3, 1, 0, SimDuration::from_hours(48))
            .expect("draws")
            .expect("not ideal");
        for name in [
            "terminals 0, 2",
            "terminal 1",
            "terminal 1: step -30m",
            "processor",
        ] {
            assert!(chart.svg.contains(name), "{name}");
        }
        // A legend entry is a text element's line of its own.
        assert!(chart.svg.lines().any(|l| l == "terminals 0, 2"));
        assert!(
            !chart.svg.lines().any(|l| l == "terminal 0"),
            "no line of its own"
        );
    }
}
