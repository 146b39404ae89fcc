//! Printing query results and listings as a table, JSON, NDJSON or CSV.

use std::io::Write;

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
            writeln!(out, "{table}")?;
        }
        OutputFormat::Csv => {
            let mut w = arrow::csv::WriterBuilder::new()
                .with_header(true)
                .build(&mut out);
            for b in batches {
                w.write(b)?;
            }
        }
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
