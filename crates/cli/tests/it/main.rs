//! Integration tests of the `kansoku` binary, built into one test binary so the
//! workspace links once.

mod browser;
mod common;
mod crash;
mod firewall;
mod ingest;
mod intel;
mod hostile;
mod ir;
mod leaks;
mod serve;
mod serve_browser;
mod sql;
mod tor;
