//! Rejected lines, set aside with their source, line number and reason in
//! `<data>/rejects/<run>.ndjson`, one JSON object per line. The file is created on the
//! first reject, so a clean run leaves nothing behind.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;

/// One rejected line.
#[derive(Debug, Clone, Serialize)]
pub struct Reject {
    /// Source name (file path or `-`).
    pub source: String,
    /// 1-based line number.
    pub line: u64,
    /// Why it was rejected.
    pub reason: String,
    /// The line as text (invalid UTF-8 replaced), possibly only its head for huge lines.
    pub text: String,
    /// The raw bytes, hex-encoded, when the line was not valid UTF-8.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hex: Option<String>,
}

impl Reject {
    /// A reject for `bytes`.
    pub fn new(source: &str, line: u64, reason: String, bytes: &[u8]) -> Reject {
        let (text, hex) = match std::str::from_utf8(bytes) {
            Ok(t) => (t.to_string(), None),
            Err(_) => (
                String::from_utf8_lossy(bytes).into_owned(),
                Some(bytes.iter().map(|b| format!("{b:02x}")).collect()),
            ),
        };
        Reject {
            source: source.to_string(),
            line,
            reason,
            text,
            hex,
        }
    }
}

/// Appends rejects to this run's file.
pub struct RejectWriter {
    path: PathBuf,
    out: Option<BufWriter<File>>,
    /// Rejects written.
    pub count: u64,
}

impl RejectWriter {
    /// A writer for `<dir>/<run>.ndjson`.
    pub fn new(dir: &Path, run: &str) -> RejectWriter {
        RejectWriter {
            path: dir.join(format!("{run}.ndjson")),
            out: None,
            count: 0,
        }
    }

    /// The file, if anything was rejected.
    pub fn path(&self) -> Option<&Path> {
        self.out.as_ref().map(|_| self.path.as_path())
    }

    /// Writes one reject.
    pub fn write(&mut self, reject: &Reject) -> std::io::Result<()> {
        if self.out.is_none() {
            let f = File::options().create(true).append(true).open(&self.path)?;
            self.out = Some(BufWriter::new(f));
        }
        if let Some(out) = self.out.as_mut() {
            serde_json::to_writer(&mut *out, reject)?;
            out.write_all(b"\n")?;
        }
        self.count += 1;
        Ok(())
    }

    /// Makes what was written durable (called before a checkpoint commit).
    pub fn sync(&mut self) -> std::io::Result<()> {
        if let Some(out) = self.out.as_mut() {
            out.flush()?;
            out.get_ref().sync_data()?;
        }
        Ok(())
    }
}
