//! Regression guard for issue 2: an ingest killed with SIGKILL at any point, then rerun,
//! leaves every line in the lake exactly once.

use std::time::Duration;

use crate::common::*;

#[test]
fn sigkill_during_ingest_then_rerun_stores_each_line_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let n = 200_000;
    let log = write(dir.path(), "big.log", &combined_log(n));
    // Small batches, so kills land between, before and during commits.
    let args = [
        "--data",
        data.to_str().expect("utf8"),
        "ingest",
        log.to_str().expect("utf8"),
        "--batch-rows",
        "7000",
        "--threads",
        "2",
    ];
    let mut rng: u64 = 0x5eed_2026;
    let mut kills = 0;
    for _ in 0..8 {
        rng = rng
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let delay = 50 + (rng >> 33) % 700;
        let mut child = kansoku()
            .args(args)
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("spawn");
        std::thread::sleep(Duration::from_millis(delay));
        if child.try_wait().expect("wait").is_none() {
            child.kill().expect("SIGKILL");
            kills += 1;
        }
        let _ = child.wait();
    }
    let out = kansoku().args(args).output().expect("final run");
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        sql_number(&data, "SELECT count(*) FROM http"),
        n as i64,
        "after {kills} kills"
    );
    assert_eq!(
        sql_number(&data, "SELECT count(DISTINCT source_line) FROM http"),
        n as i64
    );
    println!("{kills} of 8 runs killed mid-ingest; lake holds each of {n} lines once");
}

/// Issue 10: seeded SIGKILL trials. Each trial starts the operation on a fresh copy of its
/// input, kills it after a delay drawn from [0, 1.2 × an uninterrupted run], checks that
/// the lake still reads, resumes, and checks the row count is exactly the expected one.
const TRIALS: usize = 50;

/// A small seeded generator (the same LCG as above), so a failing trial can be replayed.
struct Seeded(u64);

impl Seeded {
    fn delay(&mut self, max: Duration) -> Duration {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        max.mul_f64(((self.0 >> 11) as f64 / (1u64 << 53) as f64) * 1.2)
    }
}

/// `count(*)` and `count(DISTINCT source_line)` of http; panics when the lake does not read.
fn counts(data: &std::path::Path) -> (i64, i64) {
    let out = run(
        data,
        &[
            "sql",
            "SELECT count(*) AS n, count(DISTINCT source_line) AS d FROM http",
            "--format",
            "csv",
        ],
    );
    assert!(
        out.status.success(),
        "the lake does not read: {}",
        stderr(&out)
    );
    let text = stdout(&out);
    let row = text.lines().nth(1).unwrap_or_default();
    let mut it = row
        .split(',')
        .map(|v| v.trim().parse::<i64>().unwrap_or(-1));
    (it.next().unwrap_or(-1), it.next().unwrap_or(-1))
}

/// Spawns `args`, kills it after `delay` unless it finished; returns whether it was killed.
fn kill_after(args: &[&str], delay: Duration) -> bool {
    let mut child = kansoku()
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn");
    std::thread::sleep(delay);
    let killed = child.try_wait().expect("wait").is_none();
    if killed {
        child.kill().expect("SIGKILL");
    }
    let _ = child.wait();
    killed
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read_dir").flatten() {
        let (src, dst) = (e.path(), to.join(e.file_name()));
        if src.is_dir() {
            copy_dir(&src, &dst);
        } else {
            std::fs::copy(&src, &dst).expect("copy");
        }
    }
}

fn timed(args: &[&str]) -> Duration {
    let t = std::time::Instant::now();
    let out = kansoku().args(args).output().expect("run");
    assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    t.elapsed()
}

#[test]
fn fifty_seeded_sigkills_during_ingest() {
    let dir = tempfile::tempdir().expect("tempdir");
    let n = 3000;
    let log = write(dir.path(), "small.log", &combined_log(n));
    let log = log.to_str().expect("utf8").to_string();
    let ingest = |data: &str| {
        [
            "--data",
            data,
            "ingest",
            &log,
            "--batch-rows",
            "150",
            "--threads",
            "2",
        ]
        .map(String::from)
    };
    let calib = dir.path().join("calibrate");
    let full = timed(
        &ingest(calib.to_str().expect("utf8"))
            .each_ref()
            .map(String::as_str),
    );
    let mut rng = Seeded(0x0010_5eed);
    let mut killed = 0;
    for trial in 0..TRIALS {
        let data = dir.path().join(format!("t{trial}"));
        let args = ingest(data.to_str().expect("utf8"));
        let args = args.each_ref().map(String::as_str);
        if kill_after(&args, rng.delay(full)) {
            killed += 1;
        }
        let (seen, _) = counts(&data);
        assert!(
            seen <= n as i64,
            "trial {trial}: {seen} rows before resuming"
        );
        let out = kansoku().args(args).output().expect("resume");
        assert!(out.status.success(), "trial {trial}: {}", stderr(&out));
        assert_eq!(counts(&data), (n as i64, n as i64), "trial {trial}");
        let _ = std::fs::remove_dir_all(&data);
    }
    println!(
        "ingest: {TRIALS} trials, {killed} killed mid-run (uninterrupted run {full:?}); every resumed lake holds each of {n} lines once"
    );
    assert!(killed >= TRIALS / 5, "only {killed} kills landed mid-run");
}

#[test]
fn fifty_seeded_sigkills_during_compaction() {
    let dir = tempfile::tempdir().expect("tempdir");
    let n = 3000;
    let log = write(dir.path(), "small.log", &combined_log(n));
    // The template: three days of many small batches, i.e. many files per day to merge.
    let template = dir.path().join("template");
    let out = run(
        &template,
        &["ingest", log.to_str().expect("utf8"), "--batch-rows", "100"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let files_before = std::fs::read_dir(template.join("lake/http"))
        .expect("days")
        .flatten()
        .map(|d| std::fs::read_dir(d.path()).expect("day").count())
        .sum::<usize>();
    let calib = dir.path().join("calibrate");
    copy_dir(&template, &calib);
    let full = timed(&["--data", calib.to_str().expect("utf8"), "lake", "compact"]);
    let mut rng = Seeded(0x00c0_4ac7);
    let mut killed = 0;
    for trial in 0..TRIALS {
        let data = dir.path().join(format!("t{trial}"));
        copy_dir(&template, &data);
        let d = data.to_str().expect("utf8");
        if kill_after(&["--data", d, "lake", "compact"], rng.delay(full)) {
            killed += 1;
        }
        // Reads at once (a half-done compaction may show inputs and output until resumed).
        let _ = counts(&data);
        let out = run(&data, &["lake", "compact"]);
        assert!(out.status.success(), "trial {trial}: {}", stderr(&out));
        assert_eq!(counts(&data), (n as i64, n as i64), "trial {trial}");
        let _ = std::fs::remove_dir_all(&data);
    }
    println!(
        "compaction: {TRIALS} trials over {files_before} files, {killed} killed mid-run (uninterrupted run {full:?}); every resumed lake holds each of {n} lines once"
    );
    assert!(killed >= TRIALS / 5, "only {killed} kills landed mid-run");
}

#[test]
fn fifty_seeded_sigkills_during_the_servers_flush() {
    use std::time::Instant;
    let dir = tempfile::tempdir().expect("tempdir");
    let n = 1500;
    let log = write(dir.path(), "access.log", &combined_log(n));
    let config = |data: &std::path::Path| {
        let text = format!(
            r#"data_dir = {data:?}
[spool]
flush_after_ms = 10
segment_bytes = 8192
[dashboard]
listen = "127.0.0.1:0"
[alerts]
stdout = false
[[source]]
name = "file"
kind = "file"
path = {log:?}
format = "combined"
poll_ms = 10
"#
        );
        std::fs::create_dir_all(data).expect("mkdir");
        write(data, "serve.toml", &text)
    };
    // Runs a server until the lake holds n rows, then stops it with SIGTERM; returns the
    // time from listening to a complete lake.
    let drain = |data: &std::path::Path, cfg: &std::path::Path, trial: usize| {
        let mut server = crate::serve::start(cfg, data);
        let started = Instant::now();
        let until = started + Duration::from_secs(120);
        while counts(data).0 < n as i64 {
            assert!(
                Instant::now() < until,
                "trial {trial}: the server did not catch up"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        let took = started.elapsed();
        let pid = server.child.id().to_string();
        let term = std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill -TERM");
        assert!(term.success());
        let status = server.child.wait().expect("wait");
        assert!(status.success(), "trial {trial}: SIGTERM exit {status:?}");
        took
    };
    // Calibration: start to a fully flushed lake, uninterrupted.
    let calib = dir.path().join("calibrate");
    let cfg = config(&calib);
    // (The lake check itself takes a while: aim the kills at the first 80 %.)
    let full = drain(&calib, &cfg, usize::MAX).mul_f64(0.8);
    let mut rng = Seeded(0x00f1_0511);
    let mut killed = 0;
    for trial in 0..TRIALS {
        let data = dir.path().join(format!("t{trial}"));
        let cfg = config(&data);
        let delay = rng.delay(full);
        let mut server = crate::serve::start(&cfg, &data);
        std::thread::sleep(delay);
        assert!(
            server.child.try_wait().expect("wait").is_none(),
            "serve exited"
        );
        server.child.kill().expect("SIGKILL");
        let _ = server.child.wait();
        let (seen, _) = counts(&data);
        assert!(
            seen <= n as i64,
            "trial {trial}: {seen} rows after the kill"
        );
        if seen < n as i64 {
            killed += 1;
        }
        drain(&data, &cfg, trial);
        assert_eq!(counts(&data), (n as i64, n as i64), "trial {trial}");
        let _ = std::fs::remove_dir_all(&data);
    }
    println!(
        "serve flush: {TRIALS} trials, {killed} killed before the lake was complete (kills drawn up to {full:?} after listening); every restarted server stored each of {n} tailed lines once"
    );
    // How many kills land mid-flush depends on the machine's timing (15 of 50 on a loaded
    // 2-core machine); every trial's exact counts are the assertion, this only checks that
    // the test still kills during flushes at all.
    assert!(
        killed >= TRIALS / 10,
        "only {killed} kills landed before the lake was complete"
    );
}
