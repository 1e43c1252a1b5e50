//! The `store` parameter of the snapshot operations: opening the store a
//! request names, and finding a snapshot in it.

use std::path::Path;

use entrasnap_core::LocalStore;
use entrasnap_core::store::SnapshotId;

use crate::context::OperationError;

/// Opens a store that already exists. Reading operations use this, so a
/// mistyped path is an error instead of a new, empty store.
pub(crate) fn open_existing(path: &str) -> Result<LocalStore, OperationError> {
    let path = checked_path(path)?;
    if !path.exists() {
        return Err(OperationError::store(&format!(
            "store {} does not exist (an export creates it)",
            path.display()
        )));
    }
    if !path.join("snapshots").is_dir() {
        return Err(OperationError::store(&format!(
            "{} is not an EntraSnapshot store (it has no snapshots folder)",
            path.display()
        )));
    }
    LocalStore::open(path).map_err(|e| OperationError::from_store(&e))
}

/// Opens the store, creating the folder and its layout when needed.
pub(crate) fn open_or_create(path: &str) -> Result<LocalStore, OperationError> {
    LocalStore::open(checked_path(path)?).map_err(|e| OperationError::from_store(&e))
}

/// Resolves `id` (an id or `latest`) to a snapshot whose manifest is in
/// `store`. The manifest file is looked for, not read: a damaged manifest
/// is for verify to report, not a reason to refuse verifying it.
pub(crate) fn existing_snapshot(
    store: &LocalStore,
    id: &str,
) -> Result<SnapshotId, OperationError> {
    let resolved = store
        .resolve_id(id)
        .map_err(|e| OperationError::from_store(&e))?;
    let manifest = store
        .root()
        .join("snapshots")
        .join(format!("{resolved}.json"));
    if !manifest.exists() {
        return Err(OperationError::store(&format!(
            "snapshot {id} not found in store {}",
            store.root().display()
        )));
    }
    Ok(resolved)
}

/// The path, refused when empty or when it names something that is not a
/// folder.
fn checked_path(path: &str) -> Result<&Path, OperationError> {
    if path.trim().is_empty() {
        return Err(OperationError::invalid_argument("the store path is empty"));
    }
    let path = Path::new(path);
    match std::fs::metadata(path) {
        Ok(m) if !m.is_dir() => Err(OperationError::store(&format!(
            "store {} is not a folder",
            path.display()
        ))),
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(OperationError::store(&format!(
            "cannot open store {}: {e}",
            path.display()
        ))),
        _ => Ok(path),
    }
}
