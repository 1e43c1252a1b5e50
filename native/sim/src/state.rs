//! `--state FILE`: the whole tenant saved as JSON and loaded on the next start.
//! Written atomically (temporary file, fsync, rename) so a crash never leaves
//! half a tenant behind.

use std::io::Write;
use std::path::Path;

use crate::sim::Sim;
use crate::tenant::Tenant;

pub fn save(sim: &Sim, path: &Path) -> std::io::Result<()> {
    let bytes = serde_json::to_vec(&*sim.read()).map_err(std::io::Error::other)?;
    let tmp = path.with_extension("tmp");
    {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(&bytes)?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, path)
}

/// Load a saved tenant. Its delta tokens are stale afterwards (the change log is
/// not saved), exactly as a client would see after a long pause: a full resync.
pub fn load(path: &Path) -> Result<Tenant, String> {
    let bytes = std::fs::read(path)
        .map_err(|e| format!("cannot read state file {}: {e}", path.display()))?;
    let mut t: Tenant = serde_json::from_slice(&bytes).map_err(|e| {
        format!(
            "state file {} is not a saved emulator tenant: {e}",
            path.display()
        )
    })?;
    t.epoch += 1;
    t.reindex();
    Ok(t)
}
