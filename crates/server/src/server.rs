//! Start-up, running and shutdown of `kansoku serve`.
//!
//! Threads: the Tokio runtime runs the network sources and the dashboard; each `file`
//! source has a thread; one spool-writer thread appends and fsyncs (group commit); one
//! flusher thread writes sealed segments to the lake; one alert thread evaluates detections
//! and delivers alerts. Start-up replays what the spool still holds before taking new
//! events; shutdown (SIGTERM) stops the sources, seals the open segment, flushes
//! everything and only then returns.

use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::sync::mpsc::channel;

use kansoku_lake::Lake;
use serde::Serialize;
use tokio::sync::watch;

use crate::config::{ServeConfig, SourceKind};
use crate::flush::{self, Flusher, TailPositions};
use crate::metrics::Metrics;
use crate::sources::{SourceEnv, file_tail, http, relp, syslog_tcp, syslog_udp};
use crate::spool::{self, Spool};
use crate::{ServeError, alert, dashboard};

/// One bound listener, as written to the listen file.
#[derive(Debug, Clone, Serialize)]
pub struct Listening {
    /// Source name, or `dashboard`.
    pub name: String,
    /// Source kind, or `dashboard`.
    pub kind: &'static str,
    /// Bound address (`file` sources: the path).
    pub addr: String,
}

/// What a run did, for the final message.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RunSummary {
    /// Events accepted into the spool during this run.
    pub accepted: u64,
    /// Rows stored in the lake during this run (replayed segments included).
    pub stored: u64,
    /// Segments flushed during this run.
    pub flushes: u64,
}

/// Runs the server until `shutdown` resolves, then drains and flushes.
pub async fn run(
    config: ServeConfig,
    shutdown: impl Future<Output = ()>,
) -> Result<RunSummary, ServeError> {
    config.check()?;
    for w in config.warnings() {
        eprintln!("kansoku serve: WARNING: {w}");
    }
    let ctx = kansoku_pipeline::Context::new(&config.pipeline_config())?;
    for w in &ctx.rule_warnings {
        eprintln!("kansoku serve: rules: {w}");
    }
    let lake = Lake::open(&config.data_dir)?;
    let serve_dir = config.data_dir.join("serve");
    let spool_dir = config.data_dir.join("spool");
    std::fs::create_dir_all(&serve_dir).map_err(|e| ServeError::io(&serve_dir, e))?;
    let _instance = single_instance(&serve_dir)?;
    // Tail positions a crash left half replaced: the last complete file stands.
    kansoku_lake::remove_temporaries(&serve_dir);
    let guard = flush::acquire_checkpoint(&lake)?;
    let recovered = spool::recover(&spool_dir, guard.checkpoint.offset)
        .map_err(|e| ServeError::io(&spool_dir, e))?;
    for note in &recovered.notes {
        eprintln!("kansoku serve: spool: {note}");
    }
    let names: Vec<(String, &'static str)> = config
        .sources
        .iter()
        .map(|s| (s.name.clone(), s.kind.name()))
        .collect();
    let metrics = Arc::new(Metrics::new(&names));
    metrics
        .spool_bytes
        .store(recovered.bytes, Ordering::Relaxed);
    for (source, bytes) in &recovered.per_source {
        if let Some(m) = metrics.source(source) {
            m.spool_bytes.store(*bytes, Ordering::Relaxed);
        }
    }
    let tails_path = serve_dir.join("tails.json");
    let committed = TailPositions::load(&tails_path);

    let now = chrono::Utc::now().timestamp_micros();
    let history = match alert::load_history(&lake, now, 15 * 24).await {
        Ok(h) => h,
        Err(e) => {
            eprintln!(
                "kansoku serve: reading the lake's detection history: {e}; online detectors start empty"
            );
            alert::History::default()
        }
    };
    if let Ok(mut h) = metrics.hourly.lock() {
        for counts in history.hourly.values() {
            for (hour, n) in counts {
                *h.entry(*hour).or_insert(0) += n;
            }
        }
    }
    let feed = Arc::new(alert::AlertFeed::new());
    let (alert_tx, alert_handle) = alert::start(
        &config,
        &lake,
        history,
        Arc::clone(&metrics),
        Arc::clone(&feed),
    )?;
    let (sealed_tx, sealed_rx) = channel();
    if !recovered.segments.is_empty() {
        eprintln!(
            "kansoku serve: replaying {} spool segment(s) ({} bytes) not yet in the lake",
            recovered.segments.len(),
            recovered.bytes
        );
    }
    for s in &recovered.segments {
        let _ = sealed_tx.send(s.clone());
    }
    let flusher_stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flusher = Flusher {
        lake: lake.clone(),
        guard,
        processor: flush::processor(&ctx),
        sources: flush::live_sources(&config)?,
        tails_path,
        tails: committed.clone(),
        metrics: Arc::clone(&metrics),
        alerts: Some(alert_tx),
        rejects_dir: lake.rejects_dir(),
        tor_window: ctx.enrich.tor_window,
        tor_files: None,
        stop: Arc::clone(&flusher_stop),
    };
    let (died_tx, died_rx) = tokio::sync::oneshot::channel::<()>();
    let flusher = std::thread::Builder::new()
        .name("flusher".into())
        .spawn(move || {
            let r = flusher.run(sealed_rx);
            let _ = died_tx.send(());
            r
        })
        .map_err(|_| ServeError::Thread("flusher"))?;
    let (spool, writer) = Spool::start(
        spool_dir,
        recovered.next_seq,
        &config.spool,
        Arc::clone(&metrics),
        sealed_tx,
    );

    let (stop_tx, stop_rx) = watch::channel(false);
    let listen_file = listen_file(&config);
    let _ = std::fs::remove_file(&listen_file);
    let mut listening = Vec::new();
    let mut tasks = tokio::task::JoinSet::new();
    let mut threads = Vec::new();
    for s in &config.sources {
        let env = SourceEnv {
            name: s.name.clone(),
            spool: spool.clone(),
            metrics: Arc::clone(&metrics),
            shutdown: stop_rx.clone(),
            max_message: s.max_message_bytes,
            keep_header: s.parsed_format(&config.firewall.mapping)?.is_firewall(),
            retry_after: config.spool.retry_after_secs,
            idle: std::time::Duration::from_secs(s.idle_timeout_secs),
            allow: s.allow_list()?.map(Arc::new),
            share: if config.sources.len() > 1 && config.spool.source_share < 1.0 {
                (config.spool.max_bytes as f64 * config.spool.source_share.max(0.0)) as u64
            } else {
                u64::MAX
            },
        };
        let addr = match s.kind {
            SourceKind::SyslogUdp => {
                let (src, addr) = syslog_udp::SyslogUdp::bind(s).await?;
                tasks.spawn(src.run(env));
                addr.to_string()
            }
            SourceKind::SyslogTcp => {
                let (src, addr) = syslog_tcp::SyslogTcp::bind(s).await?;
                tasks.spawn(src.run(env));
                addr.to_string()
            }
            SourceKind::Http => {
                let deadline = std::time::Duration::from_secs(config.shutdown_timeout_secs);
                let (src, addr) = http::HttpSource::bind(s, deadline).await?;
                tasks.spawn(src.run(env));
                addr.to_string()
            }
            SourceKind::Relp => {
                // What its sessions spooled before this start: committed with the lake,
                // then what the spool still holds.
                let mut sent = committed.relp.get(&s.name).cloned().unwrap_or_default();
                for (_, session, seq, digest) in
                    recovered.relp.iter().filter(|(name, ..)| *name == s.name)
                {
                    sent.note(*session, *seq, *digest);
                }
                let (src, addr) = relp::Relp::bind(s, sent).await?;
                tasks.spawn(src.run(env));
                addr.to_string()
            }
            SourceKind::File => {
                // The spool's records are newer than the committed positions (they hold
                // what is not committed yet), also when they name another, newer file.
                let resume = recovered
                    .tails
                    .get(&s.name)
                    .or_else(|| committed.files.get(&s.name))
                    .copied();
                let memory =
                    serve_dir.join(format!("tail-{}.json", kansoku_lake::file_name_of(&s.name)));
                let src = file_tail::FileTail::bind(s, resume, memory)?;
                let path = s.path.clone().unwrap_or_default();
                threads.push(
                    std::thread::Builder::new()
                        .name(format!("tail {}", s.name))
                        .spawn(move || src.run(env))
                        .map_err(|_| ServeError::Thread("file tail"))?,
                );
                path.display().to_string()
            }
        };
        listening.push(Listening {
            name: s.name.clone(),
            kind: s.kind.name(),
            addr,
        });
    }
    let board =
        dashboard::Dashboard::bind(&config, &lake, Arc::clone(&metrics), feed, stop_rx.clone())
            .await?;
    listening.push(Listening {
        name: "dashboard".into(),
        kind: "dashboard",
        addr: board.addr().to_string(),
    });
    tasks.spawn(board.run());
    announce(&listen_file, &listening)?;

    let flusher_died = tokio::select! {
        () = shutdown => false,
        _ = died_rx => true,
    };
    eprintln!("kansoku serve: stopping; flushing the spool to the lake");
    let _ = stop_tx.send(true);
    flusher_stop.store(true, Ordering::Relaxed);
    while tasks.join_next().await.is_some() {}
    drop(spool);
    for t in threads {
        let _ = tokio::task::spawn_blocking(move || t.join()).await;
    }
    let _ = tokio::task::spawn_blocking(move || writer.join()).await;
    let flushed = tokio::task::spawn_blocking(move || flusher.join())
        .await
        .map_err(|_| ServeError::Thread("flusher"))?
        .map_err(|_| ServeError::Thread("flusher"))?;
    let _ = tokio::task::spawn_blocking(move || alert_handle.join()).await;
    flushed?;
    if flusher_died {
        return Err(ServeError::Thread("flusher"));
    }
    Ok(RunSummary {
        accepted: metrics
            .sources
            .iter()
            .map(|(_, _, m)| m.accepted.load(Ordering::Relaxed))
            .sum(),
        stored: metrics
            .sources
            .iter()
            .map(|(_, _, m)| m.stored.load(Ordering::Relaxed))
            .sum(),
        flushes: metrics.flushes.load(Ordering::Relaxed),
    })
}

/// One server per data folder: a second one would replay the first one's spool.
fn single_instance(dir: &std::path::Path) -> Result<std::fs::File, ServeError> {
    let path = dir.join("serve.lock");
    let f = std::fs::File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| ServeError::io(&path, e))?;
    match f.try_lock() {
        Ok(()) => Ok(f),
        Err(_) => Err(ServeError::Config(format!(
            "another kansoku serve already uses {} (lock {})",
            dir.parent().unwrap_or(dir).display(),
            path.display()
        ))),
    }
}

fn listen_file(config: &ServeConfig) -> PathBuf {
    config
        .listen_file
        .clone()
        .unwrap_or_else(|| config.data_dir.join("serve").join("listening.json"))
}

/// Prints each listener and writes them all to the listen file.
fn announce(path: &std::path::Path, listening: &[Listening]) -> Result<(), ServeError> {
    for l in listening {
        eprintln!("kansoku serve: {} ({}) on {}", l.name, l.kind, l.addr);
    }
    let text = serde_json::to_vec_pretty(listening).unwrap_or_default();
    Ok(kansoku_lake::write_atomic(path, &text)?)
}
