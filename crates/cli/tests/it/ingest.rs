//! `kansoku ingest`: stored rows, idempotence, growth, rotation, bad input.

use std::io::Write;

use crate::common::*;

#[test]
fn ingest_twice_adds_nothing_and_growth_adds_only_new_lines() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let log = write(dir.path(), "access.log", &combined_log(1000));
    let out = run(&data, &["ingest", log.to_str().expect("utf8")]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("1000 stored"), "{}", stderr(&out));
    assert_eq!(sql_number(&data, "SELECT count(*) FROM http"), 1000);

    let again = run(&data, &["ingest", log.to_str().expect("utf8")]);
    assert!(again.status.success());
    assert!(
        stderr(&again).contains("already ingested"),
        "{}",
        stderr(&again)
    );
    assert_eq!(sql_number(&data, "SELECT count(*) FROM http"), 1000);

    // The file grows: only the new lines are read.
    let more = combined_log(1500);
    let tail: String = more.lines().skip(1000).map(|l| format!("{l}\n")).collect();
    std::fs::OpenOptions::new()
        .append(true)
        .open(&log)
        .expect("open")
        .write_all(tail.as_bytes())
        .expect("append");
    let grown = run(&data, &["ingest", log.to_str().expect("utf8")]);
    assert!(grown.status.success(), "{}", stderr(&grown));
    assert!(stderr(&grown).contains("500 stored"), "{}", stderr(&grown));
    assert_eq!(sql_number(&data, "SELECT count(*) FROM http"), 1500);
    assert_eq!(
        sql_number(&data, "SELECT count(DISTINCT source_line) FROM http"),
        1500
    );

    // Rotation: the old file renamed, a new file with other content in its place.
    std::fs::rename(&log, dir.path().join("access.log.1")).expect("rotate");
    let fresh: String = combined_log(1600)
        .lines()
        .skip(1500)
        .map(|l| format!("{l}\n"))
        .collect();
    write(dir.path(), "access.log", &fresh);
    let rotated = run(&data, &["ingest", dir.path().to_str().expect("utf8")]);
    assert!(rotated.status.success(), "{}", stderr(&rotated));
    assert_eq!(sql_number(&data, "SELECT count(*) FROM http"), 1600);
}

#[test]
fn gzip_folder_and_stdin_are_read() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let logs = dir.path().join("logs/nested");
    std::fs::create_dir_all(&logs).expect("mkdir");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(combined_log(300).as_bytes()).expect("gzip");
    std::fs::write(logs.join("old.log.gz"), gz.finish().expect("gzip")).expect("write");
    let out = run(
        &data,
        &[
            "ingest",
            dir.path().join("logs").to_str().expect("utf8"),
            "--tenant",
            "shop",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        sql_number(&data, "SELECT count(*) FROM http WHERE tenant = 'shop'"),
        300
    );

    let mut child = kansoku()
        .args([
            "--data",
            data.to_str().expect("utf8"),
            "ingest",
            "-",
            "--format",
            "combined",
        ])
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    let text: String = combined_log(20).lines().map(|l| format!("{l}\n")).collect();
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(text.as_bytes())
        .expect("pipe");
    let out = child.wait_with_output().expect("wait");
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        sql_number(&data, "SELECT count(*) FROM http WHERE source = '-'"),
        20
    );
}

#[test]
fn bad_lines_are_counted_set_aside_and_the_run_goes_on() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let mut text = combined_log(50);
    text.push_str("this is not a log line at all\n");
    text.push_str(&"A".repeat(3 << 20));
    text.push('\n');
    let mut bytes = text.into_bytes();
    bytes.extend_from_slice(b"\xff\xfe garbage \xc3\x28\n");
    bytes.extend_from_slice(combined_log(51).lines().last().expect("line").as_bytes());
    bytes.push(b'\n');
    let log = dir.path().join("mixed.log");
    std::fs::write(&log, &bytes).expect("write");
    let out = run(
        &data,
        &[
            "ingest",
            log.to_str().expect("utf8"),
            "--format",
            "combined",
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(3),
        "rejects give exit code 3: {}",
        stderr(&out)
    );
    let err = stderr(&out);
    assert!(err.contains("51 stored"), "{err}");
    assert!(err.contains("3 rejected"), "{err}");
    let rejects: Vec<serde_json::Value> = std::fs::read_dir(data.join("rejects"))
        .expect("rejects dir")
        .flat_map(|e| {
            std::fs::read_to_string(e.expect("entry").path())
                .expect("read")
                .lines()
                .map(|l| serde_json::from_str(l).expect("json"))
                .collect::<Vec<_>>()
        })
        .collect();
    let lines: Vec<u64> = rejects
        .iter()
        .map(|r| r["line"].as_u64().expect("line"))
        .collect();
    assert_eq!(lines, vec![51, 52, 53]);
    assert!(
        rejects[1]["reason"]
            .as_str()
            .expect("reason")
            .contains("too long")
    );
    assert!(
        rejects[0]["source"]
            .as_str()
            .expect("source")
            .ends_with("mixed.log")
    );
}

#[test]
fn unusable_inputs_get_clear_messages_and_keep_the_lake() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let good = write(dir.path(), "good.log", &combined_log(10));
    let empty = write(dir.path(), "empty.log", "");
    let binary = dir.path().join("binary.bin");
    std::fs::write(&binary, [0u8, 1, 2, 3, 0, 0, 0xff, 0x10].repeat(100)).expect("write");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(combined_log(5000).as_bytes()).expect("gzip");
    let mut truncated = gz.finish().expect("gzip");
    truncated.truncate(truncated.len() / 2);
    let trunc = dir.path().join("truncated.log.gz");
    std::fs::write(&trunc, &truncated).expect("write");
    let missing = dir.path().join("missing.log");
    let out = run(
        &data,
        &[
            "ingest",
            good.to_str().expect("utf8"),
            empty.to_str().expect("utf8"),
            binary.to_str().expect("utf8"),
            trunc.to_str().expect("utf8"),
            missing.to_str().expect("utf8"),
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("missing.log") && err.contains("No such file"),
        "{err}"
    );
    assert!(err.contains("binary"), "{err}");
    assert!(err.contains("(empty)"), "{err}");
    assert!(
        err.contains("truncated.log.gz") && err.contains("FAILED"),
        "{err}"
    );
    // The good file is stored, and whatever the truncated archive held before the cut.
    assert!(
        sql_number(
            &data,
            "SELECT count(*) FROM http WHERE source LIKE '%good.log'"
        ) == 10
    );
    let partial = sql_number(
        &data,
        "SELECT count(*) FROM http WHERE source LIKE '%truncated.log.gz'",
    );
    assert!(partial < 5000, "{partial}");
}

/// One line dated 2099 (a broken clock, a forged record) is a reject with its reason: it
/// opens no `day=2099-…` partition. The same line is read with a wider `[time]` skew.
#[test]
fn an_event_far_in_the_future_is_set_aside() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let mut text = combined_log(20);
    text.push_str(
        "203.0.113.66 - - [01/Jan/2099:00:00:00 +0000] \"GET /from-2099 HTTP/1.1\" 200 1 \"-\" \"-\"\n",
    );
    let log = write(dir.path(), "access.log", &text);
    let out = run(&data, &["ingest", log.to_str().expect("utf8")]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert_eq!(sql_number(&data, "SELECT count(*) FROM http"), 20);
    let days: Vec<String> = std::fs::read_dir(data.join("lake/http"))
        .expect("days")
        .flatten()
        .map(|d| d.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(days.iter().all(|d| !d.contains("2099")), "{days:?}");
    let rejects = rejects_text(&data);
    assert!(
        rejects.contains("ahead of this machine's clock"),
        "{rejects}"
    );

    // A wider skew believes it.
    let wide = dir.path().join("wide");
    let cfg = write(
        dir.path(),
        "kansoku.toml",
        &format!(
            "data_dir = {:?}\n[time]\nmax_future_skew_secs = 4000000000\n",
            wide.display().to_string()
        ),
    );
    let out = kansoku()
        .arg("--config")
        .arg(&cfg)
        .args(["ingest", log.to_str().expect("utf8")])
        .output()
        .expect("ingest");
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(sql_number(&wide, "SELECT count(*) FROM http"), 21);
}
