//! Reading a whole table back without a query engine, for the small tables ingest needs
//! in memory (the Tor exit intervals).

use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use arrow::array::RecordBatch;

use crate::{Lake, LakeError};

impl Lake {
    /// Every row of `table`, file by file (without the `day` partition column). Meant for
    /// small tables: everything is held in memory.
    pub fn read_table(&self, table: &str) -> Result<Vec<RecordBatch>, LakeError> {
        let mut batches = Vec::new();
        for path in self.files(table)? {
            let file = std::fs::File::open(&path).map_err(|e| LakeError::io(&path, e))?;
            let reader = ParquetRecordBatchReaderBuilder::try_new(file)?.build()?;
            for batch in reader {
                batches.push(batch?);
            }
        }
        Ok(batches)
    }
}
