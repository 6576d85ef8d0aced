//! `racesim solve`'s answer in words, as CSV (a header and one row) and as
//! JSON (`run`'s document of the confirmation point with a `solve` object).

use serde_json::{Value as Json, json};

use crate::experiment::solve::{self, Agreement, Method, Solution, Value};
use crate::fmt::{fmt_exact, fmt_num};
use crate::report::{json, table};

fn method_line(s: &Solution) -> String {
    let (lo, hi) = s.range;
    match &s.method {
        Method::ClosedForm => format!(
            "method: exact closed form scanned at {} points over [{lo}, {hi}], bisected to {} in {} steps; checked by simulation",
            s.scanned + 2,
            s.tolerance,
            s.steps
        ),
        Method::Simulation { why } => format!(
            "method: bisection on simulation (common random numbers) over [{lo}, {hi}], {} steps; {why}",
            s.steps
        ),
    }
}

/// The verdict on the answer in words: confirmed, contradicted, or not
/// decided (and how many replications would decide it).
pub fn verdict(s: &Solution) -> String {
    let Some(e) = s.figure() else {
        return "no simulated figure".into();
    };
    let ci = {
        let (l, h) = crate::fmt::fmt_interval(e.ci.low, e.ci.high);
        format!("[{l}, {h}]")
    };
    let x = s.target.bound_text();
    let n = s.point.reps.len();
    let est = s.estimator.name();
    match s.agreement {
        Agreement::ContainsBound => format!(
            "confirmed: the 95% interval {ci} ({est} estimator, {n} replications) holds the bound {x} within ±{}%",
            solve::DECIDE * 100.0
        ),
        Agreement::Satisfies => format!(
            "confirmed: the 95% interval {ci} ({est} estimator, {n} replications) satisfies the target entirely (the answer is conservative)"
        ),
        Agreement::Contradicts => format!(
            "the simulation disagrees: its 95% interval {ci} ({est} estimator, {n} replications) lies entirely on the wrong side of {x}"
        ),
        Agreement::Inconclusive | Agreement::Undefined => format!(
            "could not confirm: interval {ci} vs bound {x} after {n} replications ({est} estimator); {}",
            match s.needed {
                Some(usize::MAX) | None => {
                    "more replications would be needed to decide it".to_string()
                }
                Some(k) => format!(
                    "about {k} replications would decide it (raise --max-replications or --max-events)"
                ),
            }
        ),
    }
}

/// The report for people.
pub fn text(s: &Solution) -> String {
    let p = &s.point;
    let mut out = String::new();
    let mut line = |l: String| {
        out.push_str(&l);
        out.push('\n');
    };
    line(format!(
        "{} ({} model): solve {} for {}",
        p.scenario.name,
        p.scenario.model_name(),
        s.path,
        s.target
    ));
    line(method_line(s));
    line(format!(
        "answer: {} = {}, the {} value with {} ({} = {} does not)",
        s.path,
        s.answer,
        s.side.as_str(),
        s.target,
        s.path,
        s.beyond
    ));
    if let Some(cf) = s.closed_form {
        line(format!(
            "closed form at the answer: {} = {}",
            s.target.metric,
            fmt_num(cf)
        ));
    }
    line(String::new());
    line(format!("simulation at the answer: {}", table::heading(p)));
    out.push_str(&table::metrics(p));
    let mut line = |l: String| {
        out.push_str(&l);
        out.push('\n');
    };
    line(String::new());
    line(format!("verdict: {}", verdict(s)));
    for n in &s.notes {
        line(format!("note: {n}"));
    }
    out
}

/// One header line and one row: the answer and the confirmation.
pub fn csv(s: &Solution) -> String {
    let e = s.figure();
    let f = |x: Option<f64>| x.map(fmt_exact).unwrap_or_default();
    let mut w = ::csv::WriterBuilder::new().from_writer(Vec::new());
    let _ = w.write_record([
        "path",
        "metric",
        "relation",
        "bound",
        "method",
        "side",
        "answer",
        "beyond",
        "closed_form",
        "value",
        "ci_low",
        "ci_high",
        "agreement",
        "estimator",
        "replications",
    ]);
    let _ = w.write_record([
        s.path.clone(),
        s.target.metric.clone(),
        s.target.relation.as_str().into(),
        fmt_exact(s.target.bound),
        s.method.as_str().into(),
        s.side.as_str().into(),
        s.answer.to_string(),
        s.beyond.to_string(),
        f(s.closed_form),
        f(e.map(|e| e.value)),
        f(e.map(|e| e.ci.low)),
        f(e.map(|e| e.ci.high)),
        s.agreement.as_str().into(),
        s.estimator.name().into(),
        s.point.reps.len().to_string(),
    ]);
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

fn value_json(v: Value) -> Json {
    json!(v.as_f64())
}

/// The JSON document: `run`'s document of the confirmation point (scenario,
/// seed, replications, estimator, generator, version, `metrics`) with a
/// `solve` object.
pub fn document(s: &Solution) -> Json {
    let mut doc = json::scenario(std::slice::from_ref(&s.point), false);
    let (why, method) = match &s.method {
        Method::ClosedForm => (Json::Null, "closed-form"),
        Method::Simulation { why } => (json!(why), "simulation"),
    };
    doc["solve"] = json!({
        "path": s.path,
        "target": {
            "metric": s.target.metric,
            "relation": s.target.relation.as_str(),
            "bound": s.target.bound,
        },
        "range": [s.range.0.to_string(), s.range.1.to_string()],
        "method": method,
        "closed_form_not_applicable": why,
        "tolerance": s.tolerance.to_string(),
        "scanned": s.scanned,
        "steps": s.steps,
        "side": s.side.as_str(),
        "answer": s.answer.to_string(),
        "answer_value": value_json(s.answer),
        "answer_unit": if matches!(s.answer, Value::Duration(_)) { "s" } else { "" },
        "beyond": s.beyond.to_string(),
        "closed_form": s.closed_form,
        "simulation": s.point.metric(&s.target.metric).map(json::metric),
        "agreement": s.agreement.as_str(),
        "agrees": s.agreement.agrees(),
        "replications_needed": s.needed.filter(|n| *n != usize::MAX),
        "by": match &s.method {
            Method::ClosedForm => "closed-form",
            Method::Simulation { .. } => "simulation",
        },
        "notes": s.notes,
    });
    doc
}
