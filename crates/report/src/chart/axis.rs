//! Readable axis ticks.

use std::fmt::Write;

use super::tick_label;

/// A "nice" step (1, 2, 2.5 or 5 × 10ᵏ) giving at most `max_ticks` intervals up to `max`.
pub(crate) fn nice_step(max: f64, max_ticks: usize) -> f64 {
    if !(max.is_finite() && max > 0.0) {
        return 1.0;
    }
    let raw = max / max_ticks.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    for m in [1.0, 2.0, 2.5, 5.0, 10.0] {
        if m * mag >= raw {
            // Counts are whole; never step by less than one.
            return (m * mag).max(1.0);
        }
    }
    10.0 * mag
}

/// The axis top: `max` rounded up to a whole number of steps (at least one step).
pub(crate) fn nice_max(max: f64, step: f64) -> f64 {
    ((max / step).ceil() * step).max(step)
}

/// Horizontal grid lines with value labels on the left of the plot area.
pub(crate) fn y_grid(out: &mut String, plot: Plot, top_value: f64, step: f64) {
    out.push_str(r##"<g class="y-axis" font-size="11" fill="#555">"##);
    let mut v = 0.0;
    while v <= top_value + step * 1e-9 {
        let y = plot.y(v, top_value);
        let _ = write!(
            out,
            r##"<line x1="{:.1}" x2="{:.1}" y1="{y:.1}" y2="{y:.1}" stroke="{}" stroke-width="1"/><text x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"##,
            plot.left,
            plot.left + plot.width,
            if v == 0.0 { "#888" } else { "#e3e3e3" },
            plot.left - 6.0,
            y + 4.0,
            tick_label(v)
        );
        v += step;
    }
    out.push_str("</g>");
}

/// The plot area of a chart.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Plot {
    pub left: f64,
    pub top: f64,
    pub width: f64,
    pub height: f64,
}

impl Plot {
    /// Y coordinate of `v` on an axis from 0 to `top_value`.
    pub fn y(&self, v: f64, top_value: f64) -> f64 {
        let frac = if top_value > 0.0 { v / top_value } else { 0.0 };
        self.top + self.height * (1.0 - frac.clamp(0.0, 1.0))
    }

    /// Bottom edge.
    pub fn bottom(&self) -> f64 {
        self.top + self.height
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_are_round_numbers() {
        assert_eq!(nice_step(1000.0, 5), 200.0);
        assert_eq!(nice_step(1234.0, 5), 250.0);
        assert_eq!(nice_step(7.0, 5), 2.0);
        assert_eq!(nice_step(3.0, 5), 1.0);
        assert_eq!(nice_step(0.0, 5), 1.0);
        assert_eq!(nice_max(1234.0, 250.0), 1250.0);
    }
}
