//! The JSON document of `--format json`: one scenario
//! gives `metrics` (or `points` for a sweep); several give `{ "scenarios": [...] }`.
//! It holds no timing, so it is byte-identical for the same scenario and seed.

use serde_json::{Map, Value, json};

use crate::engine::GENERATOR;
use crate::experiment::{MetricResult, PointResult};
use crate::report::warning_text;

fn num(x: f64) -> Value {
    serde_json::Number::from_f64(x)
        .map(Value::Number)
        .unwrap_or(Value::Null)
}

/// One metric as `{ value, ci_low, ci_high, method, unit?, estimate?,
/// estimate_naive?, warnings }`; `warnings` lists in words what a reviewer
/// should know (empty when nothing).
pub fn metric(m: &MetricResult) -> Value {
    let mut o = Map::new();
    o.insert("value".into(), num(m.figure.value));
    o.insert("ci_low".into(), num(m.figure.ci.low));
    o.insert("ci_high".into(), num(m.figure.ci.high));
    o.insert(
        "method".into(),
        serde_json::to_value(m.figure.ci.method).unwrap_or(Value::Null),
    );
    if !m.unit.is_empty() {
        o.insert("unit".into(), Value::String(m.unit.to_string()));
    }
    if let Some(e) = m.closed_form {
        o.insert("estimate".into(), num(e));
    }
    if let Some(e) = m.closed_form_naive {
        o.insert("estimate_naive".into(), num(e));
    }
    o.insert(
        "warnings".into(),
        json!(m.warnings.iter().map(warning_text).collect::<Vec<_>>()),
    );
    Value::Object(o)
}

fn metrics(p: &PointResult) -> Value {
    Value::Object(
        p.metrics
            .iter()
            .map(|m| (m.name.to_string(), metric(m)))
            .collect(),
    )
}

/// The document of one scenario (with or without a sweep).
pub fn scenario(points: &[PointResult], swept: bool) -> Value {
    let Some(first) = points.first() else {
        return Value::Null;
    };
    let sc = &first.scenario;
    let mut o = Map::new();
    o.insert("scenario".into(), json!(sc.name));
    o.insert("model".into(), json!(sc.model_name()));
    o.insert("seed".into(), json!(sc.seed));
    o.insert("replications".into(), json!(sc.replications));
    o.insert("replications_run".into(), json!(first.reps.len()));
    o.insert("horizon".into(), json!(sc.horizon.to_string()));
    o.insert("estimator".into(), json!(sc.estimator.name()));
    o.insert("generator".into(), json!(GENERATOR));
    o.insert("version".into(), json!(env!("CARGO_PKG_VERSION")));
    o.insert(
        "overrides".into(),
        json!(
            sc.overrides
                .iter()
                .map(|x| x.to_string())
                .collect::<Vec<_>>()
        ),
    );
    if swept {
        let pts: Vec<Value> = points
            .iter()
            .map(|p| {
                let params: Map<String, Value> = p
                    .params
                    .iter()
                    .map(|(k, v)| (k.clone(), json!(v)))
                    .collect();
                json!({ "params": params, "metrics": metrics(p) })
            })
            .collect();
        o.insert("points".into(), Value::Array(pts));
    } else {
        o.insert("metrics".into(), metrics(first));
    }
    Value::Object(o)
}

/// One JSON document for several scenarios' documents: the only one's, or
/// `{ "scenarios": [...] }`.
pub fn documents(mut docs: Vec<Value>) -> Value {
    if docs.len() == 1 {
        docs.remove(0)
    } else {
        json!({ "scenarios": docs })
    }
}
