//! HTML for each block kind.

use std::fmt::Write;

use crate::chart;
use crate::escape::html as esc;
use crate::format::Fmt;
use crate::model::{
    Align, Block, BurstNote, HourlyDetections, NamedCount, Note, Report, Table, Tone,
    TopCategoriesPerMonth, Value,
};
use crate::view;

pub(super) fn block(out: &mut String, report: &Report, fmt: &Fmt, b: &Block) {
    match b {
        Block::HourlyDetections(h) => hourly(out, report, fmt, h),
        Block::TopCategoriesPerMonth(t) => top_months(out, fmt, t),
        Block::Chart(c) => {
            let title = c.title.as_ref().map(|t| fmt.text(t)).unwrap_or_default();
            let _ = write!(out, "<figure>{}", view::chart_svg(fmt, &title, &c.chart));
            if !title.is_empty() {
                let _ = write!(out, "<figcaption>{}</figcaption>", esc(&title));
            }
            out.push_str("</figure>\n");
        }
        Block::Table(t) => table(out, fmt, t),
        Block::Note(n) => note(out, fmt, n),
    }
    queries(out, fmt, b.queries());
}

fn queries(out: &mut String, fmt: &Fmt, q: &[String]) {
    if q.is_empty() {
        return;
    }
    let _ = write!(
        out,
        "<details class=\"queries\"><summary>{}</summary>",
        esc(fmt.loc.text("report.queries"))
    );
    for sql in q {
        let _ = write!(out, "<pre><code>{}</code></pre>", esc(sql));
    }
    out.push_str("</details>\n");
}

fn hourly(out: &mut String, report: &Report, fmt: &Fmt, h: &HourlyDetections) {
    let (start, series) = view::hourly_series(&report.meta, fmt, h);
    let title = fmt.loc.text("section.hourly").to_owned();
    let svg = chart::hourly_chart(
        &chart::HourlyChart {
            title,
            start,
            series,
            markers: view::markers(fmt, start, &h.spikes),
            y_label: fmt.loc.text("hourly.y_axis").to_owned(),
        },
        fmt,
    );
    let _ = writeln!(out, "<figure>{svg}</figure>");
    let _ = write!(out, "<h4>{}</h4>", esc(fmt.loc.text("hourly.spikes")));
    if h.spikes.is_empty() {
        let _ = write!(out, "<p>{}</p>", esc(fmt.loc.text("hourly.no_spikes")));
    } else {
        out.push_str(r#"<ol class="spikes">"#);
        for (i, s) in h.spikes.iter().enumerate() {
            let seen = crate::locale::fill(
                fmt.loc.text("hourly.seen"),
                &[
                    ("first", &fmt.datetime(s.first_seen)),
                    ("last", &fmt.datetime(s.last_seen)),
                ],
                esc,
            );
            let _ = write!(
                out,
                r#"<li id="spike-{n}"><p><span class="badge">{n}</span>{}</p><p class="meta-line">{seen} ／ {}: {}</p><div class="evidence">"#,
                esc(&view::spike_sentence(fmt, s)),
                esc(fmt.loc.text("hourly.score")),
                esc(&fmt.number(s.score, 1)),
                n = i + 1,
            );
            counts(out, fmt, fmt.loc.text("hourly.sources"), &s.top_sources);
            counts(out, fmt, fmt.loc.text("hourly.paths"), &s.top_paths);
            out.push_str("</div></li>");
        }
        out.push_str("</ol>");
    }
    other_bursts(out, fmt, &h.other_bursts);
    let m = &h.method;
    let window = fmt.number(m.window_hours as f64 / 24.0, 1);
    let (weight, threshold, min_count) = (
        fmt.number(m.season_weight, 2),
        fmt.number(m.threshold, 1),
        fmt.int(m.min_count),
    );
    let key = if m.season_hours.is_some() {
        "hourly.method"
    } else {
        "hourly.method_no_season"
    };
    let text = crate::locale::fill(
        fmt.loc.text(key),
        &[
            ("window", &window),
            ("weight", &weight),
            ("threshold", &threshold),
            ("min_count", &min_count),
        ],
        esc,
    );
    let episodes = crate::locale::fill(
        fmt.loc.text("hourly.episodes"),
        &[
            ("gap", &fmt.int(m.episode_gap_hours.into())),
            ("top", &fmt.int(m.explained.into())),
        ],
        esc,
    );
    let _ = write!(out, r#"<p class="note method">{text} {episodes}</p>"#);
}

/// The episodes not explained in full: one collapsed table.
fn other_bursts(out: &mut String, fmt: &Fmt, bursts: &[BurstNote]) {
    if bursts.is_empty() {
        return;
    }
    let loc = fmt.loc;
    let n = fmt.int(bursts.len() as u64);
    let _ = write!(
        out,
        r#"<details class="other-bursts"><summary>{}</summary><table><tr><th>{}</th><th class="num">{}</th><th class="num">{}</th><th>{}</th><th>{}</th></tr>"#,
        crate::locale::fill(loc.text("hourly.other_bursts"), &[("n", &n)], esc),
        esc(loc.text("hourly.burst_when")),
        esc(loc.text("hourly.burst_peak")),
        esc(loc.text("hourly.burst_excess")),
        esc(loc.text("hourly.burst_category")),
        esc(loc.text("hourly.burst_source")),
    );
    let missing = loc.text("format.missing");
    for b in bursts {
        let category = b
            .main_category
            .as_deref()
            .map_or_else(|| missing.to_owned(), |c| loc.category(c).into_owned());
        let _ = write!(
            out,
            r#"<tr><td>{}</td><td class="num">{}</td><td class="num">{}</td><td>{}</td><td><code>{}</code></td></tr>"#,
            esc(&fmt.time_range(b.start, b.end)),
            fmt.int(b.peak),
            fmt.int(b.excess),
            esc(&category),
            esc(b.main_source.as_deref().unwrap_or(missing)),
        );
    }
    out.push_str("</table></details>");
}

fn counts(out: &mut String, fmt: &Fmt, heading: &str, items: &[NamedCount]) {
    if items.is_empty() {
        return;
    }
    let _ = write!(out, "<div><h4>{}</h4><table>", esc(heading));
    for c in items {
        let _ = write!(
            out,
            r#"<tr><td><code>{}</code></td><td class="num">{}</td></tr>"#,
            esc(&c.name),
            fmt.int(c.count)
        );
    }
    out.push_str("</table></div>");
}

fn top_months(out: &mut String, fmt: &Fmt, t: &TopCategoriesPerMonth) {
    let loc = fmt.loc;
    out.push_str(r#"<div class="months">"#);
    for m in &t.months {
        let _ = write!(
            out,
            r#"<div class="month-card"><h4>{}</h4><table><tr><th class="num">{}</th><th>{}</th><th class="num">{}</th><th class="num">{}</th></tr>"#,
            esc(&fmt.month(&m.month)),
            esc(loc.text("top.rank")),
            esc(loc.text("top.category")),
            esc(loc.text("top.count")),
            esc(loc.text("top.change")),
        );
        if m.top.is_empty() {
            let _ = write!(
                out,
                r#"<tr><td colspan="4">{}</td></tr>"#,
                esc(loc.text("top.none"))
            );
        }
        for (i, e) in m.top.iter().enumerate() {
            let change = match (e.change_pct, e.previous) {
                (Some(p), _) => {
                    let class = if p > 0.0 {
                        "up"
                    } else if p < 0.0 {
                        "down"
                    } else {
                        ""
                    };
                    format!(r#"<span class="{class}">{}</span>"#, esc(&fmt.change(p)))
                }
                (None, Some(0)) => esc(loc.text("top.new")),
                (None, _) => esc(loc.text("format.missing")),
            };
            let _ = write!(
                out,
                r#"<tr><td class="num">{}</td><td>{}</td><td class="num">{}</td><td class="num">{change}</td></tr>"#,
                i + 1,
                esc(&loc.category(&e.category)),
                fmt.int(e.count),
            );
        }
        out.push_str("</table></div>");
    }
    out.push_str("</div>\n");
    if let Some(chart) = top_chart(fmt, t) {
        let _ = writeln!(
            out,
            "<figure>{chart}<figcaption>{}</figcaption></figure>",
            esc(loc.text("top.chart"))
        );
    }
}

/// Grouped bars: months along x, one bar per category in that month's top list.
fn top_chart(fmt: &Fmt, t: &TopCategoriesPerMonth) -> Option<String> {
    let mut ids: Vec<&str> = Vec::new();
    for m in &t.months {
        for e in &m.top {
            if !ids.contains(&e.category.as_str()) {
                ids.push(&e.category);
            }
        }
    }
    if ids.is_empty() {
        return None;
    }
    let series = ids
        .iter()
        .map(|id| chart::Series {
            id: (*id).to_owned(),
            label: fmt.loc.category(id).into_owned(),
            values: t
                .months
                .iter()
                .map(|m| {
                    m.top
                        .iter()
                        .find(|e| e.category == *id)
                        .map(|e| e.count as f64)
                })
                .collect(),
        })
        .collect();
    Some(chart::bar_chart(&chart::BarChart {
        title: fmt.loc.text("top.chart").to_owned(),
        labels: t.months.iter().map(|m| fmt.month(&m.month)).collect(),
        series,
        y_label: fmt.loc.text("top.count").to_owned(),
    }))
}

pub(super) fn cell(fmt: &Fmt, v: &Value) -> String {
    match v {
        Value::Code(s) => format!("<code>{}</code>", esc(s)),
        other => esc(&fmt.value(other)),
    }
}

fn table(out: &mut String, fmt: &Fmt, t: &Table) {
    if let Some(title) = &t.title {
        let _ = write!(out, "<h4>{}</h4>", esc(&fmt.text(title)));
    }
    let class = |a: Align| match a {
        Align::Left => "",
        Align::Right => " class=\"num\"",
        Align::Center => " class=\"center\"",
    };
    out.push_str("<table><thead><tr>");
    for c in &t.columns {
        let _ = write!(
            out,
            "<th{}>{}</th>",
            class(c.align),
            esc(&fmt.text(&c.header))
        );
    }
    out.push_str("</tr></thead><tbody>");
    for row in &t.rows {
        out.push_str("<tr>");
        for (i, c) in t.columns.iter().enumerate() {
            let v = row.get(i).unwrap_or(&Value::Missing);
            let _ = write!(out, "<td{}>{}</td>", class(c.align), cell(fmt, v));
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table>\n");
    if let Some(f) = &t.footnote {
        let _ = write!(out, r#"<p class="meta-line">{}</p>"#, esc(&fmt.text(f)));
    }
}

fn note(out: &mut String, fmt: &Fmt, n: &Note) {
    let (class, key) = match n.tone {
        Tone::Info => ("info", "tone.info"),
        Tone::Advice => ("advice", "tone.advice"),
        Tone::Warning => ("warning", "tone.warning"),
    };
    let _ = write!(out, r#"<div class="note {class}">"#);
    let heading = n
        .title
        .as_ref()
        .map(|t| fmt.text(t))
        .unwrap_or_else(|| fmt.loc.text(key).to_owned());
    let _ = write!(out, "<h4>{}</h4>", esc(&heading));
    for p in &n.paragraphs {
        let _ = write!(out, "<p>{}</p>", esc(&fmt.text(p)));
    }
    out.push_str("</div>\n");
}
