//! Release-mode speed check of `Matcher::apply`: 200k realistic requests (about 99%
//! benign), with the built-in pack alone and with the Sigma webserver rules added.
//!
//! `cargo run --release -p kansoku-detect --example detect_speed [-- SIGMA_DIR]`

use std::path::PathBuf;
use std::time::Instant;

use kansoku_detect::{LoadOptions, RuleSet, example::from_line};
use kansoku_event::HttpRequest;

const N: usize = 200_000;

fn requests() -> Vec<HttpRequest> {
    let benign_paths = [
        "/",
        "/index.html",
        "/css/site.css?v=3",
        "/js/app.min.js",
        "/images/logo.png",
        "/blog/2024/05/rust-tips.html",
        "/search?q=red+shoes&page=2",
        "/products/12345?color=blue&size=M",
        "/api/v1/items?limit=20&offset=40",
        "/favicon.ico",
        "/login",
        "/cart/add?id=998&qty=1",
        "/news/article-5512.html?utm_source=twitter&utm_medium=social",
        "/static/fonts/inter.woff2",
        "/wp-content/uploads/2023/01/photo.jpg",
        "/about-us",
        "/contact?ref=footer",
    ];
    let attacks = [
        "/item?id=1%27%20UNION%20SELECT%20username,password%20FROM%20users--",
        "/.env",
        "/wp-config.php.bak",
        "/remote/fgt_lang?lang=/../../../..//////////dev/cmdb/sslvpn_websession",
        "/search?q=%3Cscript%3Ealert(1)%3C/script%3E",
        "/cgi-bin/.%2e/.%2e/.%2e/etc/passwd",
        "/?x=${jndi:ldap://x.example/a}",
    ];
    let agents = [
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0",
    ];
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    (0..N)
        .map(|i| {
            let r = next();
            let target = if r % 100 == 0 {
                attacks[(r / 100) as usize % attacks.len()]
            } else {
                benign_paths[(r >> 8) as usize % benign_paths.len()]
            };
            let mut req = from_line(&format!("GET {target} HTTP/1.1"));
            req.ts = i as i64 * 10_000;
            req.src_ip = Some(format!("198.51.100.{}", r % 250));
            req.user_agent = Some(agents[(r >> 16) as usize % agents.len()].to_string());
            req.referer = (r % 3 == 0).then(|| "https://www.example.com/blog/".to_string());
            req.host = Some("www.example.com".to_string());
            req.status = Some(if r % 10 == 0 { 404 } else { 200 });
            req
        })
        .collect()
}

/// CPU time of this thread, nanoseconds (the machine is shared, so wall time lies).
fn thread_cpu_ns() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    text.split_whitespace().next()?.parse().ok()
}

fn measure(name: &str, rules: &RuleSet, reqs: &[HttpRequest]) {
    let mut m = rules.matcher();
    let mut work: Vec<HttpRequest> = reqs.to_vec();
    // One warm-up pass grows the scratch buffers.
    for r in work.iter_mut().take(1000) {
        m.apply(r);
    }
    let mut work2: Vec<HttpRequest> = reqs.to_vec();
    let start = Instant::now();
    let cpu0 = thread_cpu_ns();
    let mut flagged = 0usize;
    for r in work2.iter_mut() {
        m.apply(r);
        flagged += usize::from(!r.categories.is_empty());
    }
    let wall = start.elapsed().as_secs_f64();
    // Prefer on-CPU time when the kernel reports it.
    let secs = match (cpu0, thread_cpu_ns()) {
        (Some(a), Some(b)) if b > a => (b - a) as f64 / 1e9,
        _ => wall,
    };
    println!(
        "{name:<18} rules {:>4}  {:>10.0} requests/s per core  {:>6.0} ns/request (cpu; wall {:.0} ns)  flagged {flagged}",
        rules.rules().len(),
        reqs.len() as f64 / secs,
        secs * 1e9 / reqs.len() as f64,
        wall * 1e9 / reqs.len() as f64
    );
    drop(work);
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let reqs = requests();
    let builtin = RuleSet::builtin()?;
    measure("builtin", &builtin, &reqs);
    let sigma = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/work/shared/data/sigma-web"));
    if sigma.is_dir() {
        let (with_sigma, warnings) = RuleSet::load(&LoadOptions {
            sigma_dirs: vec![sigma],
            ..LoadOptions::default()
        })?;
        println!("(sigma load warnings: {})", warnings.len());
        measure("builtin + sigma", &with_sigma, &reqs);
    } else {
        println!("sigma folder {} missing: skipped", sigma.display());
    }
    Ok(())
}
