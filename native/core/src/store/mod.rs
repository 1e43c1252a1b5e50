//! The snapshot store. Local directory layout:
//!
//! ```text
//! <root>/objects/<2 hex>/<62 hex>   zstd of canonical JSON, named by its BLAKE3 hash
//! <root>/snapshots/<id>.json        one manifest per complete snapshot
//! <root>/state/<tenantId>.json      per-tenant export state (delta links)
//! <root>/journal/<restoreId>.jsonl  one restore journal per run (see journal.rs)
//! <root>/labels.json                labels naming snapshots (see labels.rs)
//! <root>/store.json                 store config: the age recipients of an encrypted store (see crypt.rs)
//! <root>/lock                       writer lock (export, prune, label)
//! ```
//!
//! Objects are shared by every snapshot that holds the same content. Every file
//! is written whole (temp file, fsync, rename, directory fsync), manifests
//! last, so a snapshot is listed only once everything it names is durable.

mod atomic;
mod chain;
mod crypt;
mod directory;
mod hash;
mod id;
mod journal;
mod keys;
mod kind;
mod labels;
mod listing;
mod lock;
mod manifest;
mod objects;
mod private;
mod prune;
mod staged;
mod state;
mod verify;
mod writer;

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde_json::Value;

pub use crypt::{StoreCrypt, generate_identity, parse_recipients, read_recipients_file};
pub use directory::{DirectoryReport, check_out_dir, write_directory, write_directory_with};
pub use hash::ObjectHash;
pub use id::SnapshotId;
pub use journal::{
    JOURNAL_FORMAT, Journal, JournalFinish, JournalHeader, JournalSummary, JournalWriter,
};
pub use keys::{
    KeyPair, Signature, StoreKeys, generate as generate_signing_key, key_id, write_key_pair,
    write_private_key,
};
pub use kind::SnapshotKind;
pub use labels::{LABEL_PREFIX, check_label};
pub use listing::{Listing, Unreadable, require_types};
pub use manifest::{FORMAT_VERSION, Links, Manifest, ObjectEntry, SnapshotSummary, Volatile};
pub use prune::{KeepPolicy, PruneReport};
pub use staged::StagedSnapshot;
pub use verify::{Problem, ProblemKind, VerifyReport};
pub use writer::SnapshotWriter;

use crate::error::{Error, ErrorKind, Result};
use crate::registry::ObjectType;

/// A place snapshots are kept. The local directory is the first backend; a
/// blob-storage one comes later.
pub trait SnapshotStore {
    type Writer: SnapshotWrite;

    /// Starts a snapshot of `tenant_id` holding `types`; takes the writer lock.
    fn begin(&self, tenant_id: &str, types: &[&ObjectType]) -> Result<Self::Writer>;
    /// Complete snapshots, newest first.
    fn list(&self) -> Result<Vec<SnapshotSummary>>;
    /// A snapshot with all its entries, by id or `latest`.
    fn manifest(&self, id: &str) -> Result<Manifest>;
    /// An object's normalized body (or a links list), verified against its hash.
    fn read_object(&self, hash: &ObjectHash) -> Result<Value>;
    /// Re-hashes everything one snapshot (or every snapshot) refers to.
    fn verify(&self, id: Option<&str>) -> Result<VerifyReport>;
    /// Deletes snapshots `policy` does not keep, then objects nothing refers to.
    fn prune(&self, policy: &KeepPolicy) -> Result<PruneReport>;
    fn state_get(&self, tenant_id: &str) -> Result<Option<Value>>;
    fn state_put(&self, tenant_id: &str, value: &Value) -> Result<()>;

    /// An object's links, verified against its hash.
    fn read_links(&self, hash: &ObjectHash) -> Result<Links> {
        let value = self.read_object(hash)?;
        serde_json::from_value(value).map_err(|e| {
            Error::new(
                ErrorKind::Corrupt,
                format!("object {hash} is not a links list: {e}"),
            )
        })
    }
}

/// A snapshot being written.
pub trait SnapshotWrite {
    fn put(&self, ty: &ObjectType, object: &crate::NormalizedObject) -> Result<ObjectHash>;
    fn put_links(&self, ty: &ObjectType, id: &str, links: &Links) -> Result<Option<ObjectHash>>;
    fn put_entry(&self, ty: &ObjectType, entry: ObjectEntry) -> Result<()>;
    fn set_state(&self, state: Value);
    fn finish(self) -> Result<SnapshotId>;
}

/// A snapshot store in a local directory.
#[derive(Debug, Clone)]
pub struct LocalStore {
    root: PathBuf,
    /// Its encryption (from `store.json`) and the identities given for reading.
    crypt: StoreCrypt,
    /// Signing and verify keys (none unless given): see keys.rs and chain.rs.
    keys: std::sync::Arc<StoreKeys>,
}

impl LocalStore {
    /// Opens the store at `root`, creating its layout if needed.
    pub fn open(root: impl Into<PathBuf>) -> Result<LocalStore> {
        let root = root.into();
        check_root(&root)?;
        if !root.exists() {
            atomic::ensure_dir(&root)?;
            private::protect_root(&root)?;
        }
        for dir in ["objects", "snapshots", "state", "journal"] {
            atomic::ensure_dir(&root.join(dir))?;
        }
        let crypt = StoreCrypt::load(&root)?;
        Ok(LocalStore {
            root,
            crypt,
            keys: Default::default(),
        })
    }

    /// Opens a store that already exists. Reading commands use this, so a
    /// mistyped path is an error instead of a new, empty store.
    pub fn open_existing(root: impl Into<PathBuf>) -> Result<LocalStore> {
        let root = root.into();
        check_root(&root)?;
        if !root.exists() {
            return Err(Error::new(
                ErrorKind::NotFound,
                format!("store {} does not exist", root.display()),
            ));
        }
        if !root.join("snapshots").is_dir() {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                format!(
                    "{} is not an EntraSnapshot store (it has no snapshots folder)",
                    root.display()
                ),
            ));
        }
        let crypt = StoreCrypt::load(&root)?;
        Ok(LocalStore {
            root,
            crypt,
            keys: Default::default(),
        })
    }

    /// The store with signing and verify keys: snapshots it writes are signed
    /// with the signing key, and with verify keys every manifest read must
    /// carry a signature that holds.
    pub fn with_keys(mut self, keys: StoreKeys) -> LocalStore {
        self.keys = std::sync::Arc::new(keys);
        self
    }

    pub fn keys(&self) -> &StoreKeys {
        &self.keys
    }

    /// Adds the identity file that decrypts an encrypted store. One of its
    /// identities must match one of the store's recipients. A plaintext
    /// store reads as before. The file is read, never copied anywhere.
    pub fn with_identity_file(self, path: impl AsRef<Path>) -> Result<LocalStore> {
        let crypt = self.crypt.with_identity_file(path.as_ref())?;
        Ok(LocalStore { crypt, ..self })
    }

    /// Makes the store encrypt to `recipients` (`age1...`; see
    /// [`parse_recipients`]). A store without recipients gets them (its
    /// `store.json` is written); the same set again changes nothing; a
    /// different set is an error naming both. None: the store's own.
    pub fn with_recipients(self, recipients: &[String]) -> Result<LocalStore> {
        let names = parse_recipients(recipients)?;
        let crypt = self.crypt.require(&names)?;
        Ok(LocalStore { crypt, ..self })
    }

    /// The store's encryption.
    pub fn crypt(&self) -> &StoreCrypt {
        &self.crypt
    }

    /// Whether object bodies can be read (plaintext, or an identity was given).
    pub fn can_read_objects(&self) -> bool {
        self.crypt.can_read()
    }

    /// Errors (one line, naming the store and how to give the identity)
    /// when the store is encrypted and no identity was given.
    pub fn require_readable(&self) -> Result<()> {
        self.crypt.require_readable()
    }

    /// Resolves `id` (an id or `latest`) to a snapshot whose manifest is in the
    /// store. The manifest is looked for, not read: a damaged one is for
    /// `verify` to report, not a reason to refuse verifying it.
    pub fn existing_snapshot(&self, id: &str) -> Result<SnapshotId> {
        let resolved = self.resolve_id(id)?;
        if !manifest::manifest_path(&self.root, &resolved).exists() {
            return Err(Error::new(
                ErrorKind::NotFound,
                format!("snapshot {id} not found in store {}", self.root.display()),
            ));
        }
        Ok(resolved)
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Starts the journal of a restore: the header is on disk, whole, when this returns.
    pub fn begin_journal(&self, header: &JournalHeader) -> Result<JournalWriter> {
        journal::begin(&self.root, &self.crypt, header)
    }

    /// Restore journals, newest first, finished or not.
    pub fn journals(&self) -> Result<Vec<JournalSummary>> {
        journal::list(&self.root, &self.crypt)
    }

    /// One restore journal, a torn last line ignored.
    pub fn read_journal(&self, restore_id: &str) -> Result<Journal> {
        journal::read(&self.root, &self.crypt, restore_id)
    }

    /// Like [`SnapshotStore::begin`] with an explicit creation time (imports, tests).
    pub fn begin_at(
        &self,
        tenant_id: &str,
        types: &[&ObjectType],
        created_at: DateTime<Utc>,
    ) -> Result<SnapshotWriter> {
        self.begin_with(tenant_id, types, created_at, true)
    }

    /// Starts a staged snapshot: it takes no lock and writes nothing until
    /// [`SnapshotWriter::stage`] and [`StagedSnapshot::commit`].
    pub fn begin_staged(&self, tenant_id: &str, types: &[&ObjectType]) -> Result<SnapshotWriter> {
        self.begin_with(tenant_id, types, Utc::now(), false)
    }

    fn begin_with(
        &self,
        tenant_id: &str,
        types: &[&ObjectType],
        created_at: DateTime<Utc>,
        lock: bool,
    ) -> Result<SnapshotWriter> {
        state::check_tenant_id(tenant_id)?;
        if types.is_empty() {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                "a snapshot needs at least one object type",
            ));
        }
        let lock = if lock {
            Some(lock::StoreLock::acquire(&self.root)?)
        } else {
            None
        };
        let base = self
            .summaries()?
            .into_iter()
            .filter_map(Result::ok)
            .filter(|s| s.tenant_id == tenant_id && s.intact)
            .max_by(|a, b| newest_first(b, a))
            .and_then(|s| manifest::load(&self.root, &s.id).ok())
            .map(|l| l.file);
        Ok(SnapshotWriter::new(
            self.root.clone(),
            self.crypt.clone(),
            self.keys.clone(),
            lock,
            tenant_id,
            types,
            created_at,
            base,
        ))
    }

    /// Resolves `latest` or `label:NAME` (see [`LocalStore::resolve`]), or
    /// parses an id without reading its manifest (`verify` looks at damaged ones).
    pub fn resolve_id(&self, reference: &str) -> Result<SnapshotId> {
        if listing::is_symbolic(reference) {
            return Ok(self.resolve(reference)?.id);
        }
        listing::parse_id(&self.root, reference)
    }

    /// Every manifest in `snapshots/`: its summary, or the error reading it.
    fn summaries(&self) -> Result<Vec<Result<SnapshotSummary, (SnapshotId, Error)>>> {
        Ok(self
            .manifest_ids()?
            .into_iter()
            .map(|id| match manifest::load(&self.root, &id) {
                Ok(l) if l.file.complete => Ok(l.file.summary(l.intact)),
                Ok(_) => Err((
                    id.clone(),
                    Error::new(
                        ErrorKind::Corrupt,
                        format!("snapshot {id}: manifest is not marked complete"),
                    ),
                )),
                Err(e) => Err((id, e)),
            })
            .collect())
    }

    /// Ids of the manifest files present (temp files and strangers skipped).
    fn manifest_ids(&self) -> Result<Vec<SnapshotId>> {
        manifest::ids(&self.root)
    }
}

impl LocalStore {
    /// With verify keys, a manifest must carry a signature that holds before
    /// anything is compared with or restored from it.
    fn check_signature(&self, loaded: &manifest::Loaded) -> Result<()> {
        if !self.keys.verifies() {
            return Ok(());
        }
        let id = &loaded.file.id;
        let why = match loaded.check_signature(&self.keys) {
            Some(keys::SigCheck::Valid) => return Ok(()),
            Some(keys::SigCheck::Invalid) => {
                "its signature does not match its content (modified after it was signed)"
            }
            Some(keys::SigCheck::UnknownKey) => {
                "it is signed by a key that is not among the verify keys given"
            }
            None => "it is not signed, and verify keys were given",
        };
        Err(Error::new(
            ErrorKind::Corrupt,
            format!(
                "snapshot {id} cannot be trusted: {why}; `entrasnap verify` names what is wrong"
            ),
        ))
    }
}

/// Newest first: by creation time, then id.
fn newest_first(a: &SnapshotSummary, b: &SnapshotSummary) -> std::cmp::Ordering {
    b.created_at
        .cmp(&a.created_at)
        .then_with(|| b.id.cmp(&a.id))
}

impl SnapshotStore for LocalStore {
    type Writer = SnapshotWriter;

    fn begin(&self, tenant_id: &str, types: &[&ObjectType]) -> Result<SnapshotWriter> {
        self.begin_at(tenant_id, types, Utc::now())
    }

    fn list(&self) -> Result<Vec<SnapshotSummary>> {
        Ok(self.list_all()?.snapshots)
    }

    fn manifest(&self, id: &str) -> Result<Manifest> {
        let id = self.resolve_id(id)?;
        self.require_readable()?;
        let loaded = manifest::load(&self.root, &id)?;
        if !loaded.intact {
            return Err(Error::new(
                ErrorKind::Corrupt,
                format!(
                    "snapshot {id}: manifest was changed after the snapshot completed (checksum mismatch); run verify"
                ),
            ));
        }
        self.check_signature(&loaded)?;
        let mut manifest = manifest::resolve_manifest(&self.root, &self.crypt, loaded)?;
        manifest.summary.labels = self.labels_of(&id)?;
        Ok(manifest)
    }

    fn read_object(&self, hash: &ObjectHash) -> Result<Value> {
        self.require_readable()?;
        objects::read_json(&self.root, &self.crypt, hash)
    }

    fn verify(&self, id: Option<&str>) -> Result<VerifyReport> {
        let all = self.manifest_ids()?;
        let ids = match id {
            Some(id) => vec![self.resolve_id(id)?],
            None => all.clone(),
        };
        self.require_readable()?;
        let mut report = verify::verify(&self.root, &self.crypt, &ids)?;
        let chains = chain::verify(&self.root, &all, &self.keys);
        report.signatures_checked = chains.signatures_checked;
        report.problems.extend(
            chains
                .problems
                .into_iter()
                .filter(|p| id.is_none() || ids.iter().any(|i| i.as_str() == p.snapshot)),
        );
        report.warnings.extend(chains.warnings);
        let (loose, count) = private::loose(&self.root, 3);
        if count > 0 {
            report.warnings.push(format!(
                "store {} is readable by other accounts: {count} files and folders allow group or other access (for example {}); `chmod -R go-rwx {}` makes it owner-only",
                self.root.display(),
                loose.join(", "),
                self.root.display()
            ));
        }
        Ok(report)
    }

    fn prune(&self, policy: &KeepPolicy) -> Result<PruneReport> {
        self.require_readable()?;
        let _lock = lock::StoreLock::acquire(&self.root)?;
        let labelled = labels::read(&self.root)?.into_values().collect();
        prune::prune(
            &self.root,
            &self.crypt,
            policy,
            self.summaries()?,
            &labelled,
            &self.keys,
        )
    }

    fn state_get(&self, tenant_id: &str) -> Result<Option<Value>> {
        state::get(&self.root, tenant_id)
    }

    fn state_put(&self, tenant_id: &str, value: &Value) -> Result<()> {
        state::put(&self.root, tenant_id, value)
    }
}

impl SnapshotWrite for SnapshotWriter {
    fn put(&self, ty: &ObjectType, object: &crate::NormalizedObject) -> Result<ObjectHash> {
        SnapshotWriter::put(self, ty, object)
    }

    fn put_links(&self, ty: &ObjectType, id: &str, links: &Links) -> Result<Option<ObjectHash>> {
        SnapshotWriter::put_links(self, ty, id, links)
    }

    fn put_entry(&self, ty: &ObjectType, entry: ObjectEntry) -> Result<()> {
        SnapshotWriter::put_entry(self, ty, entry)
    }

    fn set_state(&self, state: Value) {
        SnapshotWriter::set_state(self, state)
    }

    fn finish(self) -> Result<SnapshotId> {
        SnapshotWriter::finish(self)
    }
}

/// A store path must be non-blank and, when it exists, a directory.
fn check_root(root: &Path) -> Result<()> {
    if root.to_string_lossy().trim().is_empty() {
        return Err(Error::new(
            ErrorKind::InvalidArgument,
            "the store path is empty",
        ));
    }
    match std::fs::metadata(root) {
        Ok(m) if !m.is_dir() => Err(Error::new(
            ErrorKind::InvalidArgument,
            format!("store {} is not a directory", root.display()),
        )),
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(Error::io("open store", root, e)),
        _ => Ok(()),
    }
}
