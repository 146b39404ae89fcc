//! Online alerting: the flusher hands every detected row to one alert thread, which runs
//! the detectors ([`engine`]) and delivers each raise and update to the sinks: standard
//! output (JSON lines), the webhook ([`webhook`], on a thread of its own so a slow receiver
//! never holds back detection), the lake's `alert` table (written in small batches), and
//! the dashboard's live feed.
//!
//! Alerts are computed from the rows as they are flushed, so an alert follows its events
//! by at most one flush interval. The flusher hands a segment's detections over only once
//! the segment is committed to the lake, so a segment replayed after a crash (one that was
//! not committed) has raised nothing yet and raises its alerts once. A restart (clean or
//! after SIGKILL) resumes the alerts of the `alert` table ([`History::alerts`]): a
//! campaign that goes on updates its alert (same id, next revision) instead of raising a
//! second one. What a kill can still lose: detections of a committed segment that the
//! alert thread had not evaluated yet, and updates not yet written to the table.

mod config;
pub mod engine;
mod health;
mod history;
#[cfg(test)]
mod tests;
pub mod webhook;

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, sync_channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use kansoku_event::alert::{Alert, AlertBatchBuilder};
use kansoku_event::{HttpRequest, table};
use kansoku_lake::Lake;
use tokio::sync::broadcast;

pub use config::{AlertConfig, Burst, ThresholdRule};
pub use engine::{Engine, History};
pub use history::load_history;

use crate::metrics::Metrics;
use crate::{ServeError, config::ServeConfig};

/// The latest alerts and a broadcast of new ones, for the dashboard.
pub struct AlertFeed {
    /// Latest alert states, newest last (one entry per alert id).
    pub recent: Mutex<VecDeque<Alert>>,
    /// Each raise and update as it happens.
    pub tx: broadcast::Sender<Alert>,
}

/// Alerts kept for the dashboard.
const RECENT: usize = 200;

impl AlertFeed {
    /// An empty feed.
    pub fn new() -> AlertFeed {
        AlertFeed {
            recent: Mutex::new(VecDeque::new()),
            tx: broadcast::channel(256).0,
        }
    }

    fn publish(&self, a: &Alert) {
        if let Ok(mut r) = self.recent.lock() {
            r.retain(|x| x.id != a.id);
            r.push_back(a.clone());
            while r.len() > RECENT {
                r.pop_front();
            }
        }
        let _ = self.tx.send(a.clone());
    }
}

impl Default for AlertFeed {
    fn default() -> Self {
        AlertFeed::new()
    }
}

/// Starts the alert thread; returns the queue the flusher feeds and the thread.
pub fn start(
    config: &ServeConfig,
    lake: &Lake,
    history: History,
    metrics: Arc<Metrics>,
    feed: Arc<AlertFeed>,
) -> Result<(SyncSender<Vec<HttpRequest>>, std::thread::JoinHandle<()>), ServeError> {
    let (tx, rx) = sync_channel::<Vec<HttpRequest>>(64);
    let cfg = config.alerts.clone();
    let run = format!("{:x}", chrono::Utc::now().timestamp_micros());
    let engine = Engine::new(&cfg, history, run);
    let lake = lake.clone();
    let handle = std::thread::Builder::new()
        .name("alerts".into())
        .spawn(move || alert_loop(rx, engine, &cfg, &lake, &metrics, &feed))
        .map_err(|_| ServeError::Thread("alerts"))?;
    Ok((tx, handle))
}

fn alert_loop(
    rx: Receiver<Vec<HttpRequest>>,
    mut engine: Engine,
    cfg: &AlertConfig,
    lake: &Lake,
    metrics: &Arc<Metrics>,
    feed: &AlertFeed,
) {
    let stopping = Arc::new(AtomicBool::new(false));
    let (hook_tx, hook) = match cfg.webhook.as_deref().and_then(webhook::Target::parse) {
        Some(target) => {
            let (tx, rx) = sync_channel::<Vec<u8>>(1024);
            let (attempts, backoff) = (
                cfg.webhook_attempts,
                Duration::from_millis(cfg.webhook_backoff_ms),
            );
            let metrics = Arc::clone(metrics);
            let stop = Arc::clone(&stopping);
            let h = std::thread::Builder::new()
                .name("webhook".into())
                .spawn(move || {
                    for body in rx {
                        let stopping = || stop.load(Ordering::Relaxed);
                        if let Err(e) =
                            webhook::deliver(&target, &body, attempts, backoff, &stopping)
                        {
                            eprintln!(
                                "kansoku serve: webhook {}{}: {e}; alert not delivered",
                                target.authority, target.path
                            );
                            count_failure(&metrics, "webhook");
                        }
                    }
                })
                .ok();
            (Some(tx), h)
        }
        None => (None, None),
    };
    let mut table = AlertBatchBuilder::with_capacity(64);
    let mut last_write = Instant::now();
    let mut out = Vec::new();
    // A raise is written at once, so that the next start (after a crash too) finds it
    // and updates it rather than raising the campaign again; updates wait for the batch.
    let mut raised = false;
    let mut health = health::Health::default();
    let mut server_alerts = Vec::new();
    loop {
        let (rows, last) = match rx.recv_timeout(Duration::from_secs(1)) {
            Ok(rows) => (Some(rows), false),
            Err(RecvTimeoutError::Timeout) => (None, false),
            // The flusher is done: a last look at its health, then stop.
            Err(RecvTimeoutError::Disconnected) => (None, true),
        };
        for req in rows.iter().flatten() {
            engine.observe(req, &mut out);
        }
        health.check(
            metrics,
            chrono::Utc::now().timestamp_micros(),
            &mut server_alerts,
        );
        for (a, resolved) in server_alerts.drain(..) {
            deliver(&a, cfg, hook_tx.as_ref(), metrics, feed);
            if cfg.table && resolved {
                raised = true;
                table.push(&a);
            }
        }
        for a in out.drain(..) {
            deliver(&a, cfg, hook_tx.as_ref(), metrics, feed);
            if cfg.table {
                raised |= a.revision == 0;
                table.push(&a);
            }
        }
        if last {
            break;
        }
        if !table.is_empty() && (raised || last_write.elapsed() >= Duration::from_secs(2)) {
            write_table(lake, &mut table, metrics);
            last_write = Instant::now();
            raised = false;
        }
    }
    if !table.is_empty() {
        write_table(lake, &mut table, metrics);
    }
    stopping.store(true, Ordering::Relaxed);
    drop(hook_tx);
    if let Some(h) = hook {
        let _ = h.join();
    }
}

/// Counts an alert and hands it to standard output, the webhook and the dashboard.
fn deliver(
    a: &Alert,
    cfg: &AlertConfig,
    hook: Option<&SyncSender<Vec<u8>>>,
    metrics: &Metrics,
    feed: &AlertFeed,
) {
    let event = if a.revision == 0 { "raised" } else { "updated" };
    metrics.count_alert(&a.kind, event);
    let line = serde_json::json!({ "event": event, "alert": a }).to_string();
    if cfg.stdout {
        println!("{line}");
    }
    if let Some(tx) = hook
        && tx.try_send(line.into_bytes()).is_err()
    {
        count_failure(metrics, "webhook");
    }
    feed.publish(a);
}

fn write_table(lake: &Lake, table_rows: &mut AlertBatchBuilder, metrics: &Metrics) {
    let batch = table_rows.finish();
    let name = format!(
        "alert-{}-{}",
        chrono::Utc::now().timestamp_micros(),
        std::process::id()
    );
    let result = lake
        .lock_shared()
        .and_then(|_lock| lake.write_batch(table::ALERT, &name, &batch, None));
    if let Err(e) = result {
        eprintln!("kansoku serve: writing the alert table: {e}");
        count_failure(metrics, "table");
    }
}

fn count_failure(metrics: &Metrics, sink: &'static str) {
    if let Ok(mut m) = metrics.sink_failures.lock() {
        *m.entry(sink).or_insert(0) += 1;
    }
}
