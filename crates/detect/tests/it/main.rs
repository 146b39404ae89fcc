//! Integration tests of kansoku-detect, built into one binary.

mod builtin;
mod decoder_props;
mod engine;
mod sigma;
mod windows;
