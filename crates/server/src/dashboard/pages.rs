//! Pages, API and the live stream. HTML is built by hand with every log-derived string
//! passed through `kansoku_report::escape::html`; the chart is the report's hourly chart.
//! The script (`assets/dashboard.js`) fills in live data with `textContent` only.

use std::convert::Infallible;
use std::fmt::Write as _;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{Html, IntoResponse, Response};
use kansoku_event::alert::Alert;
use kansoku_report::chart::{HourlyChart, Series, hourly_chart};
use kansoku_report::escape::html;
use kansoku_report::format::Fmt;
use kansoku_report::{Lang, Locale};

use super::Board;

const HOUR: i64 = 3_600_000_000;

/// The nav bar's report links: the first section of each chapter the report has.
const REPORT_NAV: &str = r#"<a href="/report/hourly">WAF</a> <a href="/report/firewall">Firewall</a> <a href="/report/tor">Tor</a> <a href="/report/leak-groups">Leak sites</a>"#;

/// A whole page around `body` (already escaped HTML).
pub(super) fn page(title: &str, body: &str) -> Html<String> {
    Html(format!(
        r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>{} — kansoku</title><link rel="stylesheet" href="/static/dashboard.css"><script src="/static/dashboard.js" defer></script></head><body><header><strong>kansoku 観測</strong> <nav><a href="/">Overview</a> {REPORT_NAV} <a href="/alerts">Alerts</a> <a href="/metrics">Metrics</a></nav> <span id="live" class="live">connecting…</span></header><main>{body}</main></body></html>"#,
        html(title)
    ))
}

/// The overview as JSON: per-source counts, spool depth, detections, alerts raised.
pub fn overview_json(board: &Board) -> serde_json::Value {
    let m = &board.metrics;
    let sources: Vec<_> = m
        .sources
        .iter()
        .map(|(name, kind, c)| {
            serde_json::json!({
                "name": name,
                "kind": kind,
                "received": c.received.load(Ordering::Relaxed),
                "accepted": c.accepted.load(Ordering::Relaxed),
                "rejected": c.rejected.load(Ordering::Relaxed),
                "dropped": c.dropped.load(Ordering::Relaxed),
                "stored": c.stored.load(Ordering::Relaxed),
            })
        })
        .collect();
    let alerts: u64 = m
        .alerts
        .lock()
        .map(|a| {
            a.iter()
                .filter(|((_, e), _)| *e == "raised")
                .map(|(_, n)| n)
                .sum()
        })
        .unwrap_or(0);
    serde_json::json!({
        "sources": sources,
        "spool_bytes": m.spool_bytes.load(Ordering::Relaxed),
        "detections": m.detections.load(Ordering::Relaxed),
        "alerts_raised": alerts,
    })
}

fn recent(board: &Board) -> Vec<Alert> {
    board
        .feed
        .recent
        .lock()
        .map(|r| r.iter().rev().cloned().collect())
        .unwrap_or_default()
}

fn alert_rows(alerts: &[Alert], limit: usize) -> String {
    let mut s = String::new();
    for a in alerts.iter().take(limit) {
        let _ = write!(
            s,
            r#"<tr data-id="{}" class="sev-{}"><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class="num">{}</td><td>{}</td></tr>"#,
            html(&a.id),
            html(&a.severity),
            html(&time(a.last_seen)),
            html(&a.kind),
            html(&a.tenant),
            html(&a.severity),
            a.count,
            html(&a.summary)
        );
    }
    s
}

fn time(micros: i64) -> String {
    chrono::DateTime::from_timestamp_micros(micros)
        .map(|t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string())
        .unwrap_or_default()
}

const ALERT_HEAD: &str = "<thead><tr><th>Last seen</th><th>Kind</th><th>Tenant</th><th>Severity</th><th>Events</th><th>Summary</th></tr></thead>";

/// The last 24 hours of detections as the report's hourly chart.
pub fn chart_svg(board: &Board) -> String {
    let now_hour = chrono::Utc::now().timestamp_micros().div_euclid(HOUR);
    let first = now_hour - 23;
    let values: Vec<Option<f64>> = match board.metrics.hourly.lock() {
        Ok(h) => (first..=now_hour)
            .map(|hr| Some(h.get(&hr).copied().unwrap_or(0) as f64))
            .collect(),
        Err(_) => vec![Some(0.0); 24],
    };
    let chart = HourlyChart {
        title: "Detections per hour, last 24 hours".into(),
        start: first * HOUR,
        series: vec![Series {
            id: "detections".into(),
            label: "Detections".into(),
            values,
        }],
        markers: Vec::new(),
        y_label: "detections".into(),
    };
    let fmt = Fmt {
        loc: Locale::get(Lang::En),
        tz: chrono_tz::UTC,
    };
    hourly_chart(&chart, &fmt)
}

/// `GET /`.
pub async fn overview(State(board): State<Arc<Board>>) -> Html<String> {
    let o = overview_json(&board);
    let mut rows = String::new();
    for s in o["sources"].as_array().into_iter().flatten() {
        let name = s["name"].as_str().unwrap_or_default();
        let _ = write!(
            rows,
            r#"<tr data-source="{n}"><td>{n}</td><td>{}</td><td class="num" data-k="received">{}</td><td class="num" data-k="accepted">{}</td><td class="num" data-k="rejected">{}</td><td class="num" data-k="dropped">{}</td><td class="num" data-k="stored">{}</td></tr>"#,
            html(s["kind"].as_str().unwrap_or_default()),
            s["received"],
            s["accepted"],
            s["rejected"],
            s["dropped"],
            s["stored"],
            n = html(name),
        );
    }
    let body = format!(
        r#"<h1>Overview</h1><section class="cards"><div class="card"><span class="label">Detections</span><span class="big" id="detections">{}</span></div><div class="card"><span class="label">Alerts raised</span><span class="big" id="alerts-raised">{}</span></div><div class="card"><span class="label">Spool (bytes not yet in the lake)</span><span class="big" id="spool">{}</span></div></section><h2>Sources</h2><table id="sources"><thead><tr><th>Source</th><th>Kind</th><th>Received</th><th>Accepted</th><th>Rejected</th><th>Dropped</th><th>Stored</th></tr></thead><tbody>{rows}</tbody></table><h2>Detections per hour (UTC, last 24 hours)</h2><div id="chart">{}</div><h2>Latest alerts</h2><table id="alerts">{ALERT_HEAD}<tbody>{}</tbody></table>"#,
        o["detections"],
        o["alerts_raised"],
        o["spool_bytes"],
        chart_svg(&board),
        alert_rows(&recent(&board), 20)
    );
    page("Overview", &body)
}

/// `GET /alerts`.
pub async fn alerts(State(board): State<Arc<Board>>) -> Html<String> {
    let body = format!(
        r#"<h1>Alerts</h1><p>Open and recent alerts of this run, newest first; the lake's <code>alert</code> table keeps every raise and update (<code>kansoku sql "SELECT * FROM alert"</code>).</p><table id="alerts">{ALERT_HEAD}<tbody>{}</tbody></table>"#,
        alert_rows(&recent(&board), 200)
    );
    page("Alerts", &body)
}

/// `GET /api/overview`.
pub async fn api_overview(State(board): State<Arc<Board>>) -> Response {
    axum::Json(overview_json(&board)).into_response()
}

/// `GET /api/alerts`.
pub async fn api_alerts(State(board): State<Arc<Board>>) -> Response {
    axum::Json(recent(&board)).into_response()
}

/// `GET /api/chart`: the chart's SVG, for the script to swap in.
pub async fn api_chart(State(board): State<Arc<Board>>) -> Response {
    ([(header::CONTENT_TYPE, "image/svg+xml")], chart_svg(&board)).into_response()
}

/// `GET /events`: `alert` events as they happen, `stats` every two seconds.
pub async fn events(
    State(board): State<Arc<Board>>,
) -> Sse<impl futures::Stream<Item = Result<Event, Infallible>>> {
    let rx = board.feed.tx.subscribe();
    let tick = tokio::time::interval(Duration::from_secs(2));
    let stop = board.stop.clone();
    let stream = futures::stream::unfold(
        (rx, tick, stop, board),
        |(mut rx, mut tick, mut stop, board)| async move {
            if *stop.borrow() {
                return None;
            }
            let event = tokio::select! {
                a = rx.recv() => match a {
                    Ok(a) => Event::default().event("alert").data(serde_json::to_string(&a).unwrap_or_default()),
                    // Lagging behind: the next stats event still shows the counts.
                    Err(_) => Event::default().comment("lagged"),
                },
                _ = tick.tick() => Event::default().event("stats").data(overview_json(&board).to_string()),
                _ = stop.changed() => return None,
            };
            Some((Ok(event), (rx, tick, stop, board)))
        },
    );
    Sse::new(stream).keep_alive(KeepAlive::default())
}

/// `GET /metrics`.
pub async fn metrics(State(board): State<Arc<Board>>) -> Response {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        board.metrics.render(),
    )
        .into_response()
}

/// `GET /static/dashboard.js`.
pub async fn script() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        include_str!("../../assets/dashboard.js"),
    )
        .into_response()
}

/// `GET /static/dashboard.css`.
pub async fn style() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        include_str!("../../assets/dashboard.css"),
    )
        .into_response()
}

/// Anything else.
pub async fn not_found() -> Response {
    (StatusCode::NOT_FOUND, "not found\n").into_response()
}
