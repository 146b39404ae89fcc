use kansoku_report::{Block, Lang, render_html, sample_report};

fn count(hay: &str, needle: &str) -> usize {
    hay.matches(needle).count()
}

#[test]
fn one_self_contained_file_without_script() {
    let html = render_html(&sample_report(Lang::Ja));
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains(r#"<html lang="ja">"#));
    assert!(html.contains(r#"name="viewport""#));
    assert!(html.contains("@page"));
    let lower = html.to_lowercase();
    for banned in ["<script", "<link", "<img", "@import", "url(", "src="] {
        assert!(!lower.contains(banned), "found {banned}");
    }
    assert!(
        !lower.contains("http://")
            || lower.matches("http://").all(|_| true)
                && lower.contains("xmlns=\"http://www.w3.org/2000/svg\"")
    );
}

#[test]
fn hourly_chart_has_one_series_per_category_and_one_marker_per_spike() {
    let r = sample_report(Lang::En);
    let Block::HourlyDetections(h) = &r.sections[0].blocks[0] else {
        panic!("first block is the hourly chart");
    };
    let html = render_html(&r);
    let start = html.find("hourly-chart").expect("hourly chart present");
    let end = start + html[start..].find("</svg>").expect("closed");
    let svg = &html[start..end];
    assert_eq!(count(svg, r#"class="series""#), h.series.len());
    assert_eq!(count(svg, r#"class="spike-marker""#), h.spikes.len());
    assert_eq!(h.spikes.len(), 2);
    // The explanation list is numbered like the markers.
    assert!(html.contains(r#"id="spike-1""#) && html.contains(r#"id="spike-2""#));
}

#[test]
fn header_toc_and_spike_explanations_read_as_the_analyst_writes_them() {
    let html = render_html(&sample_report(Lang::Ja));
    assert!(html.contains("<h1>定期観測レポート</h1>"));
    assert!(html.contains("2026年11月1日(日)〜2026年11月30日(月)"));
    assert!(html.contains("目次"));
    assert!(html.contains(r##"<a href="#hourly">1時間ごとの検知数</a>"##));
    assert!(html.contains("月ごとの攻撃検知数トップ3"));
    assert!(
        html.contains("2026年11月3日(火) 14時〜17時に検知が急増し、最大で1時間に970件"),
        "spike 1 in Tokyo time"
    );
    assert!(html.contains(
        "shop-exampleが93%を占め、主な攻撃はSQLインジェクション、Log4Shell（Log4j JNDI）。"
    ));
    let en = render_html(&sample_report(Lang::En));
    assert!(en.contains("Tue 3 Nov 2026 14:00 to 17:00"));
    assert!(en.contains("Tools: Nikto"));
}

#[test]
fn generic_blocks_render_their_charts_and_missing_values() {
    let html = render_html(&sample_report(Lang::Ja));
    assert!(html.contains("stacked-chart"));
    assert!(html.contains("pie-chart"));
    assert!(html.contains("bar-chart"));
    assert!(
        html.contains("<td class=\"num\">—</td>"),
        "a group without observations shows —"
    );
    assert!(html.contains("ランサムウェアグループ"));
}
