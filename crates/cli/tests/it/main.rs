//! Integration tests of the `kansoku` binary, built into one test binary so the
//! workspace links once.

mod browser;
#[cfg(feature = "ballista")]
mod cluster;
mod common;
mod crash;
mod firewall;
mod hostile;
mod ingest;
mod intel;
mod ir;
mod leaks;
mod serve;
mod serve_browser;
mod sql;
mod tor;
mod workers;
