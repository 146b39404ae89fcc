//! `kansoku deadlines`: reporting duties of a case, or the draft report.

use kansoku_ir::case::Cases;
use kansoku_ir::deadlines::{DayCount, compute};
use kansoku_ir::draft::{DraftLang, render};
use kansoku_ir::time::parse_tz;
use kansoku_pipeline::Config;

use crate::cli::DeadlinesArgs;

pub fn run(config: &Config, a: DeadlinesArgs) -> anyhow::Result<u8> {
    let case = Cases::new(&config.data_dir).open(&a.case)?;
    let tz = parse_tz(&a.tz)?;
    let count = if a.count_from == "next-day" {
        DayCount::NextDayIsDay1
    } else {
        DayCount::LearningDayIsDay1
    };
    let d = compute(&case.meta, tz, count);
    if let Some(lang) = a.draft {
        let lang = match lang.as_str() {
            "ja" => DraftLang::Ja,
            "en" => DraftLang::En,
            other => anyhow::bail!("--draft {other}: expected ja or en"),
        };
        print!("{}", render(&case.meta, &d, lang));
        return Ok(crate::exit::OK);
    }
    if a.json {
        println!("{}", serde_json::to_string_pretty(&d)?);
        return Ok(crate::exit::OK);
    }
    println!(
        "Learned of the incident: {} ({})",
        d.learned.format("%Y-%m-%d %H:%M %:z"),
        d.timezone
    );
    println!(
        "Day counting: {}",
        match count {
            DayCount::LearningDayIsDay1 =>
                "the day of learning is day 1 (stricter reading; --count-from next-day for the Civil Code reading)",
            DayCount::NextDayIsDay1 => "the day after learning is day 1 (Civil Code art. 140)",
        }
    );
    if d.reportable {
        println!("APPI report to the PPC is due: {}", d.reasons.join("; "));
    } else {
        println!(
            "No APPI report is due on the facts recorded (personal data: {}); check again when facts change.",
            case.meta.facts.personal_data
        );
    }
    for duty in &d.duties {
        let when = match (duty.due_day, duty.due) {
            (Some(day), _) if duty.id.starts_with("ppc") => format!("by {day} (end of day)"),
            (_, Some(t)) => format!("by {}", t.format("%Y-%m-%d %H:%M %:z")),
            _ => "promptly".to_string(),
        };
        let target = duty
            .target_day
            .map_or(String::new(), |t| format!(", aim for {t}"));
        println!(
            "\n- {when}{target}\n  {}\n  {}\n  basis: {}",
            duty.what_en, duty.what_ja, duty.basis
        );
    }
    Ok(crate::exit::OK)
}
