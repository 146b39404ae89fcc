//! Victim country with provenance, strongest evidence first:
//!
//! 1. **explicit** — the feed's country field, believed when it is an ISO 3166-1
//!    alpha-2 code (`UK` read as `GB`);
//! 2. **cctld** — the country-code TLD of the victim's domain (an explicit domain field,
//!    else a domain named in the title). The Public Suffix List, when loaded, finds the
//!    registrable domain (`example.co.jp`) and rejects tokens whose TLD does not exist.
//!    Without it the rule is simply "the last label is a ccTLD", and the registrable
//!    domain is the host minus a leading `www.`. Generic TLDs (.com, .org) give no
//!    country — never US — and so do ccTLDs used generically (`.io`, `.co`, `.tv`, …,
//!    listed in `data/cctld.toml`), unless the domain sits under a national second
//!    level such as `com.co` (a multi-label public suffix with the list; without it,
//!    one of `com`, `co`, `org`, `net`, `gov`, `edu`, `ac`, `or`, `ne`, `go`);
//! 3. **japanese_text** — Hiragana or Katakana in the title or description means JP.
//!    Kanji alone is shared with Chinese; it counts as Japanese only when
//!    [`CountryResolver::kanji_only_is_japanese`] is set (the default, since kansoku's
//!    first audience watches for Japanese victims; turn it off when Chinese-language
//!    posts are common in your feeds);
//! 4. **name_list** — a user-supplied list of victim names ([`NameList`]).
//!
//! Descriptions are not searched for domains: they often name other companies, and a
//! wrong country is worse than an unknown one.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use serde::Deserialize;

use kansoku_event::leak::CountrySource;

use crate::text::{has_japanese, has_kana};

pub mod domain;
pub mod name_list;
pub mod psl;

pub use name_list::NameList;
pub use psl::PublicSuffixList;

/// Second-level labels national registries open under their ccTLD (`com.co`, `org.ai`).
const SECOND_LEVELS: &[&str] = &[
    "com", "co", "org", "net", "gov", "edu", "ac", "or", "ne", "go",
];

const CCTLD_DATA: &str = include_str!("../../data/cctld.toml");

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CcTldFile {
    generic: Vec<String>,
    remap: HashMap<String, String>,
    iso: IsoCodes,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct IsoCodes {
    codes: String,
}

struct CcTlds {
    generic: HashSet<String>,
    remap: HashMap<String, String>,
    iso: HashSet<String>,
}

static CCTLDS: LazyLock<CcTlds> = LazyLock::new(|| {
    let file: CcTldFile =
        toml::from_str(CCTLD_DATA).expect("the embedded cctld.toml is valid (tested)");
    CcTlds {
        generic: file.generic.into_iter().collect(),
        remap: file.remap,
        iso: file
            .iso
            .codes
            .split_whitespace()
            .map(str::to_string)
            .collect(),
    }
});

/// An ISO 3166-1 alpha-2 code from a feed's country field (`jp` → `JP`, `UK` → `GB`);
/// `None` for anything else (`N/A`, `Unknown`, country names).
pub fn normalise_country_code(field: &str) -> Option<String> {
    let code = field.trim().to_ascii_uppercase();
    let code = if code == "UK" { "GB".to_string() } else { code };
    CCTLDS.iso.contains(&code).then_some(code)
}

/// The country a registrable domain's TLD names, if it names one. `suffix` is the
/// public suffix when the Public Suffix List is loaded.
pub fn country_of_domain(registrable: &str, suffix: Option<&str>) -> Option<String> {
    let tld = registrable.rsplit('.').next()?;
    if tld.len() != 2 {
        return None;
    }
    let national_second_level = match suffix {
        Some(s) => s.contains('.'),
        // Without the list, a registry-style second level (`com.co`) is the hint.
        None => {
            let labels: Vec<&str> = registrable.split('.').collect();
            labels.len() >= 3 && SECOND_LEVELS.contains(&labels[labels.len() - 2])
        }
    };
    if CCTLDS.generic.contains(tld) && !national_second_level {
        return None;
    }
    let code = CCTLDS
        .remap
        .get(tld)
        .cloned()
        .unwrap_or_else(|| tld.to_ascii_uppercase());
    CCTLDS.iso.contains(&code).then_some(code)
}

/// What a post says about its victim's whereabouts.
#[derive(Debug, Clone, Copy, Default)]
pub struct Evidence<'a> {
    /// The feed's country field.
    pub country: Option<&'a str>,
    /// The feed's domain or website field.
    pub domain: Option<&'a str>,
    /// The post title (victim name).
    pub title: &'a str,
    /// The post text.
    pub description: Option<&'a str>,
}

/// The victim's domain and country, and how the country was found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Resolution {
    /// Registrable domain of the victim.
    pub victim_domain: Option<String>,
    /// ISO 3166-1 alpha-2 country.
    pub country: Option<String>,
    /// How `country` was found.
    pub source: Option<CountrySource>,
    /// Whether the title or description has Hiragana, Katakana or Kanji.
    pub has_japanese: bool,
}

/// Works out victim countries; see the module documentation for the order of evidence.
#[derive(Debug, Clone)]
pub struct CountryResolver {
    /// The Public Suffix List, when available.
    pub psl: Option<PublicSuffixList>,
    /// The user's victim-name list, when given.
    pub names: Option<NameList>,
    /// Whether Kanji without kana counts as Japanese text (step 3).
    pub kanji_only_is_japanese: bool,
}

impl Default for CountryResolver {
    fn default() -> Self {
        CountryResolver {
            psl: None,
            names: None,
            kanji_only_is_japanese: true,
        }
    }
}

impl CountryResolver {
    /// The victim's registrable domain and its public suffix (when the list is loaded).
    pub fn victim_domain(&self, ev: &Evidence<'_>) -> Option<(String, Option<String>)> {
        let host = ev
            .domain
            .and_then(domain::host_of)
            .or_else(|| domain::find_host(ev.title))?;
        match &self.psl {
            Some(psl) => psl.split(&host).map(|s| (s.registrable, Some(s.suffix))),
            None => {
                let registrable = host.strip_prefix("www.").unwrap_or(&host);
                Some((registrable.to_string(), None))
            }
        }
    }

    /// Resolves one post.
    pub fn resolve(&self, ev: &Evidence<'_>) -> Resolution {
        let text = match ev.description {
            Some(d) => format!("{} {d}", ev.title),
            None => ev.title.to_string(),
        };
        let mut out = Resolution {
            has_japanese: has_japanese(&text),
            ..Resolution::default()
        };
        let domain = self.victim_domain(ev);
        let found = ev
            .country
            .and_then(normalise_country_code)
            .map(|c| (c, CountrySource::Explicit))
            .or_else(|| {
                let (registrable, suffix) = domain.as_ref()?;
                country_of_domain(registrable, suffix.as_deref()).map(|c| (c, CountrySource::Cctld))
            })
            .or_else(|| {
                let japanese = has_kana(&text) || (self.kanji_only_is_japanese && out.has_japanese);
                japanese.then(|| ("JP".to_string(), CountrySource::JapaneseText))
            })
            .or_else(|| {
                let country = self.names.as_ref()?.lookup(ev.title)?;
                Some((country.to_string(), CountrySource::NameList))
            });
        out.victim_domain = domain.map(|(d, _)| d);
        if let Some((country, source)) = found {
            out.country = Some(country);
            out.source = Some(source);
        }
        out
    }
}

#[cfg(test)]
mod tests;
