//! `kansoku cluster scheduler|executor`: the roles of an Apache Ballista cluster, so a
//! cluster needs nothing but this binary on each machine (see docs/cluster.md).

use crate::cli::ClusterCommand;

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
    use tokio::signal::unix::{SignalKind, signal};

    let mut term = signal(SignalKind::terminate())?;
    tokio::select! {
        r = role => Ok(r?),
        _ = tokio::signal::ctrl_c() => Ok(()),
        _ = term.recv() => Ok(()),
    }
}

#[cfg(not(feature = "ballista"))]
async fn role(_: ClusterCommand) -> anyhow::Result<u8> {
    anyhow::bail!(
        "this kansoku was built without the `ballista` feature; \
         build it with `cargo install --path crates/cli --features ballista`"
    )
}
