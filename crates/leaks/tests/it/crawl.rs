//! The crawler through a real SOCKS5 hop: a local HTTP server serves fixture leak sites
//! (one paginated, one whose layout changed) and a SOCKS5 server started here relays
//! to it, refusing one destination as unreachable. Both listen on 127.0.0.1 with
//! ephemeral ports; nothing leaves loopback. The proxy records the names it was asked
//! for, which shows the crawler resolved nothing itself (SOCKS5h).

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use kansoku_lake::Lake;
use kansoku_leaks::crawl::{CrawlOptions, SiteProblem, SitesFile, crawl};
use kansoku_leaks::store::{LeakStore, sha256_hex};

use crate::offline;

/// Stops the servers' accept loops when dropped (they also stop after a minute).
struct Servers {
    stop: Arc<AtomicBool>,
    http: SocketAddr,
    socks: SocketAddr,
    asked: Arc<Mutex<Vec<(u8, String)>>>,
    pages: Arc<Mutex<HashMap<(String, String), String>>>,
}

impl Drop for Servers {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

fn accept_loop(
    listener: TcpListener,
    stop: Arc<AtomicBool>,
    handle: impl Fn(TcpStream) + Send + Sync + 'static,
) {
    listener.set_nonblocking(true).expect("nonblocking");
    let handle = Arc::new(handle);
    thread::spawn(move || {
        let deadline = Instant::now() + Duration::from_secs(60);
        while !stop.load(Ordering::SeqCst) && Instant::now() < deadline {
            match listener.accept() {
                Ok((s, _)) => {
                    let _ = s.set_nonblocking(false);
                    let h = Arc::clone(&handle);
                    thread::spawn(move || h(s));
                }
                Err(_) => thread::sleep(Duration::from_millis(5)),
            }
        }
    });
}

fn serve_http(mut s: TcpStream, pages: &Mutex<HashMap<(String, String), String>>) {
    let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
    let mut reader = BufReader::new(s.try_clone().expect("clone"));
    let mut line = String::new();
    if reader.read_line(&mut line).is_err() {
        return;
    }
    let path = line.split_whitespace().nth(1).unwrap_or("/").to_string();
    let mut host = String::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).unwrap_or(0) == 0 || h.trim().is_empty() {
            break;
        }
        if let Some(v) = h.strip_prefix("Host:").or_else(|| h.strip_prefix("host:")) {
            host = v.trim().to_string();
        }
    }
    let body = pages.lock().expect("pages").get(&(host, path)).cloned();
    let (status, body) = match body {
        Some(b) => ("200 OK", b),
        None => ("404 Not Found", "not here".to_string()),
    };
    let _ = write!(
        s,
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = s.flush();
}

/// A SOCKS5 server (RFC 1928, no authentication, CONNECT only) that relays every
/// destination to the HTTP server, except `down.onion`, answered "host unreachable".
fn serve_socks(mut c: TcpStream, http: SocketAddr, asked: &Mutex<Vec<(u8, String)>>) {
    let _ = c.set_read_timeout(Some(Duration::from_secs(5)));
    let mut head = [0u8; 2];
    if c.read_exact(&mut head).is_err() || head[0] != 5 {
        return;
    }
    let mut methods = vec![0u8; usize::from(head[1])];
    if c.read_exact(&mut methods).is_err() || c.write_all(&[5, 0]).is_err() {
        return;
    }
    let mut req = [0u8; 4];
    if c.read_exact(&mut req).is_err() || req[1] != 1 {
        return;
    }
    let name = match req[3] {
        3 => {
            let mut len = [0u8; 1];
            let _ = c.read_exact(&mut len);
            let mut n = vec![0u8; usize::from(len[0])];
            let _ = c.read_exact(&mut n);
            String::from_utf8_lossy(&n).into_owned()
        }
        1 => {
            let mut a = [0u8; 4];
            let _ = c.read_exact(&mut a);
            format!("{}.{}.{}.{}", a[0], a[1], a[2], a[3])
        }
        _ => return,
    };
    let mut port = [0u8; 2];
    let _ = c.read_exact(&mut port);
    asked.lock().expect("asked").push((req[3], name.clone()));
    if name == "down.onion" {
        let _ = c.write_all(&[5, 4, 0, 1, 0, 0, 0, 0, 0, 0]);
        return;
    }
    let Ok(upstream) = TcpStream::connect(http) else {
        let _ = c.write_all(&[5, 5, 0, 1, 0, 0, 0, 0, 0, 0]);
        return;
    };
    let p = http.port().to_be_bytes();
    if c.write_all(&[5, 0, 0, 1, 127, 0, 0, 1, p[0], p[1]])
        .is_err()
    {
        return;
    }
    let _ = c.set_read_timeout(None);
    let (mut c2, mut u2) = (
        c.try_clone().expect("clone"),
        upstream.try_clone().expect("clone"),
    );
    let (mut c1, mut u1) = (c, upstream);
    let t = thread::spawn(move || {
        let _ = std::io::copy(&mut c2, &mut u2);
        let _ = u2.shutdown(Shutdown::Write);
    });
    let _ = std::io::copy(&mut u1, &mut c1);
    let _ = c1.shutdown(Shutdown::Both);
    let _ = t.join();
}

fn start() -> Servers {
    let stop = Arc::new(AtomicBool::new(false));
    let pages: Arc<Mutex<HashMap<(String, String), String>>> = Arc::default();
    let asked: Arc<Mutex<Vec<(u8, String)>>> = Arc::default();
    let http = TcpListener::bind("127.0.0.1:0").expect("bind http");
    let http_addr = http.local_addr().expect("addr");
    let p = Arc::clone(&pages);
    accept_loop(http, Arc::clone(&stop), move |s| serve_http(s, &p));
    let socks = TcpListener::bind("127.0.0.1:0").expect("bind socks");
    let socks_addr = socks.local_addr().expect("addr");
    let a = Arc::clone(&asked);
    accept_loop(socks, Arc::clone(&stop), move |s| {
        serve_socks(s, http_addr, &a)
    });
    Servers {
        stop,
        http: http_addr,
        socks: socks_addr,
        asked,
        pages,
    }
}

fn post(title: &str, date: &str, href: &str) -> String {
    format!(
        r#"<div class="post"><h3 class="victim">{title}</h3><span class="date">{date}</span><p class="desc">data of {title}</p><a class="open" href="{href}">open</a></div>"#
    )
}

fn page(posts: &[String], next: Option<&str>) -> String {
    let next = next.map_or_else(String::new, |n| {
        format!(r#"<a class="next" href="{n}">next</a>"#)
    });
    format!(
        "<html><body><main>{}</main>{next}</body></html>",
        posts.concat()
    )
}

const SITES: &str = r#"
[[site]]
name = "lockbit3"
url = "http://alpha.onion/"
entry = "div.post"
title = ".victim"
date = ".date"
description = ".desc"
link = "a.open"
next = "a.next"

[[site]]
name = "akira"
url = "http://beta.onion/"
entry = "div.post"
title = ".victim"

[[site]]
name = "play"
url = "http://down.onion/"
entry = "div.post"
title = ".victim"
"#;

fn options(s: &Servers) -> CrawlOptions {
    CrawlOptions {
        proxy: format!("socks5h://{}", s.socks),
        timeout: Duration::from_secs(10),
        retries: 2,
        backoff: Duration::from_millis(20),
        delay: Duration::from_millis(20),
        now: Some(1_700_000_000_000_000),
        ..CrawlOptions::default()
    }
}

#[test]
fn crawl_through_socks5h_with_pagination_a_changed_layout_and_an_unreachable_site() {
    let servers = start();
    assert!(servers.http.ip().is_loopback() && servers.socks.ip().is_loopback());
    let alpha = [
        page(
            &[
                post("example-kogyo.co.jp", "2023-11-10", "/post/1"),
                post("サンプル商事株式会社", "2023-11-09", "/post/2"),
            ],
            Some("/page/2"),
        ),
        page(
            &[post("sample-trading.de", "2023-11-08", "post/3")],
            Some("/page/3"),
        ),
        page(&[post("demo-metal.com", "2023-11-01", "/post/4")], None),
    ];
    let beta = "<html><body><ul><li class=\"entry\"><b>moved</b></li></ul></body></html>";
    {
        let mut pages = servers.pages.lock().expect("pages");
        for (path, body) in ["/", "/page/2", "/page/3"].iter().zip(&alpha) {
            pages.insert(("alpha.onion".into(), path.to_string()), body.clone());
        }
        pages.insert(("beta.onion".into(), "/".into()), beta.into());
    }

    let dir = tempfile::tempdir().expect("tempdir");
    let lake = Lake::open(dir.path()).expect("lake");
    let store = LeakStore::new(&lake);
    let sites = SitesFile::parse("sites.toml", SITES).expect("sites");
    let lock = store.lock().expect("lock");
    let report = crawl(&store, &lock, &sites, &options(&servers), &offline()).expect("crawl");

    let a = &report.sites[0];
    assert_eq!(a.problem, None);
    assert_eq!((a.pages.len(), a.posts_found, a.posts_new), (3, 4, 4));
    for (snap, body) in a.pages.iter().zip(&alpha) {
        assert_eq!(snap.sha256, sha256_hex(body.as_bytes()));
        // Kept inert: no name a browser or file manager opens as a page.
        assert_eq!(
            std::path::Path::new(&snap.path)
                .extension()
                .and_then(|e| e.to_str()),
            Some("raw")
        );
        assert_eq!(
            std::fs::read_to_string(&snap.path).expect("snapshot"),
            *body
        );
    }
    assert_eq!(a.pages[1].url, "http://alpha.onion/page/2");
    let index = std::fs::read_to_string(store.dir().join("snapshots/index.ndjson")).expect("index");
    assert_eq!(
        index.lines().count(),
        4,
        "three alpha pages and beta's page"
    );

    match &report.sites[1].problem {
        Some(SiteProblem::LayoutChanged { url, detail }) => {
            assert_eq!(url, "http://beta.onion/");
            assert!(detail.contains("div.post"), "{detail}");
        }
        other => panic!("beta: {other:?}"),
    }
    assert_eq!(report.sites[1].pages[0].sha256, sha256_hex(beta.as_bytes()));
    match &report.sites[2].problem {
        Some(SiteProblem::Unreachable { url, attempts, .. }) => {
            assert_eq!(url, "http://down.onion/");
            assert_eq!(*attempts, 3, "one try and two retries");
        }
        other => panic!("down: {other:?}"),
    }

    // Names went to the proxy as names (SOCKS address type 3), never resolved here.
    let asked = servers.asked.lock().expect("asked").clone();
    assert!(asked.iter().all(|(atyp, _)| *atyp == 3), "{asked:?}");
    assert_eq!(asked.iter().filter(|(_, n)| n == "down.onion").count(), 3);

    let rebuilt = report
        .rebuild
        .as_ref()
        .expect("new posts rebuild the table");
    let posts = &rebuilt.result.posts;
    assert_eq!(posts.len(), 4);
    let jp: Vec<&str> = posts
        .iter()
        .filter(|p| p.country.as_deref() == Some("JP"))
        .map(|p| p.victim.as_str())
        .collect();
    assert_eq!(jp.len(), 2, "{jp:?}");
    assert!(
        posts
            .iter()
            .all(|p| p.group == "LockBit" && p.source == "crawl:lockbit3")
    );
    let third = posts
        .iter()
        .find(|p| p.victim == "sample-trading.de")
        .expect("post 3");
    assert_eq!(
        third.post_url.as_deref(),
        Some("http://alpha.onion/page/post/3")
    );
    assert_eq!(
        third.published,
        kansoku_leaks::feed::parse_time("2023-11-08")
    );
    let files = lake.files("leak").expect("files");
    assert!(!files.is_empty());

    // A second crawl finds nothing new; a new post on the front page is the only addition.
    let again = crawl(&store, &lock, &sites, &options(&servers), &offline()).expect("crawl");
    assert_eq!(again.sites[0].posts_new, 0);
    assert!(again.rebuild.is_none());
    assert_eq!(lake.files("leak").expect("files"), files);
    servers.pages.lock().expect("pages").insert(
        ("alpha.onion".into(), "/".into()),
        page(
            &[
                post("new-victim.fr", "2023-11-12", "/post/9"),
                post("example-kogyo.co.jp", "2023-11-10", "/post/1"),
            ],
            Some("/page/2"),
        ),
    );
    let third_run = crawl(&store, &lock, &sites, &options(&servers), &offline()).expect("crawl");
    assert_eq!(third_run.sites[0].posts_new, 1);
    let posts = &third_run.rebuild.as_ref().expect("rebuild").result.posts;
    assert_eq!(posts.len(), 5);
    assert_eq!(
        posts.iter().map(|p| p.reposts).sum::<u32>(),
        0,
        "a post seen again is no repost"
    );
}
