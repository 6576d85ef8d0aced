//! Scenario errors: every one names the file, line, column and key.

use std::path::PathBuf;

/// A scenario that could not be loaded, with its position resolved.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{}", self.render())]
pub struct ScenarioError {
    /// The scenario file.
    pub file: PathBuf,
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// 1-based column, when known.
    pub column: Option<usize>,
    /// Dotted key path, when known.
    pub key: Option<String>,
    /// What is wrong and what was expected.
    pub message: String,
    /// The closest valid name, for a misspelled key or variant.
    pub suggestion: Option<String>,
    /// The source line, for a caret display.
    pub source_line: Option<String>,
    /// Set when the value came from `--set` or a sweep, not the file.
    pub from_override: Option<String>,
    /// True when `from_override` is a sweep point's value, not a `--set`.
    pub from_sweep: bool,
}

impl ScenarioError {
    /// An error about the file as a whole (unreadable, etc.).
    pub fn whole_file(file: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        ScenarioError {
            file: file.into(),
            line: None,
            column: None,
            key: None,
            message: message.into(),
            suggestion: None,
            source_line: None,
            from_override: None,
            from_sweep: false,
        }
    }

    fn render(&self) -> String {
        let mut s = self.file.display().to_string();
        if let Some(l) = self.line {
            s.push_str(&format!(":{l}"));
            if let Some(c) = self.column {
                s.push_str(&format!(":{c}"));
            }
        }
        s.push_str(": ");
        if let Some(k) = &self.key {
            s.push_str(&format!("key `{k}`: "));
        }
        s.push_str(&self.message);
        if let Some(sug) = &self.suggestion {
            s.push_str(&format!(" (did you mean `{sug}`?)"));
        }
        match &self.from_override {
            Some(o) if self.from_sweep => {
                s.push_str(&format!("\n  the value comes from the sweep point {o}"));
            }
            Some(o) => {
                // `--seed` and `--replications` are overrides of those keys
                let given = match o.split_once('=') {
                    Some((k @ ("seed" | "replications"), v)) => {
                        format!("--{k} {v} (or --set {o})")
                    }
                    _ => format!("--set {o}"),
                };
                s.push_str(&format!(
                    "\n  the value comes from the command line: {given}"
                ));
            }
            None => {}
        }
        // a sweep's error points at its [sweep] entry, when the file has one
        let from_command_line = self.from_override.is_some() && !self.from_sweep;
        if !from_command_line && let (Some(src), Some(col)) = (&self.source_line, self.column) {
            let lno = self.line.map(|l| l.to_string()).unwrap_or_default();
            let pad = " ".repeat(lno.len());
            s.push_str(&format!(
                "\n {pad} |\n {lno} | {src}\n {pad} | {}^",
                " ".repeat(col.saturating_sub(1))
            ));
        }
        s
    }
}
