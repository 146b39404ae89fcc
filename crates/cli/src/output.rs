//! Printing query results and listings as a table, JSON, NDJSON or CSV, and [`clean`],
//! which every text printed for a person goes through: log fields are written by
//! attackers, and an escape sequence printed raw can retitle, clear or rewrite a terminal.

use std::borrow::Cow;
use std::io::{IsTerminal as _, Write};
use std::path::Path;

use anyhow::Context as _;

use arrow::array::RecordBatch;
use arrow::util::display::FormatOptions;

use crate::cli::OutputFormat;

/// Prints record batches to stdout in the requested format.
pub fn print_batches(batches: &[RecordBatch], format: OutputFormat) -> anyhow::Result<()> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match format {
        OutputFormat::Table => {
            let options = FormatOptions::default().with_null("");
            let table = arrow::util::pretty::pretty_format_batches_with_options(batches, &options)?;
            writeln!(out, "{}", clean_lines(&table.to_string()))?;
        }
        // CSV is data: exact when piped, cleaned only when a person reads it on a terminal.
        // (JSON escapes control characters itself.)
        OutputFormat::Csv if std::io::stdout().is_terminal() => {
            let mut buf = Vec::new();
            write_csv(batches, &mut buf)?;
            writeln!(out, "{}", clean_lines(&String::from_utf8_lossy(&buf)))?;
        }
        OutputFormat::Csv => write_csv(batches, &mut out)?,
        OutputFormat::Json => {
            let mut w = arrow::json::ArrayWriter::new(&mut out);
            let refs: Vec<&RecordBatch> = batches.iter().collect();
            w.write_batches(&refs)?;
            w.finish()?;
            writeln!(out)?;
        }
        OutputFormat::Ndjson => {
            let mut w = arrow::json::LineDelimitedWriter::new(&mut out);
            let refs: Vec<&RecordBatch> = batches.iter().collect();
            w.write_batches(&refs)?;
            w.finish()?;
        }
    }
    out.flush()?;
    Ok(())
}

/// A listing that is not a query result (cases, evidence, the lake's tables): the same
/// four formats as [`print_batches`]. JSON and NDJSON serialise the records themselves,
/// so they keep every field; the table and CSV show `columns` with one row per record.
pub struct Listing<'a, T> {
    /// The records, as the JSON forms carry them.
    pub records: &'a [T],
    /// Column headers of the table and CSV forms.
    pub columns: &'a [&'a str],
    /// One cell per column for a record.
    pub row: fn(&T) -> Vec<String>,
}

impl<T: serde::Serialize> Listing<'_, T> {
    /// The CSV form, cells a spreadsheet would evaluate neutralised.
    fn csv(&self) -> anyhow::Result<Vec<u8>> {
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(self.columns)?;
        for r in self.records {
            w.write_record(
                (self.row)(r)
                    .iter()
                    .map(|c| kansoku_event::spreadsheet::safe_cell(c).into_owned()),
            )?;
        }
        w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))
    }

    /// Prints the listing to stdout.
    pub fn print(&self, format: OutputFormat) -> anyhow::Result<()> {
        let stdout = std::io::stdout();
        let mut out = stdout.lock();
        match format {
            OutputFormat::Json => writeln!(out, "{}", serde_json::to_string_pretty(self.records)?)?,
            OutputFormat::Ndjson => {
                for r in self.records {
                    writeln!(out, "{}", serde_json::to_string(r)?)?;
                }
            }
            OutputFormat::Csv => {
                let terminal = out.is_terminal();
                let buf = self.csv()?;
                if terminal {
                    write!(out, "{}", clean_lines(&String::from_utf8_lossy(&buf)))?;
                } else {
                    out.write_all(&buf)?;
                }
            }
            OutputFormat::Table => {
                let rows: Vec<Vec<String>> = self
                    .records
                    .iter()
                    .map(|r| {
                        (self.row)(r)
                            .iter()
                            .map(|c| clean(c).into_owned())
                            .collect()
                    })
                    .collect();
                let mut widths: Vec<usize> =
                    self.columns.iter().map(|c| c.chars().count()).collect();
                for row in &rows {
                    for (w, cell) in widths.iter_mut().zip(row) {
                        *w = (*w).max(cell.chars().count());
                    }
                }
                let line = |cells: Vec<&str>| {
                    let padded: Vec<String> = cells
                        .iter()
                        .zip(&widths)
                        .map(|(c, w)| format!("{c:<w$}"))
                        .collect();
                    padded.join("  ").trim_end().to_string()
                };
                writeln!(out, "{}", line(self.columns.to_vec()))?;
                for row in &rows {
                    writeln!(out, "{}", line(row.iter().map(String::as_str).collect()))?;
                }
            }
        }
        out.flush()?;
        Ok(())
    }
}

/// Writes a file the user named (`--out`) as a whole or not at all: into a hidden
/// temporary beside it, then renamed over it. A symlink planted at the path is replaced,
/// never followed, so `--out` in a shared folder cannot be turned into a write elsewhere.
pub fn write_out(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    if path.is_dir() {
        anyhow::bail!("{} is a folder; name the file to write", path.display());
    }
    let name = path
        .file_name()
        .with_context(|| format!("{}: not a file name", path.display()))?;
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        name.to_string_lossy(),
        std::process::id()
    ));
    // create_new (O_EXCL) refuses an existing name, a symlink included.
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&tmp)
        .and_then(|mut f| f.write_all(bytes).and_then(|()| f.sync_all()))
        .and_then(|()| std::fs::rename(&tmp, path));
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(e).with_context(|| format!("writing {}", path.display()));
    }
    Ok(())
}

fn write_csv(batches: &[RecordBatch], out: &mut impl Write) -> anyhow::Result<()> {
    let mut w = arrow::csv::WriterBuilder::new()
        .with_header(true)
        .build(out);
    for b in batches {
        w.write(&spreadsheet_safe(b)?)?;
    }
    Ok(())
}

/// The batch with its text columns' cells made inert for a spreadsheet
/// ([`kansoku_event::spreadsheet`]): paths, user agents and victims come from attackers.
fn spreadsheet_safe(b: &RecordBatch) -> anyhow::Result<RecordBatch> {
    use arrow::array::{ArrayRef, AsArray, StringArray};
    use arrow::datatypes::{DataType, Field, Schema};
    let mut fields = Vec::with_capacity(b.num_columns());
    let mut columns = Vec::with_capacity(b.num_columns());
    for (f, c) in b.schema().fields().iter().zip(b.columns()) {
        let text = match c.data_type() {
            DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => true,
            DataType::Dictionary(_, v) => matches!(
                v.as_ref(),
                DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
            ),
            _ => false,
        };
        if !text {
            fields.push(f.as_ref().clone());
            columns.push(std::sync::Arc::clone(c));
            continue;
        }
        let strings = arrow::compute::cast(c, &DataType::Utf8)?;
        let safe: StringArray = strings
            .as_string::<i32>()
            .iter()
            .map(|v| v.map(|v| kansoku_event::spreadsheet::safe_cell(v).into_owned()))
            .collect();
        fields.push(Field::new(f.name(), DataType::Utf8, f.is_nullable()));
        columns.push(std::sync::Arc::new(safe) as ArrayRef);
    }
    Ok(RecordBatch::try_new(
        std::sync::Arc::new(Schema::new(fields)),
        columns,
    )?)
}

/// Text safe to print on a terminal: control characters (C0 but tab, DEL, C1), and the
/// bidirectional overrides that make text read differently than it is stored, are written
/// as `\u{..}` escapes. Newlines are escaped too: one field, one line.
pub fn clean(text: &str) -> Cow<'_, str> {
    if !text.chars().any(unsafe_char) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if unsafe_char(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Prints one line of text for a person on stdout, [`clean`]ed.
pub fn say(line: impl AsRef<str>) {
    println!("{}", clean(line.as_ref()));
}

/// Prints one line of text for a person on stderr, [`clean`]ed.
pub fn warn(line: impl AsRef<str>) {
    eprintln!("{}", clean(line.as_ref()));
}

/// [`clean`] for text of several lines we formatted ourselves (a table): newlines stay.
pub fn clean_lines(text: &str) -> String {
    text.split('\n').map(clean).collect::<Vec<_>>().join("\n")
}

fn unsafe_char(c: char) -> bool {
    (c.is_control() && c != '\t')
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listing_csv_cells_are_inert_in_a_spreadsheet() {
        let records = ["=1+1".to_string(), "acme".to_string()];
        let listing = Listing {
            records: &records,
            columns: &["name"],
            row: |r: &String| vec![r.clone()],
        };
        let text = String::from_utf8(listing.csv().expect("csv")).expect("utf8");
        assert_eq!(text, "name\n'=1+1\nacme\n");
    }

    /// `--format csv` of query results: text columns (a plain string column and a
    /// dictionary-encoded one, as partition columns come) are inert in a spreadsheet;
    /// numbers are untouched.
    #[test]
    fn query_csv_cells_are_inert_in_a_spreadsheet() {
        use arrow::array::{ArrayRef, DictionaryArray, Int64Array, StringArray};
        use arrow::datatypes::Int32Type;
        let ua: ArrayRef = std::sync::Arc::new(StringArray::from(vec![
            Some("=cmd|' /C calc'!A0"),
            Some("curl/8"),
            None,
        ]));
        let group: ArrayRef = std::sync::Arc::new(
            vec!["@lockbit", "-", "+x"]
                .into_iter()
                .collect::<DictionaryArray<Int32Type>>(),
        );
        let n: ArrayRef = std::sync::Arc::new(Int64Array::from(vec![-5, 1, 2]));
        let b =
            RecordBatch::try_from_iter([("ua", ua), ("group", group), ("n", n)]).expect("batch");
        let mut out = Vec::new();
        write_csv(&[b], &mut out).expect("csv");
        let text = String::from_utf8(out).expect("utf8");
        assert_eq!(
            text,
            "ua,group,n\n'=cmd|' /C calc'!A0,'@lockbit,-5\ncurl/8,-,1\n,'+x,2\n"
        );
    }

    #[test]
    fn escape_sequences_and_controls_are_escaped() {
        assert_eq!(clean("plain /index.html"), "plain /index.html");
        assert_eq!(clean("\x1b]0;owned\x07/a"), "\\u{1b}]0;owned\\u{7}/a");
        assert_eq!(clean("a\r\nb\u{9b}c"), "a\\u{d}\\u{a}b\\u{9b}c");
        assert_eq!(clean("x\u{202e}gpj.exe"), "x\\u{202e}gpj.exe");
        assert_eq!(clean("tab\tkept, 日本語 kept"), "tab\tkept, 日本語 kept");
        assert_eq!(clean_lines("a\x1b[2J\nb"), "a\\u{1b}[2J\nb");
    }
}
