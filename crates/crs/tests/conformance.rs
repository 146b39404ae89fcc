//! CRS 3.3.4's own regression tests, on the stages a log can show, with Debian's
//! `modsecurity-crs` rules. Needs the rules (installed by `.ci/run`) and
//! `../shared/data/crs-3.3.4-regression-tests`; without them the test says so and passes,
//! unless `KANSOKU_REQUIRE_SHARED=1` says the data must be there.

use std::path::{Path, PathBuf};

use kansoku_crs::conformance::{self, Suite};
use kansoku_crs::{Crs, LoadOptions};

/// The floor: share of log-visible stages that must pass (issue: at least 95%).
const FLOOR: f64 = 0.95;

fn inputs() -> Option<(PathBuf, PathBuf)> {
    let rules = PathBuf::from(kansoku_crs::DEBIAN_CRS);
    // `../shared/data` beside the checkout, or `/work/shared/data` (where CI's clean clone
    // finds it).
    let sub = "crs-3.3.4-regression-tests/tests/regression/tests";
    let tests = [
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"),
        PathBuf::from("/work/shared/data"),
    ]
    .into_iter()
    .map(|d| d.join(sub))
    .find(|p| p.is_dir())
    .unwrap_or_else(|| PathBuf::from("../shared/data").join(sub));
    if rules.join("rules").is_dir() && tests.is_dir() {
        return Some((rules, tests));
    }
    assert!(
        std::env::var_os("KANSOKU_REQUIRE_SHARED").is_none(),
        "KANSOKU_REQUIRE_SHARED is set but {} or {} is missing",
        rules.display(),
        tests.display()
    );
    eprintln!("skipped: Debian's modsecurity-crs or the shared regression tests are missing");
    None
}

#[test]
fn crs_regression_tests_pass_on_log_visible_stages() {
    let Some((rules, tests)) = inputs() else {
        return;
    };
    // CRS's own CI runs its regression tests at paranoia level 4 (every rule on), with the
    // argument limits and UTF-8 check that crs-setup.conf offers commented out (Debian
    // leaves them off; the 920250 and 920360-920390 tests assume them).
    let opts = LoadOptions {
        paranoia_level: 4,
        extra: Some(
            "SecAction \"id:9000001,phase:1,nolog,pass,t:none,\
             setvar:tx.crs_validate_utf8_encoding=1,setvar:tx.max_num_args=255,\
             setvar:tx.arg_name_length=100,setvar:tx.arg_length=400,\
             setvar:tx.total_arg_length=64000\""
                .into(),
        ),
        ..LoadOptions::default()
    };
    let crs = Crs::load(&rules, &opts).expect("Debian's CRS loads unmodified");
    let suite = Suite::read(&tests, &crs).expect("regression tests read");
    let outcomes = conformance::run(&crs, &suite);
    let tally = conformance::tally(&suite, &outcomes);
    println!(
        "{:<45} {:>7} {:>5} {:>8}",
        "rule file", "passed", "run", "skipped"
    );
    for (file, t) in &tally {
        println!("{file:<45} {:>7} {:>5} {:>8}", t.passed, t.run, t.skipped);
    }
    let passed = outcomes.iter().filter(|o| o.passed).count();
    let run = outcomes.len();
    println!(
        "total: {passed}/{run} passed, {} skipped",
        suite.skipped.len()
    );
    let mut reasons = std::collections::BTreeMap::<String, usize>::new();
    for s in &suite.skipped {
        let key = s.reason.split(" (").next().unwrap_or(&s.reason).to_owned();
        *reasons.entry(key).or_default() += 1;
    }
    for (r, n) in &reasons {
        println!("  skipped {n:>5}: {r}");
    }
    for o in outcomes.iter().filter(|o| !o.passed) {
        let s = &suite.stages[o.stage];
        println!(
            "FAIL {} missing {:?} unwanted {:?}  {} {}",
            s.title,
            o.missing,
            o.unwanted,
            String::from_utf8_lossy(&s.method),
            String::from_utf8_lossy(&s.uri)
        );
    }
    let r = crs.report();
    println!(
        "loaded {} rules ({} request rules); disabled {:?}; backtracking {:?}",
        r.rules, r.request_rules, r.disabled, r.backtracking
    );
    assert!(run > 400, "only {run} stages ran");
    let share = passed as f64 / run as f64;
    assert!(
        share >= FLOOR,
        "{passed}/{run} = {:.1}% below the floor {:.0}%",
        share * 100.0,
        FLOOR * 100.0
    );
}
