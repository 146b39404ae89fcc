//! Integration tests of kansoku-detect, built into one binary.

mod builtin;
mod engine;
mod sigma;
mod windows;
