//! Fetching pages politely through the SOCKS5h proxy: a pause between requests to the
//! same site, a timeout per request, and retries with exponential backoff for the
//! failures that may pass (connection errors, timeouts, 5xx, 429).

use std::time::Instant;

use super::CrawlOptions;

/// Why a page could not be had.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FetchError {
    /// No answer (proxy refused the destination, timeout, connection error).
    Unreachable(String),
    /// The site answered with an error status.
    Status(u16),
    /// The proxy URL is not understood.
    Proxy(String),
}

impl std::fmt::Display for FetchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FetchError::Unreachable(e) => write!(f, "{e}"),
            FetchError::Status(s) => write!(f, "HTTP status {s}"),
            FetchError::Proxy(e) => write!(f, "proxy: {e}"),
        }
    }
}

/// A fetched page.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// The body.
    pub body: Vec<u8>,
    /// Attempts it took.
    pub attempts: u32,
}

/// An HTTP client bound to one proxy, remembering when it last asked.
pub struct Fetcher {
    agent: ureq::Agent,
    opts: CrawlOptions,
    last: Option<Instant>,
    attempts: u32,
}

impl Fetcher {
    /// A client for `opts` (every request goes through `opts.proxy`).
    pub fn new(opts: &CrawlOptions) -> Result<Fetcher, FetchError> {
        let scheme = opts.proxy.split("://").next().unwrap_or_default();
        if !scheme.eq_ignore_ascii_case("socks5h") && !opts.allow_insecure_proxy {
            return Err(FetchError::Proxy(format!(
                "{}: only socks5h:// resolves names at the proxy; with {scheme}:// every site's name goes to the local resolver (a DNS leak of what is watched; onion names fail). Use socks5h:// (Tor: socks5h://127.0.0.1:9050) or pass --allow-insecure-proxy",
                opts.proxy
            )));
        }
        let proxy = ureq::Proxy::new(&opts.proxy).map_err(|e| FetchError::Proxy(e.to_string()))?;
        let config = ureq::Agent::config_builder()
            .proxy(Some(proxy))
            .timeout_global(Some(opts.timeout))
            .http_status_as_error(false)
            .max_redirects(3)
            .user_agent(opts.user_agent.as_str())
            .build();
        Ok(Fetcher {
            agent: config.into(),
            opts: opts.clone(),
            last: None,
            attempts: 0,
        })
    }

    /// Starts a new site: the pause applies between pages of one site.
    pub fn new_site(&mut self) {
        self.last = None;
    }

    fn pause(&mut self) {
        if let Some(last) = self.last {
            let wait = self.opts.delay.saturating_sub(last.elapsed());
            if !wait.is_zero() {
                std::thread::sleep(wait);
            }
        }
        self.last = Some(Instant::now());
    }

    /// Attempts the last [`get`](Self::get) made.
    pub fn last_attempts(&self) -> u32 {
        self.attempts
    }

    /// GETs `url`, retrying transient failures.
    pub fn get(&mut self, url: &str) -> Result<Fetched, FetchError> {
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            self.attempts = attempt;
            self.pause();
            let err = match self.agent.get(url).call() {
                Ok(mut resp) => {
                    let status = resp.status().as_u16();
                    if (200..300).contains(&status) {
                        match resp
                            .body_mut()
                            .with_config()
                            .limit(self.opts.max_page_bytes)
                            .read_to_vec()
                        {
                            Ok(body) => {
                                return Ok(Fetched {
                                    body,
                                    attempts: attempt,
                                });
                            }
                            Err(e) => FetchError::Unreachable(e.to_string()),
                        }
                    } else {
                        FetchError::Status(status)
                    }
                }
                Err(e) => FetchError::Unreachable(e.to_string()),
            };
            let transient = match &err {
                FetchError::Status(s) => *s >= 500 || *s == 429,
                FetchError::Unreachable(_) => true,
                FetchError::Proxy(_) => false,
            };
            if !transient || attempt > self.opts.retries {
                return Err(err);
            }
            let backoff = self.opts.backoff.saturating_mul(1 << (attempt - 1).min(10));
            std::thread::sleep(backoff);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_socks5h_unless_allowed() {
        for bad in [
            "socks5://127.0.0.1:9050",
            "socks4://127.0.0.1:9050",
            "http://127.0.0.1:8080",
        ] {
            let opts = CrawlOptions {
                proxy: bad.into(),
                ..CrawlOptions::default()
            };
            let err = Fetcher::new(&opts).err().expect("refused").to_string();
            assert!(err.contains("DNS leak"), "{err}");
            let allowed = CrawlOptions {
                allow_insecure_proxy: true,
                ..opts
            };
            assert!(Fetcher::new(&allowed).is_ok(), "{bad} when allowed");
        }
        assert!(Fetcher::new(&CrawlOptions::default()).is_ok());
    }
}
