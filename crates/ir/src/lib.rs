//! The incident-response kit: what a response team needs once an attack has succeeded.
//!
//! A **case** is a folder under `<data>/cases/<name>/` ([`case`]). Into it go the
//! **evidence** files with their digests ([`evidence`]), every action recorded in an
//! append-only, hash-chained custody log signed with Ed25519 ([`custody`]) by a key kept
//! outside the case ([`keystore`]), which [`verify`] checks file by file and entry by
//! entry, also from an exported archive ([`export`]), saying what anchors the key. [`deadlines`] computes the reporting duties under Japan's Act on the
//! Protection of Personal Information from the moment the organisation learned of the
//! incident; [`recovery`] turns a system inventory into a restore order with ETAs;
//! [`timeline`] merges lake records with the case's notes and custody events;
//! [`checklist`] walks the first-response steps; [`section`] feeds report section 6.
//!
//! ```
//! use kansoku_ir::case::{CaseType, Cases, NewCase};
//!
//! let dir = tempfile::tempdir()?;
//! let cases = Cases::new(dir.path());
//! let now = "2026-10-03T01:00:00Z".parse()?;
//! let case = cases.create(&NewCase::new("acme-2026-10", CaseType::Ransomware, "sato"), now)?;
//! assert_eq!(cases.list()?.cases.len(), 1);
//! assert!(cases.create(&NewCase::new("../escape", CaseType::Other, "sato"), now).is_err());
//! # let _ = case;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]

pub mod case;
pub mod checklist;
pub mod custody;
pub mod deadlines;
pub mod digest;
pub mod draft;
mod error;
pub mod evidence;
pub mod export;
pub mod import;
pub mod keystore;
pub mod recovery;
pub mod section;
pub mod stats;
pub mod time;
pub mod timeline;
pub mod verify;

pub use error::IrError;
