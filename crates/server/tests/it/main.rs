//! Integration tests of the server, run in-process on real loopback sockets and a real
//! lake. The crash test with SIGKILL runs the `kansoku` binary: `crates/cli/tests/it/serve.rs`.

mod allow;
mod backpressure;
mod common;
mod dashboard;
mod hostile_net;
mod replay;
mod sources;
mod time;
mod tls;
