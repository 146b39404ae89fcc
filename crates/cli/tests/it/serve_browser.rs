//! The live dashboard in headless Chromium. The page is opened first; attack
//! events are then sent to the running server; the alert and the chart must appear in
//! the open page without a reload (server-sent events and the dashboard's script). The
//! nav bar then leads to report sections, drawn with the report's charts and styled.
//!
//! Chromium is driven through the DevTools protocol over `--remote-debugging-pipe`
//! (file descriptors 3 and 4, connected to two named pipes by `sh`), so no WebSocket
//! client is needed.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::*;

fn chromium() -> Option<String> {
    ["chromium", "chromium-browser"].iter().find_map(|name| {
        std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
            .map(|d| d.join(name))
            .find(|p| p.is_file())
            .map(|p| p.display().to_string())
    })
}

/// A DevTools session over the pipe.
struct Devtools {
    child: Child,
    to: std::fs::File,
    from: BufReader<std::fs::File>,
    next: u64,
    session: Option<String>,
}

impl Devtools {
    fn launch(url: &str, dir: &Path) -> Devtools {
        let browser = chromium()
            .expect("these tests need Chromium: apt-get install chromium (as .ci/run does)");
        let (cmd_in, cmd_out) = (dir.join("cdp.in"), dir.join("cdp.out"));
        for p in [&cmd_in, &cmd_out] {
            let ok = Command::new("mkfifo").arg(p).status().expect("mkfifo");
            assert!(ok.success());
        }
        let profile = dir.join("profile");
        let script = format!(
            "exec {browser} --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking --disable-component-update --disable-sync --user-data-dir={} --remote-debugging-pipe {url} 3<{} 4>{}",
            profile.display(),
            cmd_in.display(),
            cmd_out.display()
        );
        let child = Command::new("sh")
            .args(["-c", &script])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromium starts");
        // Opening order matters with FIFOs: the shell opens cdp.in for reading first.
        let to = std::fs::OpenOptions::new()
            .write(true)
            .open(&cmd_in)
            .expect("cdp.in");
        let from = BufReader::new(std::fs::File::open(&cmd_out).expect("cdp.out"));
        Devtools {
            child,
            to,
            from,
            next: 0,
            session: None,
        }
    }

    /// Sends a command and returns its result (events in between are skipped).
    fn call(&mut self, method: &str, params: serde_json::Value) -> serde_json::Value {
        self.next += 1;
        let mut msg = serde_json::json!({"id": self.next, "method": method, "params": params});
        if let Some(s) = &self.session {
            msg["sessionId"] = serde_json::Value::String(s.clone());
        }
        let mut bytes = msg.to_string().into_bytes();
        bytes.push(0);
        self.to.write_all(&bytes).expect("write to chromium");
        loop {
            let mut buf = Vec::new();
            let n = self
                .from
                .read_until(0, &mut buf)
                .expect("read from chromium");
            assert!(n > 0, "chromium closed the pipe");
            buf.pop();
            let v: serde_json::Value = serde_json::from_slice(&buf).unwrap_or_default();
            if v["id"].as_u64() == Some(self.next) {
                assert!(v.get("error").is_none(), "{method}: {v}");
                return v["result"].clone();
            }
        }
    }

    fn attach_to_page(&mut self) {
        let until = Instant::now() + Duration::from_secs(30);
        loop {
            let targets = self.call("Target.getTargets", serde_json::json!({}));
            let page = targets["targetInfos"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|t| t["type"] == "page")
                .and_then(|t| t["targetId"].as_str().map(String::from));
            if let Some(id) = page {
                let r = self.call(
                    "Target.attachToTarget",
                    serde_json::json!({"targetId": id, "flatten": true}),
                );
                self.session = r["sessionId"].as_str().map(String::from);
                return;
            }
            assert!(Instant::now() < until, "no page target");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn eval(&mut self, expr: &str) -> serde_json::Value {
        let r = self.call(
            "Runtime.evaluate",
            serde_json::json!({"expression": expr, "returnByValue": true}),
        );
        r["result"]["value"].clone()
    }
}

impl Drop for Devtools {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn post(addr: &str, body: &str) -> u16 {
    let mut s = TcpStream::connect(addr).expect("connect");
    let req = format!(
        "POST / HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).expect("send");
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    out.split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0)
}

#[test]
fn the_dashboard_shows_a_new_alert_and_chart_without_a_reload() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let cfg = write(
        dir.path(),
        "serve.toml",
        &format!(
            "data_dir = {data:?}\n[spool]\nflush_after_ms = 200\n[dashboard]\nlisten = \"127.0.0.1:0\"\n[alerts]\nstdout = false\n[[alerts.threshold]]\ncategory = \"*\"\ncount = 5\nwindow_secs = 600\n[[source]]\nname = \"edge\"\nkind = \"http\"\nlisten = \"127.0.0.1:0\"\nformat = \"combined\"\ntenant = \"shop<b>\"\n"
        ),
    );
    let server = crate::serve::start(&cfg, &data);
    let board = server.addrs["dashboard"].clone();
    let mut chrome = Devtools::launch(&format!("http://{board}/"), dir.path());
    chrome.attach_to_page();
    let until = Instant::now() + Duration::from_secs(30);
    while chrome
        .eval("document.getElementById('live') && document.getElementById('live').textContent")
        != "live"
    {
        assert!(
            Instant::now() < until,
            "the page did not connect its live stream"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(
        chrome.eval("document.querySelectorAll('#alerts tbody tr').length"),
        0
    );
    let chart_before = chrome.eval("document.getElementById('chart').innerHTML");
    // Mark the document: a reload would lose the mark.
    chrome.eval("window.kansokuMark = 42");

    let now = chrono::Utc::now().format("%d/%b/%Y:%H:%M:%S +0000");
    let body: String = (0..8)
        .map(|i| format!("203.0.113.77 - - [{now}] \"GET /item?id={i}%27%20UNION%20SELECT%20password%20FROM%20users-- HTTP/1.1\" 200 5 \"-\" \"sqlmap/1.7\"\n"))
        .collect();
    assert_eq!(post(&server.addrs["edge"], &body), 200);
    let until = Instant::now() + Duration::from_secs(30);
    loop {
        let rows = chrome.eval("Array.from(document.querySelectorAll('#alerts tbody tr')).map(r => r.textContent).join('\\n')");
        let text = rows.as_str().unwrap_or_default().to_string();
        let chart = chrome.eval("document.getElementById('chart').innerHTML");
        if text.contains("threshold") && chart != chart_before {
            assert!(text.contains("shop<b>"), "tenant shown as text: {text}");
            break;
        }
        assert!(
            Instant::now() < until,
            "no alert or chart update in the page: {text}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    assert_eq!(
        chrome.eval("window.kansokuMark"),
        42,
        "the page was not reloaded"
    );
    assert_eq!(
        chrome.eval("document.querySelectorAll('#alerts b').length"),
        0,
        "log text never becomes markup"
    );

    // The nav bar leads to the report's sections, drawn with the report's charts; the
    // page's script still runs there under the CSP (its live indicator connects).
    chrome.eval("document.querySelector('header nav a[href=\"/report/hourly\"]').click()");
    let until = Instant::now() + Duration::from_secs(30);
    loop {
        let ready = chrome.eval(
            "location.pathname === '/report/hourly' && document.readyState === 'complete' && document.getElementById('live').textContent === 'live'",
        );
        if ready == true {
            break;
        }
        assert!(Instant::now() < until, "the WAF section did not open");
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(
        chrome.eval("document.querySelectorAll('.report svg.hourly-chart .series').length > 0"),
        true,
        "the hourly chart with its series"
    );
    chrome.eval("Array.from(document.querySelectorAll('nav.sections a')).find(a => a.getAttribute('href').startsWith('/report/top-monthly')).click()");
    let until = Instant::now() + Duration::from_secs(30);
    loop {
        let text = chrome.eval(
            "location.pathname === '/report/top-monthly' && document.readyState === 'complete' ? Array.from(document.querySelectorAll('.month-card')).map(c => c.textContent).join(' ') : ''",
        );
        let text = text.as_str().unwrap_or_default().to_string();
        if text.contains("SQL injection") {
            break;
        }
        assert!(
            Instant::now() < until,
            "the top attack types section: {text:?}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(
        chrome.eval("getComputedStyle(document.querySelector('.months')).display"),
        "grid",
        "the dashboard's stylesheet lays out the report's markup"
    );
    drop(chrome);
}
