//! Integration tests of the incident-response kit (one binary, one module per area).

mod anchor;
mod case;
mod checklist;
mod deadlines;
mod evidence;
mod import;
mod recovery;
mod section;
mod timeline;
