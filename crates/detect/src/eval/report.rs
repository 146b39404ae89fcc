//! The benchmark's results and their printed table.

use std::fmt;

use kansoku_event::Category;

/// Recall (or false-positive count) over one payload corpus.
#[derive(Debug, Clone, Default)]
pub struct CorpusResult {
    /// Corpus name and placement.
    pub name: String,
    /// Category expected (for false-positive corpora: the categories counted).
    pub category: Option<Category>,
    /// Payloads run.
    pub total: usize,
    /// Payloads flagged with the category.
    pub hits: usize,
    /// Payloads missed (for false-positive corpora: the ones flagged).
    pub misses: Vec<String>,
    /// Matching time, nanoseconds.
    pub nanos: u128,
}

impl CorpusResult {
    pub(crate) fn new(name: String, category: Category) -> Self {
        CorpusResult {
            name,
            category: Some(category),
            ..Default::default()
        }
    }

    /// Share of payloads flagged, percent.
    pub fn rate(&self) -> f64 {
        if self.total == 0 {
            0.0
        } else {
            100.0 * self.hits as f64 / self.total as f64
        }
    }

    /// Cost per line, nanoseconds.
    pub fn ns_per_line(&self) -> f64 {
        if self.total == 0 {
            0.0
        } else {
            self.nanos as f64 / self.total as f64
        }
    }
}

/// One flagged line of the false-positive baseline log.
#[derive(Debug, Clone)]
pub struct FlaggedLine {
    /// 1-based line number.
    pub line: usize,
    /// The line.
    pub text: String,
    /// Categories it got.
    pub categories: Vec<String>,
    /// Rules that matched.
    pub rule_ids: Vec<String>,
}

/// One CrowdSec hub test and scenario.
#[derive(Debug, Clone, Default)]
pub struct CrowdsecResult {
    /// Test folder.
    pub test: String,
    /// Scenario the test feeds.
    pub scenario: String,
    /// Our categories that correspond to it.
    pub expected: Vec<Category>,
    /// Requests read from its log.
    pub lines: usize,
    /// Requests flagged with one of `expected`.
    pub flagged: usize,
    /// A few lines not flagged.
    pub missed: Vec<String>,
}

impl CrowdsecResult {
    /// Whether the test is flagged with its category.
    pub fn passed(&self) -> bool {
        self.flagged > 0
    }
}

/// Everything the benchmark measured.
#[derive(Debug, Clone, Default)]
pub struct EvalReport {
    /// libinjection SQLi/XSS recall, raw and URL-encoded.
    pub corpora: Vec<CorpusResult>,
    /// libinjection false positives (hits = flagged with the row's category).
    pub false_positives: Vec<CorpusResult>,
    /// Requests read from the elastic log.
    pub elastic_lines: usize,
    /// Elastic lines flagged.
    pub elastic_flagged: Vec<FlaggedLine>,
    /// Time over the elastic log, nanoseconds.
    pub elastic_nanos: u128,
    /// CrowdSec hub tests whose scenario maps to one of our categories.
    pub crowdsec: Vec<CrowdsecResult>,
}

impl fmt::Display for EvalReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{:<34} {:>9} {:>7} {:>8} {:>9}",
            "corpus", "category", "total", "flagged", "ns/line"
        )?;
        for c in self.corpora.iter().chain(&self.false_positives) {
            writeln!(
                f,
                "{:<34} {:>9} {:>7} {:>7.2}% {:>9.0}",
                c.name,
                c.category.map(|c| c.as_str()).unwrap_or("-"),
                c.total,
                c.rate(),
                c.ns_per_line()
            )?;
        }
        let ns = if self.elastic_lines == 0 {
            0.0
        } else {
            self.elastic_nanos as f64 / self.elastic_lines as f64
        };
        writeln!(
            f,
            "\nelastic apache log: {} lines, {} flagged, {ns:.0} ns/line",
            self.elastic_lines,
            self.elastic_flagged.len()
        )?;
        for l in &self.elastic_flagged {
            writeln!(
                f,
                "  line {:>5} [{}] {}",
                l.line,
                l.categories.join(","),
                l.text.chars().take(160).collect::<String>()
            )?;
        }
        let passed = self.crowdsec.iter().filter(|c| c.passed()).count();
        writeln!(
            f,
            "\ncrowdsec hub tests: {passed}/{} flagged with their category",
            self.crowdsec.len()
        )?;
        for c in &self.crowdsec {
            let cats: Vec<&str> = c.expected.iter().map(|c| c.as_str()).collect();
            writeln!(
                f,
                "  {:<4} {:<38} {:<45} → {:<30} {}/{}",
                if c.passed() { "ok" } else { "MISS" },
                c.test,
                c.scenario,
                cats.join("|"),
                c.flagged,
                c.lines
            )?;
        }
        Ok(())
    }
}
