//! `docs/scenario-reference.md` against the code, both ways: every key a
//! raw type accepts is documented, and every documented key is accepted.
//!
//! The keys come from the code: the common tables, then every model of the
//! builtin registry (each [`racesim::model::ModelKind::key_tables`]), then
//! the distribution forms, as [`racesim::scenario::reference::key_tables`]
//! lists them. A model added to the registry is covered without a change
//! here: its tables must be documented.
//!
//! The documentation's format: a table of the scenario is a heading
//! `` ### `[path]` `` (`` ### `[[path]]` `` for an array of tables, `NAME`
//! for a name the user chooses, `### top level` for the top level) followed
//! by a table `| key | type | default | unit | meaning |` whose first column
//! is one backquoted key. The distribution kinds are one table
//! `| kind | written | ...` whose second column writes each kind's keys.

use std::collections::{BTreeMap, BTreeSet};

use racesim::field::KeyTable;
use racesim::scenario::reference::{TOP_LEVEL, key_tables};

const DOC: &str = "docs/scenario-reference.md";
const KEY_HEADER: &str = "| key | type | default | unit | meaning |";
const KINDS_HEADER: &str = "| kind | written |";
/// The key tables of the distribution forms start with this.
const DIST: &str = "distribution";

/// The heading that documents the table at `path`.
fn heading(path: &str) -> String {
    if path == TOP_LEVEL {
        return "top level".into();
    }
    let named = path.replace('*', "NAME");
    match named.strip_suffix("[]") {
        Some(array) => format!("`[[{array}]]`"),
        None => format!("`[{named}]`"),
    }
}

/// The cells of a markdown table row (`|` inside backquotes is not used by
/// the reference's key columns).
fn cells(row: &str) -> Vec<&str> {
    let inner = row.trim().trim_start_matches('|').trim_end_matches('|');
    inner.split(" | ").map(str::trim).collect()
}

/// Every key table of the document: heading -> (line, keys in order).
fn documented_tables(doc: &str) -> BTreeMap<String, (usize, Vec<String>)> {
    let mut out: BTreeMap<String, (usize, Vec<String>)> = BTreeMap::new();
    let mut heading: Option<String> = None;
    let mut lines = doc.lines().enumerate().peekable();
    while let Some((i, line)) = lines.next() {
        if let Some(h) = line.strip_prefix("### ") {
            heading = Some(h.trim().to_string());
            continue;
        }
        if line.starts_with("#") {
            heading = None;
            continue;
        }
        if line.trim() != KEY_HEADER {
            continue;
        }
        let h = heading
            .clone()
            .unwrap_or_else(|| panic!("{DOC}:{}: a key table under no ### heading", i + 1));
        assert!(
            !out.contains_key(&h),
            "{DOC}:{}: a second key table under {h}",
            i + 1
        );
        lines.next(); // |---|
        let mut keys = Vec::new();
        while let Some((j, row)) = lines.next_if(|(_, l)| l.starts_with('|')) {
            let first = cells(row)[0];
            let key = first
                .strip_prefix('`')
                .and_then(|k| k.strip_suffix('`'))
                .filter(|k| !k.is_empty() && !k.contains('`') && !k.contains(' '))
                .unwrap_or_else(|| {
                    panic!(
                        "{DOC}:{}: the first column must be one backquoted key, not {first}",
                        j + 1
                    )
                });
            keys.push(key.to_string());
        }
        out.insert(h, (i + 1, keys));
    }
    out
}

/// The distribution kinds table: kind -> the keys its `written` column
/// shows (the union of its rows: lognormal has two forms).
fn documented_kinds(doc: &str) -> BTreeMap<String, BTreeSet<String>> {
    let mut lines = doc.lines().skip_while(|l| !l.starts_with(KINDS_HEADER));
    assert!(lines.next().is_some(), "{DOC}: no distribution kinds table");
    lines.next(); // |---|
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for row in lines.take_while(|l| l.starts_with('|')) {
        let c = cells(row);
        let Some(kind) = c[0].strip_prefix('`').and_then(|k| k.strip_suffix('`')) else {
            continue; // the constant: no table
        };
        // `{ kind = { a, b } }` or `{ kind = [ { a, b }, ... ] }`
        let written = c[1].trim_matches('`');
        let after = written
            .split_once(&format!("{kind} = "))
            .unwrap_or_else(|| panic!("{DOC}: kind {kind} written as {written}"))
            .1;
        let open = after.find('{').expect("a table of keys");
        let close = open + after[open..].find('}').expect("a closed table");
        let keys = after[open + 1..close]
            .split(',')
            .map(|k| k.trim().to_string())
            .filter(|k| !k.is_empty());
        out.entry(kind.to_string()).or_default().extend(keys);
    }
    out
}

fn set(keys: &[&str]) -> BTreeSet<String> {
    keys.iter().map(|k| k.to_string()).collect()
}

/// "missing from the doc: a, b; documented but not accepted: c" or empty.
fn difference(code: &BTreeSet<String>, doc: &BTreeSet<String>) -> String {
    let missing: Vec<_> = code.difference(doc).cloned().collect();
    let extra: Vec<_> = doc.difference(code).cloned().collect();
    let mut out = Vec::new();
    if !missing.is_empty() {
        out.push(format!(
            "accepted but not documented: {}",
            missing.join(", ")
        ));
    }
    if !extra.is_empty() {
        out.push(format!("documented but not accepted: {}", extra.join(", ")));
    }
    out.join("; ")
}

#[test]
fn the_scenario_reference_documents_exactly_the_accepted_keys() {
    let doc = std::fs::read_to_string(DOC).unwrap();
    let tables = key_tables(&racesim::models::builtin());
    let (dist, plain): (Vec<&KeyTable>, Vec<&KeyTable>) =
        tables.iter().partition(|t| t.path.starts_with(DIST));
    let mut documented = documented_tables(&doc);
    let mut problems = Vec::new();
    for t in &plain {
        let h = heading(t.path);
        match documented.remove(&h) {
            None => problems.push(format!(
                "{h} (keys {}) has no `### {h}` heading followed by a key table",
                t.keys.join(", ")
            )),
            Some((line, keys)) => {
                let d = difference(&set(&t.keys), &keys.iter().cloned().collect());
                if !d.is_empty() {
                    problems.push(format!("{DOC}:{line}: {h}: {d}"));
                }
                let mut seen = BTreeSet::new();
                for k in &keys {
                    if !seen.insert(k) {
                        problems.push(format!("{DOC}:{line}: {h}: `{k}` twice"));
                    }
                }
            }
        }
    }
    for (h, (line, _)) in documented {
        problems.push(format!(
            "{DOC}:{line}: {h} documents a table no raw type reads"
        ));
    }

    let kinds = documented_kinds(&doc);
    for t in &dist {
        let code = set(&t.keys);
        let d = match t.path.strip_prefix(DIST) {
            Some("") => difference(&code, &kinds.keys().cloned().collect()),
            Some(rest) => {
                let kind = rest.trim_start_matches('.').trim_end_matches("[]");
                match kinds.get(kind) {
                    Some(doc_keys) => difference(&code, doc_keys),
                    None => format!("kind {kind} is not in the distribution kinds table"),
                }
            }
            None => unreachable!(),
        };
        if !d.is_empty() {
            problems.push(format!("{}: {d}", t.path));
        }
    }
    assert!(problems.is_empty(), "{DOC}:\n{}", problems.join("\n"));
}

/// The test above reads what it should: a table the code has is found, with
/// its keys, and a key left out or made up is caught.
#[test]
fn the_reference_reader_catches_a_missing_and_an_unknown_key() {
    let doc = std::fs::read_to_string(DOC).unwrap();
    let tables = documented_tables(&doc);
    let (_, keys) = &tables["`[transfer]`"];
    assert!(keys.contains(&"grace".to_string()), "{keys:?}");
    assert!(tables.contains_key("top level"));
    assert!(tables.contains_key("`[[hosts.NAME.clock.outages]]`"));
    assert_eq!(
        heading("hosts.*.clock.outages[]"),
        "`[[hosts.NAME.clock.outages]]`"
    );
    let code = set(&["grace", "host"]);
    let documented = set(&["grace", "hots"]);
    assert_eq!(
        difference(&code, &documented),
        "accepted but not documented: host; documented but not accepted: hots"
    );
    let kinds = documented_kinds(&doc);
    assert_eq!(
        kinds["lognormal"],
        set(&["median", "p99", "p<level>", "mu", "sigma"])
    );
    assert_eq!(kinds["choice"], set(&["value", "weight"]));
}

/// `value` written at the table `path` (`*` a name, `[]` one array item),
/// as nested inline tables: `a.*.b[]` gives `a = { x = { b = [ VALUE ] } }`.
fn nested(path: &str, value: &str) -> String {
    let mut out = value.to_string();
    for seg in path.rsplit('.') {
        out = match seg.strip_suffix("[]") {
            Some(s) => format!("{s} = [ {out} ]"),
            None if seg == "*" => format!("x = {out}"),
            None => format!("{seg} = {out}"),
        };
        out = format!("{{ {out} }}");
    }
    out.strip_prefix("{ ")
        .and_then(|o| o.strip_suffix(" }"))
        .expect("a table")
        .to_string()
}

/// The keys the scenario loader lists when it refuses an unknown key at
/// `path` in a scenario of model `model`.
fn listed_by_loader(registry: &racesim::model::Registry, model: &str, path: &str) -> Vec<String> {
    let unknown = "{ zzz_not_a_key = 0 }";
    let at = if path == TOP_LEVEL {
        "zzz_not_a_key = 0".to_string()
    } else {
        nested(path, unknown)
    };
    let text = format!("name = \"x\"\nmodel = \"{model}\"\nhorizon = \"1d\"\n{at}\n");
    let source = racesim::scenario::Source::from_text("keys.toml", &text);
    let e = racesim::scenario::load_with(registry, &source, &[])
        .map(|_| ())
        .expect_err(&text)
        .to_string();
    racesim::field::listed_in(&e).unwrap_or_else(|| panic!("{text}\nno list of keys in: {e}"))
}

/// Each table's key list (what the reference is checked against) is what
/// the loader accepts there: an unknown key is refused with exactly that
/// list. Every model of the registry is asked about its own tables.
#[test]
fn the_key_lists_are_what_the_loader_accepts() {
    let registry = racesim::models::builtin();
    let first = registry.names()[0];
    let mut top = BTreeSet::new();
    for kind in registry.kinds() {
        top.extend(listed_by_loader(&registry, kind.name(), TOP_LEVEL));
        for t in kind.key_tables() {
            assert_eq!(
                listed_by_loader(&registry, kind.name(), t.path),
                *t.keys,
                "{}: {}",
                kind.name(),
                t.path
            );
        }
    }
    for t in key_tables(&registry) {
        let path = t.path;
        if path == TOP_LEVEL {
            assert_eq!(top, set(&t.keys), "top level");
        } else if path.starts_with("hosts") || path.starts_with("expect") {
            assert_eq!(listed_by_loader(&registry, first, path), *t.keys, "{path}");
        }
    }
    assert_eq!(nested("a.*.b[]", "V"), "a = { x = { b = [ V ] } }");
}
