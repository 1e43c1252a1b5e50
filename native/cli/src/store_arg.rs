//! `--store DIR` (env `ENTRASNAP_STORE`), shared by every command that reads
//! or writes snapshots, and the messages about a store or snapshot that is
//! not there.

use std::path::{Path, PathBuf};

use entrasnap_core::LocalStore;
use entrasnap_core::store::SnapshotId;

use crate::error::CliError;

#[derive(clap::Args, Debug, Clone)]
pub struct StoreArg {
    /// The snapshot store directory.
    #[arg(long, value_name = "DIR", env = "ENTRASNAP_STORE")]
    pub store: PathBuf,
}

impl StoreArg {
    /// Opens a store that already exists. Reading commands use this, so a
    /// mistyped path is an error instead of a new, empty store.
    pub fn open_existing(&self) -> Result<LocalStore, CliError> {
        let path = self.checked_path()?;
        if !path.exists() {
            return Err(
                CliError::new(format!("store {} does not exist", path.display())).detail(format!(
                    "`entrasnap export --store {}` creates it",
                    path.display()
                )),
            );
        }
        if !path.join("snapshots").is_dir() {
            return Err(CliError::new(format!(
                "{} is not an EntraSnapshot store (it has no snapshots folder)",
                path.display()
            )));
        }
        Ok(LocalStore::open(path)?)
    }

    /// Opens the store, creating the directory and its layout when needed.
    pub fn open_or_create(&self) -> Result<LocalStore, CliError> {
        Ok(LocalStore::open(self.checked_path()?)?)
    }

    /// The path, refused when it names something that is not a directory.
    fn checked_path(&self) -> Result<&Path, CliError> {
        let path = self.store.as_path();
        if path.as_os_str().is_empty() {
            return Err(CliError::new(
                "the store path is empty (--store or ENTRASNAP_STORE)",
            ));
        }
        match std::fs::metadata(path) {
            Ok(m) if !m.is_dir() => Err(CliError::new(format!(
                "store {} is not a directory",
                path.display()
            ))),
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(CliError::new(format!(
                "cannot open store {}: {e}",
                path.display()
            ))),
            _ => Ok(path),
        }
    }
}

/// Resolves `id` (an id or `latest`) to a snapshot whose manifest is in
/// `store`; a well-formed id the store does not hold is an error naming both.
pub fn existing_snapshot(store: &LocalStore, id: &str) -> Result<SnapshotId, CliError> {
    let resolved = store.resolve_id(id)?;
    // The manifest file is looked for directly: reading it would also fail
    // for a damaged manifest, which verify must get to report.
    let manifest = store
        .root()
        .join("snapshots")
        .join(format!("{resolved}.json"));
    if !manifest.exists() {
        let root = store.root().display();
        return Err(
            CliError::new(format!("snapshot {id} not found in store {root}")).detail(format!(
                "`entrasnap list --store {root}` shows the snapshots it holds"
            )),
        );
    }
    Ok(resolved)
}
