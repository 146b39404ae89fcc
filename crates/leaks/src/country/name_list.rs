//! A user-supplied list of victim names and their countries, for victims whose posts
//! carry no other clue: one `name,CC` (or `name<TAB>CC`) per line, `#` comments.
//!
//! ```text
//! # victim name, ISO 3166-1 alpha-2
//! Sample Kogyo, JP
//! Walmart, US
//! ```
//!
//! A name matches a post when its words appear, in order and whole, among the words of
//! the post's title (case and punctuation ignored); the longest matching name wins.

use std::path::Path;

use crate::LeakError;
use crate::normalise::title_key;

use super::normalise_country_code;

/// Victim names and their countries.
#[derive(Debug, Clone, Default)]
pub struct NameList {
    entries: Vec<(Vec<String>, String)>,
}

fn words(s: &str) -> Vec<String> {
    title_key(s)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

impl NameList {
    /// Parses the list; `source` names it in errors.
    pub fn parse(source: &str, text: &str) -> Result<Self, LeakError> {
        let mut entries = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let bad = |reason: String| LeakError::NameList {
                path: source.to_string(),
                line: n + 1,
                reason,
            };
            let (name, code) = line
                .rsplit_once(['\t', ','])
                .ok_or_else(|| bad("expected `name,CC`".into()))?;
            let country = normalise_country_code(code).ok_or_else(|| {
                bad(format!(
                    "{:?} is not an ISO 3166-1 alpha-2 code",
                    code.trim()
                ))
            })?;
            let name_words = words(name);
            if name_words.is_empty() {
                return Err(bad("empty name".into()));
            }
            entries.push((name_words, country));
        }
        // Longest names first, so "Sample Kogyo America" beats "Sample Kogyo".
        entries.sort_by_key(|(w, _)| std::cmp::Reverse(w.len()));
        Ok(NameList { entries })
    }

    /// Reads the list from a file.
    pub fn load(path: &Path) -> Result<Self, LeakError> {
        let text = std::fs::read_to_string(path).map_err(|e| LeakError::Io {
            path: path.display().to_string(),
            source: e,
        })?;
        Self::parse(&path.display().to_string(), &text)
    }

    /// The country of the first (longest) name found in `victim`.
    pub fn lookup(&self, victim: &str) -> Option<&str> {
        let title = words(victim);
        self.entries
            .iter()
            .find(|(name, _)| title.windows(name.len()).any(|w| w == name.as_slice()))
            .map(|(_, country)| country.as_str())
    }

    /// Number of names.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the list has no names.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_table() {
        let list = NameList::parse(
            "names.csv",
            "# comment\nSample Kogyo, JP\nSample Kogyo America\tUS\nWalmart,us\n",
        )
        .expect("valid");
        assert_eq!(list.len(), 3);
        let cases = [
            ("SAMPLE KOGYO Co., Ltd.", Some("JP")),
            ("Sample Kogyo America Inc", Some("US")),
            ("Walmart was encrypted", Some("US")),
            ("Walmartian Foods", None),
            ("Kogyo Sample", None),
        ];
        for (victim, want) in cases {
            assert_eq!(list.lookup(victim), want, "{victim}");
        }
    }

    #[test]
    fn bad_lines_name_their_line() {
        let err = NameList::parse("names.csv", "ok,JP\nno country here\n").expect_err("bad");
        assert!(err.to_string().contains("names.csv:2"), "{err}");
        let err = NameList::parse("names.csv", "Acme,Japan\n").expect_err("bad code");
        assert!(err.to_string().contains("names.csv:1"), "{err}");
    }
}
