//! Integration tests of the `kansoku` binary, built into one test binary so the
//! workspace links once.

mod browser;
#[cfg(feature = "ballista")]
mod cluster;
mod common;
mod config;
mod crash;
mod firewall;
mod guide;
mod hostile;
mod ingest;
mod intel;
mod ir;
mod leaks;
mod modsecurity;
mod pdf;
mod rotation;
mod rsyslog;
mod serve;
mod serve_browser;
mod shell;
mod sql;
mod tor;
mod workers;
