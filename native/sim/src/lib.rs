//! entrasnap-sim
