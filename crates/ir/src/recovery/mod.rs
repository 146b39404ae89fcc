//! `kansoku recovery`: from a system inventory to a restore plan executives can read.
//!
//! [`inventory`] reads `INVENTORY.toml`; [`mod@plan`] decides restore or rebuild per
//! system and assembles the plan, with `order.rs` ordering the work over the dependency
//! graph and computing ETAs; [`render`] prints the plan as text;
//! [`status`] records progress beside the inventory and writes the executive status
//! page (one HTML file, Japanese or English, no script).

pub mod inventory;
mod order;
pub mod plan;
pub mod render;
pub mod status;

pub use inventory::Inventory;
pub use plan::{Plan, plan};
