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
