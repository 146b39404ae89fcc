//! `kansoku rules test` and `kansoku rules lint`: inline examples and rule hygiene.

use std::collections::HashMap;
use std::fmt;

use crate::model::{Category, Op, Rule, RuleSource};
use crate::ruleset::RuleSet;

/// An inline example that did not behave as its rule says.
#[derive(Debug, Clone, PartialEq)]
pub struct ExampleFailure {
    /// Rule id.
    pub rule_id: String,
    /// File of the rule.
    pub file: String,
    /// The example as written.
    pub example: String,
    /// Whether the example was supposed to match.
    pub expected_match: bool,
}

impl fmt::Display for ExampleFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = if self.expected_match {
            "should match but does not"
        } else {
            "should not match but does"
        };
        write!(
            f,
            "{} ({}): example {what}: {}",
            self.rule_id, self.file, self.example
        )
    }
}

/// One finding of `lint`.
#[derive(Debug, Clone, PartialEq)]
pub struct LintFinding {
    /// Rule id.
    pub rule_id: String,
    /// File of the rule.
    pub file: String,
    /// What to fix.
    pub message: String,
}

impl fmt::Display for LintFinding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({}): {}", self.rule_id, self.file, self.message)
    }
}

fn is_plain_literal(re: &str) -> bool {
    !re.is_empty() && !re.chars().any(|c| "\\.+*?()|[]{}^$".contains(c))
}

impl RuleSet {
    /// Runs every rule's inline examples against that rule alone (window rules: their
    /// per-request condition) and returns those that fail.
    pub fn test_examples(&self) -> Vec<ExampleFailure> {
        let mut failures = Vec::new();
        for rule in self.rules() {
            let mut alone = rule.clone();
            alone.window = None;
            let Ok(single) = RuleSet::from_rules(vec![alone]) else {
                failures.push(ExampleFailure {
                    rule_id: rule.id.clone(),
                    file: rule.file.clone(),
                    example: "(rule does not compile)".into(),
                    expected_match: true,
                });
                continue;
            };
            let mut m = single.matcher();
            for (examples, expected) in [
                (&rule.examples_match, true),
                (&rule.examples_no_match, false),
            ] {
                for ex in examples {
                    let got = !m.matching_rules(&ex.request).is_empty();
                    if got != expected {
                        failures.push(ExampleFailure {
                            rule_id: rule.id.clone(),
                            file: rule.file.clone(),
                            example: ex.text.clone(),
                            expected_match: expected,
                        });
                    }
                }
            }
        }
        failures
    }

    /// Rule hygiene: missing examples or docs, duplicate ids, regexes that could be
    /// literals, uncategorised native rules, scanner-agent rules without a tool.
    pub fn lint(&self) -> Vec<LintFinding> {
        let mut out = Vec::new();
        let mut ids: HashMap<&str, usize> = HashMap::new();
        for r in self.rules() {
            *ids.entry(r.id.as_str()).or_default() += 1;
        }
        for r in self.rules() {
            let mut say = |message: String| {
                out.push(LintFinding {
                    rule_id: r.id.clone(),
                    file: r.file.clone(),
                    message,
                })
            };
            if ids.get(r.id.as_str()).copied().unwrap_or(0) > 1 {
                say("duplicate rule id".into());
            }
            if r.source != RuleSource::Native {
                continue;
            }
            lint_native(r, &mut say);
        }
        out
    }
}

fn lint_native(r: &Rule, say: &mut impl FnMut(String)) {
    if r.examples_match.is_empty() {
        say("no `examples.match`: add a request the rule must flag".into());
    }
    if r.examples_no_match.is_empty() {
        say("no `examples.no_match`: add a benign request the rule must leave alone".into());
    }
    if r.description.is_empty() || r.why.is_empty() {
        say("missing `description` or `why` (the rule's documentation)".into());
    }
    if r.references.is_empty() {
        say("no references".into());
    }
    if r.category == Category::Other {
        say("category `other`: pick a report category".into());
    }
    let agent_only = r
        .checks
        .iter()
        .all(|c| c.zones == [crate::model::Zone::UserAgent]);
    if r.category == Category::Scanner && agent_only && r.tool.is_none() {
        say("scanner user-agent rule without `tool`".into());
    }
    for c in &r.checks {
        if c.op == Op::Regex {
            for v in &c.values {
                if is_plain_literal(v) {
                    say(format!(
                        "regex `{v}` is a plain literal: use `contains` (faster, gated)"
                    ));
                }
            }
        }
    }
}
