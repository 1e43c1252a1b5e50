//! EntraSnapshot engine core: everything that needs no network.

mod dotpath;
pub mod error;
pub mod normalize;
pub mod registry;
pub mod wellknown;

pub use error::{Error, ErrorKind, Result};
pub use normalize::{NormalizedObject, canonical_bytes, normalize, pretty_bytes};
pub use registry::ObjectType;
