use kansoku_report::{Lang, json, render_json, sample_report};

fn validator() -> jsonschema::Validator {
    let schema: serde_json::Value = serde_json::from_str(json::SCHEMA).expect("schema is JSON");
    jsonschema::draft202012::new(&schema).expect("schema is a valid draft 2020-12 schema")
}

#[test]
fn json_output_validates_against_the_published_schema() {
    let v = validator();
    for lang in [Lang::Ja, Lang::En] {
        let out: serde_json::Value =
            serde_json::from_str(&render_json(&sample_report(lang))).expect("JSON");
        let errors: Vec<String> = v
            .iter_errors(&out)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{errors:#?}");
    }
}

#[test]
fn the_schema_rejects_a_report_that_breaks_it() {
    let v = validator();
    let mut out: serde_json::Value =
        serde_json::from_str(&render_json(&sample_report(Lang::En))).expect("JSON");
    out["schema_version"] = 1.into();
    assert!(!v.is_valid(&out));
    let mut out: serde_json::Value =
        serde_json::from_str(&render_json(&sample_report(Lang::En))).expect("JSON");
    out["sections"][0]["blocks"][0]["spikes"][0]["peak"] = "many".into();
    assert!(!v.is_valid(&out));
}

#[test]
fn json_round_trips_and_names_its_version() {
    let r = sample_report(Lang::Ja);
    let back: kansoku_report::Report = serde_json::from_str(&render_json(&r)).expect("parses back");
    assert_eq!(back, r);
    assert!(render_json(&r).contains("\"schema_version\": 2"));
}
