//! Embeds the built-in rule pack (`rules/` at the repository root: YAML rules and the
//! probe lists of `rules/probes/`) into the library, so the binary carries its rules and
//! needs no files at run time.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn collect(dir: &Path, extensions: &[&str], out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, extensions, out);
        } else if path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| extensions.contains(&e))
        {
            out.push(path);
        }
    }
}

/// Writes `pub static NAME: &[(&str, &str)]` holding each file's path under `rules/` and text.
fn embed(code: &mut String, name: &str, doc: &str, rules: &Path, files: &[PathBuf]) {
    writeln!(code, "/// {doc}\npub static {name}: &[(&str, &str)] = &[")
        .expect("writing to a String cannot fail");
    for file in files {
        println!("cargo:rerun-if-changed={}", file.display());
        let rel = file
            .strip_prefix(rules)
            .unwrap_or(file)
            .to_string_lossy()
            .replace('\\', "/");
        let abs = file.canonicalize().unwrap_or_else(|_| file.clone());
        writeln!(
            code,
            "    ({rel:?}, include_str!({:?})),",
            abs.display().to_string()
        )
        .expect("writing to a String cannot fail");
    }
    code.push_str("];\n");
}

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let rules = manifest.join("../../rules");
    println!("cargo:rerun-if-changed={}", rules.display());
    let mut files = Vec::new();
    collect(&rules, &["yaml", "yml"], &mut files);
    files.sort();
    // Probe lists: plain-text path lists, one per kind of probe (`rules/probes/*.txt`).
    let mut lists = Vec::new();
    collect(&rules.join("probes"), &["txt"], &mut lists);
    lists.sort();
    let mut code = String::new();
    embed(
        &mut code,
        "FILES",
        "Built-in rule files: (path under `rules/`, text).",
        &rules,
        &files,
    );
    embed(
        &mut code,
        "PROBE_LISTS",
        "Built-in probe lists: (path under `rules/`, text).",
        &rules,
        &lists,
    );
    let out =
        PathBuf::from(std::env::var("OUT_DIR").expect("set by cargo")).join("builtin_rules.rs");
    std::fs::write(out, code).expect("OUT_DIR is writable");
}
