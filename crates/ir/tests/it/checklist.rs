//! Checklists as data, and tracking what a case has done.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use kansoku_ir::case::{CaseType, Cases, NewCase};
use kansoku_ir::checklist::{self, Phase};

fn now() -> DateTime<Utc> {
    "2026-10-03T01:00:00Z".parse().expect("time")
}

#[test]
fn shipped_lists_parse_with_unique_ids_and_every_phase() {
    for name in checklist::names() {
        let list = checklist::by_name(name).expect("parses");
        let ids: HashSet<_> = list.steps.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids.len(), list.steps.len(), "{name}: duplicate ids");
        for phase in [Phase::Preserve, Phase::Recover, Phase::Report] {
            assert!(
                list.steps.iter().any(|s| s.phase == phase),
                "{name}: no {phase:?} step"
            );
        }
        assert!(
            list.steps
                .iter()
                .all(|s| !s.ja.is_empty() && !s.en.is_empty())
        );
    }
    assert!(checklist::by_name("nope").is_err());
}

#[test]
fn done_steps_are_remembered() {
    let tmp = tempfile::tempdir().expect("tmp");
    let cases = Cases::new(tmp.path());
    let case = cases
        .create(&NewCase::new("r", CaseType::Ransomware, "x"), now())
        .expect("case");
    let (list, mut progress) = checklist::load(&case, None).expect("load");
    assert_eq!(list.name, "ransomware");
    let t = now().fixed_offset();
    checklist::mark_done(
        &case,
        &list,
        &mut progress,
        &["isolate".into(), "collect-logs".into()],
        "sato",
        t,
    )
    .expect("done");
    let err = checklist::mark_done(&case, &list, &mut progress, &["unplug".into()], "sato", t)
        .expect_err("unknown");
    assert!(
        err.to_string().contains("no step \"unplug\"") && err.to_string().contains("isolate"),
        "{err}"
    );
    let (_, again) = checklist::load(&case, None).expect("reload");
    assert_eq!(
        again.done.keys().collect::<Vec<_>>(),
        ["collect-logs", "isolate"]
    );
    assert_eq!(again.done["isolate"].by, "sato");

    let ddos = cases
        .create(&NewCase::new("d", CaseType::Ddos, "x"), now())
        .expect("case");
    assert!(
        checklist::load(&ddos, None)
            .expect_err("no list")
            .to_string()
            .contains("--list")
    );
    let (list, mut p) = checklist::load(&ddos, Some("web-compromise")).expect("explicit");
    checklist::mark_done(&ddos, &list, &mut p, &["contain".into()], "x", t).expect("done");
    // The chosen list is remembered.
    assert_eq!(
        checklist::load(&ddos, None).expect("remembered").0.name,
        "web-compromise"
    );
}
