//! One self-contained HTML file: inline CSS, inline SVG, no script, no external
//! resource. Prints on A4 (one section per page) and reads on a phone.

mod blocks;

use std::fmt::Write;

use crate::escape::html as esc;
use crate::format::Fmt;
use crate::model::{Report, Text};

const STYLE: &str = include_str!("style.css");

/// Renders the whole report as one HTML document.
pub fn render_html(report: &Report) -> String {
    let fmt = Fmt::for_meta(&report.meta);
    let loc = fmt.loc;
    let meta = &report.meta;
    let title = if meta.title.is_empty() {
        loc.text("report.title").to_owned()
    } else {
        meta.title.clone()
    };
    let mut out = String::with_capacity(256 * 1024);
    let _ = write!(
        out,
        r#"<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="kansoku">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>{t} — {period}</title>
<style>
{STYLE}</style>
</head>
<body>
<main>
<header class="cover">
<span class="confidential">{conf}</span>
<p class="center">{center}</p>
<h1>{t}</h1>
<dl>
<dt>{l_period}</dt><dd>{period}</dd>
<dt>{l_tenant}</dt><dd>{tenant}</dd>
<dt>{l_generated}</dt><dd>{generated}</dd>
<dt>{l_tz}</dt><dd>{tz}</dd>
</dl>
</header>
"#,
        lang = meta.lang.as_str(),
        t = esc(&title),
        period = esc(&fmt.date_range(meta.period_from, meta.period_to)),
        conf = esc(loc.text("report.confidential")),
        center = esc(loc.text("report.center")),
        l_period = esc(loc.text("report.period")),
        l_tenant = esc(loc.text("report.tenant")),
        tenant = esc(meta
            .tenant
            .as_deref()
            .unwrap_or(loc.text("report.all_tenants"))),
        l_generated = esc(loc.text("report.generated")),
        generated = esc(&fmt.datetime(meta.generated_at.timestamp_micros())),
        l_tz = esc(loc.text("report.timezone")),
        tz = esc(&fmt.tz.to_string()),
    );
    toc(&mut out, report, &fmt);
    let ids = anchor_ids(report);
    let mut chapter: Option<&Text> = None;
    for (i, s) in report.sections.iter().enumerate() {
        let first = if i == 0 { " first" } else { "" };
        let _ = write!(
            out,
            r#"<section class="report-section{first}" id="{}">"#,
            ids[i]
        );
        if chapter != Some(&s.chapter) {
            let _ = write!(
                out,
                r#"<h2 class="chapter">{}</h2>"#,
                esc(&fmt.text(&s.chapter))
            );
            chapter = Some(&s.chapter);
        }
        let _ = writeln!(out, "<h3>{}</h3>", esc(&fmt.text(&s.title)));
        for b in &s.blocks {
            blocks::block(&mut out, report, &fmt, b);
        }
        out.push_str("</section>\n");
    }
    let _ = write!(
        out,
        "<footer><p>{}</p></footer>\n</main>\n</body>\n</html>\n",
        esc(loc.text("report.footer"))
    );
    out
}

/// Section anchors: the section id reduced to `[a-z0-9-]`, made unique.
fn anchor_ids(report: &Report) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    report
        .sections
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let base: String =
                s.id.chars()
                    .map(|c| {
                        if c.is_ascii_alphanumeric() {
                            c.to_ascii_lowercase()
                        } else {
                            '-'
                        }
                    })
                    .collect();
            let base = if base.is_empty() {
                format!("section-{}", i + 1)
            } else {
                base
            };
            let mut id = base.clone();
            let mut k = 2;
            while !seen.insert(id.clone()) {
                id = format!("{base}-{k}");
                k += 1;
            }
            id
        })
        .collect()
}

fn toc(out: &mut String, report: &Report, fmt: &Fmt) {
    let ids = anchor_ids(report);
    let _ = write!(
        out,
        r#"<nav class="toc"><h2>{}</h2><ol>"#,
        esc(fmt.loc.text("report.toc"))
    );
    let mut chapter: Option<&Text> = None;
    for (i, s) in report.sections.iter().enumerate() {
        if chapter != Some(&s.chapter) {
            if chapter.is_some() {
                out.push_str("</ol></li>");
            }
            let _ = write!(out, "<li>{}<ol>", esc(&fmt.text(&s.chapter)));
            chapter = Some(&s.chapter);
        }
        let _ = write!(
            out,
            "<li><a href=\"#{}\">{}</a></li>",
            ids[i],
            esc(&fmt.text(&s.title))
        );
    }
    if chapter.is_some() {
        out.push_str("</ol></li>");
    }
    out.push_str("</ol></nav>\n");
}
