//! A realistic report model for tests, screenshots and the dashboard's preview.

use chrono::{NaiveDate, TimeZone, Utc};

use crate::model::*;

const HOUR: i64 = 3_600_000_000;

/// Deterministic noise in 0‥1 (no RNG dependency; stable snapshots).
fn noise(i: i64, salt: i64) -> f64 {
    let x = (i.wrapping_mul(2_654_435_761) ^ salt.wrapping_mul(40_503)).rem_euclid(10_007);
    x as f64 / 10_007.0
}

/// A November 2026 report for two tenants: hourly WAF detections with two planted
/// spikes (an SQLi + Log4Shell campaign on one tenant, a Nikto scan), the monthly top 3,
/// and one block of each generic kind (stacked daily chart, table, note, pie).
pub fn sample_report(lang: Lang) -> Report {
    let tz = chrono_tz::Asia::Tokyo;
    let from = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap_or_default();
    let to = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap_or_default();
    let start = tz
        .with_ymd_and_hms(2026, 11, 1, 0, 0, 0)
        .earliest()
        .map_or(0, |t| t.timestamp_micros());
    let cats: [(&str, f64); 6] = [
        ("scanner", 14.0),
        ("credential_probe", 9.0),
        ("sqli", 6.0),
        ("admin_iis", 3.0),
        ("wordpress_config", 2.5),
        ("admin_oracle", 1.5),
    ];
    let spike1 = 2 * 24 + 14; // 11/3 14時
    let spike2 = 17 * 24 + 2; // 11/18 2時
    let hours = 30 * 24;
    let mut series: Vec<NamedSeries> = Vec::new();
    let mut total = vec![0u64; hours];
    for (ci, (name, level)) in cats.iter().enumerate() {
        let mut points = Vec::new();
        for h in 0..hours {
            let daytime = if (9..19).contains(&(h % 24)) {
                1.6
            } else {
                0.7
            };
            let mut v = (level * daytime * (0.6 + 0.8 * noise(h as i64, ci as i64))).round();
            if *name == "sqli" && (spike1..spike1 + 3).contains(&h) {
                v += [420.0, 910.0, 380.0][h - spike1];
            }
            if *name == "scanner" && (spike2..spike2 + 2).contains(&h) {
                v += [640.0, 350.0][h - spike2];
            }
            total[h] += v as u64;
            points.push((start + h as i64 * HOUR, v as u64));
        }
        series.push(NamedSeries {
            name: (*name).into(),
            points,
        });
    }
    let total: Vec<Point> = total
        .iter()
        .enumerate()
        .map(|(h, c)| (start + h as i64 * HOUR, *c))
        .collect();
    let nc = |n: &str, c: u64| NamedCount {
        name: n.into(),
        count: c,
    };
    let spikes = vec![
        SpikeNote {
            start: start + spike1 as i64 * HOUR,
            end: start + (spike1 as i64 + 3) * HOUR,
            peak_ts: start + (spike1 as i64 + 1) * HOUR,
            peak: total[spike1 + 1].1,
            baseline: 41.0,
            score: 48.3,
            excess: 1754,
            tenants: vec![
                Share {
                    name: "shop-example".into(),
                    share: 0.93,
                },
                Share {
                    name: "corp-portal".into(),
                    share: 0.07,
                },
            ],
            categories: vec![nc("sqli", 1710), nc("log4shell", 212)],
            tools: vec![nc("sqlmap", 1388)],
            top_sources: vec![
                nc("203.0.113.45", 1204),
                nc("198.51.100.7", 377),
                nc("192.0.2.200", 96),
            ],
            top_paths: vec![
                nc("/products/view.php?id=1' AND SLEEP(5)--", 640),
                nc("/search?q=${jndi:ldap://x}", 212),
            ],
            first_seen: start + spike1 as i64 * HOUR + 4 * 60_000_000,
            last_seen: start + (spike1 as i64 + 2) * HOUR + 51 * 60_000_000,
        },
        SpikeNote {
            start: start + spike2 as i64 * HOUR,
            end: start + (spike2 as i64 + 2) * HOUR,
            peak_ts: start + spike2 as i64 * HOUR,
            peak: total[spike2].1,
            baseline: 22.0,
            score: 35.7,
            excess: 987,
            tenants: vec![
                Share {
                    name: "corp-portal".into(),
                    share: 0.61,
                },
                Share {
                    name: "shop-example".into(),
                    share: 0.39,
                },
            ],
            categories: vec![nc("scanner", 990), nc("credential_probe", 41)],
            tools: vec![nc("Nikto", 990)],
            top_sources: vec![nc("192.0.2.77", 1012)],
            top_paths: vec![nc("/.env", 41), nc("/admin/", 33)],
            first_seen: start + spike2 as i64 * HOUR + 60_000_000,
            last_seen: start + (spike2 as i64 + 1) * HOUR + 37 * 60_000_000,
        },
    ];
    let hourly = HourlyDetections {
        series,
        total,
        spikes,
        other_bursts: vec![BurstNote {
            start: start + 200 * HOUR,
            end: start + 201 * HOUR,
            peak_ts: start + 200 * HOUR,
            peak: 46,
            baseline: 3.0,
            excess: 43,
            main_category: Some("scanner".into()),
            main_source: Some("198.51.100.23".into()),
        }],
        method: SpikeMethod { window_hours: 336, season_hours: Some(168), season_weight: 0.5, threshold: 6.0, min_count: 20, episode_gap_hours: 2, explained: 3 },
        queries: vec!["SELECT date_trunc('hour', ts) AS hour, category, count(*) FROM http CROSS JOIN unnest(categories) AS c(category) WHERE ts >= $from AND ts < $to GROUP BY 1, 2 ORDER BY 1".into()],
    };
    let entry = |c: &str, n: u64, p: Option<u64>| TopEntry {
        category: c.into(),
        count: n,
        previous: p,
        change_pct: p
            .filter(|p| *p > 0)
            .map(|p| (n as f64 - p as f64) / p as f64 * 100.0),
    };
    let top = TopCategoriesPerMonth {
        top_n: 3,
        months: vec![
            MonthTop { month: "2026-09".into(), top: vec![entry("scanner", 9120, None), entry("credential_probe", 6010, None), entry("admin_iis", 2300, None)] },
            MonthTop { month: "2026-10".into(), top: vec![entry("scanner", 9655, Some(9120)), entry("credential_probe", 5702, Some(6010)), entry("sqli", 3120, Some(1980))] },
            MonthTop { month: "2026-11".into(), top: vec![entry("scanner", 12_400, Some(9655)), entry("credential_probe", 6480, Some(5702)), entry("sqli", 6350, Some(3120))] },
        ],
        queries: vec!["SELECT date_trunc('month', ts) AS month, category, count(*) AS n FROM http CROSS JOIN unnest(categories) AS c(category) GROUP BY 1, 2 ORDER BY 1, 3 DESC".into()],
    };
    let days: Vec<NaiveDate> = from.iter_days().take(30).collect();
    let svc = |id: &str, base: f64, slope: f64| ChartSeries {
        id: id.into(),
        label: Text::plain(id),
        values: (0..30)
            .map(|d| Some((base + slope * d as f64 + 20.0 * noise(d, base as i64)).round()))
            .collect(),
    };
    let firewall = ChartFigure {
        title: Some(Text::label("section.firewall_daily")),
        chart: ChartData::DailyStacked {
            days,
            series: vec![svc("telnet/23", 300.0, 12.0), svc("ssh/22", 420.0, 0.0), svc("ws-discovery/3702", 60.0, 6.0), svc("rdp/3389", 180.0, 0.0)],
            y_label: Text::label("firewall.y_axis"),
        },
        queries: vec!["SELECT date_trunc('day', ts), dst_port, proto, count(*) FROM net WHERE direction = 'inbound' GROUP BY 1, 2, 3".into()],
    };
    let col = Column::new;
    let rising = Table {
        title: Some(Text::label("section.rising_services")),
        columns: vec![
            col("firewall.service", Align::Left),
            col("firewall.slope", Align::Right),
            col("firewall.p_value", Align::Right),
            col("firewall.trend", Align::Center),
        ],
        rows: vec![
            vec![
                Value::Code("telnet/23".into()),
                Value::Number(12.1),
                Value::Number(0.0001),
                Value::Label("firewall.rising".into()),
            ],
            vec![
                Value::Code("ws-discovery/3702".into()),
                Value::Number(5.8),
                Value::Number(0.003),
                Value::Label("firewall.rising".into()),
            ],
        ],
        footnote: None,
        queries: vec![
            "SELECT date_trunc('day', ts), dst_port, proto, count(*) FROM net GROUP BY 1, 2, 3"
                .into(),
        ],
    };
    let leak = Table {
        title: None,
        columns: vec![
            col("leak.group", Align::Left),
            col("leak.japan", Align::Right),
            col("leak.outside", Align::Right),
            col("leak.total", Align::Right),
            col("leak.previous", Align::Right),
        ],
        rows: vec![
            vec![
                Value::Text("LockBit".into()),
                Value::Count(3),
                Value::Count(41),
                Value::Count(44),
                Value::Count(38),
            ],
            vec![
                Value::Text("Akira".into()),
                Value::Count(1),
                Value::Count(19),
                Value::Count(20),
                Value::Count(25),
            ],
            vec![
                Value::Text("Qilin".into()),
                Value::Missing,
                Value::Missing,
                Value::Missing,
                Value::Missing,
            ],
        ],
        footnote: Some(Text::template(
            "leak.known_share",
            [("share", Value::Percent(71.4))],
        )),
        queries: vec![
            "SELECT \"group\", count(*) FILTER (WHERE country = 'JP') FROM leak GROUP BY 1".into(),
        ],
    };
    let pie = ChartFigure {
        title: Some(Text::label("section.leak_countries")),
        chart: ChartData::Pie {
            slices: vec![
                Slice {
                    label: Text::plain("US"),
                    value: 31.0,
                },
                Slice {
                    label: Text::plain("DE"),
                    value: 8.0,
                },
                Slice {
                    label: Text::plain("JP"),
                    value: 4.0,
                },
                Slice {
                    label: Text::label("leak.unknown"),
                    value: 21.0,
                },
            ],
        },
        queries: vec!["SELECT country, count(*) FROM leak GROUP BY 1".into()],
    };
    let advice = Note {
        tone: Tone::Advice,
        title: Some(Text::plain("telnet/23")),
        paragraphs: vec![Text::plain(match lang {
            Lang::Ja => {
                "Telnetは認証情報が平文で流れ、IoTボットネット（Mirai系）の主な感染経路です。インターネットからの到達を遮断し、SSHなどに置き換えてください。"
            }
            Lang::En => {
                "Telnet sends credentials in clear text and is the main infection path of IoT botnets (Mirai and its kin). Block it from the internet and replace it with SSH."
            }
        })],
    };
    Report {
        schema_version: SCHEMA_VERSION,
        meta: Meta {
            title: String::new(),
            period_from: from,
            period_to: to,
            generated_at: Utc
                .with_ymd_and_hms(2026, 12, 1, 0, 30, 0)
                .earliest()
                .unwrap_or_default(),
            tenant: None,
            lang,
            timezone: "Asia/Tokyo".into(),
        },
        sections: vec![
            Section::new(
                "hourly",
                "chapter.waf",
                Text::label("section.hourly"),
                vec![Block::HourlyDetections(hourly)],
            ),
            Section::new(
                "top-monthly",
                "chapter.waf",
                Text::template("section.top_monthly", [("n", Value::Count(3))]),
                vec![Block::TopCategoriesPerMonth(top)],
            ),
            Section::new(
                "firewall",
                "chapter.firewall",
                Text::label("section.firewall_daily"),
                vec![
                    Block::Chart(firewall),
                    Block::Table(rising),
                    Block::Note(advice),
                ],
            ),
            Section::new(
                "leaks",
                "chapter.darkweb",
                Text::label("section.leak_groups"),
                vec![Block::Table(leak), Block::Chart(pie)],
            ),
        ],
    }
}
