//! Hand-written SVG charts: no script, every label escaped, one `class="series"` element
//! per drawn series and one `class="spike-marker"` per spike marker (browser tests count
//! them). Shared by the report and the live dashboard.
//!
//! Inputs are resolved, display-ready structures (labels already localised); the
//! report's renderers build them from the model. Widths are in SVG user units; the
//! `<svg>` scales to 100% of its container with `viewBox`.

mod axis;
mod bars;
mod hourly;
mod pie;
#[cfg(test)]
mod tests;

pub use bars::{BarChart, StackedDaily, bar_chart, stacked_daily};
pub use hourly::{HourlyChart, Marker, hourly_chart};
pub use pie::{PieChart, pie_chart};

use std::fmt::Write;

use crate::escape;

/// Okabe–Ito palette (distinguishable with the common colour-vision deficiencies),
/// ordered so the first colours contrast best on white.
pub const PALETTE: [&str; 7] = [
    "#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#8C7A00",
];

/// The neutral grey of the series that sums the rest (id `other`), kept apart from the
/// hues so that "other" never looks like one of the named series.
pub const OTHER: &str = "#7F7F7F";

/// Lightness of each further round of [`PALETTE`] when a chart has more series than
/// hues: the same hues mixed toward black (negative) or white (positive), so the hue
/// order, which is what colour-blind readers tell apart, is kept.
const ROUNDS: [f64; 6] = [0.0, -0.4, 0.45, -0.65, 0.7, -0.8];

/// Colours of one chart's series, in order: the first series with id `other` gets
/// [`OTHER`], every other series the next colour of [`PALETTE`], then of the palette
/// darker or lighter per round. No colour repeats within a chart.
pub fn colours<'a>(ids: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut other_used = false;
    let mut next = 0;
    ids.into_iter()
        .map(|id| {
            if id == "other" && !other_used {
                other_used = true;
                return OTHER.to_owned();
            }
            next += 1;
            hue(next - 1)
        })
        .collect()
}

/// The `k`-th named series' colour as `#RRGGBB`.
fn hue(k: usize) -> String {
    let base = PALETTE[k % PALETTE.len()];
    let round = k / PALETTE.len();
    // Past the listed rounds (over 40 named series in one chart), ever closer to black:
    // still a new colour per round up to about 90 series, though no longer one a reader
    // can tell apart.
    let mix = ROUNDS
        .get(round)
        .copied()
        .unwrap_or_else(|| -1.0 + 0.2 / (round as f64 - 4.0));
    let channel = |k: usize| -> u8 {
        let v = base
            .get(1 + 2 * k..3 + 2 * k)
            .and_then(|h| u8::from_str_radix(h, 16).ok())
            .map_or(127.0, f64::from);
        let out = if mix < 0.0 {
            v * (1.0 + mix)
        } else {
            v + (255.0 - v) * mix
        };
        out.round().clamp(0.0, 255.0) as u8
    };
    format!("#{:02X}{:02X}{:02X}", channel(0), channel(1), channel(2))
}

/// A series to draw: a stable id (CSS class, test hook), a legend label, values.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Stable id, e.g. a category id.
    pub id: String,
    /// Legend label (untrusted text allowed; escaped).
    pub label: String,
    /// One value per x position; `None` draws nothing.
    pub values: Vec<Option<f64>>,
}

/// Rough width of `s` at `size` px: CJK and other wide characters take a full em.
pub(crate) fn text_width(s: &str, size: f64) -> f64 {
    s.chars()
        .map(|c| {
            if (c as u32) >= 0x2E80 {
                size
            } else {
                size * 0.56
            }
        })
        .sum()
}

/// Opens an `<svg>` with a viewBox, an accessible title and the chart's class.
pub(crate) fn open_svg(out: &mut String, class: &str, w: f64, h: f64, title: &str) {
    let _ = write!(
        out,
        r#"<svg class="chart {class}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="100%" role="img" font-family="inherit"><title>{}</title>"#,
        escape::html(title)
    );
}

/// Legend entries laid out in rows from `(x, y)` within `width`; returns the height used.
pub(crate) fn legend(out: &mut String, items: &[(&str, &str)], x: f64, y: f64, width: f64) -> f64 {
    let (mut cx, mut cy) = (x, y);
    out.push_str(r#"<g class="legend" font-size="12">"#);
    for (label, col) in items {
        let w = 18.0 + text_width(label, 12.0) + 16.0;
        if cx + w > x + width && cx > x {
            cx = x;
            cy += 18.0;
        }
        let _ = write!(
            out,
            r##"<g class="legend-item"><rect x="{cx:.1}" y="{:.1}" width="12" height="12" rx="2" fill="{col}"/><text x="{:.1}" y="{:.1}" fill="#333">{}</text></g>"##,
            cy - 10.0,
            cx + 17.0,
            cy,
            escape::html(label)
        );
        cx += w;
    }
    out.push_str("</g>");
    cy - y + 18.0
}

/// A number for a tick label: grouped thousands, no decimals for whole numbers.
pub(crate) fn tick_label(v: f64) -> String {
    let n = v.round();
    if (v - n).abs() < 1e-9 && n.abs() < 1e15 {
        let s = format!("{}", n.abs() as u64);
        let mut out = String::new();
        if n < 0.0 {
            out.push('-');
        }
        for (i, c) in s.chars().enumerate() {
            if i > 0 && (s.len() - i).is_multiple_of(3) {
                out.push(',');
            }
            out.push(c);
        }
        out
    } else {
        format!("{v:.1}")
    }
}
