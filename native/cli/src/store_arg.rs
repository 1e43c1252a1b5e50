//! `--store DIR` (env `ENTRASNAP_STORE`), shared by every command that reads
//! or writes snapshots, and the messages about a store or snapshot that is
//! not there.

use std::path::PathBuf;

use entrasnap_core::store::{SnapshotId, StoreKeys};
use entrasnap_core::{ErrorKind, LocalStore};

use crate::error::CliError;

#[derive(clap::Args, Debug, Clone)]
pub struct StoreArg {
    /// The snapshot store directory.
    #[arg(long, value_name = "DIR", env = "ENTRASNAP_STORE")]
    pub store: PathBuf,
    /// The age identity file (AGE-SECRET-KEY-1... lines) that decrypts an encrypted store; read, never copied.
    #[arg(
        long = "identity",
        value_name = "FILE",
        env = "ENTRASNAP_IDENTITY_FILE"
    )]
    pub identity: Option<PathBuf>,
    /// Sign the snapshots (and prune records) this command writes with this
    /// Ed25519 private key (PEM; `entrasnap keygen` makes one).
    #[arg(long, value_name = "FILE", env = "ENTRASNAP_SIGNING_KEY_FILE")]
    pub signing_key: Option<PathBuf>,
    /// Require every snapshot read to be signed by one of these Ed25519
    /// public keys (PEM; repeatable); `verify` checks every signature.
    #[arg(
        long = "verify-key",
        value_name = "FILE",
        env = "ENTRASNAP_VERIFY_KEY_FILE",
        value_delimiter = ','
    )]
    pub verify_keys: Vec<PathBuf>,
}

impl StoreArg {
    /// Opens a store that already exists. Reading commands use this, so a
    /// mistyped path is an error instead of a new, empty store.
    pub fn open_existing(&self) -> Result<LocalStore, CliError> {
        let keys = self.keys()?;
        let store = LocalStore::open_existing(&self.store).map_err(|e| {
            let not_there = e.kind() == ErrorKind::NotFound;
            let err = CliError::from(e);
            if not_there {
                err.detail(format!(
                    "`entrasnap export --store {}` creates it",
                    self.store.display()
                ))
            } else {
                err
            }
        })?;
        self.with_identity(store.with_keys(keys))
    }

    /// Opens a store that already exists for a command that reads object
    /// bodies: an encrypted store without its identity is one error line.
    pub fn open_readable(&self) -> Result<LocalStore, CliError> {
        let store = self.open_existing()?;
        store.require_readable()?;
        Ok(store)
    }

    /// Opens the store, creating the directory and its layout when needed.
    /// The keys are read first: a bad key file creates nothing.
    pub fn open_or_create(&self) -> Result<LocalStore, CliError> {
        let keys = self.keys()?;
        self.with_identity(LocalStore::open(&self.store)?.with_keys(keys))
    }

    fn keys(&self) -> Result<StoreKeys, CliError> {
        Ok(StoreKeys::load(
            self.signing_key.as_deref(),
            &self.verify_keys,
        )?)
    }

    fn with_identity(&self, store: LocalStore) -> Result<LocalStore, CliError> {
        match self
            .identity
            .as_deref()
            .filter(|p| !p.as_os_str().is_empty())
        {
            Some(path) => Ok(store.with_identity_file(path)?),
            None => Ok(store),
        }
    }
}

/// Resolves `id` (an id, `latest` or `label:NAME`) to a snapshot whose
/// manifest is in `store`; a well-formed id the store does not hold is an
/// error naming both.
pub fn existing_snapshot(store: &LocalStore, id: &str) -> Result<SnapshotId, CliError> {
    store.existing_snapshot(id).map_err(with_list_hint(store))
}

/// A store error, with a pointer to `list` when something was not found.
pub fn with_list_hint(store: &LocalStore) -> impl Fn(entrasnap_core::Error) -> CliError + '_ {
    move |e| {
        let not_there = e.kind() == ErrorKind::NotFound;
        let err = CliError::from(e);
        if not_there {
            err.detail(format!(
                "`entrasnap list --store {}` shows the snapshots and labels it holds",
                store.root().display()
            ))
        } else {
            err
        }
    }
}
