//! One module per command; each takes its parsed arguments and the loaded configuration.

pub(crate) mod case;
pub(crate) mod cluster;
pub(crate) mod config;
mod deadlines;
mod demo;
mod eval;
pub(crate) mod evidence;
mod explain;
mod ingest;
pub(crate) mod intel;
mod lake;
pub(crate) mod leaks;
pub(crate) mod pdf;
pub(crate) mod recovery;
mod report;
pub(crate) mod rules;
mod serve;
pub(crate) mod shell;
mod sql;
mod status;
mod timeline;
pub(crate) mod tor;

use std::path::Path;

use anyhow::Context as _;
use kansoku_pipeline::Config;

use crate::cli::{Cli, Command, LakeCommand};

/// Runs a command and returns the process exit code.
pub fn run(cli: Cli) -> anyhow::Result<u8> {
    // These need no configuration (`config check` reads a possibly broken one itself).
    match cli.command {
        Command::Completions(args) => return shell::completions(&args),
        Command::Man(args) => return shell::man(&args),
        Command::Config(cmd) => return config::run(cmd, cli.config.as_deref()),
        _ => {}
    }
    // The server's file is a superset of kansoku.toml, so it is not read as one.
    if let Command::Serve(args) = &cli.command {
        return serve::run(&cli, args);
    }
    let mut config = load_config(cli.config.as_deref())?;
    if let Some(data) = cli.data {
        config.data_dir = data;
    }
    if let Some(engine) = cli.engine {
        config.engine = engine;
    }
    config.detect.sigma.extend(cli.sigma);
    config.detect.strict |= cli.strict;
    if let Some(dir) = cli.crs {
        config.detect.crs = dir.display().to_string();
    }
    if cli.no_crs {
        config.detect.crs = "off".into();
    }
    match cli.command {
        Command::Ingest(args) => ingest::run(&config, args),
        Command::Sql(args) => sql::run(&config, args),
        Command::Status(args) => status::run(&config, args),
        Command::Lake(LakeCommand::Compact) => lake::compact(&config),
        Command::Report(args) => report::run(&config, args),
        Command::Rules(cmd) => rules::run(&config, cmd),
        Command::Eval(args) => eval::run(&config, &args),
        Command::Explain(args) => explain::run(&config, args),
        Command::Demo(args) => demo::run(&config, args),
        Command::Case(cmd) => case::run(&config, cmd),
        Command::Evidence(cmd) => evidence::run(&config, cmd),
        Command::Deadlines(args) => deadlines::run(&config, args),
        Command::Recovery(cmd) => recovery::run(&config, cmd),
        Command::Timeline(args) => timeline::run(&config, args),
        Command::Leaks(cmd) => leaks::run(&config, cmd),
        Command::Tor(tor::TorCommand::Import(args)) => tor::import(&config, args),
        Command::Cluster(cmd) => cluster::run(cmd),
        Command::Intel(cmd) => intel::run(&config, cmd),
        Command::Serve(_) => unreachable!("handled before the configuration is read"),
        Command::Completions(_) | Command::Man(_) | Command::Config(_) => {
            unreachable!("handled before the configuration is read")
        }
        Command::GenLog(args) => {
            let b = kansoku_demo::bench_log(&args.out, args.lines, args.seed)?;
            eprintln!(
                "wrote {} lines ({} attacks, {} bytes) to {}; labels in {}",
                b.lines,
                b.attacks,
                b.bytes,
                args.out.display(),
                b.labels.display()
            );
            Ok(crate::exit::OK)
        }
    }
}

fn load_config(path: Option<&Path>) -> anyhow::Result<Config> {
    match path {
        Some(p) => Config::load(p)
            .with_context(|| "loading the configuration (see `kansoku.toml` in the README)"),
        None if Path::new("kansoku.toml").exists() => Ok(Config::load(Path::new("kansoku.toml"))?),
        None => Ok(Config::default()),
    }
}

/// A query session over `lake` on the configured engine (`engine` in kansoku.toml or
/// `--engine`): every analysis command goes through here, so each runs embedded or on a
/// cluster alike.
pub async fn session(
    config: &Config,
    lake: &kansoku_lake::Lake,
) -> anyhow::Result<datafusion::prelude::SessionContext> {
    let engine = kansoku_lake::Engine::parse(&config.engine)?;
    if READING.get().is_none() {
        let _ = READING.set(lake.lock_shared()?);
    }
    Ok(lake.session_on(&engine).await?)
}

/// The lake lock, shared, from a command's first query to its end. A compaction takes the
/// lock alone, so it waits for running queries and they wait for it: no query lists a day
/// holding a merged file beside its inputs, or a file a compaction is about to delete.
/// (Ingest and `serve`'s flushes share the lock with queries.)
static READING: std::sync::OnceLock<kansoku_lake::LakeLock> = std::sync::OnceLock::new();

/// A Tokio runtime for the query engine.
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}

/// Resolves on SIGTERM (systemd stop) or SIGINT (Ctrl-C). The handlers are installed when
/// this is called, not when the future is first polled: a SIGTERM that arrives while the
/// server is still starting must stop it gracefully, not kill it with the default action.
/// Call it inside the runtime (`Runtime::enter`).
pub(crate) fn shutdown() -> impl Future<Output = ()> {
    use tokio::signal::unix::{SignalKind, signal};
    let signals = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    );
    async move {
        match signals {
            (Ok(mut term), Ok(mut int)) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = int.recv() => {}
                }
            }
            _ => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
}
