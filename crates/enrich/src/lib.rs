//! Enrichment: what kansoku adds to a parsed record before detection: which monitored
//! customer (tenant) a record belongs to, whether its source was a Tor exit at the time
//! (`tor`), its country (`geo`), and the service a port stands for (`service`).
//!
//! ```
//! use kansoku_enrich::tenant::{TenantMap, TenantRule};
//!
//! let map = TenantMap::new(vec![TenantRule {
//!     name: "shop".into(),
//!     hosts: vec!["shop.example.jp".into(), "*.shop.example.jp".into()],
//!     ..Default::default()
//! }]).expect("valid map");
//! assert_eq!(map.by_host("img.shop.example.jp"), Some("shop"));
//! ```
#![deny(missing_docs)]

pub mod geo;
pub mod net;
pub mod service;
pub mod tenant;
pub mod tor;
