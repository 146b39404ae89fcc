//! `kansoku cluster scheduler|executor`: the roles of an Apache Ballista cluster, so a
//! cluster needs nothing but this binary on each machine (see docs/cluster.md).

use std::path::PathBuf;

use clap::{Args, Subcommand};

/// Runs one role until the process is stopped (Ctrl-C, SIGTERM from systemd).
pub fn run(cmd: ClusterCommand) -> anyhow::Result<u8> {
    // Deep plans (the report's unions and joins) recurse when (de)serialised: the
    // upstream binaries run their tasks on 32 MiB stacks, and so do we.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_stack_size(32 * 1024 * 1024)
        .build()?;
    rt.block_on(role(cmd))
}

#[cfg(feature = "ballista")]
async fn role(cmd: ClusterCommand) -> anyhow::Result<u8> {
    use kansoku_lake::cluster;

    let done = match cmd {
        ClusterCommand::Scheduler(a) => {
            let opts = cluster::SchedulerOptions {
                bind: a.bind,
                external_host: a.external_host.unwrap_or_else(|| a.bind.ip().to_string()),
            };
            eprintln!("kansoku cluster: scheduler listening on {}", a.bind);
            until_stopped(cluster::run_scheduler(&opts)).await
        }
        ClusterCommand::Executor(a) => {
            let opts = cluster::ExecutorOptions {
                scheduler: a.scheduler.clone(),
                bind: a.bind,
                grpc_port: a.grpc_port.unwrap_or(a.bind.port().saturating_add(1)),
                external_host: a.external_host,
                slots: a.slots,
                work_dir: a.work_dir.map(|p| p.to_string_lossy().into_owned()),
            };
            eprintln!(
                "kansoku cluster: executor on {} (tasks on port {}) joining {}",
                opts.bind, opts.grpc_port, opts.scheduler
            );
            until_stopped(cluster::run_executor(&opts)).await
        }
    };
    done?;
    Ok(crate::exit::OK)
}

/// Runs `role` until it ends or the process is asked to stop.
#[cfg(feature = "ballista")]
async fn until_stopped(
    role: impl std::future::Future<Output = Result<(), kansoku_lake::LakeError>>,
) -> anyhow::Result<()> {
    tokio::select! {
        r = role => Ok(r?),
        () = super::shutdown() => Ok(()),
    }
}

#[cfg(not(feature = "ballista"))]
async fn role(_: ClusterCommand) -> anyhow::Result<u8> {
    anyhow::bail!(
        "this kansoku was built without the `ballista` feature; \
         build it with `cargo install --path crates/cli --features ballista`"
    )
}

/// `kansoku cluster ...`: one role per process; start one scheduler, then executors on
/// every machine that sees the lake at the same path.
#[derive(Debug, Subcommand)]
pub enum ClusterCommand {
    /// Plan queries into stages and hand their tasks to executors.
    ///
    /// Example: kansoku cluster scheduler --bind 0.0.0.0:50050 --external-host sched1
    Scheduler(SchedulerArgs),
    /// Run tasks over the lake's files and serve their results.
    ///
    /// Example: kansoku cluster executor --scheduler sched1:50050 --bind 0.0.0.0:50051
    Executor(ExecutorArgs),
}

/// `kansoku cluster scheduler`.
#[derive(Debug, Args)]
pub struct SchedulerArgs {
    /// Address to listen on (gRPC, for clients and executors).
    #[arg(long, default_value = "127.0.0.1:50050", value_name = "ADDR:PORT")]
    pub bind: std::net::SocketAddr,
    /// Host name others reach this scheduler by [default: the bind address].
    #[arg(long, value_name = "HOST")]
    pub external_host: Option<String>,
}

/// `kansoku cluster executor`.
#[derive(Debug, Args)]
pub struct ExecutorArgs {
    /// The scheduler to join.
    #[arg(long, default_value = "127.0.0.1:50050", value_name = "HOST:PORT")]
    pub scheduler: String,
    /// Address of the Arrow Flight service that serves task results.
    #[arg(long, default_value = "127.0.0.1:50051", value_name = "ADDR:PORT")]
    pub bind: std::net::SocketAddr,
    /// Port the scheduler sends tasks to [default: the bind port + 1].
    #[arg(long, value_name = "PORT")]
    pub grpc_port: Option<u16>,
    /// Host name the scheduler and other executors reach this one by [default: the bind
    /// address].
    #[arg(long, value_name = "HOST")]
    pub external_host: Option<String>,
    /// Tasks to run at once [default: the machine's cores].
    #[arg(long, value_name = "N")]
    pub slots: Option<usize>,
    /// Folder for intermediate (shuffle) files [default: a temporary folder].
    #[arg(long, value_name = "DIR")]
    pub work_dir: Option<PathBuf>,
}
