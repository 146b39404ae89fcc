use kansoku_report::{Lang, render_html, render_markdown, sample_report};

#[test]
fn markdown_ja() {
    insta::assert_snapshot!(render_markdown(&sample_report(Lang::Ja)));
}

#[test]
fn markdown_en() {
    insta::assert_snapshot!(render_markdown(&sample_report(Lang::En)));
}

#[test]
fn html_ja() {
    insta::assert_snapshot!(render_html(&sample_report(Lang::Ja)));
}

#[test]
fn html_en() {
    insta::assert_snapshot!(render_html(&sample_report(Lang::En)));
}
