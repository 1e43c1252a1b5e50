//! The `store` parameter of the snapshot operations: opening the store a
//! request names, and finding a snapshot in it.

use std::path::PathBuf;

use entrasnap_core::LocalStore;
use entrasnap_core::store::{SnapshotId, SnapshotSummary, StoreKeys};

use crate::context::OperationError;

/// Opens a store that already exists. Reading operations use this, so a
/// mistyped path is an error instead of a new, empty store.
pub(crate) fn open_existing(path: &str) -> Result<LocalStore, OperationError> {
    LocalStore::open_existing(path).map_err(|e| OperationError::from_store(&e))
}

/// [`open_existing`] with the operation's `signingKeyFile` and
/// `verifyKeyFiles` (read first: a bad key file opens nothing), for an
/// operation that reads object bodies: with the `identityFile` that decrypts
/// an encrypted store (read, never copied; a plaintext store ignores it).
/// An encrypted store without it is an error naming the store.
pub(crate) fn open_existing_with(
    path: &str,
    keys: &KeyFiles,
) -> Result<LocalStore, OperationError> {
    let loaded = keys.load()?;
    let store = with_identity(open_existing(path)?.with_keys(loaded), keys)?;
    store
        .require_readable()
        .map_err(|e| OperationError::from_store(&e))?;
    Ok(store)
}

/// Opens the store, creating the folder and its layout when needed; the
/// key files are read before anything is created. With `recipients`
/// (age1...), a store without recipients becomes an encrypted one; a store
/// encrypting to others refuses them.
pub(crate) fn open_or_create(path: &str, keys: &KeyFiles) -> Result<LocalStore, OperationError> {
    let loaded = keys.load()?;
    let store = LocalStore::open(path)
        .map(|s| s.with_keys(loaded))
        .map_err(|e| OperationError::from_store(&e))?;
    with_identity(store, keys)?
        .with_recipients(&keys.recipients)
        .map_err(|e| OperationError::from_store(&e))
}

fn with_identity(store: LocalStore, keys: &KeyFiles) -> Result<LocalStore, OperationError> {
    match keys.identity.as_deref().filter(|p| !p.trim().is_empty()) {
        Some(path) => store
            .with_identity_file(path)
            .map_err(|e| OperationError::from_store(&e)),
        None => Ok(store),
    }
}

/// The key files an operation names: `signingKeyFile` signs what it writes,
/// `verifyKeyFiles` must have signed what it reads; `identityFile` decrypts
/// an encrypted store, `recipients` (export) encrypts one.
#[derive(Debug, Default, Clone)]
pub(crate) struct KeyFiles {
    pub signing: Option<String>,
    pub verify: Vec<String>,
    pub identity: Option<String>,
    pub recipients: Vec<String>,
}

impl KeyFiles {
    fn load(&self) -> Result<StoreKeys, OperationError> {
        let verify: Vec<PathBuf> = self.verify.iter().map(PathBuf::from).collect();
        StoreKeys::load(self.signing.as_deref().map(std::path::Path::new), &verify)
            .map_err(|e| OperationError::from_store(&e))
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
