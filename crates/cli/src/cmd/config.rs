//! `kansoku config init|check|reference`: a commented starter `kansoku.toml`, a checker
//! naming unknown keys and bad values by file and line, and the Markdown reference
//! generated from the config types (docs/config.md).

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use kansoku_pipeline::config_doc;

use clap::Subcommand;

/// The starter file `config init` writes (also /etc/kansoku/kansoku.toml in the package).
pub const STARTER: &str = include_str!("../../assets/kansoku.toml");

/// Runs a `config` subcommand; `global` is the `--config` option.
pub fn run(cmd: ConfigCommand, global: Option<&Path>) -> anyhow::Result<u8> {
    match cmd {
        ConfigCommand::Init { out, force } => init(&out, force),
        ConfigCommand::Check { path } => {
            let path = path
                .or_else(|| global.map(Path::to_path_buf))
                .unwrap_or_else(|| PathBuf::from("kansoku.toml"));
            check(&path)
        }
        ConfigCommand::Reference => {
            let mut out = std::io::stdout().lock();
            out.write_all(config_doc::reference_markdown().as_bytes())?;
            out.flush()?;
            Ok(crate::exit::OK)
        }
    }
}

fn init(out: &Path, force: bool) -> anyhow::Result<u8> {
    if out == Path::new("-") {
        print!("{STARTER}");
        return Ok(crate::exit::OK);
    }
    if out.exists() && !force {
        anyhow::bail!(
            "{} already exists; pass --force to overwrite it, or --out to write elsewhere",
            out.display()
        );
    }
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    std::fs::write(out, STARTER).with_context(|| format!("writing {}", out.display()))?;
    eprintln!(
        "wrote {}; edit it, then run `kansoku config check {}`",
        out.display(),
        out.display()
    );
    Ok(crate::exit::OK)
}

fn check(path: &Path) -> anyhow::Result<u8> {
    let text = std::fs::read_to_string(path).with_context(|| {
        format!(
            "reading {} (write a starter file with `kansoku config init`)",
            path.display()
        )
    })?;
    let problems = config_doc::check(&text);
    for p in &problems {
        let first = p.message.lines().next().unwrap_or_default();
        match (p.line, p.column) {
            (0, _) => eprintln!("{}: {first}", path.display()),
            (l, c) => eprintln!("{}:{l}:{c}: {first}", path.display()),
        }
    }
    if problems.is_empty() {
        println!("{}: ok", path.display());
        Ok(crate::exit::OK)
    } else {
        eprintln!(
            "{} problem(s); every key is described by `kansoku config reference`",
            problems.len()
        );
        Ok(crate::exit::FAILURE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn starter_file_is_valid_and_mentions_every_section() {
        assert!(
            config_doc::check(STARTER).is_empty(),
            "{:?}",
            config_doc::check(STARTER)
        );
        let reference = config_doc::reference_markdown();
        for line in reference.lines() {
            if let Some(head) = line.strip_prefix("## `").and_then(|h| h.strip_suffix('`')) {
                assert!(STARTER.contains(head), "starter lacks {head}");
            }
        }
    }
}

/// `kansoku config ...`.
#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Write a commented starter kansoku.toml (every key, defaults shown).
    ///
    /// Example: kansoku config init --out /etc/kansoku/kansoku.toml
    Init {
        /// Where to write it, or - for stdout.
        #[arg(long, default_value = "kansoku.toml", value_name = "PATH")]
        out: PathBuf,
        /// Overwrite an existing file.
        #[arg(long)]
        force: bool,
    },
    /// Check a file: syntax, unknown keys and bad values, each with its line; exit 1 if any.
    ///
    /// Example: kansoku config check /etc/kansoku/kansoku.toml
    Check {
        /// The file [default: --config, else ./kansoku.toml].
        path: Option<PathBuf>,
    },
    /// Print the Markdown reference of every key (doc, type, default); docs/config.md.
    ///
    /// Example: kansoku config reference > docs/config.md
    Reference,
}
