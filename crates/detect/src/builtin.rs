//! The built-in rule pack, embedded at build time by `build.rs` from `rules/`.

include!(concat!(env!("OUT_DIR"), "/builtin_rules.rs"));
