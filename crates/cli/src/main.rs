//! The `kansoku` binary: parses arguments and hands each command to the library crates.

mod cli;
mod cmd;
mod output;

use std::process::ExitCode;

use clap::Parser;

/// See crates/cli/Cargo.toml: ingest's allocation pattern (strings made on workers, freed
/// on the sequencer) is much cheaper with mimalloc than with glibc's malloc.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Exit codes, documented in the README.
pub mod exit {
    /// Everything went fine.
    pub const OK: u8 = 0;
    /// The command failed; the message says what to do.
    pub const FAILURE: u8 = 1;
    /// The command line was wrong (clap also uses 2).
    pub const USAGE: u8 = 2;
    /// The command finished, but some input lines were rejected (see the rejects file).
    pub const REJECTED: u8 = 3;
    /// `kansoku eval` measured, but a figure is below its floor.
    pub const BELOW_FLOOR: u8 = 4;
    /// `kansoku evidence verify`: nothing changed, but nothing outside the case vouches
    /// for its signing key (no `--key-fingerprint`, not in this machine's key store).
    pub const NOT_ANCHORED: u8 = 5;
}

fn main() -> ExitCode {
    quiet_on_closed_pipe();
    // Test builds only (see Cargo.toml): crash points named in FAILPOINTS abort the process.
    let _crash_points = fail::has_failpoints().then(fail::FailScenario::setup);
    let args = cli::Cli::parse();
    private_files(&args.command);
    match cmd::run(args) {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            // A closed pipe (`kansoku sql ... | head`) is not a failure.
            if err.chain().any(|e| {
                e.downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) {
                return ExitCode::from(exit::OK);
            }
            // Messages quote file names and log text; `clean` keeps them from steering the terminal.
            eprintln!("{}", output::clean_lines(&format!("kansoku: {err:#}")));
            ExitCode::from(exit::FAILURE)
        }
    }
}

/// Logs, evidence, keys and the lake are for kansoku's user only: everything created from
/// here on is `0600` (folders `0700`), whatever the shell's umask. Man pages and shell
/// completions are made for everyone to read.
fn private_files(command: &cli::Command) {
    if !matches!(command, cli::Command::Man(_) | cli::Command::Completions(_)) {
        rustix::process::umask(rustix::fs::Mode::from_raw_mode(0o077));
    }
}

/// `kansoku rules list | head`: when the reader goes away, `println!` panics with "failed
/// printing to stdout: Broken pipe". Like other Unix tools, kansoku then just stops, quietly;
/// every other panic keeps the default report.
fn quiet_on_closed_pipe() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let payload = info.payload();
        let msg = payload
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| payload.downcast_ref::<&str>().copied())
            .unwrap_or("");
        if msg.starts_with("failed printing to std") && msg.contains("Broken pipe") {
            std::process::exit(i32::from(exit::OK));
        }
        default(info);
    }));
}
