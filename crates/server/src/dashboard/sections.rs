//! One dashboard page per report section, over a recent window of the lake.
//!
//! The figures are the report's own: [`kansoku_analyze::build_report`] answers the
//! questions for the window (`?days=N`, the last N UTC days including today, 1 to 31,
//! 7 by default) and the report crate renders each section, charts included, with every
//! string from a log escaped. The report renders whole documents only, so a page cuts its
//! section's element out of a one-section report ([`section_fragment`]); the fragment
//! holds no script and no inline style, so the dashboard's CSP applies unchanged.
//!
//! A report costs a few queries per section over the window; one is kept per window for
//! [`CACHE_FOR`], so reloading a page or moving between sections does not query again.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use chrono::{Days, Utc};
use kansoku_analyze::{Period, ReportRequest, build_report};
use kansoku_report::escape::html;
use kansoku_report::format::Fmt;
use kansoku_report::{Lang, Report, render_html};

use super::Board;
use super::pages::page;

/// How long a computed report is shown before the next request queries again.
pub const CACHE_FOR: Duration = Duration::from_secs(60);

/// Windows offered in the selector; any 1 to [`MAX_DAYS`] is accepted.
const WINDOWS: [u32; 3] = [1, 7, 30];
const DEFAULT_DAYS: u32 = 7;
const MAX_DAYS: u32 = 31;

/// Reports computed per window (days), with when.
#[derive(Default)]
pub struct ReportCache {
    reports: Mutex<HashMap<u32, (Instant, Arc<Report>)>>,
}

/// The window of `?days=N`; `Err` names what is wrong.
pub fn window(uri: &Uri) -> Result<u32, String> {
    let Some(q) = uri.query() else {
        return Ok(DEFAULT_DAYS);
    };
    let mut days = DEFAULT_DAYS;
    for pair in q.split('&') {
        if let Some(v) = pair.strip_prefix("days=") {
            days = v
                .parse::<u32>()
                .ok()
                .filter(|d| (1..=MAX_DAYS).contains(d))
                .ok_or_else(|| format!("days must be a whole number from 1 to {MAX_DAYS}"))?;
        }
    }
    Ok(days)
}

/// The last `days` UTC days, today included.
pub fn period(days: u32, today: chrono::NaiveDate) -> Period {
    Period {
        from: today
            .checked_sub_days(Days::new(u64::from(days.max(1) - 1)))
            .unwrap_or(today),
        to: today,
    }
}

async fn report(board: &Board, days: u32) -> Result<Arc<Report>, String> {
    if let Ok(cache) = board.reports.reports.lock()
        && let Some((at, r)) = cache.get(&days)
        && at.elapsed() < CACHE_FOR
    {
        return Ok(Arc::clone(r));
    }
    let ctx = board.lake.session().await.map_err(|e| e.to_string())?;
    let mut req = ReportRequest::new(period(days, Utc::now().date_naive()), Lang::En);
    req.tz = chrono_tz::UTC;
    let r = Arc::new(build_report(&ctx, &req).await.map_err(|e| e.to_string())?);
    if let Ok(mut cache) = board.reports.reports.lock() {
        cache.insert(days, (Instant::now(), Arc::clone(&r)));
    }
    Ok(r)
}

/// The `<section>` element of a report rendered by [`render_html`] (its first section).
pub fn section_fragment(document: &str) -> Option<&str> {
    let start = document.find("<section class=\"report-section")?;
    let end = document.rfind("</section>")? + "</section>".len();
    (start < end).then(|| &document[start..end])
}

/// The section `id` of `report` as a dashboard fragment.
pub fn render_section(report: &Report, id: &str) -> Option<String> {
    let section = report.sections.iter().find(|s| s.id == id)?;
    let one = Report {
        schema_version: report.schema_version,
        meta: report.meta.clone(),
        sections: vec![section.clone()],
    };
    section_fragment(&render_html(&one)).map(str::to_owned)
}

/// Links to every section and window; the current ones marked.
fn section_nav(report: &Report, current: &str, days: u32) -> String {
    let fmt = Fmt::for_meta(&report.meta);
    let mut s = String::from(r#"<nav class="sections"><ul>"#);
    for sec in &report.sections {
        let mark = if sec.id == current {
            r#" aria-current="page""#
        } else {
            ""
        };
        let _ = write!(
            s,
            r#"<li><a href="/report/{id}?days={days}"{mark}>{}</a></li>"#,
            html(&fmt.text(&sec.title)),
            id = html(&sec.id),
        );
    }
    s.push_str(r#"</ul><p class="windows">Window:"#);
    for w in WINDOWS {
        let mark = if w == days {
            r#" aria-current="page""#
        } else {
            ""
        };
        let label = if w == 1 {
            "today".to_string()
        } else {
            format!("{w} days")
        };
        let _ = write!(
            s,
            r#" <a href="/report/{}?days={w}"{mark}>{label}</a>"#,
            html(current)
        );
    }
    s.push_str("</p></nav>");
    s
}

fn heading(report: &Report, days: u32) -> String {
    let m = &report.meta;
    format!(
        r#"<p class="window" id="window" data-days="{days}">Last {days} day{} (UTC): {} to {}, all tenants. Figures as in <code>kansoku report</code>; recomputed at most every {} seconds.</p>"#,
        if days == 1 { "" } else { "s" },
        m.period_from,
        m.period_to,
        CACHE_FOR.as_secs()
    )
}

fn problem(status: StatusCode, title: &str, text: &str) -> Response {
    let body = format!(
        r#"<h1>{}</h1><p class="error">{}</p>"#,
        html(title),
        html(text)
    );
    (status, page(title, &body)).into_response()
}

/// `GET /report`: the first section.
pub async fn index(State(board): State<Arc<Board>>, uri: Uri) -> Response {
    let days = match window(&uri) {
        Ok(d) => d,
        Err(e) => return problem(StatusCode::BAD_REQUEST, "Report", &e),
    };
    match report(&board, days).await {
        Ok(r) => match r.sections.first() {
            Some(s) => section_page(&r, &s.id.clone(), days),
            None => problem(StatusCode::OK, "Report", "The report has no section."),
        },
        Err(e) => problem(
            StatusCode::SERVICE_UNAVAILABLE,
            "Report",
            &format!("The lake could not answer: {e}"),
        ),
    }
}

/// `GET /report/{id}`: one section.
pub async fn section(
    State(board): State<Arc<Board>>,
    Path(id): Path<String>,
    uri: Uri,
) -> Response {
    let days = match window(&uri) {
        Ok(d) => d,
        Err(e) => return problem(StatusCode::BAD_REQUEST, "Report", &e),
    };
    match report(&board, days).await {
        Ok(r) => section_page(&r, &id, days),
        Err(e) => problem(
            StatusCode::SERVICE_UNAVAILABLE,
            "Report",
            &format!("The lake could not answer: {e}"),
        ),
    }
}

fn section_page(report: &Report, id: &str, days: u32) -> Response {
    let Some(fragment) = render_section(report, id) else {
        return problem(
            StatusCode::NOT_FOUND,
            "Report",
            &format!("No report section {id:?}."),
        );
    };
    let fmt = Fmt::for_meta(&report.meta);
    let title = report
        .sections
        .iter()
        .find(|s| s.id == id)
        .map(|s| fmt.text(&s.title))
        .unwrap_or_default();
    let body = format!(
        r#"{}{}<div class="report">{fragment}</div>"#,
        section_nav(report, id, days),
        heading(report, days)
    );
    page(&title, &body).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_from_the_query_string() {
        let uri = |s: &str| s.parse::<Uri>().expect("uri");
        assert_eq!(window(&uri("/report")), Ok(7));
        assert_eq!(window(&uri("/report?days=1")), Ok(1));
        assert_eq!(window(&uri("/report?x=1&days=30")), Ok(30));
        for bad in ["0", "32", "-1", "7d", ""] {
            assert!(
                window(&uri(&format!("/report?days={bad}"))).is_err(),
                "{bad}"
            );
        }
        let today = chrono::NaiveDate::from_ymd_opt(2026, 3, 2).expect("date");
        let p = period(7, today);
        assert_eq!(
            (p.from.to_string(), p.to.to_string()),
            ("2026-02-24".into(), "2026-03-02".into())
        );
        assert_eq!(period(1, today).from, today);
    }

    #[test]
    fn every_sample_section_renders_escaped_without_script_or_inline_style() {
        let report = kansoku_report::sample_report(Lang::En);
        for s in &report.sections {
            let f = render_section(&report, &s.id).expect("fragment");
            assert!(
                f.starts_with("<section") && f.ends_with("</section>"),
                "{f}"
            );
            assert!(!f.contains("<script") && !f.contains("style="), "{}", s.id);
        }
        assert!(render_section(&report, "nowhere").is_none());
    }
}
