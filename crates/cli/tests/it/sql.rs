//! `kansoku sql` and `kansoku status`.

use crate::common::*;

#[test]
fn group_by_over_the_lake_in_every_output_format() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let log = write(dir.path(), "a.log", &combined_log(900));
    assert!(
        run(&data, &["ingest", log.to_str().expect("utf8")])
            .status
            .success()
    );
    let q = "SELECT day, count(*) AS n FROM http GROUP BY day ORDER BY day";
    let csv = stdout(&run(&data, &["sql", q, "--format", "csv"]));
    // Lines are at 00:xx +0900, so each local day lands on the previous UTC day.
    assert_eq!(
        csv,
        "day,n\n2026-09-15,300\n2026-09-16,300\n2026-09-17,300\n"
    );
    let json: serde_json::Value =
        serde_json::from_str(&stdout(&run(&data, &["sql", q, "--format", "json"]))).expect("json");
    assert_eq!(json.as_array().expect("array").len(), 3);
    let table = stdout(&run(&data, &["sql", q]));
    assert!(table.contains("| 2026-09-16 | 300 |"), "{table}");
    let bad = run(&data, &["sql", "SELECT nope FROM http"]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(stderr(&bad).contains("nope"));
}

#[test]
fn status_says_what_the_lake_holds() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let log = write(
        dir.path(),
        "a.log",
        &format!("{}garbage line\n", combined_log(30)),
    );
    run(&data, &["ingest", log.to_str().expect("utf8")]);
    let out = run(&data, &["status", "--format", "json"]);
    let s: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("json");
    assert_eq!(s["tables"][0]["rows"], 30);
    assert_eq!(s["rejected_lines"], 1);
    assert_eq!(s["sources"][0]["format"], "combined");
    assert!(
        s["sources"][0]["source"]
            .as_str()
            .expect("source")
            .ends_with("a.log")
    );
}
