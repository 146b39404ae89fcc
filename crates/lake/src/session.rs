//! The query engine over the lake: DataFusion in this process, or (with the `ballista`
//! feature) the same plans on an Apache Ballista cluster.

use std::sync::Arc;

use arrow::datatypes::DataType;
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::listing::{
    ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl,
};
use datafusion::prelude::{SessionConfig, SessionContext};

use crate::layout::{DAY_COLUMN, TABLES};
use crate::{Lake, LakeError};

/// Where queries run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Engine {
    /// DataFusion inside this process.
    #[default]
    Embedded,
    /// A Ballista scheduler at `host:port`.
    Cluster(String),
}

impl Engine {
    /// Parses `embedded` or `df://HOST:PORT`.
    pub fn parse(s: &str) -> Result<Engine, LakeError> {
        if s.is_empty() || s == "embedded" {
            return Ok(Engine::Embedded);
        }
        match s.strip_prefix("df://") {
            Some(addr) if addr.contains(':') => Ok(Engine::Cluster(addr.to_string())),
            _ => Err(LakeError::Engine(s.to_string())),
        }
    }
}

impl Lake {
    /// A DataFusion session with every lake table registered, on the embedded engine.
    pub async fn session(&self) -> Result<SessionContext, LakeError> {
        self.session_on(&Engine::Embedded).await
    }

    /// A session with every lake table registered, on the given engine.
    pub async fn session_on(&self, engine: &Engine) -> Result<SessionContext, LakeError> {
        let ctx = match engine {
            Engine::Embedded => {
                let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
                SessionContext::new_with_config(
                    SessionConfig::new().with_target_partitions(threads),
                )
            }
            Engine::Cluster(addr) => cluster_session(addr).await?,
        };
        self.register_tables(&ctx)?;
        Ok(ctx)
    }

    /// Registers every table as a listing table over its folder. The folder is named by
    /// its absolute path, which a cluster's executors must see too (shared storage).
    fn register_tables(&self, ctx: &SessionContext) -> Result<(), LakeError> {
        for table in TABLES {
            let dir = self.table_dir(table.name);
            let dir = std::fs::canonicalize(&dir).map_err(|e| LakeError::io(&dir, e))?;
            let url = ListingTableUrl::parse(format!("{}/", dir.to_string_lossy()))?;
            let options = ListingOptions::new(Arc::new(ParquetFormat::default()))
                .with_file_extension(".parquet")
                .with_table_partition_cols(vec![(DAY_COLUMN.to_string(), DataType::Utf8)]);
            let config = ListingTableConfig::new(url)
                .with_listing_options(options)
                .with_schema((table.schema)());
            ctx.register_table(table.name, Arc::new(ListingTable::try_new(config)?))?;
        }
        Ok(())
    }
}

/// A session whose plans run on the Ballista scheduler at `addr`. Nothing is sent until
/// the first query, so a scheduler that is not there shows up as that query's error.
#[cfg(feature = "ballista")]
async fn cluster_session(addr: &str) -> Result<SessionContext, LakeError> {
    use ballista::prelude::{SessionConfigExt, SessionContextExt};
    use datafusion::execution::SessionStateBuilder;

    let state = SessionStateBuilder::new()
        .with_config(SessionConfig::new_with_ballista())
        .with_default_features()
        .build();
    Ok(SessionContext::remote_with_state(&format!("df://{addr}"), state).await?)
}

#[cfg(not(feature = "ballista"))]
async fn cluster_session(addr: &str) -> Result<SessionContext, LakeError> {
    Err(LakeError::Engine(format!(
        "df://{addr}: this kansoku was built without the `ballista` feature \
         (cargo build --release --features ballista)"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engine_addresses() {
        assert_eq!(Engine::parse("embedded").ok(), Some(Engine::Embedded));
        assert_eq!(
            Engine::parse("df://10.0.0.1:50050").ok(),
            Some(Engine::Cluster("10.0.0.1:50050".into()))
        );
        assert!(Engine::parse("http://x").is_err());
    }
}
