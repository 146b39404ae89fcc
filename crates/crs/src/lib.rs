//! kansoku's SecLang engine: it loads the OWASP Core Rule Set as installed (Debian's
//! `modsecurity-crs` 3.3.4, or a CRS release folder), without editing a line, and runs it
//! on requests rebuilt from log lines.
//!
//! The pieces, in the order a request meets them:
//! - [`load`]: files and directives → compiled rules, per phase, with a [`LoadReport`] of
//!   what a log cannot run;
//! - [`request`]: a logged request → SecLang variables (`ARGS`, `REQUEST_FILENAME`, ...);
//! - [`transform`] and [`operator`] (with [`pcre`] for `@rx`): the building blocks;
//! - [`engine`]: phases 1 and 2, chains, `skipAfter`, `setvar`, anomaly scoring;
//! - [`conformance`]: CRS's own regression tests, run on the stages a log can show.
//!
//! ```no_run
//! use kansoku_crs::{Crs, LoadOptions, Request};
//!
//! let crs = Crs::load(std::path::Path::new("/usr/share/modsecurity-crs"), &LoadOptions::default())?;
//! let mut scratch = kansoku_crs::Scratch::default();
//! let req = Request { method: b"GET", uri: b"/?id=1' or '1'='1", protocol: b"HTTP/1.1", ..Default::default() };
//! let verdict = crs.evaluate(&req, &mut scratch);
//! assert!(verdict.attack);
//! # Ok::<(), kansoku_crs::LoadError>(())
//! ```
#![deny(missing_docs)]

pub mod conformance;
pub mod engine;
pub mod load;
pub mod operator;
pub mod pcre;
pub mod request;
pub mod rule;
pub mod transform;

use std::path::Path;

pub use engine::{RuleMatch, Scratch, Verdict};
pub use load::{ACCESS_LOG_HEADERS, LoadError, LoadOptions, LoadReport};
pub use request::Request;

/// Where Debian's `modsecurity-crs` package installs CRS (rules and `owasp-crs.load`).
pub const DEBIAN_CRS: &str = "/usr/share/modsecurity-crs";

/// A loaded Core Rule Set, ready to run on requests from any number of threads (each with
/// its own [`Scratch`]).
#[derive(Debug, Clone)]
pub struct Crs {
    dir: std::path::PathBuf,
    compiled: load::Compiled,
    threshold: i64,
    paranoia_level: u8,
}

impl Crs {
    /// Loads CRS from `dir` (Debian's `/usr/share/modsecurity-crs`, whose
    /// `owasp-crs.load` names `/etc/modsecurity/crs/crs-setup.conf`; or a release folder
    /// with `crs-setup.conf(.example)` and `rules/`), then kansoku's paranoia level and
    /// threshold, then `opts.extra`.
    pub fn load(dir: &Path, opts: &LoadOptions) -> Result<Crs, LoadError> {
        let files = load::crs_files(dir)?;
        let mut loader = load::Loader::new();
        // kansoku's settings go right after crs-setup.conf (so they win over it), as a
        // `SecAction` there would; CRS's own initialisation (901) only sets what is unset.
        loader.after_setup(settings(opts));
        for f in &files {
            loader.file(f)?;
        }
        if let Some(extra) = &opts.extra {
            loader.text(extra, "kansoku extra rules", dir)?;
        }
        Ok(Crs::finish(loader, dir, opts))
    }

    /// Compiles SecLang text alone (kansoku's settings first, then `text`), resolving data
    /// files and includes against `dir`: for tests, and for rule sets written inline.
    pub fn from_text(text: &str, dir: &Path, opts: &LoadOptions) -> Result<Crs, LoadError> {
        let mut loader = load::Loader::new();
        loader.text(&settings(opts), "kansoku settings", dir)?;
        loader.text(text, "inline rules", dir)?;
        Ok(Crs::finish(loader, dir, opts))
    }

    fn finish(mut loader: load::Loader, dir: &Path, opts: &LoadOptions) -> Crs {
        if let Some(visible) = &opts.visible_headers {
            loader.restrict_headers(visible);
        }
        Crs {
            dir: dir.to_path_buf(),
            compiled: loader.finish(),
            threshold: opts.inbound_threshold,
            paranoia_level: opts.paranoia_level,
        }
    }

    /// Runs phases 1 and 2 of the rule set on one request.
    pub fn evaluate(&self, req: &Request<'_>, scratch: &mut Scratch) -> Verdict {
        self.compiled.evaluate(req, scratch, self.threshold)
    }

    /// A rule by index ([`RuleMatch::rule`]).
    pub fn rule(&self, index: usize) -> Option<&rule::Rule> {
        self.compiled.rules.get(index)
    }

    /// Every rule loaded (removed ones included), in file order.
    pub fn rules(&self) -> &[rule::Rule] {
        &self.compiled.rules
    }

    /// Whether the rule at `index` runs (it was not removed, turned off for logs, or
    /// disabled at load).
    pub fn is_active(&self, index: usize) -> bool {
        self.compiled.active.get(index).copied().unwrap_or(false)
    }

    /// What loading found that a log cannot run.
    pub fn report(&self) -> &LoadReport {
        &self.compiled.report
    }

    /// The folder it was loaded from.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The paranoia level the rule set runs at.
    pub fn paranoia_level(&self) -> u8 {
        self.paranoia_level
    }

    /// The inbound anomaly threshold.
    pub fn threshold(&self) -> i64 {
        self.threshold
    }
}

fn settings(opts: &LoadOptions) -> String {
    format!(
        "SecAction \"id:9000000,phase:1,nolog,pass,t:none,\
         setvar:tx.paranoia_level={pl},setvar:tx.executing_paranoia_level={pl},\
         setvar:tx.inbound_anomaly_score_threshold={th}\"\n",
        pl = opts.paranoia_level.clamp(1, 4),
        th = opts.inbound_threshold,
    )
}

/// kansoku's category for a CRS rule, from its `attack-*` tag: `attack-sqli` → `sqli`,
/// `attack-xss` → `xss`, `attack-lfi` → `path_traversal`, `attack-rce`, `attack-rfi`,
/// `attack-php`, `attack-nodejs`, `attack-java`, `attack-injection-*` → `rce` (code or
/// command execution on the server), `attack-reputation-scanner` → `scanner`; anything
/// else (`attack-protocol`, `attack-fixation`, `attack-generic`, ...) → `other`.
pub fn category(tags: &[String]) -> &'static str {
    for t in tags {
        let t = t.to_ascii_lowercase();
        let Some(kind) = t.strip_prefix("attack-") else {
            continue;
        };
        return match kind {
            "sqli" => "sqli",
            "xss" => "xss",
            "lfi" => "path_traversal",
            "rce" | "rfi" | "php" | "nodejs" | "java" => "rce",
            k if k.starts_with("injection") => "rce",
            "reputation-scanner" | "reputation-scripting" | "reputation-crawler" => "scanner",
            _ => "other",
        };
    }
    "other"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn categories_from_tags() {
        let tags = |t: &[&str]| t.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(
            category(&tags(&["application-multi", "attack-sqli"])),
            "sqli"
        );
        assert_eq!(category(&tags(&["attack-lfi"])), "path_traversal");
        assert_eq!(category(&tags(&["attack-rce"])), "rce");
        assert_eq!(category(&tags(&["attack-reputation-scanner"])), "scanner");
        assert_eq!(category(&tags(&["attack-protocol"])), "other");
        assert_eq!(category(&tags(&["OWASP_CRS"])), "other");
    }
}
