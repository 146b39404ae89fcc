//! Report section 6 from cases, rendered by the report crate.

use chrono::{DateTime, Utc};
use kansoku_ir::case::{CaseType, Cases, NewCase};
use kansoku_ir::section::{incidents_section, type_key};
use kansoku_ir::time::parse_time;
use kansoku_report::model::{Block, ChartData, Value};
use kansoku_report::{Lang, Locale};

#[test]
fn section_six_has_bars_and_a_table_with_the_share() {
    let tmp = tempfile::tempdir().expect("tmp");
    let cases = Cases::new(tmp.path());
    let now: DateTime<Utc> = "2026-10-03T01:00:00Z".parse().expect("now");
    for (name, t, learned) in [
        ("a", CaseType::Ransomware, "2025-05-01"),
        ("b", CaseType::Ddos, "2025-06-01"),
        ("c", CaseType::Ransomware, "2026-01-10"),
    ] {
        let mut n = NewCase::new(name, t, "x");
        n.learned = Some(parse_time(learned, chrono_tz::Asia::Tokyo).expect("t"));
        cases.create(&n, now).expect("case");
    }
    let list = cases.list().expect("list");
    assert!(incidents_section(std::iter::empty(), chrono_tz::Asia::Tokyo).is_none());
    let s = incidents_section(list.cases.iter().map(|c| &c.meta), chrono_tz::Asia::Tokyo)
        .expect("section");
    assert_eq!(s.id, "incidents-by-type");
    let [Block::Chart(chart), Block::Table(table)] = s.blocks.as_slice() else {
        panic!("blocks: {:?}", s.blocks)
    };
    let ChartData::Bars { labels, series, .. } = &chart.chart else {
        panic!("not bars")
    };
    assert_eq!(labels.len(), 2);
    assert_eq!(series[0].id, "ransomware");
    assert_eq!(series[0].values, [Some(1.0), Some(1.0)]);
    assert_eq!(series[3].values, [Some(1.0), Some(0.0)]);
    // 2025: 1 of 2 = 50%; 2026: 1 of 1 = 100%, +50 points.
    assert_eq!(table.rows[0][7], Value::Percent(50.0));
    assert_eq!(table.rows[1][7], Value::Percent(100.0));
    assert_eq!(table.rows[1][8], Value::Number(50.0));
    assert_eq!(table.rows[0][8], Value::Missing);
    for lang in [Lang::Ja, Lang::En] {
        let l = Locale::get(lang);
        for t in CaseType::ALL {
            assert!(l.has(&type_key(t)), "{lang:?}: {}", type_key(t));
        }
        for k in ["incident.total", "incident.change", "incident.method"] {
            assert!(l.has(k), "{lang:?}: {k}");
        }
    }
    let mut report = kansoku_report::sample_report(Lang::Ja);
    report.sections.push(s);
    let html = kansoku_report::render_html(&report);
    assert!(
        html.contains("ランサムウェア") && html.contains("Web改ざん・侵害"),
        "section rendered with ja labels"
    );
}
