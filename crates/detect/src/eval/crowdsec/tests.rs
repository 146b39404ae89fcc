use std::path::Path;

use kansoku_parse::Format;

use super::*;
use crate::eval::ReadLog;

/// The production combined parser for `nginx`; nothing else.
struct Combined;

impl LogReader for Combined {
    fn read(&self, log_type: &str, text: &str) -> Result<ReadLog, String> {
        if log_type != "nginx" {
            return Err(format!("no kansoku parser for {log_type} logs"));
        }
        let mut parser = Format::Combined.parser().map_err(|e| e.to_string())?;
        let mut out = Vec::new();
        for (n, l) in text.lines().enumerate() {
            parser.feed(l.as_bytes(), n as u64 + 1, &mut out);
        }
        let mut log = ReadLog::default();
        for p in out {
            match p.record {
                Ok(req) => log.requests.push(HttpRequest {
                    source_line: p.line,
                    ..req
                }),
                Err(_) => log.rejected += 1,
            }
        }
        Ok(log)
    }
}

const UNION: &str = r#"127.0.0.1 - - [29/Sep/2021:17:30:12 +0200] "GET /foo?a=1%20union%20all%20select%201,2 HTTP/1.1" 404 162 "-" "curl/7.68.0""#;
const SCHEMA: &str = r#"127.0.0.1 - - [29/Sep/2021:17:30:13 +0200] "GET /foo?a=1%20and%201=(select%20count(*)%20from%20information_schema.tables) HTTP/1.1" 404 162 "-" "curl/7.68.0""#;
const PLAIN: &str = r#"127.0.0.1 - - [29/Sep/2021:17:30:14 +0200] "GET /foo?a=shoes HTTP/1.1" 404 162 "-" "curl/7.68.0""#;

fn path_of(line: &str) -> &str {
    line.split(' ').nth(6).expect("combined line")
}

fn assert_for(scenario: &str, lines: &[&str]) -> String {
    let mut s =
        format!("len(results) == 1\nresults[0].Overflow.Alert.GetScenario() == \"{scenario}\"\n");
    for (j, l) in lines.iter().enumerate() {
        s += &format!(
            "results[0].Overflow.Alert.Events[{j}].GetMeta(\"http_path\") == \"{}\"\n\
             results[0].Overflow.Alert.Events[{j}].GetMeta(\"source_ip\") == \"127.0.0.1\"\n",
            path_of(l)
        );
    }
    s
}

fn write_test(hub: &Path, name: &str, config: &str, log: &[&str], assert: Option<&str>) {
    let dir = hub.join(name);
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::write(dir.join("config.yaml"), config).expect("write");
    std::fs::write(dir.join("t.log"), log.join("\n") + "\n").expect("write");
    if let Some(a) = assert {
        std::fs::write(dir.join("scenario.assert"), a).expect("write");
    }
}

fn run_hub(hub: &Path) -> Vec<CrowdsecResult> {
    let rules = RuleSet::builtin().expect("built-in rules");
    run(&rules, hub, &Combined).expect("runs")
}

#[test]
fn a_quoted_scenario_name_is_evaluated_not_skipped() {
    // The hub quotes some entries; reading `config.yaml` line by line kept the quotes, and
    // `"./scenarios/crowdsecurity/http-sqli-probing.yaml"` then mapped to no category.
    let hub = tempfile::tempdir().expect("tmp");
    write_test(
        hub.path(),
        "sqli",
        "scenarios:\n- \"./scenarios/crowdsecurity/http-sqli-probing.yaml\"\nlog_file: t.log\nlog_type: nginx\n",
        &[UNION],
        Some(&assert_for("crowdsecurity/http-sqli-probing", &[UNION])),
    );
    let got = run_hub(hub.path());
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].scenario, "crowdsecurity/http-sqli-probing");
    assert_eq!(got[0].expected, vec![Category::Sqli]);
    assert!(got[0].passed(), "{:?}", got[0].outcome);
}

#[test]
fn every_scenario_entry_is_counted_and_those_not_run_say_why() {
    let hub = tempfile::tempdir().expect("tmp");
    write_test(
        hub.path(),
        "web",
        "scenarios:\n- crowdsecurity/http-sqli-probing\n- crowdsecurity/http-generic-bf\n- \"\"\nlog_file: t.log\nlog_type: nginx\n",
        &[UNION],
        Some(&assert_for("crowdsecurity/http-sqli-probing", &[UNION])),
    );
    write_test(
        hub.path(),
        "ssh",
        "scenarios:\n- crowdsecurity/ssh-bf\nlog_file: t.log\nlog_type: syslog\n",
        &["Jan 27 11:02:49 host sshd[1]: Failed password for root from 192.0.2.1"],
        Some("len(results) == 1\n"),
    );
    // A parser-only test (scenario `""`) has no scenario entry.
    write_test(
        hub.path(),
        "parser-only",
        "scenarios:\n- \"\"\nlog_file: t.log\nlog_type: nginx\n",
        &[PLAIN],
        None,
    );
    let got = run_hub(hub.path());
    let rows: Vec<(&str, &str, bool, String)> = got
        .iter()
        .map(|r| {
            let why = match &r.outcome {
                CrowdsecOutcome::NotEvaluable(why) => why.clone(),
                CrowdsecOutcome::Evaluated { .. } => String::new(),
            };
            (r.test.as_str(), r.scenario.as_str(), r.passed(), why)
        })
        .collect();
    assert_eq!(
        rows,
        vec![
            (
                "ssh",
                "crowdsecurity/ssh-bf",
                false,
                "no kansoku parser for syslog logs".into()
            ),
            (
                "web",
                "crowdsecurity/http-sqli-probing",
                true,
                String::new()
            ),
            (
                "web",
                "crowdsecurity/http-generic-bf",
                false,
                "the scenario maps to no kansoku category".into()
            ),
        ]
    );
}

#[test]
fn a_test_passes_only_when_every_line_the_hub_expects_is_flagged() {
    // One flagged line out of the three the scenario must raise on used to count as a pass.
    let hub = tempfile::tempdir().expect("tmp");
    let config =
        "scenarios:\n- crowdsecurity/http-sqli-probing\nlog_file: t.log\nlog_type: nginx\n";
    write_test(
        hub.path(),
        "partly",
        config,
        &[UNION, SCHEMA, PLAIN],
        Some(&assert_for(
            "crowdsecurity/http-sqli-probing",
            &[UNION, SCHEMA, PLAIN],
        )),
    );
    write_test(
        hub.path(),
        "wholly",
        config,
        &[UNION, SCHEMA, PLAIN],
        Some(&assert_for(
            "crowdsecurity/http-sqli-probing",
            &[UNION, SCHEMA],
        )),
    );
    let got = run_hub(hub.path());
    let partly = &got[0];
    assert_eq!(partly.test, "partly");
    assert!(!partly.passed());
    match &partly.outcome {
        CrowdsecOutcome::Evaluated {
            expected_lines,
            flagged_expected,
            missed,
            ..
        } => {
            assert_eq!((*expected_lines, *flagged_expected), (3, 2));
            assert_eq!(missed, &vec!["/foo?a=shoes".to_string()]);
        }
        other => panic!("not evaluated: {other:?}"),
    }
    assert!(got[1].passed(), "{:?}", got[1].outcome);
}

#[test]
fn when_the_hub_expects_no_alert_a_flagged_line_fails() {
    let hub = tempfile::tempdir().expect("tmp");
    let config =
        "scenarios:\n- crowdsecurity/http-sqli-probing\nlog_file: t.log\nlog_type: nginx\n";
    write_test(
        hub.path(),
        "quiet",
        config,
        &[PLAIN],
        Some("len(results) == 0\n"),
    );
    write_test(
        hub.path(),
        "noisy",
        config,
        &[UNION],
        Some("len(results) == 0\n"),
    );
    let got = run_hub(hub.path());
    assert_eq!(
        got.iter()
            .map(|r| (r.test.as_str(), r.passed()))
            .collect::<Vec<_>>(),
        vec![("noisy", false), ("quiet", true)]
    );
}

#[test]
fn assertions_are_read_as_go_strings_and_found_as_whole_tokens() {
    let e = Expectation::parse(
        "len(results) == 1\n\
         results[0].Overflow.Alert.GetScenario() == \"crowdsecurity/http-probing\"\n\
         results[0].Overflow.Alert.Events[1].GetMeta(\"http_path\") == \"Gh0st\\\\xAD\\\"\"\n\
         results[0].Overflow.Alert.Events[0].GetMeta(\"http_path\") == \"/a\"\n",
    );
    assert_eq!(e.count, Some(1));
    let events = &e.results[0].1;
    assert_eq!(events[0].path.as_deref(), Some("/a"));
    assert_eq!(events[1].path.as_deref(), Some("Gh0st\\xAD\""));
    let log = "1.2.3.4 - - [x] \"GET /a HTTP/1.1\" 404\n1.2.3.4 - - [x] \"GET /ab HTTP/1.1\" 404\n";
    assert_eq!(lines_of(log, &events[0]), vec![1]);
}

#[test]
fn scenario_entries_are_named_as_the_hub_names_results() {
    for (entry, want) in [
        (
            "\"./scenarios/crowdsecurity/CVE-2022-26134.yaml\"",
            "crowdsecurity/CVE-2022-26134",
        ),
        (
            "scenarios/crowdsecurity/http-cve-2021-41773.yaml",
            "crowdsecurity/http-cve-2021-41773",
        ),
        ("ltsich/http-w00tw00t", "ltsich/http-w00tw00t"),
        (
            "./scenarios/pserranoa/openvpn-bf.yml",
            "pserranoa/openvpn-bf",
        ),
    ] {
        assert_eq!(scenario_name(entry), want);
    }
}
