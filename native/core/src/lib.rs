//! EntraSnapshot engine core: everything that needs no network.

mod dotpath;
pub mod error;
pub mod registry;
pub mod wellknown;

pub use error::{Error, ErrorKind, Result};
pub use registry::ObjectType;
