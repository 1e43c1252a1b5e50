//! EntraSnapshot engine core: everything that needs no network.

pub mod wellknown;
