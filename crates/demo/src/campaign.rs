//! The planted web events the report must find: a targeted SQL injection + Log4Shell
//! campaign against one tenant, and a Nikto scan against another.

use kansoku_event::Category;

use crate::addr;
use crate::agents;
use crate::attacks;
use crate::clock::{DAY_MS, HOUR_MS, Month};
use crate::request::Request;
use crate::rng::DemoRng;

/// When and how big a planted web event is.
#[derive(Debug, Clone)]
pub(crate) struct Planted {
    /// First instant, Unix ms.
    pub start_ms: i64,
    /// First instant after the event, Unix ms.
    pub end_ms: i64,
    /// Its requests.
    pub requests: Vec<Request>,
}

/// Requests of the campaign at scale 1 (several thousand in two hours).
const CAMPAIGN_REQUESTS: f64 = 4_200.0;
/// Requests of the Nikto scan at scale 1.
const NIKTO_REQUESTS: f64 = 3_400.0;

/// The campaign on the 16th of `month`, 13:00–15:00 JST: a handful of addresses walk the
/// shop's pages injecting SQL into every parameter and JNDI lookups into headers.
pub(crate) fn sqli_log4shell(rng: &mut DemoRng, month: &Month, scale: f64) -> Planted {
    let start_ms = month.start_ms + 15 * DAY_MS + 13 * HOUR_MS;
    let end_ms = start_ms + 2 * HOUR_MS;
    let n = ((CAMPAIGN_REQUESTS * scale) as usize).max(150);
    // One address does most of the work; the others join in.
    let source_weights = [40.0, 20.0, 15.0, 15.0, 10.0];
    let requests = (0..n)
        .map(|_| {
            let src = addr::CAMPAIGN_SOURCES[rng.weighted(&source_weights)];
            // The first ten minutes ramp up, then the rate is steady.
            let ts = if rng.chance(0.05) {
                start_ms + rng.between(0, 10 * 60_000) as i64
            } else {
                start_ms + rng.between(5 * 60_000, 2 * HOUR_MS as u64 - 1) as i64
            };
            campaign_request(rng, src, ts)
        })
        .collect();
    Planted {
        start_ms,
        end_ms,
        requests,
    }
}

const CAMPAIGN_PAGES: [&str; 7] = [
    "/products/{id}",
    "/category/bags",
    "/category/ladies",
    "/search",
    "/news/2026/{n}",
    "/mypage/orders",
    "/api/v1/products/{id}/stock",
];
const CAMPAIGN_PARAMS: [&str; 6] = ["id", "q", "sort", "page", "ref", "item"];

fn campaign_request(rng: &mut DemoRng, src: std::net::Ipv4Addr, ts_ms: i64) -> Request {
    let page = rng
        .pick(&CAMPAIGN_PAGES)
        .replace("{id}", &(1000 + rng.between(0, 8999)).to_string())
        .replace("{n}", &format!("{:03}", rng.between(1, 140)));
    let param = rng.pick(&CAMPAIGN_PARAMS);
    let mut user_agent = agents::browser(rng).to_string();
    let mut referer = None;
    let (cat, target) = if rng.chance(0.55) {
        let probe = attacks::probe(rng, Category::Sqli);
        let payload = probe.target.split_once('=').map(|(_, v)| v).unwrap_or("1");
        (Category::Sqli, format!("{page}?{param}={payload}"))
    } else {
        let jndi = attacks::jndi(rng);
        let target = match rng.weighted(&[6.0, 2.0, 2.0]) {
            0 => {
                user_agent = jndi;
                page
            }
            1 => {
                referer = Some(jndi);
                page
            }
            _ => format!("{page}?{param}={}", attacks::percent_encode(&jndi)),
        };
        (Category::Log4shell, target)
    };
    let (status, bytes) = match rng.weighted(&[70.0, 20.0, 10.0]) {
        0 => (200, 9_000 + rng.between(0, 40_000)),
        1 => (500, 612),
        _ => (404, 3_120),
    };
    Request {
        ts_ms,
        src,
        method: "GET",
        target,
        status,
        bytes,
        referer,
        user_agent,
        body: None,
        attack: Some(cat),
    }
}

/// The Nikto scan on the 7th of `month`, 02:00–03:00 JST, from one host: the first run
/// with Nikto's own agent, the second with a browser's, as current Nikto can send.
pub(crate) fn nikto(rng: &mut DemoRng, month: &Month, scale: f64) -> Planted {
    let start_ms = month.start_ms + 6 * DAY_MS + 2 * HOUR_MS;
    let end_ms = start_ms + HOUR_MS;
    let n = ((NIKTO_REQUESTS * scale) as usize).max(200);
    let half = n / 2;
    let mut requests = Vec::with_capacity(n);
    for i in 0..n {
        let (run, run_start, run_len) = if i < half {
            (i, start_ms, 29 * 60_000)
        } else {
            (i - half, start_ms + 31 * 60_000, 29 * 60_000)
        };
        let run_size = if i < half { half } else { n - half };
        // Requests are evenly paced through each run, as a scanner's are.
        let ts = run_start + (run as i64 * run_len) / run_size as i64 + rng.between(0, 400) as i64;
        let test = 1 + run as u32 * 2;
        let (method, target, status) = nikto_probe(rng, run);
        let user_agent = if i < half {
            agents::nikto(test)
        } else {
            agents::browser(rng).to_string()
        };
        requests.push(Request {
            ts_ms: ts.min(end_ms - 1),
            src: addr::NIKTO_SOURCE,
            method,
            target,
            status,
            bytes: if status == 200 {
                5_400
            } else {
                196 + rng.between(0, 40)
            },
            referer: None,
            user_agent,
            body: None,
            attack: Some(Category::Scanner),
        });
    }
    Planted {
        start_ms,
        end_ms,
        requests,
    }
}

/// Nikto's opening checks, in its order.
const NIKTO_OPENING: [&str; 6] = [
    "/",
    "/robots.txt",
    "/index.php?=PHPB8B5F2A0-3C92-11d3-A3A9-4C7B08C10000",
    "/icons/README",
    "/server-status",
    "/.htaccess",
];

const NIKTO_DIRS: [&str; 16] = [
    "/",
    "/cgi-bin/",
    "/scripts/",
    "/admin/",
    "/phpmyadmin/",
    "/manual/",
    "/test/",
    "/backup/",
    "/examples/",
    "/servlet/",
    "/_vti_bin/",
    "/iisadmin/",
    "/docs/",
    "/cgi-sys/",
    "/webadmin/",
    "/includes/",
];

const NIKTO_FILES: [&str; 24] = [
    "test-cgi",
    "printenv",
    "phpinfo.php",
    "login.php",
    "config.php",
    "web.config",
    "admin.php",
    "index.bak",
    "shtml.exe",
    "SnoopServlet",
    "htsearch",
    "formmail.pl",
    "guestbook.cgi",
    "php.ini",
    "install.php",
    "readme.txt",
    "passwd.txt",
    "db.inc",
    "test.jsp",
    "upload.asp",
    "cart32.exe",
    "view-source",
    "aexp2.htr",
    "nph-test-cgi",
];

const NIKTO_EXTRA: [&str; 8] = [
    "/scripts/..%c0%af../winnt/system32/cmd.exe?/c+dir",
    "/cgi-bin/.%2e/.%2e/.%2e/.%2e/etc/passwd",
    "/phpmyadmin/index.php?pma_username=&pma_password=",
    "/?mod=%3Cscript%3Ealert(document.cookie)%3C/script%3E&op=browse",
    "/.git/HEAD",
    "/.env",
    "/wp-config.php.bak",
    "/console/login/LoginForm.jsp",
];

const NIKTO_EXT: [&str; 9] = [
    "cfm", "asp", "aspx", "php", "jsp", "pl", "cgi", "html", "sh",
];

fn nikto_probe(rng: &mut DemoRng, index: usize) -> (&'static str, String, u16) {
    if let Some(p) = NIKTO_OPENING.get(index) {
        let status = match *p {
            "/" | "/icons/README" => 200,
            "/server-status" | "/.htaccess" => 403,
            _ => 404,
        };
        return ("GET", p.to_string(), status);
    }
    match rng.weighted(&[70.0, 10.0, 12.0, 3.0, 5.0]) {
        0 => {
            let dir = rng.pick(&NIKTO_DIRS);
            let file = rng.pick(&NIKTO_FILES);
            let status = if dir == "/manual/" && rng.chance(0.3) {
                200
            } else {
                404
            };
            ("GET", format!("{dir}{file}"), status)
        }
        // Nikto's checks for how the server answers files that cannot exist.
        1 => {
            let ext = rng.pick(&NIKTO_EXT);
            ("GET", format!("/{}.{ext}", rng.alnum(8)), 404)
        }
        2 => {
            let p = rng.pick(&NIKTO_EXTRA);
            let status = if p.starts_with("/.") { 403 } else { 404 };
            ("GET", p.to_string(), status)
        }
        3 => {
            let method = rng.pick(&["OPTIONS", "TRACE", "PROPFIND", "TRACK", "DEBUG"]);
            (method, "/".into(), 405)
        }
        _ => ("GET", rng.pick(&NIKTO_DIRS).to_string(), 404),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock;
    use chrono::NaiveDate;

    fn months() -> Vec<Month> {
        clock::months(NaiveDate::from_ymd_opt(2026, 8, 1).expect("date"), 3)
    }

    #[test]
    fn campaign_stays_inside_its_window_on_its_day() {
        let m = months();
        let mut rng = DemoRng::stream(1, "c");
        let p = sqli_log4shell(&mut rng, &m[1], 1.0);
        assert_eq!(clock::clf_time(p.start_ms), "16/Sep/2026:13:00:00 +0900");
        assert!(p.requests.len() >= 4_000);
        assert!(
            p.requests
                .iter()
                .all(|r| (p.start_ms..p.end_ms).contains(&r.ts_ms))
        );
        let sqli = p
            .requests
            .iter()
            .filter(|r| r.attack == Some(Category::Sqli))
            .count();
        assert!(sqli > p.requests.len() / 3 && sqli < p.requests.len() * 2 / 3);
    }

    #[test]
    fn nikto_scan_is_half_nikto_agent_half_browser() {
        let m = months();
        let mut rng = DemoRng::stream(1, "n");
        let p = nikto(&mut rng, &m[2], 1.0);
        assert_eq!(clock::clf_time(p.start_ms), "07/Oct/2026:02:00:00 +0900");
        let by_agent = p
            .requests
            .iter()
            .filter(|r| r.user_agent.contains("Nikto/2.1.6"))
            .count();
        assert_eq!(by_agent, p.requests.len() / 2);
        let not_found = p.requests.iter().filter(|r| r.status == 404).count();
        assert!(not_found > p.requests.len() * 3 / 4);
        assert!(
            p.requests
                .iter()
                .all(|r| (p.start_ms..p.end_ms).contains(&r.ts_ms))
        );
    }
}
