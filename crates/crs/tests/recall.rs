//! Verdicts remembered across requests (the same request, or a request of a known shape
//! whose values pass what an earlier walk read of them) are the verdicts a fresh walk
//! gives, with Debian's CRS on real access-log lines and attacks nobody here wrote: the
//! repository's fixture, and with `../shared/data` the real elastic log and libinjection's
//! payloads. Needs Debian's
//! `modsecurity-crs`; without it the test says so and passes, unless
//! `KANSOKU_REQUIRE_SHARED=1` says it must be there.

use std::path::{Path, PathBuf};

use kansoku_crs::{Crs, LoadOptions, Request, Scratch};

fn read(f: &Path) -> String {
    std::fs::read_to_string(f).unwrap_or_else(|e| panic!("{}: {e}", f.display()))
}

/// The fixture's lines; with `../shared/data`, the elastic log's, and a quarter of
/// libinjection's payloads (attacks and false positives) in one query parameter of one
/// page, so that most requests share a shape and differ in the value rules read.
fn lines() -> Vec<String> {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut lines: Vec<String> = read(&here.join("../cli/tests/fixtures/modsecurity-requests.log"))
        .lines()
        .map(str::to_owned)
        .collect();
    let Some(shared) = [
        here.join("../../../shared/data"),
        PathBuf::from("/work/shared/data"),
    ]
    .into_iter()
    .find(|d| d.join("access-logs/elastic-apache_logs.log").is_file()) else {
        assert!(
            std::env::var_os("KANSOKU_REQUIRE_SHARED").is_none(),
            "KANSOKU_REQUIRE_SHARED is set but ../shared/data is missing"
        );
        return lines;
    };
    lines.extend(
        read(&shared.join("access-logs/elastic-apache_logs.log"))
            .lines()
            .map(str::to_owned),
    );
    let dir = shared.join("payloads/libinjection");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    files.sort();
    for f in files {
        for payload in read(&f).lines().step_by(4) {
            let q: String = payload
                .bytes()
                .map(|b| {
                    if b.is_ascii_alphanumeric() {
                        char::from(b).to_string()
                    } else {
                        format!("%{b:02X}")
                    }
                })
                .collect();
            lines.push(format!(
                "203.0.113.9 - - [01/Jan/2026:00:00:00 +0000] \"GET /search?lang=en&q={q} \
                 HTTP/1.1\" 200 512 \"-\" \"Mozilla/5.0 (X11; Linux x86_64)\""
            ));
        }
    }
    lines
}

/// (client, method, target, protocol, status, referer, user agent) of a combined line.
fn fields(line: &str) -> Option<[&str; 7]> {
    let (client, rest) = line.split_once(' ')?;
    let (_, rest) = rest.split_once("] \"")?;
    let (request, rest) = rest.split_once("\" ")?;
    let mut r = request.splitn(3, ' ');
    let (method, target, protocol) = (r.next()?, r.next()?, r.next().unwrap_or(""));
    let (status, rest) = rest.split_once(' ')?;
    let mut quoted = rest.split('"').skip(1).step_by(2);
    let referer = quoted.next().unwrap_or("-");
    let agent = quoted.next().unwrap_or("-");
    Some([client, method, target, protocol, status, referer, agent])
}

#[test]
fn remembered_verdicts_are_the_verdicts_of_a_fresh_walk_on_real_lines() {
    let rules = Path::new(kansoku_crs::DEBIAN_CRS);
    if !rules.join("rules").is_dir() {
        assert!(
            std::env::var_os("KANSOKU_REQUIRE_SHARED").is_none(),
            "KANSOKU_REQUIRE_SHARED is set but {} is missing",
            rules.display()
        );
        eprintln!("skipped: Debian's modsecurity-crs is not installed");
        return;
    }
    let crs = Crs::load(rules, &LoadOptions::default()).expect("Debian's CRS loads");
    let lines = lines();
    let mut shared = Scratch::default();
    let (mut compared, mut attacks) = (0usize, 0usize);
    for line in &lines {
        let Some([client, method, target, protocol, status, referer, agent]) = fields(line) else {
            continue;
        };
        let mut headers: Vec<(&[u8], &[u8])> = vec![(b"Host", b"www.example.com")];
        for (name, value) in [("Referer", referer), ("User-Agent", agent)] {
            if value != "-" {
                headers.push((name.as_bytes(), value.as_bytes()));
            }
        }
        let req = Request {
            method: method.as_bytes(),
            uri: target.as_bytes(),
            protocol: protocol.as_bytes(),
            headers,
            body: None,
            remote_addr: client.as_bytes(),
            status: status.parse().ok(),
        };
        let remembered = crs.evaluate(&req, &mut shared);
        let fresh = crs.evaluate(&req, &mut Scratch::default());
        assert_eq!(remembered, fresh, "{line}");
        compared += 1;
        attacks += usize::from(fresh.attack);
    }
    eprintln!("{compared} requests, {attacks} attacks: remembered = fresh");
    assert!(
        compared >= 50 && attacks > 0,
        "{compared} compared, {attacks} attacks"
    );
}
