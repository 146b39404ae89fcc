//! The floors an evaluation must reach: recall per corpus and category, false-positive
//! ceilings. The checked-in file is `rules/eval-floors.toml` ([`CHECKED_IN`]), one
//! profile per rule set measured (`builtin`; `sigma-web` with the 86 Sigma webserver
//! rules loaded too). `kansoku eval` fails, listing every floor missed, below any.
//!
//! A floor naming a corpus or category the run did not measure is itself a miss: a
//! renamed corpus must not turn its floor into one that cannot fail.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::EvalReport;

/// `rules/eval-floors.toml`, as built into the binary.
pub const CHECKED_IN: &str = include_str!("../../../../rules/eval-floors.toml");

/// The floors file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Floors {
    /// Floors per rule set measured, by name (`builtin`, `sigma-web`).
    pub profile: BTreeMap<String, Profile>,
}

/// The floors of one rule set.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// Share of a corpus that must be flagged with its category.
    #[serde(default)]
    pub recall: Vec<RecallFloor>,
    /// How much of a benign corpus may be flagged.
    #[serde(default)]
    pub false_positives: Vec<Ceiling>,
}

/// A recall floor: a share, a count, or both.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecallFloor {
    /// Corpus, as the report names it (`sqli-* (raw)`, `crowdsec hub`).
    pub corpus: String,
    /// Category, as the report names it (`sqli`; `all` for every CrowdSec entry; `probe`
    /// for the elastic log's lines a probe list flagged).
    pub category: String,
    /// Lowest share flagged, percent.
    #[serde(default)]
    pub min_percent: Option<f64>,
    /// Fewest items flagged (for a log whose attacks are counted, not labelled: the
    /// elastic log's probes).
    #[serde(default)]
    pub min_count: Option<usize>,
}

/// A false-positive ceiling: a share, a count, or both.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ceiling {
    /// Corpus, as the report names it (`false_positives (raw)`, `elastic apache log`).
    pub corpus: String,
    /// Category (for the elastic log: `any`, a line flagged with anything; `other`, a line
    /// flagged by no probe list).
    pub category: String,
    /// Highest share flagged, percent.
    pub max_percent: Option<f64>,
    /// Highest number flagged.
    pub max_count: Option<usize>,
}

/// One figure of a run: `hits` of `total` in a corpus and category.
#[derive(Debug, Clone, PartialEq)]
pub struct Measure {
    /// Corpus name.
    pub corpus: String,
    /// Category name.
    pub category: String,
    /// Items flagged (for CrowdSec: entries passed).
    pub hits: usize,
    /// Items in the corpus.
    pub total: usize,
}

impl Measure {
    fn percent(&self) -> f64 {
        if self.total == 0 {
            0.0
        } else {
            100.0 * self.hits as f64 / self.total as f64
        }
    }
}

/// Why the floors file could not be read.
#[derive(Debug, thiserror::Error)]
#[error("floors file: {0}")]
pub struct FloorsError(String);

impl Floors {
    /// Parses a floors file.
    pub fn parse(text: &str) -> Result<Floors, FloorsError> {
        toml::from_str(text).map_err(|e| FloorsError(e.to_string()))
    }

    /// The profile `name`, or an error naming the ones there are.
    pub fn profile(&self, name: &str) -> Result<&Profile, FloorsError> {
        self.profile.get(name).ok_or_else(|| {
            let names: Vec<&str> = self.profile.keys().map(String::as_str).collect();
            FloorsError(format!(
                "no profile `{name}` (there are: {})",
                names.join(", ")
            ))
        })
    }
}

impl EvalReport {
    /// Every figure a floor can name.
    pub fn measures(&self) -> Vec<Measure> {
        let mut out: Vec<Measure> = self
            .corpora
            .iter()
            .chain(&self.false_positives)
            .map(|c| Measure {
                corpus: c.name.clone(),
                category: c.category.map_or("-", |c| c.as_str()).to_string(),
                hits: c.hits,
                total: c.total,
            })
            .collect();
        let probes = self.elastic_flagged.iter().filter(|l| l.probe).count();
        for (category, hits) in [
            ("any", self.elastic_flagged.len()),
            ("probe", probes),
            ("other", self.elastic_flagged.len() - probes),
        ] {
            out.push(Measure {
                corpus: "elastic apache log".into(),
                category: category.into(),
                hits,
                total: self.elastic_lines,
            });
        }
        if let Some(crs) = &self.crs {
            let (hits, total, _) = crs.totals();
            out.push(Measure {
                corpus: CRS_CORPUS.into(),
                category: "all".into(),
                hits,
                total,
            });
        }
        let mut by_cat: BTreeMap<String, (usize, usize)> = BTreeMap::new();
        for c in &self.crowdsec {
            let passed = usize::from(c.passed());
            for key in [c.category_label(), "all".to_string()] {
                let e = by_cat.entry(key).or_default();
                e.0 += passed;
                e.1 += 1;
            }
        }
        out.extend(by_cat.into_iter().map(|(category, (hits, total))| Measure {
            corpus: "crowdsec hub".into(),
            category,
            hits,
            total,
        }));
        out
    }
}

/// The corpus name of CRS conformance in the floors file.
pub const CRS_CORPUS: &str = "crs regression tests (log-visible)";

impl Profile {
    /// Every floor and ceiling `measures` miss, in words; empty when all hold.
    pub fn check(&self, measures: &[Measure]) -> Vec<String> {
        let find = |corpus: &str, category: &str| {
            measures
                .iter()
                .find(|m| m.corpus == corpus && m.category == category)
        };
        let mut missed = Vec::new();
        for f in &self.recall {
            let Some(m) = find(&f.corpus, &f.category) else {
                missed.push(format!(
                    "recall {} / {}: not measured by this run",
                    f.corpus, f.category
                ));
                continue;
            };
            if f.min_percent.is_none() && f.min_count.is_none() {
                missed.push(format!(
                    "recall {} / {}: the floor names neither min_percent nor min_count",
                    f.corpus, f.category
                ));
            }
            if let Some(min) = f.min_percent.filter(|min| m.percent() < *min) {
                missed.push(format!(
                    "recall {} / {}: {:.2}% ({}/{}) is below the floor {min:.2}%",
                    f.corpus,
                    f.category,
                    m.percent(),
                    m.hits,
                    m.total,
                ));
            }
            if let Some(min) = f.min_count.filter(|min| m.hits < *min) {
                missed.push(format!(
                    "recall {} / {}: {} flagged is below the floor {min}",
                    f.corpus, f.category, m.hits
                ));
            }
        }
        for c in &self.false_positives {
            let Some(m) = find(&c.corpus, &c.category) else {
                missed.push(format!(
                    "false positives {} / {}: not measured by this run",
                    c.corpus, c.category
                ));
                continue;
            };
            if let Some(max) = c.max_percent.filter(|max| m.percent() > *max) {
                missed.push(format!(
                    "false positives {} / {}: {:.2}% ({}/{}) is above the ceiling {max:.2}%",
                    c.corpus,
                    c.category,
                    m.percent(),
                    m.hits,
                    m.total
                ));
            }
            if let Some(max) = c.max_count.filter(|max| m.hits > *max) {
                missed.push(format!(
                    "false positives {} / {}: {} flagged is above the ceiling {max}",
                    c.corpus, c.category, m.hits
                ));
            }
        }
        missed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn measure(corpus: &str, category: &str, hits: usize, total: usize) -> Measure {
        Measure {
            corpus: corpus.into(),
            category: category.into(),
            hits,
            total,
        }
    }

    const FILE: &str = r#"
[profile.builtin]
recall = [
  { corpus = "sqli-* (raw)", category = "sqli", min_percent = 98.0 },
  { corpus = "crowdsec hub", category = "all", min_percent = 30.0 },
  { corpus = "elastic apache log", category = "probe", min_count = 50 },
]
false_positives = [
  { corpus = "false_positives (raw)", category = "sqli", max_percent = 2.0 },
  { corpus = "elastic apache log", category = "any", max_count = 0 },
]
"#;

    #[test]
    fn every_floor_held_is_no_miss() {
        let floors = Floors::parse(FILE).expect("valid");
        let measures = [
            measure("sqli-* (raw)", "sqli", 99, 100),
            measure("crowdsec hub", "all", 30, 100),
            measure("elastic apache log", "probe", 50, 10_000),
            measure("false_positives (raw)", "sqli", 2, 100),
            measure("elastic apache log", "any", 0, 10_000),
        ];
        let missed = floors.profile("builtin").expect("there").check(&measures);
        assert!(missed.is_empty(), "{missed:?}");
    }

    #[test]
    fn each_floor_missed_is_listed() {
        let floors = Floors::parse(FILE).expect("valid");
        let measures = [
            measure("sqli-* (raw)", "sqli", 97, 100),
            // crowdsec hub / all not measured: a miss, not a pass.
            measure("elastic apache log", "probe", 49, 10_000),
            measure("false_positives (raw)", "sqli", 3, 100),
            measure("elastic apache log", "any", 1, 10_000),
        ];
        let missed = floors.profile("builtin").expect("there").check(&measures);
        assert_eq!(missed.len(), 5, "{missed:?}");
        assert!(missed[0].contains("97.00% (97/100) is below the floor 98.00%"));
        assert!(missed[1].contains("crowdsec hub / all: not measured"));
        assert!(missed[2].contains("probe: 49 flagged is below the floor 50"));
        assert!(missed[3].contains("3.00% (3/100) is above the ceiling 2.00%"));
        assert!(missed[4].contains("1 flagged is above the ceiling 0"));
    }

    #[test]
    fn the_elastic_log_counts_probe_lines_apart_from_the_rest() {
        let line = |n: usize, probe: bool| crate::eval::FlaggedLine {
            line: n,
            text: String::new(),
            categories: vec!["scanner".into()],
            rule_ids: vec![if probe { "probe-x" } else { "scanner-x" }.into()],
            probe,
        };
        let report = EvalReport {
            elastic_lines: 100,
            elastic_flagged: vec![line(1, true), line(2, true), line(3, false)],
            ..EvalReport::default()
        };
        let measures = report.measures();
        let hits = |category: &str| {
            measures
                .iter()
                .find(|m| m.corpus == "elastic apache log" && m.category == category)
                .map(|m| m.hits)
        };
        assert_eq!(
            (hits("any"), hits("probe"), hits("other")),
            (Some(3), Some(2), Some(1))
        );
        let floors = Floors::parse(
            "[profile.p]\nrecall = [{ corpus = \"elastic apache log\", category = \"probe\" }]\n",
        )
        .expect("valid");
        let missed = floors.profile("p").expect("there").check(&measures);
        assert!(
            missed[0].contains("neither min_percent nor min_count"),
            "{missed:?}"
        );
    }

    #[test]
    fn an_unknown_key_or_profile_is_an_error() {
        assert!(Floors::parse("[profile.x]\nrecal = []\n").is_err());
        let floors = Floors::parse(FILE).expect("valid");
        let err = floors.profile("sigma").expect_err("absent").to_string();
        assert!(err.contains("there are: builtin"), "{err}");
    }

    #[test]
    fn the_checked_in_file_reads_and_has_both_profiles() {
        let floors = Floors::parse(CHECKED_IN).expect("rules/eval-floors.toml is valid");
        for name in ["builtin", "sigma-web"] {
            let p = floors.profile(name).expect("profile");
            assert!(!p.recall.is_empty() && !p.false_positives.is_empty());
        }
    }
}
