//! Posts out of a fetched page, by the site's CSS selectors.

use scraper::{ElementRef, Html, Selector};

use crate::feed::{RawPost, parse_time};
use crate::text::squeeze_whitespace;

use super::sites::SiteDef;

/// What one page held.
#[derive(Debug, Clone, Default)]
pub struct PageContent {
    /// Post entries that matched `entry`.
    pub entries: usize,
    /// Posts read (entries with a title).
    pub posts: Vec<RawPost>,
    /// Entries without a title, or whose date could not be read.
    pub incomplete: usize,
    /// The next page's link, absolute.
    pub next: Option<String>,
}

fn selector(s: &str) -> Option<Selector> {
    // Checked when the sites file was loaded; a bad one here selects nothing.
    Selector::parse(s).ok()
}

fn text_of(el: ElementRef<'_>) -> String {
    squeeze_whitespace(&el.text().collect::<String>())
}

fn first<'a>(el: ElementRef<'a>, sel: Option<&str>) -> Option<ElementRef<'a>> {
    let sel = selector(sel?)?;
    el.select(&sel).next()
}

/// Resolves `href` against the page's URL (absolute, root-relative or relative).
pub fn join_url(base: &str, href: &str) -> String {
    let href = href.trim();
    if href.starts_with("http://") || href.starts_with("https://") {
        return href.to_string();
    }
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let host_end = base[scheme_end..]
        .find('/')
        .map_or(base.len(), |i| scheme_end + i);
    if href.starts_with('/') {
        return format!("{}{href}", &base[..host_end]);
    }
    let path = &base[host_end..];
    let path = path.split(['?', '#']).next().unwrap_or("");
    let dir = path.rfind('/').map_or("/", |i| &path[..=i]);
    format!("{}{dir}{href}", &base[..host_end])
}

fn parse_date(text: &str, format: Option<&str>) -> Option<i64> {
    if let Some(t) = parse_time(text) {
        return Some(t);
    }
    let format = format?;
    if let Ok(t) = chrono::NaiveDateTime::parse_from_str(text, format) {
        return Some(t.and_utc().timestamp_micros());
    }
    let d = chrono::NaiveDate::parse_from_str(text, format).ok()?;
    Some(d.and_hms_opt(0, 0, 0)?.and_utc().timestamp_micros())
}

/// Reads the posts of one page.
pub fn extract(site: &SiteDef, page_url: &str, html: &str) -> PageContent {
    let doc = Html::parse_document(html);
    let mut out = PageContent::default();
    let Some(entry) = selector(&site.entry) else {
        return out;
    };
    for el in doc.select(&entry) {
        out.entries += 1;
        let title = first(el, Some(site.title.as_str()))
            .map(text_of)
            .unwrap_or_default();
        if title.is_empty() {
            out.incomplete += 1;
            continue;
        }
        let published = match first(el, site.date.as_deref()) {
            Some(d) => {
                let text = d
                    .value()
                    .attr("datetime")
                    .map_or_else(|| text_of(d), str::to_string);
                let t = parse_date(&text, site.date_format.as_deref());
                if t.is_none() {
                    out.incomplete += 1;
                }
                t
            }
            None => None,
        };
        let description = first(el, site.description.as_deref())
            .map(text_of)
            .filter(|d| !d.is_empty());
        let link = match site.link.as_deref() {
            Some(l) => {
                first(el, Some(l)).or_else(|| Some(el).filter(|e| e.value().attr("href").is_some()))
            }
            None => None,
        };
        let post_url = link
            .and_then(|a| a.value().attr("href"))
            .map(|h| join_url(page_url, h));
        out.posts.push(RawPost {
            group: site.name.clone(),
            title,
            published,
            description,
            post_url,
            ..RawPost::default()
        });
    }
    out.next = first(doc.root_element(), site.next.as_deref())
        .and_then(|a| a.value().attr("href"))
        .map(|h| join_url(page_url, h))
        .filter(|n| n != page_url);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_join_like_a_browser() {
        let base = "http://abc.onion/blog/page1.html?x=1";
        assert_eq!(
            join_url(base, "page2.html"),
            "http://abc.onion/blog/page2.html"
        );
        assert_eq!(join_url(base, "/p/3"), "http://abc.onion/p/3");
        assert_eq!(join_url(base, "http://x.onion/"), "http://x.onion/");
        assert_eq!(
            join_url("http://abc.onion", "?page=2"),
            "http://abc.onion/?page=2"
        );
    }

    #[test]
    fn entries_titles_dates_links_and_next() {
        let site = SiteDef {
            name: "akira".into(),
            url: "http://a.onion/".into(),
            entry: "article.post".into(),
            title: "h2".into(),
            date: Some("time".into()),
            date_format: Some("%d/%m/%Y".into()),
            description: Some("p".into()),
            link: Some("a.more".into()),
            next: Some("a[rel=next]".into()),
            max_pages: 3,
        };
        let html = r#"<html><body>
          <article class="post"><h2> Example  Kogyo </h2><time datetime="2022-08-01">1 Aug</time>
            <p>1 TB</p><a class="more" href="/post/1">more</a></article>
          <article class="post"><h2>サンプル商事</h2><time>02/08/2022</time></article>
          <article class="post"><h2></h2></article>
          <article class="post"><h2>Bad date</h2><time>soon</time></article>
          <a rel="next" href="?page=2">next</a></body></html>"#;
        let page = extract(&site, "http://a.onion/", html);
        assert_eq!(page.entries, 4);
        assert_eq!(page.posts.len(), 3);
        assert_eq!(page.incomplete, 2);
        assert_eq!(page.posts[0].title, "Example Kogyo");
        assert_eq!(page.posts[0].published, parse_time("2022-08-01"));
        assert_eq!(
            page.posts[0].post_url.as_deref(),
            Some("http://a.onion/post/1")
        );
        assert_eq!(page.posts[0].description.as_deref(), Some("1 TB"));
        assert_eq!(page.posts[1].published, parse_time("2022-08-02"));
        assert_eq!(page.posts[2].published, None);
        assert_eq!(page.next.as_deref(), Some("http://a.onion/?page=2"));
    }
}
