//! A server running in a background thread, and small HTTP and query helpers.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use kansoku_server::ServeConfig;

pub struct Running {
    pub addrs: HashMap<String, String>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<Result<kansoku_server::RunSummary, String>>>,
}

impl Running {
    pub fn addr(&self, name: &str) -> &str {
        self.addrs
            .get(name)
            .map(String::as_str)
            .unwrap_or_else(|| panic!("no listener {name}"))
    }

    /// Stops like SIGTERM does and waits for the final flush.
    pub fn stop(mut self) -> kansoku_server::RunSummary {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        self.thread
            .take()
            .expect("thread")
            .join()
            .expect("server thread")
            .expect("server run")
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// A configuration text with `data_dir` and fast flushing, plus `extra`.
pub fn config_text(data: &Path, extra: &str) -> String {
    format!(
        "data_dir = {:?}\n[spool]\nflush_after_ms = 200\n[dashboard]\nlisten = \"127.0.0.1:0\"\n[alerts]\nstdout = false\n{extra}",
        data.to_string_lossy()
    )
}

pub fn start(text: &str) -> Running {
    let config = ServeConfig::parse(text).expect("valid configuration");
    let listen = config.data_dir.join("serve").join("listening.json");
    let _ = std::fs::remove_file(&listen);
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let thread = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(|e| e.to_string())?;
        rt.block_on(kansoku_server::run(config, async {
            let _ = rx.await;
        }))
        .map_err(|e| e.to_string())
    });
    let addrs = wait_listening(&listen);
    Running {
        addrs,
        stop: Some(tx),
        thread: Some(thread),
    }
}

pub fn wait_listening(path: &Path) -> HashMap<String, String> {
    let until = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(bytes) = std::fs::read(path)
            && let Ok(list) = serde_json::from_slice::<Vec<serde_json::Value>>(&bytes)
        {
            return list
                .iter()
                .map(|l| {
                    (
                        l["name"].as_str().unwrap_or_default().to_string(),
                        l["addr"].as_str().unwrap_or_default().to_string(),
                    )
                })
                .collect();
        }
        assert!(Instant::now() < until, "the server did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A raw HTTP/1.1 request; returns (status, headers lower-cased, body).
pub fn http(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> (u16, HashMap<String, String>, String) {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).expect("write");
    s.write_all(body).expect("write body");
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    let text = String::from_utf8_lossy(&out).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    (status, headers, body.to_string())
}

/// One value of a Prometheus counter line that starts with `prefix`.
pub fn metric(addr: &str, prefix: &str) -> u64 {
    let (_, _, body) = http(addr, "GET", "/metrics", &[], b"");
    body.lines()
        .find(|l| l.starts_with(prefix))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// Waits until `f` holds (or fails the test after `secs`).
pub fn wait_for(secs: u64, what: &str, mut f: impl FnMut() -> bool) {
    let until = Instant::now() + Duration::from_secs(secs);
    while !f() {
        assert!(Instant::now() < until, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(25));
    }
}

/// Runs a query on the lake and returns the first column of every row as text.
pub fn column(data: &Path, sql: &str) -> Vec<String> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("rt");
    use arrow::array::Array;
    rt.block_on(async {
        let lake = kansoku_lake::Lake::open(data).expect("lake");
        let ctx = lake.session().await.expect("session");
        let batches = ctx
            .sql(sql)
            .await
            .expect("sql")
            .collect()
            .await
            .expect("collect");
        let mut out = Vec::new();
        for b in batches {
            let col =
                arrow::compute::cast(b.column(0), &arrow::datatypes::DataType::Utf8).expect("cast");
            let col = col
                .as_any()
                .downcast_ref::<arrow::array::StringArray>()
                .expect("strings");
            for i in 0..col.len() {
                out.push(col.value(i).to_string());
            }
        }
        out
    })
}

/// A combined-format line for client `ip` and `path`, at a fixed time.
pub fn combined(ip: &str, path: &str) -> String {
    format!(
        r#"{ip} - - [01/Oct/2026:10:00:00 +0900] "GET {path} HTTP/1.1" 200 12 "-" "Mozilla/5.0""#
    )
}

pub fn data_dir(dir: &tempfile::TempDir) -> PathBuf {
    dir.path().join("data")
}

/// Every rejected line under `<data>/rejects/`, as the files hold them.
pub fn rejects_text(data: &Path) -> String {
    std::fs::read_dir(data.join("rejects"))
        .map(|dir| {
            dir.flatten()
                .map(|e| std::fs::read_to_string(e.path()).unwrap_or_default())
                .collect()
        })
        .unwrap_or_default()
}
