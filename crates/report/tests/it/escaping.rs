//! Untrusted strings from logs must never become markup.

use kansoku_report::model::{Block, NamedCount, Share, Text, Value};
use kansoku_report::{Lang, Report, render_html, render_markdown, sample_report};

fn payloads() -> Vec<&'static str> {
    include_str!("../fixtures/xss-sample.txt")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .collect()
}

/// The sample report with every log-derived string replaced by payloads.
fn poisoned() -> Report {
    let mut r = sample_report(Lang::En);
    let p = payloads();
    r.meta.tenant = Some(p[0].to_owned());
    r.meta.title = p[1].to_owned();
    for s in &mut r.sections {
        for b in &mut s.blocks {
            match b {
                Block::HourlyDetections(h) => {
                    h.series[0].name = p[2].to_owned();
                    for sp in &mut h.spikes {
                        sp.tenants = vec![Share {
                            name: p[3].to_owned(),
                            share: 0.5,
                        }];
                        sp.tools = p
                            .iter()
                            .map(|x| NamedCount {
                                name: (*x).to_owned(),
                                count: 1,
                            })
                            .collect();
                        sp.top_paths = p
                            .iter()
                            .map(|x| NamedCount {
                                name: (*x).to_owned(),
                                count: 2,
                            })
                            .collect();
                        sp.top_sources = sp.top_paths.clone();
                        sp.categories = vec![NamedCount {
                            name: p[4].to_owned(),
                            count: 3,
                        }];
                    }
                }
                Block::TopCategoriesPerMonth(t) => t.months[0].top[0].category = p[5].to_owned(),
                Block::Table(t) => {
                    for (i, row) in t.rows.iter_mut().enumerate() {
                        row[0] = Value::Text(p[i % p.len()].to_owned());
                        row.push(Value::Code(p[(i + 7) % p.len()].to_owned()));
                    }
                }
                Block::Chart(c) => c.title = Some(Text::plain(p[6])),
                Block::Note(n) => n.paragraphs = p.iter().map(|x| Text::plain(*x)).collect(),
            }
        }
    }
    r
}

/// Every tag in `html`: (name, raw text inside the angle brackets).
fn tags(html: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find('<') {
        let after = &rest[i + 1..];
        let end = after.find('>').unwrap_or(after.len());
        let inner = &after[..end];
        let name: String = inner
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '!')
            .collect();
        out.push((name.to_ascii_lowercase(), inner.to_owned()));
        rest = &after[end.min(after.len())..];
    }
    out
}

const ALLOWED: &[&str] = &[
    "!doctype",
    "html",
    "head",
    "meta",
    "title",
    "style",
    "body",
    "main",
    "header",
    "span",
    "p",
    "h1",
    "h2",
    "h3",
    "h4",
    "dl",
    "dt",
    "dd",
    "nav",
    "ol",
    "li",
    "a",
    "section",
    "figure",
    "figcaption",
    "svg",
    "g",
    "rect",
    "text",
    "line",
    "path",
    "circle",
    "div",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "code",
    "details",
    "summary",
    "pre",
    "footer",
];

#[test]
fn html_contains_only_our_own_tags_and_attributes() {
    let html = render_html(&poisoned());
    let lower = html.to_lowercase();
    assert!(!lower.contains("<script"), "unescaped <script");
    for (name, inner) in tags(&html) {
        assert!(ALLOWED.contains(&name.as_str()), "unexpected tag <{inner}>");
        let inner_l = inner.to_lowercase();
        assert!(
            !inner_l.contains("javascript:"),
            "javascript: inside a tag: <{inner}>"
        );
        // Attribute names: words followed by '=' outside quoted values.
        let mut quoted = false;
        let mut word = String::new();
        for c in inner_l.chars() {
            match c {
                '"' => quoted = !quoted,
                '=' if !quoted => {
                    assert!(
                        !word.starts_with("on"),
                        "event handler attribute {word} in <{inner}>"
                    );
                    assert!(
                        !["src", "href", "style", "formaction", "from", "to", "poster"]
                            .contains(&word.as_str())
                            || word == "href" && inner_l.contains("href=\"#"),
                        "attribute {word} in <{inner}>"
                    );
                    word.clear();
                }
                c if !quoted && (c.is_ascii_alphanumeric() || c == '-' || c == ':') => word.push(c),
                _ if !quoted => word.clear(),
                _ => {}
            }
        }
    }
    // The payload text is there, as text.
    assert!(html.contains("&lt;script&gt;alert(document.domain)&lt;/script&gt;"));
    assert!(html.contains("onerror=&quot;alert(1)&quot;"));
}

#[test]
fn markdown_escapes_payloads_and_keeps_tables_intact() {
    let md = render_markdown(&poisoned());
    for line in md.lines() {
        // No raw tag outside code spans: strip code spans, then look for '<'.
        let mut plain = String::new();
        let mut in_code = false;
        let mut fence = 0usize;
        let chars: Vec<char> = line.chars().collect();
        let mut i = 0;
        while i < chars.len() {
            if chars[i] == '`' {
                let run = chars[i..].iter().take_while(|c| **c == '`').count();
                if !in_code {
                    in_code = true;
                    fence = run;
                } else if run == fence {
                    in_code = false;
                }
                i += run;
                continue;
            }
            if !in_code {
                plain.push(chars[i]);
            }
            i += 1;
        }
        assert!(!plain.contains('<'), "raw < outside code in: {line}");
        assert!(!plain.contains("](javascript"), "link injection in: {line}");
    }
    // Table rows keep their column count: unescaped pipes only between cells.
    let table_rows: Vec<&str> = md.lines().filter(|l| l.starts_with("| ")).collect();
    assert!(!table_rows.is_empty());
    let leak_header = md
        .lines()
        .position(|l| l.contains("| Ransomware group |"))
        .expect("leak table");
    let cols = |l: &str| l.replace("\\|", "").matches('|').count();
    let want = cols(md.lines().nth(leak_header).unwrap_or_default());
    for l in md
        .lines()
        .skip(leak_header)
        .take_while(|l| l.starts_with('|'))
    {
        assert_eq!(cols(l), want, "row breaks the table: {l}");
    }
}
