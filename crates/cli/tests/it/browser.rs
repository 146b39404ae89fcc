//! The report as a reader sees it, in headless Chromium (Debian's `chromium`; `.ci/run`
//! installs it): the demo report's charts render with both planted spikes marked, and
//! hostile strings from logs show as text without running.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::*;

fn chromium() -> PathBuf {
    for name in ["chromium", "chromium-browser"] {
        for dir in std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()) {
            let p = dir.join(name);
            if p.is_file() {
                return p;
            }
        }
    }
    panic!("these tests need Chromium: apt-get install chromium (as .ci/run does)");
}

fn headless(profile: &Path) -> Command {
    let mut c = Command::new(chromium());
    c.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    ])
    .arg(format!("--user-data-dir={}", profile.display()));
    c
}

/// The DOM after the page loaded and any script had time to run.
fn dump_dom(page: &Path) -> String {
    let profile = tempfile::tempdir().expect("profile");
    let out = headless(profile.path())
        .args(["--virtual-time-budget=3000", "--dump-dom"])
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium runs");
    assert!(out.status.success(), "chromium failed: {}", stderr(&out));
    stdout(&out)
}

fn screenshot(page: &Path, png: &Path) {
    let profile = tempfile::tempdir().expect("profile");
    let out = headless(profile.path())
        .args(["--window-size=1280,5000", "--hide-scrollbars"])
        .arg(format!("--screenshot={}", png.display()))
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium runs");
    assert!(
        out.status.success() && png.exists(),
        "screenshot failed: {}",
        stderr(&out)
    );
}

/// Where screenshots are kept after the test (target/test-artifacts).
fn artifacts() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/test-artifacts");
    std::fs::create_dir_all(&dir).expect("artifacts dir");
    dir
}

#[test]
fn demo_report_renders_both_planted_spikes_in_both_languages() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("demo");
    let run = kansoku()
        .args([
            "demo",
            "--scale",
            "0.3",
            "--out",
            out.to_str().expect("utf8"),
        ])
        .output()
        .expect("demo runs");
    assert!(run.status.success(), "{}", stderr(&run));

    let json: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out.join("report.en.json")).expect("json report"),
    )
    .expect("valid json");
    let hourly = &json["sections"][0]["blocks"][0];
    let spikes = hourly["spikes"].as_array().expect("spikes");
    assert_eq!(
        spikes.len(),
        2,
        "exactly the two planted spikes: {spikes:#?}"
    );
    let names = |s: &serde_json::Value, key: &str| -> Vec<String> {
        s[key]
            .as_array()
            .expect("list")
            .iter()
            .map(|v| v["name"].as_str().unwrap_or_default().to_string())
            .collect()
    };
    let campaign = &spikes[0];
    assert_eq!(names(campaign, "tenants")[0], "shop-example");
    let cats = names(campaign, "categories");
    assert!(
        cats.contains(&"sqli".to_string()) && cats.contains(&"log4shell".to_string()),
        "{cats:?}"
    );
    let nikto = &spikes[1];
    assert_eq!(names(nikto, "tenants")[0], "corp-example");
    assert!(names(nikto, "categories").contains(&"scanner".to_string()));
    assert_eq!(
        names(nikto, "tools").first().map(String::as_str),
        Some("nikto")
    );

    for lang in ["ja", "en"] {
        let page = out.join(format!("report.{lang}.html"));
        let dom = dump_dom(&page);
        assert!(dom.contains("<svg"), "charts are inline SVG");
        assert_eq!(
            dom.matches("class=\"spike-marker\"").count(),
            2,
            "two spike markers in {lang}"
        );
        let series = dom.matches("class=\"series\"").count();
        assert!(
            series >= 3,
            "hourly and monthly charts draw their series ({series})"
        );
        let png = artifacts().join(format!("demo-report.{lang}.png"));
        screenshot(&page, &png);
        assert!(
            std::fs::metadata(&png).expect("png").len() > 20_000,
            "a real screenshot"
        );
    }
    let ja = std::fs::read_to_string(out.join("report.ja.html")).expect("ja");
    assert!(ja.contains("1時間ごとの検知数") && ja.contains("SQLインジェクション"));
    let md = std::fs::read_to_string(out.join("report.en.md")).expect("md");
    assert!(md.contains("Detections per hour"));
}

#[test]
fn xss_payloads_from_logs_show_as_text_and_never_run() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let payloads: Vec<String> = include_str!("../../../report/tests/fixtures/xss-sample.txt")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(String::from)
        .chain([
            "<script>document.title='PWNED'</script>".to_string(),
            "\"><img src=x onerror=\"document.title='PWNED'\">".to_string(),
            "<svg onload=\"document.body.setAttribute('data-pwned','1')\">".to_string(),
        ])
        .collect();
    // Each payload as a path, a query and a user agent, many times in one hour so the
    // hour is a spike and its top paths and sources are printed.
    let mut log = String::new();
    for day in 1..=20 {
        for i in 0..30 {
            log.push_str(&format!(
                "192.0.2.{} - - [{day:02}/Oct/2026:10:{:02}:00 +0000] \"GET /q?id=1%27%20OR%201=1-- HTTP/1.1\" 200 10 \"-\" \"curl/8\"\n",
                i % 5 + 1,
                i
            ));
        }
    }
    let sentinels = payloads.len() - 3;
    for (i, p) in payloads.iter().enumerate() {
        // Clients send spaces and quotes percent-encoded; the user agent is logged raw.
        let target = p
            .replace('%', "%25")
            .replace(' ', "%20")
            .replace('"', "%22");
        let ua = p.replace('\\', "\\\\").replace('"', "\\\"");
        let times = if i >= sentinels { 120 } else { 20 };
        for k in 0..times {
            log.push_str(&format!(
                "203.0.113.{} - - [21/Oct/2026:12:{:02}:{:02} +0000] \"GET /{target}?x={target} HTTP/1.1\" 404 0 \"-\" \"{ua}\"\n",
                i % 200,
                k % 60,
                i % 60
            ));
        }
    }
    let file = write(dir.path(), "xss.log", &log);
    let ing = run(
        &data,
        &[
            "ingest",
            file.to_str().expect("utf8"),
            "--format",
            "combined",
            "--tenant",
            "<b>tenant</b>",
        ],
    );
    assert!(
        ing.status.code() == Some(0) || ing.status.code() == Some(3),
        "{}",
        stderr(&ing)
    );
    let page = dir.path().join("report.html");
    let rep = run(
        &data,
        &[
            "report",
            "--month",
            "2026-10",
            "--lang",
            "en",
            "--out",
            page.to_str().expect("utf8"),
        ],
    );
    assert!(rep.status.success(), "{}", stderr(&rep));
    let html = std::fs::read_to_string(&page).expect("report");
    assert!(
        html.contains("Content-Security-Policy"),
        "the report forbids scripts"
    );
    // Take the policy away: escaping alone must keep every payload inert.
    let bare = dir.path().join("bare.html");
    std::fs::write(
        &bare,
        html.replace("http-equiv=\"Content-Security-Policy\"", "name=\"removed\""),
    )
    .expect("write");
    let dom = dump_dom(&bare);
    assert!(!dom.contains("data-pwned=\"1\""), "a payload ran");
    let title = dom
        .split("<title>")
        .nth(1)
        .and_then(|t| t.split("</title>").next())
        .unwrap_or_default();
    assert!(
        !title.contains("PWNED"),
        "a payload changed the title: {title}"
    );
    assert!(
        dom.contains("&lt;b&gt;tenant&lt;/b&gt;"),
        "the tenant name is shown as text"
    );
    assert!(
        dom.contains("&lt;script&gt;document.title='PWNED'&lt;/script&gt;"),
        "payload text visible as text"
    );
}
