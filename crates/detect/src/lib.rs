//! Detection for kansoku: the rule model, the native YAML rule format, the Sigma
//! `webserver` importer, the compiler and the matcher that marks each `http` record with
//! the rules it matches, and per-source windows for behavioural rules (scanners).
//!
//! The pipeline builds one [`RuleSet`], gives each worker thread a [`Matcher`] (cheap,
//! holds scratch buffers) and feeds one [`Windows`] in time order after matching.
//!
//! ```
//! use kansoku_detect::RuleSet;
//! use kansoku_event::HttpRequest;
//!
//! let rules = RuleSet::builtin().expect("the built-in pack compiles");
//! let mut matcher = rules.matcher();
//! let mut req = HttpRequest {
//!     path: Some("/item".into()),
//!     query: Some("id=1' UNION/**/SELECT password FROM users--".into()),
//!     ..Default::default()
//! };
//! matcher.apply(&mut req);
//! assert!(req.categories.iter().any(|c| c == "sqli"));
//! ```
#![deny(missing_docs)]

mod builtin;
mod compile;
pub mod crs;
mod docs;
mod error;
pub mod eval;
pub mod example;
mod gate;
mod lint;
mod matcher;
pub mod model;
mod native;
pub mod probes;
mod ruleset;
pub mod sigma;
pub mod transform;
mod window;

pub use error::{LoadError, LoadWarning};
pub use lint::{ExampleFailure, LintFinding};
pub use matcher::Hit;
pub use model::{Category, Rule, Severity, Zone};
pub use ruleset::{LoadOptions, Matcher, RuleSet};
pub use window::Windows;

/// Re-export so callers name categories without depending on `kansoku-event` directly.
pub mod categories {
    pub use kansoku_event::Category;
}
