//! Recovery plans over sample inventories; orders and ETAs computed by hand in the
//! comments (fixtures in tests/fixtures/).

use std::collections::BTreeSet;
use std::path::PathBuf;

use chrono::{DateTime, FixedOffset};
use kansoku_ir::recovery::inventory::Inventory;
use kansoku_ir::recovery::plan::{Method, Plan, plan};
use kansoku_ir::recovery::status::{PageLang, Progress, page};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn now() -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339("2026-10-03T09:00:00+09:00").expect("now")
}

fn load(name: &str) -> Inventory {
    Inventory::load(&fixture(name)).expect("inventory")
}

fn eta(p: &Plan, id: &str) -> Option<f64> {
    p.systems
        .iter()
        .find(|s| s.id == id)
        .and_then(|s| s.eta_hours)
}

fn sys<'a>(p: &'a Plan, id: &str) -> &'a kansoku_ir::recovery::plan::SystemPlan {
    p.systems.iter().find(|s| s.id == id).expect("system")
}

#[test]
fn restore_or_rebuild_with_the_reason() {
    let p = plan(&load("chain.toml"), now(), &BTreeSet::new());
    // net: verified, 5 h old at the compromise (22:00 → 03:00), RPO 24 → restore, 1 h.
    assert_eq!(
        (sys(&p, "net").method, sys(&p, "net").hours),
        (Method::Restore, 1.0)
    );
    assert!(
        sys(&p, "net").reason.contains("5.0 h old"),
        "{}",
        sys(&p, "net").reason
    );
    // ad: 7 h old → restore, 2 h.
    assert_eq!(
        (sys(&p, "ad").method, sys(&p, "ad").hours),
        (Method::Restore, 2.0)
    );
    // db: taken 05:00, after the compromise began at 03:00 → rebuild, 6 h.
    assert_eq!(
        (sys(&p, "db").method, sys(&p, "db").hours),
        (Method::Rebuild, 6.0)
    );
    assert!(sys(&p, "db").reason.contains("after the compromise began"));
    // web: never verified → rebuild, 3 h.
    assert_eq!(sys(&p, "web").method, Method::Rebuild);
    assert!(sys(&p, "web").reason.contains("never verified"));
    // mail: 2026-09-25 03:00 → 144 h before the compromise, RPO 24 → rebuild, 4 h.
    assert_eq!(
        (sys(&p, "mail").method, sys(&p, "mail").hours),
        (Method::Rebuild, 4.0)
    );
    assert!(
        sys(&p, "mail")
            .reason
            .contains("144.0 h old, older than the RPO of 24 h"),
        "{}",
        sys(&p, "mail").reason
    );
    // wiki: no backup → rebuild, 2 h.
    assert_eq!(sys(&p, "wiki").reason, "no backup");
}

#[test]
fn two_teams_order_and_etas() {
    // Effective criticality: db is critical, so ad and net (which db needs) are too.
    // t=0: net (critical) and wiki (low) start; net back at 1, wiki at 2.
    // t=1: ad starts (back at 3). t=3: db (critical, 6 h → 9) and mail (4 h → 7).
    // t=9: web (3 h → 12).
    let p = plan(&load("chain.toml"), now(), &BTreeSet::new());
    assert_eq!(p.order, ["net", "wiki", "ad", "db", "mail", "web"]);
    let etas: Vec<_> = ["net", "ad", "db", "web", "mail", "wiki"]
        .iter()
        .map(|id| eta(&p, id))
        .collect();
    assert_eq!(
        etas,
        [
            Some(1.0),
            Some(3.0),
            Some(9.0),
            Some(12.0),
            Some(7.0),
            Some(2.0)
        ]
    );
    let orders = p
        .functions
        .iter()
        .find(|f| f.id == "orders")
        .expect("orders");
    assert_eq!(orders.eta_hours, Some(12.0));
    assert_eq!(
        orders.eta.expect("eta").to_rfc3339(),
        "2026-10-03T21:00:00+09:00"
    );
    assert_eq!(orders.critical_path, ["net", "ad", "db", "web"]);
    assert_eq!(orders.cost_until_eta, Some(1_200_000.0));
    let email = p.functions.iter().find(|f| f.id == "email").expect("email");
    assert_eq!(
        (email.eta_hours, email.cost_until_eta),
        (Some(7.0), Some(70_000.0))
    );
    assert_eq!(email.critical_path, ["net", "ad", "mail"]);
    assert!(p.systems.iter().all(|s| !s.waited_for_team));
}

#[test]
fn one_team_works_strictly_in_order() {
    // net 0–1, ad 1–3, db 3–9, web (high) 9–12, mail (medium) 12–16, wiki (low) 16–18.
    let mut inv = load("chain.toml");
    inv.settings.parallel = 1;
    let p = plan(&inv, now(), &BTreeSet::new());
    assert_eq!(p.order, ["net", "ad", "db", "web", "mail", "wiki"]);
    let etas: Vec<_> = p.order.iter().map(|id| eta(&p, id)).collect();
    assert_eq!(
        etas,
        [
            Some(1.0),
            Some(3.0),
            Some(9.0),
            Some(12.0),
            Some(16.0),
            Some(18.0)
        ]
    );
    assert!(sys(&p, "mail").waited_for_team && sys(&p, "wiki").waited_for_team);
    assert!(!sys(&p, "db").waited_for_team);
}

#[test]
fn warnings_stops_and_contacts() {
    let p = plan(&load("chain.toml"), now(), &BTreeSet::new());
    let w = p.warnings.join("\n");
    for expected in [
        "db: RTO 8 h is longer than the MTPD 6 h",
        "db: ETA 9 h is beyond its RTO of 8 h",
        "db: ETA 9 h is beyond its MTPD of 6 h",
        "wiki: no owner",
        "wiki: no recovery documentation",
    ] {
        assert!(w.contains(expected), "missing {expected:?} in\n{w}");
    }
    assert_eq!(p.warnings.len(), 5, "{w}");
    let stops: Vec<_> = p.stops.iter().map(|s| s.action.as_str()).collect();
    assert_eq!(stops, ["Stop taking orders", "Use the phone list"]);
    assert!(
        p.contacts
            .iter()
            .any(|c| c.contact.name == "DB Support" && c.system == "db")
    );
    assert!(
        p.contacts
            .iter()
            .any(|c| c.contact.name == "Tanaka" && c.contact.role == "owner")
    );
}

#[test]
fn a_cycle_is_named_and_blocks_what_depends_on_it() {
    let p = plan(&load("cycle.toml"), now(), &BTreeSet::new());
    assert!(
        p.warnings
            .iter()
            .any(|w| w.contains("dependency cycle: a → b → c → a")),
        "{:?}",
        p.warnings
    );
    assert_eq!(p.order, ["e"]);
    assert_eq!(eta(&p, "e"), Some(2.0));
    for id in ["a", "b", "c", "d"] {
        assert_eq!(eta(&p, id), None, "{id}");
    }
    assert!(
        sys(&p, "d")
            .blocked
            .as_deref()
            .is_some_and(|b| b.contains("waits for a"))
    );
}

#[test]
fn progress_moves_the_plan_and_the_status_page_says_so() {
    let tmp = tempfile::tempdir().expect("tmp");
    let inv_path = tmp.path().join("inv.toml");
    let mut text = std::fs::read_to_string(fixture("chain.toml")).expect("fixture");
    text = text.replace(
        "id = \"web\"\n",
        "id = \"web\"\nname = \"<script>alert(1)</script> shop\"\n",
    );
    std::fs::write(&inv_path, text).expect("write");
    let inv = Inventory::load(&inv_path).expect("inv");
    let state = Progress::path_for(&inv_path);
    assert_eq!(state, tmp.path().join("inv.state.toml"));
    let mut progress = Progress::load(&state).expect("empty");
    progress
        .mark_done(&inv, &["net".into(), "ad".into()], now())
        .expect("done");
    assert!(progress.mark_done(&inv, &["nope".into()], now()).is_err());
    progress.save(&state).expect("save");
    let progress = Progress::load(&state).expect("reload");
    // net and ad are up. t=0: db (critical, →6) and mail (→4); t=4: wiki (→6); t=6: web (→9).
    let p = plan(&inv, now(), &progress.done_ids());
    assert_eq!(p.order, ["db", "mail", "wiki", "web"]);
    assert_eq!(
        (
            eta(&p, "db"),
            eta(&p, "mail"),
            eta(&p, "wiki"),
            eta(&p, "web")
        ),
        (Some(6.0), Some(4.0), Some(6.0), Some(9.0))
    );
    let html = page(&p, &progress, chrono_tz::Asia::Tokyo, PageLang::En);
    assert!(
        html.contains("<strong>2 / 6</strong> systems back"),
        "{html}"
    );
    assert!(!html.contains("<script"), "unescaped name");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; shop"));
    // Orders back at 09:00 + 9 h = 18:00; the ransom stop still holds.
    assert!(html.contains("<tr><td>受注</td><td class=\"down\">Down</td><td>2026-10-03 18:00</td><td>900000 JPY</td></tr>"), "{html}");
    assert!(html.contains("Stop taking orders"));
    let back = html.split("class=\"back\"").nth(1).expect("back table");
    assert!(
        back.contains("<td>Active Directory</td><td>2026-10-03 09:00</td>"),
        "{back}"
    );
    let ja = page(&p, &progress, chrono_tz::Asia::Tokyo, PageLang::Ja);
    assert!(ja.contains("<html lang=\"ja\">") && ja.contains("復旧状況") && ja.contains("停止中"));
    assert!(ja.contains("script-src") || ja.contains("default-src 'none'"));
}
