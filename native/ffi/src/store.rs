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

/// Like [`open_existing`], for an operation that reads object bodies, with
/// the `identityFile` that decrypts an encrypted store (read, never copied;
/// a plaintext store ignores it). An encrypted store without it is an error.
pub(crate) fn open_existing_with(
    path: &str,
    identity_file: Option<&str>,
) -> Result<LocalStore, OperationError> {
    let store = with_identity(open_existing(path)?, identity_file)?;
    store
        .require_readable()
        .map_err(|e| OperationError::from_store(&e))?;
    Ok(store)
}

/// Opens the store, creating the folder and its layout when needed. With
/// `recipients` (age1...), a store without recipients is made an encrypted
/// one; a store encrypting to others refuses them.
pub(crate) fn open_or_create(
    path: &str,
    identity_file: Option<&str>,
    recipients: &[String],
) -> Result<LocalStore, OperationError> {
    let store = LocalStore::open(path).map_err(|e| OperationError::from_store(&e))?;
    let store = with_identity(store, identity_file)?;
    store
        .with_recipients(recipients)
        .map_err(|e| OperationError::from_store(&e))
}

fn with_identity(
    store: LocalStore,
    identity_file: Option<&str>,
) -> Result<LocalStore, OperationError> {
    match identity_file.filter(|p| !p.trim().is_empty()) {
        Some(path) => store
            .with_identity_file(path)
            .map_err(|e| OperationError::from_store(&e)),
        None => Ok(store),
    }
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
