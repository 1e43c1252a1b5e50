//! Difference reports: what changed between two snapshots, attribute by
//! attribute, with every id named and every change ranked by how much it
//! weakens the tenant's security.

mod attrs;
mod compare;
mod consent;
pub mod history;
pub mod model;
mod names;
mod overlay;
pub mod render;
pub mod severity;
mod snapshot;

pub use attrs::diff_bodies;
pub use compare::{compare, compare_entries};
pub use model::{AttributeChange, Change, ChangeKind, LinkChange, NamedId, Report, Severity};
pub use names::Resolver;
pub use overlay::{Edits, Overlay, PutObject};
pub use render::RenderOptions;
pub use severity::{Context, RULES, Rule, Subject};
pub use snapshot::{MemorySnapshot, Paired, Snapshot, StoredSnapshot, pair_entries};
