//! The `store` parameter of the snapshot operations: opening the store a
//! request names, and finding a snapshot in it.

use entrasnap_core::LocalStore;
use entrasnap_core::store::{SnapshotId, SnapshotSummary};

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

/// Resolves a reference (an id, `latest` or `label:NAME`) once, reading its manifest.
pub(crate) fn resolve(
    store: &LocalStore,
    reference: &str,
) -> Result<SnapshotSummary, OperationError> {
    store
        .resolve(reference)
        .map_err(|e| OperationError::from_store(&e))
}

/// A `types` filter naming a type the snapshot did not export matched
/// nothing: an argument error naming it.
pub(crate) fn require_types(
    summary: &SnapshotSummary,
    types: &[&str],
) -> Result<(), OperationError> {
    entrasnap_core::store::require_types(summary.id.as_str(), &summary.types, types)
        .map_err(|e| OperationError::invalid_argument(e.message()))
}
