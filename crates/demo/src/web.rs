//! Ordinary web traffic: visitors browsing each tenant's pages with the seasonality of
//! Japanese users, and the steady background of attacks every public site receives.

use kansoku_event::Category;

use crate::addr::{self, AttackerPool};
use crate::agents;
use crate::attacks::{self, Probe};
use crate::clock::{HOUR_MS, Month};
use crate::request::Request;
use crate::rng::DemoRng;
use crate::sites::{LogKind, Pages, Site};
use crate::traffic;

/// Background attacks per hour across all tenants, at scale 1.
pub(crate) const ATTACKS_PER_HOUR: f64 = 5.0;

/// Share of SQL injection, FortiOS and WordPress-config probes sent through Tor.
const TOR_SHARE: f64 = 0.15;

/// Ordinary requests of `site` in `month`, in no particular order.
pub(crate) fn ordinary(rng: &mut DemoRng, site: &Site, month: &Month, scale: f64) -> Vec<Request> {
    let mut out = Vec::new();
    if site.pages == Pages::None {
        return out;
    }
    let per_hour = site.pageviews_per_day * scale / 24.0 / site.diurnal.mean_weight();
    let visitors = ((f64::from(addr::VISITORS) * scale.sqrt()) as usize).max(50);
    for hour in month.hours() {
        let n = traffic::poisson(rng, per_hour * site.diurnal.weight(hour));
        for _ in 0..n {
            let visitor = site.visitor_offset + rng.skewed(visitors) as u32;
            let ts = traffic::within_hour(rng, hour);
            pageview(rng, site, visitor, ts, &mut out);
        }
    }
    out
}

/// One page view: the page, then the assets a browser fetches for it.
fn pageview(rng: &mut DemoRng, site: &Site, visitor: u32, ts: i64, out: &mut Vec<Request>) {
    let page = match site.pages {
        Pages::Shop => shop_page(rng),
        Pages::Corporate => corporate_page(rng),
        Pages::Portal => portal_page(rng),
        Pages::None => return,
    };
    let src = addr::visitor(visitor);
    let user_agent = agents::browser_of(visitor).to_string();
    let page_url = format!("https://{}{}", site.host, page.target);
    let referer = match rng.weighted(&[35.0, 45.0, 15.0, 5.0]) {
        0 => None,
        1 => Some(format!(
            "https://{}{}",
            site.host,
            internal_referer(site.pages)
        )),
        2 => Some("https://search.example.net/".to_string()),
        _ => Some("https://social.example.com/".to_string()),
    };
    let assets = page.html && page.status == 200;
    out.push(Request {
        ts_ms: ts,
        src,
        method: page.method,
        target: page.target,
        status: page.status,
        bytes: page.bytes,
        referer,
        user_agent: user_agent.clone(),
        body: None,
        attack: None,
    });
    if !assets {
        return;
    }
    // Returning visitors (low numbers are the regulars) mostly revalidate cached assets.
    let cached = rng.chance(if visitor % 5_000 < 500 { 0.7 } else { 0.25 });
    let count = rng.between(0, 4);
    for i in 0..count {
        let (target, size) = asset(site.pages, i);
        let status = if cached { 304 } else { 200 };
        out.push(Request {
            ts_ms: ts + 40 + rng.between(0, 900) as i64,
            src,
            method: "GET",
            target,
            status,
            bytes: if cached { 0 } else { size },
            referer: Some(page_url.clone()),
            user_agent: user_agent.clone(),
            body: None,
            attack: None,
        });
    }
}

struct Page {
    method: &'static str,
    target: String,
    status: u16,
    bytes: u64,
    html: bool,
}

fn page(target: String, bytes: u64) -> Page {
    Page {
        method: "GET",
        target,
        status: 200,
        bytes,
        html: true,
    }
}

/// Search words a Japanese shop sees, percent-encoded as browsers send them.
const SEARCH_WORDS: [&str; 10] = [
    "ワンピース",
    "スニーカー",
    "日傘",
    "水筒",
    "浴衣",
    "加湿器",
    "リュック",
    "t-shirt",
    "tote+bag",
    "ギフト",
];

const CATEGORIES: [&str; 8] = [
    "ladies", "mens", "kids", "shoes", "bags", "kitchen", "interior", "outdoor",
];

fn shop_page(rng: &mut DemoRng) -> Page {
    let size = |rng: &mut DemoRng, base: u64| base + rng.between(0, base / 3);
    match rng.weighted(&[
        12.0, 35.0, 12.0, 10.0, 5.0, 1.5, 3.0, 2.0, 8.0, 3.0, 3.0, 2.0, 1.5,
    ]) {
        0 => page("/".into(), size(rng, 48_000)),
        1 => {
            let id = 1000 + rng.skewed(9000) as u64;
            let mut p = page(format!("/products/{id}"), size(rng, 36_000));
            // Sold-out products that search engines still link to.
            if rng.chance(0.02) {
                p.status = 404;
                p.bytes = 3_120;
                p.html = false;
            }
            p
        }
        2 => {
            let c = rng.pick(&CATEGORIES);
            if rng.chance(0.3) {
                let n = rng.between(2, 9);
                page(format!("/category/{c}?page={n}"), size(rng, 41_000))
            } else {
                page(format!("/category/{c}"), size(rng, 41_000))
            }
        }
        3 => {
            let w = attacks::percent_encode(rng.pick(&SEARCH_WORDS)).replace("%2B", "+");
            page(format!("/search?q={w}"), size(rng, 30_000))
        }
        4 => page("/cart".into(), size(rng, 22_000)),
        5 => page("/checkout".into(), size(rng, 25_000)),
        6 => page("/login".into(), size(rng, 12_000)),
        7 => page("/mypage/orders".into(), size(rng, 18_000)),
        8 => {
            let id = 1000 + rng.skewed(9000) as u64;
            json_call("GET", format!("/api/v1/products/{id}/stock"), 180)
        }
        9 => json_call("POST", "/api/v1/cart/items".into(), 420),
        10 => page(
            format!("/news/2026/{:03}", rng.between(1, 140)),
            size(rng, 20_000),
        ),
        11 => static_file(rng.pick(&["/robots.txt", "/sitemap.xml", "/favicon.ico"])),
        _ => missing(rng.pick(&["/apple-touch-icon.png", "/apple-touch-icon-precomposed.png"])),
    }
}

fn corporate_page(rng: &mut DemoRng) -> Page {
    let size = |rng: &mut DemoRng, base: u64| base + rng.between(0, base / 4);
    match rng.weighted(&[
        20.0, 8.0, 6.0, 5.0, 12.0, 10.0, 9.0, 6.0, 4.0, 3.0, 4.0, 3.0, 2.0, 1.0,
    ]) {
        0 => page("/".into(), size(rng, 26_000)),
        1 => page("/company/".into(), size(rng, 15_000)),
        2 => page("/company/profile.html".into(), size(rng, 17_000)),
        3 => page("/company/access.html".into(), size(rng, 14_000)),
        4 => page("/news/".into(), size(rng, 19_000)),
        5 => page(
            format!(
                "/news/2026/{:02}{:02}.html",
                rng.between(1, 10),
                rng.between(1, 28)
            ),
            size(rng, 12_000),
        ),
        6 => page(
            format!("/products/solution-{:02}.html", rng.between(1, 12)),
            size(rng, 21_000),
        ),
        7 => page("/recruit/".into(), size(rng, 16_000)),
        8 => page("/contact/".into(), size(rng, 11_000)),
        9 => Page {
            method: "POST",
            target: "/contact/confirm.php".into(),
            status: 200,
            bytes: 9_800,
            html: false,
        },
        10 => page("/en/".into(), size(rng, 22_000)),
        11 => Page {
            html: false,
            ..page(
                format!("/ir/library/report-2026q{}.pdf", rng.between(1, 2)),
                size(rng, 1_800_000),
            )
        },
        12 => static_file(rng.pick(&["/robots.txt", "/sitemap.xml", "/favicon.ico"])),
        _ => missing(rng.pick(&["/news/2019/0401.html", "/recruit/2024/", "/old/index.html"])),
    }
}

fn portal_page(rng: &mut DemoRng) -> Page {
    match rng.weighted(&[8.0, 10.0, 6.0, 20.0, 22.0, 14.0, 8.0, 5.0, 4.0]) {
        0 => page("/".into(), 2_400),
        1 => page("/login".into(), 2_400),
        2 => json_call("POST", "/api/v1/session".into(), 310),
        3 => json_call("GET", "/api/v1/notifications?unread=1".into(), 900),
        4 => page("/dashboard".into(), 2_400),
        5 => json_call(
            "GET",
            format!("/api/v1/invoices?month=2026-{:02}", rng.between(6, 10)),
            4_200,
        ),
        6 => json_call(
            "GET",
            format!("/api/v1/invoices/{}/pdf", 240_000 + rng.between(0, 9_999)),
            88_000,
        ),
        7 => page("/settings".into(), 2_400),
        _ => json_call("GET", "/api/v1/health".into(), 17),
    }
}

fn json_call(method: &'static str, target: String, bytes: u64) -> Page {
    Page {
        method,
        target,
        status: 200,
        bytes,
        html: false,
    }
}

fn static_file(target: &str) -> Page {
    Page {
        html: false,
        ..page(target.into(), 1_200)
    }
}

fn missing(target: &str) -> Page {
    Page {
        method: "GET",
        target: target.into(),
        status: 404,
        bytes: 3_120,
        html: false,
    }
}

fn internal_referer(pages: Pages) -> &'static str {
    match pages {
        Pages::Shop => "/",
        Pages::Corporate => "/news/",
        _ => "/dashboard",
    }
}

fn asset(pages: Pages, i: u64) -> (String, u64) {
    let (list, sizes): (&[&str], &[u64]) = match pages {
        Pages::Shop => (
            &[
                "/static/css/main.3f9a1c.css",
                "/static/js/app.8d2e4b.js",
                "/static/js/vendor.1a7c9e.js",
                "/images/banner/autumn-sale.webp",
            ],
            &[58_000, 210_000, 480_000, 96_000],
        ),
        Pages::Corporate => (
            &[
                "/css/style.css",
                "/js/jquery-3.7.1.min.js",
                "/js/common.js",
                "/img/main-visual-1.jpg",
            ],
            &[34_000, 87_533, 6_200, 240_000],
        ),
        _ => (
            &[
                "/static/js/main.5c1d0e.js",
                "/static/css/main.b7a2f3.css",
                "/static/media/logo.svg",
                "/static/js/chunk-vendors.9e8d7c.js",
            ],
            &[310_000, 44_000, 3_900, 520_000],
        ),
    };
    let k = (i as usize) % list.len();
    (list[k].to_string(), sizes[k])
}

/// The background attacks on `site` in `month`: a smooth, seasonless rate (bots do not
/// keep office hours), categories mixed per month.
pub(crate) fn background_attacks(
    rng: &mut DemoRng,
    site: &Site,
    month: &Month,
    scale: f64,
    pool: &AttackerPool,
) -> Vec<Request> {
    let per_hour = ATTACKS_PER_HOUR * scale * site.attack_share;
    let mix = attacks::month_mix(month.index);
    let weights: Vec<f64> = mix.iter().map(|(_, w)| *w).collect();
    let mut out = Vec::new();
    for hour in month.hours() {
        for _ in 0..traffic::smooth_count(rng, per_hour) {
            let cat = mix[rng.weighted(&weights)].0;
            // Drawn from the common mix, then dropped when this log cannot show it, so
            // the other categories keep the same proportions on every tenant.
            if !site.logs(cat) {
                continue;
            }
            let tor = matches!(
                cat,
                Category::Sqli | Category::FortiosSslvpn | Category::WordpressConfig
            ) && rng.chance(TOR_SHARE);
            let src = if tor {
                addr::stable_tor_exit(rng)
            } else {
                pool.draw(rng)
            };
            let probe = attacks::probe(rng, cat);
            let ts = hour + rng.between(0, HOUR_MS as u64 - 1) as i64;
            out.push(attack_request(rng, site, probe, cat, src, ts));
        }
    }
    out
}

/// How `site` answered an attack request.
pub(crate) fn attack_request(
    rng: &mut DemoRng,
    site: &Site,
    probe: Probe,
    cat: Category,
    src: std::net::Ipv4Addr,
    ts_ms: i64,
) -> Request {
    let (status, bytes) = match site.log {
        // ModSecurity blocks what it logs.
        LogKind::ModsecJson => (403, 199),
        _ if probe.page_exists => {
            if rng.chance(0.15) {
                (500, 612)
            } else {
                (200, 8_000 + rng.between(0, 30_000))
            }
        }
        LogKind::Combined(_) if cat == Category::AdminOracle && rng.chance(0.1) => (403, 199),
        _ => (404, 3_120),
    };
    Request {
        ts_ms,
        src,
        method: probe.method,
        target: probe.target,
        status,
        bytes,
        referer: probe.referer,
        user_agent: probe.user_agent,
        body: probe.body,
        attack: Some(cat),
    }
}
