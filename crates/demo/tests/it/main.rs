//! Integration tests of the demo dataset: what a user of `kansoku demo` and the
//! evaluation harness rely on.

mod determinism;
mod files;
mod labels;
mod planted;
mod support;
