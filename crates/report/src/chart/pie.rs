//! Pie chart with a legend of shares.

use std::f64::consts::TAU;
use std::fmt::Write;

use super::{colours, open_svg};
use crate::escape;

/// A pie: labelled slices (any unit; shares are computed).
#[derive(Debug, Clone, PartialEq)]
pub struct PieChart {
    /// Accessible title.
    pub title: String,
    /// `(id, label, value)` per slice, largest first.
    pub slices: Vec<(String, String, f64)>,
}

/// Renders the pie with a legend listing each slice's share.
pub fn pie_chart(chart: &PieChart) -> String {
    let total: f64 = chart.slices.iter().map(|s| s.2.max(0.0)).sum();
    let rows = chart.slices.len().max(1) as f64;
    let h = (rows * 22.0 + 40.0).max(260.0);
    let mut out = String::with_capacity(4 * 1024);
    open_svg(&mut out, "pie-chart", 640.0, h, &chart.title);
    let (cx, cy, r) = (130.0, h / 2.0, 110.0);
    let mut angle = -TAU / 4.0;
    let palette = colours(chart.slices.iter().map(|s| s.0.as_str()));
    for (i, (id, label, v)) in chart.slices.iter().enumerate() {
        let share = if total > 0.0 { v.max(0.0) / total } else { 0.0 };
        let id = escape::ident(id);
        let tip = format!("{label}: {:.1}%", share * 100.0);
        if share >= 0.999_999 {
            let _ = write!(
                out,
                r##"<circle class="series" data-series="{id}" cx="{cx}" cy="{cy:.1}" r="{r}" fill="{}" stroke="#fff"><title>{}</title></circle>"##,
                palette[i],
                escape::html(&tip)
            );
        } else if share > 0.0 {
            let a1 = angle + share * TAU;
            let large = if share > 0.5 { 1 } else { 0 };
            let _ = write!(
                out,
                r##"<path class="series" data-series="{id}" d="M{cx},{cy:.1}L{:.2},{:.2}A{r},{r} 0 {large} 1 {:.2},{:.2}Z" fill="{}" stroke="#fff" stroke-width="1.5"><title>{}</title></path>"##,
                cx + r * angle.cos(),
                cy + r * angle.sin(),
                cx + r * a1.cos(),
                cy + r * a1.sin(),
                palette[i],
                escape::html(&tip)
            );
            angle = a1;
        }
        let ly = 30.0 + i as f64 * 22.0;
        let _ = write!(
            out,
            r##"<g class="legend-item" font-size="12"><rect x="280" y="{:.1}" width="12" height="12" rx="2" fill="{}"/><text x="298" y="{ly:.1}" fill="#333">{}</text><text x="620" y="{ly:.1}" fill="#333" text-anchor="end">{:.1}%</text></g>"##,
            ly - 10.0,
            palette[i],
            escape::html(label),
            share * 100.0
        );
    }
    out.push_str("</svg>");
    out
}
