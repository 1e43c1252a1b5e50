//! Writing one snapshot. Objects go to the store as they arrive; the manifest
//! is written last, so until `finish` returns nothing lists the snapshot, and
//! a killed export leaves only unreferenced objects for prune to collect.
//!
//! A *staged* writer (see [`super::staged`]) writes nothing: new objects wait
//! in memory until the snapshot is committed, so a restore can plan against
//! the live tenant and stop (what-if, a filter that matches nothing) with the
//! store exactly as it was.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard};

use chrono::{DateTime, SubsecRound, Utc};
use serde_json::Value;

use super::atomic;
use super::chain;
use super::crypt::StoreCrypt;
use super::hash::ObjectHash;
use super::id::SnapshotId;
use super::kind::SnapshotKind;
use super::lock::StoreLock;
use super::manifest::{self, FORMAT_VERSION, Layer, Links, ManifestFile, ObjectEntry};
use super::objects;
use super::state;
use crate::diff::{Paired, pair_entries};
use crate::error::{Error, ErrorKind, Result};
use crate::normalize::{NormalizedObject, canonical_bytes};
use crate::registry::ObjectType;

/// A type's changes are stored as a layer over the previous snapshot's entries
/// while they stay below 1/CHANGE_RATIO of them; otherwise entries are
/// written afresh as one layer.
const CHANGE_RATIO: usize = 4;
/// A chain of layers this long is folded: the next snapshot's changes are
/// taken against its first layer alone, one layer replacing all the later
/// ones. Rewriting the whole first layer instead cost a daily store of
/// 10,000 users 0.7 MB a week, more than the week's changed objects.
const MAX_LAYERS: usize = 8;
/// The largest object body stored. Graph's largest (an application with many
/// certificates) are a few hundred KB; a body past this is broken or hostile,
/// and storing it would make every reader of the snapshot slow.
const MAX_OBJECT_BYTES: usize = 4 << 20;

/// An export in progress. Methods take `&self`, so an export driver may put
/// objects from several threads.
#[derive(Debug)]
pub struct SnapshotWriter {
    root: PathBuf,
    /// The store's encryption: objects are sealed to its recipients.
    crypt: StoreCrypt,

    /// Signs the manifest when a signing key was given.
    keys: std::sync::Arc<super::StoreKeys>,
    /// None while staged: taken when the snapshot is committed.
    lock: Option<StoreLock>,
    id: SnapshotId,
    tenant_id: String,
    kind: SnapshotKind,
    created_at: DateTime<Utc>,
    types: Vec<String>,
    /// The tenant's latest complete snapshot, whose layers this one may build on.
    base: Option<ManifestFile>,
    inner: Mutex<Pending>,
    /// Files this snapshot added to the store, removed again if it is dropped
    /// unfinished (a failed or cancelled export leaves the store as it was;
    /// only a killed one leaves unreferenced objects, for prune).
    created: Mutex<Vec<PathBuf>>,
}

#[derive(Debug, Default)]
struct Pending {
    entries: BTreeMap<String, BTreeMap<String, ObjectEntry>>,
    /// Object files written by this snapshot and not yet flushed to disk.
    unsynced: BTreeSet<PathBuf>,
    state: Option<Value>,
    /// Staged: canonical bytes of objects the store does not hold yet, by hash.
    held: Option<HashMap<ObjectHash, Vec<u8>>>,
}

impl SnapshotWriter {
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        root: PathBuf,
        crypt: StoreCrypt,
        keys: std::sync::Arc<super::StoreKeys>,
        lock: Option<StoreLock>,
        tenant_id: &str,
        types: &[&ObjectType],
        created_at: DateTime<Utc>,
        base: Option<ManifestFile>,
    ) -> SnapshotWriter {
        let created_at = created_at.trunc_subsecs(3);
        let mut id = SnapshotId::generate(created_at, tenant_id);
        while manifest::manifest_path(&root, &id).exists() {
            id = SnapshotId::generate(created_at, tenant_id);
        }
        let mut names: Vec<String> = types.iter().map(|t| t.name.to_string()).collect();
        names.sort();
        names.dedup();
        let staged = lock.is_none();
        SnapshotWriter {
            root,
            crypt,
            keys,
            lock,
            id,
            tenant_id: tenant_id.to_string(),
            kind: SnapshotKind::Export,
            created_at,
            types: names,
            base,
            inner: Mutex::new(Pending {
                held: staged.then(HashMap::new),
                ..Pending::default()
            }),
            created: Mutex::new(Vec::new()),
        }
    }

    /// Records why the snapshot exists (an export unless said otherwise).
    pub fn with_kind(mut self, kind: SnapshotKind) -> SnapshotWriter {
        self.kind = kind;
        self
    }

    pub fn kind(&self) -> SnapshotKind {
        self.kind
    }

    /// Stores `bytes` (or, staged, holds them until commit): their hash.
    fn store_bytes(&self, bytes: &[u8]) -> Result<ObjectHash> {
        if self.lock_inner().held.is_some() {
            let hash = ObjectHash::of(bytes);
            if !matches!(
                objects::check(&self.root, &self.crypt, &hash),
                objects::Check::Ok(_)
            ) {
                let mut inner = self.lock_inner();
                let held = inner.held.as_mut().expect("staged");
                held.entry(hash).or_insert_with(|| bytes.to_vec());
            }
            return Ok(hash);
        }
        // What this snapshot wrote itself is sound: put would read it back
        // to check it (10,000 users share a few hundred managers' links), and
        // without the identity it could not check it at all and would rewrite it.
        let hash = ObjectHash::of(bytes);
        if self
            .lock_inner()
            .unsynced
            .contains(&objects::path_of(&self.root, &hash))
        {
            return Ok(hash);
        }
        let (hash, written) = objects::put_hashed(&self.root, &self.crypt, hash, bytes)?;
        self.note_created(&written);
        self.lock_inner().unsynced.extend(written);
        Ok(hash)
    }

    /// Ends a staged writer's reading: a snapshot to plan against, stored
    /// only if committed.
    pub fn stage(self) -> super::StagedSnapshot {
        super::StagedSnapshot::new(self)
    }

    /// Staged: the held canonical bytes of `hash`, if it is a new object.
    pub(crate) fn held(&self, hash: &ObjectHash) -> Option<Vec<u8>> {
        self.lock_inner().held.as_ref()?.get(hash).cloned()
    }

    /// Staged: takes the entries out, per type in id order (the types begun
    /// with and nothing put are present and empty); nothing more may be put.
    /// Moved, not copied: on `large` each copy of the index is tens of MB.
    pub(crate) fn take_entries(&self) -> BTreeMap<String, Vec<ObjectEntry>> {
        let mut inner = self.lock_inner();
        self.types
            .iter()
            .map(|ty| {
                let entries = inner
                    .entries
                    .remove(ty)
                    .map(|e| e.into_values().collect())
                    .unwrap_or_default();
                (ty.clone(), entries)
            })
            .collect()
    }

    pub(crate) fn root(&self) -> &std::path::Path {
        &self.root
    }

    pub(crate) fn crypt(&self) -> &StoreCrypt {
        &self.crypt
    }

    pub(crate) fn tenant_id(&self) -> &str {
        &self.tenant_id
    }

    pub(crate) fn created_at(&self) -> DateTime<Utc> {
        self.created_at
    }

    pub(crate) fn types(&self) -> &[String] {
        &self.types
    }

    /// Staged: takes the store lock, writes the held objects and checks that
    /// every carried-over object is still there (a prune may have run since
    /// staging), then finishes with `entries` (what [`Self::take_entries`]
    /// took out).
    pub(crate) fn commit_entries(
        mut self,
        entries: BTreeMap<String, Vec<ObjectEntry>>,
    ) -> Result<SnapshotId> {
        let lock = StoreLock::acquire(&self.root)?;
        self.lock = Some(lock);
        let held = self.lock_inner().held.take().unwrap_or_default();
        for (hash, bytes) in &held {
            let (_, written) = objects::put_hashed(&self.root, &self.crypt, *hash, bytes)?;
            self.lock_inner().unsynced.extend(written);
        }
        drop(held);
        for (ty, list) in &entries {
            for e in list {
                for hash in std::iter::once(&e.hash).chain(e.links.as_ref()) {
                    if !objects::path_of(&self.root, hash).exists() {
                        return Err(Error::new(
                            ErrorKind::NotFound,
                            format!(
                                "cannot store snapshot {}: object {hash} of {ty} '{}' ({}) left the store while it was staged (a prune ran?); run the command again",
                                self.id, e.name, e.id
                            ),
                        ));
                    }
                }
            }
        }
        self.write_manifest(entries)
    }

    /// A staged writer's [`Self::commit_entries`] with its own entries.
    pub fn commit(self) -> Result<SnapshotId> {
        let entries = self.take_entries();
        self.commit_entries(entries)
    }

    /// The id the snapshot will have once finished.
    pub fn id(&self) -> &SnapshotId {
        &self.id
    }

    /// Stores an object (once per distinct content) and records it in the
    /// snapshot. Putting the same id again replaces the entry (delta replays);
    /// links already recorded for it are kept.
    pub fn put(&self, ty: &ObjectType, object: &NormalizedObject) -> Result<ObjectHash> {
        self.check_type(ty)?;
        let bytes = object.canonical_bytes();
        if bytes.len() > MAX_OBJECT_BYTES {
            return Err(Error::new(
                ErrorKind::InvalidObject,
                format!(
                    "{ty} '{}' ({}) is {:.1} MB, larger than any Graph object (at most {} MB is stored)",
                    ty.label_of(&object.body, &object.id)
                        .chars()
                        .take(60)
                        .collect::<String>(),
                    object.id,
                    bytes.len() as f64 / (1 << 20) as f64,
                    MAX_OBJECT_BYTES >> 20
                ),
            ));
        }
        let hash = self.store_bytes(&bytes)?;
        let entry = ObjectEntry {
            id: object.id.clone(),
            hash,
            name: ty.label_of(&object.body, &object.id),
            volatile: super::Volatile::from_map(&object.volatile),
            links: None,
        };
        let mut inner = self.lock_inner();
        let entries = inner.entries.entry(ty.name.to_string()).or_default();
        let links = entries.get(&object.id).and_then(|e| e.links);
        entries.insert(object.id.clone(), ObjectEntry { links, ..entry });
        Ok(hash)
    }

    /// Records an object's links (members, owners, manager), replacing earlier
    /// ones. The object must have been put first. Ids are sorted and
    /// deduplicated; an object without links gets none.
    pub fn put_links(
        &self,
        ty: &ObjectType,
        id: &str,
        links: &Links,
    ) -> Result<Option<ObjectHash>> {
        self.check_type(ty)?;
        let mut clean = Links::new();
        for (name, ids) in links {
            let Some(link) = ty.link(name) else {
                return Err(Error::new(
                    ErrorKind::InvalidArgument,
                    format!("{ty} has no link '{name}'"),
                ));
            };
            let mut ids = ids.clone();
            ids.sort();
            ids.dedup();
            if !link.many && ids.len() > 1 {
                return Err(Error::new(
                    ErrorKind::InvalidArgument,
                    format!("{ty} {id}: '{name}' holds one id, got {}", ids.len()),
                ));
            }
            if !ids.is_empty() {
                clean.insert(name.clone(), ids);
            }
        }
        let stored = if clean.is_empty() {
            None
        } else {
            let value = serde_json::to_value(&clean).expect("links serialize");
            Some(self.store_bytes(&canonical_bytes(&value))?)
        };
        let mut inner = self.lock_inner();
        let entry = inner
            .entries
            .get_mut(ty.name)
            .and_then(|e| e.get_mut(id))
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::InvalidArgument,
                    format!("links for {ty} {id}, which is not in snapshot {}", self.id),
                )
            })?;
        entry.links = stored;
        Ok(stored)
    }

    /// Carries an entry over from an earlier snapshot unchanged (incremental
    /// exports), after checking that its files are in the store.
    pub fn put_entry(&self, ty: &ObjectType, entry: ObjectEntry) -> Result<()> {
        self.check_type(ty)?;
        for hash in std::iter::once(&entry.hash).chain(entry.links.as_ref()) {
            if !objects::path_of(&self.root, hash).exists() {
                return Err(Error::new(
                    ErrorKind::NotFound,
                    format!(
                        "cannot carry {ty} '{}' ({}) into snapshot {}: object {hash} is not in the store",
                        entry.name, entry.id, self.id
                    ),
                ));
            }
        }
        self.lock_inner()
            .entries
            .entry(ty.name.to_string())
            .or_default()
            .insert(entry.id.clone(), entry);
        Ok(())
    }

    /// Export state (e.g. delta links) saved for the tenant when, and only
    /// when, this snapshot completes.
    pub fn set_state(&self, state: Value) {
        self.lock_inner().state = Some(state);
    }

    /// Writes the index layers and the manifest, then the tenant's state, and
    /// releases the lock. Only now is the snapshot listed. A staged writer is
    /// committed (see [`Self::commit`]).
    pub fn finish(self) -> Result<SnapshotId> {
        if self.lock.is_none() {
            return self.commit();
        }
        let entries = self.take_entries();
        self.write_manifest(entries)
    }

    /// Writes the index layers of `entries` (per type in id order), the
    /// manifest and the state, under the lock. Each type's entries are
    /// consumed as its layers are written.
    fn write_manifest(self, mut entries: BTreeMap<String, Vec<ObjectEntry>>) -> Result<SnapshotId> {
        let pending = std::mem::take(&mut *self.lock_inner());
        let mut unsynced = pending.unsynced;
        let mut index = BTreeMap::new();
        let mut counts = BTreeMap::new();
        for ty in &self.types {
            let entries = entries.remove(ty).unwrap_or_default();
            counts.insert(ty.clone(), entries.len() as u64);
            let base = self.base.as_ref().and_then(|b| b.index.get(ty));
            let (layers, written) = self.layers_for(base, entries)?;
            self.note_created(&written);
            unsynced.extend(written);
            index.insert(ty.clone(), layers);
        }
        // Every object the manifest names must be durable before the manifest is.
        atomic::sync_files(&unsynced.into_iter().collect::<Vec<_>>())?;
        // Linked to the tenant's newest manifest, and completed after it, so
        // the chain's order is the order of completion (the lock is held).
        let ids = manifest::ids(&self.root)?;
        let head = chain::head(&self.root, &self.tenant_id, &ids);
        let mut completed_at = Utc::now().trunc_subsecs(3);
        if let Some((_, head_done)) = &head
            && completed_at <= *head_done
        {
            completed_at = *head_done + chrono::Duration::milliseconds(1);
        }
        let mut file = ManifestFile {
            format: FORMAT_VERSION,
            id: self.id.clone(),
            tenant_id: self.tenant_id.clone(),
            kind: self.kind,
            created_at: self.created_at,
            completed_at,
            engine_version: env!("CARGO_PKG_VERSION").to_string(),
            complete: true,
            types: self.types.clone(),
            counts,
            index,
            recipients: self.crypt.recipients().to_vec(),
            chain: Some(manifest::ChainInfo {
                previous: head.map(|(link, _)| link),
            }),
            signature: None,
            checksum: String::new(),
        };
        let bytes = file.seal(&self.keys);
        atomic::write_atomic(&manifest::manifest_path(&self.root, &self.id), &bytes)?;
        // Listed now: its objects are the store's, whatever happens next.
        self.created
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
        if let Some(value) = pending.state {
            state::put(&self.root, &self.tenant_id, &value)?;
        }
        Ok(self.id.clone())
    }

    /// The layers of one type: the base's plus a layer of changes when that
    /// is small, else one fresh layer. A full chain is folded: its first
    /// layer plus one layer of every change since. `entries` are in id
    /// order, as are the base's resolved entries, so the two are walked side
    /// by side.
    fn layers_for(
        &self,
        base: Option<&Vec<ObjectHash>>,
        entries: Vec<ObjectEntry>,
    ) -> Result<(Vec<ObjectHash>, Option<PathBuf>)> {
        if let Some(base_layers) = base.filter(|l| !l.is_empty()) {
            let base_layers = if base_layers.len() < MAX_LAYERS {
                &base_layers[..]
            } else {
                &base_layers[..1]
            };
            // A damaged base is not this snapshot's problem: write afresh.
            if let Ok(old) = manifest::resolve_sorted(&self.root, &self.crypt, base_layers) {
                let mut removed = Vec::new();
                let mut upsert = Vec::new();
                for pair in pair_entries(&old, &entries) {
                    match pair {
                        Paired::First(a) => removed.push(a.id.clone()),
                        Paired::Second(b) => upsert.push(b.clone()),
                        Paired::Both(a, b) if a != b => upsert.push(b.clone()),
                        Paired::Both(..) => {}
                    }
                }
                let changes = removed.len() + upsert.len();
                if changes == 0 {
                    return Ok((base_layers.to_vec(), None));
                }
                if changes * CHANGE_RATIO <= old.len() {
                    drop(old);
                    let layer = Layer { upsert, removed };
                    let (hash, written) = objects::put(&self.root, &self.crypt, &layer.to_bytes())?;
                    let mut layers = base_layers.to_vec();
                    layers.push(hash);
                    return Ok((layers, written));
                }
            }
        }
        if entries.is_empty() {
            return Ok((Vec::new(), None));
        }
        let layer = Layer {
            upsert: entries,
            removed: Vec::new(),
        };
        let (hash, written) = objects::put(&self.root, &self.crypt, &layer.to_bytes())?;
        Ok((vec![hash], written))
    }

    fn check_type(&self, ty: &ObjectType) -> Result<()> {
        if self
            .types
            .binary_search_by(|t| t.as_str().cmp(ty.name))
            .is_err()
        {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                format!(
                    "snapshot {} was begun without type {ty} (types: {})",
                    self.id,
                    self.types.join(", ")
                ),
            ));
        }
        Ok(())
    }

    fn note_created(&self, written: &Option<PathBuf>) {
        if let Some(path) = written {
            self.created
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(path.clone());
        }
    }

    fn lock_inner(&self) -> MutexGuard<'_, Pending> {
        // A panic in another putting thread leaves consistent data behind
        // (every update is a single insert), so poisoning is ignored.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Drop for SnapshotWriter {
    /// An unfinished snapshot takes back what it added (best effort: what
    /// cannot be removed is unreferenced, and prune collects it).
    fn drop(&mut self) {
        let created = std::mem::take(&mut *self.created.lock().unwrap_or_else(|p| p.into_inner()));
        let mut shards = BTreeSet::new();
        for path in created {
            let _ = std::fs::remove_file(&path);
            if let Some(shard) = path.parent() {
                shards.insert(shard.to_path_buf());
            }
        }
        for shard in shards {
            // Only empty shard folders go (remove_dir refuses the others).
            let _ = std::fs::remove_dir(shard);
        }
    }
}
