//! `kansoku serve`: reads the server configuration, runs the server until SIGTERM or
//! Ctrl-C, and reports what the run stored once the spool is flushed.

use std::path::Path;

use anyhow::Context as _;
use kansoku_server::ServeConfig;

use crate::cli::ServeArgs;

pub fn run(cli: &crate::cli::Cli, args: &ServeArgs) -> anyhow::Result<u8> {
    let path = cli.config.as_deref().unwrap_or(Path::new("serve.toml"));
    let mut config = ServeConfig::load(path).with_context(
        || "loading the server configuration (see crates/server/serve.example.toml)",
    )?;
    if let Some(d) = &cli.data {
        config.data_dir.clone_from(d);
    }
    // The rule options every command takes apply to the live rules too.
    config.detect.sigma.extend(cli.sigma.iter().cloned());
    config.detect.strict |= cli.strict;
    if let Some(dir) = &cli.crs {
        config.detect.crs = dir.display().to_string();
    }
    if cli.no_crs {
        config.detect.crs = "off".into();
    }
    if args.check {
        kansoku_pipeline::Context::new(&config.pipeline_config())?;
        // Start-up prints the same lines (kansoku_server::run).
        for w in config.warnings() {
            crate::output::warn(format!("kansoku serve: WARNING: {w}"));
        }
        eprintln!(
            "{}: valid ({} sources)",
            path.display(),
            config.sources.len()
        );
        return Ok(crate::exit::OK);
    }
    let rt = super::runtime()?;
    let stop = {
        let _inside = rt.enter();
        super::shutdown()
    };
    let summary = rt.block_on(kansoku_server::run(config, stop))?;
    eprintln!(
        "kansoku serve: stopped; {} events accepted, {} rows stored, {} segments flushed",
        summary.accepted, summary.stored, summary.flushes
    );
    Ok(crate::exit::OK)
}
