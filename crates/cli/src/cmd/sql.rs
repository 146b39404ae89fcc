//! `kansoku sql`: SQL over the lake.

use kansoku_lake::Lake;
use kansoku_pipeline::Config;

use crate::cli::SqlArgs;

pub fn run(config: &Config, args: SqlArgs) -> anyhow::Result<u8> {
    let lake = Lake::open(&config.data_dir)?;
    let batches = super::runtime()?.block_on(async {
        let ctx = super::session(config, &lake).await?;
        let df = ctx.sql(&args.query).await?;
        anyhow::Ok(df.collect().await?)
    })?;
    crate::output::print_batches(&batches, args.format)?;
    Ok(crate::exit::OK)
}
