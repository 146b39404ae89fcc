//! `kansoku evidence`: add, import, list, verify, export.

use std::path::PathBuf;

use chrono::Utc;
use clap::{Args, Subcommand};
use kansoku_ir::case::Cases;
use kansoku_ir::evidence::{self, AddOptions};
use kansoku_ir::import::Tool;
use kansoku_ir::verify::{Anchoring, VerifyOptions, VerifyReport, verify_dir};
use kansoku_pipeline::Config;

use super::case::{KeyDirArg, key_store};

use crate::cli::ListFormat;
use crate::output::Listing;

/// `kansoku evidence [--key-dir DIR] ...`.
#[derive(Debug, Args)]
pub struct EvidenceArgs {
    #[command(flatten)]
    pub keys: KeyDirArg,
    #[command(subcommand)]
    pub command: EvidenceCommand,
}

pub fn run(config: &Config, args: EvidenceArgs) -> anyhow::Result<u8> {
    let cases = Cases::new(&config.data_dir);
    let key_dir = args.keys.key_dir;
    match args.command {
        EvidenceCommand::Add {
            case,
            paths,
            kind,
            handler,
            host,
            no_copy,
        } => {
            let mut case = cases.open(&case)?;
            let opts = AddOptions {
                kind: kind.parse()?,
                handler,
                host,
                no_copy,
            };
            let store = key_store(key_dir)?;
            let out = evidence::add(&mut case, &store, &paths, &opts, Utc::now())?;
            for r in &out.added {
                let how = r.stored.as_deref().unwrap_or("recorded in place");
                println!(
                    "{}  {}  {}  {}",
                    r.id,
                    r.sha256.as_deref().unwrap_or("-"),
                    r.source_path,
                    how
                );
                if let Some(link) = &r.followed_symlink {
                    eprintln!("  followed symbolic link {link}");
                }
            }
            for r in &out.refused {
                eprintln!("kansoku: refused {r}");
            }
            for r in &out.already {
                eprintln!("already registered, same content: {r}");
            }
            for r in &out.discarded {
                eprintln!(
                    "kansoku: discarded {r}, copied by an interrupted run but never registered"
                );
            }
            eprintln!(
                "{} file(s) registered, {} already registered, {} refused",
                out.added.len(),
                out.already.len(),
                out.refused.len()
            );
            Ok(if out.refused.is_empty() {
                crate::exit::OK
            } else {
                crate::exit::REJECTED
            })
        }
        EvidenceCommand::Import {
            case,
            log,
            tool,
            kind,
            handler,
            host,
        } => {
            let mut case = cases.open(&case)?;
            let tool = match tool.as_str() {
                "kape" => Tool::Kape,
                "uac" => Tool::Uac,
                _ => Tool::HashList,
            };
            let opts = AddOptions {
                kind: kind.parse()?,
                handler,
                host,
                no_copy: false,
            };
            let store = key_store(key_dir)?;
            let out = kansoku_ir::import::import(&mut case, &store, &log, tool, &opts, Utc::now())?;
            for r in &out.imported {
                let hash = r
                    .sha256
                    .as_deref()
                    .or(r.sha1.as_deref())
                    .or(r.md5.as_deref())
                    .unwrap_or("-");
                println!("{}  {hash}  {}:{}", r.id, r.host, r.source_path);
            }
            for (line, why) in &out.rejected {
                eprintln!("kansoku: {}:{line}: {why}", log.display());
            }
            eprintln!(
                "{} record(s) imported, {} line(s) rejected",
                out.imported.len(),
                out.rejected.len()
            );
            Ok(if out.rejected.is_empty() {
                crate::exit::OK
            } else {
                crate::exit::REJECTED
            })
        }
        EvidenceCommand::List { case, format } => {
            let case = cases.open(&case)?;
            let records = evidence::records(&case.dir)?;
            Listing {
                records: &records,
                columns: &["id", "kind", "handler", "host", "source_path", "sha256"],
                row: |r| {
                    vec![
                        r.id.clone(),
                        format!("{:?}", r.kind).to_lowercase(),
                        r.handler.clone(),
                        r.host.clone(),
                        r.source_path.clone(),
                        r.sha256.clone().unwrap_or_else(|| "-".into()),
                    ]
                },
            }
            .print(format.get())?;
            Ok(crate::exit::OK)
        }
        EvidenceCommand::Verify {
            case,
            archive,
            dir,
            key_fingerprint,
            json,
        } => {
            // Without a store (no HOME, no --key-dir), only --key-fingerprint anchors.
            let store = key_store(key_dir).ok();
            let opts = VerifyOptions {
                expected_key: key_fingerprint.as_deref(),
                store: store.as_ref(),
                in_place: false,
            };
            let report = match (case, archive, dir) {
                (_, Some(a), _) => kansoku_ir::export::verify_archive(&a, &opts)?,
                (_, _, Some(d)) => verify_dir(&d, &opts)?,
                (Some(c), _, _) => verify_dir(
                    &cases.open(&c)?.dir,
                    &VerifyOptions {
                        in_place: true,
                        ..opts
                    },
                )?,
                _ => anyhow::bail!("name a case, --archive or --dir"),
            };
            print_report(&report, json)?;
            Ok(if !report.ok() {
                crate::exit::FAILURE
            } else if !report.anchored() {
                crate::exit::NOT_ANCHORED
            } else {
                crate::exit::OK
            })
        }
        EvidenceCommand::Export { case, out, handler } => {
            let mut case = cases.open(&case)?;
            let m = kansoku_ir::export::export(
                &mut case,
                &key_store(key_dir)?,
                &out,
                &handler.unwrap_or_else(super::case::user),
                Utc::now(),
            )?;
            eprintln!(
                "wrote {} ({} evidence records, {} custody entries); key fingerprint {}",
                out.display(),
                m.evidence.len(),
                m.entries,
                m.key_fingerprint.as_deref().unwrap_or("-")
            );
            Ok(crate::exit::OK)
        }
    }
}

fn print_report(r: &VerifyReport, json: bool) -> anyhow::Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(r)?);
        return Ok(());
    }
    // Findings quote paths and text from the case or archive: cleaned for the terminal.
    for f in &r.findings {
        println!("FAIL {}", crate::output::clean(&f.to_string()));
    }
    for s in &r.skipped {
        println!("skip {}", crate::output::clean(s));
    }
    let verdict = match (r.ok(), r.anchored()) {
        (false, _) => "FAILED",
        (true, true) => "OK",
        (true, false) => "self-consistent only, not anchored",
    };
    println!(
        "{verdict}: {} custody entries, {} files checked; key {}; head {}",
        r.entries,
        r.files_checked,
        r.key_fingerprint.as_deref().unwrap_or("-"),
        r.head_hash.as_deref().unwrap_or("-")
    );
    match &r.anchor {
        Anchoring::Fingerprint => println!("anchored by the key fingerprint given"),
        Anchoring::KeyStore { store } => println!(
            "anchored by this machine's key store {}",
            crate::output::clean(store)
        ),
        Anchoring::NotAnchored { reason } => println!(
            "not anchored: {}; compare the key with the fingerprint printed at `case new` \
             (--key-fingerprint)",
            crate::output::clean(reason)
        ),
    }
    Ok(())
}

/// `kansoku evidence ...`.
#[derive(Debug, Subcommand)]
pub enum EvidenceCommand {
    /// Copy files (or folders) into a case, with digests, recorded in the custody log.
    ///
    /// Example: kansoku evidence add acme-2026-10 /var/log/nginx --kind server --handler sato --host web01
    Add {
        /// Case name.
        case: String,
        /// Files or folders.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// server, client, vpn, firewall, av or other.
        #[arg(long)]
        kind: String,
        /// Who handles the evidence.
        #[arg(long)]
        handler: String,
        /// Machine the files come from [default: this machine].
        #[arg(long)]
        host: Option<String>,
        /// Record the files where they are instead of copying them.
        #[arg(long)]
        no_copy: bool,
    },
    /// Import another tool's acquisition log as evidence records with its hashes.
    ///
    /// Example: kansoku evidence import acme-2026-10 D:/kape/CopyLog.csv --tool kape --kind client --handler sato
    Import {
        /// Case name.
        case: String,
        /// The log: KAPE CopyLog.csv, UAC uac-*.log, or an md5sum/sha1sum/sha256sum list.
        log: PathBuf,
        /// Which tool wrote it.
        #[arg(long, value_parser = ["kape", "uac", "hash-list"])]
        tool: String,
        /// server, client, vpn, firewall, av or other.
        #[arg(long)]
        kind: String,
        /// Who handles the evidence.
        #[arg(long)]
        handler: String,
        /// Machine the files come from (UAC logs name it themselves).
        #[arg(long)]
        host: Option<String>,
    },
    /// List a case's evidence records.
    ///
    /// Example: kansoku evidence list acme-2026-10 --format csv
    List {
        /// Case name.
        case: String,
        #[command(flatten)]
        format: ListFormat,
    },
    /// Check every evidence file, the whole custody chain and case.toml, and what anchors
    /// the signing key outside the case.
    ///
    /// Exit 0: nothing changed, and the key is the --key-fingerprint given (the one printed
    /// at `case new`) or, for a case on this machine, the key store's, which also holds the
    /// log to the head it last wrote. Exit 5: nothing changed, but nothing outside the case
    /// vouches for its key ("self-consistent only, not anchored"): whoever can edit the
    /// folder could have re-keyed and re-signed it. Exit 1: something changed; each finding
    /// is named.
    ///
    /// Example: kansoku evidence verify --archive acme-2026-10.tar --key-fingerprint sha256:…
    Verify {
        /// Case name (or use --archive / --dir).
        #[arg(required_unless_present_any = ["archive", "dir"])]
        case: Option<String>,
        /// An archive written by `evidence export`.
        #[arg(long, value_name = "TAR", conflicts_with_all = ["case", "dir"])]
        archive: Option<PathBuf>,
        /// A case folder unpacked elsewhere.
        #[arg(long, value_name = "DIR", conflicts_with = "case")]
        dir: Option<PathBuf>,
        /// The key fingerprint printed at `case new` and kept outside the case, to anchor
        /// the check.
        #[arg(long, value_name = "FP")]
        key_fingerprint: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Write a tar archive of the case's evidence, custody log, public key and manifest.
    ///
    /// Example: kansoku evidence export acme-2026-10 acme-2026-10.tar --handler sato
    Export {
        /// Case name.
        case: String,
        /// Output archive.
        out: PathBuf,
        /// Who exports [default: $USER].
        #[arg(long)]
        handler: Option<String>,
    },
}
