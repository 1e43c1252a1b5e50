//! The `store` parameter of the snapshot operations: opening the store a
//! request names, and finding a snapshot in it.

use entrasnap_core::LocalStore;
use entrasnap_core::store::SnapshotId;

use crate::context::OperationError;

/// Opens a store that already exists. Reading operations use this, so a
/// mistyped path is an error instead of a new, empty store.
pub(crate) fn open_existing(path: &str) -> Result<LocalStore, OperationError> {
    LocalStore::open_existing(path).map_err(|e| OperationError::from_store(&e))
}

/// Opens the store, creating the folder and its layout when needed.
pub(crate) fn open_or_create(path: &str) -> Result<LocalStore, OperationError> {
    LocalStore::open(path).map_err(|e| OperationError::from_store(&e))
}

/// Resolves `id` (an id or `latest`) to a snapshot whose manifest is in `store`.
pub(crate) fn existing_snapshot(
    store: &LocalStore,
    id: &str,
) -> Result<SnapshotId, OperationError> {
    store
        .existing_snapshot(id)
        .map_err(|e| OperationError::from_store(&e))
}
