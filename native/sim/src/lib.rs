//! entrasnap-sim: a local Microsoft Graph emulator, as strict as Graph.
//!
//! It serves `/v1.0` and `/beta` on 127.0.0.1 for the tenant configuration
//! EntraSnapshot backs up (users, groups, applications, service principals,
//! administrative units, directory roles, Conditional Access, authentication
//! policies, cross-tenant access, organization), with Graph's paging, delta,
//! `$batch`, throttling, soft delete and validation.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! let sim = entrasnap_sim::start(entrasnap_sim::Config::default(), 0).await?;
//! println!("Graph at {}/v1.0", sim.url());
//! sim.stop().await
//! # }
//! ```

mod api;
pub mod audit;
mod batch;
mod builtin;
mod delta;
mod directory_roles;
mod error;
mod faults;
mod filter;
mod grants;
pub mod identity;
pub mod kind;
mod links;
mod objects;
mod project;
mod query;
mod recycle;
mod request;
mod rng;
mod route;
pub mod seed;
mod server;
mod sim;
mod singletons;
mod state;
mod stats;
pub mod tenant;
mod throttle;
mod validate;

use std::sync::Arc;

pub use server::Running;
pub use sim::{Config, Seed, Sim};
pub use stats::Stats;

/// Build the tenant (from `config.state` when that file exists, else from the seed).
pub fn tenant(config: &Config) -> Result<tenant::Tenant, String> {
    match &config.state {
        Some(path) if path.exists() => state::load(path),
        _ => Ok(seed::build(config)),
    }
}

/// Start an emulator on 127.0.0.1:`port` (0 picks a free port).
pub async fn start(config: Config, port: u16) -> std::io::Result<Running> {
    let t = tenant(&config).map_err(std::io::Error::other)?;
    server::serve(Arc::new(Sim::new(config, t)), port).await
}
