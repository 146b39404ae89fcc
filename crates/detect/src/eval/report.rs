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
    /// Whether a probe list flagged it (a listed path the site answered 403/404/410).
    pub probe: bool,
}

/// One scenario entry of a CrowdSec hub test's `config.yaml`.
#[derive(Debug, Clone)]
pub struct CrowdsecResult {
    /// Test folder.
    pub test: String,
    /// Scenario, as the hub names it (`crowdsecurity/http-probing`).
    pub scenario: String,
    /// Our categories that correspond to it (empty: none).
    pub expected: Vec<Category>,
    /// What came of it.
    pub outcome: CrowdsecOutcome,
}

/// Whether a scenario entry was evaluated, and how it went.
#[derive(Debug, Clone, PartialEq)]
pub enum CrowdsecOutcome {
    /// Run and held to the hub's expectation.
    Evaluated {
        /// Requests the production parser read from the log.
        requests: usize,
        /// Lines it rejected.
        rejected: usize,
        /// Requests the hub expects the scenario to raise on (0: it expects nothing).
        expected_lines: usize,
        /// Of those, how many kansoku flagged with one of the scenario's categories.
        flagged_expected: usize,
        /// Lines flagged with one of the scenario's categories, expected or not.
        flagged_total: usize,
        /// A few expected requests not flagged.
        missed: Vec<String>,
    },
    /// Counted, but it cannot be run; the reason.
    NotEvaluable(String),
}

impl CrowdsecResult {
    /// Whether kansoku did what the hub expects of the scenario: every expected request
    /// flagged with its category, or, when the hub expects no alert, none flagged.
    pub fn passed(&self) -> bool {
        match &self.outcome {
            CrowdsecOutcome::Evaluated {
                expected_lines: 0,
                flagged_total,
                ..
            } => *flagged_total == 0,
            CrowdsecOutcome::Evaluated {
                expected_lines,
                flagged_expected,
                ..
            } => flagged_expected == expected_lines,
            CrowdsecOutcome::NotEvaluable(_) => false,
        }
    }

    /// Whether it was run at all.
    pub fn evaluated(&self) -> bool {
        matches!(self.outcome, CrowdsecOutcome::Evaluated { .. })
    }

    /// Its categories as one label (`path_traversal|rce`; `-` for none).
    pub fn category_label(&self) -> String {
        if self.expected.is_empty() {
            return "-".into();
        }
        let cats: Vec<&str> = self.expected.iter().map(|c| c.as_str()).collect();
        cats.join("|")
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
    /// Elastic lines the production parser rejected.
    pub elastic_rejected: usize,
    /// Elastic lines flagged.
    pub elastic_flagged: Vec<FlaggedLine>,
    /// Time over the elastic log, nanoseconds.
    pub elastic_nanos: u128,
    /// Every scenario entry of the CrowdSec hub tests, evaluable or not.
    pub crowdsec: Vec<CrowdsecResult>,
    /// CRS's regression tests on the stages a log can show, when CRS is loaded and the
    /// tests are in the data folder.
    pub crs: Option<CrsConformance>,
}

/// CRS conformance: per rule file (passed, run, skipped), and the stages that failed.
#[derive(Debug, Clone, Default)]
pub struct CrsConformance {
    /// Per rule file.
    pub files: Vec<(String, kansoku_crs::conformance::Tally)>,
    /// `title: missing [...] unwanted [...]` for each failed stage.
    pub failures: Vec<String>,
}

impl CrsConformance {
    /// Stages passed and run, over all files.
    pub fn totals(&self) -> (usize, usize, usize) {
        self.files.iter().fold((0, 0, 0), |(p, r, s), (_, t)| {
            (p + t.passed, r + t.run, s + t.skipped)
        })
    }
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
            "\nelastic apache log: {} requests ({} lines rejected), {} flagged ({} by probe lists), {ns:.0} ns/line",
            self.elastic_lines,
            self.elastic_rejected,
            self.elastic_flagged.len(),
            self.elastic_flagged.iter().filter(|l| l.probe).count()
        )?;
        for l in &self.elastic_flagged {
            writeln!(
                f,
                "  line {:>5} {:<5} [{}] {}",
                l.line,
                if l.probe { "probe" } else { "" },
                l.categories.join(","),
                l.text.chars().take(160).collect::<String>()
            )?;
        }
        let passed = self.crowdsec.iter().filter(|c| c.passed()).count();
        let evaluated = self.crowdsec.iter().filter(|c| c.evaluated()).count();
        writeln!(
            f,
            "\ncrowdsec hub tests: {passed} of {} scenario entries passed ({evaluated} evaluated, {} not evaluable)",
            self.crowdsec.len(),
            self.crowdsec.len() - evaluated
        )?;
        for c in self.crowdsec.iter().filter(|c| c.evaluated()) {
            let CrowdsecOutcome::Evaluated {
                expected_lines,
                flagged_expected,
                requests,
                rejected,
                missed,
                ..
            } = &c.outcome
            else {
                continue;
            };
            writeln!(
                f,
                "  {:<4} {:<36} {:<42} → {:<26} {flagged_expected}/{expected_lines} expected requests flagged ({requests} read, {rejected} rejected)",
                if c.passed() { "ok" } else { "MISS" },
                c.test,
                c.scenario,
                c.category_label(),
            )?;
            for m in missed {
                writeln!(f, "         not flagged: {m}")?;
            }
        }
        writeln!(f, "  not evaluable:")?;
        for c in &self.crowdsec {
            if let CrowdsecOutcome::NotEvaluable(why) = &c.outcome {
                writeln!(f, "  n/a  {:<36} {:<42} {why}", c.test, c.scenario)?;
            }
        }
        if let Some(crs) = &self.crs {
            let (passed, run, skipped) = crs.totals();
            writeln!(
                f,
                "\nCRS regression tests, log-visible stages: {passed} of {run} passed ({:.1}%), {skipped} not log-visible",
                100.0 * passed as f64 / run.max(1) as f64
            )?;
            writeln!(
                f,
                "  {:<46} {:>6} {:>5} {:>8}",
                "rule file", "passed", "run", "skipped"
            )?;
            for (file, t) in &crs.files {
                writeln!(
                    f,
                    "  {file:<46} {:>6} {:>5} {:>8}",
                    t.passed, t.run, t.skipped
                )?;
            }
            for fail in &crs.failures {
                writeln!(f, "  FAIL {fail}")?;
            }
        }
        Ok(())
    }
}
