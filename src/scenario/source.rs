//! Reading a scenario: the file's text, key-path overrides (`--set` and sweep
//! points), and turning every parse error into a [`ScenarioError`] with file,
//! line, column, key and the closest valid name.
//!
//! Overrides are applied to the parsed document, not to the text: the file is
//! parsed once into a spanned table, each override value is parsed on its own
//! and inserted at its dotted path, and the result is deserialised. To keep a
//! position for every value, override values are parsed at offsets *past the
//! end of the file* in one virtual text (file, then one line per override), so
//! a span below the file's length points into the file and a span past it
//! names the override it came from. One path mechanism serves `--set` and
//! sweeps.

use std::ops::Range;
use std::path::{Path, PathBuf};

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::error::ScenarioError;
use crate::field::FieldError;

/// A `PATH=VALUE` override of one key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Override {
    /// Dotted key path, e.g. `hosts.transfer.clock.offset`.
    pub path: String,
    /// The value in TOML syntax (`"6m"`, `0.5`, `{ uniform = ... }`) or a bare
    /// string (`6m`), which is taken as a TOML string.
    pub value: String,
}

impl Override {
    /// Parses `PATH=VALUE`.
    pub fn parse(arg: &str) -> Result<Self, String> {
        let Some((path, value)) = arg.split_once('=') else {
            return Err(format!(
                "`{arg}` is not an override: expected PATH=VALUE, e.g. transfer.grace=10m"
            ));
        };
        let path = path.trim();
        if path.is_empty() || path.split('.').any(|p| p.trim().is_empty()) {
            return Err(format!("`{arg}`: the key path `{path}` has an empty part"));
        }
        Ok(Override {
            path: path.to_string(),
            value: value.trim().to_string(),
        })
    }
}

impl std::fmt::Display for Override {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}={}", self.path, self.value)
    }
}

/// A scenario file's text.
#[derive(Debug, Clone)]
pub struct Source {
    /// Where it was read from.
    pub path: PathBuf,
    /// Its text.
    pub text: String,
}

impl Source {
    /// Reads a scenario file: a regular file of at most
    /// [`crate::input::MAX_SCENARIO_BYTES`], UTF-8.
    pub fn read(path: &Path) -> Result<Self, ScenarioError> {
        let bytes = crate::input::read_bytes_why(path, crate::input::MAX_SCENARIO_BYTES).map_err(
            |why| ScenarioError::whole_file(path, format!("cannot read the scenario file: {why}")),
        )?;
        let text = String::from_utf8(bytes).map_err(|e| {
            // say where, so that a stray Latin-1 byte can be found
            let (line, column) =
                crate::input::utf8_position(e.as_bytes(), e.utf8_error().valid_up_to());
            let mut err = ScenarioError::whole_file(
                path,
                "the scenario file is not UTF-8 text: save it as UTF-8",
            );
            err.line = Some(line);
            err.column = Some(column);
            err
        })?;
        Ok(Source {
            path: path.to_path_buf(),
            text,
        })
    }
    /// A scenario from text (tests, library use); `path` is used in messages and
    /// to resolve relative data files.
    pub fn from_text(path: impl Into<PathBuf>, text: impl Into<String>) -> Self {
        Source {
            path: path.into(),
            text: text.into(),
        }
    }
    /// The folder relative data files resolve against.
    pub fn base_dir(&self) -> PathBuf {
        self.path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."))
    }
}

/// The file plus the overrides, as one virtual text for locating spans.
pub struct Located<'a> {
    source: &'a Source,
    /// (span of the override's value in the virtual text, the override).
    overrides: Vec<(Range<usize>, &'a Override)>,
    /// A copy of the document before deserialisation, to find key paths.
    doc: Option<DeTable<'a>>,
}

impl<'a> Located<'a> {
    /// A [`ScenarioError`] for `message` at `span` (or about `key`).
    pub fn error(
        &self,
        span: Option<Range<usize>>,
        key: Option<String>,
        message: &str,
    ) -> ScenarioError {
        let mut err = ScenarioError::whole_file(&self.source.path, message.to_string());
        err.key = key;
        if let Some(span) = span {
            if let Some((_, o)) = self.overrides.iter().find(|(r, _)| {
                span.start >= r.start.saturating_sub(1) && span.start < r.end.max(r.start + 1)
            }) {
                err.from_override = Some(o.to_string());
                if err.key.is_none() {
                    err.key = Some(o.path.clone());
                }
            } else if span.start <= self.source.text.len() {
                set_position(&mut err, &self.source.text, span.start);
                if err.key.is_none() {
                    err.key = self
                        .doc
                        .as_ref()
                        .and_then(|d| key_path_at(d, span.start))
                        .filter(|k| !k.is_empty());
                }
            }
        }
        err.suggestion = crate::suggest::in_serde_message(&err.message);
        err.message = plain_types(&err.message);
        err
    }

    /// The span of the value of the `[sweep]` entry for `path`, if the file
    /// (or an override) has one.
    pub fn sweep_entry(&self, path: &str) -> Option<Range<usize>> {
        sweep_entry_in(self.doc.as_ref()?, path)
    }
}

/// Sets the line, column and source line of `err` to byte `at` of `text`.
fn set_position(err: &mut ScenarioError, text: &str, at: usize) {
    let before = &text[..at];
    let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
    err.line = Some(before.matches('\n').count() + 1);
    err.column = Some(before[line_start..].chars().count() + 1);
    err.source_line = text[line_start..].lines().next().map(str::to_string);
}

/// The span of the value of the `[sweep]` entry whose dotted path (as
/// [`crate::scenario::flatten_sweep`] joins it: nested tables and dotted keys
/// alike) is `path`.
fn sweep_entry_in(doc: &DeTable<'_>, path: &str) -> Option<Range<usize>> {
    fn find(t: &DeTable<'_>, prefix: &str, path: &str) -> Option<Range<usize>> {
        t.iter().find_map(|(k, v)| {
            let p = if prefix.is_empty() {
                k.get_ref().to_string()
            } else {
                format!("{prefix}.{}", k.get_ref())
            };
            match v.get_ref() {
                _ if p == path => Some(v.span()),
                DeValue::Table(sub) if path.starts_with(&format!("{p}.")) => find(sub, &p, path),
                _ => None,
            }
        })
    }
    match doc.get("sweep")?.get_ref() {
        DeValue::Table(t) => find(t, "", path),
        _ => None,
    }
}

/// Marks `err`, an error in the value a sweep point's override `point` gave,
/// as coming from the sweep and, when the axis is the file's (`in_file`, not
/// `--vary`), points it at the axis' `[sweep]` entry.
pub(crate) fn blame_sweep(
    err: &mut ScenarioError,
    source: &Source,
    point: &Override,
    in_file: bool,
) {
    err.from_sweep = true;
    if !in_file {
        return;
    }
    let Ok(doc) = DeTable::parse(&source.text) else {
        return;
    };
    if let Some(span) = sweep_entry_in(doc.get_ref(), &point.path)
        && span.start <= source.text.len()
    {
        set_position(err, &source.text, span.start);
    }
}

/// Parses `source` and applies `overrides` in order: the document (every
/// value with its position in the virtual text), and the [`Located`] that
/// turns errors at those positions into file:line:column messages.
pub fn parse<'a>(
    source: &'a Source,
    overrides: &'a [Override],
    padded: &'a mut Vec<String>,
) -> Result<(Spanned<DeTable<'a>>, Located<'a>), ScenarioError> {
    // Lay the overrides out after the file in one virtual text.
    let mut offset = source.text.len() + 1;
    let mut spans = Vec::with_capacity(overrides.len());
    padded.clear();
    for o in overrides {
        // `offset` spaces, then "v = " (4 bytes), then the value
        padded.push(format!("{}v = {}", " ".repeat(offset), o.value));
        spans.push(offset + 4..offset + 4 + o.value.len());
        offset += 4 + o.value.len() + 1;
    }
    let mut located = Located {
        source,
        overrides: spans.iter().cloned().zip(overrides.iter()).collect(),
        doc: None,
    };

    let mut doc = DeTable::parse(&source.text)
        .map_err(|e| located.error(e.span(), None, &format!("not valid TOML: {}", e.message())))?;
    for (i, o) in overrides.iter().enumerate() {
        let value = parse_override_value(&padded[i], spans[i].clone());
        set_path(doc.get_mut(), &o.path, value, spans[i].clone())
            .map_err(|m| located.error(Some(spans[i].clone()), Some(o.path.clone()), &m))?;
    }
    located.doc = Some(doc.get_ref().clone());
    Ok((doc, located))
}

impl Located<'_> {
    /// A [`ScenarioError`] for a [`FieldError`]. A missing key (serde's
    /// "missing field") is named by the table that lacks it, whose span
    /// the error carries, and pointed at that table.
    pub fn field(&self, e: FieldError) -> ScenarioError {
        let missing = e.key.is_none().then(|| {
            e.message
                .strip_prefix("missing field `")
                .and_then(|s| s.split('`').next())
        });
        let Some(Some(field)) = missing else {
            return self.error(e.span, e.key, &e.message);
        };
        // a field missing at the top: the error's span is empty (or the
        // whole file), at the start of some other key
        let text = &self.source.text;
        let root = e
            .span
            .as_ref()
            .is_some_and(|s| s.start == 0 && (s.end == 0 || s.end >= text.trim_end().len()));
        let table = if root {
            String::new()
        } else {
            e.span
                .as_ref()
                .and_then(|s| self.doc.as_ref().and_then(|d| key_path_at(d, s.start)))
                .unwrap_or_default()
        };
        let key = if table.is_empty() {
            field.to_string()
        } else {
            format!("{table}.{field}")
        };
        let mut err = self.error(None, Some(key), &e.message);
        if err.line.is_none() && err.from_override.is_none() && !root {
            // missing keys: point at the table that lacks them when we can
            if let Some(s) = e.span {
                let pos = self.error(Some(s), None, "");
                err.line = pos.line;
                err.column = pos.column;
                err.source_line = pos.source_line;
            }
        }
        err
    }

    /// Deserialises `table` into `T`; an error is positioned.
    pub fn deserialize<'de, T: serde::de::DeserializeOwned>(
        &self,
        table: Spanned<DeTable<'de>>,
    ) -> Result<T, ScenarioError> {
        let de = toml::de::Deserializer::from(table);
        T::deserialize(de).map_err(|e: toml::de::Error| self.field(FieldError::from_toml(&e)))
    }
}

fn parse_override_value(padded: &str, span: Range<usize>) -> Spanned<DeValue<'_>> {
    if let Ok(t) = DeTable::parse(padded) {
        let mut t = t.into_inner();
        if t.len() == 1
            && let Some(v) = t.remove("v")
        {
            return v;
        }
    }
    // Not TOML: a bare string (`--set transfer.grace=10m`).
    let text = padded[span.clone()].trim();
    Spanned::new(span, DeValue::String(text.into()))
}

/// Inserts `value` at the dotted `path`, creating tables as needed. A numeric
/// part indexes an array (`terminal.menu.prices.0.weight`).
fn set_path<'a>(
    root: &mut DeTable<'a>,
    path: &str,
    value: Spanned<DeValue<'a>>,
    span: Range<usize>,
) -> Result<(), String> {
    let parts: Vec<&str> = path.split('.').map(str::trim).collect();
    set_in_table(root, &parts, 0, value, &span)
}

fn set_in_table<'a>(
    t: &mut DeTable<'a>,
    parts: &[&str],
    depth: usize,
    value: Spanned<DeValue<'a>>,
    span: &Range<usize>,
) -> Result<(), String> {
    let part = parts[depth];
    if depth + 1 == parts.len() {
        t.insert(Spanned::new(span.clone(), part.to_string().into()), value);
        return Ok(());
    }
    if !t.contains_key(part) {
        t.insert(
            Spanned::new(span.clone(), part.to_string().into()),
            Spanned::new(span.clone(), DeValue::Table(DeTable::new())),
        );
    }
    let next = t.get_mut(part).map(|v| v.get_mut()).ok_or("key vanished")?;
    set_in_value(next, parts, depth + 1, value, span)
}

fn set_in_value<'a>(
    v: &mut DeValue<'a>,
    parts: &[&str],
    depth: usize,
    value: Spanned<DeValue<'a>>,
    span: &Range<usize>,
) -> Result<(), String> {
    let walked = parts[..depth].join(".");
    match v {
        DeValue::Table(t) => set_in_table(t, parts, depth, value, span),
        DeValue::Array(a) => {
            let i: usize = parts[depth].parse().map_err(|_| {
                format!("`{walked}` is a list: index it with a number, e.g. `{walked}.0`")
            })?;
            let len = a.len();
            let slot = a
                .get_mut(i)
                .ok_or(format!("`{walked}` has {len} items: there is no item {i}"))?;
            if depth + 1 == parts.len() {
                *slot = value;
                Ok(())
            } else {
                set_in_value(slot.get_mut(), parts, depth + 1, value, span)
            }
        }
        other => Err(format!(
            "cannot set `{}`: `{walked}` holds a {}, not a table",
            parts.join("."),
            other.type_str()
        )),
    }
}

/// The dotted key path at byte `pos`: the entry whose key or value contains
/// it, or else the last `[table]` or `[[array]]` header before it (a standard
/// table's value span does not cover the lines below its header, and an array
/// of tables' item spans only their header), descending as far as possible.
fn key_path_at(table: &DeTable<'_>, pos: usize) -> Option<String> {
    fn contains(r: &Range<usize>, pos: usize) -> bool {
        r.start <= pos && pos < r.end.max(r.start + 1)
    }
    /// A `[table]`, or an array of `[[tables]]` (whose span is its first
    /// item's header, where an inline array's span starts at its `[`).
    fn has_header(v: &Spanned<DeValue<'_>>) -> bool {
        match v.get_ref() {
            DeValue::Table(_) => true,
            DeValue::Array(a) => a
                .first()
                .is_some_and(|x| x.get_ref().is_table() && x.span().start == v.span().start),
            _ => false,
        }
    }
    fn walk(v: &DeValue<'_>, pos: usize, path: &mut Vec<String>) {
        match v {
            DeValue::Table(t) => {
                let direct = t
                    .iter()
                    .find(|(k, val)| contains(&k.span(), pos) || contains(&val.span(), pos));
                let header = || {
                    t.iter()
                        .filter(|(k, val)| has_header(val) && k.span().start <= pos)
                        .max_by_key(|(k, _)| k.span().start)
                };
                if let Some((k, val)) = direct.or_else(header) {
                    path.push(k.get_ref().to_string());
                    walk(val.get_ref(), pos, path);
                }
            }
            DeValue::Array(a) => {
                let direct = a
                    .iter()
                    .enumerate()
                    .find(|(_, val)| contains(&val.span(), pos));
                // `[[expect]]`: the last item whose header is before `pos`
                let header = || {
                    a.iter()
                        .enumerate()
                        .filter(|(_, val)| val.get_ref().is_table() && val.span().start <= pos)
                        .max_by_key(|(_, val)| val.span().start)
                };
                if let Some((i, val)) = direct.or_else(header) {
                    path.push(i.to_string());
                    walk(val.get_ref(), pos, path);
                }
            }
            _ => {}
        }
    }
    let mut path = Vec::new();
    walk(&DeValue::Table(table.clone()), pos, &mut path);
    Some(path.join("."))
}

/// serde's and toml's type names in a message ("expected i64", "expected
/// struct RawTransfer") in the words of the scenario format.
fn plain_types(message: &str) -> String {
    // an integer TOML reads but no i64 holds: "integer `1e30` as i128"
    if let Some(rest) = message.strip_prefix("invalid type: integer `")
        && let Some((digits, tail)) = rest.split_once('`')
        && tail.starts_with(" as i128")
    {
        return format!(
            "the integer {digits} is too large: integers are at most {} (and seeds at least 0)",
            i64::MAX
        );
    }
    let mut out = message
        .replace("wanted string or table", "expected a name in quotes")
        .replace("expected a sequence", "expected a list")
        .replace("expected a map", "expected a table");
    for int in ["i64", "u64", "i32", "u32", "usize"] {
        out = out.replace(&format!("expected {int}"), "expected an integer");
    }
    out = out.replace("expected f64", "expected a number");
    // "expected struct RawTransfer": a Rust type the user never wrote
    while let Some(at) = out.find("expected struct ") {
        let name_start = at + "expected struct ".len();
        let name_len = out[name_start..]
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(out.len() - name_start);
        out.replace_range(at..name_start + name_len, "expected a table");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_names_in_plain_words() {
        assert_eq!(
            plain_types("invalid type: string \"many\", expected i64"),
            "invalid type: string \"many\", expected an integer"
        );
        assert_eq!(
            plain_types("invalid type: integer `5`, expected struct RawTransfer"),
            "invalid type: integer `5`, expected a table"
        );
        assert_eq!(
            plain_types("invalid type: integer `1`, expected a sequence"),
            "invalid type: integer `1`, expected a list"
        );
    }

    #[test]
    fn override_parsing() {
        assert_eq!(
            Override::parse("transfer.grace=10m").unwrap(),
            Override {
                path: "transfer.grace".into(),
                value: "10m".into()
            }
        );
        assert!(Override::parse("nothing").is_err());
        assert!(Override::parse("a..b=1").is_err());
    }
}
