//! Group names and repost titles, normalised so counts mean posts, not spellings.
//!
//! Group aliases are data (`data/groups.toml`, embedded at build time; users may add
//! their own with [`GroupAliases::extend_from_toml`]). Two posts are the same post when
//! their normalised groups and [`title_key`]s are equal; the importer merges them and
//! counts the extra ones as reposts.

use std::collections::HashMap;

use serde::Deserialize;

use crate::LeakError;
use crate::text::{decode_entities, fold_punctuation, squeeze_whitespace};

const BUILTIN_GROUPS: &str = include_str!("../data/groups.toml");

/// A group name as reports show it, and the variant the feed named, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NormalisedGroup {
    /// The name reports show (`LockBit`).
    pub name: String,
    /// The version the feed named (`lockbit3`), when the group data lists it as one.
    pub variant: Option<String>,
}

#[derive(Debug, Clone)]
struct GroupEntry {
    name: String,
    keep_variant: bool,
}

/// Maps the spellings feeds use to one name per group.
#[derive(Debug, Clone, Default)]
pub struct GroupAliases {
    by_key: HashMap<String, GroupEntry>,
    names: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GroupsFile {
    #[serde(default)]
    group: Vec<GroupDef>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GroupDef {
    name: String,
    #[serde(default)]
    aliases: Vec<String>,
    #[serde(default)]
    variants: Vec<String>,
}

impl GroupAliases {
    /// The groups shipped with kansoku (`data/groups.toml`).
    pub fn builtin() -> Self {
        let mut aliases = GroupAliases::default();
        aliases
            .extend_from_toml(BUILTIN_GROUPS)
            .expect("the embedded groups.toml is valid (tested)");
        aliases
    }

    /// Adds (or overrides) groups from a file in the `groups.toml` format.
    pub fn extend_from_toml(&mut self, text: &str) -> Result<(), LeakError> {
        let file: GroupsFile =
            toml::from_str(text).map_err(|e| LeakError::GroupData(e.to_string()))?;
        for def in file.group {
            let name = def.name.trim().to_string();
            if group_key(&name).is_empty() {
                return Err(LeakError::GroupData(format!(
                    "group name {:?} has no letters or digits",
                    def.name
                )));
            }
            let plain = GroupEntry {
                name: name.clone(),
                keep_variant: false,
            };
            self.by_key.insert(group_key(&name), plain.clone());
            for alias in &def.aliases {
                self.by_key.insert(group_key(alias), plain.clone());
            }
            for variant in &def.variants {
                let entry = GroupEntry {
                    name: name.clone(),
                    keep_variant: true,
                };
                self.by_key.insert(group_key(variant), entry);
            }
            if !self.names.contains(&name) {
                self.names.push(name);
            }
        }
        Ok(())
    }

    /// The names reports show, in file order.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The report name of a feed's group name. A name the data does not know is kept as
    /// the feed wrote it (trimmed), so nothing is lost, only not merged.
    pub fn normalise(&self, raw: &str) -> NormalisedGroup {
        let raw = raw.trim();
        match self.by_key.get(&group_key(raw)) {
            Some(entry) => NormalisedGroup {
                name: entry.name.clone(),
                variant: entry.keep_variant.then(|| raw.to_lowercase()),
            },
            None => NormalisedGroup {
                name: squeeze_whitespace(raw),
                variant: None,
            },
        }
    }
}

/// The lookup key of a group name: lowercase letters and digits only.
pub fn group_key(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// The comparison key of a post title: entities decoded, lowercased, whitespace
/// squeezed, repost markers ("post has been updated", "(updated)", "- updated") and
/// leading/trailing punctuation removed.
///
/// "Stages Pediatric Care Update" keeps its last word: without a separator or brackets
/// "update" may be part of the name.
pub fn title_key(title: &str) -> String {
    let decoded = decode_entities(title);
    let lowered: String = decoded
        .chars()
        .map(fold_punctuation)
        .flat_map(char::to_lowercase)
        .collect();
    let mut s = squeeze_whitespace(&drop_update_brackets(&lowered));
    for phrase in ["post has been updated", "has been updated"] {
        while let Some(at) = s.find(phrase) {
            s.replace_range(at..at + phrase.len(), " ");
        }
    }
    s = squeeze_whitespace(&s);
    loop {
        let trimmed = trim_punctuation(&s);
        let next = strip_marker(trimmed);
        if next.len() == s.len() {
            break;
        }
        s = next.to_string();
    }
    s
}

/// Removes bracketed parts that mention an update: "[ post has been updated - 2 Oct.]",
/// "( POST HAS BEEN UPDATED 400GB LEAK AVAILABLE N)".
fn drop_update_brackets(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(open) = rest.find(['(', '[', '{']) {
        let close_char = match rest.as_bytes()[open] {
            b'(' => ')',
            b'[' => ']',
            _ => '}',
        };
        match rest[open..].find(close_char) {
            Some(len) if rest[open..open + len].contains("updat") => {
                out.push_str(&rest[..open]);
                out.push(' ');
                rest = &rest[open + len + 1..];
            }
            _ => {
                out.push_str(&rest[..=open]);
                rest = &rest[open + 1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn trim_punctuation(s: &str) -> &str {
    s.trim_matches(|c: char| !c.is_alphanumeric())
}

/// Strips one "- updated" / ": update" style suffix or "updated:" prefix.
fn strip_marker(s: &str) -> &str {
    for word in ["updated", "update"] {
        if let Some(head) = s.strip_suffix(word) {
            let head_trimmed = head.trim_end();
            if head_trimmed.ends_with(['-', ':', '|', '/', ',']) {
                return head_trimmed;
            }
        }
        if let Some(tail) = s.strip_prefix(word) {
            let tail_trimmed = tail.trim_start();
            if tail_trimmed.starts_with(['-', ':', '|', '/']) {
                return tail_trimmed;
            }
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_groups_table() {
        let groups = GroupAliases::builtin();
        let cases = [
            ("alphv", "BlackCat", None),
            ("BlackCat", "BlackCat", None),
            ("lockbit3", "LockBit", Some("lockbit3")),
            ("LockBit2", "LockBit", Some("lockbit2")),
            ("hiveleak", "Hive", None),
            ("hive", "Hive", None),
            ("cl0p", "Cl0p", None),
            ("clop", "Cl0p", None),
            ("Black Basta", "Black Basta", None),
            ("blackbasta", "Black Basta", None),
            ("medusalocker", "MedusaLocker", None),
            ("medusa", "Medusa", None),
            ("  newgroup  ", "newgroup", None),
        ];
        for (raw, name, variant) in cases {
            let got = groups.normalise(raw);
            assert_eq!(got.name, name, "{raw}");
            assert_eq!(got.variant.as_deref(), variant, "{raw}");
        }
        assert!(groups.names().iter().any(|n| n == "RansomHub"));
    }

    #[test]
    fn user_groups_extend_and_bad_data_is_an_error() {
        let mut groups = GroupAliases::builtin();
        groups
            .extend_from_toml("[[group]]\nname = \"Foo Team\"\naliases = [\"foo\"]\n")
            .expect("valid");
        assert_eq!(groups.normalise("FOO").name, "Foo Team");
        assert!(groups.extend_from_toml("[[group]]\nnam = 1").is_err());
        assert!(groups.extend_from_toml("[[group]]\nname = \"--\"").is_err());
    }

    #[test]
    fn title_key_table() {
        let cases = [
            ("NJVC [ post has been updated - 2 Oct.]", "njvc"),
            ("NJVC [ post has been updated ]", "njvc"),
            ("NJVC", "njvc"),
            (
                "( POST HAS BEEN UPDATED 400GB LEAK AVAILABLE N) County Suffolk and contractors",
                "county suffolk and contractors",
            ),
            ("Acme Corp (updated)", "acme corp"),
            ("Acme Corp - updated", "acme corp"),
            ("Updated: Acme Corp", "acme corp"),
            ("Acme   Corp.", "acme corp"),
            ("  \"Acme Corp\"  ", "acme corp"),
            ("Acme Corp post has been updated", "acme corp"),
            (
                "Stages Pediatric Care Update",
                "stages pediatric care update",
            ),
            ("Update for boxerproperty", "update for boxerproperty"),
            (
                "Cincinnati bell didn&rsquo;t pay",
                "cincinnati bell didn't pay",
            ),
            (
                "Cincinnati bell didn\u{2019}t pay",
                "cincinnati bell didn't pay",
            ),
            ("株式会社サンプル（updated）", "株式会社サンプル"),
            ("---", ""),
        ];
        for (title, want) in cases {
            assert_eq!(title_key(title), want, "{title}");
        }
    }
}
