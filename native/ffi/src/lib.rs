//! The C ABI of the EntraSnapshot engine (JSON in, JSON out).
