//! [`RuleSet`]: loading rules from the built-in pack and folders, and compiling them.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use kansoku_event::HttpRequest;

use crate::compile::Engine;
use crate::crs::CrsMatcher;
use crate::error::{LoadError, LoadWarning};
use crate::matcher::{Hit, Scratch};
use crate::model::Rule;
use crate::{builtin, native, probes, sigma};

/// Where to load rules from.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// Include the built-in pack (default true): the YAML rules and the probe lists.
    pub builtin: bool,
    /// Folders of native YAML rules (searched recursively for `.yaml`/`.yml`).
    pub rule_dirs: Vec<PathBuf>,
    /// Folders of Sigma rules (only `logsource: category: webserver` rules are taken).
    pub sigma_dirs: Vec<PathBuf>,
    /// Fail on the first broken rule instead of skipping it with a warning.
    pub strict: bool,
    /// The OWASP Core Rule Set, run beside the rules (none by default).
    pub crs: Option<crate::crs::CrsOptions>,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            builtin: true,
            rule_dirs: Vec::new(),
            sigma_dirs: Vec::new(),
            strict: false,
            crs: None,
        }
    }
}

#[derive(Debug)]
pub(crate) struct Compiled {
    pub rules: Vec<Rule>,
    pub stateless: Engine,
    pub windowed: Engine,
}

/// Compiled rules (native and Sigma), shared cheaply between threads.
#[derive(Debug, Clone)]
pub struct RuleSet {
    pub(crate) inner: Arc<Compiled>,
    crs: Option<Arc<kansoku_crs::Crs>>,
}

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), LoadError> {
    let entries = std::fs::read_dir(dir).map_err(|source| LoadError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    for entry in entries {
        let entry = entry.map_err(|source| LoadError::Io {
            path: dir.to_path_buf(),
            source,
        })?;
        let path = entry.path();
        if path.is_dir() {
            yaml_files(&path, out)?;
        } else if matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("yaml" | "yml")
        ) {
            out.push(path);
        }
    }
    out.sort();
    Ok(())
}

fn read(path: &Path) -> Result<String, LoadError> {
    std::fs::read_to_string(path).map_err(|source| LoadError::Io {
        path: path.to_path_buf(),
        source,
    })
}

impl RuleSet {
    /// The built-in pack alone. A broken built-in rule is an error (the test suite
    /// guarantees there is none).
    pub fn builtin() -> Result<RuleSet, LoadError> {
        let (set, warnings) = RuleSet::load(&LoadOptions {
            strict: true,
            ..LoadOptions::default()
        })?;
        debug_assert!(warnings.is_empty());
        Ok(set)
    }

    /// One native rule file's text compiled alone, without the built-in pack: what
    /// [`RuleSet::load`] does for each file of a rule folder (the fuzz targets' entry).
    pub fn from_native_text(
        file: &str,
        text: &str,
    ) -> Result<(RuleSet, Vec<LoadWarning>), LoadError> {
        let (rules, warnings) = native::parse_file(file, text);
        Ok((RuleSet::from_rules(rules)?, warnings))
    }

    /// One Sigma rule file's text compiled alone (`None` when it is no webserver rule or
    /// does not load), as [`RuleSet::load`] reads each file of a Sigma folder.
    pub fn from_sigma_text(file: &str, text: &str) -> Result<Option<RuleSet>, LoadError> {
        match sigma::parse_file(file, text) {
            sigma::Parsed::Rule(rule, _) => Ok(Some(RuleSet::from_rules(vec![*rule])?)),
            sigma::Parsed::NotWebserver | sigma::Parsed::Broken(_) => Ok(None),
        }
    }

    /// Built-in pack plus rule folders. Each broken rule is skipped with a warning
    /// naming its file, line and id, unless `opts.strict`.
    pub fn load(opts: &LoadOptions) -> Result<(RuleSet, Vec<LoadWarning>), LoadError> {
        let mut rules = Vec::new();
        let mut warnings = Vec::new();
        if opts.builtin {
            for (path, text) in builtin::FILES {
                let (r, w) = native::parse_file(&format!("rules/{path}"), text);
                rules.extend(r);
                warnings.extend(w);
            }
            let (r, w) = probes::rules_of(builtin::PROBE_LISTS);
            rules.extend(r);
            warnings.extend(w);
        }
        for dir in &opts.rule_dirs {
            let mut files = Vec::new();
            yaml_files(dir, &mut files)?;
            for f in files {
                let (r, w) = native::parse_file(&f.display().to_string(), &read(&f)?);
                rules.extend(r);
                warnings.extend(w);
            }
        }
        for dir in &opts.sigma_dirs {
            let mut files = Vec::new();
            yaml_files(dir, &mut files)?;
            for f in files {
                match sigma::parse_file(&f.display().to_string(), &read(&f)?) {
                    sigma::Parsed::Rule(rule, w) => {
                        rules.push(*rule);
                        warnings.extend(w);
                    }
                    sigma::Parsed::NotWebserver => {}
                    sigma::Parsed::Broken(w) => warnings.push(w),
                }
            }
        }
        // Later definitions of an id are dropped: ids must stay unique in the lake.
        let mut seen = std::collections::HashSet::new();
        rules.retain(|r: &Rule| {
            let fresh = seen.insert(r.id.clone());
            if !fresh {
                warnings.push(LoadWarning {
                    file: r.file.clone(),
                    line: None,
                    rule_id: Some(r.id.clone()),
                    message: "duplicate rule id; this definition is ignored".into(),
                });
            }
            fresh
        });
        if opts.strict
            && let Some(w) = warnings.first()
        {
            return Err(LoadError::Rule(w.clone()));
        }
        let mut set = RuleSet::from_rules(rules)?;
        if let Some(crs) = &opts.crs {
            let loaded = crs.load().map_err(|source| LoadError::Crs {
                dir: crs.dir.clone(),
                source,
            })?;
            warnings.extend(crs_warnings(&crs.dir, &loaded));
            set.crs = Some(Arc::new(loaded));
        }
        Ok((set, warnings))
    }

    /// Compiles an explicit list of rules.
    pub fn from_rules(rules: Vec<Rule>) -> Result<RuleSet, LoadError> {
        let (windowed, stateless): (Vec<usize>, Vec<usize>) =
            (0..rules.len()).partition(|&i| rules[i].window.is_some());
        let stateless = Engine::build(&rules, stateless)?;
        let windowed = Engine::build(&rules, windowed)?;
        Ok(RuleSet {
            inner: Arc::new(Compiled {
                rules,
                stateless,
                windowed,
            }),
            crs: None,
        })
    }

    /// Every rule, in load order (built-in, folders, Sigma).
    pub fn rules(&self) -> &[Rule] {
        &self.inner.rules
    }

    /// A rule by id.
    pub fn rule(&self, id: &str) -> Option<&Rule> {
        self.inner.rules.iter().find(|r| r.id == id)
    }

    /// The OWASP Core Rule Set loaded beside the rules, if any.
    pub fn crs(&self) -> Option<&kansoku_crs::Crs> {
        self.crs.as_deref()
    }

    /// A per-thread matching handle.
    pub fn matcher(&self) -> Matcher {
        Matcher {
            set: self.clone(),
            scratch: Scratch::default(),
            crs: self.crs.clone().map(CrsMatcher::new),
        }
    }
}

/// Matches requests against the stateless rules of a [`RuleSet`]; one per thread.
#[derive(Debug)]
pub struct Matcher {
    set: RuleSet,
    scratch: Scratch,
    crs: Option<CrsMatcher>,
}

impl Matcher {
    /// Stateless rules: adds matched rule ids to `req.rule_ids`, their categories to
    /// `req.categories` (deduplicated, in rule order) and the first recognised tool to
    /// `req.tool`.
    pub fn apply(&mut self, req: &mut HttpRequest) {
        let inner = &self.set.inner;
        self.scratch.run(&inner.stateless, req);
        for &local in &self.scratch.matched {
            let rule = &inner.rules[inner.stateless.rules[local as usize]];
            record(req, rule);
        }
        if let Some(crs) = &mut self.crs {
            crs.apply(req);
        }
    }

    /// Whether any stateless rule matches, and which (rule ids), without changing `req`.
    pub fn matching_rules(&mut self, req: &HttpRequest) -> Vec<&Rule> {
        let inner = &self.set.inner;
        self.scratch.run(&inner.stateless, req);
        self.scratch
            .matched
            .iter()
            .map(|&l| &inner.rules[inner.stateless.rules[l as usize]])
            .collect()
    }

    /// For `kansoku explain`: which rule matched which decoded substring in which zone.
    pub fn explain(&mut self, req: &HttpRequest) -> Vec<Hit> {
        let inner = &self.set.inner;
        self.scratch.run(&inner.stateless, req);
        let matched = self.scratch.matched.clone();
        let mut hits = Vec::new();
        for local in matched {
            let rule = &inner.rules[inner.stateless.rules[local as usize]];
            hits.extend(self.scratch.explain_rule(
                &inner.stateless,
                req,
                local as usize,
                &rule.id,
                rule.category.as_str(),
            ));
        }
        if let Some(crs) = &mut self.crs {
            hits.extend(crs.explain(req));
        }
        hits
    }
}

/// Adds one rule's finding to a request (idempotent).
pub(crate) fn record(req: &mut HttpRequest, rule: &Rule) {
    if !req.rule_ids.contains(&rule.id) {
        req.rule_ids.push(rule.id.clone());
    }
    let cat = rule.category.as_str();
    if !req.categories.iter().any(|c| c == cat) {
        req.categories.push(cat.to_string());
    }
    if req.tool.is_none() {
        req.tool.clone_from(&rule.tool);
    }
}

/// What loading CRS found that a log cannot run, as warnings printed once: a pattern that
/// failed (rule by rule), then one summary line.
fn crs_warnings(dir: &Path, crs: &kansoku_crs::Crs) -> Vec<LoadWarning> {
    let r = crs.report();
    let warn = |message: String| LoadWarning {
        file: dir.display().to_string(),
        line: None,
        rule_id: None,
        message,
    };
    let mut out: Vec<LoadWarning> = r
        .disabled
        .iter()
        .map(|(id, reason)| warn(format!("CRS rule {id} is off: {reason}")))
        .collect();
    let vars: Vec<String> = r
        .log_invisible
        .iter()
        .map(|(var, rules)| format!("{var} {}", rules.len()))
        .collect();
    let ops: Vec<&str> = r.unsupported_operators.keys().map(String::as_str).collect();
    out.push(warn(format!(
        "CRS at paranoia level {}: {} request rules; {} off because they read only headers logs \
         do not show; variables a log never fills, read by (rules): {}; operators not run: {}",
        crs.paranoia_level(),
        r.request_rules,
        r.invisible_headers.len(),
        vars.join(", "),
        ops.join(", ")
    )));
    out
}
