//! Section 3: inbound traffic per day by service, rising services, exposure advice.

use chrono::NaiveDate;
use kansoku_event::net::{Action, Direction, NetFlow};
use kansoku_lake::Lake;
use kansoku_report::Lang;
use kansoku_report::model::{Block, ChartData, Note, Table, Text, Tone, Value};

use crate::lake::{Noise, TENANT, blocks, report, section, tokyo, write_net};

/// (service, port, proto, connections on the first day, on the last day, allowed).
const SERVICES: &[(&str, u16, &str, f64, f64, bool)] = &[
    ("ssh", 22, "tcp", 120.0, 120.0, false),
    ("smb", 445, "tcp", 80.0, 80.0, false),
    ("rdp", 3389, "tcp", 60.0, 60.0, true),
    ("telnet", 23, "tcp", 20.0, 140.0, false),
    ("ws-discovery", 3702, "udp", 10.0, 70.0, false),
    ("https", 443, "tcp", 50.0, 50.0, true),
    // A second reflector and a database: the advice groups services by kind.
    ("ssdp", 1900, "udp", 8.0, 8.0, false),
    ("mysql", 3306, "tcp", 5.0, 5.0, false),
];
const DAYS: u32 = 60;
/// A day on which the firewall wrote no log at all (an outage, not zero traffic).
const GAP: u32 = 30;

fn day(i: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 8, 1).expect("date") + chrono::Days::new(u64::from(i))
}

/// Writes the traffic and returns the inbound connections written per service.
fn fill(lake: &Lake) -> Vec<(&'static str, u64)> {
    let mut noise = Noise::new(7);
    let mut totals = vec![0u64; SERVICES.len()];
    let mut rows = Vec::new();
    for d in (0..DAYS).filter(|d| *d != GAP) {
        for (k, (name, port, proto, first, last, allowed)) in SERVICES.iter().enumerate() {
            let level = first + (last - first) * f64::from(d) / f64::from(DAYS - 1);
            let n = (level * (1.0 + 0.15 * noise.next())).round().max(0.0) as u32;
            for j in 0..n {
                rows.push(NetFlow {
                    // Spread over the local day, 23:59 included: days are Tokyo days.
                    ts: tokyo(day(d), (j * 7) % 24, 59),
                    tenant: TENANT.into(),
                    src_ip: Some(format!("198.51.100.{}", j % 200)),
                    src_port: Some(40000),
                    dst_ip: Some("192.0.2.10".into()),
                    dst_port: Some(*port),
                    proto: Some((*proto).into()),
                    service: Some((*name).into()),
                    action: Some(if *allowed {
                        Action::Allow
                    } else {
                        Action::Drop
                    }),
                    direction: Direction::Inbound,
                    source: "fw.log".into(),
                    ..NetFlow::default()
                });
            }
            totals[k] += u64::from(n);
        }
        // Outbound traffic is not part of the section.
        rows.push(NetFlow {
            ts: tokyo(day(d), 12, 0),
            tenant: TENANT.into(),
            dst_port: Some(23),
            proto: Some("tcp".into()),
            service: Some("telnet".into()),
            action: Some(Action::Allow),
            direction: Direction::Outbound,
            source: "fw.log".into(),
            ..NetFlow::default()
        });
    }
    write_net(lake, "batch-1", &rows);
    SERVICES.iter().zip(totals).map(|(s, n)| (s.0, n)).collect()
}

fn plain(t: &Text) -> &str {
    match t {
        Text::Plain { text } => text,
        other => panic!("expected plain text, got {other:?}"),
    }
}

fn code(v: &Value) -> &str {
    match v {
        Value::Code(s) => s,
        other => panic!("expected code, got {other:?}"),
    }
}

#[test]
fn rising_telnet_and_ws_discovery_and_nothing_else() {
    let dir = tempfile::tempdir().expect("tempdir");
    let lake = Lake::open(dir.path()).expect("lake");
    let totals = fill(&lake);
    let report = report(&lake, day(0), day(DAYS - 1), Lang::En);

    // The daily chart: one layer per service, the gap day drawn as no observation.
    let daily = section(&report, "firewall");
    let chart = blocks(daily, |b| match b {
        Block::Chart(c) => Some(c),
        _ => None,
    });
    let ChartData::DailyStacked { days, series, .. } = &chart[0].chart else {
        panic!("expected a daily stacked chart");
    };
    assert_eq!(days.len(), DAYS as usize);
    assert_eq!(series.len(), SERVICES.len());
    for s in series {
        assert_eq!(s.values[GAP as usize], None, "{} on the gap day", s.id);
        let (_, want) = totals.iter().find(|(n, _)| *n == s.id).expect("known");
        let got: f64 = s.values.iter().flatten().sum();
        assert_eq!(got as u64, *want, "{} total", s.id);
    }
    let ssh = series.iter().find(|s| s.id == "ssh").expect("ssh");
    assert_eq!(plain(&ssh.label), "ssh (22/tcp)");

    // The service table shows every service with its totals; only two rise.
    let table: Vec<&Table> = blocks(daily, |b| match b {
        Block::Table(t) => Some(t),
        _ => None,
    });
    let rising_in_table: Vec<&str> = table[0]
        .rows
        .iter()
        .filter(|r| r[6] == Value::Label("firewall.rising".into()))
        .map(|r| code(&r[0]))
        .collect();
    assert_eq!(
        rising_in_table,
        ["telnet (23/tcp)", "ws-discovery (3702/udp)"]
    );

    let rising = section(&report, "rising-services");
    let t = blocks(rising, |b| match b {
        Block::Table(t) => Some(t),
        _ => None,
    });
    let names: Vec<&str> = t[0].rows.iter().map(|r| code(&r[0])).collect();
    assert_eq!(names, ["telnet (23/tcp)", "ws-discovery (3702/udp)"]);
    let telnet = &t[0].rows[0];
    let telnet_total = totals
        .iter()
        .find(|(n, _)| *n == "telnet")
        .expect("telnet")
        .1;
    assert_eq!(telnet[1], Value::Count(telnet_total));
    // About 2 more connections a day (20 → 140 over 59 days), a rise of about 600 %.
    let Value::Number(slope) = telnet[2] else {
        panic!("slope")
    };
    assert!((slope - 120.0 / 59.0).abs() < 0.3, "slope {slope}");
    let Value::Percent(change) = telnet[3] else {
        panic!("change")
    };
    assert!((450.0..750.0).contains(&change), "change {change}");
}

#[test]
fn advice_is_one_box_per_kind_listing_its_services() {
    let dir = tempfile::tempdir().expect("tempdir");
    let lake = Lake::open(dir.path()).expect("lake");
    let totals = fill(&lake);
    let total = |name: &str| totals.iter().find(|(n, _)| *n == name).expect(name).1;
    let report = report(&lake, day(0), day(DAYS - 1), Lang::Ja);
    let advice = section(&report, "exposure-advice");
    let notes: Vec<&Note> = blocks(advice, |b| match b {
        Block::Note(n) => Some(n),
        _ => None,
    });
    let title = |n: &Note| match n.title.as_ref().expect("title") {
        Text::Label { key } => key.clone(),
        other => panic!("expected a label, got {other:?}"),
    };
    // One line per service: (service, connections, allowed, trend).
    let lines = |n: &Note| -> Vec<(String, Value, Value, Value)> {
        n.paragraphs
            .iter()
            .filter_map(|p| match p {
                Text::Template { key, args } if key == "firewall.advice_service" => {
                    let arg = |k: &str| args.get(k).cloned().expect(k);
                    Some((
                        code(&arg("service")).to_owned(),
                        arg("connections"),
                        arg("allowed"),
                        arg("trend"),
                    ))
                }
                _ => None,
            })
            .collect()
    };
    let summary: Vec<(String, Tone, Vec<String>)> = notes
        .iter()
        .map(|n| {
            let names = lines(n).into_iter().map(|l| l.0).collect();
            (title(n), n.tone, names)
        })
        .collect();
    // RDP was let through, so its kind leads as a warning; then the kinds with rising
    // traffic, the busier first; SSH and HTTPS may face the internet and get no advice.
    let s = |v: &[&str]| v.iter().map(|x| (*x).to_owned()).collect::<Vec<_>>();
    assert_eq!(
        summary,
        [
            (
                "advice.ransomware.title".to_owned(),
                Tone::Warning,
                s(&["smb (445/tcp)", "rdp (3389/tcp)"])
            ),
            (
                "advice.botnet.title".to_owned(),
                Tone::Advice,
                s(&["telnet (23/tcp)"])
            ),
            (
                "advice.reflection.title".to_owned(),
                Tone::Advice,
                s(&["ws-discovery (3702/udp)", "ssdp (1900/udp)"])
            ),
            (
                "advice.database.title".to_owned(),
                Tone::Advice,
                s(&["mysql (3306/tcp)"])
            ),
        ]
    );
    let rising = Value::Label("firewall.advice_rising".into());
    let flat = Value::Label("firewall.advice_flat".into());
    let reflectors = lines(notes[2]);
    assert_eq!(
        reflectors[0],
        (
            "ws-discovery (3702/udp)".to_owned(),
            Value::Count(total("ws-discovery")),
            Value::Count(0),
            rising.clone()
        )
    );
    assert_eq!(reflectors[1].1, Value::Count(total("ssdp")));
    assert_eq!(reflectors[1].3, flat);
    let rdp = &lines(notes[0])[1];
    assert_eq!(
        rdp.2,
        Value::Count(total("rdp")),
        "every RDP packet allowed"
    );
    // The kind's text once per box, after its services.
    for (n, kind) in notes
        .iter()
        .zip(["ransomware", "botnet", "reflection", "database"])
    {
        let why = Text::label(format!("advice.{kind}.why"));
        assert_eq!(n.paragraphs.iter().filter(|p| **p == why).count(), 1);
        assert!(
            n.paragraphs
                .contains(&Text::label(format!("advice.{kind}.todo")))
        );
    }
    assert!(
        notes[0]
            .paragraphs
            .contains(&Text::label("firewall.reachable"))
    );
    assert!(
        !notes[1]
            .paragraphs
            .contains(&Text::label("firewall.reachable"))
    );
    // Every key the section names exists in both locales.
    for lang in [Lang::Ja, Lang::En] {
        let loc = kansoku_report::Locale::get(lang);
        for n in &notes {
            for t in n.title.iter().chain(&n.paragraphs) {
                if let Text::Label { key } | Text::Template { key, .. } = t {
                    assert!(loc.has(key), "{key} missing in {lang:?}");
                }
            }
        }
    }
    let html = kansoku_report::render_html(&report);
    assert!(
        html.contains("IoTボットネット") && html.contains("DoSの反射・増幅に悪用されるUDPサービス"),
        "the Japanese advice text is shown"
    );
    assert_eq!(
        html.matches("これらのUDPサービスは").count(),
        1,
        "the reflectors share one box"
    );
    assert!(
        html.contains(&format!(
            "ssdp (1900/udp)：外部からの通信{}件（うちファイアウォールが許可したもの0件）、有意な傾向なし。",
            fmt_count(total("ssdp"))
        )),
        "each service's line reads in Japanese"
    );
}

/// A count as the report writes it: thousands grouped with commas.
fn fmt_count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[test]
fn no_firewall_logs_says_so() {
    let dir = tempfile::tempdir().expect("tempdir");
    let lake = Lake::open(dir.path()).expect("lake");
    let report = report(&lake, day(0), day(DAYS - 1), Lang::En);
    let s = section(&report, "firewall");
    assert_eq!(
        s.blocks,
        [Block::Note(Note {
            tone: Tone::Info,
            title: None,
            paragraphs: vec![Text::label("firewall.no_data")],
        })]
    );
    assert!(report.sections.iter().all(|s| s.id != "rising-services"));
}
