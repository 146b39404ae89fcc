//! `kansoku config init|check|reference`.

use std::path::Path;

use crate::common::{kansoku, stderr, stdout, write};

#[test]
fn init_writes_a_file_that_checks_and_refuses_to_overwrite() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("etc/kansoku.toml");
    let out = kansoku()
        .args(["config", "init", "--out"])
        .arg(&path)
        .output()
        .expect("runs");
    assert!(out.status.success(), "{}", stderr(&out));
    let text = std::fs::read_to_string(&path).expect("written");
    assert!(
        text.contains("[[tenant]]") && text.contains("[detect]"),
        "{text}"
    );
    let out = kansoku()
        .args(["config", "init", "--out"])
        .arg(&path)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("--force"), "{}", stderr(&out));

    let out = kansoku()
        .args(["config", "check"])
        .arg(&path)
        .output()
        .expect("runs");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains(": ok"), "{}", stdout(&out));
    // The global --config names the file too.
    let out = kansoku()
        .arg("--config")
        .arg(&path)
        .args(["config", "check"])
        .output()
        .expect("runs");
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn check_names_file_line_and_fix() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = write(
        dir.path(),
        "kansoku.toml",
        "data_dir = \"x\"\n\n[detect]\nstrictt = true\n\n[reportt]\nlang = \"en\"\n",
    );
    let out = kansoku()
        .args(["config", "check"])
        .arg(&path)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    let shown = path.display().to_string();
    assert!(
        err.contains(&format!(
            "{shown}:4:1: unknown key `detect.strictt`; did you mean `strict`?"
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!("{shown}:6:2: unknown key `reportt`")),
        "{err}"
    );

    let path = write(dir.path(), "bad.toml", "[report]\nlang = 2\n");
    let out = kansoku()
        .args(["config", "check"])
        .arg(&path)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("bad.toml:2:8:"), "{}", stderr(&out));
    // Running from a folder without kansoku.toml says how to get one.
    let out = kansoku()
        .current_dir(dir.path().join(".."))
        .args(["config", "check", "no-such.toml"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("kansoku config init"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn docs_config_md_is_the_generated_reference() {
    let out = kansoku()
        .args(["config", "reference"])
        .output()
        .expect("runs");
    assert!(out.status.success(), "{}", stderr(&out));
    let generated = stdout(&out);
    let committed_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/config.md");
    let committed = std::fs::read_to_string(&committed_path).unwrap_or_default();
    assert!(
        committed == generated,
        "docs/config.md is stale: run `cargo run -- config reference > docs/config.md`"
    );
    for key in [
        "### `data_dir`",
        "## `[[tenant]]`",
        "## `[enrich]`",
        "### `tor_window_hours`",
    ] {
        assert!(generated.contains(key), "reference lacks {key}");
    }
}
