//! The dashboard off 127.0.0.1 requires its token on every route; answers carry the
//! security headers; strings from logs are escaped; alerts appear in the API.

use crate::common::*;

const TOKEN: &str = "s3cret-token-0123456789";

const ROUTES: &[(&str, &str)] = &[
    ("GET", "/"),
    ("GET", "/alerts"),
    ("GET", "/report"),
    ("GET", "/report/hourly"),
    ("GET", "/report/top-monthly?days=30"),
    ("GET", "/report/firewall?days=1"),
    ("GET", "/report/tor"),
    ("GET", "/report/leak-groups"),
    ("GET", "/report/nowhere?days=999"),
    ("GET", "/api/overview"),
    ("GET", "/api/alerts"),
    ("GET", "/api/chart"),
    ("GET", "/events"),
    ("GET", "/metrics"),
    ("GET", "/static/dashboard.js"),
    ("GET", "/static/dashboard.css"),
    ("GET", "/nowhere"),
    ("POST", "/"),
];

#[test]
fn off_loopback_every_route_needs_the_token() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = data_dir(&dir);
    let token_file = dir.path().join("token");
    std::fs::write(&token_file, format!("{TOKEN}\n")).expect("token");
    let extra = "[[source]]\nname = \"push\"\nkind = \"http\"\nlisten = \"127.0.0.1:0\"\nformat = \"combined\"\n";
    // 127.0.0.2 is loopback on Linux but not 127.0.0.1: it stands for a public address.
    let text = config_text(&data, extra).replace(
        "listen = \"127.0.0.1:0\"\n[alerts]",
        &format!(
            "listen = \"127.0.0.2:0\"\ntoken_file = {:?}\n[alerts]",
            token_file.to_string_lossy()
        ),
    );
    // Without a token the configuration is refused outright.
    let no_token = text.replace(
        &format!("token_file = {:?}\n", token_file.to_string_lossy()),
        "",
    );
    let err = kansoku_server::ServeConfig::parse(&no_token).expect_err("token required");
    assert!(err.to_string().contains("token"), "{err}");
    // A token file anyone on the host can read is refused, with the fix.
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&token_file, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let err = kansoku_server::ServeConfig::parse(&text).expect_err("a readable token file");
    assert!(err.to_string().contains("chmod 600"), "{err}");
    std::fs::set_permissions(&token_file, std::fs::Permissions::from_mode(0o600)).expect("chmod");

    let server = start(&text);
    let board = server.addr("dashboard").to_string();
    assert!(board.starts_with("127.0.0.2:"), "{board}");
    for (method, path) in ROUTES {
        let (status, headers, _) = http(&board, method, path, &[], b"");
        assert_eq!(status, 401, "{method} {path} without a token");
        assert!(
            headers
                .get("content-security-policy")
                .is_some_and(|c| c.contains("frame-ancestors 'none'"))
        );
        let (status, _, _) = http(
            &board,
            method,
            path,
            &[("Authorization", "Bearer wrong-token-0123456789")],
            b"",
        );
        assert_eq!(status, 401, "{method} {path} with a wrong token");
    }
    let bearer = format!("Bearer {TOKEN}");
    let (status, headers, body) = http(&board, "GET", "/", &[("Authorization", &bearer)], b"");
    assert_eq!(status, 200);
    assert_eq!(
        headers.get("x-frame-options").map(String::as_str),
        Some("DENY")
    );
    assert_eq!(
        headers.get("x-content-type-options").map(String::as_str),
        Some("nosniff")
    );
    let csp = headers
        .get("content-security-policy")
        .cloned()
        .unwrap_or_default();
    assert!(
        csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    assert!(body.contains(r#"<script src="/static/dashboard.js" defer></script>"#));
    assert!(!body.contains("<script>"), "no inline script");
    // The login form sets an HttpOnly cookie that then opens every page.
    let form = format!("token={TOKEN}");
    let (status, headers, _) = http(
        &board,
        "POST",
        "/login",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        form.as_bytes(),
    );
    assert_eq!(status, 303);
    let cookie = headers.get("set-cookie").cloned().unwrap_or_default();
    assert!(
        cookie.contains("HttpOnly")
            && cookie.contains("SameSite=Strict")
            && cookie.contains("Max-Age="),
        "{cookie}"
    );
    // Over plain HTTP a `Secure` cookie would never come back: the login would not hold.
    assert!(!cookie.contains("Secure"), "{cookie}");
    // A session id, not the token: a leaked cookie expires and never reveals the token.
    assert!(!cookie.contains(TOKEN), "{cookie}");
    let pair = cookie.split(';').next().unwrap_or_default().to_string();
    let (status, _, _) = http(&board, "GET", "/api/overview", &[("Cookie", &pair)], b"");
    assert_eq!(status, 200);
    let raw = format!("kansoku_session={TOKEN}");
    let (status, _, _) = http(&board, "GET", "/api/overview", &[("Cookie", &raw)], b"");
    assert_eq!(status, 401, "the token is no session id");
    let (status, _, _) = http(
        &board,
        "POST",
        "/login",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        b"token=nope",
    );
    assert_eq!(status, 401);
    // Guessing is rate limited per address: after five failures in a minute, even the
    // right token is answered 429 with Retry-After until the window has passed.
    let login = |token: &str| {
        http(
            &board,
            "POST",
            "/login",
            &[("Content-Type", "application/x-www-form-urlencoded")],
            format!("token={token}").as_bytes(),
        )
    };
    for _ in 0..4 {
        assert_eq!(login("guess").0, 401);
    }
    let (status, headers, _) = login("guess");
    assert_eq!(status, 429, "an attempt after five failures in a minute");
    assert!(headers.contains_key("retry-after"), "{headers:?}");
    assert_eq!(login(TOKEN).0, 429, "locked out, right token or not");
    server.stop();
}

#[test]
fn log_strings_are_escaped_in_pages_and_alerts_reach_the_api() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = data_dir(&dir);
    let extra = "[[source]]\nname = \"push\"\nkind = \"http\"\nlisten = \"127.0.0.1:0\"\nformat = \"combined\"\ntenant = \"<img src=x onerror=alert(1)>\"\n[[alerts.threshold]]\ncategory = \"*\"\ncount = 3\nwindow_secs = 600\n";
    let server = start(&config_text(&data, extra));
    let board = server.addr("dashboard").to_string();
    let body: String = (0..5)
        .map(|i| {
            combined(
                "203.0.113.66",
                &format!("/?id=1%27%20UNION%20SELECT%20password%20FROM%20users--{i}"),
            ) + "\n"
        })
        .collect();
    let (status, _, _) = http(server.addr("push"), "POST", "/", &[], body.as_bytes());
    assert_eq!(status, 200);
    wait_for(30, "an alert", || {
        let (_, _, a) = http(&board, "GET", "/api/alerts", &[], b"");
        a.contains("\"kind\":\"threshold\"")
    });
    let (_, _, page) = http(&board, "GET", "/", &[], b"");
    assert!(
        page.contains("&lt;img src=x onerror=alert(1)&gt;"),
        "tenant escaped"
    );
    assert!(!page.contains("<img src=x"), "no raw markup from logs");
    assert!(
        page.contains("class=\"chart hourly-chart\""),
        "the report's hourly chart"
    );
    assert!(
        metric(
            &board,
            "kansoku_alerts_total{kind=\"threshold\",event=\"raised\""
        ) >= 1
    );
    assert!(metric(&board, "kansoku_detections_total") >= 5);
    server.stop();
    let kinds = column(&data, "SELECT DISTINCT kind FROM alert ORDER BY kind");
    assert!(kinds.contains(&"threshold".to_string()), "{kinds:?}");
}

/// A combined-format line for client `ip` and `path`, `ago` before now.
fn combined_at(ip: &str, path: &str, ago: chrono::Duration) -> String {
    let t = (chrono::Utc::now() - ago).format("%d/%b/%Y:%H:%M:%S +0000");
    format!(r#"{ip} - - [{t}] "GET {path} HTTP/1.1" 200 12 "-" "Mozilla/5.0""#)
}

/// Detections of one category on the top-categories page, summed over its month cards.
fn top_count(page: &str, label: &str) -> u64 {
    let cell = format!("<td>{label}</td><td class=\"num\">");
    page.match_indices(&cell)
        .filter_map(|(i, _)| {
            let rest = &page[i + cell.len()..];
            rest[..rest.find('<')?].replace(',', "").parse::<u64>().ok()
        })
        .sum()
}

#[test]
fn report_sections_have_pages_over_the_chosen_window() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = data_dir(&dir);
    let extra = "[[source]]\nname = \"push\"\nkind = \"http\"\nlisten = \"127.0.0.1:0\"\nformat = \"combined\"\n";
    let server = start(&config_text(&data, extra));
    let board = server.addr("dashboard").to_string();
    let sqli = "/?id=1%27%20UNION%20SELECT%20password%20FROM%20users--";
    let mut body: String = (0..6)
        .map(|i| {
            combined_at(
                "203.0.113.66",
                &format!("{sqli}{i}"),
                chrono::Duration::seconds(i),
            ) + "\n"
        })
        .collect();
    // Ten days ago: inside a 30-day window, outside a 7-day one.
    body += &(combined_at("203.0.113.67", sqli, chrono::Duration::days(10)) + "\n");
    let (status, _, _) = http(server.addr("push"), "POST", "/", &[], body.as_bytes());
    assert_eq!(status, 200);
    wait_for(30, "a flush", || {
        metric(&board, "kansoku_flush_seconds_count") >= 1
    });
    wait_for(30, "7 rows in the lake", || {
        column(&data, "SELECT count(*) FROM http") == ["7"]
    });

    // The section shows whole months of the window: today's month alone for `days=1`,
    // which holds the old row only when ten days ago was in the same month.
    use chrono::Datelike as _;
    let now = chrono::Utc::now();
    let same_month = (now - chrono::Duration::days(10)).month() == now.month();
    let (status, headers, today) = http(&board, "GET", "/report/top-monthly?days=1", &[], b"");
    assert_eq!(status, 200, "{today}");
    assert!(
        headers
            .get("content-security-policy")
            .is_some_and(|c| c.contains("script-src 'self'") && !c.contains("unsafe-inline"))
    );
    assert_eq!(today.matches("class=\"month-card\"").count(), 1, "{today}");
    assert_eq!(
        top_count(&today, "SQL injection"),
        6 + u64::from(same_month),
        "{today}"
    );
    assert!(
        !today.contains("<script>") && !today.contains("style="),
        "no inline script or style"
    );
    let (_, _, month) = http(&board, "GET", "/report/top-monthly?days=30", &[], b"");
    assert_eq!(top_count(&month, "SQL injection"), 7, "{month}");

    // Every section the nav bar lists has its page, with the report's charts.
    let (status, _, first) = http(&board, "GET", "/report?days=7", &[], b"");
    assert_eq!(status, 200);
    assert!(first.contains("class=\"chart hourly-chart\""), "{first}");
    let links: Vec<String> = first
        .match_indices("<li><a href=\"/report/")
        .map(|(i, _)| {
            let rest = &first[i + "<li><a href=\"".len()..];
            rest[..rest.find('"').unwrap_or(0)].replace("&amp;", "&")
        })
        .collect();
    for id in ["hourly", "top-monthly", "firewall", "tor", "leak-groups"] {
        assert!(
            links
                .iter()
                .any(|l| l.starts_with(&format!("/report/{id}?"))),
            "{id} in {links:?}"
        );
    }
    for link in &links {
        let (status, _, page) = http(&board, "GET", link, &[], b"");
        assert_eq!(status, 200, "{link}: {page}");
        assert!(page.contains("<section class=\"report-section"), "{link}");
    }
    let (status, _, _) = http(&board, "GET", "/report/nowhere", &[], b"");
    assert_eq!(status, 404);
    let (status, _, page) = http(&board, "GET", "/report/hourly?days=0", &[], b"");
    assert_eq!(status, 400);
    assert!(page.contains("days must be"), "{page}");
    server.stop();
}

/// A loopback dashboard has no token, so any page the analyst opens could read it by
/// rebinding its own name to 127.0.0.1: its requests carry that name in `Host`. Every
/// route refuses them with 421; requests addressed to 127.0.0.1 or localhost pass.
/// (`hostile_net.rs` covers a token, configured names and a missing `Host`.)
#[test]
fn a_loopback_dashboard_refuses_requests_for_other_host_names() {
    use std::io::{Read, Write};
    let dir = tempfile::tempdir().expect("tempdir");
    let data = data_dir(&dir);
    let server = start(&config_text(&data, ""));
    let board = server.addr("dashboard").to_string();
    let port = board.rsplit(':').next().expect("port").to_string();
    let status = |host: &str, path: &str| -> u16 {
        let mut s = std::net::TcpStream::connect(&board).expect("connect");
        write!(
            s,
            "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
        )
        .expect("send");
        let mut out = String::new();
        let _ = s.read_to_string(&mut out);
        out.split_whitespace()
            .nth(1)
            .and_then(|c| c.parse().ok())
            .unwrap_or(0)
    };
    for (method, path) in ROUTES.iter().filter(|(m, _)| *m == "GET") {
        assert_eq!(
            status(&format!("rebind.example:{port}"), path),
            421,
            "{method} {path}"
        );
    }
    assert_eq!(status(&format!("127.0.0.1:{port}"), "/api/alerts"), 200);
    assert_eq!(status(&format!("localhost:{port}"), "/metrics"), 200);
    server.stop();
}
