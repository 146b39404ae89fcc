//! Integration tests of the report's analysis over a real lake (Parquet files queried by
//! DataFusion), one module per report section.

mod firewall;
mod hourly;
mod lake;
mod probes;
mod tor;
