//! `[alerts]`: which online detectors run and where alerts go.

use serde::{Deserialize, Serialize};

use crate::ServeError;

/// Online alerting settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AlertConfig {
    /// Print each raise and update as one JSON line on standard output.
    pub stdout: bool,
    /// `http://HOST:PORT/PATH` that receives each raise and update as a JSON POST.
    pub webhook: Option<String>,
    /// Attempts per webhook delivery before it is given up (and counted).
    pub webhook_attempts: u32,
    /// Wait before the second attempt, in milliseconds; doubled for each further one.
    pub webhook_backoff_ms: u64,
    /// Write raises and updates to the lake's `alert` table.
    pub table: bool,
    /// An alert stays open this many seconds after its latest event: a campaign that goes
    /// on within it updates the alert instead of raising a new one.
    pub suppress_secs: u64,
    /// An open alert's update is sent at most this often (its counts keep growing between).
    pub update_every_secs: u64,
    /// Alert when a tenant sees a category for the first time (the lake's history counts).
    pub first_sight: bool,
    /// Alert when detections in a category reach a count within a time window.
    pub threshold: Vec<ThresholdRule>,
    /// Alert when detections from Tor exit addresses reach `count` within `window_secs`.
    pub tor_burst: Option<Burst>,
    /// Alert on hourly detection spikes per tenant (the report's robust method, online).
    pub spike: bool,
}

impl Default for AlertConfig {
    fn default() -> Self {
        AlertConfig {
            stdout: true,
            webhook: None,
            webhook_attempts: 5,
            webhook_backoff_ms: 500,
            table: true,
            suppress_secs: 3600,
            update_every_secs: 60,
            first_sight: true,
            threshold: vec![ThresholdRule {
                category: "*".into(),
                tenant: None,
                count: 50,
                window_secs: 300,
            }],
            tor_burst: Some(Burst {
                count: 20,
                window_secs: 600,
            }),
            spike: true,
        }
    }
}

/// `[[alerts.threshold]]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThresholdRule {
    /// Report category (`sqli`, `scanner`, …) or `*` for each category separately.
    pub category: String,
    /// Only this tenant (absent: each tenant separately).
    #[serde(default)]
    pub tenant: Option<String>,
    /// Detections that fire the alert.
    pub count: usize,
    /// Within this many seconds (by the events' own times).
    pub window_secs: u64,
}

/// A count within a window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Burst {
    /// Detections that fire the alert.
    pub count: usize,
    /// Within this many seconds.
    pub window_secs: u64,
}

impl AlertConfig {
    /// Checks values serde cannot.
    pub fn check(&self) -> Result<(), ServeError> {
        if let Some(w) = &self.webhook
            && crate::alert::webhook::Target::parse(w).is_none()
        {
            return Err(ServeError::Config(format!(
                "[alerts] webhook {w:?}: expected http://HOST:PORT/PATH"
            )));
        }
        for t in &self.threshold {
            if t.count == 0 || t.window_secs == 0 {
                return Err(ServeError::Config(format!(
                    "[[alerts.threshold]] {}: count and window_secs must be positive",
                    t.category
                )));
            }
        }
        if self.tor_burst.as_ref().is_some_and(|b| b.count == 0) {
            return Err(ServeError::Config(
                "[alerts.tor_burst] count must be positive".into(),
            ));
        }
        Ok(())
    }
}
