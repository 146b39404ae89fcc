//! The user guide cannot rot: every ```console block of docs/guide/*.md is run here, in
//! order, one temporary folder per page, and each command's exit code and shown output
//! lines are checked.
//!
//! In a block, `$ kansoku ...` is a command (run by `sh -c` with this build's kansoku
//! first on PATH); the lines after it are output that must appear, each within one line
//! of stdout or stderr, with `...` standing for any text; `[exit N]` expects exit code N
//! instead of 0. A block whose info string carries `file=NAME` (```toml file=kansoku.toml)
//! is written to NAME at that point, so the guide's files are the ones its commands read.

use std::path::{Path, PathBuf};

/// One command of a guide page and what it must print.
#[derive(Debug)]
struct Step {
    line: usize,
    command: String,
    expected: Vec<String>,
    exit: i32,
}

/// A guide page, in order: files to write and commands to run.
#[derive(Debug)]
enum Item {
    Write { name: String, text: String },
    Run(Step),
}

fn items(markdown: &str) -> Vec<Item> {
    let mut items: Vec<Item> = Vec::new();
    // Inside a block: None = not in one, Some(None) = console, Some(Some(name)) = a file.
    let mut block: Option<Option<String>> = None;
    let mut file_text = String::new();
    for (i, line) in markdown.lines().enumerate() {
        let trimmed = line.trim_end();
        let Some(kind) = &block else {
            if let Some(info) = trimmed.strip_prefix("```") {
                let file = info
                    .split_whitespace()
                    .find_map(|w| w.strip_prefix("file="));
                if info == "console" {
                    block = Some(None);
                } else if let Some(name) = file {
                    block = Some(Some(name.to_string()));
                    file_text.clear();
                }
            }
            continue;
        };
        if trimmed == "```" {
            if let Some(name) = kind {
                items.push(Item::Write {
                    name: name.clone(),
                    text: std::mem::take(&mut file_text),
                });
            }
            block = None;
            continue;
        }
        if kind.is_some() {
            file_text.push_str(line);
            file_text.push('\n');
        } else if let Some(cmd) = trimmed.strip_prefix("$ ") {
            assert!(
                cmd.starts_with("kansoku"),
                "line {}: console blocks hold kansoku commands only (use ```sh for others): {cmd}",
                i + 1
            );
            items.push(Item::Run(Step {
                line: i + 1,
                command: cmd.to_string(),
                expected: Vec::new(),
                exit: 0,
            }));
        } else if let Some(Item::Run(step)) = items.last_mut() {
            if let Some(code) = trimmed
                .strip_prefix("[exit ")
                .and_then(|c| c.strip_suffix(']'))
            {
                step.exit = code.parse().expect("[exit N] holds a number");
            } else if !trimmed.trim().is_empty() {
                step.expected.push(trimmed.trim().to_string());
            }
        } else {
            panic!(
                "line {}: console output before any `$ kansoku` command",
                i + 1
            );
        }
    }
    items
}

/// Whether one output line holds the pieces of `pattern` (split at `...`) in order.
fn line_matches(line: &str, pattern: &str) -> bool {
    let mut rest = line;
    for piece in pattern
        .split("...")
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        match rest.find(piece) {
            Some(at) => rest = &rest[at + piece.len()..],
            None => return false,
        }
    }
    true
}

fn run_page(page: &Path) -> usize {
    let text = std::fs::read_to_string(page).expect("guide page");
    let items = items(&text);
    let dir = tempfile::tempdir().expect("temp dir");
    let bin_dir: PathBuf = Path::new(env!("CARGO_BIN_EXE_kansoku"))
        .parent()
        .expect("binary folder")
        .to_path_buf();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut steps = 0;
    for item in &items {
        let step = match item {
            Item::Write { name, text } => {
                let path = dir.path().join(name);
                if let Some(parent) = path.parent() {
                    std::fs::create_dir_all(parent).expect("folder for a guide file");
                }
                std::fs::write(&path, text).expect("write a guide file");
                continue;
            }
            Item::Run(step) => step,
        };
        steps += 1;
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(&step.command)
            .current_dir(dir.path())
            .env("PATH", &path)
            .env("NO_COLOR", "1")
            // `case new` keeps its signing key in the scratch folder, not the home.
            .env("KANSOKU_KEY_DIR", dir.path().join("keys"))
            .output()
            .expect("sh runs");
        let output = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let place = format!("{}:{}: $ {}", page.display(), step.line, step.command);
        assert_eq!(
            out.status.code(),
            Some(step.exit),
            "{place}\nexit code differs; output:\n{output}"
        );
        for want in &step.expected {
            assert!(
                output.lines().any(|l| line_matches(l, want)),
                "{place}\nno output line matches {want:?}; output:\n{output}"
            );
        }
    }
    steps
}

fn guide_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/guide")
}

#[test]
fn tutorial_runs_as_written() {
    let n = run_page(&guide_dir().join("tutorial.md"));
    assert!(n >= 10, "the tutorial has its commands ({n})");
}

#[test]
fn howtos_run_as_written() {
    let n = run_page(&guide_dir().join("howto.md"));
    assert!(n >= 5, "the how-tos have commands ({n})");
}

#[test]
fn matcher_and_parser_behave() {
    assert!(line_matches(
        "a.log: 5 lines, 5 stored",
        "... 5 lines, ... stored"
    ));
    assert!(!line_matches("stored 5 lines", "lines ... stored"));
    let page = "```toml file=a/b.toml\nx = 1\n```\n```console\n$ kansoku x\nout ... put\n[exit 3]\n```\n```sh\n$ rm -rf /\n```\n";
    match items(page).as_slice() {
        [Item::Write { name, text }, Item::Run(step)] => {
            assert_eq!((name.as_str(), text.as_str()), ("a/b.toml", "x = 1\n"));
            assert_eq!((step.exit, step.expected.len()), (3, 1));
        }
        other => panic!("{other:?}"),
    }
}
