//! Threat-intelligence exchange: share what kansoku observed, use what others share.
//!
//! * **Export** ([`mod@collect`] → [`IndicatorSet`] → [`export`]): the attacking addresses of
//!   a period (first/last seen, categories, counts, Tor-exit flag), the paths attacks
//!   requested, the user agents of recognised tools and the leak-site posts, as a STIX 2.1
//!   bundle, a MISP feed folder, or CSV/NDJSON. The [`Privacy`] filter keeps internal
//!   addresses and tenant names out unless the user asks.
//! * **Import** ([`import`] → [`store`]): STIX 2.1 bundles, MISP feeds and IP/CIDR
//!   blocklists into the lake's `intel` table, idempotently, each indicator with its list
//!   name and validity.
//! * **Matching** ([`IntelIndex`], [`mod@matches`]): `http` and `net` rows are matched
//!   against the table when a report or `kansoku intel matches` asks, by address and
//!   time, so lists imported later still mark earlier rows.
//!
//! ```
//! use kansoku_event::intel::IntelIndicator;
//! use kansoku_intel::IntelIndex;
//!
//! let list = [IntelIndicator {
//!     list: "partner-csirt".into(),
//!     value: "198.51.100.0/24".into(),
//!     valid_from: 0,
//!     valid_until: Some(100),
//!     ..IntelIndicator::default()
//! }];
//! let index = IntelIndex::new(&list);
//! assert!(index.lists_at("198.51.100.7", 50).contains("partner-csirt"));
//! assert!(index.lists_at("198.51.100.7", 101).is_empty());
//! ```
#![deny(missing_docs)]

pub mod collect;
mod error;
pub mod export;
pub mod import;
pub mod index;
pub mod matches;
pub mod model;
pub mod privacy;
pub mod section;
pub mod store;
pub mod uuid;

pub use collect::{ExportOptions, collect, severity_rank};
pub use error::IntelError;
pub use index::IntelIndex;
pub use model::{IndicatorSet, Tlp};
pub use privacy::Privacy;
