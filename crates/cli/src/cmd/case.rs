//! `kansoku case`: open, list, show, count cases; notes; first-response checklists.

use std::path::PathBuf;

use anyhow::Context as _;
use chrono::Utc;
use clap::{Args, Subcommand};
use kansoku_ir::case::{CaseMeta, CaseType, Cases, Facts, NewCase, Note};
use kansoku_ir::checklist::{self, Phase};
use kansoku_ir::keystore::{KeyStore, default_dir};
use kansoku_ir::time::{parse_time, parse_tz};
use kansoku_pipeline::Config;

use crate::cli::{ListFormat, OutputFormat};
use crate::output::Listing;

pub fn user() -> String {
    std::env::var("USER")
        .ok()
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| "unknown".into())
}

/// The key store of `--key-dir`, else of the environment ([`default_dir`]).
pub fn key_store(key_dir: Option<PathBuf>) -> anyhow::Result<KeyStore> {
    key_dir
        .or_else(|| default_dir(|k| std::env::var_os(k)))
        .map(KeyStore::new)
        .ok_or_else(|| kansoku_ir::IrError::NoKeyStore.into())
}

/// Where custody signing keys are kept: `--key-dir`, shared by the case and evidence
/// commands.
#[derive(Debug, Args)]
pub struct KeyDirArg {
    /// Key store of custody signing keys, outside every case folder [default:
    /// $KANSOKU_KEY_DIR, else $XDG_DATA_HOME/kansoku/keys, else
    /// ~/.local/share/kansoku/keys].
    #[arg(long, global = true, value_name = "DIR")]
    pub key_dir: Option<PathBuf>,
}

/// `kansoku case [--key-dir DIR] ...`.
#[derive(Debug, Args)]
pub struct CaseArgs {
    #[command(flatten)]
    pub keys: KeyDirArg,
    #[command(subcommand)]
    pub command: CaseCommand,
}

pub fn run(config: &Config, args: CaseArgs) -> anyhow::Result<u8> {
    let cases = Cases::new(&config.data_dir);
    let key_dir = args.keys.key_dir;
    match args.command {
        CaseCommand::New(args) => new(&cases, &key_store(key_dir)?, args),
        CaseCommand::Sign { name, who } => {
            let mut case = cases.open(&name)?;
            let store = key_store(key_dir)?;
            let who = who.unwrap_or_else(user);
            match kansoku_ir::custody::sign_case(&mut case, &store, &who, Utc::now())? {
                Some(e) => eprintln!(
                    "recorded case.toml of {} in custody entry {} (digest {})",
                    name,
                    e.index,
                    e.case_sha256.as_deref().unwrap_or("-")
                ),
                None => eprintln!("case.toml of {name} is as the custody log records it"),
            }
            Ok(crate::exit::OK)
        }
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
            kansoku_ir::custody::add_note(&mut case, &key_store(key_dir)?, note, now)?;
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

fn new(cases: &Cases, store: &KeyStore, a: CaseNewArgs) -> anyhow::Result<u8> {
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
    // Start the custody log now, so the key fingerprint is known from the start.
    let custody = kansoku_ir::custody::Custody::open_or_init(&mut case, store, &new.who, now)?;
    let fp = custody.fingerprint();
    println!("{}", case.dir.display());
    eprintln!(
        "opened case {name} ({}); edit {} for contacts and partner deadlines, then `kansoku case sign {name}`",
        case_type.as_str(),
        case.dir.join("case.toml").display(),
        name = case.meta.name,
    );
    eprintln!(
        "custody key fingerprint: {fp}\n\
         record it outside the case (ticket, paper, mail to your CISO); \
         `kansoku evidence verify {name} --key-fingerprint {fp}` checks the case against it \
         (signing key in {})",
        store.dir().display(),
        name = case.meta.name,
    );
    Ok(crate::exit::OK)
}

/// `kansoku case ...`.
#[derive(Debug, Subcommand)]
pub enum CaseCommand {
    /// Open a case: a folder under DATA/cases/NAME with case.toml, and a custody signing
    /// key in the key store (--key-dir) whose fingerprint it prints, to record elsewhere.
    ///
    /// Example: kansoku case new acme-2026-10 --type ransomware --learned "2026-10-02 18:30" --personal-data --unauthorised-purpose
    New(CaseNewArgs),
    /// Record case.toml in the custody log after editing it (contacts, partners, facts,
    /// the time of learning); `evidence verify` reports an edit not recorded.
    ///
    /// Example: kansoku case sign acme-2026-10 --who sato
    Sign {
        /// Case name.
        name: String,
        /// Who made the edit [default: $USER].
        #[arg(long)]
        who: Option<String>,
    },
    /// List the cases.
    ///
    /// Example: kansoku case list --format csv
    List {
        #[command(flatten)]
        format: ListFormat,
    },
    /// Show one case: metadata, facts, evidence count, notes.
    ///
    /// Example: kansoku case show acme-2026-10 --json
    Show {
        /// Case name.
        name: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Count cases by type and year, with the ransomware share year over year.
    ///
    /// Example: kansoku case stats --tz Asia/Tokyo --format csv
    Stats {
        /// Time zone deciding the year (IANA).
        #[arg(long, default_value = "Asia/Tokyo")]
        tz: String,
        #[command(flatten)]
        format: ListFormat,
    },
    /// Add a dated note (shown in the timeline and recorded in the custody log).
    ///
    /// Example: kansoku case note acme-2026-10 "VPN account taro used from 203.0.113.9" --author sato --at "2026-10-01 02:14"
    Note {
        /// Case name.
        name: String,
        /// The note.
        text: String,
        /// Who writes it [default: $USER].
        #[arg(long)]
        author: Option<String>,
        /// When it happened [default: now]; local time in --tz unless an offset is given.
        #[arg(long, value_name = "TIME")]
        at: Option<String>,
        /// Time zone of --at.
        #[arg(long, default_value = "Asia/Tokyo")]
        tz: String,
    },
    /// Show the first-response checklist of a case and mark steps done.
    ///
    /// Example: kansoku case checklist acme-2026-10 --done isolate --done collect-logs
    Checklist {
        /// Case name.
        name: String,
        /// Step ids to mark done; repeatable.
        #[arg(long, value_name = "ID")]
        done: Vec<String>,
        /// Checklist to use (ransomware, web-compromise) [default: by case type].
        #[arg(long, value_name = "NAME")]
        list: Option<String>,
        /// Who did the steps [default: $USER].
        #[arg(long)]
        by: Option<String>,
        /// Language of the steps: ja or en.
        #[arg(long, default_value = "ja")]
        lang: String,
    },
}

/// `kansoku case new`.
#[derive(Debug, Args)]
pub struct CaseNewArgs {
    /// Case name (letters, digits, - _ . and non-ASCII; no separators).
    pub name: String,
    /// Kind of incident: ransomware, web-compromise, data-leak, ddos or other.
    #[arg(long = "type", value_name = "TYPE")]
    pub case_type: String,
    /// Who opens the case [default: $USER].
    #[arg(long)]
    pub who: Option<String>,
    /// When the organisation learned of the incident [default: now]; local time in --tz
    /// unless an offset is given. Every reporting deadline counts from it.
    #[arg(long, value_name = "TIME")]
    pub learned: Option<String>,
    /// Time zone of --learned.
    #[arg(long, default_value = "Asia/Tokyo")]
    pub tz: String,
    /// Personal data is or may be involved.
    #[arg(long)]
    pub personal_data: bool,
    /// Sensitive personal data (要配慮個人情報) is or may be involved.
    #[arg(long)]
    pub sensitive_data: bool,
    /// Misuse of the data may cause financial loss.
    #[arg(long)]
    pub financial_loss_risk: bool,
    /// Caused by an act with an unauthorised purpose (an attack).
    #[arg(long)]
    pub unauthorised_purpose: bool,
    /// Number of people concerned.
    #[arg(long, value_name = "N")]
    pub people: Option<u64>,
    /// One paragraph on what happened.
    #[arg(long, default_value = "")]
    pub summary: String,
}
