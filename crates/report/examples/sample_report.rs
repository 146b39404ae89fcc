//! Writes the sample report to stdout: `cargo run -p kansoku-report --example
//! sample_report -- ja html > /tmp/r.html` (lang `ja|en`, format `html|md|json`).

use kansoku_report::{Lang, render_html, render_json, render_markdown, sample_report};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let lang = args
        .first()
        .and_then(|l| Lang::parse(l))
        .unwrap_or(Lang::Ja);
    let report = sample_report(lang);
    let out = match args.get(1).map(String::as_str) {
        Some("md") => render_markdown(&report),
        Some("json") => render_json(&report),
        _ => render_html(&report),
    };
    print!("{out}");
}
