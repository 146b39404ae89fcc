//! Every series of a chart has its own colour, in the legend and in the drawing.

use std::collections::BTreeSet;

use super::*;
use crate::format::Fmt;
use crate::model::Lang;

fn series(ids: &[&str], len: usize) -> Vec<Series> {
    ids.iter()
        .enumerate()
        .map(|(i, id)| Series {
            id: (*id).to_owned(),
            label: format!("{id} label"),
            values: vec![Some(1.0 + i as f64); len],
        })
        .collect()
}

/// The fill drawn for each `data-series`, in order, and the legend's swatches.
fn fills(svg: &str) -> (Vec<(String, String)>, Vec<String>) {
    let attr = |s: &str, name: &str| -> String {
        let at = s.find(&format!("{name}=\"")).expect(name) + name.len() + 2;
        s[at..].split('"').next().expect("closing quote").to_owned()
    };
    let drawn = svg
        .split("data-series=\"")
        .skip(1)
        .map(|rest| {
            let id = rest.split('"').next().expect("id").to_owned();
            (id, attr(rest, "fill"))
        })
        .collect();
    let legend = svg
        .split("class=\"legend-item\"")
        .skip(1)
        .map(|rest| attr(rest, "fill"))
        .collect();
    (drawn, legend)
}

fn assert_distinct(what: &str, svg: &str, n: usize) {
    let (drawn, legend) = fills(svg);
    assert_eq!(drawn.len(), n, "{what}: one drawn element per series");
    let colours: BTreeSet<&str> = drawn.iter().map(|(_, c)| c.as_str()).collect();
    assert_eq!(
        colours.len(),
        n,
        "{what}: two series share a colour: {drawn:?}"
    );
    if !legend.is_empty() {
        let drawn_order: Vec<&str> = drawn.iter().map(|(_, c)| c.as_str()).collect();
        let legend_order: Vec<&str> = legend.iter().map(String::as_str).collect();
        assert_eq!(legend_order, drawn_order, "{what}: legend matches drawing");
    }
}

/// The firewall chart: eight services and "other ports". With a palette of eight
/// colours taken modulo, "other ports" came out as ssh's blue.
const FIREWALL: [&str; 9] = [
    "ssh",
    "smb",
    "rdp",
    "telnet",
    "ws-discovery",
    "https",
    "mysql",
    "vnc",
    "other",
];

#[test]
fn firewall_chart_gives_other_ports_its_own_colour() {
    let svg = stacked_daily(&StackedDaily {
        title: "firewall".into(),
        days: (1..=5).map(|d| format!("8/{d}")).collect(),
        series: series(&FIREWALL, 5),
        y_label: "connections".into(),
    });
    assert_distinct("firewall", &svg, FIREWALL.len());
    let (drawn, _) = fills(&svg);
    assert_eq!(drawn[0], ("ssh".to_owned(), PALETTE[0].to_owned()));
    assert_eq!(drawn[8], ("other".to_owned(), OTHER.to_owned()));
}

#[test]
fn charts_with_more_series_than_the_palette_repeat_no_colour() {
    let ids: Vec<String> = (0..3 * PALETTE.len() + 2)
        .map(|i| format!("s{i}"))
        .chain(["other".to_owned()])
        .collect();
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    let n = ids.len();
    let days: Vec<String> = (1..=4).map(|d| format!("8/{d}")).collect();
    let stacked = stacked_daily(&StackedDaily {
        title: "t".into(),
        days: days.clone(),
        series: series(&ids, 4),
        y_label: "y".into(),
    });
    assert_distinct("stacked", &stacked, n);
    let bars = bar_chart(&BarChart {
        title: "t".into(),
        labels: days,
        series: series(&ids, 4),
        y_label: "y".into(),
    });
    assert_distinct("bars", &bars, n);
    let fmt = Fmt {
        loc: crate::Locale::get(Lang::En),
        tz: chrono_tz::UTC,
    };
    let hourly = hourly_chart(
        &HourlyChart {
            title: "t".into(),
            start: 0,
            series: series(&ids, 48),
            markers: Vec::new(),
            y_label: "y".into(),
        },
        &fmt,
    );
    assert_distinct("hourly", &hourly, n);
    let pie = pie_chart(&PieChart {
        title: "t".into(),
        slices: ids
            .iter()
            .enumerate()
            .map(|(i, id)| ((*id).to_owned(), (*id).to_owned(), 1.0 + i as f64))
            .collect(),
    });
    assert_distinct("pie", &pie, n);
}

#[test]
fn the_palette_order_is_kept_and_extended_without_repeats() {
    let ids: Vec<String> = (0..90).map(|i| format!("s{i}")).collect();
    let all = colours(ids.iter().map(String::as_str));
    assert_eq!(&all[..PALETTE.len()], PALETTE.map(str::to_owned).as_slice());
    let unique: BTreeSet<&String> = all.iter().collect();
    assert_eq!(unique.len(), all.len(), "{all:?}");
    assert!(!all.iter().any(|c| c == OTHER), "grey is kept for other");
    // A second "other" (two charts' rests in one) is a named series like any other.
    assert_eq!(
        colours(["other", "a", "other"]),
        [
            OTHER.to_owned(),
            PALETTE[0].to_owned(),
            PALETTE[1].to_owned()
        ]
    );
}
