//! `kansoku rules ...`: the detection rules, their documentation and their inline
//! examples (their quality over labelled corpora is `kansoku eval`, `eval.rs`).

use std::path::PathBuf;

use anyhow::Context as _;
use clap::Subcommand;
use kansoku_detect::RuleSet;
use kansoku_pipeline::{Config, Context};
use serde::Serialize;

use crate::cli::OutputFormat;

/// `kansoku rules ...`.
#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// List the loaded rules (built-in, extra folders, Sigma).
    ///
    /// Example: kansoku --sigma /opt/sigma/rules/web rules list --format csv
    List {
        /// Output format.
        #[arg(long, value_enum, default_value_t)]
        format: OutputFormat,
    },
    /// Show one rule's documentation: what it flags, why it matters, examples, references.
    ///
    /// Example: kansoku rules show sqli-union-select
    Show {
        /// Rule id.
        id: String,
    },
    /// Run every rule's inline must-match / must-not-match examples.
    ///
    /// Example: kansoku --strict rules test
    Test,
    /// Check rules for mistakes (no examples, duplicate ids, needless regexes, ...).
    ///
    /// Example: kansoku rules lint
    Lint,
    /// Write each rule's documentation as Markdown into a folder.
    ///
    /// Example: kansoku rules docs --out docs/rules
    Docs {
        /// Output folder.
        #[arg(long, default_value = "docs/rules")]
        out: PathBuf,
    },
}

pub(crate) fn load(config: &Config) -> anyhow::Result<std::sync::Arc<RuleSet>> {
    let ctx = Context::new(config)?;
    for w in &ctx.rule_warnings {
        eprintln!("warning: {w}");
    }
    Ok(ctx.rules)
}

#[derive(Serialize)]
struct RuleRow<'a> {
    id: &'a str,
    category: String,
    severity: String,
    source: String,
    title: &'a str,
}

pub fn run(config: &Config, cmd: RulesCommand) -> anyhow::Result<u8> {
    let rules = load(config)?;
    match cmd {
        RulesCommand::List { format } => {
            let rows: Vec<RuleRow> = rules
                .rules()
                .iter()
                .map(|r| RuleRow {
                    id: &r.id,
                    category: r.category.to_string(),
                    severity: format!("{:?}", r.severity).to_lowercase(),
                    source: format!("{:?}", r.source).to_lowercase(),
                    title: &r.title,
                })
                .collect();
            // CRS rules that can add to the score, at the configured paranoia level and
            // below (the others never run).
            let crs: Vec<kansoku_detect::crs::CrsRuleInfo> = rules
                .crs()
                .map(|c| {
                    kansoku_detect::crs::listed(c)
                        .into_iter()
                        .filter(|r| r.paranoia_level.is_none_or(|p| p <= c.paranoia_level()))
                        .collect()
                })
                .unwrap_or_default();
            let rows: Vec<RuleRow> = rows
                .into_iter()
                .chain(crs.iter().map(|r| RuleRow {
                    id: &r.id,
                    category: r.category.to_string(),
                    severity: r.severity.clone(),
                    source: "crs".into(),
                    title: &r.title,
                }))
                .collect();
            match format {
                OutputFormat::Json => println!("{}", serde_json::to_string_pretty(&rows)?),
                OutputFormat::Ndjson => {
                    for r in &rows {
                        println!("{}", serde_json::to_string(r)?);
                    }
                }
                OutputFormat::Csv => {
                    println!("id,category,severity,source,title");
                    for r in &rows {
                        println!(
                            "{},{},{},{},\"{}\"",
                            r.id,
                            r.category,
                            r.severity,
                            r.source,
                            r.title.replace('"', "\"\"")
                        );
                    }
                }
                OutputFormat::Table => {
                    for r in &rows {
                        println!(
                            "{:<40} {:<18} {:<9} {:<7} {}",
                            r.id, r.category, r.severity, r.source, r.title
                        );
                    }
                    eprintln!("{} rules", rows.len());
                }
            }
            Ok(crate::exit::OK)
        }
        RulesCommand::Show { id } => {
            if let Some(rule) = rules.rule(&id) {
                println!("{}", rule.doc_markdown());
                return Ok(crate::exit::OK);
            }
            let crs = rules
                .crs()
                .into_iter()
                .flat_map(kansoku_detect::crs::listed)
                .find(|r| r.id == id)
                .with_context(|| format!("no rule {id:?}; `kansoku rules list` shows them"))?;
            println!("{}", crs.doc_markdown());
            Ok(crate::exit::OK)
        }
        RulesCommand::Test => {
            let failures = rules.test_examples();
            for f in &failures {
                println!("FAIL {f}");
            }
            let examples: usize = rules
                .rules()
                .iter()
                .map(|r| r.examples_match.len() + r.examples_no_match.len())
                .sum();
            println!(
                "{} examples of {} rules: {} failed",
                examples,
                rules.rules().len(),
                failures.len()
            );
            Ok(if failures.is_empty() {
                crate::exit::OK
            } else {
                crate::exit::FAILURE
            })
        }
        RulesCommand::Lint => {
            let findings = rules.lint();
            for f in &findings {
                println!("{f}");
            }
            println!("{} findings", findings.len());
            Ok(if findings.is_empty() {
                crate::exit::OK
            } else {
                crate::exit::FAILURE
            })
        }
        RulesCommand::Docs { out } => {
            std::fs::create_dir_all(&out)?;
            for rule in rules.rules() {
                let name = kansoku_lake::file_name_of(&rule.id);
                std::fs::write(out.join(format!("{name}.md")), rule.doc_markdown())?;
            }
            eprintln!(
                "wrote {} rule documents to {}",
                rules.rules().len(),
                out.display()
            );
            Ok(crate::exit::OK)
        }
    }
}
