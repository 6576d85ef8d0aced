//! What the terminal sees: colour (`--color auto|always|never`, `NO_COLOR`)
//! and quiet (`-q`), decided once per command line.
//!
//! `auto` colours a stream only when it is a terminal, `NO_COLOR` is unset
//! or empty (<https://no-color.org>) and `TERM` is not `dumb`; `always` and
//! `never` override both, as a command-line flag overrides the environment
//! in cargo and ripgrep.

use std::io::IsTerminal;

use anstyle::{AnsiColor, Style};
use clap::ValueEnum;

/// When to colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub(crate) enum ColorChoice {
    /// On a terminal, unless NO_COLOR is set
    #[default]
    Auto,
    /// Always, even into a pipe or a file
    Always,
    /// Never
    Never,
}

impl ColorChoice {
    /// Whether a stream that is (`tty`) or is not a terminal gets colour.
    fn enabled(self, tty: bool) -> bool {
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
                let dumb = std::env::var_os("TERM").is_some_and(|t| t == "dumb");
                tty && !no_color && !dumb
            }
        }
    }
}

/// The terminal settings every command prints with.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Ui {
    /// `-q`: no progress, tables, notes or status; errors, and output asked
    /// for with `--format csv|json|markdown`, still print.
    pub(crate) quiet: bool,
    /// Colour on standard output.
    out: bool,
    /// Colour on standard error.
    err: bool,
}

const GREEN: Style = AnsiColor::Green.on_default().bold();
const RED: Style = AnsiColor::Red.on_default().bold();
const YELLOW: Style = AnsiColor::Yellow.on_default().bold();

impl Ui {
    /// The settings for `quiet` and `color`, looking at the real streams.
    pub(crate) fn new(quiet: bool, color: ColorChoice) -> Self {
        Ui {
            quiet,
            out: color.enabled(std::io::stdout().is_terminal()),
            err: color.enabled(std::io::stderr().is_terminal()),
        }
    }

    /// `error:` as standard error shows it.
    pub(crate) fn error_label(&self) -> String {
        paint("error:", RED, self.err)
    }

    /// Status text for standard error, with `warning:` at the start of a
    /// line coloured.
    pub(crate) fn status(&self, text: &str) -> String {
        paint_prefixes(text, &[("warning:", YELLOW)], self.err)
    }

    /// A run's table for standard output, `warning:` lines coloured.
    pub(crate) fn table(&self, text: &str) -> String {
        paint_prefixes(text, &[("warning:", YELLOW)], self.out)
    }

    /// `check`'s table: the result word of each line coloured (pass green,
    /// FAIL red, INCONCLUSIVE yellow).
    pub(crate) fn verdicts(&self, text: &str) -> String {
        paint_prefixes(
            text,
            &[("pass", GREEN), ("FAIL", RED), ("INCONCLUSIVE", YELLOW)],
            self.out,
        )
    }

    /// `solve`'s answer: its verdict line coloured (confirmed green, the
    /// simulation disagreeing red, could not confirm yellow).
    pub(crate) fn solve(&self, text: &str) -> String {
        paint_prefixes(
            text,
            &[
                ("verdict: confirmed:", GREEN),
                ("verdict: the simulation disagrees:", RED),
                ("verdict: could not confirm:", YELLOW),
            ],
            self.out,
        )
    }
}

/// `text` in `style` when `on`.
fn paint(text: &str, style: Style, on: bool) -> String {
    if on {
        format!("{style}{text}{style:#}")
    } else {
        text.to_string()
    }
}

/// Colours the first of `prefixes` each line of `text` starts with (a word:
/// followed by a space, a colon, or the end of the line).
fn paint_prefixes(text: &str, prefixes: &[(&str, Style)], on: bool) -> String {
    if !on {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() + 16);
    for line in text.split_inclusive('\n') {
        let hit = prefixes.iter().find(|(p, _)| {
            line.strip_prefix(p)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\n']))
                || p.ends_with(':') && line.starts_with(p)
        });
        match hit {
            Some((p, style)) => {
                out.push_str(&paint(p, *style, true));
                out.push_str(&line[p.len()..]);
            }
            None => out.push_str(line),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_only_whole_words_at_line_starts() {
        let t = "result  x\npass    a\npassed  b\nFAIL    c\n";
        let p = paint_prefixes(t, &[("pass", GREEN), ("FAIL", RED)], true);
        assert_eq!(
            p,
            "result  x\n\u{1b}[1m\u{1b}[32mpass\u{1b}[0m    a\npassed  b\n\u{1b}[1m\u{1b}[31mFAIL\u{1b}[0m    c\n"
        );
        assert_eq!(paint_prefixes(t, &[("pass", GREEN)], false), t);
    }

    #[test]
    fn the_flag_overrides_the_environment() {
        assert!(ColorChoice::Always.enabled(false));
        assert!(!ColorChoice::Never.enabled(true));
        assert!(!ColorChoice::Auto.enabled(false));
    }
}
