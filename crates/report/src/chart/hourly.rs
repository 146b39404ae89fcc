//! Hourly stacked-area chart with numbered spike markers and callouts.

use std::fmt::Write;

use chrono::{Duration, Timelike};

use super::axis::{Plot, nice_max, nice_step, y_grid};
use super::{Series, colours, legend, open_svg, text_width};
use crate::escape;
use crate::format::Fmt;

const HOUR_MICROS: i64 = 3_600_000_000;

/// An hourly chart: stacked areas (one per series) over an hour grid.
#[derive(Debug, Clone, PartialEq)]
pub struct HourlyChart {
    /// Accessible title.
    pub title: String,
    /// Start of the first hour (UTC µs).
    pub start: i64,
    /// Series stacked bottom-up, all as long as the grid.
    pub series: Vec<Series>,
    /// Spike markers, numbered like the explanation list.
    pub markers: Vec<Marker>,
    /// Y-axis label.
    pub y_label: String,
}

/// A numbered spike marker.
#[derive(Debug, Clone, PartialEq)]
pub struct Marker {
    /// Hour index of the peak in the grid.
    pub at: usize,
    /// Number shown in the marker (1-based).
    pub number: usize,
    /// Short callout text, e.g. `11/3 14時 1,234件` (the number is drawn in the marker).
    pub callout: String,
}

/// Renders `chart` as an SVG element; dates on the x axis in `fmt`'s time zone.
pub fn hourly_chart(chart: &HourlyChart, fmt: &Fmt) -> String {
    let (w, h) = (960.0, 380.0);
    let n = chart
        .series
        .iter()
        .map(|s| s.values.len())
        .max()
        .unwrap_or(0);
    let mut stack = vec![0.0f64; n];
    let mut out = String::with_capacity(16 * 1024);
    open_svg(&mut out, "hourly-chart", w, h, &chart.title);

    let palette = colours(chart.series.iter().map(|s| s.id.as_str()));
    let items: Vec<(&str, &str)> = chart
        .series
        .iter()
        .zip(&palette)
        .map(|(s, c)| (s.label.as_str(), c.as_str()))
        .collect();
    let legend_h = legend(&mut out, &items, 60.0, 18.0, w - 80.0);
    let callout_band = if chart.markers.is_empty() { 8.0 } else { 44.0 };
    let plot = Plot {
        left: 60.0,
        top: 18.0 + legend_h + callout_band,
        width: w - 76.0,
        height: h - (18.0 + legend_h + callout_band) - 46.0,
    };

    let mut tops: Vec<Vec<f64>> = Vec::with_capacity(chart.series.len());
    for s in &chart.series {
        for (acc, v) in stack.iter_mut().zip(&s.values) {
            *acc += v.unwrap_or(0.0).max(0.0);
        }
        tops.push(stack.clone());
    }
    let max = stack.iter().copied().fold(0.0, f64::max);
    let step = nice_step(max, 5);
    let top_value = nice_max(max, step);
    y_grid(&mut out, plot, top_value, step);
    let _ = write!(
        out,
        r##"<text class="y-label" x="14" y="{:.1}" font-size="11" fill="#555" transform="rotate(-90 14 {:.1})" text-anchor="middle">{}</text>"##,
        plot.top + plot.height / 2.0,
        plot.top + plot.height / 2.0,
        escape::html(&chart.y_label)
    );
    x_axis(&mut out, plot, chart.start, n, fmt);

    let x = |i: usize| plot.left + plot.width * (i as f64 + 0.5) / n.max(1) as f64;
    // Draw top layers first would hide lower ones; draw bottom-up, each area from its
    // own top line down to the previous layer's top line.
    let zero = vec![0.0; n];
    for (i, s) in chart.series.iter().enumerate() {
        let upper = &tops[i];
        let lower = if i == 0 { &zero } else { &tops[i - 1] };
        let mut d = String::with_capacity(n * 14);
        for (k, v) in upper.iter().enumerate() {
            let _ = write!(
                d,
                "{}{:.1},{:.1}",
                if k == 0 { "M" } else { "L" },
                x(k),
                plot.y(*v, top_value)
            );
        }
        for k in (0..n).rev() {
            let _ = write!(d, "L{:.1},{:.1}", x(k), plot.y(lower[k], top_value));
        }
        d.push('Z');
        let _ = write!(
            out,
            r#"<path class="series" data-series="{}" d="{d}" fill="{}" fill-opacity="0.85" stroke="{}" stroke-width="0.6"><title>{}</title></path>"#,
            escape::ident(&s.id),
            palette[i],
            palette[i],
            escape::html(&s.label)
        );
    }

    let mut placed: Vec<(f64, f64)> = Vec::new();
    for m in &chart.markers {
        if m.at >= n {
            continue;
        }
        let (mx, my) = (x(m.at), plot.y(stack[m.at], top_value));
        let label = m.callout.clone();
        let lw = text_width(&label, 11.0) + 12.0;
        let lx = (mx - lw / 2.0).clamp(plot.left, plot.left + plot.width - lw);
        // Two rows of callouts; take the first row whose slot is free.
        let row = if placed.iter().any(|(px, pw)| lx < px + pw && *px < lx + lw) {
            1.0
        } else {
            0.0
        };
        if row == 0.0 {
            placed.push((lx, lw));
        }
        let ly = plot.top - callout_band + 4.0 + row * 20.0;
        let _ = write!(
            out,
            r##"<g class="spike-marker" data-spike="{num}"><line x1="{mx:.1}" x2="{mx:.1}" y1="{:.1}" y2="{:.1}" stroke="#B00020" stroke-width="1" stroke-dasharray="3 2"/><circle cx="{mx:.1}" cy="{my:.1}" r="8" fill="#B00020" stroke="#fff" stroke-width="1.5"/><text x="{mx:.1}" y="{:.1}" font-size="10" font-weight="700" fill="#fff" text-anchor="middle">{num}</text><rect x="{lx:.1}" y="{ly:.1}" width="{lw:.1}" height="16" rx="3" fill="#fff" stroke="#B00020"/><text x="{:.1}" y="{:.1}" font-size="11" fill="#B00020">{}</text></g>"##,
            ly + 16.0,
            my - 8.0,
            my + 3.5,
            lx + 6.0,
            ly + 12.0,
            escape::html(&label),
            num = m.number,
        );
    }
    out.push_str("</svg>");
    out
}

/// Day ticks at local midnight, every 1, 2, 7 or 14 days so that about eight fit.
fn x_axis(out: &mut String, plot: Plot, start: i64, n: usize, fmt: &Fmt) {
    out.push_str(r##"<g class="x-axis" font-size="11" fill="#555">"##);
    let _ = write!(
        out,
        r##"<line x1="{:.1}" x2="{:.1}" y1="{:.1}" y2="{:.1}" stroke="#888"/>"##,
        plot.left,
        plot.left + plot.width,
        plot.bottom(),
        plot.bottom()
    );
    let days = (n as f64 / 24.0).ceil() as i64;
    let every = [1i64, 2, 7, 14, 28]
        .into_iter()
        .find(|e| days / e <= 9)
        .unwrap_or(28);
    let first = fmt.local(start);
    let mut day = first.date_naive();
    if first.hour() != 0 || first.minute() != 0 {
        day += Duration::days(1);
    }
    let mut k = 0;
    while k <= days {
        let local_midnight = day.and_hms_opt(0, 0, 0).and_then(|t| {
            use chrono::TimeZone;
            fmt.tz.from_local_datetime(&t).earliest()
        });
        let Some(t) = local_midnight else { break };
        let idx = (t.timestamp_micros() - start) as f64 / HOUR_MICROS as f64;
        if idx > n as f64 {
            break;
        }
        if idx >= 0.0 && k % every == 0 {
            let xx = plot.left + plot.width * idx / n.max(1) as f64;
            let _ = write!(
                out,
                r##"<line x1="{xx:.1}" x2="{xx:.1}" y1="{:.1}" y2="{:.1}" stroke="#888"/><text x="{xx:.1}" y="{:.1}" text-anchor="middle">{}</text>"##,
                plot.bottom(),
                plot.bottom() + 5.0,
                plot.bottom() + 18.0,
                escape::html(&fmt.axis_day(day))
            );
        }
        day += Duration::days(1);
        k += 1;
    }
    out.push_str("</g>");
}
