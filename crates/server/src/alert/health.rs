//! The server's own health as an alert: while the lake cannot be written (a full disk, an
//! unwritable folder), events pile up in the spool and the sources hold back; an operator
//! must hear of it from the same channels as of an attack, not only from a metric.
//!
//! Kind `spool_flush`, severity `critical`, tenant empty (the server, not a customer).
//! Raised at the first failed flush, updated while failures go on (at most every
//! [`UPDATE_EVERY`]), and updated a last time, `resolved`, once a flush succeeds again.
//! It goes to standard output, the webhook and the dashboard like any alert; to the
//! `alert` table only when resolved (while the lake refuses writes, writing it would
//! fail too).

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use kansoku_event::alert::Alert;

use crate::metrics::Metrics;

/// Shortest time between two updates of a failure that goes on.
pub const UPDATE_EVERY: Duration = Duration::from_secs(30);

/// The open health alert, if any.
#[derive(Default)]
pub struct Health {
    /// The open alert and when it was last sent.
    open: Option<(Alert, Instant)>,
    /// Failed flushes counted before the current episode.
    base: u64,
}

impl Health {
    /// Looks at the flush counters; a raise, update or resolution goes to `out`, with
    /// whether it is final (resolved).
    pub fn check(&mut self, metrics: &Metrics, now: i64, out: &mut Vec<(Alert, bool)>) {
        let failing = metrics.flush_failing.load(Ordering::Relaxed) == 1;
        let failures = metrics.flush_failures.load(Ordering::Relaxed);
        let spool = metrics.spool_bytes.load(Ordering::Relaxed);
        if !failing && self.open.is_none() {
            self.base = failures;
            return;
        }
        let why = metrics
            .flush_error
            .lock()
            .map(|e| e.clone())
            .unwrap_or_default();
        let count = failures.saturating_sub(self.base).max(1);
        match (&mut self.open, failing) {
            (None, true) => {
                let a = Alert {
                    id: format!("spool-flush-{now:x}"),
                    ts: now,
                    tenant: String::new(),
                    kind: "spool_flush".into(),
                    severity: "critical".into(),
                    summary: format!(
                        "the lake cannot be written ({why}); events wait in the spool ({spool} bytes) and the sources hold back"
                    ),
                    evidence: evidence(failures, spool, &why, false),
                    first_seen: now,
                    last_seen: now,
                    count,
                    revision: 0,
                };
                out.push((a.clone(), false));
                self.open = Some((a, Instant::now()));
            }
            (Some((a, at)), true) => {
                if at.elapsed() >= UPDATE_EVERY && count > a.count {
                    a.revision += 1;
                    a.ts = now;
                    a.last_seen = now;
                    a.count = count;
                    a.evidence = evidence(failures, spool, &why, false);
                    *at = Instant::now();
                    out.push((a.clone(), false));
                }
            }
            (Some(_), false) => {
                if let Some((mut a, _)) = self.open.take() {
                    a.revision += 1;
                    a.ts = now;
                    a.last_seen = now;
                    a.count = count;
                    self.base = failures;
                    a.summary = format!(
                        "resolved: the lake takes writes again after {} failed flushes; the spool is being written to it",
                        a.count
                    );
                    a.evidence = evidence(failures, spool, &why, true);
                    out.push((a, true));
                }
            }
            (None, false) => {}
        }
    }
}

fn evidence(failures: u64, spool: u64, why: &str, resolved: bool) -> String {
    serde_json::json!({
        "flush_failures_total": failures,
        "spool_bytes": spool,
        "last_error": why,
        "resolved": resolved,
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raised_once_then_resolved() {
        let m = Metrics::default();
        let mut h = Health::default();
        let mut out = Vec::new();
        h.check(&m, 1, &mut out);
        assert!(out.is_empty(), "healthy: nothing");
        m.flush_failing.store(1, Ordering::Relaxed);
        m.flush_failures.store(1, Ordering::Relaxed);
        *m.flush_error.lock().expect("lock") = "No space left on device".into();
        h.check(&m, 2, &mut out);
        m.flush_failures.store(3, Ordering::Relaxed);
        h.check(&m, 3, &mut out);
        assert_eq!(
            out.len(),
            1,
            "raised once, no update within {UPDATE_EVERY:?}"
        );
        assert_eq!(
            (out[0].0.kind.as_str(), out[0].0.revision),
            ("spool_flush", 0)
        );
        assert!(
            out[0].0.summary.contains("No space left"),
            "{}",
            out[0].0.summary
        );
        m.flush_failing.store(0, Ordering::Relaxed);
        h.check(&m, 4, &mut out);
        let (last, resolved) = &out[1];
        assert!(*resolved);
        assert_eq!(
            (last.id.as_str(), last.revision, last.count),
            (out[0].0.id.as_str(), 1, 3)
        );
        h.check(&m, 5, &mut out);
        assert_eq!(out.len(), 2, "nothing more once resolved");
    }
}
