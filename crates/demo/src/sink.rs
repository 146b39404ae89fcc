//! Writing the dataset's files: plain or gzip, counting lines, and keeping the
//! ground-truth labels of attack lines.

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::net::Ipv4Addr;
use std::path::Path;

use flate2::Compression;
use flate2::write::GzEncoder;

enum Out {
    Plain(BufWriter<File>),
    // Boxed: the encoder carries its compression state inline.
    Gzip(Box<GzEncoder<BufWriter<File>>>),
}

/// A log file being written, line by line.
pub(crate) struct LogWriter {
    out: Out,
    lines: u64,
}

impl LogWriter {
    /// Creates `out_dir/rel` (and its folders), gzip-compressed when `gzip`.
    pub(crate) fn create(out_dir: &Path, rel: &str, gzip: bool) -> io::Result<LogWriter> {
        let path = out_dir.join(rel);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)?;
        }
        let file = BufWriter::with_capacity(1 << 16, File::create(path)?);
        let out = if gzip {
            // gzip's header carries no time or name here, so the bytes depend only on the seed.
            Out::Gzip(Box::new(GzEncoder::new(file, Compression::fast())))
        } else {
            Out::Plain(file)
        };
        Ok(LogWriter { out, lines: 0 })
    }

    /// Appends one line; returns its 1-based line number.
    pub(crate) fn line(&mut self, text: &str) -> io::Result<u64> {
        let w: &mut dyn Write = match &mut self.out {
            Out::Plain(w) => w,
            Out::Gzip(w) => w,
        };
        w.write_all(text.as_bytes())?;
        w.write_all(b"\n")?;
        self.lines += 1;
        Ok(self.lines)
    }

    /// Flushes and closes the file; returns the number of lines written.
    pub(crate) fn finish(self) -> io::Result<u64> {
        match self.out {
            Out::Plain(mut w) => w.flush()?,
            Out::Gzip(w) => w.finish()?.flush()?,
        }
        Ok(self.lines)
    }
}

/// Writes a whole small file at once.
pub(crate) fn write_file(out_dir: &Path, rel: &str, contents: &[u8]) -> io::Result<()> {
    let path = out_dir.join(rel);
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)?;
    }
    fs::write(path, contents)
}

/// One attack line of the dataset: where it is and what it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Label {
    /// File, relative to the output folder, `/`-separated.
    pub file: String,
    /// 1-based line number.
    pub line: u64,
    /// Report category id.
    pub category: &'static str,
    /// Source address.
    pub src_ip: Ipv4Addr,
}

/// `labels.tsv`: a header, then one row per attack line.
pub(crate) fn labels_tsv(labels: &[Label]) -> String {
    let mut out = String::from("file\tline\tcategory\tsrc_ip\n");
    for l in labels {
        out.push_str(&format!(
            "{}\t{}\t{}\t{}\n",
            l.file, l.line, l.category, l.src_ip
        ));
    }
    out
}
