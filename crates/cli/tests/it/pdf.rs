//! `kansoku report --format pdf`: headless Chromium (Debian's `chromium`) prints the
//! report in both languages; `pdfinfo` and `pdftotext` (Debian's `poppler-utils`; `.ci/run`
//! installs both) read it back as a reader's PDF viewer would.

use std::path::Path;
use std::process::Command;

use crate::common::*;

fn need(program: &str, package: &str) {
    let found = std::env::var_os("PATH")
        .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(program).is_file()));
    assert!(
        found,
        "this test needs {program}: apt-get install {package} (as .ci/run does)"
    );
}

fn pages(pdf: &Path) -> u32 {
    let out = Command::new("pdfinfo")
        .arg(pdf)
        .output()
        .expect("pdfinfo runs");
    assert!(out.status.success(), "pdfinfo: {}", stderr(&out));
    stdout(&out)
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no page count in {}", stdout(&out)))
}

fn text(pdf: &Path) -> String {
    let out = Command::new("pdftotext")
        .args(["-enc", "UTF-8"])
        .arg(pdf)
        .arg("-")
        .output()
        .expect("pdftotext runs");
    assert!(out.status.success(), "pdftotext: {}", stderr(&out));
    stdout(&out)
}

#[test]
fn reports_print_to_pdf_in_both_languages_with_extractable_text() {
    need("chromium", "chromium");
    need("pdfinfo", "poppler-utils");
    need("pdftotext", "poppler-utils");
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let log = write(dir.path(), "access.log", &combined_log(3000));
    let ing = run(
        &data,
        &[
            "ingest",
            log.to_str().expect("utf8"),
            "--format",
            "combined",
        ],
    );
    assert!(ing.status.success(), "{}", stderr(&ing));
    let out = dir.path().join("out");
    std::fs::create_dir(&out).expect("out dir");
    for (lang, title, other_lang) in [
        ("ja", "1時間ごとの検知数", "Detections per hour"),
        ("en", "Detections per hour", "1時間ごとの検知数"),
    ] {
        let pdf = out.join(format!("report.{lang}.pdf"));
        // A stale file at the target is replaced whole.
        std::fs::write(&pdf, "old").expect("stale file");
        let rep = run(
            &data,
            &[
                "report",
                "--from",
                "2026-09-16",
                "--to",
                "2026-09-18",
                "--lang",
                lang,
                "--out",
                pdf.to_str().expect("utf8"),
            ],
        );
        assert!(rep.status.success(), "{lang}: {}", stderr(&rep));
        let bytes = std::fs::read(&pdf).expect("pdf");
        assert!(bytes.starts_with(b"%PDF-"), "{lang}: a PDF");
        let n = pages(&pdf);
        assert!(
            (2..=40).contains(&n),
            "{lang}: a report of a few pages, not {n}"
        );
        let body = text(&pdf);
        assert!(
            body.contains(title),
            "{lang}: the section title comes out of the PDF: {}",
            &body.chars().take(600).collect::<String>()
        );
        assert!(!body.contains(other_lang), "{lang}: one language only");
        // Japanese body text, not only a title, carries its Unicode mapping.
        let cjk = body
            .chars()
            .filter(|c| ('\u{3040}'..='\u{9FFF}').contains(c))
            .count();
        if lang == "ja" {
            assert!(cjk > 200, "ja: {cjk} kana and kanji extracted");
        } else {
            assert_eq!(cjk, 0, "en: no Japanese text");
        }
        // Whatever kansoku said about the sandbox fits one line.
        let warnings: Vec<&str> = std::str::from_utf8(&rep.stderr)
            .unwrap_or("")
            .lines()
            .filter(|l| l.contains("sandbox"))
            .collect();
        assert!(warnings.len() <= 1, "{warnings:?}");
    }
    // Only the two reports: no temporary left beside them.
    let mut names: Vec<String> = std::fs::read_dir(&out)
        .expect("out")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["report.en.pdf", "report.ja.pdf"]);
}
