//! EntraSnapshot engine core: everything that needs no network. The object-type
//! registry, normalization of Graph objects, and the snapshot store.

pub mod audit;
pub mod diff;
mod dotpath;
pub mod error;
pub mod graph_permissions;
pub mod normalize;
pub mod registry;
pub mod restore;
pub mod store;
pub mod wellknown;

pub use error::{Error, ErrorKind, Result};
pub use normalize::{NormalizedObject, canonical_bytes, normalize, pretty_bytes, strip_for_write};
pub use registry::ObjectType;
pub use store::{LocalStore, SnapshotStore, SnapshotWrite};
