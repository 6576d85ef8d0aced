//! The closest valid name, for every "did you mean" racesim prints: a
//! misspelled key, distribution, model, host, metric or CSV column.
//!
//! One algorithm everywhere (Damerau-Levenshtein distance: a transposition
//! counts as one edit), so the hint does not depend on where the typo is.

/// The candidate closest to `word`, if close enough to be a plausible
/// misspelling: at most a third of the longer name's length in edits (and
/// at least 2 are allowed). Ties go to the first candidate.
pub fn closest<'c>(word: &str, candidates: &[&'c str]) -> Option<&'c str> {
    candidates
        .iter()
        .map(|c| (strsim::damerau_levenshtein(word, c), *c))
        .filter(|(d, c)| *d <= (c.len().max(word.len()) / 3).max(2))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// ` (did you mean `x`?)` when a candidate is close to `word`, else
/// `otherwise(candidates)` (e.g. "; the hosts are: a, b").
pub fn hint(word: &str, candidates: &[&str], otherwise: impl FnOnce(&[&str]) -> String) -> String {
    match closest(word, candidates) {
        Some(c) => format!(" (did you mean `{c}`?)"),
        None => otherwise(candidates),
    }
}

/// For serde's "unknown field `x`, expected one of `a`, `b`" and "unknown
/// variant" messages (and racesim's "unknown model"): the closest valid
/// name.
pub fn in_serde_message(message: &str) -> Option<String> {
    let unknown = ["unknown field `", "unknown variant `", "unknown model `"];
    let rest = unknown
        .iter()
        .find_map(|p| message.split_once(p).map(|(_, r)| r))?;
    let (bad, expected) = rest.split_once('`')?;
    let candidates: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
    closest(bad, &candidates).map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_the_closest_name() {
        assert_eq!(
            closest("grase", &["host", "grace", "poll_interval"]),
            Some("grace")
        );
        assert_eq!(
            closest("latncy_ms", &["ts", "latency_ms"]),
            Some("latency_ms")
        );
        // a transposition is one edit
        assert_eq!(
            closest("trasnfer", &["transfer", "checkout"]),
            Some("transfer")
        );
        assert_eq!(closest("zzzzzzzz", &["host", "grace"]), None);
    }

    #[test]
    fn reads_serde_messages() {
        let s = in_serde_message(
            "unknown field `grase`, expected one of `host`, `grace`, `poll_interval`",
        );
        assert_eq!(s.as_deref(), Some("grace"));
        let s =
            in_serde_message("unknown variant `lognormall`, expected one of `normal`, `lognormal`");
        assert_eq!(s.as_deref(), Some("lognormal"));
        assert_eq!(
            in_serde_message("unknown field `zzzzzzzz`, expected `host` or `grace`"),
            None
        );
        assert_eq!(in_serde_message("invalid type: integer"), None);
    }

    #[test]
    fn hints_read_as_sentences() {
        assert_eq!(
            hint("wbe", &["web", "transfer"], |_| String::new()),
            " (did you mean `web`?)"
        );
        assert_eq!(
            hint("zzz", &["web", "transfer"], |c| format!(
                "; the hosts are: {}",
                c.join(", ")
            )),
            "; the hosts are: web, transfer"
        );
    }
}
