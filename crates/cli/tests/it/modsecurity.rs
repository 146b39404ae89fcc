//! kansoku against ModSecurity itself: Debian's Apache with `mod_security2` and
//! Debian's Core Rule Set, in DetectionOnly mode on loopback, receives every request; kansoku
//! then reads nothing but the access log Apache wrote, and must reach ModSecurity's verdict
//! (inbound anomaly score at the threshold: rule 949110) with the same CRS rules.
//!
//! Requests: a fixture of log lines (excerpts of the corpora below) always; with
//! `../shared/data`, every libinjection SQLi, XSS and false-positive payload placed in a
//! query parameter (as `kansoku eval` places them) and the 10,000 requests of the real
//! elastic Apache log, replayed with their method, target, protocol, Referer and User-Agent.
//!
//! Expected differences, counted apart and never forgiven in bulk: a rule ModSecurity could
//! not finish on a request (its PCRE match limit, logged as an execution error) may match
//! in kansoku, whose regexes run in linear time; requests Apache refused before ModSecurity
//! saw them (400, 414) are left out.

use std::collections::BTreeSet;
use std::io::{Read, Seek, SeekFrom, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::{free_port, run, shared_data, stderr, stdout, system_program, write};

const MODULES: &str = "/usr/lib/apache2/modules";
const CRS_LOAD: &str = "/usr/share/modsecurity-crs/owasp-crs.load";
/// CRS's rule that blocks on the inbound anomaly score.
const BLOCKING: &str = "949110";

/// One request as a log line shows it.
struct Req {
    method: String,
    target: String,
    protocol: String,
    referer: Option<String>,
    user_agent: Option<String>,
    /// Where it came from, for the report.
    origin: String,
}

/// What ModSecurity said of one request: rules that matched, rules it could not finish.
#[derive(Default)]
struct Said {
    matched: BTreeSet<String>,
    unfinished: BTreeSet<String>,
}

struct Apache {
    child: Child,
    port: u16,
    error_log: PathBuf,
    access_log: PathBuf,
}

impl Drop for Apache {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Apache in one process (`-X`) with ModSecurity and Debian's CRS as installed.
fn start_apache(dir: &Path) -> Apache {
    let root = dir.join("apache");
    for sub in ["htdocs", "msdata", "mstmp"] {
        std::fs::create_dir_all(root.join(sub)).expect("apache dirs");
    }
    // Apache started as root runs its child as `nobody`, which writes ModSecurity's files.
    for sub in ["msdata", "mstmp"] {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(root.join(sub), std::fs::Permissions::from_mode(0o777))
            .expect("chmod");
    }
    let port = free_port();
    let r = root.display();
    let conf = write(
        &root,
        "httpd.conf",
        &format!(
            r#"ServerRoot {r}
Listen 127.0.0.1:{port}
ServerName localhost
PidFile {r}/httpd.pid
ErrorLog {r}/error.log
LogLevel warn
LoadModule mpm_prefork_module {MODULES}/mod_mpm_prefork.so
LoadModule authz_core_module {MODULES}/mod_authz_core.so
LoadModule unique_id_module {MODULES}/mod_unique_id.so
LoadModule security2_module {MODULES}/mod_security2.so
User nobody
Group nogroup
DocumentRoot {r}/htdocs
LogFormat "%h %l %u %t \"%r\" %>s %b \"%{{Referer}}i\" \"%{{User-Agent}}i\"" combined
CustomLog {r}/access.log combined
SecRuleEngine DetectionOnly
SecRequestBodyAccess On
SecDataDir {r}/msdata
SecTmpDir {r}/mstmp
SecAuditEngine Off
Include {CRS_LOAD}
"#
        ),
    );
    let child = Command::new(system_program("apache2"))
        .arg("-X")
        .arg("-f")
        .arg(&conf)
        .env("APACHE_RUN_DIR", &root)
        .stdout(Stdio::null())
        .stderr(Stdio::from(
            std::fs::File::create(root.join("stderr.log")).expect("stderr log"),
        ))
        .spawn()
        .expect("apache2 runs (Debian packages apache2 and libapache2-mod-security2; .ci/run installs them)");
    let mut apache = Apache {
        child,
        port,
        error_log: root.join("error.log"),
        access_log: root.join("access.log"),
    };
    let start = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        if let Ok(Some(status)) = apache.child.try_wait() {
            let err = std::fs::read_to_string(root.join("stderr.log")).unwrap_or_default();
            panic!("apache2 exited early ({status}): {err}");
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "apache2 not listening on {port}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    apache
}

/// Sends one request and reads the answer to its end (Apache closes the connection).
fn send(port: u16, r: &Req) {
    let mut head = format!(
        "{} {} {}\r\nHost: localhost\r\nAccept: */*\r\nConnection: close\r\n",
        r.method, r.target, r.protocol
    );
    if let Some(ua) = &r.user_agent {
        head.push_str(&format!("User-Agent: {ua}\r\n"));
    }
    if let Some(referer) = &r.referer {
        head.push_str(&format!("Referer: {referer}\r\n"));
    }
    head.push_str("\r\n");
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect to apache");
    s.set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    s.write_all(head.as_bytes()).expect("send request");
    let mut sink = Vec::new();
    s.read_to_end(&mut sink).expect("read answer");
}

/// ModSecurity's lines appended to the error log since `offset`.
fn said_since(file: &mut std::fs::File, offset: &mut u64) -> Said {
    file.seek(SeekFrom::Start(*offset)).expect("seek");
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes).expect("read error log");
    *offset += bytes.len() as u64;
    let text = String::from_utf8_lossy(&bytes);
    let mut said = Said::default();
    for line in text.lines() {
        let Some(id) = line
            .split("[id \"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
        else {
            continue;
        };
        if line.contains("ModSecurity: Warning.") {
            said.matched.insert(id.to_string());
        } else if line.contains("Execution error - PCRE limits exceeded") {
            said.unfinished.insert(id.to_string());
        }
    }
    said
}

/// The request of a combined-format line: `"METHOD TARGET PROTOCOL" status size "referer" "ua"`.
fn from_log_line(line: &str, origin: &str) -> Option<Req> {
    let (_, rest) = line.split_once(" \"")?;
    let (request, rest) = rest.split_once("\" ")?;
    let mut parts = request.split(' ');
    let (method, target, protocol) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || !target.starts_with('/') {
        return None;
    }
    let quoted: Vec<&str> = rest.split('"').collect();
    let field = |i: usize| {
        quoted
            .get(i)
            .filter(|v| !v.is_empty() && **v != "-")
            .map(|v| v.to_string())
    };
    Some(Req {
        method: method.into(),
        target: target.into(),
        protocol: protocol.into(),
        referer: field(1),
        user_agent: field(3),
        origin: origin.into(),
    })
}

/// A payload in a query parameter, percent-encoded as `kansoku eval` encodes it.
fn payload_request(payload: &str, origin: &str) -> Req {
    let mut q = String::new();
    for b in payload.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            q.push(b as char);
        } else {
            q.push_str(&format!("%{b:02X}"));
        }
    }
    Req {
        method: "GET".into(),
        target: format!("/search?lang=en&q={q}"),
        protocol: "HTTP/1.1".into(),
        referer: None,
        user_agent: Some(
            "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0".into(),
        ),
        origin: origin.into(),
    }
}

fn requests() -> Vec<Req> {
    let fixture = include_str!("../fixtures/modsecurity-requests.log");
    let mut reqs: Vec<Req> = fixture
        .lines()
        .filter(|l| !l.is_empty())
        .map(|l| from_log_line(l, "fixture").expect("fixture lines are combined-format"))
        .collect();
    if let Some(lib) = shared_data("payloads/libinjection") {
        let mut files: Vec<PathBuf> = std::fs::read_dir(&lib)
            .expect("payload folder")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
                name == "false_positives.txt"
                    || (name.ends_with(".txt")
                        && (name.starts_with("sqli-") || name.starts_with("xss-")))
            })
            .collect();
        files.sort();
        for f in files {
            let name = f
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or("")
                .to_string();
            let bytes = std::fs::read(&f).expect("payload file");
            for line in String::from_utf8_lossy(&bytes).lines() {
                let p = line.trim_end_matches('\r');
                if !p.trim().is_empty() && !p.starts_with('#') {
                    reqs.push(payload_request(p, &name));
                }
            }
        }
    }
    if let Some(log) = shared_data("access-logs/elastic-apache_logs.log") {
        let bytes = std::fs::read(&log).expect("elastic log");
        reqs.extend(
            String::from_utf8_lossy(&bytes)
                .lines()
                .filter_map(|l| from_log_line(l, "elastic apache log")),
        );
    }
    reqs
}

/// CRS rule ids of a verdict, without the blocking and correlation rules ModSecurity logs
/// beside the rules that scored (kansoku keeps only those).
fn scoring(ids: impl IntoIterator<Item = String>) -> BTreeSet<String> {
    ids.into_iter()
        .filter(|id| !(id.starts_with("949") || id.starts_with("959") || id.starts_with("98")))
        .collect()
}

#[test]
fn kansoku_on_apaches_log_reaches_modsecuritys_verdicts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let reqs = requests();
    let apache = start_apache(dir.path());
    let mut errors = std::fs::File::open(&apache.error_log).expect("error log");
    let mut offset = errors.seek(SeekFrom::End(0)).expect("seek");
    let said: Vec<Said> = reqs
        .iter()
        .map(|r| {
            send(apache.port, r);
            said_since(&mut errors, &mut offset)
        })
        .collect();
    let access_log = apache.access_log.clone();
    drop(apache);

    let data = dir.path().join("data");
    let o = run(&data, &["ingest", access_log.to_str().expect("utf-8 path")]);
    assert!(o.status.success(), "ingest: {}", stderr(&o));
    let o = run(
        &data,
        &[
            "sql",
            "--format",
            "ndjson",
            "SELECT source_line, status, rule_ids FROM http ORDER BY source_line",
        ],
    );
    assert!(o.status.success(), "sql: {}", stderr(&o));
    let rows: Vec<serde_json::Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).expect("ndjson row"))
        .collect();
    assert_eq!(
        rows.len(),
        reqs.len(),
        "one access log line per request sent"
    );

    let (mut compared, mut refused, mut both, mut same_ids, mut explained) = (0, 0, 0, 0, 0);
    let mut verdict_differs = Vec::new();
    let mut ids_differ = Vec::new();
    for (i, ((req, said), row)) in reqs.iter().zip(&said).zip(&rows).enumerate() {
        assert_eq!(
            row["source_line"].as_u64(),
            Some(i as u64 + 1),
            "line order"
        );
        let status = row["status"].as_u64().unwrap_or(0);
        if (status == 400 || status == 414) && said.matched.is_empty() {
            refused += 1;
            continue;
        }
        compared += 1;
        let kansoku: BTreeSet<String> = row["rule_ids"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str()?.strip_prefix("crs-").map(str::to_string))
            .collect();
        let blocked = said.matched.contains(BLOCKING);
        let modsec = scoring(said.matched.iter().cloned());
        let differ = |what: &str| {
            format!(
                "{} #{}: {} {}\n    ModSecurity {:?}, kansoku {:?}{}",
                req.origin,
                i + 1,
                req.method,
                req.target.chars().take(160).collect::<String>(),
                modsec,
                kansoku,
                if said.unfinished.is_empty() {
                    String::new()
                } else {
                    format!(
                        ", ModSecurity could not finish {:?} ({what})",
                        said.unfinished
                    )
                }
            )
        };
        let flagged = !kansoku.is_empty();
        if !blocked && !flagged {
            continue;
        }
        if blocked && flagged {
            both += 1;
        }
        if blocked == flagged && modsec == kansoku {
            same_ids += 1;
            continue;
        }
        // A rule ModSecurity gave up on may match in kansoku: when that is the only
        // difference, it is counted apart.
        let missing = modsec.difference(&kansoku).count();
        if missing == 0
            && kansoku
                .difference(&modsec)
                .all(|id| said.unfinished.contains(id))
        {
            explained += 1;
        } else if blocked != flagged {
            verdict_differs.push(differ("verdict"));
        } else {
            ids_differ.push(differ("rule ids"));
        }
    }
    eprintln!(
        "ModSecurity peer: {} requests sent, {refused} refused by Apache before ModSecurity, \
         {compared} compared; blocked by both {both} (same CRS rule ids {same_ids}), verdict \
         differs on {}, rule ids differ on {}, {explained} differ only by rules ModSecurity \
         could not finish (PCRE limit)",
        reqs.len(),
        verdict_differs.len(),
        ids_differ.len()
    );
    for d in verdict_differs.iter().chain(&ids_differ).take(40) {
        eprintln!("  {d}");
    }
    assert!(compared > 0 && both > 0, "nothing compared");
    // Ceilings per ten thousand requests compared. Measured 2026-12-08 on the whole set
    // (29,274 compared): verdicts differ on 2, rule ids on 17, every one of them a
    // libinjection verdict (942100, 941100) where the C library ModSecurity 2.9.7 bundles
    // and libinjectionrs disagree (docs/crs-engine.md). On the fixture alone: none allowed.
    let ceiling = |per_10k: usize| compared * per_10k / 10_000;
    assert!(
        verdict_differs.len() <= ceiling(2),
        "verdicts differ on {} of {compared} requests (ceiling {})",
        verdict_differs.len(),
        ceiling(2)
    );
    assert!(
        ids_differ.len() <= ceiling(8),
        "rule ids differ on {} of {compared} requests (ceiling {})",
        ids_differ.len(),
        ceiling(8)
    );
}
