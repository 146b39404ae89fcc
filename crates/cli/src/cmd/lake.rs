//! `kansoku lake ...`: maintenance.

use kansoku_lake::Lake;
use kansoku_pipeline::Config;

pub fn compact(config: &Config) -> anyhow::Result<u8> {
    let lake = Lake::open(&config.data_dir)?;
    let s = lake.compact()?;
    println!(
        "merged {} files into {} over {} days ({} rows)",
        s.files_in, s.files_out, s.days, s.rows
    );
    Ok(crate::exit::OK)
}
