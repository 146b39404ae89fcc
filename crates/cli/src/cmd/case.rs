//! `kansoku case`: open, list, show, count cases; notes; first-response checklists.

use anyhow::Context as _;
use chrono::Utc;
use kansoku_ir::case::{CaseMeta, CaseType, Cases, Facts, NewCase, Note};
use kansoku_ir::checklist::{self, Phase};
use kansoku_ir::time::{parse_time, parse_tz};
use kansoku_pipeline::Config;

use crate::cli::{CaseCommand, CaseNewArgs, OutputFormat};
use crate::output::Listing;

pub fn user() -> String {
    std::env::var("USER")
        .ok()
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| "unknown".into())
}

pub fn run(config: &Config, cmd: CaseCommand) -> anyhow::Result<u8> {
    let cases = Cases::new(&config.data_dir);
    match cmd {
        CaseCommand::New(args) => new(&cases, args),
        CaseCommand::List { format } => {
            let list = cases.list()?;
            for p in &list.problems {
                eprintln!("kansoku: skipped {p}");
            }
            let metas: Vec<&CaseMeta> = list.cases.iter().map(|c| &c.meta).collect();
            if metas.is_empty() && matches!(format.get(), OutputFormat::Table) {
                eprintln!("no cases yet: kansoku case new NAME --type ransomware");
                return Ok(crate::exit::OK);
            }
            Listing {
                records: &metas,
                columns: &["name", "type", "learned", "opened_by"],
                row: |m| {
                    vec![
                        m.name.clone(),
                        m.case_type.as_str().to_string(),
                        m.learned.to_rfc3339(),
                        m.opened_by.clone(),
                    ]
                },
            }
            .print(format.get())?;
            Ok(crate::exit::OK)
        }
        CaseCommand::Show { name, json } => {
            let case = cases.open(&name)?;
            let records = kansoku_ir::evidence::records(&case.dir)?;
            if json {
                let v =
                    serde_json::json!({"case": case.meta, "folder": case.dir, "evidence": records});
                println!("{}", serde_json::to_string_pretty(&v)?);
            } else {
                print!("{}", toml::to_string_pretty(&case.meta)?);
                println!(
                    "\n# folder: {}\n# evidence records: {}",
                    case.dir.display(),
                    records.len()
                );
            }
            Ok(crate::exit::OK)
        }
        CaseCommand::Stats { tz, format } => {
            let tz = parse_tz(&tz)?;
            let list = cases.list()?;
            let years = kansoku_ir::stats::by_type_and_year(list.cases.iter().map(|c| &c.meta), tz);
            let mut columns = vec!["year"];
            columns.extend(CaseType::ALL.iter().map(|t| t.as_str()));
            columns.extend(["total", "ransomware_share_pct", "change_points"]);
            Listing {
                records: &years,
                columns: &columns,
                row: |y| {
                    let mut row = vec![y.year.to_string()];
                    row.extend(y.by_type.iter().map(|(_, n)| n.to_string()));
                    row.push(y.total.to_string());
                    row.push(format!("{:.1}", y.ransomware_share));
                    row.push(
                        y.share_change_points
                            .map_or("-".to_string(), |c| format!("{c:+.1}")),
                    );
                    row
                },
            }
            .print(format.get())?;
            Ok(crate::exit::OK)
        }
        CaseCommand::Note {
            name,
            text,
            author,
            at,
            tz,
        } => {
            let mut case = cases.open(&name)?;
            let now = Utc::now();
            let at = match at {
                Some(a) => parse_time(&a, parse_tz(&tz)?)?,
                None => now.fixed_offset(),
            };
            let note = Note {
                at,
                author: author.unwrap_or_else(user),
                text,
            };
            kansoku_ir::custody::add_note(&mut case, note, now)?;
            eprintln!("noted in {}", case.dir.display());
            Ok(crate::exit::OK)
        }
        CaseCommand::Checklist {
            name,
            done,
            list,
            by,
            lang,
        } => {
            let case = cases.open(&name)?;
            let (cl, mut progress) = checklist::load(&case, list.as_deref())?;
            if !done.is_empty() || list.is_some() {
                checklist::mark_done(
                    &case,
                    &cl,
                    &mut progress,
                    &done,
                    &by.unwrap_or_else(user),
                    Utc::now().fixed_offset(),
                )?;
            }
            let ja = lang == "ja";
            let total = cl.steps.len();
            println!("{} ({}/{total} done)", cl.name, progress.done.len());
            for phase in [Phase::Preserve, Phase::Recover, Phase::Report] {
                let (en, jp) = phase.title();
                println!("\n{}", if ja { jp } else { en });
                for s in cl.steps.iter().filter(|s| s.phase == phase) {
                    let mark = progress
                        .done
                        .get(&s.id)
                        .map_or("[ ]".to_string(), |_| "[x]".to_string());
                    println!("  {mark} {:<18} {}", s.id, if ja { &s.ja } else { &s.en });
                }
            }
            Ok(crate::exit::OK)
        }
    }
}

fn new(cases: &Cases, a: CaseNewArgs) -> anyhow::Result<u8> {
    let case_type: CaseType = a.case_type.parse()?;
    let tz = parse_tz(&a.tz)?;
    let learned = a
        .learned
        .as_deref()
        .map(|l| parse_time(l, tz))
        .transpose()
        .context("--learned")?;
    let new = NewCase {
        name: a.name,
        case_type,
        who: a.who.unwrap_or_else(user),
        learned,
        facts: Facts {
            personal_data: a.personal_data,
            sensitive_data: a.sensitive_data,
            financial_loss_risk: a.financial_loss_risk,
            unauthorised_purpose: a.unauthorised_purpose,
            people: a.people,
        },
        summary: a.summary,
    };
    let now = Utc::now();
    let mut case = cases.create(&new, now)?;
    // Start the custody log now, so the key fingerprint is in case.toml from the start.
    kansoku_ir::custody::Custody::open_or_init(&mut case, &new.who, now)?;
    println!("{}", case.dir.display());
    eprintln!(
        "opened case {} ({}); edit {} for contacts and partner deadlines",
        case.meta.name,
        case_type.as_str(),
        case.dir.join("case.toml").display()
    );
    Ok(crate::exit::OK)
}
