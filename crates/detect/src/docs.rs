//! Rule documentation generated from the rules themselves, in one template:
//! what it flags / why it matters / example / references.

use std::fmt::Write as _;

use crate::model::{Expr, Rule, RuleSource};

fn expr_text(rule: &Rule, e: &Expr) -> String {
    match e {
        Expr::Check(i) => {
            let c = &rule.checks[*i];
            let zones: Vec<&str> = c.zones.iter().map(|z| z.as_str()).collect();
            let quant = if c.all && c.values.len() > 1 {
                "all of "
            } else {
                ""
            };
            format!(
                "{} {} {quant}{:?}",
                zones.join("|"),
                c.op.as_str(),
                c.values
            )
        }
        Expr::Not(inner) => format!("not ({})", expr_text(rule, inner)),
        Expr::And(es) => es
            .iter()
            .map(|e| expr_text(rule, e))
            .collect::<Vec<_>>()
            .join(" and "),
        Expr::Or(es) => format!(
            "({})",
            es.iter()
                .map(|e| expr_text(rule, e))
                .collect::<Vec<_>>()
                .join(" or ")
        ),
    }
}

impl Rule {
    /// The rule's documentation page in Markdown.
    pub fn doc_markdown(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "## `{}` — {}\n", self.id, self.title);
        let source = match self.source {
            RuleSource::Native => "native",
            RuleSource::Sigma => "Sigma",
        };
        let _ = writeln!(
            s,
            "Category `{}` · severity {} · {source} rule from `{}`{}\n",
            self.category,
            self.severity.as_str(),
            self.file,
            self.tool
                .as_ref()
                .map(|t| format!(" · tool `{t}`"))
                .unwrap_or_default()
        );
        let _ = writeln!(
            s,
            "### What it flags\n\n{}\n",
            if self.description.is_empty() {
                &self.title
            } else {
                &self.description
            }
        );
        if !self.why.is_empty() {
            let _ = writeln!(s, "### Why it matters\n\n{}\n", self.why);
        }
        let _ = writeln!(
            s,
            "### How it matches\n\n`{}`\n",
            expr_text(self, &self.condition)
        );
        if let Some(w) = &self.window {
            let counted = w
                .distinct
                .map(|z| format!("distinct `{z}` values"))
                .unwrap_or_else(|| "requests".into());
            let _ = writeln!(
                s,
                "Fires when one source (per tenant) reaches {} {counted} within {} s{}.\n",
                w.threshold,
                w.span_micros / 1_000_000,
                if w.statuses.is_empty() {
                    String::new()
                } else {
                    format!(", counting only statuses {:?}", w.statuses)
                }
            );
        }
        if !self.examples_match.is_empty() || !self.examples_no_match.is_empty() {
            let _ = writeln!(s, "### Example\n");
            for e in &self.examples_match {
                let _ = writeln!(s, "- matches: `{}`", e.text);
            }
            for e in &self.examples_no_match {
                let _ = writeln!(s, "- does not match: `{}`", e.text);
            }
            s.push('\n');
        }
        if !self.references.is_empty() {
            let _ = writeln!(s, "### References\n");
            for r in &self.references {
                let _ = writeln!(s, "- {r}");
            }
        }
        s
    }
}
