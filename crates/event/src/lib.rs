//! Record types, Arrow schemas and field names: the vocabulary every kansoku stage speaks.
//!
//! Data flows one way through kansoku (`parse → enrich → detect → lake → analyze →
//! report`); each stage depends on this crate and not on its siblings. A parser fills an
//! [`HttpRequest`], detection adds rule ids and categories, and the lake turns a slice of
//! them into an Arrow `RecordBatch` with [`http::HttpBatchBuilder`].
//!
//! ```
//! use kansoku_event::{HttpRequest, http::HttpBatchBuilder};
//!
//! let mut req = HttpRequest::default();
//! req.ts = 1_700_000_000_000_000;
//! req.path = Some("/index.html".into());
//! let mut builder = HttpBatchBuilder::with_capacity(1);
//! builder.push(&req);
//! let batch = builder.finish();
//! assert_eq!(batch.num_rows(), 1);
//! ```
#![deny(missing_docs)]

pub mod alert;
pub mod category;
pub mod http;
pub mod intel;
pub mod leak;
pub mod net;
pub mod spreadsheet;
pub mod tor;

pub use category::Category;
pub use http::HttpRequest;
pub use net::NetFlow;

/// Names of the lake's tables.
pub mod table {
    /// Alerts raised by the live server, one row per raise or update.
    pub const ALERT: &str = "alert";
    /// Web requests and WAF events.
    pub const HTTP: &str = "http";
    /// Network indicators shared by others (`kansoku intel import`).
    pub const INTEL: &str = "intel";
    /// Ransomware leak-site posts.
    pub const LEAK: &str = "leak";
    /// Firewall log entries.
    pub const NET: &str = "net";
    /// Intervals in which an address was seen as a Tor exit.
    pub const TOR_EXIT: &str = "tor_exit";
}

/// The tenant used when a record cannot be attributed to a customer.
pub const DEFAULT_TENANT: &str = "default";

/// Microseconds since the Unix epoch, UTC: the lake's time unit.
pub type Micros = i64;
