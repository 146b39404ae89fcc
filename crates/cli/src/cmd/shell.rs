//! `kansoku completions` and `kansoku man`: shell completion scripts and man pages,
//! generated from the clap definition so they list every command there is.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use clap::CommandFactory as _;

use clap::Args;

use crate::cli::Cli;

/// Prints the completion script for one shell.
pub fn completions(args: &CompletionsArgs) -> anyhow::Result<u8> {
    let mut cmd = Cli::command();
    // Into memory first: clap_complete panics on a write error (`| head`); ours is returned.
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "kansoku", &mut script);
    let mut out = std::io::stdout().lock();
    out.write_all(&script)?;
    out.flush()?;
    Ok(crate::exit::OK)
}

/// Writes `kansoku.1` and one page per subcommand (`kansoku-rules-list.1`, ...) into a
/// folder, or prints `kansoku.1` to stdout.
pub fn man(args: &ManArgs) -> anyhow::Result<u8> {
    let cmd = Cli::command();
    match &args.out {
        None => {
            let mut out = std::io::stdout().lock();
            clap_mangen::Man::new(cmd).render(&mut out)?;
        }
        Some(dir) => {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
            clap_mangen::generate_to(cmd, dir)
                .with_context(|| format!("writing man pages into {}", dir.display()))?;
            let pages = count_pages(dir)?;
            eprintln!("wrote {pages} man pages into {}", dir.display());
        }
    }
    Ok(crate::exit::OK)
}

fn count_pages(dir: &Path) -> anyhow::Result<usize> {
    let mut n = 0;
    for entry in std::fs::read_dir(dir)? {
        if entry?.path().extension().is_some_and(|e| e == "1") {
            n += 1;
        }
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every visible command path below the root: ["ingest"], ["rules", "list"], ...
    fn command_paths(cmd: &clap::Command, prefix: &[String], out: &mut Vec<Vec<String>>) {
        for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
            let mut path = prefix.to_vec();
            path.push(sub.get_name().to_string());
            out.push(path.clone());
            command_paths(sub, &path, out);
        }
    }

    fn all_paths() -> Vec<Vec<String>> {
        let mut paths = Vec::new();
        command_paths(&Cli::command(), &[], &mut paths);
        assert!(paths.len() > 20, "the tree has commands: {paths:?}");
        paths
    }

    fn script(shell: clap_complete::Shell) -> String {
        let mut buf = Vec::new();
        clap_complete::generate(shell, &mut Cli::command(), "kansoku", &mut buf);
        String::from_utf8(buf).expect("completion scripts are UTF-8")
    }

    #[test]
    fn completions_name_every_command_in_every_shell() {
        use clap_complete::Shell;
        for shell in [Shell::Bash, Shell::Zsh, Shell::Fish, Shell::PowerShell] {
            let text = script(shell);
            for path in all_paths() {
                let name = path.last().expect("non-empty path");
                assert!(
                    text.contains(name.as_str()),
                    "{shell}: no `{}`",
                    path.join(" ")
                );
            }
        }
        // Bash and PowerShell key their cases by the whole command path.
        let bash = script(Shell::Bash);
        for path in all_paths() {
            // clap_complete joins levels (and the words of a hyphenated name) with `__subcmd__`.
            let key = format!(
                "kansoku__subcmd__{}",
                path.join("__subcmd__").replace('-', "__subcmd__")
            );
            assert!(
                bash.contains(&key),
                "bash: no case for `{}` ({key})",
                path.join(" ")
            );
        }
        let ps = script(Shell::PowerShell);
        for path in all_paths() {
            let key = format!("'kansoku;{}'", path.join(";"));
            assert!(ps.contains(&key), "powershell: no `{key}`");
        }
    }

    #[test]
    fn bash_completion_parses() {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("kansoku.bash");
        std::fs::write(&file, script(clap_complete::Shell::Bash)).expect("write");
        let Ok(status) = std::process::Command::new("bash")
            .arg("-n")
            .arg(&file)
            .status()
        else {
            panic!("bash is needed for this test");
        };
        assert!(status.success(), "bash -n rejects the completion script");
    }

    #[test]
    fn man_pages_for_every_command() {
        let dir = tempfile::tempdir().expect("temp dir");
        man(&ManArgs {
            out: Some(dir.path().to_path_buf()),
        })
        .expect("man pages written");
        let top = std::fs::read_to_string(dir.path().join("kansoku.1")).expect("kansoku.1");
        assert!(top.contains(".TH kansoku 1"), "{top}");
        assert!(top.contains("Exit codes"), "exit codes in the man page");
        let paths = all_paths();
        for path in &paths {
            let page = dir.path().join(format!("kansoku-{}.1", path.join("-")));
            let text = std::fs::read_to_string(&page)
                .unwrap_or_else(|e| panic!("{}: {e}", page.display()));
            assert!(text.contains(".SH NAME"), "{}", page.display());
            if path.len() == 1 {
                // roff writes a hyphen as `\-`.
                let name = path[0].replace('-', "\\-");
                assert!(top.contains(&name), "kansoku.1 lists {}", path[0]);
            }
        }
        assert_eq!(count_pages(dir.path()).expect("count"), paths.len() + 1);
    }
}

/// `kansoku completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// `kansoku man`.
#[derive(Debug, Args)]
pub struct ManArgs {
    /// Folder for kansoku.1 and one page per subcommand [default: print kansoku.1].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}
