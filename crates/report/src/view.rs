//! What the renderers share: the hourly grid, spike sentences, chart inputs.

use crate::chart::{self, Series};
use crate::format::Fmt;
use crate::model::{ChartData, HourlyDetections, Meta, SpikeNote};

const HOUR: i64 = 3_600_000_000;
/// Series drawn separately in the hourly chart; the rest are summed as "other".
const MAX_SERIES: usize = 6;

/// The hourly grid of a report: first hour (UTC µs) and number of hours, from local
/// midnight of `period_from` to the end of `period_to` in the report's time zone.
pub(crate) fn hour_grid(meta: &Meta) -> (i64, usize) {
    use chrono::TimeZone;
    let tz = meta.tz();
    let at = |d: chrono::NaiveDate| {
        d.and_hms_opt(0, 0, 0)
            .and_then(|t| tz.from_local_datetime(&t).earliest())
            .map(|t| t.timestamp_micros())
    };
    let start = at(meta.period_from).unwrap_or(0);
    let end = meta
        .period_to
        .succ_opt()
        .and_then(at)
        .unwrap_or(start + 24 * HOUR);
    (start, ((end - start).max(0) / HOUR) as usize)
}

/// Hourly series on the grid: the largest categories, then "other".
pub(crate) fn hourly_series(
    meta: &Meta,
    fmt: &Fmt,
    block: &HourlyDetections,
) -> (i64, Vec<Series>) {
    let (start, n) = hour_grid(meta);
    let to_values = |points: &[(i64, u64)]| {
        let mut v = vec![Some(0.0); n];
        for (ts, c) in points {
            let i = (ts - start).div_euclid(HOUR);
            if (0..n as i64).contains(&i) {
                let slot = &mut v[i as usize];
                *slot = Some(slot.unwrap_or(0.0) + *c as f64);
            }
        }
        v
    };
    let mut ranked: Vec<(&str, u64, Vec<Option<f64>>)> = block
        .series
        .iter()
        .map(|s| {
            (
                s.name.as_str(),
                s.points.iter().map(|p| p.1).sum(),
                to_values(&s.points),
            )
        })
        .collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let mut out: Vec<Series> = Vec::new();
    let mut other: Option<Vec<Option<f64>>> = None;
    // A category named "other" joins the summed rest: two series labelled "other" would
    // be one too many.
    for (name, _, values) in ranked {
        if out.len() < MAX_SERIES && name != "other" {
            out.push(Series {
                id: name.to_owned(),
                label: fmt.loc.category(name).into_owned(),
                values,
            });
        } else {
            let acc = other.get_or_insert_with(|| vec![Some(0.0); n]);
            for (a, v) in acc.iter_mut().zip(values) {
                *a = Some(a.unwrap_or(0.0) + v.unwrap_or(0.0));
            }
        }
    }
    if let Some(values) = other {
        out.push(Series {
            id: "other".into(),
            label: fmt.loc.category("other").into_owned(),
            values,
        });
    }
    (start, out)
}

/// Index of `ts` on the grid starting at `start`.
pub(crate) fn hour_index(start: i64, ts: i64) -> usize {
    (ts - start).div_euclid(HOUR).max(0) as usize
}

/// The explanation sentence of a spike, in plain text.
pub(crate) fn spike_sentence(fmt: &Fmt, s: &SpikeNote) -> String {
    let cats: Vec<String> = s
        .categories
        .iter()
        .take(3)
        .map(|c| fmt.loc.category(&c.name).into_owned())
        .collect();
    let (start, end) = fmt.range_parts(s.start, s.end);
    let peak = fmt.int(s.peak);
    let baseline = fmt.number(s.baseline, 0);
    let categories = fmt.list(&cats);
    let mut args = vec![
        ("start", start.as_str()),
        ("end", end.as_str()),
        ("peak", peak.as_str()),
        ("baseline", baseline.as_str()),
        ("categories", categories.as_str()),
    ];
    let share;
    let key = match s.tenants.first() {
        Some(t) => {
            share = fmt.percent(t.share * 100.0);
            args.push(("tenant", t.name.as_str()));
            args.push(("share", share.as_str()));
            "hourly.explain"
        }
        None => "hourly.explain_no_tenant",
    };
    let mut out = crate::locale::fill(fmt.loc.text(key), &args, str::to_owned);
    if !s.tools.is_empty() {
        let tools: Vec<String> = s.tools.iter().map(|t| t.name.clone()).collect();
        out.push(' ');
        out.push_str(&crate::locale::fill(
            fmt.loc.text("hourly.tools"),
            &[("tools", &fmt.list(&tools))],
            str::to_owned,
        ));
    }
    out
}

/// The short callout next to a spike marker: time of the peak and its count.
pub(crate) fn spike_callout(fmt: &Fmt, s: &SpikeNote) -> String {
    let t = fmt.local(s.peak_ts).date_naive();
    format!(
        "{} {} {}",
        fmt.axis_day(t),
        fmt.hour(s.peak_ts),
        fmt.count(s.peak)
    )
}

/// Markers for the hourly chart, numbered from 1 like the explanation list.
pub(crate) fn markers(fmt: &Fmt, start: i64, spikes: &[SpikeNote]) -> Vec<chart::Marker> {
    spikes
        .iter()
        .enumerate()
        .map(|(i, s)| chart::Marker {
            at: hour_index(start, s.peak_ts),
            number: i + 1,
            callout: spike_callout(fmt, s),
        })
        .collect()
}

/// Renders a generic chart as SVG.
pub(crate) fn chart_svg(fmt: &Fmt, title: &str, data: &ChartData) -> String {
    let series = |s: &[crate::model::ChartSeries]| -> Vec<Series> {
        s.iter()
            .map(|c| Series {
                id: c.id.clone(),
                label: fmt.text(&c.label),
                values: c.values.clone(),
            })
            .collect()
    };
    match data {
        ChartData::DailyStacked {
            days,
            series: s,
            y_label,
        } => chart::stacked_daily(&chart::StackedDaily {
            title: title.to_owned(),
            days: days.iter().map(|d| fmt.axis_day(*d)).collect(),
            series: series(s),
            y_label: fmt.text(y_label),
        }),
        ChartData::Bars {
            labels,
            series: s,
            y_label,
        } => chart::bar_chart(&chart::BarChart {
            title: title.to_owned(),
            labels: labels.iter().map(|l| fmt.text(l)).collect(),
            series: series(s),
            y_label: fmt.text(y_label),
        }),
        ChartData::Pie { slices } => chart::pie_chart(&chart::PieChart {
            title: title.to_owned(),
            slices: slices
                .iter()
                .enumerate()
                .map(|(i, s)| (format!("slice-{i}"), fmt.text(&s.label), s.value))
                .collect(),
        }),
    }
}
