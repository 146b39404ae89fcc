//! Markdown rendering: headings, tables; charts summarised as tables.

use std::fmt::Write;

use crate::escape::{md as esc, md_code};
use crate::format::Fmt;
use crate::model::{
    Block, ChartData, HourlyDetections, Report, Table, Text, TopCategoriesPerMonth, Value,
};
use crate::view;

/// Renders the report as GitHub-flavoured Markdown.
pub fn render_markdown(report: &Report) -> String {
    let fmt = Fmt::for_meta(&report.meta);
    let (loc, meta) = (fmt.loc, &report.meta);
    let title = if meta.title.is_empty() {
        loc.text("report.title").to_owned()
    } else {
        meta.title.clone()
    };
    let mut out = String::new();
    let _ = writeln!(out, "# {}\n", esc(&title));
    for (k, v) in [
        (
            "report.period",
            fmt.date_range(meta.period_from, meta.period_to),
        ),
        (
            "report.tenant",
            meta.tenant
                .clone()
                .unwrap_or_else(|| loc.text("report.all_tenants").to_owned()),
        ),
        (
            "report.generated",
            fmt.datetime(meta.generated_at.timestamp_micros()),
        ),
        ("report.timezone", fmt.tz.to_string()),
    ] {
        let _ = writeln!(out, "- **{}**: {}", esc(loc.text(k)), esc(&v));
    }
    let _ = writeln!(out, "\n## {}\n", esc(loc.text("report.toc")));
    for (i, s) in report.sections.iter().enumerate() {
        let _ = writeln!(out, "{}. {}", i + 1, esc(&fmt.text(&s.title)));
    }
    let mut chapter: Option<&Text> = None;
    for s in &report.sections {
        if chapter != Some(&s.chapter) {
            let _ = writeln!(out, "\n## {}", esc(&fmt.text(&s.chapter)));
            chapter = Some(&s.chapter);
        }
        let _ = writeln!(out, "\n### {}\n", esc(&fmt.text(&s.title)));
        for b in &s.blocks {
            block(&mut out, report, &fmt, b);
        }
    }
    let _ = writeln!(out, "\n---\n\n{}", esc(loc.text("report.footer")));
    out
}

fn row(out: &mut String, cells: &[String]) {
    let _ = writeln!(out, "| {} |", cells.join(" | "));
}

fn header(out: &mut String, cells: &[String], right: &[bool]) {
    row(out, cells);
    let rule: Vec<String> = right
        .iter()
        .map(|r| if *r { "---:".into() } else { "---".into() })
        .collect();
    row(out, &rule);
}

fn cell(fmt: &Fmt, v: &Value) -> String {
    match v {
        Value::Code(s) => md_code(s),
        other => esc(&fmt.value(other)),
    }
}

fn block(out: &mut String, report: &Report, fmt: &Fmt, b: &Block) {
    match b {
        Block::HourlyDetections(h) => hourly(out, report, fmt, h),
        Block::TopCategoriesPerMonth(t) => top_months(out, fmt, t),
        Block::Table(t) => table(out, fmt, t),
        Block::Chart(c) => {
            if let Some(t) = &c.title {
                let _ = writeln!(out, "**{}**\n", esc(&fmt.text(t)));
            }
            chart_table(out, fmt, &c.chart);
        }
        Block::Note(n) => {
            if let Some(t) = &n.title {
                let _ = writeln!(out, "> **{}**", esc(&fmt.text(t)));
            }
            for p in &n.paragraphs {
                let _ = writeln!(out, "> {}\n", esc(&fmt.text(p)));
            }
        }
    }
    out.push('\n');
}

/// Daily totals per series: the hourly chart as a table a reader can scan.
fn hourly(out: &mut String, report: &Report, fmt: &Fmt, h: &HourlyDetections) {
    let (start, series) = view::hourly_series(&report.meta, fmt, h);
    let mut cols = vec![String::new(), esc(fmt.loc.text("hourly.total"))];
    cols.extend(series.iter().map(|s| esc(&s.label)));
    let mut right = vec![true; cols.len()];
    right[0] = false;
    header(out, &cols, &right);
    let days = series.first().map_or(0, |s| s.values.len()) / 24;
    for d in 0..days {
        let sums: Vec<f64> = series
            .iter()
            .map(|s| s.values[d * 24..(d + 1) * 24].iter().flatten().sum())
            .collect();
        let day = fmt
            .local(start + d as i64 * 24 * 3_600_000_000)
            .date_naive();
        let mut cells = vec![
            esc(&fmt.date(day)),
            fmt.int(sums.iter().sum::<f64>() as u64),
        ];
        cells.extend(sums.iter().map(|v| fmt.int(*v as u64)));
        row(out, &cells);
    }
    let _ = writeln!(out, "\n#### {}\n", esc(fmt.loc.text("hourly.spikes")));
    if h.spikes.is_empty() {
        let _ = writeln!(out, "{}", esc(fmt.loc.text("hourly.no_spikes")));
    }
    for (i, s) in h.spikes.iter().enumerate() {
        let _ = writeln!(out, "{}. {}", i + 1, esc(&view::spike_sentence(fmt, s)));
        for (key, items) in [
            ("hourly.sources", &s.top_sources),
            ("hourly.paths", &s.top_paths),
        ] {
            if items.is_empty() {
                continue;
            }
            let list: Vec<String> = items
                .iter()
                .map(|c| format!("{} ({})", md_code(&c.name), fmt.int(c.count)))
                .collect();
            let _ = writeln!(out, "   - {}: {}", esc(fmt.loc.text(key)), list.join(", "));
        }
    }
    if !h.other_bursts.is_empty() {
        let loc = fmt.loc;
        let n = fmt.int(h.other_bursts.len() as u64);
        let title = crate::locale::fill(loc.text("hourly.other_bursts"), &[("n", &n)], esc);
        let _ = writeln!(out, "\n{title}\n");
        let cols = [
            "hourly.burst_when",
            "hourly.burst_peak",
            "hourly.burst_excess",
            "hourly.burst_category",
            "hourly.burst_source",
        ]
        .map(|k| esc(loc.text(k)));
        header(out, &cols, &[false, true, true, false, false]);
        let missing = loc.text("format.missing");
        for b in &h.other_bursts {
            let category = b
                .main_category
                .as_deref()
                .map_or_else(|| missing.to_owned(), |c| loc.category(c).into_owned());
            row(
                out,
                &[
                    esc(&fmt.time_range(b.start, b.end)),
                    fmt.int(b.peak),
                    fmt.int(b.excess),
                    esc(&category),
                    b.main_source
                        .as_deref()
                        .map_or_else(|| esc(missing), md_code),
                ],
            );
        }
    }
}

fn top_months(out: &mut String, fmt: &Fmt, t: &TopCategoriesPerMonth) {
    let mut cols = vec![esc(fmt.loc.text("top.rank"))];
    cols.extend(t.months.iter().map(|m| esc(&fmt.month(&m.month))));
    let mut right = vec![false; cols.len()];
    right[0] = true;
    header(out, &cols, &right);
    let depth = t.months.iter().map(|m| m.top.len()).max().unwrap_or(0);
    for r in 0..depth {
        let mut cells = vec![(r + 1).to_string()];
        for m in &t.months {
            cells.push(match m.top.get(r) {
                Some(e) => {
                    let change = e
                        .change_pct
                        .map(|p| format!(", {}", fmt.change(p)))
                        .unwrap_or_default();
                    esc(&format!(
                        "{} ({}{change})",
                        fmt.loc.category(&e.category),
                        fmt.int(e.count)
                    ))
                }
                None => esc(fmt.loc.text("format.missing")),
            });
        }
        row(out, &cells);
    }
}

fn table(out: &mut String, fmt: &Fmt, t: &Table) {
    if let Some(title) = &t.title {
        let _ = writeln!(out, "**{}**\n", esc(&fmt.text(title)));
    }
    let cols: Vec<String> = t
        .columns
        .iter()
        .map(|c| esc(&fmt.text(&c.header)))
        .collect();
    let right: Vec<bool> = t
        .columns
        .iter()
        .map(|c| c.align == crate::model::Align::Right)
        .collect();
    header(out, &cols, &right);
    for r in &t.rows {
        let cells: Vec<String> = (0..t.columns.len())
            .map(|i| cell(fmt, r.get(i).unwrap_or(&Value::Missing)))
            .collect();
        row(out, &cells);
    }
    if let Some(f) = &t.footnote {
        let _ = writeln!(out, "\n{}", esc(&fmt.text(f)));
    }
}

fn chart_table(out: &mut String, fmt: &Fmt, c: &ChartData) {
    let missing = esc(fmt.loc.text("format.missing"));
    let num = |v: Option<f64>| {
        v.map(|x| esc(&fmt.number(x, 2)))
            .unwrap_or_else(|| missing.clone())
    };
    match c {
        ChartData::DailyStacked { days, series, .. } => {
            let mut cols = vec![String::new()];
            cols.extend(series.iter().map(|s| esc(&fmt.text(&s.label))));
            let mut right = vec![true; cols.len()];
            right[0] = false;
            header(out, &cols, &right);
            for (i, d) in days.iter().enumerate() {
                let mut cells = vec![esc(&fmt.date(*d))];
                cells.extend(
                    series
                        .iter()
                        .map(|s| num(s.values.get(i).copied().flatten())),
                );
                row(out, &cells);
            }
        }
        ChartData::Bars { labels, series, .. } => {
            let mut cols = vec![String::new()];
            cols.extend(labels.iter().map(|l| esc(&fmt.text(l))));
            let mut right = vec![true; cols.len()];
            right[0] = false;
            header(out, &cols, &right);
            for s in series {
                let mut cells = vec![esc(&fmt.text(&s.label))];
                cells.extend((0..labels.len()).map(|i| num(s.values.get(i).copied().flatten())));
                row(out, &cells);
            }
        }
        ChartData::Pie { slices } => {
            let total: f64 = slices.iter().map(|s| s.value.max(0.0)).sum();
            header(
                out,
                &[String::new(), String::new(), "%".into()],
                &[false, true, true],
            );
            for s in slices {
                let pct = if total > 0.0 {
                    s.value.max(0.0) / total * 100.0
                } else {
                    0.0
                };
                row(
                    out,
                    &[
                        esc(&fmt.text(&s.label)),
                        esc(&fmt.number(s.value, 2)),
                        esc(&fmt.percent(pct)),
                    ],
                );
            }
        }
    }
}
