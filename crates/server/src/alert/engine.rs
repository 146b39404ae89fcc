//! Online detectors over detected rows, in arrival order, by the rows' own times.
//!
//! | kind | fires when | subject |
//! |---|---|---|
//! | `threshold` | a rule's count of detections in a category is reached within its window | category |
//! | `first_sight` | a tenant has a detection in a category the lake never held for it | category |
//! | `tor_burst` | detections from Tor exit addresses reach the count within the window | `tor` |
//! | `spike` | the current hour's detections are a spike against the tenant's trailing hours (report method) | `hourly` |
//!
//! Suppression: an alert is keyed by (kind, tenant, subject). While it is open (its latest
//! event is less than `suppress_secs` old), further events of that key update it (count,
//! last seen, evidence) instead of raising another; updates are emitted at most every
//! `update_every_secs`. One campaign therefore gives one alert that grows.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};

use kansoku_analyze::stats::{SpikeParams, spikes};
use kansoku_event::alert::Alert;
use kansoku_event::{HttpRequest, Micros};

use super::AlertConfig;

const SEC: i64 = 1_000_000;
const HOUR: i64 = 3600 * SEC;

/// What the detectors know from before this run: categories seen per tenant, hourly
/// detection counts (hour index → count) per tenant, and the latest state of alerts
/// already raised.
#[derive(Debug, Default, Clone)]
pub struct History {
    /// (tenant, category) pairs the lake holds.
    pub seen: HashSet<(String, String)>,
    /// Per tenant: hour index (micros / 1h) → detections.
    pub hourly: HashMap<String, BTreeMap<i64, u64>>,
    /// The latest revision of each alert in the `alert` table. A campaign that goes on
    /// after a restart (clean or not) updates its alert, same id, instead of raising a
    /// second one.
    pub alerts: Vec<Alert>,
}

#[derive(Debug)]
struct Open {
    alert: Alert,
    last_sent: Micros,
    sources: BTreeMap<String, u64>,
    paths: Vec<String>,
    rules: BTreeMap<String, u64>,
}

/// The detectors' state.
pub struct Engine {
    cfg: AlertConfig,
    open: HashMap<(String, String, String), Open>,
    windows: HashMap<(usize, String, String), VecDeque<Micros>>,
    tor: HashMap<String, VecDeque<Micros>>,
    history: History,
    spike: SpikeParams,
    run: String,
    next: u64,
}

impl Engine {
    /// Detectors per `cfg`, knowing `history`; `run` makes alert ids unique per run.
    pub fn new(cfg: &AlertConfig, mut history: History, run: String) -> Engine {
        let mut open: HashMap<(String, String, String), Open> = HashMap::new();
        for a in std::mem::take(&mut history.alerts) {
            let Some(o) = resumed(a) else { continue };
            let key = (
                o.alert.kind.clone(),
                o.alert.tenant.clone(),
                subject_of(&o.alert).unwrap_or_default(),
            );
            // Keep the newest state of a key (two alerts of one key: an older campaign).
            if open.get(&key).is_none_or(|x| {
                (x.alert.last_seen, x.alert.revision) < (o.alert.last_seen, o.alert.revision)
            }) {
                open.insert(key, o);
            }
        }
        Engine {
            cfg: cfg.clone(),
            open,
            windows: HashMap::new(),
            tor: HashMap::new(),
            history,
            spike: SpikeParams::hourly(),
            run,
            next: 0,
        }
    }

    /// Observes one detected row; raises and updates go to `out`.
    pub fn observe(&mut self, req: &HttpRequest, out: &mut Vec<Alert>) {
        if req.rule_ids.is_empty() {
            return;
        }
        let tenant = req.tenant.clone();
        for cat in &req.categories {
            let key = ("first_sight", cat.as_str());
            let new =
                self.cfg.first_sight && self.history.seen.insert((tenant.clone(), cat.clone()));
            if new || self.is_open(key.0, &tenant, cat, req.ts) {
                self.fire(key.0, "medium", &tenant, cat, req, 1, out, |n| {
                    format!("first {cat} detection for tenant {tenant} ({n} so far)")
                });
            }
            for i in 0..self.cfg.threshold.len() {
                let rule = &self.cfg.threshold[i];
                if (rule.category != "*" && rule.category != *cat)
                    || rule.tenant.as_ref().is_some_and(|t| *t != tenant)
                {
                    continue;
                }
                let (count, span) = (rule.count, rule.window_secs as i64 * SEC);
                let w = self
                    .windows
                    .entry((i, tenant.clone(), cat.clone()))
                    .or_default();
                w.push_back(req.ts);
                while w.front().is_some_and(|&t| t <= req.ts - span) {
                    w.pop_front();
                }
                let n = w.len();
                if n >= count || self.is_open("threshold", &tenant, cat, req.ts) {
                    let mins = rule.window_secs / 60;
                    self.fire("threshold", "high", &tenant, cat, req, n as u64, out, |total| {
                        format!("{total} {cat} detections for tenant {tenant} (threshold {count} in {mins} min)")
                    });
                }
            }
        }
        if let Some(b) = &self.cfg.tor_burst
            && req.tor_exit == Some(true)
        {
            let (count, span) = (b.count, b.window_secs as i64 * SEC);
            let w = self.tor.entry(tenant.clone()).or_default();
            w.push_back(req.ts);
            while w.front().is_some_and(|&t| t <= req.ts - span) {
                w.pop_front();
            }
            let n = w.len();
            if n >= count || self.is_open("tor_burst", &tenant, "tor", req.ts) {
                self.fire(
                    "tor_burst",
                    "high",
                    &tenant,
                    "tor",
                    req,
                    n as u64,
                    out,
                    |total| format!("{total} detections from Tor exit nodes for tenant {tenant}"),
                );
            }
        }
        if self.cfg.spike {
            self.spike_check(req, out);
        }
    }

    fn spike_check(&mut self, req: &HttpRequest, out: &mut Vec<Alert>) {
        let tenant = req.tenant.clone();
        let hour = req.ts.div_euclid(HOUR);
        let counts = self.history.hourly.entry(tenant.clone()).or_default();
        let now = {
            let c = counts.entry(hour).or_insert(0);
            *c += 1;
            *c
        };
        // Old hours are no longer part of any window.
        let horizon = hour - self.spike.window as i64 - 1;
        while counts.first_key_value().is_some_and(|(&h, _)| h < horizon) {
            counts.pop_first();
        }
        if self.is_open("spike", &tenant, "hourly", req.ts) {
            self.fire("spike", "high", &tenant, "hourly", req, now, out, |total| {
                format!("detection spike for tenant {tenant}: {total} detections")
            });
            return;
        }
        // Scoring costs a window's sort; do it as the hour's count passes each step.
        if (now as f64) < self.spike.min_count || !now.is_multiple_of(5) {
            return;
        }
        let from = hour - self.spike.window as i64;
        let Some(counts) = self.history.hourly.get(&tenant) else {
            return;
        };
        let series: Vec<f64> = (from..=hour)
            .map(|h| counts.get(&h).copied().unwrap_or(0) as f64)
            .collect();
        let last = series.len() - 1;
        if let Some(s) = spikes(&series, &self.spike)
            .into_iter()
            .find(|s| s.end == last)
        {
            let baseline = s.baseline;
            self.fire("spike", "high", &tenant, "hourly", req, now, out, |total| {
                format!("detection spike for tenant {tenant}: {total} detections this hour against a baseline of {baseline:.0}")
            });
        }
    }

    fn is_open(&self, kind: &str, tenant: &str, subject: &str, ts: Micros) -> bool {
        self.open
            .get(&(kind.to_string(), tenant.to_string(), subject.to_string()))
            .is_some_and(|o| ts.abs_diff(o.alert.last_seen) <= self.cfg.suppress_secs * SEC as u64)
    }

    /// Raises (count = `initial`) or updates (count + 1) the alert of the key.
    #[allow(clippy::too_many_arguments)]
    fn fire(
        &mut self,
        kind: &str,
        severity: &str,
        tenant: &str,
        subject: &str,
        req: &HttpRequest,
        initial: u64,
        out: &mut Vec<Alert>,
        summary: impl Fn(u64) -> String,
    ) {
        // Distances in time, not differences: an alert dated far ahead (stored by a server
        // before event times were checked, or a clock that jumped back) must neither
        // swallow today's campaign as "open" nor keep it "recently sent" until that date.
        let suppress = self.cfg.suppress_secs * SEC as u64;
        let every = self.cfg.update_every_secs * SEC as u64;
        let key = (kind.to_string(), tenant.to_string(), subject.to_string());
        let open = match self.open.get_mut(&key) {
            Some(o) if req.ts.abs_diff(o.alert.last_seen) <= suppress => {
                o.alert.count += 1;
                o.alert.last_seen = o.alert.last_seen.max(req.ts);
                note(o, req);
                if req.ts.abs_diff(o.last_sent) < every {
                    return;
                }
                o.alert.revision += 1;
                o
            }
            _ => {
                self.next += 1;
                let o = Open {
                    alert: Alert {
                        id: format!("{}-{}", self.run, self.next),
                        tenant: tenant.to_string(),
                        kind: kind.to_string(),
                        severity: severity.to_string(),
                        first_seen: req.ts,
                        last_seen: req.ts,
                        count: initial,
                        revision: 0,
                        ..Alert::default()
                    },
                    last_sent: req.ts,
                    sources: BTreeMap::new(),
                    paths: Vec::new(),
                    rules: BTreeMap::new(),
                };
                self.open.insert(key.clone(), o);
                let o = self.open.get_mut(&key).expect("just inserted");
                note(o, req);
                o
            }
        };
        open.last_sent = req.ts;
        open.alert.ts = req.ts;
        open.alert.summary = summary(open.alert.count);
        open.alert.evidence = evidence(open, subject);
        out.push(open.alert.clone());
        // Closed alerts are forgotten so the map stays as small as the open campaigns.
        if self.open.len() > 10_000 {
            let ts = req.ts;
            self.open
                .retain(|_, o| ts.abs_diff(o.alert.last_seen) <= suppress);
        }
    }
}

fn note(o: &mut Open, req: &HttpRequest) {
    if let Some(ip) = &req.src_ip
        && (o.sources.len() < 100 || o.sources.contains_key(ip))
    {
        *o.sources.entry(ip.clone()).or_insert(0) += 1;
    }
    if o.paths.len() < 5
        && let Some(p) = &req.path
    {
        let p: String = p.chars().take(200).collect();
        if !o.paths.contains(&p) {
            o.paths.push(p);
        }
    }
    for r in &req.rule_ids {
        if o.rules.len() < 50 || o.rules.contains_key(r) {
            *o.rules.entry(r.clone()).or_insert(0) += 1;
        }
    }
}

fn evidence(o: &Open, subject: &str) -> String {
    let mut top: Vec<(&String, &u64)> = o.sources.iter().collect();
    top.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    let sources: Vec<_> = top
        .iter()
        .take(5)
        .map(|(ip, n)| serde_json::json!({"src_ip": ip, "count": n}))
        .collect();
    serde_json::json!({
        "subject": subject,
        "sources": sources,
        "sample_paths": o.paths,
        "rule_ids": o.rules.keys().take(10).collect::<Vec<_>>(),
    })
    .to_string()
}

/// The key's subject, as [`evidence`] wrote it.
fn subject_of(a: &Alert) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(&a.evidence).ok()?;
    v.get("subject")?.as_str().map(str::to_owned)
}

/// An alert read back from the table, open again with the evidence it had.
fn resumed(alert: Alert) -> Option<Open> {
    let v: serde_json::Value = serde_json::from_str(&alert.evidence).ok()?;
    v.get("subject")?.as_str()?;
    let sources = v["sources"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| Some((s["src_ip"].as_str()?.to_owned(), s["count"].as_u64()?)))
        .collect();
    let paths = v["sample_paths"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| p.as_str().map(str::to_owned))
        .take(5)
        .collect();
    let rules = v["rule_ids"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| Some((r.as_str()?.to_owned(), 0)))
        .collect();
    Some(Open {
        last_sent: alert.ts,
        alert,
        sources,
        paths,
        rules,
    })
}
