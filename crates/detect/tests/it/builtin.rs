//! The built-in pack: every inline example, lint, and docs.

use kansoku_detect::RuleSet;
use kansoku_event::Category;

#[test]
fn every_builtin_rule_passes_its_inline_examples() {
    let rules = RuleSet::builtin().expect("built-in pack loads strictly");
    let failures = rules.test_examples();
    let text: Vec<String> = failures.iter().map(ToString::to_string).collect();
    assert!(
        failures.is_empty(),
        "{} failing examples:\n{}",
        failures.len(),
        text.join("\n")
    );
    let examples: usize = rules
        .rules()
        .iter()
        .map(|r| r.examples_match.len() + r.examples_no_match.len())
        .sum();
    assert!(
        examples >= 2 * rules.rules().len(),
        "each rule carries must and must-not examples"
    );
}

#[test]
fn builtin_pack_covers_every_report_category() {
    let rules = RuleSet::builtin().expect("loads");
    for cat in Category::ALL {
        if cat == Category::Other {
            continue;
        }
        assert!(
            rules.rules().iter().any(|r| r.category == cat),
            "no built-in rule for {cat}"
        );
    }
}

#[test]
fn builtin_pack_is_lint_clean() {
    let rules = RuleSet::builtin().expect("loads");
    let findings: Vec<String> = rules.lint().iter().map(ToString::to_string).collect();
    assert!(
        findings.is_empty(),
        "lint findings:\n{}",
        findings.join("\n")
    );
}

#[test]
fn scanner_agent_rules_name_their_tool() {
    let rules = RuleSet::builtin().expect("loads");
    let nikto = rules.rule("scanner-nikto").expect("nikto rule");
    assert_eq!(nikto.tool.as_deref(), Some("nikto"));
    let doc = nikto.doc_markdown();
    for heading in [
        "### What it flags",
        "### Why it matters",
        "### Example",
        "### References",
    ] {
        assert!(doc.contains(heading), "doc lacks {heading}:\n{doc}");
    }
}
