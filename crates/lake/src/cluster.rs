//! The two roles of an Apache Ballista cluster, run from the kansoku binary: the
//! scheduler, which plans each query into stages and hands tasks out, and an executor,
//! which runs tasks over the lake's Parquet files and serves their results over Arrow
//! Flight. Each role is its own process; they talk gRPC over the network.
//!
//! Every executor must read the lake at the same path as the client that registered the
//! tables (a shared file system): plans carry file paths, not data.

use std::net::SocketAddr;
use std::sync::Arc;

use ballista_core::registry::BallistaFunctionRegistry;
use ballista_executor::executor_process::{ExecutorProcessConfig, start_executor_process};
use ballista_scheduler::cluster::BallistaCluster;
use ballista_scheduler::config::SchedulerConfig;
use ballista_scheduler::scheduler_process::start_server;
use datafusion::execution::SessionStateBuilder;

use crate::LakeError;

/// Where a scheduler listens.
#[derive(Debug, Clone)]
pub struct SchedulerOptions {
    /// Address of the gRPC service clients and executors connect to.
    pub bind: SocketAddr,
    /// Host name executors and clients use to reach this scheduler.
    pub external_host: String,
}

/// Runs a scheduler until the process is stopped.
pub async fn run_scheduler(opts: &SchedulerOptions) -> Result<(), LakeError> {
    let config = SchedulerConfig {
        bind_host: opts.bind.ip().to_string(),
        bind_port: opts.bind.port(),
        external_host: opts.external_host.clone(),
        ..SchedulerConfig::default()
    };
    let cluster = BallistaCluster::new_from_config(&config)
        .await
        .map_err(|e| LakeError::Cluster(format!("scheduler state: {e}")))?;
    start_server(cluster, opts.bind, Arc::new(config))
        .await
        .map_err(|e| LakeError::Cluster(format!("scheduler on {}: {e}", opts.bind)))
}

/// Where an executor listens and which scheduler it joins.
#[derive(Debug, Clone)]
pub struct ExecutorOptions {
    /// The scheduler, `host:port`.
    pub scheduler: String,
    /// Address of the Arrow Flight service that hands task results to other executors
    /// and to clients; its port + 1 unless `grpc_port` is given serves the scheduler.
    pub bind: SocketAddr,
    /// Port of the gRPC service the scheduler pushes tasks to.
    pub grpc_port: u16,
    /// Host name the scheduler and other executors use to reach this executor.
    pub external_host: Option<String>,
    /// Tasks run at once [default: the machine's cores].
    pub slots: Option<usize>,
    /// Folder for shuffle files between stages [default: a temporary folder].
    pub work_dir: Option<String>,
}

/// Runs an executor until the process is stopped.
pub async fn run_executor(opts: &ExecutorOptions) -> Result<(), LakeError> {
    let (host, port) = split_host_port(&opts.scheduler)?;
    let mut config = ExecutorProcessConfig {
        bind_host: opts.bind.ip().to_string(),
        port: opts.bind.port(),
        grpc_port: opts.grpc_port,
        external_host: opts.external_host.clone(),
        scheduler_host: host,
        scheduler_port: port,
        // Keep trying while the scheduler starts (seconds; 0 gives up at once).
        scheduler_connect_timeout_seconds: 30,
        work_dir: opts.work_dir.clone(),
        // Heartbeats every few seconds so a scheduler notices a lost executor soon.
        executor_heartbeat_interval_seconds: 5,
        ..ExecutorProcessConfig::default()
    };
    if let Some(slots) = opts.slots {
        config.vcores = slots.max(1);
    }
    config.override_function_registry = Some(Arc::new(function_registry()));
    start_executor_process(Arc::new(config))
        .await
        .map_err(|e| LakeError::Cluster(format!("executor on {}: {e}", opts.bind)))
}

/// Every function the client's planner knows. Ballista's default executor registry holds
/// DataFusion's core functions only, so plans using the nested-type functions the report
/// needs (`cardinality`, `array_has` on `categories`) were rejected by the executors.
fn function_registry() -> BallistaFunctionRegistry {
    let state = SessionStateBuilder::new().with_default_features().build();
    let mut registry = BallistaFunctionRegistry::default();
    registry
        .scalar_functions
        .extend(state.scalar_functions().clone());
    registry
        .aggregate_functions
        .extend(state.aggregate_functions().clone());
    registry
        .window_functions
        .extend(state.window_functions().clone());
    registry
}

/// Splits `host:port` (the host may be a name, an IPv4 or a bracketed IPv6 address).
pub fn split_host_port(addr: &str) -> Result<(String, u16), LakeError> {
    let bad = || LakeError::Cluster(format!("{addr}: expected HOST:PORT"));
    let (host, port) = addr.rsplit_once(':').ok_or_else(bad)?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let port = port.parse().map_err(|_| bad())?;
    if host.is_empty() {
        return Err(bad());
    }
    Ok((host.to_string(), port))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_port() {
        assert_eq!(
            split_host_port("10.0.0.1:50050").ok(),
            Some(("10.0.0.1".into(), 50050))
        );
        assert_eq!(
            split_host_port("[::1]:50050").ok(),
            Some(("::1".into(), 50050))
        );
        assert!(split_host_port("host").is_err());
        assert!(split_host_port(":50050").is_err());
        assert!(split_host_port("host:port").is_err());
    }
}
