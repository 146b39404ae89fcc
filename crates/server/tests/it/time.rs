//! One event dated far ahead of the clock (a forged syslog header, a broken clock) is set
//! aside with its reason: it opens no partition for its day and reaches no detector.

use crate::common::*;

#[test]
fn an_event_dated_2099_is_set_aside_and_opens_no_partition() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = data_dir(&dir);
    let server = start(&config_text(
        &data,
        "[[source]]\nname = \"push\"\nkind = \"http\"\nlisten = \"127.0.0.1:0\"\nformat = \"combined\"\n",
    ));
    let now = chrono::Utc::now().format("%d/%b/%Y:%H:%M:%S +0000");
    let body = format!(
        "203.0.113.66 - - [01/Jan/2099:00:00:00 +0000] \"GET /?id=1%27%20OR%201=1-- HTTP/1.1\" 200 1 \"-\" \"-\"\n\
         198.51.100.3 - - [{now}] \"GET /today HTTP/1.1\" 200 1 \"-\" \"-\"\n"
    );
    let (status, _, answer) = http(server.addr("push"), "POST", "/", &[], body.as_bytes());
    assert_eq!(status, 200, "{answer}");
    server.stop();
    assert_eq!(column(&data, "SELECT path FROM http"), ["/today"]);
    let days: Vec<String> = std::fs::read_dir(data.join("lake/http"))
        .expect("http")
        .flatten()
        .map(|d| d.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(days.iter().all(|d| !d.contains("2099")), "{days:?}");
    let rejects = rejects_text(&data);
    assert!(
        rejects.contains("ahead of this machine's clock") && rejects.contains("203.0.113.66"),
        "{rejects}"
    );
}
