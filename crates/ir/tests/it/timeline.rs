//! The timeline over a real lake (Parquet written here, queried with DataFusion) and the
//! Timesketch exports, parsed back.

use chrono::{DateTime, Utc};
use kansoku_event::http::{HttpBatchBuilder, HttpRequest};
use kansoku_ir::case::{CaseType, Cases, NewCase, Note};
use kansoku_ir::evidence::{AddOptions, EvidenceKind};
use kansoku_ir::time::parse_time;
use kansoku_ir::timeline::{Query, build, csv, jsonl, text};
use kansoku_lake::Lake;

fn us(s: &str) -> i64 {
    s.parse::<DateTime<Utc>>().expect("time").timestamp_micros()
}

fn request(ts: &str, ip: &str, path: &str, rules: &[&str]) -> HttpRequest {
    HttpRequest {
        ts: us(ts),
        tenant: "shop".into(),
        src_ip: Some(ip.into()),
        host: Some("shop.example.jp".into()),
        method: Some("GET".into()),
        path: Some(path.into()),
        status: Some(200),
        rule_ids: rules.iter().map(|r| r.to_string()).collect(),
        categories: if rules.is_empty() {
            vec![]
        } else {
            vec!["sqli".into()]
        },
        source: "access.log".into(),
        source_line: 1,
        ..HttpRequest::default()
    }
}

fn write_lake(data: &std::path::Path) {
    let lake = Lake::open(data).expect("lake");
    let mut b = HttpBatchBuilder::with_capacity(4);
    b.push(&request(
        "2026-10-01T01:00:00Z",
        "203.0.113.9",
        "/item,\"1\"",
        &["sqli-union"],
    ));
    b.push(&request("2026-10-01T01:30:00Z", "203.0.113.9", "/ok", &[]));
    b.push(&request(
        "2026-10-02T03:00:00Z",
        "198.51.100.7",
        "/admin",
        &["sqli-union"],
    ));
    let batch = b.finish();
    let dir = lake.table_dir("http");
    for day in ["2026-10-01", "2026-10-02"] {
        std::fs::create_dir_all(dir.join(format!("day={day}"))).expect("day dir");
    }
    // One file per day, as the lake lays them out.
    for (day, rows) in [("2026-10-01", 0..2), ("2026-10-02", 2..3)] {
        let part = batch.slice(rows.start, rows.len());
        let f = std::fs::File::create(dir.join(format!("day={day}/test.parquet"))).expect("file");
        let mut w = parquet::arrow::ArrowWriter::try_new(f, part.schema(), None).expect("writer");
        w.write(&part).expect("write");
        w.close().expect("close");
    }
}

#[tokio::test]
async fn lake_detections_notes_and_custody_on_one_axis() {
    let tmp = tempfile::tempdir().expect("tmp");
    let data = tmp.path();
    write_lake(data);
    let cases = Cases::new(data);
    let now: DateTime<Utc> = "2026-10-02T05:00:00Z".parse().expect("now");
    let mut new = NewCase::new("t", CaseType::WebCompromise, "x");
    new.learned = Some(parse_time("2026-10-02 10:00", chrono_tz::Asia::Tokyo).expect("t"));
    let mut case = cases.create(&new, now).expect("case");
    case.add_note(Note {
        at: parse_time("2026-10-01 10:20", chrono_tz::Asia::Tokyo).expect("t"),
        author: "sato".into(),
        text: "WAF alert, \"UNION\" in /item".into(),
    })
    .expect("note");
    let src = tmp.path().join("a.log");
    std::fs::write(&src, "x").expect("src");
    let opts = AddOptions {
        kind: EvidenceKind::Server,
        handler: "sato".into(),
        host: Some("web01".into()),
        no_copy: false,
    };
    let keys = kansoku_ir::keystore::KeyStore::new(tmp.path().join("keys"));
    kansoku_ir::evidence::add(&mut case, &keys, &[src], &opts, now).expect("add");

    let ctx = Lake::open(data)
        .expect("lake")
        .session()
        .await
        .expect("session");
    let tl = build(&case, &ctx, &Query::default())
        .await
        .expect("timeline");
    let sources: Vec<&str> = tl.events.iter().map(|e| e.source.as_str()).collect();
    // 01:00Z detection, 01:20Z note, 01:00Z+1d learned, 03:00Z detection, 05:00Z custody ×2.
    assert_eq!(
        sources,
        ["http", "note", "note", "http", "custody", "custody"],
        "{:#?}",
        tl.events
    );
    assert!(
        tl.events[0]
            .message
            .contains("GET shop.example.jp/item,\"1\" from 203.0.113.9 → 200: sqli (sqli-union)"),
        "{}",
        tl.events[0].message
    );
    assert!(text(&tl, chrono_tz::Asia::Tokyo).starts_with("2026-10-01 10:00:00 +09:00  [http   ]"));

    let only = Query {
        ips: vec!["198.51.100.7".into()],
        ..Query::default()
    };
    let tl2 = build(&case, &ctx, &only).await.expect("timeline");
    assert_eq!(tl2.events.iter().filter(|e| e.source == "http").count(), 1);
    let window = Query {
        from: Some("2026-10-02T00:00:00Z".parse().expect("t")),
        to: Some("2026-10-02T04:00:00Z".parse().expect("t")),
        ..Query::default()
    };
    let tl3 = build(&case, &ctx, &window).await.expect("timeline");
    let s3: Vec<&str> = tl3.events.iter().map(|e| e.source.as_str()).collect();
    assert_eq!(s3, ["note", "http"], "{:#?}", tl3.events);

    // Timesketch JSONL: every line an object with the three required fields.
    let j = jsonl(&tl.events);
    let mut n = 0;
    for line in j.lines() {
        let v: serde_json::Value = serde_json::from_str(line).expect("json line");
        for k in ["message", "datetime", "timestamp_desc"] {
            assert!(
                v.get(k)
                    .and_then(|x| x.as_str())
                    .is_some_and(|s| !s.is_empty()),
                "{k} in {line}"
            );
        }
        let dt = v["datetime"].as_str().unwrap_or_default();
        assert!(DateTime::parse_from_rfc3339(dt).is_ok(), "{dt}");
        assert!(v["timestamp"].as_i64().is_some());
        n += 1;
    }
    assert_eq!(n, tl.events.len());
    // CSV: a header with the required columns, one row per event, quotes intact.
    let c = csv(&tl.events).expect("csv");
    let mut r = ::csv::Reader::from_reader(c.as_bytes());
    let headers = r.headers().expect("headers").clone();
    for k in ["message", "datetime", "timestamp_desc"] {
        assert!(headers.iter().any(|h| h == k), "{k} in {headers:?}");
    }
    let msg = headers
        .iter()
        .position(|h| h == "message")
        .expect("message col");
    let rows: Vec<_> = r.records().map(|x| x.expect("row")).collect();
    assert_eq!(rows.len(), tl.events.len());
    assert_eq!(&rows[1][msg], "WAF alert, \"UNION\" in /item");
    let path = headers.iter().position(|h| h == "path").expect("path col");
    assert_eq!(&rows[0][path], "/item,\"1\"");
}
