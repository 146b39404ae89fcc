//! Leak-site definitions: one `[[site]]` per group in a TOML file, so a site that
//! changes its layout is fixed by editing data, not code.
//!
//! ```toml
//! [[site]]
//! name = "lockbit3"                      # the group, as feeds spell it
//! url = "http://example.onion/"          # first page
//! entry = "div.post-block"               # one element per post
//! title = ".post-title"                  # inside an entry: the victim
//! date = ".post-date"                    # optional: publication date
//! description = ".post-block-text"       # optional
//! link = "a"                             # optional: an element with href
//! next = "a.next-page"                   # optional: pagination link
//! max_pages = 5
//! ```

use std::path::Path;

use serde::Deserialize;

use crate::LeakError;

/// A file of site definitions.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SitesFile {
    /// The sites, crawled in file order.
    #[serde(default)]
    pub site: Vec<SiteDef>,
}

/// How to read one group's leak site.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteDef {
    /// The group name as feeds spell it (`lockbit3`, `alphv`); normalised like feed
    /// names, so the variant is kept.
    pub name: String,
    /// URL of the first page (`http://….onion/`). Only plain HTTP: onion services
    /// are end-to-end encrypted by Tor, and kansoku carries no TLS stack.
    pub url: String,
    /// CSS selector matching one element per post. No match on the first page means
    /// the layout changed, and the site is reported so.
    pub entry: String,
    /// CSS selector, inside an entry, of the post's title (the victim).
    pub title: String,
    /// CSS selector, inside an entry, of the publication date (its text, or its
    /// `datetime` attribute when it has one).
    #[serde(default)]
    pub date: Option<String>,
    /// chrono format of the date text when it is none of the usual forms
    /// (`%d/%m/%Y`); RFC 3339 and `YYYY-MM-DD[ HH:MM[:SS]]` are always understood.
    #[serde(default)]
    pub date_format: Option<String>,
    /// CSS selector, inside an entry, of the post text.
    #[serde(default)]
    pub description: Option<String>,
    /// CSS selector, inside an entry, of an element whose `href` links to the post
    /// (the entry itself when it is the link).
    #[serde(default)]
    pub link: Option<String>,
    /// CSS selector of the link to the next page; pages are followed until it is
    /// absent or `max_pages` are read.
    #[serde(default)]
    pub next: Option<String>,
    /// Most pages read per crawl (default 10).
    #[serde(default = "default_max_pages")]
    pub max_pages: usize,
}

fn default_max_pages() -> usize {
    10
}

impl SitesFile {
    /// Parses a sites file; `source` names it in errors.
    pub fn parse(source: &str, text: &str) -> Result<SitesFile, LeakError> {
        let file: SitesFile =
            toml::from_str(text).map_err(|e| LeakError::Sites(format!("{source}: {e}")))?;
        for s in &file.site {
            if !(s.url.starts_with("http://") || s.url.starts_with("https://")) {
                return Err(LeakError::Sites(format!(
                    "{source}: site {}: url {:?} is not http://",
                    s.name, s.url
                )));
            }
            for sel in [
                Some(&s.entry),
                Some(&s.title),
                s.date.as_ref(),
                s.description.as_ref(),
                s.link.as_ref(),
                s.next.as_ref(),
            ]
            .into_iter()
            .flatten()
            {
                if scraper::Selector::parse(sel).is_err() {
                    return Err(LeakError::Sites(format!(
                        "{source}: site {}: {sel:?} is not a CSS selector",
                        s.name
                    )));
                }
            }
        }
        Ok(file)
    }

    /// Reads a sites file.
    pub fn load(path: &Path) -> Result<SitesFile, LeakError> {
        let text = std::fs::read_to_string(path).map_err(|e| LeakError::Io {
            path: path.display().to_string(),
            source: e,
        })?;
        Self::parse(&path.display().to_string(), &text)
    }
}
