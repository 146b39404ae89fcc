//! Several `kansoku ingest` workers writing one lake at once (parallel ingest):
//! each line lands exactly once, and running them all again adds nothing.

use std::process::{Child, Stdio};

use crate::common::{combined_log, kansoku, sql_number, write};

fn spawn_ingest(data: &std::path::Path, file: &std::path::Path) -> Child {
    kansoku()
        .arg("--data")
        .arg(data)
        .arg("ingest")
        .arg(file)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("kansoku ingest starts")
}

fn wait_ok(child: Child, what: &str) {
    let out = child.wait_with_output().expect("worker ends");
    assert!(
        out.status.success(),
        "{what}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn three_workers_into_one_lake_store_each_line_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    // Three sources of different sizes (consecutive parts of one log, so each has its
    // own content and identity), so the workers overlap and finish apart.
    let sizes = [60_000usize, 45_000, 30_000];
    let log = combined_log(sizes.iter().sum());
    let mut lines = log.lines();
    let files: Vec<_> = sizes
        .iter()
        .enumerate()
        .map(|(i, &n)| {
            let part: String = lines.by_ref().take(n).map(|l| format!("{l}\n")).collect();
            write(dir.path(), &format!("web{i}.log"), &part)
        })
        .collect();

    for round in ["first", "second"] {
        let workers: Vec<Child> = files.iter().map(|f| spawn_ingest(&data, f)).collect();
        for (i, w) in workers.into_iter().enumerate() {
            wait_ok(w, &format!("{round} run, worker {i}"));
        }
        let total: usize = sizes.iter().sum();
        assert_eq!(
            sql_number(&data, "SELECT count(*) FROM http") as usize,
            total,
            "{round} run: every line exactly once"
        );
        for (file, &n) in files.iter().zip(&sizes) {
            let name = file.file_name().and_then(|s| s.to_str()).expect("name");
            let q = format!(
                "SELECT count(DISTINCT source_line) FROM http WHERE source LIKE '%/{name}'"
            );
            assert_eq!(sql_number(&data, &q) as usize, n, "{round} run: {name}");
        }
    }
}
