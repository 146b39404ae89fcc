//! Counters every part of the server updates, and their Prometheus text rendering for
//! `/metrics`. Plain atomics: a source counts without taking a lock.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

/// Counters of one source.
#[derive(Debug, Default)]
pub struct SourceMetrics {
    /// Events that arrived (datagrams, framed messages, HTTP lines, file lines).
    pub received: AtomicU64,
    /// Events written to the spool (acknowledged).
    pub accepted: AtomicU64,
    /// Events refused: too long, unframeable, or (at flush) not parseable.
    pub rejected: AtomicU64,
    /// Events dropped because the spool was full (UDP) or the client was turned away.
    pub dropped: AtomicU64,
    /// Rows stored in the lake.
    pub stored: AtomicU64,
    /// Messages a sender sent again after a broken session that the spool already held
    /// (RELP): answered, not stored twice.
    pub resent: AtomicU64,
    /// TCP connections closed at once because every slot was taken.
    pub refused: AtomicU64,
    /// Bytes of this source's records in the spool, not yet flushed.
    pub spool_bytes: AtomicU64,
    /// TCP connections closed at accept and UDP datagrams dropped because the sender is
    /// outside the source's `allow` list.
    pub denied: AtomicU64,
    /// TCP connections closed after `idle_timeout_secs` without a byte (HTTP: without a
    /// byte either way).
    pub idle_closed: AtomicU64,
    /// HTTP connections closed for being too slow: request headers not in within
    /// `header_timeout_secs` (a new connection that sends nothing included), or a body
    /// not in within `body_timeout_secs`.
    pub slow_closed: AtomicU64,
}

/// Picks one counter of a source.
type Counter = fn(&SourceMetrics) -> &AtomicU64;

/// Upper bounds (seconds) of the flush latency histogram.
pub const FLUSH_BUCKETS: [f64; 8] = [0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0];

/// All of the server's counters.
#[derive(Debug, Default)]
pub struct Metrics {
    /// Per source, in configuration order.
    pub sources: Vec<(String, &'static str, SourceMetrics)>,
    /// Bytes of spool segments not yet in the lake.
    pub spool_bytes: AtomicU64,
    /// Segments flushed.
    pub flushes: AtomicU64,
    /// Flush attempts that failed (full disk, unwritable lake); the segment stays in the
    /// spool and is tried again.
    pub flush_failures: AtomicU64,
    /// 1 while the last flush attempt failed.
    pub flush_failing: AtomicU64,
    /// Why the last failed flush failed.
    pub flush_error: Mutex<String>,
    /// Flush latencies per bucket (cumulative counts are computed when rendering).
    pub flush_buckets: [AtomicU64; FLUSH_BUCKETS.len() + 1],
    /// Sum of flush latencies, microseconds.
    pub flush_micros: AtomicU64,
    /// Rows that matched at least one rule.
    pub detections: AtomicU64,
    /// Alerts raised (new) and updated, per kind.
    pub alerts: Mutex<BTreeMap<(String, &'static str), u64>>,
    /// Detections per UTC hour (hour index → count), the last days only.
    pub hourly: Mutex<BTreeMap<i64, u64>>,
    /// Alert deliveries that failed after every retry, per sink.
    pub sink_failures: Mutex<BTreeMap<&'static str, u64>>,
    /// Dashboard requests refused with 421: addressed to a name the dashboard does not
    /// answer to (DNS rebinding, or a name missing from `[dashboard] hosts`).
    pub dashboard_misdirected: AtomicU64,
    /// The dashboard's connection counters (`refused`, `idle_closed`, `slow_closed`;
    /// rendered with `source="dashboard",kind="dashboard"`).
    pub dashboard: SourceMetrics,
}

impl Metrics {
    /// Counters for the named sources (name, kind).
    pub fn new(sources: &[(String, &'static str)]) -> Metrics {
        Metrics {
            sources: sources
                .iter()
                .map(|(n, k)| (n.clone(), *k, SourceMetrics::default()))
                .collect(),
            ..Metrics::default()
        }
    }

    /// The counters of a source by name.
    pub fn source(&self, name: &str) -> Option<&SourceMetrics> {
        self.sources
            .iter()
            .find(|(n, _, _)| n == name)
            .map(|(_, _, m)| m)
    }

    /// Counts detections at `ts` (microseconds) in the hourly series.
    pub fn count_detections(&self, hours: impl IntoIterator<Item = i64>) {
        if let Ok(mut h) = self.hourly.lock() {
            for ts in hours {
                *h.entry(ts.div_euclid(3_600_000_000)).or_insert(0) += 1;
            }
            while h.len() > 24 * 8 {
                h.pop_first();
            }
        }
    }

    /// Records one flush's duration.
    pub fn observe_flush(&self, seconds: f64) {
        let i = FLUSH_BUCKETS
            .iter()
            .position(|&b| seconds <= b)
            .unwrap_or(FLUSH_BUCKETS.len());
        self.flush_buckets[i].fetch_add(1, Ordering::Relaxed);
        self.flushes.fetch_add(1, Ordering::Relaxed);
        self.flush_micros
            .fetch_add((seconds * 1e6) as u64, Ordering::Relaxed);
    }

    /// Counts an alert: `new` is `raised` or `updated`.
    pub fn count_alert(&self, kind: &str, new: &'static str) {
        if let Ok(mut m) = self.alerts.lock() {
            *m.entry((kind.to_string(), new)).or_insert(0) += 1;
        }
    }

    /// The Prometheus text exposition (version 0.0.4).
    pub fn render(&self) -> String {
        let mut s = String::with_capacity(4096);
        let per_source: [(&str, &str, Counter); 6] = [
            ("received", "Events that arrived.", |m| &m.received),
            (
                "accepted",
                "Events written to the spool and acknowledged.",
                |m| &m.accepted,
            ),
            (
                "rejected",
                "Events refused (too long, unframeable, unparseable).",
                |m| &m.rejected,
            ),
            ("dropped", "Events dropped while the spool was full.", |m| {
                &m.dropped
            }),
            ("stored", "Rows stored in the lake.", |m| &m.stored),
            (
                "resent",
                "Messages sent again after a broken session and already spooled (not stored twice).",
                |m| &m.resent,
            ),
        ];
        for (what, help, get) in [
            (
                "refused",
                "TCP connections closed at once: every slot was taken.",
                (|m| &m.refused) as Counter,
            ),
            (
                "idle_closed",
                "TCP connections closed after the idle timeout.",
                |m| &m.idle_closed,
            ),
            (
                "slow_closed",
                "HTTP connections closed for headers or a body slower than their timeout.",
                |m| &m.slow_closed,
            ),
        ] {
            let _ = writeln!(s, "# HELP kansoku_connections_{what}_total {help}");
            let _ = writeln!(s, "# TYPE kansoku_connections_{what}_total counter");
            for (name, kind, m) in &self.sources {
                let _ = writeln!(
                    s,
                    "kansoku_connections_{what}_total{{source=\"{}\",kind=\"{kind}\"}} {}",
                    label(name),
                    get(m).load(Ordering::Relaxed)
                );
            }
            let _ = writeln!(
                s,
                "kansoku_connections_{what}_total{{source=\"dashboard\",kind=\"dashboard\"}} {}",
                get(&self.dashboard).load(Ordering::Relaxed)
            );
        }
        let _ = writeln!(
            s,
            "# HELP kansoku_senders_denied_total TCP connections closed at accept and UDP datagrams dropped: the sender is outside the source's allow-list."
        );
        let _ = writeln!(s, "# TYPE kansoku_senders_denied_total counter");
        for (name, kind, m) in &self.sources {
            let _ = writeln!(
                s,
                "kansoku_senders_denied_total{{source=\"{}\",kind=\"{kind}\"}} {}",
                label(name),
                m.denied.load(Ordering::Relaxed)
            );
        }
        for (what, help, get) in per_source {
            let _ = writeln!(s, "# HELP kansoku_events_{what}_total {help}");
            let _ = writeln!(s, "# TYPE kansoku_events_{what}_total counter");
            for (name, kind, m) in &self.sources {
                let _ = writeln!(
                    s,
                    "kansoku_events_{what}_total{{source=\"{}\",kind=\"{kind}\"}} {}",
                    label(name),
                    get(m).load(Ordering::Relaxed)
                );
            }
        }
        let _ = writeln!(
            s,
            "# HELP kansoku_spool_bytes Bytes in the spool not yet flushed to the lake."
        );
        let _ = writeln!(s, "# TYPE kansoku_spool_bytes gauge");
        let _ = writeln!(
            s,
            "kansoku_spool_bytes {}",
            self.spool_bytes.load(Ordering::Relaxed)
        );
        let _ = writeln!(
            s,
            "# HELP kansoku_flush_seconds Time to write one spool segment to the lake."
        );
        let _ = writeln!(s, "# TYPE kansoku_flush_seconds histogram");
        let mut cumulative = 0;
        for (i, b) in FLUSH_BUCKETS.iter().enumerate() {
            cumulative += self.flush_buckets[i].load(Ordering::Relaxed);
            let _ = writeln!(s, "kansoku_flush_seconds_bucket{{le=\"{b}\"}} {cumulative}");
        }
        cumulative += self.flush_buckets[FLUSH_BUCKETS.len()].load(Ordering::Relaxed);
        let _ = writeln!(
            s,
            "kansoku_flush_seconds_bucket{{le=\"+Inf\"}} {cumulative}"
        );
        let _ = writeln!(
            s,
            "kansoku_flush_seconds_sum {}",
            self.flush_micros.load(Ordering::Relaxed) as f64 / 1e6
        );
        let _ = writeln!(
            s,
            "kansoku_flush_seconds_count {}",
            self.flushes.load(Ordering::Relaxed)
        );
        scalar(
            &mut s,
            "kansoku_flush_failures_total",
            "counter",
            "Flush attempts that failed; the segment stays in the spool and is retried.",
            &self.flush_failures,
        );
        scalar(
            &mut s,
            "kansoku_flush_failing",
            "gauge",
            "1 while the lake cannot be written (the spool fills, then sources hold back).",
            &self.flush_failing,
        );
        scalar(
            &mut s,
            "kansoku_dashboard_misdirected_total",
            "counter",
            "Dashboard requests refused with 421: their Host is not a name the dashboard answers to.",
            &self.dashboard_misdirected,
        );
        scalar(
            &mut s,
            "kansoku_detections_total",
            "counter",
            "Rows that matched at least one rule.",
            &self.detections,
        );
        let _ = writeln!(
            s,
            "# HELP kansoku_alerts_total Alerts raised or updated, by kind."
        );
        let _ = writeln!(s, "# TYPE kansoku_alerts_total counter");
        if let Ok(m) = self.alerts.lock() {
            for ((kind, new), n) in m.iter() {
                let _ = writeln!(
                    s,
                    "kansoku_alerts_total{{kind=\"{}\",event=\"{new}\"}} {n}",
                    label(kind)
                );
            }
        }
        let _ = writeln!(
            s,
            "# HELP kansoku_alert_sink_failures_total Alert deliveries given up."
        );
        let _ = writeln!(s, "# TYPE kansoku_alert_sink_failures_total counter");
        if let Ok(m) = self.sink_failures.lock() {
            for (sink, n) in m.iter() {
                let _ = writeln!(
                    s,
                    "kansoku_alert_sink_failures_total{{sink=\"{sink}\"}} {n}"
                );
            }
        }
        s
    }
}

/// Escapes a label value (backslash, quote, newline).
fn label(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// One unlabelled metric: its HELP and TYPE lines, then its value.
fn scalar(s: &mut String, name: &str, kind: &str, help: &str, value: &AtomicU64) {
    let _ = writeln!(s, "# HELP {name} {help}");
    let _ = writeln!(s, "# TYPE {name} {kind}");
    let _ = writeln!(s, "{name} {}", value.load(Ordering::Relaxed));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_and_histogram() {
        let m = Metrics::new(&[("edge \"1\"".into(), "syslog-tcp")]);
        let src = m.source("edge \"1\"").expect("source");
        src.received.fetch_add(3, Ordering::Relaxed);
        src.accepted.fetch_add(2, Ordering::Relaxed);
        m.observe_flush(0.2);
        m.observe_flush(30.0);
        m.count_alert("threshold", "raised");
        let text = m.render();
        assert!(
            text.contains(
                "kansoku_events_received_total{source=\"edge \\\"1\\\"\",kind=\"syslog-tcp\"} 3"
            ),
            "{text}"
        );
        assert!(text.contains(
            "kansoku_events_accepted_total{source=\"edge \\\"1\\\"\",kind=\"syslog-tcp\"} 2"
        ));
        assert!(text.contains("kansoku_flush_seconds_bucket{le=\"0.25\"} 1"));
        assert!(text.contains("kansoku_flush_seconds_bucket{le=\"+Inf\"} 2"));
        assert!(text.contains("kansoku_alerts_total{kind=\"threshold\",event=\"raised\"} 1"));
    }
}
