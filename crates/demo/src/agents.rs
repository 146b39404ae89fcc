//! User-Agent strings: the browsers Japanese visitors used in 2026, and the tools
//! attackers send.

use crate::rng::DemoRng;

/// Browser user agents with their share of visits (iPhone-heavy, as in Japan).
const BROWSERS: [(&str, f64); 9] = [
    (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 18_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.6 Mobile/15E148 Safari/604.1",
        30.0,
    ),
    (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/139.0.0.0 Safari/537.36",
        22.0,
    ),
    (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/139.0.0.0 Safari/537.36 Edg/139.0.0.0",
        12.0,
    ),
    (
        "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/139.0.0.0 Mobile Safari/537.36",
        14.0,
    ),
    (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.6 Safari/605.1.15",
        8.0,
    ),
    (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/139.0.0.0 Safari/537.36",
        6.0,
    ),
    (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:142.0) Gecko/20100101 Firefox/142.0",
        4.0,
    ),
    (
        "Mozilla/5.0 (iPad; CPU OS 18_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.6 Mobile/15E148 Safari/604.1",
        3.0,
    ),
    (
        "Mozilla/5.0 (compatible; ExampleBot/2.1; +https://bot.example.net/about)",
        1.0,
    ),
];

/// The browser of visitor `index`: fixed per visitor, as a real visitor keeps theirs.
pub(crate) fn browser_of(index: u32) -> &'static str {
    let weights: Vec<f64> = BROWSERS.iter().map(|(_, w)| *w).collect();
    let total: f64 = weights.iter().sum();
    // A hash of the index, not a random draw, so the choice needs no state.
    let h = index.wrapping_mul(0x9e37_79b9).rotate_left(13) as f64 / f64::from(u32::MAX);
    let mut x = h * total;
    for (ua, w) in BROWSERS {
        if x < w {
            return ua;
        }
        x -= w;
    }
    BROWSERS[0].0
}

/// A random current browser, as tools that fake one send.
pub(crate) fn browser(rng: &mut DemoRng) -> &'static str {
    BROWSERS[rng.between(0, 6) as usize].0
}

/// What automated attack traffic sends when it does not fake a browser.
const TOOLS: [&str; 7] = [
    "curl/8.5.0",
    "python-requests/2.32.3",
    "Go-http-client/1.1",
    "Mozilla/5.0 (X11; Linux x86_64; rv:109.0) Gecko/20100101 Firefox/115.0",
    "Mozilla/5.0 (Windows NT 6.1; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/74.0.3729.169 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
    "Mozlila/5.0 (Linux; Android 7.0; SM-G892A Bulid/NRD90M; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/60.0.3112.107 Moblie Safari/537.36",
];

/// The user agent of a background attack.
pub(crate) fn attack_tool(rng: &mut DemoRng) -> &'static str {
    rng.pick(&TOOLS)
}

/// Nikto 2.1.6's default agent for test number `test`.
pub(crate) fn nikto(test: u32) -> String {
    format!("Mozilla/5.00 (Nikto/2.1.6) (Evasions:None) (Test:{test:06})")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_visitor_keeps_one_browser_and_visitors_differ() {
        assert_eq!(browser_of(42), browser_of(42));
        let distinct: std::collections::BTreeSet<_> = (0..500).map(browser_of).collect();
        assert!(distinct.len() >= 6, "{distinct:?}");
    }

    #[test]
    fn nikto_agent_names_the_test() {
        assert_eq!(
            nikto(3),
            "Mozilla/5.00 (Nikto/2.1.6) (Evasions:None) (Test:000003)"
        );
    }
}
