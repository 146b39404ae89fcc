//! The Public Suffix List (publicsuffix.org), read from Debian's `publicsuffix` package
//! when installed. It tells where a registrable domain begins (`example.co.jp`, not
//! `co.jp`) and whether a top-level domain exists at all.
//!
//! Only the ICANN section is used: the private section lists hosting platforms
//! (`github.io`), whose customers are not the victims' organisations.

use std::collections::HashSet;
use std::path::Path;

/// Where Debian's `publicsuffix` package installs the list.
pub const DEBIAN_PATH: &str = "/usr/share/publicsuffix/public_suffix_list.dat";

/// The ICANN rules of the Public Suffix List.
#[derive(Debug, Clone, Default)]
pub struct PublicSuffixList {
    rules: HashSet<String>,
    wildcards: HashSet<String>,
    exceptions: HashSet<String>,
}

/// A host split at its public suffix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SplitDomain {
    /// The registrable domain: the suffix plus one label (`example.co.jp`).
    pub registrable: String,
    /// The public suffix (`co.jp`).
    pub suffix: String,
}

impl PublicSuffixList {
    /// Parses the list's text (`public_suffix_list.dat` format).
    pub fn parse(text: &str) -> Self {
        let mut list = PublicSuffixList::default();
        let mut in_private = false;
        for line in text.lines() {
            let line = line.trim();
            if line.starts_with("// ===BEGIN PRIVATE") {
                in_private = true;
            } else if line.starts_with("// ===END PRIVATE") {
                in_private = false;
            }
            if in_private || line.is_empty() || line.starts_with("//") {
                continue;
            }
            // A rule ends at the first whitespace.
            let rule = line
                .split_whitespace()
                .next()
                .unwrap_or(line)
                .to_lowercase();
            if let Some(exception) = rule.strip_prefix('!') {
                list.exceptions.insert(exception.to_string());
            } else if let Some(parent) = rule.strip_prefix("*.") {
                list.wildcards.insert(parent.to_string());
            } else {
                list.rules.insert(rule);
            }
        }
        list
    }

    /// Reads the list from a file.
    pub fn load(path: &Path) -> std::io::Result<Self> {
        std::fs::read_to_string(path).map(|text| Self::parse(&text))
    }

    /// Splits a lowercase host into registrable domain and suffix. `None` when the
    /// top-level domain is not in the list, or the host is itself a public suffix.
    pub fn split(&self, host: &str) -> Option<SplitDomain> {
        let labels: Vec<&str> = host.split('.').collect();
        let n = labels.len();
        let suffix_labels = (0..n).find_map(|i| {
            let candidate = labels[i..].join(".");
            if self.exceptions.contains(&candidate) {
                Some(n - i - 1)
            } else if self.rules.contains(&candidate)
                || (i + 1 < n && self.wildcards.contains(&labels[i + 1..].join(".")))
            {
                Some(n - i)
            } else {
                None
            }
        })?;
        if suffix_labels == 0 || suffix_labels >= n {
            return None;
        }
        Some(SplitDomain {
            registrable: labels[n - suffix_labels - 1..].join("."),
            suffix: labels[n - suffix_labels..].join("."),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIST: &str = "// ===BEGIN ICANN DOMAINS===\njp\nco.jp\n*.kobe.jp\n!city.kobe.jp\n\
        uk\nco.uk\ncom\nde\nco\ncom.co\n// ===END ICANN DOMAINS===\n\
        // ===BEGIN PRIVATE DOMAINS===\nblogspot.com\n// ===END PRIVATE DOMAINS===\n";

    #[test]
    fn split_table() {
        let psl = PublicSuffixList::parse(LIST);
        let cases = [
            (
                "example-kogyo.co.jp",
                Some(("example-kogyo.co.jp", "co.jp")),
            ),
            (
                "www.example-kogyo.co.jp",
                Some(("example-kogyo.co.jp", "co.jp")),
            ),
            ("will-b.jp", Some(("will-b.jp", "jp"))),
            ("a.b.kobe.jp", Some(("a.b.kobe.jp", "b.kobe.jp"))),
            ("www.city.kobe.jp", Some(("city.kobe.jp", "kobe.jp"))),
            ("www.sample.de", Some(("sample.de", "de"))),
            ("shop.example.com.co", Some(("example.com.co", "com.co"))),
            // The private section is ignored: the registrable domain is blogspot.com.
            ("victim.blogspot.com", Some(("blogspot.com", "com"))),
            ("co.jp", None),
            ("file.txt", None),
        ];
        for (host, want) in cases {
            let got = psl.split(host);
            let got = got
                .as_ref()
                .map(|s| (s.registrable.as_str(), s.suffix.as_str()));
            assert_eq!(got, want, "{host}");
        }
    }
}
