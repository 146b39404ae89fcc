//! `kansoku serve`: reads the server configuration, runs the server until SIGTERM or
//! Ctrl-C, and reports what the run stored once the spool is flushed.

use std::path::Path;

use anyhow::Context as _;
use kansoku_server::ServeConfig;

use crate::cli::ServeArgs;

pub fn run(config: Option<&Path>, data: Option<&Path>, args: &ServeArgs) -> anyhow::Result<u8> {
    let path = config.unwrap_or(Path::new("serve.toml"));
    let mut config = ServeConfig::load(path).with_context(
        || "loading the server configuration (see crates/server/serve.example.toml)",
    )?;
    if let Some(d) = data {
        config.data_dir = d.to_path_buf();
    }
    if args.check {
        kansoku_pipeline::Context::new(&config.pipeline_config())?;
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
