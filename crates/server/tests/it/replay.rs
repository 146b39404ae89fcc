//! A spool segment replayed after a crash raises its alerts once. The flusher
//! hands a segment's detections to the alert engine only after the segment is committed,
//! so a flush that dies before its commit has raised nothing, and the replay raises all.

use std::sync::Arc;
use std::sync::mpsc::{TryRecvError, sync_channel};

use kansoku_server::flush::{self, Flusher};
use kansoku_server::metrics::Metrics;
use kansoku_server::spool::{Sealed, record};

use crate::common::combined;

fn flusher(
    lake: &kansoku_lake::Lake,
    rejects_dir: std::path::PathBuf,
    metrics: &Arc<Metrics>,
) -> (
    Flusher,
    std::sync::mpsc::Receiver<Vec<kansoku_event::HttpRequest>>,
) {
    let ctx = kansoku_pipeline::Context::new(&kansoku_pipeline::Config::default()).expect("rules");
    let config = kansoku_server::ServeConfig::parse(
        "data_dir = \"unused\"\n[[source]]\nname = \"edge\"\nkind = \"http\"\nlisten = \"127.0.0.1:0\"\nformat = \"combined\"\n",
    )
    .expect("config");
    let (tx, rx) = sync_channel(8);
    let f = Flusher {
        lake: lake.clone(),
        guard: flush::acquire_checkpoint(lake).expect("checkpoint"),
        processor: flush::processor(&ctx),
        sources: flush::live_sources(&config).expect("sources"),
        tails_path: lake.root().join("tails.json"),
        tails: flush::TailPositions::default(),
        metrics: Arc::clone(metrics),
        alerts: Some(tx),
        rejects_dir,
        tor_window: ctx.enrich.tor_window,
        tor_files: None,
        stop: Arc::default(),
    };
    (f, rx)
}

#[test]
fn a_segment_replayed_after_a_failed_flush_raises_its_detections_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let lake = kansoku_lake::Lake::open(dir.path().join("data")).expect("lake");
    let spool = dir.path().join("spool");
    std::fs::create_dir_all(&spool).expect("spool dir");
    let mut bytes = record::MAGIC.to_vec();
    let mut lines: Vec<String> = (0..3)
        .map(|i| {
            combined(
                "203.0.113.5",
                &format!("/?id=1%27%20UNION%20SELECT%20password%20FROM%20users--{i}"),
            )
        })
        .collect();
    lines.push("not a log line".into());
    for (i, l) in lines.iter().enumerate() {
        record::encode(&mut bytes, "edge", 0, (0, 0, i as u64 + 1), l.as_bytes());
    }
    let path = spool.join("seg-0.spool");
    std::fs::write(&path, &bytes).expect("segment");
    let sealed = Sealed {
        seq: 0,
        path: path.clone(),
        bytes: bytes.len() as u64,
    };

    // The first flush dies before its commit (its rejects cannot be written): the
    // process would have been killed here.
    let metrics = Arc::new(Metrics::new(&[("edge".into(), "http")]));
    let (mut first, rx) = flusher(&lake, dir.path().join("no such folder"), &metrics);
    assert!(first.flush(&sealed).is_err());
    assert_eq!(first.guard.checkpoint.offset, 0, "not committed");
    assert!(
        matches!(rx.try_recv(), Err(TryRecvError::Empty)),
        "nothing raised before the commit"
    );
    drop(first);

    // The restart replays the segment: committed once, its detections handed over once.
    let rejects = dir.path().join("rejects");
    std::fs::create_dir_all(&rejects).expect("rejects dir");
    let (mut replay, rx) = flusher(&lake, rejects, &metrics);
    replay.flush(&sealed).expect("replay");
    assert_eq!(replay.guard.checkpoint.offset, 1);
    let hits = rx.try_recv().expect("detections after the commit");
    assert_eq!(hits.len(), 3, "{hits:?}");
    assert!(matches!(rx.try_recv(), Err(TryRecvError::Empty)));
    assert!(!path.exists(), "segment deleted after its commit");
    let rows: usize = lake
        .read_table(kansoku_event::table::HTTP)
        .expect("read")
        .iter()
        .map(|b| b.num_rows())
        .sum();
    assert_eq!(rows, 3, "stored once");
    let edge = metrics.source("edge").expect("edge counters");
    assert_eq!(
        edge.stored.load(std::sync::atomic::Ordering::Relaxed),
        3,
        "counted once"
    );
    assert_eq!(edge.rejected.load(std::sync::atomic::Ordering::Relaxed), 1);
}

/// A damaged record in the middle of a segment the server finds at start-up: the
/// records after it were acknowledged, so they reach the lake; the damage is counted in
/// the rejects. (Recovery used to take it for a torn tail and cut everything after it.)
#[test]
fn a_damaged_record_mid_segment_loses_only_itself() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let spool = data.join("spool");
    std::fs::create_dir_all(&spool).expect("spool dir");
    let mut bytes = record::MAGIC.to_vec();
    let mut damaged_at = 0;
    for i in 0..6u64 {
        if i == 2 {
            damaged_at = bytes.len() + 12;
        }
        let line = combined("198.51.100.4", &format!("/kept/{i}"));
        record::encode(&mut bytes, "edge", 0, (0, 0, i + 1), line.as_bytes());
    }
    bytes[damaged_at] ^= 0xff;
    std::fs::write(kansoku_server::spool::segment_path(&spool, 0), &bytes).expect("segment");
    let server = crate::common::start(&crate::common::config_text(
        &data,
        "[[source]]\nname = \"edge\"\nkind = \"http\"\nlisten = \"127.0.0.1:0\"\nformat = \"combined\"\n",
    ));
    server.stop();
    let paths = crate::common::column(&data, "SELECT path FROM http ORDER BY path");
    assert_eq!(
        paths,
        ["/kept/0", "/kept/1", "/kept/3", "/kept/4", "/kept/5"],
        "every record but the damaged one"
    );
    let rejects = crate::common::rejects_text(&data);
    assert!(
        rejects.contains("damaged spool bytes skipped"),
        "the damage is counted: {rejects}"
    );
}
