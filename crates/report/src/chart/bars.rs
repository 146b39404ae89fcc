//! Vertical bar charts: grouped bars per label, and stacked bars per day.

use std::fmt::Write;

use super::axis::{Plot, nice_max, nice_step, y_grid};
use super::{Series, colours, legend, open_svg, text_width, tick_label};
use crate::escape;

/// Grouped vertical bars: one group per x label, one bar per series with a value.
#[derive(Debug, Clone, PartialEq)]
pub struct BarChart {
    /// Accessible title.
    pub title: String,
    /// X-axis labels (groups).
    pub labels: Vec<String>,
    /// Series; `values[i]` belongs to `labels[i]`, `None` leaves no bar (and no gap).
    pub series: Vec<Series>,
    /// Y-axis label.
    pub y_label: String,
}

/// Stacked bars per day.
#[derive(Debug, Clone, PartialEq)]
pub struct StackedDaily {
    /// Accessible title.
    pub title: String,
    /// Day labels for the x axis (already formatted).
    pub days: Vec<String>,
    /// Stack layers bottom-up; `values[i]` belongs to `days[i]`.
    pub series: Vec<Series>,
    /// Y-axis label.
    pub y_label: String,
}

fn frame(
    out: &mut String,
    class: &str,
    title: &str,
    series: &[Series],
    y_label: &str,
    colours: &[String],
    max: f64,
) -> (Plot, f64) {
    let (w, h) = (960.0, 340.0);
    open_svg(out, class, w, h, title);
    let items: Vec<(&str, &str)> = series
        .iter()
        .zip(colours)
        .map(|(s, c)| (s.label.as_str(), c.as_str()))
        .collect();
    let lh = legend(out, &items, 60.0, 18.0, w - 80.0);
    let plot = Plot {
        left: 60.0,
        top: 26.0 + lh,
        width: w - 76.0,
        height: h - (26.0 + lh) - 40.0,
    };
    let step = nice_step(max, 5);
    let top_value = nice_max(max, step);
    y_grid(out, plot, top_value, step);
    let _ = write!(
        out,
        r##"<text class="y-label" x="14" y="{:.1}" font-size="11" fill="#555" transform="rotate(-90 14 {:.1})" text-anchor="middle">{}</text>"##,
        plot.top + plot.height / 2.0,
        plot.top + plot.height / 2.0,
        escape::html(y_label)
    );
    (plot, top_value)
}

fn x_labels(out: &mut String, plot: Plot, labels: &[String]) {
    let n = labels.len().max(1);
    let slot = plot.width / n as f64;
    // Thin out labels that would overlap.
    let widest = labels
        .iter()
        .map(|l| text_width(l, 11.0))
        .fold(0.0, f64::max);
    let every = ((widest + 8.0) / slot).ceil().max(1.0) as usize;
    out.push_str(r##"<g class="x-axis" font-size="11" fill="#555">"##);
    for (i, l) in labels.iter().enumerate().filter(|(i, _)| i % every == 0) {
        let x = plot.left + slot * (i as f64 + 0.5);
        let _ = write!(
            out,
            r#"<text x="{x:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
            plot.bottom() + 18.0,
            escape::html(l)
        );
    }
    out.push_str("</g>");
}

/// Renders grouped vertical bars with value labels.
pub fn bar_chart(chart: &BarChart) -> String {
    let max = chart
        .series
        .iter()
        .flat_map(|s| s.values.iter().flatten())
        .copied()
        .fold(0.0, f64::max);
    let mut out = String::with_capacity(8 * 1024);
    let palette = colours(chart.series.iter().map(|s| s.id.as_str()));
    let (plot, top_value) = frame(
        &mut out,
        "bar-chart",
        &chart.title,
        &chart.series,
        &chart.y_label,
        &palette,
        max,
    );
    let n = chart.labels.len().max(1);
    let slot = plot.width / n as f64;
    let mut groups: Vec<String> = vec![String::new(); chart.series.len()];
    for g in 0..chart.labels.len() {
        let present: Vec<usize> = (0..chart.series.len())
            .filter(|&s| chart.series[s].values.get(g).copied().flatten().is_some())
            .collect();
        let bw = (slot * 0.8 / present.len().max(1) as f64).min(56.0);
        let x0 = plot.left + slot * g as f64 + (slot - bw * present.len() as f64) / 2.0;
        for (k, &s) in present.iter().enumerate() {
            let v = chart.series[s].values[g].unwrap_or(0.0).max(0.0);
            let (x, y) = (x0 + bw * k as f64, plot.y(v, top_value));
            let _ = write!(
                groups[s],
                r##"<rect x="{x:.1}" y="{y:.1}" width="{:.1}" height="{:.1}" fill="{}"><title>{}: {}</title></rect><text x="{:.1}" y="{:.1}" font-size="10" fill="#333" text-anchor="middle">{}</text>"##,
                (bw - 2.0).max(1.0),
                plot.bottom() - y,
                palette[s],
                escape::html(&chart.series[s].label),
                tick_label(v),
                x + bw / 2.0 - 1.0,
                y - 3.0,
                tick_label(v)
            );
        }
    }
    for (s, body) in groups.iter().enumerate() {
        let _ = write!(
            out,
            r#"<g class="series" data-series="{}">{body}</g>"#,
            escape::ident(&chart.series[s].id)
        );
    }
    x_labels(&mut out, plot, &chart.labels);
    out.push_str("</svg>");
    out
}

/// Renders bars per day, stacked bottom-up in series order.
pub fn stacked_daily(chart: &StackedDaily) -> String {
    let n = chart.days.len();
    let mut totals = vec![0.0f64; n];
    for s in &chart.series {
        for (t, v) in totals.iter_mut().zip(&s.values) {
            *t += v.unwrap_or(0.0).max(0.0);
        }
    }
    let max = totals.iter().copied().fold(0.0, f64::max);
    let mut out = String::with_capacity(8 * 1024);
    let palette = colours(chart.series.iter().map(|s| s.id.as_str()));
    let (plot, top_value) = frame(
        &mut out,
        "stacked-chart",
        &chart.title,
        &chart.series,
        &chart.y_label,
        &palette,
        max,
    );
    let slot = plot.width / n.max(1) as f64;
    let bw = (slot * 0.8).max(1.0);
    let mut base = vec![0.0f64; n];
    for (i, s) in chart.series.iter().enumerate() {
        let _ = write!(
            out,
            r#"<g class="series" data-series="{}" fill="{}">"#,
            escape::ident(&s.id),
            palette[i]
        );
        for (d, below) in base.iter_mut().enumerate() {
            let v = s.values.get(d).copied().flatten().unwrap_or(0.0).max(0.0);
            if v == 0.0 {
                continue;
            }
            let (y1, y0) = (plot.y(*below + v, top_value), plot.y(*below, top_value));
            *below += v;
            let _ = write!(
                out,
                r#"<rect x="{:.1}" y="{y1:.1}" width="{bw:.1}" height="{:.1}"><title>{} {}: {}</title></rect>"#,
                plot.left + slot * d as f64 + (slot - bw) / 2.0,
                (y0 - y1).max(0.5),
                escape::html(&chart.days[d]),
                escape::html(&s.label),
                tick_label(v)
            );
        }
        out.push_str("</g>");
    }
    x_labels(&mut out, plot, &chart.days);
    out.push_str("</svg>");
    out
}
